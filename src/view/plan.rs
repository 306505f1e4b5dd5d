//! The plan: every page of the portal, listed cheaply (`Plan::new`), and one page's view built on
//! demand (`Plan::page`). What several pages share (evidence rows, what each record serves, the
//! rendered rows of the library) is made once, on first use.

use super::documents::{document_page, documents_index};
use super::evidence::{
    EvidenceRow, LibrarySummary, Served, evidence_file_page, evidence_index, evidence_row,
    library_rows, library_summary, pager, rows_script, served,
};
use super::frameworks::{control_page, framework_page, frameworks_index};
use super::gaps::gaps_page;
use super::home::home;
use super::isms;
use super::overlap::{overlap_index, pair_page};
use super::page::{PageSpec, Row, RowRenderer, serialised_hash};
use super::paths::{
    DOCUMENTS_PATH, FRAMEWORKS_PATH, HOME_PATH, OVERLAP_PATH, fw_url, gaps_url, has_gap_pages,
    library_page_path, library_rows_path, pair_url,
};
use crate::analyse::coverage::Coverage;
use crate::analyse::overlap::Pair;
use crate::resolve::paths::{control_url, doc_url, evidence_page_path};
use crate::resolve::{ControlKey, Model, ResolvedDocument};
use std::sync::OnceLock;

/// Every page of the portal, listed cheaply: `Plan::page` builds one page's view on demand, so
/// a build renders and writes each page as it is made and never holds every view at once.
pub struct Plan<'a> {
    pub(crate) model: &'a Model,
    pub(crate) cov: &'a Coverage,
    pub(crate) pairs: &'a [Pair],
    /// Evidence rows (frameworks and audits each record serves) feed several kinds of page:
    /// each is made once, when a page first needs it, so a rebuild that renders few pages makes
    /// few rows.
    rows: Vec<OnceLock<EvidenceRow>>,
    /// What each record serves, for the counts and the order of the lists of all records.
    served: Vec<OnceLock<Served>>,
    /// Each evidence file's records, in file order.
    pub(crate) evidence_files: Vec<Vec<usize>>,
    /// The evidence library's rows per page (every record when it has one page) and its pages.
    library_per_page: usize,
    library_pages: usize,
    /// The rows of each library page, rendered once for the page and its rows script.
    library_rows: Vec<OnceLock<Result<Vec<Row>, crate::base::diagnostic::Diagnostic>>>,
    /// The library's summary, shown above every page of it.
    library_summary: OnceLock<(LibrarySummary, u64)>,
    pub(crate) pages: Vec<Planned>,
}

/// What a page shows, before its view is built.
pub(crate) enum Planned {
    /// Few pages, made with the plan (the ISMS records).
    Ready(PageSpec),
    Home,
    FrameworksIndex,
    DocumentsIndex,
    /// Page `n` (from 0) of the evidence library.
    EvidenceIndex(usize),
    /// The rows script of library page `n`, when the library has more than one page.
    EvidenceRows(usize),
    OverlapIndex,
    Framework(usize),
    Control(ControlKey),
    Document(usize),
    EvidenceFile(usize),
    Pair(usize),
    /// What is left to do for a framework in scope.
    Gaps(usize),
}

