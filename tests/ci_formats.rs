//! Rule ids and the CI formats of `crosswalk check`: every diagnostic `check` reports names a rule
//! of the registry (`base::rules`); `--format sarif` is validated against the official SARIF
//! 2.1.0 schema (tests/data/sarif-2.1.0.schema.json) by python jsonschema and matches the text
//! output one for one; `--format junit` is read back by junitparser, hostile messages included.

mod common;

use common::{Run, Site, TODAY, evidence, policy, run_python};
use crosswalk::base::rules;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

// ---- helpers ---------------------------------------------------------------------------------

/// `check --format json` on `site` (with `env` set): its exit code and diagnostics.
fn check_json(site: &Site, extra: &[&str], env: &[(&str, &str)]) -> (Option<i32>, Vec<Value>) {
    let root = site.root.to_str().unwrap();
    let mut args = vec!["check", "--root", root, "--format", "json"];
    args.extend_from_slice(extra);
    let r = common::run_with_env(&site.root, &args, env);
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", r.stdout, r.stderr));
    assert_eq!(v["schema_version"], 1, "{v:#}");
    let diags = v["diagnostics"].as_array().expect("diagnostics").clone();
    (r.code, diags)
}

/// Every diagnostic of `site` names a rule of the registry, and each of `expected` is among them.
#[track_caller]
fn assert_rules(site: &Site, expected: &[&str], seen: &mut BTreeSet<String>) {
    assert_rules_with(site, &["--today", TODAY], &[], expected, seen);
}

#[track_caller]
fn assert_rules_with(
    site: &Site,
    extra: &[&str],
    env: &[(&str, &str)],
    expected: &[&str],
    seen: &mut BTreeSet<String>,
) {
    let (_, diags) = check_json(site, extra, env);
    let mut here = BTreeSet::new();
    for d in &diags {
        let rule = d["rule"].as_str().unwrap_or("");
        assert!(
            rules::find(rule).is_some(),
            "a diagnostic without a registered rule ({rule:?}): {d:#}"
        );
        here.insert(rule.to_string());
    }
    for e in expected {
        assert!(
            here.contains(*e),
            "no `{e}` among the rules reported: {here:?}\n{diags:#?}"
        );
    }
    seen.extend(here);
}

fn edit(site: &Site, rel: &str, from: &str, to: &str) {
    let p = site.path(rel);
    let t = std::fs::read_to_string(&p).unwrap();
    assert!(t.contains(from), "{rel} lacks {from:?}");
    std::fs::write(p, t.replacen(from, to, 1)).unwrap();
}

/// The ISO 27001 Annex A control ids.
fn annex_a() -> Vec<String> {
    let text = crosswalk::base::embedded::MAPPINGS
        .get_file("frameworks/iso27001.yaml")
        .and_then(|f| f.contents_utf8())
        .unwrap();
    crosswalk::load::parse_catalog(Path::new("iso27001.yaml"), text)
        .unwrap()
        .controls
        .into_iter()
        .filter(|c| c.group.starts_with("A."))
        .map(|c| c.id)
        .collect()
}

// ---- every diagnostic has a rule ---------------------------------------------------------------

