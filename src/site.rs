//! The `Site` owns a build from start to end. `build()` reads like a table of contents: one call
//! per pipeline stage, each timed (`--timings`).

use crate::analyse::coverage::{self, Coverage};
use crate::analyse::freshness::{Freshness, evidence_expiry, next_review};
use crate::analyse::overlap::{self, Pair};
use crate::base::diagnostic::{Diagnostic, Diagnostics, Pos};
use crate::build::publish::Publisher;
use crate::load;
use crate::load::cache::{Changes, HashCache, Inventory};
use crate::model::Date;
use crate::model::DocKind;
use crate::model::config::Config;
use crate::render::{self, BodySpan, Renderer, SiteView, Theme};
use crate::resolve::{self, Model, SealState};
use crate::view;
use crate::write::{self, Writer};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Options shared by the commands that read a site.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The date freshness is judged against; default: today (or $CROSSWALK_TODAY).
    pub today: Option<Date>,
    /// The build profile's name; default: the config's `default_profile`.
    pub profile: Option<String>,
    pub quiet: bool,
    /// Output folder whose hash cache may be used (never for seal or verify).
    pub cache_dir: Option<PathBuf>,
    /// Rebuild even when no input changed.
    pub force: bool,
    /// Where builds keep their stamps; default: the site's `.crosswalk-cache/`, used only if it
    /// exists. `serve` gives a temporary folder of its own, so every site gets its fast paths.
    pub stamp_dir: Option<PathBuf>,
    /// What earlier builds in this process (`serve`) kept of the site's inputs.
    pub session: Option<std::sync::Arc<std::sync::Mutex<Session>>>,
    /// The output folder is this process's own (`serve`'s temporary folder): files the last
    /// build left there are taken to be there, not checked one by one, and updated in place.
    /// Any other output is published as a generation (see `publish.rs`).
    pub private_output: bool,
    /// Refuse at once, instead of waiting, when another process holds the output's lock.
    pub no_wait: bool,
}

/// What a long-running process (`serve`) keeps of a site's inputs between builds, so that when
/// its file watcher names the files that changed, a rebuild neither lists the site's files nor
/// reads any but those. Without names (the first build, dropped events, a changed
/// `crosswalk.yaml`) a build lists and reads everything, as `crosswalk build` does.
#[derive(Debug, Default)]
pub struct Session {
    /// Documents and evidence files parsed so far, reused while unchanged.
    parsed: load::ParseCache,
    /// The inventory of the last build, sorted, and the files changed since it was taken.
    inventory: Option<Inventory>,
    since_inventory: Option<std::collections::BTreeSet<String>>,
    /// What the last build loaded, and the files changed since.
    loaded: Option<(load::Loaded, Vec<Diagnostic>)>,
    since_load: Option<std::collections::BTreeSet<String>>,
    /// The last build's stamp being written; it hands back what the build recorded.
    saving: Option<std::thread::JoinHandle<Option<LastBuild>>>,
    /// What the last build recorded, kept so the next need not read it back.
    last: Option<LastBuild>,
    /// The artifacts the last build published, in the order of its evidence, and whether it
    /// linked or copied them. Held here, they cannot be freed, so the same pointers mean the
    /// same artifacts.
    published: Option<(Vec<Option<std::sync::Arc<load::Artifact>>>, bool)>,
    /// The rows of long lists the last build rendered, by key (`view::RowSpec`).
    /// Per row template, so that a build rendering one list keeps the other list's rows.
    rows: std::collections::HashMap<&'static str, std::sync::Arc<RowCache>>,
}

/// Rendered rows of one list, by key.
type RowCache = std::collections::HashMap<u64, view::Row>;

/// What a build into `serve`'s output recorded, as the stamp folder and the output's manifest
/// hold it: the next build takes it from memory instead of reading and parsing those files.
#[derive(Debug, Clone)]
struct LastBuild {
    /// Ties the document list and page keys to the stamp they were written with.
    docs_taken_at: i128,
    /// What the output holds (`None` once a build patched the output's manifest in place).
    manifest: Option<std::sync::Arc<write::Manifest>>,
    docs: std::sync::Arc<BTreeMap<String, DocStamp>>,
    globals: u64,
    keys: std::sync::Arc<std::collections::HashMap<String, u64>>,
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

    /// The inventory brought up to date with the files named since it was taken, if known.
    /// From here on the watcher's names gather afresh, so a file saved again while this build
    /// runs is named to the next one.
    fn take_inventory(&mut self, root: &Path) -> Option<Inventory> {
        let changed = self.since_inventory.replace(Default::default());
        let mut inventory = self.inventory.take()?;
        inventory.refresh(root, &changed?);
        Some(inventory)
    }

    /// Waits until the last build's stamp is written.
    pub fn settle(&mut self) {
        if let Some(handle) = self.saving.take() {
            self.last = handle.join().ok().flatten();
        }
    }

    fn keep_inventory(&mut self, inventory: &Inventory) {
        self.inventory = Some(inventory.clone());
    }
}

/// A loaded, resolved and analysed site.
pub struct Analysis {
    pub model: Model,
    pub coverage: Coverage,
    pub pairs: Vec<Pair>,
    pub diagnostics: Diagnostics,
}

/// What a successful build did.
#[derive(Debug)]
pub struct BuildReport {
    pub output: PathBuf,
    pub pages: usize,
    pub files_published: usize,
    pub warnings: usize,
    pub timings: Vec<(&'static str, Duration)>,
    /// No input changed since the last build into this output: nothing was done.
    pub up_to_date: bool,
    /// Files written, and files left as they were because their content did not change.
    pub written: usize,
    pub unchanged: usize,
    /// Pages whose view was built (the rest were known unchanged by their keys).
    pub views: usize,
}

impl BuildReport {
    /// The stage timings, one per line, as `--timings` prints them.
    pub fn timings_text(&self) -> String {
        let mut s = String::new();
        if !self.up_to_date {
            s.push_str(&format!(
                "   views: {:>6} of {} pages (the rest known unchanged by their keys)\n",
                self.views, self.pages
            ));
        }
        for (stage, d) in &self.timings {
            s.push_str(&format!(
                "{stage:>8}: {:>8.1} ms\n",
                d.as_secs_f64() * 1000.0
            ));
        }
        s
    }
}

pub struct Site {
    pub root: PathBuf,
    pub config: Config,
}

/// The date to judge freshness by when none is given: $CROSSWALK_TODAY, else the local date.
pub fn default_today() -> Result<Date, Diagnostic> {
    match std::env::var("CROSSWALK_TODAY") {
        Ok(s) => Date::parse(&s).map_err(|m| Diagnostic::error("CROSSWALK_TODAY", m.to_string())),
        Err(_) => Ok(Date(chrono::Local::now().date_naive())),
    }
}

impl Site {
    pub fn open(root: &Path) -> Result<Site, Diagnostic> {
        if !root.is_dir() {
            return Err(Diagnostic::error(root, "site folder not found"));
        }
        Ok(Site {
            root: root.to_path_buf(),
            config: Config::load(root)?,
        })
    }

