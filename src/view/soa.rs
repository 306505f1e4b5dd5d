//! The Statement of Applicability: its page (every ISO 27001 control the SoA lists, whether it
//! applies, and the documents and evidence that cover it) and the same as CSV for the auditor.
//! Field order is alphabetical, as in `isms.rs`.

use super::page::PageSpec;
use crate::analyse::coverage::{Coverage, Item};
use crate::base::diagnostic::Diagnostic;
use crate::base::rules;
use crate::resolve::paths::{control_url, doc_url, evidence_url};
use crate::resolve::{ControlKey, Model};
use serde::Serialize;

/// Where the SoA's CSV goes.
pub const SOA_CSV: &str = "isms/soa.csv";

#[derive(Serialize)]
struct SoaView<'a> {
    csv: &'static str,
    excluded: usize,
    meta: SoaMeta<'a>,
    rows: Vec<SoaRow>,
}

#[derive(Serialize)]
struct SoaMeta<'a> {
    approved: String,
    owner: &'a str,
    version: &'a str,
}

/// The SoA's page, when the build shows the SoA, and its counts for the ISMS overview.
pub(super) fn soa_page(model: &Model, cov: &Coverage) -> Option<(PageSpec, SoaSummary)> {
    let soa = model.records.soa.as_ref()?;
    let rows = soa_rows(model, cov);
    let excluded = rows.iter().filter(|x| !x.applicable).count();
    let summary = SoaSummary {
        controls: rows.len(),
        excluded,
    };
    let meta = SoaMeta {
        approved: soa.value.approved.to_string(),
        owner: &soa.value.owner,
        version: &soa.value.version,
    };
    let view = SoaView {
        csv: SOA_CSV,
        excluded,
        meta,
        rows,
    };
    let page = PageSpec::new(
        "isms/soa.html".into(),
        "soa.html",
        "Statement of Applicability".into(),
        "isms",
        &view,
    );
    Some((page, summary))
}

/// The SoA's counts, for the ISMS overview.
#[derive(Serialize)]
pub(super) struct SoaSummary {
    controls: usize,
    excluded: usize,
}

/// A document or evidence record that covers an SoA control.
#[derive(Serialize, PartialEq)]
struct ItemRef {
    id: String,
    title: String,
    url: String,
}

/// One control of the SoA, as the page and the CSV show it.
#[derive(Serialize)]
struct SoaRow {
    applicable: bool,
    control: String,
    coverage: &'static str,
    evidence: Vec<ItemRef>,
    justification: String,
    new: bool,
    notes: String,
    policies: Vec<ItemRef>,
    status: String,
    title: String,
    url: String,
}

/// Each control the SoA lists that the ISO 27001 catalogue has, with what covers it.
fn soa_rows(model: &Model, cov: &Coverage) -> Vec<SoaRow> {
    let (Some(soa), Some(fw)) = (&model.records.soa, model.framework("iso27001")) else {
        return Vec::new();
    };
    let f = &model.frameworks[fw];
    soa.value
        .controls
        .iter()
        .filter_map(|e| {
            let ctl = f.control(&e.control)?;
            let k = ControlKey { fw, ctl };
            let c = cov.of(k);
            let mut policies = Vec::new();
            let mut evidence = Vec::new();
            for item in c.direct.iter().chain(c.inherited.iter().map(|(i, _)| i)) {
                let (list, v) = match *item {
                    Item::Document(i) => {
                        let d = &model.documents[i];
                        let v = ItemRef {
                            id: d.doc.meta.id.clone(),
                            title: d.doc.meta.title.clone(),
                            url: doc_url(d),
                        };
                        (&mut policies, v)
                    }
                    Item::Evidence(i) => {
                        let e = &model.evidence[i];
                        let v = ItemRef {
                            id: e.ev.meta.id.clone(),
                            title: e.ev.meta.title.clone(),
                            url: evidence_url(e),
                        };
                        (&mut evidence, v)
                    }
                };
                if !list.contains(&v) {
                    list.push(v);
                }
            }
            Some(SoaRow {
                control: e.control.clone(),
                title: f.catalog.controls[ctl].title.clone(),
                url: control_url(model, k),
                new: f.catalog.controls[ctl].new,
                applicable: e.applicable,
                status: e.status.map(|s| s.label().to_string()).unwrap_or_default(),
                justification: e.justification.clone().unwrap_or_default(),
                notes: e.notes.clone().unwrap_or_default(),
                coverage: c.status().label(),
                policies,
                evidence,
            })
        })
        .collect()
}

/// The SoA as CSV, for the auditor to download.
pub fn soa_csv(model: &Model, cov: &Coverage) -> Result<Vec<u8>, Diagnostic> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| {
        Diagnostic::error(SOA_CSV, format!("cannot write CSV: {e}")).with_rule(rules::IO)
    };
    w.write_record([
        "control",
        "title",
        "applicable",
        "status",
        "justification",
        "notes",
        "policies",
        "evidence",
        "coverage",
    ])
    .map_err(err)?;
    for r in soa_rows(model, cov) {
        let ids = |v: &[ItemRef]| {
            v.iter()
                .map(|x| x.id.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        };
        w.write_record([
            r.control.as_str(),
            &r.title,
            if r.applicable { "yes" } else { "no" },
            &r.status,
            &r.justification,
            &r.notes,
            &ids(&r.policies),
            &ids(&r.evidence),
            r.coverage,
        ])
        .map_err(err)?;
    }
    w.into_inner().map_err(|e| {
        Diagnostic::error(SOA_CSV, format!("cannot write CSV: {e}")).with_rule(rules::IO)
    })
}
