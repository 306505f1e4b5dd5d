//! C. Bad input: every broken site is refused with exit code 1, a message that names the file and,
//! where it is known, the line and column, and no output at all.

mod common;

use common::{Run, Site, policy};

/// Builds `site`, expecting a refusal reported at `location` (`path`, `path:line` or
/// `path:line:col`) whose message contains every one of `needles`. Also runs `check`, which must
/// report the same problem. Returns the build's run.
#[track_caller]
fn assert_rejected(site: &Site, location: &str, needles: &[&str]) -> Run {
    let r = site.build(&[]);
    r.assert_failed();
    assert!(
        r.stderr.lines().any(|l| reported_at(l, location)),
        "no error reported at {location}\n--- stderr\n{}",
        r.stderr
    );
    for n in needles {
        assert!(
            r.stderr.contains(n),
            "message lacks {n:?}\n--- stderr\n{}",
            r.stderr
        );
    }
    assert!(
        !site.out().exists(),
        "a failed build created the output folder"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&site.root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "staging folders left behind: {leftovers:?}"
    );

    let c = site.check(&[]);
    c.assert_failed();
    assert!(
        c.stdout.lines().any(|l| reported_at(l, location)),
        "check does not report {location}\n--- stdout\n{}",
        c.stdout
    );
    r
}

