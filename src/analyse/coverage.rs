//! Analysis: which controls are covered, and how. A control is covered directly when a document or
//! evidence record names it; it inherits coverage when the controls the items name together
//! wholly meet every one of its requirement elements (a crosswalk row says which elements each
//! pair meets; a control without elements has one, met when it is `equal` to a named control or a
//! `subset_of` one); it is partly covered when it is related to a named control but some element
//! stays unmet. Inheritance never passes through a derived chain or a partly met element.

pub use crate::analyse::figures::{Disclosed, Summary};
use crate::analyse::freshness::{Freshness, evidence_expiry};
use crate::model::{ElementMask, all_elements};
use crate::resolve::{ControlKey, Model};
use serde::Serialize;

/// A document or an evidence record, by index into the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Item {
    Document(usize),
    Evidence(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Covered,
    Inherited,
    Partial,
    Gap,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Covered => "covered",
            Status::Inherited => "inherited",
            Status::Partial => "partial",
            Status::Gap => "gap",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ControlCoverage {
    pub direct: Vec<Item>,
    /// (item, the control it names that gives this one its coverage), when every element is met:
    /// the named controls that meet some element. Each item's entries are adjacent, and items
    /// come in model order: see `by_item`.
    pub inherited: Vec<(Item, ControlKey)>,
    /// The same for a control only partly met: every related named control.
    pub partial: Vec<(Item, ControlKey)>,
    /// This control's elements wholly met by the controls items name (crosswalk rows and sourced
    /// groups), and how many elements it has (a control without elements has one).
    pub elements_met: ElementMask,
    pub elements: u32,
    /// Some evidence behind the direct or inherited coverage is still valid.
    pub fresh_evidence: bool,
    pub any_evidence: bool,
}

impl ControlCoverage {
    pub fn status(&self) -> Status {
        if !self.direct.is_empty() {
            Status::Covered
        } else if self.fully_met() {
            Status::Inherited
        } else if !self.partial.is_empty() {
            Status::Partial
        } else {
            Status::Gap
        }
    }
}

impl ControlCoverage {
    /// Every element is met by the controls items name.
    pub fn fully_met(&self) -> bool {
        self.elements > 0 && self.elements_met == all_elements(self.elements as usize)
    }

    /// How many elements are met.
    pub fn met_count(&self) -> u32 {
        self.elements_met.count_ones()
    }
}

/// An `inherited` or `partial` list item by item: each item once, in model order, with the
/// controls it comes through.
pub fn by_item(
    list: &[(Item, ControlKey)],
) -> impl Iterator<Item = (Item, impl Iterator<Item = ControlKey> + '_)> + '_ {
    list.chunk_by(|a, b| a.0 == b.0)
        .map(|run| (run[0].0, run.iter().map(|&(_, k)| k)))
}

#[derive(Debug, Clone)]
pub struct Coverage {
    /// per_control[fw][ctl]
    pub per_control: Vec<Vec<ControlCoverage>>,
    pub summaries: Vec<Summary>,
    /// The whole ISMS's figures this build may show (`disclosed::compute`), set by the site
    /// before its pages are made; `None` elsewhere.
    pub disclosed: Option<Disclosed>,
}

impl Coverage {
    pub fn of(&self, k: ControlKey) -> &ControlCoverage {
        &self.per_control[k.fw][k.ctl]
    }
}

pub fn compute(model: &Model) -> Coverage {
    let mut per_control: Vec<Vec<ControlCoverage>> = model
        .frameworks
        .iter()
        .map(|f| {
            f.catalog
                .controls
                .iter()
                .map(|c| ControlCoverage {
                    elements: c.elements.len().clamp(1, 64) as u32,
                    ..ControlCoverage::default()
                })
                .collect()
        })
        .collect();
    let items = model
        .documents
        .iter()
        .enumerate()
        .map(|(i, d)| (Item::Document(i), &d.controls, None))
        .chain(model.evidence.iter().enumerate().map(|(i, e)| {
            let fresh = evidence_expiry(&e.ev.meta) >= model.today;
            (Item::Evidence(i), &e.controls, Some(fresh))
        }));
    for (item, controls, evidence_fresh) in items {
        for &k in controls {
            let mark = |c: &mut ControlCoverage| {
                if let Some(fresh) = evidence_fresh {
                    c.any_evidence = true;
                    c.fresh_evidence |= fresh;
                }
            };
            let cov = &mut per_control[k.fw][k.ctl];
            cov.direct.push(item);
            mark(cov);
            for r in model.relations_of(k) {
                // r reads `k REL other`; `other_met` is what of `other` that `k` wholly meets.
                let cov = &mut per_control[r.other.fw][r.other.ctl];
                let meets = r.other_met != 0;
                cov.elements_met |= r.other_met;
                if meets {
                    mark(cov);
                }
                // Two crosswalks may relate the same pair of controls: each (item, via) is kept
                // once, first come first. Items come one after another, so an item's entries
                // are the list's last ones.
                let list = if meets {
                    &mut cov.inherited
                } else {
                    &mut cov.partial
                };
                let entry = (item, k);
                if !list
                    .iter()
                    .rev()
                    .take_while(|(i, _)| *i == item)
                    .any(|e| *e == entry)
                {
                    list.push(entry);
                }
            }
        }
    }
    // Sourced group rows: every member named by some item meets the group's elements together.
    for g in &model.element_groups {
        if g.members
            .iter()
            .all(|m| !per_control[m.fw][m.ctl].direct.is_empty())
        {
            per_control[g.control.fw][g.control.ctl].elements_met |= g.met;
        }
    }
    // A control not wholly met lists every related item as partial, in model order.
    for cov in per_control.iter_mut().flatten() {
        if !cov.inherited.is_empty() && !cov.fully_met() {
            let mut all = std::mem::take(&mut cov.inherited);
            all.append(&mut cov.partial);
            all.sort_by_key(|&(item, _)| item);
            cov.partial = all;
        }
    }
    let summaries = model
        .frameworks
        .iter()
        .enumerate()
        .map(|(fi, f)| {
            let mut s = Summary::default();
            for (ci, cov) in per_control[fi].iter().enumerate() {
                if !f.is_counted(ci) {
                    continue;
                }
                s.controls += 1;
                let st = cov.status();
                match st {
                    Status::Covered => s.covered += 1,
                    Status::Inherited => s.inherited += 1,
                    Status::Partial => s.partial += 1,
                    Status::Gap => s.gap += 1,
                }
                if matches!(st, Status::Covered | Status::Inherited) && !cov.fresh_evidence {
                    s.without_fresh_evidence += 1;
                }
            }
            s
        })
        .collect();
    Coverage {
        per_control,
        summaries,
        disclosed: None,
    }
}

/// Evidence freshness counts for the home page.
pub fn evidence_freshness(model: &Model) -> Vec<Freshness> {
    model
        .evidence
        .iter()
        .map(|e| {
            Freshness::of(
                evidence_expiry(&e.ev.meta),
                model.today,
                model.config.due_soon,
            )
        })
        .collect()
}
