pub mod build;
pub mod check;
pub mod completions;
pub mod coverage;
pub mod diff;
pub mod evidence;
pub mod frameworks;
pub mod gaps;
pub mod import;
pub mod init;
pub mod map;
pub mod oscal;
pub mod overlap;
pub mod package;
pub mod review_pack;
pub mod schema;
pub mod seal;
#[cfg(feature = "serve")]
pub mod serve;
pub mod verify;
pub mod verify_portal;

use crosswalk::base::diagnostic::Diagnostics;
use crosswalk::site::{Analysis, Options, Site};

/// Loads and analyses the site at `root` (or the built-in mappings alone where there is no site),
/// failing on content errors.
pub fn analyse_or_empty(root: &std::path::Path, opts: &Options) -> Result<Analysis, Diagnostics> {
    let site = Site::open_or_empty(root)?;
    let analysis = site.analyse(opts, &mut Vec::new())?;
    if analysis.diagnostics.has_errors() {
        return Err(analysis.diagnostics);
    }
    Ok(analysis)
}

/// Opens the site at `root` (it must have a crosswalk.yaml) and analyses it for `profile` (default:
/// the site's `default_profile`), failing on content errors. Returns the profile's name too. Reads
/// the last build's hash cache, as `check` does, and writes nothing.
pub fn analyse_site(
    common: &crate::Common,
    profile: Option<String>,
) -> Result<(Analysis, String), Diagnostics> {
    let site = Site::open(&common.root)?;
    let name = profile.unwrap_or_else(|| site.config.default_profile.clone());
    let mut opts = common.options(Some(name.clone()));
    opts.cache_dir = Some(site.root.join(&site.config.output));
    let analysis = site.analyse(&opts, &mut Vec::new())?;
    if analysis.diagnostics.has_errors() {
        return Err(analysis.diagnostics);
    }
    Ok((analysis, name))
}

/// Prints `text` to stdout as it is. A reader that closed the pipe early (`| head`) is not an
/// error; any other failure to write is.
pub fn print_stdout(text: &str) -> Result<std::process::ExitCode, Diagnostics> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(crosswalk::base::diagnostic::Diagnostic::error(
                "<stdout>",
                format!("cannot write: {e}"),
            )
            .with_rule(crosswalk::base::rules::IO)
            .into())
        }
        _ => Ok(std::process::ExitCode::SUCCESS),
    }
}
