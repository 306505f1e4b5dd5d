//! The `crosswalk` command: parse arguments, call the library, print diagnostics once, and pick
//! the exit code in one place (0 ok, 1 content errors, 2 usage).

use clap::{Args, Parser, Subcommand, ValueEnum};
use crosswalk::diagnostic::{Diagnostic, Diagnostics};
use crosswalk::model::{Classification, Date};
use crosswalk::site::{Options, Site};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "crosswalk", version, about = "Turn an ISMS kept in git into a static compliance trust portal")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Common {
    /// The site folder (holds crosswalk.yaml)
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// Print nothing but errors
    #[arg(long, short)]
    quiet: bool,
    /// Judge freshness as of this date (YYYY-MM-DD) instead of today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    today: Option<Date>,
}

#[derive(Subcommand)]
enum Command {
    /// Build the portal into the output folder
    Build {
        #[command(flatten)]
        common: Common,
        /// Output folder (default: `output` in crosswalk.yaml, else public/)
        #[arg(long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// Highest classification to publish: public, internal or confidential
        #[arg(long, value_name = "NAME", value_parser = parse_profile)]
        profile: Option<Classification>,
        /// Print how long each stage took
        #[arg(long)]
        timings: bool,
    },
    /// Validate the site and report every problem
    Check {
        #[command(flatten)]
        common: Common,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Treat warnings (stale evidence, overdue reviews) as errors
        #[arg(long)]
        strict: bool,
    },
    /// Create a small site that builds at once
    Init {
        /// Folder to create (relative to --root)
        dir: PathBuf,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Github,
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s)
}

fn parse_profile(s: &str) -> Result<Classification, String> {
    s.parse()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(diags) => {
            print_diagnostics(&diags);
            ExitCode::from(1)
        }
    }
}

fn one(d: Diagnostic) -> Diagnostics {
    let mut ds = Diagnostics::default();
    ds.push(d);
    ds
}

fn options(c: &Common, profile: Option<Classification>) -> Options {
    Options {
        today: c.today,
        profile,
        quiet: c.quiet,
    }
}

fn run(cli: Cli) -> Result<ExitCode, Diagnostics> {
    match cli.command {
        Command::Build {
            common,
            output,
            profile,
            timings,
        } => {
            let site = Site::open(&common.root).map_err(one)?;
            let output = output.map(|o| if o.is_absolute() { o } else { std::env::current_dir().unwrap_or_default().join(o) });
            let report = site.build(&options(&common, profile), output.as_deref())?;
            if !common.quiet {
                eprintln!(
                    "built {} pages and copied {} evidence files into {} in {} ms{}",
                    report.pages,
                    report.files_copied,
                    report.output.display(),
                    report.timings.last().map_or(0, |t| t.1.as_millis()),
                    if report.warnings > 0 {
                        format!(" ({} warnings: run `crosswalk check`)", report.warnings)
                    } else {
                        String::new()
                    }
                );
            }
            if timings {
                for (stage, d) in &report.timings {
                    eprintln!("{stage:>8}: {:>8.1} ms", d.as_secs_f64() * 1000.0);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { common, format, strict } => {
            let site = Site::open(&common.root).map_err(one)?;
            let diags = site.check(&options(&common, None)).map_err(one)?;
            let failed = diags.has_errors() || (strict && diags.warning_count() > 0);
            let sorted = diags.sorted();
            match format {
                Format::Text => {
                    for d in &sorted {
                        if !(common.quiet && !d.is_error()) {
                            println!("{d}");
                        }
                    }
                    if !common.quiet {
                        eprintln!("{} errors, {} warnings", diags.error_count(), diags.warning_count());
                    }
                }
                Format::Json => {
                    let v = serde_json::json!({
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
            }
            Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Command::Init { dir, common } => {
            let target = common.root.join(&dir);
            crosswalk::init::scaffold(&target).map_err(one)?;
            if !common.quiet {
                eprintln!("created a site in {}; build it with: crosswalk build --root {}", target.display(), target.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_diagnostics(diags: &Diagnostics) {
    let sorted = diags.sorted();
    for d in &sorted {
        if d.is_error() {
            eprintln!("{d}");
        }
    }
    let n = diags.error_count();
    eprintln!("error: {n} problem{} found; nothing was written", if n == 1 { "" } else { "s" });
}
