//! Nothing classified above a build's profile may leave a trace in that build: the strongest
//! check is that the output is byte-for-byte what it would be if the item did not exist at all,
//! but inside the aggregates the build discloses (elements marked `data-aggregate`: figures over
//! the whole ISMS, naming no item), which equal the confidential build's.

#[path = "common/aggregates.rs"]
mod aggregates;
mod common;

use common::{snapshot, write_file as write};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Distinct markers, one per field, so a failure names the field that leaked.
const FIELDS: &[(&str, &str)] = &[
    ("policy id", "POL-ZEBRA1"),
    ("policy title", "ZEBRA2"),
    ("policy owner", "ZEBRA3"),
    ("policy version", "ZEBRA4"),
    ("policy summary", "ZEBRA5"),
    ("policy body", "ZEBRA6"),
    ("policy file name", "zebra7"),
    ("evidence id", "EV-ZEBRA8"),
    ("evidence title", "ZEBRA9"),
    ("evidence owner", "ZEBRA10"),
    ("evidence description", "ZEBRA11"),
    ("evidence file name", "zebra12"),
    ("evidence file content", "ZEBRA13"),
    ("evidence url", "ZEBRA14"),
    ("shared-file evidence id", "EV-ZEBRA15"),
    ("shared-file evidence title", "ZEBRA16"),
    ("shared-file evidence file name", "zebra17"),
];

/// An evidence file whose records share one page: internal ones, and in the full site
/// confidential ones before and between them.
const SHARED: &str = "content/evidence/shared.yaml";

fn shared_record(id: &str, title: &str, classification: &str, source: &str) -> String {
    let control = if classification == "confidential" {
        "iso27001:A.8.8"
    } else {
        "iso27001:A.5.15"
    };
    format!(
        "- id: {id}\n  title: {title}\n  owner: CISO\n  collected: 2026-10-01\n  valid_for: 1 year\n  classification: {classification}\n  controls: [{control}]\n  {source}\n"
    )
}

/// The shared file without its confidential records.
fn shared_internal() -> String {
    shared_record(
        "EV-SHARED-1",
        "Shared one",
        "internal",
        "url: https://example.com/1",
    ) + &shared_record(
        "EV-SHARED-2",
        "Shared two",
        "internal",
        "url: https://example.com/2",
    )
}

/// The shared file with them: one first, one between the internal records.
fn shared_full() -> String {
    let m = |field: &str| FIELDS.iter().find(|f| f.0 == field).unwrap().1;
    let id = m("shared-file evidence id");
    let title = m("shared-file evidence title");
    let file = format!(
        "file: content/evidence/files/{}.txt",
        m("shared-file evidence file name")
    );
    shared_record(id, title, "confidential", &file)
        + &shared_record(
            "EV-SHARED-1",
            "Shared one",
            "internal",
            "url: https://example.com/1",
        )
        + &shared_record(
            &format!("{id}-B"),
            title,
            "confidential",
            "url: https://example.com/b",
        )
        + &shared_record(
            "EV-SHARED-2",
            "Shared two",
            "internal",
            "url: https://example.com/2",
        )
}

fn site(root: &Path) {
    write(
        root,
        "crosswalk.yaml",
        "title: Leak test\nframeworks: [iso27001, soc2]\n",
    );
    write(
        root,
        "content/policies/open.md",
        "---\nid: POL-OPEN\ntitle: Open policy\nowner: CISO\nversion: \"1\"\napproved: 2026-01-01\nreview_every: 12 months\nclassification: public\ncontrols: [iso27001:A.5.1]\n---\nPublic text.\n",
    );
    write(
        root,
        "content/policies/internal.md",
        "---\nid: POL-INT\ntitle: Internal policy\nowner: CISO\nversion: \"1\"\napproved: 2026-01-01\nreview_every: 12 months\nclassification: internal\ncontrols: [iso27001:A.5.15]\n---\nInternal text.\n",
    );
    write(root, "content/evidence/files/open.txt", "open\n");
    write(
        root,
        "content/evidence/open.yaml",
        "id: EV-OPEN\ntitle: Open record\nowner: CISO\ncollected: 2026-10-01\nvalid_for: 1 year\nclassification: internal\ncontrols: [iso27001:A.5.15]\nfile: content/evidence/files/open.txt\n",
    );
    write(root, SHARED, &shared_internal());
}

