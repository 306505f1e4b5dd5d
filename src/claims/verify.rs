//! `crosswalk verify-portal`: checks a portal (the output folder, or a downloaded copy of it)
//! against its signed claims manifest, offline. The signature is checked first, with the key the
//! customer gives or with the key shipped in the portal when its fingerprint is the one the
//! customer gives (never by itself); then every file is hashed and compared.

use super::{CLAIMS, Claims, KEY, SIGNATURE, fingerprint, signed_by};
use crate::base::diagnostic::Diagnostic;
use crate::base::hash::hash_file;
use crate::base::rules;
use ed25519_dalek::VerifyingKey;
use ed25519_dalek::pkcs8::DecodePublicKey;
use rayon::prelude::*;
use std::path::Path;

/// The crosswalk bookkeeping files a portal may hold besides its published files: not claims,
/// and never served as pages.
const BOOKKEEPING: &[&str] = &[".crosswalk/manifest.txt", ".crosswalk-output"];

/// What the customer trusts.
pub enum Trust {
    /// This public key.
    Key(VerifyingKey),
    /// The key shipped in the portal, if its fingerprint is this (hex, any case, `:` allowed).
    Fingerprint(String),
}

/// A file that does not match the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Differs(String),
    Missing(String),
    Added(String),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Differs(p) => write!(f, "differs: {p}"),
            Problem::Missing(p) => write!(f, "missing: {p}"),
            Problem::Added(p) => write!(f, "added: {p}"),
        }
    }
}

/// A portal whose signature verified: how many files it lists and which of them do not match.
pub struct Verified {
    pub claims: Claims,
    pub fingerprint: String,
    pub problems: Vec<Problem>,
}

fn refuse(path: &Path, message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(path, message).with_rule(rules::PORTAL_CLAIMS)
}

/// A fingerprint as typed: lowercase hex, separators dropped.
pub fn normalise_fingerprint(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .collect::<String>()
        .to_ascii_lowercase()
}

/// A public key from a PEM file: a public key, or the public half of a private key.
pub fn read_key(path: &Path) -> Result<VerifyingKey, Diagnostic> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::error(path, format!("cannot read key: {e}")).with_rule(rules::IO)
    })?;
    if let Ok(k) = VerifyingKey::from_public_key_pem(&text) {
        return Ok(k);
    }
    use ed25519_dalek::pkcs8::DecodePrivateKey;
    ed25519_dalek::SigningKey::from_pkcs8_pem(&text)
        .map(|k| k.verifying_key())
        .map_err(|_| {
            Diagnostic::error(path, "not an Ed25519 key in PEM form").with_rule(rules::LEDGER_KEY)
        })
}

/// Checks the portal at `dir` (see the module comment).
pub fn verify_portal(dir: &Path, trust: &Trust) -> Result<Verified, Diagnostic> {
    let claims_path = dir.join(CLAIMS);
    let bytes = std::fs::read(&claims_path).map_err(|e| {
        refuse(
            &claims_path,
            format!("cannot read the claims manifest: {e}"),
        )
        .with_hint(
            "a portal has one when it was built with a signing key (docs/verifiable-portal.md)",
        )
    })?;
    let sig_path = dir.join(SIGNATURE);
    let sig = std::fs::read(&sig_path)
        .map_err(|e| refuse(&sig_path, format!("cannot read the signature: {e}")))?;
    let key = match trust {
        Trust::Key(k) => *k,
        Trust::Fingerprint(want) => {
            let key_path = dir.join(KEY);
            let shipped = read_key(&key_path)?;
            let got = fingerprint(&shipped);
            if got != normalise_fingerprint(want) {
                return Err(refuse(
                    &key_path,
                    format!(
                        "the key shipped in the portal has fingerprint {got}, not the one given: refusing to trust it"
                    ),
                ));
            }
            shipped
        }
    };
    if !signed_by(&bytes, &sig, &key) {
        return Err(refuse(
            &claims_path,
            "the signature does not verify: the manifest was altered, or signed with another key",
        ));
    }
    let claims = Claims::parse(&bytes).ok_or_else(|| {
        refuse(
            &claims_path,
            "signed, but not a claims manifest this crosswalk reads",
        )
    })?;
    let problems = compare(dir, &claims)?;
    Ok(Verified {
        claims,
        fingerprint: fingerprint(&key),
        problems,
    })
}

/// Every file that differs from, is missing from or is not in the manifest, sorted by path.
fn compare(dir: &Path, claims: &Claims) -> Result<Vec<Problem>, Diagnostic> {
    let mut present = Vec::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1) {
        let entry = entry.map_err(|e| {
            let p = e.path().unwrap_or(dir).to_path_buf();
            Diagnostic::error(&p, format!("cannot read: {e}")).with_rule(rules::IO)
        })?;
        if entry.file_type().is_dir() || entry.path().is_dir() {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let rel: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        present.push(rel.join("/"));
    }
    let mut problems: Vec<Problem> = present
        .par_iter()
        .filter_map(|rel| {
            if rel == CLAIMS || rel == SIGNATURE || BOOKKEEPING.contains(&rel.as_str()) {
                return None;
            }
            let Some(want) = claims.files.get(rel) else {
                return Some(Problem::Added(rel.clone()));
            };
            match hash_file(&dir.join(rel)) {
                Ok((got, _)) if &got == want => None,
                _ => Some(Problem::Differs(rel.clone())),
            }
        })
        .collect();
    let present: std::collections::HashSet<&str> = present.iter().map(String::as_str).collect();
    problems.extend(
        claims
            .files
            .keys()
            .filter(|p| !present.contains(p.as_str()))
            .map(|p| Problem::Missing(p.clone())),
    );
    problems.sort_by(|a, b| key(a).cmp(key(b)));
    Ok(problems)
}

fn key(p: &Problem) -> &str {
    match p {
        Problem::Differs(s) | Problem::Missing(s) | Problem::Added(s) => s,
    }
}
