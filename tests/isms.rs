//! The rules of a running ISMS: each one tripped by a tiny repo, and a clean repo that trips none.

use serde_json::Value;
use std::fs;
use std::path::Path;
use std::process::Command;

const TODAY: &str = "2026-11-23";
const EXCLUDED: [&str; 3] = ["A.7.11", "A.7.12", "A.8.30"];

fn annex_a() -> Vec<String> {
    let text = crosswalk::base::embedded::MAPPINGS
        .get_file("frameworks/iso27001.yaml")
        .and_then(|f| f.contents_utf8())
        .unwrap();
    let c = crosswalk::load::parse_catalog(Path::new("iso27001.yaml"), text).unwrap();
    c.controls
        .into_iter()
        .filter(|c| c.group.starts_with("A."))
        .map(|c| c.id)
        .collect()
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn soa(controls: &[String], excluded: &[&str], justify: bool) -> String {
    let mut s = String::from(
        "version: \"3\"\napproved: 2026-03-01\nowner: CISO\nclassification: internal\ncontrols:\n",
    );
    for c in controls {
        if excluded.contains(&c.as_str()) {
            s.push_str(&format!("  - control: {c}\n    applicable: false\n"));
            if justify {
                s.push_str("    justification: Not relevant to a cloud-only service with no premises equipment.\n");
            }
        } else {
            s.push_str(&format!(
                "  - control: {c}\n    applicable: true\n    status: implemented\n"
            ));
        }
    }
    s
}

/// A repo that runs: every rule satisfied.
fn clean(root: &Path) {
    let annex = annex_a();
    write(
        root,
        "crosswalk.yaml",
        "title: ISMS test\nframeworks: [iso27001]\ncertifications:\n  - framework: iso27001\n    issued: 2025-04-02\n    surveillance: [2026-03-16, 2027-03-15]\n",
    );
    write(root, "content/soa.yaml", &soa(&annex, &EXCLUDED, true));
    let applicable: Vec<String> = annex
        .iter()
        .filter(|c| !EXCLUDED.contains(&c.as_str()))
        .map(|c| format!("iso27001:{c}"))
        .collect();
    write(
        root,
        "content/evidence/files/ops.txt",
        "operating evidence\n",
    );
    write(
        root,
        "content/evidence/ops.yaml",
        &format!(
            "id: EV-OPS\ntitle: Operations evidence\nowner: CISO\ncollected: 2026-10-01\nvalid_for: 1 year\nclassification: internal\ncontrols: [{}]\nfile: content/evidence/files/ops.txt\n",
            applicable.join(", ")
        ),
    );
    write(
        root,
        "content/policies/isp.md",
        "---\nid: POL-ISP\ntitle: Information security policy\nowner: Head of IT\nversion: \"1\"\napproved: 2026-06-01\nreview_every: 12 months\nclassification: internal\ncontrols: [iso27001:A.5.1, iso27001:A.5.15]\n---\nText.\n",
    );
    write(
        root,
        "content/records/management-reviews/mr.yaml",
        "id: MR-2026\ndate: 2026-03-10\nchair: CEO\nclassification: internal\ninputs:\n  previous_actions: All closed.\n  issues: New US customers.\n  interested_parties: HIPAA BAAs.\n  performance: Two minor NCs.\n  feedback: Customer questionnaires.\n  risk: Assessment done in February.\n  improvement: Automate access reviews.\nactions:\n  - id: MR-2026-A1\n    action: Automate access reviews\n    owner: Head of IT\n    due: 2027-01-31\n    status: open\n",
    );
    write(
        root,
        "content/records/internal-audits/ia.yaml",
        "id: IA-2026\ndate: 2026-09-15\nauditor: Priya Raman (external)\narea: Access control\narea_owner: Head of IT\nclassification: internal\nscope: [iso27001:A.5.15, iso27001:A.5.18]\nfindings:\n  - id: IA-2026-F1\n    type: minor\n    control: iso27001:A.5.18\n    summary: Leaver access removed late.\n    nonconformity: NC-1\n",
    );
    write(
        root,
        "content/records/risks.yaml",
        "owner: CISO\nclassification: internal\nassessed: 2026-09-01\nassess_every: 12 months\nrisks:\n  - id: R-1\n    title: Ransomware\n    owner: CTO\n    likelihood: 3\n    impact: 5\n    treatment: mitigate\n    residual_likelihood: 2\n    residual_impact: 4\n    controls: [iso27001:A.8.7]\n    reviewed: 2026-09-01\n    review_every: 6 months\n    status: open\n",
    );
    write(
        root,
        "content/records/nonconformities.yaml",
        "classification: internal\nnonconformities:\n  - id: NC-1\n    raised: 2026-09-15\n    source: IA-2026\n    severity: minor\n    description: Leaver access removed late.\n    corrective_action: Automate deprovisioning.\n    owner: Head of IT\n    due: 2026-12-15\n    status: open\n",
    );
    write(
        root,
        "content/records/suppliers.yaml",
        "classification: internal\nsuppliers:\n  - id: SUP-AWS\n    name: AWS\n    service: Hosting\n    criticality: high\n    assessed: 2026-02-10\n    reassess_every: 12 months\n    evidence: [EV-OPS]\n",
    );
}

fn check(root: &Path) -> (i32, Vec<(String, String)>) {
    let o = Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args(["check", "--format", "json", "--today", TODAY, "--root"])
        .arg(root)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&o.stderr)));
    let diags = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["severity"].as_str().unwrap().to_string(),
                format!(
                    "{}: {}",
                    d["path"].as_str().unwrap(),
                    d["message"].as_str().unwrap()
                ),
            )
        })
        .collect();
    (o.status.code().unwrap_or(-1), diags)
}

