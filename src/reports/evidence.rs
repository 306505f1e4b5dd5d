//! `crosswalk evidence`: the evidence library as the portal shows it to the build's profile: each
//! record with its artifact (path, size, SHA-256), its dates and freshness, its standing in the
//! ledger, and the controls, frameworks and audits it serves. A serialisable value (the JSON
//! shape, docs/schemas/evidence.schema.json) with a text table.

use crate::analyse::freshness::{Freshness, evidence_expiry};
use crate::resolve::{Model, ResolvedEvidence, SealState};
use crate::view::{Served, evidence_url, served};
use serde::Serialize;
use std::fmt::Write;

#[derive(Serialize)]
pub struct EvidenceReport {
    /// The profile's name, and the highest classification it shows.
    pub profile: String,
    pub classification: &'static str,
    /// The date freshness was judged by, and the due-soon window (`crosswalk.yaml` `due_soon`).
    pub today: String,
    pub due_soon: String,
    /// Whether the site keeps an evidence ledger, and its public key's fingerprint.
    pub ledger: bool,
    pub public_key_fingerprint: Option<String>,
    pub summary: Summary,
    pub records: Vec<Record>,
}

/// Counts over the records shown.
#[derive(Serialize, Default)]
pub struct Summary {
    pub records: usize,
    pub fresh: usize,
    pub due_soon: usize,
    pub stale: usize,
    pub sealed: usize,
    pub changed: usize,
    pub unsealed: usize,
    pub external: usize,
    /// Records that serve two or more frameworks.
    pub multi_framework: usize,
}

#[derive(Serialize)]
pub struct Record {
    pub id: String,
    pub title: String,
    pub owner: String,
    pub classification: &'static str,
    pub description: Option<String>,
    /// The YAML file the record is written in, relative to the site root.
    pub source: String,
    /// Its address in the portal (page and section).
    pub page: String,
    pub artifacts: Vec<Artifact>,
    pub collected: String,
    pub expires: String,
    pub freshness: Freshness,
    pub seal: Seal,
    /// Controls the record names.
    pub controls: Vec<String>,
    /// Controls it meets in full through crosswalks without naming them.
    pub inherited: Vec<String>,
    /// Frameworks of both lists, in framework order.
    pub frameworks: Vec<String>,
    /// Audits (crosswalk.yaml `audits`) whose framework it serves and whose period it is valid in.
    pub audits: Vec<String>,
}

/// A record's artifact: a file in the repository, or a link.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Artifact {
    File {
        /// Relative to the site root.
        path: String,
        /// Null only where the file could not be read.
        size: Option<u64>,
        sha256: Option<String>,
        /// Where the portal publishes it.
        published: Option<String>,
    },
    Link {
        url: String,
    },
}

#[derive(Serialize)]
pub struct Seal {
    /// `sealed`, `changed` (since its last ledger line), `unsealed`, or `external` (a link).
    pub state: &'static str,
    /// The ledger line that last sealed it, and when.
    pub seq: Option<u64>,
    pub sealed_at: Option<String>,
}

fn seal(s: &SealState) -> Seal {
    let (state, line) = match s {
        SealState::Sealed { seq, sealed_at } => ("sealed", Some((*seq, sealed_at.clone()))),
        SealState::Changed { seq, sealed_at } => ("changed", Some((*seq, sealed_at.clone()))),
        SealState::Unsealed => ("unsealed", None),
        SealState::External => ("external", None),
    };
    let (seq, sealed_at) = line.unzip();
    Seal {
        state,
        seq,
        sealed_at,
    }
}

