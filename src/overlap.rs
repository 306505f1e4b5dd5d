//! Stage 3b: how much of one framework another covers. For every ordered pair A -> B, each of A's
//! counted controls is `full` when some B control is `equal` to it or it is a `subset_of` one,
//! `partial` when its only links are `intersects` or `superset_of`, and unmapped otherwise.
//! Pairs with no crosswalk of their own are derived through the hub (ISO 27001): a -> h -> b.
//! The weighted figure counts a partial control as half. Method and caveats: docs/overlap.md.

use crate::model::Relationship;
use crate::resolve::{ControlKey, Model};
use std::collections::HashSet;

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
    /// For each counted control of A, in catalog order: (control index, its links to B).
    pub rows: Vec<(usize, Vec<Link>)>,
}

impl Pair {
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
fn has_direct(model: &Model, a: usize, b: usize) -> bool {
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
    let mut rows = Vec::new();
    let (mut full, mut partial, mut count) = (0, 0, 0);
    for ci in controls {
        count += 1;
        let ls = links(model, ControlKey { fw: a, ctl: ci }, b, direct);
        if ls.iter().any(|l| l.rel.is_full()) {
            full += 1;
        } else if !ls.is_empty() {
            partial += 1;
        }
        rows.push((ci, ls));
    }
    Pair {
        from: a,
        to: b,
        derived: !direct,
        controls: count,
        full,
        partial,
        rows,
    }
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
