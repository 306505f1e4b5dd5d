//! Stage 4: the small serialisable views the templates see. Templates never see the model itself;
//! every figure is computed and formatted here, so templates stay simple and themes easy to write.

pub mod records;

use crate::analyse::coverage::{Coverage, Item, Status};
use crate::analyse::freshness::{Freshness, evidence_expiry, next_review};
use crate::analyse::overlap::Pair;
use crate::base::text::pct;
use crate::model::{Date, DocKind, Relationship};
pub use crate::resolve::paths::{control_url, doc_url, evidence_page_path, evidence_url, href};
use crate::resolve::{ControlKey, Model, ResolvedDocument, ResolvedEvidence, SealState};
use serde::Serialize;
use std::collections::BTreeMap;

/// One page to render: where it goes, which template, and its view.
#[derive(Clone)]
pub struct PageSpec {
    pub path: String,
    pub template: &'static str,
    pub title: String,
    /// Which top-level section the page is in, for the navigation bar.
    pub section: &'static str,
    /// The view as the templates see it (shared, not copied, into each render's context).
    pub view: tera::Value,
    /// A hash of the view, taken from its serialised form as it was made.
    pub view_hash: u64,
}

impl PageSpec {
    /// A page whose view is `view`: hashed as it is serialised, and converted once for the
    /// templates.
    pub fn new(
        path: String,
        template: &'static str,
        title: String,
        section: &'static str,
        view: &impl Serialize,
    ) -> PageSpec {
        PageSpec {
            path,
            template,
            title,
            section,
            view_hash: serialised_hash(view),
            view: tera::Value::try_from_serializable(view).unwrap_or_else(|_| tera::Value::none()),
        }
    }
}

/// One row of a long list, rendered on its own with `template` for the page at `page`: the
/// documents index lists every document, and `serve` keeps each row's HTML under its `key`,
/// so an edit renders only the rows it changed. `key` is a hash of what the row's view is made
/// from, apart from what `deps::globals` covers; `view` makes the view.
pub struct RowSpec<'a> {
    pub template: &'static str,
    pub page: &'static str,
    /// The item the row shows (what a cache of rows keys it by).
    pub item: RowItem<'a>,
    pub view: &'a (dyn Fn() -> tera::Value + Sync),
}

