use crate::{Common, Format};
use crosswalk::base::diagnostic::Diagnostics;
use crosswalk::reports::{junit, sarif};
use crosswalk::site::Site;
use std::process::ExitCode;

/// The version of `check --format json`'s shape; raised when a field changes meaning or goes.
pub const JSON_SCHEMA_VERSION: u32 = 1;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    /// Output format: text, json, github (workflow annotations), sarif (SARIF 2.1.0, for code
    /// scanning) or junit (JUnit XML, for test dashboards)
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Treat warnings (expired evidence, overdue reviews) as errors
    #[arg(long)]
    strict: bool,
}

pub fn run(a: Args) -> Result<ExitCode, Diagnostics> {
    // A broken crosswalk.yaml is reported in the requested format like any other problem.
    let diags = match Site::open(&a.common.root) {
        Ok(site) => {
            // The last build's hash cache saves re-hashing unchanged evidence; check never writes it.
            let mut opts = a.common.options(None);
            opts.cache_dir = Some(site.root.join(&site.config.output));
            site.check(&opts).unwrap_or_else(Diagnostics::from)
        }
        Err(d) => Diagnostics::from(d),
    };
    let failed = diags.has_errors() || (a.strict && diags.warning_count() > 0);
    let sorted = diags.sorted();
    match a.format {
        Format::Text => {
            for d in sorted.iter().filter(|d| d.is_error() || !a.common.quiet) {
                println!("{d}");
            }
            if !a.common.quiet {
                eprintln!(
                    "{} errors, {} warnings",
                    diags.error_count(),
                    diags.warning_count()
                );
            }
        }
        Format::Json => {
            let v = serde_json::json!({
                "schema_version": JSON_SCHEMA_VERSION,
                "errors": diags.error_count(),
                "warnings": diags.warning_count(),
                "diagnostics": sorted,
            });
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        Format::Github => {
            for d in &sorted {
                println!("{}", d.github_annotation());
            }
        }
        Format::Sarif => {
            let log = sarif::log(&sorted, &a.common.root);
            println!("{}", serde_json::to_string_pretty(&log).unwrap_or_default());
        }
        Format::Junit => print!("{}", junit::xml(&sorted, a.strict)),
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
