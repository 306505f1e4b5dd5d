#![no_main]
//! The evidence ledger: JSON lines read, then the hash chain and signatures checked, as `build`
//! and `verify` do.

use crosswalk::ledger;
use ed25519_dalek::SigningKey;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("content/evidence/ledger.jsonl");
    let Some(text) = crosswalk_fuzz::decode(data, path) else {
        return;
    };
    let (lines, diags) = ledger::read(&text, path);
    for d in &diags {
        crosswalk_fuzz::check_diagnostic(d, &text, path);
    }
    for l in &lines {
        // A line is read back as the file has it, at the number it has in the file.
        let raw = text
            .split('\n')
            .nth(l.number - 1)
            .expect("line number in range");
        assert_eq!(raw.strip_suffix('\r').unwrap_or(raw), l.raw);
    }
    let key = SigningKey::from_bytes(&[7; 32]).verifying_key();
    for d in ledger::verify_chain(&lines, path, Some(&key)) {
        crosswalk_fuzz::check_diagnostic(&d, &text, path);
    }
    assert!(ledger::latest(&lines).len() <= lines.len());
});
