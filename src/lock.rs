//! Advisory file locks (the operating system's `flock`, through the standard library), so two
//! writers never work on one output, one site cache or one ledger at once. The second waits,
//! saying which process holds the lock, or with `--no-wait` refuses at once. A lock is released
//! when its holder exits, however it exits: a killed build leaves no stale lock.

use crate::diagnostic::Diagnostic;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// A held lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct Lock {
    _file: File,
    pub path: PathBuf,
}

/// Whether to wait for a lock another process holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    Yes,
    No,
}

/// Takes the lock file at `path` for `what` (e.g. "crosswalk build"). `path`'s folder must exist.
/// `wait`: block until the holder is done, after saying who it is on stderr (unless `quiet`).
pub fn acquire(path: &Path, what: &str, wait: Wait, quiet: bool) -> Result<Lock, Diagnostic> {
    let err = |m: String| Diagnostic::error(path, m);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| err(format!("cannot open the lock file: {e}")))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = holder(&mut file);
            if wait == Wait::No {
                return Err(err(format!("locked by {holder}"))
                    .with_hint("another crosswalk is writing here: wait for it, or run again without --no-wait"));
            }
            if !quiet {
                eprintln!(
                    "crosswalk: waiting for {holder}, which holds {}",
                    path.display()
                );
            }
            file.lock()
                .map_err(|e| err(format!("cannot take the lock: {e}")))?;
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(err(format!("cannot take the lock: {e}")));
        }
    }
    // Who holds it, for the next process that has to wait.
    let me = format!(
        "process {} ({what}, since {})\n",
        std::process::id(),
        chrono::Local::now().format("%Y-%m-%d %H:%M:%S")
    );
    let _ = file.set_len(0);
    let _ = file.rewind();
    let _ = file.write_all(me.as_bytes());
    Ok(Lock {
        _file: file,
        path: path.to_path_buf(),
    })
}

/// The holder a lock file names, as its holder wrote it.
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.rewind();
    let _ = file.read_to_string(&mut text);
    let text = text.trim();
    if text.is_empty() {
        "another process".into()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_is_refused_without_waiting_and_told_who_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("lock");
        let held = acquire(&p, "crosswalk build", Wait::Yes, true).unwrap();
        let e = acquire(&p, "crosswalk build", Wait::No, true).unwrap_err();
        assert!(
            e.message
                .contains(&format!("process {} (crosswalk build", std::process::id())),
            "{}",
            e.message
        );
        drop(held);
        acquire(&p, "crosswalk build", Wait::No, true).unwrap();
    }
}
