//! Page keys: which pages an edit can change, found without building their views.
//!
//! Every page gets a key: a hash of what its view is made from, put together from small
//! per-item keys (a document's file, a record's file and artifact, a control's status and the
//! items covering it). A build records each page's key; the next build into the same output
//! neither views, renders nor writes a page whose key is what was recorded, provided the
//! `globals` key (theme, configuration, date, profile, catalogs, crosswalks, ISMS records) is
//! unchanged too. Pages without a key (`None`) are always viewed and compared as before.
//!
//! A key must change whenever its page's view can: each page kind's key below lists what that
//! kind's view function in `view/` reads. Anything a view reads that is not per item belongs
//! in `globals`. tests/page_keys.rs checks the outcome against clean builds after a long
//! seeded sequence of edits of every kind.

use crate::analyse::coverage::{Coverage, Item};
use crate::analyse::freshness::{evidence_expiry, next_review};
use crate::base::hash::{hash_bytes, hash_of, hasher};
use crate::resolve::{ControlKey, Model, ResolvedEvidence};
use crate::view::{Plan, Planned};
use rayon::prelude::*;
use std::hash::{Hash, Hasher};

/// What every page may read beyond its own items: the theme, the site's settings, the date and
/// profile, every catalog and crosswalk (and so every relation, and every overlap pair, which is
/// made from the frameworks, their relations and the hub alone), the ISMS records, the ledger's
/// presence and key.
pub fn globals(model: &Model, theme: &str, site_json: &[u8]) -> u64 {
    let mut h = hasher();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    theme.hash(&mut h);
    site_json.hash(&mut h);
    format!("{:?}", model.config).hash(&mut h);
    model.today.to_string().hash(&mut h);
    model.profile.as_str().hash(&mut h);
    for f in &model.frameworks {
        format!("{:?}", f.catalog).hash(&mut h);
        f.in_scope.hash(&mut h);
    }
    format!("{:?}", model.crosswalks).hash(&mut h);
    format!("{:?}", model.superseded).hash(&mut h);
    model.hub.hash(&mut h);
    model.ledger_exists.hash(&mut h);
    model.public_key.as_ref().map(|k| &k.pem).hash(&mut h);
    format!("{:?}", model.records).hash(&mut h);
    model.trust.hash(&mut h);
    h.finish()
}

/// The figures of the whole ISMS the build discloses (`analyse::disclosed`): they change with
/// items no page of a lower profile shows, so every page is viewed again when they do.
pub fn disclosed(cov: &Coverage) -> u64 {
    hash_of(format!("{:?}", cov.disclosed))
}

/// A key for a document's row in the documents index: everything the row shows but what
/// `globals` covers (the date, the due-soon window, the theme).
pub fn document_row(d: &crate::resolve::ResolvedDocument) -> u64 {
    hash_of((
        "document row",
        d.doc.fingerprint,
        d.doc.path.as_os_str(),
        d.doc.kind,
        d.controls.len(),
    ))
}

/// What a link to an evidence record shows; a function of the record alone, so kept with it.
fn ev_link_key(e: &ResolvedEvidence) -> u64 {
    *e.ev.link_key.get_or_init(|| {
        let m = &e.ev.meta;
        hash_of((
            &m.id,
            &m.title,
            m.classification.as_str(),
            evidence_expiry(m),
            &e.ev.path,
        ))
    })
}

/// A hash of an evidence file's text, kept with its records.
fn file_key(ev: &crate::model::Evidence) -> u64 {
    *ev.source_hash
        .get_or_init(|| hash_bytes(ev.source.as_bytes()))
}

/// Everything about an artifact but where it is on disk, kept with the (shared) artifact.
fn artifact_key(a: &crate::load::Artifact) -> u64 {
    *a.key
        .get_or_init(|| hash_of((&a.file_name, a.size, &a.sha256, &a.rel, &a.mtime, &a.url)))
}

/// A key for a record's row in the evidence library: its file, its link, its artifact and seal,
/// and the controls it names (what frameworks it serves follows from them and the crosswalks,
/// which `globals` covers).
pub fn evidence_row(e: &ResolvedEvidence) -> u64 {
    hash_of((
        "evidence row",
        ev_link_key(e),
        file_key(&e.ev),
        e.artifact.as_deref().map(artifact_key),
        &e.seal,
        &e.controls,
    ))
}

/// The key a rendered row is kept under: its item's, its template's, and `globals`.
pub fn row_key(globals: u64, spec: &crate::view::RowSpec) -> u64 {
    let item = match spec.item {
        crate::view::RowItem::Document(d) => document_row(d),
        crate::view::RowItem::Evidence(e) => evidence_row(e),
    };
    hash_of((globals, spec.template, spec.page, item))
}

