//! `crosswalk import comply` and `crosswalk import markdown` on the fixtures in tests/data/comply
//! and tests/data/markdown-policies (written for these tests): the new site checks without errors
//! and builds, its documents have the right ids, titles and controls, the source's problems are
//! reported with their files, and an import never writes into a folder with files in it, nor
//! leaves half a site when it is killed.

mod common;

use common::{TODAY, run_in};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `crosswalk import <kind> <src> --into <into> --today TODAY`, run in the repository root so
/// the fixtures' paths in messages are `tests/data/...`.
fn import(kind: &str, src: &str, into: &Path) -> common::Run {
    run_in(
        repo(),
        &[
            "import",
            kind,
            src,
            "--into",
            into.to_str().unwrap(),
            "--today",
            TODAY,
        ],
    )
}

fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The names in a folder, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The control references in a document's front matter, in order.
fn controls(doc: &str) -> Vec<String> {
    let front = doc.split("\n---\n").next().unwrap();
    let Some((_, list)) = front.split_once("\ncontrols:\n") else {
        return Vec::new();
    };
    list.lines()
        .take_while(|l| l.starts_with("  - "))
        .map(|l| l.trim_start_matches("  - ").to_string())
        .collect()
}

/// `check` on the new site: no errors (exit 0 without --strict), as JSON; returns the warnings.
fn check_has_no_errors(site: &Path) -> Vec<serde_json::Value> {
    let run = run_in(
        repo(),
        &[
            "check",
            "--root",
            site.to_str().unwrap(),
            "--today",
            TODAY,
            "--format",
            "json",
        ],
    );
    run.assert_ok();
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("check prints JSON");
    assert_eq!(v["errors"], 0, "{}", run.stdout);
    v["diagnostics"].as_array().unwrap().clone()
}

fn build(site: &Path) {
    run_in(
        repo(),
        &["build", "--root", site.to_str().unwrap(), "--today", TODAY],
    )
    .assert_ok();
}

