//! Checks shared by the fuzz targets. Every target feeds raw bytes through
//! `decode_utf8` first, as the loader does with a file read from disk, then hands the text
//! to one parser. A panic anywhere, or a failed check here, is a finding.

use crosswalk::diagnostic::Diagnostic;
use std::path::Path;

/// The text of `bytes` as the loader would see it, or `None` when it is not UTF-8 (after
/// checking the diagnostic that says so).
pub fn decode(bytes: &[u8], path: &Path) -> Option<String> {
    match crosswalk::base::text::decode_utf8(bytes, path) {
        Ok(text) => Some(text),
        Err(d) => {
            check_diagnostic(&d, &String::from_utf8_lossy(bytes), path);
            None
        }
    }
}

/// A diagnostic names the file it was given and, when it has a position, one inside the file:
/// line and column 1-based, the line at most one past the last line.
pub fn check_diagnostic(d: &Diagnostic, text: &str, path: &Path) {
    assert_eq!(d.path, path, "diagnostic names another file: {d}");
    assert!(!d.message.trim().is_empty(), "empty message: {d:?}");
    let lines = text.lines().count();
    if let Some(line) = d.line {
        assert!(line >= 1, "line 0: {d}");
        assert!(
            line <= lines + 1,
            "line {line} past the end ({lines} lines): {d}"
        );
    }
    if let Some(column) = d.column {
        assert!(column >= 1, "column 0: {d}");
    }
}

/// Elements that run script, load other documents or take input: sanitised output has none.
const DANGEROUS: &[&str] = &[
    "applet",
    "base",
    "button",
    "embed",
    "form",
    "frame",
    "frameset",
    "iframe",
    "link",
    "math",
    "meta",
    "noembed",
    "noframes",
    "noscript",
    "object",
    "plaintext",
    "script",
    "select",
    "style",
    "svg",
    "template",
    "textarea",
    "title",
    "xmp",
];

/// Attributes holding a URL a browser follows or loads.
const URL_ATTRIBUTES: &[&str] = &[
    "action",
    "background",
    "cite",
    "formaction",
    "href",
    "longdesc",
    "poster",
    "src",
    "xlink:href",
];

/// Sanitised HTML holds no script-capable element, no event handler and no URL that runs
/// script. Tags are read as the serialiser writes them: `<name attr="value" ...>`, with `&`
/// and `"` escaped in values and `<` escaped in text.
pub fn check_sanitised_html(html: &str) {
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        let tag = rest[i + 1..].strip_prefix('/').unwrap_or(&rest[i + 1..]);
        let name_len = tag
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(tag.len());
        let name = tag[..name_len].to_ascii_lowercase();
        assert!(!name.is_empty(), "unescaped `<` in output:\n{html}");
        assert!(
            !DANGEROUS.contains(&name.as_str()),
            "<{name}> in output:\n{html}"
        );
        // Attributes up to the `>` that closes the tag (one inside a quoted value does not).
        let mut attrs = &tag[name_len..];
        loop {
            attrs = attrs.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
            if attrs.is_empty() || attrs.starts_with('>') {
                break;
            }
            let end = attrs
                .find(|c: char| c.is_ascii_whitespace() || matches!(c, '=' | '>' | '/'))
                .unwrap_or(attrs.len());
            let attr = attrs[..end].to_ascii_lowercase();
            attrs = &attrs[end..];
            let mut value = "";
            if let Some(v) = attrs.strip_prefix("=\"") {
                let close = v.find('"').expect("attribute value is closed");
                value = &v[..close];
                attrs = &v[close + 1..];
            }
            assert!(
                !attr.starts_with("on"),
                "event handler `{attr}` in <{name}>:\n{html}"
            );
            if URL_ATTRIBUTES.contains(&attr.as_str()) {
                let url = browser_url(value);
                for scheme in ["javascript:", "vbscript:", "data:"] {
                    assert!(
                        !url.starts_with(scheme),
                        "{attr}=\"{value}\" in <{name}>:\n{html}"
                    );
                }
            }
        }
        rest = &tag[name_len..];
    }
}

/// An attribute value as a browser's URL parser sees it: entities decoded, C0 controls and
/// spaces trimmed, tabs and newlines removed anywhere, scheme in lower case.
fn browser_url(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect::<String>()
        .to_ascii_lowercase()
}
