pub mod build;
pub mod check;
pub mod completions;
pub mod frameworks;
pub mod gaps;
pub mod init;
pub mod map;
pub mod oscal;
pub mod overlap;
pub mod package;
pub mod review_pack;
pub mod seal;
#[cfg(feature = "serve")]
pub mod serve;
pub mod verify;

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