/// Problems in documents, evidence and records: one site, many files, each broken its own way.
fn broken_files() -> Site {
    let site = Site::minimal();
    let pol = |id: &str, controls: &[&str]| policy(id, id, "internal", controls);
    site.write(
        "content/policies/utf8.md",
        b"---\nid: X\ntitle: \xff\n---\n",
    );
    site.write("content/policies/nofm.md", "no front matter\n");
    site.write("content/policies/yaml.md", "---\nid: [unclosed\n---\n");
    site.write(
        "content/policies/date.md",
        pol("POL-DATE", &["soc2:CC6.1"]).replace("2026-06-01", "2026-13-45"),
    );
    site.write("content/evidence/empty.yaml", "");
    site.write("content/policies/badid.md", pol("BAD ID!", &["soc2:CC6.1"]));
    site.write(
        "content/policies/noowner.md",
        pol("POL-NOOWNER", &["soc2:CC6.1"]).replace("owner: Head of IT", "owner: \"\""),
    );
    site.write(
        "content/policies/both.md",
        pol("POL-BOTH", &["soc2:CC6.1"]).replace(
            "review_every: 12 months\n",
            "review_every: 12 months\nnext_review: 2027-01-01\n",
        ),
    );
    site.write(
        "content/evidence/url.yaml",
        "id: EV-URL\ntitle: t\nowner: o\ncollected: 2026-10-01\nvalid_for: 3 months\nclassification: internal\ncontrols: [soc2:CC6.1]\nurl: ftp://example.com/x\n",
    );
    site.write(
        "content/evidence/nofile.yaml",
        evidence(
            "EV-NOFILE",
            "t",
            "internal",
            &["soc2:CC6.1"],
            "content/evidence/files/gone.csv",
        ),
    );
    site.write(
        "content/evidence/access-review.yml",
        "id: EV-OTHER\ntitle: Other\nowner: me\ncollected: 2026-10-01\nvalid_for: 1 year\nclassification: internal\nurl: https://example.com/a\n",
    );
    site.write(
        "content/policies/dup.md",
        pol("POL-ACCESS", &["soc2:CC6.1"]),
    );
    site.write(
        "content/policies/refs.md",
        pol(
            "POL-REFS",
            &["no reference", "soc2:CC9.9", "soc2:CC6.1", "soc2:CC6.1"],
        ),
    );
    site.write(
        "content/policies/none.md",
        pol("POL-NONE", &[]).replace("controls:\n", "controls: []\n"),
    );
    site.write(
        "content/policies/old.md",
        pol("POL-OLD", &["soc2:CC6.1"]).replace("2026-06-01", "2024-01-01"),
    );
    site.write(
        "content/evidence/old.yaml",
        "id: EV-OLD\ntitle: Old\nowner: S\ncollected: 2025-01-10\nvalid_for: 1 month\nclassification: internal\ncontrols: [soc2:CC6.1]\nurl: https://example.com/old\n",
    );
    site.write(
        "content/evidence/future.yaml",
        "id: EV-FUTURE\ntitle: Future\nowner: S\ncollected: 2027-01-10\nvalid_for: 1 month\nclassification: internal\ncontrols: [soc2:CC6.1]\nurl: https://example.com/future\n",
    );
    site.write("content/records/other.yaml", "a: 1\n");
    site.write(
        "content/records/management-reviews/mr.yaml",
        "id: MR-2026\ndate: 2026-03-10\nchair: CEO\nclassification: internal\nminutes: content/records/minutes.pdf\ninputs:\n  previous_actions: a\n  issues: b\n  interested_parties: c\n  performance: d\n  feedback: e\n  risk: f\n  improvement: g\n",
    );
    site.write("content/policies/huge.md", vec![b'a'; 8 * 1024 * 1024 + 1]);
    #[cfg(unix)]
    {
        let outside = site.outside().join("outside.md");
        std::fs::write(&outside, pol("POL-OUT", &["soc2:CC6.1"])).unwrap();
        std::os::unix::fs::symlink(&outside, site.path("content/policies/out.md")).unwrap();
        std::os::unix::fs::symlink("gone.md", site.path("content/policies/dangling.md")).unwrap();
    }
    site
}

/// A site's own catalog and crosswalk, both inconsistent.
fn broken_mappings() -> Site {
    let site = Site::minimal();
    site.write(
        "crosswalk.yaml",
        "title: Test\norganisation: O\nframeworks: [soc2, zeta]\n",
    );
    site.write(
        "mappings/frameworks/zeta.yaml",
        "slug: zeta\ntitle: Zeta\nedition: \"1\"\npublisher: Us\ncounts: Every control.\nsources: []\ngroups:\n  - id: Z\n    title: Z\ncontrols:\n  - id: Z.1\n    title: One\n    group: Z\n    elements:\n      - id: \"bad id!\"\n        label: x\n      - id: \"2\"\n        label: \"\"\n  - id: Z.1\n    title: Again\n    group: Z\n",
    );
    site.write(
        "mappings/crosswalks/zeta__soc2.yaml",
        "from: zeta\nto: soc2\nfrom_edition: \"9\"\nto_edition: \"2017\"\nmethod: ours\nsources: []\nmappings:\n  - from: Z.1\n    to: CC99.1\n    relationship: equal\n  - from: Z.1\n    to: CC6.1\n    relationship: equal\n  - from: Z.1\n    to: CC6.1\n    relationship: equal\n",
    );
    site
}

