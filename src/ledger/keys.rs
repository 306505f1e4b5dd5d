//! The ledger's Ed25519 keys, read from PEM files: the private key that signs new lines and the
//! public key that verifies them.

use crate::base::diagnostic::Diagnostic;
use crate::base::rules;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use std::path::Path;

pub fn load_signing_key(path: &Path) -> Result<SigningKey, Diagnostic> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::error(path, format!("cannot read signing key: {e}"))
            .with_rule(rules::LEDGER_KEY)
    })?;
    SigningKey::from_pkcs8_pem(&text).map_err(|e| {
        Diagnostic::error(
            path,
            format!("not an Ed25519 private key in PKCS#8 PEM form: {e}"),
        )
        .with_rule(rules::LEDGER_KEY)
        .with_hint("create one with: openssl genpkey -algorithm ed25519 -out ledger-key.pem")
    })
}

pub fn load_public_key(path: &Path, shown: &Path) -> Result<VerifyingKey, Diagnostic> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::error(shown, format!("cannot read public key: {e}"))
            .with_rule(rules::LEDGER_KEY)
    })?;
    VerifyingKey::from_public_key_pem(&text).map_err(|e| {
        Diagnostic::error(shown, format!("not an Ed25519 public key in PEM form: {e}"))
            .with_rule(rules::LEDGER_KEY)
            .with_hint(
                "derive it with: openssl pkey -in ledger-key.pem -pubout -out ledger-key.pub.pem",
            )
    })
}
