//! The evidence ledger: an append-only file of JSON lines, one per sealed artifact version, each
//! carrying the SHA-256 of the line before it (a hash chain) and optionally an Ed25519 signature.
//! `Ledger::append` (`crosswalk seal`) adds lines for new or changed artifacts and never rewrites
//! one; `verify` re-hashes every sealed file and walks the chain. Format: docs/evidence.md.
//!
//! Reliability: a writer holds an exclusive lock on the ledger file itself (`lock::acquire_file`;
//! the tool writes nothing beside it) from before it reads the ledger until its append is on disk,
//! so two seals never fork or interleave the chain. An append is one write of complete lines and
//! an fsync; if the write fails the file is cut back to its length before. A last line without a
//! newline (an older crash, a full disk) is refused, and `Ledger::repair` (`crosswalk seal
//! --repair`) mends it: a complete entry gets its newline, torn bytes are moved out.

use crate::base::diagnostic::{Diagnostic, Pos};
use crate::base::hash::hex;
use crate::base::lock::{Lock, Wait};
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, Write};
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
        ),
        None => Diagnostic::error(
            path,
            format!(
                "ledger line {} is not a valid entry: it is torn, cut off at column {} with no newline, as an append interrupted by a crash or a full disk leaves it",
                t.line, t.column
            ),
        ),
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
        let raw = serde_json::to_string(&entry)
            .map_err(|e| Diagnostic::error(shown, format!("cannot encode entry: {e}")))?;
        prev = line_hash(&raw);
        text.push_str(&raw);
        text.push('\n');
        out.push(entry);
    }
    Ok((out, text))
}

/// The ledger file, open for reading and appending and locked against every other crosswalk
/// writing it, for as long as this lives.
#[derive(Debug)]
pub struct Ledger {
    lock: Lock,
    path: PathBuf,
    shown: PathBuf,
}

/// What `Ledger::repair` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// The ledger ends with a complete line (or is empty): nothing was changed.
    Nothing { lines: usize },
    /// The last line was a complete entry missing its newline: the newline was appended.
    NewlineAdded { line: usize, seq: u64, id: String },
    /// The last line was torn: its bytes were printed (and saved to `saved`), and the ledger was
    /// cut back to its `kept` bytes of complete lines.
    Truncated {
        line: usize,
        torn: Vec<u8>,
        saved: Option<PathBuf>,
        kept: u64,
    },
}

