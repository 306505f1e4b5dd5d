//! `disclose:`: every profile shows the coverage of the whole ISMS (or none), never a figure of
//! its visible subset; control categories under five controls are never shown alone; ISMS
//! health and each control's status stay off public builds unless the site opts in; an edit of
//! a hidden item updates the figures of an incremental build.

#[path = "common/aggregates.rs"]
mod aggregates;
mod common;

use common::{Site, build_into, evidence, policy, snapshot};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A site whose public build shows one policy, with internal and confidential items covering
/// far more: a public figure of the visible subset would differ from the whole one.
fn site(config_extra: &str) -> Site {
    let site = Site::bare();
    site.write(
        "crosswalk.yaml",
        format!("title: Disclose test\norganisation: Example Ltd\nframeworks: [iso27001, soc2]\n{config_extra}"),
    );
    site.write(
        "content/policies/public.md",
        policy("POL-PUB", "Public policy", "public", &["iso27001:A.5.1"]),
    );
    let many = |prefix: &str, n: usize| -> Vec<String> {
        (1..=n).map(|i| format!("{prefix}{i}")).collect()
    };
    let internal: Vec<String> = many("iso27001:A.5.", 20)
        .into_iter()
        .chain(many("soc2:CC6.", 8))
        .collect();
    let internal: Vec<&str> = internal.iter().map(String::as_str).collect();
    site.write(
        "content/policies/internal.md",
        policy("POL-INT", "Internal policy", "internal", &internal),
    );
    let secret: Vec<String> = many("iso27001:A.8.", 12);
    let secret: Vec<&str> = secret.iter().map(String::as_str).collect();
    site.write(
        "content/policies/secret.md",
        policy("POL-SECRET", "Secret policy", "confidential", &secret),
    );
    site.write(
        "content/evidence/old.yaml",
        evidence(
            "EV-OLD",
            "Old record",
            "public",
            &["iso27001:A.5.1"],
            "content/evidence/files/old.txt",
        )
        .replace("collected: 2026-10-01", "collected: 2024-01-01"),
    );
    site.write("content/evidence/files/old.txt", "old\n");
    site
}

fn build(site: &Site, profile: &str) -> (PathBuf, aggregates::Figures) {
    let out = site.outside().join(format!("out-{profile}"));
    let _ = std::fs::remove_dir_all(&out);
    build_into(&site.root, &out, &["--profile", profile]);
    let (_, figures) = aggregates::mask_snapshot(&snapshot(&out));
    (out, figures)
}

fn read(out: &Path, rel: &str) -> String {
    std::fs::read_to_string(out.join(rel)).unwrap()
}

/// The figures of one page, by key.
fn on(figures: &aggregates::Figures, page: &str) -> BTreeMap<String, String> {
    figures
        .iter()
        .filter(|((p, _), _)| p == Path::new(page))
        .map(|((_, k), v)| (k.clone(), v.clone()))
        .collect()
}

#[test]
fn every_profile_shows_the_figures_of_the_whole_isms() {
    let site = site("");
    let (_, whole) = build(&site, "confidential");
    for profile in ["public", "internal"] {
        let (_, figures) = build(&site, profile);
        for page in [
            "index.html",
            "frameworks/index.html",
            "frameworks/iso27001.html",
            "frameworks/soc2.html",
        ] {
            let shown = on(&figures, page);
            assert!(!shown.is_empty(), "{profile}: no figures on {page}");
            let mut all = on(&whole, page);
            // How many covered controls lack current evidence is ISMS health: not on public.
            if profile == "public" {
                all.retain(|k, _| !k.starts_with("stale:"));
            }
            assert_eq!(shown, all, "{profile}: {page}");
        }
    }
    // A.5.1 (public), A.5.1-A.5.20 (internal), A.8.1-A.8.12 (confidential): 32 of 93, not 1.
    let home = on(&whole, "index.html");
    assert!(home["coverage:iso27001"].contains("of 93"));
    assert_eq!(home["covered:iso27001"], "32");
    assert!(
        home["category:iso27001:A.8"].contains("<td class=\"num\">12</td>"),
        "{}",
        home["category:iso27001:A.8"]
    );
}

#[test]
fn categories_under_five_controls_are_folded_into_other() {
    let site = site("");
    let (out, figures) = build(&site, "public");
    let home = on(&figures, "index.html");
    // SOC 2: CC2 (3), CC3 (4), CC4 (2), CC5 (3), CC8 (1), CC9 (2), A (3), C (2) are too small.
    for small in ["CC2", "CC3", "CC4", "CC5", "CC8", "CC9", "A", "C"] {
        assert!(
            !home.contains_key(&format!("category:soc2:{small}")),
            "{small}"
        );
    }
    assert!(home["category:soc2:other"].contains("Other (CC2, CC3, CC4, CC5, CC8, CC9, A, C)"));
    // Every category row counts at least five controls.
    for (k, v) in &home {
        if k.starts_with("category:") {
            let controls: usize = v
                .split("<td class=\"num\">")
                .nth(1)
                .and_then(|s| s.split('<').next())
                .and_then(|n| n.parse().ok())
                .unwrap();
            assert!(controls >= 5, "{k}: {controls} controls");
        }
    }
    assert!(read(&out, "frameworks/soc2.html").contains("data-aggregate=\"category:soc2:CC6\""));
}

