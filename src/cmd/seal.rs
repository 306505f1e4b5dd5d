use crate::{Common, fail};
use crosswalk::diagnostic::Diagnostics;
use crosswalk::site::Site;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
}

pub fn run(a: Args) -> Result<ExitCode, Diagnostics> {
    let site = Site::open(&a.common.root).map_err(fail)?;
    let report = site.seal(&a.common.options(None))?;
    if !a.common.quiet {
        for e in &report.appended {
            println!("sealed {:<28} {}  {}", e.id, &e.sha256[..16], e.path);
        }
        eprintln!(
            "{} new or changed artifact{} sealed into {}{}",
            report.appended.len(),
            if report.appended.len() == 1 { "" } else { "s" },
            report.ledger.display(),
            if report.signed {
                " (signed)"
            } else {
                " (unsigned)"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
