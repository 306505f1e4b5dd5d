//! The frameworks index, one page per framework (its controls by group, a row each) and one per
//! control (what covers it, in full or in part, its requirement elements and what meets them,
//! and the controls of other frameworks it relates to).

use super::links::{ControlLink, ItemLink, Via, control_link, item_link};
use super::overlap::{OverlapCell, overlap_cell};
use super::page::{PageSpec, spec};
use super::paths::{FRAMEWORKS_PATH, fw_url, gaps_url, has_gap_pages};
use crate::analyse::coverage::{Coverage, Item, Status, Summary};
use crate::analyse::disclosed::{Category, Figures};
use crate::analyse::overlap::Pair;
use crate::base::text::pct;
use crate::model::{Control, Group, SpecType};
use crate::resolve::paths::control_url;
use crate::resolve::{ControlKey, Model};
use serde::Serialize;
use std::collections::BTreeMap;

/// A share in percent, floored to one decimal (0 of nothing).
fn pct_num(n: usize, d: usize) -> f64 {
    if d == 0 {
        0.0
    } else {
        (n as f64 * 1000.0 / d as f64).floor() / 10.0
    }
}

/// A framework's card: its coverage in counts and as a bar, over the whole ISMS (the figures
/// the build discloses), or none (`shown` false) where it discloses none.
#[derive(Serialize)]
pub(super) struct FwCard {
    slug: String,
    title: String,
    edition: String,
    url: String,
    in_scope: bool,
    /// Whether the figures below are shown; when not, they are all zero.
    shown: bool,
    /// Whether ISMS health is shown (`without_fresh_evidence`; else it is zero).
    health: bool,
    controls: usize,
    covered: usize,
    inherited: usize,
    partial: usize,
    gap: usize,
    without_fresh_evidence: usize,
    /// Bar widths in percent (one decimal).
    w_covered: f64,
    w_inherited: f64,
    w_partial: f64,
    /// Where the inherited and partial segments of the bar start.
    x_inherited: f64,
    x_partial: f64,
    coverage: String,
    /// Requirement elements met, of how many, and as a share (empty without elements).
    elements_met: usize,
    elements: usize,
    element_coverage: String,
    /// Control categories with implemented / in progress counts (each of at least
    /// `disclosed::MIN_CONTROLS` controls).
    categories: Vec<Category>,
}

impl FwCard {
    /// Whether the card shows figures.
    pub(super) fn shown(&self) -> bool {
        self.shown
    }
}

/// The figures a card shows for framework `fi`: the disclosed ones when the site computed
/// them (every build), else (views made outside a build) this model's own.
fn card_figures(cov: &Coverage, fi: usize) -> Option<Figures> {
    match &cov.disclosed {
        Some(d) => d.frameworks[fi].clone(),
        None => Some(Figures {
            summary: cov.summaries[fi].clone(),
            elements_met: 0,
            elements: 0,
            categories: Vec::new(),
        }),
    }
}

/// Whether ISMS health (expired evidence, overdue reviews) is shown (`disclose: health`).
pub(super) fn health_shown(cov: &Coverage) -> bool {
    cov.disclosed.as_ref().is_none_or(|d| d.disclosure.health)
}

/// Whether each control's own status is shown (`disclose: control_status`).
pub(super) fn status_shown(cov: &Coverage) -> bool {
    cov.disclosed
        .as_ref()
        .is_none_or(|d| d.disclosure.control_status)
}

pub(super) fn fw_card(model: &Model, cov: &Coverage, fi: usize) -> FwCard {
    let f = &model.frameworks[fi];
    let figures = card_figures(cov, fi);
    let shown = figures.is_some();
    let fig = figures.unwrap_or(Figures {
        summary: Summary::default(),
        elements_met: 0,
        elements: 0,
        categories: Vec::new(),
    });
    let s = &fig.summary;
    FwCard {
        slug: f.slug().to_string(),
        title: f.catalog.title.clone(),
        edition: f.catalog.edition.clone(),
        url: fw_url(f.slug()),
        in_scope: f.in_scope,
        shown,
        health: health_shown(cov),
        controls: s.controls,
        covered: s.covered,
        inherited: s.inherited,
        partial: s.partial,
        gap: s.gap,
        // Expired evidence is ISMS health, shown where the build discloses it.
        without_fresh_evidence: if health_shown(cov) {
            s.without_fresh_evidence
        } else {
            0
        },
        w_covered: pct_num(s.covered, s.controls),
        w_inherited: pct_num(s.inherited, s.controls),
        w_partial: pct_num(s.partial, s.controls),
        x_inherited: pct_num(s.covered, s.controls),
        x_partial: pct_num(s.covered + s.inherited, s.controls),
        coverage: pct(s.ratio()),
        elements_met: fig.elements_met,
        elements: fig.elements,
        element_coverage: if fig.elements == 0 {
            String::new()
        } else {
            pct(fig.elements_met as f64 / fig.elements as f64)
        },
        categories: fig.categories,
    }
}

