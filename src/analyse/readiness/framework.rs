//! Readiness per framework: what an auditor of that framework will sample, and whether the repo
//! has it, in plain words: the lines of the portal's readiness page.

use crate::analyse::coverage::Coverage;
use crate::analyse::freshness::next_review;
use crate::analyse::readiness::common::{YEAR, annex_a, same_person, stale};
use crate::model::records::{ActionStatus, OpenClosed};
use crate::resolve::{ControlKey, Model};
use serde::Serialize;
use std::collections::BTreeSet;

/// One line of a readiness page.
#[derive(Debug, Clone, Serialize)]
pub struct ReadinessItem {
    pub title: String,
    /// `ok`, `attention` or `missing`.
    pub state: &'static str,
    pub detail: String,
}

fn item(title: &str, state: &'static str, detail: String) -> ReadinessItem {
    ReadinessItem {
        title: title.to_string(),
        state,
        detail,
    }
}

/// What an auditor of framework `fw` will sample, and whether the repo has it, in plain words.
pub fn readiness(model: &Model, cov: &Coverage, fw: usize) -> Vec<ReadinessItem> {
    let mut items = vec![
        controls_covered(cov, fw),
        evidence_current(cov, fw),
        policies_reviewed(model),
    ];
    match model.frameworks[fw].slug() {
        "iso27001" => items.extend([
            statement_of_applicability(model),
            risk_item(model),
            audit_item(model),
            review_item(model),
            nonconformity_item(model),
            new_controls_item(model, cov, fw),
            supplier_item(model),
        ]),
        "soc2" => {
            items.extend(report_period_item(model, cov, fw));
            items.extend([risk_item(model), audit_item(model), supplier_item(model)]);
        }
        _ => {}
    }
    items
}

/// How many of the framework's controls a policy or evidence covers.
fn controls_covered(cov: &Coverage, fw: usize) -> ReadinessItem {
    let s = &cov.summaries[fw];
    let covered = s.covered + s.inherited;
    item(
        "Controls covered",
        if s.gap == 0 && s.partial == 0 {
            "ok"
        } else if covered * 10 >= s.controls * 6 {
            "attention"
        } else {
            "missing"
        },
        format!(
            "{covered} of {} controls are covered by a policy or evidence ({} directly, {} through crosswalks); {} are only partly related and {} have nothing.",
            s.controls, s.covered, s.inherited, s.partial, s.gap
        ),
    )
}

/// Whether every covered control has evidence that has not expired.
fn evidence_current(cov: &Coverage, fw: usize) -> ReadinessItem {
    let s = &cov.summaries[fw];
    item(
        "Evidence is current",
        if s.without_fresh_evidence == 0 {
            "ok"
        } else {
            "attention"
        },
        if s.without_fresh_evidence == 0 {
            "Every covered control has evidence that has not expired.".to_string()
        } else {
            format!(
                "{} covered controls rest on policies alone or on expired evidence: the auditor will ask to see them operate.",
                s.without_fresh_evidence
            )
        },
    )
}

/// The documents past their review date.
fn policies_reviewed(model: &Model) -> ReadinessItem {
    let overdue: Vec<&str> = model
        .documents
        .iter()
        .filter(|d| next_review(&d.doc.meta) < model.today)
        .map(|d| d.doc.meta.id.as_str())
        .collect();
    item(
        "Policies reviewed on schedule",
        if overdue.is_empty() {
            "ok"
        } else {
            "attention"
        },
        if overdue.is_empty() {
            format!(
                "All {} documents are within their review dates.",
                model.documents.len()
            )
        } else {
            format!(
                "{} of {} documents are past their review date: {}.",
                overdue.len(),
                model.documents.len(),
                overdue.join(", ")
            )
        },
    )
}

