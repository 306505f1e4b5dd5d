//! Every hash the tool computes that is not a page key: SHA-256 of evidence files (integrity),
//! lowercase hex, and a fast 64-bit hash of bytes for change detection.

use sha2::{Digest, Sha256};
use std::hash::{DefaultHasher, Hasher};
use std::io::Read;
use std::path::Path;

/// A 64-bit hash of some bytes, the same in every process of one build of crosswalk.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    h.write(bytes);
    h.finish()
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

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
    s
}