/// The item a row of a long list shows.
#[derive(Clone, Copy)]
pub enum RowItem<'a> {
    Document(&'a ResolvedDocument),
    Evidence(&'a ResolvedEvidence),
}

/// A rendered row: its HTML, as a template value marked safe (a shared string, so a list of
/// 30,000 rows takes them without copying), and a hash of it.
#[derive(Clone, Debug)]
pub struct Row {
    pub html: tera::Value,
    pub hash: u64,
}

/// Renders a row (`Renderer::row`, with or without a cache).
pub type RowRenderer<'r> =
    dyn Fn(RowSpec) -> Result<Row, crate::base::diagnostic::Diagnostic> + Sync + 'r;

/// The template of one row of the documents index.
pub const DOCUMENT_ROW_TEMPLATE: &str = "document_row.html";
/// The template of one row of the evidence library.
pub const EVIDENCE_ROW_TEMPLATE: &str = "evidence_row.html";

/// Rendered rows as the templates see them (HTML, not escaped again), and a hash of them all.
fn rows_value(rows: &[Row]) -> (tera::Value, u64) {
    use std::hash::Hasher;
    let mut h = std::hash::DefaultHasher::new();
    let html: Vec<tera::Value> = rows
        .iter()
        .map(|r| {
            h.write_u64(r.hash);
            r.html.clone()
        })
        .collect();
    (tera::Value::from(html), h.finish())
}

/// A hash of `value` serialised as JSON, fed straight into the hasher: no copy of a large view
/// is made.
fn serialised_hash(value: &impl Serialize) -> u64 {
    use std::hash::Hasher;
    struct HashWriter(std::hash::DefaultHasher);
    impl std::io::Write for HashWriter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.write(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut w = HashWriter(std::hash::DefaultHasher::new());
    {
        use std::io::Write;
        let mut buffered = std::io::BufWriter::with_capacity(16 * 1024, &mut w);
        let _ = serde_json::to_writer(&mut buffered, value);
        let _ = buffered.flush();
    }
    w.0.finish()
}

/// Where the index pages go: `Plan::path` and the pages themselves agree by using these.
const HOME_PATH: &str = "index.html";
const FRAMEWORKS_PATH: &str = "frameworks/index.html";
const DOCUMENTS_PATH: &str = "documents/index.html";
const EVIDENCE_PATH: &str = "evidence/index.html";

/// Where page `n` (from 0) of the evidence library goes: its first page is the library's index,
/// the rest sit beside it, so every page (and every row) has the same root.
fn library_page_path(n: usize) -> String {
    match n {
        0 => EVIDENCE_PATH.into(),
        n => format!("evidence/page-{}.html", n + 1),
    }
}

/// The script that hands the rows of library page `n` (from 0) to the library's filters.
fn library_rows_path(n: usize) -> String {
    format!("evidence/rows-{}.js", n + 1)
}

/// The pseudo-template of a library page's rows script (`render.rs` writes it, not a theme):
/// `crosswalkRows(<page from 1>, ["<tr ...>", ...]);`, the rows as JSON strings.
pub const ROWS_SCRIPT: &str = "(library rows script)";
const OVERLAP_PATH: &str = "overlap/index.html";

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

pub fn fw_url(slug: &str) -> String {
    format!("frameworks/{slug}.html")
}

/// Where an evidence artifact is copied in the output (a file path, not yet an href): all in one
/// folder, named `<id>-<file name>`.
pub fn artifact_url(e: &ResolvedEvidence) -> Option<&str> {
    e.artifact.as_ref().map(|a| a.url.as_str())
}

pub fn pair_url(model: &Model, a: usize, b: usize) -> String {
    format!(
        "overlap/{}__{}.html",
        model.frameworks[a].slug(),
        model.frameworks[b].slug()
    )
}

fn pct_num(n: usize, d: usize) -> f64 {
    if d == 0 {
        0.0
    } else {
        (n as f64 * 1000.0 / d as f64).floor() / 10.0
    }
}

#[derive(Serialize)]
struct FwCard {
    slug: String,
    title: String,
    edition: String,
    url: String,
    in_scope: bool,
    controls: usize,
    covered: usize,
    inherited: usize,
    partial: usize,
    gap: usize,
    without_fresh_evidence: usize,
    /// Bar widths in percent (one decimal).
    w_covered: f64,
    w_inherited: f64,
    w_partial: f64,
    /// Where the inherited and partial segments of the bar start.
    x_inherited: f64,
    x_partial: f64,
    coverage: String,
}

fn fw_card(model: &Model, cov: &Coverage, fi: usize) -> FwCard {
    let f = &model.frameworks[fi];
    let s = &cov.summaries[fi];
    FwCard {
        slug: f.slug().to_string(),
        title: f.catalog.title.clone(),
        edition: f.catalog.edition.clone(),
        url: fw_url(f.slug()),
        in_scope: f.in_scope,
        controls: s.controls,
        covered: s.covered,
        inherited: s.inherited,
        partial: s.partial,
        gap: s.gap,
        without_fresh_evidence: s.without_fresh_evidence,
        w_covered: pct_num(s.covered, s.controls),
        w_inherited: pct_num(s.inherited, s.controls),
        w_partial: pct_num(s.partial, s.controls),
        x_inherited: pct_num(s.covered, s.controls),
        x_partial: pct_num(s.covered + s.inherited, s.controls),
        coverage: pct(s.ratio()),
    }
}

#[derive(Serialize, Clone)]
struct ItemLink {
    kind: &'static str,
    id: String,
    title: String,
    url: String,
    classification: &'static str,
    /// Evidence: fresh / due_soon / stale. Documents: the review status.
    freshness: Freshness,
    date: String,
}

fn item_link(model: &Model, item: Item) -> ItemLink {
    match item {
        Item::Document(i) => doc_link(model, &model.documents[i]),
        Item::Evidence(i) => ev_link(model, &model.evidence[i]),
    }
}

fn doc_link(model: &Model, d: &ResolvedDocument) -> ItemLink {
    let due = next_review(&d.doc.meta);
    ItemLink {
        kind: match d.doc.kind {
            DocKind::Policies => "policy",
            DocKind::Procedures => "procedure",
            DocKind::Standards => "standard",
            DocKind::Plans => "plan",
        },
        id: d.doc.meta.id.clone(),
        title: d.doc.meta.title.clone(),
        url: doc_url(d),
        classification: d.doc.meta.classification.as_str(),
        freshness: Freshness::of(due, model.today, model.config.due_soon),
        date: due.to_string(),
    }
}

fn ev_link(model: &Model, e: &ResolvedEvidence) -> ItemLink {
    let exp = evidence_expiry(&e.ev.meta);
    ItemLink {
        kind: "evidence",
        id: e.ev.meta.id.clone(),
        title: e.ev.meta.title.clone(),
        url: evidence_url(e),
        classification: e.ev.meta.classification.as_str(),
        freshness: Freshness::of(exp, model.today, model.config.due_soon),
        date: exp.to_string(),
    }
}

#[derive(Serialize, Clone)]
struct ControlLink {
    framework: String,
    id: String,
    title: String,
    url: String,
    status: Status,
}

fn control_link(model: &Model, cov: &Coverage, k: ControlKey) -> ControlLink {
    let f = &model.frameworks[k.fw];
    let c = &f.catalog.controls[k.ctl];
    ControlLink {
        framework: f.slug().to_string(),
        id: c.id.clone(),
        title: c.title.clone(),
        url: control_url(model, k),
        status: cov.of(k).status(),
    }
}

/// An item and the controls through which it reaches another control.
#[derive(Serialize)]
struct Via {
    item: ItemLink,
    via: Vec<ControlLink>,
}

/// Every page of the portal, listed cheaply: `Plan::page` builds one page's view on demand, so
/// a build renders and writes each page as it is made and never holds every view at once.
pub struct Plan<'a> {
    pub(crate) model: &'a Model,
    pub(crate) cov: &'a Coverage,
    pub(crate) pairs: &'a [Pair],
    /// Evidence rows (frameworks and audits each record serves) feed several kinds of page:
    /// each is made once, when a page first needs it, so a rebuild that renders few pages makes
    /// few rows.
    rows: Vec<std::sync::OnceLock<EvidenceRow>>,
    /// What each record serves, for the counts and the order of the lists of all records.
    served: Vec<std::sync::OnceLock<Served>>,
    /// Each evidence file's records, in file order.
    pub(crate) evidence_files: Vec<Vec<usize>>,
    /// The evidence library's rows per page (every record when it has one page) and its pages.
    library_per_page: usize,
    library_pages: usize,
    /// The rows of each library page, rendered once for the page and its rows script.
    library_rows: Vec<std::sync::OnceLock<Result<Vec<Row>, crate::base::diagnostic::Diagnostic>>>,
    /// The library's summary, shown above every page of it.
    library_summary: std::sync::OnceLock<(LibrarySummary, u64)>,
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
    pub fn new(model: &'a Model, cov: &'a Coverage, pairs: &'a [Pair]) -> Plan<'a> {
        let rows = (0..model.evidence.len())
            .map(|_| std::sync::OnceLock::new())
            .collect();
        let served = (0..model.evidence.len())
            .map(|_| std::sync::OnceLock::new())
            .collect();
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
        // A long library is split into pages of `evidence_page_size` rows.
        let records = model.evidence.len();
        let per_page = match model.config.evidence_page_size {
            0 => records.max(1),
            n => n,
        };
        let library_pages = records.div_ceil(per_page).max(1);
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
        pages.extend(
            crate::view::records::pages(model, cov)
                .into_iter()
                .map(Planned::Ready),
        );
        pages.extend((0..model.frameworks.len()).map(Planned::Framework));
        for fw in 0..model.frameworks.len() {
            pages.extend(
                (0..model.frameworks[fw].catalog.controls.len())
                    .map(|ctl| Planned::Control(ControlKey { fw, ctl })),
            );
        }
        pages.extend((0..model.documents.len()).map(Planned::Document));
        pages.extend((0..evidence_files.len()).map(Planned::EvidenceFile));
        pages.extend((0..pairs.len()).map(Planned::Pair));
        if has_gap_pages(model) {
            pages.extend(
                (0..model.frameworks.len())
                    .filter(|&fw| model.frameworks[fw].in_scope)
                    .map(Planned::Gaps),
            );
        }
        Plan {
            model,
            cov,
            pairs,
            rows,
            served,
            evidence_files,
            library_per_page: per_page,
            library_pages,
            library_rows: (0..library_pages)
                .map(|_| std::sync::OnceLock::new())
                .collect(),
            library_summary: std::sync::OnceLock::new(),
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
}

fn spec(
    path: String,
    template: &'static str,
    title: String,
    section: &'static str,
    view: impl Serialize,
) -> PageSpec {
    PageSpec::new(path, template, title, section, &view)
}

/// How many items each of the home page's due and overdue lists shows, earliest first. The rest
/// are counted and reached through the documents index and the evidence library, filtered by a
/// query (`?fresh=stale`): a site with thousands of expired records gets a readable home page.
pub const HOME_LIST: usize = 10;

/// The `n` earliest of `items` by date (then documents before records, in model order), sorted,
/// and how many were left out.
fn earliest(mut items: Vec<(Date, Item)>, n: usize) -> (Vec<(Date, Item)>, usize) {
    let more = items.len().saturating_sub(n);
    if n == 0 {
        return (Vec::new(), more);
    }
    if more > 0 {
        items.select_nth_unstable(n - 1);
        items.truncate(n);
    }
    items.sort_unstable();
    (items, more)
}

fn home<'a>(
    model: &Model,
    cov: &Coverage,
    served: &[&Served],
    row: &dyn Fn(usize) -> &'a EvidenceRow,
) -> PageSpec {
    #[derive(Serialize)]
    struct Home<'a> {
        in_scope: Vec<FwCard>,
        evidence_total: usize,
        evidence_fresh: usize,
        evidence_due_soon: usize,
        evidence_stale: usize,
        documents_total: usize,
        documents_overdue: usize,
        documents_due_soon: usize,
        overdue_reviews: Vec<ItemLink>,
        overdue_more: usize,
        stale_evidence: Vec<ItemLink>,
        stale_more: usize,
        due_soon: Vec<ItemLink>,
        due_soon_more: usize,
        reused: Vec<&'a EvidenceRow>,
        other_frameworks: usize,
        timeline: Vec<serde_json::Value>,
        certifications: Vec<serde_json::Value>,
        request_access: Option<String>,
    }
    // Each list shows its earliest few; links are made only for those, the rest are counted.
    let (today, window) = (model.today, model.config.due_soon);
    let doc_due: Vec<(Date, Freshness)> = model
        .documents
        .iter()
        .map(|d| {
            let due = next_review(&d.doc.meta);
            (due, Freshness::of(due, today, window))
        })
        .collect();
    let ev_due: Vec<(Date, Freshness)> = model
        .evidence
        .iter()
        .map(|e| {
            let exp = evidence_expiry(&e.ev.meta);
            (exp, Freshness::of(exp, today, window))
        })
        .collect();
    let count = |v: &[(Date, Freshness)], f: Freshness| v.iter().filter(|g| g.1 == f).count();
    let docs_in = |f: Freshness| {
        doc_due
            .iter()
            .enumerate()
            .filter(move |(_, g)| g.1 == f)
            .map(|(i, g)| (g.0, Item::Document(i)))
    };
    let evs_in = |f: Freshness| {
        ev_due
            .iter()
            .enumerate()
            .filter(move |(_, g)| g.1 == f)
            .map(|(i, g)| (g.0, Item::Evidence(i)))
    };
    let listed = |items: Vec<(Date, Item)>| {
        let (first, more) = earliest(items, HOME_LIST);
        let links = first
            .into_iter()
            .map(|(_, i)| item_link(model, i))
            .collect();
        (links, more)
    };
    let (due_soon, due_soon_more) = listed(
        docs_in(Freshness::DueSoon)
            .chain(evs_in(Freshness::DueSoon))
            .collect(),
    );
    let (overdue, overdue_more) = listed(docs_in(Freshness::Stale).collect());
    let (stale, stale_more) = listed(evs_in(Freshness::Stale).collect());
    // The records serving the most frameworks, then the most controls.
    let most_reused = |&a: &usize, &b: &usize| {
        (served[b].fws.len().cmp(&served[a].fws.len()))
            .then(served[b].controls.cmp(&served[a].controls))
            .then(
                model.evidence[a]
                    .ev
                    .meta
                    .id
                    .cmp(&model.evidence[b].ev.meta.id),
            )
    };
    let mut reused: Vec<usize> = (0..served.len()).collect();
    if reused.len() > 5 {
        reused.select_nth_unstable_by(4, most_reused);
        reused.truncate(5);
    }
    reused.sort_by(most_reused);
    let reused: Vec<&EvidenceRow> = reused.into_iter().map(row).collect();
    let in_scope: Vec<FwCard> = (0..model.frameworks.len())
        .filter(|&i| model.frameworks[i].in_scope)
        .map(|i| fw_card(model, cov, i))
        .collect();
    let other_frameworks = model.frameworks.len() - in_scope.len();
    let view = Home {
        in_scope,
        evidence_total: ev_due.len(),
        evidence_fresh: count(&ev_due, Freshness::Fresh),
        evidence_due_soon: count(&ev_due, Freshness::DueSoon),
        evidence_stale: count(&ev_due, Freshness::Stale),
        documents_total: doc_due.len(),
        documents_overdue: count(&doc_due, Freshness::Stale),
        documents_due_soon: count(&doc_due, Freshness::DueSoon),
        overdue_reviews: overdue,
        overdue_more,
        stale_evidence: stale,
        stale_more,
        due_soon,
        due_soon_more,
        reused,
        other_frameworks,
        timeline: crate::view::records::timeline(model),
        certifications: crate::view::records::certifications(model),
        request_access: model.config.request_access.clone(),
    };
    spec(
        HOME_PATH.into(),
        "index.html",
        model.config.title.clone(),
        "home",
        view,
    )
}

fn frameworks_index(model: &Model, cov: &Coverage) -> PageSpec {
    #[derive(Serialize)]
    struct V {
        frameworks: Vec<FwCard>,
    }
    let frameworks = (0..model.frameworks.len())
        .map(|i| fw_card(model, cov, i))
        .collect();
    spec(
        FRAMEWORKS_PATH.into(),
        "frameworks.html",
        "Frameworks".into(),
        "frameworks",
        V { frameworks },
    )
}

/// How many partly related items a control page lists: in a large ISMS a popular control is
/// touched in part by thousands, and only the count of the rest helps a reader.
pub const VIA_ITEMS: usize = 25;

/// How many covering items a framework page lists per control: a large ISMS has hundreds for
/// some controls, and the control's own page lists every one.
const ROW_ITEMS: usize = 8;

#[derive(Serialize)]
struct ControlRow {
    link: ControlLink,
    new: bool,
    spec_type: Option<&'static str>,
    counted: bool,
    /// The first few items naming the control; the control's page lists them all.
    direct: Vec<ItemLink>,
    more_direct: usize,
    inherited: usize,
    partial: usize,
    /// Requirement elements the controls this site covers meet, of how many.
    elements_met: u32,
    elements: u32,
    fresh_evidence: bool,
    any_evidence: bool,
}

fn framework_page(model: &Model, cov: &Coverage, pairs: &[Pair], fi: usize) -> PageSpec {
    #[derive(Serialize)]
    struct Group {
        id: String,
        title: String,
        counted: bool,
        controls: usize,
        covered: usize,
        rows: Vec<ControlRow>,
    }
    #[derive(Serialize)]
    struct V {
        card: FwCard,
        publisher: Option<String>,
        counts: Option<String>,
        sources: Vec<crate::model::Source>,
        groups: Vec<Group>,
        overlaps: Vec<OverlapCell>,
        /// The framework's page of what is left to do, when this build has one.
        gaps_url: Option<String>,
    }
    let f = &model.frameworks[fi];
    let groups = f
        .catalog
        .groups
        .iter()
        .map(|g| {
            let rows: Vec<ControlRow> = f
                .catalog
                .controls
                .iter()
                .enumerate()
                .filter(|(_, c)| c.group == g.id)
                .map(|(ci, c)| {
                    let k = ControlKey { fw: fi, ctl: ci };
                    let cc = cov.of(k);
                    ControlRow {
                        link: control_link(model, cov, k),
                        new: c.new,
                        spec_type: c.spec_type.map(|t| match t {
                            crate::model::SpecType::Required => "required",
                            crate::model::SpecType::Addressable => "addressable",
                        }),
                        counted: g.counted,
                        direct: cc
                            .direct
                            .iter()
                            .take(ROW_ITEMS)
                            .map(|&i| item_link(model, i))
                            .collect(),
                        more_direct: cc.direct.len().saturating_sub(ROW_ITEMS),
                        inherited: cc.inherited.len(),
                        partial: cc.partial.len(),
                        elements_met: cc.met_count(),
                        elements: cc.elements,
                        fresh_evidence: cc.fresh_evidence,
                        any_evidence: cc.any_evidence,
                    }
                })
                .collect();
            let covered = rows
                .iter()
                .filter(|r| matches!(r.link.status, Status::Covered | Status::Inherited))
                .count();
            Group {
                id: g.id.clone(),
                title: g.title.clone(),
                counted: g.counted,
                controls: rows.len(),
                covered,
                rows,
            }
        })
        .collect();
    let view = V {
        card: fw_card(model, cov, fi),
        publisher: f.catalog.publisher.clone(),
        counts: f.catalog.counts.clone(),
        sources: f.catalog.sources.clone(),
        groups,
        overlaps: pairs
            .iter()
            .filter(|p| p.from == fi)
            .map(|p| overlap_cell(model, p))
            .collect(),
        gaps_url: (f.in_scope && has_gap_pages(model)).then(|| gaps_url(f.slug())),
    };
    let title = format!("{} {}", f.catalog.title, f.catalog.edition);
    spec(
        fw_url(f.slug()),
        "framework.html",
        title,
        "frameworks",
        view,
    )
}

#[derive(Serialize)]
struct RelatedRow {
    control: ControlLink,
    relationship: &'static str,
    phrase: &'static str,
    full: bool,
    crosswalk: String,
    source: Option<String>,
    note: Option<String>,
}

fn control_page(model: &Model, cov: &Coverage, k: ControlKey) -> PageSpec {
    #[derive(Serialize)]
    struct FwRelated {
        slug: String,
        title: String,
        rows: Vec<RelatedRow>,
    }
    #[derive(Serialize)]
    struct V {
        link: ControlLink,
        framework_title: String,
        framework_url: String,
        edition: String,
        group: String,
        summary: Option<String>,
        new: bool,
        spec_type: Option<&'static str>,
        parent: Option<ControlLink>,
        direct: Vec<ItemLink>,
        inherited: Vec<Via>,
        partial: Vec<Via>,
        /// Partly related items beyond the first VIA_ITEMS: counted, not listed.
        more_partial: usize,
        related: Vec<FwRelated>,
        fresh_evidence: bool,
        any_evidence: bool,
        elements: Vec<ElementRow>,
        /// Elements met by what the site covers (all when covered directly), of how many.
        elements_met: u32,
        element_count: u32,
        /// Elements no control of another framework meets.
        met_by_none: usize,
    }
    #[derive(Serialize)]
    struct ElementRow {
        id: String,
        label: String,
        rests_on: Option<String>,
        /// Met by the controls this site covers.
        met_here: bool,
        met_by: Vec<MetByRow>,
    }
    #[derive(Serialize)]
    struct MetByRow {
        control: ControlLink,
        confidence: &'static str,
        source: Option<String>,
    }
    let f = &model.frameworks[k.fw];
    let c = &f.catalog.controls[k.ctl];
    let cc = cov.of(k);
    let covered_here = !cc.direct.is_empty();
    let n = crate::analyse::overlap::element_count(model, k);
    let mut elements: Vec<ElementRow> = (0..n)
        .map(|i| {
            let (id, label, rests_on) = match c.elements.get(i) {
                Some(e) => (e.id.clone(), e.label.clone(), e.rests_on.clone()),
                None => ("*".into(), c.title.clone(), None),
            };
            ElementRow {
                id,
                label,
                rests_on,
                met_here: covered_here || cc.elements_met & (1 << i) != 0,
                met_by: Vec::new(),
            }
        })
        .collect();
    let mut by_conf: Vec<Vec<(crate::model::Confidence, MetByRow)>> =
        (0..n).map(|_| Vec::new()).collect();
    for r in model.relations_of(k) {
        for (i, list) in by_conf.iter_mut().enumerate() {
            if r.met & (1 << i) != 0 {
                list.push((
                    r.conf,
                    MetByRow {
                        control: control_link(model, cov, r.other),
                        confidence: r.conf.as_str(),
                        source: model.row_source(r.crosswalk, r.mapping),
                    },
                ));
            }
        }
    }
    for (e, mut list) in elements.iter_mut().zip(by_conf) {
        let name = |m: &MetByRow| (m.control.framework.clone(), m.control.id.clone());
        // Two crosswalks may relate the same pair: the control is listed once, at its strongest.
        list.sort_by(|a, b| name(&a.1).cmp(&name(&b.1)).then(b.0.cmp(&a.0)));
        list.dedup_by(|b, a| name(&a.1) == name(&b.1));
        list.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| name(&a.1).cmp(&name(&b.1))));
        e.met_by = list.into_iter().map(|(_, m)| m).collect();
    }
    let met_by_none = elements.iter().filter(|e| e.met_by.is_empty()).count();
    let mut by_fw: BTreeMap<usize, Vec<RelatedRow>> = BTreeMap::new();
    for r in model.relations_of(k) {
        let x = &model.crosswalks[r.crosswalk];
        let m = &x.mappings[r.mapping];
        let source_id = m
            .source
            .clone()
            .or_else(|| x.sources.first().map(|s| s.id.clone()));
        let source = source_id
            .and_then(|id| x.sources.iter().find(|s| s.id == id))
            .map(|s| s.title.clone());
        by_fw.entry(r.other.fw).or_default().push(RelatedRow {
            control: control_link(model, cov, r.other),
            relationship: r.rel.as_str(),
            phrase: r.rel.phrase(),
            full: r.rel.inverse().is_full(),
            crosswalk: format!("{}__{}", x.from, x.to),
            source,
            note: m.note.clone(),
        });
    }
    let related = by_fw
        .into_iter()
        .map(|(fw, rows)| FwRelated {
            slug: model.frameworks[fw].slug().to_string(),
            title: model.frameworks[fw].catalog.title.clone(),
            rows,
        })
        .collect();
    let group = f
        .catalog
        .groups
        .iter()
        .find(|g| g.id == c.group)
        .map(|g| format!("{} {}", g.id, g.title))
        .unwrap_or_else(|| c.group.clone());
    let via = |list: &[(Item, ControlKey)], limit: usize| -> Vec<Via> {
        crate::analyse::coverage::by_item(list)
            .take(limit)
            .map(|(i, ks)| Via {
                item: item_link(model, i),
                via: ks.map(|k| control_link(model, cov, k)).collect(),
            })
            .collect()
    };
    let parent = c
        .parent
        .as_ref()
        .and_then(|p| f.control(p))
        .map(|pi| control_link(model, cov, ControlKey { fw: k.fw, ctl: pi }));
    let view = V {
        link: control_link(model, cov, k),
        framework_title: f.catalog.title.clone(),
        framework_url: fw_url(f.slug()),
        edition: f.catalog.edition.clone(),
        group,
        summary: c.summary.clone(),
        new: c.new,
        spec_type: c.spec_type.map(|t| match t {
            crate::model::SpecType::Required => "required",
            crate::model::SpecType::Addressable => "addressable",
        }),
        parent,
        direct: cc.direct.iter().map(|&i| item_link(model, i)).collect(),
        inherited: via(&cc.inherited, usize::MAX),
        partial: via(&cc.partial, VIA_ITEMS),
        more_partial: crate::analyse::coverage::by_item(&cc.partial)
            .count()
            .saturating_sub(VIA_ITEMS),
        related,
        fresh_evidence: cc.fresh_evidence,
        any_evidence: cc.any_evidence,
        elements_met: if covered_here {
            n as u32
        } else {
            cc.met_count()
        },
        element_count: n as u32,
        met_by_none,
        elements,
    };
    let title = format!("{}:{} {}", f.slug(), c.id, c.title);
    spec(
        control_url(model, k),
        "control.html",
        title,
        "frameworks",
        view,
    )
}

