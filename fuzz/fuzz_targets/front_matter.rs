#![no_main]
//! The front matter splitter: `---`, YAML, `---`, body.

use crosswalk::load::split_front_matter;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Some(text) = crosswalk_fuzz::decode(data, Path::new("content/policies/x.md")) else {
        return;
    };
    match split_front_matter(&text) {
        Ok(s) => {
            // The pieces are the file's own text: the `---` line, the YAML, a closing line, the body.
            assert_eq!(s.yaml_line, 2);
            let first = text.find('\n').map_or(text.len(), |i| i + 1);
            assert_eq!(text[..first].trim_end(), "---");
            assert!(text[first..].starts_with(s.yaml));
            assert!(text.ends_with(s.body));
            // Only the first closing line ends the front matter.
            assert!(
                !s.yaml
                    .split_inclusive('\n')
                    .any(|l| matches!(l.trim_end(), "---" | "..."))
            );
        }
        Err((message, pos)) => {
            assert!(!message.is_empty());
            assert!(pos.line >= 1 && pos.column >= 1);
        }
    }
});
