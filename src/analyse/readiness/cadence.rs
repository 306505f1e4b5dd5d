//! The records' cadences: management review (ISO 27001 9.3), internal audit (9.2), the risk
//! register (6.1, 8.2, 8.3), nonconformities and corrective action (10.2) and supplier
//! reassessment (A.5.19-A.5.22), each a family of rules over the ISMS records.

use crate::analyse::readiness::common::{YEAR, same_person, stale};
use crate::base::diagnostic::Diagnostic;
use crate::base::rules;
use crate::model::records::{ActionStatus, FindingType, OpenClosed, Severity, Treatment};
use crate::resolve::{ControlKey, Model};
use std::collections::HashSet;

/// Management reviews (9.3): one on record, the latest within a year, every required input
/// recorded, every action closed on time and with its date.
pub(super) fn review_rules(model: &Model, iso_in_scope: bool, out: &mut Vec<Diagnostic>) {
    let today = model.today;
    let r = &model.records;
    if iso_in_scope && r.reviews.is_empty() {
        out.push(
            Diagnostic::warning(
                crate::model::records::REVIEWS_DIR,
                "no management review on record (ISO 27001 clause 9.3)",
            )
            .with_rule(rules::MANAGEMENT_REVIEW_MISSING)
            .with_hint(
                "record each review in content/records/management-reviews/ (docs/isms-records.md)",
            ),
        );
    }
    if let Some(latest) = r.reviews.iter().max_by_key(|m| m.value.date)
        && stale(latest.value.date, YEAR, today)
    {
        out.push(
            Diagnostic::warning(
                &latest.path,
                format!(
                    "the latest management review ({}) is more than 12 months old",
                    latest.value.date
                ),
            )
            .with_rule(rules::MANAGEMENT_REVIEW_STALE)
            .at(latest.pos(&latest.value.id)),
        );
    }
    for m in &r.reviews {
        for (field, what, given) in m.value.inputs.all() {
            if given.is_none_or(|s| s.trim().is_empty()) {
                out.push(
                    Diagnostic::warning(&m.path, format!("management review `{}` records no input `{field}`: {what} (clause 9.3.2)", m.value.id))
                        .with_rule(rules::MANAGEMENT_REVIEW_INPUTS)
                        .at(m.pos("inputs:").or(m.pos(&m.value.id))),
                );
            }
        }
        for a in &m.value.actions {
            if a.status == ActionStatus::Open && a.due < today {
                out.push(
                    Diagnostic::warning(
                        &m.path,
                        format!(
                            "action `{}` from management review `{}` was due {} and is still open",
                            a.id, m.value.id, a.due
                        ),
                    )
                    .with_rule(rules::ACTION_OVERDUE)
                    .at(m.pos(&a.id)),
                );
            }
            if a.status != ActionStatus::Open && a.closed.is_none() {
                out.push(
                    Diagnostic::error(
                        &m.path,
                        format!(
                            "action `{}` is {} but has no `closed` date",
                            a.id,
                            if a.status == ActionStatus::Done {
                                "done"
                            } else {
                                "dropped"
                            }
                        ),
                    )
                    .with_rule(rules::ACTION_CLOSED_UNDATED)
                    .at(m.pos(&a.id)),
                );
            }
        }
    }
}

