//! The SHA-256 of every file a `Writer` holds, for the claims manifest (`claims/`): kept as
//! files are written, taken from the previous build's manifest for files unchanged since, read
//! back from the output for the rest.

use super::{Mode, Writer, io_err, safe_join};
use crate::base::diagnostic::Diagnostic;
use rayon::prelude::*;
use std::collections::BTreeMap;

impl Writer {
    /// Keeps the SHA-256 of every file written from now on (`sha256_of_files`).
    pub fn keep_sha256(&mut self) {
        self.keep_sha256 = true;
    }

    /// The folder written into (a generation, or `serve`'s own output).
    pub fn dest(&self) -> &std::path::Path {
        &self.dest
    }

    /// The SHA-256 of every file of the output so far but `skip`: those written or placed by
    /// this build as kept, those unchanged since the previous build from `previous` (its
    /// path -> SHA-256, which described the same content), any other read back from the output.
    pub fn sha256_of_files(
        &self,
        previous: Option<&BTreeMap<String, String>>,
        skip: &[&str],
    ) -> Result<BTreeMap<String, String>, Diagnostic> {
        let st = self.state();
        let mut out = BTreeMap::new();
        let mut to_read = Vec::new();
        let old = self.previous();
        for (rel, hash) in &st.files {
            if skip.contains(&rel.as_str()) {
                continue;
            }
            let sha = st.sha256.get(rel).or_else(|| {
                let same = old.and_then(|m| m.files.get(rel)) == Some(hash);
                previous.filter(|_| same).and_then(|p| p.get(rel))
            });
            match sha {
                Some(sha) => {
                    out.insert(rel.clone(), sha.clone());
                }
                None => to_read.push(rel.as_str()),
            }
        }
        let base = match &self.mode {
            Mode::Full { staging } => staging.as_path(),
            Mode::Incremental { .. } => self.dest.as_path(),
        };
        let read: Vec<(String, String)> = to_read
            .par_iter()
            .map(|rel| {
                let p = safe_join(base, rel)?;
                let (sha, _) =
                    crate::base::hash::hash_file(&p).map_err(|e| io_err("cannot read", &p, e))?;
                Ok((rel.to_string(), sha))
            })
            .collect::<Result<_, Diagnostic>>()?;
        out.extend(read);
        Ok(out)
    }
}
