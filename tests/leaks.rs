//! Nothing classified above a build's profile may leave a trace in that build: the strongest
//! check is that the output is byte-for-byte what it would be if the item did not exist at all,
//! but inside the aggregates the build discloses (elements marked `data-aggregate`: figures over
//! the whole ISMS, naming no item), which equal the confidential build's.
//! The site has a `base_url`, so that covers the updates feed (`feed.xml`) too; with git, the
//! commit dates and messages of hidden files stay out as well.

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
        "title: Leak test\nframeworks: [iso27001, soc2]\nbase_url: https://trust.example.com/\n",
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

/// Builds signed with a throwaway key kept beside the site, so the claims manifest and its
/// signature (`.well-known/crosswalk-claims.*`: every file's name and hash, documents and
/// evidence) are held to the same byte-for-byte rule as the pages.
fn build(root: &Path, out: &Path, profile: &str) {
    use ed25519_dalek::pkcs8::EncodePrivateKey;
    let key = root.parent().unwrap().join("claims-key.pem");
    if !key.exists() {
        let sk = ed25519_dalek::SigningKey::from_bytes(&[5u8; 32]);
        fs::write(
            &key,
            sk.to_pkcs8_pem(Default::default()).unwrap().as_bytes(),
        )
        .unwrap();
    }
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args([
            "build",
            "--today",
            "2026-11-23",
            "--profile",
            profile,
            "--root",
        ])
        .arg(root)
        .arg("--output")
        .arg(out)
        .env("CROSSWALK_SIGNING_KEY", &key)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        out.join(".well-known/crosswalk-claims.json").is_file(),
        "a signed build has a claims manifest"
    );
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

/// The feed and the updates page read git: a repository whose last commit adds the confidential
/// items (its message naming them) publishes the same bytes on lower profiles as one that never
/// had them.
#[test]
fn git_dates_and_messages_of_hidden_files_never_reach_a_lower_profile() {
    let dir = tempfile::tempdir().unwrap();
    let with = dir.path().join("with");
    let without = dir.path().join("without");
    for (root, hidden) in [(&with, true), (&without, false)] {
        site(root);
        let init = std::process::Command::new("git")
            .args(["init", "-q"])
            .current_dir(root)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", dir.path())
            .status()
            .expect("git runs");
        assert!(init.success());
        common::commit_all(root, "first", "2026-03-01T09:00:00Z");
        if hidden {
            secrets(root);
            common::commit_all(root, "Add POL-ZEBRA1 ZEBRA2", "2026-10-01T09:00:00Z");
        }
    }
    for profile in ["public", "internal"] {
        let a = dir.path().join(format!("with-{profile}"));
        let b = dir.path().join(format!("without-{profile}"));
        build(&with, &a, profile);
        build(&without, &b, profile);
        // The hash cache records the modification times of the published evidence files, which
        // differ between two repositories written one after the other: not a trace of anything
        // hidden (`leaks` still reads it for markers), so it is left out of the comparison.
        let without_cache = |mut snap: BTreeMap<PathBuf, Vec<u8>>| {
            snap.remove(Path::new(".crosswalk/hashes.json"));
            // The signed claims list its hash too.
            if let Some(c) = snap.get_mut(Path::new(".well-known/crosswalk-claims.json")) {
                let mut v: serde_json::Value = serde_json::from_slice(c).unwrap();
                if let Some(files) = v["files"].as_object_mut() {
                    files.remove(".crosswalk/hashes.json");
                }
                *c = serde_json::to_vec_pretty(&v).unwrap();
            }
            if let Some(m) = snap.get_mut(Path::new(".crosswalk/manifest.txt")) {
                let text = String::from_utf8_lossy(m).to_string();
                let kept: Vec<&str> = text
                    .lines()
                    .filter(|l| !l.ends_with(" .crosswalk/hashes.json"))
                    .collect();
                *m = kept.join("\n").into_bytes();
            }
            snap
        };
        let snap = snapshot(&a);
        assert_eq!(leaks(&snap), Vec::<String>::new(), "{profile} build leaks");
        let snap = without_cache(snap);
        let other = without_cache(snapshot(&b));
        assert!(
            snap.contains_key(Path::new("feed.xml")),
            "{profile}: no feed"
        );
        let feed = String::from_utf8_lossy(&snap[Path::new("feed.xml")]).to_string();
        assert!(
            !feed.contains("2026-10-01"),
            "a hidden commit's date: {feed}"
        );
        // The disclosed aggregates count the hidden items (tests above): masked here.
        common::assert_same_files(
            &aggregates::mask_snapshot(&snap).0,
            &aggregates::mask_snapshot(&other).0,
            &format!("{profile} build of a repository with and without the hidden commit"),
        );
    }
}

