//! All YAML parsing goes through this module, so the parser (serde_yaml, archived upstream) can be
//! swapped for a maintained fork in one place. Errors come back as diagnostics positioned in the
//! whole file, not just in the YAML fragment (front matter starts below its `---` line).

use crate::base::diagnostic::{Diagnostic, Pos};
use crate::base::rules;
use serde::de::DeserializeOwned;
use std::path::Path;

/// Larger YAML files are refused before parsing: no real catalog, record or config comes close,
/// and it bounds the memory a hostile file can take.
pub const MAX_YAML_BYTES: usize = 16 * 1024 * 1024;

/// Parses `text`, which starts at line `first_line` (1-based) of the file at `path`.
pub fn parse<T: DeserializeOwned>(
    text: &str,
    path: &Path,
    first_line: usize,
) -> Result<T, Diagnostic> {
    if text.len() > MAX_YAML_BYTES {
        return Err(Diagnostic::error(
            path,
            format!(
                "YAML block is {} bytes, over the limit of {} bytes",
                text.len(),
                MAX_YAML_BYTES
            ),
        )
        .with_rule(rules::FILE_TOO_LARGE));
    }
    serde_yaml::from_str(text).map_err(|e| to_diagnostic(&e, text, path, first_line))
}

/// Removes every " at line N column M" libyaml writes into a message. Its lines count `\r`,
/// U+0085, U+2028 and U+2029 as breaks, which editors do not, so its numbers can point past the
/// end of the file; the diagnostic carries the position, computed from the byte offset instead.
/// Other text (a key the user named "line 5") is left as written.
fn strip_positions(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find(" at line ") {
        let after = &rest[i + " at line ".len()..];
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let tail = &after[digits..];
        let col = tail
            .strip_prefix(" column ")
            .map(|t| t.len() - t.trim_start_matches(|c: char| c.is_ascii_digit()).len());
        match col {
            Some(n) if digits > 0 && n > 0 => {
                out.push_str(&rest[..i]);
                rest = &tail[" column ".len() + n..];
            }
            _ => {
                out.push_str(&rest[..i + 1]);
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn to_diagnostic(e: &serde_yaml::Error, text: &str, path: &Path, first_line: usize) -> Diagnostic {
    // The position from the byte offset, counting lines as editors do, shifted to where the
    // fragment starts in the file.
    let pos = e.location().map(|l| {
        let p = Pos::of_offset(text, l.index());
        Pos {
            line: p.line.saturating_add(first_line - 1),
            column: p.column,
        }
    });
    let mut message = strip_positions(&e.to_string());
    let mut pos = pos;
    // Errors from our own value parsers (dates, periods) are placed by serde_yaml at the start of
    // the mapping; the offending value is quoted in the message, so point at it instead.
    if (message.starts_with("invalid date `") || message.starts_with("invalid period `"))
        && let Some(value) = message.split('`').nth(1)
        && let Some(p) = Pos::find(text, value, 0)
    {
        pos = Some(Pos {
            line: p.line + first_line - 1,
            column: p.column,
        });
    }
    if message.contains("repetition limit exceeded") {
        message = "too many alias expansions: refusing a YAML alias bomb".to_string();
    } else if message.contains("recursion limit exceeded") {
        message = "YAML nested too deeply (recursion limit exceeded)".to_string();
    }
    if message.starts_with("invalid date") || message.starts_with("invalid period") {
        return Diagnostic::error(path, message)
            .with_rule(rules::INVALID_DATE)
            .at(pos);
    }
    Diagnostic::error(path, format!("invalid YAML: {message}"))
        .with_rule(rules::YAML)
        .at(pos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Rec {
        #[allow(dead_code)]
        id: String,
    }

    #[test]
    fn positions_are_relative_to_the_file() {
        let err = parse::<Rec>("id: a\nidd: b\n", Path::new("f.md"), 2).unwrap_err();
        assert_eq!((err.line, err.column), (Some(3), Some(1)));
        assert!(
            err.message.contains("unknown field `idd`"),
            "{}",
            err.message
        );
        assert!(!err.message.contains(" at line "), "{}", err.message);
    }

    #[test]
    fn libyaml_positions_are_stripped_from_messages() {
        assert_eq!(
            strip_positions(
                "found unexpected end of stream at line 4 column 1, while scanning a quoted scalar at line 2 column 8"
            ),
            "found unexpected end of stream, while scanning a quoted scalar"
        );
        assert_eq!(
            strip_positions("unknown field `line 5 at line 9`"),
            "unknown field `line 5 at line 9`"
        );
        assert_eq!(strip_positions("no positions"), "no positions");
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut bomb =
            String::from("a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n");
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for w in names.windows(2) {
            let (p, n) = (w[0], w[1]);
            bomb.push_str(&format!(
                "{n}: &{n} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
            ));
        }
        let err = parse::<serde_yaml::Value>(&bomb, Path::new("bomb.yaml"), 1).unwrap_err();
        assert!(err.message.contains("alias bomb"), "{}", err.message);
    }
}
