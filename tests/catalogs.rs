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
    let text = crosswalk::base::embedded::MAPPINGS
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
    let crosswalks = crosswalk::base::embedded::mapping_files("crosswalks");
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
    // Union coverage beside the link figures, on every pair.
    for q in pairs {
        let c = q["coverage"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&c), "{q}");
        assert!(
            q["coverage_high_confidence"].as_f64().unwrap() <= c + 1e-9,
            "{q}"
        );
        let counts: u64 = [
            "controls_met",
            "controls_mostly_met",
            "controls_partly_met",
            "controls_unmet",
        ]
        .iter()
        .map(|k| q[k].as_u64().unwrap())
        .sum();
        assert_eq!(counts, q["controls"].as_u64().unwrap(), "{q}");
    }
    assert_eq!(p["derived"], false);
    let d = pairs
        .iter()
        .find(|p| p["from"] == "soc2" && p["to"] == "iso42001")
        .unwrap();
    assert_eq!(d["derived"], true);
}

/// The built-in catalogs, parsed.
fn builtin_catalogs() -> Vec<crosswalk::model::Catalog> {
    crosswalk::base::embedded::mapping_files("frameworks")
        .into_iter()
        .map(|(name, bytes)| {
            crosswalk::load::parse_catalog(
                std::path::Path::new(&name),
                std::str::from_utf8(bytes).unwrap(),
            )
            .unwrap()
        })
        .collect()
}

fn builtin_crosswalks() -> Vec<crosswalk::model::Crosswalk> {
    crosswalk::base::embedded::mapping_files("crosswalks")
        .into_iter()
        .map(|(name, bytes)| {
            crosswalk::load::parse_crosswalk(
                std::path::Path::new(&name),
                std::str::from_utf8(bytes).unwrap(),
            )
            .unwrap()
        })
        .collect()
}

#[test]
fn every_control_of_the_nine_catalogs_has_elements_and_every_pair_states_them() {
    let catalogs = builtin_catalogs();
    let current: Vec<_> = catalogs
        .iter()
        .filter(|c| c.superseded_by.is_none())
        .collect();
    assert_eq!(current.len(), 9);
    for c in &current {
        for ctl in &c.controls {
            assert!(
                !ctl.elements.is_empty(),
                "{}:{} has no elements",
                c.slug,
                ctl.id
            );
            assert!(ctl.elements.len() <= 8, "{}:{}", c.slug, ctl.id);
            for e in &ctl.elements {
                assert!(
                    !e.label.trim().is_empty() && e.label.len() <= 110,
                    "{}:{}#{} label",
                    c.slug,
                    ctl.id,
                    e.id
                );
                let rests = e.rests_on.as_deref().unwrap_or("");
                match c.slug.as_str() {
                    // What each SOC 2 element rests on: the criterion, read with a point of focus
                    // only where the criterion's words need it.
                    "soc2" => assert!(rests.starts_with("criterion"), "soc2:{}#{}", ctl.id, e.id),
                    "hipaa" => assert!(
                        rests.starts_with("standard")
                            || rests.starts_with("implementation specification"),
                        "hipaa:{}#{}: {rests}",
                        ctl.id,
                        e.id
                    ),
                    "nist800-171r2" | "nist800-171r3" => {
                        assert!(rests.starts_with("800-171A"), "{}#{}", ctl.id, e.id)
                    }
                    _ => {}
                }
            }
        }
    }
    let superseded: Vec<&str> = catalogs
        .iter()
        .filter(|c| c.superseded_by.is_some())
        .map(|c| c.slug.as_str())
        .collect();
    let mut rows = 0;
    for x in builtin_crosswalks() {
        // The 2013 -> 2022 table gives migration hints only; it carries no element lists.
        if superseded.contains(&x.from.as_str()) {
            continue;
        }
        for m in &x.mappings {
            rows += 1;
            let what = format!("{}__{}: {} -> {}", x.from, x.to, m.from, m.to);
            assert!(m.rationale.is_some(), "{what}: no rationale");
            assert!(m.confidence.is_some(), "{what}: no confidence");
            assert!(m.from_met.is_some(), "{what}: no from_met");
            assert!(m.to_met.is_some(), "{what}: no to_met");
        }
    }
    assert!(rows > 1000, "{rows} rows");
}

