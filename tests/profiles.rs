//! F. Build profiles: confidential content never reaches a build below its level, not as a page,
//! an id, a title, a count or a copied file.

mod common;

use common::{Site, policy, snapshot};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Appears in the confidential policy's id, title, summary and body, and in the confidential
/// evidence record's id, title, description, file name and file contents.
const MARKER: &str = "QUOKKA7731";

fn site() -> Site {
    let site = Site::minimal();
    site.write(
        "content/policies/merger.md",
        policy(
            &format!("POL-{MARKER}"),
            &format!("Merger plan {MARKER}"),
            "confidential",
            &["iso27001:A.5.31", "soc2:A1.1"],
        )
        .replace(
            "controls:\n",
            &format!("summary: Summary {MARKER}\ncontrols:\n"),
        )
        .replace("least privilege", &format!("least privilege {MARKER}")),
    );
    site.write(
        "content/evidence/pentest.yaml",
        format!(
            "id: EV-{MARKER}\ntitle: Pentest {MARKER}\nowner: Security\ncollected: 2026-10-01\nvalid_for: 1 year\nclassification: confidential\ndescription: Findings {MARKER}\ncontrols: [iso27001:A.8.8]\nfile: content/evidence/files/pentest-{MARKER}.txt\n"
        ),
    );
    site.write(
        &format!("content/evidence/files/pentest-{MARKER}.txt"),
        format!("finding {MARKER}\n"),
    );
    site
}

/// Every output file whose name or bytes contain `needle` (as written or in lower case).
fn mentions(files: &BTreeMap<PathBuf, Vec<u8>>, needle: &str) -> Vec<String> {
    let needles = [needle.to_string(), needle.to_lowercase()];
    files
        .iter()
        .filter(|(path, bytes)| {
            let name = path.to_string_lossy();
            needles.iter().any(|n| {
                name.contains(n.as_str()) || bytes.windows(n.len()).any(|w| w == n.as_bytes())
            })
        })
        .map(|(p, _)| p.display().to_string())
        .collect()
}

#[track_caller]
fn assert_hidden(out: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let files = snapshot(out);
    let found = mentions(&files, MARKER);
    assert!(
        found.is_empty(),
        "confidential content leaked into {}: {found:?}",
        out.display()
    );
    // The build is not simply empty: the internal/public material is still there.
    assert!(out.join("index.html").is_file());
    files
}

#[test]
fn default_build_hides_confidential_content() {
    let site = site();
    site.build(&[]).assert_ok();
    assert_hidden(&site.out());
    // The default profile is internal: the internal policy and evidence are published.
    assert!(site.out().join("policies/POL-ACCESS.html").is_file());
    assert!(
        site.out()
            .join("evidence/files/EV-ACCESS-REVIEW-access-review.csv")
            .is_file()
    );
    // Not even the number of records gives the hidden one away.
    assert!(
        site.page("index.html")
            .contains("<span class=\"n\">1</span> evidence records")
    );
    assert!(
        site.page("index.html")
            .contains("<span class=\"n\">1</span> documents")
    );
}

#[test]
fn public_build_hides_confidential_and_internal_content() {
    let site = site();
    site.build(&["--profile", "public"]).assert_ok();
    let files = assert_hidden(&site.out());
    assert_eq!(
        mentions(&files, "POL-ACCESS"),
        Vec::<String>::new(),
        "internal policy in a public build"
    );
    assert_eq!(
        mentions(&files, "EV-ACCESS-REVIEW"),
        Vec::<String>::new(),
        "internal evidence in a public build"
    );
}

#[test]
fn confidential_build_shows_confidential_content() {
    let site = site();
    site.build(&["--profile", "confidential"]).assert_ok();
    let out = site.out();
    // The scan the other tests rely on does find the marker when it is there.
    let found = mentions(&snapshot(&out), MARKER);
    assert!(
        found
            .iter()
            .any(|p| p.ends_with(&format!("pentest-{MARKER}.txt"))),
        "{found:?}"
    );
    let page = std::fs::read_to_string(out.join(format!("policies/POL-{MARKER}.html")))
        .expect("confidential policy page");
    assert!(page.contains(&format!("Merger plan {MARKER}")));
    let ev = std::fs::read_to_string(out.join("evidence/records/pentest.html"))
        .expect("confidential evidence page");
    assert!(ev.contains(&format!("Pentest {MARKER}")));
    let copied =
        std::fs::read(out.join(format!("evidence/files/EV-{MARKER}-pentest-{MARKER}.txt")))
            .expect("copied file");
    assert_eq!(copied, format!("finding {MARKER}\n").into_bytes());
    // It also counts: A.5.31 is covered only by the confidential policy.
    let ctl = std::fs::read_to_string(out.join("controls/iso27001/A.5.31.html")).unwrap();
    assert!(ctl.contains("<span class=\"status covered\">covered</span>"));
}

#[test]
fn hidden_content_does_not_count_towards_coverage() {
    let site = site();
    site.build(&[]).assert_ok();
    // A.5.31 is named only by the confidential policy: in an internal build it is a gap.
    let ctl = site.page("controls/iso27001/A.5.31.html");
    assert!(
        ctl.contains("<span class=\"status gap\">gap</span>"),
        "hidden policy still covers A.5.31"
    );
    // soc2:A1.1 (equal to A.8.6) too: nothing is inherited from it.
    assert!(
        site.page("controls/iso27001/A.8.6.html")
            .contains("<span class=\"status gap\">gap</span>")
    );
}
