//! The evidence ledger (`seal`, `verify`), audit packages and the hash cache, on whole tiny sites
//! run through the real binary.

use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{EncodePrivateKey, EncodePublicKey};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_crosswalk"));
    c.env_remove("CROSSWALK_SIGNING_KEY");
    c
}

fn run(root: &Path, args: &[&str]) -> Output {
    bin()
        .args(args)
        .arg("--root")
        .arg(root)
        .arg("--today")
        .arg("2026-11-23")
        .output()
        .expect("binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A site with three evidence files and a signing key pair (private key outside the site).
struct Site {
    _dir: tempfile::TempDir,
    root: PathBuf,
    key: PathBuf,
}

fn site(signed: bool) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    let files = root.join("content/evidence/files");
    fs::create_dir_all(&files).unwrap();
    fs::create_dir_all(root.join("keys")).unwrap();
    let key = dir.path().join("ledger-key.pem");
    let sk = SigningKey::from_bytes(&[42u8; 32]);
    fs::write(
        &key,
        sk.to_pkcs8_pem(Default::default()).unwrap().as_bytes(),
    )
    .unwrap();
    fs::write(
        root.join("keys/ledger.pub.pem"),
        sk.verifying_key()
            .to_public_key_pem(Default::default())
            .unwrap(),
    )
    .unwrap();
    let mut config = String::from(
        "title: Ledger test\nframeworks: [iso27001, soc2]\naudits:\n  - id: soc2-2026\n    framework: soc2\n    start: 2026-01-01\n    end: 2026-12-31\n",
    );
    if signed {
        config.push_str("public_key: keys/ledger.pub.pem\n");
    }
    fs::write(root.join("crosswalk.yaml"), config).unwrap();
    let mut records = String::new();
    for (id, name, body, controls, collected) in [
        (
            "EV-A",
            "a.csv",
            "user,decision\nalice,keep\n",
            "[iso27001:A.5.18, soc2:CC6.2]",
            "2026-10-01",
        ),
        (
            "EV-B",
            "b.txt",
            "backup restore test passed\n",
            "[iso27001:A.8.13, soc2:A1.2]",
            "2026-09-01",
        ),
        (
            "EV-C",
            "c.md",
            "# Pen test\nno criticals\n",
            "[iso27001:A.8.8]",
            "2025-01-10",
        ),
    ] {
        fs::write(files.join(name), body).unwrap();
        records.push_str(&format!(
            "- id: {id}\n  title: Record {id}\n  owner: Security\n  collected: {collected}\n  valid_for: 12 months\n  classification: internal\n  controls: {controls}\n  file: content/evidence/files/{name}\n"
        ));
    }
    fs::write(root.join("content/evidence/records.yaml"), records).unwrap();
    Site {
        _dir: dir,
        root,
        key,
    }
}

fn seal(s: &Site) -> Output {
    bin()
        .args(["seal", "--today", "2026-11-23", "--root"])
        .arg(&s.root)
        .env("CROSSWALK_SIGNING_KEY", &s.key)
        .output()
        .unwrap()
}

fn ledger(s: &Site) -> PathBuf {
    s.root.join("content/evidence/ledger.jsonl")
}

fn sealed_site() -> Site {
    let s = site(true);
    let o = seal(&s);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(fs::read_to_string(ledger(&s)).unwrap().lines().count(), 3);
    s
}

fn verify_fails_with(s: &Site, needle: &str) {
    let o = run(&s.root, &["verify"]);
    assert_eq!(o.status.code(), Some(1), "verify should fail: {}", text(&o));
    assert!(
        text(&o).contains(needle),
        "expected `{needle}` in:\n{}",
        text(&o)
    );
}

#[test]
fn verify_passes_on_an_untouched_repo() {
    let s = sealed_site();
    let o = run(&s.root, &["verify"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("3 ledger lines, 3 sealed files re-hashed, signatures checked: intact"),
        "{}",
        text(&o)
    );
}

#[test]
fn sealing_twice_appends_nothing_and_never_rewrites_a_line() {
    let s = sealed_site();
    let before = fs::read(ledger(&s)).unwrap();
    assert!(seal(&s).status.success());
    assert_eq!(fs::read(ledger(&s)).unwrap(), before);
    // A changed artifact gets a new line; the old lines stay byte for byte.
    fs::write(
        s.root.join("content/evidence/files/a.csv"),
        "user,decision\nalice,remove\n",
    )
    .unwrap();
    assert!(seal(&s).status.success());
    let after = fs::read(ledger(&s)).unwrap();
    assert!(after.starts_with(&before));
    assert_eq!(String::from_utf8(after).unwrap().lines().count(), 4);
    assert!(run(&s.root, &["verify"]).status.success());
}

#[test]
fn verify_catches_one_changed_byte() {
    let s = sealed_site();
    let f = s.root.join("content/evidence/files/b.txt");
    let mut bytes = fs::read(&f).unwrap();
    bytes[0] ^= 1;
    fs::write(&f, bytes).unwrap();
    verify_fails_with(
        &s,
        "`EV-B`: content/evidence/files/b.txt was altered after sealing",
    );
}

#[test]
fn verify_catches_a_deleted_file() {
    let s = sealed_site();
    fs::remove_file(s.root.join("content/evidence/files/c.md")).unwrap();
    verify_fails_with(
        &s,
        "`EV-C`: sealed file content/evidence/files/c.md is missing",
    );
}

#[test]
fn verify_catches_an_edited_ledger_line() {
    let s = sealed_site();
    let t = fs::read_to_string(ledger(&s)).unwrap();
    let lines: Vec<&str> = t.lines().collect();
    // Forge line 1 so its hash matches a different file: the signature and the chain both break.
    let forged = lines[0].replacen("\"size\":", "\"size\":1", 1);
    fs::write(
        ledger(&s),
        format!("{forged}\n{}\n{}\n", lines[1], lines[2]),
    )
    .unwrap();
    verify_fails_with(
        &s,
        "ledger.jsonl:1:1: error: ledger line 1 (`EV-A`): bad signature",
    );
    verify_fails_with(&s, "ledger chain broken at line 2");
}

#[test]
fn verify_catches_a_removed_line() {
    let s = sealed_site();
    let t = fs::read_to_string(ledger(&s)).unwrap();
    let lines: Vec<&str> = t.lines().collect();
    fs::write(ledger(&s), format!("{}\n{}\n", lines[0], lines[2])).unwrap();
    verify_fails_with(&s, "1 line(s) before it were removed");
}

#[test]
fn verify_catches_two_swapped_lines() {
    let s = sealed_site();
    let t = fs::read_to_string(ledger(&s)).unwrap();
    let lines: Vec<&str> = t.lines().collect();
    fs::write(
        ledger(&s),
        format!("{}\n{}\n{}\n", lines[0], lines[2], lines[1]),
    )
    .unwrap();
    verify_fails_with(&s, "ledger chain broken at line 2");
}

#[test]
fn verify_catches_a_bad_signature() {
    let s = sealed_site();
    // Replace the published public key with another key: every signature now fails.
    let other = SigningKey::from_bytes(&[7u8; 32]);
    fs::write(
        s.root.join("keys/ledger.pub.pem"),
        other
            .verifying_key()
            .to_public_key_pem(Default::default())
            .unwrap(),
    )
    .unwrap();
    verify_fails_with(&s, "ledger line 3 (`EV-C`): bad signature");
}

#[test]
fn a_truncated_ledger_is_an_error_with_its_line() {
    let s = sealed_site();
    let t = fs::read_to_string(ledger(&s)).unwrap();
    fs::write(ledger(&s), &t[..t.len() - 20]).unwrap();
    verify_fails_with(&s, "ledger line 3 is not a valid entry");
    let o = run(&s.root, &["build"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a broken ledger fails the build: {}",
        text(&o)
    );
}

#[test]
fn sealing_a_signed_ledger_without_the_key_is_refused() {
    let s = sealed_site();
    let before = fs::read(ledger(&s)).unwrap();
    fs::write(s.root.join("content/evidence/files/a.csv"), "changed\n").unwrap();
    let o = run(&s.root, &["seal"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("no signing key was given"),
        "{}",
        text(&o)
    );
    assert_eq!(fs::read(ledger(&s)).unwrap(), before);
}

/// The section of an evidence file's page that holds record `id`.
fn section<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("<section class=\"record\" id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no section for {id}:\n{page}"));
    let end = page[start..].find("</section>").unwrap();
    &page[start..start + end]
}

#[test]
fn evidence_pages_show_sealed_status_and_the_public_key() {
    let s = sealed_site();
    let out = s.root.join("public");
    assert!(run(&s.root, &["build"]).status.success());
    let page = fs::read_to_string(out.join("evidence/records/records.html")).unwrap();
    let a = section(&page, "EV-A");
    assert!(a.contains("sealed</span> 20"), "{a}");
    assert!(out.join("evidence/ledger-public-key.pem").exists());
    fs::write(s.root.join("content/evidence/files/a.csv"), "changed\n").unwrap();
    let o = run(&s.root, &["check"]);
    assert!(
        text(&o).contains("evidence `EV-A`: its file changed since it was sealed"),
        "{}",
        text(&o)
    );
}

#[test]
fn audit_package_holds_what_the_audit_needs_and_nothing_else() {
    let s = sealed_site();
    let o = run(&s.root, &["package", "soc2-2026"]);
    assert!(o.status.success(), "{}", text(&o));
    let pkg = s.root.join("packages/soc2-2026");
    // EV-A and EV-B serve SOC 2 criteria and are valid in 2026; EV-C names no SOC 2 criterion
    // that it fully meets and expired on 2026-01-10 anyway.
    assert_eq!(
        fs::read(pkg.join("evidence/EV-A/a.csv")).unwrap(),
        fs::read(s.root.join("content/evidence/files/a.csv")).unwrap()
    );
    assert!(pkg.join("evidence/EV-B/b.txt").exists());
    assert!(!pkg.join("evidence/EV-C").exists());
    let csv = fs::read_to_string(pkg.join("controls-evidence.csv")).unwrap();
    let (sha, _) =
        crosswalk::base::hash::hash_file(&s.root.join("content/evidence/files/a.csv")).unwrap();
    assert!(
        csv.lines()
            .any(|l| l.starts_with("CC6.2,") && l.contains("EV-A") && l.contains(&sha)),
        "{csv}"
    );
    let gaps = fs::read_to_string(pkg.join("gaps.csv")).unwrap();
    assert!(gaps.lines().any(|l| l.starts_with("CC1.1,")), "{gaps}");
    assert!(!gaps.lines().any(|l| l.starts_with("CC6.2,")), "{gaps}");
    let zip = fs::read(s.root.join("packages/soc2-2026.zip")).unwrap();
    assert!(zip.starts_with(b"PK"));
    assert!(
        fs::read_to_string(pkg.join("index.html"))
            .unwrap()
            .contains("Evidence package")
    );
    let o = run(&s.root, &["package", "nope"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("known audits: soc2-2026"), "{}", text(&o));
}

#[test]
fn unchanged_evidence_is_not_hashed_again() {
    let s = site(false);
    assert!(run(&s.root, &["build"]).status.success());
    let cache_path = s.root.join("public/.crosswalk/hashes.json");
    let cache = fs::read_to_string(&cache_path).unwrap();
    let (real, _) =
        crosswalk::base::hash::hash_file(&s.root.join("content/evidence/files/a.csv")).unwrap();
    assert!(cache.contains(&real));
    // Plant a different hash for the same path, size and mtime: a build that trusts the cache
    // shows the planted hash, which proves the file was not read again.
    let planted = "f".repeat(64);
    fs::write(&cache_path, cache.replace(&real, &planted)).unwrap();
    // --force: no input changed, so a plain build would do nothing at all.
    assert!(run(&s.root, &["build", "--force"]).status.success());
    let page = fs::read_to_string(s.root.join("public/evidence/records/records.html")).unwrap();
    assert!(section(&page, "EV-A").contains(&planted), "cache not used");
    // Once the file changes (size and mtime), it is hashed again.
    fs::write(
        s.root.join("content/evidence/files/a.csv"),
        "user,decision\nalice,keep!\n",
    )
    .unwrap();
    assert!(run(&s.root, &["build"]).status.success());
    let page = fs::read_to_string(s.root.join("public/evidence/records/records.html")).unwrap();
    assert!(!page.contains(&planted));
}

#[test]
fn a_ledger_line_naming_a_file_outside_the_site_is_refused() {
    let s = site(false);
    let outside = s.root.parent().unwrap().join("secret.txt");
    fs::write(&outside, "not for the ledger\n").unwrap();
    let line = r#"{"seq":1,"id":"EV-X","path":"../secret.txt","sha256":"00","size":1,"sealed_at":"t","prev":"0000000000000000000000000000000000000000000000000000000000000000"}"#;
    fs::write(ledger(&s), format!("{line}\n")).unwrap();
    let o = run(&s.root, &["verify"]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o);
    assert!(
        out.contains(
            "`EV-X`: the ledger names ../secret.txt, outside the site: refusing to read it"
        ),
        "{out}"
    );
    let (sha, _) = crosswalk::base::hash::hash_file(&outside).unwrap();
    assert!(!out.contains(&sha), "the outside file was hashed: {out}");
}
