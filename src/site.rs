//! The `Site` owns a site's commands from start to end: open, analyse, check, build, seal and
//! verify. `build()` reads like a table of contents: one call per pipeline stage, each timed
//! (`--timings`); the stages themselves live in `build/`, and what makes a rebuild cheap in
//! `incremental/`. What earlier builds in a long-running process kept (`Session`) is lent to a
//! build as `&mut Session` (`build_with`), for its whole length.

use crate::analyse::coverage::{self, Coverage};
use crate::analyse::disclosed;
use crate::analyse::freshness::{Freshness, evidence_expiry, next_review};
use crate::analyse::overlap::{self, Pair};
use crate::base::diagnostic::{Diagnostic, Diagnostics, Pos};
use crate::base::rules;
use crate::build::{Build, Settings};
use crate::incremental::Tracking;
use crate::load;
use crate::load::cache::HashCache;
use crate::model::config::Config;
use crate::model::{Classification, Date};
use crate::render::Theme;
use crate::resolve::{self, Model, SealState};
use crate::view;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use crate::build::BuildReport;
pub use crate::incremental::Session;

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
    /// The output folder is this process's own (`serve`'s temporary folder): files the last
    /// build left there are taken to be there, not checked one by one, and updated in place.
    /// Any other output is published as a generation (see `publish.rs`).
    pub private_output: bool,
    /// Refuse at once, instead of waiting, when another process holds the output's lock.
    pub no_wait: bool,
}

/// A loaded, resolved and analysed site.
pub struct Analysis {
    pub model: Model,
    pub coverage: Coverage,
    pub pairs: Vec<Pair>,
    pub diagnostics: Diagnostics,
}

pub struct Site {
    pub root: PathBuf,
    pub config: Config,
}

/// The date to judge freshness by when none is given: $CROSSWALK_TODAY, else the local date.
pub fn default_today() -> Result<Date, Diagnostic> {
    match std::env::var("CROSSWALK_TODAY") {
        Ok(s) => Date::parse(&s).map_err(|m| {
            Diagnostic::error("CROSSWALK_TODAY", m.to_string()).with_rule(rules::USAGE)
        }),
        Err(_) => Ok(Date(chrono::Local::now().date_naive())),
    }
}

impl Site {
    pub fn open(root: &Path) -> Result<Site, Diagnostic> {
        if !root.is_dir() {
            return Err(Diagnostic::error(root, "site folder not found").with_rule(rules::USAGE));
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
            return Err(Diagnostic::error(root, "site folder not found").with_rule(rules::USAGE));
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
        self.analyse_with(opts, None, timings)
    }

    /// `analyse`, loading through `session` when there is one.
    fn analyse_with(
        &self,
        opts: &Options,
        session: Option<&mut Session>,
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
        let profile = self.config.profile(name).map_err(|m| {
            Diagnostic::error("<command line>", m.to_string()).with_rule(rules::USAGE)
        })?;
        let t = Instant::now();
        let read_cache = || opts.cache_dir.as_deref().map(HashCache::read);
        let (loaded, load_diags) = match session {
            None => load::load(&self.root, &self.config, read_cache().as_ref(), None),
            // Only the files named since the last build are read again, when that will do.
            Some(s) => s.load(&self.root, &self.config, read_cache),
        };
        timings.push(("load", t.elapsed()));
        let disclosure = self.config.disclosure(name).map_err(|m| {
            Diagnostic::error("<command line>", m.to_string()).with_rule(rules::USAGE)
        })?;
        let t = Instant::now();
        let (whole, resolve_diags) = resolve::resolve_whole(loaded, self.config.clone(), today);
        timings.push(("resolve", t.elapsed()));
        // The figures of the whole ISMS, numbers only, taken before the profile drops anything;
        // a confidential build sees every item, so its own coverage gives them.
        let t = Instant::now();
        let disclosed = (profile < Classification::Confidential)
            .then(|| disclosed::compute(&whole, &coverage::compute(&whole), disclosure));
        let model = resolve::restrict(whole, profile);
        timings.push(("disclosed", t.elapsed()));
        let t = Instant::now();
        let ((mut coverage, stale), pairs) = rayon::join(
            || rayon::join(|| coverage::compute(&model), || staleness(&model)),
            || overlap::all_pairs(&model),
        );
        coverage.disclosed =
            Some(disclosed.unwrap_or_else(|| disclosed::compute(&model, &coverage, disclosure)));
        let readiness = crate::analyse::readiness::check(&model, &coverage);
        timings.push(("analyse", t.elapsed()));
        let mut diagnostics = Diagnostics::default();
        diagnostics.extend(load_diags);
        diagnostics.extend(resolve_diags);
        diagnostics.extend(stale);
        diagnostics.extend(readiness);
        diagnostics.extend(view::updates::feed_diagnostics(&model));
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

    /// Builds the portal into `output` (default: the config's), atomically. A build stops
    /// early when the last build's output is still right, or needs only new document bodies
    /// spliced in; else it loads and analyses the site, plans its pages, and renders and writes
    /// every page that may have changed.
    pub fn build(&self, opts: &Options, output: Option<&Path>) -> Result<BuildReport, Diagnostics> {
        self.build_with(opts, None, output)
    }

    /// `build`, with what earlier builds in this process kept (`serve`'s session) borrowed for
    /// the whole build: it is read and brought up to date on this thread only, never by the
    /// parallel page loop.
    pub fn build_with(
        &self,
        opts: &Options,
        session: Option<&mut Session>,
        output: Option<&Path>,
    ) -> Result<BuildReport, Diagnostics> {
        let output = output.unwrap_or(&self.config.output);
        let settings = self.settings(opts, session);
        let mut build =
            Build::start(&self.root, &self.config, output, settings).map_err(Diagnostics::from)?;
        if let Some(report) = build.stop_early().map_err(Diagnostics::from)? {
            return Ok(report);
        }

        build.stage("loading");
        let opts = Options {
            cache_dir: Some(build.dest().to_path_buf()),
            ..opts.clone()
        };
        let (session, timings) = build.for_loading();
        let analysis = self
            .analyse_with(&opts, session, timings)
            .map_err(Diagnostics::from)?;
        if analysis.diagnostics.has_errors() {
            return Err(analysis.diagnostics);
        }
        let Analysis {
            mut model,
            coverage,
            pairs,
            diagnostics,
        } = analysis;
        // Git dates of the documents this build shows, for the updates page and feed.
        model.commits = build.time("git", || visible_commits(&self.root, &model));

        build.stage("rendering");
        let theme = build
            .time("theme", || Theme::load(&self.root, &self.config.theme))
            .map_err(Diagnostics::from)?;
        let plan = build.time("plan", || view::Plan::new(&model, &coverage, &pairs));
        let made = build
            .pages(&model, &coverage, plan, &theme)
            .map_err(Diagnostics::from)?;

        build.stage("writing");
        build
            .write(&model, made, diagnostics.warning_count())
            .map_err(Diagnostics::from)
    }

    /// What a build takes from `opts`, and the session it borrows.
    fn settings<'a>(&self, opts: &Options, session: Option<&'a mut Session>) -> Settings<'a> {
        Settings {
            quiet: opts.quiet,
            no_wait: opts.no_wait,
            today: opts.today.map_or_else(default_today, Ok),
            tracking: Tracking {
                profile: opts
                    .profile
                    .clone()
                    .unwrap_or_else(|| self.config.default_profile.clone()),
                stamp_dir: opts
                    .stamp_dir
                    .clone()
                    .unwrap_or_else(|| self.root.join(CACHE_DIR)),
                session,
                own_output: opts.private_output,
                force: opts.force,
            },
        }
    }
}

