//! The ISMS pages: readiness per framework, the Statement of Applicability (`soa.rs`),
//! management reviews, internal audits, the risk register with its heat maps, nonconformities,
//! suppliers and the ISMS overview; and the certifications and timeline the home page shows too.
//! The fields of each view are in alphabetical order, the order the views had when they were
//! untyped JSON objects, so a view serialises (and hashes) as it did.

use super::page::PageSpec;
use super::soa::{self, SoaSummary};
use crate::analyse::coverage::Coverage;
use crate::analyse::readiness::{self, Milestone, ReadinessItem};
use crate::model::Date;
use crate::model::records::{
    Action, ActionStatus, Finding, InternalAudit, ManagementReview, Nonconformity, OpenClosed,
    Risk, RiskRegister, Supplier,
};
use crate::resolve::Model;
use crate::resolve::paths::{control_url, evidence_url};
use serde::Serialize;

/// The Statement of Applicability has a file of its own; its CSV is reached from here too.
pub use super::soa::{SOA_CSV, soa_csv};

/// An ISMS page whose view is `view`.
fn spec(path: &str, template: &'static str, title: &str, view: &impl Serialize) -> PageSpec {
    PageSpec::new(path.to_string(), template, title.to_string(), "isms", view)
}

/// A control as a record names it, linked when the site knows it.
#[derive(Serialize)]
struct ControlRef<'a> {
    label: &'a str,
    url: Option<String>,
}

fn control_ref<'a>(model: &Model, raw: &'a str) -> ControlRef<'a> {
    let url = crate::model::ControlRef::parse(raw)
        .ok()
        .and_then(|r| model.lookup(&r).ok())
        .map(|k| control_url(model, k));
    ControlRef { label: raw, url }
}

fn control_refs<'a>(model: &Model, raw: &'a [String]) -> Vec<ControlRef<'a>> {
    raw.iter().map(|c| control_ref(model, c)).collect()
}

/// "open" or "closed".
fn open_closed(s: OpenClosed) -> &'static str {
    if s == OpenClosed::Open {
        "open"
    } else {
        "closed"
    }
}

/// A milestone of a certification cycle, for the home page and the ISMS page.
#[derive(Serialize)]
pub struct TimelineEntry {
    date: String,
    framework: String,
    label: String,
    past: bool,
    soon: bool,
    /// "12 days ago", "today", "in 30 days".
    when: String,
}

/// The timeline of certification milestones, for the home page and the ISMS page.
pub fn timeline(model: &Model) -> Vec<TimelineEntry> {
    let today = model.today;
    readiness::milestones(model)
        .into_iter()
        .map(|m: Milestone| {
            let days = today.days_until(m.date);
            let when = if m.past {
                format!("{} days ago", -days)
            } else if days == 0 {
                "today".to_string()
            } else {
                format!("in {days} days")
            };
            TimelineEntry {
                date: m.date.to_string(),
                soon: !m.past && m.date <= today.plus(readiness::AHEAD),
                framework: m.framework,
                label: m.label,
                past: m.past,
                when,
            }
        })
        .collect()
}

/// A certificate or attestation and where it stands.
#[derive(Serialize)]
pub struct Certification {
    accredited_by: Option<String>,
    /// The certification body, else the auditor.
    body: Option<String>,
    certificate: Option<String>,
    detail: String,
    framework: String,
    scope: Option<String>,
    /// certified, expired, report, in progress or planned.
    status: &'static str,
    title: String,
}

/// Certificate and attestation status, for the home page of every profile (a public trust page
/// shows these first).
pub fn certifications(model: &Model) -> Vec<Certification> {
    let today = model.today;
    model
        .config
        .certifications
        .iter()
        .filter_map(|c| {
            let f = model
                .framework(&c.framework)
                .map(|i| &model.frameworks[i])?;
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
                    let issued = c.report_due.map(|d| format!(", issued by {d}"));
                    let issued = issued.unwrap_or_default();
                    ("report", format!("{kind} report for {s} to {e}{issued}"))
                } else {
                    (
                        "in progress",
                        format!("{kind} examination period {s} to {e}"),
                    )
                }
            } else {
                ("planned", String::new())
            };
            Some(Certification {
                accredited_by: c.accredited_by.clone(),
                body: c.body.as_ref().or(c.auditor.as_ref()).cloned(),
                certificate: c.certificate.clone(),
                detail,
                framework: c.framework.clone(),
                scope: c.scope.clone(),
                status,
                title,
            })
        })
        .collect()
}

