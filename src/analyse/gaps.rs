//! Analysis: what is left to do. Given what a site already has (frameworks taken as implemented
//! in full, or by default the site's own coverage), which of a target framework's counted controls
//! and requirement elements are not yet wholly met, control by control, with the nearest related
//! controls. `crosswalk gaps` prints it; the portal shows it as one page per framework in scope.

use crate::analyse::coverage::{Coverage, Status};
use crate::analyse::overlap::{self, Band};
use crate::model::{Confidence, ElementMask, all_elements};
use crate::resolve::{ControlKey, Model};
use serde::Serialize;
use std::fmt::Write;

/// What the site already has.
#[derive(Debug, Clone)]
pub enum Have {
    /// The site's own coverage: controls its documents and evidence name, and what those meet.
    Site,
    /// These frameworks, taken as implemented in full.
    Frameworks(Vec<usize>),
}

#[derive(Debug, Clone, Serialize)]
pub struct GapReport {
    pub framework: String,
    pub title: String,
    /// The frameworks taken as implemented, or `["site"]` for the site's own coverage.
    pub have: Vec<String>,
    /// Some framework reached the target only through the hub (ISO 27001).
    pub derived: bool,
    pub controls: usize,
    pub controls_met: usize,
    pub controls_mostly_met: usize,
    pub controls_partly_met: usize,
    pub controls_unmet: usize,
    pub elements: usize,
    pub elements_met: usize,
    pub elements_remaining: usize,
    /// Mean share of elements met over the counted controls (0-1).
    pub coverage: f64,
    /// Every counted control not wholly met, in catalog order.
    pub gaps: Vec<ControlGap>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ControlGap {
    pub control: String,
    pub id: String,
    pub title: String,
    pub elements: usize,
    pub met: usize,
    pub remaining: Vec<ElementRef>,
    /// The related controls of what the site has, those meeting most of this one first.
    pub nearest: Vec<Nearest>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ElementRef {
    pub id: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Nearest {
    pub control: String,
    pub title: String,
    /// `<target control> RELATIONSHIP <this control>`.
    pub relationship: &'static str,
    /// How many of the target control's elements this control wholly meets.
    pub meets: usize,
    pub confidence: &'static str,
    /// With the site's own coverage: whether an item of the site names this control.
    pub in_place: bool,
}

/// How many related controls each gap lists.
const NEAREST: usize = 3;

/// The gaps of framework `target` given `have`.
pub fn gaps(model: &Model, coverage: &Coverage, target: usize, have: &Have) -> GapReport {
    let f = &model.frameworks[target];
    let sources: Vec<usize> = match have {
        Have::Site => Vec::new(),
        Have::Frameworks(list) => list.iter().copied().filter(|&b| b != target).collect(),
    };
    let derived = sources
        .iter()
        .any(|&b| !overlap::has_direct(model, target, b));
    let mut r = GapReport {
        framework: f.slug().to_string(),
        title: f.catalog.title.clone(),
        have: match have {
            Have::Site => vec!["site".into()],
            Have::Frameworks(_) => sources
                .iter()
                .map(|&b| model.frameworks[b].slug().to_string())
                .collect(),
        },
        derived,
        controls: 0,
        controls_met: 0,
        controls_mostly_met: 0,
        controls_partly_met: 0,
        controls_unmet: 0,
        elements: 0,
        elements_met: 0,
        elements_remaining: 0,
        coverage: 0.0,
        gaps: Vec::new(),
    };
    let mut sum = 0.0;
    for ci in (0..f.catalog.controls.len()).filter(|&i| f.is_counted(i)) {
        let k = ControlKey {
            fw: target,
            ctl: ci,
        };
        let n = overlap::element_count(model, k);
        let mask = met_mask(model, coverage, k, have, &sources);
        let met = mask.count_ones() as usize;
        let share = met as f64 / n as f64;
        sum += share;
        r.controls += 1;
        r.elements += n;
        r.elements_met += met;
        match Band::of(share) {
            Band::Met => r.controls_met += 1,
            Band::Mostly => r.controls_mostly_met += 1,
            Band::Partly => r.controls_partly_met += 1,
            Band::Unmet => r.controls_unmet += 1,
        }
        if met == n {
            continue;
        }
        let c = &f.catalog.controls[ci];
        let remaining = if c.elements.is_empty() {
            vec![ElementRef {
                id: format!("{}#*", model.control_name(k)),
                label: c.title.clone(),
            }]
        } else {
            c.elements
                .iter()
                .enumerate()
                .filter(|(i, _)| *i >= 64 || mask & (1 << i) == 0)
                .map(|(_, e)| ElementRef {
                    id: format!("{}#{}", model.control_name(k), e.id),
                    label: e.label.clone(),
                })
                .collect()
        };
        r.gaps.push(ControlGap {
            control: model.control_name(k),
            id: c.id.clone(),
            title: c.title.clone(),
            elements: n,
            met,
            remaining,
            nearest: nearest(model, coverage, k, have, &sources),
        });
    }
    r.elements_remaining = r.elements - r.elements_met;
    r.coverage = if r.controls == 0 {
        0.0
    } else {
        (sum / r.controls as f64 * 10_000.0).round() / 10_000.0
    };
    r
}

/// The elements of `k` that what the site has wholly meets.
fn met_mask(
    model: &Model,
    coverage: &Coverage,
    k: ControlKey,
    have: &Have,
    sources: &[usize],
) -> ElementMask {
    let all = all_elements(overlap::element_count(model, k));
    match have {
        Have::Site => {
            let cc = coverage.of(k);
            if cc.status() == Status::Covered {
                all
            } else {
                cc.elements_met & all
            }
        }
        Have::Frameworks(_) => sources
            .iter()
            .fold(0, |m, &b| m | overlap::met_by(model, k, b).any),
    }
}

/// The related controls of what the site has, strongest first: direct crosswalk rows (for a
/// framework reached only through the hub, the hub controls in between).
fn nearest(
    model: &Model,
    coverage: &Coverage,
    k: ControlKey,
    have: &Have,
    sources: &[usize],
) -> Vec<Nearest> {
    let wanted = |fw: usize| match have {
        Have::Site => fw != k.fw,
        Have::Frameworks(_) => {
            sources.contains(&fw)
                || (model.hub == Some(fw)
                    && sources
                        .iter()
                        .any(|&b| !overlap::has_direct(model, k.fw, b)))
        }
    };
    let mut list: Vec<(u32, Confidence, bool, Nearest)> = model
        .relations_of(k)
        .iter()
        .filter(|r| wanted(r.other.fw))
        .map(|r| {
            let in_place = !coverage.of(r.other).direct.is_empty();
            let o = &model.frameworks[r.other.fw].catalog.controls[r.other.ctl];
            (
                r.met.count_ones(),
                r.conf,
                in_place,
                Nearest {
                    control: model.control_name(r.other),
                    title: o.title.clone(),
                    relationship: r.rel.as_str(),
                    meets: r.met.count_ones() as usize,
                    confidence: r.conf.as_str(),
                    in_place: matches!(have, Have::Site) && in_place,
                },
            )
        })
        .collect();
    list.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.cmp(&a.1))
            .then(b.2.cmp(&a.2))
            .then_with(|| a.3.control.cmp(&b.3.control))
    });
    list.into_iter().take(NEAREST).map(|x| x.3).collect()
}