    /// Like `open`, but a folder without `crosswalk.yaml` is an empty site: the mapping commands
    /// (`frameworks`, `map`, `overlap`) work anywhere with the built-in catalogs.
    pub fn open_or_empty(root: &Path) -> Result<Site, Diagnostic> {
        if root.join(crate::model::config::CONFIG_FILE).exists() {
            return Site::open(root);
        }
        if !root.is_dir() {
            return Err(Diagnostic::error(root, "site folder not found"));
        }
        Ok(Site {
            root: root.to_path_buf(),
            config: Config::empty(),
        })
    }

    /// Load, resolve and analyse: everything short of rendering.
    pub fn analyse(
        &self,
        opts: &Options,
        timings: &mut Vec<(&'static str, Duration)>,
    ) -> Result<Analysis, Diagnostic> {
        let today = match opts.today {
            Some(d) => d,
            None => default_today()?,
        };
        let name = opts
            .profile
            .as_deref()
            .unwrap_or(&self.config.default_profile);
        let profile = self
            .config
            .profile(name)
            .map_err(|m| Diagnostic::error("<command line>", m.to_string()))?;
        let t = Instant::now();
        let read_cache = || opts.cache_dir.as_deref().map(HashCache::read);
        let (loaded, load_diags) = match &opts.session {
            None => load::load(&self.root, &self.config, read_cache().as_ref(), None),
            Some(session) => {
                let mut session = session.lock().unwrap_or_else(|e| e.into_inner());
                let changed = session.since_load.replace(Default::default());
                let loaded = session
                    .loaded
                    .take()
                    .zip(changed)
                    .and_then(|(previous, changed)| {
                        load::reload(&self.root, previous, &changed, Some(&session.parsed))
                    })
                    .unwrap_or_else(|| {
                        load::load(
                            &self.root,
                            &self.config,
                            read_cache().as_ref(),
                            Some(&session.parsed),
                        )
                    });
                session.loaded = Some(loaded.clone());
                loaded
            }
        };
        timings.push(("load", t.elapsed()));
        let t = Instant::now();
        let (model, resolve_diags) = resolve::resolve(loaded, self.config.clone(), today, profile);
        timings.push(("resolve", t.elapsed()));
        let t = Instant::now();
        let ((coverage, stale), pairs) = rayon::join(
            || rayon::join(|| coverage::compute(&model), || staleness(&model)),
            || overlap::all_pairs(&model),
        );
        let readiness = crate::analyse::readiness::check(&model, &coverage);
        timings.push(("analyse", t.elapsed()));
        let mut diagnostics = Diagnostics::default();
        diagnostics.extend(load_diags);
        diagnostics.extend(resolve_diags);
        diagnostics.extend(stale);
        diagnostics.extend(readiness);
        Ok(Analysis {
            model,
            coverage,
            pairs,
            diagnostics,
        })
    }

    /// Every problem in the site: all content, whatever its classification.
    pub fn check(&self, opts: &Options) -> Result<Diagnostics, Diagnostic> {
        let opts = Options {
            profile: Some("confidential".into()),
            ..opts.clone()
        };
        Ok(self.analyse(&opts, &mut Vec::new())?.diagnostics)
    }

    /// Builds the portal into `output` (default: the config's), atomically.
    pub fn build(&self, opts: &Options, output: Option<&Path>) -> Result<BuildReport, Diagnostics> {
        let fail = |d: Diagnostic| {
            let mut ds = Diagnostics::default();
            ds.push(d);
            ds
        };
        let started = Instant::now();
        let progress = Progress::new(opts.quiet);
        let mut timings = Vec::new();
        let dest = write::check_output_dir(&self.root, output.unwrap_or(&self.config.output))
            .map_err(fail)?;
        // Any output but `serve`'s own is published as a generation, under the output's lock.
        let mut publisher = if opts.private_output {
            None
        } else {
            let wait = if opts.no_wait {
                crate::base::lock::Wait::No
            } else {
                crate::base::lock::Wait::Yes
            };
            Some(Publisher::new(&dest, wait, opts.quiet).map_err(fail)?)
        };
        // A generation brought up to date with the published one, once one is needed.
        let mut prepared: Option<crate::build::publish::Prepared> = None;

        // What the last build into `dest` was made from, if the site keeps a cache folder.
        let t = Instant::now();
        let today = match opts.today {
            Some(d) => d,
            None => default_today().map_err(fail)?,
        };
        let profile = opts
            .profile
            .clone()
            .unwrap_or_else(|| self.config.default_profile.clone());
        let stamp_path = opts
            .stamp_dir
            .clone()
            .unwrap_or_else(|| self.root.join(CACHE_DIR))
            .join(stamp_name(&dest));
        let keep_stamp = stamp_path.parent().is_some_and(Path::is_dir);
        let key = format!(
            "{}|{}|{today}|{profile}|{}",
            env!("CARGO_PKG_VERSION"),
            builtin_fingerprint(),
            dest.display()
        );
        // The last build's stamp, once it is written, and what it recorded (`serve`'s own
        // output only).
        let last = opts.session.as_ref().and_then(|session| {
            let mut session = session.lock().unwrap_or_else(|e| e.into_inner());
            session.settle();
            session.last.clone().filter(|_| opts.private_output)
        });
        let stamp: Option<Stamp> = keep_stamp
            .then(|| read_stamp(&stamp_path))
            .flatten()
            .filter(|s| s.key == key);
        timings.push(("stamp", t.elapsed()));
        let t = Instant::now();
        let taken_at = crate::load::cache::now_nanos();
        let session = opts
            .session
            .as_ref()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()));
        let mut inventory = keep_stamp.then(|| {
            let known = session.and_then(|mut s| s.take_inventory(&self.root));
            known.unwrap_or_else(|| {
                self.inventory(stamp.as_ref().map(|s| s.also.as_slice()).unwrap_or(&[]))
            })
        });
        let inventory_hash = inventory.as_ref().map(Inventory::hash).unwrap_or_default();
        timings.push(("inventory", t.elapsed()));
        let unchanged = inventory
            .as_ref()
            .zip(stamp.as_ref())
            .is_some_and(|(now, st)| {
                inventory_hash == st.inventory_hash && now.newest() < st.taken_at
            });
        // Sorted for comparing with the stamp's, and for the session, which keeps it sorted.
        if let Some(i) = inventory
            .as_mut()
            .filter(|_| !unchanged || opts.session.is_some())
        {
            i.sort();
        }
        if let (Some(session), Some(i)) = (&opts.session, &inventory) {
            session
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .keep_inventory(i);
        }
        if let (false, Some(st), Some(now)) = (opts.force, &stamp, &inventory)
            && dest.join(write::MARKER).exists()
            && manifest_identity(&dest) == st.manifest
        {
            let changes = if unchanged {
                Changes::None
            } else {
                read_inventory(&stamp_path, st.taken_at)
                    .map_or(Changes::Other, |old| old.changes(now, st.taken_at))
            };
            match changes {
                Changes::None => {
                    timings.push(("total", started.elapsed()));
                    return Ok(BuildReport {
                        output: dest,
                        pages: 0,
                        files_published: 0,
                        warnings: 0,
                        timings,
                        up_to_date: true,
                        written: 0,
                        unchanged: st.files,
                        views: 0,
                    });
                }
                Changes::Modified(changed) => {
                    let t = Instant::now();
                    let docs = read_docs(&stamp_path, st, Some(&changed));
                    // Bodies are spliced into a new generation (or `serve`'s own output).
                    let (into, manifest_text) = match &mut publisher {
                        Some(p) => {
                            let prep = p.prepare().map_err(fail)?;
                            let (work, text) = (prep.work.clone(), prep.current.clone());
                            prepared = Some(prep);
                            (work, text)
                        }
                        None => (dest.clone(), None),
                    };
                    let spliced = self.splice_bodies(&into, manifest_text, &docs, &changed);
                    if let (Some(p), Some(_)) = (&publisher, &spliced) {
                        p.publish(&into, None).map_err(fail)?;
                        prepared = None;
                    }
                    if let Some((written, spans)) = spliced
                        && let Some(now_text) = now.to_text()
                    {
                        // The output's manifest was patched on disk.
                        if let Some(session) = &opts.session
                            && let Some(l) =
                                &mut session.lock().unwrap_or_else(|e| e.into_inner()).last
                        {
                            l.manifest = None;
                        }
                        timings.push(("splice", t.elapsed()));
                        let mut next = st.clone();
                        next.moved.extend(spans);
                        next.taken_at = taken_at;
                        next.inventory_hash = inventory_hash;
                        next.manifest = manifest_identity(&dest);
                        let _ = write_stamp(&stamp_path, &next, &now_text, None);
                        timings.push(("total", started.elapsed()));
                        progress.finish();
                        return Ok(BuildReport {
                            output: dest,
                            pages: st.pages,
                            files_published: st.published,
                            warnings: st.warnings,
                            timings,
                            up_to_date: false,
                            written,
                            unchanged: st.files.saturating_sub(written),
                            views: 0,
                        });
                    }
                }
                Changes::Other => {}
            }
        }

