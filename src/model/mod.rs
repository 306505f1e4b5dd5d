//! The content model: what a site's files say, as parsed, before any cross-file checking.
//! Field by field documentation: docs/content-format.md and docs/mapping-format.md.

pub mod config;
pub mod records;
pub mod trust;

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// A value that does not parse: a date, a period, a classification, a control reference, a
/// profile name. Its text is the whole message; the caller knows the file or flag it came from
/// and makes the diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError(String);

impl ValueError {
    pub(crate) fn new(message: String) -> ValueError {
        ValueError(message)
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ValueError {}

/// How widely a document or record may be shown. Ordered: a build shows everything at or below
/// its profile's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Classification {
    Public,
    Internal,
    Confidential,
}

impl Classification {
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Public => "public",
            Classification::Internal => "internal",
            Classification::Confidential => "confidential",
        }
    }
}

impl FromStr for Classification {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        match s {
            "public" => Ok(Classification::Public),
            "internal" => Ok(Classification::Internal),
            "confidential" => Ok(Classification::Confidential),
            other => Err(ValueError::new(format!(
                "unknown classification `{other}`: expected public, internal or confidential"
            ))),
        }
    }
}

/// A calendar date written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

impl Date {
    pub fn parse(s: &str) -> Result<Date, ValueError> {
        let s = s.trim();
        let ok_shape = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
        match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) if ok_shape => Ok(Date(d)),
            _ => Err(ValueError::new(format!(
                "invalid date `{s}`: expected a real date written YYYY-MM-DD"
            ))),
        }
    }

    pub fn plus(self, p: Period) -> Date {
        let d = self.0;
        let n = p.amount;
        let out = match p.unit {
            Unit::Days => d.checked_add_days(chrono::Days::new(u64::from(n))),
            Unit::Weeks => d.checked_add_days(chrono::Days::new(u64::from(n) * 7)),
            Unit::Months => d.checked_add_months(Months::new(n)),
            Unit::Years => d.checked_add_months(Months::new(n.saturating_mul(12))),
        };
        Date(out.unwrap_or(NaiveDate::MAX))
    }

    /// Whole days from `self` to `other` (negative when `other` is earlier).
    pub fn days_until(self, other: Date) -> i64 {
        (other.0 - self.0).num_days()
    }

    pub fn year(self) -> i32 {
        self.0.year()
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    Days,
    Weeks,
    Months,
    Years,
}

/// A length of time written `N days|weeks|months|years` (`1 month` is fine too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    pub amount: u32,
    pub unit: Unit,
}

impl Period {
    pub fn parse(s: &str) -> Result<Period, ValueError> {
        let err = || {
            ValueError::new(format!(
                "invalid period `{s}`: expected a number and a unit, e.g. `12 months`, `90 days`, `1 year`"
            ))
        };
        let mut parts = s.split_whitespace();
        let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(err());
        };
        let amount: u32 = n.parse().map_err(|_| err())?;
        let unit = match unit.to_ascii_lowercase().trim_end_matches('s') {
            "day" => Unit::Days,
            "week" => Unit::Weeks,
            "month" => Unit::Months,
            "year" => Unit::Years,
            _ => return Err(err()),
        };
        if amount == 0 || amount > 100_000 {
            return Err(ValueError::new(format!(
                "invalid period `{s}`: the number must be between 1 and 100000"
            )));
        }
        Ok(Period { amount, unit })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            Unit::Days => "day",
            Unit::Weeks => "week",
            Unit::Months => "month",
            Unit::Years => "year",
        };
        let s = if self.amount == 1 { "" } else { "s" };
        write!(f, "{} {unit}{s}", self.amount)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Period::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Accepts `version: 3.2` as well as `version: "3.2"`, keeping the text as written.
pub(crate) fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_str<E>(self, v: &str) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E>(self, v: f64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    d.deserialize_str(V)
}

/// The folder, in the site, where builds remember what they were made from. It is used only if
/// it exists (`crosswalk init` makes it; keep it out of git). It may describe hidden content,
/// so it is never inside the output.
pub const CACHE_DIR: &str = ".crosswalk-cache";

/// The folder every evidence artifact is published in.
pub const ARTIFACT_FOLDER: &str = "evidence/files/";

/// The flat name an evidence artifact is published under in `evidence/files/`: the record's id,
/// `-`, and the file's own name (one folder for every artifact, not one per record).
pub fn artifact_name(id: &str, file_name: &str) -> String {
    format!("{id}-{file_name}")
}

