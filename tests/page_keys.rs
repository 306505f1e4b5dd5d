//! Page keys (src/deps.rs): a rebuild skips pages whose key says they cannot have changed. A key
//! that misses something a page shows would leave that page stale, so this test makes a long,
//! seeded sequence of edits of every kind a page can show (titles, owners, classifications, the
//! controls named, review and collection dates that cross the due-soon and stale lines, bodies,
//! ids, artifacts, records and documents added and removed) and compares the output after each
//! incremental rebuild with a clean build, byte for byte.

mod common;

use common::{assert_same_as_clean, build_into, write_file};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// A small deterministic generator (xorshift), so a failure names a step that can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const CONTROLS: &[&str] = &[
    "iso27001:A.5.15",
    "iso27001:A.5.18",
    "iso27001:A.8.13",
    "iso27001:A.8.15",
    "iso27001:A.8.16",
    "hipaa:164.308(a)(7)(ii)(A)",
    "iso27001:A.5.1",
    "soc2:CC6.1",
    "soc2:CC7.2",
    "soc2:A1.2",
    "hipaa:164.308(a)(1)",
];
const CLASSES: &[&str] = &["public", "internal", "internal", "confidential"];
/// Today is 2026-11-23: reviews every 12 months from these are fresh, due soon, or overdue.
const APPROVED: &[&str] = &["2026-06-01", "2025-12-10", "2025-09-01", "2026-11-01"];
const COLLECTED: &[&str] = &["2026-10-01", "2025-12-01", "2025-06-01"];

#[derive(Clone)]
struct Doc {
    file: String,
    id: String,
    title: String,
    owner: String,
    class: &'static str,
    approved: &'static str,
    controls: Vec<&'static str>,
    body: String,
}

impl Doc {
    fn text(&self) -> String {
        format!(
            "---\nid: {}\ntitle: {}\nowner: {}\nversion: \"1\"\napproved: {}\nreview_every: 12 months\nclassification: {}\ncontrols: [{}]\n---\n{}\n",
            self.id,
            self.title,
            self.owner,
            self.approved,
            self.class,
            self.controls.join(", "),
            self.body
        )
    }
}

#[derive(Clone)]
struct Record {
    id: String,
    title: String,
    class: &'static str,
    collected: &'static str,
    controls: Vec<&'static str>,
    /// Its artifact's content; `None`: a `url:` record.
    artifact: Option<String>,
}

fn evidence_text(records: &[Record]) -> String {
    let mut s = String::new();
    for r in records {
        s.push_str(&format!(
            "- id: {}\n  title: {}\n  owner: Security\n  collected: {}\n  valid_for: 1 year\n  classification: {}\n  controls: [{}]\n",
            r.id,
            r.title,
            r.collected,
            r.class,
            r.controls.join(", ")
        ));
        match &r.artifact {
            Some(_) => s.push_str(&format!("  file: content/evidence/files/{}.txt\n", r.id)),
            None => s.push_str(&format!("  url: https://example.com/{}\n", r.id)),
        }
    }
    s
}

/// One or two controls: few enough that the controls next to them (their crosswalk relations,
/// several in the pool) often change status between covered, partial and gap.
fn some_controls(rng: &mut Rng) -> Vec<&'static str> {
    let mut cs = vec![CONTROLS[rng.below(CONTROLS.len())]];
    let second = CONTROLS[rng.below(CONTROLS.len())];
    if rng.below(2) == 0 && !cs.contains(&second) {
        cs.push(second);
    }
    cs
}

/// Writes the site's content as `docs` and `files` say, touching only files whose text changed
/// (so body-only edits take the splice path and meet the keys later) and removing the rest.
fn write_site(root: &Path, docs: &[Doc], files: &[(String, Vec<Record>)]) {
    let mut want: BTreeMap<String, String> = BTreeMap::new();
    for d in docs {
        want.insert(format!("content/policies/{}", d.file), d.text());
    }
    for (name, records) in files {
        if records.is_empty() {
            continue;
        }
        want.insert(format!("content/evidence/{name}"), evidence_text(records));
        for r in records {
            if let Some(a) = &r.artifact {
                want.insert(format!("content/evidence/files/{}.txt", r.id), a.clone());
            }
        }
    }
    let existing = if root.join("content").exists() {
        common::files_under(&root.join("content"))
    } else {
        Vec::new()
    };
    for old in existing {
        let rel = format!("content/{}", old.display());
        if !want.contains_key(&rel) {
            fs::remove_file(root.join(&rel)).unwrap();
        }
    }
    for (rel, text) in &want {
        if fs::read_to_string(root.join(rel)).ok().as_deref() != Some(text.as_str()) {
            write_file(root, rel, text);
        }
    }
}