        progress.stage("loading");
        let opts = Options {
            cache_dir: Some(dest.clone()),
            ..opts.clone()
        };
        let analysis = self.analyse(&opts, &mut timings).map_err(fail)?;
        if analysis.diagnostics.has_errors() {
            return Err(analysis.diagnostics);
        }
        let Analysis {
            model,
            coverage,
            pairs,
            diagnostics,
        } = analysis;

        progress.stage("rendering");
        let t = Instant::now();
        let theme = Theme::load(&self.root, &self.config.theme).map_err(fail)?;
        timings.push(("theme", t.elapsed()));
        let t = Instant::now();
        let plan = view::Plan::new(&model, &coverage, &pairs);
        timings.push(("plan", t.elapsed()));
        let site = SiteView {
            title: model.config.title.clone(),
            organisation: model.config.organisation.clone(),
            profile: model.profile,
            today: model.today.to_string(),
            version: env!("CARGO_PKG_VERSION"),
        };
        let site_json = serde_json::to_vec(&site).unwrap_or_default();

        // Which pages cannot have changed: their key is the one the last build recorded.
        let t = Instant::now();
        let globals = crate::incremental::keys::globals(&model, &theme.fingerprint, &site_json);
        let keys = crate::incremental::keys::page_keys(&plan);
        // From memory when this process made the last build, else from the stamp folder.
        let recorded = last.as_ref().zip(stamp.as_ref()).and_then(|(l, st)| {
            (l.docs_taken_at == st.docs_taken_at).then(|| {
                let mut docs = l.docs.clone();
                if !st.moved.is_empty() {
                    let docs = std::sync::Arc::make_mut(&mut docs);
                    for (rel, span) in &st.moved {
                        if let Some(d) = docs.get_mut(rel) {
                            d.span = *span;
                        }
                    }
                }
                (docs, Some((l.globals, l.keys.clone())))
            })
        });
        let (old_docs, old_keys) = recorded.unwrap_or_else(|| {
            let docs = stamp
                .as_ref()
                .map(|s| read_docs(&stamp_path, s, None))
                .unwrap_or_default();
            let keys = stamp
                .as_ref()
                .and_then(|s| read_deps(&stamp_path, s))
                .map(|(g, keys)| (g, std::sync::Arc::new(keys)));
            (std::sync::Arc::new(docs), keys)
        });
        let old_keys = old_keys
            .filter(|(g, _)| *g == globals && !opts.force)
            .map(|(_, keys)| keys)
            .unwrap_or_default();
        // A page whose body was spliced since the keys were written is not what its key says.
        let spliced: std::collections::HashSet<&String> = stamp
            .iter()
            .flat_map(|s| s.moved.keys())
            .filter_map(|rel| old_docs.get(rel).map(|d| &d.page))
            .collect();
        timings.push(("deps", t.elapsed()));