/// Front matter of a policy, procedure, standard or plan.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentMeta {
    pub id: String,
    pub title: String,
    pub owner: String,
    #[serde(deserialize_with = "string_or_number")]
    pub version: String,
    pub approved: Date,
    #[serde(default)]
    pub review_every: Option<Period>,
    #[serde(default)]
    pub next_review: Option<Date>,
    pub classification: Classification,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub controls: Vec<String>,
    /// What this version changed, in one line: shown on the updates page and in the feed.
    #[serde(default)]
    pub change: Option<String>,
    /// Whether a build whose profile hides the document lists it anyway, title and summary
    /// only (`on-request`), or not at all (`hidden`, the default). docs/trust-center.md.
    #[serde(default)]
    pub listing: Listing,
}

/// Whether a document above a build's profile is listed on it: `hidden` (the default: not at
/// all) or `on-request` (its title and summary only, with the site's request-access sentence).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Listing {
    #[default]
    Hidden,
    OnRequest,
}

/// A Markdown document with front matter, as loaded.
#[derive(Debug, Clone)]
pub struct Document {
    /// The folder it lives in under content/: policies, procedures, standards or plans.
    pub kind: DocKind,
    /// Relative to the site root.
    pub path: PathBuf,
    pub meta: DocumentMeta,
    /// The front matter text, kept to position diagnostics about its values.
    pub front_matter: String,
    /// 1-based line where the front matter's YAML starts.
    pub front_matter_line: usize,
    pub body: String,
    /// A hash of the whole file as read: what the pages made from it depend on.
    pub fingerprint: u64,
    /// What a link to the document shows, hashed (`incremental::keys`); made once, on first use.
    pub link_key: std::sync::OnceLock<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DocKind {
    Policies,
    Procedures,
    Standards,
    Plans,
}

impl DocKind {
    pub const ALL: [DocKind; 4] = [
        DocKind::Policies,
        DocKind::Procedures,
        DocKind::Standards,
        DocKind::Plans,
    ];

    /// The kind of document a site path (relative to the root, `/`-separated) is, by the
    /// folder under `content/` it is in.
    pub fn of_path(rel: &str) -> Option<DocKind> {
        let under = rel.strip_prefix("content/")?;
        DocKind::ALL.into_iter().find(|k| {
            under
                .strip_prefix(k.folder())
                .is_some_and(|r| r.starts_with('/'))
        })
    }

    pub fn folder(self) -> &'static str {
        match self {
            DocKind::Policies => "policies",
            DocKind::Procedures => "procedures",
            DocKind::Standards => "standards",
            DocKind::Plans => "plans",
        }
    }

    pub fn singular(self) -> &'static str {
        match self {
            DocKind::Policies => "Policy",
            DocKind::Procedures => "Procedure",
            DocKind::Standards => "Standard",
            DocKind::Plans => "Plan",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            DocKind::Policies => "Policies",
            DocKind::Procedures => "Procedures",
            DocKind::Standards => "Standards",
            DocKind::Plans => "Plans",
        }
    }
}

/// One evidence record, as written in content/evidence/*.yaml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceMeta {
    pub id: String,
    pub title: String,
    pub owner: String,
    pub collected: Date,
    #[serde(default)]
    pub valid_for: Option<Period>,
    #[serde(default)]
    pub expires: Option<Date>,
    pub classification: Classification,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub controls: Vec<String>,
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

/// An evidence file holds one record or a list of them.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum EvidenceFile {
    Many(Vec<EvidenceMeta>),
    One(Box<EvidenceMeta>),
}

#[derive(Debug, Clone)]
pub struct Evidence {
    /// The YAML file the record is in, relative to the site root.
    pub path: PathBuf,
    pub meta: EvidenceMeta,
    /// The file's text, kept to position diagnostics about its values.
    pub source: std::sync::Arc<str>,
    /// A hash of `source`, shared by the file's records; made once, on first use (`incremental::keys`).
    pub source_hash: std::sync::Arc<std::sync::OnceLock<u64>>,
    /// What a link to the record shows, hashed (`incremental::keys`); made once, on first use.
    pub link_key: std::sync::OnceLock<u64>,
    /// Where the record starts in `source` (its `id:`), and the byte offset there.
    pub start: Option<(crate::base::diagnostic::Pos, usize)>,
}

/// A public source that a catalog or crosswalk takes its facts from.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    pub title: String,
    #[serde(default = "yes")]
    pub counted: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SpecType {
    Required,
    Addressable,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    pub title: String,
    #[serde(deserialize_with = "string_or_number")]
    pub group: String,
    #[serde(default)]
    pub summary: Option<String>,
    /// ISO 27001:2022: one of the 11 controls new in the 2022 edition.
    #[serde(default)]
    pub new: bool,
    /// HIPAA: required or addressable implementation specification.
    #[serde(default, rename = "type")]
    pub spec_type: Option<SpecType>,
    #[serde(default)]
    pub parent: Option<String>,
    /// The distinct things an auditor checks for this control (docs/mapping-format.md). A control
    /// without elements counts as one element.
    #[serde(default)]
    pub elements: Vec<Element>,
}

