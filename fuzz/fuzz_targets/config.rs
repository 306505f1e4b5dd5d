#![no_main]
//! `crosswalk.yaml`, the site's configuration.

use crosswalk::config::Config;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("crosswalk.yaml");
    let Some(text) = crosswalk_fuzz::decode(data, path) else {
        return;
    };
    match Config::parse(text.clone(), path) {
        Ok(c) => {
            assert_eq!(c.source, text);
            // Every profile a build can be asked for resolves.
            assert!(c.profile(&c.default_profile).is_ok());
            for name in c.profiles.keys() {
                assert!(c.profile(name).is_ok());
            }
            for a in &c.audits {
                assert!(a.start <= a.end);
                assert!(!a.title().is_empty() || a.id.is_empty());
            }
        }
        Err(d) => crosswalk_fuzz::check_diagnostic(&d, &text, path),
    }
});
