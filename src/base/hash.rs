//! Every hash the tool computes that is not a page key: SHA-256 of evidence files (integrity),
//! lowercase hex, and a fast 64-bit hash of bytes for change detection.

use sha2::{Digest, Sha256};
use std::hash::{DefaultHasher, Hasher};
use std::io::Read;
use std::path::Path;

/// A hasher for 64-bit keys (`DefaultHasher`, the same in every process of one build of
/// crosswalk; keys are never kept across versions): every fast hash in crosswalk starts here.
pub fn hasher() -> DefaultHasher {
    DefaultHasher::new()
}

/// A 64-bit hash of anything hashable (a tuple of what a key is made of).
pub fn hash_of(parts: impl std::hash::Hash) -> u64 {
    let mut h = hasher();
    parts.hash(&mut h);
    h.finish()
}

/// A 64-bit hash of some bytes, the same in every process of one build of crosswalk.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = hasher();
    h.write(bytes);
    h.finish()
}

/// A fast content hash for change detection (not for integrity: evidence uses SHA-256): the
/// 64-bit hash and the length, as text, as the output's manifest lists it.
pub fn content_hash(bytes: &[u8]) -> String {
    format!("{:016x}-{}", hash_bytes(bytes), bytes.len())
}

/// SHA-256 (lowercase hex) and size of a file, read in 64 KiB chunks.
pub fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0u8; 64 * 1024]);
    }
    let mut f = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    BUF.with_borrow_mut(|buf| {
        loop {
            let n = f.read(buf)?;
            if n == 0 {
                break;
            }
            size += n as u64;
            hasher.update(&buf[..n]);
        }
        Ok::<(), std::io::Error>(())
    })?;
    Ok((hex(&hasher.finalize()), size))
}

/// SHA-256 (lowercase hex) of bytes in memory: the output files the claims manifest lists.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
    s
}