fn site(mutate: impl FnOnce(&Path)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    clean(dir.path());
    mutate(dir.path());
    dir
}

fn edit(root: &Path, rel: &str, from: &str, to: &str) {
    let p = root.join(rel);
    let t = fs::read_to_string(&p).unwrap();
    assert!(t.contains(from), "{rel} has no `{from}`");
    fs::write(p, t.replacen(from, to, 1)).unwrap();
}

/// The site trips exactly this rule: a diagnostic of `severity` containing `needle`.
fn trips(dir: &tempfile::TempDir, severity: &str, needle: &str) {
    let (code, diags) = check(dir.path());
    assert!(
        diags
            .iter()
            .any(|(s, m)| s == severity && m.contains(needle)),
        "expected {severity} containing `{needle}`, got {diags:#?}"
    );
    if severity == "error" {
        assert_eq!(code, 1);
    }
}

#[test]
fn a_running_isms_trips_no_rule() {
    let dir = site(|_| {});
    let (code, diags) = check(dir.path());
    assert_eq!(diags, Vec::<(String, String)>::new());
    assert_eq!(code, 0);
}

#[test]
fn soa_exclusion_without_justification() {
    let annex = annex_a();
    let dir = site(|r| write(r, "content/soa.yaml", &soa(&annex, &EXCLUDED, false)));
    trips(&dir, "error", "A.7.11 is excluded without a justification");
}

#[test]
fn soa_applicable_control_with_no_policy_or_evidence() {
    let dir = site(|r| edit(r, "content/evidence/ops.yaml", "iso27001:A.5.10, ", ""));
    trips(
        &dir,
        "warning",
        "A.5.10 Acceptable use of information and other associated assets is applicable, but no policy or evidence covers it",
    );
}

#[test]
fn soa_missing_control() {
    let dir = site(|r| {
        edit(
            r,
            "content/soa.yaml",
            "  - control: A.6.3\n    applicable: true\n    status: implemented\n",
            "",
        )
    });
    trips(
        &dir,
        "error",
        "1 Annex A control is missing from the SoA: A.6.3",
    );
}

#[test]
fn soa_all_93_applicable() {
    let annex = annex_a();
    let dir = site(|r| {
        write(r, "content/soa.yaml", &soa(&annex, &[], true));
        let all: Vec<String> = annex.iter().map(|c| format!("iso27001:{c}")).collect();
        let t = fs::read_to_string(r.join("content/evidence/ops.yaml")).unwrap();
        let start = t.find("controls: [").unwrap();
        let end = t[start..].find(']').unwrap() + start + 1;
        fs::write(
            r.join("content/evidence/ops.yaml"),
            format!("{}controls: [{}]{}", &t[..start], all.join(", "), &t[end..]),
        )
        .unwrap();
    });
    trips(
        &dir,
        "warning",
        "all 93 Annex A controls are marked applicable",
    );
}

#[test]
fn soa_new_2022_control_without_evidence() {
    // A.8.28 stays covered by a policy, but no evidence shows it operating.
    let dir = site(|r| {
        edit(r, "content/evidence/ops.yaml", "iso27001:A.8.28, ", "");
        edit(
            r,
            "content/policies/isp.md",
            "iso27001:A.5.15]",
            "iso27001:A.5.15, iso27001:A.8.28]",
        );
    });
    trips(
        &dir,
        "warning",
        "A.8.28 Secure coding is new in ISO 27001:2022 and applicable, but no evidence shows it implemented",
    );
}

