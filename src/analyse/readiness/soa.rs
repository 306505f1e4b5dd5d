//! The Statement of Applicability rules: every Annex A control listed once, exclusions
//! justified, applicable controls implemented and covered, and an SoA that judged each control.

use crate::analyse::coverage::{Coverage, Status};
use crate::analyse::readiness::common::annex_a;
use crate::base::diagnostic::{Diagnostic, Pos};
use crate::base::rules;
use crate::model::records::{Soa, SoaEntry, Sourced};
use crate::resolve::{ControlKey, Framework, Model};
use std::collections::HashSet;

/// The SoA's rules, when ISO 27001 is in scope or an SoA is written.
pub(super) fn soa_rules(model: &Model, cov: &Coverage, out: &mut Vec<Diagnostic>) {
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
                .with_rule(rules::SOA_MISSING)
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
            .with_rule(rules::SOA_UNKNOWN_CONTROL)
            .at(at);
            if let Some(h) = hint {
                d = d.with_hint(h);
            }
            out.push(d);
            continue;
        };
        if !listed.insert(ctl) {
            out.push(
                Diagnostic::error(&soa.path, format!("{} is listed twice", e.control))
                    .with_rule(rules::SOA_DUPLICATE)
                    .at(at),
            );
            continue;
        }
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
                    .with_rule(rules::SOA_UNJUSTIFIED_EXCLUSION)
                    .at(at)
                    .with_hint("auditors ask why every excluded control does not apply"),
                );
            }
            continue;
        }
        applicable += 1;
        applicable_rules(soa, e, at, f, ControlKey { fw, ctl }, cov, out);
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
            .with_rule(rules::SOA_INCOMPLETE)
            .at(soa.pos("controls:")),
        );
    }
    if missing.is_empty() && applicable == annex.len() {
        out.push(
            Diagnostic::warning(&soa.path, format!("all {} Annex A controls are marked applicable", annex.len()))
                .with_rule(rules::SOA_NO_EXCLUSIONS)
                .at(soa.pos("controls:"))
                .with_hint("an SoA with no exclusion is the mark of a template ISMS; auditors ask how each control was judged"),
        );
    }
}

/// The rules for a control the SoA marks applicable: its implementation status given, and
/// policies or evidence covering it (evidence for a control new in 2022).
fn applicable_rules(
    soa: &Sourced<Soa>,
    e: &SoaEntry,
    at: Option<Pos>,
    f: &Framework,
    k: ControlKey,
    cov: &Coverage,
    out: &mut Vec<Diagnostic>,
) {
    let ctl = k.ctl;
    if e.status.is_none() {
        out.push(
            Diagnostic::error(
                &soa.path,
                format!(
                    "{} is applicable but has no implementation `status`",
                    e.control
                ),
            )
            .with_rule(rules::SOA_NO_STATUS)
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
            .with_rule(rules::SOA_UNCOVERED)
            .at(at),
        );
    }
    if f.catalog.controls[ctl].new && !c.any_evidence {
        out.push(
            Diagnostic::warning(&soa.path, format!("{} {} is new in ISO 27001:2022 and applicable, but no evidence shows it implemented", e.control, f.catalog.controls[ctl].title))
                .with_rule(rules::SOA_NEW_CONTROL_UNEVIDENCED)
                .at(at)
                .with_hint("surveillance audits look for the 11 new controls"),
        );
    }
}