/// A temporary folder holding a site (`site/`, with a cache folder, so builds keep page keys)
/// and its output (`out/`).
/// A site with `extra` lines in its crosswalk.yaml.
fn keys_site(extra: &str) -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    let out = dir.path().join("out");
    write_file(
        &root,
        "crosswalk.yaml",
        &format!(
            "title: Keys\nframeworks: [iso27001, soc2, hipaa]\ndefault_profile: internal\n{extra}"
        ),
    );
    fs::create_dir_all(root.join(".crosswalk-cache")).unwrap();
    (dir, root, out)
}

#[test]
fn rebuilds_that_skip_pages_by_key_match_clean_builds_after_every_kind_of_edit() {
    // Two records a library page: records added and removed move others across pages.
    let (dir, root, out) = keys_site("evidence_page_size: 2\n");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut serial = 0;
    let mut new_doc = |rng: &mut Rng| {
        serial += 1;
        Doc {
            file: format!("p{serial}.md"),
            id: format!("POL-{serial}"),
            title: format!("Policy {serial}"),
            owner: "CISO".into(),
            class: rng.pick(CLASSES),
            approved: rng.pick(APPROVED),
            controls: some_controls(rng),
            body: format!("Text of policy {serial}."),
        }
    };
    let mut docs: Vec<Doc> = (0..4).map(|_| new_doc(&mut rng)).collect();
    let mut ev_serial = 0;
    let mut new_record = |rng: &mut Rng| {
        ev_serial += 1;
        Record {
            id: format!("EV-{ev_serial}"),
            title: format!("Record {ev_serial}"),
            class: rng.pick(CLASSES),
            collected: rng.pick(COLLECTED),
            controls: some_controls(rng),
            artifact: (rng.below(3) > 0).then(|| format!("artifact {ev_serial}\n")),
        }
    };
    let mut files: Vec<(String, Vec<Record>)> = vec![
        (
            "a.yaml".into(),
            (0..3).map(|_| new_record(&mut rng)).collect(),
        ),
        (
            "b.yaml".into(),
            (0..2).map(|_| new_record(&mut rng)).collect(),
        ),
    ];
    write_site(&root, &docs, &files);
    build_into(&root, &out, &[]);
    assert_same_as_clean(&root, &out, dir.path(), "the first build");

    let mut skipped_some = false;
    for step in 0..40 {
        let d = rng.below(docs.len());
        let f = rng.below(files.len());
        let what = match rng.below(16) {
            0 => {
                docs[d].owner = format!("Owner {step}");
                "a document's owner"
            }
            1 => {
                docs[d].title = format!("Retitled {step}");
                "a document's title"
            }
            2 => {
                docs[d].class = rng.pick(CLASSES);
                "a document's classification"
            }
            3 => {
                docs[d].controls = some_controls(&mut rng);
                "the controls a document names"
            }
            4 => {
                docs[d].approved = rng.pick(APPROVED);
                "a document's approval date"
            }
            5 => {
                docs[d].body = format!("Rewritten at step {step}.");
                "a document's body"
            }
            6 => {
                docs[d].id = format!("POL-R{step}");
                "a document's id"
            }
            7 if docs.len() > 2 => {
                docs.remove(d);
                "removing a document"
            }
            8 => {
                docs.push(new_doc(&mut rng));
                "adding a document"
            }
            9 if !files[f].1.is_empty() => {
                let r = rng.below(files[f].1.len());
                files[f].1[r].title = format!("Record retitled {step}");
                "a record's title"
            }
            10 if !files[f].1.is_empty() => {
                let r = rng.below(files[f].1.len());
                files[f].1[r].controls = some_controls(&mut rng);
                "the controls a record names"
            }
            11 if !files[f].1.is_empty() => {
                let r = rng.below(files[f].1.len());
                files[f].1[r].collected = rng.pick(COLLECTED);
                "a record's collection date"
            }
            12 if !files[f].1.is_empty() => {
                let r = rng.below(files[f].1.len());
                files[f].1[r].class = rng.pick(CLASSES);
                "a record's classification"
            }
            13 => {
                for r in files[f].1.iter_mut() {
                    if let Some(a) = &mut r.artifact {
                        a.push_str("more\n");
                    }
                }
                "artifacts' content"
            }
            14 if files[f].1.len() > 1 => {
                let r = rng.below(files[f].1.len());
                files[f].1.remove(r);
                "removing a record"
            }
            _ => {
                let r = new_record(&mut rng);
                files[f].1.push(r);
                "adding a record"
            }
        };
        write_site(&root, &docs, &files);
        let log = build_into(&root, &out, &["--timings"]);
        if let Some(views) = log.lines().find(|l| l.contains("views:")) {
            let n: Vec<usize> = views
                .split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect();
            skipped_some |= n.len() == 2 && n[0] < n[1];
        }
        assert_same_as_clean(&root, &out, dir.path(), &format!("step {step} ({what})"));
    }
    assert!(
        skipped_some,
        "no rebuild skipped a page by its key: the keys are never trusted"
    );
}

