//! `crosswalk diff <rev>`: a fixture git repository made in a temporary folder (two or more
//! commits, git's own configuration kept out: no system file, HOME in the temporary folder),
//! compared with its working tree through the real binary. Coverage rising, problems added,
//! resolved and merely moved, a site in a subfolder, the three error cases (unknown revision,
//! no repository, shallow clone), the revision cache, the three formats (JSON checked against
//! docs/schemas/diff.schema.json by the python jsonschema package), the profile, and a work tree
//! and index left exactly as they were.

mod common;

use common::{CONFIG, Run, TODAY, evidence, policy, run_with_env};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A git repository at `<tmp>/repo` holding a site at `<tmp>/repo/<sub>`.
struct Fixture {
    tmp: tempfile::TempDir,
    top: PathBuf,
    site: PathBuf,
}

impl Fixture {
    /// An empty repository, the site's folder (`sub` of it, "" for the top) made but empty.
    fn empty(sub: &str) -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let top = tmp.path().join("repo");
        let site = if sub.is_empty() {
            top.clone()
        } else {
            top.join(sub)
        };
        std::fs::create_dir_all(&site).unwrap();
        let f = Fixture { tmp, top, site };
        f.git(&["init", "-q", "-b", "main"]);
        f
    }

    /// The minimal site of tests/common (one policy, one evidence record and its file), with
    /// a .gitignore as `crosswalk init` writes it.
    fn add_minimal_site(&self) {
        self.write("crosswalk.yaml", CONFIG);
        self.write(".gitignore", "/public\n/.crosswalk-cache/\n");
        self.write(
            "content/policies/access-control.md",
            &policy(
                "POL-ACCESS",
                "Access Control Policy",
                "internal",
                &["iso27001:A.5.15", "soc2:CC6.1"],
            ),
        );
        self.write(
            "content/evidence/access-review.yaml",
            &evidence(
                "EV-ACCESS-REVIEW",
                "Quarterly access review",
                "internal",
                &["iso27001:A.5.18"],
                "content/evidence/files/access-review.csv",
            ),
        );
        self.write("content/evidence/files/access-review.csv", "a,b\n1,2\n");
    }

    /// A repository holding the minimal site, nothing committed yet.
    fn minimal(sub: &str) -> Fixture {
        let f = Fixture::empty(sub);
        f.add_minimal_site();
        f
    }

    /// Git's environment: no system or user configuration, a fixed identity, and no looking
    /// above the temporary folder for a repository.
    fn env(&self) -> Vec<(&'static str, String)> {
        let home = self.tmp.path().to_string_lossy().into_owned();
        vec![
            ("GIT_CONFIG_NOSYSTEM", "1".into()),
            ("HOME", home.clone()),
            ("XDG_CONFIG_HOME", home.clone()),
            ("GIT_CEILING_DIRECTORIES", home),
            ("GIT_AUTHOR_NAME", "Test".into()),
            ("GIT_AUTHOR_EMAIL", "test@example.com".into()),
            ("GIT_COMMITTER_NAME", "Test".into()),
            ("GIT_COMMITTER_EMAIL", "test@example.com".into()),
        ]
    }

    fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .current_dir(dir)
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .envs(self.env())
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.top, args)
    }

    /// Writes a file of the site.
    fn write(&self, rel: &str, text: &str) {
        common::write_file(&self.site, rel, text);
    }

    /// Commits everything and returns the commit's id.
    fn commit(&self, msg: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", msg]);
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    /// `crosswalk diff --root SITE --today TODAY ARGS`, run from `cwd`.
    fn diff_in(&self, cwd: &Path, site: &Path, args: &[&str]) -> Run {
        let env = self.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let root = site.to_str().unwrap();
        let mut all = vec!["diff", "--root", root, "--today", TODAY];
        all.extend_from_slice(args);
        run_with_env(cwd, &all, &env)
    }

    fn diff(&self, args: &[&str]) -> Run {
        self.diff_in(self.tmp.path(), &self.site, args)
    }

    /// The JSON report against `rev`, which must run.
    fn json(&self, rev: &str, extra: &[&str]) -> Value {
        let mut args = vec![rev, "--format", "json"];
        args.extend_from_slice(extra);
        let r = self.diff(&args);
        r.assert_ok();
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", r.stdout))
    }

    fn revisions(&self) -> PathBuf {
        self.site.join(".crosswalk-cache/revisions")
    }
}

