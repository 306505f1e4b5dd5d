//! The build stage: an analysed site turned into a published portal. `Build` runs the plain
//! pipeline, view -> render -> write for every page in parallel (`pages.rs`) while the site's
//! other files are published (`files.rs`), into a new generation of the output (`output.rs`,
//! `publish.rs`). What makes a rebuild cheap sits behind one interface, the
//! `incremental::Tracker`, which the build asks whether it can stop early and which pages are
//! known unchanged, and tells what it built. In `serve` the tracker holds the session of
//! earlier builds, borrowed for the whole build, and lends it to the load (`for_loading`).

pub mod claims;
pub mod files;
pub mod output;
pub mod pages;
pub mod progress;
pub mod publish;
pub mod report;

pub use report::BuildReport;

use crate::analyse::coverage::Coverage;
use crate::base::diagnostic::Diagnostic;
use crate::incremental::{
    Built, Earlier, PageRecord, Recorded, Session, Shortcut, Splice, Tracker, Tracking,
};
use crate::model::Date;
use crate::model::config::{Config, EvidenceFiles};
use crate::render::{Renderer, SiteView, Theme};
use crate::resolve::Model;
use crate::view::Plan;
use crate::write::Writer;
use output::OutputDir;
use progress::Progress;
use std::path::Path;
use std::time::{Duration, Instant};

/// What a build is told besides the site and its output folder.
pub struct Settings<'a> {
    pub quiet: bool,
    /// Refuse at once, instead of waiting, when another process holds the output's lock.
    pub no_wait: bool,
    /// The date freshness is judged against, or why it is unknown (reported after the
    /// output's own checks).
    pub today: Result<Date, Diagnostic>,
    pub tracking: Tracking<'a>,
}

/// A build under way: its output, its tracker, its progress and timings.
pub struct Build<'a> {
    root: &'a Path,
    config: &'a Config,
    out: OutputDir,
    tracker: Tracker<'a>,
    force: bool,
    progress: Progress,
    started: Instant,
    timings: Vec<(&'static str, Duration)>,
    /// The key that signs the portal's claims manifest, if any (`claims.rs`).
    signer: Option<crate::claims::Signer>,
}

/// The pages a build made, with the writer that holds them until the build finishes.
pub struct Made {
    writer: Writer,
    records: Vec<PageRecord>,
    pages: usize,
    views: usize,
    files_published: usize,
    linked: bool,
    /// The portal's claims, without its files, when it is signed.
    claims: Option<crate::claims::Claims>,
}

