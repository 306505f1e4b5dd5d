//! The updates page and the Atom feed (docs/trust-center.md): the feed is read back by a real
//! parser (Python's feedparser), its links are absolute under `base_url`, its ids unique and its
//! dates the records' and git's; the same commit gives the same feed; a revision committed to git
//! shows as the new version with its commit date; a site outside git gets a feed from its records
//! alone; no `base_url`, no feed (and `check` says why); an incremental rebuild equals a clean one.

mod common;

use common::{assert_same_as_clean, build_into, snapshot, write_file as write};
use common::{commit_all, git_at as git};
use std::fs;
use std::path::Path;
use std::process::Command;

const BASE: &str = "https://trust.example.com/portal/";

fn config(base_url: Option<&str>) -> String {
    let mut c = String::from(
        "title: Feed test\norganisation: Example & Co <Ltd>\nframeworks: [iso27001, soc2]\n",
    );
    if let Some(b) = base_url {
        c.push_str(&format!("base_url: {b}\n"));
    }
    c.push_str(
        "certifications:\n  - framework: iso27001\n    body: Northgate Certification\n    certificate: NCL-1\n    issued: 2025-04-02\n  - framework: iso27001\n    body: Northgate Certification\n    certificate: NCL-2\n    issued: 2028-03-20\n  - framework: soc2\n    type: 2\n    auditor: Calder & Voss\n    period_start: 2026-01-01\n    period_end: 2026-12-31\n",
    );
    c
}

fn policy(id: &str, version: &str, approved: &str, class: &str, change: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: {id} policy <\"&\">\nowner: CISO\nversion: \"{version}\"\napproved: {approved}\nreview_every: 12 months\nclassification: {class}\nchange: \"{change}\"\ncontrols: [iso27001:A.5.1]\n---\nText.\n"
    )
}

/// A site with two public policies and one internal one.
fn site(root: &Path, base_url: Option<&str>) {
    write(root, "crosswalk.yaml", &config(base_url));
    write(
        root,
        "content/policies/a.md",
        &policy(
            "POL-A",
            "1.0",
            "2026-02-01",
            "public",
            "First <b>edition</b> & more",
        ),
    );
    write(
        root,
        "content/policies/b.md",
        &policy("POL-B", "2.1", "2026-05-10", "public", "MFA everywhere"),
    );
    write(
        root,
        "content/policies/c.md",
        &policy("POL-C", "7", "2026-06-01", "internal", "Internal only"),
    );
}