/// NIST's elements follow SP 800-171A: every determination statement vendored in tests/data is
/// covered by exactly one element of its requirement, and no element names a statement that
/// does not exist.
#[test]
fn nist_elements_rest_on_the_vendored_determination_statements() {
    let catalogs = builtin_catalogs();
    for (slug, data, prefix) in [
        ("nist800-171r2", "nist800-171a-r2.yaml", "800-171A "),
        ("nist800-171r3", "nist800-171a-r3.yaml", "800-171A r3 A."),
    ] {
        let text =
            std::fs::read_to_string(format!("{}/tests/data/{data}", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
        let statements: std::collections::BTreeMap<
            String,
            std::collections::BTreeMap<String, String>,
        > = serde_yaml::from_str(&text).unwrap();
        let c = catalogs.iter().find(|c| c.slug == slug).unwrap();
        assert_eq!(statements.len(), c.controls.len(), "{slug}");
        let mut total = 0;
        for ctl in &c.controls {
            let keys: Vec<&String> = statements[&ctl.id].keys().collect();
            total += keys.len();
            let mut seen: Vec<String> = Vec::new();
            for e in &ctl.elements {
                let rest = e.rests_on.as_deref().unwrap().strip_prefix(prefix).unwrap();
                for token in rest.split(", ") {
                    // r2: "3.1.1[a]"; r3: "03.01.01.b" (all of b), "03.01.01.a[01]", "a[02]", "[01]"
                    // or "03.08.03" (the whole requirement).
                    let t = token.strip_prefix(ctl.id.as_str()).unwrap_or(token);
                    let t = if slug == "nist800-171r2" {
                        t.trim_start_matches('[').trim_end_matches(']')
                    } else {
                        t.trim_start_matches('.')
                    };
                    let matched: Vec<String> = if keys.iter().any(|k| k.as_str() == t) {
                        vec![t.to_string()]
                    } else {
                        keys.iter()
                            .filter(|k| {
                                t.is_empty()
                                    || k.starts_with(&format!("{t}["))
                                    || k.starts_with(&format!("{t}."))
                            })
                            .map(|k| k.to_string())
                            .collect()
                    };
                    assert!(!matched.is_empty(), "{slug}:{}#{}: {token}", ctl.id, e.id);
                    seen.extend(matched);
                }
            }
            seen.sort();
            let mut want: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
            want.sort();
            assert_eq!(seen, want, "{slug}:{} statements and elements", ctl.id);
        }
        let expected = if slug == "nist800-171r2" { 320 } else { 422 };
        assert_eq!(total, expected, "{slug} determination statements");
    }
}

/// What the independent review of the mappings found, fixed.
#[test]
fn the_mapping_review_fixes_hold() {
    let xs = builtin_crosswalks();
    let rel = |file: &str, from: &str, to: &str| -> Option<String> {
        let x = xs
            .iter()
            .find(|x| format!("{}__{}", x.from, x.to) == file)
            .unwrap();
        x.mappings
            .iter()
            .find(|m| m.from == from && m.to == to)
            .map(|m| m.relationship.as_str().to_string())
    };
    // superset_of where intersects is right.
    for (from, to) in [("CC1.5", "A.6.4"), ("CC4.1", "A.5.35"), ("CC5.1", "A.5.3")] {
        assert_eq!(
            rel("soc2__iso27001", from, to).as_deref(),
            Some("intersects")
        );
    }
    assert_ne!(
        rel("soc2__iso27001", "CC4.1", "9.2").as_deref(),
        Some("superset_of")
    );
    // Pairs the public mappings support.
    for (file, from, to) in [
        ("soc2__iso27001", "CC6.1", "A.5.16"),
        ("soc2__iso27001", "CC6.2", "A.5.15"),
        ("soc2__iso27001", "CC7.4", "A.5.25"),
        ("soc2__iso27001", "CC2.3", "A.6.8"),
        ("soc2__iso27001", "CC8.1", "A.8.27"),
        ("soc2__iso27001", "CC8.1", "A.8.28"),
        ("hipaa__iso27001", "164.308(a)(8)", "A.5.35"),
        ("nist800-171r3__iso27001", "03.12.01", "9.2"),
        ("nist800-171r2__iso27001", "3.12.1", "9.2"),
        ("nist800-171r3__iso27001", "03.01.01", "A.8.2"),
        ("iso27017__iso27001", "CLD.13.1.4", "A.8.22"),
    ] {
        assert!(
            rel(file, from, to).is_some(),
            "{file}: {from} -> {to} missing"
        );
    }
    // Weak rows re-judged: the unsourced P6.1 -> A.5.14 and 03.04.12 -> A.8.1 are gone, A1.3 no
    // longer claims A.5.30 meets it in full.
    assert_eq!(rel("soc2__iso27001", "P6.1", "A.5.14"), None);
    assert_eq!(rel("nist800-171r3__iso27001", "03.04.12", "A.8.1"), None);
    assert_ne!(
        rel("soc2__iso27001", "A1.3", "A.5.30").as_deref(),
        Some("subset_of")
    );
    // The CISO Assistant SOC 2 library is not an independent cross-check.
    let soc2 = xs
        .iter()
        .find(|x| x.from == "soc2" && x.to == "iso27001")
        .unwrap();
    let ca = soc2
        .sources
        .iter()
        .find(|s| s.id == "ciso-assistant-soc2-iso27001")
        .unwrap();
    assert!(ca.note.as_deref().unwrap_or("").contains("CCF"), "{ca:?}");
    // ISO 27701 lists its clause 5 (extensions of ISO 27001 clauses 4-10), not counted.
    let all = json(&["frameworks", "--format", "json"]);
    let p = framework(&all, "iso27701");
    assert_eq!(
        p["controls"], 49,
        "27701 still counts its 49 Annex A and B controls"
    );
    let g5 = p["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == "5")
        .expect("27701 clause 5");
    assert_eq!(g5["counted"], false);
    assert!(g5["controls"].as_u64().unwrap() >= 10);
}

/// The pair figure is the mean of the per-control figures `map` gives, and its distribution counts
/// every counted control once.
#[test]
fn union_coverage_of_a_pair_is_the_mean_of_its_controls() {
    let v = json(&["overlap", "--format", "json"]);
    let p = v["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["from"] == "soc2" && p["to"] == "iso27001")
        .unwrap()
        .clone();
    let all = json(&["frameworks", "--format", "json"]);
    let soc2 = framework(&all, "soc2");
    let ids: Vec<String> = builtin_catalogs()
        .into_iter()
        .find(|c| c.slug == "soc2")
        .unwrap()
        .controls
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids.len() as u64, soc2["controls"].as_u64().unwrap());
    let (mut sum, mut met, mut unmet) = (0.0, 0, 0);
    for id in &ids {
        let m = json(&[
            "map",
            &format!("soc2:{id}"),
            "--to",
            "iso27001",
            "--format",
            "json",
        ]);
        let c = m["coverage"]["iso27001"].as_f64().unwrap();
        // Each element lists who meets it; the coverage is the share with someone.
        let els = m["elements"].as_array().unwrap();
        let with = els
            .iter()
            .filter(|e| !e["met_by"].as_array().unwrap().is_empty())
            .count();
        assert!(
            (c - with as f64 / els.len() as f64).abs() < 1e-3,
            "{id}: {m}"
        );
        sum += c;
        met += (c >= 1.0) as u64;
        unmet += (c == 0.0) as u64;
    }
    let mean = sum / ids.len() as f64;
    assert!((p["coverage"].as_f64().unwrap() - mean).abs() < 1e-3, "{p}");
    assert_eq!(p["controls_met"], met);
    assert_eq!(p["controls_unmet"], unmet);
    let counts: u64 = [
        "controls_met",
        "controls_mostly_met",
        "controls_partly_met",
        "controls_unmet",
    ]
    .iter()
    .map(|k| p[k].as_u64().unwrap())
    .sum();
    assert_eq!(counts, ids.len() as u64);
    assert!(p["coverage_high_confidence"].as_f64().unwrap() <= p["coverage"].as_f64().unwrap());
}
