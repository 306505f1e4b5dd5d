//! Text helpers both importers share: reading a source file as UTF-8 (replacing bad bytes, with a
//! warning that says which), the first heading of a Markdown file, template placeholders, ids
//! made from file names, and YAML scalars written safely.

use crate::base::diagnostic::{Diagnostic, Pos};
use std::io::Read;
use std::path::Path;

/// Reads the source file `full` (shown as `shown`), at most the size crosswalk accepts for a
/// document. Bytes that are not UTF-8 are replaced by U+FFFD and named in a warning: the file
/// still imports, and nothing is guessed about its real encoding.
pub fn read_source(full: &Path, shown: &Path) -> Result<(String, Option<Diagnostic>), Diagnostic> {
    let limit = crate::load::MAX_DOCUMENT_BYTES;
    let file = std::fs::File::open(full).map_err(|e| {
        Diagnostic::error(shown, format!("cannot read: {e}")).with_rule(crate::base::rules::IO)
    })?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| {
        Diagnostic::error(shown, format!("cannot read: {e}")).with_rule(crate::base::rules::IO)
    })?;
    if bytes.len() as u64 > limit {
        return Err(Diagnostic::error(
            shown,
            format!("file is over the limit of {limit} bytes for a document"),
        )
        .with_rule(crate::base::rules::IMPORT_SOURCE));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), None));
    }
    Ok(decode_lossy(bytes, shown))
}

/// Decodes `bytes`, replacing each invalid sequence by U+FFFD, with a warning naming the first
/// few sequences and where they stand in the decoded text.
fn decode_lossy(bytes: &[u8], shown: &Path) -> (String, Option<Diagnostic>) {
    let mut text = String::with_capacity(bytes.len());
    let mut bad: Vec<(String, Pos)> = Vec::new();
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            let hex: Vec<String> = chunk
                .invalid()
                .iter()
                .map(|b| format!("0x{b:02X}"))
                .collect();
            bad.push((hex.join(" "), Pos::of_offset(&text, text.len())));
            text.push('\u{FFFD}');
        }
    }
    let shown_list: Vec<String> = bad
        .iter()
        .take(5)
        .map(|(hex, p)| format!("{hex} at {}:{}", p.line, p.column))
        .collect();
    let more = if bad.len() > 5 {
        format!(", and {} more", bad.len() - 5)
    } else {
        String::new()
    };
    let first = bad.first().map(|(_, p)| *p);
    let warning = Diagnostic::warning(
        shown,
        format!(
            "not valid UTF-8: {} byte sequence{} replaced by U+FFFD ({}{more})",
            bad.len(),
            if bad.len() == 1 { "" } else { "s" },
            shown_list.join(", ")
        ),
    )
    .with_rule(crate::base::rules::IMPORT_GAP)
    .at(first)
    .with_hint(
        "if the file is in another encoding (e.g. Windows-1252), convert it \
         (iconv -f WINDOWS-1252 -t UTF-8) and import again, or fix the marked characters",
    );
    (text, Some(warning))
}

