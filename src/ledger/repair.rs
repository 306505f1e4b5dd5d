//! Repair of a torn ledger (`crosswalk seal --repair`): a complete last entry gets its newline;
//! torn bytes are printed, saved in a folder when one is given, and cut off.

use crate::base::diagnostic::Diagnostic;
use crate::base::rules;
use crate::ledger::lines::{read, torn_tail};
use crate::ledger::seal::Ledger;
use std::io::Write;
use std::path::{Path, PathBuf};

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
                ).with_rule(rules::LEDGER_ENTRY)
                .with_hint("restore the ledger from git history"),
            );
            return Err(ds);
        }
        let cannot = |what: &str, e: std::io::Error| {
            vec![
                Diagnostic::error(shown, format!("cannot {what}: {e}"))
                    .with_rule(rules::IO).with_hint(
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
                vec![
                    Diagnostic::error(
                        shown,
                        format!(
                            "cannot save the torn bytes to {}: {e}; the ledger is unchanged",
                            p.display()
                        ),
                    )
                    .with_rule(rules::IO),
                ]
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