/// An ISO 27001 ISMS whose every record breaks a rule, and a certification cycle that does too.
fn broken_isms() -> Site {
    let site = Site::minimal();
    site.write(
        "crosswalk.yaml",
        "title: ISMS\norganisation: O\nframeworks: [iso27001]\ncertifications:\n  - framework: iso27001\n    issued: 2023-11-01\n    surveillance: [2024-11-01, 2026-12-01]\n  - framework: nosuch\n    issued: 2025-01-01\n",
    );
    let annex = annex_a();
    let mut soa = String::from(
        "version: \"3\"\napproved: 2026-03-01\nowner: CISO\nclassification: internal\ncontrols:\n",
    );
    for (i, c) in annex.iter().enumerate().skip(1) {
        match i {
            1 => soa.push_str(&format!("  - control: {c}\n    applicable: false\n")),
            2 => soa.push_str(&format!("  - control: {c}\n    applicable: true\n")),
            _ => soa.push_str(&format!(
                "  - control: {c}\n    applicable: true\n    status: implemented\n"
            )),
        }
    }
    soa.push_str("  - control: A.99.1\n    applicable: true\n    status: implemented\n");
    soa.push_str(&format!(
        "  - control: {}\n    applicable: true\n    status: implemented\n",
        annex[3]
    ));
    site.write("content/soa.yaml", soa);
    site.write(
        "content/records/management-reviews/mr.yaml",
        "id: MR-2025\ndate: 2025-10-01\nchair: CEO\nclassification: internal\ninputs:\n  previous_actions: a\n  issues: b\n  interested_parties: c\n  performance: d\n  risk: f\n  improvement: g\nactions:\n  - id: MR-A1\n    action: Do it\n    owner: Head of IT\n    due: 2026-01-31\n    status: open\n  - id: MR-A2\n    action: Done\n    owner: Head of IT\n    due: 2026-01-31\n    status: done\n",
    );
    site.write(
        "content/records/internal-audits/ia.yaml",
        "id: IA-2025\ndate: 2025-09-15\nauditor: Head of IT\narea: Access control\narea_owner: Head of IT\nclassification: internal\nscope: [iso27001:A.5.15]\nfindings:\n  - id: F1\n    type: minor\n    control: iso27001:A.5.18\n    summary: Late.\n  - id: F2\n    type: minor\n    control: iso27001:A.5.18\n    summary: Later.\n    nonconformity: NC-9\n",
    );
    site.write(
        "content/records/risks.yaml",
        "owner: CISO\nclassification: internal\nassessed: 2025-01-01\nassess_every: 12 months\nrisks:\n  - id: R-1\n    title: Ransomware\n    owner: CTO\n    likelihood: 3\n    impact: 7\n    treatment: mitigate\n    controls: [iso27001:A.8.7]\n    reviewed: 2025-09-01\n    review_every: 6 months\n    status: open\n  - id: R-1\n    title: Flood\n    owner: CTO\n    likelihood: 4\n    impact: 4\n    treatment: accept\n    controls: [iso27001:A.8.7]\n    reviewed: 2026-11-01\n    review_every: 6 months\n    status: open\n",
    );
    site.write(
        "content/records/nonconformities.yaml",
        "classification: internal\nnonconformities:\n  - id: NC-1\n    raised: 2026-09-15\n    source: IA-2026\n    severity: minor\n    description: Late.\n    corrective_action: Automate.\n    owner: Head of IT\n    due: 2026-10-15\n    status: open\n  - id: NC-2\n    raised: 2026-09-15\n    source: IA-2026\n    severity: minor\n    description: Later.\n    owner: Head of IT\n    due: 2026-12-15\n    status: closed\n",
    );
    site.write(
        "content/records/suppliers.yaml",
        "classification: internal\nsuppliers:\n  - id: SUP-AWS\n    name: AWS\n    service: Hosting\n    criticality: high\n    assessed: 2025-02-10\n    reassess_every: 12 months\n",
    );
    site
}

/// Runs `crosswalk seal` on `site`, with `key` as the signing key when given.
fn seal(site: &Site, key: Option<&Path>) {
    let root = site.root.to_str().unwrap();
    let args = ["seal", "--root", root, "--today", TODAY];
    let r = match key {
        Some(k) => common::run_with_env(
            &site.root,
            &args,
            &[("CROSSWALK_SIGNING_KEY", k.to_str().unwrap())],
        ),
        None => common::run_with_env(&site.root, &args, &[]),
    };
    r.assert_ok();
}

/// A key pair: the private key's PEM file in `dir`, and the public key's PEM text.
fn key_pair(dir: &Path, seed: u8) -> (std::path::PathBuf, String) {
    use ed25519_dalek::pkcs8::{EncodePrivateKey, EncodePublicKey};
    let sk = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    let path = dir.join(format!("key-{seed}.pem"));
    std::fs::write(
        &path,
        sk.to_pkcs8_pem(Default::default()).unwrap().as_bytes(),
    )
    .unwrap();
    let public = sk
        .verifying_key()
        .to_public_key_pem(Default::default())
        .unwrap();
    (path, public)
}

const LEDGER: &str = "content/evidence/ledger.jsonl";