/// One line: "ISO/IEC 27001 to SOC 2: 23 of 61 controls fully met; 41 elements remain".
pub fn headline(model: &Model, r: &GapReport) -> String {
    let from = if r.have == ["site"] {
        "This site".to_string()
    } else {
        r.have
            .iter()
            .map(|s| {
                model
                    .framework(s)
                    .map(|i| model.frameworks[i].catalog.title.clone())
                    .unwrap_or_else(|| s.clone())
            })
            .collect::<Vec<_>>()
            .join(" + ")
    };
    format!(
        "{from} to {}: {} of {} controls fully met; {} of {} elements remain ({} of elements met{})",
        r.title,
        r.controls_met,
        r.controls,
        r.elements_remaining,
        r.elements,
        crate::base::text::pct(r.coverage),
        if r.derived {
            ", derived through the hub"
        } else {
            ""
        }
    )
}

pub fn text(model: &Model, r: &GapReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", headline(model, r));
    let _ = writeln!(
        out,
        "controls: {} met, {} mostly met, {} partly met, {} unmet",
        r.controls_met, r.controls_mostly_met, r.controls_partly_met, r.controls_unmet
    );
    for g in &r.gaps {
        let _ = writeln!(
            out,
            "\n{}  {}  ({} of {} elements met)",
            g.control, g.title, g.met, g.elements
        );
        for e in &g.remaining {
            let id = e.id.rsplit('#').next().unwrap_or("");
            let _ = writeln!(out, "  #{id:<6} {}", e.label);
        }
        if !g.nearest.is_empty() {
            let near: Vec<String> = g.nearest.iter().map(nearest_text).collect();
            let _ = writeln!(out, "  nearest: {}", near.join("; "));
        }
    }
    out
}

fn nearest_text(n: &Nearest) -> String {
    format!(
        "{} ({}, meets {}, {}{})",
        n.control,
        n.relationship,
        n.meets,
        n.confidence,
        if n.in_place { ", in place" } else { "" }
    )
}

/// A Markdown report, ready for an issue or a pull-request comment.
pub fn markdown(model: &Model, r: &GapReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## What is left for {}\n", r.title);
    let _ = writeln!(out, "{}.\n", headline(model, r));
    let _ = writeln!(
        out,
        "| met | mostly met | partly met | unmet |\n|---:|---:|---:|---:|\n| {} | {} | {} | {} |\n",
        r.controls_met, r.controls_mostly_met, r.controls_partly_met, r.controls_unmet
    );
    if r.gaps.is_empty() {
        let _ = writeln!(out, "Every element of every counted control is met.");
    }
    for g in &r.gaps {
        let _ = writeln!(
            out,
            "### {} {}\n\n{} of {} elements met. Remaining:\n",
            g.control,
            md_escape(&g.title),
            g.met,
            g.elements
        );
        for e in &g.remaining {
            let _ = writeln!(out, "- `{}` {}", e.id, md_escape(&e.label));
        }
        if !g.nearest.is_empty() {
            let near: Vec<String> = g.nearest.iter().map(nearest_text).collect();
            let _ = writeln!(out, "\nNearest: {}", md_escape(&near.join("; ")));
        }
        out.push('\n');
    }
    out
}

/// Characters that would start Markdown markup in a label.
fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