/// The number of pages a `--timings` build viewed (`views: N of M`).
fn views(log: &str) -> usize {
    log.lines()
        .find(|l| l.contains("views:"))
        .and_then(|l| l.split_whitespace().find_map(|w| w.parse().ok()))
        .unwrap_or_else(|| panic!("no views line in:\n{log}"))
}

/// A control's page lists its first 25 partly related items and counts the rest, so a title
/// edit to a record past them cannot change the pages of the controls that record only partly
/// relates to. Their keys covered every partly related item, and at 30,000 records an evidence
/// save viewed two dozen such pages for nothing.
#[test]
fn a_record_past_the_listed_partial_items_does_not_view_those_control_pages() {
    let (dir, root, out) = keys_site("");
    // 30 records naming iso27001:A.5.18, which intersects soc2:CC6.2, CC6.3, hipaa:164.308(a)(3)
    // and more: every one of them partly relates to those controls.
    let records = |first: &str, last: &str| -> String {
        (1..=30)
            .map(|i| {
                let title = match i {
                    1 => first.to_string(),
                    30 => last.to_string(),
                    _ => format!("Review {i}"),
                };
                format!(
                    "- id: EV-{i:02}\n  title: {title}\n  owner: CISO\n  collected: 2026-10-01\n  valid_for: 12 months\n  classification: internal\n  controls: [iso27001:A.5.18]\n  url: https://example.com/{i}\n"
                )
            })
            .collect()
    };
    write_file(
        &root,
        "content/evidence/reviews.yaml",
        &records("First", "Last"),
    );
    build_into(&root, &out, &[]);

    write_file(
        &root,
        "content/evidence/reviews.yaml",
        &records("First", "Last again"),
    );
    let tail = views(&build_into(&root, &out, &["--timings"]));
    assert_same_as_clean(&root, &out, dir.path(), "last record's title");
    let cc62 = fs::read_to_string(out.join("controls/soc2/CC6.2.html")).unwrap();
    assert!(cc62.contains(">First</a>") && !cc62.contains("Last again"));

    write_file(
        &root,
        "content/evidence/reviews.yaml",
        &records("First again", "Last again"),
    );
    let head = views(&build_into(&root, &out, &["--timings"]));
    assert_same_as_clean(&root, &out, dir.path(), "first record's title");
    let cc62 = fs::read_to_string(out.join("controls/soc2/CC6.2.html")).unwrap();
    assert!(cc62.contains(">First again</a>"));

    // The first record is listed on every partly related control's page (and their frameworks'
    // pages count them); the last is on none of them.
    assert!(
        head >= tail + 10,
        "editing the 30th record viewed {tail} pages, the 1st {head}"
    );
}

/// A long library comes in pages, each with its rows script: a record's title edit views its
/// own library page and script, not the other pages. Against the same site on one library
/// page, the edit views exactly one page more (the script). (A record's key covers its file's
/// text, so each record has a file of its own here.)
#[test]
fn a_record_edit_views_only_its_own_library_page_and_script() {
    let record = |i: usize, title: &str| -> String {
        format!(
            "id: EV-{i:02}\ntitle: {title}\nowner: CISO\ncollected: 2026-10-01\nvalid_for: 12 months\nclassification: internal\ncontrols: [soc2:CC6.1]\nurl: https://example.com/{i}\n"
        )
    };
    let mut viewed = Vec::new();
    for config in ["evidence_page_size: 3\n", "evidence_page_size: 0\n"] {
        let (dir, root, out) = keys_site(config);
        for i in 1..=12 {
            let file = format!("content/evidence/ev-{i:02}.yaml");
            write_file(&root, &file, &record(i, &format!("Review {i}")));
        }
        build_into(&root, &out, &[]);
        write_file(&root, "content/evidence/ev-12.yaml", &record(12, "Renamed"));
        viewed.push(views(&build_into(&root, &out, &["--timings"])));
        assert_same_as_clean(&root, &out, dir.path(), config.trim());
        let last = if config.ends_with("3\n") {
            "evidence/page-4.html"
        } else {
            "evidence/index.html"
        };
        assert!(
            fs::read_to_string(out.join(last))
                .unwrap()
                .contains(">Renamed</a>")
        );
    }
    assert_eq!(
        viewed[0],
        viewed[1] + 1,
        "pages viewed with four library pages, and with one"
    );
}