#[test]
fn every_diagnostic_check_reports_names_a_registered_rule() {
    let mut seen = BTreeSet::new();

    assert_rules(
        &broken_files(),
        &[
            rules::NOT_UTF8,
            rules::FRONT_MATTER,
            rules::YAML,
            rules::INVALID_DATE,
            rules::EMPTY_FILE,
            rules::INVALID_ID,
            rules::MISSING_FIELD,
            rules::CONFLICTING_FIELDS,
            rules::INVALID_URL,
            rules::EVIDENCE_FILE,
            rules::PUBLISHED_NAME_CLASH,
            rules::DUPLICATE_ID,
            rules::INVALID_REFERENCE,
            rules::UNKNOWN_CONTROL,
            rules::DUPLICATE_REFERENCE,
            rules::NO_CONTROLS,
            rules::REVIEW_OVERDUE,
            rules::EVIDENCE_EXPIRED,
            rules::EVIDENCE_FUTURE,
            rules::UNKNOWN_RECORD_FILE,
            rules::RECORD_FILE,
            rules::FILE_TOO_LARGE,
            #[cfg(unix)]
            rules::OUTSIDE_SITE,
            #[cfg(unix)]
            rules::IO,
        ],
        &mut seen,
    );
    assert_rules(
        &broken_mappings(),
        &[
            rules::CATALOG,
            rules::CATALOG_ELEMENTS,
            rules::CROSSWALK,
            rules::CROSSWALK_ROW,
        ],
        &mut seen,
    );
    assert_rules(
        &broken_isms(),
        &[
            rules::SOA_INCOMPLETE,
            rules::SOA_UNJUSTIFIED_EXCLUSION,
            rules::SOA_NO_STATUS,
            rules::SOA_UNKNOWN_CONTROL,
            rules::SOA_DUPLICATE,
            rules::SOA_UNCOVERED,
            rules::SOA_NEW_CONTROL_UNEVIDENCED,
            rules::MANAGEMENT_REVIEW_STALE,
            rules::MANAGEMENT_REVIEW_INPUTS,
            rules::ACTION_OVERDUE,
            rules::ACTION_CLOSED_UNDATED,
            rules::INTERNAL_AUDIT_STALE,
            rules::AUDIT_INDEPENDENCE,
            rules::FINDING_WITHOUT_NONCONFORMITY,
            rules::FINDING_UNKNOWN_NONCONFORMITY,
            rules::RISK_ASSESSMENT_STALE,
            rules::RISK_SCALE,
            rules::RISK_REVIEW_OVERDUE,
            rules::RISK_ACCEPTED_HIGH,
            rules::NONCONFORMITY_OVERDUE,
            rules::NONCONFORMITY_CLOSED_INCOMPLETE,
            rules::SUPPLIER_OVERDUE,
            rules::UNKNOWN_FRAMEWORK,
            rules::CERTIFICATE_EXPIRED,
            rules::AUDIT_PREPARATION,
        ],
        &mut seen,
    );

    // ISO 27001 in scope with no records at all.
    let site = Site::minimal();
    site.write(
        "crosswalk.yaml",
        "title: T\nframeworks: [iso27001]\naudits:\n  - id: A1\n    framework: nosuch\n    start: 2026-01-01\n    end: 2026-02-01\n",
    );
    assert_rules(
        &site,
        &[
            rules::SOA_MISSING,
            rules::MANAGEMENT_REVIEW_MISSING,
            rules::INTERNAL_AUDIT_MISSING,
            rules::RISK_REGISTER_MISSING,
            rules::UNKNOWN_FRAMEWORK,
        ],
        &mut seen,
    );

    // An SoA that excludes nothing.
    let site = Site::minimal();
    site.write("crosswalk.yaml", "title: T\nframeworks: [iso27001]\n");
    let mut soa = String::from(
        "version: \"3\"\napproved: 2026-03-01\nowner: CISO\nclassification: internal\ncontrols:\n",
    );
    for c in annex_a() {
        soa.push_str(&format!(
            "  - control: {c}\n    applicable: true\n    status: implemented\n"
        ));
    }
    site.write("content/soa.yaml", soa);
    assert_rules(&site, &[rules::SOA_NO_EXCLUSIONS], &mut seen);

    // An unsigned ledger, then edited: a garbage line, two lines swapped, a changed file, and a
    // record never sealed.
    let site = Site::minimal();
    site.write(
        "content/evidence/second.yaml",
        evidence(
            "EV-2",
            "Second",
            "internal",
            &["soc2:CC6.1"],
            "content/evidence/files/second.txt",
        ),
    );
    site.write("content/evidence/files/second.txt", "second\n");
    seal(&site, None);
    let text = std::fs::read_to_string(site.path(LEDGER)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    site.write(LEDGER, format!("{}\nnot json\n{}\n", lines[1], lines[0]));
    site.write("content/evidence/files/second.txt", "changed\n");
    site.write(
        "content/evidence/third.yaml",
        evidence(
            "EV-3",
            "Third",
            "internal",
            &["soc2:CC6.1"],
            "content/evidence/files/third.txt",
        ),
    );
    site.write("content/evidence/files/third.txt", "third\n");
    assert_rules(
        &site,
        &[
            rules::LEDGER_ENTRY,
            rules::LEDGER_CHAIN,
            rules::EVIDENCE_CHANGED,
            rules::EVIDENCE_UNSEALED,
        ],
        &mut seen,
    );

    // A ledger signed with one key and checked against another; then a public key that is no key.
    let site = Site::minimal();
    let (key, _) = key_pair(site.outside(), 1);
    let (_, other) = key_pair(site.outside(), 2);
    let (_, public) = key_pair(site.outside(), 1);
    site.write("keys/ledger.pub.pem", public);
    edit(
        &site,
        "crosswalk.yaml",
        "frameworks:",
        "public_key: keys/ledger.pub.pem\nframeworks:",
    );
    seal(&site, Some(&key));
    site.write("keys/ledger.pub.pem", other);
    assert_rules(&site, &[rules::LEDGER_SIGNATURE], &mut seen);
    site.write("keys/ledger.pub.pem", "not a key\n");
    assert_rules(&site, &[rules::LEDGER_KEY], &mut seen);

    // A public policy and no `base_url`: builds write no updates feed.
    let site = Site::minimal();
    site.write(
        "content/policies/public.md",
        policy("POL-PUBLIC", "Public policy", "public", &["soc2:CC6.1"]),
    );
    assert_rules(&site, &[rules::FEED_BASE_URL], &mut seen);

    // Broken configurations, each stopping the run on its own.
    let site = Site::bare();
    site.remove("crosswalk.yaml");
    assert_rules(&site, &[rules::CONFIG], &mut seen);
    let site = Site::bare();
    site.write("crosswalk.yaml", "title: T\noutput: \"\"\n");
    assert_rules(&site, &[rules::CONFIG], &mut seen);
    site.write("crosswalk.yaml", "title: T\nframeworkz: [soc2]\n");
    assert_rules(&site, &[rules::YAML], &mut seen);
    let site = Site::minimal();
    assert_rules_with(
        &site,
        &[],
        &[("CROSSWALK_TODAY", "someday")],
        &[rules::USAGE],
        &mut seen,
    );

    // The trust center's settings (docs/trust-center.md).
    let site = Site::bare();
    site.write(
        "crosswalk.yaml",
        "title: T\nrequest_access_url: javascript:x\nsecurity_txt:\n  contact: security@example.com\n  expires: 2020-01-01\n",
    );
    assert_rules(&site, &[rules::SECURITY_TXT, rules::TRUST_LINK], &mut seen);

    // Every rule `check` runs was tripped above, so a new rule without a site here shows.
    let untested: Vec<&str> = rules::ALL
        .iter()
        .filter(|r| r.run_by_check() && !seen.contains(r.id))
        .filter(|r| cfg!(unix) || r.id != rules::OUTSIDE_SITE && r.id != rules::IO)
        .map(|r| r.id)
        .collect();
    assert!(
        untested.is_empty(),
        "rules `check` runs that no site above trips: {untested:?}"
    );
}

/// Every `Diagnostic::error(..)` or `Diagnostic::warning(..)` in src/ is given its rule in the
/// same expression (`.with_rule(..)`), so no problem reaches SARIF or JUnit without one.
#[test]
fn every_diagnostic_made_in_src_names_its_rule() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut missing = Vec::new();
    let mut made = 0;
    for entry in walk(&src) {
        let rel = entry
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel == "base/diagnostic.rs" {
            continue; // the constructors themselves
        }
        let text = std::fs::read_to_string(&entry).unwrap();
        for (at, _) in text.match_indices("Diagnostic::") {
            let rest = &text[at + "Diagnostic::".len()..];
            if !(rest.starts_with("error(") || rest.starts_with("warning(")) {
                continue;
            }
            made += 1;
            let open = at + "Diagnostic::".len() + rest.find('(').unwrap();
            if !chain_has_rule(&text, open) {
                let line = text[..at].matches('\n').count() + 1;
                missing.push(format!("src/{rel}:{line}"));
            }
        }
    }
    assert!(made > 150, "only {made} diagnostics found in src/");
    assert!(
        missing.is_empty(),
        "diagnostics made without `.with_rule(..)` (see src/base/rules.rs):\n{}",
        missing.join("\n")
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Whether the method chain that starts with the call whose `(` is at `open` calls `with_rule`.
fn chain_has_rule(text: &str, open: usize) -> bool {
    let b = text.as_bytes();
    let mut i = close_of(b, open);
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() || b[i] != b'.' {
            return false;
        }
        let name_start = i + 1;
        let mut j = name_start;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
            j += 1;
        }
        if &text[name_start..j] == "with_rule" {
            return true;
        }
        if j >= b.len() || b[j] != b'(' {
            return false;
        }
        i = close_of(b, j);
    }
}