#[test]
fn coverage_none_shows_no_figure_at_all() {
    let site = site("disclose:\n  public:\n    coverage: none\n");
    let (out, figures) = build(&site, "public");
    assert!(figures.is_empty(), "{figures:?}");
    for page in [
        "index.html",
        "frameworks/index.html",
        "frameworks/iso27001.html",
    ] {
        let html = read(&out, page);
        assert!(!html.contains("class=\"bar\""), "{page} has a bar");
        assert!(!html.contains("of 93"), "{page} has a figure");
    }
    assert!(read(&out, "frameworks/iso27001.html").contains("publishes no coverage figures"));
    // Other profiles keep theirs.
    let (_, internal) = build(&site, "internal");
    assert!(!internal.is_empty());
}

#[test]
fn public_builds_show_no_isms_health_and_no_control_verdict() {
    let site = site("");
    let (public, _) = build(&site, "public");
    let home = read(&public, "index.html");
    for health in [
        "Overdue reviews",
        "Expired evidence",
        "evidence records",
        "Due within",
    ] {
        assert!(!home.contains(health), "public home shows {health}");
    }
    assert!(home.contains("Trust center of Example Ltd"));
    let fw = read(&public, "frameworks/iso27001.html");
    assert!(
        !fw.contains("data-status="),
        "public framework page judges controls"
    );
    assert!(fw.contains("own status is not published"));
    assert!(!fw.contains("covered controls have no current evidence"));
    let control = read(&public, "controls/iso27001/A.5.1.html");
    assert!(control.contains("status not published"));
    assert!(!control.contains("class=\"status covered\""));

    let (internal, _) = build(&site, "internal");
    let home = read(&internal, "index.html");
    assert!(home.contains("Expired evidence"));
    assert!(read(&internal, "frameworks/iso27001.html").contains("data-status=\"gap\""));
}

#[test]
fn a_site_may_opt_in_to_health_and_status_and_named_profiles_take_their_levels_settings() {
    let site = site(
        "profiles:\n  trust-page: public\n  partners: public\ndisclose:\n  public:\n    health: true\n  partners:\n    control_status: true\n    coverage: none\n",
    );
    let (trust, figures) = build(&site, "trust-page");
    assert!(read(&trust, "index.html").contains("Expired evidence"));
    assert!(!read(&trust, "frameworks/iso27001.html").contains("data-status="));
    assert!(!figures.is_empty());
    let (partners, figures) = build(&site, "partners");
    // Its own entry: status shown, no coverage; its level's: health.
    assert!(figures.is_empty());
    assert!(read(&partners, "frameworks/iso27001.html").contains("data-status="));
    assert!(read(&partners, "index.html").contains("Expired evidence"));
}

#[test]
fn an_unknown_profile_under_disclose_is_an_error_naming_its_line() {
    let typo = site("disclose:\n  pubic:\n    health: true\n");
    typo.check(&[])
        .assert_failed()
        .assert_stdout_has("crosswalk.yaml:5:3")
        .assert_stdout_has("unknown profile `pubic`");
    let bad = site("disclose:\n  public:\n    coverage: some\n");
    bad.check(&[])
        .assert_failed()
        .assert_stdout_has("crosswalk.yaml:6:");
}

#[test]
fn editing_a_hidden_item_updates_the_figures_of_an_incremental_build() {
    let site = site("");
    // With a cache folder, builds keep their stamp and page keys: the second build is incremental.
    std::fs::create_dir_all(site.path(".crosswalk-cache")).unwrap();
    let out = site.outside().join("incremental");
    build_into(&site.root, &out, &["--profile", "public"]);
    let before = on(&aggregates::mask_snapshot(&snapshot(&out)).1, "index.html");
    // The confidential policy now names six more controls: no page of the public build shows
    // it, but its figures change.
    let more: Vec<String> = (13..=18).map(|i| format!("iso27001:A.8.{i}")).collect();
    let mut all: Vec<String> = (1..=12).map(|i| format!("iso27001:A.8.{i}")).collect();
    all.extend(more);
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    site.write(
        "content/policies/secret.md",
        policy("POL-SECRET", "Secret policy", "confidential", &all),
    );
    build_into(&site.root, &out, &["--profile", "public"]);
    let after = on(&aggregates::mask_snapshot(&snapshot(&out)).1, "index.html");
    assert_ne!(before["covered:iso27001"], after["covered:iso27001"]);
    assert_eq!(after["covered:iso27001"], "38");
    let clean = site.outside().join("clean");
    build_into(&site.root, &clean, &["--profile", "public"]);
    common::assert_same_files(
        &snapshot(&out),
        &snapshot(&clean),
        "public build after a hidden edit, compared with a clean build",
    );
}
