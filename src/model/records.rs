//! The records of a running ISMS: the Statement of Applicability, management reviews, internal
//! audits, the risk register, nonconformities and the supplier register. Formats, field by field:
//! docs/isms-records.md. Parsing only; the checks are in `analyse/readiness/`.

use crate::base::diagnostic::{Diagnostic, Pos};
use crate::base::rules;
use crate::model::{Classification, Date, Period};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImplStatus {
    Implemented,
    Partial,
    Planned,
    NotImplemented,
}

impl ImplStatus {
    pub fn label(self) -> &'static str {
        match self {
            ImplStatus::Implemented => "implemented",
            ImplStatus::Partial => "partly implemented",
            ImplStatus::Planned => "planned",
            ImplStatus::NotImplemented => "not implemented",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SoaEntry {
    pub control: String,
    pub applicable: bool,
    #[serde(default)]
    pub status: Option<ImplStatus>,
    #[serde(default)]
    pub justification: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Soa {
    #[serde(deserialize_with = "crate::model::string_or_number")]
    pub version: String,
    pub approved: Date,
    pub owner: String,
    pub classification: Classification,
    pub controls: Vec<SoaEntry>,
}

/// The inputs clause 9.3.2 requires a management review to consider.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewInputs {
    pub previous_actions: Option<String>,
    pub issues: Option<String>,
    pub interested_parties: Option<String>,
    pub performance: Option<String>,
    pub feedback: Option<String>,
    pub risk: Option<String>,
    pub improvement: Option<String>,
}

impl ReviewInputs {
    /// (field, what 9.3.2 asks for, the summary given)
    pub fn all(&self) -> [(&'static str, &'static str, Option<&str>); 7] {
        [
            (
                "previous_actions",
                "a) status of actions from previous management reviews",
                self.previous_actions.as_deref(),
            ),
            (
                "issues",
                "b) changes in external and internal issues",
                self.issues.as_deref(),
            ),
            (
                "interested_parties",
                "c) changes in needs and expectations of interested parties",
                self.interested_parties.as_deref(),
            ),
            (
                "performance",
                "d) information security performance: nonconformities, monitoring, audit results, objectives",
                self.performance.as_deref(),
            ),
            (
                "feedback",
                "e) feedback from interested parties",
                self.feedback.as_deref(),
            ),
            (
                "risk",
                "f) results of risk assessment and status of the risk treatment plan",
                self.risk.as_deref(),
            ),
            (
                "improvement",
                "g) opportunities for continual improvement",
                self.improvement.as_deref(),
            ),
        ]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Open,
    Done,
    Dropped,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    pub id: String,
    pub action: String,
    pub owner: String,
    pub due: Date,
    pub status: ActionStatus,
    #[serde(default)]
    pub closed: Option<Date>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagementReview {
    pub id: String,
    pub date: Date,
    pub chair: String,
    #[serde(default)]
    pub attendees: Vec<String>,
    pub classification: Classification,
    #[serde(default)]
    pub minutes: Option<String>,
    #[serde(default)]
    pub inputs: ReviewInputs,
    #[serde(default)]
    pub decisions: Vec<String>,
    #[serde(default)]
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingType {
    Major,
    Minor,
    Observation,
    Opportunity,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: FindingType,
    #[serde(default)]
    pub control: Option<String>,
    pub summary: String,
    #[serde(default)]
    pub nonconformity: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InternalAudit {
    pub id: String,
    pub date: Date,
    pub auditor: String,
    pub area: String,
    pub area_owner: String,
    pub classification: Classification,
    #[serde(default)]
    pub report: Option<String>,
    #[serde(default)]
    pub scope: Vec<String>,
    #[serde(default)]
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Treatment {
    Mitigate,
    Accept,
    Transfer,
    Avoid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpenClosed {
    Open,
    Closed,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    pub id: String,
    pub title: String,
    pub owner: String,
    pub likelihood: u8,
    pub impact: u8,
    pub treatment: Treatment,
    #[serde(default)]
    pub residual_likelihood: Option<u8>,
    #[serde(default)]
    pub residual_impact: Option<u8>,
    #[serde(default)]
    pub controls: Vec<String>,
    pub reviewed: Date,
    pub review_every: Period,
    pub status: OpenClosed,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskRegister {
    pub owner: String,
    pub classification: Classification,
    pub assessed: Date,
    pub assess_every: Period,
    pub risks: Vec<Risk>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Major,
    Minor,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nonconformity {
    pub id: String,
    pub raised: Date,
    pub source: String,
    pub severity: Severity,
    #[serde(default)]
    pub control: Option<String>,
    pub description: String,
    #[serde(default)]
    pub root_cause: Option<String>,
    #[serde(default)]
    pub correction: Option<String>,
    #[serde(default)]
    pub corrective_action: Option<String>,
    pub owner: String,
    pub due: Date,
    pub status: OpenClosed,
    #[serde(default)]
    pub closed: Option<Date>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NonconformityLog {
    pub classification: Classification,
    pub nonconformities: Vec<Nonconformity>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Criticality {
    High,
    Medium,
    Low,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Supplier {
    pub id: String,
    pub name: String,
    pub service: String,
    pub criticality: Criticality,
    #[serde(default)]
    pub data: Vec<String>,
    pub assessed: Date,
    pub reassess_every: Period,
    #[serde(default)]
    pub controls: Vec<String>,
    #[serde(default)]
    pub evidence: Vec<String>,
    /// The public block: shown on the subprocessors page of every build (docs/trust-center.md).
    #[serde(default)]
    pub subprocessor: Option<crate::model::trust::Subprocessor>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupplierRegister {
    pub classification: Classification,
    pub suppliers: Vec<Supplier>,
}

/// A parsed record file and where it came from.
#[derive(Debug, Clone)]
pub struct Sourced<T> {
    pub path: PathBuf,
    pub text: std::sync::Arc<str>,
    pub value: T,
}

impl<T> Sourced<T> {
    /// Where `needle` first stands as a whole value in the file, at or after `after`'s position.
    pub fn pos(&self, needle: &str) -> Option<Pos> {
        Pos::find_token(&self.text, needle, 0)
    }
}

/// Every ISMS record of a site.
#[derive(Debug, Clone, Default)]
pub struct Records {
    pub soa: Option<Sourced<Soa>>,
    pub reviews: Vec<Sourced<ManagementReview>>,
    pub audits: Vec<Sourced<InternalAudit>>,
    pub risks: Option<Sourced<RiskRegister>>,
    pub nonconformities: Option<Sourced<NonconformityLog>>,
    pub suppliers: Option<Sourced<SupplierRegister>>,
    /// The trust center's FAQ (`content/trust/faq.md`), if the site has one.
    pub faq: Option<Sourced<crate::model::trust::Faq>>,
}

pub const SOA_FILE: &str = "content/soa.yaml";
pub const REVIEWS_DIR: &str = "content/records/management-reviews";
pub const AUDITS_DIR: &str = "content/records/internal-audits";
pub const RISKS_FILE: &str = "content/records/risks.yaml";
pub const NC_FILE: &str = "content/records/nonconformities.yaml";
pub const SUPPLIERS_FILE: &str = "content/records/suppliers.yaml";

fn parse_one<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<Sourced<T>, Diagnostic> {
    if text.trim().is_empty() {
        return Err(Diagnostic::error(path, "empty file")
            .with_rule(rules::EMPTY_FILE)
            .at(Some(Pos { line: 1, column: 1 })));
    }
    let value = crate::base::yaml::parse(text, path, 1)?;
    Ok(Sourced {
        path: path.to_path_buf(),
        text: std::sync::Arc::from(text),
        value,
    })
}

/// One record or a list of them, like evidence files.
fn parse_many<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<Vec<Sourced<T>>, Diagnostic> {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && *l != "---");
    let Some(first) = first else {
        return Err(Diagnostic::error(path, "empty file")
            .with_rule(rules::EMPTY_FILE)
            .at(Some(Pos { line: 1, column: 1 })));
    };
    let values: Vec<T> = if first.starts_with('-') {
        crate::base::yaml::parse(text, path, 1)?
    } else {
        vec![crate::base::yaml::parse(text, path, 1)?]
    };
    let text: std::sync::Arc<str> = std::sync::Arc::from(text);
    Ok(values
        .into_iter()
        .map(|value| Sourced {
            path: path.to_path_buf(),
            text: text.clone(),
            value,
        })
        .collect())
}

/// Parses a record file by its path relative to the site root. `None` if it is not a record file.
pub fn parse_into(records: &mut Records, rel: &Path, text: &str) -> Option<Result<(), Diagnostic>> {
    let shown = rel.to_string_lossy().replace('\\', "/");
    let r = if shown == SOA_FILE {
        parse_one(rel, text).map(|s| records.soa = Some(s))
    } else if shown == RISKS_FILE {
        parse_one(rel, text).map(|s| records.risks = Some(s))
    } else if shown == NC_FILE {
        parse_one(rel, text).map(|s| records.nonconformities = Some(s))
    } else if shown == SUPPLIERS_FILE {
        parse_one(rel, text).map(|s| records.suppliers = Some(s))
    } else if shown.starts_with(&format!("{REVIEWS_DIR}/")) {
        parse_many(rel, text).map(|v| records.reviews.extend(v))
    } else if shown.starts_with(&format!("{AUDITS_DIR}/")) {
        parse_many(rel, text).map(|v| records.audits.extend(v))
    } else {
        return None;
    };
    Some(r)
}

impl Records {
    /// Drops what a build's profile may not show.
    pub fn retain_up_to(&mut self, profile: Classification) {
        if self
            .soa
            .as_ref()
            .is_some_and(|s| s.value.classification > profile)
        {
            self.soa = None;
        }
        self.reviews.retain(|r| r.value.classification <= profile);
        self.audits.retain(|a| a.value.classification <= profile);
        if self
            .risks
            .as_ref()
            .is_some_and(|r| r.value.classification > profile)
        {
            self.risks = None;
        }
        if self
            .nonconformities
            .as_ref()
            .is_some_and(|r| r.value.classification > profile)
        {
            self.nonconformities = None;
        }
        if self
            .suppliers
            .as_ref()
            .is_some_and(|r| r.value.classification > profile)
        {
            self.suppliers = None;
        }
        if self
            .faq
            .as_ref()
            .is_some_and(|f| f.value.classification > profile)
        {
            self.faq = None;
        }
        self.reviews
            .sort_by_key(|r| std::cmp::Reverse(r.value.date));
        self.audits.sort_by_key(|a| std::cmp::Reverse(a.value.date));
    }

    pub fn latest_review(&self) -> Option<&ManagementReview> {
        self.reviews.iter().map(|r| &r.value).max_by_key(|r| r.date)
    }

    pub fn latest_audit(&self) -> Option<&InternalAudit> {
        self.audits.iter().map(|r| &r.value).max_by_key(|r| r.date)
    }
}
