//! Reports for the terminal and for scripts: `crosswalk frameworks`, `map` and `overlap`.
//! Each is a serialisable value (the JSON shape) with a plain-text table beside it.

use crate::analyse::overlap::{self, Pair};
use crate::model::ControlRef;
use crate::resolve::{ControlKey, Model};
use serde::Serialize;
use std::fmt::Write;

#[derive(Serialize)]
pub struct FrameworkInfo {
    pub slug: String,
    pub edition: String,
    pub title: String,
    /// Counted controls (see `counts`).
    pub controls: usize,
    /// Every entry in the catalog, counted or not.
    pub entries: usize,
    pub counts: Option<String>,
    pub in_scope: bool,
    pub groups: Vec<GroupInfo>,
    pub sources: Vec<crate::model::Source>,
}

#[derive(Serialize)]
pub struct GroupInfo {
    pub id: String,
    pub title: String,
    pub controls: usize,
    pub counted: bool,
}

pub fn frameworks(model: &Model) -> Vec<FrameworkInfo> {
    model
        .frameworks
        .iter()
        .map(|f| {
            let groups: Vec<GroupInfo> = f
                .catalog
                .groups
                .iter()
                .map(|g| GroupInfo {
                    id: g.id.clone(),
                    title: g.title.clone(),
                    controls: f
                        .catalog
                        .controls
                        .iter()
                        .filter(|c| c.group == g.id)
                        .count(),
                    counted: g.counted,
                })
                .collect();
            FrameworkInfo {
                slug: f.slug().to_string(),
                edition: f.catalog.edition.clone(),
                title: f.catalog.title.clone(),
                controls: (0..f.catalog.controls.len())
                    .filter(|&i| f.is_counted(i))
                    .count(),
                entries: f.catalog.controls.len(),
                counts: f.catalog.counts.clone(),
                in_scope: f.in_scope,
                groups,
                sources: f.catalog.sources.clone(),
            }
        })
        .collect()
}

pub fn frameworks_text(list: &[FrameworkInfo]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<16} {:<10} {:>8}  {:<7} TITLE",
        "SLUG", "EDITION", "CONTROLS", "GROUPS"
    );
    for f in list {
        let counted = f.groups.iter().filter(|g| g.counted).count();
        let _ = writeln!(
            out,
            "{:<16} {:<10} {:>8}  {:<7} {}{}",
            f.slug,
            f.edition,
            f.controls,
            counted,
            f.title,
            if f.in_scope { "  (in scope)" } else { "" }
        );
    }
    out
}

#[derive(Serialize)]
pub struct MapReport {
    pub control: String,
    pub title: String,
    pub framework: String,
    pub related: Vec<Related>,
    /// The control's requirement elements and, for each, the controls that wholly meet it.
    pub elements: Vec<ElementInfo>,
    /// Per framework (all others, or the one `--to` names): the share of this control's elements
    /// that framework meets, directly or through the hub.
    pub coverage: std::collections::BTreeMap<String, f64>,
}

#[derive(Serialize)]
pub struct ElementInfo {
    /// `<framework>:<control>#<element>`; a control without elements has one, `#1`... named
    /// after the control itself (`#*`).
    pub id: String,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rests_on: Option<String>,
    pub met_by: Vec<MetBy>,
}

#[derive(Serialize)]
pub struct MetBy {
    /// The control that wholly meets the element; for a group row, its members joined by ` + `.
    pub control: String,
    pub confidence: &'static str,
    /// The public source the row names (its title).
    pub source: Option<String>,
}

#[derive(Serialize)]
pub struct Related {
    pub control: String,
    pub title: String,
    /// `<this control> RELATIONSHIP <related control>`.
    pub relationship: &'static str,
    /// Through the hub rather than a crosswalk of its own.
    pub derived: bool,
    /// The hub control a derived link goes through.
    pub via: Option<String>,
    /// The crosswalk file and the public source it names.
    pub crosswalk: Option<String>,
    pub source: Option<String>,
}

