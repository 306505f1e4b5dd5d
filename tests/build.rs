//! A. The content model and a build of a whole tiny site.

mod common;

use common::{ARTIFACT, Site, TODAY, sha256_hex};

#[test]
fn a_valid_tiny_site_builds_every_kind_of_page() {
    let site = Site::minimal();
    site.build(&[]).assert_ok().assert_stderr_has("built ");
    for page in [
        "index.html",
        "frameworks/index.html",
        "frameworks/iso27001.html",
        "frameworks/soc2.html",
        "controls/iso27001/A.5.15.html",
        "controls/soc2/CC6.1.html",
        "documents/index.html",
        "policies/POL-ACCESS.html",
        "evidence/index.html",
        "evidence/records/access-review.html",
        "overlap/index.html",
        "static/style.css",
    ] {
        assert!(site.out().join(page).is_file(), "{page} was not written");
    }
    assert!(
        site.out().join(".crosswalk-output").is_file(),
        "no output marker"
    );
}

#[test]
fn policy_page_shows_its_metadata_and_rendered_body() {
    let site = Site::minimal();
    site.build(&[]).assert_ok();
    let html = site.page("policies/POL-ACCESS.html");
    assert!(html.contains("Access Control Policy"), "{html}");
    assert!(
        html.contains("<p>Access is granted on least privilege.</p>"),
        "body not rendered: {html}"
    );
    assert!(html.contains("Head of IT"), "owner missing");
    // approved 2026-06-01 + 12 months
    assert!(html.contains("2027-06-01"), "next review date missing");
    assert!(
        html.contains("controls/iso27001/A.5.15.html"),
        "no link to the control it names"
    );
}

#[test]
fn evidence_file_is_copied_byte_for_byte() {
    let site = Site::minimal();
    site.build(&[])
        .assert_ok()
        .assert_stderr_has("published 1 evidence files");
    let copied = site
        .out()
        .join("evidence/files/EV-ACCESS-REVIEW-access-review.csv");
    let bytes = std::fs::read(&copied).unwrap_or_else(|e| panic!("{}: {e}", copied.display()));
    assert_eq!(
        bytes, ARTIFACT,
        "copied evidence file differs from the original"
    );
}

/// `evidence_files: link` (the default) publishes the site's file itself, hard-linked, when the
/// output is on the same file system; `copy` publishes a file of its own.
#[cfg(unix)]
#[test]
fn evidence_files_are_linked_by_default_and_copied_on_request() {
    use std::os::unix::fs::MetadataExt;
    let site = Site::minimal();
    let source = site.path("content/evidence/files/access-review.csv");
    let published = site
        .out()
        .join("evidence/files/EV-ACCESS-REVIEW-access-review.csv");
    let inode = |p: &std::path::Path| std::fs::metadata(p).unwrap().ino();
    site.build(&[]).assert_ok();
    assert_eq!(inode(&published), inode(&source), "linked by default");

    site.write(
        "crosswalk.yaml",
        format!("{}evidence_files: copy\n", common::CONFIG),
    );
    site.build(&[]).assert_ok();
    assert_ne!(
        inode(&published),
        inode(&source),
        "`copy` makes a file of its own"
    );
    assert_eq!(std::fs::read(&published).unwrap(), ARTIFACT);
}

#[test]
fn evidence_page_shows_the_files_sha256_and_size() {
    let site = Site::minimal();
    site.build(&[]).assert_ok();
    let html = site.page("evidence/records/access-review.html");
    assert!(html.contains("<section class=\"record\" id=\"EV-ACCESS-REVIEW\">"));
    let expected = sha256_hex(ARTIFACT);
    assert!(
        html.contains(&expected),
        "SHA-256 {expected} not on the evidence page:\n{html}"
    );
    assert!(
        html.contains(&format!("{} bytes", ARTIFACT.len())),
        "size not shown"
    );
    assert!(
        html.contains(
            "href=\"../../evidence/files/EV-ACCESS-REVIEW-access-review.csv\" download=\"access-review.csv\""
        ),
        "no link to the copied file, saved under its own name:\n{html}"
    );
}

#[test]
fn evidence_list_links_every_record() {
    let site = Site::minimal();
    site.build(&[]).assert_ok();
    let html = site.page("evidence/index.html");
    assert!(
        html.contains("href=\"../evidence/records/access-review.html#EV-ACCESS-REVIEW\""),
        "{html}"
    );
    assert!(html.contains("Quarterly access review"), "{html}");
}