/// Internal audits (9.2): one on record, the latest within a year, each run independently of
/// the audited area, each nonconformity finding tied to its record.
pub(super) fn audit_rules(model: &Model, iso_in_scope: bool, out: &mut Vec<Diagnostic>) {
    let today = model.today;
    let r = &model.records;
    if iso_in_scope && r.audits.is_empty() {
        out.push(
            Diagnostic::warning(
                crate::model::records::AUDITS_DIR,
                "no internal audit on record (ISO 27001 clause 9.2)",
            )
            .with_rule(rules::INTERNAL_AUDIT_MISSING),
        );
    }
    if let Some(latest) = r.audits.iter().max_by_key(|a| a.value.date)
        && stale(latest.value.date, YEAR, today)
    {
        out.push(
            Diagnostic::warning(
                &latest.path,
                format!(
                    "the latest internal audit ({}) is more than 12 months old",
                    latest.value.date
                ),
            )
            .with_rule(rules::INTERNAL_AUDIT_STALE)
            .at(latest.pos(&latest.value.id)),
        );
    }
    let nc_ids: HashSet<&str> = r
        .nonconformities
        .iter()
        .flat_map(|n| n.value.nonconformities.iter().map(|x| x.id.as_str()))
        .collect();
    for a in &r.audits {
        let v = &a.value;
        if same_person(&v.auditor, &v.area_owner) {
            out.push(
                Diagnostic::error(&a.path, format!("internal audit `{}` was run by the owner of the audited area ({}): it is not independent (clause 9.2.2)", v.id, v.area_owner))
                    .with_rule(rules::AUDIT_INDEPENDENCE)
                    .at(a.pos("auditor:")),
            );
        }
        let scope: HashSet<ControlKey> = v
            .scope
            .iter()
            .filter_map(|s| crate::model::ControlRef::parse(s).ok())
            .filter_map(|r| model.lookup(&r).ok())
            .collect();
        for d in &model.documents {
            if same_person(&v.auditor, &d.doc.meta.owner)
                && d.controls.iter().any(|k| scope.contains(k))
            {
                out.push(
                    Diagnostic::error(&a.path, format!("internal audit `{}`: the auditor owns `{}`, which covers controls in the audit's scope: the audit is not independent", v.id, d.doc.meta.id))
                        .with_rule(rules::AUDIT_INDEPENDENCE)
                        .at(a.pos("auditor:")),
                );
            }
        }
        for f in &v.findings {
            match (&f.nonconformity, f.kind) {
                (None, FindingType::Major | FindingType::Minor) => out.push(
                    Diagnostic::warning(&a.path, format!("finding `{}` is a nonconformity but names no `nonconformity` record (clause 10.2)", f.id))
                        .with_rule(rules::FINDING_WITHOUT_NONCONFORMITY).at(a.pos(&f.id)),
                ),
                (Some(nc), _) if r.nonconformities.is_some() && !nc_ids.contains(nc.as_str()) => out.push(
                    Diagnostic::error(&a.path, format!("finding `{}` names nonconformity `{nc}`, which is not in {}", f.id, crate::model::records::NC_FILE))
                        .with_rule(rules::FINDING_UNKNOWN_NONCONFORMITY).at(a.pos(nc)),
                ),
                _ => {}
            }
        }
    }
}

