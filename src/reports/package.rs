//! `crosswalk package <audit>`: a self-contained folder and .zip for one auditor. It holds an
//! index.html, a CSV of control -> evidence (with dates and hashes), the evidence files that
//! audit needs and nothing else, and the controls with no evidence valid during the period.

use crate::analyse::coverage::Item;
use crate::analyse::freshness::evidence_expiry;
use crate::base::diagnostic::{Diagnostic, Diagnostics};
use crate::base::rules;
use crate::model::config::{Audit, Config};
use crate::resolve::{ControlKey, Model, SealState};
use crate::site::{Analysis, Options, Site};
use crate::write::{self, Output};
use serde::Serialize;
use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct PackageReport {
    pub folder: PathBuf,
    pub zip: PathBuf,
    pub controls: usize,
    pub evidence: usize,
    pub gaps: usize,
}

#[derive(Serialize)]
struct Row {
    control: String,
    control_title: String,
    evidence_id: String,
    evidence_title: String,
    /// `direct`, or `inherited via <control>`.
    coverage: String,
    collected: String,
    expires: String,
    valid_in_period: bool,
    sha256: String,
    size: String,
    sealed: String,
    file: String,
    url: String,
}

#[derive(Serialize)]
struct Gap {
    control: String,
    title: String,
    /// Evidence exists but none is valid during the period.
    only_outside_period: bool,
}

#[derive(Serialize)]
struct PackageView {
    audit_id: String,
    audit_title: String,
    framework: String,
    framework_title: String,
    start: String,
    end: String,
    auditor: Option<String>,
    organisation: Option<String>,
    generated: String,
    profile: String,
    controls: usize,
    covered: usize,
    evidence_files: usize,
    rows: Vec<Row>,
    gaps: Vec<Gap>,
    public_key_fingerprint: Option<String>,
}

impl Site {
    /// Writes the package for `audit_id` into `<output>/<audit_id>/` and `<output>/<audit_id>.zip`
    /// (output default: `packages/` in the site). Auditors see everything unless a profile says
    /// otherwise.
    pub fn package(
        &self,
        audit_id: &str,
        opts: &Options,
        output: Option<&Path>,
    ) -> Result<PackageReport, Diagnostics> {
        let audit = find_audit(&self.config, audit_id)?;
        let out_root = output
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.root.join("packages"));
        let folder = write::check_output_dir(&self.root, &out_root.join(&audit.id))?;
        let analysis = analyse_for_auditors(self, opts)?;
        let model = &analysis.model;
        let fi = framework_of(model, audit)?;
        let listing = list_evidence(&analysis, fi, audit);
        let view = package_view(
            model,
            audit,
            fi,
            listing.rows,
            listing.gaps,
            &listing.needed,
        );
        let out = package_files(self, model, &view, &listing.needed)?;
        let zip = publish(&folder, &out)?;
        Ok(PackageReport {
            folder,
            zip,
            controls: view.controls,
            evidence: view.evidence_files,
            gaps: view.gaps.len(),
        })
    }
}

/// The audit declared as `audit_id` in crosswalk.yaml.
fn find_audit<'a>(config: &'a Config, audit_id: &str) -> Result<&'a Audit, Diagnostic> {
    config
        .audits
        .iter()
        .find(|a| a.id == audit_id)
        .ok_or_else(|| {
            let known: Vec<&str> = config.audits.iter().map(|a| a.id.as_str()).collect();
            let hint = if known.is_empty() {
                "declare audits under `audits:` in crosswalk.yaml".to_string()
            } else {
                format!("known audits: {}", known.join(", "))
            };
            Diagnostic::error(
                crate::model::config::CONFIG_FILE,
                format!("no audit `{audit_id}`"),
            )
            .with_rule(rules::USAGE)
            .with_hint(hint)
        })
}

/// The site analysed under the package's profile (default `confidential`), without the
/// build's hash cache; content errors fail the package.
fn analyse_for_auditors(site: &Site, opts: &Options) -> Result<Analysis, Diagnostics> {
    let opts = Options {
        profile: Some(
            opts.profile
                .clone()
                .unwrap_or_else(|| "confidential".into()),
        ),
        cache_dir: None,
        ..opts.clone()
    };
    let analysis = site.analyse(&opts, &mut Vec::new())?;
    if analysis.diagnostics.has_errors() {
        return Err(analysis.diagnostics);
    }
    Ok(analysis)
}