#[test]
fn management_review_missing_an_input() {
    let dir = site(|r| {
        edit(
            r,
            "content/records/management-reviews/mr.yaml",
            "  feedback: Customer questionnaires.\n",
            "",
        )
    });
    trips(
        &dir,
        "warning",
        "management review `MR-2026` records no input `feedback`: e) feedback from interested parties",
    );
}

#[test]
fn management_review_action_overdue() {
    let dir = site(|r| {
        edit(
            r,
            "content/records/management-reviews/mr.yaml",
            "due: 2027-01-31",
            "due: 2026-09-30",
        )
    });
    trips(
        &dir,
        "warning",
        "action `MR-2026-A1` from management review `MR-2026` was due 2026-09-30 and is still open",
    );
}

#[test]
fn management_review_older_than_a_year() {
    let dir = site(|r| {
        edit(
            r,
            "content/records/management-reviews/mr.yaml",
            "date: 2026-03-10",
            "date: 2025-10-01",
        )
    });
    trips(
        &dir,
        "warning",
        "the latest management review (2025-10-01) is more than 12 months old",
    );
}

#[test]
fn no_management_review() {
    let dir =
        site(|r| fs::remove_file(r.join("content/records/management-reviews/mr.yaml")).unwrap());
    trips(&dir, "warning", "no management review on record");
}

#[test]
fn internal_audit_by_the_area_owner() {
    let dir = site(|r| {
        edit(
            r,
            "content/records/internal-audits/ia.yaml",
            "auditor: Priya Raman (external)",
            "auditor: Head of IT",
        )
    });
    trips(
        &dir,
        "error",
        "internal audit `IA-2026` was run by the owner of the audited area (Head of IT): it is not independent",
    );
}

#[test]
fn internal_audit_by_the_owner_of_an_audited_policy() {
    let dir = site(|r| {
        edit(
            r,
            "content/records/internal-audits/ia.yaml",
            "auditor: Priya Raman (external)",
            "auditor: CISO",
        );
        edit(
            r,
            "content/policies/isp.md",
            "owner: Head of IT",
            "owner: CISO",
        );
    });
    trips(
        &dir,
        "error",
        "the auditor owns `POL-ISP`, which covers controls in the audit's scope",
    );
}

#[test]
fn internal_audit_finding_without_a_nonconformity() {
    let dir = site(|r| {
        edit(
            r,
            "content/records/internal-audits/ia.yaml",
            "    nonconformity: NC-1\n",
            "",
        )
    });
    trips(
        &dir,
        "warning",
        "finding `IA-2026-F1` is a nonconformity but names no `nonconformity` record",
    );
}

#[test]
fn internal_audit_older_than_a_year() {
    let dir = site(|r| {
        edit(
            r,
            "content/records/internal-audits/ia.yaml",
            "date: 2026-09-15",
            "date: 2025-09-15",
        )
    });
    trips(
        &dir,
        "warning",
        "the latest internal audit (2025-09-15) is more than 12 months old",
    );
}

#[test]
fn risk_assessment_past_its_cadence() {
    let dir = site(|r| {
        edit(
            r,
            "content/records/risks.yaml",
            "assessed: 2026-09-01",
            "assessed: 2025-09-01",
        )
    });
    trips(
        &dir,
        "warning",
        "the last risk assessment (2025-09-01) is older than its cadence (12 months)",
    );
}

#[test]
fn risk_review_overdue() {
    let dir = site(|r| {
        edit(
            r,
            "content/records/risks.yaml",
            "reviewed: 2026-09-01",
            "reviewed: 2026-04-01",
        )
    });
    trips(
        &dir,
        "warning",
        "risk `R-1` was last reviewed 2026-04-01 and is overdue (every 6 months)",
    );
}

#[test]
fn high_residual_risk_accepted() {
    let dir = site(|r| {
        edit(
            r,
            "content/records/risks.yaml",
            "treatment: mitigate",
            "treatment: accept",
        );
        edit(
            r,
            "content/records/risks.yaml",
            "residual_likelihood: 2",
            "residual_likelihood: 4",
        );
    });
    trips(
        &dir,
        "warning",
        "risk `R-1` is accepted with a residual score of 16",
    );
}

#[test]
fn risk_score_off_the_scale() {
    let dir = site(|r| edit(r, "content/records/risks.yaml", "impact: 5", "impact: 7"));
    trips(
        &dir,
        "error",
        "risk `R-1`: `impact` is 7; the scale is 1 to 5",
    );
}

