//! The resolved model: what the analysis and the pages read once every cross-file reference is
//! checked. Controls are addressed by `ControlKey`; crosswalk edges are stored on both of their
//! ends. Built by `resolve` (mod.rs); `Model::lookup` is in lookup.rs, with the hints it gives.

use crate::load::Artifact;
use crate::model::config::Config;
use crate::model::{
    Catalog, Classification, Confidence, Crosswalk, Date, Document, ElementMask, Evidence,
    Relationship,
};
use std::collections::HashMap;
use std::sync::Arc;

/// A control, as (framework index, control index) into `Model::frameworks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ControlKey {
    pub fw: usize,
    pub ctl: usize,
}

/// A framework catalog with its lookups.
#[derive(Debug, Clone)]
pub struct Framework {
    pub catalog: Catalog,
    pub in_scope: bool,
    index: HashMap<String, usize>,
    /// File name (without .html) of each control's page, in catalog order.
    pub page_names: Vec<String>,
}

impl Framework {
    /// `page_names` holds each control's page name, in catalog order (`paths::page_name`).
    pub(super) fn new(catalog: Catalog, in_scope: bool, page_names: Vec<String>) -> Framework {
        // An id listed twice (an error) finds its first entry.
        let mut index = HashMap::with_capacity(catalog.controls.len());
        for (i, c) in catalog.controls.iter().enumerate() {
            index.entry(c.id.clone()).or_insert(i);
        }
        Framework {
            catalog,
            in_scope,
            index,
            page_names,
        }
    }

    pub fn slug(&self) -> &str {
        &self.catalog.slug
    }

    pub fn control(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Whether the control counts toward the framework's headline figures.
    pub fn is_counted(&self, ctl: usize) -> bool {
        let group = &self.catalog.controls[ctl].group;
        self.catalog
            .groups
            .iter()
            .find(|g| &g.id == group)
            .is_none_or(|g| g.counted)
    }
}

/// One edge of a crosswalk, seen from one of its ends: `this REL other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relation {
    pub other: ControlKey,
    pub rel: Relationship,
    /// This control's elements that the other control wholly meets.
    pub met: ElementMask,
    /// The other control's elements that this one wholly meets.
    pub other_met: ElementMask,
    pub conf: Confidence,
    pub crosswalk: usize,
    pub mapping: usize,
}

/// A crosswalk's group row: several controls of one framework that together wholly meet some
/// elements of one control of another (allowed only with a source that says so).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementGroup {
    pub control: ControlKey,
    pub members: Vec<ControlKey>,
    pub met: ElementMask,
    pub conf: Confidence,
    pub crosswalk: usize,
    pub row: usize,
}

#[derive(Debug, Clone)]
pub struct ResolvedDocument {
    pub doc: Arc<Document>,
    pub controls: Vec<ControlKey>,
}

#[derive(Debug, Clone)]
pub struct ResolvedEvidence {
    pub ev: Arc<Evidence>,
    pub artifact: Option<Arc<Artifact>>,
    pub controls: Vec<ControlKey>,
    pub seal: SealState,
    /// The record's place in the order it was loaded (files by name, each file's records in the
    /// order written), for sorting a file's records only: it counts records the profile hides, so
    /// it must never reach a page.
    pub order: usize,
}

/// An artifact's standing in the evidence ledger.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SealState {
    /// The latest ledger line for this record matches the file as it is now.
    Sealed { seq: u64, sealed_at: String },
    /// The file changed since its latest ledger line.
    Changed { seq: u64, sealed_at: String },
    /// No ledger line names this record.
    Unsealed,
    /// A `url:` record: nothing to seal.
    External,
}