/// The confidential items: every text field carries its own marker, and they name controls that
/// nothing else names (A.8.8, A.8.24, CC7.1), so any count or percentage that saw them would change.
/// Returns the files that hold nothing else; the confidential records in [`SHARED`] come on top.
fn secrets(root: &Path) -> Vec<PathBuf> {
    let m = |field: &str| FIELDS.iter().find(|f| f.0 == field).unwrap().1;
    write(root, SHARED, &shared_full());
    let shared_file = format!(
        "content/evidence/files/{}.txt",
        m("shared-file evidence file name")
    );
    write(root, &shared_file, "shared secret\n");
    let policy = format!("content/policies/{}.md", m("policy file name"));
    write(
        root,
        &policy,
        &format!(
            "---\nid: {}\ntitle: {}\nowner: {}\nversion: \"{}\"\napproved: 2026-01-01\nreview_every: 1 month\nclassification: confidential\nsummary: {}\ncontrols: [iso27001:A.8.8, soc2:CC7.1]\n---\n# Heading\n\n{}\n",
            m("policy id"),
            m("policy title"),
            m("policy owner"),
            m("policy version"),
            m("policy summary"),
            m("policy body")
        ),
    );
    let file = format!("content/evidence/files/{}.txt", m("evidence file name"));
    write(root, &file, &format!("{}\n", m("evidence file content")));
    let records = "content/evidence/secret.yaml";
    write(
        root,
        records,
        &format!(
            "- id: {}\n  title: {}\n  owner: {}\n  collected: 2025-01-01\n  valid_for: 1 month\n  classification: confidential\n  description: {}\n  controls: [iso27001:A.8.24, iso27001:A.8.8]\n  file: {file}\n- id: {}-URL\n  title: {} link\n  owner: x\n  collected: 2026-10-01\n  valid_for: 1 year\n  classification: confidential\n  controls: [soc2:CC7.1]\n  url: https://example.com/{}\n",
            m("evidence id"),
            m("evidence title"),
            m("evidence owner"),
            m("evidence description"),
            m("evidence id"),
            m("evidence title"),
            m("evidence url"),
        ),
    );
    vec![
        root.join(policy),
        root.join(file),
        root.join(records),
        root.join(shared_file),
    ]
}

fn build(root: &Path, out: &Path, profile: &str) {
    common::build_into(root, out, &["--profile", profile]);
}

fn leaks(snap: &BTreeMap<PathBuf, Vec<u8>>) -> Vec<String> {
    let mut found = Vec::new();
    for (field, marker) in FIELDS {
        for (path, bytes) in snap {
            let name = path.to_string_lossy().to_lowercase();
            let body = String::from_utf8_lossy(bytes).to_lowercase();
            let m = marker.to_lowercase();
            if name.contains(&m) || body.contains(&m) {
                found.push(format!("{field} ({marker}) in {}", path.display()));
            }
        }
    }
    found
}

#[test]
fn lower_profiles_are_byte_identical_to_a_site_without_the_confidential_items() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    site(&root);
    let hidden = secrets(&root);
    let confidential = dir.path().join("confidential");
    build(&root, &confidential, "confidential");
    let (_, whole) = aggregates::mask_snapshot(&snapshot(&confidential));
    for profile in ["public", "internal"] {
        let with = dir.path().join(format!("with-{profile}"));
        build(&root, &with, profile);
        let snap = snapshot(&with);
        assert_eq!(leaks(&snap), Vec::<String>::new(), "{profile} build leaks");
        // Same site without the confidential files: not one byte may differ (no count, no
        // percentage, no file name) but the disclosed aggregates.
        let stash = dir.path().join("stash");
        fs::create_dir_all(&stash).unwrap();
        for (i, p) in hidden.iter().enumerate() {
            fs::rename(p, stash.join(i.to_string())).unwrap();
        }
        write(&root, SHARED, &shared_internal());
        let without = dir.path().join(format!("without-{profile}"));
        build(&root, &without, profile);
        for (i, p) in hidden.iter().enumerate() {
            fs::rename(stash.join(i.to_string()), p).unwrap();
        }
        write(&root, SHARED, &shared_full());
        let (masked, figures) = aggregates::mask_snapshot(&snap);
        let (other, other_figures) = aggregates::mask_snapshot(&snapshot(&without));
        common::assert_same_files(
            &masked,
            &other,
            &format!("{profile} build, with and without the confidential items, aggregates masked"),
        );
        // The aggregates count the hidden items: they differ from the site without them, and
        // every one equals the confidential build's on the same page.
        assert!(!figures.is_empty(), "{profile}: no aggregate marked");
        assert_ne!(
            figures, other_figures,
            "{profile}: aggregates ignore hidden items"
        );
        for ((page, key), value) in &figures {
            if let Some(w) = whole.get(&(page.clone(), key.clone())) {
                assert_eq!(
                    value,
                    w,
                    "{profile}: {key} on {} differs from the confidential build",
                    page.display()
                );
            }
        }
        for key in [
            "coverage:iso27001",
            "coverage:soc2",
            "category:iso27001:A.8",
        ] {
            let at = (PathBuf::from("index.html"), key.to_string());
            assert_eq!(figures.get(&at), whole.get(&at), "{profile}: {key}");
            assert!(
                figures.contains_key(&at),
                "{profile}: {key} missing from the home page"
            );
        }
    }
}

#[test]
fn the_confidential_build_shows_every_marker() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    site(&root);
    secrets(&root);
    let out = dir.path().join("out");
    build(&root, &out, "confidential");
    let found = leaks(&snapshot(&out));
    for (field, marker) in FIELDS {
        assert!(
            found.iter().any(|f| f.starts_with(field)),
            "{field} ({marker}) missing from the confidential build"
        );
    }
}