impl Ledger {
    /// Opens the ledger at `path` (`shown` in messages) and takes its lock, waiting for another
    /// holder or refusing at once (`wait`). None when it does not exist and `create` is false;
    /// with `create`, it and its folder are made if missing.
    pub fn open(
        path: &Path,
        shown: &Path,
        create: bool,
        wait: Wait,
        quiet: bool,
    ) -> Result<Option<Ledger>, Diagnostic> {
        if create && let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Diagnostic::error(shown, format!("cannot create folder: {e}")))?;
        }
        let file = match std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .create(create)
            .open(path)
        {
            Ok(f) => f,
            Err(e) if !create && e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Diagnostic::error(
                    shown,
                    format!("cannot open for appending: {e}"),
                ));
            }
        };
        let lock = crate::base::lock::acquire_file(file, shown, wait, quiet)?;
        Ok(Some(Ledger {
            lock,
            path: path.to_path_buf(),
            shown: shown.to_path_buf(),
        }))
    }

    /// The ledger's bytes as they are now (read under the lock, so no writer is half way).
    fn bytes(&self) -> Result<Vec<u8>, Diagnostic> {
        let mut f = self.lock.file();
        let mut bytes = Vec::new();
        f.rewind()
            .and_then(|_| f.read_to_end(&mut bytes))
            .map_err(|e| Diagnostic::error(&self.shown, format!("cannot read: {e}")))?;
        Ok(bytes)
    }

    /// Appends a line for every artifact that is new or whose path, hash or size changed since
    /// its last line, and returns the entries appended. The ledger is read again first, under the
    /// lock, so the new lines extend what is on disk now, not what an earlier read saw. Refused,
    /// with nothing written, when its last line is torn, a line is not a valid entry or the chain
    /// is broken (signatures checked with `signatures` when given). All new lines go in one write
    /// of complete lines, then fsync; if that fails the file is cut back to its length before, so
    /// it never keeps a torn line. Existing lines are never touched.
    pub fn append(
        &self,
        current: &[Current],
        key: Option<&SigningKey>,
        signatures: Option<&VerifyingKey>,
        now: &str,
    ) -> Result<Vec<Entry>, Vec<Diagnostic>> {
        let shown = self.shown.as_path();
        let bytes = self.bytes().map_err(|d| vec![d])?;
        let text = crate::base::text::decode_utf8(&bytes, shown).map_err(|d| {
            std::iter::once(d)
                .chain(torn_note(&bytes, shown))
                .collect::<Vec<_>>()
        })?;
        let (lines, mut diags) = read(&text, shown);
        if diags.is_empty() {
            diags = verify_chain(&lines, shown, signatures);
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        let (out, new) = entries(&lines, current, key, now, shown).map_err(|d| vec![d])?;
        if out.is_empty() {
            return Ok(out);
        }
        let before = bytes.len() as u64;
        let mut f = self.lock.file();
        let written = crate::base::fault::point(&self.path)
            .and_then(|_| f.write_all(new.as_bytes()))
            .and_then(|_| f.sync_all());
        if let Err(e) = written {
            // Whatever part of the write reached the file is cut off again.
            let restored = match f.metadata() {
                Ok(m) if m.len() == before => Ok(()),
                _ => f.set_len(before).and_then(|_| f.sync_all()),
            };
            let d = match restored {
                Ok(()) => Diagnostic::error(
                    shown,
                    format!(
                        "cannot append to the ledger: {e}; nothing was sealed and the ledger is unchanged"
                    ),
                ),
                Err(e2) => Diagnostic::error(
                    shown,
                    format!(
                        "cannot append to the ledger: {e}; cutting the partial append off failed too ({e2}), so its last line may be torn"
                    ),
                )
                .with_hint("run `crosswalk seal --repair` once the disk has room"),
            };
            return Err(vec![d]);
        }
        Ok(out)
    }

    /// Mends a ledger whose last line has no newline. A complete entry gets its newline (no data
    /// lost). Torn bytes are printed on stderr (escaped), saved in `save_dir` when given
    /// (`ledger-torn-<unix time>.txt`, fsynced), and then cut off the ledger (`set_len` to its
    /// complete lines, fsync): nothing is written beside the ledger. Refused, with nothing changed,
    /// when a line before the last is not a valid entry: that is tampering or damage, restored
    /// from git history.
    pub fn repair(
        &self,
        save_dir: Option<&Path>,
        now_unix: u64,
    ) -> Result<Repair, Vec<Diagnostic>> {
        let shown = self.shown.as_path();
        let bytes = self.bytes().map_err(|d| vec![d])?;
        let Some(t) = torn_tail(&bytes) else {
            return Ok(Repair::Nothing {
                lines: bytes.iter().filter(|&&b| b == b'\n').count(),
            });
        };
        let earlier = match crate::base::text::decode_utf8(&bytes[..t.start], shown) {
            Ok(text) => read(&text, shown).1,
            Err(d) => vec![d],
        };
        if !earlier.is_empty() {
            let mut ds = earlier;
            ds.push(
                Diagnostic::error(
                    shown,
                    format!(
                        "not repaired: lines before the torn line {} are damaged too, which a torn append does not explain",
                        t.line
                    ),
                )
                .with_hint("restore the ledger from git history"),
            );
            return Err(ds);
        }
        let cannot = |what: &str, e: std::io::Error| {
            vec![
                Diagnostic::error(shown, format!("cannot {what}: {e}")).with_hint(
                    "run `crosswalk seal --repair` again once the problem is fixed; nothing is lost",
                ),
            ]
        };
        let mut f = self.lock.file();
        if let Some(e) = &t.entry {
            crate::base::fault::point(&self.path)
                .and_then(|_| f.write_all(b"\n"))
                .and_then(|_| f.sync_all())
                .map_err(|err| cannot("add the missing newline", err))?;
            return Ok(Repair::NewlineAdded {
                line: t.line,
                seq: e.seq,
                id: e.id.clone(),
            });
        }
        let torn = bytes[t.start..].to_vec();
        eprintln!(
            "crosswalk: torn line {} of {} ({} bytes, escaped): {}",
            t.line,
            shown.display(),
            torn.len(),
            torn.escape_ascii()
        );
        let saved = match save_dir {
            Some(dir) => Some(save_torn(dir, &torn, now_unix).map_err(|(p, e)| {
                vec![Diagnostic::error(
                    shown,
                    format!(
                        "cannot save the torn bytes to {}: {e}; the ledger is unchanged",
                        p.display()
                    ),
                )]
            })?),
            None => None,
        };
        crate::base::fault::point(&self.path)
            .and_then(|_| f.set_len(t.start as u64))
            .and_then(|_| f.sync_all())
            .map_err(|e| cannot("cut the torn line off", e))?;
        Ok(Repair::Truncated {
            line: t.line,
            torn,
            saved,
            kept: t.start as u64,
        })
    }
}