/// Every ISMS page, given what the site has: readiness per framework in scope, then each record
/// the build shows, then the overview.
pub fn pages(model: &Model, cov: &Coverage) -> Vec<PageSpec> {
    let r = &model.records;
    // Readiness judges the ISMS from the records this build shows: ISMS health, shown where the
    // build discloses it (`disclose: health`).
    let health = cov.disclosed.as_ref().is_none_or(|d| d.disclosure.health);
    let readiness = if health {
        readiness_views(model, cov)
    } else {
        Vec::new()
    };
    let mut out: Vec<PageSpec> = readiness
        .iter()
        .map(|rd| {
            let title = format!("Audit readiness: {}", rd.title);
            spec(&rd.url, "readiness.html", &title, rd)
        })
        .collect();
    let mut soa = None;
    if let Some((page, summary)) = soa::soa_page(model, cov) {
        out.push(page);
        soa = Some(summary);
    }
    if !r.reviews.is_empty() {
        out.push(reviews_page(model));
    }
    if !r.audits.is_empty() {
        out.push(audits_page(model));
    }
    if let Some(reg) = &r.risks {
        out.push(risks_page(model, &reg.value));
    }
    if let Some(log) = &r.nonconformities {
        out.push(nonconformities_page(model, &log.value.nonconformities));
    }
    if let Some(reg) = &r.suppliers {
        out.push(suppliers_page(model, &reg.value.suppliers));
    }
    out.push(overview(model, soa, readiness, health));
    out
}

/// What an auditor of one framework will sample, and whether the site has it.
#[derive(Serialize)]
struct Readiness<'a> {
    items: Vec<ReadinessLine>,
    slug: &'a str,
    /// The worst state of an item: missing, attention or ok.
    state: &'static str,
    title: &'a str,
    url: String,
}

/// One item of a readiness page (`ReadinessItem`).
#[derive(Serialize)]
struct ReadinessLine {
    detail: String,
    state: &'static str,
    title: String,
}

fn readiness_views<'a>(model: &'a Model, cov: &Coverage) -> Vec<Readiness<'a>> {
    model
        .frameworks
        .iter()
        .enumerate()
        .filter(|(_, f)| f.in_scope)
        .map(|(i, f)| {
            let items = readiness::readiness(model, cov, i);
            let worst = if items.iter().any(|x| x.state == "missing") {
                "missing"
            } else if items.iter().any(|x| x.state == "attention") {
                "attention"
            } else {
                "ok"
            };
            Readiness {
                items: items
                    .into_iter()
                    .map(|x: ReadinessItem| ReadinessLine {
                        detail: x.detail,
                        state: x.state,
                        title: x.title,
                    })
                    .collect(),
                slug: f.slug(),
                state: worst,
                title: &f.catalog.title,
                url: format!("isms/readiness-{}.html", f.slug()),
            }
        })
        .collect()
}

#[derive(Serialize)]
struct ReviewView<'a> {
    actions: Vec<ActionView<'a>>,
    attendees: &'a [String],
    chair: &'a str,
    date: String,
    decisions: &'a [String],
    id: &'a str,
    /// What clause 9.3.2 asks the review to consider, and what it was given.
    inputs: Vec<ReviewInput<'a>>,
    minutes: Option<&'a str>,
}

#[derive(Serialize)]
struct ReviewInput<'a> {
    given: Option<&'a str>,
    what: &'static str,
}

#[derive(Serialize)]
struct ActionView<'a> {
    action: &'a str,
    due: String,
    id: &'a str,
    overdue: bool,
    owner: &'a str,
    status: &'static str,
}

fn reviews_page(model: &Model) -> PageSpec {
    #[derive(Serialize)]
    struct V<'a> {
        reviews: Vec<ReviewView<'a>>,
    }
    let reviews = model.records.reviews.iter();
    let reviews = reviews.map(|m| review_view(&m.value, model.today));
    spec(
        "isms/management-reviews.html",
        "management_reviews.html",
        "Management reviews",
        &V {
            reviews: reviews.collect(),
        },
    )
}

fn review_view(v: &ManagementReview, today: Date) -> ReviewView<'_> {
    ReviewView {
        actions: v.actions.iter().map(|a| action_view(a, today)).collect(),
        attendees: &v.attendees,
        chair: &v.chair,
        date: v.date.to_string(),
        decisions: &v.decisions,
        id: &v.id,
        inputs: (v.inputs.all().into_iter())
            .map(|(_, what, given)| ReviewInput { given, what })
            .collect(),
        minutes: v.minutes.as_deref(),
    }
}

fn action_view(a: &Action, today: Date) -> ActionView<'_> {
    ActionView {
        action: &a.action,
        due: a.due.to_string(),
        id: &a.id,
        overdue: a.status == ActionStatus::Open && a.due < today,
        owner: &a.owner,
        status: match a.status {
            ActionStatus::Open => "open",
            ActionStatus::Done => "done",
            ActionStatus::Dropped => "dropped",
        },
    }
}