#[test]
fn a_control_named_by_a_policy_is_covered_and_lists_it() {
    let site = Site::minimal();
    site.build(&[]).assert_ok();
    let html = site.page("controls/iso27001/A.5.15.html");
    assert!(
        html.contains("<span class=\"status covered\">covered</span>"),
        "{html}"
    );
    assert!(
        html.contains("policies/POL-ACCESS.html"),
        "policy not listed on its control"
    );
    let ev = site.page("controls/iso27001/A.5.18.html");
    assert!(ev.contains("<span class=\"status covered\">covered</span>"));
    assert!(
        ev.contains("evidence/records/access-review.html#EV-ACCESS-REVIEW"),
        "evidence not listed on its control"
    );
}

#[test]
fn init_then_build_works() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_str().unwrap();
    // $CROSSWALK_TODAY too, so this test does not depend on whether init honours --today
    // (init_dates_the_new_site_by_the_today_flag checks that).
    common::run_with_env(
        tmp.path(),
        &["init", "newsite", "--root", root, "--today", TODAY],
        &[("CROSSWALK_TODAY", TODAY)],
    )
    .assert_ok();
    assert!(tmp.path().join("newsite/crosswalk.yaml").is_file());
    let site_root = tmp.path().join("newsite");
    let site_root = site_root.to_str().unwrap();
    common::run_in(
        tmp.path(),
        &["build", "--root", site_root, "--today", TODAY],
    )
    .assert_ok();
    assert!(tmp.path().join("newsite/public/index.html").is_file());
    common::run_in(
        tmp.path(),
        &["check", "--root", site_root, "--today", TODAY],
    )
    .assert_ok()
    // A fresh site has no ISMS records yet, nor the `base_url` its public policy's feed needs:
    // check says so in warnings, never errors.
    .assert_stderr_has("0 errors, 5 warnings")
    .assert_stdout_has("no Statement of Applicability")
    .assert_stdout_has("no `base_url`");
}

#[test]
fn init_refuses_a_non_empty_folder() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("taken")).unwrap();
    std::fs::write(tmp.path().join("taken/notes.txt"), "mine").unwrap();
    let root = tmp.path().to_str().unwrap();
    common::run_in(
        tmp.path(),
        &["init", "taken", "--root", root, "--today", TODAY],
    )
    .assert_failed()
    .assert_stderr_has("not empty");
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("taken/notes.txt")).unwrap(),
        "mine"
    );
    assert!(!tmp.path().join("taken/crosswalk.yaml").exists());
}

/// `init` takes `--today` like every command; the new site must be dated by it, not by the clock
/// or `$CROSSWALK_TODAY`, or `build --today` of the fresh site would judge it against another date.
#[test]
fn init_dates_the_new_site_by_the_today_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_str().unwrap();
    common::run_with_env(
        tmp.path(),
        &["init", "dated", "--root", root, "--today", TODAY],
        &[("CROSSWALK_TODAY", "2025-01-15")],
    )
    .assert_ok();
    let policy =
        std::fs::read_to_string(tmp.path().join("dated/content/policies/access-control.md"))
            .unwrap();
    assert!(
        policy.contains(&format!("approved: {TODAY}")),
        "init ignored --today {TODAY}:\n{policy}"
    );
}

#[test]
fn check_on_a_clean_site_exits_zero() {
    let site = Site::minimal();
    let r = site.check(&[]);
    r.assert_ok().assert_stderr_has("0 errors, 0 warnings");
    assert!(
        r.stdout.trim().is_empty(),
        "clean check printed: {}",
        r.stdout
    );
    assert!(!site.out().exists(), "check wrote output");
}

#[test]
fn a_procedure_in_a_subfolder_gets_its_own_page() {
    let site = Site::minimal();
    site.write(
        "content/procedures/it/joiner-mover-leaver.md",
        common::policy(
            "PROC-JML",
            "Joiner mover leaver",
            "internal",
            &["iso27001:A.5.16"],
        ),
    );
    site.build(&[]).assert_ok();
    assert!(site.out().join("procedures/PROC-JML.html").is_file());
    assert!(
        site.page("documents/index.html")
            .contains("Joiner mover leaver")
    );
}

