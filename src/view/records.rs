//! Views of the ISMS records: the Statement of Applicability (page and CSV), management reviews,
//! internal audits, the risk register with its heat maps, nonconformities, suppliers, readiness per
//! framework and the certification timeline. Like `view.rs`: serialisable, pre-formatted, no model.

use crate::analyse::coverage::{Coverage, Item};
use crate::analyse::readiness::{self, Milestone};
use crate::base::diagnostic::Diagnostic;
use crate::model::records::{ActionStatus, OpenClosed};
use crate::resolve::{ControlKey, Model};
use crate::view::{PageSpec, control_url, doc_url, evidence_url};
use serde::Serialize;
use serde_json::{Value, json};

pub const SOA_CSV: &str = "isms/soa.csv";

fn spec(path: &str, template: &'static str, title: &str, view: Value) -> PageSpec {
    PageSpec::new(path.to_string(), template, title.to_string(), "isms", &view)
}

fn control_ref(model: &Model, raw: &str) -> Value {
    match crate::model::ControlRef::parse(raw)
        .ok()
        .and_then(|r| model.lookup(&r).ok())
    {
        Some(k) => json!({"label": raw, "url": control_url(model, k)}),
        None => json!({"label": raw, "url": null}),
    }
}

/// The timeline of certification milestones, for the home page and the ISMS page.
pub fn timeline(model: &Model) -> Vec<Value> {
    let today = model.today;
    readiness::milestones(model)
        .into_iter()
        .map(|m: Milestone| {
            let days = today.days_until(m.date);
            json!({
                "framework": m.framework,
                "label": m.label,
                "date": m.date.to_string(),
                "past": m.past,
                "soon": !m.past && m.date <= today.plus(readiness::AHEAD),
                "when": if m.past { format!("{} days ago", -days) } else if days == 0 { "today".to_string() } else { format!("in {days} days") },
            })
        })
        .collect()
}

/// Certificate and attestation status, for the home page of every profile (a public trust page
/// shows these first).
pub fn certifications(model: &Model) -> Vec<Value> {
    let today = model.today;
    model
        .config
        .certifications
        .iter()
        .filter_map(|c| {
            let f = model.framework(&c.framework).map(|i| &model.frameworks[i])?;
            let title = format!("{} {}", f.catalog.title, f.catalog.edition);
            let (status, detail) = if let Some(issued) = c.issued {
                let exp = c.expiry().unwrap_or(issued);
                if exp < today {
                    ("expired", format!("certificate expired {exp}"))
                } else if issued > today {
                    ("in progress", format!("certification expected {issued}"))
                } else {
                    ("certified", format!("since {issued}, valid until {exp}"))
                }
            } else if let (Some(s), Some(e)) = (c.period_start, c.period_end) {
                let kind = format!("Type {}", c.report_type.unwrap_or(2));
                if e < today {
                    ("report", format!("{kind} report for {s} to {e}{}", c.report_due.map(|d| format!(", issued by {d}")).unwrap_or_default()))
                } else {
                    ("in progress", format!("{kind} examination period {s} to {e}"))
                }
            } else {
                ("planned", String::new())
            };
            Some(json!({
                "framework": c.framework, "title": title, "status": status, "detail": detail,
                "body": c.body.as_ref().or(c.auditor.as_ref()), "accredited_by": c.accredited_by, "certificate": c.certificate,
            }))
        })
        .collect()
}

#[derive(Serialize)]
struct SoaRow {
    control: String,
    title: String,
    url: String,
    new: bool,
    applicable: bool,
    status: String,
    justification: String,
    notes: String,
    coverage: &'static str,
    policies: Vec<Value>,
    evidence: Vec<Value>,
}

fn soa_rows(model: &Model, cov: &Coverage) -> Vec<SoaRow> {
    let (Some(soa), Some(fw)) = (&model.records.soa, model.framework("iso27001")) else {
        return Vec::new();
    };
    let f = &model.frameworks[fw];
    soa.value
        .controls
        .iter()
        .filter_map(|e| {
            let ctl = f.control(&e.control)?;
            let k = ControlKey { fw, ctl };
            let c = cov.of(k);
            let mut policies = Vec::new();
            let mut evidence = Vec::new();
            for item in c.direct.iter().chain(c.inherited.iter().map(|(i, _)| i)) {
                match *item {
                    Item::Document(i) => {
                        let d = &model.documents[i];
                        let v = json!({"id": d.doc.meta.id, "title": d.doc.meta.title, "url": doc_url(d)});
                        if !policies.contains(&v) {
                            policies.push(v);
                        }
                    }
                    Item::Evidence(i) => {
                        let e = &model.evidence[i];
                        let v = json!({"id": e.ev.meta.id, "title": e.ev.meta.title, "url": evidence_url(e)});
                        if !evidence.contains(&v) {
                            evidence.push(v);
                        }
                    }
                }
            }
            Some(SoaRow {
                control: e.control.clone(),
                title: f.catalog.controls[ctl].title.clone(),
                url: control_url(model, k),
                new: f.catalog.controls[ctl].new,
                applicable: e.applicable,
                status: e.status.map(|s| s.label().to_string()).unwrap_or_default(),
                justification: e.justification.clone().unwrap_or_default(),
                notes: e.notes.clone().unwrap_or_default(),
                coverage: c.status().label(),
                policies,
                evidence,
            })
        })
        .collect()
}

