use crate::{Common, DataFormat};
use crosswalk::base::diagnostic::{Diagnostic, Diagnostics};
use crosswalk::model::ControlRef;
use crosswalk::reports::report;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The control, as <framework>:<id>, e.g. soc2:CC6.1
    control: String,
    /// Only controls of this framework
    #[arg(long, value_name = "SLUG")]
    to: Option<String>,
    #[command(flatten)]
    common: Common,
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    format: DataFormat,
}

pub fn run(a: Args) -> Result<ExitCode, Diagnostics> {
    let analysis = super::analyse_or_empty(&a.common.root, &a.common.options(None))?;
    let r = ControlRef::parse(&a.control).map_err(|m| {
        Diagnostic::error("<command line>", m.to_string()).with_rule(crosswalk::base::rules::USAGE)
    })?;
    let m = report::map(&analysis.model, &r, a.to.as_deref()).map_err(|(msg, hint)| {
        let mut d =
            Diagnostic::error("<command line>", msg).with_rule(crosswalk::base::rules::USAGE);
        if let Some(h) = hint {
            d = d.with_hint(h);
        }
        d
    })?;
    match a.format {
        DataFormat::Json => println!("{}", serde_json::to_string_pretty(&m).unwrap_or_default()),
        DataFormat::Text => print!("{}", report::map_text(&m)),
    }
    Ok(ExitCode::SUCCESS)
}
