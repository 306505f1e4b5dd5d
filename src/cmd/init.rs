use crate::Common;
use crosswalk::base::diagnostic::Diagnostics;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Folder to create (relative to --root); must not exist or be empty
    dir: PathBuf,
    #[command(flatten)]
    common: Common,
}

pub fn run(a: Args) -> Result<ExitCode, Diagnostics> {
    let target = a.common.root.join(&a.dir);
    let today = match a.common.today {
        Some(d) => d,
        None => crosswalk::site::default_today()?,
    };
    crosswalk::init::scaffold(&target, today)?;
    if !a.common.quiet {
        eprintln!(
            "created a site in {0}; build it with: crosswalk build --root {0}",
            target.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