/// The SoA as CSV, for the auditor to download.
pub fn soa_csv(model: &Model, cov: &Coverage) -> Result<Vec<u8>, Diagnostic> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| Diagnostic::error(SOA_CSV, format!("cannot write CSV: {e}"));
    w.write_record([
        "control",
        "title",
        "applicable",
        "status",
        "justification",
        "notes",
        "policies",
        "evidence",
        "coverage",
    ])
    .map_err(err)?;
    for r in soa_rows(model, cov) {
        let ids = |v: &[Value]| {
            v.iter()
                .filter_map(|x| x["id"].as_str())
                .collect::<Vec<_>>()
                .join("; ")
        };
        w.write_record([
            r.control.as_str(),
            &r.title,
            if r.applicable { "yes" } else { "no" },
            &r.status,
            &r.justification,
            &r.notes,
            &ids(&r.policies),
            &ids(&r.evidence),
            r.coverage,
        ])
        .map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| Diagnostic::error(SOA_CSV, format!("cannot write CSV: {e}")))
}

/// Every ISMS page, given what the site has.
pub fn pages(model: &Model, cov: &Coverage) -> Vec<PageSpec> {
    let r = &model.records;
    let today = model.today;
    let mut out = Vec::new();
    let readiness: Vec<Value> = model
        .frameworks
        .iter()
        .enumerate()
        .filter(|(_, f)| f.in_scope)
        .map(|(i, f)| {
            let items = readiness::readiness(model, cov, i);
            let worst = if items.iter().any(|x| x.state == "missing") { "missing" } else if items.iter().any(|x| x.state == "attention") { "attention" } else { "ok" };
            json!({"slug": f.slug(), "title": f.catalog.title, "url": format!("isms/readiness-{}.html", f.slug()), "items": items, "state": worst})
        })
        .collect();
    for rd in &readiness {
        let path = rd["url"].as_str().unwrap_or_default().to_string();
        let title = format!(
            "Audit readiness: {}",
            rd["title"].as_str().unwrap_or_default()
        );
        out.push(spec(&path, "readiness.html", &title, rd.clone()));
    }

    let soa = soa_rows(model, cov);
    let soa_meta = r.soa.as_ref().map(|s| json!({"version": s.value.version, "approved": s.value.approved.to_string(), "owner": s.value.owner}));
    let excluded = soa.iter().filter(|x| !x.applicable).count();
    if r.soa.is_some() {
        out.push(spec(
            "isms/soa.html",
            "soa.html",
            "Statement of Applicability",
            json!({"meta": soa_meta, "rows": soa, "excluded": excluded, "csv": SOA_CSV}),
        ));
    }

    let reviews: Vec<Value> = r
        .reviews
        .iter()
        .map(|m| {
            let v = &m.value;
            json!({
                "id": v.id, "date": v.date.to_string(), "chair": v.chair, "attendees": v.attendees, "minutes": v.minutes,
                "inputs": v.inputs.all().iter().map(|(_, what, given)| json!({"what": what, "given": given})).collect::<Vec<_>>(),
                "decisions": v.decisions,
                "actions": v.actions.iter().map(|a| json!({"id": a.id, "action": a.action, "owner": a.owner, "due": a.due.to_string(),
                    "status": match a.status { ActionStatus::Open => "open", ActionStatus::Done => "done", ActionStatus::Dropped => "dropped" },
                    "overdue": a.status == ActionStatus::Open && a.due < today})).collect::<Vec<_>>(),
            })
        })
        .collect();
    if !reviews.is_empty() {
        out.push(spec(
            "isms/management-reviews.html",
            "management_reviews.html",
            "Management reviews",
            json!({"reviews": reviews}),
        ));
    }

    let audits: Vec<Value> = r
        .audits
        .iter()
        .map(|a| {
            let v = &a.value;
            json!({
                "id": v.id, "date": v.date.to_string(), "auditor": v.auditor, "area": v.area, "area_owner": v.area_owner, "report": v.report,
                "scope": v.scope.iter().map(|s| control_ref(model, s)).collect::<Vec<_>>(),
                "findings": v.findings.iter().map(|f| json!({"id": f.id, "type": format!("{:?}", f.kind).to_lowercase(), "summary": f.summary,
                    "control": f.control.as_deref().map(|c| control_ref(model, c)), "nonconformity": f.nonconformity})).collect::<Vec<_>>(),
            })
        })
        .collect();
    if !audits.is_empty() {
        out.push(spec(
            "isms/internal-audits.html",
            "internal_audits.html",
            "Internal audits",
            json!({"audits": audits}),
        ));
    }

    if let Some(reg) = &r.risks {
        let v = &reg.value;
        let mut inherent = vec![vec![0usize; 5]; 5];
        let mut residual = vec![vec![0usize; 5]; 5];
        let mut rows = Vec::new();
        for x in &v.risks {
            let (l, i) = (
                x.likelihood.clamp(1, 5) as usize,
                x.impact.clamp(1, 5) as usize,
            );
            let (rl, ri) = (
                x.residual_likelihood.unwrap_or(x.likelihood).clamp(1, 5) as usize,
                x.residual_impact.unwrap_or(x.impact).clamp(1, 5) as usize,
            );
            if x.status == OpenClosed::Open {
                inherent[5 - i][l - 1] += 1;
                residual[5 - ri][rl - 1] += 1;
            }
            rows.push(json!({
                "id": x.id, "title": x.title, "owner": x.owner, "score": l * i, "residual": rl * ri,
                "likelihood": l, "impact": i, "treatment": format!("{:?}", x.treatment).to_lowercase(),
                "controls": x.controls.iter().map(|c| control_ref(model, c)).collect::<Vec<_>>(),
                "reviewed": x.reviewed.to_string(), "next": x.reviewed.plus(x.review_every).to_string(),
                "overdue": x.status == OpenClosed::Open && x.reviewed.plus(x.review_every) < today,
                "status": if x.status == OpenClosed::Open { "open" } else { "closed" },
            }));
        }
        let grid = |g: &Vec<Vec<usize>>| -> Vec<Value> {
            g.iter().enumerate().map(|(row, cells)| {
                let impact = 5 - row;
                json!({"impact": impact, "cells": cells.iter().enumerate().map(|(c, n)| {
                    let score = impact * (c + 1);
                    json!({"n": n, "band": if score >= 15 { "high" } else if score >= 8 { "medium" } else { "low" }})
                }).collect::<Vec<_>>()})
            }).collect()
        };
        out.push(spec(
            "isms/risks.html",
            "risks.html",
            "Risk register",
            json!({"owner": v.owner, "assessed": v.assessed.to_string(), "next_assessment": v.assessed.plus(v.assess_every).to_string(),
                "assessment_overdue": v.assessed.plus(v.assess_every) < today, "risks": rows, "inherent": grid(&inherent), "residual": grid(&residual)}),
        ));
    }

    if let Some(log) = &r.nonconformities {
        let rows: Vec<Value> = log
            .value
            .nonconformities
            .iter()
            .map(|n| json!({
                "id": n.id, "raised": n.raised.to_string(), "source": n.source, "severity": format!("{:?}", n.severity).to_lowercase(),
                "control": n.control.as_deref().map(|c| control_ref(model, c)), "description": n.description, "root_cause": n.root_cause,
                "corrective_action": n.corrective_action, "owner": n.owner, "due": n.due.to_string(),
                "status": if n.status == OpenClosed::Open { "open" } else { "closed" }, "closed": n.closed.map(|d| d.to_string()),
                "overdue": n.status == OpenClosed::Open && n.due < today,
            }))
            .collect();
        out.push(spec(
            "isms/nonconformities.html",
            "nonconformities.html",
            "Nonconformities and corrective actions",
            json!({"rows": rows}),
        ));
    }

    if let Some(reg) = &r.suppliers {
        let rows: Vec<Value> = reg
            .value
            .suppliers
            .iter()
            .map(|s| {
                let next = s.assessed.plus(s.reassess_every);
                json!({
                    "id": s.id, "name": s.name, "service": s.service, "criticality": format!("{:?}", s.criticality).to_lowercase(), "data": s.data,
                    "assessed": s.assessed.to_string(), "next": next.to_string(), "overdue": next < today,
                    "controls": s.controls.iter().map(|c| control_ref(model, c)).collect::<Vec<_>>(),
                    "evidence": s.evidence.iter().map(|id| {
                        let e = model.evidence.iter().find(|e| &e.ev.meta.id == id);
                        json!({"id": id, "url": e.map(evidence_url)})
                    }).collect::<Vec<_>>(),
                })
            })
            .collect();
        out.push(spec(
            "isms/suppliers.html",
            "suppliers.html",
            "Supplier register",
            json!({"rows": rows}),
        ));
    }

    let summary = json!({
        "soa": r.soa.as_ref().map(|_| json!({"controls": soa.len(), "excluded": excluded})),
        "reviews": r.reviews.len(), "latest_review": r.latest_review().map(|m| m.date.to_string()),
        "audits": r.audits.len(), "latest_audit": r.latest_audit().map(|a| a.date.to_string()),
        "risks": r.risks.as_ref().map(|x| x.value.risks.len()),
        "nonconformities_open": r.nonconformities.as_ref().map(|n| n.value.nonconformities.iter().filter(|x| x.status == OpenClosed::Open).count()),
        "suppliers": r.suppliers.as_ref().map(|s| s.value.suppliers.len()),
        "readiness": readiness,
        "timeline": timeline(model),
    });
    out.push(spec("isms/index.html", "isms.html", "ISMS", summary));
    out
}