        // Render and write each page as it is made. Pages whose inputs are what the last build
        // rendered, and whose file is still there, are neither rendered nor written.
        let t = Instant::now();
        let renderer = Renderer::new(&theme, &site);
        let linked = self.config.evidence_files == crate::model::config::EvidenceFiles::Link;
        let (into, known) = match &mut publisher {
            Some(p) => {
                let prep = match prepared.take() {
                    Some(prep) => prep,
                    None => p.prepare().map_err(fail)?,
                };
                let known = prep.manifest();
                (prep.work, known)
            }
            None => (dest.clone(), last.and_then(|l| l.manifest)),
        };
        let writer = Writer::begin(&into, linked, opts.private_output, known).map_err(fail)?;
        let previous = writer
            .previous()
            .filter(|_| !opts.force)
            .map(|m| m.inputs.clone())
            .unwrap_or_default();
        // The site's other files (evidence artifacts, static files, the SoA as CSV) are
        // published while the pages render: on two cores the largest page keeps one busy.
        let publish = || -> Result<usize, Diagnostic> {
            let mut extra: Vec<(String, Vec<u8>)> = Vec::new();
            if model.records.soa.is_some() {
                extra.push((
                    crate::view::records::SOA_CSV.to_string(),
                    crate::view::records::soa_csv(&model, &coverage)?,
                ));
            }
            for (name, bytes) in &theme.static_files {
                extra.push((format!("static/{name}"), bytes.clone()));
            }
            let previous_artifacts = opts.session.as_ref().and_then(|s| {
                let mut s = s.lock().unwrap_or_else(|e| e.into_inner());
                s.published.take()
            });
            let places: Vec<(&str, &crate::load::Artifact)> = model
                .evidence
                .iter()
                .filter_map(|e| view::artifact_url(e).zip(e.artifact.as_deref()))
                .collect();
            if let Some(pk) = &model.public_key {
                extra.push((
                    view::PUBLIC_KEY_URL.to_string(),
                    pk.pem.clone().into_bytes(),
                ));
            }
            // `serve`: artifacts that are the very ones the last build published are where it
            // put them; only the others are placed. The hash cache made from them is kept too
            // when every artifact placed again has what the one before it had.
            let mut to_place = places.clone();
            let mut kept: Vec<&str> = Vec::new();
            let mut cache_same = false;
            if let Some((before, _)) = previous_artifacts.as_ref().filter(|(before, link)| {
                opts.private_output && *link == linked && before.len() == model.evidence.len()
            }) {
                to_place.clear();
                cache_same = true;
                for (b, e) in before.iter().zip(&model.evidence) {
                    match (b, &e.artifact) {
                        (Some(b), Some(a)) if std::sync::Arc::ptr_eq(b, a) => {
                            kept.push(a.url.as_str())
                        }
                        (None, None) => {}
                        (b, a) => {
                            if let Some(a) = a {
                                to_place.push((a.url.as_str(), a.as_ref()));
                            }
                            cache_same &= b.as_ref().zip(a.as_ref()).is_some_and(|(b, a)| {
                                (&b.rel, b.size, &b.mtime, &b.sha256)
                                    == (&a.rel, a.size, &a.mtime, &a.sha256)
                            });
                        }
                    }
                }
                if cache_same {
                    kept.push(crate::load::cache::CACHE_FILE);
                }
                if !writer.keep_all(&kept) {
                    (to_place, cache_same) = (places.clone(), false);
                }
            }
            if !cache_same {
                let mut cache = HashCache::default();
                for (_, a) in &places {
                    let entry = crate::load::cache::Entry {
                        size: a.size,
                        mtime: a.mtime.clone(),
                        sha256: a.sha256.clone(),
                    };
                    cache.files.insert(a.rel.clone(), entry);
                }
                extra.push((crate::load::cache::CACHE_FILE.to_string(), cache.to_json()));
            }
            extra.iter().try_for_each(|(p, b)| writer.put(p, b))?;
            to_place
                .par_iter()
                .with_min_len(64)
                .try_for_each(|(url, a)| writer.place(url, &a.absolute, &a.sha256))?;
            Ok(places.len())
        };
        // Rows of long lists the last build in this process rendered are taken as they were.
        let known_rows = opts
            .session
            .as_ref()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).rows.clone())
            .unwrap_or_default();
        let rendered_rows = std::sync::Mutex::new(Vec::new());
        let rows = |spec: view::RowSpec| -> Result<view::Row, Diagnostic> {
            let key = crate::incremental::keys::row_key(globals, &spec);
            let known = known_rows.get(spec.template).and_then(|r| r.get(&key));
            let row = match known {
                Some(row) => row.clone(),
                None => renderer.row(&spec)?,
            };
            if opts.session.is_some() {
                let mut kept = rendered_rows.lock().unwrap_or_else(|e| e.into_inner());
                kept.push((spec.template, key, row.clone()));
            }
            Ok(row)
        };
        let views = std::sync::atomic::AtomicUsize::new(0);
        let pages = || -> Result<Vec<Rendered>, Diagnostic> {
            (0..plan.len())
                .into_par_iter()
                .map(|i| {
                    let src = plan.document(i);
                    let rel = src.map(|d| crate::base::diagnostic::display_path(&d.doc.path));
                    let key = keys[i];
                    // Unchanged by its key: neither viewed nor rendered, if its file is still there
                    // (and, for a document page, the stamp knows where its body is).
                    if let Some(key) = key {
                        let path = plan.path(i);
                        if old_keys.get(&path) == Some(&key)
                            && !spliced.contains(&path)
                            && let Some(input) = previous.get(&path)
                        {
                            let doc = match &rel {
                                None => Some(None),
                                Some(rel) => old_docs
                                    .get(rel)
                                    .filter(|o| o.page == path)
                                    .map(|o| Some((rel.clone(), o.clone()))),
                            };
                            if let Some(doc) = doc
                                && writer.keep(&path)
                            {
                                return Ok((path, input.clone(), doc, Some(key)));
                            }
                        }
                    }
                    views.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let p = plan.page(i, &rows)?;
                    let p = p.as_ref();
                    debug_assert_eq!(plan.path(i), p.path, "Plan::path disagrees with the page");
                    let view_hash = render::page_view_hash(&theme, &site_json, p);
                    let input =
                        render::input_with_body(&view_hash, src.map(|d| d.doc.body.as_str()));
                    // What the stamp records of a document page, given where its body sits.
                    let doc_stamp = |span: BodySpan| {
                        rel.clone().zip(src).map(|(rel, d)| {
                            let ds = DocStamp {
                                fm: doc_fm_hash(&d.doc),
                                page: p.path.clone(),
                                view: view_hash.clone(),
                                span,
                            };
                            (rel, ds)
                        })
                    };
                    // A document page is kept only if the stamp knows where its body is, unless the
                    // stamp lost its document list (then every document page is rendered once more).
                    if (src.is_none() || !old_docs.is_empty())
                        && previous.get(&p.path) == Some(&input)
                        && writer.keep(&p.path)
                    {
                        // The page is as the last build left it, and so is its body's place.
                        let span = rel
                            .as_ref()
                            .and_then(|r| old_docs.get(r))
                            .filter(|o| o.page == p.path)
                            .map(|o| o.span);
                        return Ok((p.path.clone(), input, span.and_then(doc_stamp), key));
                    }
                    let body = src.map(|d| {
                        render::markdown(
                            render::without_title(&d.doc.body, &d.doc.meta.title),
                            model.config.html,
                        )
                    });
                    let span = renderer.render(p, body.as_deref(), |bytes, span| {
                        writer.put(&p.path, bytes)?;
                        Ok(span)
                    })?;
                    Ok((p.path.clone(), input, span.and_then(doc_stamp), key))
                })
                .collect::<Result<_, Diagnostic>>()
        };
        let (rendered, published) = rayon::join(pages, publish);
        let rendered = rendered.map_err(fail)?;
        let files_published = published.map_err(fail)?;
        let rendered_rows = rendered_rows
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(session) = &opts.session {
            // Each list rendered replaces its rows; a list not rendered keeps them.
            let mut lists: std::collections::HashMap<&'static str, RowCache> = Default::default();
            for (template, key, row) in rendered_rows {
                lists.entry(template).or_default().insert(key, row);
            }
            let mut session = session.lock().unwrap_or_else(|e| e.into_inner());
            for (template, rows) in lists {
                session.rows.insert(template, std::sync::Arc::new(rows));
            }
        }
        timings.push(("pages", t.elapsed()));

        progress.stage("writing");
        let t = Instant::now();
        let also: Vec<String> = model
            .evidence
            .iter()
            .filter_map(|e| e.artifact.as_ref())
            .filter(|a| !a.rel.starts_with("content/"))
            .map(|a| a.rel.clone())
            .collect();
        let page_count = plan.len();
        drop(plan);
        let mut inputs = BTreeMap::new();
        let mut docs = BTreeMap::new();
        let mut page_keys = Vec::new();
        for (path, input, doc, key) in rendered {
            if let Some(key) = key {
                page_keys.push((path.clone(), key));
            }
            inputs.insert(path, input);
            if let Some((rel, d)) = doc {
                docs.insert(rel, d);
            }
        }
        // In `serve`, what this build records is kept in memory, and the output's manifest is
        // written with the stamp, while the page reloads.
        let keep = opts
            .session
            .as_ref()
            .filter(|_| opts.private_output && inventory.is_some());
        if let Some(session) = keep {
            session.lock().unwrap_or_else(|e| e.into_inner()).last = None;
        }
        let (stats, manifest, unsaved) = writer
            .finish_with(Some(inputs), Vec::new(), keep.is_some())
            .map_err(fail)?;
        if let Some(p) = &publisher {
            p.publish(&into, Some(&manifest)).map_err(fail)?;
        }
        if let Some(session) = keep {
            let artifacts = model.evidence.iter().map(|e| e.artifact.clone()).collect();
            session.lock().unwrap_or_else(|e| e.into_inner()).published = Some((artifacts, linked));
        }
        // The stamp covers every input, published or not, so it is never written into the
        // output; it goes into the site's cache folder, and only if the user made one.
        if let Some(inventory) = inventory {
            let st = Stamp {
                key,
                taken_at,
                inventory_hash: String::new(),
                also,
                manifest: String::new(),
                files: stats.written + stats.unchanged,
                pages: page_count,
                published: files_published,
                warnings: diagnostics.warning_count(),
                docs_taken_at: taken_at,
                moved: BTreeMap::new(),
            };
            let root = self.root.clone();
            let dest = dest.clone();
            let keeping = keep.is_some();
            let save = move || {
                // The stamp names the manifest it goes with, so the manifest comes first.
                let saved = !unsaved || write::save_manifest(&dest, &manifest).is_ok();
                let inventory = inventory.with(&root, &st.also);
                if let (true, Some(text)) = (saved, inventory.to_text()) {
                    let st = Stamp {
                        inventory_hash: inventory.hash(),
                        manifest: manifest_identity(&dest),
                        ..st
                    };
                    let _ =
                        write_stamp(&stamp_path, &st, &text, Some((&docs, globals, &page_keys)));
                }
                keeping.then(|| LastBuild {
                    docs_taken_at: taken_at,
                    manifest: Some(manifest),
                    docs: std::sync::Arc::new(docs),
                    globals,
                    keys: std::sync::Arc::new(page_keys.into_iter().collect()),
                })
            };
            // In `serve` the stamp is written while the page reloads; the next build waits
            // for it before it reads the stamp.
            match keep {
                Some(session) => {
                    let handle = std::thread::spawn(save);
                    session.lock().unwrap_or_else(|e| e.into_inner()).saving = Some(handle);
                }
                None => {
                    save();
                }
            }
        }
        timings.push(("write", t.elapsed()));
        timings.push(("total", started.elapsed()));
        progress.finish();
        Ok(BuildReport {
            output: dest,
            pages: page_count,
            files_published,
            warnings: diagnostics.warning_count(),
            timings,
            up_to_date: false,
            written: stats.written,
            unchanged: stats.unchanged,
            views: views.into_inner(),
        })
    }

    /// Every file a build reads: crosswalk.yaml, the ledger's public key, content/, mappings/,
    /// themes/, and `also` (evidence files the last build found elsewhere in the site).
    fn inventory(&self, also: &[String]) -> Inventory {
        let mut files = vec![crate::model::config::CONFIG_FILE.to_string()];
        if let Some(pk) = &self.config.public_key {
            files.push(pk.to_string_lossy().replace('\\', "/"));
        }
        files.extend(also.iter().cloned());
        Inventory::scan(&self.root, &files, &["content", "mappings", "themes"])
    }

    /// The fast path for the commonest edit, a document's text: when every changed file is a
    /// document whose front matter is byte for byte what the last build saw, nothing but that
    /// document's own page can differ, and only where its body is. The new body is rendered and
    /// spliced into the page at the place the stamp recorded. `None` when any condition fails
    /// (the caller then builds normally); nothing is written unless every page can be patched.
    fn splice_bodies(
        &self,
        dest: &Path,
        manifest: Option<String>,
        docs: &BTreeMap<String, DocStamp>,
        changed: &[String],
    ) -> Option<(usize, Vec<(String, BodySpan)>)> {
        let canonical_root = self.root.canonicalize().ok()?;
        let mut by_page = BTreeMap::new();
        for rel in changed {
            let recorded = docs.get(rel)?;
            let kind = DocKind::of_path(rel)?;
            let text =
                crate::load::read_site_file(&self.root, &canonical_root, Path::new(rel)).ok()?;
            let doc = crate::load::parse_document(kind, Path::new(rel), &text).ok()?;
            if doc_fm_hash(&doc) != recorded.fm {
                return None;
            }
            by_page.insert(recorded.page.clone(), (rel.clone(), recorded, doc));
        }
        let mut spans = Vec::new();
        let pages: Vec<String> = by_page.keys().cloned().collect();
        let written = write::patch_pages(
            dest,
            manifest,
            |page, now| {
                let (rel, recorded, doc) = by_page.get(page)?;
                let body = render::markdown(
                    render::without_title(&doc.body, &doc.meta.title),
                    self.config.html,
                );
                let (bytes, span) = render::splice_body(now, recorded.span, &body)?;
                spans.push((rel.clone(), span));
                Some(write::PagePatch {
                    bytes,
                    input: render::input_with_body(&recorded.view, Some(&doc.body)),
                })
            },
            &pages,
        )?;
        Some((written, spans))
    }
}

