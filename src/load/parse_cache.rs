//! The parse cache: documents and evidence files parsed by earlier loads in this process, taken
//! again while the file is unchanged, so `serve` re-reads only what was edited.

use crate::base::diagnostic::Diagnostic;
use crate::load::read::RealPaths;
use crate::model::{Document, Evidence};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Documents and evidence files parsed by earlier loads in this process: `serve` keeps one
/// between builds, so a rebuild reads and parses only the files that changed. A file is taken
/// from here only when its size, modification and change times and inode are what they were,
/// and only when it was last changed long enough ago (`SETTLED`) that a second write within the
/// same clock tick cannot have gone unseen.
#[derive(Debug)]
pub struct ParseCache {
    pub(super) docs: Parsed<Arc<Document>>,
    pub(super) evidence: Parsed<Vec<Arc<Evidence>>>,
    pub(super) settle: std::time::Duration,
}

impl Default for ParseCache {
    fn default() -> ParseCache {
        ParseCache::settling_after(SETTLED)
    }
}

/// How long after its last change a file's times are trusted to tell its versions apart.
const SETTLED: std::time::Duration = std::time::Duration::from_secs(2);

impl ParseCache {
    fn settling_after(settle: std::time::Duration) -> ParseCache {
        ParseCache {
            docs: Default::default(),
            evidence: Default::default(),
            settle,
        }
    }
}

type HashMap<K, V> = std::collections::HashMap<K, V>;

/// Parsed files by path, with what the file was when parsed.
pub(super) type Parsed<T> = std::sync::Mutex<HashMap<PathBuf, (FileId, T)>>;

/// What tells a file's versions apart without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FileId {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    unix: (u64, u64, i64, i64),
}

impl FileId {
    fn of(meta: &std::fs::Metadata) -> FileId {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        FileId {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            unix: (meta.dev(), meta.ino(), meta.ctime(), meta.ctime_nsec()),
        }
    }

    /// Modified and changed long enough ago that the file system's clock has moved on since: a
    /// later write gets a later change time, which the user cannot set back.
    fn settled(&self, settle: std::time::Duration) -> bool {
        let old = |t: std::time::SystemTime| t.elapsed().is_ok_and(|age| age > settle);
        #[cfg(unix)]
        let changed = {
            let (secs, nanos) = (self.unix.2, self.unix.3);
            u64::try_from(secs).ok().is_some_and(|s| {
                old(std::time::UNIX_EPOCH
                    + std::time::Duration::new(s, u32::try_from(nanos).unwrap_or(0)))
            })
        };
        #[cfg(not(unix))]
        let changed = true;
        changed && self.modified.is_some_and(old)
    }
}

impl RealPaths {
    /// Reads and parses a site file, or takes it from `cache` if it is unchanged since it was
    /// put there.
    pub(super) fn read_parsed<T: Clone>(
        &self,
        rel: &Path,
        cache: Option<(&Parsed<T>, std::time::Duration)>,
        parse: impl FnOnce(&str) -> Result<T, Diagnostic>,
    ) -> Result<T, Diagnostic> {
        let (real, meta) = self.locate(rel)?;
        let id = FileId::of(&meta);
        fn lock<M>(m: &std::sync::Mutex<M>) -> std::sync::MutexGuard<'_, M> {
            m.lock().unwrap_or_else(|e| e.into_inner())
        }
        let settled = cache.is_some_and(|(_, settle)| id.settled(settle));
        if let Some((c, _)) = cache
            && settled
            && let Some((known, value)) = lock(c).get(rel)
            && *known == id
        {
            return Ok(value.clone());
        }
        let parsed = parse(&self.read_located(rel, &real, &meta)?);
        if let Some((c, _)) = cache {
            match &parsed {
                Ok(v) if settled => {
                    lock(c).insert(rel.to_path_buf(), (id, v.clone()));
                }
                _ => {
                    lock(c).remove(rel);
                }
            }
        }
        parsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::documents::parse_document;
    use crate::model::DocKind;

    /// The parse cache gives back what it parsed while a file is unchanged, and never a stale
    /// parse: not after a write that keeps the size and puts the old modification time back,
    /// and not for a file written too recently for its time to tell writes apart.
    #[test]
    fn the_parse_cache_reuses_only_unchanged_settled_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let rel = Path::new("content/policies/a.md");
        std::fs::create_dir_all(root.join("content/policies")).unwrap();
        let doc = |title: &str| {
            format!(
                "---\nid: POL-A\ntitle: {title}\nowner: CISO\nversion: 1\napproved: 2026-01-01\nreview_every: 12 months\nclassification: public\n---\nText.\n"
            )
        };
        let write = |text: &str, modified: Option<std::time::SystemTime>| {
            std::fs::write(root.join(rel), text).unwrap();
            if let Some(t) = modified {
                let f = std::fs::File::options()
                    .write(true)
                    .open(root.join(rel))
                    .unwrap();
                f.set_modified(t).unwrap();
            }
        };
        let settle = std::time::Duration::from_millis(200);
        let cache = ParseCache::settling_after(settle);
        let paths = RealPaths::new(&root, &root);
        let parses = std::cell::Cell::new(0);
        let load = || {
            paths
                .read_parsed(rel, Some((&cache.docs, settle)), |text| {
                    parses.set(parses.get() + 1);
                    parse_document(DocKind::Policies, rel, text).map(Arc::new)
                })
                .unwrap()
                .meta
                .title
                .clone()
        };

        // Written just now: parsed every time, never kept.
        write(&doc("First"), None);
        assert_eq!(load(), "First");
        assert_eq!(load(), "First");
        assert_eq!(parses.get(), 2);

        // Settled: parsed once more, then reused.
        std::thread::sleep(settle * 2);
        assert_eq!(load(), "First");
        assert_eq!(load(), "First");
        assert_eq!(parses.get(), 3);

        // Same size, the modification time set back: the change time, which cannot be set
        // back, still tells.
        let before = std::fs::metadata(root.join(rel))
            .unwrap()
            .modified()
            .unwrap();
        write(&doc("Later"), Some(before));
        assert_eq!(load(), "Later");
        assert_eq!(parses.get(), 4);
    }
}