/// Writes torn ledger bytes to a new file `ledger-torn-<unix time>[-n].txt` in `dir` and fsyncs
/// it and the folder, so they are on disk before the ledger loses them.
fn save_torn(dir: &Path, torn: &[u8], now_unix: u64) -> Result<PathBuf, (PathBuf, std::io::Error)> {
    let first = dir.join(format!("ledger-torn-{now_unix}.txt"));
    crate::base::fault::point(&first).map_err(|e| (first.clone(), e))?;
    let mut n = 0;
    loop {
        let name = match n {
            0 => format!("ledger-torn-{now_unix}.txt"),
            n => format!("ledger-torn-{now_unix}-{n}.txt"),
        };
        let p = dir.join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&p)
        {
            Ok(mut f) => {
                return f
                    .write_all(torn)
                    .and_then(|_| f.sync_all())
                    .and_then(|_| std::fs::File::open(dir)?.sync_all())
                    .map(|_| p.clone())
                    .map_err(|e| (p, e));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
            Err(e) => return Err((p, e)),
        }
    }
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
        let vk = key.verifying_key();
        let l = open(&ledger, true);
        l.append(
            &[cur("a", "aa"), cur("b", "bb"), cur("c", "cc")],
            Some(&key),
            Some(&vk),
            "2026-11-23T00:00:00Z",
        )
        .unwrap();
        let text = std::fs::read_to_string(&ledger).unwrap();
        let lines = lines_of(&text);
        assert_eq!(lines.len(), 3);
        assert!(verify_chain(&lines, &ledger, Some(&vk)).is_empty());

        // Sealing again with nothing changed appends nothing.
        assert!(
            l.append(&[cur("a", "aa")], Some(&key), Some(&vk), "x")
                .unwrap()
                .is_empty()
        );
        assert_eq!(std::fs::read_to_string(&ledger).unwrap(), text);

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

    fn open(path: &Path, create: bool) -> Ledger {
        Ledger::open(path, Path::new("ledger.jsonl"), create, Wait::No, true)
            .unwrap()
            .unwrap()
    }

    /// A ledger of three unsigned lines for `a`, `b`, `c`, and its text.
    fn three_lines(dir: &Path) -> (PathBuf, String) {
        let ledger = dir.join("ledger.jsonl");
        let cur = |id: &str| Current {
            id: id.into(),
            path: format!("files/{id}"),
            sha256: "00".into(),
            size: 1,
        };
        open(&ledger, true)
            .append(&[cur("a"), cur("b"), cur("c")], None, None, "t")
            .unwrap();
        let text = std::fs::read_to_string(&ledger).unwrap();
        (ledger, text)
    }

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

    #[test]
    fn a_torn_last_line_names_its_line_column_and_the_repair() {
        let dir = tempfile::tempdir().unwrap();
        let (_, text) = three_lines(dir.path());
        let cut = &text[..text.len() - 20];
        let (lines, d) = read(cut, Path::new("ledger.jsonl"));
        assert_eq!(lines.len(), 2);
        assert_eq!(d.len(), 1, "{d:?}");
        let last = cut.lines().last().unwrap();
        assert_eq!(
            (d[0].line, d[0].column),
            (Some(3), Some(last.chars().count() + 1))
        );
        assert!(
            d[0].message
                .contains("ledger line 3 is not a valid entry: it is torn")
        );
        assert!(
            d[0].hint
                .as_ref()
                .unwrap()
                .contains("back to its last complete line, line 2"),
            "{d:?}"
        );
        // A complete entry missing only its newline is kept, and the error says so.
        let (lines, d) = read(text.trim_end(), Path::new("ledger.jsonl"));
        assert_eq!(lines.len(), 3);
        assert!(
            d[0].message.contains(
                "ledger line 3 has no newline at its end: its entry (seq 3, `c`) is complete"
            ),
            "{d:?}"
        );
        // With an earlier line damaged, the hint is git, not the repair.
        let damaged = cut.replacen("\"seq\":1", "\"seq\":x", 1);
        let (_, d) = read(&damaged, Path::new("ledger.jsonl"));
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[1].hint.as_ref().unwrap().contains("git history"), "{d:?}");
        // A cut inside a multi-byte character: the bytes still show the torn line.
        let mut bytes = b"{\"seq\":1,\"id\":\"\xc3".to_vec();
        assert!(torn_note(&bytes, Path::new("l")).is_some());
        bytes.push(b'\n');
        assert!(torn_note(&bytes, Path::new("l")).is_none());
    }

    #[test]
    fn append_refuses_a_torn_ledger_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (ledger, text) = three_lines(dir.path());
        let cut = &text[..text.len() - 20];
        std::fs::write(&ledger, cut).unwrap();
        let cur = Current {
            id: "d".into(),
            path: "files/d".into(),
            sha256: "00".into(),
            size: 1,
        };
        let d = open(&ledger, false)
            .append(&[cur], None, None, "t")
            .unwrap_err();
        assert!(d[0].message.contains("torn"), "{d:?}");
        assert_eq!(std::fs::read_to_string(&ledger).unwrap(), cut);
    }

    #[test]
    fn repair_saves_and_cuts_off_torn_bytes_and_keeps_a_complete_entry() {
        let dir = tempfile::tempdir().unwrap();
        let (ledger, text) = three_lines(dir.path());
        let saves = dir.path().join("cache");
        std::fs::create_dir(&saves).unwrap();

        // Nothing to do on a whole ledger.
        let r = open(&ledger, false).repair(Some(&saves), 7).unwrap();
        assert_eq!(r, Repair::Nothing { lines: 3 });

        // A torn line: saved, cut off, the two complete lines kept byte for byte.
        let cut = &text[..text.len() - 20];
        std::fs::write(&ledger, cut).unwrap();
        let r = open(&ledger, false).repair(Some(&saves), 7).unwrap();
        let two = text
            .lines()
            .take(2)
            .map(|l| format!("{l}\n"))
            .collect::<String>();
        let Repair::Truncated {
            line,
            torn,
            saved,
            kept,
        } = r
        else {
            panic!("{r:?}")
        };
        assert_eq!((line, kept), (3, two.len() as u64));
        assert_eq!(torn, cut.as_bytes()[two.len()..]);
        assert_eq!(saved, Some(saves.join("ledger-torn-7.txt")));
        assert_eq!(
            std::fs::read(saves.join("ledger-torn-7.txt")).unwrap(),
            torn
        );
        assert_eq!(std::fs::read_to_string(&ledger).unwrap(), two);

        // A second save in the same second does not overwrite the first.
        std::fs::write(&ledger, cut).unwrap();
        let r = open(&ledger, false).repair(Some(&saves), 7).unwrap();
        assert!(
            matches!(&r, Repair::Truncated { saved: Some(p), .. } if p.ends_with("ledger-torn-7-1.txt")),
            "{r:?}"
        );

        // A complete entry without its newline gets the newline.
        std::fs::write(&ledger, text.trim_end()).unwrap();
        let r = open(&ledger, false).repair(None, 8).unwrap();
        assert_eq!(
            r,
            Repair::NewlineAdded {
                line: 3,
                seq: 3,
                id: "c".into()
            }
        );
        assert_eq!(std::fs::read_to_string(&ledger).unwrap(), text);
    }

    #[test]
    fn repair_refuses_a_ledger_damaged_before_its_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let (ledger, text) = three_lines(dir.path());
        let damaged = text[..text.len() - 20].replacen("\"seq\":2", "\"seq\":x", 1);
        std::fs::write(&ledger, &damaged).unwrap();
        let d = open(&ledger, false).repair(None, 7).unwrap_err();
        assert!(
            d.iter()
                .any(|d| d.message.starts_with("ledger line 2 is not a valid entry")),
            "{d:?}"
        );
        assert!(
            d.iter().any(|d| d.message.starts_with("not repaired")),
            "{d:?}"
        );
        assert_eq!(std::fs::read_to_string(&ledger).unwrap(), damaged);
    }
}
