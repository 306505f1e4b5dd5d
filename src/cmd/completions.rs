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
    /// A subcommand, for its own page (the main page refers to `crosswalk-<subcommand>(1)`); a
    /// nested one by its path: `crosswalk man import comply` or `crosswalk man import-comply`
    #[arg(value_name = "SUBCOMMAND", num_args = 0..)]
    subcommand: Vec<String>,
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
/// `crosswalk man build > crosswalk-build.1`, `crosswalk man import comply >
/// crosswalk-import-comply.1`. A page's SEE ALSO names its subcommands' pages the same way.
pub fn man(a: ManArgs) -> Result<ExitCode, Diagnostics> {
    let _ = &a.common;
    let path: Vec<&str> = a.subcommand.iter().flat_map(|s| s.split('-')).collect();
    // Names may hold dashes (`review-pack`, `verify-portal`): the longest run of parts that names
    // a subcommand wins.
    // clap's `help` subcommand has no page of its own: leave it out of SEE ALSO.
    let mut page = crate::Cli::command().disable_help_subcommand(true);
    let mut names = vec!["crosswalk".to_string()];
    let mut i = 0;
    while i < path.len() {
        let found = (i + 1..=path.len()).rev().find_map(|j| {
            page.find_subcommand(path[i..j].join("-"))
                .map(|c| (j, c.clone()))
        });
        let Some((j, sub)) = found else {
            let known: Vec<&str> = page.get_subcommands().map(|c| c.get_name()).collect();
            return Err(Diagnostic::error(
                "<command line>",
                format!(
                    "no subcommand `{}` of `{}`",
                    path[i..].join(" "),
                    names.join(" ")
                ),
            )
            .with_rule(crosswalk::base::rules::USAGE)
            .with_hint(format!("one of: {}", known.join(", ")))
            .into());
        };
        names.push(sub.get_name().to_string());
        page = sub.disable_help_subcommand(true);
        i = j;
    }
    let title = names.join("-");
    let page = page
        .display_name(title.clone())
        .bin_name(names.join(" "))
        .version(env!("CARGO_PKG_VERSION"));
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
