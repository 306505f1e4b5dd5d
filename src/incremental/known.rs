//! What a build knows of the last one while it makes its pages, from many threads at once:
//! which pages are unchanged by their keys, the rows of long lists rendered before, the
//! evidence files placed before; and what it records of each page it makes for the next build.

use crate::base::diagnostic::{Diagnostic, display_path};
use crate::incremental::keys;
use crate::incremental::session::{Published, RenderedRows, RowCache};
use crate::incremental::stamp::{DocStamp, doc_fm_hash};
use crate::load::Artifact;
use crate::render::BodySpan;
use crate::resolve::{ResolvedDocument, ResolvedEvidence};
use crate::view::{Plan, Row, RowSpec};
use crate::write::Writer;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// What this build knows of the last one's pages (`Tracker::known`).
pub struct Known {
    /// The key of everything every page may read (`keys::globals`).
    pub(super) globals: u64,
    /// Every page's key, in plan order.
    pub(super) keys: Vec<Option<u64>>,
    /// The last build's page keys, if made under the same `globals`.
    pub(super) old_keys: Arc<HashMap<String, u64>>,
    /// The last build's document pages: where each body sits.
    pub(super) old_docs: Arc<BTreeMap<String, DocStamp>>,
    /// Pages whose body was spliced since their keys were written: not what their key says.
    pub(super) spliced: HashSet<String>,
    /// `serve`: the rows the last builds rendered, by template and key.
    pub(super) rows: HashMap<&'static str, Arc<RowCache>>,
    /// `serve`: the rows this build renders or reuses, kept for the next.
    pub(super) rendered_rows: Option<Mutex<RenderedRows>>,
    /// `serve`: the artifacts the last build placed in its own output.
    pub(super) placed: Option<Published>,
    pub(super) own_output: bool,
}

/// A page as this build made it: its path and input hash (for the output's manifest), and
/// what the stamp records of it.
pub struct PageRecord {
    path: String,
    input: String,
    doc: Option<(String, DocStamp)>,
    key: Option<u64>,
}

/// What the stamp records of a build's pages: each document page's body, every page's key.
pub struct Recorded {
    pub(super) docs: BTreeMap<String, DocStamp>,
    pub(super) page_keys: Vec<(String, u64)>,
}

impl Recorded {
    /// Each page's input hash, for the output's manifest, and what the stamp records.
    pub fn split(pages: Vec<PageRecord>) -> (BTreeMap<String, String>, Recorded) {
        let mut inputs = BTreeMap::new();
        let mut docs = BTreeMap::new();
        let mut page_keys = Vec::new();
        for PageRecord {
            path,
            input,
            doc,
            key,
        } in pages
        {
            if let Some(key) = key {
                page_keys.push((path.clone(), key));
            }
            inputs.insert(path, input);
            if let Some((rel, d)) = doc {
                docs.insert(rel, d);
            }
        }
        (inputs, Recorded { docs, page_keys })
    }
}

impl Known {
    /// Page `i` of `plan`, kept as it is, when its key is the one the last build recorded and
    /// its file is still in the output (`previous`: what the output's pages were made from);
    /// for a document page, the stamp must also know where its body is. `None`: make the page.
    pub fn unchanged(
        &self,
        plan: &Plan,
        i: usize,
        previous: &BTreeMap<String, String>,
        writer: &Writer,
    ) -> Option<PageRecord> {
        let key = self.keys[i]?;
        let path = plan.path(i);
        if self.old_keys.get(&path) != Some(&key) || self.spliced.contains(&path) {
            return None;
        }
        let input = previous.get(&path)?;
        let rel = plan.document(i).map(|d| display_path(&d.doc.path));
        let doc = match rel {
            None => None,
            Some(rel) => {
                let o = self.old_docs.get(&rel).filter(|o| o.page == path)?;
                Some((rel, o.clone()))
            }
        };
        writer.keep(&path).then(|| PageRecord {
            input: input.clone(),
            path,
            doc,
            key: Some(key),
        })
    }