/// Every record the profile shows, in the library's load order (files by name, records in the
/// order written).
pub fn evidence(model: &Model, profile: &str) -> EvidenceReport {
    let records: Vec<Record> = model
        .evidence
        .iter()
        .map(|e| record(model, e, &served(model, e)))
        .collect();
    let mut s = Summary {
        records: records.len(),
        ..Summary::default()
    };
    for r in &records {
        match r.freshness {
            Freshness::Fresh => s.fresh += 1,
            Freshness::DueSoon => s.due_soon += 1,
            Freshness::Stale => s.stale += 1,
        }
        match r.seal.state {
            "sealed" => s.sealed += 1,
            "changed" => s.changed += 1,
            "unsealed" => s.unsealed += 1,
            _ => s.external += 1,
        }
        if r.frameworks.len() >= 2 {
            s.multi_framework += 1;
        }
    }
    EvidenceReport {
        profile: profile.to_string(),
        classification: model.profile.as_str(),
        today: model.today.to_string(),
        due_soon: model.config.due_soon.to_string(),
        ledger: model.ledger_exists,
        public_key_fingerprint: model.public_key.as_ref().map(|k| k.fingerprint.clone()),
        summary: s,
        records,
    }
}

fn record(model: &Model, e: &ResolvedEvidence, sv: &Served) -> Record {
    let m = &e.ev.meta;
    let expires = evidence_expiry(m);
    let artifacts = match (&e.artifact, &m.file, &m.url) {
        (Some(a), _, _) => vec![Artifact::File {
            path: a.rel.clone(),
            size: Some(a.size),
            sha256: Some(a.sha256.clone()),
            published: Some(a.url.clone()),
        }],
        (None, Some(file), _) => vec![Artifact::File {
            path: file.clone(),
            size: None,
            sha256: None,
            published: None,
        }],
        (None, None, Some(url)) => vec![Artifact::Link { url: url.clone() }],
        (None, None, None) => Vec::new(),
    };
    let mut controls = e.controls.clone();
    controls.sort();
    controls.dedup();
    let mut inherited = sv.inherited.clone();
    inherited.sort();
    Record {
        id: m.id.clone(),
        title: m.title.clone(),
        owner: m.owner.clone(),
        classification: m.classification.as_str(),
        description: m.description.clone(),
        source: crate::base::diagnostic::display_path(&e.ev.path),
        page: evidence_url(e),
        artifacts,
        collected: m.collected.to_string(),
        expires: expires.to_string(),
        freshness: Freshness::of(expires, model.today, model.config.due_soon),
        seal: seal(&e.seal),
        controls: controls.iter().map(|&k| model.control_name(k)).collect(),
        inherited: inherited.iter().map(|&k| model.control_name(k)).collect(),
        frameworks: sv
            .fws
            .iter()
            .map(|&fw| model.frameworks[fw].slug().to_string())
            .collect(),
        audits: sv
            .audits
            .iter()
            .map(|&a| model.config.audits[a].id.clone())
            .collect(),
    }
}

/// A table, a row per record, under a line of counts.
pub fn text(r: &EvidenceReport) -> String {
    let mut out = String::new();
    let s = &r.summary;
    let _ = writeln!(
        out,
        "{} evidence records as of {}, profile {}: {} fresh, {} due within {}, {} stale; {} sealed, {} changed since sealed, {} not sealed, {} links",
        s.records,
        r.today,
        r.profile,
        s.fresh,
        s.due_soon,
        r.due_soon,
        s.stale,
        s.sealed,
        s.changed,
        s.unsealed,
        s.external
    );
    if r.records.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "{:<28} {:<10} {:<10} {:<8} {:<8} {:<24} TITLE",
        "ID", "COLLECTED", "EXPIRES", "STATUS", "SEAL", "FRAMEWORKS"
    );
    for e in &r.records {
        let status = match e.freshness {
            Freshness::Fresh => "fresh",
            Freshness::DueSoon => "due soon",
            Freshness::Stale => "stale",
        };
        let _ = writeln!(
            out,
            "{:<28} {:<10} {:<10} {:<8} {:<8} {:<24} {}",
            e.id,
            e.collected,
            e.expires,
            status,
            e.seal.state,
            e.frameworks.join(","),
            e.title
        );
    }
    out
}
