//! `crosswalk review-pack`: the input pack for the next management review (ISO 27001 9.3.2),
//! generated from the repository: actions from earlier reviews, nonconformities, audit results,
//! risk status, evidence freshness, supplier reassessments, coverage, the certification
//! calendar, and what changed in the ISMS since the last review according to git.

use crate::analyse::coverage::Coverage;
use crate::analyse::freshness::{Freshness, evidence_expiry, next_review};
use crate::base::diagnostic::Diagnostic;
use crate::base::rules;
use crate::model::Date;
use crate::model::records::{ActionStatus, ManagementReview, OpenClosed, Records, Risk};
use crate::resolve::{Model, ResolvedEvidence};
use std::fmt::Write;
use std::path::Path;

/// Commits touching the ISMS since `since`, newest first, as "date  subject  (files)".
pub fn git_changes(root: &Path, since: Date) -> Result<Vec<String>, Diagnostic> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "log",
            &format!("--since={since}"),
            "--date=short",
            "--format=%x1e%ad  %s",
            "--name-only",
            "--",
            "content",
            "mappings",
            "crosswalk.yaml",
        ])
        .output()
        .map_err(|e| {
            Diagnostic::error(root, format!("git is not available: {e}")).with_rule(rules::IO)
        })?;
    if !out.status.success() {
        return Err(
            Diagnostic::error(root, String::from_utf8_lossy(&out.stderr).trim())
                .with_rule(rules::IO),
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text
        .split('\u{1e}')
        .filter(|c| !c.trim().is_empty())
        .map(|c| {
            let mut lines = c.lines().filter(|l| !l.trim().is_empty());
            let head = lines.next().unwrap_or("").to_string();
            let files: Vec<&str> = lines.collect();
            format!(
                "{head} ({} file{})",
                files.len(),
                if files.len() == 1 { "" } else { "s" }
            )
        })
        .collect())
}

