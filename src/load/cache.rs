//! The evidence hash cache: an unchanged file (same path, size and modification time) is not
//! hashed again. It lives in the output folder (`.crosswalk/hashes.json`), holds only the files
//! that build published, and is rewritten with every build. `seal` and `verify` never use it:
//! tamper checks always hash the real bytes.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::UNIX_EPOCH;

pub const CACHE_FILE: &str = ".crosswalk/hashes.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub size: u64,
    /// Modification time in nanoseconds since the Unix epoch, as text (JSON numbers are too small).
    pub mtime: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HashCache {
    /// Keyed by the file's path relative to the site root.
    pub files: BTreeMap<String, Entry>,
}

impl HashCache {
    /// The cache in output folder `out`, or an empty one if it is missing or unreadable.
    pub fn read(out: &Path) -> HashCache {
        std::fs::read(out.join(CACHE_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub fn get(&self, rel: &str, size: u64, mtime: &str) -> Option<&str> {
        self.files
            .get(rel)
            .filter(|e| e.size == size && e.mtime == mtime)
            .map(|e| e.sha256.as_str())
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }
}

/// A file's modification time as cache text, if the platform gives one.
pub fn mtime_of(meta: &std::fs::Metadata) -> String {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos().to_string())
        .unwrap_or_default()
}

/// One input file as a build saw it: path relative to the site root, size, modification time
/// in nanoseconds since the Unix epoch.
pub type FileState = (String, u64, i128);

/// Every file a build reads, sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory(pub Vec<FileState>);

impl Inventory {
    /// One line per file: `size mtime path`. `None` if a path holds a line break.
    pub fn to_text(&self) -> Option<String> {
        use std::fmt::Write;
        let mut text = String::with_capacity(self.0.len() * 64);
        for (path, size, mtime) in &self.0 {
            if path.contains(['\n', '\r']) {
                return None;
            }
            let _ = writeln!(text, "{size} {mtime} {path}");
        }
        Some(text)
    }

    /// A hash of every entry, to tell at a glance whether two inventories are equal.
    /// Independent of the list's order, so an unchanged site is recognised without sorting.
    pub fn hash(&self) -> String {
        use std::hash::Hasher;
        let (mut sum, mut mixed) = (0u64, 0u64);
        for (path, size, mtime) in &self.0 {
            let mut h = crate::base::hash::hasher();
            h.write(path.as_bytes());
            h.write_u8(0);
            h.write_u64(*size);
            h.write_i128(*mtime);
            let v = h.finish();
            sum = sum.wrapping_add(v);
            mixed ^= v.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
        }
        format!("{sum:016x}{mixed:016x}-{}", self.0.len())
    }

    /// The newest modification time listed.
    pub fn newest(&self) -> i128 {
        self.0.iter().map(|f| f.2).max().unwrap_or(i128::MIN)
    }

    pub fn from_text(text: &str) -> Option<Inventory> {
        let mut out = Vec::with_capacity(text.len() / 64);
        for line in text.lines() {
            let mut parts = line.splitn(3, ' ');
            let (size, mtime, path) = (parts.next()?, parts.next()?, parts.next()?);
            out.push((path.to_string(), size.parse().ok()?, mtime.parse().ok()?));
        }
        Some(Inventory(out))
    }
}

/// How the site's files differ from an inventory taken earlier.
#[derive(Debug, PartialEq, Eq)]
pub enum Changes {
    None,
    /// The same files, some of them modified.
    Modified(Vec<String>),
    /// Files were added or removed.
    Other,
}

fn state_of(root: &Path, rel: String) -> Option<FileState> {
    let meta = std::fs::metadata(root.join(&rel)).ok()?;
    meta.is_file().then(|| (rel, meta.len(), nanos(&meta)))
}

fn nanos(meta: &std::fs::Metadata) -> i128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(-1)
}

/// Every file under `root/rel` (recursively), as paths relative to `root` and their entries.
fn list(root: &Path, rel: &str, out: &mut Vec<(String, std::fs::DirEntry)>) {
    let Ok(dir) = std::fs::read_dir(root.join(rel)) else {
        return;
    };
    for e in dir.flatten() {
        let name = e.file_name();
        let child = format!("{rel}/{}", name.to_string_lossy());
        match e.file_type() {
            Ok(t) if t.is_dir() => list(root, &child, out),
            Ok(_) => out.push((child, e)),
            Err(_) => {}
        }
    }
}

impl Inventory {
    /// Lists and stats (in parallel) `files` and everything under `dirs`, relative to `root`.
    /// Entries are stat'ed through their folder's handle (no path walk per file); symlinks
    /// are followed.
    pub fn scan(root: &Path, files: &[String], dirs: &[&str]) -> Inventory {
        use rayon::prelude::*;
        let mut entries = Vec::new();
        for dir in dirs {
            list(root, dir, &mut entries);
        }
        let mut states: Vec<FileState> = entries
            .into_par_iter()
            .with_min_len(512)
            .filter_map(|(rel, e)| {
                let meta = e.metadata().ok()?;
                if meta.file_type().is_symlink() {
                    return state_of(root, rel);
                }
                meta.is_file().then(|| (rel, meta.len(), nanos(&meta)))
            })
            .collect();
        // Files the folders already listed are not listed twice.
        let listed = |f: &String| {
            dirs.iter()
                .any(|d| f.strip_prefix(d).is_some_and(|r| r.starts_with('/')))
        };
        states.extend(
            files
                .iter()
                .filter(|f| !listed(f))
                .filter_map(|f| state_of(root, f.clone())),
        );
        Inventory(states)
    }

