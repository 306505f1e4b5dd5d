//! `crosswalk oscal export --out DIR` and `crosswalk oscal import FILE`: OSCAL 1.2 catalogs and
//! mapping-collections, out of and into a site (docs/oscal.md).

use crate::Common;
use crosswalk::base::diagnostic::{Diagnostic, Diagnostics, display_path};
use crosswalk::oscal::{self, ImportOptions};
use crosswalk::site::Site;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Oscal,
}

#[derive(clap::Subcommand)]
enum Oscal {
    /// Write every catalog as an OSCAL catalog and every crosswalk as an OSCAL mapping-collection
    Export(ExportArgs),
    /// Add an OSCAL catalog or mapping-collection (JSON) to the site's own mappings/
    Import(ImportArgs),
}

#[derive(clap::Args)]
struct ExportArgs {
    /// The folder to write (catalogs/ and mappings/ inside); replaced whole
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// metadata.last-modified of every file: YYYY-MM-DD or an RFC 3339 time [default:
    /// $SOURCE_DATE_EPOCH, else 1970-01-01T00:00:00Z; never the clock]
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    last_modified: Option<String>,
    #[command(flatten)]
    common: Common,
}

#[derive(clap::Args)]
struct ImportArgs {
    /// The OSCAL JSON file: a catalog or a mapping-collection
    file: PathBuf,
    /// A catalog's slug [default: the one crosswalk exported it with, else made from its title]
    #[arg(long, value_name = "SLUG", value_parser = parse_slug)]
    slug: Option<String>,
    /// The framework a mapping-collection's source resource is, when the file does not say
    #[arg(long, value_name = "SLUG")]
    source: Option<String>,
    /// The framework a mapping-collection's target resource is, when the file does not say
    #[arg(long, value_name = "SLUG")]
    target: Option<String>,
    /// Replace files of the same name in the site's mappings/
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    common: Common,
}

fn parse_time(s: &str) -> Result<String, String> {
    oscal::last_modified(Some(s))
}

fn parse_slug(s: &str) -> Result<String, String> {
    if oscal::valid_slug(s) {
        Ok(s.to_string())
    } else {
        Err("use lowercase letters, digits and `-`".into())
    }
}

pub fn run(a: Args) -> Result<ExitCode, Diagnostics> {
    match a.command {
        Oscal::Export(a) => export(a),
        Oscal::Import(a) => import(a),
    }
}

fn export(a: ExportArgs) -> Result<ExitCode, Diagnostics> {
    let last_modified = match a.last_modified {
        Some(t) => t,
        None => oscal::last_modified(None).map_err(|m| {
            Diagnostic::error("SOURCE_DATE_EPOCH", m).with_rule(crosswalk::base::rules::USAGE)
        })?,
    };
    let site = Site::open_or_empty(&a.common.root)?;
    let analysis = site.analyse(&a.common.options(None), &mut Vec::new())?;
    // Problems in the mappings stop an export; problems elsewhere in the site do not.
    let mapping_errors: Vec<Diagnostic> = analysis
        .diagnostics
        .sorted()
        .into_iter()
        .filter(|d| {
            let p = display_path(&d.path);
            d.is_error() && (p.starts_with("mappings/") || p.starts_with("<built-in>/mappings/"))
        })
        .collect();
    if !mapping_errors.is_empty() {
        let mut all = Diagnostics::default();
        all.extend(mapping_errors);
        return Err(all);
    }
    let out = crate::from_cwd(a.out);
    let out = crosswalk::write::check_output_dir(&a.common.root, &out).map_err(|mut d| {
        d.path = "<command line>".into();
        d.hint = Some("give --out a folder of its own, e.g. oscal/".into());
        d
    })?;
    let r = oscal::export(&analysis.model, &out, &last_modified)?;
    if !a.common.quiet {
        println!(
            "wrote {}: {} catalogs, {} mapping-collections ({} maps), OSCAL {}",
            r.out.display(),
            r.catalogs,
            r.collections,
            r.maps,
            oscal::OSCAL_VERSION
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn import(a: ImportArgs) -> Result<ExitCode, Diagnostics> {
    let site = Site::open_or_empty(&a.common.root)?;
    let analysis = site.analyse(&a.common.options(None), &mut Vec::new())?;
    let opts = ImportOptions {
        slug: a.slug,
        source: a.source,
        target: a.target,
        force: a.force,
    };
    let file = crate::from_cwd(a.file);
    let r = oscal::import(&a.common.root, &analysis.model, &file, &opts)?;
    if !a.common.quiet {
        for line in &r.lines {
            println!("{line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
