//! What a changed file means for `serve`: raw file-system events become a small domain type,
//! so the rebuild logic never sees notify's event kinds, and editors' temporary files are ignored.

use std::path::Path;

/// The kind of input a changed path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// A document, an evidence record or artifact, or an ISMS record.
    Content,
    /// A site catalog or crosswalk.
    Mappings,
    /// A site template or static file.
    Theme,
    /// crosswalk.yaml: everything may change.
    Config,
}

/// Whether `name` is an editor's scratch file: vim swap and backup files (`.x.swp`, `x~`, the
/// `4913` probe), emacs lock files (`.#x`), and the temporary files of write-then-rename saves.
fn is_scratch(name: &str) -> bool {
    name.starts_with(".#")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.ends_with(".part")
        || name == "4913"
        || (name.starts_with('.') && name.len() > 1)
}

/// Classifies a changed path under the site `root`. `None` for anything a build does not read:
/// the output folder, editor scratch files, git's own files.
pub fn classify(root: &Path, output: &Path, path: &Path) -> Option<Change> {
    if path.starts_with(output) {
        return None;
    }
    let rel = path.strip_prefix(root).ok()?;
    let name = rel.file_name()?.to_str()?;
    if is_scratch(name) {
        return None;
    }
    let mut parts = rel
        .components()
        .map(|c| c.as_os_str().to_str().unwrap_or(""));
    let first = parts.next()?;
    if rel.components().any(|c| {
        c.as_os_str()
            .to_str()
            .is_some_and(|s| s.starts_with('.') && s.len() > 1)
    }) {
        return None;
    }
    match first {
        "content" => Some(Change::Content),
        "mappings" => Some(Change::Mappings),
        "themes" => Some(Change::Theme),
        crate::config::CONFIG_FILE => Some(Change::Config),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_classified_by_where_they_are() {
        let root = Path::new("/site");
        let out = Path::new("/site/public");
        let c = |p: &str| classify(root, out, Path::new(p));
        assert_eq!(c("/site/content/policies/a.md"), Some(Change::Content));
        assert_eq!(
            c("/site/content/evidence/files/x.csv"),
            Some(Change::Content)
        );
        assert_eq!(
            c("/site/mappings/frameworks/x.yaml"),
            Some(Change::Mappings)
        );
        assert_eq!(
            c("/site/themes/default/templates/base.html"),
            Some(Change::Theme)
        );
        assert_eq!(c("/site/crosswalk.yaml"), Some(Change::Config));
        assert_eq!(c("/site/public/index.html"), None);
        assert_eq!(c("/site/README.md"), None);
        assert_eq!(c("/elsewhere/content/a.md"), None);
    }

    #[test]
    fn editor_scratch_files_are_ignored() {
        let root = Path::new("/site");
        let out = Path::new("/site/public");
        for p in [
            "/site/content/policies/.a.md.swp",
            "/site/content/policies/a.md~",
            "/site/content/policies/4913",
            "/site/content/policies/.#a.md",
            "/site/content/policies/.a.md.tmp",
            "/site/.git/index",
            "/site/content/.hidden/a.md",
        ] {
            assert_eq!(classify(root, out, Path::new(p)), None, "{p}");
        }
    }
}
