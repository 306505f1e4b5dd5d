//! The home page's due and overdue lists stay readable on a large ISMS: each shows its earliest
//! few and links to the whole list, the documents index or evidence library filtered by a query.

mod common;

use common::{Site, policy};

/// `n` records in one evidence file, collected a day apart from 2025-01-01, valid for 1 month:
/// all expired on the test's date (2026-11-23), the first record earliest.
fn expired_records(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "- id: EV-{i:02}\n  title: Expired record {i:02}\n  owner: Head of IT\n  collected: 2025-01-{:02}\n  valid_for: 1 month\n  classification: internal\n  controls: [iso27001:A.5.18]\n  url: https://example.com/ev/{i}\n",
                i + 1
            )
        })
        .collect()
}

/// `n` policies approved a day apart from 2024-01-01 and reviewed every 12 months: all overdue.
fn overdue_policies(site: &Site, n: usize) {
    for i in 0..n {
        let text = policy(
            &format!("POL-{i:02}"),
            &format!("Overdue policy {i:02}"),
            "internal",
            &["iso27001:A.5.1"],
        )
        .replace(
            "approved: 2026-06-01",
            &format!("approved: 2024-01-{:02}", i + 1),
        );
        site.write(&format!("content/policies/pol-{i:02}.md"), text);
    }
}

fn count(page: &str, needle: &str) -> usize {
    page.matches(needle).count()
}

#[test]
fn long_lists_show_the_ten_earliest_and_link_to_the_rest() {
    let site = Site::bare();
    site.write("content/evidence/old.yaml", expired_records(14));
    overdue_policies(&site, 12);
    site.build(&[]).assert_ok();
    let home = site.page("index.html");

    // The tiles still count everything.
    assert!(
        home.contains("<span class=\"n\">14</span> evidence records"),
        "{home}"
    );
    assert!(home.contains("14 expired"), "{home}");
    assert!(home.contains("12 overdue for review"), "{home}");

    // Ten records listed, earliest expiry first; the four latest only counted.
    assert_eq!(count(&home, "expired 20"), 10, "{home}");
    for i in 0..10 {
        assert!(
            home.contains(&format!(">Expired record {i:02}</a>")),
            "record {i} missing"
        );
    }
    for i in 10..14 {
        assert!(
            !home.contains(&format!(">Expired record {i:02}</a>")),
            "record {i} listed"
        );
    }
    let first = home.find(">Expired record 00<").unwrap();
    let second = home.find(">Expired record 01<").unwrap();
    assert!(first < second, "not earliest first");
    assert!(
        home.contains(
            "4 more: <a href=\"evidence/index.html?fresh=stale\">all 14 expired records</a>"
        ),
        "{home}"
    );

    // Ten overdue documents, then a link to the documents index filtered the same way.
    assert_eq!(
        count(&home, "<span class=\"fresh-stale\">due 20"),
        10,
        "{home}"
    );
    assert!(home.contains(">Overdue policy 00</a>"));
    assert!(!home.contains(">Overdue policy 11</a>"));
    assert!(
        home.contains(
            "2 more: <a href=\"documents/index.html?fresh=stale\">all 12 overdue documents</a>"
        ),
        "{home}"
    );

    // The pages linked to hold every item, each row marked with its freshness for the filter.
    let library = site.page("evidence/index.html");
    assert_eq!(count(&library, "data-fresh=\"stale\""), 14);
    let documents = site.page("documents/index.html");
    assert_eq!(count(&documents, "<tr data-fresh=\"stale\">"), 12);
    assert!(documents.contains("data-filter-fresh"));
}

#[test]
fn short_lists_are_shown_whole_without_a_link() {
    let site = Site::bare();
    site.write("content/evidence/old.yaml", expired_records(3));
    overdue_policies(&site, 2);
    site.build(&[]).assert_ok();
    let home = site.page("index.html");
    assert_eq!(count(&home, "expired 20"), 3);
    assert_eq!(count(&home, "<span class=\"fresh-stale\">due 20"), 2);
    assert!(!home.contains("?fresh="), "{home}");
    assert!(!home.contains("class=\"more\""), "{home}");
}
