//! The demo portal in a real browser (Debian's chromium, which .ci/run installs): pages opened
//! from disk load their stylesheet and script under the Content-Security-Policy, and the script
//! runs. Screenshots for people live in docs/screenshots/.

mod common;

use std::path::Path;
use std::process::Command;

fn chromium_dom(url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--virtual-time-budget=3000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .output()
        .expect("chromium is installed (.ci/run installs Debian's chromium package)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn portal_pages_run_their_script_from_disk_under_the_csp() {
    let out = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args([
            "build",
            "--today",
            "2026-11-23",
            "--quiet",
            "--root",
            env!("CARGO_MANIFEST_DIR"),
            "--output",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for page in [
        "index.html",
        "evidence/index.html",
        "evidence/records/access-reviews.html",
        "controls/soc2/CC6.1.html",
    ] {
        let url = format!("file://{}", Path::new(out.path()).join(page).display());
        let dom = chromium_dom(&url);
        assert!(
            dom.contains("<html lang=\"en\" class=\"js\">"),
            "portal.js did not run on {page}:\n{}",
            &dom[..dom.len().min(400)]
        );
        assert!(
            dom.contains("Larkspur Analytics Trust Portal"),
            "{page} did not render"
        );
    }
}

/// The home page links to "all expired records" as `evidence/index.html?fresh=stale`: opened
/// from disk, the query presets the filter, so only those rows are shown. The same for the
/// documents index.
#[test]
fn a_query_presets_the_list_filters_from_disk() {
    let out = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args(["build", "--today", "2026-11-23", "--quiet", "--root"])
        .arg(env!("CARGO_MANIFEST_DIR"))
        .arg("--output")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (page, row_start) in [
        ("evidence/index.html", "<tr data-frameworks="),
        ("documents/index.html", "<tr data-fresh="),
    ] {
        let html = std::fs::read_to_string(out.path().join(page)).unwrap();
        let total = html.matches(row_start).count();
        let stale = html.matches("data-fresh=\"stale\"").count();
        assert!(
            stale > 0 && stale < total,
            "{page}: {stale} of {total} rows stale"
        );

        let file = Path::new(out.path()).join(page);
        let unfiltered = chromium_dom(&format!("file://{}", file.display()));
        assert!(
            !unfiltered.contains("hidden=\"\""),
            "{page} hides rows unasked"
        );
        let dom = chromium_dom(&format!("file://{}?fresh=stale", file.display()));
        let rows: Vec<&str> = dom.split("<tr ").skip(1).collect();
        let shown: Vec<&&str> = rows
            .iter()
            .filter(|r| r.contains("data-fresh=") && !r.contains("hidden"))
            .collect();
        assert_eq!(shown.len(), stale, "{page}: rows shown with ?fresh=stale");
        assert!(shown.iter().all(|r| r.contains("data-fresh=\"stale\"")));
        assert!(
            dom.contains(&format!("showing {stale} of {total}")),
            "{page}: no count of the rows shown"
        );
    }
}

/// The rows a dumped DOM shows in its table body (not hidden), as record ids.
fn shown_ids(dom: &str) -> Vec<String> {
    dom.split("<tr ")
        .skip(1)
        .map(|r| r.split("</tr>").next().unwrap_or(r))
        .filter(|r| r.contains("data-fresh=") && !r.contains("hidden"))
        .filter_map(|r| r.split("<span class=\"muted\">").nth(1))
        .map(|s| s[..5].to_string())
        .collect()
}

/// A long library in pages: opened from disk, its filters load every page's rows script and
/// search all records, from any page; a long result comes a page at a time.
#[test]
fn the_filters_of_a_paged_library_search_every_page_from_disk() {
    let site = common::Site::bare();
    let config = std::fs::read_to_string(site.path("crosswalk.yaml")).unwrap();
    site.write("crosswalk.yaml", format!("{config}evidence_page_size: 3\n"));
    // EV-02, EV-05 and EV-08 expired (collected 2025); the rest are fresh.
    for i in 1..=8 {
        let collected = if i % 3 == 2 {
            "2025-06-01"
        } else {
            "2026-10-01"
        };
        site.write(
            &format!("content/evidence/ev-{i:02}.yaml"),
            format!(
                "id: EV-{i:02}\ntitle: Record number {i:02}\nowner: CISO\ncollected: {collected}\nvalid_for: 3 months\nclassification: internal\ncontrols: [iso27001:A.5.18]\nurl: https://example.com/{i}\n"
            ),
        );
    }
    site.build(&["--quiet"]).assert_ok();
    let url = |page: &str| format!("file://{}/evidence/{page}", site.out().display());

    let plain = chromium_dom(&url("page-2.html"));
    assert_eq!(shown_ids(&plain), ["EV-04", "EV-05", "EV-06"]);
    assert!(plain.contains("<nav class=\"pager\" aria-label=\"Library pages\">"));

    let stale = chromium_dom(&url("page-2.html?fresh=stale"));
    assert_eq!(shown_ids(&stale), ["EV-02", "EV-05", "EV-08"]);
    assert!(stale.contains("showing 3 of 8"), "no count of the matches");
    assert!(
        stale.contains("aria-label=\"Library pages\" hidden"),
        "the pager shows"
    );

    let found = chromium_dom(&url("index.html?q=record%20number%2008"));
    assert_eq!(shown_ids(&found), ["EV-08"]);

    let fresh = chromium_dom(&url("index.html?fresh=fresh"));
    assert_eq!(shown_ids(&fresh), ["EV-01", "EV-03", "EV-04"]);
    assert!(
        fresh.contains("5 of 8 match: showing 1-3"),
        "no count of a long result"
    );
    assert!(fresh.contains("<p class=\"pager-results\" data-result-pager=\"\">"));
}
