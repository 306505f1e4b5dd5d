//! The few small files read in sequence: the Statement of Applicability and the ISMS records
//! (with the files they name), and the evidence ledger with its public key.

use crate::base::diagnostic::{Diagnostic, Pos};
use crate::base::hash::hex;
use crate::base::rules;
use crate::load::loaded::{Loaded, PublicKey};
use crate::load::read::read_site_file;
use crate::load::walk::walk;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Reads the SoA and every ISMS record file (few and small: sequential).
pub(super) fn load_records(
    root: &Path,
    canonical_root: &Path,
    loaded: &mut Loaded,
    diags: &mut Vec<Diagnostic>,
) {
    let mut files = Vec::new();
    if root.join(crate::model::records::SOA_FILE).exists() {
        files.push(PathBuf::from(crate::model::records::SOA_FILE));
    }
    files.extend(walk(
        &root.join("content").join("records"),
        usize::MAX,
        &["yaml", "yml"],
        diags,
        root,
    ));
    for rel in files {
        let text = match read_site_file(root, canonical_root, &rel) {
            Ok(t) => t,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        match crate::model::records::parse_into(&mut loaded.records, &rel, &text) {
            Some(Ok(())) => {}
            Some(Err(d)) => diags.push(d),
            None => diags.push(
                Diagnostic::error(&rel, "not a known record file")
                    .with_rule(rules::UNKNOWN_RECORD_FILE)
                    .with_hint("records are content/records/risks.yaml, nonconformities.yaml, suppliers.yaml, management-reviews/*.yaml and internal-audits/*.yaml (see docs/isms-records.md)"),
            ),
        }
    }
    load_faq(root, canonical_root, loaded, diags);
}

/// Reads the trust center's FAQ, if the site has one (docs/trust-center.md).
fn load_faq(root: &Path, canonical_root: &Path, loaded: &mut Loaded, diags: &mut Vec<Diagnostic>) {
    let rel = PathBuf::from(crate::model::trust::FAQ_FILE);
    if !root.join(&rel).exists() {
        return;
    }
    let parsed = read_site_file(root, canonical_root, &rel)
        .and_then(|text| crate::model::trust::parse_faq(&rel, &text).map(|faq| (text, faq)));
    match parsed {
        Ok((text, faq)) => {
            loaded.records.faq = Some(crate::model::records::Sourced {
                path: rel,
                text: std::sync::Arc::from(text.as_str()),
                value: faq,
            })
        }
        Err(d) => diags.push(d),
    }
}

/// Files named by records (review minutes, audit reports) must exist inside the site.
pub(super) fn check_record_files(
    canonical_root: &Path,
    records: &crate::model::records::Records,
    diags: &mut Vec<Diagnostic>,
) {
    let named = records
        .reviews
        .iter()
        .filter_map(|r| r.value.minutes.as_ref().map(|f| (r, f)))
        .map(|(r, f)| (&r.path, &r.text, f))
        .chain(
            records
                .audits
                .iter()
                .filter_map(|a| a.value.report.as_ref().map(|f| (&a.path, &a.text, f))),
        );
    for (path, text, file) in named {
        let real = canonical_root.join(file).canonicalize();
        let ok = matches!(&real, Ok(p) if p.starts_with(canonical_root) && p.is_file());
        if !ok {
            diags.push(
                Diagnostic::error(path, format!("{file} does not exist in the site"))
                    .with_rule(rules::RECORD_FILE)
                    .at(Pos::find(text, file, 0))
                    .with_hint("paths are relative to the site root"),
            );
        }
    }
}

/// Reads the evidence ledger and the public key, if the site has them.
pub(super) fn load_ledger(
    root: &Path,
    canonical_root: &Path,
    config: &crate::model::config::Config,
    loaded: &mut Loaded,
    diags: &mut Vec<Diagnostic>,
) {
    let rel = config.ledger.clone();
    let abs = root.join(&rel);
    if abs.exists() {
        loaded.ledger_exists = true;
        match read_site_file(root, canonical_root, &rel) {
            Ok(text) => {
                let (lines, mut d) = crate::ledger::read(&text, &rel);
                loaded.ledger = lines;
                diags.append(&mut d);
            }
            Err(d) => diags.push(d),
        }
    }
    if let Some(pk) = &config.public_key {
        let result = read_site_file(root, canonical_root, pk).and_then(|pem| {
            let key = crate::ledger::load_public_key(&root.join(pk), pk)?;
            let fingerprint = hex(&Sha256::digest(key.as_bytes()));
            Ok(PublicKey {
                key,
                pem,
                fingerprint,
            })
        });
        match result {
            Ok(k) => loaded.public_key = Some(k),
            Err(d) => diags.push(d),
        }
    }
}
