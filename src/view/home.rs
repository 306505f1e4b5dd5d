//! The home page, a trust center: certifications and attestations, the frameworks in scope with
//! their disclosed coverage and control categories, the certification timeline, the most reused
//! evidence and, where the build discloses ISMS health, counts of fresh and stale evidence and
//! documents and the earliest reviews and records due or overdue.

use super::evidence::{EvidenceRow, Served};
use super::frameworks::{FwCard, fw_card, health_shown};
use super::isms::{Certification, TimelineEntry, certifications, timeline};
use super::links::{ItemLink, item_link};
use super::page::{PageSpec, spec};
use super::paths::HOME_PATH;
use crate::analyse::coverage::{Coverage, Item};
use crate::analyse::freshness::{Freshness, evidence_expiry, next_review};
use crate::model::Date;
use crate::resolve::Model;
use serde::Serialize;

/// How many items each of the home page's due and overdue lists shows, earliest first. The rest
/// are counted and reached through the documents index and the evidence library, filtered by a
/// query (`?fresh=stale`): a site with thousands of expired records gets a readable home page.
pub const HOME_LIST: usize = 10;

#[derive(Serialize)]
struct Home<'a> {
    in_scope: Vec<FwCard>,
    evidence_total: usize,
    evidence_fresh: usize,
    evidence_due_soon: usize,
    evidence_stale: usize,
    documents_total: usize,
    documents_overdue: usize,
    documents_due_soon: usize,
    overdue_reviews: Vec<ItemLink>,
    overdue_more: usize,
    stale_evidence: Vec<ItemLink>,
    stale_more: usize,
    due_soon: Vec<ItemLink>,
    due_soon_more: usize,
    reused: Vec<&'a EvidenceRow>,
    other_frameworks: usize,
    timeline: Vec<TimelineEntry>,
    certifications: Vec<Certification>,
    request_access: Option<String>,
    /// Contact, request-access button, FAQ and subprocessors links (`view/trust.rs`).
    trust: super::trust::TrustLinks,
    /// ISMS health (the tiles, overdue reviews, expired and expiring evidence) is shown
    /// (`disclose: health`); without it those counts and lists are left empty.
    health: bool,
    /// Some framework in scope shows coverage figures.
    figures: bool,
}

/// The home page. `served`: what each evidence record serves; `row`: a record's row.
pub(super) fn home<'a>(
    model: &Model,
    cov: &Coverage,
    served: &[&Served],
    row: &dyn Fn(usize) -> &'a EvidenceRow,
) -> PageSpec {
    let (today, window) = (model.today, model.config.due_soon);
    let doc_due: Vec<(Date, Freshness)> = model
        .documents
        .iter()
        .map(|d| {
            let due = next_review(&d.doc.meta);
            (due, Freshness::of(due, today, window))
        })
        .collect();
    let ev_due: Vec<(Date, Freshness)> = model
        .evidence
        .iter()
        .map(|e| {
            let exp = evidence_expiry(&e.ev.meta);
            (exp, Freshness::of(exp, today, window))
        })
        .collect();
    let count = |v: &[(Date, Freshness)], f: Freshness| v.iter().filter(|g| g.1 == f).count();
    let docs_in = |f: Freshness| dated_in(&doc_due, f, Item::Document);
    let evs_in = |f: Freshness| dated_in(&ev_due, f, Item::Evidence);
    // Each list shows its earliest few; links are made only for those, the rest are counted.
    let (due_soon, due_soon_more) = earliest_links(
        model,
        docs_in(Freshness::DueSoon)
            .chain(evs_in(Freshness::DueSoon))
            .collect(),
    );
    let (overdue, overdue_more) = earliest_links(model, docs_in(Freshness::Stale).collect());
    let (stale, stale_more) = earliest_links(model, evs_in(Freshness::Stale).collect());
    let in_scope: Vec<FwCard> = (0..model.frameworks.len())
        .filter(|&i| model.frameworks[i].in_scope)
        .map(|i| fw_card(model, cov, i))
        .collect();
    let other_frameworks = model.frameworks.len() - in_scope.len();
    let health = health_shown(cov);
    let figures = in_scope.iter().any(FwCard::shown);
    let view = Home {
        in_scope,
        evidence_total: ev_due.len(),
        evidence_fresh: count(&ev_due, Freshness::Fresh),
        evidence_due_soon: count(&ev_due, Freshness::DueSoon),
        evidence_stale: count(&ev_due, Freshness::Stale),
        documents_total: doc_due.len(),
        documents_overdue: count(&doc_due, Freshness::Stale),
        documents_due_soon: count(&doc_due, Freshness::DueSoon),
        overdue_reviews: overdue,
        overdue_more,
        stale_evidence: stale,
        stale_more,
        due_soon,
        due_soon_more,
        reused: most_reused(model, served).into_iter().map(row).collect(),
        other_frameworks,
        timeline: timeline(model),
        certifications: certifications(model),
        request_access: model.config.request_access.clone(),
        trust: super::trust::trust_links(model),
        health,
        figures,
    };
    let view = if health { view } else { without_health(view) };
    spec(
        HOME_PATH.into(),
        "index.html",
        model.config.title.clone(),
        "home",
        view,
    )
}

