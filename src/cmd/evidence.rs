//! `crosswalk evidence`: the evidence library the portal shows to one profile, as text or JSON
//! (docs/json.md): each record's artifact, dates, freshness, seal and what it serves.

use crate::{Common, DataFormat};
use crosswalk::base::diagnostic::Diagnostics;
use crosswalk::reports::{evidence, json};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Build profile whose view to report (default: the site's `default_profile`)
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    #[command(flatten)]
    common: Common,
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    format: DataFormat,
}

pub fn run(a: Args) -> Result<ExitCode, Diagnostics> {
    let (analysis, profile) = super::analyse_site(&a.common, a.profile)?;
    let r = evidence::evidence(&analysis.model, &profile);
    super::print_stdout(&match a.format {
        DataFormat::Json => json::versioned(&r),
        DataFormat::Text => evidence::text(&r),
    })
}