/// The feed as feedparser reads it: `bozo`, the feed's id, title and links, and every entry's
/// id, title, link, published and updated dates and summary, one JSON object.
fn parse(feed: &Path) -> serde_json::Value {
    let code = r#"
import feedparser, json, sys
d = feedparser.parse(sys.argv[1])
print(json.dumps({
  "bozo": bool(d.bozo),
  "version": d.version,
  "id": d.feed.get("id"),
  "title": d.feed.get("title"),
  "updated": d.feed.get("updated"),
  "links": [l.get("href") for l in d.feed.get("links", [])],
  "author": d.feed.get("author"),
  "entries": [{
    "id": e.get("id"), "title": e.get("title"), "link": e.get("link"),
    "published": e.get("published"), "updated": e.get("updated"),
    "summary": e.get("summary"),
  } for e in d.entries],
}))
"#;
    let out = common::run_python(code, &[feed.as_os_str()]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn entries(v: &serde_json::Value) -> &Vec<serde_json::Value> {
    v["entries"].as_array().unwrap()
}

#[test]
fn the_feed_parses_with_a_real_parser_and_its_links_are_absolute() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    site(&root, Some(BASE));
    let out = dir.path().join("out");
    build_into(&root, &out, &["--profile", "public"]);
    let v = parse(&out.join("feed.xml"));
    assert_eq!(v["bozo"], false, "{v:#}");
    assert_eq!(v["version"], "atom10", "{v:#}");
    assert_eq!(v["id"], format!("{BASE}feed.xml"));
    assert_eq!(v["title"], "Feed test: updates");
    assert_eq!(v["author"], "Example & Co <Ltd>");
    let es = entries(&v);
    // Two public policies, two ISO certificates (issued, renewed), one SOC 2 period; the
    // internal policy is not on a public build.
    assert_eq!(es.len(), 5, "{v:#}");
    let titles: Vec<&str> = es.iter().map(|e| e["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        [
            "Certificate renewed: ISO/IEC 27001 2022",
            "Policy approved: POL-B policy <\"&\">, version 2.1",
            "Policy approved: POL-A policy <\"&\">, version 1.0",
            "Examination period: SOC 2 — AICPA Trust Services Criteria 2017, Type 2",
            "Certificate issued: ISO/IEC 27001 2022",
        ],
        "newest first, markup in titles kept as text"
    );
    let mut ids = std::collections::HashSet::new();
    for e in es {
        assert!(ids.insert(e["id"].as_str().unwrap()), "duplicate id {e}");
        assert!(e["id"].as_str().unwrap().starts_with(BASE), "{e}");
        assert!(e["link"].as_str().unwrap().starts_with(BASE), "{e}");
    }
    for link in v["links"].as_array().unwrap() {
        assert!(link.as_str().unwrap().starts_with(BASE), "{link}");
    }
    let a = &es[2];
    assert_eq!(a["link"], format!("{BASE}policies/POL-A.html"));
    assert_eq!(a["published"], "2026-02-01T00:00:00Z");
    // Outside git the record's date is the entry's `updated` too.
    assert_eq!(a["updated"], "2026-02-01T00:00:00Z");
    assert_eq!(a["summary"], "First <b>edition</b> & more");
    assert!(
        es[0]["summary"].as_str().unwrap().contains("NCL-2"),
        "{v:#}"
    );
    assert_eq!(v["updated"], "2028-03-20T00:00:00Z");
    // Every page links the feed, relatively; the changes page lists the same entries.
    let home = fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        home.contains("<link rel=\"alternate\" type=\"application/atom+xml\"")
            && home.contains("href=\"feed.xml\""),
        "{home}"
    );
    let page = fs::read_to_string(out.join("policies/POL-A.html")).unwrap();
    assert!(page.contains("href=\"../feed.xml\""));
    let updates = fs::read_to_string(out.join("updates.html")).unwrap();
    assert!(updates.contains("id=\"document-POL-A-1.0\""), "{updates}");
    assert!(updates.contains("First &lt;b&gt;edition&lt;/b&gt; &amp; more"));
    assert!(!updates.contains("POL-C"));
    // The internal build shows the internal policy too.
    let internal = dir.path().join("internal");
    build_into(&root, &internal, &["--profile", "internal"]);
    let v = parse(&internal.join("feed.xml"));
    assert_eq!(entries(&v).len(), 6, "{v:#}");
}

#[test]
fn the_feed_is_the_same_for_the_same_input_whatever_the_build_date() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    site(&root, Some("https://trust.example.com"));
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    build_into(&root, &one, &["--profile", "public"]);
    let o = Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args([
            "build",
            "--profile",
            "public",
            "--today",
            "2027-09-30",
            "--root",
        ])
        .arg(&root)
        .arg("--output")
        .arg(&two)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let a = fs::read(one.join("feed.xml")).unwrap();
    assert_eq!(a, fs::read(two.join("feed.xml")).unwrap());
    // A base_url without its trailing slash is the same address.
    let text = String::from_utf8(a).unwrap();
    assert!(
        text.contains("<id>https://trust.example.com/feed.xml</id>"),
        "{text}"
    );
}

