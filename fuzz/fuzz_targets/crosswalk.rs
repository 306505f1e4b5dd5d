#![no_main]
//! A crosswalk, mappings/crosswalks/<from>__<to>.yaml. The seeds go from `a` to `b`.

use crosswalk::load::parse_crosswalk;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("mappings/crosswalks/a__b.yaml");
    let Some(text) = crosswalk_fuzz::decode(data, path) else {
        return;
    };
    match parse_crosswalk(path, &text) {
        Ok(x) => {
            assert_eq!((x.from.as_str(), x.to.as_str()), ("a", "b"));
            assert_eq!(&*x.source_text, text);
        }
        Err(d) => crosswalk_fuzz::check_diagnostic(&d, &text, path),
    }
});
