//! `crosswalk coverage`: per framework in scope, the figures the portal's framework pages show
//! (covered, inherited, partial, gaps, the coverage fraction) with the SoA's exclusions and the
//! element coverage of the gap pages beside them, and optionally every control's status. A
//! serialisable value (the JSON shape, docs/schemas/coverage.schema.json) with a text table.

use crate::analyse::coverage::{Coverage, Item, Status, by_item};
use crate::analyse::gaps::{self, Have};
use crate::analyse::overlap::element_count;
use crate::base::text::pct;
use crate::reports::json::round4;
use crate::resolve::{ControlKey, Model};
use serde::Serialize;
use std::fmt::Write;

#[derive(Serialize)]
pub struct CoverageReport {
    /// The profile's name, and the highest classification it shows.
    pub profile: String,
    pub classification: &'static str,
    /// The date freshness was judged by.
    pub today: String,
    pub frameworks: Vec<FrameworkCoverage>,
}

/// One framework's figures, over its counted controls (as the portal's headline).
#[derive(Serialize)]
pub struct FrameworkCoverage {
    pub framework: String,
    pub title: String,
    pub edition: String,
    pub controls: usize,
    pub covered: usize,
    pub inherited: usize,
    pub partial: usize,
    /// Not covered at all.
    pub gap: usize,
    /// Counted controls the Statement of Applicability marks not applicable (ISO 27001 only);
    /// they stay in the counts above, as on the portal.
    pub excluded: usize,
    /// Catalog entries outside the headline figure (groups marked `counted: false`).
    pub not_counted: usize,
    /// Covered or inherited controls with no valid evidence behind them.
    pub without_fresh_evidence: usize,
    /// (covered + inherited) / controls, 0-1.
    pub coverage: f64,
    /// Requirement elements met, as the gap pages count them; null when no counted control of
    /// the catalog lists elements.
    pub elements: Option<ElementCoverage>,
    /// Every catalog entry with its status, with `--controls`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_control: Option<Vec<ControlStatus>>,
}

#[derive(Serialize)]
pub struct ElementCoverage {
    /// Elements of the counted controls (a control without elements counts as one).
    pub total: usize,
    pub met: usize,
    pub remaining: usize,
    /// The mean share of each counted control's elements met, 0-1.
    pub coverage: f64,
}

#[derive(Serialize)]
pub struct ControlStatus {
    pub control: String,
    pub id: String,
    pub title: String,
    pub group: String,
    pub counted: bool,
    pub status: Status,
    pub excluded: bool,
    pub elements: usize,
    pub elements_met: usize,
    /// Ids of the documents and evidence records that name the control.
    pub covered_by: Vec<String>,
    /// For an inherited or partial control: the named controls it is met through, each once.
    pub through: Vec<String>,
    pub fresh_evidence: bool,
}

/// The coverage of every framework in scope, for the profile named `profile`; with
/// `per_control`, every control's status too.
pub fn coverage(model: &Model, cov: &Coverage, profile: &str, per_control: bool) -> CoverageReport {
    let frameworks = (0..model.frameworks.len())
        .filter(|&fi| model.frameworks[fi].in_scope)
        .map(|fi| framework(model, cov, fi, per_control))
        .collect();
    CoverageReport {
        profile: profile.to_string(),
        classification: model.profile.as_str(),
        today: model.today.to_string(),
        frameworks,
    }
}

fn framework(model: &Model, cov: &Coverage, fi: usize, per_control: bool) -> FrameworkCoverage {
    let f = &model.frameworks[fi];
    let s = &cov.summaries[fi];
    let excluded = soa_excluded(model, fi);
    let counted = |ci: usize| f.is_counted(ci);
    let has_elements = f
        .catalog
        .controls
        .iter()
        .enumerate()
        .any(|(ci, c)| counted(ci) && !c.elements.is_empty());
    let elements = has_elements.then(|| {
        let g = gaps::gaps(model, cov, fi, &Have::Site);
        ElementCoverage {
            total: g.elements,
            met: g.elements_met,
            remaining: g.elements_remaining,
            coverage: g.coverage,
        }
    });
    FrameworkCoverage {
        framework: f.slug().to_string(),
        title: f.catalog.title.clone(),
        edition: f.catalog.edition.clone(),
        controls: s.controls,
        covered: s.covered,
        inherited: s.inherited,
        partial: s.partial,
        gap: s.gap,
        excluded: (0..excluded.len())
            .filter(|&ci| excluded[ci] && counted(ci))
            .count(),
        not_counted: f.catalog.controls.len() - s.controls,
        without_fresh_evidence: s.without_fresh_evidence,
        coverage: round4(s.ratio()),
        elements,
        per_control: per_control.then(|| {
            (0..f.catalog.controls.len())
                .map(|ci| control_status(model, cov, ControlKey { fw: fi, ctl: ci }, &excluded))
                .collect()
        }),
    }
}