/// Controls an item names, grouped by framework, for document and evidence pages.
#[derive(Serialize)]
struct ControlsByFramework {
    slug: String,
    title: String,
    direct: Vec<ControlLink>,
    /// Controls of this framework fully met through a crosswalk from a named control.
    inherited: Vec<ControlLink>,
    /// Controls only partly related.
    related: usize,
}

fn controls_by_framework(
    model: &Model,
    cov: &Coverage,
    named: &[ControlKey],
) -> Vec<ControlsByFramework> {
    let mut direct: BTreeMap<usize, Vec<ControlKey>> = BTreeMap::new();
    let mut inherited: BTreeMap<usize, Vec<ControlKey>> = BTreeMap::new();
    let mut related: BTreeMap<usize, Vec<ControlKey>> = BTreeMap::new();
    for &k in named {
        direct.entry(k.fw).or_default().push(k);
    }
    for &k in named {
        for r in model.relations_of(k) {
            if named.contains(&r.other) {
                continue;
            }
            let target = if r.rel.inverse().is_full() {
                &mut inherited
            } else {
                &mut related
            };
            let v = target.entry(r.other.fw).or_default();
            if !v.contains(&r.other) {
                v.push(r.other);
            }
        }
    }
    // A control inherited in full is not also listed as partly related.
    for (fw, inh) in &inherited {
        if let Some(rel) = related.get_mut(fw) {
            rel.retain(|k| !inh.contains(k));
        }
    }
    let fws: std::collections::BTreeSet<usize> = direct
        .keys()
        .chain(inherited.keys())
        .chain(related.keys())
        .copied()
        .collect();
    fws.into_iter()
        .map(|fw| {
            let mut d = direct.remove(&fw).unwrap_or_default();
            let mut i = inherited.remove(&fw).unwrap_or_default();
            d.sort();
            i.sort();
            ControlsByFramework {
                slug: model.frameworks[fw].slug().to_string(),
                title: model.frameworks[fw].catalog.title.clone(),
                direct: d.into_iter().map(|k| control_link(model, cov, k)).collect(),
                inherited: i.into_iter().map(|k| control_link(model, cov, k)).collect(),
                related: related.get(&fw).map_or(0, Vec::len),
            }
        })
        .collect()
}