/// Every framework, a card each.
pub(super) fn frameworks_index(model: &Model, cov: &Coverage) -> PageSpec {
    #[derive(Serialize)]
    struct V {
        frameworks: Vec<FwCard>,
    }
    let frameworks = (0..model.frameworks.len())
        .map(|i| fw_card(model, cov, i))
        .collect();
    spec(
        FRAMEWORKS_PATH.into(),
        "frameworks.html",
        "Frameworks".into(),
        "frameworks",
        V { frameworks },
    )
}

/// How many partly related items a control page lists: in a large ISMS a popular control is
/// touched in part by thousands, and only the count of the rest helps a reader.
pub const VIA_ITEMS: usize = 25;

/// How many covering items a framework page lists per control: a large ISMS has hundreds for
/// some controls, and the control's own page lists every one.
const ROW_ITEMS: usize = 8;

/// A HIPAA control's implementation specification, as the pages name it.
fn spec_type(c: &Control) -> Option<&'static str> {
    c.spec_type.map(|t| match t {
        SpecType::Required => "required",
        SpecType::Addressable => "addressable",
    })
}

#[derive(Serialize)]
struct FrameworkView {
    card: FwCard,
    publisher: Option<String>,
    counts: Option<String>,
    sources: Vec<crate::model::Source>,
    groups: Vec<GroupView>,
    overlaps: Vec<OverlapCell>,
    /// The framework's page of what is left to do, when this build has one.
    gaps_url: Option<String>,
    /// Each control's status is shown (else only which visible items relate to it).
    status_shown: bool,
}

/// A group of a framework's controls (a clause, a family), a row per control.
#[derive(Serialize)]
struct GroupView {
    id: String,
    title: String,
    counted: bool,
    controls: usize,
    covered: usize,
    rows: Vec<ControlRow>,
}

#[derive(Serialize)]
struct ControlRow {
    link: ControlLink,
    new: bool,
    spec_type: Option<&'static str>,
    counted: bool,
    /// The first few items naming the control; the control's page lists them all.
    direct: Vec<ItemLink>,
    more_direct: usize,
    inherited: usize,
    partial: usize,
    /// Requirement elements the controls this site covers meet, of how many.
    elements_met: u32,
    elements: u32,
    fresh_evidence: bool,
    any_evidence: bool,
}

/// Framework `fi`'s page: its card, its controls by group, its overlap with the others.
pub(super) fn framework_page(model: &Model, cov: &Coverage, pairs: &[Pair], fi: usize) -> PageSpec {
    let f = &model.frameworks[fi];
    let groups = f
        .catalog
        .groups
        .iter()
        .map(|g| group_view(model, cov, fi, g))
        .collect();
    let view = FrameworkView {
        card: fw_card(model, cov, fi),
        publisher: f.catalog.publisher.clone(),
        counts: f.catalog.counts.clone(),
        sources: f.catalog.sources.clone(),
        groups,
        overlaps: pairs
            .iter()
            .filter(|p| p.from == fi)
            .map(|p| overlap_cell(model, p))
            .collect(),
        gaps_url: (f.in_scope && has_gap_pages(model)).then(|| gaps_url(f.slug())),
        status_shown: status_shown(cov),
    };
    let title = format!("{} {}", f.catalog.title, f.catalog.edition);
    spec(
        fw_url(f.slug()),
        "framework.html",
        title,
        "frameworks",
        view,
    )
}

/// Group `g` of framework `fi`: a row per control in it, and how many are covered.
fn group_view(model: &Model, cov: &Coverage, fi: usize, g: &Group) -> GroupView {
    let f = &model.frameworks[fi];
    let rows: Vec<ControlRow> = f
        .catalog
        .controls
        .iter()
        .enumerate()
        .filter(|(_, c)| c.group == g.id)
        .map(|(ci, c)| control_row(model, cov, ControlKey { fw: fi, ctl: ci }, c, g.counted))
        .collect();
    let covered = rows
        .iter()
        .filter(|r| matches!(r.link.status, Status::Covered | Status::Inherited))
        .count();
    GroupView {
        id: g.id.clone(),
        title: g.title.clone(),
        counted: g.counted,
        controls: rows.len(),
        covered,
        rows,
    }
}

