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
    let list = report::frameworks(&analysis.model);
    match a.format {
        DataFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&list).unwrap_or_default()
        ),
        DataFormat::Text => print!("{}", report::frameworks_text(&list)),
    }
    Ok(ExitCode::SUCCESS)
}
