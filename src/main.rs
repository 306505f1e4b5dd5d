//! The `crosswalk` command: parse arguments, call the library, print diagnostics once, and pick
//! the exit code in one place (0 ok, 1 content errors, 2 usage). Each subcommand is one small
//! file in src/cmd/.

// No function over 150 lines (the threshold is in clippy.toml).
#![deny(clippy::too_many_lines)]

mod cmd;

use clap::{Args, Parser, Subcommand, ValueEnum};
use crosswalk::model::Date;
use crosswalk::site::Options;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "crosswalk",
    version,
    about = "Turn an ISMS kept in git into a static compliance trust portal"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Flags every subcommand takes.
#[derive(Args, Clone)]
pub struct Common {
    /// The site folder (holds crosswalk.yaml)
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
    /// Print nothing but errors
    #[arg(long, short)]
    pub quiet: bool,
    /// Judge freshness as of this date (YYYY-MM-DD) instead of today
    #[arg(long, value_name = "DATE", value_parser = Date::parse)]
    pub today: Option<Date>,
}

impl Common {
    pub fn options(&self, profile: Option<String>) -> Options {
        Options {
            today: self.today,
            profile,
            quiet: self.quiet,
            cache_dir: None,
            force: false,
            stamp_dir: None,
            private_output: false,
            no_wait: false,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Github,
    Sarif,
    Junit,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DataFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Subcommand)]
enum Command {
    /// Build the portal into the output folder
    Build(cmd::build::Args),
    /// Validate the site and report every problem
    Check(cmd::check::Args),
    /// Create a small site that builds at once
    Init(cmd::init::Args),
    /// Make a new site from a comply project or a folder of Markdown policies
    Import(cmd::import::Args),
    /// List the frameworks crosswalk knows, with their control counts
    Frameworks(cmd::frameworks::Args),
    /// Show every control related to one control, across frameworks
    Map(cmd::map::Args),
    /// How much of each framework every other framework covers
    Overlap(cmd::overlap::Args),
    /// What is left to do for one framework: its controls and elements not yet met
    Gaps(cmd::gaps::Args),
    /// Coverage of each framework in scope, as the portal shows it to one profile
    Coverage(cmd::coverage::Args),
    /// The evidence library: each record's artifact, dates, freshness, seal and what it serves
    Evidence(cmd::evidence::Args),
    /// Print the JSON Schema of a JSON output, or list them
    Schema(cmd::schema::Args),
    /// Append new or changed evidence artifacts to the tamper-evident ledger
    Seal(cmd::seal::Args),
    /// Re-hash every sealed artifact and check the ledger's chain and signatures
    Verify(cmd::verify::Args),
    /// Check a portal (or a downloaded copy) against its signed claims manifest, offline
    VerifyPortal(cmd::verify_portal::Args),
    /// Write a self-contained evidence package (folder and .zip) for one audit
    Package(cmd::package::Args),
    /// Print the input pack for the next management review (Markdown)
    ReviewPack(cmd::review_pack::Args),
    /// What the working tree changes in compliance since a git revision (for pull requests)
    Diff(cmd::diff::Args),
    /// Build, serve on 127.0.0.1, rebuild on change and reload open pages
    #[cfg(feature = "serve")]
    Serve(cmd::serve::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions(cmd::completions::Args),
    /// Print the manual page (roff): crosswalk man > crosswalk.1
    Man(cmd::completions::ManArgs),
    /// OSCAL 1.2: export the catalogs and crosswalks, or import a catalog or mapping-collection
    Oscal(cmd::oscal::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Build(a) => cmd::build::run(a),
        Command::Check(a) => cmd::check::run(a),
        Command::Init(a) => cmd::init::run(a),
        Command::Import(a) => cmd::import::run(a),
        Command::Frameworks(a) => cmd::frameworks::run(a),
        Command::Map(a) => cmd::map::run(a),
        Command::Overlap(a) => cmd::overlap::run(a),
        Command::Gaps(a) => cmd::gaps::run(a),
        Command::Coverage(a) => cmd::coverage::run(a),
        Command::Evidence(a) => cmd::evidence::run(a),
        Command::Schema(a) => cmd::schema::run(a),
        Command::Seal(a) => cmd::seal::run(a),
        Command::Verify(a) => cmd::verify::run(a),
        Command::VerifyPortal(a) => cmd::verify_portal::run(a),
        Command::Package(a) => cmd::package::run(a),
        Command::Completions(a) => cmd::completions::run(a),
        Command::Man(a) => cmd::completions::man(a),
        Command::ReviewPack(a) => cmd::review_pack::run(a),
        Command::Diff(a) => cmd::diff::run(a),
        Command::Oscal(a) => cmd::oscal::run(a),
        #[cfg(feature = "serve")]
        Command::Serve(a) => cmd::serve::run(a),
    };
    crosswalk::base::fault::report();
    match result {
        Ok(code) => code,
        Err(diags) => {
            for d in diags.sorted().iter().filter(|d| d.is_error()) {
                eprintln!("{d}");
            }
            ExitCode::from(1)
        }
    }
}

/// A relative `--output` is relative to where the command runs, like any other path argument
/// (not to `--root`).
pub fn from_cwd(path: PathBuf) -> PathBuf {
    if path.is_relative() {
        std::env::current_dir().unwrap_or_default().join(path)
    } else {
        path
    }
}
