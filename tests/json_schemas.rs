//! Machine-readable output: every `--format json` of `check`, `overlap`, `gaps`, `coverage` and
//! `evidence`, on the demo and on a tiny site, validated against its shipped JSON Schema
//! (docs/schemas/) by Python's jsonschema (an independent judge); broken documents that the
//! schemas must refuse; the schemas' own strictness; the figures against the portal's pages and
//! the profile; `crosswalk schema` printing the files byte for byte; docs/json.md naming every
//! field.

mod common;

use common::{Site, TODAY, policy, run_in};
use serde_json::Value;
use std::path::{Path, PathBuf};

const DEMO: &str = env!("CARGO_MANIFEST_DIR");

fn schema_path(name: &str) -> PathBuf {
    Path::new(DEMO).join(format!("docs/schemas/{name}.schema.json"))
}

/// The names of the shipped schemas (docs/schemas/NAME.schema.json).
fn shipped() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(Path::new(DEMO).join("docs/schemas"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".schema.json").map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

/// Validates each (schema name, document) with jsonschema's Draft 2020-12 validator, after
/// checking the schema itself against the metaschema; returns each document's errors
/// (`path: message`), in order.
fn validate(docs: &[(&str, &str)]) -> Vec<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let mut args: Vec<std::ffi::OsString> = Vec::new();
    for (i, (schema, doc)) in docs.iter().enumerate() {
        let file = dir.path().join(format!("{i}.json"));
        std::fs::write(&file, doc).unwrap();
        args.push(schema_path(schema).into());
        args.push(file.into());
    }
    let code = r#"
import json, sys
from jsonschema import Draft202012Validator
out = []
args = sys.argv[1:]
for schema_file, doc_file in zip(args[0::2], args[1::2]):
    schema = json.load(open(schema_file))
    Draft202012Validator.check_schema(schema)
    doc = json.load(open(doc_file))
    errors = Draft202012Validator(schema).iter_errors(doc)
    out.append(["/".join(map(str, e.absolute_path)) + ": " + e.message for e in errors])
print(json.dumps(out))
"#;
    let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    let printed = common::run_python(code, &refs);
    serde_json::from_str(&printed).unwrap_or_else(|e| panic!("{e}: {printed}"))
}

/// Asserts every (schema, document) is valid.
fn assert_valid(docs: &[(&str, &str)]) {
    for ((schema, doc), errors) in docs.iter().zip(validate(docs)) {
        assert!(
            errors.is_empty(),
            "output does not match docs/schemas/{schema}.schema.json:\n{}\n--- output\n{}",
            errors.join("\n"),
            &doc[..doc.len().min(3000)]
        );
    }
}

/// Runs the binary on `root` as of TODAY and returns stdout, which must be JSON.
fn json_out(root: &Path, args: &[&str]) -> String {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--root", root.to_str().unwrap(), "--today", TODAY]);
    let r = run_in(root, &all);
    assert!(
        matches!(r.code, Some(0 | 1)),
        "{args:?} failed:\n{}\n{}",
        r.stdout,
        r.stderr
    );
    let _: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}):\n{}", r.stdout));
    r.stdout
}

fn parse(s: &str) -> Value {
    serde_json::from_str(s).unwrap()
}

/// A framework of the site's own, in scope: two counted controls and one in a group that is not
/// counted, none with requirement elements.
const GAMMA: &str = r#"slug: gamma
title: Gamma Baseline
edition: "1"
sources:
  - id: own
    title: Our own reading
    url: https://example.com/gamma
groups:
  - id: "G"
    title: Gamma controls
  - id: "X"
    title: Gamma notes
    counted: false
controls:
  - id: G1
    title: Gamma one
    group: "G"
  - id: G2
    title: Gamma two
    group: "G"
  - id: X1
    title: Gamma note
    group: "X"
"#;

