//! Stage 3c: is the ISMS running? The Statement of Applicability rules, the records' cadences
//! (management review, internal audit, risk review, corrective actions, supplier reassessment),
//! the certification cycle, and per framework what an auditor will sample and whether the repo
//! has it. Pure functions over the model and coverage; `check` shows the diagnostics, the portal
//! the readiness pages.

use crate::analyse::coverage::{Coverage, Status};
use crate::analyse::freshness::next_review;
use crate::base::diagnostic::{Diagnostic, Pos};
use crate::model::records::{ActionStatus, FindingType, OpenClosed, Severity, Treatment};
use crate::model::{Date, Period, Unit};
use crate::resolve::{ControlKey, Model};
use serde::Serialize;
use std::collections::{BTreeSet, HashSet};

pub const YEAR: Period = Period {
    amount: 12,
    unit: Unit::Months,
};
/// How far ahead of an audit date `check` starts warning.
pub const AHEAD: Period = Period {
    amount: 90,
    unit: Unit::Days,
};

fn stale(date: Date, every: Period, today: Date) -> bool {
    date.plus(every) < today
}

/// "Surveillance audit" -> "surveillance audit", but "SOC 2 …" stays as it is.
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match (c.next(), c.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            a.to_lowercase().chain(s[a.len_utf8()..].chars()).collect()
        }
        _ => s.to_string(),
    }
}

fn same_person(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.split('(').next().unwrap_or("").trim().to_lowercase();
    !norm(a).is_empty() && norm(a) == norm(b)
}

/// Annex A controls of ISO 27001 (the counted ones), when the catalog is loaded.
fn annex_a(model: &Model) -> Vec<ControlKey> {
    let Some(fw) = model.framework("iso27001") else {
        return Vec::new();
    };
    let f = &model.frameworks[fw];
    (0..f.catalog.controls.len())
        .filter(|&c| f.is_counted(c))
        .map(|ctl| ControlKey { fw, ctl })
        .collect()
}

/// Every rule of a running ISMS, as diagnostics.
pub fn check(model: &Model, cov: &Coverage) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let today = model.today;
    let r = &model.records;
    let iso_in_scope = model
        .framework("iso27001")
        .is_some_and(|f| model.frameworks[f].in_scope);
    soa_rules(model, cov, &mut out);

    // Management reviews (9.3).
    if iso_in_scope && r.reviews.is_empty() {
        out.push(
            Diagnostic::warning(
                crate::model::records::REVIEWS_DIR,
                "no management review on record (ISO 27001 clause 9.3)",
            )
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
            .at(latest.pos(&latest.value.id)),
        );
    }
    for m in &r.reviews {
        for (field, what, given) in m.value.inputs.all() {
            if given.is_none_or(|s| s.trim().is_empty()) {
                out.push(
                    Diagnostic::warning(&m.path, format!("management review `{}` records no input `{field}`: {what} (clause 9.3.2)", m.value.id))
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
                    .at(m.pos(&a.id)),
                );
            }
        }
    }

    // Internal audits (9.2).
    if iso_in_scope && r.audits.is_empty() {
        out.push(Diagnostic::warning(
            crate::model::records::AUDITS_DIR,
            "no internal audit on record (ISO 27001 clause 9.2)",
        ));
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
                        .at(a.pos("auditor:")),
                );
            }
        }
        for f in &v.findings {
            match (&f.nonconformity, f.kind) {
                (None, FindingType::Major | FindingType::Minor) => out.push(
                    Diagnostic::warning(&a.path, format!("finding `{}` is a nonconformity but names no `nonconformity` record (clause 10.2)", f.id)).at(a.pos(&f.id)),
                ),
                (Some(nc), _) if r.nonconformities.is_some() && !nc_ids.contains(nc.as_str()) => out.push(
                    Diagnostic::error(&a.path, format!("finding `{}` names nonconformity `{nc}`, which is not in {}", f.id, crate::model::records::NC_FILE)).at(a.pos(nc)),
                ),
                _ => {}
            }
        }
    }

    // Risk register (6.1, 8.2, 8.3).
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
                .at(reg.pos("assessed:")),
            );
        }
        let mut seen = HashSet::new();
        for x in &v.risks {
            let at = reg.pos(&x.id);
            if !seen.insert(x.id.as_str()) {
                out.push(
                    Diagnostic::error(&reg.path, format!("duplicate risk id `{}`", x.id)).at(at),
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
                    .at(at),
                );
            }
            let residual = u16::from(x.residual_likelihood.unwrap_or(x.likelihood))
                * u16::from(x.residual_impact.unwrap_or(x.impact));
            if x.treatment == Treatment::Accept && residual >= 15 {
                out.push(Diagnostic::warning(&reg.path, format!("risk `{}` is accepted with a residual score of {residual}: a high risk should be treated, or its acceptance recorded by top management", x.id)).at(at));
            }
        }
    } else if iso_in_scope {
        out.push(Diagnostic::warning(
            crate::model::records::RISKS_FILE,
            "no risk register (ISO 27001 clauses 6.1.2, 8.2)",
        ));
    }

    // Nonconformities and corrective action (10.2).
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
                        Diagnostic::error(&log.path, m)
                    } else {
                        Diagnostic::warning(&log.path, m)
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
                out.push(Diagnostic::error(&log.path, format!("nonconformity `{}` is closed without a `closed` date and a `corrective_action`", n.id)).at(at));
            }
        }
    }

    // Suppliers (A.5.19-A.5.22).
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
                    .at(reg.pos(&s.id)),
                );
            }
        }
    }

    certification_rules(model, &mut out);
    out
}