/// A page as built: its path, input hash, stamp (document pages) and key.
type Rendered = (String, String, Option<(String, DocStamp)>, Option<u64>);

/// What a build leaves in the cache folder: what it was made from (the inventory of its input
/// files, taken at `taken_at`), the identity (size, modification time) of the manifest it wrote,
/// so the next build can tell at a glance that the output is as it left it, and where each
/// document's body sits in its page.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Stamp {
    /// Version, built-in data, date, profile and output folder: any change means a full build.
    key: String,
    taken_at: i128,
    /// Hash of the inventory (`Inventory::hash`), which is kept as text in a file of its own
    /// (`files_path`) and read only when this hash says something changed.
    inventory_hash: String,
    /// Published evidence files outside content/, which the inventory includes.
    also: Vec<String>,
    manifest: String,
    files: usize,
    pages: usize,
    published: usize,
    warnings: usize,
    /// The document list (`docs_path`, keyed by the document's path in the site) was written by
    /// the build taken at this time; bodies spliced since then moved to `moved`.
    docs_taken_at: i128,
    moved: BTreeMap<String, BodySpan>,
}

/// The name of the stamp of builds into the output folder `dest` (as `check_output_dir`
/// resolved it).
fn stamp_name(dest: &Path) -> String {
    format!(
        "build-{}.json",
        &crate::base::hash::content_hash(dest.to_string_lossy().as_bytes())[..16]
    )
}

