//! Analysis: is the ISMS running? The Statement of Applicability rules (`soa`), the records'
//! cadences (`cadence`: management review, internal audit, risk review, corrective actions,
//! supplier reassessment), the certification cycle (`certification`), and per framework what an
//! auditor will sample and whether the repo has it (`framework`). Pure functions over the model
//! and coverage; `check` shows the diagnostics, the portal the readiness pages.

mod cadence;
mod certification;
mod common;
mod framework;
mod soa;

pub use certification::{Milestone, milestones};
pub use common::{AHEAD, YEAR};
pub use framework::{ReadinessItem, readiness};

use crate::analyse::coverage::Coverage;
use crate::base::diagnostic::Diagnostic;
use crate::resolve::Model;

/// Every rule of a running ISMS, as diagnostics.
pub fn check(model: &Model, cov: &Coverage) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let iso_in_scope = model
        .framework("iso27001")
        .is_some_and(|f| model.frameworks[f].in_scope);
    soa::soa_rules(model, cov, &mut out);
    cadence::review_rules(model, iso_in_scope, &mut out);
    cadence::audit_rules(model, iso_in_scope, &mut out);
    cadence::risk_rules(model, iso_in_scope, &mut out);
    cadence::nonconformity_rules(model, &mut out);
    cadence::supplier_rules(model, &mut out);
    certification::certification_rules(model, &mut out);
    out
}
