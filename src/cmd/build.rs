use crate::Common;
use crosswalk::base::diagnostic::Diagnostics;
use crosswalk::site::Site;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    /// Output folder (default: `output` in crosswalk.yaml, else public/)
    #[arg(long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Build profile: public, internal, confidential, or one named under `profiles:` in crosswalk.yaml
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Print how long each stage took
    #[arg(long)]
    timings: bool,
    /// Rebuild even if no input changed since the last build
    #[arg(long)]
    force: bool,
    /// Refuse at once (exit 1) if another process is building into the same output, instead of
    /// waiting for it
    #[arg(long)]
    no_wait: bool,
}

pub fn run(a: Args) -> Result<ExitCode, Diagnostics> {
    let site = Site::open(&a.common.root)?;
    let output = a.output.map(crate::from_cwd);
    let mut opts = a.common.options(a.profile);
    opts.force = a.force;
    opts.no_wait = a.no_wait;
    let report = match site.build(&opts, output.as_deref()) {
        Ok(r) => r,
        Err(diags) => {
            let n = diags.error_count();
            for d in diags.sorted().iter().filter(|d| d.is_error()) {
                eprintln!("{d}");
            }
            eprintln!(
                "error: build failed with {n} error{}; the previous output was left as it was",
                if n == 1 { "" } else { "s" }
            );
            return Ok(ExitCode::from(1));
        }
    };
    if !a.common.quiet && report.up_to_date {
        eprintln!(
            "{} is up to date: no input changed since the last build",
            report.output.display()
        );
    } else if !a.common.quiet {
        let total = report.timings.last().map_or(0, |t| t.1.as_millis());
        let warnings = if report.warnings > 0 {
            format!(" ({} warnings: run `crosswalk check`)", report.warnings)
        } else {
            String::new()
        };
        eprintln!(
            "built {} pages and published {} evidence files into {} in {total} ms ({} files written, {} unchanged){warnings}",
            report.pages,
            report.files_published,
            report.output.display(),
            report.written,
            report.unchanged
        );
    }
    if a.timings {
        eprint!("{}", report.timings_text());
    }
    Ok(ExitCode::SUCCESS)
}