/// Every control related to `r`, optionally only in framework `to`. Frameworks with a crosswalk
/// of their own get direct links; the others get links derived through the hub.
pub fn map(
    model: &Model,
    r: &ControlRef,
    to: Option<&str>,
) -> Result<MapReport, (String, Option<String>)> {
    let k = model.lookup(r)?;
    let targets: Vec<usize> = match to {
        Some(slug) => match model.framework(slug) {
            Some(i) => vec![i],
            None => {
                let hint =
                    crate::resolve::nearest(slug, model.frameworks.iter().map(|f| f.slug()), 2)
                        .map(|s| format!("did you mean {}?", s.join(" or ")));
                return Err((format!("unknown framework `{slug}`"), hint));
            }
        },
        None => (0..model.frameworks.len()).filter(|&i| i != k.fw).collect(),
    };
    let mut related = Vec::new();
    let mut coverage = std::collections::BTreeMap::new();
    for &b in &targets {
        let p = overlap_row(model, k, b);
        for l in p {
            related.push(l);
        }
        if b != k.fw {
            let met = overlap::met_by(model, k, b);
            coverage.insert(
                model.frameworks[b].slug().to_string(),
                round4(met.coverage()),
            );
        }
    }
    let f = &model.frameworks[k.fw];
    Ok(MapReport {
        control: model.control_name(k),
        title: f.catalog.controls[k.ctl].title.clone(),
        framework: f.slug().to_string(),
        related,
        elements: element_infos(model, k, &targets),
        coverage,
    })
}

/// Each element of `k` with the controls of the `targets` frameworks that wholly meet it
/// (crosswalk rows and sourced groups), strongest first.
pub fn element_infos(model: &Model, k: ControlKey, targets: &[usize]) -> Vec<ElementInfo> {
    let c = &model.frameworks[k.fw].catalog.controls[k.ctl];
    let name = model.control_name(k);
    let mut out: Vec<ElementInfo> = if c.elements.is_empty() {
        vec![ElementInfo {
            id: format!("{name}#*"),
            label: c.title.clone(),
            rests_on: None,
            met_by: Vec::new(),
        }]
    } else {
        c.elements
            .iter()
            .map(|e| ElementInfo {
                id: format!("{name}#{}", e.id),
                label: e.label.clone(),
                rests_on: e.rests_on.clone(),
                met_by: Vec::new(),
            })
            .collect()
    };
    let mut found: Vec<Vec<(crate::model::Confidence, MetBy)>> =
        (0..out.len()).map(|_| Vec::new()).collect();
    for r in model
        .relations_of(k)
        .iter()
        .filter(|r| targets.contains(&r.other.fw))
    {
        for (i, list) in found.iter_mut().enumerate() {
            if r.met & (1 << i) != 0 {
                list.push((
                    r.conf,
                    MetBy {
                        control: model.control_name(r.other),
                        confidence: r.conf.as_str(),
                        source: model.row_source(r.crosswalk, r.mapping),
                    },
                ));
            }
        }
    }
    for g in model
        .element_groups
        .iter()
        .filter(|g| g.control == k && g.members.iter().all(|m| targets.contains(&m.fw)))
    {
        let x = &model.crosswalks[g.crosswalk];
        let source = x
            .sources
            .iter()
            .find(|s| s.id == x.groups[g.row].source)
            .map(|s| s.title.clone());
        let control = g
            .members
            .iter()
            .map(|&m| model.control_name(m))
            .collect::<Vec<_>>()
            .join(" + ");
        for (i, list) in found.iter_mut().enumerate() {
            if g.met & (1 << i) != 0 {
                list.push((
                    g.conf,
                    MetBy {
                        control: control.clone(),
                        confidence: g.conf.as_str(),
                        source: source.clone(),
                    },
                ));
            }
        }
    }
    for (e, mut list) in out.iter_mut().zip(found) {
        list.sort_by(|a, b| a.1.control.cmp(&b.1.control).then(b.0.cmp(&a.0)));
        // Two crosswalks may relate the same pair: the control is listed once, at its strongest.
        list.dedup_by(|b, a| a.1.control == b.1.control);
        list.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.control.cmp(&b.1.control)));
        e.met_by = list.into_iter().map(|(_, m)| m).collect();
    }
    out
}

fn overlap_row(model: &Model, k: ControlKey, b: usize) -> Vec<Related> {
    if b == k.fw {
        return Vec::new();
    }
    let pair: Pair = overlap::pair_for_control(model, k, b);
    pair.rows
        .into_iter()
        .flat_map(|(_, links)| links)
        .map(|l| {
            let direct = l.via.is_none();
            let (crosswalk, source) = if direct {
                model
                    .relations_of(k)
                    .iter()
                    .find(|r| r.other == l.to)
                    .map(|r| {
                        let x = &model.crosswalks[r.crosswalk];
                        let m = &x.mappings[r.mapping];
                        let sid = m
                            .source
                            .clone()
                            .or_else(|| x.sources.first().map(|s| s.id.clone()));
                        let title = sid
                            .and_then(|id| x.sources.iter().find(|s| s.id == id))
                            .map(|s| s.title.clone());
                        (Some(format!("{}__{}", x.from, x.to)), title)
                    })
                    .unwrap_or((None, None))
            } else {
                (None, None)
            };
            Related {
                control: model.control_name(l.to),
                title: model.frameworks[l.to.fw].catalog.controls[l.to.ctl]
                    .title
                    .clone(),
                relationship: l.rel.as_str(),
                derived: !direct,
                via: l.via.map(|v| model.control_name(v)),
                crosswalk,
                source,
            }
        })
        .collect()
}

