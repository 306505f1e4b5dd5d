use crate::{Common, DataFormat};
use crosswalk::base::diagnostic::Diagnostics;
use crosswalk::reports::report;
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
    match a.format {
        DataFormat::Json => println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default()),
        DataFormat::Text => print!("{}", report::overlap_text(&analysis.model, &r)),
    }
    Ok(ExitCode::SUCCESS)
}
