//! The resolve stage: check every cross-file reference and build the resolved model the
//! analysis and the pages read. Problems become diagnostics; resolution goes on past them so `check` reports all.
//! `resolve` below is the table of contents: catalogs, crosswalks, documents, evidence, ISMS
//! records, then the profile; each step is a file of this folder, the model is in model.rs.

mod catalogs;
mod crosswalks;
mod elements;
mod evidence;
mod lookup;
pub mod model;
pub mod paths;
mod references;
pub mod trust;

pub use elements::{implied_relationship, met_mask};
pub use lookup::nearest;
pub use model::{
    ControlKey, ElementGroup, Framework, HUB, Migrations, Model, Relation, ResolvedDocument,
    ResolvedEvidence, SealState,
};

use crate::base::diagnostic::Diagnostic;
use crate::load::Loaded;
use crate::model::config::Config;
use crate::model::{Classification, Date};
use catalogs::sort_frameworks;
use crosswalks::relate;
use evidence::{check_published_names, resolve_evidence};
use lookup::Lookup;
use references::{check_audits, check_record_refs, resolve_documents};

/// Checks everything that spans files and builds the model for `profile`.
pub fn resolve(
    loaded: Loaded,
    config: Config,
    today: Date,
    profile: Classification,
) -> (Model, Vec<Diagnostic>) {
    let (model, diags) = resolve_whole(loaded, config, today);
    (restrict(model, profile), diags)
}

/// The model of the whole ISMS, every classification in: for `check`, and for the aggregate
/// figures a profile discloses (`analyse::disclosed`), which are taken from it before
/// `restrict` drops what the profile may not show.
pub fn resolve_whole(loaded: Loaded, config: Config, today: Date) -> (Model, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let Loaded {
        documents,
        evidence,
        artifacts,
        catalogs,
        crosswalks,
        ledger,
        ledger_exists,
        public_key,
        records,
    } = loaded;
    diags.extend(crate::ledger::verify_chain(
        &ledger,
        &config.ledger,
        public_key.as_ref().map(|k| &k.key),
    ));

    // Catalogs: current frameworks (in-scope first, in config order) and superseded editions.
    let (frameworks, superseded) = sort_frameworks(catalogs, &config, &mut diags);
    let migrations = Migrations::new(&superseded, &crosswalks);
    // Crosswalks: both ends exist, editions agree, no duplicate pair, sources named.
    let (relations, element_groups) = relate(&crosswalks, &frameworks, &superseded, &mut diags);

    // Documents, evidence and ISMS records: unique ids, every control reference resolves.
    let lookup = Lookup {
        frameworks: &frameworks,
        superseded: &superseded,
        migrations: &migrations,
    };
    let (documents, mut duplicates) = resolve_documents(documents, &evidence, lookup, &mut diags);
    check_published_names(&evidence, &artifacts, &mut diags);
    let mut evidence = resolve_evidence(
        evidence,
        artifacts,
        &ledger,
        lookup,
        &mut duplicates,
        &mut diags,
    );
    check_record_refs(&records, lookup, &mut diags);

    trust::check_trust_config(&config, today, &mut diags);
    evidence.sort_by(|a, b| a.ev.meta.id.cmp(&b.ev.meta.id));

    check_audits(&config, &frameworks, &mut diags);
    let hub = frameworks.iter().position(|f| f.slug() == HUB);
    let model = Model {
        config,
        today,
        profile: Classification::Confidential,
        frameworks,
        crosswalks,
        documents,
        evidence,
        relations,
        element_groups,
        superseded,
        migrations,
        hub,
        ledger_exists,
        public_key,
        records,
        commits: Default::default(),
        trust: Default::default(),
    };
    (model, diags)
}

/// The profile: what is above it is dropped here, before any page, count or index sees it.
pub fn restrict(mut model: Model, profile: Classification) -> Model {
    // The trust center: documents listed on request (title and summary only) and public
    // subprocessor blocks, taken before the profile drops their items.
    model.trust = trust::trust(&model.documents, &model.records, profile);
    model.records.retain_up_to(profile);
    model
        .documents
        .retain(|d| d.doc.meta.classification <= profile);
    model
        .evidence
        .retain(|e| e.ev.meta.classification <= profile);
    model.profile = profile;
    model
}
