//! The registry of rules: every check crosswalk runs, each with a stable kebab-case id, a
//! one-line description, its default severity and the command that runs it. A `Diagnostic` names
//! its rule (`.with_rule(rules::UNKNOWN_CONTROL)`); SARIF's rules, JUnit's test cases and `diff`'s
//! matching are made from this list, and docs/checks.md has one section per id (its anchor).
//!
//! Ids are a promise to CI configurations and dashboards: never rename or reuse one; add new ones.

use crate::base::diagnostic::Severity;

/// Which commands run a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunBy {
    /// Every command that reads a site: `check`, `build`, `seal`, `verify`, ...
    Check,
    /// Only `build` (and `serve`): the theme and the output folder.
    Build,
    /// Only `verify` (and `seal`): the ledger against the files on disk.
    Verify,
    /// Any command: I/O failures and command-line values, not checks of content.
    Tool,
    /// One command of its own (`diff`, `import`, `oscal`), never `check`.
    Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable kebab-case id; also the anchor of its section in docs/checks.md.
    pub id: &'static str,
    /// What the rule finds, in one line.
    pub summary: &'static str,
    /// The severity it reports by default (a few rules report the other one in some cases).
    pub severity: Severity,
    pub run_by: RunBy,
}

impl Rule {
    /// The rule's section in the crosswalk repository: `docs/checks.md#<id>`.
    pub fn docs_anchor(&self) -> String {
        format!("{DOCS_FILE}#{}", self.id)
    }

    /// Whether `crosswalk check` can report it (so JUnit shows it as a test case).
    pub fn run_by_check(&self) -> bool {
        matches!(self.run_by, RunBy::Check | RunBy::Tool)
    }
}

/// The file that documents every rule, relative to the crosswalk repository.
pub const DOCS_FILE: &str = "docs/checks.md";

/// Declares each rule's constant and the registry in one place, so neither can drift.
macro_rules! rules {
    ($($name:ident = $id:literal, $sev:ident, $by:ident, $summary:literal;)*) => {
        $(pub const $name: &str = $id;)*
        /// Every rule, in the order docs/checks.md lists them.
        pub const ALL: &[Rule] = &[$(Rule {
            id: $id,
            summary: $summary,
            severity: Severity::$sev,
            run_by: RunBy::$by,
        }),*];
    };
}