/// The risk register (6.1, 8.2, 8.3): assessed on its cadence, ids unique, scores on the scale,
/// open risks reviewed on time, no high residual risk simply accepted.
pub(super) fn risk_rules(model: &Model, iso_in_scope: bool, out: &mut Vec<Diagnostic>) {
    let today = model.today;
    let r = &model.records;
    if let Some(reg) = &r.risks {
        let v = &reg.value;
        if stale(v.assessed, v.assess_every, today) {
            out.push(
                Diagnostic::warning(
                    &reg.path,
                    format!(
                        "the last risk assessment ({}) is older than its cadence ({})",
                        v.assessed, v.assess_every
                    ),
                )
                .with_rule(rules::RISK_ASSESSMENT_STALE)
                .at(reg.pos("assessed:")),
            );
        }
        let mut seen = HashSet::new();
        for x in &v.risks {
            let at = reg.pos(&x.id);
            if !seen.insert(x.id.as_str()) {
                out.push(
                    Diagnostic::error(&reg.path, format!("duplicate risk id `{}`", x.id))
                        .with_rule(rules::DUPLICATE_ID)
                        .at(at),
                );
            }
            for (name, n) in [
                ("likelihood", Some(x.likelihood)),
                ("impact", Some(x.impact)),
                ("residual_likelihood", x.residual_likelihood),
                ("residual_impact", x.residual_impact),
            ] {
                if let Some(n) = n
                    && !(1..=5).contains(&n)
                {
                    out.push(
                        Diagnostic::error(
                            &reg.path,
                            format!("risk `{}`: `{name}` is {n}; the scale is 1 to 5", x.id),
                        )
                        .with_rule(rules::RISK_SCALE)
                        .at(at),
                    );
                }
            }
            if x.status == OpenClosed::Open && stale(x.reviewed, x.review_every, today) {
                out.push(
                    Diagnostic::warning(
                        &reg.path,
                        format!(
                            "risk `{}` was last reviewed {} and is overdue (every {})",
                            x.id, x.reviewed, x.review_every
                        ),
                    )
                    .with_rule(rules::RISK_REVIEW_OVERDUE)
                    .at(at),
                );
            }
            let residual = u16::from(x.residual_likelihood.unwrap_or(x.likelihood))
                * u16::from(x.residual_impact.unwrap_or(x.impact));
            if x.treatment == Treatment::Accept && residual >= 15 {
                out.push(Diagnostic::warning(&reg.path, format!("risk `{}` is accepted with a residual score of {residual}: a high risk should be treated, or its acceptance recorded by top management", x.id))
                    .with_rule(rules::RISK_ACCEPTED_HIGH).at(at));
            }
        }
    } else if iso_in_scope {
        out.push(
            Diagnostic::warning(
                crate::model::records::RISKS_FILE,
                "no risk register (ISO 27001 clauses 6.1.2, 8.2)",
            )
            .with_rule(rules::RISK_REGISTER_MISSING),
        );
    }
}

/// Nonconformities and corrective action (10.2): none open past its due date, none closed
/// without its date and corrective action.
pub(super) fn nonconformity_rules(model: &Model, out: &mut Vec<Diagnostic>) {
    let today = model.today;
    let r = &model.records;
    if let Some(log) = &r.nonconformities {
        for n in &log.value.nonconformities {
            let at = log.pos(&n.id);
            if n.status == OpenClosed::Open && n.due < today {
                let m = format!(
                    "{} nonconformity `{}` was due {} and is still open",
                    if n.severity == Severity::Major {
                        "major"
                    } else {
                        "minor"
                    },
                    n.id,
                    n.due
                );
                out.push(
                    if n.severity == Severity::Major {
                        Diagnostic::error(&log.path, m).with_rule(rules::NONCONFORMITY_OVERDUE)
                    } else {
                        Diagnostic::warning(&log.path, m).with_rule(rules::NONCONFORMITY_OVERDUE)
                    }
                    .at(at),
                );
            }
            if n.status == OpenClosed::Closed
                && (n.closed.is_none()
                    || n.corrective_action
                        .as_deref()
                        .is_none_or(|s| s.trim().is_empty()))
            {
                out.push(Diagnostic::error(&log.path, format!("nonconformity `{}` is closed without a `closed` date and a `corrective_action`", n.id))
                    .with_rule(rules::NONCONFORMITY_CLOSED_INCOMPLETE).at(at));
            }
        }
    }
}

/// Suppliers (A.5.19-A.5.22): each reassessed on its cadence.
pub(super) fn supplier_rules(model: &Model, out: &mut Vec<Diagnostic>) {
    let today = model.today;
    let r = &model.records;
    if let Some(reg) = &r.suppliers {
        for s in &reg.value.suppliers {
            if stale(s.assessed, s.reassess_every, today) {
                out.push(
                    Diagnostic::warning(
                        &reg.path,
                        format!(
                            "supplier `{}` ({}) was last assessed {} and is overdue (every {})",
                            s.id, s.name, s.assessed, s.reassess_every
                        ),
                    )
                    .with_rule(rules::SUPPLIER_OVERDUE)
                    .at(reg.pos(&s.id)),
                );
            }
        }
    }
}