#[test]
fn a_comply_project_becomes_a_site_that_checks_and_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let run = import("comply", "tests/data/comply", &site);
    run.assert_ok()
        .assert_stdout_has("imported 5 documents from comply project `tests/data/comply`")
        .assert_stdout_has("content/policies/access.md: owner, classification, 1 warning")
        .assert_stdout_has("crosswalk check: 0 errors, 1 warning;")
        // Each TSC id that names no criterion, with its file, line and column.
        .assert_stderr_has("tests/data/comply/policies/access.md:8:7: warning: TSC `CC9.9` is not a SOC 2 criterion")
        .assert_stderr_has("did you mean CC9.1 or CC9.2? (TSC in standards/TSC-2017.yml lists it")
        .assert_stderr_has("tests/data/comply/policies/encryption.md:6:7: warning: TSC `CC6.1.4` is not a SOC 2 criterion")
        .assert_stderr_has("a point of focus of CC6.1?")
        .assert_stderr_has("tests/data/comply/policies/encryption.md:7:3: warning: standard `ISO27001`")
        .assert_stderr_has("crosswalk has `iso27001`")
        .assert_stderr_has("encryption.md:10:11: warning: revision date `sometime in spring`");
    assert_eq!(names(tmp.path()), ["site"], "left beside the new site");

    // What was written: ids from acronyms and procedure ids, controls from TSC ids that exist
    // (`cc 6.2` is CC6.2), history kept, and a marked stand-in for each value comply lacks.
    let access = read(site.join("content/policies/access.md"));
    assert_eq!(
        controls(&access),
        ["soc2:CC6.1", "soc2:CC6.2", "soc2:CC6.3"]
    );
    for line in [
        "id: \"ACP\"\n",
        "title: \"Access Control Policy\"\n",
        "owner: \"TODO\"  # TODO(import)",
        "version: \"2\"  # the number of comply majorRevisions\n",
        "approved: 2023-03-03  # the latest comply major revision\n",
        "next_review: 2026-11-23  # TODO(import)",
        "classification: internal  # TODO(import)",
        "#   Mar 3 2023: Added hardware keys for administrators\n",
        "at Fernhill Robotics, and how",
    ] {
        assert!(access.contains(line), "{line:?} not in\n{access}");
    }
    let encryption = read(site.join("content/policies/encryption.md"));
    assert_eq!(controls(&encryption), ["soc2:CC6.7"]);
    assert!(
        encryption.contains("approved: 2026-11-23  # TODO(import)"),
        "{encryption}"
    );
    let offboard = read(site.join("content/procedures/offboard.md"));
    assert!(offboard.contains("id: \"offboard\"\n") && controls(&offboard).is_empty());
    assert!(
        offboard.contains("`0 0 9 * * 1`"),
        "the cron schedule is kept: {offboard}"
    );
    let config = read(site.join("crosswalk.yaml"));
    assert!(
        config.contains("organisation: \"Fernhill Robotics\"\n")
            && config.contains("frameworks: [soc2]\n"),
        "{config}"
    );
    assert!(site.join(".gitignore").is_file() && site.join(".crosswalk-cache").is_dir());

    // The report names every gap, problem (relative to the source) and placeholder.
    let report = read(site.join("IMPORT-REPORT.md"));
    for needle in [
        "`policies/access.md:8:7`: TSC `CC9.9` is not a SOC 2 criterion",
        "`policies/encryption.md:6:7`: TSC `CC6.1.4`",
        "**placeholders**, kept as written: `{{.KeyCustodian}}` (line 20), `[COMPANY ADDRESS]` (line 22).",
        "**owner**: the source names none",
        "- `templates/`: comply's PDF and web templates",
        "- `TODO.md`: comply's project checklist",
        "- `standards/TSC-2017.yml`: comply's copy of the Trust Services Criteria",
    ] {
        assert!(report.contains(needle), "{needle:?} not in\n{report}");
    }
    assert!(
        !report.contains("README"),
        "comply's READMEs are not documents"
    );

    let warnings = check_has_no_errors(&site);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0]["message"]
            .as_str()
            .unwrap()
            .contains("`offboard` names no controls")
    );
    build(&site);
    let page = |rel: &str| read(site.join("public").join(rel));
    assert!(page("policies/ACP.html").contains("Access Control Policy"));
    assert!(page("procedures/offboard.html").contains("Offboard a Leaver"));
    // A narrative's body keeps its horizontal rule and the text after it; `{{.Name}}` is filled.
    let narrative = page("policies/SD.html");
    assert!(narrative.contains("Fernhill Robotics builds warehouse robots"));
    assert!(narrative.contains("two cloud regions"));
    for (control, doc) in [
        ("CC6.2", "policies/ACP.html"),
        ("CC6.7", "policies/ENC.html"),
        ("A1.2", "policies/SD.html"),
        ("CC7.1", "procedures/patch.html"),
    ] {
        assert!(
            page(&format!("controls/soc2/{control}.html")).contains(doc),
            "{control} names {doc}"
        );
    }
}