/// The framework entry for `slug` in a JSON report.
fn framework<'a>(v: &'a Value, slug: &str) -> &'a Value {
    v["frameworks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["framework"] == slug)
        .unwrap_or_else(|| panic!("no {slug} in {v:#}"))
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

/// The messages of a list of problems, with their lines.
fn problem_list(v: &Value) -> Vec<(String, u64, String)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["path"].as_str().unwrap().to_string(),
                p["line"].as_u64().unwrap_or(0),
                p["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Validates `report` (JSON text) against docs/schemas/diff.schema.json with jsonschema's
/// draft 2020-12 validator, after checking the schema itself.
fn assert_valid_against_schema(report: &str, dir: &Path) {
    let file = dir.join("report.json");
    std::fs::write(&file, report).unwrap();
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schemas/diff.schema.json");
    let out = common::run_python(
        "import json, sys\n\
         from jsonschema import Draft202012Validator\n\
         schema = json.load(open(sys.argv[1]))\n\
         Draft202012Validator.check_schema(schema)\n\
         errors = [f'{list(e.absolute_path)}: {e.message}' for e in Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).iter_errors(json.load(open(sys.argv[2])))]\n\
         print('\\n'.join(errors) if errors else 'valid')\n",
        &[schema.as_os_str(), file.as_os_str()],
    );
    assert_eq!(out.trim(), "valid", "{report}");
}

#[test]
fn coverage_rises_after_a_commit_adds_a_policy_meeting_controls() {
    let f = Fixture::minimal("");
    let base = f.commit("the minimal site");
    f.write(
        "content/policies/operations.md",
        &policy(
            "POL-OPS",
            "Operations Policy",
            "internal",
            &["soc2:CC7.3", "soc2:CC7.4"],
        ),
    );
    f.commit("an operations policy");
    let r = f.diff(&["HEAD~1", "--format", "json"]);
    r.assert_ok();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["base"], "HEAD~1");
    assert_eq!(v["base_commit"], base.as_str());
    assert_eq!(v["profile"], "internal");
    assert_eq!(v["today"], TODAY);
    let soc2 = framework(&v, "soc2");
    let (b, a) = (&soc2["before"], &soc2["after"]);
    assert_eq!(
        b["covered"].as_u64().unwrap() + 2,
        a["covered"].as_u64().unwrap()
    );
    assert!(
        b["coverage"].as_f64().unwrap() < a["coverage"].as_f64().unwrap(),
        "{soc2:#}"
    );
    assert_eq!(b["controls"], a["controls"]);
    // SOC 2's catalog lists requirement elements: the element figures are there, and rise too.
    assert!(b["elements_met"].as_u64().unwrap() < a["elements_met"].as_u64().unwrap());
    assert_eq!(
        strings(&soc2["newly_covered"]),
        ["soc2:CC7.3", "soc2:CC7.4"]
    );
    assert!(strings(&soc2["newly_uncovered"]).is_empty());
    // The same figures as the portal's framework card: covered / controls, four decimals.
    let ratio = a["covered"].as_f64().unwrap() / a["controls"].as_f64().unwrap();
    let inherited = a["inherited"].as_f64().unwrap() / a["controls"].as_f64().unwrap();
    assert!((a["coverage"].as_f64().unwrap() - (ratio + inherited)).abs() < 1e-4);
    // ISO 27001 is not in scope: not reported.
    assert!(v["frameworks"].as_array().unwrap().len() == 1, "{v:#}");
    assert_valid_against_schema(&r.stdout, f.tmp.path());

    // And the other way round: back at the first commit, compared with the second.
    f.git(&["checkout", "-q", &base]);
    let back = f.json("main", &[]);
    let soc2 = framework(&back, "soc2");
    assert_eq!(
        strings(&soc2["newly_uncovered"]),
        ["soc2:CC7.3", "soc2:CC7.4"]
    );
    assert!(strings(&soc2["newly_covered"]).is_empty());
}

#[test]
fn problems_are_matched_by_file_rule_and_message_not_by_line() {
    let f = Fixture::minimal("");
    // Two records naming the same unknown control: the same problem twice, on two lines.
    let two = |extra: &str| {
        format!(
            "- id: EV-A\n  title: A\n  owner: IT\n  collected: 2026-10-01\n  valid_for: 3 months\n  classification: internal\n{extra}  controls: [soc2:CC9.9]\n  url: https://example.com/a\n- id: EV-B\n  title: B\n  owner: IT\n  collected: 2026-10-01\n  valid_for: 3 months\n  classification: internal\n  controls: [soc2:CC9.9]\n  url: https://example.com/b\n"
        )
    };
    f.write("content/evidence/two.yaml", &two(""));
    f.write(
        "content/policies/fixed.md",
        &policy("POL-FIXED", "To be fixed", "internal", &["soc2:CC8.8"]),
    );
    f.write(
        "content/policies/moved.md",
        &policy(
            "POL-MOVED",
            "Moved",
            "internal",
            &["soc2:CC6.1", "soc2:CC7.7"],
        ),
    );
    f.commit("three problems and one more");

    // Fixed: fixed.md. Moved down two lines, not fixed: moved.md's. Added: new.md's. One of
    // the two identical problems in two.yaml fixed, the other moved down a line.
    f.write(
        "content/policies/fixed.md",
        &policy("POL-FIXED", "To be fixed", "internal", &["soc2:CC8.1"]),
    );
    f.write(
        "content/policies/moved.md",
        &policy(
            "POL-MOVED",
            "Moved",
            "internal",
            &["soc2:CC6.1", "soc2:CC6.2", "soc2:CC6.3", "soc2:CC7.7"],
        ),
    );
    f.write(
        "content/policies/new.md",
        &policy("POL-NEW", "New", "internal", &["soc2:CC5.5"]),
    );
    f.write(
        "content/evidence/two.yaml",
        &two("  description: now with a line above\n").replacen(
            "  controls: [soc2:CC9.9]\n  url: https://example.com/b",
            "  controls: [soc2:CC6.1]\n  url: https://example.com/b",
            1,
        ),
    );
    let v = f.json("HEAD", &[]);
    let p = &v["problems"];
    assert_eq!(
        problem_list(&p["added"]),
        [(
            "content/policies/new.md".to_string(),
            10,
            "unknown control soc2:CC5.5".to_string()
        )],
        "{p:#}"
    );
    assert_eq!(
        problem_list(&p["resolved"]),
        [
            (
                "content/evidence/two.yaml".to_string(),
                15,
                "unknown control soc2:CC9.9".to_string()
            ),
            (
                "content/policies/fixed.md".to_string(),
                10,
                "unknown control soc2:CC8.8".to_string()
            ),
        ],
        "{p:#}"
    );
    assert_eq!(p["before"]["errors"], 4, "{p:#}");
    assert_eq!(p["after"]["errors"], 3, "{p:#}");
    assert_eq!(p["added"][0]["severity"], "error");
    assert_eq!(p["withheld"]["added"], 0);
    // The report says so in text too, with `check`'s location form.
    let t = f.diff(&["HEAD"]);
    t.assert_ok()
        .assert_stdout_has("Problems: 1 added, 2 resolved (now 3 errors")
        .assert_stdout_has("  + content/policies/new.md:10:5: error: unknown control soc2:CC5.5")
        .assert_stdout_has("  - content/policies/fixed.md:10:5: error: unknown control soc2:CC8.8");
    assert!(!t.stdout.contains("moved.md"), "{}", t.stdout);
}

#[test]
fn a_site_in_a_subfolder_of_the_repository() {
    let f = Fixture::empty("compliance/isms");
    common::write_file(&f.top, "README.md", "# Not the site\n");
    common::write_file(&f.top, "compliance/other.md", "# Beside the site\n");
    let before_the_site = f.commit("before the site");
    f.add_minimal_site();
    let base = f.commit("a site in a subfolder");
    // A revision from before the site existed is named as such.
    f.diff(&[&before_the_site])
        .assert_failed()
        .assert_stderr_has("the site did not exist at")
        .assert_stderr_has("`compliance/isms` has no crosswalk.yaml there")
        .assert_stderr_has("compare with a later revision");
    assert!(!f.revisions().join(&before_the_site).exists());
    f.write(
        "content/policies/operations.md",
        &policy("POL-OPS", "Operations", "internal", &["soc2:CC7.2"]),
    );
    // Run from inside the site's folder, with a relative --root.
    let r = f.diff_in(
        &f.site.join("content"),
        Path::new(".."),
        &["main", "--format", "json"],
    );
    r.assert_ok();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        strings(&framework(&v, "soc2")["newly_covered"]),
        ["soc2:CC7.2"]
    );
    // The revision's copy holds the site's files, relative to the site, and nothing above it.
    let copy = f.revisions().join(&base);
    let files = common::files_under(&copy);
    assert!(
        files.contains(&PathBuf::from("crosswalk.yaml")),
        "{files:?}"
    );
    assert!(
        files.contains(&PathBuf::from("content/evidence/files/access-review.csv")),
        "{files:?}"
    );
    assert!(
        !files
            .iter()
            .any(|p| p.ends_with("README.md") || p.ends_with("other.md")),
        "{files:?}"
    );
    assert!(!copy.join("content/policies/operations.md").exists());
}