rules! {
    // The site and its files.
    CONFIG = "config", Error, Check,
        "crosswalk.yaml is missing or empty, or a setting in it is invalid";
    UNKNOWN_FRAMEWORK = "unknown-framework", Error, Check,
        "crosswalk.yaml names a framework that no catalog defines";
    YAML = "yaml", Error, Check,
        "a file is not valid YAML, or its fields are not the expected ones";
    INVALID_DATE = "invalid-date", Error, Check,
        "a date or period that cannot be read";
    NOT_UTF8 = "not-utf8", Error, Check,
        "a text file that is not valid UTF-8";
    EMPTY_FILE = "empty-file", Error, Check,
        "a record, evidence, catalog or crosswalk file with nothing in it";
    FRONT_MATTER = "front-matter", Error, Check,
        "a document whose front matter is missing, unterminated or empty";
    FILE_TOO_LARGE = "file-too-large", Error, Check,
        "a document or record over the size limit";
    OUTSIDE_SITE = "outside-site", Error, Check,
        "a file that resolves, through a symbolic link, to a place outside the site";
    UNKNOWN_RECORD_FILE = "unknown-record-file", Error, Check,
        "a file under content/records/ that is not one of the known ISMS records";
    RECORD_FILE = "record-file", Error, Check,
        "a record names a file (minutes, an audit report) that is not in the site";
    // Documents and evidence records.
    INVALID_ID = "invalid-id", Error, Check,
        "an id with characters other than letters, digits, `-`, `_` and `.`";
    DUPLICATE_ID = "duplicate-id", Error, Check,
        "two documents, records, risks or audits share an id";
    MISSING_FIELD = "missing-field", Error, Check,
        "a required field is missing or empty";
    CONFLICTING_FIELDS = "conflicting-fields", Error, Check,
        "two fields that exclude each other are both given";
    INVALID_URL = "invalid-url", Error, Check,
        "an evidence `url` that is not http or https";
    EVIDENCE_FILE = "evidence-file", Error, Check,
        "an evidence record's `file` is absolute, missing, not a regular file or outside the site";
    PUBLISHED_NAME_CLASH = "published-name-clash", Error, Check,
        "two evidence files or artifacts would be published under one name";
    REVIEW_OVERDUE = "review-overdue", Warning, Check,
        "a document is past its review date";
    NO_CONTROLS = "no-controls", Warning, Check,
        "a document names no controls, so it covers nothing";
    EVIDENCE_EXPIRED = "evidence-expired", Warning, Check,
        "an evidence record is past its validity";
    EVIDENCE_FUTURE = "evidence-future", Warning, Check,
        "an evidence record is dated in the future";
    EVIDENCE_UNSEALED = "evidence-unsealed", Warning, Check,
        "an evidence artifact is not in the ledger";
    EVIDENCE_CHANGED = "evidence-changed", Warning, Check,
        "an evidence artifact changed since it was sealed";
    // Control references.
    INVALID_REFERENCE = "invalid-reference", Error, Check,
        "a control reference that is not written `framework:ID`";
    UNKNOWN_CONTROL = "unknown-control", Error, Check,
        "a reference to a control, framework or edition that does not exist";
    DUPLICATE_REFERENCE = "duplicate-reference", Warning, Check,
        "a control listed twice by one document or record";
    // Catalogs and crosswalks.
    CATALOG = "catalog", Error, Check,
        "a framework catalog is inconsistent: slug, sources, groups, control ids, titles, parents";
    CATALOG_ELEMENTS = "catalog-elements", Error, Check,
        "a control's requirement elements are invalid, repeated, unlabelled or too many";
    CROSSWALK = "crosswalk", Error, Check,
        "a crosswalk file's name, sources, catalogs or editions are wrong";
    CROSSWALK_ROW = "crosswalk-row", Error, Check,
        "a crosswalk row names unknown controls, repeats a pair, or has wrong element lists";
    // The evidence ledger.
    LEDGER_ENTRY = "ledger-entry", Error, Check,
        "a ledger line is not a valid entry, or is torn";
    LEDGER_CHAIN = "ledger-chain", Error, Check,
        "the ledger's hash chain or sequence is broken";
    LEDGER_SIGNATURE = "ledger-signature", Error, Check,
        "a ledger line is unsigned or badly signed, or the signing key does not match";
    LEDGER_KEY = "ledger-key", Error, Check,
        "a signing or public key cannot be read, or none is given for a signed ledger";
    LEDGER_TAMPERED = "ledger-tampered", Error, Verify,
        "a sealed file was altered, is missing or lies outside the site";
    LEDGER_MISSING = "ledger-missing", Error, Verify,
        "`verify` found no evidence ledger";
    // Statement of Applicability.
    SOA_MISSING = "soa-missing", Warning, Check,
        "ISO 27001 is in scope but there is no Statement of Applicability";
    SOA_UNKNOWN_CONTROL = "soa-unknown-control", Error, Check,
        "the SoA lists something that is not an Annex A control";
    SOA_DUPLICATE = "soa-duplicate", Error, Check,
        "the SoA lists a control twice";
    SOA_UNJUSTIFIED_EXCLUSION = "soa-unjustified-exclusion", Error, Check,
        "the SoA excludes a control without a justification";
    SOA_INCOMPLETE = "soa-incomplete", Error, Check,
        "Annex A controls are missing from the SoA";
    SOA_NO_EXCLUSIONS = "soa-no-exclusions", Warning, Check,
        "the SoA marks every Annex A control applicable";
    SOA_NO_STATUS = "soa-no-status", Error, Check,
        "an applicable SoA control has no implementation status";
    SOA_UNCOVERED = "soa-uncovered", Warning, Check,
        "an applicable SoA control is covered by no policy or evidence";
    SOA_NEW_CONTROL_UNEVIDENCED = "soa-new-control-unevidenced", Warning, Check,
        "a control new in ISO 27001:2022 is applicable but no evidence shows it";
    // Management reviews and internal audits.
    MANAGEMENT_REVIEW_MISSING = "management-review-missing", Warning, Check,
        "no management review on record";
    MANAGEMENT_REVIEW_STALE = "management-review-stale", Warning, Check,
        "the latest management review is more than 12 months old";
    MANAGEMENT_REVIEW_INPUTS = "management-review-inputs", Warning, Check,
        "a management review records no input for a required topic";
    ACTION_OVERDUE = "action-overdue", Warning, Check,
        "an action from a management review is past its due date and still open";
    ACTION_CLOSED_UNDATED = "action-closed-undated", Error, Check,
        "an action is closed but has no `closed` date";
    INTERNAL_AUDIT_MISSING = "internal-audit-missing", Warning, Check,
        "no internal audit on record";
    INTERNAL_AUDIT_STALE = "internal-audit-stale", Warning, Check,
        "the latest internal audit is more than 12 months old";
    AUDIT_INDEPENDENCE = "audit-independence", Error, Check,
        "an internal audit was run by someone who owns what it audits";
    FINDING_WITHOUT_NONCONFORMITY = "finding-without-nonconformity", Warning, Check,
        "an audit finding that is a nonconformity names no nonconformity record";
    FINDING_UNKNOWN_NONCONFORMITY = "finding-unknown-nonconformity", Error, Check,
        "an audit finding names a nonconformity that is not in the log";
    // Risks, nonconformities, suppliers.
    RISK_REGISTER_MISSING = "risk-register-missing", Warning, Check,
        "ISO 27001 is in scope but there is no risk register";
    RISK_ASSESSMENT_STALE = "risk-assessment-stale", Warning, Check,
        "the last risk assessment is older than its cadence";
    RISK_SCALE = "risk-scale", Error, Check,
        "a risk's likelihood or impact is outside the scale of 1 to 5";
    RISK_REVIEW_OVERDUE = "risk-review-overdue", Warning, Check,
        "a risk is past its review date";
    RISK_ACCEPTED_HIGH = "risk-accepted-high", Warning, Check,
        "a high residual risk is accepted";
    NONCONFORMITY_OVERDUE = "nonconformity-overdue", Warning, Check,
        "a nonconformity is past its due date and still open (an error when major)";
    NONCONFORMITY_CLOSED_INCOMPLETE = "nonconformity-closed-incomplete", Error, Check,
        "a nonconformity is closed without a `closed` date and a corrective action";
    SUPPLIER_OVERDUE = "supplier-overdue", Warning, Check,
        "a supplier is past its reassessment date";
    // Certification.
    CERTIFICATE_EXPIRED = "certificate-expired", Warning, Check,
        "a certificate named in crosswalk.yaml has expired";
    AUDIT_PREPARATION = "audit-preparation", Warning, Check,
        "an audit is near and a record its auditor will sample is missing or out of date";
    // The updates feed.
    FEED_BASE_URL = "feed-base-url", Warning, Check,
        "public documents but no `base_url`: builds write no Atom feed";
    // The trust center.
    SECURITY_TXT = "security-txt", Error, Check,
        "security.txt is misconfigured: no contact, a contact not mailto/https/tel, or `expires` past (a warning within 30 days)";
    TRUST_LINK = "trust-link", Error, Check,
        "a trust-center link (`request_access_url`, `contact`) is not a mailto: or https: address";
    // Build only.
    THEME = "theme", Error, Build,
        "the theme is unknown, a template is missing, or a template fails to render";
    OUTPUT_FOLDER = "output-folder", Error, Build,
        "the output folder is refused: the site itself, inside its sources, or not made by crosswalk";
    // Not checks of content.
    IO = "io", Error, Tool,
        "a file, folder or program could not be read, written or run, or a lock is held";
    USAGE = "usage", Error, Tool,
        "a command-line argument or environment value is invalid";
    // Commands of their own.
    GIT_REVISION = "git-revision", Error, Command,
        "diff: the revision cannot be read from git (no repository, shallow clone, unknown name)";
    IMPORT_SOURCE = "import-source", Error, Command,
        "import: the source folder or one of its files cannot be imported";
    IMPORT_GAP = "import-gap", Warning, Command,
        "import: something the source does not say, or says in a way the site cannot take";
    IMPORT_TARGET = "import-target", Error, Command,
        "import: the folder to import into is refused (not empty, a file, the current folder)";
    OSCAL = "oscal", Error, Command,
        "oscal import: the file is not an OSCAL catalog or mapping-collection crosswalk can read";
    PORTAL_CLAIMS = "portal-claims", Error, Command,
        "verify-portal: the portal's claims manifest is missing, unsigned or not signed by the key given";
}

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static Rule> {
    ALL.iter().find(|r| r.id == id)
}

/// The rule's place in `ALL` (SARIF's `ruleIndex`).
pub fn index(id: &str) -> Option<usize> {
    ALL.iter().position(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for r in ALL {
            assert!(seen.insert(r.id), "duplicate rule id {}", r.id);
            let kebab = !r.id.is_empty()
                && r.id.split('-').all(|w| {
                    !w.is_empty()
                        && w.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                })
                && r.id.starts_with(|c: char| c.is_ascii_lowercase());
            assert!(kebab, "rule id `{}` is not kebab-case", r.id);
            assert!(
                !r.summary.is_empty() && !r.summary.contains('\n'),
                "rule `{}` needs a one-line summary",
                r.id
            );
        }
    }

    #[test]
    fn find_and_index_agree() {
        for (i, r) in ALL.iter().enumerate() {
            assert_eq!(index(r.id), Some(i));
            assert_eq!(find(r.id), Some(r));
        }
        assert_eq!(find("no-such-rule"), None);
        assert_eq!(find(""), None);
        assert_eq!(
            find(UNKNOWN_CONTROL).unwrap().docs_anchor(),
            "docs/checks.md#unknown-control"
        );
    }
}
