//! Where the view stage's own pages go: the indexes, the pages of the evidence library and its
//! rows scripts, framework, overlap and gap pages, and the ledger's public key. The paths of
//! controls, documents and evidence records are published paths: `crate::resolve::paths`.

use crate::resolve::{Model, ResolvedEvidence};

/// Where the index pages go: `Plan::path` and the pages themselves agree by using these.
pub(super) const HOME_PATH: &str = "index.html";
pub(super) const FRAMEWORKS_PATH: &str = "frameworks/index.html";
pub(super) const DOCUMENTS_PATH: &str = "documents/index.html";
pub(super) const EVIDENCE_PATH: &str = "evidence/index.html";
pub(super) const OVERLAP_PATH: &str = "overlap/index.html";

/// Where page `n` (from 0) of the evidence library goes: its first page is the library's index,
/// the rest sit beside it, so every page (and every row) has the same root.
pub(super) fn library_page_path(n: usize) -> String {
    match n {
        0 => EVIDENCE_PATH.into(),
        n => format!("evidence/page-{}.html", n + 1),
    }
}

/// The script that hands the rows of library page `n` (from 0) to the library's filters.
pub(super) fn library_rows_path(n: usize) -> String {
    format!("evidence/rows-{}.js", n + 1)
}

/// The page of what is left to do for a framework in scope.
pub fn gaps_url(slug: &str) -> String {
    format!("gaps/{slug}.html")
}

/// Whether this build has gap pages: internal and confidential builds do; a public one only when
/// the site says so (`public_gaps: true`).
pub fn has_gap_pages(model: &Model) -> bool {
    model.profile > crate::model::Classification::Public || model.config.public_gaps
}

/// Where the portal publishes the evidence ledger's public key.
pub const PUBLIC_KEY_URL: &str = "evidence/ledger-public-key.pem";

/// A framework's page.
pub fn fw_url(slug: &str) -> String {
    format!("frameworks/{slug}.html")
}

/// Where an evidence artifact is copied in the output (a file path, not yet an href): all in one
/// folder, named `<id>-<file name>`.
pub fn artifact_url(e: &ResolvedEvidence) -> Option<&str> {
    e.artifact.as_ref().map(|a| a.url.as_str())
}

/// The page of how far framework `a` (by index) is met through framework `b`.
pub fn pair_url(model: &Model, a: usize, b: usize) -> String {
    format!(
        "overlap/{}__{}.html",
        model.frameworks[a].slug(),
        model.frameworks[b].slug()
    )
}
