//! `crosswalk gaps`: what is left to do for one framework, as text, Markdown or JSON
//! (docs/json.md).

use crate::{Common, ReportFormat};
use crosswalk::analyse::gaps::{self, Have};
use crosswalk::base::diagnostic::{Diagnostic, Diagnostics};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The framework to reach, e.g. soc2
    framework: String,
    /// Frameworks taken as implemented in full (repeat the flag); default: the site's own coverage
    #[arg(long, value_name = "SLUG")]
    have: Vec<String>,
    /// Build profile whose view of the site's coverage to use (default: the site's
    /// `default_profile`)
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    #[command(flatten)]
    common: Common,
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
}

/// Exit 0 whenever the report ran, whatever it found; 1 on content errors.
pub fn run(a: Args) -> Result<ExitCode, Diagnostics> {
    let analysis = super::analyse_or_empty(&a.common.root, &a.common.options(a.profile.clone()))?;
    let model = &analysis.model;
    let find = |slug: &str| {
        model.framework(slug).ok_or_else(|| {
            let mut d = Diagnostic::error("<command line>", format!("unknown framework `{slug}`"))
                .with_rule(crosswalk::base::rules::USAGE);
            if let Some(s) =
                crosswalk::resolve::nearest(slug, model.frameworks.iter().map(|f| f.slug()), 2)
            {
                d = d.with_hint(format!("did you mean {}?", s.join(" or ")));
            }
            Diagnostics::from(d)
        })
    };
    let target = find(&a.framework)?;
    let have = if a.have.is_empty() {
        Have::Site
    } else {
        Have::Frameworks(a.have.iter().map(|s| find(s)).collect::<Result<_, _>>()?)
    };
    let r = gaps::gaps(model, &analysis.coverage, target, &have);
    super::print_stdout(&match a.format {
        ReportFormat::Json => crosswalk::reports::json::versioned(&r),
        ReportFormat::Text => gaps::text(model, &r),
        ReportFormat::Markdown => gaps::markdown(model, &r),
    })
}