/// Control `k` (`c`) as a row of its framework's page.
fn control_row(
    model: &Model,
    cov: &Coverage,
    k: ControlKey,
    c: &Control,
    counted: bool,
) -> ControlRow {
    let cc = cov.of(k);
    ControlRow {
        link: control_link(model, cov, k),
        new: c.new,
        spec_type: spec_type(c),
        counted,
        direct: cc
            .direct
            .iter()
            .take(ROW_ITEMS)
            .map(|&i| item_link(model, i))
            .collect(),
        more_direct: cc.direct.len().saturating_sub(ROW_ITEMS),
        inherited: cc.inherited.len(),
        partial: cc.partial.len(),
        elements_met: cc.met_count(),
        elements: cc.elements,
        fresh_evidence: cc.fresh_evidence,
        any_evidence: cc.any_evidence,
    }
}

#[derive(Serialize)]
struct ControlView {
    link: ControlLink,
    framework_title: String,
    framework_url: String,
    edition: String,
    group: String,
    summary: Option<String>,
    new: bool,
    spec_type: Option<&'static str>,
    parent: Option<ControlLink>,
    direct: Vec<ItemLink>,
    inherited: Vec<Via>,
    partial: Vec<Via>,
    /// Partly related items beyond the first VIA_ITEMS: counted, not listed.
    more_partial: usize,
    related: Vec<FwRelated>,
    fresh_evidence: bool,
    any_evidence: bool,
    elements: Vec<ElementRow>,
    /// Elements met by what the site covers (all when covered directly), of how many.
    elements_met: u32,
    element_count: u32,
    /// Elements no control of another framework meets.
    met_by_none: usize,
    /// The control's status is shown (else only which visible items relate to it).
    status_shown: bool,
}

/// The controls of one other framework that a control relates to.
#[derive(Serialize)]
struct FwRelated {
    slug: String,
    title: String,
    rows: Vec<RelatedRow>,
}

#[derive(Serialize)]
struct RelatedRow {
    control: ControlLink,
    relationship: &'static str,
    phrase: &'static str,
    full: bool,
    crosswalk: String,
    source: Option<String>,
    note: Option<String>,
}

/// One requirement element of a control.
#[derive(Serialize)]
struct ElementRow {
    id: String,
    label: String,
    rests_on: Option<String>,
    /// Met by the controls this site covers.
    met_here: bool,
    met_by: Vec<MetByRow>,
}

/// A control of another framework that meets an element.
#[derive(Serialize)]
struct MetByRow {
    control: ControlLink,
    confidence: &'static str,
    source: Option<String>,
}

/// Control `k`'s page: what covers it, its elements, the controls it relates to.
pub(super) fn control_page(model: &Model, cov: &Coverage, k: ControlKey) -> PageSpec {
    let f = &model.frameworks[k.fw];
    let c = &f.catalog.controls[k.ctl];
    let cc = cov.of(k);
    let covered_here = !cc.direct.is_empty();
    let n = crate::analyse::overlap::element_count(model, k);
    let elements = element_rows(model, cov, k, n);
    let met_by_none = elements.iter().filter(|e| e.met_by.is_empty()).count();
    let group = f
        .catalog
        .groups
        .iter()
        .find(|g| g.id == c.group)
        .map(|g| format!("{} {}", g.id, g.title))
        .unwrap_or_else(|| c.group.clone());
    let via = |list: &[(Item, ControlKey)], limit: usize| -> Vec<Via> {
        crate::analyse::coverage::by_item(list)
            .take(limit)
            .map(|(i, ks)| Via {
                item: item_link(model, i),
                via: ks.map(|k| control_link(model, cov, k)).collect(),
            })
            .collect()
    };
    let parent = c
        .parent
        .as_ref()
        .and_then(|p| f.control(p))
        .map(|pi| control_link(model, cov, ControlKey { fw: k.fw, ctl: pi }));
    let view = ControlView {
        link: control_link(model, cov, k),
        framework_title: f.catalog.title.clone(),
        framework_url: fw_url(f.slug()),
        edition: f.catalog.edition.clone(),
        group,
        summary: c.summary.clone(),
        new: c.new,
        spec_type: spec_type(c),
        parent,
        direct: cc.direct.iter().map(|&i| item_link(model, i)).collect(),
        inherited: via(&cc.inherited, usize::MAX),
        partial: via(&cc.partial, VIA_ITEMS),
        more_partial: crate::analyse::coverage::by_item(&cc.partial)
            .count()
            .saturating_sub(VIA_ITEMS),
        related: related_by_framework(model, cov, k),
        fresh_evidence: cc.fresh_evidence,
        any_evidence: cc.any_evidence,
        elements_met: if covered_here {
            n as u32
        } else {
            cc.met_count()
        },
        element_count: n as u32,
        met_by_none,
        elements,
        status_shown: status_shown(cov),
    };
    let title = format!("{}:{} {}", f.slug(), c.id, c.title);
    spec(
        control_url(model, k),
        "control.html",
        title,
        "frameworks",
        view,
    )
}

