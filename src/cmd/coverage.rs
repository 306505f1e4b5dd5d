//! `crosswalk coverage`: per framework in scope, the coverage figures the portal shows, as text
//! or JSON (docs/json.md), for one profile.

use crate::{Common, DataFormat};
use crosswalk::base::diagnostic::Diagnostics;
use crosswalk::reports::{coverage, json};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Build profile whose view to report (default: the site's `default_profile`)
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Also list every control with its status
    #[arg(long)]
    controls: bool,
    #[command(flatten)]
    common: Common,
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    format: DataFormat,
}

pub fn run(a: Args) -> Result<ExitCode, Diagnostics> {
    let (analysis, profile) = super::analyse_site(&a.common, a.profile)?;
    let r = coverage::coverage(&analysis.model, &analysis.coverage, &profile, a.controls);
    super::print_stdout(&match a.format {
        DataFormat::Json => json::versioned(&r),
        DataFormat::Text => coverage::text(&r),
    })
}
