//! B. Coverage through the built-in SOC 2 -> ISO 27001 crosswalk: covered, inherited, partial, gap,
//! read off the pages the binary writes.
//!
//! Per docs/content-format.md ("Coverage"), an ISO control inherits coverage from a cited SOC 2
//! criterion when the criteria cited wholly meet every one of its requirement elements (a single
//! `equal` or `superset_of` row does: meeting the criterion meets the ISO control); otherwise a
//! related control is only `partial`.

mod common;

use common::{Site, policy};

/// Guards the test's premise: the built-in crosswalk says `from relationship to`.
fn assert_crosswalk_says(from: &str, to: &str, relationship: &str) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/mappings/crosswalks/soc2__iso27001.yaml"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let found = doc["mappings"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter(|m| m["from"].as_str() == Some(from) && m["to"].as_str() == Some(to))
        .map(|m| m["relationship"].as_str().unwrap_or("").to_string())
        .collect::<Vec<_>>();
    assert_eq!(
        found,
        vec![relationship.to_string()],
        "premise: soc2:{from} {relationship} iso27001:{to}"
    );
}

/// A site whose only policy names `controls`.
fn site_citing(controls: &[&str]) -> Site {
    let site = Site::bare();
    // Both frameworks in scope, so the home page shows both coverage rows.
    site.write(
        "crosswalk.yaml",
        "title: Coverage\nframeworks: [iso27001, soc2]\n",
    );
    site.write(
        "content/policies/only.md",
        policy("POL-ONLY", "The Only Policy", "internal", controls),
    );
    site.build(&[]).assert_ok();
    site
}

