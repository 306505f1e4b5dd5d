//! Links the pages share: to a document or evidence record (`ItemLink`, with its freshness), to
//! a control (`ControlLink`, with its coverage status), and the controls an item names grouped by
//! framework (`controls_by_framework`), for document and evidence pages.

use crate::analyse::coverage::{Coverage, Item, Status};
use crate::analyse::freshness::{Freshness, evidence_expiry, next_review};
use crate::model::DocKind;
use crate::resolve::paths::{control_url, doc_url, evidence_url};
use crate::resolve::{ControlKey, Model, ResolvedDocument, ResolvedEvidence};
use serde::Serialize;
use std::collections::BTreeMap;

/// A link to a document or an evidence record, as every list of them shows it.
#[derive(Serialize, Clone)]
pub(super) struct ItemLink {
    kind: &'static str,
    id: String,
    title: String,
    url: String,
    classification: &'static str,
    /// Evidence: fresh / due_soon / stale. Documents: the review status.
    freshness: Freshness,
    date: String,
}

pub(super) fn item_link(model: &Model, item: Item) -> ItemLink {
    match item {
        Item::Document(i) => doc_link(model, &model.documents[i]),
        Item::Evidence(i) => ev_link(model, &model.evidence[i]),
    }
}

pub(super) fn doc_link(model: &Model, d: &ResolvedDocument) -> ItemLink {
    let due = next_review(&d.doc.meta);
    ItemLink {
        kind: match d.doc.kind {
            DocKind::Policies => "policy",
            DocKind::Procedures => "procedure",
            DocKind::Standards => "standard",
            DocKind::Plans => "plan",
        },
        id: d.doc.meta.id.clone(),
        title: d.doc.meta.title.clone(),
        url: doc_url(d),
        classification: d.doc.meta.classification.as_str(),
        freshness: Freshness::of(due, model.today, model.config.due_soon),
        date: due.to_string(),
    }
}

pub(super) fn ev_link(model: &Model, e: &ResolvedEvidence) -> ItemLink {
    let exp = evidence_expiry(&e.ev.meta);
    ItemLink {
        kind: "evidence",
        id: e.ev.meta.id.clone(),
        title: e.ev.meta.title.clone(),
        url: evidence_url(e),
        classification: e.ev.meta.classification.as_str(),
        freshness: Freshness::of(exp, model.today, model.config.due_soon),
        date: exp.to_string(),
    }
}

/// A link to a control, with how far the site covers it.
#[derive(Serialize, Clone)]
pub(super) struct ControlLink {
    pub(super) framework: String,
    pub(super) id: String,
    pub(super) title: String,
    pub(super) url: String,
    pub(super) status: Status,
}

pub(super) fn control_link(model: &Model, cov: &Coverage, k: ControlKey) -> ControlLink {
    let f = &model.frameworks[k.fw];
    let c = &f.catalog.controls[k.ctl];
    ControlLink {
        framework: f.slug().to_string(),
        id: c.id.clone(),
        title: c.title.clone(),
        url: control_url(model, k),
        status: cov.of(k).status(),
    }
}

/// An item and the controls through which it reaches another control.
#[derive(Serialize)]
pub(super) struct Via {
    pub(super) item: ItemLink,
    pub(super) via: Vec<ControlLink>,
}

/// Controls an item names, grouped by framework, for document and evidence pages.
#[derive(Serialize)]
pub(super) struct ControlsByFramework {
    slug: String,
    title: String,
    direct: Vec<ControlLink>,
    /// Controls of this framework fully met through a crosswalk from a named control.
    inherited: Vec<ControlLink>,
    /// Controls only partly related.
    related: usize,
}

pub(super) fn controls_by_framework(
    model: &Model,
    cov: &Coverage,
    named: &[ControlKey],
) -> Vec<ControlsByFramework> {
    let mut direct: BTreeMap<usize, Vec<ControlKey>> = BTreeMap::new();
    let mut inherited: BTreeMap<usize, Vec<ControlKey>> = BTreeMap::new();
    let mut related: BTreeMap<usize, Vec<ControlKey>> = BTreeMap::new();
    for &k in named {
        direct.entry(k.fw).or_default().push(k);
    }
    for &k in named {
        for r in model.relations_of(k) {
            if named.contains(&r.other) {
                continue;
            }
            let target = if r.rel.inverse().is_full() {
                &mut inherited
            } else {
                &mut related
            };
            let v = target.entry(r.other.fw).or_default();
            if !v.contains(&r.other) {
                v.push(r.other);
            }
        }
    }
    // A control inherited in full is not also listed as partly related.
    for (fw, inh) in &inherited {
        if let Some(rel) = related.get_mut(fw) {
            rel.retain(|k| !inh.contains(k));
        }
    }
    let fws: std::collections::BTreeSet<usize> = direct
        .keys()
        .chain(inherited.keys())
        .chain(related.keys())
        .copied()
        .collect();
    fws.into_iter()
        .map(|fw| {
            let mut d = direct.remove(&fw).unwrap_or_default();
            let mut i = inherited.remove(&fw).unwrap_or_default();
            d.sort();
            i.sort();
            ControlsByFramework {
                slug: model.frameworks[fw].slug().to_string(),
                title: model.frameworks[fw].catalog.title.clone(),
                direct: d.into_iter().map(|k| control_link(model, cov, k)).collect(),
                inherited: i.into_iter().map(|k| control_link(model, cov, k)).collect(),
                related: related.get(&fw).map_or(0, Vec::len),
            }
        })
        .collect()
}