/// The minimal site (an internal policy and an internal evidence record with a file) with gamma
/// and SOC 2 in scope, a public policy naming gamma:G1, a confidential one naming gamma:G2, and
/// an expired internal record kept by URL.
fn tiny() -> Site {
    let site = Site::minimal();
    site.write(
        "crosswalk.yaml",
        "title: Test Portal\norganisation: Test Org\nframeworks: [soc2, gamma]\n",
    );
    site.write("mappings/frameworks/gamma.yaml", GAMMA);
    site.write(
        "content/policies/public.md",
        policy("POL-PUBLIC", "Public Policy", "public", &["gamma:G1"]),
    );
    site.write(
        "content/policies/secret.md",
        policy("POL-SECRET", "Secret Policy", "confidential", &["gamma:G2"]),
    );
    site.write(
        "content/evidence/old.yaml",
        "id: EV-OLD\ntitle: Old scan\nowner: Security\ncollected: 2025-01-10\nvalid_for: 1 month\nclassification: internal\ncontrols: [soc2:CC7.1]\nurl: https://example.com/scan\n",
    );
    site
}

fn framework<'a>(report: &'a Value, slug: &str) -> &'a Value {
    report["frameworks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["framework"] == slug)
        .unwrap_or_else(|| panic!("no {slug} in {report:#}"))
}