/// The index just past the `)` that closes the `(` at `open`, skipping string literals.
fn close_of(b: &[u8], open: usize) -> usize {
    let (mut depth, mut i, mut in_str) = (0usize, open, false);
    while i < b.len() {
        match (in_str, b[i]) {
            (true, b'\\') => i += 1,
            (true, b'"') => in_str = false,
            (true, _) => {}
            (false, b'"') => in_str = true,
            (false, b'(') => depth += 1,
            (false, b')') => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    b.len()
}

// ---- JSON --------------------------------------------------------------------------------------

#[test]
fn json_names_each_diagnostics_rule_and_its_schema_version() {
    let site = Site::minimal();
    site.write(
        "content/policies/bad.md",
        policy("POL-BAD", "Bad", "internal", &["soc2:CC9.9"]),
    );
    let (code, diags) = check_json(&site, &["--today", TODAY], &[]);
    assert_eq!(code, Some(1));
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0]["rule"], "unknown-control");
}

// ---- SARIF -------------------------------------------------------------------------------------

/// Problems with and without positions and hints, a file name with a space, and a warning.
fn several_problems() -> Site {
    let site = Site::minimal();
    site.write(
        "crosswalk.yaml",
        "title: Test\norganisation: O\nframeworks: [soc2, nosuch]\n",
    );
    site.write(
        "content/policies/my policy.md",
        policy(
            "POL-BAD",
            "Bad",
            "internal",
            &["soc2:CC9.9", "soc2:CC6.1", "soc2:CC6.1"],
        ),
    );
    site.write("content/records/other.yaml", "a: 1\n");
    site.write(
        "content/evidence/old.yaml",
        "id: EV-OLD\ntitle: Old\nowner: S\ncollected: 2025-01-10\nvalid_for: 1 month\nclassification: internal\ncontrols: [soc2:CC6.1]\nurl: https://example.com/old\n",
    );
    site
}