fn esc(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The pack as Markdown, one section per input ISO 27001 9.3.2 asks for. `changes` is the git
/// history since the last review, or why there is none.
pub fn markdown(model: &Model, cov: &Coverage, changes: Result<Vec<String>, Diagnostic>) -> String {
    let r = &model.records;
    let today = model.today;
    let last = r.latest_review();
    let since = Since(last.map(|m| m.date));
    let mut o = String::new();
    heading(&mut o, model, last);
    actions(&mut o, r, today);
    isms_changes(&mut o, changes);
    let _ = writeln!(o, "## d) Information security performance\n");
    nonconformities(&mut o, r, today, since);
    audit_results(&mut o, r, since);
    evidence_freshness(&mut o, model);
    document_reviews(&mut o, model);
    framework_coverage(&mut o, model, cov);
    let _ = writeln!(
        o,
        "\n## e) Feedback from interested parties\n\nFor the reviewers to complete (customer questionnaires, complaints, regulator contact).\n"
    );
    risks(&mut o, r, today);
    suppliers(&mut o, r, today);
    let _ = writeln!(
        o,
        "## g) Opportunities for continual improvement\n\nFor the reviewers to complete.\n"
    );
    certification_calendar(&mut o, model);
    o
}

/// The date of the previous review, if there was one: the pack covers what happened since.
#[derive(Clone, Copy)]
struct Since(Option<Date>);

impl Since {
    /// Whether `d` falls in the period the pack covers.
    fn covers(self, d: Date) -> bool {
        self.0.is_none_or(|s| d >= s)
    }
}

/// The title, who prepared the pack, and the period it covers.
fn heading(o: &mut String, model: &Model, last: Option<&ManagementReview>) {
    let org = model
        .config
        .organisation
        .clone()
        .unwrap_or_else(|| model.config.title.clone());
    let _ = writeln!(o, "# Management review input pack: {org}\n");
    let _ = writeln!(
        o,
        "Prepared {} by crosswalk from the ISMS repository ({} profile).",
        model.today,
        model.profile.as_str()
    );
    match last {
        Some(m) => {
            let _ = writeln!(
                o,
                "Previous review: {} on {} ({} days ago). Everything below covers the period since then unless it says otherwise.\n",
                m.id,
                m.date,
                m.date.days_until(model.today)
            );
        }
        None => {
            let _ = writeln!(
                o,
                "No previous management review is on record: this pack covers everything in the repository.\n"
            );
        }
    }
}

/// a) Every action from earlier reviews, with its status.
fn actions(o: &mut String, r: &Records, today: Date) {
    let _ = writeln!(o, "## a) Actions from previous management reviews\n");
    let actions: Vec<_> = r
        .reviews
        .iter()
        .flat_map(|m| m.value.actions.iter().map(move |a| (m, a)))
        .collect();
    if actions.is_empty() {
        let _ = writeln!(o, "No actions recorded.\n");
        return;
    }
    let _ = writeln!(
        o,
        "| Action | From | Owner | Due | Status |\n|---|---|---|---|---|"
    );
    for (m, a) in &actions {
        let status = match a.status {
            ActionStatus::Open if a.due < today => "**open, overdue**".to_string(),
            ActionStatus::Open => "open".to_string(),
            ActionStatus::Done => format!(
                "done {}",
                a.closed.map(|d| d.to_string()).unwrap_or_default()
            ),
            ActionStatus::Dropped => "dropped".to_string(),
        };
        let _ = writeln!(
            o,
            "| {} {} | {} | {} | {} | {status} |",
            a.id,
            esc(&a.action),
            m.value.id,
            esc(&a.owner),
            a.due
        );
    }
    o.push('\n');
}

/// b) and c): left to the reviewers, with the commits that changed the ISMS since the last
/// review (at most 50).
fn isms_changes(o: &mut String, changes: Result<Vec<String>, Diagnostic>) {
    let _ = writeln!(o, "## b) and c) Changes in issues and interested parties\n");
    let _ = writeln!(
        o,
        "For the reviewers to complete. Changes to the ISMS's own documents since the previous review:\n"
    );
    match changes {
        Ok(c) if c.is_empty() => {
            let _ = writeln!(
                o,
                "No commits touched content/, mappings/ or crosswalk.yaml.\n"
            );
        }
        Ok(c) => {
            for line in c.iter().take(50) {
                let _ = writeln!(o, "- {}", esc(line));
            }
            if c.len() > 50 {
                let _ = writeln!(o, "- … and {} more commits", c.len() - 50);
            }
            o.push('\n');
        }
        Err(e) => {
            let _ = writeln!(o, "Repository history unavailable: {}\n", esc(&e.message));
        }
    }
}

/// d) Nonconformities raised and closed in the period, and every open one.
fn nonconformities(o: &mut String, r: &Records, today: Date, since: Since) {
    let _ = writeln!(o, "### Nonconformities and corrective actions\n");
    let Some(log) = &r.nonconformities else {
        let _ = writeln!(o, "No nonconformity log.\n");
        return;
    };
    let list = &log.value.nonconformities;
    let open = list.iter().filter(|n| n.status == OpenClosed::Open).count();
    let late = list
        .iter()
        .filter(|n| n.status == OpenClosed::Open && n.due < today)
        .count();
    let raised = list.iter().filter(|n| since.covers(n.raised)).count();
    let closed = list
        .iter()
        .filter(|n| n.closed.is_some_and(|d| since.covers(d)))
        .count();
    let _ = writeln!(
        o,
        "{raised} raised and {closed} closed since the previous review; {open} open, {late} past due.\n"
    );
    for n in list.iter().filter(|n| n.status == OpenClosed::Open) {
        let _ = writeln!(
            o,
            "- {} ({:?}, due {}{}): {}",
            n.id,
            n.severity,
            n.due,
            if n.due < today { ", **overdue**" } else { "" },
            esc(&n.description)
        );
    }
    o.push('\n');
}

/// d) The internal audits in the period and their findings.
fn audit_results(o: &mut String, r: &Records, since: Since) {
    let _ = writeln!(o, "### Audit results\n");
    let audits: Vec<_> = r
        .audits
        .iter()
        .filter(|a| since.covers(a.value.date))
        .collect();
    if audits.is_empty() {
        let _ = writeln!(o, "No internal audit since the previous review.\n");
    }
    for a in audits {
        let v = &a.value;
        let _ = writeln!(
            o,
            "- {} on {}, {} by {}: {} finding{}",
            v.id,
            v.date,
            esc(&v.area),
            esc(&v.auditor),
            v.findings.len(),
            if v.findings.len() == 1 { "" } else { "s" }
        );
        for f in &v.findings {
            let _ = writeln!(o, "  - {} ({:?}): {}", f.id, f.kind, esc(&f.summary));
        }
    }
    o.push('\n');
}

/// d) How many evidence records are fresh, expiring or expired, and each expired one.
fn evidence_freshness(o: &mut String, model: &Model) {
    let _ = writeln!(o, "### Evidence freshness\n");
    let states: Vec<(Freshness, &ResolvedEvidence)> =
        crate::analyse::coverage::evidence_freshness(model)
            .into_iter()
            .zip(&model.evidence)
            .collect();
    let count = |f: Freshness| states.iter().filter(|(s, _)| *s == f).count();
    let _ = writeln!(
        o,
        "{} records: {} fresh, {} expiring within {}, {} expired.\n",
        states.len(),
        count(Freshness::Fresh),
        count(Freshness::DueSoon),
        model.config.due_soon,
        count(Freshness::Stale)
    );
    for (_, e) in states.iter().filter(|(s, _)| *s == Freshness::Stale) {
        let _ = writeln!(
            o,
            "- expired {}: {} ({}, owner {})",
            evidence_expiry(&e.ev.meta),
            esc(&e.ev.meta.title),
            e.ev.meta.id,
            esc(&e.ev.meta.owner)
        );
    }
    o.push('\n');
}

/// d) The documents past their review date.
fn document_reviews(o: &mut String, model: &Model) {
    let overdue: Vec<_> = model
        .documents
        .iter()
        .filter(|d| next_review(&d.doc.meta) < model.today)
        .collect();
    let _ = writeln!(
        o,
        "### Document reviews\n\n{} of {} documents are past their review date.\n",
        overdue.len(),
        model.documents.len()
    );
    for d in overdue {
        let _ = writeln!(
            o,
            "- {} {} (owner {}), due {}",
            d.doc.meta.id,
            esc(&d.doc.meta.title),
            esc(&d.doc.meta.owner),
            next_review(&d.doc.meta)
        );
    }
}

/// d) The coverage of each framework in scope.
fn framework_coverage(o: &mut String, model: &Model, cov: &Coverage) {
    let _ = writeln!(o, "\n### Coverage of frameworks in scope\n");
    for (i, f) in model
        .frameworks
        .iter()
        .enumerate()
        .filter(|(_, f)| f.in_scope)
    {
        let s = &cov.summaries[i];
        let _ = writeln!(
            o,
            "- {} {}: {} of {} controls covered ({} inherited), {} partial, {} gaps; {} covered controls without current evidence",
            f.catalog.title,
            f.catalog.edition,
            s.covered + s.inherited,
            s.controls,
            s.inherited,
            s.partial,
            s.gap,
            s.without_fresh_evidence
        );
    }
}

/// f) The risk register: when it was assessed, open risks by residual score, and the risks
/// whose review is overdue.
fn risks(o: &mut String, r: &Records, today: Date) {
    let _ = writeln!(o, "## f) Risk assessment and treatment\n");
    let Some(reg) = &r.risks else {
        let _ = writeln!(o, "No risk register.\n");
        return;
    };
    let v = &reg.value;
    let open: Vec<_> = v
        .risks
        .iter()
        .filter(|x| x.status == OpenClosed::Open)
        .collect();
    let by = |b: u8| open.iter().filter(|x| residual_band(x) == b).count();
    let _ = writeln!(
        o,
        "Last full assessment {} (next due {}). {} open risks; by residual score: {} high, {} medium, {} low.\n",
        v.assessed,
        v.assessed.plus(v.assess_every),
        open.len(),
        by(2),
        by(1),
        by(0)
    );
    for x in open
        .iter()
        .filter(|x| x.reviewed.plus(x.review_every) < today)
    {
        let _ = writeln!(
            o,
            "- {} {} (owner {}) was last reviewed {}: review overdue",
            x.id,
            esc(&x.title),
            esc(&x.owner),
            x.reviewed
        );
    }
    o.push('\n');
}

/// A risk's residual score (likelihood times impact, the inherent ones where no residual is
/// given) as a band: 2 high (15 and up), 1 medium (8 and up), 0 low.
fn residual_band(x: &Risk) -> u8 {
    let l = x.residual_likelihood.unwrap_or(x.likelihood);
    let i = x.residual_impact.unwrap_or(x.impact);
    let s = u16::from(l) * u16::from(i);
    if s >= 15 {
        2
    } else if s >= 8 {
        1
    } else {
        0
    }
}

/// f) The suppliers overdue for reassessment, where there is a supplier register.
fn suppliers(o: &mut String, r: &Records, today: Date) {
    let Some(reg) = &r.suppliers else {
        return;
    };
    let late: Vec<_> = reg
        .value
        .suppliers
        .iter()
        .filter(|s| s.assessed.plus(s.reassess_every) < today)
        .collect();
    let _ = writeln!(
        o,
        "### Suppliers\n\n{} suppliers; {} overdue for reassessment.\n",
        reg.value.suppliers.len(),
        late.len()
    );
    for s in late {
        let _ = writeln!(
            o,
            "- {} ({:?} criticality), last assessed {}",
            esc(&s.name),
            s.criticality,
            s.assessed
        );
    }
    o.push('\n');
}

/// The certification milestones still ahead, if any.
fn certification_calendar(o: &mut String, model: &Model) {
    let upcoming: Vec<_> = crate::analyse::readiness::milestones(model)
        .into_iter()
        .filter(|m| !m.past)
        .collect();
    if !upcoming.is_empty() {
        let _ = writeln!(o, "## Certification calendar\n");
        for m in upcoming {
            let _ = writeln!(o, "- {} {}: {}", m.date, m.framework, m.label);
        }
    }
}
