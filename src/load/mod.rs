//! The load stage: find every input file and parse it, in parallel. Nothing here knows about other
//! files: cross-references are the resolve stage's job. `load` reads the whole site; `reload`
//! brings an earlier load up to date with a few changed files.
//!
//! The files, from the bottom up: `walk` finds the inputs, `read` reads one inside the site,
//! `documents` parses documents and evidence records, `artifacts` locates and hashes evidence
//! files (with the hash cache, `cache`), `mappings` reads catalogs and crosswalks, `records` the
//! ISMS records and the ledger, `loaded` is what a load gives, `parse_cache` keeps parses
//! between loads and `reload` uses it. `git` reads the dates of the last commits of files, for
//! the updates feed.

mod artifacts;
pub mod cache;
mod documents;
pub mod git;
mod loaded;
mod mappings;
mod parse_cache;
mod read;
mod records;
mod reload;
mod walk;

pub use artifacts::Artifact;
pub use documents::{Split, parse_document, parse_evidence, split_front_matter};
pub use loaded::{Loaded, PublicKey};
pub use mappings::{parse_catalog, parse_crosswalk};
pub use parse_cache::ParseCache;
pub use read::{MAX_DOCUMENT_BYTES, RealPaths, read_site_file};
pub use reload::reload;

use crate::base::diagnostic::Diagnostic;
use crate::base::rules;
use crate::model::{DocKind, Document, Evidence};
use cache::HashCache;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Loads every document, evidence record, catalog and crosswalk of the site at `root`.
/// Per-file problems are returned as diagnostics; loading goes on past them. Files unchanged
/// since they went into `parsed` are taken from it.
pub fn load(
    root: &Path,
    config: &crate::model::config::Config,
    cache: Option<&HashCache>,
    parsed: Option<&ParseCache>,
) -> (Loaded, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let canonical_root = match root.canonicalize() {
        Ok(r) => r,
        Err(e) => {
            diags.push(
                Diagnostic::error(root, format!("cannot open site folder: {e}"))
                    .with_rule(rules::IO),
            );
            return (Loaded::default(), diags);
        }
    };

    // The folder walk stays sequential; parsing is parallel.
    let (doc_files, evidence_files) = walk::input_files(root, &mut diags);
    let paths = RealPaths::new(root, &canonical_root);
    let documents = parse_documents(&paths, &doc_files, parsed, &mut diags);
    let evidence = parse_evidence_files(&paths, &evidence_files, parsed, &mut diags);
    let artifacts = artifacts::locate_all(&paths, &evidence, cache, &mut diags);
    let mut loaded = Loaded {
        documents,
        evidence,
        artifacts,
        ..Loaded::default()
    };

    let (catalogs, mut d) =
        mappings::load_mappings(root, &canonical_root, "frameworks", parse_catalog);
    loaded.catalogs = catalogs;
    diags.append(&mut d);
    let (crosswalks, mut d) =
        mappings::load_mappings(root, &canonical_root, "crosswalks", parse_crosswalk);
    loaded.crosswalks = crosswalks;
    diags.append(&mut d);

    records::load_ledger(root, &canonical_root, config, &mut loaded, &mut diags);
    records::load_records(root, &canonical_root, &mut loaded, &mut diags);
    records::check_record_files(&canonical_root, &loaded.records, &mut diags);

    // Stable order regardless of the parallel passes.
    loaded.documents.sort_by(|a, b| a.path.cmp(&b.path));
    (loaded, diags)
}

/// Every document (in parallel, in the order of `files`); a file that does not parse is left
/// out, with its error in `diags`.
fn parse_documents(
    paths: &RealPaths,
    files: &[(DocKind, PathBuf)],
    parsed: Option<&ParseCache>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Arc<Document>> {
    let results: Vec<Result<Arc<Document>, Diagnostic>> = files
        .par_iter()
        .map(|(kind, rel)| {
            paths.read_parsed(rel, parsed.map(|p| (&p.docs, p.settle)), |text| {
                parse_document(*kind, rel, text).map(Arc::new)
            })
        })
        .collect();
    let mut documents = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(d) => documents.push(d),
            Err(d) => diags.push(d),
        }
    }
    documents
}

/// Every evidence file's records (in parallel), in the order of `files` and each file's order;
/// a file that does not parse gives none, and its error goes in `diags`.
fn parse_evidence_files(
    paths: &RealPaths,
    files: &[PathBuf],
    parsed: Option<&ParseCache>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Arc<Evidence>> {
    let results: Vec<Result<Vec<Arc<Evidence>>, Diagnostic>> = files
        .par_iter()
        .map(|rel| {
            paths.read_parsed(rel, parsed.map(|p| (&p.evidence, p.settle)), |text| {
                parse_evidence(rel, text).map(|evs| evs.into_iter().map(Arc::new).collect())
            })
        })
        .collect();
    let mut evidence = Vec::new();
    for r in results {
        match r {
            Ok(evs) => evidence.extend(evs),
            Err(d) => diags.push(d),
        }
    }
    evidence
}
