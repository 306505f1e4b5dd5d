//! The evidence ledger: an append-only file of JSON lines, one per sealed artifact version, each
//! carrying the SHA-256 of the line before it (a hash chain) and optionally an Ed25519 signature.
//! `seal` appends lines for new or changed artifacts and never rewrites one; `verify` re-hashes
//! every sealed file and walks the chain. Format: docs/evidence.md.

use crate::diagnostic::{Diagnostic, Pos};
use crate::load::hex;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

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
    fn signed_bytes(&self) -> Vec<u8> {
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
/// naming the line; the lines that do parse are still returned so verification can go on.
pub fn read(text: &str, path: &Path) -> (Vec<Line>, Vec<Diagnostic>) {
    let mut lines = Vec::new();
    let mut diags = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
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
                .at(Some(Pos {
                    line: number,
                    column: e.column().max(1),
                }))
                .with_hint("the ledger is append-only: restore the line from git history"),
            ),
        }
    }
    if !text.is_empty() && !text.ends_with('\n') {
        let number = text.split('\n').count();
        diags.push(
            Diagnostic::error(
                path,
                format!("ledger line {number} has no newline: the file may be truncated"),
            )
            .at(Some(Pos {
                line: number,
                column: 1,
            })),
        );
    }
    (lines, diags)
}

pub fn load_signing_key(path: &Path) -> Result<SigningKey, Diagnostic> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Diagnostic::error(path, format!("cannot read signing key: {e}")))?;
    SigningKey::from_pkcs8_pem(&text).map_err(|e| {
        Diagnostic::error(
            path,
            format!("not an Ed25519 private key in PKCS#8 PEM form: {e}"),
        )
        .with_hint("create one with: openssl genpkey -algorithm ed25519 -out ledger-key.pem")
    })
}

pub fn load_public_key(path: &Path, shown: &Path) -> Result<VerifyingKey, Diagnostic> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Diagnostic::error(shown, format!("cannot read public key: {e}")))?;
    VerifyingKey::from_public_key_pem(&text).map_err(|e| {
        Diagnostic::error(shown, format!("not an Ed25519 public key in PEM form: {e}")).with_hint(
            "derive it with: openssl pkey -in ledger-key.pem -pubout -out ledger-key.pub.pem",
        )
    })
}

/// An artifact as it is now, to be sealed if new or changed.
#[derive(Debug, Clone)]
pub struct Current {
    pub id: String,
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

/// Appends a line for every artifact that is new or whose path, hash or size changed since its
/// last line. Existing lines are never touched: the file is opened for appending only.
/// Returns the entries appended.
pub fn seal(
    ledger_path: &Path,
    shown: &Path,
    existing: &[Line],
    current: &[Current],
    key: Option<&SigningKey>,
    now: &str,
) -> Result<Vec<Entry>, Diagnostic> {
    let mut prev = existing
        .last()
        .map(|l| line_hash(&l.raw))
        .unwrap_or_else(|| GENESIS.to_string());
    let mut seq = existing.last().map_or(0, |l| l.entry.seq);
    let mut out = Vec::new();
    let mut text = String::new();
    for c in current {
        let last = existing.iter().rev().find(|l| l.entry.id == c.id);
        let unchanged = last.is_some_and(|l| {
            l.entry.sha256 == c.sha256 && l.entry.size == c.size && l.entry.path == c.path
        });
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
        let raw = serde_json::to_string(&entry)
            .map_err(|e| Diagnostic::error(shown, format!("cannot encode entry: {e}")))?;
        prev = line_hash(&raw);
        text.push_str(&raw);
        text.push('\n');
        out.push(entry);
    }
    if out.is_empty() {
        return Ok(out);
    }
    if let Some(parent) = ledger_path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Diagnostic::error(shown, format!("cannot create folder: {e}")))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(ledger_path)
        .map_err(|e| Diagnostic::error(shown, format!("cannot open for appending: {e}")))?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| Diagnostic::error(shown, format!("cannot append: {e}")))?;
    Ok(out)
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
    match crate::load::hash_file(&p) {
        Ok((sha, _)) if sha == entry.sha256 => FileState::Intact,
        Ok((sha, _)) => FileState::Altered {
            expected: entry.sha256.clone(),
            actual: sha,
        },
        Err(_) => FileState::Missing,
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
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

    fn lines_of(text: &str) -> Vec<Line> {
        let (l, d) = read(text, Path::new("ledger.jsonl"));
        assert!(d.is_empty(), "{d:?}");
        l
    }

    #[test]
    fn chain_detects_edits_removals_and_swaps() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("ledger.jsonl");
        let cur = |id: &str, h: &str| Current {
            id: id.into(),
            path: format!("files/{id}"),
            sha256: h.into(),
            size: 1,
        };
        let key = SigningKey::from_bytes(&[7u8; 32]);
        seal(
            &ledger,
            &ledger,
            &[],
            &[cur("a", "aa"), cur("b", "bb"), cur("c", "cc")],
            Some(&key),
            "2026-11-23T00:00:00Z",
        )
        .unwrap();
        let text = std::fs::read_to_string(&ledger).unwrap();
        let lines = lines_of(&text);
        assert_eq!(lines.len(), 3);
        let vk = key.verifying_key();
        assert!(verify_chain(&lines, &ledger, Some(&vk)).is_empty());

        // Sealing again with nothing changed appends nothing.
        assert!(
            seal(&ledger, &ledger, &lines, &[cur("a", "aa")], Some(&key), "x")
                .unwrap()
                .is_empty()
        );

        let raw: Vec<&str> = text.lines().collect();
        let removed = format!("{}\n{}\n", raw[0], raw[2]);
        let d = verify_chain(&lines_of(&removed), &ledger, Some(&vk));
        assert!(d.iter().any(|d| d.message.contains("removed")), "{d:?}");

        let swapped = format!("{}\n{}\n{}\n", raw[0], raw[2], raw[1]);
        let d = verify_chain(&lines_of(&swapped), &ledger, Some(&vk));
        assert!(
            d.iter().any(|d| d.message.contains("chain broken")),
            "{d:?}"
        );

        let edited = text.replacen("\"sha256\":\"bb\"", "\"sha256\":\"bc\"", 1);
        let d = verify_chain(&lines_of(&edited), &ledger, Some(&vk));
        assert!(
            d.iter().any(|d| d.message.contains("bad signature")),
            "{d:?}"
        );
        assert!(
            d.iter()
                .any(|d| d.message.contains("chain broken") && d.line == Some(3)),
            "{d:?}"
        );

        let other = SigningKey::from_bytes(&[8u8; 32]).verifying_key();
        let d = verify_chain(&lines, &ledger, Some(&other));
        assert_eq!(d.len(), 3, "{d:?}");
    }

    #[test]
    fn truncated_lines_are_reported() {
        let (_, d) = read("{\"seq\":1,\"id\":\"a\"", Path::new("l"));
        assert!(
            d.iter().any(|d| d.message.contains("not a valid entry")),
            "{d:?}"
        );
        assert!(d.iter().any(|d| d.message.contains("truncated")), "{d:?}");
    }
}
