//! Evidence: records resolved with their control references and their standing in the ledger
//! (sealed, changed since sealed, unsealed, external), and the names they are published under
//! checked for clashes.

use super::lookup::Lookup;
use super::model::{ResolvedEvidence, SealState};
use super::paths::evidence_file_stem;
use super::references::{Duplicates, Refs, resolve_refs};
use crate::base::diagnostic::{Diagnostic, Pos, display_path};
use crate::base::rules;
use crate::ledger::Line;
use crate::load::Artifact;
use crate::model::Evidence;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Resolves each record's control references (in parallel; diagnostics in the files' order),
/// notes repeated ids, and reads each artifact's seal from the ledger's latest line for it.
pub fn resolve_evidence(
    evidence: Vec<Arc<Evidence>>,
    artifacts: Vec<Option<Arc<Artifact>>>,
    ledger: &[Line],
    lookup: Lookup,
    duplicates: &mut Duplicates,
    diags: &mut Vec<Diagnostic>,
) -> Vec<ResolvedEvidence> {
    let refs: Refs = evidence
        .par_iter()
        .with_min_len(256)
        .map(|ev| {
            let mut ds = Vec::new();
            let from = ev.start.map_or(0, |(_, at)| at);
            let controls = resolve_refs(
                &ev.meta.controls,
                lookup,
                &ev.path,
                |raw| Pos::find_token(&ev.source, raw, from),
                &mut ds,
            );
            (controls, ds)
        })
        .collect();
    let latest: HashMap<&str, &Line> = crate::ledger::latest(ledger)
        .into_iter()
        .map(|l| (l.entry.id.as_str(), l))
        .collect();
    let mut resolved = Vec::with_capacity(evidence.len());
    for (order, ((ev, artifact), (controls, ds))) in
        evidence.into_iter().zip(artifacts).zip(refs).enumerate()
    {
        duplicates.note(&ev.meta.id, &ev.path, || ev.start.map(|(p, _)| p), diags);
        diags.extend(ds);
        let seal = seal(
            artifact.as_deref(),
            latest.get(ev.meta.id.as_str()).copied(),
        );
        resolved.push(ResolvedEvidence {
            ev,
            artifact,
            controls,
            seal,
            order,
        });
    }
    resolved
}

/// An artifact's standing, from the ledger's latest line for its record.
fn seal(artifact: Option<&Artifact>, latest: Option<&Line>) -> SealState {
    match (artifact, latest) {
        (None, _) => SealState::External,
        (Some(_), None) => SealState::Unsealed,
        (Some(a), Some(l)) => {
            let (seq, sealed_at) = (l.entry.seq, l.entry.sealed_at.clone());
            if l.entry.sha256 == a.sha256 && l.entry.size == a.size {
                SealState::Sealed { seq, sealed_at }
            } else {
                SealState::Changed { seq, sealed_at }
            }
        }
    }
}

/// Two evidence files may not share a page (`a.yaml` and `a.yml`), nor two artifacts one published
/// name (`EV-A` with `B-x.csv` and `EV-A-B` with `x.csv`). Checked before the profile drops
/// anything, so every profile builds or none does.
pub fn check_published_names(
    evidence: &[Arc<Evidence>],
    artifacts: &[Option<Arc<Artifact>>],
    diags: &mut Vec<Diagnostic>,
) {
    let mut pages: HashMap<String, &Path> = HashMap::new();
    let mut files: HashMap<&str, &str> = HashMap::with_capacity(evidence.len());
    let names = artifacts
        .iter()
        .map(|a| a.as_ref().map(|a| a.published_name()));
    // A file's records come together: its page is checked once.
    let mut last: Option<&Path> = None;
    for ((ev, artifact), name) in evidence.iter().zip(artifacts).zip(names) {
        // Compared as bytes: `Path`'s own equality walks components, which 30,000 records feel.
        let same_file = last.is_some_and(|l| l.as_os_str() == ev.path.as_os_str());
        last = Some(&ev.path);
        let stem = if same_file {
            String::new()
        } else {
            evidence_file_stem(&ev.path)
        };
        match pages.get(&stem).filter(|_| !same_file) {
            Some(first) if *first != ev.path.as_path() => {
                diags.push(
                    Diagnostic::error(
                        &ev.path,
                        format!(
                            "its records would be published on the same page as those of {} (evidence/records/{stem}.html)",
                            display_path(first)
                        ),
                    ).with_rule(rules::PUBLISHED_NAME_CLASH)
                    .with_hint("evidence files need distinct names without their extension: rename one"),
                );
                // One error per file, not per record.
                pages.insert(stem, &ev.path);
            }
            Some(_) => {}
            None if same_file => {}
            None => {
                pages.insert(stem, &ev.path);
            }
        }
        let (Some(_), Some(name)) = (artifact, name) else {
            continue;
        };
        match files.get(name) {
            // The same id twice is already a duplicate id.
            Some(first) if *first != ev.meta.id => diags.push(
                Diagnostic::error(
                    &ev.path,
                    format!(
                        "evidence `{}`: its file would be published as evidence/files/{name}, like the file of `{first}`",
                        ev.meta.id
                    ),
                ).with_rule(rules::PUBLISHED_NAME_CLASH)
                .at(ev.start.map(|(p, _)| p))
                .with_hint("rename one of the two files, or change one of the ids"),
            ),
            Some(_) => {}
            None => {
                files.insert(name, &ev.meta.id);
            }
        }
    }
}