/// The package's files: the two CSVs, index.html and its style sheet, the ledger's public
/// key, and a copy of every evidence file `needed`.
fn package_files(
    site: &Site,
    model: &Model,
    view: &PackageView,
    needed: &BTreeSet<usize>,
) -> Result<Output, Diagnostic> {
    let mut out = Output::default();
    out.files
        .push(("controls-evidence.csv".into(), csv_bytes(&view.rows)?));
    out.files.push(("gaps.csv".into(), csv_bytes(&view.gaps)?));
    let theme = crate::render::Theme::load(&site.root, &site.config.theme)?;
    out.files
        .push(("index.html".into(), theme.render_one("package.html", view)?));
    if let Some(css) = theme.static_files.get("style.css") {
        out.files.push(("style.css".into(), css.clone()));
    }
    if let Some(pk) = &model.public_key {
        out.files
            .push(("ledger-public-key.pem".into(), pk.pem.clone().into_bytes()));
    }
    for &e in needed {
        let r = &model.evidence[e];
        if let Some(a) = &r.artifact {
            out.copies.push((
                format!("evidence/{}/{}", r.ev.meta.id, a.file_name),
                a.absolute.clone(),
                a.sha256.clone(),
            ));
        }
    }
    Ok(out)
}

/// The index of the framework the audit names.
fn framework_of(model: &Model, audit: &Audit) -> Result<usize, Diagnostic> {
    model.framework(&audit.framework).ok_or_else(|| {
        Diagnostic::error(
            crate::model::config::CONFIG_FILE,
            format!(
                "audit `{}` names unknown framework `{}`",
                audit.id, audit.framework
            ),
        )
        .with_rule(rules::UNKNOWN_FRAMEWORK)
    })
}

/// What the package lists for one framework.
struct Listing {
    /// One per control and evidence record serving it, valid in the period or not.
    rows: Vec<Row>,
    /// The controls with no evidence valid in the period.
    gaps: Vec<Gap>,
    /// The evidence records whose files are copied: valid in the period, with an artifact.
    needed: BTreeSet<usize>,
}

/// Goes through the controls of framework `fi` in catalog order, listing the evidence that
/// serves each and whether it is valid during the audit's period.
fn list_evidence(analysis: &Analysis, fi: usize, audit: &Audit) -> Listing {
    let model = &analysis.model;
    let in_period = |i: usize| {
        let m = &model.evidence[i].ev.meta;
        m.collected <= audit.end && evidence_expiry(m) >= audit.start
    };
    let mut listing = Listing {
        rows: Vec::new(),
        gaps: Vec::new(),
        needed: BTreeSet::new(),
    };
    let f = &model.frameworks[fi];
    for ci in 0..f.catalog.controls.len() {
        let k = ControlKey { fw: fi, ctl: ci };
        let serving = serving(analysis, k);
        let valid = serving.iter().any(|(e, _)| in_period(*e));
        if !valid {
            listing.gaps.push(Gap {
                control: f.catalog.controls[ci].id.clone(),
                title: f.catalog.controls[ci].title.clone(),
                only_outside_period: !serving.is_empty(),
            });
        }
        for (e, how) in serving {
            let r = &model.evidence[e];
            let ok = in_period(e);
            if ok && r.artifact.is_some() {
                listing.needed.insert(e);
            }
            listing.rows.push(row(model, k, e, how, ok));
        }
    }
    listing
}

/// The evidence records serving control `k`, each with how: `direct` first, then `inherited
/// via <control>` for records that only reach it through another control.
fn serving(analysis: &Analysis, k: ControlKey) -> Vec<(usize, String)> {
    let cov = analysis.coverage.of(k);
    let mut serving: Vec<(usize, String)> = cov
        .direct
        .iter()
        .filter_map(|i| match i {
            Item::Evidence(e) => Some((*e, "direct".to_string())),
            Item::Document(_) => None,
        })
        .collect();
    for (i, via) in &cov.inherited {
        if let Item::Evidence(e) = i
            && !serving.iter().any(|(s, _)| s == e)
        {
            serving.push((
                *e,
                format!("inherited via {}", analysis.model.control_name(*via)),
            ));
        }
    }
    serving
}

/// What index.html shows.
fn package_view(
    model: &Model,
    audit: &Audit,
    fi: usize,
    rows: Vec<Row>,
    gaps: Vec<Gap>,
    needed: &BTreeSet<usize>,
) -> PackageView {
    let f = &model.frameworks[fi];
    PackageView {
        audit_id: audit.id.clone(),
        audit_title: audit.title(),
        framework: f.slug().to_string(),
        framework_title: format!("{} {}", f.catalog.title, f.catalog.edition),
        start: audit.start.to_string(),
        end: audit.end.to_string(),
        auditor: audit.auditor.clone(),
        organisation: model.config.organisation.clone(),
        generated: model.today.to_string(),
        profile: model.profile.as_str().to_string(),
        controls: f.catalog.controls.len(),
        covered: f.catalog.controls.len() - gaps.len(),
        evidence_files: needed.len(),
        rows,
        gaps,
        public_key_fingerprint: model.public_key.as_ref().map(|k| k.fingerprint.clone()),
    }
}