/// Every document, grouped by kind, a row each. Rows are rendered on their own
/// (`DOCUMENT_ROW_TEMPLATE`), in parallel, and the page shows them as they are.
fn documents_index(
    model: &Model,
    rows: &RowRenderer,
) -> Result<PageSpec, crate::base::diagnostic::Diagnostic> {
    use rayon::prelude::*;
    #[derive(Serialize)]
    struct DocRow {
        link: ItemLink,
        owner: String,
        version: String,
        approved: String,
        summary: Option<String>,
        controls: usize,
    }
    let mut kinds = Vec::new();
    let mut hash = std::hash::DefaultHasher::new();
    for kind in DocKind::ALL {
        let docs: Vec<&ResolvedDocument> = model
            .documents
            .iter()
            .filter(|d| d.doc.kind == kind)
            .collect();
        if docs.is_empty() {
            continue;
        }
        let rendered = docs
            .par_iter()
            .with_min_len(64)
            .map(|d| {
                let view = || {
                    let row = DocRow {
                        link: doc_link(model, d),
                        owner: d.doc.meta.owner.clone(),
                        version: d.doc.meta.version.clone(),
                        approved: d.doc.meta.approved.to_string(),
                        summary: d.doc.meta.summary.clone(),
                        controls: d.controls.len(),
                    };
                    tera::Value::try_from_serializable(&row).unwrap_or_else(|_| tera::Value::none())
                };
                rows(RowSpec {
                    template: DOCUMENT_ROW_TEMPLATE,
                    page: DOCUMENTS_PATH,
                    item: RowItem::Document(d),
                    view: &view,
                })
            })
            .collect::<Result<Vec<Row>, _>>()?;
        {
            use std::hash::{Hash, Hasher};
            kind.plural().hash(&mut hash);
            for r in &rendered {
                hash.write_u64(r.hash);
            }
        }
        let mut k = tera::Map::new();
        k.insert("title".into(), tera::Value::from(kind.plural()));
        k.insert("rows".into(), rows_value(&rendered).0);
        kinds.push(tera::Value::from(k));
    }
    let mut view = tera::Map::new();
    view.insert("kinds".into(), tera::Value::from(kinds));
    Ok(PageSpec {
        path: DOCUMENTS_PATH.into(),
        template: "documents.html",
        title: "Policies and documents".into(),
        section: "documents",
        view: tera::Value::from(view),
        view_hash: std::hash::Hasher::finish(&hash),
    })
}