/// Control `k`'s `n` requirement elements (one, `*`, when its catalog lists none), each with
/// the controls of other frameworks that meet it: strongest first, each control once.
fn element_rows(model: &Model, cov: &Coverage, k: ControlKey, n: usize) -> Vec<ElementRow> {
    let c = &model.frameworks[k.fw].catalog.controls[k.ctl];
    let cc = cov.of(k);
    let covered_here = !cc.direct.is_empty();
    let mut elements: Vec<ElementRow> = (0..n)
        .map(|i| {
            let (id, label, rests_on) = match c.elements.get(i) {
                Some(e) => (e.id.clone(), e.label.clone(), e.rests_on.clone()),
                None => ("*".into(), c.title.clone(), None),
            };
            ElementRow {
                id,
                label,
                rests_on,
                met_here: covered_here || cc.elements_met & (1 << i) != 0,
                met_by: Vec::new(),
            }
        })
        .collect();
    let mut by_conf: Vec<Vec<(crate::model::Confidence, MetByRow)>> =
        (0..n).map(|_| Vec::new()).collect();
    for r in model.relations_of(k) {
        for (i, list) in by_conf.iter_mut().enumerate() {
            if r.met & (1 << i) != 0 {
                list.push((
                    r.conf,
                    MetByRow {
                        control: control_link(model, cov, r.other),
                        confidence: r.conf.as_str(),
                        source: model.row_source(r.crosswalk, r.mapping),
                    },
                ));
            }
        }
    }
    for (e, mut list) in elements.iter_mut().zip(by_conf) {
        let name = |m: &MetByRow| (m.control.framework.clone(), m.control.id.clone());
        // Two crosswalks may relate the same pair: the control is listed once, at its strongest.
        list.sort_by(|a, b| name(&a.1).cmp(&name(&b.1)).then(b.0.cmp(&a.0)));
        list.dedup_by(|b, a| name(&a.1) == name(&b.1));
        list.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| name(&a.1).cmp(&name(&b.1))));
        e.met_by = list.into_iter().map(|(_, m)| m).collect();
    }
    elements
}

/// The controls of other frameworks that control `k` relates to, by framework, each with the
/// crosswalk that says so and its source.
fn related_by_framework(model: &Model, cov: &Coverage, k: ControlKey) -> Vec<FwRelated> {
    let mut by_fw: BTreeMap<usize, Vec<RelatedRow>> = BTreeMap::new();
    for r in model.relations_of(k) {
        let x = &model.crosswalks[r.crosswalk];
        let m = &x.mappings[r.mapping];
        let source_id = m
            .source
            .clone()
            .or_else(|| x.sources.first().map(|s| s.id.clone()));
        let source = source_id
            .and_then(|id| x.sources.iter().find(|s| s.id == id))
            .map(|s| s.title.clone());
        by_fw.entry(r.other.fw).or_default().push(RelatedRow {
            control: control_link(model, cov, r.other),
            relationship: r.rel.as_str(),
            phrase: r.rel.phrase(),
            full: r.rel.inverse().is_full(),
            crosswalk: format!("{}__{}", x.from, x.to),
            source,
            note: m.note.clone(),
        });
    }
    by_fw
        .into_iter()
        .map(|(fw, rows)| FwRelated {
            slug: model.frameworks[fw].slug().to_string(),
            title: model.frameworks[fw].catalog.title.clone(),
            rows,
        })
        .collect()
}