/// The latest management review: within a year, its inputs recorded, its actions on time.
fn review_item(model: &Model) -> ReadinessItem {
    let today = model.today;
    let r = &model.records;
    match r.latest_review() {
        None => item("Management review", "missing", "No management review is on record. Top management must review the ISMS at planned intervals.".into()),
        Some(m) => {
            let missing = m.inputs.all().iter().filter(|(_, _, g)| g.is_none_or(|s| s.trim().is_empty())).count();
            let open_overdue = r.reviews.iter().flat_map(|x| &x.value.actions).filter(|a| a.status == ActionStatus::Open && a.due < today).count();
            let fresh = !stale(m.date, YEAR, today);
            let state = if fresh && missing == 0 && open_overdue == 0 { "ok" } else if fresh { "attention" } else { "missing" };
            item("Management review", state, format!("Latest: {} on {}{}. {} of 7 required inputs recorded; {} action{} overdue.", m.id, m.date, if fresh { "" } else { ", more than 12 months ago" }, 7 - missing, open_overdue, if open_overdue == 1 { "" } else { "s" }))
        }
    }
}

/// The latest internal audit: within a year and independent of the audited area.
fn audit_item(model: &Model) -> ReadinessItem {
    let today = model.today;
    match model.records.latest_audit() {
        None => item(
            "Internal audit",
            "missing",
            "No internal audit is on record.".into(),
        ),
        Some(a) => {
            let fresh = !stale(a.date, YEAR, today);
            let independent = !same_person(&a.auditor, &a.area_owner);
            item(
                "Internal audit",
                if fresh && independent {
                    "ok"
                } else {
                    "attention"
                },
                format!(
                    "Latest: {} on {} by {} ({}), {} findings{}.",
                    a.id,
                    a.date,
                    a.auditor,
                    a.area,
                    a.findings.len(),
                    if independent {
                        ""
                    } else {
                        "; the auditor owns the audited area"
                    }
                ),
            )
        }
    }
}

/// The risk register: assessed on its cadence, its open risks reviewed on time.
fn risk_item(model: &Model) -> ReadinessItem {
    let today = model.today;
    match &model.records.risks {
        None => item(
            "Risk assessment and treatment",
            "missing",
            "No risk register.".into(),
        ),
        Some(reg) => {
            let v = &reg.value;
            let overdue = v
                .risks
                .iter()
                .filter(|x| {
                    x.status == OpenClosed::Open && stale(x.reviewed, x.review_every, today)
                })
                .count();
            let fresh = !stale(v.assessed, v.assess_every, today);
            item(
                "Risk assessment and treatment",
                if fresh && overdue == 0 {
                    "ok"
                } else if fresh {
                    "attention"
                } else {
                    "missing"
                },
                format!(
                    "{} risks; last full assessment {}{}; {overdue} risk review{} overdue.",
                    v.risks.len(),
                    v.assessed,
                    if fresh { "" } else { " (past its cadence)" },
                    if overdue == 1 { "" } else { "s" }
                ),
            )
        }
    }
}

/// The supplier register: every supplier reassessed on its cadence.
fn supplier_item(model: &Model) -> ReadinessItem {
    let today = model.today;
    match &model.records.suppliers {
        None => item(
            "Supplier reassessments",
            "missing",
            "No supplier register.".into(),
        ),
        Some(reg) => {
            let overdue: Vec<&str> = reg
                .value
                .suppliers
                .iter()
                .filter(|s| stale(s.assessed, s.reassess_every, today))
                .map(|s| s.name.as_str())
                .collect();
            item(
                "Supplier reassessments",
                if overdue.is_empty() {
                    "ok"
                } else {
                    "attention"
                },
                if overdue.is_empty() {
                    format!(
                        "All {} suppliers are within their reassessment dates.",
                        reg.value.suppliers.len()
                    )
                } else {
                    format!(
                        "{} of {} suppliers are overdue: {}.",
                        overdue.len(),
                        reg.value.suppliers.len(),
                        overdue.join(", ")
                    )
                },
            )
        }
    }
}

