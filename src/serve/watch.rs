//! What a changed file means for `serve`: raw file-system events become a small domain type,
//! so the rebuild logic never sees notify's event kinds, and editors' temporary files are ignored.
//! A [`Burst`] gathers the events of one save and says how long to wait for more before
//! rebuilding: briefly once every changed file is complete, longer while one may still be written.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

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

impl Change {
    /// The name the terminal shows for this kind of change.
    pub fn label(self) -> &'static str {
        match self {
            Change::Content => "content",
            Change::Mappings => "mappings",
            Change::Theme => "theme",
            Change::Config => "crosswalk.yaml",
        }
    }
}

/// The folders of a site that `serve` watches recursively (the root itself is watched alone).
pub const FOLDERS: [&str; 3] = ["content", "mappings", "themes"];

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
        crate::model::config::CONFIG_FILE => Some(Change::Config),
        _ => None,
    }
}

/// What one file-system event says about a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Created, written, moved away or removed: more writes may follow (an in-place save in
    /// progress, the first half of a rename).
    Changed,
    /// Renamed into place: the file is complete (the last step of a write-then-rename save).
    Replaced,
    /// Closed after writing: an earlier change to this file is complete. Alone it changes nothing.
    Closed,
}

/// The steps one raw notify event says, in order. Reads (the build's own) and metadata-only
/// changes are not edits; a close after writing is not one either, but it tells the debounce
/// that an in-place save is complete. Dropped events (the kernel's queue overflowed during a
/// large build) are a change of `config_path`: some save may be among them, and the build
/// itself finds what changed.
pub fn steps(ev: notify::Event, config_path: &Path) -> Vec<(PathBuf, Step)> {
    use notify::EventKind::{Access, Create, Modify, Remove};
    use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
    if ev.need_rescan() {
        return vec![(config_path.to_path_buf(), Step::Changed)];
    }
    let step = match ev.kind {
        Modify(ModifyKind::Name(RenameMode::To)) => Step::Replaced,
        Modify(ModifyKind::Name(RenameMode::Both)) => {
            // [from, to]; inotify also reports the two halves on their own.
            let mut paths = ev.paths.into_iter();
            let from = paths.next().map(|from| (from, Step::Changed));
            return from
                .into_iter()
                .chain(paths.map(|to| (to, Step::Replaced)))
                .collect();
        }
        Create(_)
        | Remove(_)
        | Modify(ModifyKind::Data(_) | ModifyKind::Name(_) | ModifyKind::Any) => Step::Changed,
        Access(AccessKind::Close(AccessMode::Write)) => Step::Closed,
        _ => return Vec::new(),
    };
    ev.paths.into_iter().map(|p| (p, step)).collect()
}

/// How long a burst waits for another event while a changed file may still be written to.
pub const DEBOUNCE: Duration = Duration::from_millis(60);
/// How long it waits once every changed file is complete: long enough to join the rest of a save
/// that touches several files at once, short enough not to be felt.
pub const SETTLED: Duration = Duration::from_millis(10);

/// The events of one save (or of several close together), gathered before one rebuild.
#[derive(Debug, Default)]
pub struct Burst {
    changes: BTreeSet<Change>,
    /// Every changed input, and whether its last event left it complete.
    files: BTreeMap<PathBuf, bool>,
}

impl Burst {
    /// Adds one event for `path`; anything a build does not read is left out (see [`classify`]).
    pub fn add(&mut self, root: &Path, output: &Path, path: &Path, step: Step) {
        let Some(change) = classify(root, output, path) else {
            return;
        };
        match step {
            Step::Changed | Step::Replaced => {
                self.changes.insert(change);
                self.files
                    .insert(path.to_path_buf(), step == Step::Replaced);
            }
            Step::Closed => {
                if let Some(done) = self.files.get_mut(path) {
                    *done = true;
                }
            }
        }
    }

