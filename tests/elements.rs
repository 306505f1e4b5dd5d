//! Requirement elements: `check`'s consistency rules (each with a fixture that breaks it), union
//! coverage and a derived pair on a small hand-computed three-framework site, the site's own
//! coverage by elements, `map`'s elements and `gaps` in its three formats.
//!
//! The fixture replaces the hub (ISO 27001) with a two-control catalog of its own, and every
//! built-in crosswalk that names it with an empty one, so every figure below can be worked out by
//! hand from the files written here.

mod common;

use common::{Site, policy};
use serde_json::Value;

const SRC: &str = "sources:\n  - id: own\n    title: Our own reading\n    url: https://example.com/own\n  - id: grp\n    title: A source that says the two controls together meet it\n    url: https://example.com/grp\n";

/// The hub: H1 has two elements, H2 three.
const HUB: &str = r#"slug: iso27001
title: Hub
edition: "2022"
sources:
  - id: s
    title: s
    url: https://example.com/s
groups:
  - id: "A"
    title: Controls
controls:
  - id: H1
    title: Hub one
    group: "A"
    elements:
      - id: "1"
        label: h1 first
      - id: "2"
        label: h1 second
  - id: H2
    title: Hub two
    group: "A"
    elements:
      - id: "1"
        label: h2 first
      - id: "2"
        label: h2 second
      - id: "3"
        label: h2 third
"#;

/// alpha: A1 has four elements, A2 two, A3 none (it counts as one).
const ALPHA: &str = r#"slug: alpha
title: Alpha
edition: "1"
sources:
  - id: s
    title: s
    url: https://example.com/s
groups:
  - id: "G"
    title: Alpha controls
controls:
  - id: A1
    title: Alpha one
    group: "G"
    elements:
      - id: "1"
        label: a1 first
      - id: "2"
        label: a1 second
      - id: "3"
        label: a1 third
      - id: "4"
        label: a1 fourth, met by nobody
  - id: A2
    title: Alpha two
    group: "G"
    elements:
      - id: "1"
        label: a2 first
      - id: "2"
        label: a2 second
  - id: A3
    title: Alpha three
    group: "G"
"#;

/// beta: B1 has two elements, B2 one.
const BETA: &str = r#"slug: beta
title: Beta
edition: "1"
sources:
  - id: s
    title: s
    url: https://example.com/s
groups:
  - id: "G"
    title: Beta controls
controls:
  - id: B1
    title: Beta one
    group: "G"
    elements:
      - id: "1"
        label: b1 first
      - id: "2"
        label: b1 second
  - id: B2
    title: Beta two
    group: "G"
    elements:
      - id: "1"
        label: b2 only
"#;

fn crosswalk(from: &str, to: &str, from_ed: &str, rows: &str) -> String {
    format!(
        "from: {from}\nto: {to}\nfrom_edition: \"{from_ed}\"\nto_edition: \"2022\"\n{SRC}mappings:\n{rows}"
    )
}

const ALPHA_ROWS: &str = r#"  - from: A1
    to: H1
    relationship: intersects
    rationale: semantic
    confidence: high
    from_met: ["1", "2"]
    to_met: ["1"]
  - from: A1
    to: H2
    relationship: intersects
    rationale: functional
    confidence: medium
    from_met: ["3"]
    to_met: []
  - from: A2
    to: H2
    relationship: subset_of
    rationale: semantic
    confidence: high
    from_met: ["1", "2"]
    to_met: ["1"]
  - from: A3
    to: H1
    relationship: intersects
    note: both speak of the same topic
"#;

/// B1 equals H1; H2 is met by B2 (element 1, medium) and B1 (elements 2 and 3, low) together.
const BETA_ROWS: &str = r#"  - from: B1
    to: H1
    relationship: equal
    rationale: syntactic
    confidence: high
    from_met: ["1", "2"]
    to_met: ["1", "2"]
  - from: B2
    to: H2
    relationship: intersects
    rationale: semantic
    confidence: medium
    from_met: []
    to_met: ["1"]
    note: b2 meets the first part of h2