fn files_path(stamp: &Path) -> PathBuf {
    stamp.with_extension("files")
}

/// The stamp at `path`, without its inventory.
fn read_stamp(path: &Path) -> Option<Stamp> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// The inventory written with the stamp taken at `taken_at`.
fn read_inventory(path: &Path, taken_at: i128) -> Option<Inventory> {
    let text = std::fs::read_to_string(files_path(path)).ok()?;
    let (head, list) = text.split_once('\n')?;
    if head != taken_at.to_string() {
        return None;
    }
    Inventory::from_text(list)
}

fn docs_path(stamp: &Path) -> PathBuf {
    stamp.with_extension("docs")
}

/// The document list of the stamp `st` (every document, or those in `only`), with the bodies
/// spliced since it was written. One line per document, looked up without parsing the rest.
fn read_docs(stamp: &Path, st: &Stamp, only: Option<&[String]>) -> BTreeMap<String, DocStamp> {
    let mut docs = BTreeMap::new();
    let Ok(text) = std::fs::read_to_string(docs_path(stamp)) else {
        return docs;
    };
    let Some((head, list)) = text.split_once('\n') else {
        return docs;
    };
    if head != st.docs_taken_at.to_string() {
        return docs;
    }
    let mut add = |line: &str| {
        let f: Vec<&str> = line.split('\t').collect();
        if let [rel, page, fm, view, start, len] = f[..]
            && let (Ok(start), Ok(len)) = (start.parse(), len.parse())
        {
            let rel = write::unescape_line(rel);
            let span = st
                .moved
                .get(&rel)
                .copied()
                .unwrap_or(BodySpan { start, len });
            let d = DocStamp {
                fm: fm.to_string(),
                page: write::unescape_line(page),
                view: view.to_string(),
                span,
            };
            docs.insert(rel, d);
        }
    };
    match only {
        None => list.lines().for_each(&mut add),
        Some(rels) => {
            for rel in rels {
                let key = format!("\n{}\t", write::escape_line(rel));
                let lines = &text[head.len()..];
                if let Some(i) = lines.find(&key) {
                    let line = &lines[i + 1..];
                    add(line.split('\n').next().unwrap_or(""));
                }
            }
        }
    }
    docs
}

fn deps_path(stamp: &Path) -> PathBuf {
    stamp.with_extension("deps")
}

/// The page keys (`deps::page_keys`) of the stamp `st`'s build, with the `globals` key they hold
/// under; written with the document list, and tied to it by `docs_taken_at`.
fn read_deps(stamp: &Path, st: &Stamp) -> Option<(u64, std::collections::HashMap<String, u64>)> {
    let text = std::fs::read_to_string(deps_path(stamp)).ok()?;
    let mut lines = text.lines();
    let (taken_at, globals) = lines.next()?.split_once('\t')?;
    if taken_at != st.docs_taken_at.to_string() {
        return None;
    }
    let globals = u64::from_str_radix(globals, 16).ok()?;
    let mut keys = std::collections::HashMap::new();
    for line in lines {
        let (key, page) = line.split_once('\t')?;
        keys.insert(
            write::unescape_line(page),
            u64::from_str_radix(key, 16).ok()?,
        );
    }
    Some((globals, keys))
}

fn deps_text(taken_at: i128, globals: u64, keys: &[(String, u64)]) -> String {
    use std::fmt::Write;
    let mut s = format!("{taken_at}\t{globals:016x}\n");
    for (page, key) in keys {
        let _ = writeln!(s, "{key:016x}\t{}", write::escape_line(page));
    }
    s
}

/// The document list as text, one line per document.
fn docs_text(taken_at: i128, docs: &BTreeMap<String, DocStamp>) -> String {
    use std::fmt::Write;
    let mut s = format!("{taken_at}\n");
    for (rel, d) in docs {
        let _ = writeln!(
            s,
            "{}\t{}\t{}\t{}\t{}\t{}",
            write::escape_line(rel),
            write::escape_line(&d.page),
            d.fm,
            d.view,
            d.span.start,
            d.span.len
        );
    }
    s
}

/// A document page as the last build wrote it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct DocStamp {
    /// Hash of the document's front matter.
    fm: String,
    page: String,
    /// The page's inputs but its Markdown (`render::page_view_hash`).
    view: String,
    span: BodySpan,
}

fn doc_fm_hash(d: &crate::model::Document) -> String {
    crate::base::hash::content_hash(
        format!(
            "{}\0{}\0{}",
            d.kind.folder(),
            d.front_matter_line,
            d.front_matter
        )
        .as_bytes(),
    )
}

/// What a build that viewed pages records of them: each document page's stamp, and the globals
/// key with every page's key.
type PageRecords<'a> = (&'a BTreeMap<String, DocStamp>, u64, &'a [(String, u64)]);

/// Writes the stamp, its inventory's text and (when given) its document list, each by rename:
/// a crash leaves a whole file or none. The parts are tied together by `taken_at` and
/// `docs_taken_at`, checked when read.
fn write_stamp(
    path: &Path,
    st: &Stamp,
    inventory: &str,
    docs: Option<PageRecords>,
) -> std::io::Result<()> {
    let put = |p: &Path, bytes: &[u8]| {
        let tmp = p.with_extension(format!("tmp-{}", std::process::id()));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, p)
    };
    if let Some((docs, globals, keys)) = docs {
        put(
            &docs_path(path),
            docs_text(st.docs_taken_at, docs).as_bytes(),
        )?;
        put(
            &deps_path(path),
            deps_text(st.docs_taken_at, globals, keys).as_bytes(),
        )?;
    }
    let mut text = format!("{}\n", st.taken_at);
    text.push_str(inventory);
    put(&files_path(path), text.as_bytes())?;
    put(path, &serde_json::to_vec(st).unwrap_or_default())
}

