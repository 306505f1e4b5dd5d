//! Analysis: how much of one framework another covers. For every ordered pair A -> B:
//! - union coverage: each of A's counted controls is covered by the share of its requirement
//!   elements that B's linked controls wholly meet, alone or as a sourced group; the pair's figure
//!   is the mean, with the distribution (met, mostly, partly, unmet) and the same figure counting
//!   only high-confidence rows;
//! - the older link figures: a control is `full` when some B control is `equal` to it or it is a
//!   `subset_of` one, `partial` when its only links are `intersects` or `superset_of`.
//!
//! Pairs with no crosswalk of their own are derived through the hub (ISO 27001), element by
//! element: an element of a is met via hub control h only when h meets it and B together meets
//! every element of h; its confidence is the lower of the two hops; group rows do not compose.
//! Method and caveats: docs/overlap.md.

use crate::model::{Confidence, ElementMask, Relationship};
use crate::resolve::{ControlKey, Model};
use std::collections::HashSet;

/// The elements of a control that one framework meets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Met {
    /// Elements wholly met.
    pub any: ElementMask,
    /// Elements wholly met by a high-confidence row (or chain of rows).
    pub high: ElementMask,
    /// How many elements the control has (a control without elements has one).
    pub elements: u32,
}

impl Met {
    fn of(model: &Model, k: ControlKey) -> Met {
        Met {
            any: 0,
            high: 0,
            elements: element_count(model, k) as u32,
        }
    }

    pub fn coverage(&self) -> f64 {
        self.any.count_ones() as f64 / self.elements.max(1) as f64
    }

    pub fn coverage_high(&self) -> f64 {
        self.high.count_ones() as f64 / self.elements.max(1) as f64
    }

    pub fn met_count(&self) -> u32 {
        self.any.count_ones()
    }

    pub fn band(&self) -> Band {
        Band::of(self.coverage())
    }
}

/// Where a control's union coverage falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    /// Every element met.
    Met,
    /// Half or more.
    Mostly,
    /// Some, under half.
    Partly,
    Unmet,
}

impl Band {
    pub fn of(c: f64) -> Band {
        if c >= 1.0 {
            Band::Met
        } else if c >= 0.5 {
            Band::Mostly
        } else if c > 0.0 {
            Band::Partly
        } else {
            Band::Unmet
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Band::Met => "met",
            Band::Mostly => "mostly met",
            Band::Partly => "partly met",
            Band::Unmet => "unmet",
        }
    }
}

/// How many elements control `k` has (one when its catalog lists none).
pub fn element_count(model: &Model, k: ControlKey) -> usize {
    model.frameworks[k.fw].catalog.controls[k.ctl]
        .elements
        .len()
        .clamp(1, 64)
}

/// The elements of `k` that framework `b` meets through direct crosswalk rows and group rows.
pub fn direct_met(model: &Model, k: ControlKey, b: usize) -> Met {
    let mut met = Met::of(model, k);
    for r in model.relations_of(k).iter().filter(|r| r.other.fw == b) {
        met.any |= r.met;
        if r.conf == Confidence::High {
            met.high |= r.met;
        }
    }
    for g in model
        .element_groups
        .iter()
        .filter(|g| g.control == k && g.members.iter().all(|m| m.fw == b))
    {
        met.any |= g.met;
        if g.conf == Confidence::High {
            met.high |= g.met;
        }
    }
    met
}

/// Whether framework `b` wholly meets every element of `h` through single rows (group rows do
/// not compose), and with what confidence: the weakest element's best row.
fn wholly_met(model: &Model, h: ControlKey, b: usize) -> Option<Confidence> {
    let n = element_count(model, h);
    let mut worst = Confidence::High;
    for i in 0..n {
        let best = model
            .relations_of(h)
            .iter()
            .filter(|r| r.other.fw == b && r.met & (1 << i) != 0)
            .map(|r| r.conf)
            .max()?;
        worst = worst.min(best);
    }
    Some(worst)
}

/// The elements of `k` that framework `b` meets through the hub: via each hub control h that
/// meets them and that `b` wholly meets.
pub fn derived_met(model: &Model, k: ControlKey, b: usize) -> Met {
    let mut met = Met::of(model, k);
    let Some(hub) = model.hub.filter(|&h| h != k.fw && h != b) else {
        return met;
    };
    for r1 in model
        .relations_of(k)
        .iter()
        .filter(|r| r.other.fw == hub && r.met != 0)
    {
        if let Some(c2) = wholly_met(model, r1.other, b) {
            met.any |= r1.met;
            if r1.conf.min(c2) == Confidence::High {
                met.high |= r1.met;
            }
        }
    }
    met
}

/// The elements of `k` that framework `b` meets: directly when a crosswalk links the two
/// frameworks, otherwise through the hub.
pub fn met_by(model: &Model, k: ControlKey, b: usize) -> Met {
    if has_direct(model, k.fw, b) {
        direct_met(model, k, b)
    } else {
        derived_met(model, k, b)
    }
}

/// One link from an A control to a B control.
#[derive(Debug, Clone)]
pub struct Link {
    pub to: ControlKey,
    /// `a REL b`.
    pub rel: Relationship,
    /// Through the hub: the hub control it went through.
    pub via: Option<ControlKey>,
}