"#;

const B1_H2: &str = r#"  - from: B1
    to: H2
    relationship: intersects
    rationale: functional
    confidence: low
    from_met: []
    to_met: ["2", "3"]
    note: b1 meets the rest of h2
"#;

/// The three-framework site. `beta_h2` is appended to beta's crosswalk (rows or a groups list).
fn fixture(beta_extra: &str) -> Site {
    let site = Site::bare();
    site.write(
        "crosswalk.yaml",
        "title: Elements\nframeworks: [alpha, beta, iso27001]\n",
    );
    site.write("mappings/frameworks/iso27001.yaml", HUB);
    site.write("mappings/frameworks/alpha.yaml", ALPHA);
    site.write("mappings/frameworks/beta.yaml", BETA);
    // Every built-in crosswalk naming the hub is replaced by an empty one.
    for (name, bytes) in crosswalk::base::embedded::mapping_files("crosswalks") {
        let x = crosswalk::load::parse_crosswalk(
            std::path::Path::new(&name),
            std::str::from_utf8(bytes).unwrap(),
        )
        .unwrap();
        if x.from == "iso27001" || x.to == "iso27001" {
            let from_ed = if x.from == "iso27001" {
                "2022".to_string()
            } else {
                x.from_edition.clone()
            };
            let text = format!(
                "from: {}\nto: {}\nfrom_edition: \"{from_ed}\"\nto_edition: \"{}\"\n{SRC}mappings: []\n",
                x.from,
                x.to,
                if x.to == "iso27001" {
                    "2022"
                } else {
                    &x.to_edition
                }
            );
            site.write(&format!("mappings/crosswalks/{name}"), text);
        }
    }
    site.write(
        "mappings/crosswalks/alpha__iso27001.yaml",
        crosswalk("alpha", "iso27001", "1", ALPHA_ROWS),
    );
    site.write(
        "mappings/crosswalks/beta__iso27001.yaml",
        crosswalk("beta", "iso27001", "1", &format!("{BETA_ROWS}{beta_extra}")),
    );
    site
}

fn json(site: &Site, args: &[&str]) -> Value {
    let root = site.path("");
    let mut all = args.to_vec();
    all.extend(["--root", root.to_str().unwrap(), "--format", "json"]);
    let r = site.run(&all);
    r.assert_ok();
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

fn pair<'a>(v: &'a Value, from: &str, to: &str) -> &'a Value {
    v["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["from"] == from && p["to"] == to)
        .unwrap_or_else(|| panic!("no pair {from} -> {to}"))
}

fn close(v: &Value, want: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    assert!((got - want).abs() < 1e-3, "got {got}, want {want}");
}

