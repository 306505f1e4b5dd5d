//! Verifiable portals: a build with a signing key writes a signed claims manifest
//! (`.well-known/crosswalk-claims.json` and `.sig`), and `crosswalk verify-portal` checks a copy
//! of the portal against it offline, with the key or its fingerprint given out of band, naming
//! each file that differs, is missing or was added. Each test makes its own throwaway key.

mod common;

use common::{Run, Site, run_with_env};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{EncodePrivateKey, EncodePublicKey};
use std::fs;
use std::path::{Path, PathBuf};

const CLAIMS: &str = ".well-known/crosswalk-claims.json";

/// A throwaway key pair in the test's own folder, outside the site: (private, public) PEM paths.
fn keys(dir: &Path, seed: u8) -> (PathBuf, PathBuf) {
    let sk = SigningKey::from_bytes(&[seed; 32]);
    let private = dir.join(format!("portal-key-{seed}.pem"));
    let public = dir.join(format!("portal-key-{seed}.pub.pem"));
    fs::write(
        &private,
        sk.to_pkcs8_pem(Default::default()).unwrap().as_bytes(),
    )
    .unwrap();
    fs::write(
        &public,
        sk.verifying_key()
            .to_public_key_pem(Default::default())
            .unwrap(),
    )
    .unwrap();
    (private, public)
}

/// A small site with a cache folder (so body edits are spliced), and a key pair beside it.
fn signed_site() -> (Site, PathBuf, PathBuf) {
    let site = Site::minimal();
    site.write(
        "content/policies/backup.md",
        common::policy(
            "POL-BACKUP",
            "Backup Policy",
            "public",
            &["iso27001:A.8.13"],
        ),
    );
    fs::create_dir_all(site.path(".crosswalk-cache")).unwrap();
    let (private, public) = keys(site.outside(), 7);
    (site, private, public)
}

fn build_signed(site: &Site, key: &Path, out: &Path) -> Run {
    let root = site.root.to_str().unwrap();
    let out = out.to_str().unwrap();
    let run = run_with_env(
        &site.root,
        &[
            "build",
            "--root",
            root,
            "--today",
            "2026-11-23",
            "--output",
            out,
            "--timings",
        ],
        &[("CROSSWALK_SIGNING_KEY", key.to_str().unwrap())],
    );
    run.assert_ok();
    run
}

fn verify(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["verify-portal", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    run_with_env(dir.parent().unwrap(), &all, &[])
}

fn fingerprint(key: &Path) -> String {
    let run = run_with_env(
        key.parent().unwrap(),
        &[
            "verify-portal",
            "--print-fingerprint",
            key.to_str().unwrap(),
        ],
        &[],
    );
    run.assert_ok();
    run.stdout.trim().to_string()
}

/// A plain copy of a portal (a downloaded folder: no symlinks, no hard links).
fn copy(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy(&e.path(), &target);
        } else {
            fs::copy(e.path(), &target).unwrap();
        }
    }
}

fn claims(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(out.join(CLAIMS)).unwrap()).unwrap()
}

#[test]
fn a_fresh_build_verifies_with_the_key_and_with_its_fingerprint() {
    let (site, private, public) = signed_site();
    let out = site.outside().join("portal");
    build_signed(&site, &private, &out);
    let fp = fingerprint(&public);
    assert_eq!(fp.len(), 64);
    assert_eq!(
        fingerprint(&private),
        fp,
        "a private key prints its public half's"
    );

    verify(&out, &["--key", public.to_str().unwrap()])
        .assert_ok()
        .assert_stdout_has("files match the claims manifest");
    verify(&out, &["--fingerprint", &fp]).assert_ok();
    verify(&out, &["--fingerprint", &fp.to_uppercase()]).assert_ok();

    // The footer shows the fingerprint to copy; the manifest names it and what was claimed.
    let index = fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        index.contains(&fp),
        "the footer shows the key's fingerprint"
    );
    let c = claims(&out);
    assert_eq!(c["format"], "crosswalk-claims 1");
    assert_eq!(c["key_fingerprint"], fp.as_str());
    assert!(
        c["coverage"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["framework"] == "soc2")
    );
    let doc = c["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "POL-BACKUP")
        .unwrap();
    assert_eq!(doc["version"], "1.0");
    let page = doc["page"].as_str().unwrap();
    assert_eq!(
        doc["sha256"], c["files"][page],
        "a document's hash is its page's"
    );
    assert_eq!(
        doc["sha256"].as_str().unwrap(),
        common::sha256_hex(&fs::read(out.join(page)).unwrap())
    );
    let ev = &c["evidence"][0];
    assert_eq!(ev["id"], "EV-ACCESS-REVIEW");
    assert_eq!(
        ev["sha256"].as_str().unwrap(),
        common::sha256_hex(common::ARTIFACT)
    );
    let files = c["files"].as_object().unwrap();
    assert!(files.contains_key("static/style.css"));
    assert!(files.contains_key(".well-known/crosswalk-claims-key.pem"));
    assert!(
        !files.contains_key(CLAIMS),
        "the manifest does not list itself"
    );
    assert!(!files.contains_key(".well-known/crosswalk-claims.sig"));
    assert!(!files.keys().any(|k| k.starts_with(".crosswalk/manifest")));

    // The same input gives the same bytes (no build time in the manifest).
    let again = site.outside().join("again");
    build_signed(&site, &private, &again);
    assert_eq!(
        fs::read(out.join(CLAIMS)).unwrap(),
        fs::read(again.join(CLAIMS)).unwrap()
    );
}