    /// The changed paths (those a build reads), relative to `root` and `/`-separated.
    pub fn relative_paths(&self, root: &Path) -> Vec<String> {
        self.files
            .keys()
            .filter_map(|p| p.strip_prefix(root).ok())
            .map(|r| {
                r.components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .collect()
    }

    /// The watched folders ([`FOLDERS`]) that this burst created, removed or moved themselves,
    /// not only files in them: a folder made again must be watched again.
    pub fn top_folders(&self, root: &Path) -> Vec<PathBuf> {
        FOLDERS
            .iter()
            .map(|f| root.join(f))
            .filter(|p| self.files.contains_key(p))
            .collect()
    }

    /// What changed, in a stable order; empty if nothing a build reads did.
    pub fn changes(&self) -> Vec<Change> {
        self.changes.iter().copied().collect()
    }

    /// How long to wait for a further event before rebuilding.
    pub fn quiet_period(&self) -> Duration {
        if self.files.values().all(|done| *done) {
            SETTLED
        } else {
            DEBOUNCE
        }
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

    #[test]
    fn a_burst_names_the_watched_folders_made_again() {
        let (root, out) = (Path::new("/site"), Path::new("/site/public"));
        let mut b = Burst::default();
        b.add(
            root,
            out,
            Path::new("/site/content/policies/a.md"),
            Step::Changed,
        );
        b.add(
            root,
            out,
            Path::new("/site/content/policies"),
            Step::Changed,
        );
        assert!(b.top_folders(root).is_empty());
        b.add(root, out, Path::new("/site/content"), Step::Changed);
        b.add(root, out, Path::new("/site/themes"), Step::Replaced);
        b.add(root, out, Path::new("/site/public"), Step::Changed);
        assert_eq!(
            b.top_folders(root),
            vec![
                PathBuf::from("/site/content"),
                PathBuf::from("/site/themes")
            ]
        );
    }

    #[test]
    fn a_burst_waits_briefly_only_once_every_changed_file_is_complete() {
        let (root, out) = (Path::new("/site"), Path::new("/site/public"));
        let policy = Path::new("/site/content/policies/a.md");
        let other = Path::new("/site/content/policies/b.md");

        // Write-then-rename: the scratch file is ignored, the rename completes the save.
        let mut b = Burst::default();
        b.add(
            root,
            out,
            Path::new("/site/content/policies/.a.md.tmp"),
            Step::Changed,
        );
        b.add(
            root,
            out,
            Path::new("/site/content/policies/.a.md.tmp"),
            Step::Closed,
        );
        assert!(b.changes().is_empty());
        b.add(root, out, policy, Step::Replaced);
        assert_eq!(b.changes(), vec![Change::Content]);
        assert_eq!(b.quiet_period(), SETTLED);

        // In place: written, then closed.
        let mut b = Burst::default();
        b.add(root, out, policy, Step::Changed);
        assert_eq!(b.quiet_period(), DEBOUNCE);
        b.add(root, out, policy, Step::Changed);
        b.add(root, out, policy, Step::Closed);
        assert_eq!(b.quiet_period(), SETTLED);
        // Written again after closing: not complete until closed again.
        b.add(root, out, policy, Step::Changed);
        assert_eq!(b.quiet_period(), DEBOUNCE);

        // Moved away (vim keeps a backup this way) and written anew.
        let mut b = Burst::default();
        b.add(root, out, policy, Step::Changed);
        b.add(
            root,
            out,
            Path::new("/site/content/policies/a.md~"),
            Step::Replaced,
        );
        b.add(root, out, policy, Step::Changed);
        assert_eq!(b.quiet_period(), DEBOUNCE);
        b.add(root, out, policy, Step::Closed);
        assert_eq!(b.quiet_period(), SETTLED);

        // Every changed file counts: one still open keeps the long wait.
        b.add(root, out, other, Step::Changed);
        assert_eq!(b.quiet_period(), DEBOUNCE);
        b.add(
            root,
            out,
            Path::new("/site/content/policies/c.md"),
            Step::Closed,
        );
        assert_eq!(b.quiet_period(), DEBOUNCE);

        // A file closed after writing that no event said was changed (opened for writing and
        // left as it was, as `touch` does) is no change.
        let mut b = Burst::default();
        b.add(root, out, policy, Step::Closed);
        assert!(b.changes().is_empty());
        // And a change under the output folder is none either.
        b.add(
            root,
            out,
            Path::new("/site/public/index.html"),
            Step::Replaced,
        );
        assert!(b.changes().is_empty());
    }
}