#[test]
fn an_unknown_revision_is_named_with_what_to_do() {
    let f = Fixture::minimal("");
    f.commit("one");
    let r = f.diff(&["mian"]);
    r.assert_failed()
        .assert_stderr_has("error: unknown revision `mian`")
        .assert_stderr_has("check the spelling");
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let r = f.diff(&["origin/main"]);
    r.assert_failed()
        .assert_stderr_has("unknown revision `origin/main`")
        .assert_stderr_has("git fetch origin main");
    // Nothing was written: not even the site's cache folder.
    assert!(!f.site.join(".crosswalk-cache").exists());
    // A revision that looks like an option is refused, not passed to git.
    f.diff(&["--", "--output=x"])
        .assert_failed()
        .assert_stderr_has("is not a revision");
    assert!(!f.site.join("x").exists() && !f.tmp.path().join("x").exists());
}

#[test]
fn a_folder_outside_any_repository_is_refused_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    common::write_file(&site, "crosswalk.yaml", CONFIG);
    let home = tmp.path().to_string_lossy().into_owned();
    let env = [
        ("GIT_CONFIG_NOSYSTEM", "1"),
        ("HOME", home.as_str()),
        ("GIT_CEILING_DIRECTORIES", home.as_str()),
    ];
    let r = run_with_env(
        tmp.path(),
        &[
            "diff",
            "main",
            "--root",
            site.to_str().unwrap(),
            "--today",
            TODAY,
        ],
        &env,
    );
    r.assert_failed()
        .assert_stderr_has("error: not a git repository")
        .assert_stderr_has("run `crosswalk diff` in a clone of the site's repository");
    assert!(!site.join(".crosswalk-cache").exists());
}