fn soa_rules(model: &Model, cov: &Coverage, out: &mut Vec<Diagnostic>) {
    let annex = annex_a(model);
    let Some(soa) = &model.records.soa else {
        if model
            .framework("iso27001")
            .is_some_and(|f| model.frameworks[f].in_scope)
        {
            out.push(
                Diagnostic::warning(
                    crate::model::records::SOA_FILE,
                    "no Statement of Applicability: ISO 27001 is in scope",
                )
                .with_hint(
                    "write content/soa.yaml with all 93 Annex A controls (docs/isms-records.md)",
                ),
            );
        }
        return;
    };
    let Some(fw) = model.framework("iso27001") else {
        return;
    };
    let f = &model.frameworks[fw];
    let mut listed: HashSet<usize> = HashSet::new();
    let mut applicable = 0;
    for e in &soa.value.controls {
        let at = soa
            .pos(&format!("control: {}", e.control))
            .or(soa.pos(&e.control));
        let Some(ctl) = f.control(&e.control).filter(|&c| f.is_counted(c)) else {
            let hint = crate::resolve::nearest(
                &e.control,
                annex.iter().map(|k| f.catalog.controls[k.ctl].id.as_str()),
                3,
            )
            .map(|s| format!("did you mean {}?", s.join(", ")));
            let mut d = Diagnostic::error(
                &soa.path,
                format!(
                    "`{}` is not an ISO/IEC 27001:2022 Annex A control",
                    e.control
                ),
            )
            .at(at);
            if let Some(h) = hint {
                d = d.with_hint(h);
            }
            out.push(d);
            continue;
        };
        if !listed.insert(ctl) {
            out.push(Diagnostic::error(&soa.path, format!("{} is listed twice", e.control)).at(at));
            continue;
        }
        let k = ControlKey { fw, ctl };
        if !e.applicable {
            if e.justification
                .as_deref()
                .is_none_or(|s| s.trim().is_empty())
            {
                out.push(
                    Diagnostic::error(
                        &soa.path,
                        format!("{} is excluded without a justification", e.control),
                    )
                    .at(at)
                    .with_hint("auditors ask why every excluded control does not apply"),
                );
            }
            continue;
        }
        applicable += 1;
        if e.status.is_none() {
            out.push(
                Diagnostic::error(
                    &soa.path,
                    format!(
                        "{} is applicable but has no implementation `status`",
                        e.control
                    ),
                )
                .at(at),
            );
        }
        let c = cov.of(k);
        if !matches!(c.status(), Status::Covered | Status::Inherited) {
            out.push(
                Diagnostic::warning(
                    &soa.path,
                    format!(
                        "{} {} is applicable, but no policy or evidence covers it",
                        e.control, f.catalog.controls[ctl].title
                    ),
                )
                .at(at),
            );
        }
        if f.catalog.controls[ctl].new && !c.any_evidence {
            out.push(
                Diagnostic::warning(&soa.path, format!("{} {} is new in ISO 27001:2022 and applicable, but no evidence shows it implemented", e.control, f.catalog.controls[ctl].title))
                    .at(at)
                    .with_hint("surveillance audits look for the 11 new controls"),
            );
        }
    }
    let missing: Vec<&str> = annex
        .iter()
        .filter(|k| !listed.contains(&k.ctl))
        .map(|k| f.catalog.controls[k.ctl].id.as_str())
        .collect();
    if !missing.is_empty() {
        out.push(
            Diagnostic::error(
                &soa.path,
                format!(
                    "{} Annex A control{} missing from the SoA: {}",
                    missing.len(),
                    if missing.len() == 1 { " is" } else { "s are" },
                    missing.join(", ")
                ),
            )
            .at(soa.pos("controls:")),
        );
    }
    if missing.is_empty() && applicable == annex.len() {
        out.push(
            Diagnostic::warning(&soa.path, format!("all {} Annex A controls are marked applicable", annex.len()))
                .at(soa.pos("controls:"))
                .with_hint("an SoA with no exclusion is the mark of a template ISMS; auditors ask how each control was judged"),
        );
    }
}

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