#[test]
fn nonconformity_overdue() {
    let dir = site(|r| {
        edit(
            r,
            "content/records/nonconformities.yaml",
            "due: 2026-12-15",
            "due: 2026-11-01",
        )
    });
    trips(
        &dir,
        "warning",
        "minor nonconformity `NC-1` was due 2026-11-01 and is still open",
    );
    let dir = site(|r| {
        edit(
            r,
            "content/records/nonconformities.yaml",
            "due: 2026-12-15",
            "due: 2026-11-01",
        );
        edit(
            r,
            "content/records/nonconformities.yaml",
            "severity: minor",
            "severity: major",
        );
    });
    trips(
        &dir,
        "error",
        "major nonconformity `NC-1` was due 2026-11-01 and is still open",
    );
}

#[test]
fn nonconformity_closed_without_date() {
    let dir = site(|r| {
        edit(
            r,
            "content/records/nonconformities.yaml",
            "status: open",
            "status: closed",
        )
    });
    trips(
        &dir,
        "error",
        "nonconformity `NC-1` is closed without a `closed` date and a `corrective_action`",
    );
}

#[test]
fn supplier_reassessment_overdue() {
    let dir = site(|r| {
        edit(
            r,
            "content/records/suppliers.yaml",
            "assessed: 2026-02-10",
            "assessed: 2025-10-10",
        )
    });
    trips(
        &dir,
        "warning",
        "supplier `SUP-AWS` (AWS) was last assessed 2025-10-10 and is overdue (every 12 months)",
    );
}

#[test]
fn surveillance_audit_ahead_with_a_stale_management_review() {
    // The year-3 surveillance audit is 2027-01-20, within 90 days; by then the review is 14 months old.
    let dir = site(|r| {
        edit(
            r,
            "crosswalk.yaml",
            "surveillance: [2026-03-16, 2027-03-15]",
            "surveillance: [2026-03-16, 2027-01-20]",
        );
        edit(
            r,
            "content/records/management-reviews/mr.yaml",
            "date: 2026-03-10",
            "date: 2025-11-30",
        );
    });
    trips(
        &dir,
        "warning",
        "iso27001: surveillance audit (year 3) on 2027-01-20 (in 58 days): the latest management review (2025-11-30) will be over 12 months old",
    );
}

#[test]
fn isms_pages_and_soa_csv_are_published() {
    let dir = site(|_| {});
    let out = dir.path().join("public");
    let o = Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args(["build", "--today", TODAY, "--root"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = fs::read_to_string(out.join("isms/soa.csv")).unwrap();
    assert_eq!(csv.lines().count(), 94, "a header and 93 rows");
    assert!(
        csv.lines()
            .any(|l| l.starts_with("A.7.11,") && l.contains(",no,") && l.contains("cloud-only")),
        "{csv}"
    );
    let soa = fs::read_to_string(out.join("isms/soa.html")).unwrap();
    assert!(soa.contains("href=\"../isms/soa.csv\""));
    let readiness = fs::read_to_string(out.join("isms/readiness-iso27001.html")).unwrap();
    assert!(
        readiness.contains("Latest: MR-2026 on 2026-03-10"),
        "{readiness}"
    );
    for page in [
        "isms/index.html",
        "isms/management-reviews.html",
        "isms/internal-audits.html",
        "isms/risks.html",
        "isms/nonconformities.html",
        "isms/suppliers.html",
    ] {
        assert!(out.join(page).exists(), "{page}");
    }
    let home = fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        home.contains("Surveillance audit (year 3)"),
        "timeline on the home page"
    );
}

#[test]
fn review_pack_gathers_the_inputs_for_the_next_review() {
    let dir = site(|r| {
        edit(
            r,
            "content/records/nonconformities.yaml",
            "due: 2026-12-15",
            "due: 2026-11-01",
        )
    });
    let o = Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args(["review-pack", "--today", TODAY, "--root"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pack = String::from_utf8(o.stdout).unwrap();
    assert!(
        pack.contains("Previous review: MR-2026 on 2026-03-10"),
        "{pack}"
    );
    assert!(
        pack.contains(
            "| MR-2026-A1 Automate access reviews | MR-2026 | Head of IT | 2027-01-31 | open |"
        ),
        "{pack}"
    );
    assert!(
        pack.contains("NC-1 (Minor, due 2026-11-01, **overdue**)"),
        "{pack}"
    );
    assert!(pack.contains("IA-2026 on 2026-09-15"), "{pack}");
    assert!(pack.contains("1 records: 1 fresh"), "{pack}");
    // Not a git repository: the pack says so rather than failing.
    assert!(pack.contains("Repository history unavailable"), "{pack}");
}