#[test]
fn a_markdown_folder_becomes_a_site_that_checks_and_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let run = import("markdown", "tests/data/markdown-policies", &site);
    run.assert_ok()
        .assert_stdout_has("imported 7 documents from Markdown folder")
        .assert_stdout_has("crosswalk.yaml: organisation")
        // A file that is not UTF-8 and one without a heading still import, with a warning.
        .assert_stderr_has(
            "tests/data/markdown-policies/windows-1252.md:3:50: warning: not valid UTF-8: 3 byte sequences replaced by U+FFFD (0x96 at 3:50, 0x93 at 4:5, 0x94 at 4:16)",
        )
        .assert_stderr_has("tests/data/markdown-policies/no-heading.md:1:1: warning: no heading: title made from the file name (\"No heading\")")
        .assert_stderr_has("hr/access-control.md: warning: id `access-control` is taken by an earlier document: imported as `hr-access-control`")
        .assert_stderr_has("remote-work.markdown:1:1: warning: the file has front matter already");
    assert_eq!(names(tmp.path()), ["site"]);

    let warnings = check_has_no_errors(&site);
    assert_eq!(
        warnings.len(),
        7,
        "one per document without controls: {warnings:?}"
    );
    build(&site);
    // Ids from file names (unique), titles from the first heading of any level or style.
    let mut expected = vec![
        ("access-control", "{{companyName}} Access Control Policy"),
        ("hr-access-control", "Access Control for HR Systems"),
        ("onboarding", "Onboarding Policy"),
        ("incident-response-plan", "Incident Response Plan"),
        ("no-heading", "No heading"),
        ("remote-work", "Remote Work Policy"),
        ("windows-1252", "Clean Desk Policy"),
    ];
    for (id, title) in &expected {
        let page = read(site.join(format!("public/policies/{id}.html")));
        assert!(page.contains(&format!("<title>{title}")), "{id}: {title}");
    }
    let mut pages: Vec<String> = names(&site.join("public/policies"));
    pages.sort();
    expected.sort();
    let want: Vec<String> = expected
        .iter()
        .map(|(id, _)| format!("{id}.html"))
        .collect();
    assert_eq!(
        pages, want,
        "no README, hidden folder or other file imported"
    );
    let clean = read(site.join("public/policies/windows-1252.html"));
    assert!(
        clean.contains("at night \u{FFFD} no exceptions"),
        "replaced bytes stay visible"
    );
    let remote = read(site.join("content/policies/remote-work.md"));
    assert!(remote.contains("<!-- The source file's own front matter, not read by crosswalk:\n---\ntitle: Remote Work\nlayout: policy\n---\n-->"));

    // Placeholders are listed per file with their lines in the new file; links, task boxes and
    // `[x]` are not placeholders.
    let report = read(site.join("IMPORT-REPORT.md"));
    assert!(
        report.contains(
            "**placeholders**, kept as written: `{{companyName}}` (lines 5, 12), `[Company Name]` (line 14), `{{ company_name }}` (line 19), `[insert approver name]` (line 23), `[DATE]` (line 23)."
        ),
        "{report}"
    );
    assert!(!report.contains("`[the onboarding policy]`") && !report.contains("`[ ]`"));
    assert!(report.contains("- `README.md`: a README"));
    assert!(
        report.contains("- `2 other files`: not Markdown: images/logo.png, notes.txt"),
        "{report}"
    );
    assert!(!report.contains("secret"), "hidden folders are not read");
    let access = read(site.join("content/policies/access-control.md"));
    assert!(
        access.contains("# {{companyName}} Access Control Policy\n"),
        "placeholders stay as written"
    );
    assert!(controls(&access).is_empty());
    let config = read(site.join("crosswalk.yaml"));
    assert!(
        config.contains("# organisation: TODO(import)")
            && config.contains("# frameworks: TODO(import)")
    );
}

#[test]
fn an_import_never_writes_into_a_folder_with_files() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    std::fs::create_dir(&site).unwrap();
    std::fs::write(site.join("keep.txt"), "mine").unwrap();
    for kind in ["comply", "markdown"] {
        let src = if kind == "comply" {
            "tests/data/comply"
        } else {
            "tests/data/markdown-policies"
        };
        import(kind, src, &site)
            .assert_failed()
            .assert_stderr_has("folder exists and is not empty: refusing to import into it");
        assert_eq!(names(&site), ["keep.txt"]);
        assert_eq!(read(site.join("keep.txt")), "mine");
        assert_eq!(names(tmp.path()), ["site"], "nothing left beside it");
    }
    let file = tmp.path().join("file");
    std::fs::write(&file, "x").unwrap();
    import("comply", "tests/data/comply", &file)
        .assert_failed()
        .assert_stderr_has("exists and is not a folder");
    assert_eq!(read(&file), "x");
    // Nor into the folder the command runs in, which a rename cannot replace.
    let here = tmp.path().join("here");
    std::fs::create_dir(&here).unwrap();
    let src = repo().join("tests/data/comply");
    run_in(
        &here,
        &["import", "comply", src.to_str().unwrap(), "--into", "."],
    )
    .assert_failed()
    .assert_stderr_has("cannot import into the current folder");
    assert!(names(&here).is_empty());
    // An empty folder is taken.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    import("markdown", "tests/data/markdown-policies", &empty).assert_ok();
    assert!(empty.join("crosswalk.yaml").is_file());
}

