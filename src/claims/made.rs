//! The claims a portal makes, taken from the model it was built from: coverage per framework in
//! scope (as the framework pages show it: the disclosed aggregates of the whole ISMS), certificates, the documents published with their
//! versions, and the evidence files published with their SHA-256. Hidden items are not in the
//! model, so they cannot be here; file hashes are added by the build (`Claims::with_files`).

use super::{CertificationClaim, Claims, CoverageClaim, DocumentClaim, EvidenceClaim, FORMAT};
use crate::analyse::coverage::Coverage;
use crate::base::text::pct;
use crate::resolve::Model;
use crate::view;

/// The claims of the portal built from `model`, signed by the key of `fingerprint`; without
/// the files, which the build lists once it has written them.
pub fn claims(model: &Model, coverage: &Coverage, fingerprint: &str) -> Claims {
    // The figures the pages show: the disclosed aggregates of the whole ISMS when the site
    // computed them (none for a framework whose figures are not disclosed), else the model's own.
    let shown = |fi: usize| match &coverage.disclosed {
        Some(d) => d.frameworks[fi].as_ref().map(|f| &f.summary),
        None => coverage.summaries.get(fi),
    };
    let coverage_claims = model
        .frameworks
        .iter()
        .enumerate()
        .filter(|(_, f)| f.in_scope)
        .filter_map(|(fi, f)| Some((f, shown(fi)?)))
        .map(|(f, s)| CoverageClaim {
            framework: f.slug().to_string(),
            name: f.catalog.title.clone(),
            controls: s.controls,
            covered: s.covered,
            inherited: s.inherited,
            partial: s.partial,
            gaps: s.gap,
            coverage: pct(s.ratio()),
        })
        .collect();
    let mut certifications: Vec<CertificationClaim> = model
        .config
        .certifications
        .iter()
        .filter(|c| model.framework(&c.framework).is_some())
        .map(|c| CertificationClaim {
            framework: c.framework.clone(),
            certificate: c.certificate.clone(),
            issued_by: c.body.clone().or_else(|| c.auditor.clone()),
            issued: c.issued.map(|d| d.to_string()),
            expires: c.expires.map(|d| d.to_string()),
        })
        .collect();
    certifications
        .sort_by(|a, b| (&a.framework, &a.certificate).cmp(&(&b.framework, &b.certificate)));
    let mut documents: Vec<DocumentClaim> = model
        .documents
        .iter()
        .map(|d| DocumentClaim {
            id: d.doc.meta.id.clone(),
            version: d.doc.meta.version.clone(),
            page: view::doc_url(d),
            sha256: String::new(),
        })
        .collect();
    documents.sort_by(|a, b| a.page.cmp(&b.page));
    let mut evidence: Vec<EvidenceClaim> = model
        .evidence
        .iter()
        .filter_map(|e| {
            let a = e.artifact.as_ref()?;
            Some(EvidenceClaim {
                id: e.ev.meta.id.clone(),
                file: a.url.clone(),
                sha256: a.sha256.clone(),
            })
        })
        .collect();
    evidence.sort_by(|a, b| (&a.file, &a.id).cmp(&(&b.file, &b.id)));
    Claims {
        format: FORMAT.to_string(),
        generator: format!("crosswalk {}", env!("CARGO_PKG_VERSION")),
        title: model.config.title.clone(),
        organisation: model.config.organisation.clone(),
        profile: model.profile.as_str().to_string(),
        key_fingerprint: fingerprint.to_string(),
        coverage: coverage_claims,
        certifications,
        documents,
        evidence,
        files: Default::default(),
    }
}