    /// Sorts the list by path (dropping duplicates), as `changes` and `to_text` need it. `hash`
    /// and `newest` work on the list in any order.
    pub fn sort(&mut self) {
        self.0.sort_unstable();
        self.0.dedup_by(|a, b| a.0 == b.0);
    }

    /// Brings the entries of `files` (paths relative to `root`) up to date in a sorted
    /// inventory: refreshed, added, or removed if no longer a file.
    pub fn refresh(&mut self, root: &Path, files: &std::collections::BTreeSet<String>) {
        for f in files {
            let at = self.0.binary_search_by(|e| e.0.as_str().cmp(f));
            match (at, state_of(root, f.clone())) {
                (Ok(i), Some(state)) => self.0[i] = state,
                (Ok(i), None) => {
                    self.0.remove(i);
                }
                (Err(i), Some(state)) => self.0.insert(i, state),
                // A folder that went: everything that was in it.
                (Err(_), None) => {
                    let inside = format!("{f}/");
                    self.0.retain(|e| !e.0.starts_with(&inside));
                }
            }
        }
    }

    /// Adds (or refreshes) `files`.
    pub fn with(mut self, root: &Path, files: &[String]) -> Inventory {
        self.0.retain(|(p, _, _)| !files.contains(p));
        self.0
            .extend(files.iter().filter_map(|f| state_of(root, f.clone())));
        self.sort();
        self
    }

    /// What changed since `self` was taken at `taken_at` (ns). A file modified at or after that
    /// instant counts as changed even if its size and time match: it may have changed again
    /// within the clock's resolution.
    pub fn changes(&self, now: &Inventory, taken_at: i128) -> Changes {
        if self.0.len() != now.0.len() {
            return Changes::Other;
        }
        let mut modified = Vec::new();
        for (a, b) in self.0.iter().zip(&now.0) {
            if a.0 != b.0 {
                return Changes::Other;
            }
            if a != b || b.2 >= taken_at {
                modified.push(b.0.clone());
            }
        }
        if modified.is_empty() {
            Changes::None
        } else {
            Changes::Modified(modified)
        }
    }
}

/// The clock, in the inventory's unit.
pub fn now_nanos() -> i128 {
    std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0)
}