fn manifest_identity(dest: &Path) -> String {
    std::fs::metadata(dest.join(write::MANIFEST))
        .map(|m| format!("{}-{}", m.len(), crate::load::cache::mtime_of(&m)))
        .unwrap_or_default()
}

/// A hash of the built-in catalogs, crosswalks and theme compiled into this binary.
fn builtin_fingerprint() -> &'static str {
    static F: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        use std::hash::Hasher;
        let mut h = std::hash::DefaultHasher::new();
        for (name, bytes) in crate::base::embedded::mapping_files("frameworks")
            .into_iter()
            .chain(crate::base::embedded::mapping_files("crosswalks"))
            .chain(crate::base::embedded::theme_files("default"))
        {
            h.write(name.as_bytes());
            h.write(bytes);
        }
        format!("{:016x}", h.finish())
    })
}

pub use crate::model::CACHE_DIR;

/// What `seal` did.
#[derive(Debug)]
pub struct SealReport {
    pub appended: Vec<crate::ledger::Entry>,
    pub signed: bool,
    pub ledger: PathBuf,
}

/// What `verify` found.
#[derive(Debug, Default)]
pub struct VerifyReport {
    pub lines: usize,
    pub files_checked: usize,
    pub signed: bool,
    pub diagnostics: Diagnostics,
}

impl Site {
    /// Everything, at the confidential profile, hashed afresh: the ledger must see real bytes.
    fn analyse_for_ledger(&self, opts: &Options) -> Result<Analysis, Diagnostic> {
        let opts = Options {
            profile: Some("confidential".into()),
            cache_dir: None,
            ..opts.clone()
        };
        self.analyse(&opts, &mut Vec::new())
    }

    /// Appends a ledger line for every evidence artifact that is new or changed since its last
    /// line, signed when a key is configured. Refuses while the site or the ledger has errors.
    /// Holds the ledger's lock from before the ledger is read until the append is on disk, so
    /// two seals never fork or interleave the chain; `wait` says whether to wait for another
    /// seal or refuse at once.
    pub fn seal(
        &self,
        opts: &Options,
        wait: crate::base::lock::Wait,
    ) -> Result<SealReport, Diagnostics> {
        let fail = |d: Diagnostic| {
            let mut ds = Diagnostics::default();
            ds.push(d);
            ds
        };
        let shown = &self.config.ledger;
        let path = self.ledger_path().map_err(fail)?;
        // An existing ledger is locked before the site is read, so the analysis (which walks the
        // chain and checks every signature) sees the ledger the append extends.
        let held =
            crate::ledger::Ledger::open(&path, shown, false, wait, opts.quiet).map_err(fail)?;
        let analysis = self.analyse_for_ledger(opts).map_err(fail)?;
        if analysis.diagnostics.has_errors() {
            let mut ds = analysis.diagnostics;
            ds.extend(self.torn_ledger_note());
            return Err(ds);
        }
        let key_path = std::env::var_os("CROSSWALK_SIGNING_KEY")
            .map(PathBuf::from)
            .or_else(|| self.config.signing_key.as_ref().map(|p| self.root.join(p)));
        let key = match &key_path {
            Some(p) => Some(crate::ledger::load_signing_key(p).map_err(fail)?),
            None => None,
        };
        let model = &analysis.model;
        match (&key, &model.public_key) {
            (None, Some(_)) => {
                return Err(fail(
                    Diagnostic::error(crate::model::config::CONFIG_FILE, "the ledger is signed (`public_key` is set) but no signing key was given")
                        .with_hint("set $CROSSWALK_SIGNING_KEY to the private key's path, or `signing_key:` in crosswalk.yaml"),
                ));
            }
            (Some(k), Some(pk)) if k.verifying_key() != pk.key => {
                return Err(fail(Diagnostic::error(
                    crate::model::config::CONFIG_FILE,
                    "the signing key does not match `public_key`: signatures would not verify",
                )));
            }
            _ => {}
        }
        let current: Vec<crate::ledger::Current> = model
            .evidence
            .iter()
            .filter_map(|e| {
                e.artifact.as_ref().map(|a| crate::ledger::Current {
                    id: e.ev.meta.id.clone(),
                    path: a.rel.clone(),
                    sha256: a.sha256.clone(),
                    size: a.size,
                })
            })
            .collect();
        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        // A ledger made after the analysis (the first seal, maybe by another process meanwhile)
        // has its signatures checked under its lock; the analysis checked those of a held one.
        let (ledger, signatures) = match held {
            Some(l) => (l, None),
            None if current.is_empty() => {
                return Ok(SealReport {
                    appended: Vec::new(),
                    signed: key.is_some(),
                    ledger: shown.clone(),
                });
            }
            None => (
                crate::ledger::Ledger::open(&path, shown, true, wait, opts.quiet)
                    .map_err(fail)?
                    .ok_or_else(|| fail(Diagnostic::error(shown, "cannot create the ledger")))?,
                model.public_key.as_ref().map(|k| &k.key),
            ),
        };
        let appended = ledger
            .append(&current, key.as_ref(), signatures, &now)
            .map_err(|ds| {
                let mut out = Diagnostics::default();
                out.extend(ds);
                out
            })?;
        Ok(SealReport {
            appended,
            signed: key.is_some(),
            ledger: shown.clone(),
        })
    }

    /// `crosswalk seal --repair`: under the ledger's lock, mends a last line left without its
    /// newline (`ledger::Ledger::repair`), saving torn bytes in the site's `.crosswalk-cache/`
    /// when it has one. None when there is no ledger.
    pub fn repair_ledger(
        &self,
        wait: crate::base::lock::Wait,
        quiet: bool,
    ) -> Result<Option<crate::ledger::Repair>, Diagnostics> {
        let fail = |ds: Vec<Diagnostic>| {
            let mut out = Diagnostics::default();
            out.extend(ds);
            out
        };
        let path = self.ledger_path().map_err(|d| fail(vec![d]))?;
        let Some(ledger) =
            crate::ledger::Ledger::open(&path, &self.config.ledger, false, wait, quiet)
                .map_err(|d| fail(vec![d]))?
        else {
            return Ok(None);
        };
        let cache = self.root.join(CACHE_DIR);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        ledger
            .repair(cache.is_dir().then_some(cache.as_path()), now)
            .map(Some)
            .map_err(fail)
    }

    /// The ledger's path, refused when it would lead outside the site: seal writes the ledger
    /// and nothing else.
    fn ledger_path(&self) -> Result<PathBuf, Diagnostic> {
        use std::path::Component;
        let rel = &self.config.ledger;
        let path = self.root.join(rel);
        let plain = rel
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        let inside = match (path.canonicalize(), self.root.canonicalize()) {
            (Ok(real), Ok(root)) => real.starts_with(root),
            _ => true,
        };
        if plain && inside {
            Ok(path)
        } else {
            Err(Diagnostic::error(
                rel,
                "the ledger lies outside the site: refusing to write it",
            )
            .with_hint("set `ledger:` in crosswalk.yaml to a path inside the site"))
        }
    }