#[test]
fn a_shallow_clone_without_the_revision_says_to_fetch_the_history() {
    let f = Fixture::minimal("");
    f.commit("one");
    f.write(
        "content/policies/operations.md",
        &policy("POL-OPS", "Operations", "internal", &["soc2:CC7.2"]),
    );
    f.commit("two");
    let url = format!("file://{}", f.top.display());
    let clone = f.tmp.path().join("clone");
    f.git_in(
        f.tmp.path(),
        &["clone", "-q", "--depth", "1", &url, clone.to_str().unwrap()],
    );
    let r = f.diff_in(f.tmp.path(), &clone, &["HEAD~1"]);
    r.assert_failed()
        .assert_stderr_has("revision `HEAD~1` is not in this shallow clone")
        .assert_stderr_has("git fetch --unshallow")
        .assert_stderr_has("fetch-depth: 0");
    // The commit the clone has works.
    let ok = f.diff_in(f.tmp.path(), &clone, &["HEAD", "--format", "json"]);
    ok.assert_ok();
}

#[test]
fn the_revision_copy_is_reused_and_a_killed_runs_staging_is_removed() {
    let f = Fixture::minimal("");
    let base = f.commit("one");
    let first = f.diff(&["HEAD", "--format", "json"]);
    first.assert_ok();
    let copy = f.revisions().join(&base);
    assert!(copy.join("crosswalk.yaml").is_file());
    // A marker in the copy survives the next run: the copy is reused, not written again.
    std::fs::write(copy.join("marker"), "kept").unwrap();
    // What a diff killed halfway through writing leaves: a staging folder, half full.
    let staging = f.revisions().join(format!(".staging-{base}"));
    common::write_file(&staging, "content/policies/half.md", "---\nid: HALF\n");
    let second = f.diff(&["HEAD", "--format", "json"]);
    second.assert_ok();
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(
        std::fs::read_to_string(copy.join("marker")).unwrap(),
        "kept"
    );
    assert!(!staging.exists(), "the stale staging folder is removed");

    // Only the few most recently used revisions are kept.
    let mut commits = vec![base.clone()];
    for i in 0..5 {
        f.write(
            "content/policies/n.md",
            &policy("POL-N", &format!("N{i}"), "internal", &["soc2:CC6.1"]),
        );
        commits.push(f.commit(&format!("edit {i}")));
    }
    for c in &commits[1..] {
        f.diff(&[c.as_str()]).assert_ok();
    }
    let mut kept: Vec<String> = std::fs::read_dir(f.revisions())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.') && n != "lock")
        .collect();
    kept.sort();
    let mut want: Vec<String> = commits[commits.len() - 4..].to_vec();
    want.sort();
    assert_eq!(kept, want);
}

