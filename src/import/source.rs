//! What an importer reads a source into: the new documents (`NewDoc`) and what it noticed about
//! the source as a whole (`Source`); what an import did (`Outcome`); and the ids and paths made
//! unique before anything is written.

use crate::base::diagnostic::Diagnostic;
use crate::model::{Classification, Date, DocKind};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The mark beside every stand-in value, for the user to search for.
pub const TODO: &str = "TODO(import)";

/// One document of the new site, as read from the source.
#[derive(Debug, Clone)]
pub struct NewDoc {
    pub kind: DocKind,
    /// Where it is written, relative to the new site's root (`content/policies/access.md`).
    pub rel: PathBuf,
    /// Where it came from, relative to the source folder.
    pub source: PathBuf,
    pub id: String,
    /// The id to try when `id` is taken by an earlier document.
    pub alt_id: String,
    pub title: String,
    pub owner: Option<String>,
    pub classification: Option<Classification>,
    /// The version and where it came from.
    pub version: Option<(String, String)>,
    /// The approval date and where it came from.
    pub approved: Option<(Date, String)>,
    pub summary: Option<String>,
    /// Control references (`soc2:CC6.1`), each known to exist.
    pub controls: Vec<String>,
    /// Comment lines for the end of the front matter: what the source said that crosswalk has
    /// no field for (comply's revision history).
    pub history: Vec<String>,
    pub body: String,
    /// Problems in this file, positioned in the source.
    pub warnings: Vec<Diagnostic>,
}

/// What an importer read: the documents and what it noticed about the source as a whole.
#[derive(Debug, Default)]
pub struct Source {
    /// `comply` or `markdown`: named in the site's files and the report.
    pub importer: &'static str,
    /// The source folder, as given.
    pub root: PathBuf,
    pub organisation: Option<String>,
    /// Framework slugs in scope for the new site.
    pub frameworks: Vec<&'static str>,
    pub docs: Vec<NewDoc>,
    /// Source files and folders left out, each with the reason.
    pub skipped: Vec<(PathBuf, String)>,
    /// Problems with the source as a whole.
    pub warnings: Vec<Diagnostic>,
}

/// What an import did.
#[derive(Debug)]
pub struct Outcome {
    /// The new site's folder.
    pub site: PathBuf,
    pub documents: usize,
    /// Every warning about the source, sorted (unknown ids, bad bytes, missing headings...).
    pub warnings: Vec<Diagnostic>,
    /// The summary to print: per document, what needs filling in.
    pub summary: String,
    /// Warnings `crosswalk check` gives the new site.
    pub check_warnings: usize,
}

/// Gives every document an id and a path no earlier one has (ignoring case, as file systems
/// may): the document's own id, else its alternative, else either with `-2`, `-3`, ...; each
/// change is a warning on the document.
pub(super) fn make_unique(root: &Path, docs: &mut [NewDoc]) {
    let mut ids: HashSet<String> = HashSet::new();
    let mut paths: HashSet<String> = HashSet::new();
    for d in docs.iter_mut() {
        let wanted = d.id.clone();
        let mut candidates = vec![d.id.clone(), d.alt_id.clone()];
        candidates.extend((2..).take(1000).map(|n| format!("{}-{n}", d.id)));
        let id = candidates
            .into_iter()
            .find(|c| !ids.contains(&c.to_lowercase()))
            .unwrap_or_else(|| format!("{}-{}", d.id, ids.len() + 1));
        ids.insert(id.to_lowercase());
        if id != wanted {
            d.warnings.push(
                Diagnostic::warning(
                    root.join(&d.source),
                    format!("id `{wanted}` is taken by an earlier document: imported as `{id}`"),
                )
                .with_rule(crate::base::rules::IMPORT_GAP),
            );
            d.id = id;
        }
        let stem = d
            .rel
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut rel = d.rel.clone();
        let mut n = 2;
        while paths.contains(&rel.to_string_lossy().to_lowercase()) {
            rel.set_file_name(format!("{stem}-{n}.md"));
            n += 1;
        }
        paths.insert(rel.to_string_lossy().to_lowercase());
        d.rel = rel;
    }
}