/// Everything the analysis and the pages need, already checked, and already filtered to the
/// build's profile: nothing above it is in here, so nothing above it can leak into the output.
#[derive(Debug, Clone)]
pub struct Model {
    pub config: Config,
    pub today: Date,
    pub profile: Classification,
    pub frameworks: Vec<Framework>,
    pub crosswalks: Vec<Crosswalk>,
    pub documents: Vec<ResolvedDocument>,
    pub evidence: Vec<ResolvedEvidence>,
    /// relations[fw][ctl]: every crosswalk edge touching that control.
    pub relations: Vec<Vec<Vec<Relation>>>,
    /// Group rows of every crosswalk (a few at most).
    pub element_groups: Vec<ElementGroup>,
    /// Old-edition catalogs and their id migrations, kept for hints.
    pub superseded: Vec<Catalog>,
    pub migrations: Migrations,
    /// The framework every other is mapped to (ISO 27001), when loaded.
    pub hub: Option<usize>,
    /// Whether the site keeps an evidence ledger, and the key its signatures verify with.
    pub ledger_exists: bool,
    pub public_key: Option<crate::load::PublicKey>,
    /// The SoA and ISMS records at or below the profile.
    pub records: crate::model::records::Records,
    /// The date of the last commit of each document of the model (by its site path), for the
    /// updates feed; filled by the build (`load::git`), and only for documents the profile shows.
    pub commits: crate::load::git::CommitDates,
    /// What the trust center shows of items above the profile (listed documents, public
    /// subprocessor blocks): only the fields meant to be public (`resolve/trust.rs`).
    pub trust: Trust,
}

pub const HUB: &str = "iso27001";

impl Model {
    /// The title of the source a crosswalk row names (or the file's first source).
    pub fn row_source(&self, crosswalk: usize, mapping: usize) -> Option<String> {
        let x = &self.crosswalks[crosswalk];
        let m = &x.mappings[mapping];
        let sid = m
            .source
            .clone()
            .or_else(|| x.sources.first().map(|s| s.id.clone()));
        sid.and_then(|id| x.sources.iter().find(|s| s.id == id))
            .map(|s| s.title.clone())
    }

    pub fn framework(&self, slug: &str) -> Option<usize> {
        self.frameworks.iter().position(|f| f.slug() == slug)
    }

    pub fn relations_of(&self, k: ControlKey) -> &[Relation] {
        &self.relations[k.fw][k.ctl]
    }

    pub fn control_name(&self, k: ControlKey) -> String {
        format!(
            "{}:{}",
            self.frameworks[k.fw].slug(),
            self.frameworks[k.fw].catalog.controls[k.ctl].id
        )
    }
}

/// Old-edition id -> new-edition ids, from crosswalks whose `from` is a superseded catalog.
#[derive(Debug, Default, Clone)]
pub struct Migrations {
    map: HashMap<(String, String), Vec<(String, Relationship)>>,
}

impl Migrations {
    pub(super) fn new(superseded: &[Catalog], crosswalks: &[Crosswalk]) -> Migrations {
        let mut map: HashMap<(String, String), Vec<(String, Relationship)>> = HashMap::new();
        for x in crosswalks {
            let Some(old) = superseded.iter().find(|c| c.slug == x.from) else {
                continue;
            };
            if old.superseded_by.as_deref() != Some(x.to.as_str()) {
                continue;
            }
            for m in &x.mappings {
                map.entry((old.slug.clone(), m.from.clone()))
                    .or_default()
                    .push((m.to.clone(), m.relationship));
            }
        }
        Migrations { map }
    }

    pub fn get(&self, old_slug: &str, id: &str) -> Option<&[(String, Relationship)]> {
        self.map
            .get(&(old_slug.to_string(), id.to_string()))
            .map(|v| v.as_slice())
    }
}

/// What the trust center shows besides the items at or below the profile. Every field here
/// is deliberately public: nothing else of a listed document reaches the model.
#[derive(Debug, Clone, Default, Hash)]
pub struct Trust {
    /// Documents above the profile whose front matter says `listing: on-request`, by kind, then title.
    pub on_request: Vec<Listed>,
    /// Suppliers with a public `subprocessor:` block, by name (whatever the register's classification).
    pub subprocessors: Vec<PublicSubprocessor>,
}

/// A document listed on request: what the library shows of it, and no more.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Listed {
    pub kind: crate::model::DocKind,
    pub title: String,
    pub summary: Option<String>,
    /// Its anchor on the documents index: `request-` and a slug of the title (never the id).
    pub anchor: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PublicSubprocessor {
    pub name: String,
    pub block: crate::model::trust::Subprocessor,
}
