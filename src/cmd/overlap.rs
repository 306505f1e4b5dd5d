//! `crosswalk overlap`: how much of each framework every other meets, as a text matrix or JSON
//! (docs/json.md).

use crate::{Common, DataFormat};
use crosswalk::base::diagnostic::Diagnostics;
use crosswalk::reports::{json, report};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    format: DataFormat,
}

pub fn run(a: Args) -> Result<ExitCode, Diagnostics> {
    let analysis = super::analyse_or_empty(&a.common.root, &a.common.options(None))?;
    let r = report::overlap(&analysis.model, &analysis.pairs);
    super::print_stdout(&match a.format {
        DataFormat::Json => json::versioned(&r),
        DataFormat::Text => report::overlap_text(&analysis.model, &r),
    })
}
