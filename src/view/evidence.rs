//! The evidence pages: the library (its summary, its rows rendered on their own, its pages and
//! their rows scripts when it is long), one page per evidence file, and the row of each record
//! that the library, the home page and the file pages share.

use super::links::{ControlsByFramework, ItemLink, controls_by_framework, ev_link};
use super::page::{
    EVIDENCE_ROW_TEMPLATE, PageSpec, ROWS_SCRIPT, Row, RowItem, RowRenderer, RowSpec, rows_value,
    serialised_hash, spec,
};
use super::paths::{
    EVIDENCE_PATH, PUBLIC_KEY_URL, artifact_url, library_page_path, library_rows_path,
};
use crate::analyse::coverage::Coverage;
use crate::analyse::freshness::evidence_expiry;
use crate::resolve::paths::{evidence_page_path, href};
use crate::resolve::{ControlKey, Model, ResolvedEvidence, SealState};
use serde::Serialize;

/// What the home page, the library and a record's section show of an evidence record: made once
/// per record.
#[derive(Serialize)]
pub(super) struct EvidenceRow {
    link: ItemLink,
    id: String,
    owner: String,
    collected: String,
    expires: String,
    frameworks: Vec<String>,
    /// Audits (from crosswalk.yaml) whose framework it serves and whose period it is valid in.
    audits: Vec<String>,
    controls: usize,
    direct: usize,
    seal: &'static str,
}

fn seal_label(s: &SealState) -> &'static str {
    match s {
        SealState::Sealed { .. } => "sealed",
        SealState::Changed { .. } => "changed since sealed",
        SealState::Unsealed => "not sealed",
        SealState::External => "external",
    }
}

/// What a record serves, as the lists of all records count and order it: the frameworks (in
/// framework order) of the controls it names and of those it meets in full through crosswalks,
/// how many controls that is (what `controls_by_framework` lists, without making its links),
/// and the audits (indices into the configuration's) whose framework it serves and whose period
/// it is valid in. `crosswalk evidence` prints the same.
pub struct Served {
    pub fws: Vec<usize>,
    pub controls: usize,
    pub audits: Vec<usize>,
    /// The controls it meets in full through crosswalks and does not name, first found first.
    pub inherited: Vec<ControlKey>,
}

pub fn served(model: &Model, e: &ResolvedEvidence) -> Served {
    let named = &e.controls;
    let mut inherited: Vec<ControlKey> = Vec::new();
    for &k in named {
        for r in model.relations_of(k) {
            if r.rel.inverse().is_full()
                && !named.contains(&r.other)
                && !inherited.contains(&r.other)
            {
                inherited.push(r.other);
            }
        }
    }
    let mut fws: Vec<usize> = named.iter().chain(&inherited).map(|k| k.fw).collect();
    fws.sort_unstable();
    fws.dedup();
    let expiry = evidence_expiry(&e.ev.meta);
    let audits = (0..model.config.audits.len())
        .filter(|&i| {
            let a = &model.config.audits[i];
            fws.iter()
                .any(|&fw| model.frameworks[fw].slug() == a.framework)
                && e.ev.meta.collected <= a.end
                && expiry >= a.start
        })
        .collect();
    Served {
        fws,
        controls: named.len() + inherited.len(),
        audits,
        inherited,
    }
}

pub(super) fn evidence_row(model: &Model, e: &ResolvedEvidence, s: &Served) -> EvidenceRow {
    let expiry = evidence_expiry(&e.ev.meta);
    let frameworks = s
        .fws
        .iter()
        .map(|&fw| model.frameworks[fw].slug().to_string())
        .collect();
    let audits = s
        .audits
        .iter()
        .map(|&a| model.config.audits[a].id.clone())
        .collect();
    let controls = s.controls;
    EvidenceRow {
        link: ev_link(model, e),
        id: e.ev.meta.id.clone(),
        owner: e.ev.meta.owner.clone(),
        collected: e.ev.meta.collected.to_string(),
        expires: expiry.to_string(),
        frameworks,
        audits,
        controls,
        direct: e.controls.len(),
        seal: seal_label(&e.seal),
    }
}

/// What every page of the evidence library shows above its rows: the audits, counts over all
/// records, the ledger's standing.
#[derive(Serialize)]
pub(super) struct LibrarySummary {
    frameworks: Vec<String>,
    total: usize,
    multi_framework: usize,
    three_plus: usize,
    audits: Vec<AuditCard>,
    ledger: bool,
    sealed: usize,
    public_key_url: Option<&'static str>,
    public_key_fingerprint: Option<String>,
}

#[derive(Serialize)]
struct AuditCard {
    id: String,
    title: String,
    framework: String,
    start: String,
    end: String,
    evidence: usize,
}