#[derive(Serialize)]
struct AuditView<'a> {
    area: &'a str,
    area_owner: &'a str,
    auditor: &'a str,
    date: String,
    findings: Vec<FindingView<'a>>,
    id: &'a str,
    report: Option<&'a str>,
    scope: Vec<ControlRef<'a>>,
}

#[derive(Serialize)]
struct FindingView<'a> {
    control: Option<ControlRef<'a>>,
    id: &'a str,
    nonconformity: Option<&'a str>,
    summary: &'a str,
    /// major, minor, observation or opportunity.
    #[serde(rename = "type")]
    kind: String,
}

fn audits_page(model: &Model) -> PageSpec {
    #[derive(Serialize)]
    struct V<'a> {
        audits: Vec<AuditView<'a>>,
    }
    let audits = model.records.audits.iter();
    let audits = audits.map(|a| audit_view(model, &a.value));
    spec(
        "isms/internal-audits.html",
        "internal_audits.html",
        "Internal audits",
        &V {
            audits: audits.collect(),
        },
    )
}

fn audit_view<'a>(model: &Model, v: &'a InternalAudit) -> AuditView<'a> {
    AuditView {
        area: &v.area,
        area_owner: &v.area_owner,
        auditor: &v.auditor,
        date: v.date.to_string(),
        findings: v.findings.iter().map(|f| finding_view(model, f)).collect(),
        id: &v.id,
        report: v.report.as_deref(),
        scope: control_refs(model, &v.scope),
    }
}

fn finding_view<'a>(model: &Model, f: &'a Finding) -> FindingView<'a> {
    FindingView {
        control: f.control.as_deref().map(|c| control_ref(model, c)),
        id: &f.id,
        nonconformity: f.nonconformity.as_deref(),
        summary: &f.summary,
        kind: format!("{:?}", f.kind).to_lowercase(),
    }
}

#[derive(Serialize)]
struct RisksView<'a> {
    assessed: String,
    assessment_overdue: bool,
    /// Open risks by likelihood and impact before treatment, high impact first.
    inherent: Vec<GridRow>,
    next_assessment: String,
    owner: &'a str,
    /// The same after treatment.
    residual: Vec<GridRow>,
    risks: Vec<RiskRow<'a>>,
}

#[derive(Serialize)]
struct RiskRow<'a> {
    controls: Vec<ControlRef<'a>>,
    id: &'a str,
    impact: usize,
    likelihood: usize,
    next: String,
    overdue: bool,
    owner: &'a str,
    /// Residual likelihood times impact.
    residual: usize,
    reviewed: String,
    score: usize,
    status: &'static str,
    title: &'a str,
    treatment: String,
}

/// A row of a heat map: one impact, a cell per likelihood.
#[derive(Serialize)]
struct GridRow {
    cells: Vec<GridCell>,
    impact: usize,
}

#[derive(Serialize)]
struct GridCell {
    /// high, medium or low.
    band: &'static str,
    n: usize,
}

fn risks_page(model: &Model, v: &RiskRegister) -> PageSpec {
    let today = model.today;
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
        rows.push(risk_row(model, x, (l, i), rl * ri));
    }
    let view = RisksView {
        assessed: v.assessed.to_string(),
        assessment_overdue: v.assessed.plus(v.assess_every) < today,
        inherent: heat_map(&inherent),
        next_assessment: v.assessed.plus(v.assess_every).to_string(),
        owner: &v.owner,
        residual: heat_map(&residual),
        risks: rows,
    };
    spec("isms/risks.html", "risks.html", "Risk register", &view)
}

/// Risk `x` as a row of the register: `(l, i)` its likelihood and impact, each 1 to 5, and
/// `residual` its score after treatment.
fn risk_row<'a>(
    model: &Model,
    x: &'a Risk,
    (l, i): (usize, usize),
    residual: usize,
) -> RiskRow<'a> {
    let next = x.reviewed.plus(x.review_every);
    RiskRow {
        controls: control_refs(model, &x.controls),
        id: &x.id,
        impact: i,
        likelihood: l,
        next: next.to_string(),
        overdue: x.status == OpenClosed::Open && next < model.today,
        owner: &x.owner,
        residual,
        reviewed: x.reviewed.to_string(),
        score: l * i,
        status: open_closed(x.status),
        title: &x.title,
        treatment: format!("{:?}", x.treatment).to_lowercase(),
    }
}

/// A 5 by 5 count of risks (rows: impact 5 to 1; columns: likelihood 1 to 5) as a heat map.
fn heat_map(g: &[Vec<usize>]) -> Vec<GridRow> {
    g.iter()
        .enumerate()
        .map(|(row, cells)| {
            let impact = 5 - row;
            let cells = cells.iter().enumerate().map(|(c, &n)| {
                let score = impact * (c + 1);
                let band = if score >= 15 {
                    "high"
                } else if score >= 8 {
                    "medium"
                } else {
                    "low"
                };
                GridCell { band, n }
            });
            GridRow {
                cells: cells.collect(),
                impact,
            }
        })
        .collect()
}