    /// Whether a page whose inputs are what the output's manifest says may be kept: a document
    /// page only while the stamp has its document list (else it is rendered once more, so that
    /// the stamp learns where its body is).
    pub fn may_keep(&self, doc: Option<&ResolvedDocument>) -> bool {
        doc.is_none() || !self.old_docs.is_empty()
    }

    /// Where the body of document page `path` sat when the last build made it.
    pub fn body_span(&self, doc: Option<&ResolvedDocument>, path: &str) -> Option<BodySpan> {
        let rel = display_path(&doc?.doc.path);
        self.old_docs
            .get(&rel)
            .filter(|o| o.page == path)
            .map(|o| o.span)
    }

    /// The record of page `i` (at `path`, showing `doc` if a document page), made from
    /// `view_hash` and `input`, whose body sits at `span`.
    pub fn record(
        &self,
        i: usize,
        doc: Option<&ResolvedDocument>,
        path: &str,
        view_hash: &str,
        input: String,
        span: Option<BodySpan>,
    ) -> PageRecord {
        let doc = span.zip(doc).map(|(span, d)| {
            let stamp = DocStamp {
                fm: doc_fm_hash(&d.doc),
                page: path.to_string(),
                view: view_hash.to_string(),
                span,
            };
            (display_path(&d.doc.path), stamp)
        });
        PageRecord {
            path: path.to_string(),
            input,
            doc,
            key: self.keys[i],
        }
    }

    /// A row of a long list: as a build in this process rendered it, else rendered by
    /// `render`.
    pub fn row(
        &self,
        spec: RowSpec,
        render: impl FnOnce(&RowSpec) -> Result<Row, Diagnostic>,
    ) -> Result<Row, Diagnostic> {
        let Some(rendered) = &self.rendered_rows else {
            return render(&spec);
        };
        let key = keys::row_key(self.globals, &spec);
        let known = self.rows.get(spec.template).and_then(|r| r.get(&key));
        let row = match known {
            Some(row) => row.clone(),
            None => render(&spec)?,
        };
        let mut kept = rendered.lock().unwrap_or_else(|e| e.into_inner());
        kept.push((spec.template, key, row.clone()));
        Ok(row)
    }

    /// Which of the artifacts at `places` must be placed in the output, and whether the hash
    /// cache made from them is as the last build left it. `serve`: artifacts that are the very
    /// ones the last build published are where it put them; only the others are placed. The
    /// hash cache is kept too when every artifact placed again has what the one before it had.
    pub fn to_place<'m>(
        &self,
        places: &[(&'m str, &'m Artifact)],
        evidence: &'m [ResolvedEvidence],
        linked: bool,
        writer: &Writer,
    ) -> (Vec<(&'m str, &'m Artifact)>, bool) {
        let mut to_place = places.to_vec();
        let mut kept: Vec<&str> = Vec::new();
        let mut cache_same = false;
        if let Some((before, _)) = self.placed.as_ref().filter(|(before, link)| {
            self.own_output && *link == linked && before.len() == evidence.len()
        }) {
            to_place.clear();
            cache_same = true;
            for (b, e) in before.iter().zip(evidence) {
                match (b, &e.artifact) {
                    (Some(b), Some(a)) if Arc::ptr_eq(b, a) => kept.push(a.url.as_str()),
                    (None, None) => {}
                    (b, a) => {
                        if let Some(a) = a {
                            to_place.push((a.url.as_str(), a.as_ref()));
                        }
                        cache_same &= b.as_ref().zip(a.as_ref()).is_some_and(|(b, a)| {
                            (&b.rel, b.size, &b.mtime, &b.sha256)
                                == (&a.rel, a.size, &a.mtime, &a.sha256)
                        });
                    }
                }
            }
            if cache_same {
                kept.push(crate::load::cache::CACHE_FILE);
            }
            if !writer.keep_all(&kept) {
                (to_place, cache_same) = (places.to_vec(), false);
            }
        }
        (to_place, cache_same)
    }
}