fn document_page(model: &Model, cov: &Coverage, d: &ResolvedDocument) -> PageSpec {
    #[derive(Serialize)]
    struct V {
        link: ItemLink,
        kind: &'static str,
        owner: String,
        version: String,
        approved: String,
        review_every: Option<String>,
        next_review: String,
        summary: Option<String>,
        source_path: String,
        frameworks: Vec<ControlsByFramework>,
    }
    let m = &d.doc.meta;
    let view = V {
        link: doc_link(model, d),
        kind: d.doc.kind.singular(),
        owner: m.owner.clone(),
        version: m.version.clone(),
        approved: m.approved.to_string(),
        review_every: m.review_every.map(|p| p.to_string()),
        next_review: next_review(m).to_string(),
        summary: m.summary.clone(),
        source_path: crate::base::diagnostic::display_path(&d.doc.path),
        frameworks: controls_by_framework(model, cov, &d.controls),
    };
    spec(
        doc_url(d),
        "document.html",
        m.title.clone(),
        "documents",
        view,
    )
}

/// What the home page, the library and a record's section show of an evidence record: made once
/// per record.
#[derive(Serialize)]
struct EvidenceRow {
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
/// it is valid in.
struct Served {
    fws: Vec<usize>,
    controls: usize,
    audits: Vec<usize>,
}

fn served(model: &Model, e: &ResolvedEvidence) -> Served {
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
    }
}

