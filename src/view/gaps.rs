//! The page of what is left to do for a framework in scope: each control not yet met with the
//! elements it still lacks and the nearest controls that would meet them, and how far each other
//! framework in scope already takes it.

use super::links::{ControlLink, control_link};
use super::page::{PageSpec, spec};
use super::paths::{fw_url, gaps_url};
use crate::analyse::coverage::Coverage;
use crate::analyse::gaps::{self, GapReport, Have};
use crate::base::text::pct;
use crate::resolve::{ControlKey, Model};
use serde::Serialize;

#[derive(Serialize)]
struct GapsView {
    title: String,
    slug: String,
    framework_url: String,
    headline: String,
    controls: usize,
    controls_met: usize,
    controls_mostly_met: usize,
    controls_partly_met: usize,
    controls_unmet: usize,
    elements: usize,
    elements_remaining: usize,
    coverage: String,
    gaps: Vec<Gap>,
    from_others: Vec<FromOther>,
}

/// A control not yet met in full.
#[derive(Serialize)]
struct Gap {
    control: ControlLink,
    met: usize,
    elements: usize,
    remaining: Vec<gaps::ElementRef>,
    nearest: Vec<Near>,
}

/// A control that would meet some of a gap's remaining elements.
#[derive(Serialize)]
struct Near {
    control: ControlLink,
    relationship: &'static str,
    meets: usize,
    confidence: &'static str,
    in_place: bool,
}

/// How far another framework in scope already takes this one.
#[derive(Serialize)]
struct FromOther {
    headline: String,
    slug: String,
    controls_met: usize,
    elements_remaining: usize,
    coverage: String,
    derived: bool,
}

/// What is left to do for framework `fw`.
pub(super) fn gaps_page(model: &Model, cov: &Coverage, fw: usize) -> PageSpec {
    let r = gaps::gaps(model, cov, fw, &Have::Site);
    let f = &model.frameworks[fw];
    let view = GapsView {
        title: f.catalog.title.clone(),
        slug: f.slug().to_string(),
        framework_url: fw_url(f.slug()),
        headline: gaps::headline(model, &r),
        controls: r.controls,
        controls_met: r.controls_met,
        controls_mostly_met: r.controls_mostly_met,
        controls_partly_met: r.controls_partly_met,
        controls_unmet: r.controls_unmet,
        elements: r.elements,
        elements_remaining: r.elements_remaining,
        coverage: pct(r.coverage),
        gaps: gap_rows(model, cov, &r),
        from_others: from_others(model, cov, fw),
    };
    spec(
        gaps_url(f.slug()),
        "gaps.html",
        format!("What is left for {}", f.catalog.title),
        "frameworks",
        view,
    )
}

/// The report's gaps, with links to their controls (a control the model does not know is left
/// out).
fn gap_rows(model: &Model, cov: &Coverage, r: &GapReport) -> Vec<Gap> {
    let link = |name: &str| -> Option<ControlLink> {
        let (f, id) = crate::model::ControlRef::split(name)?;
        let fi = model.framework(f)?;
        let ci = model.frameworks[fi].control(id)?;
        Some(control_link(model, cov, ControlKey { fw: fi, ctl: ci }))
    };
    r.gaps
        .iter()
        .filter_map(|g| {
            Some(Gap {
                control: link(&g.control)?,
                met: g.met,
                elements: g.elements,
                remaining: g.remaining.clone(),
                nearest: g
                    .nearest
                    .iter()
                    .filter_map(|n| {
                        Some(Near {
                            control: link(&n.control)?,
                            relationship: n.relationship,
                            meets: n.meets,
                            confidence: n.confidence,
                            in_place: n.in_place,
                        })
                    })
                    .collect(),
            })
        })
        .collect()
}

/// How far each other framework in scope takes framework `fw`.
fn from_others(model: &Model, cov: &Coverage, fw: usize) -> Vec<FromOther> {
    (0..model.frameworks.len())
        .filter(|&b| b != fw && model.frameworks[b].in_scope)
        .map(|b| {
            let o = gaps::gaps(model, cov, fw, &Have::Frameworks(vec![b]));
            FromOther {
                headline: gaps::headline(model, &o),
                slug: model.frameworks[b].slug().to_string(),
                controls_met: o.controls_met,
                elements_remaining: o.elements_remaining,
                coverage: pct(o.coverage),
                derived: o.derived,
            }
        })
        .collect()
}
