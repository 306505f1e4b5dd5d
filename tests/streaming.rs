//! A multi-gigabyte evidence file is hashed as a stream. Alone in its own test binary, so the
//! process's peak memory measures this test and nothing else.

use std::fs;

/// Peak resident memory of this process, from /proc (Linux).
fn peak_rss_kib() -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap()
}

#[test]
fn a_multi_gigabyte_evidence_file_is_hashed_as_a_stream() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.bin");
    let f = fs::File::create(&path).unwrap();
    // A sparse 2 GiB file (past what a 32-bit size holds): no disk used, but every byte is read
    // and hashed.
    f.set_len(2 * 1024 * 1024 * 1024).unwrap();
    drop(f);
    let before = peak_rss_kib();
    let (sha, size) = crosswalk::base::hash::hash_file(&path).unwrap();
    let grown = peak_rss_kib().saturating_sub(before);
    assert_eq!(size, 2 * 1024 * 1024 * 1024);
    // SHA-256 of 2 GiB of zero bytes, as `head -c 2147483648 /dev/zero | sha256sum` prints it.
    assert_eq!(
        sha,
        "a7c744c13cc101ed66c29f672f92455547889cc586ce6d44fe76ae824958ea51"
    );
    assert!(grown < 64 * 1024, "hashing grew peak memory by {grown} KiB");
}
