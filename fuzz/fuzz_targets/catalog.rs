#![no_main]
//! A framework catalog, mappings/frameworks/<slug>.yaml. The seeds say `slug: x`.

use crosswalk::load::parse_catalog;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("mappings/frameworks/x.yaml");
    let Some(text) = crosswalk_fuzz::decode(data, path) else {
        return;
    };
    match parse_catalog(path, &text) {
        Ok(c) => {
            assert_eq!(c.slug, "x");
            assert_eq!(&*c.source_text, text);
        }
        Err(d) => crosswalk_fuzz::check_diagnostic(&d, &text, path),
    }
});