/// `view` without what tells the ISMS's health: its counts and due or overdue lists.
fn without_health(view: Home) -> Home {
    Home {
        evidence_total: 0,
        evidence_fresh: 0,
        evidence_due_soon: 0,
        evidence_stale: 0,
        documents_total: 0,
        documents_overdue: 0,
        documents_due_soon: 0,
        overdue_reviews: Vec::new(),
        overdue_more: 0,
        stale_evidence: Vec::new(),
        stale_more: 0,
        due_soon: Vec::new(),
        due_soon_more: 0,
        ..view
    }
}

/// The items of `dates` (each item's date and freshness, by index) whose freshness is `f`, with
/// their dates.
fn dated_in(
    dates: &[(Date, Freshness)],
    f: Freshness,
    item: fn(usize) -> Item,
) -> impl Iterator<Item = (Date, Item)> + '_ {
    dates
        .iter()
        .enumerate()
        .filter(move |(_, g)| g.1 == f)
        .map(move |(i, g)| (g.0, item(i)))
}

/// Links to the `HOME_LIST` earliest of `items`, and how many were left out.
fn earliest_links(model: &Model, items: Vec<(Date, Item)>) -> (Vec<ItemLink>, usize) {
    let (first, more) = earliest(items, HOME_LIST);
    let links = first
        .into_iter()
        .map(|(_, i)| item_link(model, i))
        .collect();
    (links, more)
}

/// The `n` earliest of `items` by date (then documents before records, in model order), sorted,
/// and how many were left out.
fn earliest(mut items: Vec<(Date, Item)>, n: usize) -> (Vec<(Date, Item)>, usize) {
    let more = items.len().saturating_sub(n);
    if n == 0 {
        return (Vec::new(), more);
    }
    if more > 0 {
        items.select_nth_unstable(n - 1);
        items.truncate(n);
    }
    items.sort_unstable();
    (items, more)
}

/// The five records (indexes into the model's evidence) serving the most frameworks, then the
/// most controls, then by id.
fn most_reused(model: &Model, served: &[&Served]) -> Vec<usize> {
    let order = |&a: &usize, &b: &usize| {
        (served[b].fws.len().cmp(&served[a].fws.len()))
            .then(served[b].controls.cmp(&served[a].controls))
            .then(
                model.evidence[a]
                    .ev
                    .meta
                    .id
                    .cmp(&model.evidence[b].ev.meta.id),
            )
    };
    let mut reused: Vec<usize> = (0..served.len()).collect();
    if reused.len() > 5 {
        reused.select_nth_unstable_by(4, order);
        reused.truncate(5);
    }
    reused.sort_by(order);
    reused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_keeps_the_first_by_date_and_counts_the_rest() {
        let d = |s: &str| Date::parse(s).unwrap();
        let items = vec![
            (d("2026-03-01"), Item::Evidence(0)),
            (d("2025-01-01"), Item::Evidence(1)),
            (d("2026-03-01"), Item::Document(4)),
            (d("2027-01-01"), Item::Document(0)),
            (d("2025-06-01"), Item::Evidence(2)),
        ];
        let (first, more) = earliest(items.clone(), 3);
        assert_eq!(more, 2);
        assert_eq!(
            first,
            vec![
                (d("2025-01-01"), Item::Evidence(1)),
                (d("2025-06-01"), Item::Evidence(2)),
                // Same date: the document first.
                (d("2026-03-01"), Item::Document(4)),
            ]
        );
        let (all, more) = earliest(items.clone(), 10);
        assert_eq!((all.len(), more), (5, 0));
        assert_eq!(all[4], (d("2027-01-01"), Item::Document(0)));
        assert_eq!(earliest(items, 0), (Vec::new(), 5));
    }
}
