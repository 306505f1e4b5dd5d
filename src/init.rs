//! `crosswalk init DIR`: a small site that builds at once, dated today so nothing starts stale.

use crate::base::diagnostic::Diagnostic;
use crate::base::rules;
use std::path::Path;

const CONFIG: &str = "title: Trust Portal
organisation: Example Ltd
# Frameworks in scope: shown on the home page and checked for gaps.
frameworks: [iso27001, soc2]
output: public
# The portal's public address: with it, builds also write an Atom feed of updates (feed.xml).
# base_url: https://trust.example.com/
";

const POLICY_ISP: &str = "---
id: POL-ISP
title: Information Security Policy
owner: Chief Information Security Officer
version: \"1.0\"
approved: {TODAY}
review_every: 12 months
classification: public
summary: Why we protect information, who is responsible, and how the ISMS is run.
controls:
  - iso27001:5.2
  - iso27001:A.5.1
  - iso27001:A.5.2
  - soc2:CC1.1
  - soc2:CC2.2
---
# Information Security Policy

## Purpose
This policy sets the direction for information security at Example Ltd and commits leadership to
running an information security management system (ISMS) that meets ISO/IEC 27001.

## Roles
- The **CISO** owns this policy and the ISMS.
- **Every employee and contractor** follows the policies published in this portal.

## Review
This policy is reviewed every twelve months and after any significant change.
";

const POLICY_ACCESS: &str = "---
id: POL-ACCESS
title: Access Control Policy
owner: Head of IT
version: \"1.0\"
approved: {TODAY}
review_every: 12 months
classification: internal
summary: Least privilege, multi-factor authentication and quarterly access reviews.
controls:
  - iso27001:A.5.15
  - iso27001:A.5.18
  - iso27001:A.8.5
  - soc2:CC6.1
  - soc2:CC6.2
  - soc2:CC6.3
---
# Access Control Policy

1. Access is granted on least privilege and approved by the system owner.
2. Multi-factor authentication is required for every production system.
3. Access to production is reviewed every quarter; leavers lose access within one working day.
";

const EVIDENCE: &str = "# Evidence records: one record, or a list of them, per file.
- id: EV-ACCESS-REVIEW
  title: Quarterly access review, production
  owner: Head of IT
  collected: {TODAY}
  valid_for: 3 months
  classification: internal
  description: Export of production accounts with the reviewer's decision for each.
  controls: [iso27001:A.5.18, soc2:CC6.2, soc2:CC6.3]
  file: content/evidence/files/access-review.csv
- id: EV-TRAINING
  title: Security awareness training completion
  owner: People Operations
  collected: {TODAY}
  valid_for: 12 months
  classification: internal
  controls: [iso27001:A.6.3, soc2:CC1.4, soc2:CC2.2]
  url: https://training.example.com/reports/security-awareness
";

const ACCESS_REVIEW_CSV: &str = "account,system,role,reviewer,decision
alice,prod-db,admin,head-of-it,keep
bob,prod-db,read-only,head-of-it,remove
";

// `dir` must not exist or be empty: init never writes over anything.
/// Creates a new site in `dir`, dated `today`.
pub fn scaffold(dir: &Path, today: crate::model::Date) -> Result<(), Diagnostic> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map_err(|e| Diagnostic::error(dir, format!("cannot read: {e}")).with_rule(rules::IO))?
            .next()
            .is_none();
        if !empty {
            return Err(Diagnostic::error(
                dir,
                "folder exists and is not empty: refusing to write into it",
            )
            .with_rule(rules::USAGE));
        }
    }
    let today = today.to_string();
    let files: [(&str, &str); 6] = [
        ("crosswalk.yaml", CONFIG),
        ("content/policies/information-security.md", POLICY_ISP),
        ("content/policies/access-control.md", POLICY_ACCESS),
        ("content/evidence/records.yaml", EVIDENCE),
        (
            "content/evidence/files/access-review.csv",
            ACCESS_REVIEW_CSV,
        ),
        (
            ".gitignore",
            "/public\n/.public.crosswalk/\n/packages/\n/.crosswalk-cache/\n",
        ),
    ];
    // Written into a hidden folder beside `dir` and renamed into place whole: a killed `init`
    // leaves no half site (the next `init` clears what it left).
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "site".into());
    let parent = dir.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| {
        Diagnostic::error(parent, format!("cannot create: {e}")).with_rule(rules::IO)
    })?;
    let prefix = format!(".{name}.init-");
    if let Ok(entries) = std::fs::read_dir(parent) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let staging = parent.join(format!("{prefix}{}", std::process::id()));
    let fill = || -> Result<(), Diagnostic> {
        let point = |p: &Path| {
            crate::base::fault::point(p).map_err(|e| {
                Diagnostic::error(p, format!("cannot write: {e}")).with_rule(rules::IO)
            })
        };
        // The build cache folder (git-ignored): with it, a rebuild with no changed input does
        // nothing.
        let cache = staging.join(crate::site::CACHE_DIR);
        point(&cache)?;
        std::fs::create_dir_all(&cache).map_err(|e| {
            Diagnostic::error(&cache, format!("cannot create: {e}")).with_rule(rules::IO)
        })?;
        for (rel, text) in files {
            let path = staging.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    Diagnostic::error(parent, format!("cannot create: {e}")).with_rule(rules::IO)
                })?;
            }
            point(&path)?;
            std::fs::write(&path, text.replace("{TODAY}", &today)).map_err(|e| {
                Diagnostic::error(dir.join(rel), format!("cannot write: {e}")).with_rule(rules::IO)
            })?;
        }
        point(dir)?;
        // Onto a missing or an empty folder: one rename.
        std::fs::rename(&staging, dir).map_err(|e| {
            Diagnostic::error(dir, format!("cannot move the new site into place: {e}"))
                .with_rule(rules::IO)
        })
    };
    let result = fill();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}
