//! `crosswalk check --format sarif`: the diagnostics as one SARIF 2.1.0 log, for code scanning
//! dashboards (GitHub's upload-sarif, editors' SARIF viewers). One run; the driver lists every
//! rule of `base::rules`, and each result names its rule, level, message and place in the site.

use crate::base::diagnostic::{Diagnostic, Severity, display_path};
use crate::base::rules;
use serde_json::{Value, json};
use std::path::Path;

/// The base every artifact URI is relative to: the site root.
pub const SRCROOT: &str = "%SRCROOT%";

/// The SARIF log for `diags` (sorted as `check` prints them), found in the site at `root`.
pub fn log(diags: &[Diagnostic], root: &Path) -> Value {
    let rules: Vec<Value> = rules::ALL.iter().map(rule).collect();
    let mut driver = json!({
        "name": "crosswalk",
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "version": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    });
    if let Some(uri) = repository() {
        driver["informationUri"] = json!(uri);
    }
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let mut run = json!({
        "tool": { "driver": driver },
        "columnKind": "unicodeCodePoints",
        "results": diags.iter().map(|d| result(d, &root)).collect::<Vec<_>>(),
    });
    if root.is_absolute() {
        run["originalUriBaseIds"] = json!({ SRCROOT: { "uri": folder_uri(&root) } });
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    })
}

/// crosswalk's repository, when the build knows it (Cargo.toml's `repository` or `homepage`):
/// SARIF wants absolute URIs for `informationUri` and `helpUri`, so both are left out without it.
fn repository() -> Option<&'static str> {
    [env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_HOMEPAGE")]
        .into_iter()
        .find(|u| u.starts_with("https://"))
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn rule(r: &rules::Rule) -> Value {
    let mut v = json!({
        "id": r.id,
        "shortDescription": { "text": r.summary },
        "help": { "text": format!("See {} in the crosswalk repository.", r.docs_anchor()) },
        "defaultConfiguration": { "level": level(r.severity) },
    });
    if let Some(repo) = repository() {
        v["helpUri"] = json!(format!(
            "{}/blob/main/{}",
            repo.trim_end_matches('/'),
            r.docs_anchor()
        ));
    }
    v
}

fn result(d: &Diagnostic, root: &Path) -> Value {
    let mut text = d.message.clone();
    if let Some(h) = &d.hint {
        text.push_str(" (");
        text.push_str(h);
        text.push(')');
    }
    let mut v = json!({
        "ruleId": d.rule,
        "level": level(d.severity),
        "message": { "text": text },
    });
    if let Some(i) = rules::index(d.rule) {
        v["ruleIndex"] = json!(i);
    }
    if let Some(loc) = location(d, root) {
        v["locations"] = json!([loc]);
    }
    v
}

/// Where the problem is: a URI relative to the site root (absolute for a file outside it) and
/// the line and column when known. None for what is not a file (`<command line>`).
fn location(d: &Diagnostic, root: &Path) -> Option<Value> {
    let shown = display_path(&d.path);
    if shown.is_empty() || shown.starts_with('<') {
        return None;
    }
    let artifact = if d.path.is_absolute() {
        match d.path.strip_prefix(root) {
            Ok(rel) if !rel.as_os_str().is_empty() => relative(&display_path(rel)),
            _ => json!({ "uri": file_uri(&d.path) }),
        }
    } else {
        relative(&shown)
    };
    let mut physical = json!({ "artifactLocation": artifact });
    if let Some(line) = d.line {
        let mut region = json!({ "startLine": line });
        if let Some(col) = d.column {
            region["startColumn"] = json!(col);
        }
        physical["region"] = region;
    }
    Some(json!({ "physicalLocation": physical }))
}

fn relative(path: &str) -> Value {
    // A colon is encoded too: in a relative URI's first segment it would read as a scheme.
    let uri = percent_encode(path.trim_start_matches("./")).replace(':', "%3A");
    json!({ "uri": uri, "uriBaseId": SRCROOT })
}

/// `file:///...` for an absolute path (`file:///C:/...` on Windows).
fn file_uri(path: &Path) -> String {
    let p = display_path(path);
    let p = if p.starts_with('/') {
        p
    } else {
        format!("/{p}")
    };
    format!("file://{}", percent_encode(&p))
}

/// A folder's file URI, ending in `/` so relative URIs resolve inside it.
fn folder_uri(path: &Path) -> String {
    let mut uri = file_uri(path);
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Percent-encodes everything but unreserved characters, `/` and `:` (RFC 3986), byte by byte.
fn percent_encode(path: &str) -> String {
    crate::base::text::percent_encode(path, b"/:")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::diagnostic::Pos;

    #[test]
    fn paths_become_relative_uris_and_positions_regions() {
        let d = Diagnostic::error("content/policies/my policy.md", "unknown control x:1")
            .at(Some(Pos { line: 3, column: 7 }))
            .with_rule(rules::UNKNOWN_CONTROL);
        let r = result(&d, Path::new("/site"));
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(
            loc["artifactLocation"]["uri"],
            "content/policies/my%20policy.md"
        );
        assert_eq!(loc["artifactLocation"]["uriBaseId"], SRCROOT);
        assert_eq!(loc["region"]["startLine"], 3);
        assert_eq!(loc["region"]["startColumn"], 7);
        assert_eq!(r["ruleId"], "unknown-control");
        assert_eq!(
            r["ruleIndex"],
            json!(rules::index(rules::UNKNOWN_CONTROL).unwrap())
        );
    }

    #[test]
    fn absolute_paths_inside_the_site_are_made_relative_and_pseudo_paths_have_no_location() {
        let inside = Diagnostic::error("/site/content/a.md", "m").with_rule(rules::IO);
        let uri = &result(&inside, Path::new("/site"))["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(uri["uri"], "content/a.md");
        let outside = Diagnostic::error("/elsewhere/a b.md", "m").with_rule(rules::IO);
        let uri = &result(&outside, Path::new("/site"))["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(uri["uri"], "file:///elsewhere/a%20b.md");
        assert!(uri.get("uriBaseId").is_none());
        let cli = Diagnostic::error("<command line>", "bad").with_rule(rules::USAGE);
        assert!(result(&cli, Path::new("/site")).get("locations").is_none());
    }
}
