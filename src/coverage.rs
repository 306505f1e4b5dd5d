//! Stage 3a: which controls are covered, and how. A control is covered directly when a document or
//! evidence record names it; it inherits coverage when an item names a control it is `equal` to or
//! a `subset_of` (meeting that control fully meets this one); it is partly covered when the only
//! link is `intersects` or `superset_of`.

use crate::freshness::{Freshness, evidence_expiry};
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
    /// (item, the control it names that gives this one its coverage). Items are added one after
    /// another, so an item's entries are adjacent, and items come in model order: see `by_item`.
    pub inherited: Vec<(Item, ControlKey)>,
    pub partial: Vec<(Item, ControlKey)>,
    /// Some evidence behind the direct or inherited coverage is still valid.
    pub fresh_evidence: bool,
    pub any_evidence: bool,
}

impl ControlCoverage {
    pub fn status(&self) -> Status {
        if !self.direct.is_empty() {
            Status::Covered
        } else if !self.inherited.is_empty() {
            Status::Inherited
        } else if !self.partial.is_empty() {
            Status::Partial
        } else {
            Status::Gap
        }
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

/// Headline figures for one framework, over its counted controls.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub controls: usize,
    pub covered: usize,
    pub inherited: usize,
    pub partial: usize,
    pub gap: usize,
    /// Covered or inherited controls with no valid evidence behind them.
    pub without_fresh_evidence: usize,
}

impl Summary {
    /// Share of controls covered directly or by inheritance.
    pub fn ratio(&self) -> f64 {
        if self.controls == 0 {
            0.0
        } else {
            (self.covered + self.inherited) as f64 / self.controls as f64
        }
    }
}

#[derive(Debug, Clone)]
pub struct Coverage {
    /// per_control[fw][ctl]
    pub per_control: Vec<Vec<ControlCoverage>>,
    pub summaries: Vec<Summary>,
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
        .map(|f| vec![ControlCoverage::default(); f.catalog.controls.len()])
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
                // r reads `k REL other`; seen from `other` it is the inverse.
                let from_other = r.rel.inverse();
                let cov = &mut per_control[r.other.fw][r.other.ctl];
                let full = from_other.is_full();
                if full {
                    mark(cov);
                }
                // Two crosswalks may relate the same pair of controls: each (item, via) is kept
                // once, first come first. Items come one after another, so an item's entries
                // are the list's last ones.
                let list = if full {
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
