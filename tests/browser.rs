//! The demo portal in a real browser (Debian's chromium, which .ci/run installs): pages opened
//! from disk load their stylesheet and script under the Content-Security-Policy, and the script
//! runs. Screenshots for people live in docs/screenshots/.

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
