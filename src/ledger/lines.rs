//! The ledger's line format and reading it: one JSON entry per line, each line's hash the next
//! one's `prev`; a last line without its newline (a torn append) found and explained.

use crate::base::diagnostic::{Diagnostic, Pos};
use crate::base::hash::hex;
use crate::base::rules;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The `prev` of the first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One ledger line. Field order is the serialisation order, which makes the signed bytes canonical.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// 1 for the first line, then one more per line.
    pub seq: u64,
    /// The evidence record's id.
    pub id: String,
    /// The artifact's path, relative to the site root.
    pub path: String,
    pub sha256: String,
    pub size: u64,
    /// UTC, RFC 3339.
    pub sealed_at: String,
    /// SHA-256 of the previous line's bytes (without its newline), or GENESIS.
    pub prev: String,
    /// Ed25519 signature (hex) over the line as serialised without this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
}

impl Entry {
    /// The bytes a signature covers: the line with no `sig`.
    pub(super) fn signed_bytes(&self) -> Vec<u8> {
        let unsigned = Entry {
            sig: None,
            ..self.clone()
        };
        serde_json::to_vec(&unsigned).unwrap_or_default()
    }
}

/// A ledger line as read: the entry, its raw text and its line number.
#[derive(Debug, Clone)]
pub struct Line {
    pub number: usize,
    pub raw: String,
    pub entry: Entry,
}

pub fn line_hash(raw: &str) -> String {
    hex(&Sha256::digest(raw.as_bytes()))
}

/// Reads and parses every line. A line that does not parse (an edit, a truncation) is an error
/// naming the line; the lines that do parse are still returned so verification can go on. A last
/// line without a newline is torn (see `torn_diagnostic`); if it is a complete entry it is still
/// returned.
pub fn read(text: &str, path: &Path) -> (Vec<Line>, Vec<Diagnostic>) {
    let mut lines = Vec::new();
    let mut diags = Vec::new();
    let torn = torn_tail(text.as_bytes());
    let complete = &text[..torn.as_ref().map_or(text.len(), |t| t.start)];
    for (i, raw) in complete.split('\n').enumerate() {
        let number = i + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.is_empty() {
            continue;
        }
        match serde_json::from_str::<Entry>(raw) {
            Ok(entry) => lines.push(Line {
                number,
                raw: raw.to_string(),
                entry,
            }),
            Err(e) => diags.push(
                Diagnostic::error(
                    path,
                    format!("ledger line {number} is not a valid entry: {e}"),
                )
                .with_rule(rules::LEDGER_ENTRY)
                .at(Some(Pos {
                    line: number,
                    column: e.column().max(1),
                }))
                .with_hint("the ledger is append-only: restore the line from git history"),
            ),
        }
    }
    if let Some(t) = torn {
        diags.push(torn_diagnostic(path, &t, diags.is_empty()));
        if let Some(entry) = t.entry {
            let raw = &text[t.start..];
            lines.push(Line {
                number: t.line,
                raw: raw.strip_suffix('\r').unwrap_or(raw).to_string(),
                entry,
            });
        }
    }
    (lines, diags)
}

/// A last line without its newline: what an append cut short by a crash or a full disk leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Torn {
    /// Its line number.
    pub line: usize,
    /// The column where it stops (one past its last character).
    pub column: usize,
    /// The byte offset where it starts: the length of the ledger's complete lines.
    pub start: usize,
    /// The entry it holds, when it is a complete entry missing only its newline.
    pub entry: Option<Entry>,
}

/// The torn last line of a ledger's bytes, if it has one (any bytes: a cut can split a character).
pub fn torn_tail(bytes: &[u8]) -> Option<Torn> {
    if bytes.is_empty() || bytes.ends_with(b"\n") {
        return None;
    }
    let start = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let tail = &bytes[start..];
    let tail = tail.strip_suffix(b"\r").unwrap_or(tail);
    let line = bytes[..start].iter().filter(|&&b| b == b'\n').count() + 1;
    let entry = std::str::from_utf8(tail)
        .ok()
        .and_then(|t| serde_json::from_str::<Entry>(t).ok());
    Some(Torn {
        line,
        column: String::from_utf8_lossy(tail).chars().count() + 1,
        start,
        entry,
    })
}

/// The error for a torn last line, naming its line and column, what is wrong and the repair.
/// `repairable`: every line before it is a valid entry (otherwise the ledger is damaged beyond a
/// torn append, and is restored from git instead).
pub fn torn_diagnostic(path: &Path, t: &Torn, repairable: bool) -> Diagnostic {
    let d = match &t.entry {
        Some(e) => Diagnostic::error(
            path,
            format!(
                "ledger line {} has no newline at its end: its entry (seq {}, `{}`) is complete, but the append that wrote it stopped before the newline",
                t.line, e.seq, e.id
            ),
        ).with_rule(rules::LEDGER_ENTRY),
        None => Diagnostic::error(
            path,
            format!(
                "ledger line {} is not a valid entry: it is torn, cut off at column {} with no newline, as an append interrupted by a crash or a full disk leaves it",
                t.line, t.column
            ),
        ).with_rule(rules::LEDGER_ENTRY),
    }
    .at(Some(Pos {
        line: t.line,
        column: t.column,
    }));
    let hint = if !repairable {
        "lines before it are damaged too, which a torn append does not explain: restore the ledger from git history".to_string()
    } else if t.entry.is_some() {
        "run `crosswalk seal --repair` to add the newline; the entry is kept".to_string()
    } else {
        format!(
            "run `crosswalk seal --repair`: it moves the torn bytes out (printed, and saved in {}/ when the site has that folder) and cuts the ledger back to its last complete line{}",
            crate::model::CACHE_DIR,
            match t.line {
                1 => " (leaving it empty)".to_string(),
                n => format!(", line {}", n - 1),
            }
        )
    };
    d.with_hint(hint)
}

/// The torn-line error for a ledger's bytes, if its last line is torn; for callers that could not
/// decode the whole file (a cut inside a multi-byte character).
pub fn torn_note(bytes: &[u8], path: &Path) -> Option<Diagnostic> {
    let t = torn_tail(bytes)?;
    let repairable = crate::base::text::decode_utf8(&bytes[..t.start], path)
        .is_ok_and(|text| read(&text, path).1.is_empty());
    Some(torn_diagnostic(path, &t, repairable))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_lines_are_reported() {
        let (_, d) = read("{\"seq\":1,\"id\":\"a\"", Path::new("l"));
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].message.starts_with(
                "ledger line 1 is not a valid entry: it is torn, cut off at column 18"
            ),
            "{d:?}"
        );
        assert_eq!((d[0].line, d[0].column), (Some(1), Some(18)));
        assert!(
            d[0].hint
                .as_ref()
                .unwrap()
                .contains("crosswalk seal --repair"),
            "{d:?}"
        );
    }
}
