//! The one interface between a build and what makes it cheap. A build asks its `Tracker`:
//! can it stop now (`shortcut`: nothing changed, or only document bodies to splice)? Which of
//! its pages are known unchanged (`known`)? And at the end it tells it what it built
//! (`remember`), which goes into the stamp folder and, in `serve`, into the session.
//!
//! The session (`serve`'s memory between builds) is reached only from here and from
//! `Session::load`. A build borrows it (`&mut Session`) for its whole length, from the one
//! thread that runs the build; the parallel page loop never touches it (`Known` carries what the
//! pages need of it).

use crate::incremental::keys;
use crate::incremental::known::{Known, Recorded};
use crate::incremental::session::{LastBuild, Session};
use crate::incremental::splice::{Splice, Spliced};
use crate::incremental::stamp::{self, DocStamp, Stamp};
use crate::load::cache::{Changes, Inventory};
use crate::model::Date;
use crate::model::config::Config;
use crate::resolve::{Model, ResolvedEvidence};
use crate::view::Plan;
use crate::write::{self, Manifest};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Every document page's stamp, by the document's path in the site.
type DocStamps = Arc<BTreeMap<String, DocStamp>>;

/// Every page's key, by the page's path.
type PageKeys = Arc<HashMap<String, u64>>;

/// What the incremental side of a build is told.
pub struct Tracking<'s> {
    /// The build profile's name (part of the stamp's key).
    pub profile: String,
    /// The folder the stamp is kept in, used only if it exists.
    pub stamp_dir: PathBuf,
    /// What earlier builds in this process (`serve`) kept, lent to this build.
    pub session: Option<&'s mut Session>,
    /// The output is this process's own (`serve`'s): what the last build left there is known
    /// from memory.
    pub own_output: bool,
    /// Rebuild even when no input changed, and view every page.
    pub force: bool,
}

/// What the last build into an output left, and what this build into it finds.
pub struct Tracker<'s> {
    session: Option<&'s mut Session>,
    own_output: bool,
    force: bool,
    stamp_path: PathBuf,
    /// The cache folder exists: the build reads and writes a stamp.
    keep_stamp: bool,
    key: String,
    /// What the last build into `serve`'s own output recorded.
    last: Option<LastBuild>,
    /// The last build's stamp, if made under the same key.
    stamp: Option<Stamp>,
    /// When this build took its inventory of the site's files.
    taken_at: i128,
    inventory: Option<Inventory>,
    inventory_hash: String,
    /// No input changed since the stamp was taken, as far as the inventory's hash and times say.
    unchanged: bool,
    /// The `globals` key of this build's pages, once known.
    globals: u64,
}

/// What a build may do instead of building.
pub enum Shortcut {
    /// Build as usual.
    Build,
    /// No input changed since the last build into this output: nothing to do.
    UpToDate(Earlier),
    /// Only documents changed: their new bodies may be spliced into their pages.
    Splice(Splice),
}

/// What the last build's stamp says it made, for the report of a build that stops early.
pub struct Earlier {
    pub files: usize,
    pub pages: usize,
    pub published: usize,
    pub warnings: usize,
}

impl Earlier {
    fn of(st: &Stamp) -> Earlier {
        Earlier {
            files: st.files,
            pages: st.pages,
            published: st.published,
            warnings: st.warnings,
        }
    }
}

/// What a build made, for its stamp and its session.
pub struct Built<'a> {
    pub recorded: Recorded,
    /// The output's manifest, and whether it is still to be written (`Writer::finish_with`).
    pub manifest: Arc<Manifest>,
    pub unsaved: bool,
    pub files: usize,
    pub pages: usize,
    pub published: usize,
    pub warnings: usize,
    pub evidence: &'a [ResolvedEvidence],
    pub linked: bool,
}

