//! `crosswalk import comply|markdown SRC --into SITE`: an existing policy repository turned into a
//! new site, with a summary of what is left to fill in (also written to the site's
//! IMPORT-REPORT.md).

use crosswalk::base::diagnostic::Diagnostics;
use crosswalk::model::Date;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    from: From,
}

#[derive(clap::Subcommand)]
enum From {
    /// A strongdm/comply project: policies, narratives, procedures; TSC ids become soc2: references
    Comply(Source),
    /// A folder of Markdown policies without front matter (read with its subfolders)
    Markdown(Source),
}

#[derive(clap::Args)]
struct Source {
    /// The folder to import from
    #[arg(value_name = "SRC")]
    src: PathBuf,
    /// The new site's folder: must not exist or be empty (nothing is ever overwritten)
    #[arg(long, value_name = "SITE")]
    into: PathBuf,
    /// Print nothing but errors
    #[arg(long, short)]
    quiet: bool,
    /// The import's date (YYYY-MM-DD): when imported documents fall due for review
    #[arg(long, value_name = "DATE", value_parser = Date::parse)]
    today: Option<Date>,
}

pub fn run(a: Args) -> Result<ExitCode, Diagnostics> {
    let (s, import): (Source, fn(_, _, _) -> _) = match a.from {
        From::Comply(s) => (s, crosswalk::import::comply),
        From::Markdown(s) => (s, crosswalk::import::markdown),
    };
    let today = match s.today {
        Some(d) => d,
        None => crosswalk::site::default_today()?,
    };
    let outcome = import(&s.src, &s.into, today)?;
    if !s.quiet {
        for w in &outcome.warnings {
            eprintln!("{w}");
        }
        print!("{}", outcome.summary);
    }
    Ok(ExitCode::SUCCESS)
}
