//! The site's cache of past revisions, `.crosswalk-cache/revisions/<commit>/`: one complete
//! copy of the site per commit, written into a staging folder beside it and renamed into place,
//! so a killed `diff` leaves nothing half-written under a commit's name. A lock keeps two diffs
//! of one site from working on the folder at once; the next one removes any staging folder left
//! behind, reuses a complete copy, and keeps only the most recently used few.

use crate::base::diagnostic::Diagnostic;
use crate::base::lock::{self, Lock, Wait};
use std::path::{Path, PathBuf};

/// How many revisions the cache keeps (the one in use among them).
pub const KEEP: usize = 4;

const STAGING: &str = ".staging-";

/// A revision's copy, held under the cache's lock until dropped.
#[derive(Debug)]
pub struct Revision {
    pub dir: PathBuf,
    /// Written now, not reused from an earlier run.
    pub fresh: bool,
    _lock: Lock,
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> Diagnostic {
    Diagnostic::error(path, format!("{what}: {e}")).with_rule(crate::base::rules::GIT_REVISION)
}

/// The copy of the site at `commit` under `root`'s cache: reused when complete, else made by
/// `fill` (which writes the site's files into the folder it is given). Warnings `fill` returns
/// come back with it.
pub fn prepare(
    root: &Path,
    commit: &str,
    quiet: bool,
    fill: impl FnOnce(&Path) -> Result<Vec<Diagnostic>, Diagnostic>,
) -> Result<(Revision, Vec<Diagnostic>), Diagnostic> {
    let home = root.join(crate::model::CACHE_DIR).join("revisions");
    std::fs::create_dir_all(&home).map_err(|e| io_err("cannot create folder", &home, e))?;
    let held = lock::acquire(&home.join("lock"), "crosswalk diff", Wait::Yes, quiet)?;
    remove_staging(&home)?;
    let dir = home.join(commit);
    let mut warnings = Vec::new();
    let fresh = !dir.is_dir();
    if fresh {
        let staging = home.join(format!("{STAGING}{commit}"));
        std::fs::create_dir(&staging).map_err(|e| io_err("cannot create folder", &staging, e))?;
        match fill(&staging) {
            Ok(w) => warnings = w,
            Err(d) => {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(d);
            }
        }
        std::fs::rename(&staging, &dir).map_err(|e| io_err("cannot rename into place", &dir, e))?;
    } else {
        // Marks it recently used, for `prune`.
        if let Ok(f) = std::fs::File::open(&dir) {
            let _ = f.set_modified(std::time::SystemTime::now());
        }
    }
    prune(&home, &dir);
    Ok((
        Revision {
            dir,
            fresh,
            _lock: held,
        },
        warnings,
    ))
}

/// Removes what a killed diff left: nothing else writes here while the lock is held.
fn remove_staging(home: &Path) -> Result<(), Diagnostic> {
    let entries = std::fs::read_dir(home).map_err(|e| io_err("cannot read folder", home, e))?;
    for e in entries.flatten() {
        if e.file_name().to_string_lossy().starts_with(STAGING) {
            let p = e.path();
            std::fs::remove_dir_all(&p).map_err(|e| io_err("cannot remove", &p, e))?;
        }
    }
    Ok(())
}

/// Keeps the `KEEP` most recently used revisions (always `current`); a failure to remove one
/// is left for the next run.
fn prune(home: &Path, current: &Path) {
    let Ok(entries) = std::fs::read_dir(home) else {
        return;
    };
    let mut dirs: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_hexdigit())
                && e.file_type().is_ok_and(|t| t.is_dir())
        })
        .map(|e| {
            let t = e
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            (t, e.path())
        })
        .filter(|(_, p)| p != current)
        .collect();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.0));
    for (_, p) in dirs.into_iter().skip(KEEP - 1) {
        let _ = std::fs::remove_dir_all(p);
    }
}