/// One diagnostic as the text format prints it: location, level, message, hint.
type Printed = (String, String, String, Option<String>);

/// The diagnostics of `check`'s text output, in order.
fn text_diagnostics(stdout: &str) -> Vec<Printed> {
    let mut out: Vec<Printed> = Vec::new();
    for line in stdout.lines() {
        if let Some(h) = line.strip_prefix("  = help: ") {
            out.last_mut().expect("a help line follows a diagnostic").3 = Some(h.to_string());
            continue;
        }
        let (loc, level, message) = [": error: ", ": warning: "]
            .iter()
            .find_map(|sep| {
                line.split_once(sep).map(|(l, m)| {
                    (
                        l.to_string(),
                        sep.trim_matches([':', ' ']).to_string(),
                        m.to_string(),
                    )
                })
            })
            .unwrap_or_else(|| panic!("not a diagnostic line: {line:?}"));
        out.push((loc, level, message, None));
    }
    out
}

fn sarif_run(site: &Site, extra: &[&str]) -> (Run, Value) {
    let mut args = vec!["--format", "sarif"];
    args.extend_from_slice(extra);
    let r = site.check(&args);
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", r.stdout, r.stderr));
    (r, v)
}

/// Validates the SARIF file at `log` against the vendored official schema with the validator of
/// the schema's own draft; returns that validator's name. A copy without `version` must fail, so
/// the validation is known to bite.
fn validate_sarif(log: &Path) {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-2.1.0.schema.json");
    let out = run_python(
        r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
log = json.load(open(sys.argv[2], encoding="utf-8"))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(log)]
if errors:
    sys.exit("invalid SARIF:\n" + "\n".join(errors))
broken = dict(log)
del broken["version"]
if validator.is_valid(broken):
    sys.exit("a log without `version` passed: the schema is not applied")
print(cls.__name__)
"#,
        &[schema.as_os_str(), log.as_os_str()],
    );
    assert_eq!(out.trim(), "Draft4Validator");
}

