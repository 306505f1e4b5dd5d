use crate::Common;
use crosswalk::base::diagnostic::Diagnostics;
use crosswalk::site::Site;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The audit's id, as declared under `audits:` in crosswalk.yaml
    audit: String,
    /// Folder to write into (default: packages/ in the site)
    #[arg(long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Build profile (default: confidential: auditors see everything)
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    #[command(flatten)]
    common: Common,
}

pub fn run(a: Args) -> Result<ExitCode, Diagnostics> {
    let site = Site::open(&a.common.root)?;
    let output = a.output.map(crate::from_cwd);
    let r = site.package(&a.audit, &a.common.options(a.profile), output.as_deref())?;
    if !a.common.quiet {
        eprintln!(
            "package for {}: {} controls, {} evidence files, {} controls without evidence valid in the period\n  {}\n  {}",
            a.audit,
            r.controls,
            r.evidence,
            r.gaps,
            r.folder.display(),
            r.zip.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