    /// The torn-line error for a ledger that is not valid UTF-8 (a cut inside a character), which
    /// loading reports only as such.
    fn torn_ledger_note(&self) -> Option<Diagnostic> {
        let bytes = std::fs::read(self.root.join(&self.config.ledger)).ok()?;
        if crate::base::text::decode_utf8(&bytes, &self.config.ledger).is_ok() {
            return None;
        }
        crate::ledger::torn_note(&bytes, &self.config.ledger)
    }

    /// Walks the ledger's chain, checks every signature, and re-hashes the file behind every
    /// record's latest line. Every altered, missing, reordered or removed entry is an error.
    pub fn verify(&self, opts: &Options) -> Result<VerifyReport, Diagnostic> {
        let analysis = self.analyse_for_ledger(opts)?;
        let mut report = VerifyReport {
            diagnostics: analysis.diagnostics,
            signed: analysis.model.public_key.is_some(),
            ..VerifyReport::default()
        };
        if !analysis.model.ledger_exists {
            report.diagnostics.push(
                Diagnostic::error(&self.config.ledger, "no evidence ledger: nothing to verify")
                    .with_hint("run `crosswalk seal` to start one"),
            );
            return Ok(report);
        }
        report.diagnostics.extend(self.torn_ledger_note());
        let (lines, _) = read_ledger(&self.root, &self.config);
        report.lines = lines.len();
        let latest = crate::ledger::latest(&lines);
        let checks: Vec<(usize, crate::ledger::FileState)> = latest
            .par_iter()
            .map(|l| (l.number, crate::ledger::check_file(&self.root, &l.entry)))
            .collect();
        report.files_checked = checks.len();
        for ((number, state), l) in checks.into_iter().zip(&latest) {
            let at = Some(Pos {
                line: number,
                column: 1,
            });
            let e = &l.entry;
            match state {
                crate::ledger::FileState::Intact => {}
                crate::ledger::FileState::Altered { expected, actual } => report.diagnostics.push(
                    Diagnostic::error(&self.config.ledger, format!("`{}`: {} was altered after sealing (sealed sha256 {expected}, now {actual})", e.id, e.path))
                        .at(at)
                        .with_hint("restore the sealed file, or seal the new version with `crosswalk seal` if the change is legitimate"),
                ),
                crate::ledger::FileState::Missing => report.diagnostics.push(
                    Diagnostic::error(&self.config.ledger, format!("`{}`: sealed file {} is missing", e.id, e.path)).at(at),
                ),
                crate::ledger::FileState::Outside => report.diagnostics.push(
                    Diagnostic::error(&self.config.ledger, format!("`{}`: the ledger names {}, outside the site: refusing to read it", e.id, e.path)).at(at),
                ),
            }
        }
        Ok(report)
    }
}

/// The ledger's lines as they are on disk (an unreadable ledger reads as empty; `check` reports it).
fn read_ledger(root: &Path, config: &Config) -> (Vec<crate::ledger::Line>, Vec<Diagnostic>) {
    match std::fs::read_to_string(root.join(&config.ledger)) {
        Ok(text) => crate::ledger::read(&text, &config.ledger),
        Err(_) => (Vec::new(), Vec::new()),
    }
}

/// Warnings that show an ISMS that has stopped running: expired evidence, overdue reviews,
/// evidence dated in the future, documents that name no control.
fn staleness(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let today = model.today;
    for d in &model.documents {
        let due = next_review(&d.doc.meta);
        let key = if d.doc.meta.next_review.is_some() {
            "next_review:"
        } else {
            "approved:"
        };
        let stale = Freshness::of(due, today, model.config.due_soon) == Freshness::Stale;
        if !stale && !d.doc.meta.controls.is_empty() {
            continue;
        }
        let pos = Pos::find(&d.doc.front_matter, key, 0).map(|p| Pos {
            line: p.line + d.doc.front_matter_line - 1,
            column: p.column,
        });
        if stale {
            out.push(
                Diagnostic::warning(
                    &d.doc.path,
                    format!(
                        "{} `{}` was due for review on {due} ({} days ago)",
                        d.doc.kind.singular().to_lowercase(),
                        d.doc.meta.id,
                        due.days_until(today)
                    ),
                )
                .at(pos)
                .with_hint("review it, then update `approved` and `version`"),
            );
        }
        if d.doc.meta.controls.is_empty() {
            out.push(
                Diagnostic::warning(
                    &d.doc.path,
                    format!(
                        "`{}` names no controls, so it covers nothing",
                        d.doc.meta.id
                    ),
                )
                .at(pos),
            );
        }
    }
    for e in &model.evidence {
        let exp = evidence_expiry(&e.ev.meta);
        let pos = e.ev.start.map(|(p, _)| p);
        if exp < today {
            out.push(
                Diagnostic::warning(
                    &e.ev.path,
                    format!(
                        "evidence `{}` expired on {exp} ({} days ago)",
                        e.ev.meta.id,
                        exp.days_until(today)
                    ),
                )
                .at(pos)
                .with_hint("collect it again and update `collected`"),
            );
        }
        if model.ledger_exists {
            match &e.seal {
                SealState::Unsealed => out.push(
                    Diagnostic::warning(&e.ev.path, format!("evidence `{}` is not in the ledger", e.ev.meta.id))
                        .at(pos)
                        .with_hint("run `crosswalk seal`"),
                ),
                SealState::Changed { sealed_at, .. } => out.push(
                    Diagnostic::warning(&e.ev.path, format!("evidence `{}`: its file changed since it was sealed on {sealed_at}", e.ev.meta.id))
                        .at(pos)
                        .with_hint("if the change is legitimate, run `crosswalk seal`; `crosswalk verify` treats it as tampering"),
                ),
                _ => {}
            }
        }
        if e.ev.meta.collected > today {
            out.push(
                Diagnostic::warning(
                    &e.ev.path,
                    format!(
                        "evidence `{}` is dated {} , in the future",
                        e.ev.meta.id, e.ev.meta.collected
                    ),
                )
                .at(pos),
            );
        }
    }
    out
}

/// A progress bar that appears only on a terminal, only when a build runs past one second.
struct Progress {
    bar: ProgressBar,
    started: Instant,
    enabled: bool,
}

impl Progress {
    fn new(quiet: bool) -> Progress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
            bar.set_style(style);
        }
        Progress {
            bar,
            started: Instant::now(),
            enabled: !quiet && std::io::stderr().is_terminal(),
        }
    }

    fn stage(&self, name: &'static str) {
        if self.enabled && self.started.elapsed() > Duration::from_secs(1) && self.bar.is_hidden() {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
        self.bar.set_message(name);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
