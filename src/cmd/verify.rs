use crate::Common;
use crosswalk::base::diagnostic::Diagnostics;
use crosswalk::site::Site;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
}

pub fn run(a: Args) -> Result<ExitCode, Diagnostics> {
    let site = Site::open(&a.common.root)?;
    let report = site.verify(&a.common.options(None))?;
    let errors = report.diagnostics.error_count();
    for d in report.diagnostics.sorted().iter().filter(|d| d.is_error()) {
        println!("{d}");
    }
    if !a.common.quiet {
        eprintln!(
            "{} ledger lines, {} sealed files re-hashed, signatures {}: {}",
            report.lines,
            report.files_checked,
            if report.signed {
                "checked"
            } else {
                "not configured"
            },
            if errors == 0 {
                "intact".to_string()
            } else {
                format!("{errors} problems")
            }
        );
    }
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