/// Writes `out` as `folder` and as `folder`.zip, and returns the zip's path. The folder and the
/// zip each appear complete or not at all: the zip is written under a hidden name from the
/// folder's staging copy, the folder swapped in, the zip renamed in.
fn publish(folder: &Path, out: &Output) -> Result<PathBuf, Diagnostic> {
    let zip = folder.with_extension("zip");
    write::clear_leftovers(folder);
    let tmp_zip = write::hidden_tmp(&zip);
    let staging = write::stage(folder, out)?;
    let done = write_zip(&staging, &tmp_zip, folder)
        .and_then(|_| write::swap_in(&staging, folder))
        .and_then(|_| {
            crate::base::fault::point(&zip)
                .and_then(|_| std::fs::rename(&tmp_zip, &zip))
                .map_err(|e| {
                    Diagnostic::error(&zip, format!("cannot move into place: {e}"))
                        .with_rule(rules::IO)
                })
        });
    if done.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
        let _ = std::fs::remove_file(&tmp_zip);
    }
    done?;
    Ok(zip)
}

fn row(model: &Model, k: ControlKey, e: usize, how: String, valid: bool) -> Row {
    let f = &model.frameworks[k.fw];
    let r = &model.evidence[e];
    let m = &r.ev.meta;
    Row {
        control: f.catalog.controls[k.ctl].id.clone(),
        control_title: f.catalog.controls[k.ctl].title.clone(),
        evidence_id: m.id.clone(),
        evidence_title: m.title.clone(),
        coverage: how,
        collected: m.collected.to_string(),
        expires: evidence_expiry(m).to_string(),
        valid_in_period: valid,
        sha256: r
            .artifact
            .as_ref()
            .map(|a| a.sha256.clone())
            .unwrap_or_default(),
        size: r
            .artifact
            .as_ref()
            .map(|a| a.size.to_string())
            .unwrap_or_default(),
        sealed: match &r.seal {
            SealState::Sealed { sealed_at, .. } => sealed_at.clone(),
            SealState::Changed { .. } => "changed since sealed".into(),
            SealState::Unsealed => "not sealed".into(),
            SealState::External => String::new(),
        },
        file: match (&r.artifact, valid) {
            (Some(a), true) => format!("evidence/{}/{}", m.id, a.file_name),
            _ => String::new(),
        },
        url: m.url.clone().unwrap_or_default(),
    }
}

fn csv_bytes<T: Serialize>(rows: &[T]) -> Result<Vec<u8>, Diagnostic> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r).map_err(|e| {
            Diagnostic::error("package", format!("cannot write CSV: {e}")).with_rule(rules::IO)
        })?;
    }
    w.into_inner().map_err(|e| {
        Diagnostic::error("package", format!("cannot write CSV: {e}")).with_rule(rules::IO)
    })
}

/// Zips `folder` (without crosswalk's marker file) into `tmp`, its entries under the name of
/// `named` (the folder the package is published as). Entries are sorted, timestamps fixed: the
/// same package gives the same bytes.
fn write_zip(folder: &Path, tmp: &Path, named: &Path) -> Result<(), Diagnostic> {
    let zip = tmp;
    let err = |e: &dyn std::fmt::Display| {
        Diagnostic::error(zip, format!("cannot write zip: {e}")).with_rule(rules::IO)
    };
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(folder)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.file_name() != write::MARKER)
        .map(|e| e.into_path())
        .collect();
    files.sort();
    crate::base::fault::point(tmp).map_err(|e| err(&e))?;
    let file = std::fs::File::create(tmp).map_err(|e| err(&e))?;
    let mut w = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let prefix = named
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for p in files {
        let rel = p
            .strip_prefix(folder)
            .unwrap_or(&p)
            .to_string_lossy()
            .replace('\\', "/");
        w.start_file(format!("{prefix}/{rel}"), options)
            .map_err(|e| err(&e))?;
        let mut src = std::fs::File::open(&p).map_err(|e| err(&e))?;
        std::io::copy(&mut src, &mut w).map_err(|e| err(&e))?;
    }
    let mut inner = w.finish().map_err(|e| err(&e))?;
    inner.flush().map_err(|e| err(&e))?;
    Ok(())
}
