//! The trust center's content (issue 20, item 2): documents listed on request, the subprocessors
//! page, the FAQ, contact and `/.well-known/security.txt` (RFC 9116), their checks, and their
//! incremental rebuilds. What must not leak is in tests/leaks.rs.

mod common;

use common::{Site, snapshot, write_file};
use std::fs;

/// A trust-center configuration: contact, request access, security.txt expiring `expires`.
fn config(expires: &str) -> String {
    format!(
        "{}request_access: Write to trust@example.com for the rest.\nrequest_access_url: mailto:trust@example.com\ncontact:\n  security: security@example.com\n  trust: trust@example.com\n  url: https://example.com/security\nsecurity_txt:\n  contact: [mailto:security@example.com, \"tel:+44-20-7946-0000\"]\n  expires: {expires}\n  preferred_languages: [en, de-CH]\n  policy: https://example.com/disclosure\n  canonical: https://trust.example.com/.well-known/security.txt\n  encryption: https://example.com/pgp.txt\n",
        common::CONFIG
    )
}

const SUPPLIERS: &str = "classification: internal\nsuppliers:\n  - id: SUP-A\n    name: Alpha Cloud\n    service: hosting\n    criticality: high\n    assessed: 2026-01-05\n    reassess_every: 12 months\n    subprocessor:\n      purpose: Hosting\n      location: Ireland\n      data: [customer data, logs]\n      since: 2021-01-15\n  - id: SUP-B\n    name: Beta Mail\n    service: email\n    criticality: low\n    assessed: 2026-01-05\n    reassess_every: 12 months\n    subprocessor:\n      purpose: Transactional email\n      location: USA\n      since: 2026-06-01\n  - id: SUP-C\n    name: Gamma Support\n    service: support\n    criticality: low\n    assessed: 2026-01-05\n    reassess_every: 12 months\n    subprocessor:\n      purpose: Support desk\n      location: Philippines\n      since: 2027-01-10\n      notice: 2026-11-10\n  - id: SUP-D\n    name: Delta Chat\n    service: chat\n    criticality: low\n    assessed: 2026-01-05\n    reassess_every: 12 months\n    subprocessor:\n      purpose: Shared channels\n      location: USA\n      since: 2020-01-01\n      notice: 2026-10-01\n      removed: 2026-11-01\n  - id: SUP-E\n    name: Epsilon Payroll\n    service: payroll\n    criticality: low\n    assessed: 2026-01-05\n    reassess_every: 12 months\n";

fn trust_site() -> Site {
    let site = Site::minimal();
    site.write("crosswalk.yaml", config("2027-06-30"));
    site.write("content/records/suppliers.yaml", SUPPLIERS);
    site.write(
        "content/trust/faq.md",
        "# Security questions\n\nWhat customers ask.\n\n## Do you encrypt data?\n\nYes, with **AES-256**.<script>alert(1)</script>\n\n## Where is data stored?\n\nIn the EU.\n",
    );
    site.write(
        "content/plans/ir.md",
        "---\nid: PLAN-IR\ntitle: Incident Response Plan\nowner: CISO\nversion: \"2\"\napproved: 2026-06-01\nreview_every: 12 months\nclassification: confidential\nlisting: on-request\nsummary: How we respond to incidents.\ncontrols: [soc2:CC7.3]\n---\nSecret playbook.\n",
    );
    site
}