pub(super) fn library_summary(model: &Model, served: &[&Served]) -> LibrarySummary {
    let audits = model
        .config
        .audits
        .iter()
        .enumerate()
        .map(|(ai, a)| AuditCard {
            id: a.id.clone(),
            title: a.title(),
            framework: a.framework.clone(),
            start: a.start.to_string(),
            end: a.end.to_string(),
            evidence: served.iter().filter(|s| s.audits.contains(&ai)).count(),
        })
        .collect();
    LibrarySummary {
        total: model.evidence.len(),
        multi_framework: served.iter().filter(|s| s.fws.len() >= 2).count(),
        three_plus: served.iter().filter(|s| s.fws.len() >= 3).count(),
        frameworks: model
            .frameworks
            .iter()
            .map(|f| f.slug().to_string())
            .collect(),
        audits,
        ledger: model.ledger_exists,
        sealed: model
            .evidence
            .iter()
            .filter(|e| matches!(e.seal, SealState::Sealed { .. }))
            .count(),
        public_key_url: model.public_key.as_ref().map(|_| PUBLIC_KEY_URL),
        public_key_fingerprint: model.public_key.as_ref().map(|k| k.fingerprint.clone()),
    }
}

/// The rows of `records`, each rendered on its own (`EVIDENCE_ROW_TEMPLATE`, for the library's
/// folder) and in parallel.
pub(super) fn library_rows<'a>(
    model: &Model,
    records: std::ops::Range<usize>,
    row: &(dyn Fn(usize) -> &'a EvidenceRow + Sync),
    render_rows: &RowRenderer,
) -> Result<Vec<Row>, crate::base::diagnostic::Diagnostic> {
    use rayon::prelude::*;
    records
        .into_par_iter()
        .with_min_len(64)
        .map(|i| {
            let view = || {
                tera::Value::try_from_serializable(row(i)).unwrap_or_else(|_| tera::Value::none())
            };
            render_rows(RowSpec {
                template: EVIDENCE_ROW_TEMPLATE,
                page: EVIDENCE_PATH,
                item: RowItem::Evidence(&model.evidence[i]),
                view: &view,
            })
        })
        .collect()
}

/// Where a library page sits among the others, for its links to them.
#[derive(Serialize)]
pub(super) struct Pager {
    /// This page and the number of pages, from 1.
    number: usize,
    pages: usize,
    /// The records shown, from 1, and all of them; records per page.
    first: usize,
    per_page: usize,
    last: usize,
    total: usize,
    /// Where each page goes; the scripts of every page's rows.
    prev: Option<String>,
    next: Option<String>,
    links: Vec<PagerLink>,
    scripts: String,
}

/// A link to a page (`url` empty: a gap in the list).
#[derive(Serialize)]
struct PagerLink {
    number: usize,
    url: String,
    current: bool,
}

/// A page's address relative to the library's folder.
fn library_href(n: usize) -> String {
    library_page_path(n)
        .trim_start_matches("evidence/")
        .to_string()
}

/// The pager of library page `n` of `pages`, when the library has more than one page: links to
/// the first and last pages and to the two either side of this one. `records`: the records (by
/// index) page `n` shows, of `total`, `per_page` a page.
pub(super) fn pager(
    n: usize,
    pages: usize,
    records: std::ops::Range<usize>,
    per_page: usize,
    total: usize,
) -> Option<Pager> {
    if pages < 2 {
        return None;
    }
    let mut links = Vec::new();
    let mut last_shown = None;
    for p in 0..pages {
        if p == 0 || p + 1 == pages || p.abs_diff(n) <= 2 {
            if last_shown.is_some_and(|l: usize| l + 1 < p) {
                links.push(PagerLink {
                    number: 0,
                    url: String::new(),
                    current: false,
                });
            }
            links.push(PagerLink {
                number: p + 1,
                url: library_href(p),
                current: p == n,
            });
            last_shown = Some(p);
        }
    }
    Some(Pager {
        number: n + 1,
        pages,
        first: records.start + 1,
        per_page,
        last: records.end,
        total,
        prev: n.checked_sub(1).map(library_href),
        next: (n + 1 < pages).then(|| library_href(n + 1)),
        links,
        scripts: "rows-{n}.js".into(),
    })
}

/// Page `pager.number` of the evidence library (or all of it): the summary, the filters, its rows.
pub(super) fn evidence_index(
    summary: &LibrarySummary,
    summary_hash: u64,
    rows: &[Row],
    pager: Option<Pager>,
) -> PageSpec {
    let (html, rows_hash) = rows_value(rows);
    let mut map = tera::Value::try_from_serializable(summary)
        .ok()
        .and_then(tera::Value::into_map)
        .unwrap_or_default();
    let pager_value =
        tera::Value::try_from_serializable(&pager).unwrap_or_else(|_| tera::Value::none());
    map.insert("rows".into(), html);
    map.insert("pager".into(), pager_value);
    let number = pager.as_ref().map_or(1, |p| p.number);
    PageSpec {
        path: library_page_path(number - 1),
        template: "evidence_list.html",
        title: match &pager {
            Some(p) => format!("Evidence library, page {} of {}", p.number, p.pages),
            None => "Evidence library".into(),
        },
        section: "evidence",
        view: tera::Value::from(map),
        view_hash: {
            use std::hash::Hasher;
            let mut h = crate::base::hash::hasher();
            h.write_u64(summary_hash);
            h.write_u64(serialised_hash(&pager));
            h.write_u64(rows_hash);
            h.finish()
        },
    }
}

