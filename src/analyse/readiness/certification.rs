//! The certification cycle: the dated milestones of each certification, and the rules that
//! watch them (unknown frameworks, expired certificates, and what an upcoming audit will sample
//! that the records do not have yet).

use crate::analyse::readiness::common::{AHEAD, YEAR, lower_first, stale};
use crate::base::diagnostic::{Diagnostic, Pos};
use crate::base::rules;
use crate::model::Date;
use crate::model::records::Records;
use crate::resolve::Model;
use serde::Serialize;

/// A dated event of a certification cycle.
#[derive(Debug, Clone, Serialize)]
pub struct Milestone {
    pub framework: String,
    pub label: String,
    pub date: Date,
    pub past: bool,
    /// Whether `check` looks at what the auditor will sample before it.
    pub audit: bool,
}

pub fn milestones(model: &Model) -> Vec<Milestone> {
    let mut out = Vec::new();
    let today = model.today;
    for c in &model.config.certifications {
        let mut add = |label: String, date: Option<Date>, audit: bool| {
            if let Some(date) = date {
                out.push(Milestone {
                    framework: c.framework.clone(),
                    label,
                    date,
                    past: date < today,
                    audit,
                });
            }
        };
        add("Stage 1 audit".into(), c.stage1, true);
        add("Stage 2 audit".into(), c.stage2, true);
        add("Certificate issued".into(), c.issued, false);
        for (i, d) in c.surveillance_dates().into_iter().enumerate() {
            add(
                format!("Surveillance audit (year {})", i + 2),
                Some(d),
                true,
            );
        }
        add(
            "Certificate expires: recertify before".into(),
            c.expiry(),
            true,
        );
        add(
            format!("SOC 2 Type {} period starts", c.report_type.unwrap_or(2)),
            c.period_start,
            false,
        );
        add(
            format!("SOC 2 Type {} period ends", c.report_type.unwrap_or(2)),
            c.period_end,
            true,
        );
        add("Report due".into(), c.report_due, false);
    }
    out.sort_by(|a, b| a.date.cmp(&b.date).then(a.framework.cmp(&b.framework)));
    out
}

/// The certification rules: each certification names a known framework and an unexpired
/// certificate, and each audit within `AHEAD` finds the records it will sample.
pub(super) fn certification_rules(model: &Model, out: &mut Vec<Diagnostic>) {
    certificate_rules(model, out);
    upcoming_audit_rules(model, out);
}

/// Each certification names a known framework; a certificate past its expiry is reported.
fn certificate_rules(model: &Model, out: &mut Vec<Diagnostic>) {
    let today = model.today;
    let cfg = crate::model::config::CONFIG_FILE;
    for c in &model.config.certifications {
        if model.framework(&c.framework).is_none() {
            out.push(
                Diagnostic::error(
                    cfg,
                    format!("certification names unknown framework `{}`", c.framework),
                )
                .with_rule(rules::UNKNOWN_FRAMEWORK)
                .at(Pos::find(
                    &model.config.source,
                    &c.framework,
                    model.config.source.find("certifications").unwrap_or(0),
                )),
            );
        }
        if let Some(exp) = c.expiry()
            && exp < today
        {
            out.push(
                Diagnostic::warning(
                    cfg,
                    format!("the {} certificate expired on {exp}", c.framework),
                )
                .with_rule(rules::CERTIFICATE_EXPIRED),
            );
        }
    }
}

/// For each audit within `AHEAD` of today, one warning per record the auditor will sample that
/// is missing or out of date on the audit's date.
fn upcoming_audit_rules(model: &Model, out: &mut Vec<Diagnostic>) {
    let today = model.today;
    let cfg = crate::model::config::CONFIG_FILE;
    for m in milestones(model)
        .into_iter()
        .filter(|m| m.audit && !m.past && m.date <= today.plus(AHEAD))
    {
        let days = today.days_until(m.date);
        let when = format!(
            "{}: {} on {} (in {days} days)",
            m.framework,
            lower_first(&m.label),
            m.date
        );
        for g in gaps_on(&model.records, m.date) {
            out.push(
                Diagnostic::warning(cfg, format!("{when}: {g}"))
                    .with_rule(rules::AUDIT_PREPARATION)
                    .with_hint("the auditor will sample it"),
            );
        }
    }
}

/// What will be missing or out of date on `date` among the records an auditor samples:
/// management review, internal audit, risk assessment, supplier reassessments.
fn gaps_on(r: &Records, date: Date) -> Vec<String> {
    let mut gaps = Vec::new();
    match r.latest_review() {
        None => gaps.push("no management review on record".to_string()),
        Some(v) if stale(v.date, YEAR, date) => gaps.push(format!(
            "the latest management review ({}) will be over 12 months old",
            v.date
        )),
        _ => {}
    }
    match r.latest_audit() {
        None => gaps.push("no internal audit on record".to_string()),
        Some(a) if stale(a.date, YEAR, date) => gaps.push(format!(
            "the latest internal audit ({}) will be over 12 months old",
            a.date
        )),
        _ => {}
    }
    match &r.risks {
        None => gaps.push("no risk register".to_string()),
        Some(reg) if stale(reg.value.assessed, reg.value.assess_every, date) => gaps.push(format!(
            "the risk assessment ({}) will be past its cadence",
            reg.value.assessed
        )),
        _ => {}
    }
    if let Some(reg) = &r.suppliers {
        let n = reg
            .value
            .suppliers
            .iter()
            .filter(|s| stale(s.assessed, s.reassess_every, date))
            .count();
        if n > 0 {
            gaps.push(format!(
                "{n} supplier reassessment{} overdue",
                if n == 1 { "" } else { "s" }
            ));
        }
    }
    gaps
}