/// A document above the profile with `listing: on-request`: the library shows its title and
/// summary, and nothing else of it reaches any byte (its id, owner, version, dates, body, file
/// name and controls change nothing); it covers no control on that build.
#[test]
fn an_on_request_document_shows_its_title_and_summary_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    site(&root);
    let listed = |id: &str,
                  owner: &str,
                  version: &str,
                  approved: &str,
                  control: &str,
                  body: &str| {
        format!(
            "---\nid: {id}\ntitle: Okapi Response Plan QUAGGA1\nowner: {owner}\nversion: \"{version}\"\napproved: {approved}\nreview_every: 1 month\nclassification: confidential\nlisting: on-request\nsummary: How we respond QUAGGA2.\ncontrols: [{control}]\n---\n# Okapi Response Plan\n\n{body}\n"
        )
    };
    // Every field but the title and the summary carries a marker.
    let markers = [
        ("id", "POL-OKAPI3"),
        ("owner", "OKAPI4"),
        ("version", "OKAPI5"),
        ("approved", "2019-07-13"),
        ("next review", "2019-08-13"),
        ("body", "OKAPI6"),
        ("file name", "okapi7"),
        ("control", "A.8.9"),
    ];
    let file = "content/plans/okapi7.md";
    write(
        &root,
        file,
        &listed(
            "POL-OKAPI3",
            "OKAPI4",
            "OKAPI5",
            "2019-07-13",
            "iso27001:A.8.9",
            "OKAPI6",
        ),
    );
    for profile in ["public", "internal"] {
        let out = dir.path().join(format!("listed-{profile}"));
        build(&root, &out, profile);
        let snap = snapshot(&out);
        for (field, marker) in markers {
            for (path, bytes) in &snap {
                let body = String::from_utf8_lossy(bytes).to_lowercase();
                let name = path.to_string_lossy().to_lowercase();
                let m = marker.to_lowercase();
                // A.8.9 has a control page of its own: only its coverage may not change, which the
                // comparison below checks.
                if field == "control" {
                    continue;
                }
                assert!(
                    !name.contains(&m) && !body.contains(&m),
                    "{profile}: the listed document's {field} ({marker}) is in {}",
                    path.display()
                );
            }
        }
        let index =
            String::from_utf8_lossy(&snap[&PathBuf::from("documents/index.html")]).into_owned();
        assert!(
            index.contains("QUAGGA1") && index.contains("QUAGGA2"),
            "{profile}: title and summary listed"
        );
        assert!(
            index.contains("id=\"request-okapi-response-plan-quagga1\""),
            "{profile}: anchored by the title's slug"
        );
    }
    // The same title and summary with every other field changed: not one byte differs.
    let mut before = BTreeMap::new();
    for profile in ["public", "internal"] {
        let out = dir.path().join(format!("listed-{profile}"));
        before.insert(profile, snapshot(&out));
    }
    fs::remove_file(root.join(file)).unwrap();
    write(
        &root,
        "content/plans/other-name.md",
        &listed(
            "POL-OTHER",
            "Someone else",
            "9",
            "2026-10-01",
            "soc2:CC8.1",
            "Other text.",
        ),
    );
    for profile in ["public", "internal"] {
        let out = dir.path().join(format!("changed-{profile}"));
        build(&root, &out, profile);
        let changed = snapshot(&out);
        // Its controls count in the disclosed aggregates like any item's: masked here.
        common::assert_same_files(
            &aggregates::mask_snapshot(&before[profile]).0,
            &aggregates::mask_snapshot(&changed).0,
            &format!("{profile} build, listed document with other hidden fields"),
        );
    }
}