#[test]
fn sarif_is_valid_against_the_official_schema_and_matches_the_text_output() {
    let site = several_problems();
    let (r, log) = sarif_run(&site, &[]);
    r.assert_failed();
    let file = site.outside().join("check.sarif");
    std::fs::write(&file, &r.stdout).unwrap();
    validate_sarif(&file);

    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "crosswalk");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let driver_rules = driver["rules"].as_array().unwrap();
    assert_eq!(driver_rules.len(), rules::ALL.len());
    for (d, r) in driver_rules.iter().zip(rules::ALL) {
        assert_eq!(d["id"], r.id);
        assert_eq!(d["shortDescription"]["text"], r.summary);
    }
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );

    // One result per diagnostic of the text output, in the same order and with the same facts.
    let text = site.check(&[]);
    text.assert_failed();
    let printed = text_diagnostics(&text.stdout);
    let results = run["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        printed.len(),
        "{results:#?}\n{}",
        text.stdout
    );
    assert!(printed.len() >= 5, "{}", text.stdout);
    let (mut with_region, mut without) = (0, 0);
    for (res, (loc, level, message, hint)) in results.iter().zip(&printed) {
        assert_eq!(res["level"], level.as_str(), "{res:#}");
        let expected = match hint {
            Some(h) => format!("{message} ({h})"),
            None => message.clone(),
        };
        assert_eq!(res["message"]["text"], expected.as_str(), "{res:#}");
        let i = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(driver_rules[i]["id"], res["ruleId"], "{res:#}");
        assert!(rules::find(res["ruleId"].as_str().unwrap()).is_some());
        let physical = &res["locations"][0]["physicalLocation"];
        let artifact = &physical["artifactLocation"];
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%", "{res:#}");
        let uri = common::percent_decode(artifact["uri"].as_str().unwrap());
        let shown = match (
            physical["region"]["startLine"].as_u64(),
            physical["region"]["startColumn"].as_u64(),
        ) {
            (Some(l), Some(c)) => {
                with_region += 1;
                format!("{uri}:{l}:{c}")
            }
            (Some(l), None) => format!("{uri}:{l}"),
            _ => {
                without += 1;
                assert!(physical.get("region").is_none(), "{res:#}");
                uri
            }
        };
        assert_eq!(&shown, loc, "{res:#}");
    }
    assert!(with_region >= 3 && without >= 1, "{results:#?}");
    let encoded = results
        .iter()
        .find(|r| r["ruleId"] == "unknown-control")
        .unwrap();
    assert_eq!(
        encoded["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "content/policies/my%20policy.md"
    );
    assert!(
        results.iter().any(|r| r["ruleId"] == "unknown-framework"
            && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                == "crosswalk.yaml"),
        "{results:#?}"
    );
}

#[test]
fn sarif_of_a_clean_site_is_valid_and_has_no_results() {
    let site = Site::minimal();
    let (r, log) = sarif_run(&site, &[]);
    r.assert_ok();
    assert_eq!(log["runs"][0]["results"].as_array().map(Vec::len), Some(0));
    let file = site.outside().join("clean.sarif");
    std::fs::write(&file, &r.stdout).unwrap();
    validate_sarif(&file);
}

#[test]
fn sarif_and_junit_exit_like_text() {
    // Only a warning: 0, and 1 with --strict.
    let site = Site::minimal();
    site.write(
        "content/evidence/old.yaml",
        "id: EV-OLD\ntitle: Old\nowner: S\ncollected: 2025-01-10\nvalid_for: 1 month\nclassification: internal\ncontrols: [soc2:CC6.1]\nurl: https://example.com/old\n",
    );
    for format in ["text", "sarif", "junit"] {
        site.check(&["--format", format]).assert_ok();
        site.check(&["--format", format, "--strict"])
            .assert_failed();
    }
    // An error: 1 either way; a broken crosswalk.yaml is reported in the format too.
    site.write(
        "content/policies/bad.md",
        policy("POL-BAD", "Bad", "internal", &["soc2:CC9.9"]),
    );
    for format in ["text", "sarif", "junit"] {
        site.check(&["--format", format]).assert_failed();
    }
    site.write("crosswalk.yaml", "title: T\nframeworkz: [soc2]\n");
    let (r, log) = sarif_run(&site, &[]);
    r.assert_failed();
    assert_eq!(log["runs"][0]["results"][0]["ruleId"], "yaml", "{log:#}");
    let r = site.check(&["--format", "junit"]);
    r.assert_failed();
    assert!(
        r.stdout
            .contains("<failure message=\"invalid YAML: unknown field `frameworkz`"),
        "{}",
        r.stdout
    );
}

// ---- JUnit -------------------------------------------------------------------------------------

/// What junitparser reads from a JUnit file: each suite's attributes as written and as
/// junitparser recounts them, and each test case's results and output.
fn junit_read(file: &Path) -> Value {
    let out = run_python(
        r#"
import json, sys
from junitparser import JUnitXml, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
suites = []
for suite in xml:
    written = dict(tests=suite.tests, failures=suite.failures, errors=suite.errors, skipped=suite.skipped)
    props = {p.name: p.value for p in suite.properties()}
    cases = []
    for case in suite:
        cases.append(dict(
            name=case.name,
            classname=case.classname,
            results=[dict(kind=type(r).__name__, type=r.type, message=r.message, text=r.text) for r in case.result],
            system_out=case.system_out,
        ))
    suite.update_statistics()
    counted = dict(tests=suite.tests, failures=suite.failures, errors=suite.errors, skipped=suite.skipped)
    suites.append(dict(name=suite.name, written=written, counted=counted, properties=props, cases=cases))
print(json.dumps(dict(name=xml.name, suites=suites)))
"#,
        &[file.as_os_str()],
    );
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// A hostile control reference: markup, quotes, a tab and a line break, a control character and
/// the end of a CDATA section, all of which reach the message.
const HOSTILE: &str = r#""soc2:<b>&amp;\"'\t\n\x01]]>""#;

#[test]
fn junit_has_a_test_case_per_rule_and_a_failure_per_error() {
    let site = Site::minimal();
    site.write(
        "content/policies/bad.md",
        policy("POL-BAD", "Bad", "internal", &["soc2:CC9.9", HOSTILE]),
    );
    site.write("content/records/other.yaml", "a: 1\n");
    site.write(
        "content/evidence/old.yaml",
        "id: EV-OLD\ntitle: Old\nowner: S\ncollected: 2025-01-10\nvalid_for: 1 month\nclassification: internal\ncontrols: [soc2:CC6.1]\nurl: https://example.com/old\n",
    );
    let (_, diags) = check_json(&site, &["--today", TODAY], &[]);
    let errors: Vec<&Value> = diags.iter().filter(|d| d["severity"] == "error").collect();
    let warnings: Vec<&Value> = diags
        .iter()
        .filter(|d| d["severity"] == "warning")
        .collect();
    assert_eq!((errors.len(), warnings.len()), (3, 1), "{diags:#?}");
    assert!(
        errors
            .iter()
            .any(|d| d["message"].as_str().unwrap().contains('\u{1}')),
        "the hostile message should keep its control character: {diags:#?}"
    );

    for strict in [false, true] {
        let mut args = vec!["--format", "junit"];
        if strict {
            args.push("--strict");
        }
        let r = site.check(&args);
        r.assert_failed();
        let file = site.outside().join(format!("junit-{strict}.xml"));
        std::fs::write(&file, &r.stdout).unwrap();
        let x = junit_read(&file);
        let suites = x["suites"].as_array().unwrap();
        assert_eq!(suites.len(), 1, "{x:#}");
        let suite = &suites[0];
        assert_eq!(suite["name"], "crosswalk check");
        assert_eq!(suite["written"], suite["counted"], "{x:#}");
        let check_rules: Vec<&str> = rules::ALL
            .iter()
            .filter(|r| r.run_by_check())
            .map(|r| r.id)
            .collect();
        let failing = errors.len() + if strict { warnings.len() } else { 0 };
        assert_eq!(suite["written"]["tests"], check_rules.len(), "{x:#}");
        assert_eq!(suite["written"]["failures"], failing, "{x:#}");
        assert_eq!(suite["written"]["errors"], 0);
        assert_eq!(suite["properties"]["crosswalk.errors"], "3");
        assert_eq!(suite["properties"]["crosswalk.warnings"], "1");
        let cases = suite["cases"].as_array().unwrap();
        let names: Vec<&str> = cases.iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names, check_rules);
        let case = |rule: &str| cases.iter().find(|c| c["name"] == rule).unwrap();

        // Each error is a failure of its rule's test case, its message read back intact (the
        // control character, which XML cannot carry, as U+FFFD).
        for d in &errors {
            let rule = d["rule"].as_str().unwrap();
            let message = d["message"].as_str().unwrap().replace('\u{1}', "\u{fffd}");
            let found = case(rule)["results"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["message"] == message.as_str())
                .unwrap_or_else(|| panic!("no failure {message:?} in `{rule}`: {x:#}"));
            assert_eq!(found["kind"], "Failure");
            assert_eq!(found["type"], rule);
            let text = found["text"].as_str().unwrap();
            assert!(text.starts_with(d["path"].as_str().unwrap()), "{text}");
            assert!(text.contains(&message), "{text}");
        }
        let bad = case("unknown-control");
        assert_eq!(bad["results"].as_array().unwrap().len(), 2, "{bad:#}");
        assert!(
            bad["results"][1]["text"].as_str().unwrap().contains(
                "content/policies/bad.md:10:5: error: unknown control soc2:CC9.9\n  = help: "
            ),
            "{bad:#}"
        );

        // The warning: printed in its test case's output, or a failure under --strict.
        let old = case("evidence-expired");
        if strict {
            assert_eq!(old["results"][0]["type"], "evidence-expired", "{old:#}");
            assert!(old["system_out"].is_null(), "{old:#}");
        } else {
            assert_eq!(old["results"].as_array().unwrap().len(), 0, "{old:#}");
            assert!(
                old["system_out"]
                    .as_str()
                    .unwrap()
                    .contains("content/evidence/old.yaml:1:1: warning: evidence `EV-OLD` expired"),
                "{old:#}"
            );
        }
        // A rule nothing broke passes.
        assert_eq!(case("soa-missing")["results"].as_array().unwrap().len(), 0);
    }
}

#[test]
fn junit_of_a_clean_site_passes_every_test_case() {
    let site = Site::minimal();
    let r = site.check(&["--format", "junit"]);
    r.assert_ok();
    let file = site.outside().join("clean.xml");
    std::fs::write(&file, &r.stdout).unwrap();
    let x = junit_read(&file);
    let suite = &x["suites"][0];
    assert_eq!(suite["written"]["failures"], 0, "{x:#}");
    assert!(
        suite["cases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["results"].as_array().unwrap().is_empty() && c["system_out"].is_null())
    );
}

// ---- documentation -----------------------------------------------------------------------------

/// docs/checks.md has a section for every rule (its anchor is the id), in the registry's order,
/// opening with the rule's default severity; so SARIF's help and JUnit's test names lead somewhere.
#[test]
fn docs_checks_md_documents_every_rule() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rules::DOCS_FILE))
        .unwrap();
    let lines: Vec<&str> = doc.lines().collect();
    let mut documented = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(id) = l.strip_prefix("### `").and_then(|r| r.strip_suffix('`')) else {
            continue;
        };
        let rule = rules::find(id)
            .unwrap_or_else(|| panic!("docs/checks.md documents `{id}`, which is no rule"));
        let first = lines[i + 1..]
            .iter()
            .find(|l| !l.trim().is_empty())
            .unwrap();
        let severity = match rule.severity {
            crosswalk::base::diagnostic::Severity::Error => "Error,",
            crosswalk::base::diagnostic::Severity::Warning => "Warning,",
        };
        assert!(
            first.starts_with(severity),
            "`{id}`: {first:?} should open with {severity:?}"
        );
        documented.push(id);
    }
    let registry: Vec<&str> = rules::ALL.iter().map(|r| r.id).collect();
    assert_eq!(
        documented, registry,
        "docs/checks.md and src/base/rules.rs differ"
    );
}
