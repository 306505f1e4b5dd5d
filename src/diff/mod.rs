//! `crosswalk diff <rev>`: what a change does to compliance. The site is read as it was at a git
//! revision (from git's objects, into the site's cache: `git.rs`, `store.rs`) and as it is in
//! the working tree, both opened and analysed by the same code under one profile and one date;
//! `compare.rs` turns the two analyses into the report, `format.rs` prints it.

pub mod compare;
pub mod format;
pub mod git;
pub mod store;

pub use compare::DiffReport;

use crate::base::diagnostic::{Diagnostic, Diagnostics};
use crate::model::Date;
use crate::site::{Analysis, Options, Site, default_today};
use std::path::Path;

/// What to compare.
#[derive(Debug, Clone)]
pub struct Request {
    /// The revision, as given (a branch, tag, commit or any git revision expression).
    pub rev: String,
    /// The profile both sides are built under.
    pub profile: String,
    pub today: Option<Date>,
    pub quiet: bool,
}

/// The report, with warnings about the revision's files (symbolic links and submodules skipped).
pub struct Outcome {
    pub report: DiffReport,
    pub warnings: Vec<Diagnostic>,
}

/// Compares the site at `root` in the working tree with the same site at `req.rev`. Errors: the
/// working tree's site cannot be opened or analysed, git cannot give the revision, or the
/// revision has no readable site.
pub fn diff(root: &Path, req: &Request) -> Result<Outcome, Diagnostics> {
    let site = Site::open(root)?;
    let today = match req.today {
        Some(d) => d,
        None => default_today()?,
    };
    // Checked here so a misspelt profile is named before git is asked anything.
    site.config.profile(&req.profile).map_err(|m| {
        Diagnostic::error("<command line>", m.to_string()).with_rule(crate::base::rules::USAGE)
    })?;
    let repo = git::find(root)?;
    let commit = git::resolve(&repo, &req.rev)?;
    let (revision, warnings) = store::prepare(root, &commit, req.quiet, |dir| {
        git::extract(&repo, &commit, dir)
    })?;
    let opts = Options {
        today: Some(today),
        profile: Some(req.profile.clone()),
        quiet: req.quiet,
        ..Options::default()
    };
    let at_rev = |mut d: Diagnostic| {
        d.message = format!("at {} ({}): {}", req.rev, git::short(&commit), d.message);
        d
    };
    let base_site = Site::open(&revision.dir).map_err(at_rev)?;
    let after_opts = Options {
        // The last build's hash cache saves re-hashing unchanged evidence; diff never writes it.
        cache_dir: Some(site.root.join(&site.config.output)),
        ..opts.clone()
    };
    let (before, after) = rayon::join(
        || base_site.analyse(&opts, &mut Vec::new()),
        || site.analyse(&after_opts, &mut Vec::new()),
    );
    let before: Analysis = before.map_err(at_rev)?;
    let after: Analysis = after?;
    let report = compare::compare(
        compare::Side {
            analysis: &before,
            root: &revision.dir,
        },
        compare::Side {
            analysis: &after,
            root,
        },
        compare::Meta {
            base: req.rev.clone(),
            base_commit: commit.clone(),
            profile: req.profile.clone(),
        },
    );
    Ok(Outcome { report, warnings })
}
