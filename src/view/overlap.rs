//! The overlap pages: the matrix of how far each framework is met through each other, one page
//! per pair (every control of one, the controls of the other it maps to, its elements met), and
//! the legend of the four relationships.

use super::links::{ControlLink, control_link};
use super::page::{PageSpec, spec};
use super::paths::{OVERLAP_PATH, pair_url};
use crate::analyse::coverage::Coverage;
use crate::analyse::overlap::Pair;
use crate::base::text::pct;
use crate::model::Relationship;
use crate::resolve::{ControlKey, Model};
use serde::Serialize;

/// How far one framework is met through another: a cell of the matrix.
#[derive(Serialize)]
pub(super) struct OverlapCell {
    from: String,
    to: String,
    url: String,
    full: String,
    partial: String,
    weighted: String,
    /// Union coverage: the mean share of the row framework's elements met.
    coverage: String,
    coverage_high: String,
    controls: usize,
    met: usize,
    mostly_met: usize,
    partly_met: usize,
    unmet: usize,
    /// 0-10, for the heat map's colour class.
    heat: i64,
    derived: bool,
}

pub(super) fn overlap_cell(model: &Model, p: &Pair) -> OverlapCell {
    OverlapCell {
        from: model.frameworks[p.from].slug().to_string(),
        to: model.frameworks[p.to].slug().to_string(),
        url: pair_url(model, p.from, p.to),
        full: pct(p.full_ratio()),
        partial: pct(p.partial_ratio()),
        weighted: pct(p.weighted()),
        coverage: pct(p.coverage()),
        coverage_high: pct(p.coverage_high()),
        controls: p.controls,
        met: p.met,
        mostly_met: p.mostly_met,
        partly_met: p.partly_met,
        unmet: p.unmet,
        heat: (p.coverage() * 10.0).round() as i64,
        derived: p.derived,
    }
}

/// The matrix: a row per framework, a cell per other framework it is met through.
pub(super) fn overlap_index(model: &Model, pairs: &[Pair]) -> PageSpec {
    #[derive(Serialize)]
    struct Row {
        slug: String,
        title: String,
        cells: Vec<Option<OverlapCell>>,
    }
    #[derive(Serialize)]
    struct V {
        columns: Vec<String>,
        rows: Vec<Row>,
    }
    let n = model.frameworks.len();
    let rows = (0..n)
        .map(|a| Row {
            slug: model.frameworks[a].slug().to_string(),
            title: model.frameworks[a].catalog.title.clone(),
            cells: (0..n)
                .map(|b| {
                    pairs
                        .iter()
                        .find(|p| p.from == a && p.to == b)
                        .map(|p| overlap_cell(model, p))
                })
                .collect(),
        })
        .collect();
    let columns = model
        .frameworks
        .iter()
        .map(|f| f.slug().to_string())
        .collect();
    spec(
        OVERLAP_PATH.into(),
        "overlap.html",
        "Framework overlap".into(),
        "overlap",
        V { columns, rows },
    )
}

/// How far framework `p.from` is met through `p.to`, control by control.
pub(super) fn pair_page(model: &Model, cov: &Coverage, p: &Pair) -> PageSpec {
    #[derive(Serialize)]
    struct LinkRow {
        to: ControlLink,
        relationship: &'static str,
        phrase: &'static str,
        full: bool,
        via: Option<ControlLink>,
    }
    #[derive(Serialize)]
    struct Row {
        control: ControlLink,
        links: Vec<LinkRow>,
        full: bool,
        /// Elements met by the column framework, of how many, and the band.
        met: u32,
        elements: u32,
        band: &'static str,
    }
    #[derive(Serialize)]
    struct V {
        cell: OverlapCell,
        from_title: String,
        to_title: String,
        controls: usize,
        full_count: usize,
        partial_count: usize,
        mapped: Vec<Row>,
        unmapped: Vec<ControlLink>,
        hub: Option<String>,
    }
    let mut mapped = Vec::new();
    let mut unmapped = Vec::new();
    for ((ci, links), met) in p.rows.iter().zip(&p.elements) {
        let k = ControlKey {
            fw: p.from,
            ctl: *ci,
        };
        if links.is_empty() {
            unmapped.push(control_link(model, cov, k));
        } else {
            mapped.push(Row {
                control: control_link(model, cov, k),
                full: links.iter().any(|l| l.rel.is_full()),
                met: met.met_count(),
                elements: met.elements,
                band: met.band().as_str(),
                links: links
                    .iter()
                    .map(|l| LinkRow {
                        to: control_link(model, cov, l.to),
                        relationship: l.rel.as_str(),
                        phrase: l.rel.phrase(),
                        full: l.rel.is_full(),
                        via: l.via.map(|v| control_link(model, cov, v)),
                    })
                    .collect(),
            });
        }
    }
    let view = V {
        cell: overlap_cell(model, p),
        from_title: model.frameworks[p.from].catalog.title.clone(),
        to_title: model.frameworks[p.to].catalog.title.clone(),
        controls: p.controls,
        full_count: p.full,
        partial_count: p.partial,
        mapped,
        unmapped,
        hub: model.hub.map(|h| model.frameworks[h].slug().to_string()),
    };
    let title = format!(
        "{} → {}",
        model.frameworks[p.from].slug(),
        model.frameworks[p.to].slug()
    );
    spec(
        pair_url(model, p.from, p.to),
        "overlap_pair.html",
        title,
        "overlap",
        view,
    )
}

/// A relationship's name and what it means.
#[derive(Serialize)]
pub struct LegendEntry {
    pub name: &'static str,
    pub meaning: &'static str,
}

/// The four relationships, explained once for every page that shows them.
pub fn relationship_legend() -> Vec<LegendEntry> {
    use Relationship::*;
    [
        (Equal, "both controls ask for the same thing"),
        (SubsetOf, "meeting the other control fully meets this one"),
        (SupersetOf, "this control asks for more than the other"),
        (
            Intersects,
            "they share some requirements; each has some the other lacks",
        ),
    ]
    .into_iter()
    .map(|(r, meaning)| LegendEntry {
        name: r.as_str(),
        meaning,
    })
    .collect()
}
