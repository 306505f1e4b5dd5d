//! Evidence files: each record's `file:` located inside the site and hashed (SHA-256, streamed),
//! the hash taken from the hash cache while the file's size and modification time are unchanged.

use crate::base::diagnostic::{Diagnostic, Pos};
use crate::base::hash::hash_file;
use crate::base::rules;
use crate::load::cache::HashCache;
use crate::load::read::RealPaths;
use crate::model::Evidence;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An evidence record's file, located and hashed.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// Absolute, symlinks resolved; always inside the site.
    pub absolute: PathBuf,
    pub file_name: String,
    pub size: u64,
    pub sha256: String,
    /// Path relative to the site root, as the hash cache keys it.
    pub rel: String,
    pub mtime: String,
    /// Where the output publishes it (`view::artifact_url`), made once with the artifact.
    pub url: String,
    /// A hash of all of the above but `absolute` (`incremental::keys`), made on first use.
    pub key: std::sync::OnceLock<u64>,
}

impl Artifact {
    /// The name it is published under in `evidence/files/` (`resolve::artifact_name`).
    pub fn published_name(&self) -> &str {
        self.url
            .strip_prefix(crate::model::ARTIFACT_FOLDER)
            .unwrap_or(&self.url)
    }
}

/// Every record's artifact (in parallel), in the records' order: `None` for a record with a
/// `url` and for one whose file is refused, with the refusal in `diags`.
pub(super) fn locate_all(
    paths: &RealPaths,
    evidence: &[Arc<Evidence>],
    cache: Option<&HashCache>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Option<Arc<Artifact>>> {
    let results: Vec<Result<Option<Artifact>, Diagnostic>> = evidence
        .par_iter()
        .map(|ev| locate_artifact(paths, ev, cache))
        .collect();
    let mut artifacts = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(a) => artifacts.push(a.map(Arc::new)),
            Err(d) => {
                diags.push(d);
                artifacts.push(None);
            }
        }
    }
    artifacts
}

/// Resolves an evidence record's `file:`: it must exist, be a regular file and lie inside the
/// site once symlinks are followed. The file is hashed as a stream, never read whole.
pub(super) fn locate_artifact(
    paths: &RealPaths,
    ev: &Evidence,
    cache: Option<&HashCache>,
) -> Result<Option<Artifact>, Diagnostic> {
    let Some(file) = &ev.meta.file else {
        return Ok(None);
    };
    let from = ev.start.map_or(0, |(_, at)| at);
    let pos = Pos::find(&ev.source, file, from).or(ev.start.map(|(p, _)| p));
    let err = |m: String| {
        Diagnostic::error(&ev.path, m)
            .with_rule(rules::EVIDENCE_FILE)
            .at(pos)
    };
    let given = Path::new(file);
    if given.is_absolute() {
        return Err(err(format!(
            "evidence `{}`: `file` must be relative to the site root, not absolute: {file}",
            ev.meta.id
        )));
    }
    let canonical_root = paths.canonical_root.as_path();
    let (real, meta) = match paths.resolve(given) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(
                err(format!("evidence `{}`: file not found: {file}", ev.meta.id)).with_hint(
                    "paths are relative to the site root, e.g. content/evidence/files/report.pdf",
                ),
            );
        }
        Err(e) => {
            return Err(err(format!(
                "evidence `{}`: cannot read {file}: {e}",
                ev.meta.id
            )));
        }
    };
    if !real.starts_with(canonical_root) {
        return Err(err(format!(
            "evidence `{}`: {file} resolves to {}, outside the site: refusing to publish it",
            ev.meta.id,
            real.display()
        )));
    }
    if !meta.is_file() {
        return Err(err(format!(
            "evidence `{}`: {file} is not a regular file",
            ev.meta.id
        )));
    }
    let cannot = |e: std::io::Error| {
        err(format!(
            "evidence `{}`: cannot read {file}: {e}",
            ev.meta.id
        ))
    };
    let rel = real
        .strip_prefix(canonical_root)
        .unwrap_or(&real)
        .to_string_lossy()
        .replace('\\', "/");
    let mtime = crate::load::cache::mtime_of(&meta);
    let cached = cache
        .and_then(|c| c.get(&rel, meta.len(), &mtime))
        .map(str::to_string);
    let (sha256, size) = match cached {
        Some(h) => (h, meta.len()),
        None => hash_file(&real).map_err(cannot)?,
    };
    let file_name = real
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "artifact".into());
    let url = format!(
        "{}{}",
        crate::model::ARTIFACT_FOLDER,
        crate::model::artifact_name(&ev.meta.id, &file_name)
    );
    Ok(Some(Artifact {
        absolute: real,
        url,
        key: Default::default(),
        file_name,
        size,
        sha256,
        rel,
        mtime,
    }))
}
