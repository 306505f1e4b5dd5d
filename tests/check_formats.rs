//! E. `crosswalk check`: text, JSON and GitHub formats, and `--strict`.

mod common;

use common::{Site, policy};

/// The minimal site plus a record that expired long ago (a warning) and, if `with_error`, a policy
/// naming an unknown control (an error, at content/policies/bad.md:10:5).
fn site(with_error: bool) -> Site {
    let site = Site::minimal();
    site.write(
        "content/evidence/old.yaml",
        "id: EV-OLD\ntitle: Old scan\nowner: Security\ncollected: 2025-01-10\nvalid_for: 1 month\nclassification: internal\ncontrols: [iso27001:A.8.8]\nurl: https://example.com/scan\n",
    );
    if with_error {
        site.write(
            "content/policies/bad.md",
            policy("POL-BAD", "Bad", "internal", &["soc2:CC9.9"]),
        );
    }
    site
}

#[test]
fn json_output_is_valid_and_complete() {
    let site = site(true);
    let r = site.check(&["--format", "json"]);
    r.assert_failed();
    let v: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", r.stdout));
    assert_eq!(v["errors"], 1, "{v:#}");
    assert_eq!(v["warnings"], 1, "{v:#}");
    let diags = v["diagnostics"]
        .as_array()
        .expect("diagnostics is an array");
    assert_eq!(diags.len(), 2, "{v:#}");
    for d in diags {
        assert!(d["path"].is_string(), "{d}");
        assert!(d["line"].is_u64(), "{d}");
        assert!(d["column"].is_u64(), "{d}");
        assert!(d["message"].is_string(), "{d}");
        assert!(
            matches!(d["severity"].as_str(), Some("error" | "warning")),
            "{d}"
        );
    }
    let err = diags.iter().find(|d| d["severity"] == "error").unwrap();
    assert_eq!(err["path"], "content/policies/bad.md");
    assert_eq!(err["line"], 10);
    assert_eq!(err["column"], 5);
    assert!(err["message"].as_str().unwrap().contains("soc2:CC9.9"));
    let warn = diags.iter().find(|d| d["severity"] == "warning").unwrap();
    assert_eq!(warn["path"], "content/evidence/old.yaml");
    assert!(warn["message"].as_str().unwrap().contains("EV-OLD"));
}

#[test]
fn json_output_of_a_clean_site_has_no_diagnostics() {
    let site = Site::minimal();
    let r = site.check(&["--format", "json"]);
    r.assert_ok();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("valid JSON");
    assert_eq!(v["errors"], 0);
    assert_eq!(v["warnings"], 0);
    assert_eq!(v["diagnostics"].as_array().map(Vec::len), Some(0));
}

/// A CI job parsing `--format json` must get JSON even when crosswalk.yaml itself is broken.
#[test]
fn json_output_reports_a_broken_config_as_json() {
    let site = Site::minimal();
    site.write("crosswalk.yaml", "title: Test\nframeworkz: [iso27001]\n");
    let r = site.check(&["--format", "json"]);
    r.assert_failed();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\n--- stderr\n{}",
            r.stdout, r.stderr
        )
    });
    assert_eq!(v["errors"], 1, "{v:#}");
    assert_eq!(v["diagnostics"][0]["path"], "crosswalk.yaml", "{v:#}");
    assert!(
        v["diagnostics"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("frameworkz"),
        "{v:#}"
    );
}

#[test]
fn github_format_prints_workflow_annotations() {
    let site = site(true);
    let r = site.check(&["--format", "github"]);
    r.assert_failed();
    let error = r
        .stdout
        .lines()
        .find(|l| l.starts_with("::error "))
        .unwrap_or_else(|| panic!("no ::error annotation:\n{}", r.stdout));
    assert!(
        error.starts_with(
            "::error file=content/policies/bad.md,line=10,col=5::unknown control soc2:CC9.9"
        ),
        "{error}"
    );
    let warning = r
        .stdout
        .lines()
        .find(|l| l.starts_with("::warning "))
        .expect("no ::warning annotation");
    assert!(
        warning.starts_with("::warning file=content/evidence/old.yaml,line=1,col=1::"),
        "{warning}"
    );
    assert!(warning.contains("EV-OLD"), "{warning}");
}

#[test]
fn text_format_prints_path_line_col_severity() {
    let site = site(true);
    let r = site.check(&[]);
    r.assert_failed()
        .assert_stdout_has("content/policies/bad.md:10:5: error: unknown control soc2:CC9.9")
        .assert_stdout_has(
            "content/evidence/old.yaml:1:1: warning: evidence `EV-OLD` expired on 2025-02-10",
        )
        .assert_stderr_has("1 errors, 1 warnings");
}

#[test]
fn warnings_pass_check_but_fail_strict_check() {
    let site = site(false);
    site.check(&[])
        .assert_ok()
        .assert_stdout_has("warning: evidence `EV-OLD` expired");
    site.check(&["--strict"])
        .assert_failed()
        .assert_stdout_has("warning: evidence `EV-OLD` expired");
    site.check(&["--strict", "--format", "json"])
        .assert_failed();
    site.check(&["--strict", "--format", "github"])
        .assert_failed();
}

#[test]
fn build_succeeds_with_warnings_and_says_so() {
    let site = site(false);
    site.build(&[]).assert_ok().assert_stderr_has("1 warnings");
}

#[test]
fn overdue_review_is_a_warning_at_its_approved_line() {
    let site = Site::minimal();
    // approved 2024-01-01 + 12 months: overdue on 2026-11-23. `approved` is on line 6.
    site.write(
        "content/policies/stale.md",
        "---\nid: POL-STALE\ntitle: Stale\nowner: me\nversion: 1\napproved: 2024-01-01\nreview_every: 12 months\nclassification: internal\ncontrols: [iso27001:A.5.1]\n---\nbody\n",
    );
    site.check(&[])
        .assert_ok()
        .assert_stdout_has("content/policies/stale.md:6:1: warning: policy `POL-STALE` was due for review on 2025-01-01");
    site.check(&["--strict"]).assert_failed();
}

#[test]
fn invalid_today_is_a_usage_error() {
    let site = Site::minimal();
    let root = site.root.to_str().unwrap();
    let r = site.run(&["check", "--root", root, "--today", "2026-13-01"]);
    r.assert_code(2).assert_stderr_has("2026-13-01");
}