fn evidence_row(model: &Model, e: &ResolvedEvidence, s: &Served) -> EvidenceRow {
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
struct LibrarySummary {
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

fn library_summary(model: &Model, served: &[&Served]) -> LibrarySummary {
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
fn library_rows<'a>(
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
pub(crate) struct Pager {
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

impl Plan<'_> {
    /// The pager of library page `n`, when the library has more than one page: links to the
    /// first and last pages and to the two either side of this one.
    fn pager(&self, n: usize) -> Option<Pager> {
        let pages = self.library_pages;
        if pages < 2 {
            return None;
        }
        let range = self.library_range(n);
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
            first: range.start + 1,
            per_page: self.library_per_page,
            last: range.end,
            total: self.model.evidence.len(),
            prev: n.checked_sub(1).map(library_href),
            next: (n + 1 < pages).then(|| library_href(n + 1)),
            links,
            scripts: "rows-{n}.js".into(),
        })
    }
}

/// Page `pager.number` of the evidence library (or all of it): the summary, the filters, its rows.
fn evidence_index(
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
            let mut h = std::hash::DefaultHasher::new();
            h.write_u64(summary_hash);
            h.write_u64(serialised_hash(&pager));
            h.write_u64(rows_hash);
            h.finish()
        },
    }
}

/// The rows script of library page `n` (`ROWS_SCRIPT`): the page's rows for the filters of any
/// page of the library, which load every page's script to search them all.
fn rows_script(n: usize, rows: &[Row]) -> PageSpec {
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
            let mut h = std::hash::DefaultHasher::new();
            h.write_usize(n);
            h.write_u64(rows_hash);
            h.finish()
        },
    }
}