/// One requirement element of a control: `<framework>:<control>#<id>`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Element {
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    /// A short label in our own words.
    pub label: String,
    /// What the element rests on: the criterion, a point of focus it requires, a determination
    /// statement, a paragraph.
    #[serde(default)]
    pub rests_on: Option<String>,
}

/// Most elements one control may have: element sets are bit masks.
pub const MAX_ELEMENTS: usize = 64;

/// A control's elements met by something, as a bit mask over the control's elements in catalog
/// order (a control without elements has one, bit 0).
pub type ElementMask = u64;

/// Every element of a control with `n` elements (0 counts as 1).
pub fn all_elements(n: usize) -> ElementMask {
    match n {
        0 | 1 => 1,
        n if n >= 64 => u64::MAX,
        n => (1u64 << n) - 1,
    }
}

/// NIST IR 8477's rationale for a relationship.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rationale {
    Syntactic,
    Semantic,
    Functional,
}

impl Rationale {
    pub fn as_str(self) -> &'static str {
        match self {
            Rationale::Syntactic => "syntactic",
            Rationale::Semantic => "semantic",
            Rationale::Functional => "functional",
        }
    }
}

/// How sure a crosswalk row is. Ordered: `Low < Medium < High`; a row that states none counts
/// as `Unstated`, below all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    #[serde(skip)]
    Unstated,
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Unstated => "unstated",
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// A framework's catalog: mappings/frameworks/<slug>.yaml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub slug: String,
    pub title: String,
    #[serde(deserialize_with = "string_or_number")]
    pub edition: String,
    #[serde(default)]
    pub publisher: Option<String>,
    /// What the `controls` figure counts for this framework.
    #[serde(default)]
    pub counts: Option<String>,
    /// An older edition names its successor: its ids then give migration hints, and it is not
    /// shown as a framework of its own.
    #[serde(default)]
    pub superseded_by: Option<String>,
    pub sources: Vec<Source>,
    pub groups: Vec<Group>,
    pub controls: Vec<Control>,
    #[serde(skip)]
    pub path: PathBuf,
    #[serde(skip)]
    pub source_text: std::sync::Arc<str>,
}

/// NIST IR 8477 set-theory relationships, read `from REL to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    Equal,
    SubsetOf,
    SupersetOf,
    Intersects,
}

impl Relationship {
    /// The same pair read the other way round.
    pub fn inverse(self) -> Relationship {
        match self {
            Relationship::SubsetOf => Relationship::SupersetOf,
            Relationship::SupersetOf => Relationship::SubsetOf,
            r => r,
        }
    }

    /// Meeting the other control fully meets this one.
    pub fn is_full(self) -> bool {
        matches!(self, Relationship::Equal | Relationship::SubsetOf)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::Equal => "equal",
            Relationship::SubsetOf => "subset_of",
            Relationship::SupersetOf => "superset_of",
            Relationship::Intersects => "intersects",
        }
    }

    /// Read as a phrase: "CC6.1 *is a subset of* A.5.15".
    pub fn phrase(self) -> &'static str {
        match self {
            Relationship::Equal => "equal to",
            Relationship::SubsetOf => "subset of",
            Relationship::SupersetOf => "superset of",
            Relationship::Intersects => "intersects",
        }
    }

    /// Two hops, a -> h -> b, as known from the hops alone.
    pub fn compose(self, next: Relationship) -> Relationship {
        use Relationship::*;
        match (self, next) {
            (Equal, r) | (r, Equal) => r,
            (SubsetOf, SubsetOf) => SubsetOf,
            (SupersetOf, SupersetOf) => SupersetOf,
            _ => Intersects,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    #[serde(deserialize_with = "string_or_number")]
    pub from: String,
    #[serde(deserialize_with = "string_or_number")]
    pub to: String,
    pub relationship: Relationship,
    #[serde(default)]
    pub rationale: Option<Rationale>,
    #[serde(default)]
    pub confidence: Option<Confidence>,
    /// Elements of `from` that `to` wholly meets; absent: all when the relationship says `to`
    /// meets `from` (equal, subset_of), none otherwise.
    #[serde(default, deserialize_with = "element_ids")]
    pub from_met: Option<Vec<String>>,
    /// Elements of `to` that `from` wholly meets; absent: read from the relationship likewise.
    #[serde(default, deserialize_with = "element_ids")]
    pub to_met: Option<Vec<String>>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// One control id or several (a group row's side).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(#[serde(deserialize_with = "string_or_number")] String),
    Many(Vec<IdString>),
}

/// A control or element id written as a string or a number.
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct IdString(#[serde(deserialize_with = "string_or_number")] pub String);

impl OneOrMany {
    pub fn ids(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(s) => vec![s.as_str()],
            OneOrMany::Many(v) => v.iter().map(|s| s.0.as_str()).collect(),
        }
    }
}

/// A row where several controls of one side together wholly meet elements of one control of the
/// other side. Allowed only with a source that says so.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupMapping {
    pub from: OneOrMany,
    pub to: OneOrMany,
    #[serde(default)]
    pub rationale: Option<Rationale>,
    #[serde(default)]
    pub confidence: Option<Confidence>,
    #[serde(default, deserialize_with = "element_ids")]
    pub from_met: Option<Vec<String>>,
    #[serde(default, deserialize_with = "element_ids")]
    pub to_met: Option<Vec<String>>,
    pub source: String,
    #[serde(default)]
    pub note: Option<String>,
}