impl<'a> Build<'a> {
    /// Starts a build of the site at `root` into `output`: checks and locks the output, reads
    /// the last build's stamp and takes the inventory of the site's files.
    pub fn start(
        root: &'a Path,
        config: &'a Config,
        output: &Path,
        settings: Settings<'a>,
    ) -> Result<Build<'a>, Diagnostic> {
        let started = Instant::now();
        let progress = Progress::new(settings.quiet);
        let t = &settings.tracking;
        let out = OutputDir::open(root, output, t.own_output, settings.no_wait, settings.quiet)?;
        let force = t.force;
        let signer = match t.own_output {
            true => None,
            false => claims::signer(root, config)?,
        };
        let s = Instant::now();
        let mut tracker = Tracker::open(root, &out.dest, settings.today?, settings.tracking);
        let mut timings = vec![("stamp", s.elapsed())];
        let s = Instant::now();
        tracker.take_inventory(root, config);
        timings.push(("inventory", s.elapsed()));
        Ok(Build {
            root,
            config,
            out,
            tracker,
            force,
            progress,
            started,
            timings,
            signer,
        })
    }

    /// The output folder, as checked.
    pub fn dest(&self) -> &Path {
        &self.out.dest
    }

    /// What loading the site borrows of the build: the session of earlier builds in this
    /// process (`serve`), and the stage timings so far, which the load's stages add to.
    pub fn for_loading(&mut self) -> (Option<&mut Session>, &mut Vec<(&'static str, Duration)>) {
        (self.tracker.session(), &mut self.timings)
    }

    /// Names the stage under way on the progress bar.
    pub fn stage(&self, name: &'static str) {
        self.progress.stage(name);
    }

    /// Runs one step, timed as `stage`.
    pub fn time<T>(&mut self, stage: &'static str, step: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let out = step();
        self.timings.push((stage, t.elapsed()));
        out
    }

    /// The report of a build that stops before loading the site: no input changed since the
    /// last build into this output, or only document bodies, spliced into their pages.
    pub fn stop_early(&mut self) -> Result<Option<BuildReport>, Diagnostic> {
        if !claims::signed_alike(self.signer.as_ref(), &self.out.dest) {
            return Ok(None);
        }
        match self.tracker.shortcut(&self.out.dest) {
            Shortcut::Build => Ok(None),
            Shortcut::UpToDate(last) => Ok(Some(BuildReport {
                output: self.out.dest.clone(),
                pages: 0,
                files_published: 0,
                warnings: 0,
                timings: self.finish_timings(),
                up_to_date: true,
                written: 0,
                unchanged: last.files,
                views: 0,
            })),
            Shortcut::Splice(splice) => self.splice(&splice),
        }
    }

    /// Splices the changed documents' bodies into their pages, in a new generation (or
    /// `serve`'s own output), and publishes it. `None` when they cannot be spliced.
    fn splice(&mut self, splice: &Splice) -> Result<Option<BuildReport>, Diagnostic> {
        let t = Instant::now();
        let (work, manifest) = self.out.to_patch()?;
        let signer = self.signer.as_ref();
        let Some(spliced) = splice.apply(self.root, self.config.html, &work, manifest, signer)
        else {
            return Ok(None);
        };
        let written = spliced.written;
        self.out.publish_patched(&work)?;
        let Some(Earlier {
            files,
            pages,
            published,
            warnings,
        }) = self.tracker.spliced(&self.out.dest, spliced)
        else {
            return Ok(None);
        };
        self.timings.push(("splice", t.elapsed()));
        Ok(Some(BuildReport {
            output: self.out.dest.clone(),
            pages,
            files_published: published,
            warnings,
            timings: self.finish_timings(),
            up_to_date: false,
            written,
            unchanged: files.saturating_sub(written),
            views: 0,
        }))
    }

    /// Views, renders and writes every page of `plan` that may have changed, while the site's
    /// other files are published.
    pub fn pages(
        &mut self,
        model: &Model,
        coverage: &Coverage,
        plan: Plan,
        theme: &Theme,
    ) -> Result<Made, Diagnostic> {
        let site = SiteView {
            title: model.config.title.clone(),
            organisation: model.config.organisation.clone(),
            profile: model.profile,
            today: model.today.to_string(),
            version: env!("CARGO_PKG_VERSION"),
            feed: model
                .config
                .base_url
                .as_ref()
                .map(|_| crate::view::FEED_PATH),
            subprocessors: crate::view::has_subprocessors(model),
            faq: crate::view::has_faq(model),
            claims_key: self.signer.as_ref().map(|s| s.fingerprint.clone()),
        };
        let site_json = serde_json::to_vec(&site).unwrap_or_default();
        let t = Instant::now();
        let known = self
            .tracker
            .known(model, &plan, &theme.fingerprint, &site_json);
        self.timings.push(("deps", t.elapsed()));

        let t = Instant::now();
        let renderer = Renderer::new(theme, &site);
        let linked = self.config.evidence_files == EvidenceFiles::Link;
        let mut writer = self.out.writer(linked, self.tracker.last_manifest())?;
        let claims = match &self.signer {
            Some(signer) => {
                writer.keep_sha256();
                claims::put_key(signer, &writer)?;
                Some(crate::claims::made::claims(
                    model,
                    coverage,
                    &signer.fingerprint,
                ))
            }
            None => None,
        };
        let previous = writer
            .previous()
            .filter(|_| !self.force)
            .map(|m| m.inputs.clone())
            .unwrap_or_default();
        let pages = pages::Pages {
            plan: &plan,
            theme,
            site_json: &site_json,
            renderer: &renderer,
            writer: &writer,
            previous: &previous,
            known: &known,
            html: model.config.html,
        };
        // The site's other files are published while the pages render: on two cores the
        // largest page keeps one busy.
        let (made, published) = rayon::join(
            || pages.make_all(),
            || files::put_all(model, coverage, theme, &writer, &known, linked),
        );
        let (records, views) = made?;
        let files_published = published?;
        self.tracker.keep_rows(known);
        self.timings.push(("pages", t.elapsed()));
        Ok(Made {
            writer,
            records,
            pages: plan.len(),
            views,
            files_published,
            linked,
            claims,
        })
    }

    /// Finishes the output, publishes it, and tells the tracker what was built.
    pub fn write(
        mut self,
        model: &Model,
        made: Made,
        warnings: usize,
    ) -> Result<BuildReport, Diagnostic> {
        let t = Instant::now();
        let (inputs, recorded) = Recorded::split(made.records);
        if let (Some(signer), Some(c)) = (&self.signer, made.claims) {
            let t = Instant::now();
            claims::put_claims(signer, c, &made.writer)?;
            self.timings.push(("claims", t.elapsed()));
        }
        let defer = self.tracker.before_writing();
        let (stats, manifest, unsaved) =
            made.writer.finish_with(Some(inputs), Vec::new(), defer)?;
        self.out.publish(&manifest)?;
        let built = Built {
            recorded,
            manifest,
            unsaved,
            files: stats.written + stats.unchanged,
            pages: made.pages,
            published: made.files_published,
            warnings,
            evidence: &model.evidence,
            linked: made.linked,
        };
        self.tracker.remember(self.root, &self.out.dest, built);
        self.timings.push(("write", t.elapsed()));
        Ok(BuildReport {
            output: self.out.dest.clone(),
            pages: made.pages,
            files_published: made.files_published,
            warnings,
            timings: self.finish_timings(),
            up_to_date: false,
            written: stats.written,
            unchanged: stats.unchanged,
            views: made.views,
        })
    }

    /// The timings, with the total, once the build is over.
    fn finish_timings(&mut self) -> Vec<(&'static str, Duration)> {
        self.timings.push(("total", self.started.elapsed()));
        self.progress.finish();
        std::mem::take(&mut self.timings)
    }
}