#[test]
fn the_shipped_key_is_never_trusted_by_itself() {
    let (site, private, _) = signed_site();
    let out = site.outside().join("portal");
    build_signed(&site, &private, &out);
    verify(&out, &[])
        .assert_code(1)
        .assert_stderr_has("refusing to verify with the key the portal ships")
        .assert_stderr_has("--fingerprint");
    let (_, other) = keys(site.outside(), 9);
    let wrong = fingerprint(&other);
    verify(&out, &["--fingerprint", &wrong])
        .assert_code(1)
        .assert_stderr_has("refusing to trust it");
    verify(&out, &["--key", other.to_str().unwrap()])
        .assert_code(1)
        .assert_stderr_has("signature does not verify");
    verify(&out, &["--fingerprint", "abc"])
        .assert_code(1)
        .assert_stderr_has("64 hex digits");
}

#[test]
fn a_one_byte_change_a_deleted_and_an_added_file_are_named() {
    let (site, private, public) = signed_site();
    let out = site.outside().join("portal");
    build_signed(&site, &private, &out);
    let key = public.to_str().unwrap();
    let c = claims(&out);
    let evidence_file = c["evidence"][0]["file"].as_str().unwrap().to_string();
    for (n, rel) in [
        "policies/POL-BACKUP.html",
        "static/style.css",
        evidence_file.as_str(),
    ]
    .iter()
    .enumerate()
    {
        let copied = site.outside().join(format!("copy-{n}"));
        copy(&out, &copied);
        verify(&copied, &["--key", key]).assert_ok();
        let mut bytes = fs::read(copied.join(rel)).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 1;
        fs::write(copied.join(rel), bytes).unwrap();
        let run = verify(&copied, &["--key", key]);
        run.assert_code(1)
            .assert_stdout_has(&format!("differs: {rel}"));
        assert_eq!(
            run.stdout.lines().count(),
            1,
            "only {rel} is named: {}",
            run.stdout
        );
    }

    let copied = site.outside().join("copy-del");
    copy(&out, &copied);
    fs::remove_file(copied.join("index.html")).unwrap();
    fs::write(copied.join("policies/extra.html"), "<p>added</p>").unwrap();
    verify(&copied, &["--key", key])
        .assert_code(1)
        .assert_stdout_has("missing: index.html")
        .assert_stdout_has("added: policies/extra.html");
}

#[test]
fn a_tampered_manifest_fails_its_signature() {
    let (site, private, public) = signed_site();
    let out = site.outside().join("portal");
    build_signed(&site, &private, &out);
    let copied = site.outside().join("copy");
    copy(&out, &copied);
    // Raise a claimed figure and make the page match it: the signature still gives it away.
    let text = fs::read_to_string(copied.join(CLAIMS)).unwrap();
    let changed = text.replacen("\"version\": \"1.0\"", "\"version\": \"9.0\"", 1);
    assert_ne!(text, changed);
    fs::write(copied.join(CLAIMS), changed).unwrap();
    verify(&copied, &["--key", public.to_str().unwrap()])
        .assert_code(1)
        .assert_stderr_has("signature does not verify");
    fs::remove_file(copied.join(".well-known/crosswalk-claims.sig")).unwrap();
    verify(&copied, &["--key", public.to_str().unwrap()])
        .assert_code(1)
        .assert_stderr_has("cannot read the signature");
}