impl<'a> Plan<'a> {
    /// Lists every page of the portal; builds no view but the ISMS pages' (few and small).
    pub fn new(model: &'a Model, cov: &'a Coverage, pairs: &'a [Pair]) -> Plan<'a> {
        let evidence_files = evidence_files(model);
        // A long library is split into pages of `evidence_page_size` rows.
        let records = model.evidence.len();
        let per_page = match model.config.evidence_page_size {
            0 => records.max(1),
            n => n,
        };
        let library_pages = records.div_ceil(per_page).max(1);
        let pages = planned_pages(model, cov, pairs, library_pages, evidence_files.len());
        Plan {
            model,
            cov,
            pairs,
            rows: once_each(records),
            served: once_each(records),
            evidence_files,
            library_per_page: per_page,
            library_pages,
            library_rows: once_each(library_pages),
            library_summary: OnceLock::new(),
            pages,
        }
    }

    /// The records (indexes into the model's evidence) on library page `n`.
    pub(crate) fn library_range(&self, n: usize) -> std::ops::Range<usize> {
        let len = self.model.evidence.len();
        (n * self.library_per_page).min(len)..((n + 1) * self.library_per_page).min(len)
    }

    pub(crate) fn library_pages(&self) -> usize {
        self.library_pages
    }

    /// The library's summary and a hash of it.
    fn library_summary(&self) -> &(LibrarySummary, u64) {
        self.library_summary.get_or_init(|| {
            let s = library_summary(self.model, &self.all_served());
            let h = serialised_hash(&s);
            (s, h)
        })
    }

    /// A hash of what every page of the library shows above its rows.
    pub(crate) fn library_summary_hash(&self) -> u64 {
        self.library_summary().1
    }

    /// The rendered rows of library page `n`, made once.
    fn library_rows(
        &self,
        n: usize,
        render: &RowRenderer,
    ) -> Result<&[Row], crate::base::diagnostic::Diagnostic> {
        self.library_rows[n]
            .get_or_init(|| {
                library_rows(self.model, self.library_range(n), &|i| self.row(i), render)
            })
            .as_deref()
            .map_err(Clone::clone)
    }

    pub fn len(&self) -> usize {
        self.pages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    /// Where page `i` goes, without building its view.
    pub fn path(&self, i: usize) -> String {
        let model = self.model;
        match &self.pages[i] {
            Planned::Ready(p) => p.path.clone(),
            Planned::Home => HOME_PATH.into(),
            Planned::FrameworksIndex => FRAMEWORKS_PATH.into(),
            Planned::DocumentsIndex => DOCUMENTS_PATH.into(),
            Planned::EvidenceIndex(n) => library_page_path(*n),
            Planned::EvidenceRows(n) => library_rows_path(*n),
            Planned::OverlapIndex => OVERLAP_PATH.into(),
            Planned::Framework(fi) => fw_url(model.frameworks[*fi].slug()),
            Planned::Control(k) => control_url(model, *k),
            Planned::Document(d) => doc_url(&model.documents[*d]),
            Planned::EvidenceFile(f) => {
                evidence_page_path(&model.evidence[self.evidence_files[*f][0]])
            }
            Planned::Pair(p) => pair_url(model, self.pairs[*p].from, self.pairs[*p].to),
            Planned::Gaps(fw) => gaps_url(model.frameworks[*fw].slug()),
        }
    }

    /// The document page `i` shows, if it is one.
    pub fn document(&self, i: usize) -> Option<&'a ResolvedDocument> {
        match self.pages[i] {
            Planned::Document(d) => Some(&self.model.documents[d]),
            _ => None,
        }
    }

    /// Evidence record `i`'s row, made on first use.
    fn row(&self, i: usize) -> &EvidenceRow {
        self.rows[i]
            .get_or_init(|| evidence_row(self.model, &self.model.evidence[i], self.served(i)))
    }

    /// What evidence record `i` serves, worked out on first use.
    fn served(&self, i: usize) -> &Served {
        self.served[i].get_or_init(|| served(self.model, &self.model.evidence[i]))
    }

    /// What every evidence record serves, worked out in parallel where not yet.
    fn all_served(&self) -> Vec<&Served> {
        use rayon::prelude::*;
        (0..self.served.len())
            .into_par_iter()
            .with_min_len(256)
            .map(|i| self.served(i))
            .collect()
    }

    /// Page `i`, with its view. The rows of long lists are rendered by `rows`.
    pub fn page(
        &self,
        i: usize,
        rows: &RowRenderer,
    ) -> Result<std::borrow::Cow<'_, PageSpec>, crate::base::diagnostic::Diagnostic> {
        use std::borrow::Cow;
        let (model, cov) = (self.model, self.cov);
        Ok(Cow::Owned(match &self.pages[i] {
            Planned::Ready(p) => return Ok(Cow::Borrowed(p)),
            Planned::Home => home(model, cov, &self.all_served(), &|i| self.row(i)),
            Planned::FrameworksIndex => frameworks_index(model, cov),
            Planned::DocumentsIndex => documents_index(model, rows)?,
            Planned::EvidenceIndex(n) => evidence_index(
                &self.library_summary().0,
                self.library_summary_hash(),
                self.library_rows(*n, rows)?,
                self.pager(*n),
            ),
            Planned::EvidenceRows(n) => rows_script(*n, self.library_rows(*n, rows)?),
            Planned::OverlapIndex => overlap_index(model, self.pairs),
            Planned::Framework(fi) => framework_page(model, cov, self.pairs, *fi),
            Planned::Control(k) => control_page(model, cov, *k),
            Planned::Document(d) => document_page(model, cov, &model.documents[*d]),
            Planned::EvidenceFile(f) => {
                let records = &self.evidence_files[*f];
                let rows: Vec<&EvidenceRow> = records.iter().map(|&r| self.row(r)).collect();
                evidence_file_page(model, cov, &rows, records)
            }
            Planned::Pair(p) => pair_page(model, cov, &self.pairs[*p]),
            Planned::Gaps(fw) => gaps_page(model, cov, *fw),
        }))
    }