/// One page per evidence file: every record of it the build shows, in the order the file gives
/// them, each in its own section (`#<id>`). Built from the records' rows; nothing about a record
/// the profile hides is in the model, so nothing of it (not even a count) can reach the page.
/// "access-reviews" -> "Access reviews".
fn humanise(stem: &str) -> String {
    let spaced = stem.replace(['-', '_'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

/// `records`: indexes into the model's evidence, all from one file, in file order; `rows`: their
/// rows, in the same order.
fn evidence_file_page(
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

#[derive(Serialize)]
struct OverlapCell {
    from: String,
    to: String,
    url: String,
    full: String,
    partial: String,
    weighted: String,
    /// Union coverage: the mean share of the row framework's elements met.
    coverage: String,
    coverage_high: String,
    controls: usize,
    met: usize,
    mostly_met: usize,
    partly_met: usize,
    unmet: usize,
    /// 0-10, for the heat map's colour class.
    heat: i64,
    derived: bool,
}

fn overlap_cell(model: &Model, p: &Pair) -> OverlapCell {
    OverlapCell {
        from: model.frameworks[p.from].slug().to_string(),
        to: model.frameworks[p.to].slug().to_string(),
        url: pair_url(model, p.from, p.to),
        full: pct(p.full_ratio()),
        partial: pct(p.partial_ratio()),
        weighted: pct(p.weighted()),
        coverage: pct(p.coverage()),
        coverage_high: pct(p.coverage_high()),
        controls: p.controls,
        met: p.met,
        mostly_met: p.mostly_met,
        partly_met: p.partly_met,
        unmet: p.unmet,
        heat: (p.coverage() * 10.0).round() as i64,
        derived: p.derived,
    }
}

fn overlap_index(model: &Model, pairs: &[Pair]) -> PageSpec {
    #[derive(Serialize)]
    struct Row {
        slug: String,
        title: String,
        cells: Vec<Option<OverlapCell>>,
    }
    #[derive(Serialize)]
    struct V {
        columns: Vec<String>,
        rows: Vec<Row>,
    }
    let n = model.frameworks.len();
    let rows = (0..n)
        .map(|a| Row {
            slug: model.frameworks[a].slug().to_string(),
            title: model.frameworks[a].catalog.title.clone(),
            cells: (0..n)
                .map(|b| {
                    pairs
                        .iter()
                        .find(|p| p.from == a && p.to == b)
                        .map(|p| overlap_cell(model, p))
                })
                .collect(),
        })
        .collect();
    let columns = model
        .frameworks
        .iter()
        .map(|f| f.slug().to_string())
        .collect();
    spec(
        OVERLAP_PATH.into(),
        "overlap.html",
        "Framework overlap".into(),
        "overlap",
        V { columns, rows },
    )
}

fn pair_page(model: &Model, cov: &Coverage, p: &Pair) -> PageSpec {
    #[derive(Serialize)]
    struct LinkRow {
        to: ControlLink,
        relationship: &'static str,
        phrase: &'static str,
        full: bool,
        via: Option<ControlLink>,
    }
    #[derive(Serialize)]
    struct Row {
        control: ControlLink,
        links: Vec<LinkRow>,
        full: bool,
        /// Elements met by the column framework, of how many, and the band.
        met: u32,
        elements: u32,
        band: &'static str,
    }
    #[derive(Serialize)]
    struct V {
        cell: OverlapCell,
        from_title: String,
        to_title: String,
        controls: usize,
        full_count: usize,
        partial_count: usize,
        mapped: Vec<Row>,
        unmapped: Vec<ControlLink>,
        hub: Option<String>,
    }
    let mut mapped = Vec::new();
    let mut unmapped = Vec::new();
    for ((ci, links), met) in p.rows.iter().zip(&p.elements) {
        let k = ControlKey {
            fw: p.from,
            ctl: *ci,
        };
        if links.is_empty() {
            unmapped.push(control_link(model, cov, k));
        } else {
            mapped.push(Row {
                control: control_link(model, cov, k),
                full: links.iter().any(|l| l.rel.is_full()),
                met: met.met_count(),
                elements: met.elements,
                band: met.band().as_str(),
                links: links
                    .iter()
                    .map(|l| LinkRow {
                        to: control_link(model, cov, l.to),
                        relationship: l.rel.as_str(),
                        phrase: l.rel.phrase(),
                        full: l.rel.is_full(),
                        via: l.via.map(|v| control_link(model, cov, v)),
                    })
                    .collect(),
            });
        }
    }
    let view = V {
        cell: overlap_cell(model, p),
        from_title: model.frameworks[p.from].catalog.title.clone(),
        to_title: model.frameworks[p.to].catalog.title.clone(),
        controls: p.controls,
        full_count: p.full,
        partial_count: p.partial,
        mapped,
        unmapped,
        hub: model.hub.map(|h| model.frameworks[h].slug().to_string()),
    };
    let title = format!(
        "{} → {}",
        model.frameworks[p.from].slug(),
        model.frameworks[p.to].slug()
    );
    spec(
        pair_url(model, p.from, p.to),
        "overlap_pair.html",
        title,
        "overlap",
        view,
    )
}

fn gaps_page(model: &Model, cov: &Coverage, fw: usize) -> PageSpec {
    use crate::analyse::gaps::{self, Have};
    #[derive(Serialize)]
    struct Gap {
        control: ControlLink,
        met: usize,
        elements: usize,
        remaining: Vec<gaps::ElementRef>,
        nearest: Vec<Near>,
    }
    #[derive(Serialize)]
    struct Near {
        control: ControlLink,
        relationship: &'static str,
        meets: usize,
        confidence: &'static str,
        in_place: bool,
    }
    #[derive(Serialize)]
    struct From {
        headline: String,
        slug: String,
        controls_met: usize,
        elements_remaining: usize,
        coverage: String,
        derived: bool,
    }
    #[derive(Serialize)]
    struct V {
        title: String,
        slug: String,
        framework_url: String,
        headline: String,
        controls: usize,
        controls_met: usize,
        controls_mostly_met: usize,
        controls_partly_met: usize,
        controls_unmet: usize,
        elements: usize,
        elements_remaining: usize,
        coverage: String,
        gaps: Vec<Gap>,
        from_others: Vec<From>,
    }
    let r = gaps::gaps(model, cov, fw, &Have::Site);
    let link = |name: &str| -> Option<ControlLink> {
        let (f, id) = crate::model::ControlRef::split(name)?;
        let fi = model.framework(f)?;
        let ci = model.frameworks[fi].control(id)?;
        Some(control_link(model, cov, ControlKey { fw: fi, ctl: ci }))
    };
    let gaps = r
        .gaps
        .iter()
        .filter_map(|g| {
            Some(Gap {
                control: link(&g.control)?,
                met: g.met,
                elements: g.elements,
                remaining: g.remaining.clone(),
                nearest: g
                    .nearest
                    .iter()
                    .filter_map(|n| {
                        Some(Near {
                            control: link(&n.control)?,
                            relationship: n.relationship,
                            meets: n.meets,
                            confidence: n.confidence,
                            in_place: n.in_place,
                        })
                    })
                    .collect(),
            })
        })
        .collect();
    let from_others = (0..model.frameworks.len())
        .filter(|&b| b != fw && model.frameworks[b].in_scope)
        .map(|b| {
            let o = gaps::gaps(model, cov, fw, &Have::Frameworks(vec![b]));
            From {
                headline: gaps::headline(model, &o),
                slug: model.frameworks[b].slug().to_string(),
                controls_met: o.controls_met,
                elements_remaining: o.elements_remaining,
                coverage: pct(o.coverage),
                derived: o.derived,
            }
        })
        .collect();
    let f = &model.frameworks[fw];
    let view = V {
        title: f.catalog.title.clone(),
        slug: f.slug().to_string(),
        framework_url: fw_url(f.slug()),
        headline: gaps::headline(model, &r),
        controls: r.controls,
        controls_met: r.controls_met,
        controls_mostly_met: r.controls_mostly_met,
        controls_partly_met: r.controls_partly_met,
        controls_unmet: r.controls_unmet,
        elements: r.elements,
        elements_remaining: r.elements_remaining,
        coverage: pct(r.coverage),
        gaps,
        from_others,
    };
    spec(
        gaps_url(f.slug()),
        "gaps.html",
        format!("What is left for {}", f.catalog.title),
        "frameworks",
        view,
    )
}

#[derive(Serialize)]
pub struct LegendEntry {
    pub name: &'static str,
    pub meaning: &'static str,
}

/// The four relationships, explained once for every page that shows them.
pub fn relationship_legend() -> Vec<LegendEntry> {
    use Relationship::*;
    [
        (Equal, "both controls ask for the same thing"),
        (SubsetOf, "meeting the other control fully meets this one"),
        (SupersetOf, "this control asks for more than the other"),
        (
            Intersects,
            "they share some requirements; each has some the other lacks",
        ),
    ]
    .into_iter()
    .map(|(r, meaning)| LegendEntry {
        name: r.as_str(),
        meaning,
    })
    .collect()
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

    #[test]
    fn earliest_keeps_the_first_by_date_and_counts_the_rest() {
        let d = |s: &str| Date::parse(s).unwrap();
        let items = vec![
            (d("2026-03-01"), Item::Evidence(0)),
            (d("2025-01-01"), Item::Evidence(1)),
            (d("2026-03-01"), Item::Document(4)),
            (d("2027-01-01"), Item::Document(0)),
            (d("2025-06-01"), Item::Evidence(2)),
        ];
        let (first, more) = earliest(items.clone(), 3);
        assert_eq!(more, 2);
        assert_eq!(
            first,
            vec![
                (d("2025-01-01"), Item::Evidence(1)),
                (d("2025-06-01"), Item::Evidence(2)),
                // Same date: the document first.
                (d("2026-03-01"), Item::Document(4)),
            ]
        );
        let (all, more) = earliest(items.clone(), 10);
        assert_eq!((all.len(), more), (5, 0));
        assert_eq!(all[4], (d("2027-01-01"), Item::Document(0)));
        assert_eq!(earliest(items, 0), (Vec::new(), 5));
    }
}
