//! The fast path for text edits: when only documents' bodies change, a rebuild splices each new
//! body into its page instead of loading the whole site. It must give exactly what a clean build
//! gives, touch nothing else, and step aside whenever anything more than a body changed.

mod common;

use common::{assert_same_as_clean, snapshot, write_file as write};
use std::fs;
use std::path::Path;
use std::process::Command;

/// Builds with `--timings`; returns stderr, which names the stages that ran.
fn build(root: &Path, out: &Path) -> String {
    common::build_into(root, out, &["--timings"])
}

fn policy(id: &str, title: &str, owner: &str, body: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: {title}\nowner: {owner}\nversion: \"1\"\napproved: 2026-06-01\nreview_every: 12 months\nclassification: internal\ncontrols: [iso27001:A.5.15, soc2:CC6.1]\n---\n{body}\n"
    )
}

fn spliced(log: &str) -> bool {
    log.lines().any(|l| l.trim_start().starts_with("splice:"))
}

/// A site with two policies, an evidence record and a cache folder, built once.
fn site(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let root = dir.join("site");
    let out = dir.join("out");
    write(
        &root,
        "crosswalk.yaml",
        "title: Body edits\nframeworks: [iso27001, soc2]\n",
    );
    write(
        &root,
        "content/policies/access.md",
        &policy("POL-ACCESS", "Access", "CISO", "# Access\n\nAccess text."),
    );
    write(
        &root,
        "content/policies/backup.md",
        &policy("POL-BACKUP", "Backup", "CTO", "Backup text."),
    );
    write(&root, "content/evidence/files/review.csv", "a,b\n");
    write(
        &root,
        "content/evidence/ev.yaml",
        "- id: EV-REVIEW\n  title: Review\n  owner: CISO\n  collected: 2026-10-01\n  valid_for: 1 year\n  classification: internal\n  controls: [iso27001:A.5.15]\n  file: content/evidence/files/review.csv\n",
    );
    fs::create_dir_all(root.join(".crosswalk-cache")).unwrap();
    assert!(!spliced(&build(&root, &out)), "a first build is a full one");
    (root, out)
}

#[test]
fn body_edits_are_spliced_into_their_pages_and_match_clean_builds() {
    let dir = tempfile::tempdir().unwrap();
    let (root, out) = site(dir.path());
    let before = snapshot(&out);

    // One body edit: only that page (and the manifest) change.
    write(
        &root,
        "content/policies/access.md",
        &policy(
            "POL-ACCESS",
            "Access",
            "CISO",
            "# Access\n\nAccess text, now with **more** detail.",
        ),
    );
    let log = build(&root, &out);
    assert!(spliced(&log), "a body edit takes the fast path:\n{log}");
    let after = snapshot(&out);
    let changed: Vec<String> = after
        .keys()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| k.display().to_string())
        .collect();
    assert_eq!(
        changed,
        [".crosswalk/manifest.txt", "policies/POL-ACCESS.html"],
        "only the edited page and the manifest change"
    );
    let page = String::from_utf8_lossy(&after[Path::new("policies/POL-ACCESS.html")]).into_owned();
    assert!(page.contains("<strong>more</strong>"), "{page}");
    assert_same_as_clean(&root, &out, dir.path(), "one body edit");

    // Two bodies at once, one gaining raw HTML that must be sanitised like any build's.
    write(
        &root,
        "content/policies/access.md",
        &policy(
            "POL-ACCESS",
            "Access",
            "CISO",
            "Access text, third version.",
        ),
    );
    write(
        &root,
        "content/policies/backup.md",
        &policy(
            "POL-BACKUP",
            "Backup",
            "CTO",
            "Backup text. <script>alert(1)</script><b onclick=\"x()\">bold</b>",
        ),
    );
    let log = build(&root, &out);
    assert!(spliced(&log), "{log}");
    let page = fs::read_to_string(out.join("policies/POL-BACKUP.html")).unwrap();
    assert!(!page.contains("<script>alert") && !page.contains("onclick"));
    assert_same_as_clean(&root, &out, dir.path(), "two body edits");

    // Back to the original text: the page must not be mistaken for the one first rendered.
    write(
        &root,
        "content/policies/access.md",
        &policy("POL-ACCESS", "Access", "CISO", "# Access\n\nAccess text."),
    );
    assert!(spliced(&build(&root, &out)));
    // A front matter edit elsewhere sends the next build down the full path, which must
    // re-render the spliced page rather than trust what it recorded before the splices.
    write(
        &root,
        "content/policies/backup.md",
        &policy("POL-BACKUP", "Backup", "Head of IT", "Backup text."),
    );
    let log = build(&root, &out);
    assert!(
        !spliced(&log),
        "a front matter edit is not a body edit:\n{log}"
    );
    assert_same_as_clean(&root, &out, dir.path(), "a revert then a front matter edit");

    // Nothing changed: nothing done.
    let log = build(&root, &out);
    assert!(log.contains("up to date") || !spliced(&log), "{log}");
    assert_same_as_clean(&root, &out, dir.path(), "no change");
}

