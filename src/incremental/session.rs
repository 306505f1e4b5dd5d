//! What a long-running process (`serve`) keeps of a site between builds: the files parsed, the
//! inventory and the load of the last build with the files changed since, what the last build
//! recorded (so the next need not read its stamp back), the evidence files it placed and the
//! rows of long lists it rendered. The process owns its session and lends it to one build at a
//! time (`&mut Session`); no lock guards it.

use crate::base::diagnostic::Diagnostic;
use crate::incremental::stamp::DocStamp;
use crate::load::cache::{HashCache, Inventory};
use crate::load::{self, Artifact, Loaded, ParseCache};
use crate::model::config::Config;
use crate::view;
use crate::write::Manifest;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

/// What a long-running process (`serve`) keeps of a site's inputs between builds, so that when
/// its file watcher names the files that changed, a rebuild neither lists the site's files nor
/// reads any but those. Without names (the first build, dropped events, a changed
/// `crosswalk.yaml`) a build lists and reads everything, as `crosswalk build` does.
#[derive(Debug, Default)]
pub struct Session {
    /// Documents and evidence files parsed so far, reused while unchanged.
    parsed: ParseCache,
    /// The inventory of the last build, sorted, and the files changed since it was taken.
    inventory: Option<Inventory>,
    since_inventory: Option<BTreeSet<String>>,
    /// What the last build loaded, and the files changed since.
    loaded: Option<(Loaded, Vec<Diagnostic>)>,
    since_load: Option<BTreeSet<String>>,
    /// The last build's stamp being written; it hands back what the build recorded.
    pub(super) saving: Option<std::thread::JoinHandle<Option<LastBuild>>>,
    /// What the last build recorded, kept so the next need not read it back.
    pub(super) last: Option<LastBuild>,
    /// The artifacts the last build published, in the order of its evidence, and whether it
    /// linked or copied them. Held here, they cannot be freed, so the same pointers mean the
    /// same artifacts.
    pub(super) published: Option<Published>,
    /// The rows of long lists the last build rendered, by key (`view::RowSpec`).
    /// Per row template, so that a build rendering one list keeps the other list's rows.
    pub(super) rows: HashMap<&'static str, Arc<RowCache>>,
}

/// Rendered rows of one list, by key.
pub(super) type RowCache = HashMap<u64, view::Row>;

/// Rows a build rendered (or took from the cache): template, key, row.
pub(super) type RenderedRows = Vec<(&'static str, u64, view::Row)>;

/// The artifacts a build published, in the order of its evidence, and whether it linked them.
pub(super) type Published = (Vec<Option<Arc<Artifact>>>, bool);

/// What a build into `serve`'s output recorded, as the stamp folder and the output's manifest
/// hold it: the next build takes it from memory instead of reading and parsing those files.
#[derive(Debug, Clone)]
pub(super) struct LastBuild {
    /// Ties the document list and page keys to the stamp they were written with.
    pub(super) docs_taken_at: i128,
    /// What the output holds (`None` once a build patched the output's manifest in place).
    pub(super) manifest: Option<Arc<Manifest>>,
    pub(super) docs: Arc<BTreeMap<String, DocStamp>>,
    pub(super) globals: u64,
    pub(super) keys: Arc<HashMap<String, u64>>,
}

impl Session {
    /// The watcher saw these files (paths relative to the site root `root`, `/`-separated)
    /// change. A folder among them (created, or moved in) may hold files the watcher never
    /// reported: then the next build lists everything.
    pub fn changed(&mut self, root: &Path, rels: &[String]) {
        if rels.iter().any(|r| root.join(r).is_dir()) {
            self.forget();
            return;
        }
        for set in [&mut self.since_inventory, &mut self.since_load]
            .into_iter()
            .flatten()
        {
            set.extend(rels.iter().cloned());
        }
    }

    /// Something changed that the watcher cannot name: the next build lists and reads every
    /// file (parsed files are still reused where unchanged).
    pub fn forget(&mut self) {
        (self.inventory, self.since_inventory) = (None, None);
        (self.loaded, self.since_load) = (None, None);
        self.published = None;
    }

    /// Waits until the last build's stamp is written.
    pub fn settle(&mut self) {
        if let Some(handle) = self.saving.take() {
            self.last = handle.join().ok().flatten();
        }
    }

    /// The site at `root`, loaded: the last build's load with the files named since read
    /// again when it can be, else everything (files parsed before and unchanged are reused).
    /// `read_cache` gives the evidence hash cache, for a whole load.
    pub fn load(
        &mut self,
        root: &Path,
        config: &Config,
        read_cache: impl Fn() -> Option<HashCache>,
    ) -> (Loaded, Vec<Diagnostic>) {
        let changed = self.since_load.replace(Default::default());
        let loaded = self
            .loaded
            .take()
            .zip(changed)
            .and_then(|(previous, changed)| {
                load::reload(root, previous, &changed, Some(&self.parsed))
            })
            .unwrap_or_else(|| load::load(root, config, read_cache().as_ref(), Some(&self.parsed)));
        self.loaded = Some(loaded.clone());
        loaded
    }

    /// The inventory brought up to date with the files named since it was taken, if known.
    /// From here on the watcher's names gather afresh, so a file saved again while this build
    /// runs is named to the next one.
    pub(super) fn take_inventory(&mut self, root: &Path) -> Option<Inventory> {
        let changed = self.since_inventory.replace(Default::default());
        let mut inventory = self.inventory.take()?;
        inventory.refresh(root, &changed?);
        Some(inventory)
    }

    pub(super) fn keep_inventory(&mut self, inventory: &Inventory) {
        self.inventory = Some(inventory.clone());
    }

    /// Each list rendered replaces its rows; a list not rendered keeps them.
    pub(super) fn keep_rows(&mut self, rendered: RenderedRows) {
        let mut lists: HashMap<&'static str, RowCache> = HashMap::new();
        for (template, key, row) in rendered {
            lists.entry(template).or_default().insert(key, row);
        }
        for (template, rows) in lists {
            self.rows.insert(template, Arc::new(rows));
        }
    }
}