#[test]
fn security_txt_follows_rfc_9116() {
    let site = trust_site();
    site.build(&["--profile", "public"]).assert_ok();
    let path = site.out().join(".well-known/security.txt");
    let bytes = fs::read(&path).unwrap();
    // Checked by an independent reading of RFC 9116 section 2: UTF-8, CRLF or LF lines, known
    // field names, one Expires in the future in RFC 3339 form, at least one Contact URI.
    let out = common::run_python(
        r#"
import sys, datetime, re
raw = open(sys.argv[1], 'rb').read()
text = raw.decode('utf-8')
assert text.endswith('\n'), 'ends with a line break'
lines = text.split('\n')[:-1]
assert all(l.endswith('\r') for l in lines) or not any(l.endswith('\r') for l in lines), 'one line ending'
known = {'acknowledgments', 'canonical', 'contact', 'encryption', 'expires', 'hiring', 'policy', 'preferred-languages'}
fields = []
for l in lines:
    l = l.rstrip('\r')
    if not l or l.startswith('#'):
        continue
    m = re.fullmatch(r'([A-Za-z0-9-]+): (\S.*)', l)
    assert m, 'field line: %r' % l
    name, value = m.group(1).lower(), m.group(2)
    assert name in known, 'unknown field %s' % name
    fields.append((name, value))
names = [n for n, _ in fields]
assert names.count('expires') == 1, 'exactly one Expires'
assert names.count('contact') >= 1, 'a Contact'
assert names.count('preferred-languages') <= 1
for n, v in fields:
    if n in ('contact',):
        assert re.match(r'(mailto:|https://|tel:)', v), v
    if n in ('encryption', 'acknowledgments', 'canonical', 'policy', 'hiring'):
        assert v.startswith('https://'), v
    if n == 'preferred-languages':
        assert all(re.fullmatch(r'[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*', t.strip()) for t in v.split(',')), v
expires = dict(fields)['expires']
when = datetime.datetime.fromisoformat(expires.replace('Z', '+00:00'))
assert when.tzinfo is not None
print(expires, len([n for n in names if n == 'contact']))
"#,
        &[path.as_os_str()],
    );
    assert_eq!(out.trim(), "2027-06-30T23:59:59Z 2");
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.starts_with("Contact: mailto:security@example.com\r\n"));
    assert!(text.contains("Preferred-Languages: en, de-CH\r\n"));
    // From the configuration, never the clock: another day gives the same bytes.
    let root = site.root.to_str().unwrap();
    site.run(&[
        "build",
        "--root",
        root,
        "--profile",
        "public",
        "--today",
        "2026-12-30",
    ])
    .assert_ok();
    assert_eq!(fs::read(&path).unwrap(), bytes);
    // Linked from the home page, with the contact addresses.
    let home = site.page("index.html");
    assert!(home.contains("href=\".well-known/security.txt\""));
    assert!(
        home.contains("mailto:security@example.com") && home.contains("mailto:trust@example.com")
    );
    assert!(home.contains("class=\"button\" href=\"mailto:trust@example.com\""));
}

#[test]
fn without_security_txt_settings_there_is_no_file_and_the_contact_falls_back() {
    let site = trust_site();
    site.write("crosswalk.yaml", common::CONFIG);
    site.build(&[]).assert_ok();
    assert!(!site.out().join(".well-known").exists());
    // Only `contact.security` set: security.txt's contact is taken from it.
    site.write(
        "crosswalk.yaml",
        format!(
            "{}contact:\n  security: sec@example.com\nsecurity_txt:\n  expires: 2027-01-31\n",
            common::CONFIG
        ),
    );
    site.build(&[]).assert_ok();
    assert_eq!(
        site.page(".well-known/security.txt"),
        "Contact: mailto:sec@example.com\r\nExpires: 2027-01-31T23:59:59Z\r\n"
    );
}