#[test]
fn union_coverage_and_a_derived_pair_match_the_hand_computed_figures() {
    let site = fixture(B1_H2);
    site.check(&[]).assert_ok();
    let v = json(&site, &["overlap"]);

    // Direct, alpha -> hub: A1 3 of 4 (H1 meets 1 and 2, H2 meets 3; high only 1 and 2),
    // A2 2 of 2 (high), A3 0 of 1 (the row meets nothing).
    let p = pair(&v, "alpha", "iso27001");
    assert_eq!(p["derived"], false);
    close(&p["coverage"], (0.75 + 1.0 + 0.0) / 3.0);
    close(&p["coverage_high_confidence"], (0.5 + 1.0 + 0.0) / 3.0);
    assert_eq!(
        (
            &p["controls_met"],
            &p["controls_mostly_met"],
            &p["controls_partly_met"],
            &p["controls_unmet"]
        ),
        (
            &Value::from(1),
            &Value::from(1),
            &Value::from(0),
            &Value::from(1)
        )
    );
    // The link figures are kept beside: A2 is full (subset_of), A1 and A3 partial.
    close(&p["full"], 1.0 / 3.0);
    close(&p["partial"], 2.0 / 3.0);
    close(&p["weighted"], (1.0 + 1.0) / 3.0);

    // Derived, alpha -> beta through the hub, element by element: A1's 1 and 2 via H1 (beta
    // meets all of H1, high), its 3 via H2 (beta meets all of H2 together: element 1 medium,
    // 2 and 3 low, so the chain is low); A2's 1 and 2 via H2 (low); A3 nothing.
    let d = pair(&v, "alpha", "beta");
    assert_eq!(d["derived"], true);
    close(&d["coverage"], (0.75 + 1.0 + 0.0) / 3.0);
    close(&d["coverage_high_confidence"], (0.5 + 0.0 + 0.0) / 3.0);
    assert_eq!(d["controls_met"], 1);
    assert_eq!(d["controls_mostly_met"], 1);
    assert_eq!(d["controls_unmet"], 1);

    // The hub by beta: H1 2 of 2, H2 3 of 3.
    close(&pair(&v, "iso27001", "beta")["coverage"], 1.0);

    // `map` lists each element with the controls that wholly meet it, and the coverage.
    let m = json(&site, &["map", "alpha:A1"]);
    let els = m["elements"].as_array().unwrap();
    assert_eq!(els.len(), 4);
    assert_eq!(els[0]["id"], "alpha:A1#1");
    assert_eq!(els[0]["label"], "a1 first");
    assert_eq!(els[0]["met_by"][0]["control"], "iso27001:H1");
    assert_eq!(els[0]["met_by"][0]["confidence"], "high");
    assert_eq!(els[0]["met_by"][0]["source"], "Our own reading");
    assert_eq!(els[2]["met_by"][0]["control"], "iso27001:H2");
    assert_eq!(els[2]["met_by"][0]["confidence"], "medium");
    assert!(els[3]["met_by"].as_array().unwrap().is_empty(), "{m}");
    close(&m["coverage"]["iso27001"], 0.75);
    close(&m["coverage"]["beta"], 0.75);
    let m = json(&site, &["map", "alpha:A2", "--to", "beta"]);
    assert_eq!(m["coverage"].as_object().unwrap().len(), 1);
    close(&m["coverage"]["beta"], 1.0);
}

#[test]
fn group_rows_count_directly_but_never_compose_through_the_hub() {
    // Beta meets H2's elements 2 and 3 only as a group of B1 and B2 (with a source saying so).
    let group = "groups:\n  - from: [B1, B2]\n    to: H2\n    to_met: [\"2\", \"3\"]\n    rationale: functional\n    confidence: high\n    source: grp\n";
    let site = fixture(group);
    site.check(&[]).assert_ok();
    let v = json(&site, &["overlap"]);
    // Directly, the hub's H2 is wholly met by beta: element 1 by B2, 2 and 3 by the group.
    close(&pair(&v, "iso27001", "beta")["coverage"], 1.0);
    // Through the hub, H2 counts as met only by single rows: A1 keeps 1 and 2 (via H1), A2 gets
    // nothing.
    let d = pair(&v, "alpha", "beta");
    close(&d["coverage"], (0.5 + 0.0 + 0.0) / 3.0);
    assert_eq!(d["controls_unmet"], 2);
    // `map` names the group.
    let m = json(&site, &["map", "iso27001:H2", "--to", "beta"]);
    assert_eq!(
        m["elements"][1]["met_by"][0]["control"],
        "beta:B1 + beta:B2"
    );

    // A group row whose source is not listed is refused.
    let site = fixture(&group.replace("source: grp", "source: nowhere"));
    site.check(&[])
        .assert_failed()
        .assert_stdout_has("beta__iso27001.yaml:")
        .assert_stdout_has("`source: nowhere` is not one of this file's sources");
}