fn element_ids<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    let v: Option<Vec<IdString>> = Option::deserialize(d)?;
    Ok(v.map(|v| v.into_iter().map(|s| s.0).collect()))
}

/// A crosswalk between two catalogs: mappings/crosswalks/<from>__<to>.yaml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Crosswalk {
    pub from: String,
    pub to: String,
    #[serde(deserialize_with = "string_or_number")]
    pub from_edition: String,
    #[serde(deserialize_with = "string_or_number")]
    pub to_edition: String,
    #[serde(default)]
    pub method: Option<String>,
    pub sources: Vec<Source>,
    pub mappings: Vec<Mapping>,
    /// Rows where a group of controls together meets elements (rare; each needs a source).
    #[serde(default)]
    pub groups: Vec<GroupMapping>,
    #[serde(skip)]
    pub path: PathBuf,
    #[serde(skip)]
    pub source_text: std::sync::Arc<str>,
}

/// `<framework>:<control id>` as written in content.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ControlRef {
    pub framework: String,
    pub id: String,
}

impl ControlRef {
    /// The framework and control id of a reference, borrowed; `None` if it is not one.
    pub fn split(s: &str) -> Option<(&str, &str)> {
        let (fw, id) = s.trim().split_once(':')?;
        let (fw, id) = (fw.trim(), id.trim());
        (!fw.is_empty() && !id.is_empty()).then_some((fw, id))
    }

    pub fn parse(s: &str) -> Result<ControlRef, ValueError> {
        match ControlRef::split(s) {
            Some((fw, id)) => Ok(ControlRef {
                framework: fw.to_string(),
                id: id.to_string(),
            }),
            None => Err(ValueError::new(format!(
                "`{}` is not a control reference: write <framework>:<control id>, e.g. iso27001:A.5.15",
                s.trim()
            ))),
        }
    }
}

impl fmt::Display for ControlRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.framework, self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_periods() {
        let d = Date::parse("2026-01-31").unwrap();
        assert_eq!(
            d.plus(Period::parse("1 month").unwrap()).to_string(),
            "2026-02-28"
        );
        assert_eq!(
            d.plus(Period::parse("2 weeks").unwrap()).to_string(),
            "2026-02-14"
        );
        assert_eq!(
            d.plus(Period::parse("1 year").unwrap()).to_string(),
            "2027-01-31"
        );
        assert!(Date::parse("2026-02-30").is_err());
        assert!(Date::parse("2026-2-3").is_err());
        assert!(Period::parse("12 moons").is_err());
        assert!(Period::parse("0 days").is_err());
        assert!(Period::parse("twelve months").is_err());
    }

    #[test]
    fn relationships_compose_and_invert() {
        use Relationship::*;
        assert_eq!(SubsetOf.inverse(), SupersetOf);
        assert_eq!(Equal.compose(SubsetOf), SubsetOf);
        assert_eq!(SubsetOf.compose(SubsetOf), SubsetOf);
        assert_eq!(SubsetOf.compose(SupersetOf), Intersects);
        assert_eq!(Intersects.compose(Equal), Intersects);
    }

    #[test]
    fn control_refs() {
        let r = ControlRef::parse("hipaa:164.312(a)(1)").unwrap();
        assert_eq!(
            (r.framework.as_str(), r.id.as_str()),
            ("hipaa", "164.312(a)(1)")
        );
        assert!(ControlRef::parse("A.5.15").is_err());
        assert!(ControlRef::parse("iso27001:").is_err());
    }
}