#[test]
fn check_reports_bad_security_txt_and_links_by_rule_and_line() {
    let site = trust_site();
    // Past: an error on the line of `expires`.
    site.write("crosswalk.yaml", config("2026-11-01"));
    let r = site.check(&[]);
    r.assert_failed();
    let line = config("2026-11-01")
        .lines()
        .position(|l| l.contains("expires:"))
        .unwrap()
        + 1;
    r.assert_stdout_has(&format!("crosswalk.yaml:{line}:"));
    r.assert_stdout_has("`security_txt.expires` (2026-11-01) is past");
    site.check(&["--format", "json"])
        .assert_stdout_has("\"rule\": \"security-txt\"");
    // Within 30 days: a warning only.
    site.write("crosswalk.yaml", config("2026-12-10"));
    let r = site.check(&[]);
    r.assert_ok();
    r.assert_stdout_has("is 17 days away");
    // A contact that is not a URI, no contact at all, a bad language tag.
    site.write(
        "crosswalk.yaml",
        format!("{}security_txt:\n  contact: security@example.com\n  expires: 2027-06-30\n  preferred_languages: english language\n", common::CONFIG),
    );
    let r = site.check(&[]);
    r.assert_failed();
    r.assert_stdout_has(
        "`security_txt.contact` `security@example.com` is not a mailto:, https:// or tel: URI",
    );
    r.assert_stdout_has("is not a language tag");
    site.write(
        "crosswalk.yaml",
        format!("{}security_txt:\n  expires: 2027-06-30\n", common::CONFIG),
    );
    site.check(&[])
        .assert_failed()
        .assert_stdout_has("needs at least one `contact`");
    // A request-access link or contact the portal must not link to.
    site.write(
        "crosswalk.yaml",
        format!("{}request_access_url: javascript:alert(1)\ncontact:\n  trust: not an address\n  url: http://example.com\n", common::CONFIG),
    );
    let r = site.check(&[]);
    r.assert_failed();
    r.assert_stdout_has("`request_access_url` is `javascript:alert(1)`");
    r.assert_stdout_has("`contact.trust` is `not an address`");
    r.assert_stdout_has("`contact.url` is `http://example.com`");
    site.check(&["--format", "json"])
        .assert_stdout_has("\"rule\": \"trust-link\"");
    // An unknown field of a subprocessor block is an error naming the file.
    site.write("crosswalk.yaml", common::CONFIG);
    site.write(
        "content/records/suppliers.yaml",
        SUPPLIERS.replace(
            "      purpose: Hosting\n",
            "      purpose: Hosting\n      colour: red\n",
        ),
    );
    site.check(&[])
        .assert_failed()
        .assert_stdout_has("content/records/suppliers.yaml:");
}

#[test]
fn subprocessors_page_lists_current_ones_and_recent_changes() {
    let site = trust_site();
    site.build(&["--profile", "public"]).assert_ok();
    let page = site.page("subprocessors.html");
    let table = &page[..page.find("id=\"changes\"").unwrap()];
    let changes = &page[page.find("id=\"changes\"").unwrap()..];
    // Current: started and not removed, by name.
    let a = table.find("Alpha Cloud").unwrap();
    let b = table.find("Beta Mail").unwrap();
    assert!(a < b);
    assert!(table.contains("customer data, logs") && table.contains("Ireland"));
    assert!(!table.contains("Gamma Support"), "not yet a subprocessor");
    assert!(!table.contains("Delta Chat"), "removed");
    // Changes, newest first: the planned addition, the removal, the recent addition.
    let g = changes.find("Gamma Support").unwrap();
    let d = changes.find("Delta Chat").unwrap();
    let bm = changes.find("Beta Mail").unwrap();
    assert!(g < d && d < bm, "newest first");
    assert!(
        changes.contains(">to be added<")
            && changes.contains(">removed<")
            && changes.contains(">added<")
    );
    assert!(
        !changes.contains("Alpha Cloud"),
        "added more than a year ago"
    );
    assert!(changes.contains("2026-11-10"), "notice date shown");
    // No block, no mention; the register's own fields stay out.
    assert!(!page.contains("Epsilon") && !page.contains("SUP-"));
    assert!(
        site.page("index.html")
            .contains("href=\"subprocessors.html\"")
    );
    // No supplier with a public block: no page, no link.
    site.write(
        "content/records/suppliers.yaml",
        "classification: internal\nsuppliers: []\n",
    );
    site.build(&["--profile", "public"]).assert_ok();
    assert!(!site.out().join("subprocessors.html").exists());
    assert!(!site.page("index.html").contains("subprocessors.html"));
}

#[test]
fn faq_is_rendered_from_markdown_with_anchored_questions() {
    let site = trust_site();
    site.build(&["--profile", "public"]).assert_ok();
    let faq = site.page("faq.html");
    assert!(faq.contains("<h1>Security questions</h1>"));
    assert!(faq.contains("id=\"q-do-you-encrypt-data\""));
    assert!(faq.contains("href=\"#q-where-is-data-stored\""));
    assert!(faq.contains("<strong>AES-256</strong>"));
    assert!(!faq.contains("alert(1)"), "answers are sanitised");
    assert!(faq.contains("What customers ask."));
    // Every page links to it.
    assert!(
        site.page("frameworks/index.html")
            .contains("href=\"../faq.html\"")
    );
    site.remove("content/trust/faq.md");
    site.build(&["--profile", "public"]).assert_ok();
    assert!(!site.out().join("faq.html").exists());
    assert!(!site.page("index.html").contains("faq.html"));
}

