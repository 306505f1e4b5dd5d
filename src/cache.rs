//! The evidence hash cache: an unchanged file (same path, size and modification time) is not
//! hashed again. It lives in the output folder (`.crosswalk/hashes.json`), holds only the files
//! that build published, and is rewritten with every build. `seal` and `verify` never use it:
//! tamper checks always hash the real bytes.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::UNIX_EPOCH;

pub const CACHE_FILE: &str = ".crosswalk/hashes.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub size: u64,
    /// Modification time in nanoseconds since the Unix epoch, as text (JSON numbers are too small).
    pub mtime: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HashCache {
    /// Keyed by the file's path relative to the site root.
    pub files: BTreeMap<String, Entry>,
}

impl HashCache {
    /// The cache in output folder `out`, or an empty one if it is missing or unreadable.
    pub fn read(out: &Path) -> HashCache {
        std::fs::read(out.join(CACHE_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub fn get(&self, rel: &str, size: u64, mtime: &str) -> Option<&str> {
        self.files
            .get(rel)
            .filter(|e| e.size == size && e.mtime == mtime)
            .map(|e| e.sha256.as_str())
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }
}

/// A file's modification time as cache text, if the platform gives one.
pub fn mtime_of(meta: &std::fs::Metadata) -> String {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos().to_string())
        .unwrap_or_default()
}