    /// Where library page `n` sits among the others, when the library has more than one.
    fn pager(&self, n: usize) -> Option<super::evidence::Pager> {
        let total = self.model.evidence.len();
        pager(
            n,
            self.library_pages,
            self.library_range(n),
            self.library_per_page,
            total,
        )
    }
}

/// Each evidence file's records (indexes into the model's evidence), in the order the file gives
/// them; files by path.
fn evidence_files(model: &Model) -> Vec<Vec<usize>> {
    // In load order, records come file by file (files by path), each file's in the order
    // written: runs of one file are its page's records.
    let mut by_order: Vec<usize> = (0..model.evidence.len()).collect();
    by_order.sort_unstable_by_key(|&i| model.evidence[i].order);
    let mut evidence_files: Vec<Vec<usize>> = Vec::new();
    let mut last: Option<&std::ffi::OsStr> = None;
    for i in by_order {
        let path = model.evidence[i].ev.path.as_os_str();
        match evidence_files.last_mut() {
            Some(records) if last == Some(path) => records.push(i),
            _ => evidence_files.push(vec![i]),
        }
        last = Some(path);
    }
    evidence_files
}

/// Every page, in the order a build starts them.
fn planned_pages(
    model: &Model,
    cov: &Coverage,
    pairs: &[Pair],
    library_pages: usize,
    evidence_files: usize,
) -> Vec<Planned> {
    // The indexes grow with the whole site (the evidence library lists every record): they
    // come first, so the slowest pages start at once and the rest spread around them.
    let mut pages: Vec<Planned> = (0..library_pages).map(Planned::EvidenceIndex).collect();
    if library_pages > 1 {
        pages.extend((0..library_pages).map(Planned::EvidenceRows));
    }
    pages.extend([
        Planned::Home,
        Planned::DocumentsIndex,
        Planned::OverlapIndex,
        Planned::FrameworksIndex,
    ]);
    pages.extend(isms::pages(model, cov).into_iter().map(Planned::Ready));
    // The changes page and the feed: few, and made from every item's dates, so viewed every time.
    pages.extend(super::updates::pages(model).into_iter().map(Planned::Ready));
    pages.extend(super::trust::pages(model).into_iter().map(Planned::Ready));
    pages.extend((0..model.frameworks.len()).map(Planned::Framework));
    for fw in 0..model.frameworks.len() {
        pages.extend(
            (0..model.frameworks[fw].catalog.controls.len())
                .map(|ctl| Planned::Control(ControlKey { fw, ctl })),
        );
    }
    pages.extend((0..model.documents.len()).map(Planned::Document));
    pages.extend((0..evidence_files).map(Planned::EvidenceFile));
    pages.extend((0..pairs.len()).map(Planned::Pair));
    if has_gap_pages(model) {
        pages.extend(
            (0..model.frameworks.len())
                .filter(|&fw| model.frameworks[fw].in_scope)
                .map(Planned::Gaps),
        );
    }
    pages
}

/// `n` empty cells, each filled on first use.
fn once_each<T>(n: usize) -> Vec<OnceLock<T>> {
    (0..n).map(|_| OnceLock::new()).collect()
}