/// A FAQ classified above the profile leaves no trace: the build equals the build without it.
#[test]
fn a_faq_above_the_profile_leaves_no_trace() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    site(&root);
    let without = dir.path().join("without");
    build(&root, &without, "public");
    write(
        &root,
        "content/trust/faq.md",
        "---\ntitle: Internal FAQ NARWHAL1\nclassification: internal\n---\n## NARWHAL2?\nNARWHAL3.\n",
    );
    let with = dir.path().join("with");
    build(&root, &with, "public");
    common::assert_same_files(
        &snapshot(&with),
        &snapshot(&without),
        "public build, internal FAQ",
    );
    let internal = dir.path().join("internal");
    build(&root, &internal, "internal");
    let faq = fs::read_to_string(internal.join("faq.html")).unwrap();
    assert!(faq.contains("NARWHAL1") && faq.contains("NARWHAL2") && faq.contains("NARWHAL3"));
}

/// A supplier's public block is shown with its name on every build, and nothing else of the
/// (internal) register: changing a supplier's other fields, or a supplier without a block,
/// changes no byte of a public build.
#[test]
fn the_supplier_register_shows_only_public_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    site(&root);
    let register = |service: &str, other: &str, assessed: &str| {
        format!(
            "classification: internal\nsuppliers:\n  - id: SUP-{other}\n    name: Ibis Hosting\n    service: {service}\n    criticality: high\n    data: [customer data]\n    assessed: {assessed}\n    reassess_every: 12 months\n    controls: [iso27001:A.5.19]\n    subprocessor:\n      purpose: Hosting\n      location: Ireland\n      data: [customer data]\n      since: 2024-01-15\n  - id: SUP-{other}-2\n    name: {other} Payroll\n    service: {service}\n    criticality: low\n    assessed: {assessed}\n    reassess_every: 24 months\n"
        )
    };
    write(
        &root,
        "content/records/suppliers.yaml",
        &register("TAPIR1 hosting", "TAPIR2", "2026-01-05"),
    );
    let a = dir.path().join("a");
    build(&root, &a, "public");
    let snap = snapshot(&a);
    let page = String::from_utf8_lossy(&snap[&PathBuf::from("subprocessors.html")]).into_owned();
    assert!(
        page.contains("Ibis Hosting") && page.contains("Ireland") && page.contains("2024-01-15")
    );
    assert_eq!(
        leaks_of(&snap, &["TAPIR1", "TAPIR2", "2026-01-05"]),
        Vec::<String>::new()
    );
    write(
        &root,
        "content/records/suppliers.yaml",
        &register("Other service", "ELSE", "2025-12-01"),
    );
    let b = dir.path().join("b");
    build(&root, &b, "public");
    common::assert_same_files(
        &snap,
        &snapshot(&b),
        "public build, supplier fields changed",
    );
}

/// Where any of `markers` appears (file names and contents, case-insensitive).
fn leaks_of(snap: &BTreeMap<PathBuf, Vec<u8>>, markers: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for m in markers {
        let m = m.to_lowercase();
        for (path, bytes) in snap {
            let name = path.to_string_lossy().to_lowercase();
            if name.contains(&m) || String::from_utf8_lossy(bytes).to_lowercase().contains(&m) {
                found.push(format!("{m} in {}", path.display()));
            }
        }
    }
    found
}
