//! The hash chain: the lines that extend it for new or changed artifacts, and its verification:
//! every `prev` and `seq` in order, every signature valid, every sealed file unchanged.

use crate::base::diagnostic::{Diagnostic, Pos};
use crate::base::hash::hex;
use crate::base::rules;
use crate::ledger::lines::{Entry, GENESIS, Line, line_hash};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use std::path::{Path, PathBuf};

/// An artifact as it is now, to be sealed if new or changed.
#[derive(Debug, Clone)]
pub struct Current {
    pub id: String,
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

/// The lines to append for every artifact that is new or whose path, hash or size changed since
/// its last line in `existing`, and their text (complete lines, each ending in a newline).
pub fn entries(
    existing: &[Line],
    current: &[Current],
    key: Option<&SigningKey>,
    now: &str,
    shown: &Path,
) -> Result<(Vec<Entry>, String), Diagnostic> {
    let mut prev = existing
        .last()
        .map(|l| line_hash(&l.raw))
        .unwrap_or_else(|| GENESIS.to_string());
    let mut seq = existing.last().map_or(0, |l| l.entry.seq);
    let last: std::collections::HashMap<&str, &Entry> = existing
        .iter()
        .map(|l| (l.entry.id.as_str(), &l.entry))
        .collect();
    let mut out = Vec::new();
    let mut text = String::new();
    for c in current {
        let unchanged = last
            .get(c.id.as_str())
            .is_some_and(|e| e.sha256 == c.sha256 && e.size == c.size && e.path == c.path);
        if unchanged {
            continue;
        }
        seq += 1;
        let mut entry = Entry {
            seq,
            id: c.id.clone(),
            path: c.path.clone(),
            sha256: c.sha256.clone(),
            size: c.size,
            sealed_at: now.to_string(),
            prev: prev.clone(),
            sig: None,
        };
        if let Some(k) = key {
            entry.sig = Some(hex(&k.sign(&entry.signed_bytes()).to_bytes()));
        }
        let raw = serde_json::to_string(&entry).map_err(|e| {
            Diagnostic::error(shown, format!("cannot encode entry: {e}")).with_rule(rules::IO)
        })?;
        prev = line_hash(&raw);
        text.push_str(&raw);
        text.push('\n');
        out.push(entry);
    }
    Ok((out, text))
}

/// The outcome of checking one sealed artifact against its latest line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    Intact,
    Altered {
        expected: String,
        actual: String,
    },
    Missing,
    /// The line names a path outside the site: it is not read.
    Outside,
}

/// Walks the chain: every line's `prev` must be the hash of the line before and `seq` must count
/// up by one; with a public key, every signature must verify. Each break is one diagnostic,
/// positioned at the line where it shows.
pub fn verify_chain(lines: &[Line], shown: &Path, key: Option<&VerifyingKey>) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let at = |n: usize| Some(Pos { line: n, column: 1 });
    let mut prev_hash = GENESIS.to_string();
    let mut prev_seq = 0u64;
    for l in lines {
        let e = &l.entry;
        let expected = prev_seq.saturating_add(1);
        if e.prev != prev_hash {
            let what = if e.seq > expected {
                format!("{} line(s) before it were removed", e.seq - expected)
            } else if e.seq <= prev_seq {
                "lines are out of order".to_string()
            } else {
                "the line before it was edited".to_string()
            };
            diags.push(
                Diagnostic::error(shown, format!("ledger chain broken at line {} (entry {}, `{}`): its `prev` does not match the line before; {what}", l.number, e.seq, e.id))
                    .with_rule(rules::LEDGER_CHAIN)
                    .at(at(l.number)),
            );
        } else if e.seq != expected || prev_seq == u64::MAX {
            diags.push(
                Diagnostic::error(
                    shown,
                    format!(
                        "ledger line {} has seq {}, expected {}",
                        l.number, e.seq, expected
                    ),
                )
                .with_rule(rules::LEDGER_CHAIN)
                .at(at(l.number)),
            );
        }
        if let Some(k) = key {
            match &e.sig {
                None => diags.push(
                    Diagnostic::error(
                        shown,
                        format!("ledger line {} (`{}`) is not signed", l.number, e.id),
                    )
                    .with_rule(rules::LEDGER_SIGNATURE)
                    .at(at(l.number)),
                ),
                Some(sig) => {
                    let ok = unhex(sig)
                        .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
                        .map(|b| Signature::from_bytes(&b))
                        .is_some_and(|s| k.verify(&e.signed_bytes(), &s).is_ok());
                    if !ok {
                        diags.push(
                            Diagnostic::error(
                                shown,
                                format!("ledger line {} (`{}`): bad signature", l.number, e.id),
                            )
                            .with_rule(rules::LEDGER_SIGNATURE)
                            .at(at(l.number))
                            .with_hint(
                                "the line was changed after signing, or signed with another key",
                            ),
                        );
                    }
                }
            }
        }
        prev_hash = line_hash(&l.raw);
        prev_seq = e.seq;
    }
    diags
}

/// The latest line for each evidence id, in ledger order.
pub fn latest(lines: &[Line]) -> Vec<&Line> {
    // Each id's last line, in the order those lines come (one pass each way: a ledger of tens
    // of thousands of records must not take a search per line).
    let mut last: std::collections::HashMap<&str, usize> =
        std::collections::HashMap::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        last.insert(l.entry.id.as_str(), i);
    }
    lines
        .iter()
        .enumerate()
        .filter(|(i, l)| last.get(l.entry.id.as_str()) == Some(i))
        .map(|(_, l)| l)
        .collect()
}

/// Re-hashes the file a line names (streamed).
pub fn check_file(root: &Path, entry: &Entry) -> FileState {
    // A ledger line is data from the repository: it may only name a file inside the site.
    let inside = |p: &Path| {
        let (Ok(real), Ok(site)) = (p.canonicalize(), root.canonicalize()) else {
            return None;
        };
        real.starts_with(&site).then_some(real)
    };
    let p: PathBuf = root.join(&entry.path);
    if Path::new(&entry.path).is_absolute() || (p.exists() && inside(&p).is_none()) {
        return FileState::Outside;
    }
    match crate::base::hash::hash_file(&p) {
        Ok((sha, _)) if sha == entry.sha256 => FileState::Intact,
        Ok((sha, _)) => FileState::Altered {
            expected: entry.sha256.clone(),
            actual: sha,
        },
        Err(_) => FileState::Missing,
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each record's last line, ordered by where those lines are.
    #[test]
    fn latest_keeps_each_records_last_line_in_ledger_order() {
        let line = |number: usize, id: &str| Line {
            number,
            raw: String::new(),
            entry: Entry {
                seq: number as u64,
                id: id.into(),
                path: String::new(),
                sha256: String::new(),
                size: 0,
                sealed_at: String::new(),
                prev: String::new(),
                sig: None,
            },
        };
        let lines = [
            line(1, "a"),
            line(2, "b"),
            line(3, "a"),
            line(4, "c"),
            line(5, "b"),
        ];
        let kept: Vec<(usize, &str)> = latest(&lines)
            .iter()
            .map(|l| (l.number, l.entry.id.as_str()))
            .collect();
        assert_eq!(kept, [(3, "a"), (4, "c"), (5, "b")]);
    }
}
