//! The OSCAL 1.2 JSON shapes crosswalk writes and reads, a catalog and a mapping-collection,
//! with only the fields we use; the constants every file of ours carries; and the small
//! builders export and import share (props in our namespace, one-line titles, sources). Keys are OSCAL's (kebab-case); empty lists and absent values are
//! left out, since OSCAL's schemas refuse empty arrays. Reading ignores fields we do not use (a
//! real catalog has many), so an OSCAL file from another tool loads.

use super::ids::{NS, uuid};
use serde::{Deserialize, Serialize};

/// The value of the `generator` prop in crosswalk's namespace that marks a file as ours.
pub const GENERATOR: &str = "crosswalk";

/// The OSCAL version written: 1.2.1 fixed the JSON shape of `confidence-score` and `coverage`;
/// 1.2.2 changed neither model.
pub const OSCAL_VERSION: &str = "1.2.1";

/// `coverage.generation-method` of every coverage figure we write: the share of requirement
/// elements wholly met (docs/overlap.md).
pub const COVERAGE_METHOD: &str = "requirement-elements";

fn none<T>(v: &Option<T>) -> bool {
    v.is_none()
}

fn empty<T>(v: &[T]) -> bool {
    v.is_empty()
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Prop {
    pub name: String,
    #[serde(default, skip_serializing_if = "none")]
    pub ns: Option<String>,
    pub value: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Link {
    pub href: String,
    #[serde(default, skip_serializing_if = "none")]
    pub rel: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Role {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Party {
    pub uuid: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ResponsibleParty {
    pub role_id: String,
    pub party_uuids: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Metadata {
    pub title: String,
    pub last_modified: String,
    pub version: String,
    pub oscal_version: String,
    #[serde(default, skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "empty")]
    pub roles: Vec<Role>,
    #[serde(default, skip_serializing_if = "empty")]
    pub parties: Vec<Party>,
    #[serde(default, skip_serializing_if = "empty")]
    pub responsible_parties: Vec<ResponsibleParty>,
    #[serde(default, skip_serializing_if = "none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Rlink {
    pub href: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Resource {
    pub uuid: String,
    #[serde(default, skip_serializing_if = "none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "empty")]
    pub rlinks: Vec<Rlink>,
    #[serde(default, skip_serializing_if = "none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BackMatter {
    #[serde(default, skip_serializing_if = "empty")]
    pub resources: Vec<Resource>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Param {
    pub id: String,
    #[serde(default, skip_serializing_if = "none")]
    pub label: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Part {
    #[serde(default, skip_serializing_if = "none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "none")]
    pub ns: Option<String>,
    #[serde(default, skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "none")]
    pub prose: Option<String>,
    #[serde(default, skip_serializing_if = "empty")]
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Control {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "empty")]
    pub params: Vec<Param>,
    #[serde(default, skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "empty")]
    pub parts: Vec<Part>,
    #[serde(default, skip_serializing_if = "empty")]
    pub controls: Vec<Control>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Group {
    #[serde(default, skip_serializing_if = "none")]
    pub id: Option<String>,
    pub title: String,
    #[serde(default, skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "empty")]
    pub groups: Vec<Group>,
    #[serde(default, skip_serializing_if = "empty")]
    pub controls: Vec<Control>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Catalog {
    pub uuid: String,
    pub metadata: Metadata,
    #[serde(default, skip_serializing_if = "empty")]
    pub groups: Vec<Group>,
    #[serde(default, skip_serializing_if = "empty")]
    pub controls: Vec<Control>,
    #[serde(default, skip_serializing_if = "none")]
    pub back_matter: Option<BackMatter>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CatalogDoc {
    pub catalog: Catalog,
}

/// `confidence-score`: exactly one of the two.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConfidenceScore {
    #[serde(default, skip_serializing_if = "none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "none")]
    pub percentage: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Coverage {
    #[serde(default, skip_serializing_if = "none")]
    pub generation_method: Option<String>,
    pub target_coverage: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Provenance {
    pub method: String,
    pub matching_rationale: String,
    pub status: String,
    pub mapping_description: String,
    #[serde(default, skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "empty")]
    pub links: Vec<Link>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ResourceRef {
    #[serde(rename = "type")]
    pub kind: String,
    pub href: String,
    #[serde(default, skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Item {
    #[serde(rename = "type")]
    pub kind: String,
    pub id_ref: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Map {
    pub uuid: String,
    #[serde(default, skip_serializing_if = "none")]
    pub matching_rationale: Option<String>,
    pub relationship: String,
    pub sources: Vec<Item>,
    pub targets: Vec<Item>,
    #[serde(default, skip_serializing_if = "none")]
    pub confidence_score: Option<ConfidenceScore>,
    #[serde(default, skip_serializing_if = "none")]
    pub coverage: Option<Coverage>,
    #[serde(default, skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SelectById {
    #[serde(default, skip_serializing_if = "empty")]
    pub with_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct GapSummary {
    pub uuid: String,
    pub unmapped_controls: Vec<SelectById>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Mapping {
    pub uuid: String,
    pub source_resource: ResourceRef,
    pub target_resource: ResourceRef,
    #[serde(default, skip_serializing_if = "none")]
    pub matching_rationale: Option<String>,
    #[serde(default, skip_serializing_if = "none")]
    pub mapping_description: Option<String>,
    pub maps: Vec<Map>,
    #[serde(default, skip_serializing_if = "none")]
    pub source_gap_summary: Option<GapSummary>,
    #[serde(default, skip_serializing_if = "none")]
    pub target_gap_summary: Option<GapSummary>,
    #[serde(default, skip_serializing_if = "none")]
    pub coverage: Option<Coverage>,
}

/// `mappings` is one mapping or a list of them; crosswalk writes a list and reads either.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Mappings {
    Many(Vec<Mapping>),
    One(Box<Mapping>),
}

impl Mappings {
    pub fn list(&self) -> &[Mapping] {
        match self {
            Mappings::Many(v) => v,
            Mappings::One(m) => std::slice::from_ref(m),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct MappingCollection {
    pub uuid: String,
    pub metadata: Metadata,
    pub provenance: Provenance,
    pub mappings: Mappings,
    #[serde(default, skip_serializing_if = "none")]
    pub back_matter: Option<BackMatter>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MappingDoc {
    #[serde(rename = "mapping-collection")]
    pub mapping_collection: MappingCollection,
}

/// The props in crosswalk's namespace, by name.
pub fn ours<'a>(props: &'a [Prop], name: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|p| p.name == name && p.ns.as_deref() == Some(NS))
        .map(|p| p.value.as_str())
}

/// A prop in crosswalk's namespace.
pub fn prop(name: &str, value: &str) -> Prop {
    Prop {
        name: name.into(),
        ns: Some(NS.into()),
        value: value.into(),
    }
}

/// A prop in OSCAL's own namespace (`label`, `status`).
pub fn oscal_prop(name: &str, value: &str) -> Prop {
    Prop {
        name: name.into(),
        ns: None,
        value: value.into(),
    }
}

/// Whether the metadata marks the file as written by crosswalk.
pub fn is_ours(m: &Metadata) -> bool {
    ours(&m.props, "generator") == Some(GENERATOR)
}

/// A title on one line (OSCAL titles are one line of Markdown).
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Prose: trimmed, `None` when empty.
pub fn prose(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The back-matter resource of one source: its id in our namespace, title, URL and note.
pub fn resource(scope: &str, s: &crate::model::Source) -> Resource {
    Resource {
        uuid: uuid(&["source", scope, &s.id]),
        title: Some(one_line(&s.title)),
        props: vec![prop("source-id", &s.id)],
        rlinks: s
            .url
            .iter()
            .filter(|u| !u.trim().is_empty())
            .map(|u| Rlink {
                href: u.trim().to_string(),
            })
            .collect(),
        remarks: prose(&s.note),
    }
}