#[test]
fn a_revision_committed_to_git_shows_its_version_and_commit_date() {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().join("repo");
    let root = top.join("site");
    site(&root, Some(BASE));
    fs::create_dir_all(root.join(".crosswalk-cache")).unwrap();
    git(&top, &["init", "-q"], "2026-02-02T10:00:00+01:00");
    commit_all(&top, "first", "2026-02-02T10:00:00+01:00");
    let out = dir.path().join("out");
    build_into(&root, &out, &[]);
    let v = parse(&out.join("feed.xml"));
    let a = |v: &serde_json::Value| {
        entries(v)
            .iter()
            .find(|e| e["link"] == format!("{BASE}policies/POL-A.html"))
            .cloned()
            .unwrap()
    };
    assert_eq!(a(&v)["updated"], "2026-02-02T10:00:00+01:00", "{v:#}");

    // The second commit revises POL-A, and names a hidden file in its message: never shown.
    write(
        &root,
        "content/policies/a.md",
        &policy(
            "POL-A",
            "1.1",
            "2026-07-01",
            "public",
            "Retention cut to 30 days",
        ),
    );
    commit_all(
        &top,
        "Revise POL-A; see SECRET-MESSAGE-MARKER",
        "2026-07-03T08:30:00Z",
    );
    build_into(&root, &out, &[]);
    let v = parse(&out.join("feed.xml"));
    let e = a(&v);
    assert_eq!(
        e["title"],
        "Policy approved: POL-A policy <\"&\">, version 1.1"
    );
    assert_eq!(e["published"], "2026-07-01T00:00:00Z");
    assert_eq!(e["updated"], "2026-07-03T08:30:00Z");
    assert_eq!(e["summary"], "Retention cut to 30 days");
    assert!(e["id"].as_str().unwrap().ends_with("#document-POL-A-1.1"));
    // POL-B did not change: its date is still the first commit's.
    let b = entries(&v)
        .iter()
        .find(|e| e["link"] == format!("{BASE}policies/POL-B.html"))
        .unwrap();
    assert_eq!(
        b["updated"], "2026-05-10T00:00:00Z",
        "approved after the commit: record date"
    );
    let all = snapshot(&out);
    for (path, bytes) in &all {
        assert!(
            !String::from_utf8_lossy(bytes).contains("SECRET-MESSAGE-MARKER"),
            "a commit message in {}",
            path.display()
        );
    }
    assert_same_as_clean(&root, &out, dir.path(), "second commit");

    // A commit that changes no file of the site still moves nothing but the dates git gives;
    // the incremental build notices the new revision.
    write(&top, "README", "x\n");
    build_into(&root, &out, &[]);
    git(&top, &["add", "-A"], "2026-08-01T00:00:00Z");
    git(
        &top,
        &["commit", "-q", "--allow-empty", "-m", "touch"],
        "2026-08-01T00:00:00Z",
    );
    build_into(&root, &out, &[]);
    assert_same_as_clean(&root, &out, dir.path(), "empty commit");
}

#[test]
fn a_commit_of_an_unchanged_file_reaches_an_incremental_build() {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().join("repo");
    let root = top.join("site");
    site(&root, Some(BASE));
    fs::create_dir_all(root.join(".crosswalk-cache")).unwrap();
    git(&top, &["init", "-q"], "2026-02-02T10:00:00Z");
    commit_all(&top, "first", "2026-02-02T10:00:00Z");
    let out = dir.path().join("out");
    build_into(&root, &out, &[]);
    // Edit, build, then commit the edit: no file changes after the build, only git's date.
    write(
        &root,
        "content/policies/b.md",
        &policy("POL-B", "2.2", "2026-05-10", "public", "MFA with keys"),
    );
    build_into(&root, &out, &[]);
    commit_all(&top, "b", "2026-09-09T09:09:09Z");
    build_into(&root, &out, &[]);
    let feed = fs::read_to_string(out.join("feed.xml")).unwrap();
    assert!(feed.contains("2026-09-09T09:09:09Z"), "{feed}");
    assert_same_as_clean(&root, &out, dir.path(), "commit after build");
}

#[test]
fn a_site_outside_git_gets_its_dates_from_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    site(&root, Some(BASE));
    let out = dir.path().join("out");
    build_into(&root, &out, &["--profile", "internal"]);
    let v = parse(&out.join("feed.xml"));
    assert_eq!(v["bozo"], false);
    for e in entries(&v) {
        assert!(
            e["updated"].as_str().unwrap().ends_with("T00:00:00Z"),
            "{e}"
        );
    }
}