fn certification_rules(model: &Model, out: &mut Vec<Diagnostic>) {
    let today = model.today;
    let r = &model.records;
    let cfg = crate::model::config::CONFIG_FILE;
    for c in &model.config.certifications {
        if model.framework(&c.framework).is_none() {
            out.push(
                Diagnostic::error(
                    cfg,
                    format!("certification names unknown framework `{}`", c.framework),
                )
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
            out.push(Diagnostic::warning(
                cfg,
                format!("the {} certificate expired on {exp}", c.framework),
            ));
        }
    }
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
        let mut gaps = Vec::new();
        match r.latest_review() {
            None => gaps.push("no management review on record".to_string()),
            Some(v) if stale(v.date, YEAR, m.date) => gaps.push(format!(
                "the latest management review ({}) will be over 12 months old",
                v.date
            )),
            _ => {}
        }
        match r.latest_audit() {
            None => gaps.push("no internal audit on record".to_string()),
            Some(a) if stale(a.date, YEAR, m.date) => gaps.push(format!(
                "the latest internal audit ({}) will be over 12 months old",
                a.date
            )),
            _ => {}
        }
        match &r.risks {
            None => gaps.push("no risk register".to_string()),
            Some(reg) if stale(reg.value.assessed, reg.value.assess_every, m.date) => {
                gaps.push(format!(
                    "the risk assessment ({}) will be past its cadence",
                    reg.value.assessed
                ))
            }
            _ => {}
        }
        if let Some(reg) = &r.suppliers {
            let n = reg
                .value
                .suppliers
                .iter()
                .filter(|s| stale(s.assessed, s.reassess_every, m.date))
                .count();
            if n > 0 {
                gaps.push(format!(
                    "{n} supplier reassessment{} overdue",
                    if n == 1 { "" } else { "s" }
                ));
            }
        }
        for g in gaps {
            out.push(
                Diagnostic::warning(cfg, format!("{when}: {g}"))
                    .with_hint("the auditor will sample it"),
            );
        }
    }
}

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
    let today = model.today;
    let r = &model.records;
    let f = &model.frameworks[fw];
    let slug = f.slug();
    let mut items = Vec::new();
    let s = &cov.summaries[fw];
    let covered = s.covered + s.inherited;
    items.push(item(
        "Controls covered",
        if s.gap == 0 && s.partial == 0 { "ok" } else if covered * 10 >= s.controls * 6 { "attention" } else { "missing" },
        format!("{covered} of {} controls are covered by a policy or evidence ({} directly, {} through crosswalks); {} are only partly related and {} have nothing.", s.controls, s.covered, s.inherited, s.partial, s.gap),
    ));
    items.push(item(
        "Evidence is current",
        if s.without_fresh_evidence == 0 { "ok" } else { "attention" },
        if s.without_fresh_evidence == 0 {
            "Every covered control has evidence that has not expired.".to_string()
        } else {
            format!("{} covered controls rest on policies alone or on expired evidence: the auditor will ask to see them operate.", s.without_fresh_evidence)
        },
    ));
    let overdue: Vec<&str> = model
        .documents
        .iter()
        .filter(|d| next_review(&d.doc.meta) < today)
        .map(|d| d.doc.meta.id.as_str())
        .collect();
    items.push(item(
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
    ));
    let review_item = || {
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
    };
    let audit_item = || match r.latest_audit() {
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
    };
    let risk_item = || match &r.risks {
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
    };
    let supplier_item = || match &r.suppliers {
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
    };
    match slug {
        "iso27001" => {
            items.push(match &r.soa {
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
            });
            items.push(risk_item());
            items.push(audit_item());
            items.push(review_item());
            let open: Vec<_> = r
                .nonconformities
                .iter()
                .flat_map(|n| &n.value.nonconformities)
                .filter(|n| n.status == OpenClosed::Open)
                .collect();
            let late = open.iter().filter(|n| n.due < today).count();
            items.push(item(
                "Nonconformities and corrective action",
                if late == 0 { "ok" } else { "attention" },
                format!("{} open, {late} past due.", open.len()),
            ));
            let new: Vec<ControlKey> = annex_a(model)
                .into_iter()
                .filter(|k| f.catalog.controls[k.ctl].new && k.fw == fw)
                .collect();
            let without: Vec<&str> = new
                .iter()
                .filter(|k| !cov.of(**k).any_evidence)
                .map(|k| f.catalog.controls[k.ctl].id.as_str())
                .collect();
            items.push(item(
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
            ));
            items.push(supplier_item());
        }
        "soc2" => {
            let period = model
                .config
                .certifications
                .iter()
                .find(|c| c.framework == "soc2")
                .and_then(|c| Some((c.period_start?, c.period_end?)));
            if let Some((start, end)) = period {
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
                                    m.collected <= end
                                        && crate::analyse::freshness::evidence_expiry(m) >= start
                                }
                                _ => false,
                            })
                    })
                    .map(|k| k.ctl)
                    .collect();
                items.push(item(
                    "Evidence across the report period",
                    if with.len() == criteria.len() { "ok" } else { "attention" },
                    format!("{} of {} criteria have evidence valid during {start} to {end}; a Type 2 auditor samples operation across the whole period.", with.len(), criteria.len()),
                ));
            }
            items.push(risk_item());
            items.push(audit_item());
            items.push(supplier_item());
        }
        _ => {}
    }
    items
}
