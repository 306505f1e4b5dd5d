#![no_main]
//! A policy, procedure, standard or plan: front matter split and parsed, fields checked.

use crosswalk::load::parse_document;
use crosswalk::model::DocKind;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("content/policies/x.md");
    let Some(text) = crosswalk_fuzz::decode(data, path) else {
        return;
    };
    match parse_document(DocKind::Policies, path, &text) {
        Ok(doc) => {
            assert_eq!(doc.path, path);
            assert_eq!(doc.front_matter_line, 2);
            assert!(!doc.meta.id.is_empty() && !doc.meta.title.trim().is_empty());
            assert!(doc.meta.review_every.is_some() != doc.meta.next_review.is_some());
        }
        Err(d) => crosswalk_fuzz::check_diagnostic(&d, &text, path),
    }
});
