#![no_main]
//! A document body rendered to HTML. Trusted mode passes raw HTML through, so it only must not
//! panic; the default, sanitised mode must let nothing script-capable out.

use crosswalk::config::RawHtml;
use crosswalk::render::markdown;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Some(text) = crosswalk_fuzz::decode(data, Path::new("content/policies/x.md")) else {
        return;
    };
    markdown(&text, RawHtml::Trusted);
    crosswalk_fuzz::check_sanitised_html(&markdown(&text, RawHtml::Sanitise));
});