/// The Statement of Applicability (ISO 27001): complete, with justified exclusions.
fn statement_of_applicability(model: &Model) -> ReadinessItem {
    match &model.records.soa {
        None => item(
            "Statement of Applicability",
            "missing",
            "No SoA. It is the first document a certification auditor reads.".into(),
        ),
        Some(soa) => {
            let excluded = soa.value.controls.iter().filter(|e| !e.applicable).count();
            let unjustified = soa
                .value
                .controls
                .iter()
                .filter(|e| {
                    !e.applicable
                        && e.justification
                            .as_deref()
                            .is_none_or(|s| s.trim().is_empty())
                })
                .count();
            let complete = soa.value.controls.len() >= annex_a(model).len();
            item(
                "Statement of Applicability",
                if complete && unjustified == 0 && excluded > 0 {
                    "ok"
                } else {
                    "attention"
                },
                format!(
                    "Version {} approved {}: {} controls listed, {excluded} excluded{}.",
                    soa.value.version,
                    soa.value.approved,
                    soa.value.controls.len(),
                    if unjustified > 0 {
                        format!(", {unjustified} without justification")
                    } else {
                        String::new()
                    }
                ),
            )
        }
    }
}

/// Open nonconformities (ISO 27001 10.2), and how many are past due.
fn nonconformity_item(model: &Model) -> ReadinessItem {
    let open: Vec<_> = model
        .records
        .nonconformities
        .iter()
        .flat_map(|n| &n.value.nonconformities)
        .filter(|n| n.status == OpenClosed::Open)
        .collect();
    let late = open.iter().filter(|n| n.due < model.today).count();
    item(
        "Nonconformities and corrective action",
        if late == 0 { "ok" } else { "attention" },
        format!("{} open, {late} past due.", open.len()),
    )
}

/// The Annex A controls new in ISO 27001:2022, which surveillance audits look for: each with
/// evidence of operation.
fn new_controls_item(model: &Model, cov: &Coverage, fw: usize) -> ReadinessItem {
    let f = &model.frameworks[fw];
    let new: Vec<ControlKey> = annex_a(model)
        .into_iter()
        .filter(|k| f.catalog.controls[k.ctl].new && k.fw == fw)
        .collect();
    let without: Vec<&str> = new
        .iter()
        .filter(|k| !cov.of(**k).any_evidence)
        .map(|k| f.catalog.controls[k.ctl].id.as_str())
        .collect();
    item(
        "The 11 controls new in 2022",
        if without.is_empty() {
            "ok"
        } else {
            "attention"
        },
        if without.is_empty() {
            "Each has evidence of operation.".into()
        } else {
            format!(
                "{} have no evidence: {}.",
                without.len(),
                without.join(", ")
            )
        },
    )
}

/// SOC 2: how many criteria have evidence valid during the report period, when one is set.
fn report_period_item(model: &Model, cov: &Coverage, fw: usize) -> Option<ReadinessItem> {
    let f = &model.frameworks[fw];
    let (start, end) = model
        .config
        .certifications
        .iter()
        .find(|c| c.framework == "soc2")
        .and_then(|c| Some((c.period_start?, c.period_end?)))?;
    let criteria: Vec<ControlKey> = (0..f.catalog.controls.len())
        .map(|ctl| ControlKey { fw, ctl })
        .collect();
    let with: BTreeSet<usize> = criteria
        .iter()
        .filter(|k| {
            let c = cov.of(**k);
            c.direct
                .iter()
                .chain(c.inherited.iter().map(|(i, _)| i))
                .any(|i| match i {
                    crate::analyse::coverage::Item::Evidence(e) => {
                        let m = &model.evidence[*e].ev.meta;
                        m.collected <= end && crate::analyse::freshness::evidence_expiry(m) >= start
                    }
                    _ => false,
                })
        })
        .map(|k| k.ctl)
        .collect();
    Some(item(
        "Evidence across the report period",
        if with.len() == criteria.len() {
            "ok"
        } else {
            "attention"
        },
        format!(
            "{} of {} criteria have evidence valid during {start} to {end}; a Type 2 auditor samples operation across the whole period.",
            with.len(),
            criteria.len()
        ),
    ))
}
