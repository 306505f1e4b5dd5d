//! The build's part of the claims manifest (`claims/`): the key that signs it, read once per
//! build, and the manifest and signature written last, once every other file of the portal is
//! in the writer with its SHA-256. A build without a signing key writes no manifest; `serve`'s
//! previews are never signed.

use crate::base::diagnostic::Diagnostic;
use crate::claims::{CLAIMS, Claims, KEY, SIGNATURE, Signer};
use crate::model::config::Config;
use crate::write::Writer;
use std::path::{Path, PathBuf};

/// The key that signs the portal's claims: the ledger's signing key, from
/// $CROSSWALK_SIGNING_KEY or `signing_key:` in crosswalk.yaml; `None` without one.
pub fn signer(root: &Path, config: &Config) -> Result<Option<Signer>, Diagnostic> {
    let path = std::env::var_os("CROSSWALK_SIGNING_KEY")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| config.signing_key.as_ref().map(|p| root.join(p)));
    match path {
        Some(p) => Ok(Some(Signer::new(crate::ledger::load_signing_key(&p)?))),
        None => Ok(None),
    }
}

/// Whether the output at `dest` is signed as this build would sign it: by the same key, or
/// not at all. A build after the key changed is never cut short.
pub fn signed_alike(signer: Option<&Signer>, dest: &Path) -> bool {
    let shipped = std::fs::read_to_string(dest.join(KEY)).ok();
    match (signer, shipped) {
        (None, None) => true,
        (Some(s), Some(k)) => s.public_pem == k && dest.join(CLAIMS).is_file(),
        _ => false,
    }
}

/// Puts the public key that verifies the claims (before the files are listed: it is one).
pub fn put_key(signer: &Signer, writer: &Writer) -> Result<(), Diagnostic> {
    writer.put(KEY, signer.public_pem.as_bytes())
}

/// Lists every file in `writer` with its SHA-256 (reusing the previous manifest's hashes of
/// files unchanged since), completes `claims` with them, signs it and puts both files.
pub fn put_claims(signer: &Signer, claims: Claims, writer: &Writer) -> Result<(), Diagnostic> {
    let previous = previous_files(signer, writer);
    let files = writer.sha256_of_files(previous.as_ref(), &[CLAIMS, SIGNATURE])?;
    let (bytes, sig) = signer.seal(&claims.with_files(files));
    writer.put(CLAIMS, &bytes)?;
    writer.put(SIGNATURE, &sig)
}

/// The previous build's file hashes, from its claims manifest in the output being updated, if
/// this key signed it (a manifest changed since is not believed).
fn previous_files(
    signer: &Signer,
    writer: &Writer,
) -> Option<std::collections::BTreeMap<String, String>> {
    writer.previous()?.files.get(CLAIMS)?;
    let bytes = std::fs::read(writer.dest().join(CLAIMS)).ok()?;
    let sig = std::fs::read(writer.dest().join(SIGNATURE)).ok()?;
    if !crate::claims::signed_by(&bytes, &sig, &signer.key.verifying_key()) {
        return None;
    }
    Claims::parse(&bytes).map(|c| c.files)
}