/// A file name with a space, `#` and `%` must still be linked correctly: the href has to be
/// percent-encoded, or the browser reads `#...` as a fragment and `%` as an escape.
#[test]
fn evidence_file_with_url_special_characters_is_linked_correctly() {
    let site = Site::bare();
    let name = "q3 review #1 (50%).csv";
    site.write(&format!("content/evidence/files/{name}"), ARTIFACT);
    site.write(
        "content/evidence/review.yaml",
        common::evidence(
            "EV-REVIEW",
            "Review",
            "internal",
            &["iso27001:A.5.18"],
            &format!("\"content/evidence/files/{name}\""),
        ),
    );
    site.build(&[]).assert_ok();
    let copied = format!("evidence/files/EV-REVIEW-{name}");
    assert_eq!(std::fs::read(site.out().join(&copied)).unwrap(), ARTIFACT);
    let html = site.page("evidence/records/review.html");
    // Saved under the file's own name, not the published one.
    assert!(
        html.contains("download=\"q3 review #1 (50%).csv\""),
        "{html}"
    );
    let hrefs: Vec<&str> = html
        .split("href=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .filter(|h| h.contains("files/EV-REVIEW-"))
        .collect();
    assert!(!hrefs.is_empty(), "no link to the evidence file");
    for href in hrefs {
        let href = href.replace("&amp;", "&");
        let target =
            common::resolve_link(std::path::Path::new("evidence/records/review.html"), &href);
        assert_eq!(
            target.as_deref(),
            Some(std::path::Path::new(&copied)),
            "href {href:?} does not lead to the copied file"
        );
    }
}

/// A record in a list, written as `common::evidence` writes one, indented under `- `.
fn list_record(id: &str, title: &str, file: &str) -> String {
    let one = common::evidence(id, title, "internal", &["iso27001:A.5.18"], file);
    let mut out = String::new();
    for (i, line) in one.lines().enumerate() {
        out.push_str(if i == 0 { "- " } else { "  " });
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The `id`s of the record sections on a page, in page order.
fn section_ids(html: &str) -> Vec<&str> {
    html.split("<section class=\"record\" id=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect()
}

#[test]
fn the_records_of_one_evidence_file_share_one_page_in_file_order() {
    let site = Site::minimal();
    site.write("content/evidence/files/c.csv", "c\n");
    site.write(
        "content/evidence/quarterly-reviews.yaml",
        format!(
            "{}{}{}",
            list_record("EV-C", "Third by id", "content/evidence/files/c.csv"),
            list_record(
                "EV-A",
                "First by id",
                "content/evidence/files/access-review.csv"
            ),
            "- id: EV-B\n  title: Second by id\n  owner: CISO\n  collected: 2026-10-01\n  valid_for: 1 year\n  classification: internal\n  url: https://example.com/b\n",
        ),
    );
    site.build(&[])
        .assert_ok()
        .assert_stderr_has("published 3 evidence files");
    let html = site.page("evidence/records/quarterly-reviews.html");
    assert_eq!(section_ids(&html), ["EV-C", "EV-A", "EV-B"], "file order");
    assert!(html.contains("<title>Quarterly reviews · "), "{html}");
    for id in ["EV-C", "EV-A", "EV-B"] {
        assert!(
            html.contains(&format!("<a href=\"#{id}\">")),
            "no list entry for {id}"
        );
    }
    assert!(html.contains("href=\"https://example.com/b\""), "{html}");
    // A file with one record: the record's title, no list of records.
    let one = site.page("evidence/records/access-review.html");
    assert!(one.contains("<title>Quarterly access review · "), "{one}");
    assert!(!one.contains("<nav class=\"records\""), "{one}");
    // One page per file, not per record; artifacts in one flat folder.
    let mut written: Vec<String> = common::files_under(&site.out().join("evidence"))
        .into_iter()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect();
    written.sort();
    assert_eq!(
        written,
        [
            "files/EV-A-access-review.csv",
            "files/EV-ACCESS-REVIEW-access-review.csv",
            "files/EV-C-c.csv",
            "index.html",
            "records/access-review.html",
            "records/quarterly-reviews.html",
        ]
    );
    let index = site.page("evidence/index.html");
    for id in ["EV-A", "EV-B", "EV-C"] {
        assert!(
            index.contains(&format!(
                "href=\"../evidence/records/quarterly-reviews.html#{id}\""
            )),
            "library does not link {id} to its section"
        );
    }
}

#[test]
fn an_evidence_file_name_with_url_special_characters_is_linked_correctly() {
    let site = Site::minimal();
    site.write(
        "content/evidence/q3 reviews #2 (50%).yaml",
        common::evidence(
            "EV-Q3",
            "Q3",
            "internal",
            &["iso27001:A.5.18"],
            "content/evidence/files/access-review.csv",
        ),
    );
    site.build(&[]).assert_ok();
    let page = "evidence/records/q3 reviews #2 (50%).html";
    assert!(section_ids(&site.page(page)) == ["EV-Q3"]);
    let index = site.page("evidence/index.html");
    let href = index
        .split("href=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .find(|h| h.ends_with("#EV-Q3"))
        .expect("the library links the record");
    assert_eq!(
        common::resolve_link(std::path::Path::new("evidence/index.html"), href).as_deref(),
        Some(std::path::Path::new(page)),
        "href {href:?} does not lead to the page"
    );
}