#[test]
fn text_markdown_and_json_formats() {
    let f = Fixture::minimal("");
    f.commit("one");
    f.write(
        "content/policies/operations.md",
        &policy(
            "POL-OPS",
            "Operations",
            "internal",
            &["soc2:CC7.2", "soc2:CC4.4"],
        ),
    );
    // Evidence expiring in 8 days, and one in 60 (outside the default 30-day window).
    f.write(
        "content/evidence/soon.yaml",
        "id: EV-SOON\ntitle: Backup restore test\nowner: IT\ncollected: 2026-06-01\nexpires: 2026-12-01\nclassification: internal\ncontrols: [soc2:CC7.2]\nurl: https://example.com/restore\n",
    );
    f.write(
        "content/evidence/later.yaml",
        "id: EV-LATER\ntitle: Later\nowner: IT\ncollected: 2026-06-01\nexpires: 2027-01-22\nclassification: internal\ncontrols: [soc2:CC7.2]\nurl: https://example.com/later\n",
    );

    let json = f.diff(&["HEAD", "--format", "json"]);
    json.assert_ok();
    assert_valid_against_schema(&json.stdout, f.tmp.path());
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    let exp = v["evidence_expiring"].as_array().unwrap();
    assert_eq!(exp.len(), 1, "{v:#}");
    assert_eq!(exp[0]["id"], "EV-SOON");
    assert_eq!(exp[0]["expires"], "2026-12-01");
    assert_eq!(exp[0]["days_left"], 8);
    assert_eq!(exp[0]["path"], "content/evidence/soon.yaml");
    assert_eq!(v["evidence_window"], "30 days");

    let soc2 = framework(&v, "soc2");
    let pct = |x: &Value| {
        format!(
            "{:.1}%",
            (x.as_f64().unwrap() * 1000.0 + 1e-6).floor() / 10.0
        )
    };
    let (before, after) = (
        pct(&soc2["before"]["coverage"]),
        pct(&soc2["after"]["coverage"]),
    );

    let md = f.diff(&["HEAD", "--format", "markdown"]);
    md.assert_ok()
        .assert_stdout_has("### Compliance changes against `HEAD`")
        .assert_stdout_has(
            "| Framework | Coverage | Covered | Inherited | Partial | Elements met |",
        )
        .assert_stdout_has(&format!("| {before} → {after} ▲ |"))
        .assert_stdout_has(
            "<details><summary>SOC 2 — AICPA Trust Services Criteria: 1 newly covered</summary>",
        )
        .assert_stdout_has("- `soc2:CC7.2`")
        .assert_stdout_has(
            "➕ `content/policies/operations.md:11:5` **error**: unknown control soc2:CC4.4",
        )
        .assert_stdout_has("`EV-SOON` Backup restore test: expires 2026-12-01 (in 8 days)");
    // Every <details> is closed: the comment renders as one piece.
    assert_eq!(
        md.stdout.matches("<details>").count(),
        md.stdout.matches("</details>").count()
    );

    let text = f.diff(&["HEAD"]);
    text.assert_ok()
        .assert_stdout_has(&format!("  coverage   {before} -> {after}"))
        .assert_stdout_has("  newly covered: soc2:CC7.2")
        .assert_stdout_has("Evidence expiring within 30 days: 1")
        .assert_stdout_has("  EV-SOON  2026-12-01 (in 8 days)  content/evidence/soon.yaml");
}

