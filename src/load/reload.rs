//! A load brought up to date: the documents and evidence files that changed since an earlier
//! load are read again and their items replaced where they stand, giving what `load` would give
//! now without reading the rest of the site.

use crate::base::diagnostic::Diagnostic;
use crate::load::artifacts::locate_artifact;
use crate::load::cache::{Entry, HashCache};
use crate::load::documents::{parse_document, parse_evidence};
use crate::load::loaded::Loaded;
use crate::load::parse_cache::ParseCache;
use crate::load::read::RealPaths;
use crate::model::DocKind;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

/// `previous` (a load of the site at `root`, with its diagnostics) with the files `changed`
/// (paths relative to `root`) read again. `None` unless every one is a document or evidence file
/// that `previous` read (or failed to) and is still there: adding or removing a file, or changing
/// anything else, needs a whole `load`. The result is what `load` would give now.
pub fn reload(
    root: &Path,
    previous: (Loaded, Vec<Diagnostic>),
    changed: &BTreeSet<String>,
    parsed: Option<&ParseCache>,
) -> Option<(Loaded, Vec<Diagnostic>)> {
    let kinds = changed_files(root, &previous, changed)?;
    let canonical_root = root.canonicalize().ok()?;
    let paths = RealPaths::new(root, &canonical_root);
    let known = known_hashes(&previous.0, &kinds);
    let (mut loaded, before_diags) = previous;
    let mut diags: Vec<Diagnostic> = before_diags
        .into_iter()
        .filter(|d| !changed.contains(&crate::base::diagnostic::display_path(&d.path)))
        .collect();
    // Each file's items are replaced where they stand, keeping the order `load` gives:
    // documents by path; evidence files by path, each in file order.
    for (p, kind) in kinds {
        match kind {
            Some(kind) => reload_document(&paths, p, kind, parsed, &mut loaded, &mut diags),
            None => reload_evidence_file(&paths, p, parsed, &known, &mut loaded, &mut diags),
        }
    }
    Some((loaded, diags))
}

/// Paths are compared as bytes: `Path`'s own comparison parses components, and these run once
/// per named file over every document and record.
fn same(a: &Path, b: &Path) -> bool {
    a.as_os_str() == b.as_os_str()
}

/// Each changed file that is still there, as a document (with its kind) or an evidence file
/// (`None`); files that came and went unread are left out. `None` when one of them is anything
/// else, or was not read by `previous`: that needs a whole `load`.
fn changed_files<'a>(
    root: &Path,
    previous: &(Loaded, Vec<Diagnostic>),
    changed: &'a BTreeSet<String>,
) -> Option<Vec<(&'a Path, Option<DocKind>)>> {
    let (before, before_diags) = previous;
    let read_before = |p: &Path| {
        before.documents.iter().any(|d| same(&d.path, p))
            || before.evidence.iter().any(|e| same(&e.path, p))
            || before_diags.iter().any(|d| same(&d.path, p))
    };
    let mut kinds = Vec::new();
    for rel in changed {
        let p = Path::new(rel);
        // Came and went between two builds (an editor's or a tool's temporary file): nothing
        // read it or anything in it, nothing will.
        let read_inside = || {
            before.documents.iter().any(|d| d.path.starts_with(p))
                || before.evidence.iter().any(|e| e.path.starts_with(p))
                || before_diags.iter().any(|d| d.path.starts_with(p))
        };
        if std::fs::symlink_metadata(root.join(p)).is_err() && !read_inside() {
            continue;
        }
        let hidden = rel.split('/').any(|c| c.starts_with('.'));
        let ext = p.extension().and_then(|x| x.to_str()).unwrap_or("");
        let doc = DocKind::of_path(rel);
        let evidence = rel
            .strip_prefix("content/evidence/")
            .is_some_and(|r| !r.contains('/'));
        let kind = match (doc, evidence) {
            (Some(k), _) if matches!(ext, "md" | "markdown") => Some(k),
            (None, true) if matches!(ext, "yaml" | "yml") => None,
            _ => return None,
        };
        if hidden || !read_before(p) || !root.join(p).is_file() {
            return None;
        }
        kinds.push((p, kind));
    }
    Some(kinds)
}

/// An evidence file's artifacts are found again; those its records had before are not hashed
/// again while their size and modification time are unchanged: their hashes, as a hash cache.
fn known_hashes(before: &Loaded, kinds: &[(&Path, Option<DocKind>)]) -> HashCache {
    let evidence_files: Vec<&Path> = kinds
        .iter()
        .filter(|(_, k)| k.is_none())
        .map(|(p, _)| *p)
        .collect();
    let mut known = HashCache::default();
    if !evidence_files.is_empty() {
        for (ev, a) in before.evidence.iter().zip(&before.artifacts) {
            if let Some(a) = a
                && evidence_files.iter().any(|p| same(&ev.path, p))
            {
                let entry = Entry {
                    size: a.size,
                    mtime: a.mtime.clone(),
                    sha256: a.sha256.clone(),
                };
                known.files.insert(a.rel.clone(), entry);
            }
        }
    }
    known
}

/// Reads document `p` again: it replaces its earlier version, goes in by path if it failed
/// before, or is dropped for its error.
fn reload_document(
    paths: &RealPaths,
    p: &Path,
    kind: DocKind,
    parsed: Option<&ParseCache>,
    loaded: &mut Loaded,
    diags: &mut Vec<Diagnostic>,
) {
    let parsed = paths.read_parsed(p, parsed.map(|c| (&c.docs, c.settle)), |text| {
        parse_document(kind, p, text).map(Arc::new)
    });
    let docs = &mut loaded.documents;
    let at = docs.iter().position(|d| same(&d.path, p));
    match (parsed, at) {
        (Ok(d), Some(i)) => docs[i] = d,
        (Ok(d), None) => {
            let i = docs.partition_point(|x| x.path.as_path() < p);
            docs.insert(i, d);
        }
        (Err(d), at) => {
            if let Some(i) = at {
                docs.remove(i);
            }
            diags.push(d);
        }
    }
}

/// Reads evidence file `p` again, with its records' artifacts: the file's records sit together,
/// and the new ones take their place.
fn reload_evidence_file(
    paths: &RealPaths,
    p: &Path,
    parsed: Option<&ParseCache>,
    known: &HashCache,
    loaded: &mut Loaded,
    diags: &mut Vec<Diagnostic>,
) {
    let cache = Some(known);
    let mut records = Vec::new();
    match paths.read_parsed(p, parsed.map(|c| (&c.evidence, c.settle)), |text| {
        parse_evidence(p, text).map(|evs| evs.into_iter().map(Arc::new).collect())
    }) {
        Ok(evs) => {
            for ev in evs {
                let artifact = match locate_artifact(paths, &ev, cache) {
                    Ok(a) => a.map(Arc::new),
                    Err(d) => {
                        diags.push(d);
                        None
                    }
                };
                records.push((ev, artifact));
            }
        }
        Err(d) => diags.push(d),
    }
    // The file's records sit together; the new ones take their place.
    let evs = &loaded.evidence;
    let start = evs
        .iter()
        .position(|e| same(&e.path, p))
        .unwrap_or_else(|| evs.partition_point(|x| x.path.as_path() < p));
    let end = start + evs[start..].iter().take_while(|e| same(&e.path, p)).count();
    let (evidence, artifacts): (Vec<_>, Vec<_>) = records.into_iter().unzip();
    loaded.evidence.splice(start..end, evidence);
    loaded.artifacts.splice(start..end, artifacts);
}
