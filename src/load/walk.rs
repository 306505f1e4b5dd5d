//! Finding the input files: the folder walk, sequential and sorted, that lists the site's
//! documents, evidence files, records and mapping files before they are read in parallel.

use crate::base::diagnostic::Diagnostic;
use crate::base::rules;
use crate::model::DocKind;
use std::path::{Path, PathBuf};

/// The site's documents (each with its kind) and evidence files, as paths relative to `root`:
/// every Markdown file under `content/<kind>/`, every YAML file directly in `content/evidence/`.
pub(super) fn input_files(
    root: &Path,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<(DocKind, PathBuf)>, Vec<PathBuf>) {
    let mut doc_files = Vec::new();
    for kind in DocKind::ALL {
        let dir = root.join("content").join(kind.folder());
        for path in walk(&dir, usize::MAX, &["md", "markdown"], diags, root) {
            doc_files.push((kind, path));
        }
    }
    let evidence_dir = root.join("content").join("evidence");
    let evidence_files = walk(&evidence_dir, 1, &["yaml", "yml"], diags, root);
    (doc_files, evidence_files)
}

/// Files with one of `exts` under `dir`, as paths relative to `root`, sorted. A missing folder
/// is simply empty.
pub(super) fn walk(
    dir: &Path,
    max_depth: usize,
    exts: &[&str],
    diags: &mut Vec<Diagnostic>,
    root: &Path,
) -> Vec<PathBuf> {
    if !dir.exists() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .max_depth(max_depth)
        .sort_by_file_name()
    {
        match entry {
            Ok(e) => {
                let name = e.file_name().to_string_lossy();
                if name.starts_with('.') {
                    continue;
                }
                let is_file = e.file_type().is_file() || e.path_is_symlink();
                let ext_ok = e
                    .path()
                    .extension()
                    .and_then(|x| x.to_str())
                    .is_some_and(|x| exts.contains(&x));
                if is_file && ext_ok {
                    let rel = e
                        .path()
                        .strip_prefix(root)
                        .unwrap_or(e.path())
                        .to_path_buf();
                    out.push(rel);
                }
            }
            Err(e) => {
                let p = e
                    .path()
                    .map(|p| p.strip_prefix(root).unwrap_or(p).to_path_buf());
                diags.push(
                    Diagnostic::error(
                        p.unwrap_or_else(|| dir.to_path_buf()),
                        format!("cannot read folder: {e}"),
                    )
                    .with_rule(rules::IO),
                );
            }
        }
    }
    out
}