/// An edit of the site, named.
type Edit = Box<dyn Fn(&Site)>;

#[test]
fn incremental_rebuilds_keep_the_manifest_true() {
    let (site, private, public) = signed_site();
    let out = site.outside().join("portal");
    build_signed(&site, &private, &out);
    let key = public.to_str().unwrap();
    let edits: Vec<(&str, Edit)> = vec![
        (
            "a body edit (spliced)",
            Box::new(|s: &Site| {
                let p = s.path("content/policies/backup.md");
                let text = fs::read_to_string(&p).unwrap();
                fs::write(
                    &p,
                    text.replace("least privilege", "least privilege, always"),
                )
                .unwrap();
            }),
        ),
        (
            "an owner edit",
            Box::new(|s: &Site| {
                let p = s.path("content/policies/backup.md");
                let text = fs::read_to_string(&p).unwrap();
                fs::write(&p, text.replace("owner: Head of IT", "owner: CTO")).unwrap();
            }),
        ),
        (
            "a new policy",
            Box::new(|s: &Site| {
                s.write(
                    "content/policies/crypto.md",
                    common::policy("POL-CRYPTO", "Cryptography", "public", &["iso27001:A.8.24"]),
                );
            }),
        ),
        (
            "an evidence file changed",
            Box::new(|s: &Site| {
                s.write(
                    "content/evidence/files/access-review.csv",
                    "user,ok\nana,yes\n",
                );
            }),
        ),
        (
            "a policy removed",
            Box::new(|s: &Site| s.remove("content/policies/crypto.md")),
        ),
    ];
    for (n, (what, edit)) in edits.iter().enumerate() {
        edit(&site);
        let run = build_signed(&site, &private, &out);
        if n == 0 {
            assert!(
                run.stderr.contains("splice:"),
                "{what}: spliced\n{}",
                run.stderr
            );
        }
        verify(&out, &["--key", key])
            .assert_ok()
            .assert_stdout_has("files match");
        let clean = site.outside().join(format!("clean-{n}"));
        build_signed(&site, &private, &clean);
        assert_eq!(
            fs::read(out.join(CLAIMS)).unwrap(),
            fs::read(clean.join(CLAIMS)).unwrap(),
            "{what}: the manifest equals a clean build's"
        );
        common::assert_same_files(
            &common::snapshot(&out),
            &common::snapshot(&clean),
            &format!("after {what}"),
        );
    }
}

#[test]
fn a_build_without_a_key_writes_no_manifest_and_verify_portal_says_why() {
    let site = Site::minimal();
    site.build(&[]).assert_ok();
    assert!(!site.out().join(CLAIMS).exists());
    assert!(!site.page("index.html").contains("Signed portal"));
    let (_, public) = keys(site.outside(), 3);
    verify(&site.out(), &["--key", public.to_str().unwrap()])
        .assert_code(1)
        .assert_stderr_has("cannot read the claims manifest");
}

#[test]
fn a_new_key_or_none_rebuilds_even_when_no_input_changed() {
    let (site, first, first_public) = signed_site();
    let out = site.outside().join("portal");
    let root = site.root.to_str().unwrap();
    let o = out.to_str().unwrap();
    let unsigned = [
        "build",
        "--root",
        root,
        "--today",
        "2026-11-23",
        "--output",
        o,
    ];
    // Signed for the first time over an unsigned output: every file kept is read and hashed.
    run_with_env(&site.root, &unsigned, &[]).assert_ok();
    build_signed(&site, &first, &out);
    verify(&out, &["--key", first_public.to_str().unwrap()]).assert_ok();
    let (second, second_public) = keys(site.outside(), 8);
    build_signed(&site, &second, &out);
    verify(&out, &["--key", second_public.to_str().unwrap()]).assert_ok();
    let fp = fingerprint(&second_public);
    assert!(
        fs::read_to_string(out.join("index.html"))
            .unwrap()
            .contains(&fp)
    );

    // Unsigned: the manifest, its signature and the key go, and so does the footer line.
    run_with_env(&site.root, &unsigned, &[]).assert_ok();
    assert!(!out.join(".well-known").exists());
    assert!(
        !fs::read_to_string(out.join("index.html"))
            .unwrap()
            .contains(&fp)
    );
}
