//! The CI recipes of docs/ci.md, run: every job of docs/ci/github-actions.yml and
//! docs/ci/gitlab-ci.yml that an event would start runs its own command lines, in their order,
//! in a fresh clone of a fixture repository, with the real `crosswalk` first on PATH and stand-ins
//! for what only a CI service has (`gh`, `curl`, `cargo install`) recording how they were called.
//! Conditions (`if:`, `rules:`) and `${{ }}` expressions are evaluated from a small table of what
//! the service would set; one the table does not know fails the test, so the recipes cannot drift
//! into commands no test ran.

mod common;

use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const TODAY: &str = "2026-11-23";

/// The recipes as docs/ci.md shows them.
fn recipe(name: &str) -> (String, Value) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("docs/ci").join(name)).unwrap();
    let doc = std::fs::read_to_string(root.join("docs/ci.md")).unwrap();
    assert!(
        doc.contains(&text),
        "docs/ci.md must show docs/ci/{name} verbatim (in a code block)"
    );
    let value = serde_yaml::from_str(&text).unwrap();
    (text, value)
}

/// Git with no user or system configuration (`common::git_at`), at one fixed date.
fn git(dir: &Path, args: &[&str]) {
    common::git_at(dir, args, "2026-11-01T09:00:00Z");
}

/// An ISMS repository: `main` has one SOC 2 policy; branch `more` adds a policy meeting three more
/// criteria; branch `broken` adds one naming a criterion SOC 2 does not have.
struct Fixture {
    tmp: tempfile::TempDir,
    upstream: PathBuf,
    bin: PathBuf,
    log: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let upstream = tmp.path().join("upstream");
        std::fs::create_dir_all(&upstream).unwrap();
        let w = |rel: &str, text: &str| common::write_file(&upstream, rel, text);
        // A portal published to Pages has an address, which its updates feed needs.
        let config = format!("{}base_url: https://trust.example.com/\n", common::CONFIG);
        w("crosswalk.yaml", &config);
        w(
            ".gitignore",
            "/public\n/.public.crosswalk/\n/.crosswalk-cache/\n",
        );
        w(
            "content/policies/access.md",
            &common::policy("POL-1", "Access Control", "public", &["soc2:CC6.1"]),
        );
        git(&upstream, &["init", "-q"]);
        git(&upstream, &["add", "-A"]);
        git(&upstream, &["commit", "-qm", "ISMS"]);
        git(&upstream, &["checkout", "-qb", "more"]);
        w(
            "content/policies/operations.md",
            &common::policy(
                "POL-2",
                "Operations Security",
                "public",
                &["soc2:CC7.1", "soc2:CC7.2", "soc2:CC7.3"],
            ),
        );
        git(&upstream, &["add", "-A"]);
        git(&upstream, &["commit", "-qm", "operations policy"]);
        git(&upstream, &["checkout", "-q", "main"]);
        git(&upstream, &["checkout", "-qb", "broken"]);
        w(
            "content/policies/typo.md",
            &common::policy("POL-3", "Typo", "public", &["soc2:CC99.9"]),
        );
        git(&upstream, &["add", "-A"]);
        git(&upstream, &["commit", "-qm", "a typo"]);
        git(&upstream, &["checkout", "-q", "main"]);

        // PATH: the real crosswalk, then stand-ins that log their arguments (and the body files
        // they were handed) to calls.log.
        let bin = tmp.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_crosswalk"), bin.join("crosswalk")).unwrap();
        let log = tmp.path().join("calls.log");
        for tool in ["gh", "curl", "cargo"] {
            let script = format!(
                "#!/bin/sh\nprintf '%s' '{tool}' >> '{log}'\nfor a in \"$@\"; do printf ' [%s]' \"$a\" >> '{log}'; done\necho >> '{log}'\n\
                 prev=\nfor a in \"$@\"; do\n  case \"$prev:$a\" in --body-file:*) cat \"$a\" >> '{log}' ;; esac\n  case \"$a\" in body@*) cat \"${{a#body@}}\" >> '{log}' ;; esac\n  prev=$a\ndone\n",
                log = log.display()
            );
            let p = bin.join(tool);
            std::fs::write(&p, script).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Fixture {
            tmp,
            upstream,
            bin,
            log,
        }
    }

    /// A fresh clone at `branch`, with every branch of the upstream as `origin/...` (what a
    /// checkout with the full history gives).
    fn clone(&self, job: &str, branch: &str) -> PathBuf {
        let dir = self.tmp.path().join("jobs").join(job);
        std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
        git(
            self.tmp.path(),
            &[
                "clone",
                "-q",
                "-b",
                branch,
                self.upstream.to_str().unwrap(),
                dir.to_str().unwrap(),
            ],
        );
        dir
    }