impl<'s> Tracker<'s> {
    /// Reads the stamp of the last build of the site at `root` into `dest` (with `today`'s
    /// date and the same git revision), once it is written.
    pub fn open(root: &Path, dest: &Path, today: Date, t: Tracking<'s>) -> Tracker<'s> {
        let stamp_path = t.stamp_dir.join(stamp::stamp_name(dest));
        let keep_stamp = stamp_path.parent().is_some_and(Path::is_dir);
        let mut key = stamp::key(&today, &t.profile, dest);
        if keep_stamp {
            // The updates feed shows git dates: a new commit changes them without changing any
            // file, so the revision checked out is part of the key.
            key.push('|');
            key.push_str(&crate::load::git::revision(root).unwrap_or_default());
        }
        // The last build's stamp, once it is written, and what it recorded (`serve`'s own
        // output only).
        let mut session = t.session;
        let last = session.as_deref_mut().and_then(|session| {
            session.settle();
            session.last.clone().filter(|_| t.own_output)
        });
        let stamp = keep_stamp
            .then(|| stamp::read_stamp(&stamp_path))
            .flatten()
            .filter(|s| s.key == key);
        Tracker {
            session,
            own_output: t.own_output,
            force: t.force,
            stamp_path,
            keep_stamp,
            key,
            last,
            stamp,
            taken_at: 0,
            inventory: None,
            inventory_hash: String::new(),
            unchanged: false,
            globals: 0,
        }
    }

    /// The session, lent to the load (`Session::load`) between the tracker's own uses.
    pub fn session(&mut self) -> Option<&mut Session> {
        self.session.as_deref_mut()
    }

    /// Takes the inventory of the site's files (from the session when it knows which changed),
    /// when the build keeps a stamp.
    pub fn take_inventory(&mut self, root: &Path, config: &Config) {
        self.taken_at = crate::load::cache::now_nanos();
        let mut inventory = self.keep_stamp.then(|| {
            let known = self
                .session
                .as_deref_mut()
                .and_then(|s| s.take_inventory(root));
            known.unwrap_or_else(|| {
                let also = self.stamp.as_ref().map(|s| s.also.as_slice());
                stamp::inventory(root, config, also.unwrap_or(&[]))
            })
        });
        self.inventory_hash = inventory.as_ref().map(Inventory::hash).unwrap_or_default();
        self.unchanged = inventory
            .as_ref()
            .zip(self.stamp.as_ref())
            .is_some_and(|(now, st)| {
                self.inventory_hash == st.inventory_hash && now.newest() < st.taken_at
            });
        // Sorted for comparing with the stamp's, and for the session, which keeps it sorted.
        if let Some(i) = inventory
            .as_mut()
            .filter(|_| !self.unchanged || self.session.is_some())
        {
            i.sort();
        }
        if let (Some(session), Some(i)) = (self.session.as_deref_mut(), &inventory) {
            session.keep_inventory(i);
        }
        self.inventory = inventory;
    }

    /// Whether this build can stop before loading the site: the output in `dest` is as the last
    /// build left it, and no input changed since, or only documents.
    pub fn shortcut(&self, dest: &Path) -> Shortcut {
        let (false, Some(st), Some(now)) = (self.force, &self.stamp, &self.inventory) else {
            return Shortcut::Build;
        };
        if !dest.join(write::MARKER).exists() || stamp::manifest_identity(dest) != st.manifest {
            return Shortcut::Build;
        }
        let changes = if self.unchanged {
            Changes::None
        } else {
            stamp::read_inventory(&self.stamp_path, st.taken_at)
                .map_or(Changes::Other, |old| old.changes(now, st.taken_at))
        };
        match changes {
            Changes::None => Shortcut::UpToDate(Earlier::of(st)),
            Changes::Modified(changed) => Shortcut::Splice(Splice {
                docs: stamp::read_docs(&self.stamp_path, st, Some(&changed)),
                changed,
            }),
            Changes::Other => Shortcut::Build,
        }
    }

    /// Records bodies spliced into the output at `dest` in a new stamp. `None` if the stamp
    /// cannot record this inventory (then the build goes on as usual).
    pub fn spliced(&mut self, dest: &Path, spliced: Spliced) -> Option<Earlier> {
        let (Some(st), Some(now)) = (&self.stamp, &self.inventory) else {
            return None;
        };
        let now_text = now.to_text()?;
        // The output's manifest was patched on disk.
        if let Some(session) = self.session.as_deref_mut()
            && let Some(l) = &mut session.last
        {
            l.manifest = None;
        }
        let mut next = st.clone();
        next.moved.extend(spliced.spans);
        next.taken_at = self.taken_at;
        next.inventory_hash = self.inventory_hash.clone();
        next.manifest = stamp::manifest_identity(dest);
        let _ = stamp::write_stamp(&self.stamp_path, &next, &now_text, None);
        Some(Earlier::of(st))
    }

    /// Which of `plan`'s pages cannot have changed (their key is the one the last build
    /// recorded), with what else this build may reuse of the last one; `theme` is the theme's
    /// fingerprint and `site_json` what every page sees of the site.
    pub fn known(&mut self, model: &Model, plan: &Plan, theme: &str, site_json: &[u8]) -> Known {
        let globals = crate::base::hash::hash_of((
            keys::globals(model, theme, site_json),
            keys::disclosed(plan.cov),
        ));
        let page_keys = keys::page_keys(plan);
        let (old_docs, old_keys) = self.recorded();
        let old_keys = old_keys
            .filter(|(g, _)| *g == globals && !self.force)
            .map(|(_, keys)| keys)
            .unwrap_or_default();
        // A page whose body was spliced since the keys were written is not what its key says.
        let spliced: HashSet<String> = self
            .stamp
            .iter()
            .flat_map(|s| s.moved.keys())
            .filter_map(|rel| old_docs.get(rel).map(|d| d.page.clone()))
            .collect();
        self.globals = globals;
        let (rows, placed) = match self.session.as_deref_mut() {
            Some(session) => (session.rows.clone(), session.published.take()),
            None => Default::default(),
        };
        Known {
            globals,
            keys: page_keys,
            old_keys,
            old_docs,
            spliced,
            rows,
            rendered_rows: self.session.as_ref().map(|_| Mutex::new(Vec::new())),
            placed,
            own_output: self.own_output,
        }
    }

    /// The last build's document pages and page keys (with the `globals` key they hold under):
    /// from memory when this process made the last build, else from the stamp folder.
    fn recorded(&self) -> (DocStamps, Option<(u64, PageKeys)>) {
        let from_memory = self
            .last
            .as_ref()
            .zip(self.stamp.as_ref())
            .and_then(|(l, st)| {
                (l.docs_taken_at == st.docs_taken_at).then(|| {
                    let mut docs = l.docs.clone();
                    if !st.moved.is_empty() {
                        let docs = Arc::make_mut(&mut docs);
                        for (rel, span) in &st.moved {
                            if let Some(d) = docs.get_mut(rel) {
                                d.span = *span;
                            }
                        }
                    }
                    (docs, Some((l.globals, l.keys.clone())))
                })
            });
        from_memory.unwrap_or_else(|| {
            let docs = self
                .stamp
                .as_ref()
                .map(|s| stamp::read_docs(&self.stamp_path, s, None))
                .unwrap_or_default();
            let keys = self
                .stamp
                .as_ref()
                .and_then(|s| stamp::read_deps(&self.stamp_path, s))
                .map(|(g, keys)| (g, Arc::new(keys)));
            (Arc::new(docs), keys)
        })
    }

    /// The manifest of `serve`'s own output, as the last build in this process left it.
    pub fn last_manifest(&self) -> Option<Arc<Manifest>> {
        self.last.as_ref().and_then(|l| l.manifest.clone())
    }

    /// Keeps the rows of long lists this build rendered, for the next build in this process.
    pub fn keep_rows(&mut self, known: Known) {
        let Some(rendered) = known.rendered_rows else {
            return;
        };
        let rendered = rendered.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some(session) = self.session.as_deref_mut() {
            session.keep_rows(rendered);
        }
    }

    /// `serve`: what this build records is kept in memory, and the output's manifest is
    /// written with the stamp, while the page reloads.
    fn keeps_in_memory(&mut self) -> Option<&mut Session> {
        let keeps = self.own_output && self.inventory.is_some();
        self.session.as_deref_mut().filter(|_| keeps)
    }

    /// Called before the output changes: forgets what the last build recorded of it, and says
    /// whether the output's manifest may be left for the stamp's writer (`serve`'s own output).
    pub fn before_writing(&mut self) -> bool {
        match self.keeps_in_memory() {
            Some(session) => {
                session.last = None;
                true
            }
            None => false,
        }
    }

    /// Remembers what this build made of the site at `root` in `dest`: the evidence files it
    /// placed (`serve`), and the stamp, which covers every input, published or not, so it is
    /// never written into the output; it goes into the site's cache folder, and only if the
    /// user made one. In `serve` the stamp is written while the page reloads; the next build
    /// waits for it before it reads the stamp.
    pub fn remember(&mut self, root: &Path, dest: &Path, built: Built) {
        let keeping = match self.keeps_in_memory() {
            Some(session) => {
                let artifacts = built.evidence.iter().map(|e| e.artifact.clone()).collect();
                session.published = Some((artifacts, built.linked));
                true
            }
            None => false,
        };
        let Some(inventory) = self.inventory.take() else {
            return;
        };
        let also: Vec<String> = built
            .evidence
            .iter()
            .filter_map(|e| e.artifact.as_ref())
            .filter(|a| !a.rel.starts_with("content/"))
            .map(|a| a.rel.clone())
            .collect();
        let st = Stamp {
            key: self.key.clone(),
            taken_at: self.taken_at,
            inventory_hash: String::new(),
            also,
            manifest: String::new(),
            files: built.files,
            pages: built.pages,
            published: built.published,
            warnings: built.warnings,
            docs_taken_at: self.taken_at,
            moved: BTreeMap::new(),
        };
        let save = save_stamp(SaveStamp {
            root: root.to_path_buf(),
            dest: dest.to_path_buf(),
            stamp_path: self.stamp_path.clone(),
            stamp: st,
            inventory,
            recorded: built.recorded,
            globals: self.globals,
            manifest: built.manifest,
            unsaved: built.unsaved,
            keeping,
        });
        if keeping && let Some(session) = self.session.as_deref_mut() {
            session.saving = Some(std::thread::spawn(save));
        } else {
            save();
        }
    }
}

/// Everything the stamp's writer needs, owned, so it can run on a thread of its own.
struct SaveStamp {
    root: PathBuf,
    dest: PathBuf,
    stamp_path: PathBuf,
    stamp: Stamp,
    inventory: Inventory,
    recorded: Recorded,
    globals: u64,
    manifest: Arc<Manifest>,
    unsaved: bool,
    keeping: bool,
}

/// Writes the output's manifest if it is still to be written (the stamp names the manifest it
/// goes with, so the manifest comes first), then the stamp; hands back what the build recorded
/// when the session keeps it.
fn save_stamp(s: SaveStamp) -> impl FnOnce() -> Option<LastBuild> + Send + 'static {
    move || {
        let taken_at = s.stamp.taken_at;
        let saved = !s.unsaved || write::save_manifest(&s.dest, &s.manifest).is_ok();
        let inventory = s.inventory.with(&s.root, &s.stamp.also);
        let Recorded { docs, page_keys } = s.recorded;
        if let (true, Some(text)) = (saved, inventory.to_text()) {
            let st = Stamp {
                inventory_hash: inventory.hash(),
                manifest: stamp::manifest_identity(&s.dest),
                ..s.stamp
            };
            let records = Some((&docs, s.globals, page_keys.as_slice()));
            let _ = stamp::write_stamp(&s.stamp_path, &st, &text, records);
        }
        s.keeping.then(|| LastBuild {
            docs_taken_at: taken_at,
            manifest: Some(s.manifest),
            docs: Arc::new(docs),
            globals: s.globals,
            keys: Arc::new(page_keys.into_iter().collect()),
        })
    }
}
