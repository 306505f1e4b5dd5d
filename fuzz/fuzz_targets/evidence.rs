#![no_main]
//! An evidence file: one record or a list of them.

use crosswalk::diagnostic::Pos;
use crosswalk::load::parse_evidence;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("content/evidence/x.yaml");
    let Some(text) = crosswalk_fuzz::decode(data, path) else {
        return;
    };
    match parse_evidence(path, &text) {
        Ok(records) => {
            assert!(!records.is_empty());
            for ev in &records {
                assert!(ev.meta.file.is_some() != ev.meta.url.is_some());
                // A record's position is its own `id:` in the file.
                if let Some((pos, at)) = ev.start {
                    assert!(text[at..].starts_with("id:"));
                    assert_eq!(pos, Pos::of_offset(&text, at));
                }
            }
        }
        Err(d) => crosswalk_fuzz::check_diagnostic(&d, &text, path),
    }
});