pub fn map_text(m: &MapReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  {}", m.control, m.title);
    if m.related.is_empty() {
        let _ = writeln!(out, "  no related controls");
    }
    if !m.elements.is_empty() {
        let _ = writeln!(out, "  elements:");
        for e in &m.elements {
            let id = e.id.rsplit('#').next().unwrap_or("");
            let by = if e.met_by.is_empty() {
                "met by none".to_string()
            } else {
                let names: Vec<String> = e
                    .met_by
                    .iter()
                    .map(|b| format!("{} ({})", b.control, b.confidence))
                    .collect();
                format!("met by {}", names.join(", "))
            };
            let _ = writeln!(out, "    #{id:<6} {}  [{by}]", e.label);
        }
    }
    if !m.coverage.is_empty() {
        let parts: Vec<String> = m
            .coverage
            .iter()
            .map(|(fw, c)| format!("{fw} {}", crate::base::text::pct(*c)))
            .collect();
        let _ = writeln!(out, "  elements met, by framework: {}", parts.join(", "));
    }
    let _ = writeln!(out, "  related controls:");
    for r in &m.related {
        let how = if r.derived {
            format!("derived via {}", r.via.as_deref().unwrap_or("?"))
        } else {
            r.source.clone().unwrap_or_default()
        };
        let _ = writeln!(
            out,
            "  {:<12} {:<28} {}  [{}]",
            r.relationship, r.control, r.title, how
        );
    }
    out
}

#[derive(Serialize)]
pub struct OverlapReport {
    pub pairs: Vec<PairInfo>,
}

#[derive(Serialize)]
pub struct PairInfo {
    pub from: String,
    pub to: String,
    pub full: f64,
    pub partial: f64,
    pub weighted: f64,
    pub derived: bool,
    pub controls: usize,
    pub full_controls: usize,
    pub partial_controls: usize,
    /// Union coverage (0-1): the mean share of elements met over the counted controls.
    pub coverage: f64,
    pub controls_met: usize,
    pub controls_mostly_met: usize,
    pub controls_partly_met: usize,
    pub controls_unmet: usize,
    /// Union coverage counting only high-confidence rows.
    pub coverage_high_confidence: f64,
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

pub fn overlap(model: &Model, pairs: &[Pair]) -> OverlapReport {
    OverlapReport {
        pairs: pairs
            .iter()
            .map(|p| PairInfo {
                from: model.frameworks[p.from].slug().to_string(),
                to: model.frameworks[p.to].slug().to_string(),
                full: round4(p.full_ratio()),
                partial: round4(p.partial_ratio()),
                weighted: round4(p.weighted()),
                derived: p.derived,
                controls: p.controls,
                full_controls: p.full,
                partial_controls: p.partial,
                coverage: round4(p.coverage()),
                controls_met: p.met,
                controls_mostly_met: p.mostly_met,
                controls_partly_met: p.partly_met,
                controls_unmet: p.unmet,
                coverage_high_confidence: round4(p.coverage_high()),
            })
            .collect(),
    }
}

/// A matrix of weighted figures: row framework covered by column framework; `~` marks derived.
pub fn overlap_text(model: &Model, report: &OverlapReport) -> String {
    let slugs: Vec<&str> = model.frameworks.iter().map(|f| f.slug()).collect();
    let w = slugs.iter().map(|s| s.len()).max().unwrap_or(8).max(8);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Share of the row framework's requirement elements met by the column framework (mean over its counted controls; ~ derived through the hub, element by element)"
    );
    let _ = write!(out, "{:<w$}", "");
    for s in &slugs {
        let _ = write!(out, " {:>w$}", s);
    }
    out.push('\n');
    for a in &slugs {
        let _ = write!(out, "{:<w$}", a);
        for b in &slugs {
            let cell = report
                .pairs
                .iter()
                .find(|p| p.from == *a && p.to == *b)
                .map(|p| {
                    format!(
                        "{}{}",
                        if p.derived { "~" } else { "" },
                        crate::base::text::pct(p.coverage)
                    )
                })
                .unwrap_or_else(|| "-".into());
            let _ = write!(out, " {:>w$}", cell);
        }
        out.push('\n');
    }
    out
}