#[test]
fn the_profile_keeps_hidden_items_out_of_the_report() {
    let f = Fixture::minimal("");
    f.commit("one");
    // A confidential policy with a problem, and an internal one covering a control.
    f.write(
        "content/policies/secret-merger-plan.md",
        &policy(
            "POL-SECRET",
            "Secret",
            "confidential",
            &["soc2:CC1.1", "soc2:CC3.9"],
        ),
    );
    f.write(
        "content/policies/internal-ops.md",
        &policy("POL-INTERNAL", "Internal ops", "internal", &["soc2:CC7.2"]),
    );
    for fmt in ["json", "markdown", "text"] {
        let r = f.diff(&["HEAD", "--profile", "public", "--format", fmt]);
        r.assert_ok();
        assert!(!r.stdout.contains("secret"), "{}", r.stdout);
        assert!(!r.stdout.contains("internal-ops"), "{}", r.stdout);
        assert!(!r.stdout.contains("CC7.2"), "{}", r.stdout);
        assert!(!r.stdout.contains("CC1.1"), "{}", r.stdout);
    }
    let v = f.json("HEAD", &["--profile", "public"]);
    assert_eq!(v["profile"], "public");
    assert_eq!(v["problems"]["withheld"]["added"], 1, "{v:#}");
    assert!(v["problems"]["added"].as_array().unwrap().is_empty());
    // Under the default profile (internal) the internal policy counts; the confidential one
    // still does not, and its problem is counted, not listed.
    let v = f.json("HEAD", &[]);
    assert_eq!(
        strings(&framework(&v, "soc2")["newly_covered"]),
        ["soc2:CC7.2"]
    );
    assert_eq!(v["problems"]["withheld"]["added"], 1, "{v:#}");
    // At confidential, everything is shown.
    let v = f.json("HEAD", &["--profile", "confidential"]);
    assert_eq!(
        problem_list(&v["problems"]["added"]),
        [(
            "content/policies/secret-merger-plan.md".to_string(),
            11,
            "unknown control soc2:CC3.9".to_string()
        )]
    );
    // An unknown profile is a usage mistake named before git is asked anything.
    f.diff(&["HEAD", "--profile", "nobody"])
        .assert_failed()
        .assert_stderr_has("unknown profile `nobody`");
}

#[test]
fn the_work_tree_and_the_index_are_left_as_they_were() {
    let f = Fixture::minimal("");
    let base = f.commit("one");
    f.write(
        "content/policies/operations.md",
        &policy("POL-OPS", "Operations", "internal", &["soc2:CC7.2"]),
    );
    f.git(&["add", "content/policies/operations.md"]);
    f.write(
        "content/policies/untracked.md",
        &policy("POL-U", "U", "internal", &["soc2:CC6.1"]),
    );
    let status = f.git(&["status", "--porcelain", "--ignored"]);
    let index = std::fs::read(f.top.join(".git/index")).unwrap();
    let head = f.git(&["rev-parse", "HEAD"]);
    let before = common::snapshot(&f.site);

    f.diff(&["HEAD"]).assert_ok();

    assert_eq!(
        std::fs::read(f.top.join(".git/index")).unwrap(),
        index,
        "the index changed"
    );
    assert_eq!(f.git(&["rev-parse", "HEAD"]), head);
    // Only the ignored cache folder is new.
    let after = common::snapshot(&f.site);
    let new: Vec<&PathBuf> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    assert!(
        new.iter().all(|p| p.starts_with(".crosswalk-cache")),
        "{new:?}"
    );
    for (k, v) in &before {
        assert!(after.get(k) == Some(v), "{} changed", k.display());
    }
    let status_after = f.git(&["status", "--porcelain", "--ignored"]);
    assert_eq!(
        status
            .lines()
            .filter(|l| !l.contains(".crosswalk-cache"))
            .collect::<Vec<_>>(),
        status_after
            .lines()
            .filter(|l| !l.contains(".crosswalk-cache"))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        f.git(&["status", "--porcelain"]),
        "A  content/policies/operations.md\n?? content/policies/untracked.md\n"
    );
    assert!(f.revisions().join(&base).join("crosswalk.yaml").is_file());
}

#[test]
fn symbolic_links_in_the_revision_are_skipped_with_a_warning() {
    let f = Fixture::minimal("");
    std::os::unix::fs::symlink(
        "access-review.csv",
        f.site.join("content/evidence/files/link.csv"),
    )
    .unwrap();
    let base = f.commit("a link");
    let r = f.diff(&["HEAD"]);
    r.assert_ok().assert_stderr_has(&format!(
        "content/evidence/files/link.csv: warning: skipped at {}: a symbolic link",
        &base[..12]
    ));
    let copy = f.revisions().join(&base);
    assert!(
        copy.join("content/evidence/files/access-review.csv")
            .is_file()
    );
    assert!(std::fs::symlink_metadata(copy.join("content/evidence/files/link.csv")).is_err());
    // --quiet keeps the warning to itself.
    let q = f.diff(&["HEAD", "--quiet"]);
    q.assert_ok();
    assert!(q.stderr.is_empty(), "{}", q.stderr);
}
