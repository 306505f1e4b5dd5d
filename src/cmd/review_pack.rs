use crate::Common;
use crosswalk::base::diagnostic::{Diagnostic, Diagnostics};
use crosswalk::reports::review_pack;
use crosswalk::site::Site;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Build profile whose content the pack may show (default: the site's default profile)
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    #[command(flatten)]
    common: Common,
}

/// Prints the pack as Markdown on standard output; redirect it to keep it.
pub fn run(a: Args) -> Result<ExitCode, Diagnostics> {
    let site = Site::open(&a.common.root)?;
    let analysis = site.analyse(&a.common.options(a.profile), &mut Vec::new())?;
    if analysis.diagnostics.has_errors() {
        return Err(analysis.diagnostics);
    }
    let since = analysis.model.records.latest_review().map(|m| m.date);
    let changes = match since {
        Some(d) => review_pack::git_changes(&site.root, d),
        None => Err(
            Diagnostic::error(&site.root, "no previous review to compare against")
                .with_rule(crosswalk::base::rules::USAGE),
        ),
    };
    print!(
        "{}",
        review_pack::markdown(&analysis.model, &analysis.coverage, changes)
    );
    Ok(ExitCode::SUCCESS)
}