#[test]
fn on_request_documents_are_listed_but_not_counted() {
    let site = trust_site();
    site.build(&["--profile", "public"]).assert_ok();
    let index = site.page("documents/index.html");
    assert!(index.contains("Available on request"));
    assert!(index.contains("id=\"request-incident-response-plan\""));
    assert!(index.contains("How we respond to incidents."));
    assert!(index.contains("Write to trust@example.com for the rest."));
    assert!(!index.contains("PLAN-IR") && !index.contains("Secret playbook"));
    assert!(!site.out().join("plans/PLAN-IR.html").exists());
    // Its stub page, named after its title: title, kind, summary and how to ask.
    let stub = site.page("documents/request-incident-response-plan.html");
    assert!(index.contains("href=\"request-incident-response-plan.html\""));
    assert!(
        stub.contains("<h1>Incident Response Plan</h1>")
            && stub.contains("Plan · available on request")
    );
    assert!(
        stub.contains("How we respond to incidents.")
            && stub.contains("href=\"mailto:trust@example.com\"")
    );
    assert!(
        !stub.contains("PLAN-IR") && !stub.contains("Secret playbook") && !stub.contains("CISO")
    );
    // Not counted: CC7.3 is a gap on the public build, as without the plan.
    let control = site.page("controls/soc2/CC7.3.html");
    let without = {
        let s = trust_site();
        s.remove("content/plans/ir.md");
        s.build(&["--profile", "public"]).assert_ok();
        s.page("controls/soc2/CC7.3.html")
    };
    assert_eq!(control, without);
    // The confidential build shows it as a document like any other, not "on request".
    site.build(&["--profile", "confidential"]).assert_ok();
    let index = site.page("documents/index.html");
    assert!(index.contains("PLAN-IR") && !index.contains("Available on request"));
    // `hidden` (the default) is not listed at all.
    site.write(
        "content/plans/ir.md",
        fs::read_to_string(site.path("content/plans/ir.md"))
            .unwrap()
            .replace("listing: on-request\n", ""),
    );
    site.build(&["--profile", "public"]).assert_ok();
    assert!(
        !site
            .page("documents/index.html")
            .contains("Incident Response Plan")
    );
}

#[test]
fn edits_to_trust_content_rebuild_like_a_clean_build() {
    let dir = tempfile::tempdir().unwrap();
    let site = trust_site();
    let root = site.root.clone();
    fs::create_dir_all(root.join(".crosswalk-cache")).unwrap();
    let out = dir.path().join("out");
    let build = || common::build_into(&root, &out, &["--profile", "public"]);
    build();
    assert_same_as_clean_public(&root, &out, dir.path(), "first build");
    let edits: [(&str, &str, &str); 5] = [
        (
            "content/trust/faq.md",
            "In the EU.",
            "In the EU and the UK.",
        ),
        (
            "content/records/suppliers.yaml",
            "location: Ireland",
            "location: Ireland and Germany",
        ),
        (
            "content/plans/ir.md",
            "summary: How we respond to incidents.",
            "summary: How we respond.",
        ),
        (
            "content/plans/ir.md",
            "Secret playbook.",
            "Another secret playbook.",
        ),
        (
            "crosswalk.yaml",
            "expires: 2027-06-30",
            "expires: 2027-07-31",
        ),
    ];
    for (file, from, to) in edits {
        let text = fs::read_to_string(root.join(file)).unwrap();
        assert!(text.contains(from), "{file} has {from}");
        write_file(&root, file, &text.replace(from, to));
        build();
        assert_same_as_clean_public(&root, &out, dir.path(), &format!("{file}: {to}"));
    }
    assert!(snapshot(&out).contains_key(std::path::Path::new("faq.html")));
    assert!(
        fs::read_to_string(out.join("faq.html"))
            .unwrap()
            .contains("the UK")
    );
}

/// The output at `out` equals a clean public build of the site as it is now (`step` names the
/// comparison and its scratch folder).
fn assert_same_as_clean_public(
    root: &std::path::Path,
    out: &std::path::Path,
    scratch: &std::path::Path,
    step: &str,
) {
    let name: String = step
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let clean = scratch.join(format!("clean-{name}"));
    common::build_into(root, &clean, &["--profile", "public"]);
    common::assert_same_files(&snapshot(out), &snapshot(&clean), &format!("after {step}"));
}