/// The control page's own status: the first status badge, under the heading.
fn own_status(html: &str) -> String {
    let marker = "<span class=\"status ";
    let i = html
        .find(marker)
        .expect("no status badge on the control page");
    let rest = &html[i + marker.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The `data-status` of the row linking to `control_href` on a framework page.
fn row_status(html: &str, control_href: &str) -> String {
    let i = html
        .find(&format!("href=\"../{control_href}\""))
        .unwrap_or_else(|| panic!("no row for {control_href}"));
    let before = &html[..i];
    let j = before
        .rfind("data-status=\"")
        .expect("row has no data-status")
        + "data-status=\"".len();
    before[j..j + before[j..].find('"').unwrap()].to_string()
}

/// The numeric cells of the home page's coverage row for a framework.
fn home_figures(html: &str, slug: &str) -> Vec<usize> {
    let i = html
        .find(&format!("href=\"frameworks/{slug}.html\""))
        .unwrap_or_else(|| panic!("no home row for {slug}"));
    let start = html[..i].rfind("<tr").unwrap();
    let end = i + html[i..].find("</tr>").unwrap();
    html[start..end]
        .split("<td class=\"num\">")
        .skip(1)
        .map(|s| {
            // Each figure sits in its disclosed-aggregate mark: `<span data-aggregate=..>N</span>`.
            let s = s
                .strip_prefix("<span")
                .map_or(s, |t| &t[t.find('>').unwrap() + 1..]);
            s[..s.find('<').unwrap()].trim().parse().unwrap()
        })
        .collect()
}

#[test]
fn equal_mapping_makes_the_iso_control_inherited_and_names_the_policy() {
    assert_crosswalk_says("A1.1", "A.8.6", "equal");
    let site = site_citing(&["soc2:A1.1"]);
    let html = site.page("controls/iso27001/A.8.6.html");
    assert_eq!(own_status(&html), "inherited");
    assert!(
        html.contains("The Only Policy"),
        "policy not shown on the inherited control"
    );
    assert!(html.contains("policies/POL-ONLY.html"));
    assert!(
        html.contains("controls/soc2/A1.1.html"),
        "the control it is inherited via is not linked"
    );
    // The SOC 2 criterion itself is covered directly.
    assert_eq!(own_status(&site.page("controls/soc2/A1.1.html")), "covered");
}

#[test]
fn superset_of_mapping_makes_the_narrower_iso_control_inherited() {
    assert_crosswalk_says("CC7.2", "A.8.16", "superset_of");
    let site = site_citing(&["soc2:CC7.2"]);
    assert_eq!(
        own_status(&site.page("controls/iso27001/A.8.16.html")),
        "inherited"
    );
}

#[test]
fn intersects_mapping_yields_partial() {
    assert_crosswalk_says("CC7.2", "A.8.15", "intersects");
    let site = site_citing(&["soc2:CC7.2"]);
    let html = site.page("controls/iso27001/A.8.15.html");
    assert_eq!(own_status(&html), "partial");
    assert!(
        html.contains("The Only Policy"),
        "partly related policy not listed"
    );
}

#[test]
fn subset_of_mapping_does_not_cover_the_broader_iso_control() {
    assert_crosswalk_says("C1.2", "A.8.10", "subset_of");
    let site = site_citing(&["soc2:C1.2"]);
    assert_eq!(
        own_status(&site.page("controls/iso27001/A.8.10.html")),
        "partial"
    );
}

/// The mapping review found four `superset_of` rows that, read backwards, made an ISO control
/// wholly met by a criterion that does not ask for all of it; they are `intersects` now.
#[test]
fn the_reviewed_superset_rows_no_longer_make_iso_controls_inherited() {
    for (criterion, iso) in [("CC1.5", "A.6.4"), ("CC4.1", "A.5.35"), ("CC5.1", "A.5.3")] {
        assert_crosswalk_says(criterion, iso, "intersects");
        let site = site_citing(&[&format!("soc2:{criterion}")]);
        assert_eq!(
            own_status(&site.page(&format!("controls/iso27001/{iso}.html"))),
            "partial",
            "soc2:{criterion} -> iso27001:{iso}"
        );
    }
    // CC4.1 and 9.2: 9.2 meets the criterion (subset_of), the criterion does not meet 9.2.
    assert_crosswalk_says("CC4.1", "9.2", "subset_of");
    let site = site_citing(&["soc2:CC4.1"]);
    assert_eq!(
        own_status(&site.page("controls/iso27001/9.2.html")),
        "partial"
    );
}

#[test]
fn a_control_nobody_names_is_a_gap() {
    let site = site_citing(&["soc2:A1.1"]);
    let html = site.page("controls/iso27001/A.5.15.html");
    assert_eq!(own_status(&html), "gap");
    assert!(!html.contains("The Only Policy"));
}

#[test]
fn framework_page_figures_count_inherited_and_gaps() {
    let site = site_citing(&["soc2:A1.1"]);
    let iso = site.page("frameworks/iso27001.html");
    // ISO 27001:2022 counts its 93 Annex A controls; one is inherited, the rest are gaps.
    assert!(
        iso.contains("0 covered directly, 1 inherited, 0 partly related, 92 gaps"),
        "figures wrong on frameworks/iso27001.html"
    );
    assert_eq!(
        row_status(&iso, "controls/iso27001/A.8.6.html"),
        "inherited"
    );
    assert_eq!(row_status(&iso, "controls/iso27001/A.5.15.html"), "gap");
    let soc2 = site.page("frameworks/soc2.html");
    assert!(
        soc2.contains("1 covered directly, 0 inherited, 0 partly related"),
        "figures wrong on frameworks/soc2.html"
    );
    assert_eq!(row_status(&soc2, "controls/soc2/A1.1.html"), "covered");
}

#[test]
fn home_page_coverage_table_matches() {
    let site = site_citing(&["soc2:A1.1", "iso27001:A.5.15"]);
    let home = site.page("index.html");
    // covered, inherited, partial, gaps
    assert_eq!(home_figures(&home, "iso27001"), vec![1, 1, 0, 91]);
    let soc2 = home_figures(&home, "soc2");
    assert_eq!(soc2[0], 1, "soc2 A1.1 is covered directly");
    // A.5.15 is intersected by CC6.1 (and others): they become partial, not inherited.
    assert_eq!(soc2[1], 0, "nothing in soc2 is inherited from A.5.15 alone");
    assert!(soc2[2] >= 1, "CC6.1 should be partial through A.5.15");
}

#[test]
fn direct_coverage_wins_over_inherited() {
    let site = site_citing(&["soc2:A1.1", "iso27001:A.8.6"]);
    assert_eq!(
        own_status(&site.page("controls/iso27001/A.8.6.html")),
        "covered"
    );
    let iso = site.page("frameworks/iso27001.html");
    assert!(
        iso.contains("1 covered directly, 0 inherited,"),
        "figures wrong"
    );
}

/// Two crosswalks may relate the same pair of controls (here the built-in SOC 2 to ISO one and a
/// site's own ISO to SOC 2 one): the pair shows as two relations, but an item covering one end
/// is shown on the other once, through that control once, not once per crosswalk.
#[test]
fn a_pair_related_by_two_crosswalks_lists_each_item_once() {
    assert_crosswalk_says("A1.1", "A.8.6", "equal");
    // Links to the policy, and to the SOC 2 criterion (the relations and the "via" links).
    let count = |site: &Site| {
        let html = site.page("controls/iso27001/A.8.6.html");
        assert_eq!(own_status(&html), "inherited");
        (
            html.matches("policies/POL-ONLY.html").count(),
            html.matches("controls/soc2/A1.1.html").count(),
        )
    };
    let (policy_once, criterion_once) = count(&site_citing(&["soc2:A1.1"]));
    assert!(policy_once >= 1 && criterion_once >= 2);
    let site = Site::bare();
    site.write(
        "crosswalk.yaml",
        "title: Coverage\nframeworks: [iso27001, soc2]\n",
    );
    site.write(
        "mappings/crosswalks/iso27001__soc2.yaml",
        "from: iso27001\nto: soc2\nfrom_edition: \"2022\"\nto_edition: \"2017\"\nmethod: Our own reading.\nsources:\n  - id: own\n    title: Our own review\n    url: https://example.com/review\nmappings:\n  - from: A.8.6\n    to: A1.1\n    relationship: equal\n",
    );
    site.write(
        "content/policies/only.md",
        policy("POL-ONLY", "The Only Policy", "internal", &["soc2:A1.1"]),
    );
    site.build(&[]).assert_ok();
    let (policy, criterion) = count(&site);
    assert_eq!(
        policy, policy_once,
        "the policy is listed once per crosswalk"
    );
    assert_eq!(
        criterion,
        criterion_once + 1,
        "one more relation row, and no second 'via' link"
    );
}