/// The rows script of library page `n` (`ROWS_SCRIPT`): the page's rows for the filters of any
/// page of the library, which load every page's script to search them all.
pub(super) fn rows_script(n: usize, rows: &[Row]) -> PageSpec {
    let (html, rows_hash) = rows_value(rows);
    let mut map = tera::Map::new();
    map.insert("number".into(), tera::Value::from(n + 1));
    map.insert("rows".into(), html);
    PageSpec {
        path: library_rows_path(n),
        template: ROWS_SCRIPT,
        title: String::new(),
        section: "evidence",
        view: tera::Value::from(map),
        view_hash: {
            use std::hash::Hasher;
            let mut h = crate::base::hash::hasher();
            h.write_usize(n);
            h.write_u64(rows_hash);
            h.finish()
        },
    }
}

/// A file's stem as a title: "access-reviews" -> "Access reviews".
fn humanise(stem: &str) -> String {
    let spaced = stem.replace(['-', '_'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

/// One page per evidence file: every record of it the build shows, in the order the file gives
/// them, each in its own section (`#<id>`). Built from the records' rows; nothing about a record
/// the profile hides is in the model, so nothing of it (not even a count) can reach the page.
/// `records`: indexes into the model's evidence, all from one file, in file order; `rows`: their
/// rows, in the same order.
pub(super) fn evidence_file_page(
    model: &Model,
    cov: &Coverage,
    rows: &[&EvidenceRow],
    records: &[usize],
) -> PageSpec {
    #[derive(Serialize)]
    struct Record<'a> {
        link: &'a ItemLink,
        owner: &'a str,
        collected: &'a str,
        expires: &'a str,
        valid_for: Option<String>,
        description: Option<&'a str>,
        source_path: &'a str,
        file_url: Option<String>,
        file_name: Option<&'a str>,
        size: Option<u64>,
        sha256: Option<&'a str>,
        url: Option<&'a str>,
        frameworks: Vec<ControlsByFramework>,
        audits: &'a [String],
        seal: &'static str,
        sealed_at: Option<&'a str>,
        ledger_seq: Option<u64>,
    }
    #[derive(Serialize)]
    struct V<'a> {
        /// The file's name, e.g. `access-reviews.yaml`.
        file: String,
        source_path: &'a str,
        records: Vec<Record<'a>>,
        public_key_url: Option<&'static str>,
    }
    let first = &model.evidence[records[0]];
    let source_path = crate::base::diagnostic::display_path(&first.ev.path);
    let view_records: Vec<Record> = records
        .iter()
        .zip(rows)
        .map(|(&i, row)| {
            let e = &model.evidence[i];
            let m = &e.ev.meta;
            let (sealed_at, ledger_seq) = match &e.seal {
                SealState::Sealed { seq, sealed_at } | SealState::Changed { seq, sealed_at } => {
                    (Some(sealed_at.as_str()), Some(*seq))
                }
                _ => (None, None),
            };
            Record {
                link: &row.link,
                owner: &row.owner,
                collected: &row.collected,
                expires: &row.expires,
                valid_for: m.valid_for.map(|p| p.to_string()),
                description: m.description.as_deref(),
                source_path: &source_path,
                file_url: artifact_url(e).map(href),
                file_name: e.artifact.as_ref().map(|a| a.file_name.as_str()),
                size: e.artifact.as_ref().map(|a| a.size),
                sha256: e.artifact.as_ref().map(|a| a.sha256.as_str()),
                url: m.url.as_deref(),
                frameworks: controls_by_framework(model, cov, &e.controls),
                audits: &row.audits,
                seal: row.seal,
                sealed_at,
                ledger_seq,
            }
        })
        .collect();
    let title = match records {
        [only] => model.evidence[*only].ev.meta.title.clone(),
        _ => humanise(&crate::resolve::paths::evidence_file_stem(&first.ev.path)),
    };
    let view = V {
        file: first
            .ev
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        source_path: &source_path,
        records: view_records,
        public_key_url: model.public_key.as_ref().map(|_| PUBLIC_KEY_URL),
    };
    spec(
        evidence_page_path(first),
        "evidence.html",
        title,
        "evidence",
        view,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_become_titles() {
        assert_eq!(humanise("access-reviews"), "Access reviews");
        assert_eq!(humanise("internal_audit-2026"), "Internal audit 2026");
        assert_eq!(humanise("élan"), "Élan");
        assert_eq!(humanise(""), "");
    }
}