    fn calls(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Runs `script` as the services do (bash, stop at the first failing command).
    fn run(&self, dir: &Path, script: &str, env: &BTreeMap<String, String>) -> (bool, String) {
        let path = format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(dir)
            .env("PATH", path)
            .env("HOME", self.tmp.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("CROSSWALK_TODAY", TODAY)
            .envs(env)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => panic!("expected a scalar, found {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions

/// What GitHub would set for one event.
struct GithubEvent {
    name: &'static str,
    git_ref: &'static str,
    branch: &'static str,
}

impl GithubEvent {
    fn expression(&self, expr: &str) -> String {
        match expr.trim() {
            "github.event_name" => self.name.into(),
            "github.ref" => self.git_ref.into(),
            "github.base_ref" if self.name == "pull_request" => "main".into(),
            "github.event.pull_request.number" if self.name == "pull_request" => "7".into(),
            "github.token" => "test-token".into(),
            "runner.os" => "Linux".into(),
            "env.CROSSWALK_VERSION" => "0.1.0".into(),
            "steps.deployment.outputs.page_url" => "https://example.test/".into(),
            other => panic!("the test does not know the expression `{other}`"),
        }
    }

    /// `always()`, `a == 'b'`, joined by `&&`.
    fn condition(&self, cond: &str, failed: bool) -> bool {
        let cond = cond.trim();
        let cond = cond
            .strip_prefix("${{")
            .and_then(|c| c.strip_suffix("}}"))
            .unwrap_or(cond);
        let mut always = false;
        let mut holds = true;
        for term in cond.split("&&").map(str::trim) {
            if term == "always()" {
                always = true;
            } else if let Some((l, r)) = term.split_once("==") {
                let r = r.trim().trim_matches('\'');
                holds &= self.expression(l) == r;
            } else {
                panic!("the test does not know the condition `{term}`");
            }
        }
        holds && (always || !failed)
    }

    /// Replaces every `${{ expr }}` in `s`.
    fn substitute(&self, s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("${{") {
            out.push_str(&rest[..i]);
            let end = rest[i..].find("}}").expect("closed expression") + i;
            out.push_str(&self.expression(&rest[i + 3..end]));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }
}

/// One job's outcome: whether it passed, each step's name and whether it ran and passed, the
/// `uses:` steps that ran with their inputs, and the clone it ran in.
struct JobRun {
    passed: bool,
    steps: Vec<(String, Option<bool>)>,
    uses: Vec<(String, BTreeMap<String, String>)>,
    dir: PathBuf,
    output: String,
}

fn github_workflow(fx: &Fixture, event: &GithubEvent) -> BTreeMap<String, Option<JobRun>> {
    let (_, wf) = recipe("github-actions.yml");
    let mut env = BTreeMap::new();
    for (k, v) in wf["env"].as_mapping().into_iter().flatten() {
        env.insert(text(k), event.substitute(&text(v)));
    }
    let mut results: BTreeMap<String, Option<JobRun>> = BTreeMap::new();
    for (name, job) in wf["jobs"].as_mapping().unwrap() {
        let name = text(name);
        let needs_passed = match &job["needs"] {
            Value::Null => true,
            need => matches!(results.get(&text(need)), Some(Some(r)) if r.passed),
        };
        let wanted = job
            .get("if")
            .is_none_or(|c| event.condition(&text(c), false));
        if !needs_passed || !wanted {
            results.insert(name, None);
            continue;
        }
        let dir = fx.clone(&format!("gh-{}-{name}", event.name), event.branch);
        results.insert(name, Some(github_job(fx, event, job, &env, dir)));
    }
    results
}

fn github_job(
    fx: &Fixture,
    event: &GithubEvent,
    job: &Value,
    env: &BTreeMap<String, String>,
    dir: PathBuf,
) -> JobRun {
    let mut run = JobRun {
        passed: true,
        steps: Vec::new(),
        uses: Vec::new(),
        dir,
        output: String::new(),
    };
    for step in job["steps"].as_sequence().unwrap() {
        let label = step
            .get("name")
            .or(step.get("uses"))
            .or(step.get("id"))
            .map(text)
            .unwrap_or_default();
        let wanted = match step.get("if") {
            Some(c) => event.condition(&text(c), !run.passed),
            None => run.passed,
        };
        if !wanted {
            run.steps.push((label, None));
            continue;
        }
        if let Some(uses) = step.get("uses") {
            let mut with = BTreeMap::new();
            for (k, v) in step["with"].as_mapping().into_iter().flatten() {
                with.insert(text(k), event.substitute(&text(v)));
            }
            run.uses.push((text(uses), with));
            run.steps.push((label, Some(true)));
            continue;
        }
        let mut step_env = env.clone();
        for (k, v) in step["env"].as_mapping().into_iter().flatten() {
            step_env.insert(text(k), event.substitute(&text(v)));
        }
        let script = event.substitute(&text(&step["run"]));
        let (ok, out) = fx.run(&run.dir, &script, &step_env);
        run.output.push_str(&format!("--- {label}\n{out}"));
        run.passed &= ok;
        run.steps.push((label, Some(ok)));
    }
    run
}

fn step(job: &JobRun, label: &str) -> Option<bool> {
    job.steps
        .iter()
        .find(|(l, _)| l == label)
        .unwrap_or_else(|| panic!("no step {label:?}"))
        .1
}

fn uses<'a>(job: &'a JobRun, action: &str) -> Option<&'a BTreeMap<String, String>> {
    job.uses
        .iter()
        .find(|(a, _)| a.starts_with(action))
        .map(|(_, w)| w)
}

#[test]
fn github_actions_on_a_pull_request_checks_comments_and_builds() {
    let fx = Fixture::new();
    let event = GithubEvent {
        name: "pull_request",
        git_ref: "refs/pull/7/merge",
        branch: "more",
    };
    let jobs = github_workflow(&fx, &event);
    let check = jobs["check"].as_ref().unwrap();
    assert!(check.passed, "{}", check.output);
    assert_eq!(step(check, "Install crosswalk"), Some(true));
    // crosswalk is on PATH, so nothing is installed.
    assert!(!fx.calls().contains("cargo"), "{}", fx.calls());

    // The SARIF file handed to code scanning is the check's.
    let sarif_path =
        uses(check, "github/codeql-action/upload-sarif").unwrap()["sarif_file"].clone();
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(check.dir.join(sarif_path)).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");

    // The comment: gh was given the diff of the pull request against main.
    let calls = fx.calls();
    assert!(
        calls.starts_with("gh [pr] [comment] [7] [--body-file]"),
        "{calls}"
    );
    for covered in ["CC7.1", "CC7.2", "CC7.3"] {
        assert!(
            calls.contains(covered),
            "{covered} is newly covered:\n{calls}"
        );
    }

    let build = jobs["build"].as_ref().unwrap();
    assert!(build.passed, "{}", build.output);
    assert!(build.dir.join("portal-public/index.html").is_file());
    assert!(build.dir.join("portal-internal/index.html").is_file());
    assert_eq!(
        uses(build, "actions/upload-artifact").unwrap()["path"],
        "portal-internal/"
    );
    assert!(uses(build, "actions/upload-pages-artifact").is_none());
    assert!(jobs["deploy"].is_none(), "a pull request deploys nothing");
}

#[test]
fn github_actions_on_main_publishes_the_public_portal_to_pages() {
    let fx = Fixture::new();
    let event = GithubEvent {
        name: "push",
        git_ref: "refs/heads/main",
        branch: "main",
    };
    let jobs = github_workflow(&fx, &event);
    let check = jobs["check"].as_ref().unwrap();
    assert!(check.passed, "{}", check.output);
    assert_eq!(
        step(check, "Comment what the pull request does to compliance"),
        None
    );
    assert!(!fx.calls().contains("gh "), "{}", fx.calls());
    let build = jobs["build"].as_ref().unwrap();
    assert!(build.passed, "{}", build.output);
    let pages = uses(build, "actions/upload-pages-artifact").unwrap()["path"].clone();
    let index = std::fs::read_to_string(build.dir.join(&pages).join("index.html")).unwrap();
    assert!(index.contains("Test Portal"));
    assert!(uses(jobs["deploy"].as_ref().unwrap(), "actions/deploy-pages").is_some());
}

#[test]
fn github_actions_fails_a_pull_request_with_a_check_error_and_still_reports_it() {
    let fx = Fixture::new();
    let event = GithubEvent {
        name: "pull_request",
        git_ref: "refs/pull/8/merge",
        branch: "broken",
    };
    let jobs = github_workflow(&fx, &event);
    let check = jobs["check"].as_ref().unwrap();
    assert!(!check.passed);
    assert_eq!(step(check, "Check"), Some(false));
    assert!(
        check
            .output
            .contains("::error file=content/policies/typo.md")
    );
    // The SARIF report and the comment still go out, and both name the problem.
    assert_eq!(step(check, "Check, as SARIF for code scanning"), Some(true));
    let sarif = std::fs::read_to_string(check.dir.join("crosswalk.sarif")).unwrap();
    assert!(sarif.contains("CC99.9"), "{sarif}");
    assert!(uses(check, "github/codeql-action/upload-sarif").is_some());
    assert!(fx.calls().contains("CC99.9"), "{}", fx.calls());
    assert!(jobs["build"].is_none(), "build needs a passing check");
}

// ---------------------------------------------------------------------------------------------
// GitLab CI

/// GitLab's predefined variables for one pipeline.
fn gitlab_variables(merge_request: bool, dir: &Path) -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    let mut set = |k: &str, val: &str| {
        v.insert(k.to_string(), val.to_string());
    };
    set("CI_PROJECT_DIR", dir.to_str().unwrap());
    set("CI_DEFAULT_BRANCH", "main");
    set("CI_API_V4_URL", "https://gitlab.example.test/api/v4");
    set("CI_PROJECT_ID", "42");
    set("CROSSWALK_NOTE_TOKEN", "test-token");
    if merge_request {
        set("CI_PIPELINE_SOURCE", "merge_request_event");
        set("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main");
        set("CI_MERGE_REQUEST_IID", "3");
    } else {
        set("CI_PIPELINE_SOURCE", "push");
        set("CI_COMMIT_BRANCH", "main");
    }
    v
}

/// `$A == "b"` or `$A == $B` (an unset variable is empty, as in GitLab).
fn gitlab_rule(cond: &str, vars: &BTreeMap<String, String>) -> bool {
    let side = |s: &str| {
        let s = s.trim();
        match s.strip_prefix('$') {
            Some(name) => vars.get(name).cloned().unwrap_or_default(),
            None => s.trim_matches('"').to_string(),
        }
    };
    let (l, r) = cond
        .split_once("==")
        .unwrap_or_else(|| panic!("the test does not know the rule `{cond}`"));
    side(l) == side(r)
}

fn script_lines(v: &Value) -> Vec<String> {
    v.as_sequence().into_iter().flatten().map(text).collect()
}

/// Runs every job the pipeline would start; returns (job, passed, clone, output).
fn gitlab_pipeline(
    fx: &Fixture,
    merge_request: bool,
    branch: &str,
) -> Vec<(String, bool, PathBuf)> {
    let (_, ci) = recipe("gitlab-ci.yml");
    let before = script_lines(&ci["default"]["before_script"]);
    let mut out = Vec::new();
    for (name, job) in ci.as_mapping().unwrap() {
        let name = text(name);
        if ["variables", "default", "stages", "include"].contains(&name.as_str()) {
            continue;
        }
        let probe = gitlab_variables(merge_request, Path::new("/"));
        let starts = job["rules"]
            .as_sequence()
            .unwrap()
            .iter()
            .any(|r| gitlab_rule(&text(&r["if"]), &probe));
        if !starts {
            continue;
        }
        let dir = fx.clone(&format!("gl-{merge_request}-{name}"), branch);
        let mut vars = gitlab_variables(merge_request, &dir);
        for (k, v) in ci["variables"].as_mapping().into_iter().flatten() {
            vars.insert(text(k), text(v));
        }
        let mut script = before.clone();
        script.extend(script_lines(&job["script"]));
        let (ok, output) = fx.run(&dir, &script.join("\n"), &vars);
        assert!(ok, "GitLab job {name} failed:\n{output}");
        // What the job keeps exists.
        for p in script_lines(&job["artifacts"]["paths"]) {
            assert!(dir.join(&p).exists(), "{name}: artifact {p} missing");
        }
        if let Some(junit) = job["artifacts"]["reports"].get("junit") {
            let xml = std::fs::read_to_string(dir.join(text(junit))).unwrap();
            assert!(xml.contains("<testsuite"), "{xml}");
        }
        out.push((name, ok, dir));
    }
    out
}

#[test]
fn gitlab_ci_in_a_merge_request_checks_and_posts_the_diff_as_a_note() {
    let fx = Fixture::new();
    let jobs = gitlab_pipeline(&fx, true, "more");
    let names: Vec<&str> = jobs.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["check", "compliance-diff"]);
    let calls = fx.calls();
    assert!(
        calls.contains("[https://gitlab.example.test/api/v4/projects/42/merge_requests/3/notes]"),
        "{calls}"
    );
    assert!(calls.contains("CC7.3"), "{calls}");
    assert!(!calls.contains("cargo"), "{calls}");
}

#[test]
fn gitlab_ci_on_the_default_branch_publishes_the_public_portal_to_pages() {
    let fx = Fixture::new();
    let jobs = gitlab_pipeline(&fx, false, "main");
    let names: Vec<&str> = jobs.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["check", "internal-portal", "pages"]);
    let pages = &jobs[2].2;
    // Pages takes a real folder, not crosswalk's link to its generation.
    let public = pages.join("public");
    assert!(
        !std::fs::symlink_metadata(&public)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let index = std::fs::read_to_string(public.join("index.html")).unwrap();
    assert!(index.contains("Test Portal"));
    assert!(fx.calls().is_empty(), "{}", fx.calls());
}
