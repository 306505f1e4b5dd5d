//! The documents index (every policy, procedure, standard and plan, grouped by kind, a row each,
//! rows rendered on their own) and one page per document.

use super::links::{ControlsByFramework, ItemLink, controls_by_framework, doc_link};
use super::page::{
    DOCUMENT_ROW_TEMPLATE, PageSpec, Row, RowItem, RowRenderer, RowSpec, rows_value, spec,
};
use super::paths::DOCUMENTS_PATH;
use crate::analyse::coverage::Coverage;
use crate::analyse::freshness::next_review;
use crate::model::DocKind;
use crate::resolve::paths::doc_url;
use crate::resolve::{Model, ResolvedDocument};
use serde::Serialize;

/// Every document, grouped by kind, a row each. Rows are rendered on their own
/// (`DOCUMENT_ROW_TEMPLATE`), in parallel, and the page shows them as they are.
pub(super) fn documents_index(
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
    let mut hash = crate::base::hash::hasher();
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
    // Documents above the profile listed on request: title and summary only.
    if let Some(listed) = super::trust::on_request(model) {
        let value =
            tera::Value::try_from_serializable(&listed).unwrap_or_else(|_| tera::Value::none());
        std::hash::Hash::hash(&value.to_string(), &mut hash);
        view.insert("on_request".into(), value);
    }
    Ok(PageSpec {
        path: DOCUMENTS_PATH.into(),
        template: "documents.html",
        title: "Policies and documents".into(),
        section: "documents",
        view: tera::Value::from(view),
        view_hash: std::hash::Hasher::finish(&hash),
    })
}

/// Document `d`'s page: what it is, when it is next reviewed, the controls it covers.
pub(super) fn document_page(model: &Model, cov: &Coverage, d: &ResolvedDocument) -> PageSpec {
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