#[test]
fn a_machine_without_git_gets_its_dates_from_the_records() {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().join("repo");
    let root = top.join("site");
    site(&root, Some(BASE));
    git(&top, &["init", "-q"], "2026-09-01T00:00:00Z");
    commit_all(&top, "first", "2026-09-01T00:00:00Z");
    let out = dir.path().join("out");
    // No `git` on the PATH: the build works, with the records' dates.
    let empty = dir.path().join("no-bin");
    fs::create_dir_all(&empty).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args(["build", "--today", common::TODAY, "--root"])
        .arg(&root)
        .arg("--output")
        .arg(&out)
        .env("PATH", &empty)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let feed = fs::read_to_string(out.join("feed.xml")).unwrap();
    assert!(!feed.contains("2026-09-01T00:00:00Z"), "{feed}");
    assert!(
        feed.contains("<updated>2026-02-01T00:00:00Z</updated>"),
        "{feed}"
    );
    // With git, the commit date.
    let with_git = dir.path().join("with-git");
    build_into(&root, &with_git, &[]);
    let feed = fs::read_to_string(with_git.join("feed.xml")).unwrap();
    assert!(feed.contains("2026-09-01T00:00:00Z"), "{feed}");
}

#[test]
fn without_base_url_there_is_no_feed_and_check_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    site(&root, None);
    let out = dir.path().join("out");
    build_into(&root, &out, &["--profile", "public"]);
    assert!(!out.join("feed.xml").exists());
    let updates = fs::read_to_string(out.join("updates.html")).unwrap();
    assert!(
        updates.contains("href=\"policies/POL-A.html\""),
        "{updates}"
    );
    assert!(!updates.contains("feed.xml"));
    let home = fs::read_to_string(out.join("index.html")).unwrap();
    assert!(!home.contains("application/atom+xml"));
    let check = |root: &Path| {
        Command::new(env!("CARGO_BIN_EXE_crosswalk"))
            .args(["check", "--today", common::TODAY, "--root"])
            .arg(root)
            .output()
            .unwrap()
    };
    let o = check(&root);
    let text = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert!(
        text.contains("crosswalk.yaml") && text.contains("no `base_url`"),
        "{text}"
    );
    // Nothing public, nothing a public feed would carry: no warning.
    for p in ["a", "b"] {
        let f = root.join(format!("content/policies/{p}.md"));
        let t = fs::read_to_string(&f)
            .unwrap()
            .replace("public", "internal");
        fs::write(&f, t).unwrap();
    }
    let o = check(&root);
    let text = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert!(
        !text.contains("feed-base-url") && !text.contains("base_url"),
        "{text}"
    );
}

#[test]
fn a_base_url_that_is_not_https_is_an_error_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    site(&root, Some("http://trust.example.com/"));
    let o = Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args(["check", "--root"])
        .arg(&root)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("crosswalk.yaml:4:1"), "{text}");
    assert!(text.contains("not an https:// address"), "{text}");
}

