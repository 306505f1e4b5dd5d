//! Reading one site file: its real location (symlinks followed) must lie inside the site, its
//! size under the limit for a document or record, and its bytes must be UTF-8.

use crate::base::diagnostic::Diagnostic;
use crate::base::rules;
use crate::base::text::decode_utf8;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Markdown documents larger than this are refused with a clear message.
pub const MAX_DOCUMENT_BYTES: u64 = 8 * 1024 * 1024;

/// Real locations of site files (symlinks followed), for the checks that keep every read inside
/// the site. A file's folder is resolved once and remembered, and the file itself needs one
/// `lstat`; a file that is itself a symlink is resolved in full. One `RealPaths` serves one load.
pub struct RealPaths {
    root: PathBuf,
    pub(super) canonical_root: PathBuf,
    dirs: std::sync::Mutex<std::collections::HashMap<PathBuf, Option<PathBuf>>>,
}

impl RealPaths {
    pub fn new(root: &Path, canonical_root: &Path) -> RealPaths {
        RealPaths {
            root: root.to_path_buf(),
            canonical_root: canonical_root.to_path_buf(),
            dirs: Default::default(),
        }
    }

    /// The real path of `rel` (relative to the site root) and its metadata.
    pub fn resolve(&self, rel: &Path) -> std::io::Result<(PathBuf, std::fs::Metadata)> {
        let joined = self.root.join(rel);
        let full = || {
            let real = joined.canonicalize()?;
            let meta = std::fs::metadata(&real)?;
            Ok((real, meta))
        };
        let meta = std::fs::symlink_metadata(&joined)?;
        let (Some(parent), Some(name)) = (joined.parent(), joined.file_name()) else {
            return full();
        };
        if meta.file_type().is_symlink() || name == ".." || name == "." {
            return full();
        }
        let known = self
            .dirs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(parent)
            .cloned();
        let dir = match known {
            Some(d) => d,
            None => {
                let d = parent.canonicalize().ok();
                self.dirs
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(parent.to_path_buf(), d.clone());
                d
            }
        };
        match dir {
            Some(d) => Ok((d.join(name), meta)),
            None => full(),
        }
    }

    /// Reads a site file as UTF-8, refusing one whose real location is outside the site, and
    /// one too large to be a real document.
    pub fn read(&self, rel: &Path) -> Result<String, Diagnostic> {
        let (real, meta) = self.locate(rel)?;
        self.read_located(rel, &real, &meta)
    }

    /// The real path and metadata of a site file, refusing one whose real location is outside
    /// the site.
    pub(super) fn locate(&self, rel: &Path) -> Result<(PathBuf, std::fs::Metadata), Diagnostic> {
        let cannot = |e: std::io::Error| {
            Diagnostic::error(rel, format!("cannot read: {e}")).with_rule(rules::IO)
        };
        let (real, meta) = self.resolve(rel).map_err(cannot)?;
        if !real.starts_with(&self.canonical_root) {
            return Err(Diagnostic::error(
                rel,
                format!(
                    "resolves to {}, outside the site: refusing to read it",
                    real.display()
                ),
            )
            .with_rule(rules::OUTSIDE_SITE));
        }
        Ok((real, meta))
    }

    pub(super) fn read_located(
        &self,
        rel: &Path,
        real: &Path,
        meta: &std::fs::Metadata,
    ) -> Result<String, Diagnostic> {
        let cannot = |e: std::io::Error| {
            Diagnostic::error(rel, format!("cannot read: {e}")).with_rule(rules::IO)
        };
        let len = meta.len();
        if len > MAX_DOCUMENT_BYTES {
            return Err(Diagnostic::error(
                rel,
                format!(
                    "file is {len} bytes, over the limit of {MAX_DOCUMENT_BYTES} bytes for a document or record"
                ),
            ).with_rule(rules::FILE_TOO_LARGE));
        }
        let file = std::fs::File::open(real).map_err(cannot)?;
        let mut bytes = Vec::with_capacity(len as usize);
        file.take(MAX_DOCUMENT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(cannot)?;
        if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
            return Err(Diagnostic::error(
                rel,
                format!(
                    "file is over the limit of {MAX_DOCUMENT_BYTES} bytes for a document or record"
                ),
            )
            .with_rule(rules::FILE_TOO_LARGE));
        }
        decode_utf8(&bytes, rel)
    }
}

/// Reads one site file as UTF-8 (see `RealPaths::read`).
pub fn read_site_file(
    root: &Path,
    canonical_root: &Path,
    rel: &Path,
) -> Result<String, Diagnostic> {
    RealPaths::new(root, canonical_root).read(rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_errors_are_positioned() {
        let e = decode_utf8(b"id: a\nti\xfftle", Path::new("x.md")).unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(3)));
    }
}