pub use crate::model::CACHE_DIR;

/// The last commit date of each document `model` holds (those its profile shows), from one `git`
/// process; none outside git.
fn visible_commits(root: &Path, model: &Model) -> load::git::CommitDates {
    let paths: Vec<String> = model
        .documents
        .iter()
        .map(|d| d.doc.path.to_string_lossy().replace('\\', "/"))
        .collect();
    load::git::last_commits(root, &paths)
}

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
                        .with_rule(rules::LEDGER_KEY)
                        .with_hint("set $CROSSWALK_SIGNING_KEY to the private key's path, or `signing_key:` in crosswalk.yaml"),
                ));
            }
            (Some(k), Some(pk)) if k.verifying_key() != pk.key => {
                return Err(fail(
                    Diagnostic::error(
                        crate::model::config::CONFIG_FILE,
                        "the signing key does not match `public_key`: signatures would not verify",
                    )
                    .with_rule(rules::LEDGER_SIGNATURE),
                ));
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
                    .ok_or_else(|| {
                        fail(
                            Diagnostic::error(shown, "cannot create the ledger")
                                .with_rule(rules::IO),
                        )
                    })?,
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
            .with_rule(rules::OUTSIDE_SITE)
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
                    .with_rule(rules::LEDGER_MISSING)
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
                        .with_rule(rules::LEDGER_TAMPERED)
                        .at(at)
                        .with_hint("restore the sealed file, or seal the new version with `crosswalk seal` if the change is legitimate"),
                ),
                crate::ledger::FileState::Missing => report.diagnostics.push(
                    Diagnostic::error(&self.config.ledger, format!("`{}`: sealed file {} is missing", e.id, e.path))
                        .with_rule(rules::LEDGER_TAMPERED).at(at),
                ),
                crate::ledger::FileState::Outside => report.diagnostics.push(
                    Diagnostic::error(&self.config.ledger, format!("`{}`: the ledger names {}, outside the site: refusing to read it", e.id, e.path))
                        .with_rule(rules::LEDGER_TAMPERED).at(at),
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
                .with_rule(rules::REVIEW_OVERDUE)
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
                .with_rule(rules::NO_CONTROLS)
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
                .with_rule(rules::EVIDENCE_EXPIRED)
                .at(pos)
                .with_hint("collect it again and update `collected`"),
            );
        }
        if model.ledger_exists {
            match &e.seal {
                SealState::Unsealed => out.push(
                    Diagnostic::warning(&e.ev.path, format!("evidence `{}` is not in the ledger", e.ev.meta.id))
                        .with_rule(rules::EVIDENCE_UNSEALED)
                        .at(pos)
                        .with_hint("run `crosswalk seal`"),
                ),
                SealState::Changed { sealed_at, .. } => out.push(
                    Diagnostic::warning(&e.ev.path, format!("evidence `{}`: its file changed since it was sealed on {sealed_at}", e.ev.meta.id))
                        .with_rule(rules::EVIDENCE_CHANGED)
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
                .with_rule(rules::EVIDENCE_FUTURE)
                .at(pos),
            );
        }
    }
    out
}