#[test]
fn the_site_inherits_a_control_only_when_named_controls_meet_every_element() {
    let site = fixture(B1_H2);
    site.write(
        "content/policies/beta.md",
        policy(
            "POL-BETA",
            "Beta Policy",
            "internal",
            &["beta:B1", "beta:B2"],
        ),
    );
    site.write(
        "content/policies/hub.md",
        policy("POL-HUB", "Hub Policy", "internal", &["iso27001:H1"]),
    );
    site.build(&[]).assert_ok();
    let status = |page: &str| {
        let html = site.page(page);
        let marker = "<span class=\"status ";
        let i = html.find(marker).unwrap() + marker.len();
        html[i..i + html[i..].find('"').unwrap()].to_string()
    };
    // H2: B2 meets element 1, B1 elements 2 and 3: together every element, so inherited.
    assert_eq!(status("controls/iso27001/H2.html"), "inherited");
    // A1: the named H1 meets 2 of its 4 elements: partial, and the page says how many.
    assert_eq!(status("controls/alpha/A1.html"), "partial");
    let a1 = site.page("controls/alpha/A1.html");
    assert!(
        a1.contains("2 of 4 met by the controls this site covers"),
        "{a1}"
    );
    // A2 is related to beta only through the hub (a derived chain): never inherited that way.
    assert_eq!(status("controls/alpha/A2.html"), "gap");

    // `gaps` with the site's own coverage, in its three formats.
    let g = json(&site, &["gaps", "alpha"]);
    assert_eq!(g["have"], serde_json::json!(["site"]));
    assert_eq!(g["controls"], 3);
    assert_eq!(g["controls_met"], 0);
    assert_eq!(g["elements"], 7);
    assert_eq!(g["elements_remaining"], 5);
    let a1 = &g["gaps"][0];
    assert_eq!(a1["control"], "alpha:A1");
    let remaining: Vec<&str> = a1["remaining"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(remaining, ["alpha:A1#3", "alpha:A1#4"]);
    assert_eq!(a1["nearest"][0]["control"], "iso27001:H1");
    assert_eq!(a1["nearest"][0]["in_place"], true);
    // With beta taken as implemented: through the hub, A1 misses only element 4, A2 nothing.
    let g = json(&site, &["gaps", "alpha", "--have", "beta"]);
    assert_eq!(g["derived"], true);
    assert_eq!(g["controls_met"], 1);
    assert_eq!(g["elements_remaining"], 2);
    let root = site.path("");
    let root = root.to_str().unwrap();
    site.run(&["gaps", "alpha", "--have", "beta", "--root", root])
        .assert_ok()
        .assert_stdout_has("Beta to Alpha: 1 of 3 controls fully met; 2 of 7 elements remain")
        .assert_stdout_has("#4      a1 fourth, met by nobody");
    site.run(&["gaps", "alpha", "--root", root, "--format", "markdown"])
        .assert_ok()
        .assert_stdout_has("## What is left for Alpha")
        .assert_stdout_has("- `alpha:A1#4` a1 fourth, met by nobody");
    site.run(&["gaps", "nosuch", "--root", root])
        .assert_failed()
        .assert_stderr_has("unknown framework `nosuch`");

    // The portal's gap page for each framework in scope, linked from the framework page.
    let page = site.page("gaps/alpha.html");
    assert!(page.contains("This site to Alpha: 0 of 3 controls fully met; 5 of 7 elements remain"));
    assert!(page.contains("a1 fourth, met by nobody"));
    assert!(
        site.page("frameworks/alpha.html")
            .contains("../gaps/alpha.html")
    );
    // Not on a public build unless the site says so.
    site.build(&["--profile", "public"]).assert_ok();
    assert!(!site.out().join("gaps").exists());
    site.write(
        "crosswalk.yaml",
        "title: Elements\nframeworks: [alpha, beta, iso27001]\npublic_gaps: true\n",
    );
    site.build(&["--profile", "public"]).assert_ok();
    assert!(site.out().join("gaps/alpha.html").exists());
}

/// One crosswalk row between alpha and the hub, checked alone.
fn check_row(row: &str) -> common::Run {
    let site = fixture(B1_H2);
    site.write(
        "mappings/crosswalks/alpha__iso27001.yaml",
        crosswalk("alpha", "iso27001", "1", row),
    );
    let r = site.check(&[]);
    r.assert_failed();
    r
}

#[test]
fn each_consistency_rule_is_enforced_with_file_line_and_fix() {
    // The row starts on line 12 of the file (5 header lines, 6 of sources, `mappings:`).
    let row = |rel: &str, from_met: &str, to_met: &str| {
        format!(
            "  - from: A1\n    to: H1\n    relationship: {rel}\n    rationale: semantic\n    confidence: medium\n    from_met: {from_met}\n    to_met: {to_met}\n    note: shared\n"
        )
    };
    let at = "alpha__iso27001.yaml:13:";
    // equal: all of both.
    check_row(&row("equal", "[\"1\"]", "[\"1\", \"2\"]"))
        .assert_stdout_has(at)
        .assert_stdout_has("`equal` disagrees with the element lists")
        .assert_stdout_has("from_met must list every element of A1 (1, 2, 3, 4)")
        .assert_stdout_has("the lists as written say `superset_of`: change `relationship:`");
    // subset_of: all of from, not all of to.
    check_row(&row(
        "subset_of",
        "[\"1\", \"2\", \"3\", \"4\"]",
        "[\"1\", \"2\"]",
    ))
    .assert_stdout_has(at)
    .assert_stdout_has("to_met must list not every element of H1")
    .assert_stdout_has("`equal`");
    // superset_of: not all of from, all of to.
    check_row(&row("superset_of", "[\"1\"]", "[\"1\"]"))
        .assert_stdout_has(at)
        .assert_stdout_has("to_met must list every element of H1 (1, 2)")
        .assert_stdout_has("`intersects`");
    // intersects: not all either way.
    check_row(&row("intersects", "[\"1\", \"2\", \"3\", \"4\"]", "[]"))
        .assert_stdout_has(at)
        .assert_stdout_has("from_met must list not every element of A1")
        .assert_stdout_has("`subset_of`");
    // An element that does not exist.
    check_row(&row("intersects", "[\"9\"]", "[]"))
        .assert_stdout_has(at)
        .assert_stdout_has("`A1` has no element `9`")
        .assert_stdout_has("its elements are 1, 2, 3, 4");
    // A row that meets nothing needs a note saying what is shared.
    check_row(&row("intersects", "[]", "[]").replace("    note: shared\n", ""))
        .assert_stdout_has(at)
        .assert_stdout_has("meets no element either way, and has no note");
    // A control without elements has nothing to list.
    check_row(&row("intersects", "[\"1\"]", "[]").replace("A1", "A3"))
        .assert_stdout_has("`A3` has no elements, so there is nothing to list");
}

#[test]
fn a_site_catalog_without_elements_keeps_its_met_or_unmet_coverage() {
    // Neither side has elements: `subset_of` meets the narrower control's one element, and
    // `intersects` meets nothing, as before elements existed.
    let site = fixture(B1_H2);
    site.write(
        "mappings/crosswalks/alpha__beta.yaml",
        "from: alpha\nto: beta\nfrom_edition: \"1\"\nto_edition: \"1\"\nsources:\n  - id: own\n    title: own\n    url: https://example.com/own\nmappings:\n  - from: A3\n    to: B2\n    relationship: subset_of\n",
    );
    site.check(&[]).assert_ok();
    let v = json(&site, &["overlap"]);
    let p = pair(&v, "alpha", "beta");
    assert_eq!(p["derived"], false);
    // Only A3 is linked now (directly): 1 of 3 controls met.
    close(&p["coverage"], 1.0 / 3.0);
    assert_eq!(p["controls_met"], 1);
}
