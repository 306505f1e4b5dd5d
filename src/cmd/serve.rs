use crate::Common;
use crosswalk::base::diagnostic::{Diagnostic, Diagnostics};
use crosswalk::serve::{ServeOptions, serve};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Port on 127.0.0.1 (0 picks a free one)
    #[arg(long, default_value_t = 1111)]
    port: u16,
    /// Open the portal in a browser
    #[arg(long)]
    open: bool,
    /// Build into this folder (default: a temporary folder, so a real build is never touched;
    /// it is removed when the server stops)
    #[arg(long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Build profile
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Print how long each stage of every build took
    #[arg(long)]
    timings: bool,
    #[command(flatten)]
    common: Common,
}

pub fn run(a: Args) -> Result<ExitCode, Diagnostics> {
    let root = a.common.root.canonicalize().map_err(|e| {
        Diagnostic::error(&a.common.root, format!("site folder not found: {e}"))
            .with_rule(crosswalk::base::rules::USAGE)
    })?;
    let output = a.output.map(crate::from_cwd);
    let so = ServeOptions {
        port: a.port,
        open: a.open,
        output,
        opts: a.common.options(a.profile),
        timings: a.timings,
    };
    serve(&root, so)?;
    Ok(ExitCode::SUCCESS)
}