#[derive(Serialize)]
struct NonconformityRow<'a> {
    closed: Option<String>,
    control: Option<ControlRef<'a>>,
    corrective_action: Option<&'a str>,
    description: &'a str,
    due: String,
    id: &'a str,
    overdue: bool,
    owner: &'a str,
    raised: String,
    root_cause: Option<&'a str>,
    severity: String,
    source: &'a str,
    status: &'static str,
}

/// Rows of a register (`nonconformities`, `suppliers`).
#[derive(Serialize)]
struct Rows<T> {
    rows: Vec<T>,
}

fn nonconformities_page(model: &Model, log: &[Nonconformity]) -> PageSpec {
    let today = model.today;
    let rows = log.iter().map(|n| NonconformityRow {
        closed: n.closed.map(|d| d.to_string()),
        control: n.control.as_deref().map(|c| control_ref(model, c)),
        corrective_action: n.corrective_action.as_deref(),
        description: &n.description,
        due: n.due.to_string(),
        id: &n.id,
        overdue: n.status == OpenClosed::Open && n.due < today,
        owner: &n.owner,
        raised: n.raised.to_string(),
        root_cause: n.root_cause.as_deref(),
        severity: format!("{:?}", n.severity).to_lowercase(),
        source: &n.source,
        status: open_closed(n.status),
    });
    spec(
        "isms/nonconformities.html",
        "nonconformities.html",
        "Nonconformities and corrective actions",
        &Rows {
            rows: rows.collect(),
        },
    )
}

#[derive(Serialize)]
struct SupplierRow<'a> {
    assessed: String,
    controls: Vec<ControlRef<'a>>,
    criticality: String,
    data: &'a [String],
    evidence: Vec<EvidenceRef<'a>>,
    id: &'a str,
    name: &'a str,
    next: String,
    overdue: bool,
    service: &'a str,
}

/// An evidence record a supplier entry names, linked when the build shows it.
#[derive(Serialize)]
struct EvidenceRef<'a> {
    id: &'a str,
    url: Option<String>,
}

fn evidence_ref<'a>(model: &Model, id: &'a String) -> EvidenceRef<'a> {
    let e = model.evidence.iter().find(|e| &e.ev.meta.id == id);
    EvidenceRef {
        id,
        url: e.map(evidence_url),
    }
}

fn suppliers_page(model: &Model, register: &[Supplier]) -> PageSpec {
    let rows = register.iter().map(|s| {
        let next = s.assessed.plus(s.reassess_every);
        SupplierRow {
            assessed: s.assessed.to_string(),
            controls: control_refs(model, &s.controls),
            criticality: format!("{:?}", s.criticality).to_lowercase(),
            data: &s.data,
            evidence: s
                .evidence
                .iter()
                .map(|id| evidence_ref(model, id))
                .collect(),
            id: &s.id,
            name: &s.name,
            next: next.to_string(),
            overdue: next < model.today,
            service: &s.service,
        }
    });
    spec(
        "isms/suppliers.html",
        "suppliers.html",
        "Supplier register",
        &Rows {
            rows: rows.collect(),
        },
    )
}

/// The ISMS overview: what records the site has, readiness, the timeline.
#[derive(Serialize)]
struct Overview<'a> {
    audits: usize,
    latest_audit: Option<String>,
    latest_review: Option<String>,
    nonconformities_open: Option<usize>,
    readiness: Vec<Readiness<'a>>,
    reviews: usize,
    risks: Option<usize>,
    soa: Option<SoaSummary>,
    suppliers: Option<usize>,
    timeline: Vec<TimelineEntry>,
    /// ISMS health is shown: readiness, and which records are missing or open.
    health: bool,
}

fn overview(
    model: &Model,
    soa: Option<SoaSummary>,
    readiness: Vec<Readiness>,
    health: bool,
) -> PageSpec {
    let r = &model.records;
    let open = |log: &[Nonconformity]| log.iter().filter(|x| x.status == OpenClosed::Open).count();
    let view = Overview {
        audits: r.audits.len(),
        latest_audit: r.latest_audit().map(|a| a.date.to_string()),
        latest_review: r.latest_review().map(|m| m.date.to_string()),
        nonconformities_open: r
            .nonconformities
            .as_ref()
            .map(|n| open(&n.value.nonconformities)),
        readiness,
        reviews: r.reviews.len(),
        risks: r.risks.as_ref().map(|x| x.value.risks.len()),
        soa,
        suppliers: r.suppliers.as_ref().map(|s| s.value.suppliers.len()),
        timeline: timeline(model),
        health,
    };
    spec("isms/index.html", "isms.html", "ISMS", &view)
}
