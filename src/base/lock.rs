//! Advisory file locks (the operating system's `flock`, through the standard library), so two
//! writers never work on one output, one site cache or one ledger at once. The second waits,
//! saying which process holds the lock, or with `--no-wait` refuses at once. A lock is released
//! when its holder exits, however it exits: a killed build leaves no stale lock.

use crate::base::diagnostic::Diagnostic;
use crate::base::rules;
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
    let err = |m: String| Diagnostic::error(path, m).with_rule(rules::IO);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| err(format!("cannot open the lock file: {e}")))?;
    take(&file, path, holder, wait, quiet)?;
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

/// Takes an exclusive lock on `file` itself, for a file that may get no lock file beside it and
/// must not have its holder written into it (the evidence ledger). A waiting process names the
/// holder from the system's table of locks (`/proc/locks` on Linux; "another process" elsewhere).
/// `path` is the file as messages show it.
pub fn acquire_file(file: File, path: &Path, wait: Wait, quiet: bool) -> Result<Lock, Diagnostic> {
    take(&file, path, flock_holder, wait, quiet)?;
    Ok(Lock {
        _file: file,
        path: path.to_path_buf(),
    })
}

/// Locks `file`, or, when another process holds it, refuses (`Wait::No`) or says who holds it
/// (`holder`) and waits.
fn take(
    file: &File,
    path: &Path,
    holder: impl Fn(&File) -> String,
    wait: Wait,
    quiet: bool,
) -> Result<(), Diagnostic> {
    let err = |m: String| Diagnostic::error(path, m).with_rule(rules::IO);
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = holder(file);
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
                .map_err(|e| err(format!("cannot take the lock: {e}")))
        }
        Err(std::fs::TryLockError::Error(e)) => Err(err(format!("cannot take the lock: {e}"))),
    }
}

impl Lock {
    /// The locked file, for reading and writing it while the lock is held.
    pub fn file(&self) -> &File {
        &self._file
    }
}

/// The process holding a `flock` on `file`, from `/proc/locks` (`1: FLOCK  ADVISORY  WRITE 1005
/// fe:00:10141695 0 EOF`; waiters' lines have `->` after the number and are skipped), with its
/// command line.
fn flock_holder(file: &File) -> String {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(meta), Ok(table)) = (file.metadata(), std::fs::read_to_string("/proc/locks")) {
            let dev = meta.dev();
            let (major, minor) = (
                ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff),
                (dev & 0xff) | ((dev >> 12) & !0xff),
            );
            let holders = table.lines().filter_map(|line| {
                let f: Vec<&str> = line.split_whitespace().collect();
                if f.get(1) != Some(&"FLOCK") {
                    return None;
                }
                let pid: u32 = f.get(4)?.parse().ok()?;
                let mut id = f.get(5)?.split(':');
                let (maj, min, ino) = (id.next()?, id.next()?, id.next()?);
                (ino.parse::<u64>().ok()? == meta.ino()).then(|| {
                    let same_dev = u64::from_str_radix(maj, 16).ok() == Some(major)
                        && u64::from_str_radix(min, 16).ok() == Some(minor);
                    (same_dev, pid)
                })
            });
            // The same device first; some file systems (overlays) report another one.
            let mut found = None;
            for (same_dev, pid) in holders {
                if same_dev {
                    found = Some(pid);
                    break;
                }
                found.get_or_insert(pid);
            }
            if let Some(pid) = found {
                let cmd = std::fs::read(format!("/proc/{pid}/cmdline"))
                    .map(|b| {
                        let mut args = b
                            .split(|&c| c == 0)
                            .filter(|a| !a.is_empty())
                            .map(|a| String::from_utf8_lossy(a).into_owned());
                        let first = args.next().map(|a| {
                            Path::new(&a)
                                .file_name()
                                .map_or(a.clone(), |n| n.to_string_lossy().into_owned())
                        });
                        first.into_iter().chain(args).collect::<Vec<_>>().join(" ")
                    })
                    .unwrap_or_default();
                return if cmd.is_empty() {
                    format!("process {pid}")
                } else {
                    format!(
                        "process {pid} ({})",
                        cmd.chars().take(100).collect::<String>()
                    )
                };
            }
        }
    }
    let _ = file;
    "another process".into()
}

/// The holder a lock file names, as its holder wrote it.
fn holder(mut file: &File) -> String {
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

    /// A file locked in place (nothing written into it) names its holder from the lock table.
    #[test]
    fn a_file_locked_in_place_is_refused_without_waiting_and_keeps_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ledger.jsonl");
        std::fs::write(&p, "line\n").unwrap();
        let open = || OpenOptions::new().read(true).append(true).open(&p).unwrap();
        let held = acquire_file(open(), &p, Wait::Yes, true).unwrap();
        let e = acquire_file(open(), &p, Wait::No, true).unwrap_err();
        if cfg!(target_os = "linux") {
            assert!(
                e.message
                    .contains(&format!("locked by process {}", std::process::id())),
                "{}",
                e.message
            );
        }
        drop(held);
        acquire_file(open(), &p, Wait::No, true).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"line\n");
    }
}