#[test]
fn an_edit_rebuilds_the_feed_as_a_clean_build_would() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    site(&root, Some(BASE));
    fs::create_dir_all(root.join(".crosswalk-cache")).unwrap();
    let out = dir.path().join("out");
    build_into(&root, &out, &[]);
    // A new change note (front matter) and a new version.
    write(
        &root,
        "content/policies/a.md",
        &policy("POL-A", "1.1", "2026-08-01", "public", "Now with & more"),
    );
    build_into(&root, &out, &[]);
    let feed = fs::read_to_string(out.join("feed.xml")).unwrap();
    assert!(
        feed.contains("Now with &amp; more") && feed.contains("version 1.1"),
        "{feed}"
    );
    assert_same_as_clean(&root, &out, dir.path(), "change note");
    // A body edit alone (spliced) leaves the feed as it is, and equal to a clean build.
    let text = fs::read_to_string(root.join("content/policies/a.md")).unwrap();
    write(
        &root,
        "content/policies/a.md",
        &text.replace("Text.", "New text."),
    );
    build_into(&root, &out, &[]);
    assert_same_as_clean(&root, &out, dir.path(), "body edit");
    // Removing the base_url removes the feed and its links.
    write(&root, "crosswalk.yaml", &config(None));
    build_into(&root, &out, &[]);
    assert!(!out.join("feed.xml").exists());
    assert_same_as_clean(&root, &out, dir.path(), "no base_url");
    // A certificate added to the configuration.
    write(
        &root,
        "crosswalk.yaml",
        &(config(Some(BASE))
            + "  - framework: soc2\n    period_start: 2027-01-01\n    period_end: 2027-12-31\n"),
    );
    build_into(&root, &out, &[]);
    let feed = fs::read_to_string(out.join("feed.xml")).unwrap();
    assert!(feed.contains("attestation-soc2-2027-01-01"), "{feed}");
    assert_same_as_clean(&root, &out, dir.path(), "certification added");
}

/// Subprocessors added and removed reach the feed from the supplier register's public blocks
/// (name, purpose, location, data, dates, notice), dated by the change; the register's other
/// fields and suppliers without a public block never do.
#[test]
fn subprocessors_added_and_removed_are_entries_with_their_notice() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    site(&root, Some(BASE));
    write(
        &root,
        "content/records/suppliers.yaml",
        "classification: internal\nsuppliers:\n  - id: SUP-IBIS\n    name: Ibis Hosting\n    service: PRIVATE1 hosting\n    criticality: high\n    data: [customer data]\n    assessed: 2026-01-05\n    reassess_every: 12 months\n    subprocessor:\n      purpose: Hosting of the service\n      location: Ireland\n      data: [customer data]\n      since: 2024-01-15\n  - id: SUP-HERON\n    name: Heron Chat\n    service: PRIVATE2 chat\n    criticality: low\n    data: [internal]\n    assessed: 2026-01-05\n    reassess_every: 24 months\n    subprocessor:\n      purpose: Support chat\n      location: United States\n      since: 2025-03-01\n      removed: 2026-09-30\n      notice: 2026-08-30\n  - id: SUP-PRIVATE3\n    name: PRIVATE4 Tools\n    service: internal tooling\n    criticality: low\n    data: [internal]\n    assessed: 2026-01-05\n    reassess_every: 24 months\n",
    );
    let out = dir.path().join("out");
    build_into(&root, &out, &["--profile", "public"]);
    let v = parse(&out.join("feed.xml"));
    assert_eq!(v["bozo"], false, "{v:#}");
    let es = entries(&v);
    let find = |title: &str| {
        es.iter()
            .find(|e| e["title"] == title)
            .unwrap_or_else(|| panic!("no entry {title:?} in {v:#}"))
    };
    let removed = find("Subprocessor removed: Heron Chat");
    assert!(
        removed["published"]
            .as_str()
            .unwrap()
            .starts_with("2026-09-30")
    );
    assert_eq!(removed["summary"], "notice given 2026-08-30");
    assert_eq!(removed["link"], format!("{BASE}subprocessors.html"));
    let added = find("Subprocessor added: Heron Chat");
    assert!(
        added["published"]
            .as_str()
            .unwrap()
            .starts_with("2025-03-01")
    );
    let ibis = find("Subprocessor added: Ibis Hosting");
    assert_eq!(
        ibis["summary"],
        "purpose: Hosting of the service; location: Ireland; data: customer data"
    );
    let feed = std::fs::read_to_string(out.join("feed.xml")).unwrap();
    let page = std::fs::read_to_string(out.join("updates.html")).unwrap();
    for private in [
        "PRIVATE1",
        "PRIVATE2",
        "PRIVATE3",
        "PRIVATE4",
        "SUP-IBIS",
        "2026-01-05",
    ] {
        assert!(!feed.contains(private), "{private} in the feed");
        assert!(!page.contains(private), "{private} on the updates page");
    }
}