#[test]
fn bad_sources_are_refused_clearly_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let src = |name: &str| tmp.path().join(name).to_str().unwrap().to_string();
    import("comply", &src("missing"), &site)
        .assert_failed()
        .assert_stderr_has("missing: error: source folder not found");
    import("markdown", &src("missing"), &site)
        .assert_failed()
        .assert_stderr_has("source folder not found");

    let plain = tmp.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    std::fs::write(plain.join("notes.txt"), "not policies").unwrap();
    import("comply", &src("plain"), &site)
        .assert_failed()
        .assert_stderr_has("not a comply project: no comply.yml and none of policies/")
        .assert_stderr_has("give the folder that holds comply.yml");
    import("markdown", &src("plain"), &site)
        .assert_failed()
        .assert_stderr_has("no Markdown files (.md, .markdown) to import");
    import("comply", &src("plain/notes.txt"), &site)
        .assert_failed()
        .assert_stderr_has("not a folder");

    // Broken comply headers: every one reported in one run, positioned; nothing written.
    let broken = tmp.path().join("broken");
    std::fs::create_dir_all(broken.join("policies")).unwrap();
    std::fs::write(broken.join("comply.yml"), "name: Broken Ltd\n").unwrap();
    std::fs::write(
        broken.join("policies/indent.md"),
        "name: Access\nsatisfies:\n  TSC:\n- CC6.1\n    - CC6.2\n---\n# Access\n",
    )
    .unwrap();
    std::fs::write(
        broken.join("policies/no-end.md"),
        "name: Never ends\n# Body\n",
    )
    .unwrap();
    let run = import("comply", &src("broken"), &site);
    run.assert_failed()
        .assert_stderr_has("policies/indent.md:4:1: error: invalid YAML")
        .assert_stderr_has("policies/no-end.md:1:1: error: no `---` line ends the header");
    assert_eq!(
        names(tmp.path()),
        ["broken", "plain"],
        "no site and nothing beside it"
    );
}

/// Runs an import of the comply fixture into `target` with `$CROSSWALK_FAULT` set.
fn spawn_import(target: &Path, fault: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .current_dir(repo())
        .args([
            "import",
            "comply",
            "tests/data/comply",
            "--today",
            TODAY,
            "--into",
        ])
        .arg(target)
        .env("CROSSWALK_FAULT", fault)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Reads the child's stderr until it pauses at its fault point; false if it ended first.
fn paused(child: &mut std::process::Child) -> bool {
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let hit = lines.any(|l| l.is_ok_and(|l| l.starts_with("crosswalk: fault point")));
    // Keep reading in the background so the child never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    hit
}

#[test]
fn an_import_killed_at_any_point_leaves_no_half_site() {
    let tmp = tempfile::tempdir().unwrap();
    let target: PathBuf = tmp.path().join("site");
    let out = spawn_import(&target, "count").wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stderr);
    let points: u64 = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("crosswalk: ")?
                .strip_suffix(" fault points")?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no count in {text}"));
    assert!(
        points >= 8,
        "a cache folder, 7 files, the report and the rename: {points}"
    );
    std::fs::remove_dir_all(&target).unwrap();
    for k in 1..=points {
        let mut child = spawn_import(&target, &format!("pause@{k}"));
        assert!(paused(&mut child), "point {k} not reached");
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(
            !target.exists(),
            "an import killed at point {k} left {}",
            target.display()
        );
    }
    // A full disk at any point: an error, and no site.
    for k in [1, 4, points] {
        let out = spawn_import(&target, &format!("enospc@{k}"))
            .wait_with_output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("No space left on device"), "{err}");
        assert!(!target.exists());
    }
    // The next import clears what the killed ones left beside the target.
    assert!(spawn_import(&target, "none").wait().unwrap().success());
    assert_eq!(names(tmp.path()), ["site"]);
    check_has_no_errors(&target);
}
