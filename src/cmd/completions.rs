//! `crosswalk completions <shell>` and `crosswalk man`: shell completion scripts and the manual
//! page, generated from the same clap definition the command parses with, printed to stdout.

use crate::Common;
use clap::CommandFactory;
use crosswalk::base::diagnostic::{Diagnostic, Diagnostics};
use std::io::Write;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The shell to complete for
    #[arg(value_enum)]
    shell: clap_complete::Shell,
    #[command(flatten)]
    common: Common,
}

#[derive(clap::Args)]
pub struct ManArgs {
    /// A subcommand, for its own page (the main page refers to `crosswalk-<subcommand>(1)`)
    #[arg(value_name = "SUBCOMMAND")]
    subcommand: Option<String>,
    #[command(flatten)]
    common: Common,
}

/// Prints the completion script for `a.shell`; install it where the shell looks (bash:
/// `~/.local/share/bash-completion/completions/crosswalk`; zsh: a folder on `$fpath`, as
/// `_crosswalk`; fish: `~/.config/fish/completions/crosswalk.fish`).
pub fn run(a: Args) -> Result<ExitCode, Diagnostics> {
    let _ = &a.common;
    let mut cmd = crate::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "crosswalk", &mut out);
    print_bytes(&out)
}

/// Prints the manual page (roff): `crosswalk man > crosswalk.1`, or one subcommand's:
/// `crosswalk man build > crosswalk-build.1`.
pub fn man(a: ManArgs) -> Result<ExitCode, Diagnostics> {
    let _ = &a.common;
    let cmd = crate::Cli::command();
    let (page, title) = match &a.subcommand {
        None => (cmd, "crosswalk".to_string()),
        Some(name) => {
            let Some(sub) = cmd.find_subcommand(name).cloned() else {
                let names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
                return Err(
                    Diagnostic::error("<command line>", format!("no subcommand `{name}`"))
                        .with_rule(crosswalk::base::rules::USAGE)
                        .with_hint(format!("one of: {}", names.join(", ")))
                        .into(),
                );
            };
            (
                sub.bin_name(format!("crosswalk {name}")),
                format!("crosswalk-{name}"),
            )
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .title(title)
        .render(&mut out)
        .map_err(|e| {
            Diagnostic::error("<stdout>", format!("cannot render the manual: {e}"))
                .with_rule(crosswalk::base::rules::IO)
        })?;
    print_bytes(&out)
}

fn print_bytes(bytes: &[u8]) -> Result<ExitCode, Diagnostics> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|_| stdout.flush())
        .map_err(|e| {
            Diagnostic::error("<stdout>", format!("cannot write: {e}"))
                .with_rule(crosswalk::base::rules::IO)
        })?;
    Ok(ExitCode::SUCCESS)
}
