//! What a load gives: every document, evidence record and artifact, the catalogs and crosswalks,
//! the ledger's lines and public key, and the ISMS records.

use crate::load::artifacts::Artifact;
use crate::model::{Catalog, Crosswalk, Document, Evidence};
use std::sync::Arc;

/// Everything parsed from a site and the built-in mappings.
#[derive(Debug, Default, Clone)]
pub struct Loaded {
    pub documents: Vec<Arc<Document>>,
    pub evidence: Vec<Arc<Evidence>>,
    pub artifacts: Vec<Option<Arc<Artifact>>>,
    pub catalogs: Vec<Catalog>,
    pub crosswalks: Vec<Crosswalk>,
    /// The evidence ledger's lines, if the site has a ledger.
    pub ledger: Vec<crate::ledger::Line>,
    pub ledger_exists: bool,
    /// The ledger's public key, if configured.
    pub public_key: Option<PublicKey>,
    /// The Statement of Applicability and the ISMS records.
    pub records: crate::model::records::Records,
}

#[derive(Debug, Clone)]
pub struct PublicKey {
    pub key: ed25519_dalek::VerifyingKey,
    pub pem: String,
    /// Lowercase hex SHA-256 of the raw 32-byte key, shown so readers can compare keys.
    pub fingerprint: String,
}