/// Per-item keys, each made once.
struct Keys<'a> {
    model: &'a Model,
    cov: &'a Coverage,
    /// What an item's link shows (kind, id, title, classification, date, address).
    doc_link: Vec<u64>,
    ev_link: Vec<u64>,
    /// Everything about an evidence record: its file's text, its id, artifact and seal.
    ev: Vec<u64>,
    /// A record's row: the record and the standing of every control it serves.
    row: Vec<u64>,
    /// Per control: its status and evidence flags (what a link to it and a bar count show).
    status: Vec<Vec<u8>>,
    /// Per control: the status and every item covering it, directly, inherited or in part.
    control: Vec<Vec<u64>>,
    /// Per framework: the status of every control.
    fw_status: Vec<u64>,
    /// Per control: its status and its related controls' (what naming it adds to a "serves" list).
    serving: Vec<Vec<u64>>,
}

impl<'a> Keys<'a> {
    fn new(plan: &Plan<'a>) -> Keys<'a> {
        let (model, cov) = (plan.model, plan.cov);
        let doc_link = model
            .documents
            .par_iter()
            .map(|d| {
                // A function of the document alone: kept with it across `serve`'s builds.
                *d.doc.link_key.get_or_init(|| {
                    let m = &d.doc.meta;
                    hash_of((
                        d.doc.kind,
                        &m.id,
                        &m.title,
                        m.classification.as_str(),
                        next_review(m),
                    ))
                })
            })
            .collect();
        let ev_link: Vec<u64> = model.evidence.par_iter().map(ev_link_key).collect();
        // A record is a function of its file's text and its id; the text is hashed once per file.
        let mut file_of = vec![0u64; model.evidence.len()];
        let file_hashes: Vec<u64> = plan
            .evidence_files
            .par_iter()
            .map(|records| file_key(&model.evidence[records[0]].ev))
            .collect();
        for (records, fh) in plan.evidence_files.iter().zip(&file_hashes) {
            for &r in records {
                file_of[r] = *fh;
            }
        }
        let ev: Vec<u64> = model
            .evidence
            .par_iter()
            .zip(&file_of)
            .zip(&ev_link)
            .map(|((e, fh), link)| {
                // The link key covers the record's id and file; the artifact's key is kept with
                // the (shared) artifact.
                let a = e.artifact.as_deref().map(artifact_key);
                hash_of((fh, link, a, &e.seal, &e.controls))
            })
            .collect();
        let status: Vec<Vec<u8>> = cov
            .per_control
            .iter()
            .map(|f| {
                f.iter()
                    .map(|c| {
                        c.status() as u8
                            | (c.fresh_evidence as u8) << 4
                            | (c.any_evidence as u8) << 5
                    })
                    .collect()
            })
            .collect();
        let fw_status = status.iter().map(|s| hash_bytes(s)).collect();
        let mut k = Keys {
            model,
            cov,
            doc_link,
            ev_link,
            ev,
            row: Vec::new(),
            status,
            control: Vec::new(),
            fw_status,
            serving: Vec::new(),
        };
        k.serving = (0..model.frameworks.len())
            .map(|fw| {
                (0..model.frameworks[fw].catalog.controls.len())
                    .map(|ctl| {
                        let c = ControlKey { fw, ctl };
                        let mut h = hasher();
                        (c.fw, c.ctl, k.status(c)).hash(&mut h);
                        for r in model.relations_of(c) {
                            (r.other.fw, r.other.ctl, k.status(r.other)).hash(&mut h);
                        }
                        h.finish()
                    })
                    .collect()
            })
            .collect();
        k.row = (0..model.evidence.len())
            .into_par_iter()
            .map(|i| hash_of((k.ev[i], k.serves(&model.evidence[i].controls))))
            .collect();
        k.control = (0..model.frameworks.len())
            .map(|fw| {
                (0..model.frameworks[fw].catalog.controls.len())
                    .into_par_iter()
                    .with_min_len(16)
                    .map(|ctl| k.coverage(ControlKey { fw, ctl }))
                    .collect()
            })
            .collect();
        k
    }

    fn status(&self, k: ControlKey) -> u8 {
        self.status[k.fw][k.ctl]
    }

    fn link(&self, item: Item) -> u64 {
        match item {
            Item::Document(i) => self.doc_link[i],
            Item::Evidence(i) => self.ev_link[i],
        }
    }

    /// The standing of every control an item names and every control related to those: what
    /// its "serves" lists show.
    fn serves(&self, named: &[ControlKey]) -> u64 {
        let mut h = hasher();
        for &k in named {
            h.write_u64(self.serving[k.fw][k.ctl]);
        }
        h.finish()
    }

    /// A control's status and the items covering it as its pages show them, with the controls
    /// they come through.
    fn coverage(&self, k: ControlKey) -> u64 {
        let c = self.cov.of(k);
        let mut h = hasher();
        self.status(k).hash(&mut h);
        // The control's page shows which elements the site meets.
        c.elements_met.hash(&mut h);
        for &i in &c.direct {
            self.link(i).hash(&mut h);
        }
        // Partly related items past the first VIA_ITEMS are only counted on the control's page
        // (and the framework page counts entries).
        for (list, shown) in [
            (&c.inherited, usize::MAX),
            (&c.partial, crate::view::VIA_ITEMS),
        ] {
            list.len().hash(&mut h);
            let mut items = 0usize;
            for (i, vias) in crate::analyse::coverage::by_item(list) {
                items += 1;
                if items <= shown {
                    self.link(i).hash(&mut h);
                    for via in vias {
                        (via.fw, via.ctl, self.status(via)).hash(&mut h);
                    }
                }
            }
            items.hash(&mut h);
        }
        h.finish()
    }

    fn page(&self, plan: &Plan, p: &Planned) -> Option<u64> {
        let model = self.model;
        Some(match p {
            // Made with the plan, and few: viewed every time.
            Planned::Ready(_) => return None,
            // One per framework in scope, reading every control's coverage: viewed every time.
            Planned::Gaps(_) => return None,
            // Due and overdue lists (links), counts, the most reused records (rows), the
            // in-scope frameworks' bars (statuses and evidence flags).
            Planned::Home => hash_of((
                "home",
                &self.doc_link,
                &self.ev_link,
                &self.row,
                &self.fw_status,
                &self.status,
            )),
            // Every framework's bar.
            Planned::FrameworksIndex => hash_of(("frameworks", &self.status)),
            // Every document's link, owner, version, dates, summary and number of controls.
            Planned::DocumentsIndex => {
                let mut h = hasher();
                "documents".hash(&mut h);
                for d in &model.documents {
                    (
                        d.doc.fingerprint,
                        d.doc.path.as_os_str(),
                        d.doc.kind,
                        d.controls.len(),
                    )
                        .hash(&mut h);
                }
                h.finish()
            }
            // The library's summary (counts over every record), where the page sits among the
            // others, and the rows of its own records.
            Planned::EvidenceIndex(n) => hash_of((
                "evidence",
                n,
                plan.library_pages(),
                plan.library_summary_hash(),
                &self.row[plan.library_range(*n)],
            )),
            // The rows of the page's records.
            Planned::EvidenceRows(n) => {
                hash_of(("evidence rows", n, &self.row[plan.library_range(*n)]))
            }
            // Pairs are part of `globals`.
            Planned::OverlapIndex => hash_of("overlap"),
            // Each control's link, first covering items and counts; the framework's bar.
            Planned::Framework(fi) => {
                hash_of(("framework", fi, &self.control[*fi], &self.status[*fi]))
            }
            // The items covering it and the controls they come through; related controls'
            // and the parent's status.
            Planned::Control(k) => {
                let mut h = hasher();
                ("control", k.fw, k.ctl, self.control[k.fw][k.ctl]).hash(&mut h);
                for r in model.relations_of(*k) {
                    (r.other.fw, r.other.ctl, self.status(r.other)).hash(&mut h);
                }
                let f = &model.frameworks[k.fw];
                let parent = f.catalog.controls[k.ctl]
                    .parent
                    .as_ref()
                    .and_then(|p| f.control(p))
                    .map(|pi| self.status(ControlKey { fw: k.fw, ctl: pi }));
                parent.hash(&mut h);
                h.finish()
            }
            // The file (front matter and body) and the standing of every control it serves.
            Planned::Document(d) => {
                let d = &model.documents[*d];
                hash_of((
                    "document",
                    d.doc.fingerprint,
                    d.doc.path.as_os_str(),
                    d.doc.kind,
                    keys(&d.controls),
                    self.serves(&d.controls),
                ))
            }
            // Its records' rows, in file order.
            Planned::EvidenceFile(f) => {
                let rows: Vec<u64> = plan.evidence_files[*f]
                    .iter()
                    .map(|&i| self.row[i])
                    .collect();
                hash_of(("evidence file", rows))
            }
            // The status of every control of both frameworks and of the hub's.
            Planned::Pair(p) => {
                let p = &plan.pairs[*p];
                let hub = model.hub.map(|h| self.fw_status[h]);
                hash_of((
                    "pair",
                    p.from,
                    p.to,
                    self.fw_status[p.from],
                    self.fw_status[p.to],
                    hub,
                ))
            }
        })
    }
}

fn keys(ks: &[ControlKey]) -> Vec<(usize, usize)> {
    ks.iter().map(|k| (k.fw, k.ctl)).collect()
}

/// Every page's key, in plan order (`None`: the page is always viewed).
pub fn page_keys(plan: &Plan) -> Vec<Option<u64>> {
    let keys = Keys::new(plan);
    plan.pages
        .par_iter()
        .with_min_len(64)
        .map(|p| keys.page(plan, p))
        .collect()
}