#[test]
fn demo_outputs_match_their_schemas() {
    let root = Path::new(DEMO);
    let outputs = [
        (
            "coverage",
            json_out(root, &["coverage", "--format", "json"]),
        ),
        (
            "coverage",
            json_out(root, &["coverage", "--controls", "--format", "json"]),
        ),
        (
            "coverage",
            json_out(
                root,
                &["coverage", "--profile", "trust-page", "--format", "json"],
            ),
        ),
        (
            "evidence",
            json_out(root, &["evidence", "--format", "json"]),
        ),
        (
            "evidence",
            json_out(
                root,
                &["evidence", "--profile", "auditors", "--format", "json"],
            ),
        ),
        ("overlap", json_out(root, &["overlap", "--format", "json"])),
        (
            "gaps",
            json_out(root, &["gaps", "soc2", "--format", "json"]),
        ),
        (
            "gaps",
            json_out(
                root,
                &["gaps", "soc2", "--have", "iso27001", "--format", "json"],
            ),
        ),
        (
            "gaps",
            json_out(
                root,
                &["gaps", "hipaa", "--have", "soc2", "--format", "json"],
            ),
        ),
    ];
    let docs: Vec<(&str, &str)> = outputs.iter().map(|(s, d)| (*s, d.as_str())).collect();
    assert_valid(&docs);
    // The demo is rich enough that the schemas' branches are exercised, not vacuously met.
    let ev = parse(&outputs[3].1);
    let records = ev["records"].as_array().unwrap();
    assert!(
        records
            .iter()
            .any(|r| r["artifacts"][0]["sha256"].is_string())
    );
    assert!(records.iter().any(|r| r["artifacts"][0]["url"].is_string()));
    assert!(records.iter().any(|r| r["seal"]["state"] == "sealed"));
    let cov = parse(&outputs[1].1);
    let iso = framework(&cov, "iso27001");
    assert!(iso["excluded"].as_u64().unwrap() > 0, "{iso:#}");
    assert!(iso["elements"].is_object());
    let statuses: Vec<&str> = cov["frameworks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["per_control"].as_array().unwrap())
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    for s in ["covered", "inherited", "partial", "gap"] {
        assert!(statuses.contains(&s), "no {s} control in the demo");
    }
    assert!(!parse(&outputs[6].1)["gaps"].as_array().unwrap().is_empty());
}

#[test]
fn tiny_site_outputs_match_their_schemas_and_figures() {
    let site = tiny();
    let root = site.root.as_path();
    let cov = json_out(root, &["coverage", "--controls", "--format", "json"]);
    let cov_public = json_out(
        root,
        &["coverage", "--profile", "public", "--format", "json"],
    );
    let ev = json_out(root, &["evidence", "--format", "json"]);
    let ev_public = json_out(
        root,
        &["evidence", "--profile", "public", "--format", "json"],
    );
    let gaps = json_out(root, &["gaps", "gamma", "--format", "json"]);
    let overlap = json_out(root, &["overlap", "--format", "json"]);
    assert_valid(&[
        ("coverage", &cov),
        ("coverage", &cov_public),
        ("evidence", &ev),
        ("evidence", &ev_public),
        ("gaps", &gaps),
        ("overlap", &overlap),
    ]);

    // gamma, at the default profile (internal): G1 covered by the public policy, G2 only by the
    // confidential one, which internal does not show; X1 is not counted; no elements anywhere.
    let cov = parse(&cov);
    assert_eq!(cov["schema_version"], 1);
    assert_eq!(cov["profile"], "internal");
    let g = framework(&cov, "gamma");
    assert_eq!(
        (&g["controls"], &g["covered"], &g["gap"], &g["not_counted"]),
        (
            &Value::from(2),
            &Value::from(1),
            &Value::from(1),
            &Value::from(1)
        ),
        "{g:#}"
    );
    assert_eq!(g["coverage"], 0.5);
    assert_eq!(g["elements"], Value::Null);
    let g1 = &g["per_control"][0];
    assert_eq!(g1["control"], "gamma:G1");
    assert_eq!(g1["status"], "covered");
    assert_eq!(g1["covered_by"], serde_json::json!(["POL-PUBLIC"]));
    assert_eq!(g["per_control"][2]["counted"], false);
    assert!(framework(&cov, "soc2")["elements"].is_object());

    // The public profile: only the public policy; nothing of the internal items.
    assert!(!cov_public.contains("POL-ACCESS") && !cov_public.contains("POL-SECRET"));
    let soc2_public = framework(&parse(&cov_public), "soc2").clone();
    assert_eq!(soc2_public["covered"], 0, "{soc2_public:#}");
    let ev_public = parse(&ev_public);
    assert_eq!(ev_public["records"], serde_json::json!([]));
    assert_eq!(ev_public["summary"]["records"], 0);

    // The evidence library: the artifact's real size and hash, the URL record as a link.
    let ev = parse(&ev);
    assert_eq!(ev["summary"]["records"], 2);
    assert_eq!(ev["summary"]["stale"], 1);
    assert_eq!(ev["summary"]["external"], 1);
    let rec = ev["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "EV-ACCESS-REVIEW")
        .unwrap();
    let art = &rec["artifacts"][0];
    assert_eq!(art["path"], "content/evidence/files/access-review.csv");
    assert_eq!(art["size"], common::ARTIFACT.len());
    assert_eq!(art["sha256"], common::sha256_hex(common::ARTIFACT));
    assert_eq!(rec["freshness"], "fresh");
    assert_eq!(rec["seal"]["state"], "unsealed");
    assert_eq!(rec["controls"], serde_json::json!(["iso27001:A.5.18"]));
    let old = ev["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "EV-OLD")
        .unwrap();
    assert_eq!(
        old["artifacts"],
        serde_json::json!([{"url": "https://example.com/scan"}])
    );
    assert_eq!(old["freshness"], "stale");
}

/// `coverage` prints the numbers the portal shows: the framework page's sentence "N covered
/// directly, N inherited, N partly related, N gaps", for each framework in scope.
#[test]
fn coverage_figures_are_the_portals() {
    let site = tiny();
    site.build(&[]).assert_ok();
    let cov = parse(&json_out(&site.root, &["coverage", "--format", "json"]));
    for f in cov["frameworks"].as_array().unwrap() {
        let page = site.page(&format!(
            "frameworks/{}.html",
            f["framework"].as_str().unwrap()
        ));
        let sentence = format!(
            "{} covered directly, {} inherited, {} partly related, {} gaps",
            f["covered"], f["inherited"], f["partial"], f["gap"]
        );
        // The portal shows no figure over fewer than five controls (docs/trust-center.md).
        if f["controls"].as_u64().unwrap() < 5 {
            assert!(!page.contains(&sentence) && page.contains("publishes no coverage figures"));
            continue;
        }
        assert!(
            page.contains(&sentence),
            "{sentence:?} not on the page of {f:#}"
        );
    }
}

/// With rule ids on every diagnostic and `schema_version` at the top (item 5 adds both).
#[test]
fn check_output_matches_its_schema() {
    let site = tiny();
    site.write(
        "content/policies/bad.md",
        policy("POL-BAD", "Bad", "internal", &["soc2:CC9.9"]),
    );
    let bad = json_out(&site.root, &["check", "--format", "json"]);
    let demo = json_out(Path::new(DEMO), &["check", "--format", "json"]);
    assert_valid(&[("check", &bad), ("check", &demo)]);
    let v = parse(&bad);
    assert_eq!(v["schema_version"], 1);
    for d in v["diagnostics"].as_array().unwrap() {
        assert!(!d["rule"].as_str().unwrap().is_empty(), "no rule id: {d}");
    }
}

/// Documents each broken in one way, which the schemas must refuse, each with the field the
/// error must name.
#[test]
fn broken_documents_fail_validation() {
    let site = tiny();
    let root = site.root.as_path();
    let cov = parse(&json_out(
        root,
        &["coverage", "--controls", "--format", "json"],
    ));
    let ev = parse(&json_out(root, &["evidence", "--format", "json"]));
    let overlap = parse(&json_out(root, &["overlap", "--format", "json"]));
    let gaps = parse(&json_out(root, &["gaps", "soc2", "--format", "json"]));
    let check = serde_json::json!({
        "schema_version": 1, "errors": 1, "warnings": 0,
        "diagnostics": [{"path": "content/policies/a.md", "line": 3, "column": 5,
            "severity": "error", "message": "unknown control", "hint": null,
            "rule": "unknown-control"}]
    });
    type Break = fn(&mut Value);
    let cases: Vec<(&str, &Value, Break, &str)> = vec![
        (
            "check",
            &check,
            |v| v["diagnostics"][0]["severity"] = "fatal".into(),
            "severity",
        ),
        (
            "check",
            &check,
            |v| v["diagnostics"][0]["line"] = 0.into(),
            "line",
        ),
        (
            "check",
            &check,
            |v| v["diagnostics"][0]["line"] = "3".into(),
            "line",
        ),
        (
            "check",
            &check,
            |v| {
                v["diagnostics"][0].as_object_mut().unwrap().remove("rule");
            },
            "rule",
        ),
        (
            "check",
            &check,
            |v| {
                v.as_object_mut().unwrap().remove("schema_version");
            },
            "schema_version",
        ),
        (
            "check",
            &check,
            |v| v["schema_version"] = 2.into(),
            "schema_version",
        ),
        (
            "coverage",
            &cov,
            |v| v["frameworks"][0]["coverage"] = "72%".into(),
            "coverage",
        ),
        (
            "coverage",
            &cov,
            |v| v["frameworks"][0]["coverage"] = 1.5.into(),
            "coverage",
        ),
        (
            "coverage",
            &cov,
            |v| {
                v["frameworks"][0].as_object_mut().unwrap().remove("gap");
            },
            "gap",
        ),
        (
            "coverage",
            &cov,
            |v| v["frameworks"][0]["uncovered"] = 3.into(),
            "uncovered",
        ),
        (
            "coverage",
            &cov,
            |v| v["frameworks"][0]["per_control"][0]["status"] = "done".into(),
            "status",
        ),
        (
            "coverage",
            &cov,
            |v| v["frameworks"][0]["elements"]["met"] = (-1).into(),
            "met",
        ),
        (
            "evidence",
            &ev,
            |v| v["records"][0]["artifacts"][0]["sha256"] = "abc".into(),
            "artifacts",
        ),
        (
            "evidence",
            &ev,
            |v| v["records"][0]["freshness"] = "expired".into(),
            "freshness",
        ),
        (
            "evidence",
            &ev,
            |v| v["records"][0]["collected"] = "1 Oct 2026".into(),
            "collected",
        ),
        (
            "evidence",
            &ev,
            |v| {
                v["records"][0].as_object_mut().unwrap().remove("controls");
            },
            "controls",
        ),
        (
            "evidence",
            &ev,
            |v| v["summary"]["records"] = Value::Null,
            "records",
        ),
        (
            "overlap",
            &overlap,
            |v| v["pairs"][0]["derived"] = "no".into(),
            "derived",
        ),
        (
            "overlap",
            &overlap,
            |v| {
                v["pairs"][0].as_object_mut().unwrap().remove("coverage");
            },
            "coverage",
        ),
        (
            "gaps",
            &gaps,
            |v| v["gaps"][0]["nearest"] = serde_json::json!([{"control": "iso27001:A.5.15"}]),
            "nearest",
        ),
        ("gaps", &gaps, |v| v["have"] = "site".into(), "have"),
    ];
    let broken: Vec<(&str, String)> = cases
        .iter()
        .map(|(schema, doc, f, _)| {
            let mut v = (*doc).clone();
            f(&mut v);
            (*schema, v.to_string())
        })
        .collect();
    // The documents before breaking are valid, so each error below is the break's.
    assert_valid(&[
        ("check", &check.to_string()),
        ("coverage", &cov.to_string()),
        ("evidence", &ev.to_string()),
        ("overlap", &overlap.to_string()),
        ("gaps", &gaps.to_string()),
    ]);
    let docs: Vec<(&str, &str)> = broken.iter().map(|(s, d)| (*s, d.as_str())).collect();
    for (i, errors) in validate(&docs).into_iter().enumerate() {
        let (schema, _, _, field) = &cases[i];
        assert!(
            !errors.is_empty(),
            "case {i} ({schema}, {field}): the broken document passed"
        );
        assert!(
            errors.iter().any(|e| e.contains(field)),
            "case {i} ({schema}): no error names {field}: {errors:?}"
        );
    }
}

/// Every object in a schema that lists properties is closed (`additionalProperties: false`) and
/// requires every property, except the one documented as present only with a flag.
#[test]
fn schemas_are_closed_and_require_their_fields() {
    fn walk(v: &Value, at: &str, problems: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::Object(props)) = m.get("properties") {
                    if m.get("additionalProperties") != Some(&Value::Bool(false)) {
                        problems.push(format!("{at}: not closed"));
                    }
                    let required: Vec<&str> = m
                        .get("required")
                        .and_then(Value::as_array)
                        .map(|r| r.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    for k in props.keys() {
                        if !required.contains(&k.as_str()) && k != "per_control" {
                            problems.push(format!("{at}: `{k}` not required"));
                        }
                    }
                }
                for (k, x) in m {
                    walk(x, &format!("{at}/{k}"), problems);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, &format!("{at}/{i}"), problems);
                }
            }
            _ => {}
        }
    }
    let mut problems = Vec::new();
    for name in shipped() {
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(schema_path(&name)).unwrap()).unwrap();
        assert_eq!(
            v["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{name}"
        );
        assert_eq!(v["properties"]["schema_version"]["const"], 1, "{name}");
        walk(&v, &name, &mut problems);
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// `crosswalk schema NAME` prints the shipped file byte for byte; `crosswalk schema` lists every
/// file in docs/schemas/; an unknown name is a usage error.
#[test]
fn schema_command_prints_the_shipped_files() {
    let here = Path::new(DEMO);
    let check = run_in(here, &["schema", "check"]);
    check.assert_ok();
    assert_eq!(
        check.stdout,
        std::fs::read_to_string(schema_path("check")).unwrap()
    );
    let list = run_in(here, &["schema"]);
    list.assert_ok();
    let listed: Vec<&str> = list
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(listed, shipped(), "every file in docs/schemas/ is listed");
    for name in shipped() {
        let r = run_in(here, &["schema", &name]);
        r.assert_ok();
        assert_eq!(
            r.stdout,
            std::fs::read_to_string(schema_path(&name)).unwrap(),
            "{name}"
        );
    }
    run_in(here, &["schema", "nope"])
        .assert_code(2)
        .assert_stderr_has("check, coverage");
}

/// The schemas this file's outputs follow; docs/json.md documents each field of these. (`diff`'s
/// schema is documented with the diff command.)
const DOCUMENTED: [&str; 5] = ["check", "coverage", "evidence", "gaps", "overlap"];

/// docs/json.md names every field of every schema (as `field`), and links every schema file.
#[test]
fn json_md_documents_every_field() {
    fn fields(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::Object(props)) = m.get("properties") {
                    out.extend(props.keys().cloned());
                }
                m.values().for_each(|x| fields(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| fields(x, out)),
            _ => {}
        }
    }
    let doc = std::fs::read_to_string(Path::new(DEMO).join("docs/json.md")).unwrap();
    let mut missing = Vec::new();
    for name in shipped() {
        if !doc.contains(&format!("schemas/{name}.schema.json")) {
            missing.push(format!("link to schemas/{name}.schema.json"));
        }
        if !DOCUMENTED.contains(&name.as_str()) {
            continue;
        }
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(schema_path(&name)).unwrap()).unwrap();
        let mut fs = Vec::new();
        fields(&v, &mut fs);
        for f in fs {
            if !doc.contains(&format!("`{f}`")) {
                missing.push(format!("{name}: `{f}`"));
            }
        }
    }
    assert!(missing.is_empty(), "docs/json.md lacks {missing:#?}");
}
