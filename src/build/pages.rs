//! The parallel loop over the plan's pages: each page is viewed, rendered and written as it is
//! made, so no build holds its whole portal in memory. A page whose inputs are what the output's
//! manifest says it was made from is kept as it is; one the incremental side knows unchanged by
//! its key is not even viewed.

use crate::base::diagnostic::Diagnostic;
use crate::incremental::{Known, PageRecord};
use crate::model::config::RawHtml;
use crate::render::{self, Renderer, Theme};
use crate::view::{Plan, Row, RowSpec};
use crate::write::Writer;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What every page of one build is made with.
pub struct Pages<'a> {
    pub plan: &'a Plan<'a>,
    pub theme: &'a Theme,
    /// What every page sees of the site (`SiteView`), as JSON.
    pub site_json: &'a [u8],
    pub renderer: &'a Renderer<'a>,
    pub writer: &'a Writer,
    /// What each page in the output was made from (its input hash), by path.
    pub previous: &'a BTreeMap<String, String>,
    pub known: &'a Known,
    pub html: RawHtml,
}

impl Pages<'_> {
    /// Every page, in plan order, made in parallel; and how many were viewed.
    pub fn make_all(&self) -> Result<(Vec<PageRecord>, usize), Diagnostic> {
        let views = AtomicUsize::new(0);
        let records = (0..self.plan.len())
            .into_par_iter()
            .map(|i| self.make(i, &views))
            .collect::<Result<_, Diagnostic>>()?;
        Ok((records, views.into_inner()))
    }

    /// Page `i`: skipped if known unchanged, else viewed; then kept if its inputs are what the
    /// output's page was made from, else rendered and written.
    fn make(&self, i: usize, views: &AtomicUsize) -> Result<PageRecord, Diagnostic> {
        if let Some(kept) = self
            .known
            .unchanged(self.plan, i, self.previous, self.writer)
        {
            return Ok(kept);
        }
        views.fetch_add(1, Ordering::Relaxed);
        let doc = self.plan.document(i);
        let p = self.plan.page(i, &|spec| self.row(spec))?;
        let p = p.as_ref();
        debug_assert_eq!(
            self.plan.path(i),
            p.path,
            "Plan::path disagrees with the page"
        );
        let view_hash = render::page_view_hash(self.theme, self.site_json, p);
        let input = render::input_with_body(&view_hash, doc.map(|d| d.doc.body.as_str()));
        if self.known.may_keep(doc)
            && self.previous.get(&p.path) == Some(&input)
            && self.writer.keep(&p.path)
        {
            // The page is as the last build left it, and so is its body's place.
            let span = self.known.body_span(doc, &p.path);
            return Ok(self.known.record(i, doc, &p.path, &view_hash, input, span));
        }
        let body = doc.map(|d| {
            render::markdown(
                render::without_title(&d.doc.body, &d.doc.meta.title),
                self.html,
            )
        });
        let span = self.renderer.render(p, body.as_deref(), |bytes, span| {
            self.writer.put(&p.path, bytes)?;
            Ok(span)
        })?;
        Ok(self.known.record(i, doc, &p.path, &view_hash, input, span))
    }

    /// A row of a long list, rendered unless the last build in this process rendered it.
    fn row(&self, spec: RowSpec) -> Result<Row, Diagnostic> {
        self.known.row(spec, |spec| self.renderer.row(spec))
    }
}
