//! The portal's files besides its pages: the Statement of Applicability as CSV, the theme's
//! static files, the ledger's public key, every evidence artifact (linked or copied), and the
//! hash cache made from the artifacts (`load/cache.rs`), which the next build reads.

use crate::analyse::coverage::Coverage;
use crate::base::diagnostic::Diagnostic;
use crate::incremental::Known;
use crate::load::Artifact;
use crate::load::cache::{CACHE_FILE, Entry, HashCache};
use crate::render::Theme;
use crate::resolve::Model;
use crate::view;
use crate::write::Writer;
use rayon::prelude::*;

/// Puts the site's other files into the output through `writer`; says how many evidence files
/// it published. `known` says which artifacts are already in place (`serve`).
pub fn put_all(
    model: &Model,
    coverage: &Coverage,
    theme: &Theme,
    writer: &Writer,
    known: &Known,
    linked: bool,
) -> Result<usize, Diagnostic> {
    let mut extra: Vec<(String, Vec<u8>)> = Vec::new();
    if model.records.soa.is_some() {
        extra.push((
            view::records::SOA_CSV.to_string(),
            view::records::soa_csv(model, coverage)?,
        ));
    }
    for (name, bytes) in &theme.static_files {
        extra.push((format!("static/{name}"), bytes.clone()));
    }
    let places: Vec<(&str, &Artifact)> = model
        .evidence
        .iter()
        .filter_map(|e| view::artifact_url(e).zip(e.artifact.as_deref()))
        .collect();
    if let Some(pk) = &model.public_key {
        extra.push((
            view::PUBLIC_KEY_URL.to_string(),
            pk.pem.clone().into_bytes(),
        ));
    }
    if let Some(text) = view::security_txt(model) {
        extra.push((view::SECURITY_TXT_PATH.to_string(), text.into_bytes()));
    }
    let (to_place, cache_same) = known.to_place(&places, &model.evidence, linked, writer);
    if !cache_same {
        extra.push((CACHE_FILE.to_string(), hash_cache(&places).to_json()));
    }
    extra.iter().try_for_each(|(p, b)| writer.put(p, b))?;
    to_place
        .par_iter()
        .with_min_len(64)
        .try_for_each(|(url, a)| writer.place(url, &a.absolute, &a.sha256))?;
    Ok(places.len())
}

/// The hash cache of the artifacts published.
fn hash_cache(places: &[(&str, &Artifact)]) -> HashCache {
    let mut cache = HashCache::default();
    for (_, a) in places {
        let entry = Entry {
            size: a.size,
            mtime: a.mtime.clone(),
            sha256: a.sha256.clone(),
        };
        cache.files.insert(a.rel.clone(), entry);
    }
    cache
}
