//! `crosswalk diff <rev>`: what the working tree changes in compliance since a git revision.

use crate::{Common, ReportFormat};
use crosswalk::base::diagnostic::Diagnostics;
use crosswalk::diff::{self, Request, format};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The git revision to compare with: a branch, tag or commit (e.g. origin/main)
    rev: String,
    /// The profile both sides are built under; a comment on a public repository wants `public`
    #[arg(long, value_name = "P", default_value = "internal")]
    profile: String,
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    #[command(flatten)]
    common: Common,
}

/// Exit 0 whenever the report ran, whatever it found (coverage may fall); 1 when it could not.
pub fn run(a: Args) -> Result<ExitCode, Diagnostics> {
    let req = Request {
        rev: a.rev,
        profile: a.profile,
        today: a.common.today,
        quiet: a.common.quiet,
    };
    let out = diff::diff(&a.common.root, &req)?;
    if !a.common.quiet {
        for w in &out.warnings {
            eprintln!("{w}");
        }
    }
    let r = &out.report;
    match a.format {
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(r).unwrap_or_default()),
        ReportFormat::Text => print!("{}", format::text(r)),
        ReportFormat::Markdown => print!("{}", format::markdown(r)),
    }
    Ok(ExitCode::SUCCESS)
}
