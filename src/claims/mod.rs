//! The claims manifest: what a built portal claims (coverage per framework, certificates,
//! document versions, evidence hashes) and the SHA-256 of every file it holds, signed with
//! Ed25519 so that a customer who downloaded the portal can prove it was not altered after the
//! build (`crosswalk verify-portal`, `verify.rs`; docs/verifiable-portal.md). `made.rs` makes the
//! claims from the model; the build lists the files (`build/claims.rs`).

pub mod made;
pub mod verify;

use crate::base::hash::{hex, sha256_hex};
use ed25519_dalek::Signer as _;
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The manifest, in the output.
pub const CLAIMS: &str = ".well-known/crosswalk-claims.json";
/// Its Ed25519 signature: 128 hex digits and a line break.
pub const SIGNATURE: &str = ".well-known/crosswalk-claims.sig";
/// The public key that verifies it (PEM), shipped for convenience: never trusted by itself.
pub const KEY: &str = ".well-known/crosswalk-claims-key.pem";
/// The manifest's format, first in the file.
pub const FORMAT: &str = "crosswalk-claims 1";

/// The claims manifest. Field order is the serialisation order, and every list is sorted, so
/// the same portal gives the same bytes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub format: String,
    pub generator: String,
    pub title: String,
    pub organisation: Option<String>,
    pub profile: String,
    /// SHA-256 (hex) of the raw 32-byte public key that verifies the signature.
    pub key_fingerprint: String,
    pub coverage: Vec<CoverageClaim>,
    pub certifications: Vec<CertificationClaim>,
    pub documents: Vec<DocumentClaim>,
    pub evidence: Vec<EvidenceClaim>,
    /// Every file of the portal but the manifest and its signature: path -> SHA-256 (hex).
    pub files: BTreeMap<String, String>,
}

/// A framework's coverage as the portal shows it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CoverageClaim {
    pub framework: String,
    pub name: String,
    pub controls: usize,
    pub covered: usize,
    pub inherited: usize,
    pub partial: usize,
    pub gaps: usize,
    pub coverage: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CertificationClaim {
    pub framework: String,
    pub certificate: Option<String>,
    pub issued_by: Option<String>,
    pub issued: Option<String>,
    pub expires: Option<String>,
}

/// A published document: its version and the SHA-256 of its page.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DocumentClaim {
    pub id: String,
    pub version: String,
    pub page: String,
    pub sha256: String,
}

/// A published evidence file, with the SHA-256 its record shows.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct EvidenceClaim {
    pub id: String,
    pub file: String,
    pub sha256: String,
}

impl Claims {
    /// The manifest's bytes: pretty JSON and a final line break.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }

    pub fn parse(bytes: &[u8]) -> Option<Claims> {
        let claims: Claims = serde_json::from_slice(bytes).ok()?;
        (claims.format == FORMAT).then_some(claims)
    }

    /// Fills in the files' hashes, and each document's from its page's.
    pub fn with_files(mut self, files: BTreeMap<String, String>) -> Claims {
        for d in &mut self.documents {
            d.sha256 = files.get(&d.page).cloned().unwrap_or_default();
        }
        self.files = files;
        self
    }
}

/// The signature file's bytes for `bytes`: the Ed25519 signature in hex, and a line break.
pub fn sign(bytes: &[u8], key: &SigningKey) -> Vec<u8> {
    let mut out = hex(&key.sign(bytes).to_bytes()).into_bytes();
    out.push(b'\n');
    out
}

/// Whether `sig` (a signature file's bytes) is `key`'s signature of `bytes`.
pub fn signed_by(bytes: &[u8], sig: &[u8], key: &VerifyingKey) -> bool {
    let Some(raw) = unhex(std::str::from_utf8(sig).unwrap_or_default().trim()) else {
        return false;
    };
    let Ok(raw) = <[u8; 64]>::try_from(raw.as_slice()) else {
        return false;
    };
    key.verify_strict(bytes, &ed25519_dalek::Signature::from_bytes(&raw))
        .is_ok()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// A key's fingerprint: the SHA-256 of its raw 32 bytes, in lowercase hex (as the portal's
/// footer and the evidence library show it).
pub fn fingerprint(key: &VerifyingKey) -> String {
    sha256_hex(key.as_bytes())
}

/// The manifest `old` with the files `changed` (path, new SHA-256) rehashed, and their
/// documents' hashes with them: what splicing a document's body changes. `None` if `old` is not
/// a manifest or does not list one of them.
pub fn rehash(old: &[u8], changed: &[(String, String)]) -> Option<Vec<u8>> {
    let mut claims = Claims::parse(old)?;
    for (path, sha) in changed {
        *claims.files.get_mut(path)? = sha.clone();
        for d in claims.documents.iter_mut().filter(|d| &d.page == path) {
            d.sha256 = sha.clone();
        }
    }
    Some(claims.to_bytes())
}

/// What signs a build's claims: the private key and its public half's PEM and fingerprint.
pub struct Signer {
    pub key: SigningKey,
    pub public_pem: String,
    pub fingerprint: String,
}

impl Signer {
    pub fn new(key: SigningKey) -> Signer {
        use ed25519_dalek::pkcs8::EncodePublicKey;
        let public = key.verifying_key();
        Signer {
            public_pem: public
                .to_public_key_pem(Default::default())
                .unwrap_or_default(),
            fingerprint: fingerprint(&public),
            key,
        }
    }

    /// The manifest's and the signature's bytes for `claims`.
    pub fn seal(&self, claims: &Claims) -> (Vec<u8>, Vec<u8>) {
        let bytes = claims.to_bytes();
        let sig = sign(&bytes, &self.key);
        (bytes, sig)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_fail_on_a_changed_byte() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let claims = Claims {
            format: FORMAT.into(),
            files: [("index.html".to_string(), "ab".to_string())].into(),
            ..Claims::default()
        };
        let signer = Signer::new(key);
        let (bytes, sig) = signer.seal(&claims);
        let public = signer.key.verifying_key();
        assert!(signed_by(&bytes, &sig, &public));
        let mut changed = bytes.clone();
        changed[10] ^= 1;
        assert!(!signed_by(&changed, &sig, &public));
        assert!(!signed_by(&bytes, b"zz", &public));
        assert_eq!(Claims::parse(&bytes), Some(claims));
        let re = rehash(&bytes, &[("index.html".into(), "cd".into())]).unwrap();
        assert_eq!(Claims::parse(&re).unwrap().files["index.html"], "cd");
        assert!(rehash(&bytes, &[("nope.html".into(), "cd".into())]).is_none());
    }
}
