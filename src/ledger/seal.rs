//! Sealing: the ledger file opened under its lock, and new lines appended to it in one write of
//! complete lines and an fsync, refused while the ledger is torn, damaged or its chain broken.

use crate::base::diagnostic::Diagnostic;
use crate::base::lock::{Lock, Wait};
use crate::base::rules;
use crate::ledger::chain::{Current, entries, verify_chain};
use crate::ledger::lines::{Entry, read, torn_note};
use ed25519_dalek::{SigningKey, VerifyingKey};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The ledger file, open for reading and appending and locked against every other crosswalk
/// writing it, for as long as this lives.
#[derive(Debug)]
pub struct Ledger {
    pub(super) lock: Lock,
    pub(super) path: PathBuf,
    pub(super) shown: PathBuf,
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
            std::fs::create_dir_all(parent).map_err(|e| {
                Diagnostic::error(shown, format!("cannot create folder: {e}")).with_rule(rules::IO)
            })?;
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
                return Err(
                    Diagnostic::error(shown, format!("cannot open for appending: {e}"))
                        .with_rule(rules::IO),
                );
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
    pub(super) fn bytes(&self) -> Result<Vec<u8>, Diagnostic> {
        let mut f = self.lock.file();
        let mut bytes = Vec::new();
        f.rewind()
            .and_then(|_| f.read_to_end(&mut bytes))
            .map_err(|e| {
                Diagnostic::error(&self.shown, format!("cannot read: {e}")).with_rule(rules::IO)
            })?;
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
                ).with_rule(rules::IO),
                Err(e2) => Diagnostic::error(
                    shown,
                    format!(
                        "cannot append to the ledger: {e}; cutting the partial append off failed too ({e2}), so its last line may be torn"
                    ),
                ).with_rule(rules::IO)
                .with_hint("run `crosswalk seal --repair` once the disk has room"),
            };
            return Err(vec![d]);
        }
        Ok(out)
    }
}