/// The text of the first heading of a Markdown text, with the 1-based line it starts on; `None`
/// when there is no heading with text.
pub fn first_heading(markdown: &str) -> Option<(String, usize)> {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut current: Option<(String, usize)> = None;
    for (event, range) in Parser::new(markdown).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                current = Some((String::new(), Pos::of_offset(markdown, range.start).line));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((s, _)) = current.as_mut() {
                    s.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((s, _)) = current.as_mut() {
                    s.push(' ');
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((s, line)) = current.take() {
                    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
                    if !s.is_empty() {
                        return Some((s, line));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// `n thing` or `n things`.
pub fn count(n: usize, thing: &str) -> String {
    format!("{n} {thing}{}", if n == 1 { "" } else { "s" })
}

/// A title made from a file name: `access-control_policy.md` becomes "Access control policy".
pub fn title_from_file_name(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let words: Vec<&str> = stem
        .split(|c: char| c == '-' || c == '_' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    let joined = words.join(" ");
    let mut chars = joined.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => "Untitled".into(),
    }
}

/// Ids become file names: letters, digits and `-`, at most this long (leaving room for a
/// `-N` suffix under crosswalk's limit of 100).
const SLUG_MAX: usize = 90;

/// An id made from a name: lower case ASCII letters and digits, other runs become `-`; common
/// accented Latin letters lose their accent. Never empty.
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = fold_accent(c);
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= SLUG_MAX {
            break;
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "document".into()
    } else {
        out.to_string()
    }
}

fn fold_accent(c: char) -> char {
    // Latin-1 letters by code point (the source stays ASCII).
    match c as u32 {
        0xE0..=0xE5 => 'a',
        0xE7 => 'c',
        0xE8..=0xEB => 'e',
        0xEC..=0xEF => 'i',
        0xF1 => 'n',
        0xF2..=0xF6 | 0xF8 => 'o',
        0xF9..=0xFC => 'u',
        0xFD | 0xFF => 'y',
        _ => c,
    }
}

/// Whether `id` is already a valid crosswalk id (letters, digits, `-`, `_`, `.`).
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= SLUG_MAX
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A template placeholder found in a text, with the 1-based lines it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    pub text: String,
    pub lines: Vec<usize>,
}

/// Template placeholders in `text`, in order of first appearance: `{{ ... }}` (mustache, Go
/// and Jinja templates) and bracketed ones that cannot be anything else: `[COMPANY]`,
/// `[Company Name]`, `[insert date]`. Links, images, task boxes, footnotes and a bracketed label
/// the file defines as a reference are not placeholders.
pub fn placeholders(text: &str) -> Vec<Placeholder> {
    let mut found: Vec<Placeholder> = Vec::new();
    let mut note = |p: &str, line: usize| match found.iter_mut().find(|f| f.text == p) {
        Some(f) => {
            if f.lines.last() != Some(&line) {
                f.lines.push(line);
            }
        }
        None => found.push(Placeholder {
            text: p.to_string(),
            lines: vec![line],
        }),
    };
    for (i, line) in text.lines().enumerate() {
        for p in braces(line) {
            note(p, i + 1);
        }
        for p in brackets(line, text) {
            note(p, i + 1);
        }
    }
    found
}

/// `{{ ... }}` on one line.
fn braces(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = line[from..].find("{{") {
        let start = from + i;
        let Some(j) = line[start + 2..].find("}}") else {
            break;
        };
        let end = start + 2 + j + 2;
        let inner = line[start + 2..end - 2].trim();
        if !inner.is_empty() && inner.len() <= 80 {
            out.push(&line[start..end]);
        }
        from = end;
    }
    out
}

/// `[ ... ]` on one line that is a placeholder beyond doubt (see `placeholders`).
fn brackets<'a>(line: &'a str, whole: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = line[from..].find('[') {
        let start = from + i;
        let Some(j) = line[start + 1..].find(['[', ']']) else {
            break;
        };
        let close = start + 1 + j;
        if line.as_bytes()[close] == b'[' {
            from = close;
            continue;
        }
        from = close + 1;
        let inner = &line[start + 1..close];
        let before = line[..start].chars().next_back();
        let after = line[close + 1..].chars().next();
        let link_like =
            before == Some('!') || before == Some(']') || matches!(after, Some('(' | '[' | ':'));
        if link_like || inner.starts_with('^') || !looks_like_placeholder(inner) {
            continue;
        }
        let defined = format!("[{}]:", inner.to_lowercase());
        if whole
            .lines()
            .any(|l| l.trim_start().to_lowercase().starts_with(&defined))
        {
            continue;
        }
        out.push(&line[start..=close]);
    }
    out
}

fn looks_like_placeholder(inner: &str) -> bool {
    let inner = inner.trim();
    let letters: Vec<char> = inner.chars().filter(|c| c.is_alphabetic()).collect();
    if inner.len() > 80 || letters.len() < 2 {
        return false;
    }
    let lower = inner.to_lowercase();
    let verbs = ["insert ", "enter ", "add ", "your ", "replace ", "name of "];
    if verbs.iter().any(|v| lower.starts_with(v)) {
        return true;
    }
    if letters.iter().all(|c| c.is_uppercase()) {
        return true;
    }
    let words: Vec<&str> = inner.split_whitespace().collect();
    words.len() >= 2
        && words.iter().all(|w| {
            w.chars().next().is_some_and(char::is_uppercase)
                && w.chars().all(|c| c.is_alphanumeric() || c == '\'')
        })
}

/// `s` as a double-quoted YAML scalar: always safe, whatever the text (quotes, colons, `#`,
/// control characters and the line separators libyaml counts as breaks are escaped).
pub fn yaml_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}') => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_scalars_read_back_unchanged() {
        #[derive(serde::Deserialize)]
        struct T {
            v: String,
        }
        for s in [
            "plain",
            "a: b # c",
            "\"quoted\" and \\ back",
            "tab\there\nnew line",
            "nul \u{0} bell \u{7} nel \u{85} ls \u{2028}",
            "\u{e9}moji \u{1F642}",
            "- not a list",
            "",
        ] {
            let yaml = format!("v: {}\n", yaml_quote(s));
            let t: T = crate::base::yaml::parse(&yaml, Path::new("t.yaml"), 1).unwrap();
            assert_eq!(t.v, s, "{yaml}");
        }
    }

    #[test]
    fn slugs_and_titles() {
        assert_eq!(slug("Access Control Policy"), "access-control-policy");
        assert_eq!(
            slug("  Pol\u{ed}tica de Privacidad!! "),
            "politica-de-privacidad"
        );
        assert_eq!(slug("%%%"), "document");
        assert!(slug(&"x".repeat(300)).len() <= SLUG_MAX);
        assert_eq!(
            title_from_file_name(Path::new("dir/acceptable-use_policy.md")),
            "Acceptable use policy"
        );
        assert!(is_valid_id("AOTP") && !is_valid_id("a b") && !is_valid_id(".x"));
    }

    #[test]
    fn headings() {
        assert_eq!(
            first_heading("intro\n\n## The *Access* `Policy`\n# Later\n"),
            Some(("The Access Policy".into(), 3))
        );
        assert_eq!(
            first_heading("Setext Title\n============\n"),
            Some(("Setext Title".into(), 1))
        );
        assert_eq!(first_heading("```\n# not a heading\n```\n"), None);
        assert_eq!(first_heading("#\n\nbody\n"), None);
    }

    #[test]
    fn placeholders_found_and_links_left_alone() {
        let text = "Welcome to {{companyName}} and {{ company_name }}.\n\
                    Signed [Company Name] on [insert date], see [the policy](x.md) or [Ref].\n\
                    - [ ] a task, - [x] done, ![Logo Image](l.png), a note[^1], [SOC 2]\n\
                    {{companyName}} again; [Access Policy][ap] and [Defined Label].\n\
                    [defined label]: https://example.com\n";
        let found = placeholders(text);
        let names: Vec<&str> = found.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(
            names,
            [
                "{{companyName}}",
                "{{ company_name }}",
                "[Company Name]",
                "[insert date]",
                "[SOC 2]"
            ]
        );
        assert_eq!(found[0].lines, [1, 4]);
    }

    #[test]
    fn bad_bytes_are_replaced_and_named() {
        let (text, warning) =
            decode_lossy(b"ok\nsmart \x92quote\x92 and \xE9\n", Path::new("p.md"));
        assert_eq!(text, "ok\nsmart \u{FFFD}quote\u{FFFD} and \u{FFFD}\n");
        let w = warning.unwrap();
        assert!(!w.is_error());
        assert_eq!((w.line, w.column), (Some(2), Some(7)));
        assert!(
            w.message.contains("3 byte sequences")
                && w.message.contains("0x92 at 2:7")
                && w.message.contains("0xE9 at 2:19"),
            "{}",
            w.message
        );
    }
}
