//! The built-in catalogs and crosswalks: counts pinned to the standards, every crosswalk valid,
//! and the JSON shapes of `frameworks`, `map` and `overlap`. Run outside any site, so only the
//! built-in mappings are loaded.

use serde_json::Value;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    let empty = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args(args)
        .arg("--root")
        .arg(empty.path())
        .output()
        .expect("binary runs")
}

fn json(args: &[&str]) -> Value {
    let o = run(args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("valid JSON")
}

fn framework<'a>(all: &'a Value, slug: &str) -> &'a Value {
    all.as_array()
        .unwrap()
        .iter()
        .find(|f| f["slug"] == slug)
        .unwrap_or_else(|| panic!("no {slug}"))
}

fn groups(f: &Value) -> Vec<(String, u64)> {
    f["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["counted"] == true)
        .map(|g| {
            (
                g["id"].as_str().unwrap().to_string(),
                g["controls"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, u64)]) -> Vec<(String, u64)> {
    list.iter().map(|(a, b)| (a.to_string(), *b)).collect()
}

#[test]
fn catalog_counts_match_the_standards() {
    let all = json(&["frameworks", "--format", "json"]);
    let iso = framework(&all, "iso27001");
    assert_eq!(iso["edition"], "2022");
    assert_eq!(iso["controls"], 93);
    assert_eq!(
        groups(iso),
        pairs(&[("A.5", 37), ("A.6", 8), ("A.7", 14), ("A.8", 34)])
    );
    let soc2 = framework(&all, "soc2");
    assert_eq!(soc2["controls"], 61);
    assert_eq!(
        groups(soc2),
        pairs(&[
            ("CC1", 5),
            ("CC2", 3),
            ("CC3", 4),
            ("CC4", 2),
            ("CC5", 3),
            ("CC6", 8),
            ("CC7", 5),
            ("CC8", 1),
            ("CC9", 2),
            ("A", 3),
            ("C", 2),
            ("PI", 5),
            ("P", 18)
        ])
    );
    let r2 = framework(&all, "nist800-171r2");
    assert_eq!(r2["controls"], 110);
    assert_eq!(
        groups(r2),
        pairs(&[
            ("3.1", 22),
            ("3.2", 3),
            ("3.3", 9),
            ("3.4", 9),
            ("3.5", 11),
            ("3.6", 3),
            ("3.7", 6),
            ("3.8", 9),
            ("3.9", 2),
            ("3.10", 6),
            ("3.11", 3),
            ("3.12", 4),
            ("3.13", 16),
            ("3.14", 7)
        ])
    );
    let r3 = framework(&all, "nist800-171r3");
    assert_eq!(r3["controls"], 97);
    assert_eq!(groups(r3).len(), 17);
    assert_eq!(framework(&all, "iso42001")["controls"], 38);
    assert_eq!(groups(framework(&all, "iso42001")).len(), 9);
    let p = framework(&all, "iso27701");
    assert_eq!(p["edition"], "2019");
    assert_eq!(p["controls"], 49);
    let controller: u64 = groups(p)
        .iter()
        .filter(|g| g.0.starts_with("A.7"))
        .map(|g| g.1)
        .sum();
    assert_eq!(controller, 31);
    let c17 = framework(&all, "iso27017");
    assert_eq!(c17["controls"], 44);
    assert_eq!(groups(c17)[0], ("CLD".to_string(), 7));
    assert_eq!(framework(&all, "iso27018")["edition"], "2019");
    assert_eq!(framework(&all, "iso27018")["controls"], 25);
    let hipaa = framework(&all, "hipaa");
    assert_eq!(
        groups(hipaa),
        pairs(&[
            ("164.308", 30),
            ("164.310", 12),
            ("164.312", 12),
            ("164.314", 9),
            ("164.316", 5)
        ])
    );
    // The 2013 edition is a migration aid, not a framework of its own.
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .all(|f| f["slug"] != "iso27001-2013")
    );
}

#[test]
fn the_eleven_controls_new_in_2022_are_flagged() {
    let text = crosswalk::embedded::MAPPINGS
        .get_file("frameworks/iso27001.yaml")
        .and_then(|f| f.contents_utf8())
        .unwrap();
    let catalog =
        crosswalk::load::parse_catalog(std::path::Path::new("iso27001.yaml"), text).unwrap();
    let mut new: Vec<&str> = catalog
        .controls
        .iter()
        .filter(|c| c.new)
        .map(|c| c.id.as_str())
        .collect();
    new.sort();
    assert_eq!(
        new,
        [
            "A.5.23", "A.5.30", "A.5.7", "A.7.4", "A.8.10", "A.8.11", "A.8.12", "A.8.16", "A.8.23",
            "A.8.28", "A.8.9"
        ]
    );
}

#[test]
fn every_builtin_crosswalk_validates() {
    // `check` on an empty folder fails only if the built-in mappings have errors; a site with no
    // content still loads and resolves every catalog and crosswalk.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("crosswalk.yaml"), "title: t\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args(["check", "--format", "json", "--root"])
        .arg(dir.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["errors"], 0, "{v:#}");
    assert!(o.status.success());
    let crosswalks = crosswalk::embedded::mapping_files("crosswalks");
    assert!(crosswalks.len() >= 11, "{}", crosswalks.len());
    for (name, bytes) in crosswalks {
        let x = crosswalk::load::parse_crosswalk(
            std::path::Path::new(&name),
            std::str::from_utf8(bytes).unwrap(),
        )
        .unwrap();
        assert!(
            !x.sources.is_empty() && x.sources.iter().all(|s| s.url.is_some()),
            "{name} names no sources"
        );
        assert!(!x.mappings.is_empty(), "{name} is empty");
    }
}

#[test]
fn map_json_shape_and_relationships() {
    let v = json(&["map", "soc2:CC6.1", "--to", "iso27001", "--format", "json"]);
    assert_eq!(v["control"], "soc2:CC6.1");
    assert!(v["title"].as_str().unwrap().len() > 3);
    let related = v["related"].as_array().unwrap();
    assert!(!related.is_empty());
    for r in related {
        assert!(
            r["control"].as_str().unwrap().starts_with("iso27001:"),
            "{r}"
        );
        assert!(
            ["equal", "subset_of", "superset_of", "intersects"]
                .contains(&r["relationship"].as_str().unwrap())
        );
        assert_eq!(r["derived"], false);
        assert!(r["source"].is_string());
    }
    // No crosswalk links SOC 2 and ISO 42001: the links are derived through ISO 27001.
    let v = json(&["map", "soc2:CC3.2", "--to", "iso42001", "--format", "json"]);
    for r in v["related"].as_array().unwrap() {
        assert_eq!(r["derived"], true, "{r}");
        assert!(r["via"].as_str().unwrap().starts_with("iso27001:"));
    }
}

#[test]
fn map_on_an_unknown_id_exits_1_with_suggestions() {
    let o = run(&["map", "iso27001:A.9.2.1"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("unknown control iso27001:A.9.2.1"), "{err}");
    assert!(
        err.contains("iso27001:A.5.16"),
        "2013 id should name its 2022 successor: {err}"
    );
    let o = run(&["map", "soc2:CC6.9"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("did you mean") && err.contains("soc2:CC6.1"),
        "{err}"
    );
}

#[test]
fn overlap_json_shape() {
    let v = json(&["overlap", "--format", "json"]);
    let pairs = v["pairs"].as_array().unwrap();
    let n = json(&["frameworks", "--format", "json"])
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        pairs.len(),
        n * (n - 1),
        "every ordered pair of distinct frameworks"
    );
    let p = pairs
        .iter()
        .find(|p| p["from"] == "soc2" && p["to"] == "iso27001")
        .unwrap();
    let (full, partial, weighted) = (
        p["full"].as_f64().unwrap(),
        p["partial"].as_f64().unwrap(),
        p["weighted"].as_f64().unwrap(),
    );
    assert!(full + partial <= 1.0 + 1e-9);
    assert!((weighted - (full + partial / 2.0)).abs() < 1e-3, "{p}");
    assert_eq!(p["derived"], false);
    let d = pairs
        .iter()
        .find(|p| p["from"] == "soc2" && p["to"] == "iso42001")
        .unwrap();
    assert_eq!(d["derived"], true);
}
