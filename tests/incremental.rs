//! Incremental rebuilds: after any sequence of edits, renames and deletions, a rebuild into the
//! existing output is byte-identical to a clean build of the same site; a rebuild with no change
//! does nothing; and only changed files are written.

mod common;

use common::{assert_same_as_clean, snapshot, write_file as write};
use std::fs;
use std::path::Path;
use std::process::Command;

fn build(root: &Path, out: &Path) -> String {
    common::build_into(root, out, &[])
}

fn policy(id: &str, title: &str, controls: &str, body: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: {title}\nowner: CISO\nversion: \"1\"\napproved: 2026-06-01\nreview_every: 12 months\nclassification: internal\ncontrols: [{controls}]\n---\n{body}\n"
    )
}

#[test]
fn incremental_rebuilds_match_clean_builds_after_edits_renames_and_deletions() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    let out = dir.path().join("out");
    write(
        &root,
        "crosswalk.yaml",
        "title: Incremental\nframeworks: [iso27001, soc2]\n",
    );
    write(
        &root,
        "content/policies/access.md",
        &policy(
            "POL-ACCESS",
            "Access",
            "iso27001:A.5.15, soc2:CC6.1",
            "Access text.",
        ),
    );
    write(
        &root,
        "content/policies/backup.md",
        &policy("POL-BACKUP", "Backup", "iso27001:A.8.13", "Backup text."),
    );
    write(&root, "content/evidence/files/review.csv", "a,b\n");
    write(
        &root,
        "content/evidence/ev.yaml",
        "- id: EV-REVIEW\n  title: Review\n  owner: CISO\n  collected: 2026-10-01\n  valid_for: 1 year\n  classification: internal\n  controls: [iso27001:A.5.18]\n  file: content/evidence/files/review.csv\n- id: EV-OLD\n  title: Old\n  owner: CISO\n  collected: 2026-10-01\n  valid_for: 1 year\n  classification: internal\n  controls: [soc2:CC7.1]\n  url: https://example.com/old\n",
    );
    // A cache folder lets a rebuild with no change do nothing at all.
    fs::create_dir_all(root.join(".crosswalk-cache")).unwrap();
    build(&root, &out);
    assert_same_as_clean(&root, &out, dir.path(), "first build");

    // No change: nothing is done.
    let before = snapshot(&out);
    assert!(build(&root, &out).contains("is up to date"));
    assert_eq!(snapshot(&out), before);

    // Edit a body: only that page changes.
    write(
        &root,
        "content/policies/access.md",
        &policy(
            "POL-ACCESS",
            "Access",
            "iso27001:A.5.15, soc2:CC6.1",
            "Access text, revised.",
        ),
    );
    let msg = build(&root, &out);
    assert!(msg.contains("(1 files written,"), "{msg}");
    assert_same_as_clean(&root, &out, dir.path(), "a body edit");

    // Edit the controls a policy names: coverage pages change too.
    write(
        &root,
        "content/policies/backup.md",
        &policy(
            "POL-BACKUP",
            "Backup",
            "iso27001:A.8.13, soc2:A1.2",
            "Backup text.",
        ),
    );
    build(&root, &out);
    assert_same_as_clean(&root, &out, dir.path(), "a controls edit");

    // Rename a policy (new file name and new id): the old page disappears.
    fs::remove_file(root.join("content/policies/backup.md")).unwrap();
    write(
        &root,
        "content/policies/backups-and-restore.md",
        &policy(
            "POL-BACKUP-RESTORE",
            "Backup and restore",
            "iso27001:A.8.13",
            "Backup text.",
        ),
    );
    build(&root, &out);
    assert!(!out.join("policies/POL-BACKUP.html").exists());
    assert_same_as_clean(&root, &out, dir.path(), "a rename");

    // Change an artifact, delete an evidence record and its file.
    write(&root, "content/evidence/files/review.csv", "a,b\n1,2\n");
    let ev = fs::read_to_string(root.join("content/evidence/ev.yaml")).unwrap();
    fs::write(
        root.join("content/evidence/ev.yaml"),
        &ev[..ev.find("- id: EV-OLD").unwrap()],
    )
    .unwrap();
    build(&root, &out);
    let page = fs::read_to_string(out.join("evidence/records/ev.html")).unwrap();
    assert!(page.contains("EV-REVIEW") && !page.contains("EV-OLD"));
    assert_eq!(
        fs::read(out.join("evidence/files/EV-REVIEW-review.csv")).unwrap(),
        b"a,b\n1,2\n"
    );
    assert_same_as_clean(&root, &out, dir.path(), "an artifact change and a deletion");

    // Move the records to another file: the old file's page goes.
    fs::rename(
        root.join("content/evidence/ev.yaml"),
        root.join("content/evidence/reviews.yaml"),
    )
    .unwrap();
    build(&root, &out);
    assert!(!out.join("evidence/records/ev.html").exists());
    assert!(out.join("evidence/records/reviews.html").is_file());
    assert_same_as_clean(&root, &out, dir.path(), "moving records to another file");

    // Delete every policy: their folder goes too.
    fs::remove_file(root.join("content/policies/access.md")).unwrap();
    fs::remove_file(root.join("content/policies/backups-and-restore.md")).unwrap();
    build(&root, &out);
    assert!(!out.join("policies").exists());
    assert_same_as_clean(&root, &out, dir.path(), "deleting every policy");
}

#[test]
fn a_failed_rebuild_leaves_the_incremental_output_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    let out = dir.path().join("out");
    write(&root, "crosswalk.yaml", "title: Incremental\n");
    write(
        &root,
        "content/policies/a.md",
        &policy("POL-A", "A", "soc2:CC1.1", "Text."),
    );
    build(&root, &out);
    let before = snapshot(&out);
    write(&root, "content/policies/a.md", "---\nid: POL-A\n");
    let o = Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args(["build", "--today", "2026-11-23", "--root"])
        .arg(&root)
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(snapshot(&out), before);
}