/// Whether `line` is an error at `location`: `path`, `path:line` or `path:line:col`, followed by
/// the rest of the position if the location leaves it out.
fn reported_at(line: &str, location: &str) -> bool {
    let Some(rest) = line.strip_prefix(location) else {
        return false;
    };
    if rest.starts_with(": error: ") {
        return true;
    }
    let Some((pos, _)) = rest.split_once(": error: ") else {
        return false;
    };
    let parts: Vec<&str> = pos.split(':').skip(1).collect();
    pos.starts_with(':')
        && location.matches(':').count() + parts.len() <= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The minimal site plus one broken policy at content/policies/bad.md.
fn site_with_policy(text: impl AsRef<[u8]>) -> Site {
    let site = Site::minimal();
    site.write("content/policies/bad.md", text);
    site
}

/// The minimal site plus one broken evidence file at content/evidence/bad.yaml.
fn site_with_evidence(text: impl AsRef<[u8]>) -> Site {
    let site = Site::minimal();
    site.write("content/evidence/bad.yaml", text);
    site
}

const BAD: &str = "content/policies/bad.md";
const BAD_EV: &str = "content/evidence/bad.yaml";

// ---- front matter -------------------------------------------------------------------------

#[test]
fn malformed_front_matter_yaml_is_reported_at_its_line_in_the_file() {
    // Line 1 is `---`: the YAML starts on line 2, so `title` is on line 3 of the file.
    let site =
        site_with_policy("---\nid: POL-BAD\ntitle: [unclosed\nowner: Head of IT\n---\nbody\n");
    assert_rejected(&site, &format!("{BAD}:3:8"), &["invalid YAML"]);
}

#[test]
fn yaml_syntax_error_message_cites_file_lines_not_front_matter_lines() {
    // The unterminated quote opens on file line 3, column 8.
    let site =
        site_with_policy("---\nid: POL-BAD\ntitle: \"unclosed\nowner: Head of IT\n---\nbody\n");
    let r = assert_rejected(&site, BAD, &["invalid YAML"]);
    let line = r
        .stderr
        .lines()
        .find(|l| l.contains("invalid YAML"))
        .unwrap();
    assert!(
        !line.contains("quoted scalar at line")
            || line.contains("quoted scalar at line 3 column 8"),
        "the message's own position is relative to the front matter, not the file:\n{line}"
    );
}

#[test]
fn unterminated_front_matter_is_refused() {
    let site = site_with_policy("---\nid: POL-BAD\ntitle: x\n\n# Body without a closing line\n");
    assert_rejected(&site, &format!("{BAD}:1:1"), &["unterminated front matter"]);
}

#[test]
fn missing_front_matter_is_refused() {
    let site = site_with_policy("# A policy\n\nNo front matter here.\n");
    assert_rejected(&site, &format!("{BAD}:1:1"), &["missing front matter"]);
}

#[test]
fn empty_policy_file_is_refused() {
    let site = site_with_policy("");
    assert_rejected(&site, &format!("{BAD}:1:1"), &["empty file"]);
}

#[test]
fn empty_evidence_file_is_refused() {
    let site = site_with_evidence("# nothing here yet\n\n");
    assert_rejected(&site, &format!("{BAD_EV}:1:1"), &["empty evidence file"]);
}

// ---- control references -------------------------------------------------------------------

#[test]
fn unknown_framework_is_refused_listing_the_known_ones() {
    let site = site_with_policy(policy("POL-BAD", "Bad", "internal", &["iso9999:A.1"]));
    let r = assert_rejected(
        &site,
        &format!("{BAD}:10:5"),
        &["unknown framework `iso9999`", "iso27001", "soc2"],
    );
    assert!(
        !r.stderr.contains("did you mean"),
        "no framework is close to iso9999:\n{}",
        r.stderr
    );
}

#[test]
fn misspelt_framework_gets_a_did_you_mean_hint() {
    let site = site_with_policy(policy("POL-BAD", "Bad", "internal", &["iso2701:A.5.15"]));
    assert_rejected(
        &site,
        &format!("{BAD}:10:5"),
        &[
            "unknown framework `iso2701`",
            "did you mean iso27001:A.5.15",
        ],
    );
}

#[test]
fn unknown_control_id_gets_the_nearest_id() {
    let site = site_with_policy(policy(
        "POL-BAD",
        "Bad",
        "internal",
        &["iso27001:A.5.1", "iso27001:A.5.155"],
    ));
    assert_rejected(
        &site,
        &format!("{BAD}:11:5"),
        &[
            "unknown control iso27001:A.5.155",
            "did you mean iso27001:A.5.15",
        ],
    );
}

#[test]
fn iso_2013_id_names_its_2022_successor() {
    let site = site_with_policy(policy("POL-BAD", "Bad", "internal", &["iso27001:A.9.2.1"]));
    assert_rejected(
        &site,
        &format!("{BAD}:10:5"),
        &["iso27001:A.9.2.1", "2013", "iso27001:A.5.16"],
    );
}

#[test]
fn unknown_soc2_criterion_is_refused() {
    let site = site_with_policy(policy("POL-BAD", "Bad", "internal", &["soc2:CC9.9"]));
    assert_rejected(
        &site,
        &format!("{BAD}:10:5"),
        &["unknown control soc2:CC9.9"],
    );
}

#[test]
fn unknown_control_in_evidence_is_positioned_in_the_record() {
    let site = site_with_evidence(common::evidence(
        "EV-BAD",
        "Bad",
        "internal",
        &["soc2:CC9.9"],
        "content/evidence/files/access-review.csv",
    ));
    assert_rejected(
        &site,
        &format!("{BAD_EV}:7:12"),
        &["unknown control soc2:CC9.9"],
    );
}

/// `iso27001:A.5` (a group, not a control) on line 11 also occurs inside `iso27001:A.5.15` on
/// line 10; the error must point at line 11.
#[test]
fn unknown_control_position_is_its_own_list_entry_not_an_earlier_prefix_match() {
    let site = site_with_policy(policy(
        "POL-BAD",
        "Bad",
        "internal",
        &["iso27001:A.5.15", "iso27001:A.5"],
    ));
    assert_rejected(
        &site,
        &format!("{BAD}:11:5"),
        &["unknown control iso27001:A.5"],
    );
}

// ---- fields --------------------------------------------------------------------------------

#[test]
fn missing_required_field_is_named() {
    let site = site_with_policy(
        "---\nid: POL-BAD\ntitle: Bad\nversion: 1\napproved: 2026-06-01\nreview_every: 12 months\nclassification: internal\n---\nbody\n",
    );
    assert_rejected(&site, &format!("{BAD}:2"), &["missing field `owner`"]);
}

#[test]
fn controls_of_the_wrong_type_is_refused_at_its_line() {
    let site = site_with_policy(
        "---\nid: POL-BAD\ntitle: Bad\nowner: me\nversion: 1\napproved: 2026-06-01\nreview_every: 12 months\nclassification: internal\ncontrols: 5\n---\nbody\n",
    );
    assert_rejected(
        &site,
        &format!("{BAD}:9:11"),
        &["controls", "expected a sequence"],
    );
}

#[test]
fn unknown_classification_is_refused_at_its_line() {
    let site = site_with_policy(
        "---\nid: POL-BAD\ntitle: Bad\nowner: me\nversion: 1\napproved: 2026-06-01\nreview_every: 12 months\nclassification: secret\n---\nbody\n",
    );
    assert_rejected(
        &site,
        &format!("{BAD}:8:17"),
        &["`secret`", "public", "internal", "confidential"],
    );
}

#[test]
fn impossible_date_is_refused_at_its_line() {
    // `approved` is on line 6 of the file.
    let site = site_with_policy(
        "---\nid: POL-BAD\ntitle: Bad\nowner: me\nversion: 1\napproved: 2026-02-30\nreview_every: 12 months\nclassification: internal\n---\nbody\n",
    );
    assert_rejected(&site, &format!("{BAD}:6"), &["invalid date `2026-02-30`"]);
}

#[test]
fn unknown_field_is_named_at_its_line() {
    let site = site_with_policy(
        "---\nid: POL-BAD\ntitle: Bad\nowner: me\nversion: 1\napproved: 2026-06-01\nreview_every: 12 months\nclassification: internal\ncontrolls: [iso27001:A.5.1]\n---\nbody\n",
    );
    assert_rejected(&site, &format!("{BAD}:9:1"), &["unknown field `controlls`"]);
}

#[test]
fn review_every_and_next_review_together_are_refused() {
    let site = site_with_policy(
        "---\nid: POL-BAD\ntitle: Bad\nowner: me\nversion: 1\napproved: 2026-06-01\nreview_every: 12 months\nnext_review: 2027-01-01\nclassification: internal\n---\nbody\n",
    );
    assert_rejected(
        &site,
        &format!("{BAD}:8:1"),
        &["`review_every` or `next_review`, not both"],
    );
}

#[test]
fn non_utf8_bytes_are_refused_with_their_position() {
    let mut text = policy("POL-BAD", "Bad", "internal", &["iso27001:A.5.1"]).into_bytes();
    // Body line 14 (after `---` on 11, the heading on 12 and a blank line 13): "caf\xE9".
    text.extend_from_slice(b"caf\xe9 au lait\n");
    let site = site_with_policy(text);
    let lines = String::from_utf8_lossy(&std::fs::read(site.path(BAD)).unwrap())
        .lines()
        .count();
    assert_rejected(&site, &format!("{BAD}:{lines}:4"), &["UTF-8"]);
}

// ---- identity ------------------------------------------------------------------------------

#[test]
fn duplicate_id_across_policy_and_evidence_names_both_places() {
    let site = site_with_evidence(common::evidence(
        "POL-ACCESS",
        "Same id as the policy",
        "internal",
        &["iso27001:A.5.1"],
        "content/evidence/files/access-review.csv",
    ));
    assert_rejected(
        &site,
        &format!("{BAD_EV}:1:1"),
        &[
            "duplicate id `POL-ACCESS`",
            "content/policies/access-control.md:2:1",
        ],
    );
}

#[test]
fn duplicate_ids_in_one_evidence_file_point_at_both_records() {
    let site = site_with_evidence(
        "- id: EV-TWICE\n  title: First\n  owner: me\n  collected: 2026-10-01\n  valid_for: 1 year\n  classification: internal\n  url: https://example.com/a\n\
         - id: EV-TWICE\n  title: Second\n  owner: me\n  collected: 2026-10-01\n  valid_for: 1 year\n  classification: internal\n  url: https://example.com/b\n",
    );
    // The second record starts on line 8; the hint names the first, on line 1.
    assert_rejected(
        &site,
        &format!("{BAD_EV}:8:3"),
        &[
            "duplicate id `EV-TWICE`",
            &format!("first used at {BAD_EV}:1:3"),
        ],
    );
}

#[test]
fn two_evidence_files_that_would_share_a_page_are_refused() {
    // The minimal site has content/evidence/access-review.yaml.
    let site = Site::minimal();
    site.write(
        "content/evidence/access-review.yml",
        "id: EV-OTHER\ntitle: Other\nowner: me\ncollected: 2026-10-01\nvalid_for: 1 year\nclassification: internal\nurl: https://example.com/a\n",
    );
    assert_rejected(
        &site,
        "content/evidence/access-review.yml",
        &[
            "content/evidence/access-review.yaml",
            "evidence/records/access-review.html",
        ],
    );
}

#[test]
fn two_evidence_files_that_would_be_published_under_one_name_are_refused() {
    // `EV-ACCESS` + `-` + `REVIEW-access-review.csv` is the minimal site's
    // `EV-ACCESS-REVIEW` + `-` + `access-review.csv`.
    let site = site_with_evidence(common::evidence(
        "EV-ACCESS",
        "Prefix of another id",
        "internal",
        &["iso27001:A.5.1"],
        "content/evidence/files/REVIEW-access-review.csv",
    ));
    site.write("content/evidence/files/REVIEW-access-review.csv", "x\n");
    assert_rejected(
        &site,
        &format!("{BAD_EV}:1:1"),
        &[
            "evidence/files/EV-ACCESS-REVIEW-access-review.csv",
            "`EV-ACCESS-REVIEW`",
        ],
    );
}

// ---- hostile YAML --------------------------------------------------------------------------

#[test]
fn yaml_alias_bomb_in_evidence_is_refused() {
    // 1000 aliases to a record whose `controls` holds 1000 aliases: a million strings from 9 KB.
    let mut text = String::from(
        "- &r\n  id: EV-BOMB\n  title: t\n  owner: o\n  collected: 2026-11-01\n  valid_for: 1 year\n  classification: internal\n  url: https://example.com/x\n  controls: [&s \"iso27001:A.5.1\"",
    );
    text.push_str(&", *s".repeat(1000));
    text.push_str("]\n");
    text.push_str(&"- *r\n".repeat(1000));
    let site = site_with_evidence(text);
    let started = std::time::Instant::now();
    assert_rejected(&site, BAD_EV, &["alias"]);
    assert!(
        started.elapsed().as_secs() < 5,
        "alias bomb took {:?}",
        started.elapsed()
    );
}

// ---- evidence files ------------------------------------------------------------------------

fn evidence_with_file(file: &str) -> String {
    common::evidence("EV-BAD", "Bad", "internal", &["iso27001:A.5.1"], file)
}

#[test]
fn evidence_file_that_does_not_exist_is_refused() {
    let site = site_with_evidence(evidence_with_file("content/evidence/files/missing.pdf"));
    assert_rejected(
        &site,
        &format!("{BAD_EV}:8:7"),
        &["file not found", "content/evidence/files/missing.pdf"],
    );
}

#[test]
fn evidence_file_outside_the_site_is_refused() {
    let site = Site::minimal();
    std::fs::write(site.outside().join("outside.txt"), "not for publication").unwrap();
    site.write(
        "content/evidence/bad.yaml",
        evidence_with_file("../outside.txt"),
    );
    assert_rejected(&site, &format!("{BAD_EV}:8:7"), &["outside the site"]);
}

#[test]
fn evidence_symlink_pointing_outside_the_site_is_refused() {
    let site = Site::minimal();
    let target = site.outside().join("secret.txt");
    std::fs::write(&target, "not for publication").unwrap();
    std::os::unix::fs::symlink(&target, site.path("content/evidence/files/link.txt")).unwrap();
    site.write(
        "content/evidence/bad.yaml",
        evidence_with_file("content/evidence/files/link.txt"),
    );
    assert_rejected(&site, &format!("{BAD_EV}:8:7"), &["outside the site"]);
}

#[test]
fn evidence_with_both_file_and_url_is_refused() {
    let site = site_with_evidence(format!(
        "{}url: https://example.com/report\n",
        evidence_with_file("content/evidence/files/access-review.csv")
    ));
    assert_rejected(&site, BAD_EV, &["both `file` and `url`"]);
}

#[test]
fn evidence_without_valid_for_or_expires_is_refused_at_its_record() {
    // A list: the first record is fine, the second (line 8) has no validity.
    let site = site_with_evidence(
        "- id: EV-OK\n  title: Fine\n  owner: me\n  collected: 2026-10-01\n  valid_for: 1 year\n  classification: internal\n  url: https://example.com/a\n\
         - id: EV-NOVALID\n  title: No validity\n  owner: me\n  collected: 2026-10-01\n  classification: internal\n  url: https://example.com/b\n",
    );
    assert_rejected(
        &site,
        &format!("{BAD_EV}:8:3"),
        &["EV-NOVALID", "`valid_for`", "`expires`"],
    );
}

#[test]
fn policy_symlinked_from_outside_the_site_is_refused() {
    let site = Site::minimal();
    let outside = site.outside().join("outside-policy.md");
    std::fs::write(
        &outside,
        policy("POL-OUTSIDE", "From outside", "public", &["iso27001:A.5.1"]),
    )
    .unwrap();
    std::os::unix::fs::symlink(&outside, site.path("content/policies/linked.md")).unwrap();
    let r = assert_rejected(&site, "content/policies/linked.md", &["outside the site"]);
    assert!(
        !r.stderr.contains("POL-OUTSIDE"),
        "the outside file's content was read"
    );
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let site = Site::minimal();
    site.write(
        "content/policies/a.md",
        policy("POL-A", "A", "internal", &["soc2:CC9.9"]),
    );
    site.write("content/policies/b.md", "no front matter\n");
    site.write(
        "content/evidence/c.yaml",
        evidence_with_file("content/evidence/files/missing.pdf"),
    );
    let r = site.check(&[]);
    r.assert_failed();
    for at in [
        "content/policies/a.md:10:5: error:",
        "content/policies/b.md:1:1: error:",
        "content/evidence/c.yaml:8:7: error:",
    ] {
        r.assert_stdout_has(at);
    }
    r.assert_stderr_has("3 errors");
}
