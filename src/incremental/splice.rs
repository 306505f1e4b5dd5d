//! Splicing: the fast path for the commonest edit, a document's text. When every changed file
//! is a document whose front matter is byte for byte what the last build saw, nothing but that
//! document's own page can differ, and only where its body is: the new body is rendered and
//! spliced into the page at the place the stamp recorded, without loading the site.

use crate::base::hash::sha256_hex;
use crate::claims::{self, Signer};
use crate::incremental::stamp::{DocStamp, doc_fm_hash};
use crate::model::DocKind;
use crate::model::config::RawHtml;
use crate::render::{self, BodySpan};
use crate::write;
use std::collections::BTreeMap;
use std::path::Path;

/// Documents that changed since the last build, with what the stamp knows of their pages.
pub struct Splice {
    pub(super) docs: BTreeMap<String, DocStamp>,
    pub(super) changed: Vec<String>,
}

/// What splicing did: how many pages it wrote, and where each new body now sits.
pub struct Spliced {
    pub written: usize,
    pub(super) spans: Vec<(String, BodySpan)>,
}

impl Splice {
    /// Splices the new bodies into the pages of the output at `dest` (of the site at `root`),
    /// whose manifest's text is `manifest` if the caller has it. `None` when any condition
    /// fails (the caller then builds normally); nothing is written unless every page can be
    /// patched.
    pub fn apply(
        &self,
        root: &Path,
        html: RawHtml,
        dest: &Path,
        manifest: Option<String>,
        signer: Option<&Signer>,
    ) -> Option<Spliced> {
        let canonical_root = root.canonicalize().ok()?;
        let mut by_page = BTreeMap::new();
        for rel in &self.changed {
            let recorded = self.docs.get(rel)?;
            let kind = DocKind::of_path(rel)?;
            let text = crate::load::read_site_file(root, &canonical_root, Path::new(rel)).ok()?;
            let doc = crate::load::parse_document(kind, Path::new(rel), &text).ok()?;
            if doc_fm_hash(&doc) != recorded.fm {
                return None;
            }
            by_page.insert(recorded.page.clone(), (rel.clone(), recorded, doc));
        }
        let mut spans = Vec::new();
        let pages: Vec<String> = by_page.keys().cloned().collect();
        let signed = dest.join(claims::CLAIMS).exists();
        if signed != signer.is_some() {
            return None;
        }
        let written = write::patch_pages(
            dest,
            manifest,
            |page, now| {
                let (rel, recorded, doc) = by_page.get(page)?;
                let body =
                    render::markdown(render::without_title(&doc.body, &doc.meta.title), html);
                let (bytes, span) = render::splice_body(now, recorded.span, &body)?;
                spans.push((rel.clone(), span));
                Some(write::PagePatch {
                    bytes,
                    input: render::input_with_body(&recorded.view, Some(&doc.body)),
                })
            },
            &pages,
            |patched| match signer {
                Some(signer) => resign(dest, signer, patched),
                None => Some(Vec::new()),
            },
        )?;
        Some(Spliced { written, spans })
    }
}

/// The claims manifest of the output at `dest` with the pages `patched` rehashed, and its new
/// signature; `None` unless `signer`'s key signed the manifest there.
fn resign(
    dest: &Path,
    signer: &Signer,
    patched: &[(&str, &[u8])],
) -> Option<Vec<(String, Vec<u8>)>> {
    let old = std::fs::read(dest.join(claims::CLAIMS)).ok()?;
    let sig = std::fs::read(dest.join(claims::SIGNATURE)).ok()?;
    if !claims::signed_by(&old, &sig, &signer.key.verifying_key()) {
        return None;
    }
    let changed: Vec<(String, String)> = patched
        .iter()
        .map(|(page, bytes)| (page.to_string(), sha256_hex(bytes)))
        .collect();
    let bytes = claims::rehash(&old, &changed)?;
    let sig = claims::sign(&bytes, &signer.key);
    Some(vec![
        (claims::CLAIMS.to_string(), bytes),
        (claims::SIGNATURE.to_string(), sig),
    ])
}
