//! A long evidence library comes in pages (`evidence_page_size`, default 500): index.html,
//! page-2.html, ..., each with a pager, and beside each page a rows script (rows-N.js) that
//! hands its rows to the filters, so they can search every record from any page.

mod common;

use common::{Site, resolve_link};
use std::path::Path;

/// Records EV-01 .. EV-<n>, one file each (files sort by name, so the library lists them in
/// that order), `confidential` ones as given.
fn library_site(n: usize, page_size: &str, confidential: &[usize]) -> Site {
    let site = Site::bare();
    let config = std::fs::read_to_string(site.path("crosswalk.yaml")).unwrap();
    site.write("crosswalk.yaml", format!("{config}{page_size}"));
    for i in 1..=n {
        let class = if confidential.contains(&i) {
            "confidential"
        } else {
            "internal"
        };
        site.write(
            &format!("content/evidence/ev-{i:02}.yaml"),
            format!(
                "id: EV-{i:02}\ntitle: Record number {i:02}\nowner: CISO\ncollected: 2026-10-01\nvalid_for: 3 months\nclassification: {class}\ncontrols: [iso27001:A.5.18]\nurl: https://example.com/{i}\n"
            ),
        );
    }
    site
}

/// The record ids a page's rows link to, in order.
fn ids_in(html: &str) -> Vec<String> {
    html.split("<span class=\"muted\">EV-")
        .skip(1)
        .map(|s| format!("EV-{}", &s[..2]))
        .collect()
}

/// The rows of a rows script: `crosswalkRows(<n>, [<JSON strings>]);`.
fn script_rows(js: &str, n: usize) -> Vec<String> {
    let head = format!("crosswalkRows({n}, ");
    let json = js
        .strip_prefix(&head)
        .and_then(|s| s.trim_end().strip_suffix(");"))
        .unwrap_or_else(|| panic!("rows-{n}.js is not a call of crosswalkRows({n}, ...):\n{js}"));
    // The script's array ends with a trailing comma, which JSON does not allow.
    let json = json.replace(",\n]", "\n]");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("rows-{n}.js: {e}"))
}

fn tbody(html: &str) -> &str {
    let start = html.find("<tbody>").expect("a table body") + "<tbody>".len();
    let end = html[start..].find("</tbody>").unwrap() + start;
    &html[start..end]
}

#[test]
fn a_long_library_is_split_into_pages_that_list_every_record_once() {
    let site = library_site(8, "evidence_page_size: 3\n", &[]);
    site.build(&["--quiet"]).assert_ok();
    let evidence = site.out().join("evidence");
    let pages = ["index.html", "page-2.html", "page-3.html"];
    assert!(!evidence.join("page-4.html").exists());
    assert!(!evidence.join("rows-4.js").exists());

    let mut listed = Vec::new();
    for (n, name) in pages.iter().enumerate() {
        let html = site.page(&format!("evidence/{name}"));
        let ids = ids_in(tbody(&html));
        assert_eq!(ids.len(), if n < 2 { 3 } else { 2 }, "{name}: {ids:?}");
        listed.extend(ids);
        let (first, last) = (n * 3 + 1, (n * 3 + 3).min(8));
        assert!(
            html.contains(&format!("Records {first}-{last} of 8, page {} of 3", n + 1)),
            "{name} does not say which records it shows"
        );
        // Every page shows the counts over the whole library.
        assert!(html.contains("of 8 records serve two or more frameworks"));
        assert!(html.contains(&format!(
            "data-pages=\"3\" data-page=\"{}\" data-total=\"8\" data-per-page=\"3\"",
            n + 1
        )));
        // The pager's links lead to the other pages; this page is marked current.
        let page = Path::new("evidence").join(name);
        for other in pages {
            let link = format!("href=\"{other}\"");
            assert!(html.contains(&link), "{name} does not link to {other}");
            let target = resolve_link(&page, other).unwrap();
            assert!(site.out().join(target).is_file(), "{name} -> {other}");
        }
        assert!(html.contains(&format!(
            "<a href=\"{name}\" aria-current=\"page\">{}</a>",
            n + 1
        )));
        assert_eq!(html.contains("rel=\"prev\""), n > 0, "{name}");
        assert_eq!(html.contains("rel=\"next\""), n < 2, "{name}");

        // The page's rows script holds the same rows, byte for byte.
        let js = std::fs::read_to_string(evidence.join(format!("rows-{}.js", n + 1))).unwrap();
        let rows = script_rows(&js, n + 1);
        assert_eq!(rows.concat().trim(), tbody(&html).trim());
    }
    let expected: Vec<String> = (1..=8).map(|i| format!("EV-{i:02}")).collect();
    assert_eq!(listed, expected, "each record once, in library order");
}

#[test]
fn a_short_library_or_a_page_size_of_zero_is_one_page_without_scripts() {
    for (n, config) in [
        (3, "evidence_page_size: 3\n"),
        (8, "evidence_page_size: 0\n"),
    ] {
        let site = library_site(n, config, &[]);
        site.build(&["--quiet"]).assert_ok();
        let html = site.page("evidence/index.html");
        assert_eq!(ids_in(tbody(&html)).len(), n, "{config}");
        assert!(!html.contains("class=\"pager\"") && !html.contains("data-pages"));
        let evidence = site.out().join("evidence");
        assert!(!evidence.join("page-2.html").exists(), "{config}");
        assert!(!evidence.join("rows-1.js").exists(), "{config}");
    }
}

/// A record the build's profile hides is on no page and in no script, and the pages count only
/// what they show.
#[test]
fn pages_and_scripts_hold_nothing_above_the_profile() {
    let site = library_site(8, "evidence_page_size: 3\n", &[2, 7]);
    site.build(&["--quiet"]).assert_ok();
    let evidence = site.out().join("evidence");
    let mut listed = Vec::new();
    for entry in std::fs::read_dir(&evidence).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let text = std::fs::read_to_string(&path).unwrap();
            for hidden in ["EV-02", "EV-07", "Record number 02", "Record number 07"] {
                assert!(!text.contains(hidden), "{} shows {hidden}", path.display());
            }
            if path.extension().is_some_and(|e| e == "html") {
                assert!(text.contains(" of 6, page "), "{}", path.display());
                listed.extend(ids_in(tbody(&text)));
            }
        }
    }
    listed.sort();
    assert_eq!(
        listed,
        ["EV-01", "EV-03", "EV-04", "EV-05", "EV-06", "EV-08"]
    );
    assert!(!evidence.join("page-3.html").exists());
    assert!(evidence.join("rows-2.js").exists());
    assert!(!evidence.join("rows-3.js").exists());

    // The confidential build shows them all, on three pages.
    let out = site.outside().join("confidential");
    site.build(&[
        "--quiet",
        "--profile",
        "confidential",
        "--output",
        out.to_str().unwrap(),
    ])
    .assert_ok();
    let page = std::fs::read_to_string(out.join("evidence/page-3.html")).unwrap();
    assert_eq!(ids_in(tbody(&page)), ["EV-07", "EV-08"]);
}