#[derive(Debug, Clone)]
pub struct Pair {
    pub from: usize,
    pub to: usize,
    /// No crosswalk between the two: every link went through the hub.
    pub derived: bool,
    pub controls: usize,
    pub full: usize,
    pub partial: usize,
    /// Union coverage: controls with every element met, half or more, some, none.
    pub met: usize,
    pub mostly_met: usize,
    pub partly_met: usize,
    pub unmet: usize,
    /// Sum over the counted controls of each one's share of elements met (all rows, and
    /// high-confidence rows only).
    coverage_sum: f64,
    coverage_high_sum: f64,
    /// For each counted control of A, in catalog order: (control index, its links to B).
    pub rows: Vec<(usize, Vec<Link>)>,
    /// For each counted control of A, in the same order: the elements B meets.
    pub elements: Vec<Met>,
}

impl Pair {
    /// The mean, over A's counted controls, of the share of each one's elements B meets.
    pub fn coverage(&self) -> f64 {
        if self.controls == 0 {
            0.0
        } else {
            self.coverage_sum / self.controls as f64
        }
    }
    /// The same, counting only high-confidence rows.
    pub fn coverage_high(&self) -> f64 {
        if self.controls == 0 {
            0.0
        } else {
            self.coverage_high_sum / self.controls as f64
        }
    }

    pub fn full_ratio(&self) -> f64 {
        ratio(self.full, self.controls)
    }
    pub fn partial_ratio(&self) -> f64 {
        ratio(self.partial, self.controls)
    }
    pub fn weighted(&self) -> f64 {
        if self.controls == 0 {
            0.0
        } else {
            (self.full as f64 + 0.5 * self.partial as f64) / self.controls as f64
        }
    }
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

/// Whether any crosswalk file links the two frameworks directly.
pub fn has_direct(model: &Model, a: usize, b: usize) -> bool {
    let (sa, sb) = (model.frameworks[a].slug(), model.frameworks[b].slug());
    model
        .crosswalks
        .iter()
        .any(|x| (x.from == sa && x.to == sb) || (x.from == sb && x.to == sa))
}

/// The links from control `k` to the controls of framework `b`: direct when a crosswalk
/// links the two frameworks, otherwise through the hub.
fn links(model: &Model, k: ControlKey, b: usize, direct: bool) -> Vec<Link> {
    let mut links: Vec<Link> = Vec::new();
    if direct {
        for r in model.relations_of(k).iter().filter(|r| r.other.fw == b) {
            links.push(Link {
                to: r.other,
                rel: r.rel,
                via: None,
            });
        }
        return links;
    }
    let Some(hub) = model.hub.filter(|&h| h != k.fw && h != b) else {
        return links;
    };
    let mut seen = HashSet::new();
    for r1 in model.relations_of(k).iter().filter(|r| r.other.fw == hub) {
        for r2 in model
            .relations_of(r1.other)
            .iter()
            .filter(|r| r.other.fw == b)
        {
            let rel = r1.rel.compose(r2.rel);
            if seen.insert((r2.other, rel)) {
                links.push(Link {
                    to: r2.other,
                    rel,
                    via: Some(r1.other),
                });
            }
        }
    }
    // Keep the strongest link per target.
    links.sort_by_key(|l| (l.to, !l.rel.is_full()));
    links.dedup_by_key(|l| l.to);
    links
}

fn tally(model: &Model, a: usize, b: usize, controls: impl Iterator<Item = usize>) -> Pair {
    let direct = has_direct(model, a, b);
    let mut p = Pair {
        from: a,
        to: b,
        derived: !direct,
        controls: 0,
        full: 0,
        partial: 0,
        met: 0,
        mostly_met: 0,
        partly_met: 0,
        unmet: 0,
        coverage_sum: 0.0,
        coverage_high_sum: 0.0,
        rows: Vec::new(),
        elements: Vec::new(),
    };
    for ci in controls {
        p.controls += 1;
        let k = ControlKey { fw: a, ctl: ci };
        let ls = links(model, k, b, direct);
        if ls.iter().any(|l| l.rel.is_full()) {
            p.full += 1;
        } else if !ls.is_empty() {
            p.partial += 1;
        }
        let met = if direct {
            direct_met(model, k, b)
        } else {
            derived_met(model, k, b)
        };
        p.coverage_sum += met.coverage();
        p.coverage_high_sum += met.coverage_high();
        match met.band() {
            Band::Met => p.met += 1,
            Band::Mostly => p.mostly_met += 1,
            Band::Partly => p.partly_met += 1,
            Band::Unmet => p.unmet += 1,
        }
        p.rows.push((ci, ls));
        p.elements.push(met);
    }
    p
}

/// The overlap of framework `a` with framework `b`, over `a`'s counted controls.
pub fn pair(model: &Model, a: usize, b: usize) -> Pair {
    let fa = &model.frameworks[a];
    tally(
        model,
        a,
        b,
        (0..fa.catalog.controls.len()).filter(|&i| fa.is_counted(i)),
    )
}

/// The same computation for one control (counted or not), for `crosswalk map`.
pub fn pair_for_control(model: &Model, k: ControlKey, b: usize) -> Pair {
    tally(model, k.fw, b, std::iter::once(k.ctl))
}

/// Every ordered pair of distinct frameworks.
pub fn all_pairs(model: &Model) -> Vec<Pair> {
    let n = model.frameworks.len();
    let mut out = Vec::with_capacity(n * n.saturating_sub(1));
    for a in 0..n {
        for b in 0..n {
            if a != b {
                out.push(pair(model, a, b));
            }
        }
    }
    out
}