/// For each control of framework `fi`: whether the Statement of Applicability (which speaks of
/// ISO 27001 Annex A alone) marks it not applicable. All false when the profile hides the SoA.
fn soa_excluded(model: &Model, fi: usize) -> Vec<bool> {
    let f = &model.frameworks[fi];
    let mut out = vec![false; f.catalog.controls.len()];
    if f.slug() != crate::resolve::HUB {
        return out;
    }
    if let Some(soa) = &model.records.soa {
        for e in soa.value.controls.iter().filter(|e| !e.applicable) {
            if let Some(ci) = f.control(&e.control) {
                out[ci] = true;
            }
        }
    }
    out
}

fn item_id(model: &Model, item: Item) -> String {
    match item {
        Item::Document(i) => model.documents[i].doc.meta.id.clone(),
        Item::Evidence(i) => model.evidence[i].ev.meta.id.clone(),
    }
}

fn control_status(
    model: &Model,
    cov: &Coverage,
    k: ControlKey,
    excluded: &[bool],
) -> ControlStatus {
    let f = &model.frameworks[k.fw];
    let c = &f.catalog.controls[k.ctl];
    let cc = cov.of(k);
    let status = cc.status();
    let n = element_count(model, k);
    let via = match status {
        Status::Inherited => &cc.inherited[..],
        Status::Partial => &cc.partial[..],
        Status::Covered | Status::Gap => &[],
    };
    let mut through: Vec<ControlKey> = by_item(via).flat_map(|(_, ks)| ks).collect();
    through.sort();
    through.dedup();
    ControlStatus {
        control: model.control_name(k),
        id: c.id.clone(),
        title: c.title.clone(),
        group: c.group.clone(),
        counted: f.is_counted(k.ctl),
        status,
        excluded: excluded[k.ctl],
        elements: n,
        // A control named directly meets every element, as its page shows.
        elements_met: if status == Status::Covered {
            n
        } else {
            (cc.met_count() as usize).min(n)
        },
        covered_by: cc.direct.iter().map(|&i| item_id(model, i)).collect(),
        through: through.into_iter().map(|k| model.control_name(k)).collect(),
        fresh_evidence: cc.fresh_evidence,
    }
}

/// A table, a row per framework; with per-control statuses, a list of each framework's controls.
pub fn text(r: &CoverageReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Coverage as of {}, profile {} (shows up to {})",
        r.today, r.profile, r.classification
    );
    if r.frameworks.is_empty() {
        let _ = writeln!(out, "no framework in scope (crosswalk.yaml `frameworks:`)");
        return out;
    }
    let _ = writeln!(
        out,
        "{:<16} {:>8} {:>8} {:>9} {:>7} {:>5} {:>8} {:>8}  ELEMENTS MET",
        "FRAMEWORK", "CONTROLS", "COVERED", "INHERITED", "PARTIAL", "GAP", "EXCLUDED", "COVERAGE"
    );
    for f in &r.frameworks {
        let elements = match &f.elements {
            Some(e) => format!("{} ({} of {})", pct(e.coverage), e.met, e.total),
            None => "-".into(),
        };
        let _ = writeln!(
            out,
            "{:<16} {:>8} {:>8} {:>9} {:>7} {:>5} {:>8} {:>8}  {elements}",
            f.framework,
            f.controls,
            f.covered,
            f.inherited,
            f.partial,
            f.gap,
            f.excluded,
            pct(f.coverage),
        );
    }
    for f in &r.frameworks {
        let Some(list) = &f.per_control else {
            continue;
        };
        let _ = writeln!(out, "\n{} {}", f.title, f.edition);
        for c in list {
            let mut notes = Vec::new();
            if c.excluded {
                notes.push("excluded by the SoA".to_string());
            }
            if !c.counted {
                notes.push("not counted".to_string());
            }
            if c.status == Status::Partial {
                notes.push(format!("{} of {} elements met", c.elements_met, c.elements));
            }
            let notes = if notes.is_empty() {
                String::new()
            } else {
                format!("  ({})", notes.join("; "))
            };
            let _ = writeln!(
                out,
                "  {:<24} {:<9} {}{notes}",
                c.control,
                c.status.label(),
                c.title
            );
        }
    }
    out
}