#[test]
fn the_fast_path_steps_aside_when_more_than_a_body_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (root, out) = site(dir.path());

    // A body edit together with an evidence file change: a full (incremental) build.
    write(
        &root,
        "content/policies/access.md",
        &policy("POL-ACCESS", "Access", "CISO", "New access text."),
    );
    write(&root, "content/evidence/files/review.csv", "a,b,c\n");
    let log = build(&root, &out);
    assert!(!spliced(&log), "{log}");
    assert_same_as_clean(&root, &out, dir.path(), "body and evidence edits");

    // A page edited by hand in the output: the splice would keep the hand edit, so the build
    // renders the page afresh instead.
    let page = out.join("policies/POL-ACCESS.html");
    let tampered = fs::read_to_string(&page)
        .unwrap()
        .replace("New access text.", "Edited in the output.");
    fs::write(&page, tampered).unwrap();
    write(
        &root,
        "content/policies/access.md",
        &policy("POL-ACCESS", "Access", "CISO", "Newer access text."),
    );
    let log = build(&root, &out);
    assert!(!spliced(&log), "{log}");
    assert_same_as_clean(&root, &out, dir.path(), "a hand-edited page");

    // A new title heading that repeats the title is dropped by every build, spliced or not.
    write(
        &root,
        "content/policies/access.md",
        &policy(
            "POL-ACCESS",
            "Access",
            "CISO",
            "# Access\n\nNewest access text.",
        ),
    );
    assert!(spliced(&build(&root, &out)));
    assert_same_as_clean(&root, &out, dir.path(), "a repeated title heading");

    // A broken body (not UTF-8) is reported by the normal path, and the output stays.
    let before = snapshot(&out);
    let mut bytes = policy("POL-ACCESS", "Access", "CISO", "ok ").into_bytes();
    bytes.extend_from_slice(&[0xff, 0xfe, b'\n']);
    fs::write(root.join("content/policies/access.md"), bytes).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args(["build", "--today", "2026-11-23", "--root"])
        .arg(&root)
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("content/policies/access.md") && err.contains("UTF-8"),
        "{err}"
    );
    common::assert_same_files(&snapshot(&out), &before, "after a failed build");
}

/// A theme that uses the body other than once, verbatim (here also its length) cannot have a
/// body spliced in: every build renders such pages in full.
#[test]
fn a_theme_that_transforms_the_body_is_never_spliced() {
    let dir = tempfile::tempdir().unwrap();
    let (root, out) = site(dir.path());
    let template = include_str!("../themes/default/templates/document.html").replace(
        "{{ body | safe }}",
        "<p class=\"size\">{{ body | length }} characters</p>\n{{ body | safe }}",
    );
    write(&root, "themes/default/templates/document.html", &template);
    build(&root, &out);
    write(
        &root,
        "content/policies/backup.md",
        &policy(
            "POL-BACKUP",
            "Backup",
            "CTO",
            "A different opening sentence for backups.",
        ),
    );
    let log = build(&root, &out);
    assert!(!spliced(&log), "{log}");
    let page = fs::read_to_string(out.join("policies/POL-BACKUP.html")).unwrap();
    let body = "<p>A different opening sentence for backups.</p>\n";
    assert!(
        page.contains(&format!("<p class=\"size\">{} characters</p>", body.len())),
        "the size follows the body: {page}"
    );
    assert_same_as_clean(
        &root,
        &out,
        dir.path(),
        "an edit under a transforming theme",
    );
}
