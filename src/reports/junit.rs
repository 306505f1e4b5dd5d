//! `crosswalk check --format junit`: the diagnostics as a JUnit XML report, for CI test
//! dashboards (GitLab's `artifacts:reports:junit`, Jenkins, test-report actions). One test suite,
//! "crosswalk check", with one test case per rule `check` runs, so a passing check shows as a
//! passed test; each error is a `<failure>` of its rule's test case. Warnings are listed in the
//! test case's `<system-out>` and do not fail it, except under `--strict`, where they are
//! failures like errors (as they fail the run).

use crate::base::diagnostic::Diagnostic;
use crate::base::rules;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The name of the one test suite.
pub const SUITE: &str = "crosswalk check";
/// Every test case's `classname`.
pub const CLASSNAME: &str = "crosswalk.check";

/// The JUnit XML document for `diags` (sorted as `check` prints them).
pub fn xml(diags: &[Diagnostic], strict: bool) -> String {
    // Rule id -> its diagnostics, in registry order, then any rule the registry lacks.
    let mut cases: Vec<(&str, Vec<&Diagnostic>)> = rules::ALL
        .iter()
        .filter(|r| r.run_by_check())
        .map(|r| (r.id, Vec::new()))
        .collect();
    let mut extra: BTreeMap<&str, Vec<&Diagnostic>> = BTreeMap::new();
    for d in diags {
        let id = if d.rule.is_empty() {
            "unclassified"
        } else {
            d.rule
        };
        match cases.iter_mut().find(|(c, _)| *c == id) {
            Some((_, list)) => list.push(d),
            None => extra.entry(id).or_default().push(d),
        }
    }
    cases.extend(extra);

    let fails = |d: &Diagnostic| d.is_error() || strict;
    let tests = cases.len();
    let failures = diags.iter().filter(|d| fails(d)).count();
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let counts = format!("tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\"");

    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"crosswalk\" {counts}>");
    let _ = writeln!(out, "  <testsuite name=\"{SUITE}\" {counts}>");
    out.push_str("    <properties>\n");
    for (name, value) in [
        ("crosswalk.version", env!("CARGO_PKG_VERSION").to_string()),
        ("crosswalk.errors", errors.to_string()),
        ("crosswalk.warnings", (diags.len() - errors).to_string()),
        ("crosswalk.strict", strict.to_string()),
    ] {
        let _ = writeln!(
            out,
            "      <property name=\"{name}\" value=\"{}\"/>",
            attr(&value)
        );
    }
    out.push_str("    </properties>\n");
    for (id, list) in &cases {
        let open = format!(
            "    <testcase name=\"{}\" classname=\"{CLASSNAME}\"",
            attr(id)
        );
        if list.is_empty() {
            let _ = writeln!(out, "{open}/>");
            continue;
        }
        let _ = writeln!(out, "{open}>");
        for d in list.iter().filter(|d| fails(d)) {
            let _ = writeln!(
                out,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                attr(&d.message),
                attr(id),
                text(&d.to_string())
            );
        }
        let quiet: Vec<String> = list
            .iter()
            .filter(|d| !fails(d))
            .map(|d| text(&d.to_string()))
            .collect();
        if !quiet.is_empty() {
            let _ = writeln!(out, "      <system-out>{}\n</system-out>", quiet.join("\n"));
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// Escaped for an attribute value: markup characters, quotes, and line breaks and tabs as
/// character references (an XML parser would turn them into spaces otherwise).
fn attr(s: &str) -> String {
    escape(s, true)
}

/// Escaped for element text.
fn text(s: &str) -> String {
    escape(s, false)
}

fn escape(s: &str, attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\'' if attr => out.push_str("&apos;"),
            '\n' if attr => out.push_str("&#10;"),
            '\t' if attr => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            '\n' | '\t' => out.push(c),
            // Not allowed in XML 1.0 at all, not even as a character reference.
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_quotes_and_control_characters_are_escaped() {
        assert_eq!(
            attr("a<b & \"c\" 'd'\n\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&#10;\u{fffd}"
        );
        assert_eq!(text("x]]>\r\n\u{7}"), "x]]&gt;&#13;\n\u{fffd}");
    }

    #[test]
    fn every_rule_check_runs_is_a_test_case_and_errors_are_its_failures() {
        let d = Diagnostic::error("a.md", "bad <thing>").with_rule(rules::UNKNOWN_CONTROL);
        let w = Diagnostic::warning("b.md", "old").with_rule(rules::EVIDENCE_EXPIRED);
        let x = xml(&[d, w.clone()], false);
        let cases = x.matches("<testcase ").count();
        assert_eq!(
            cases,
            rules::ALL.iter().filter(|r| r.run_by_check()).count()
        );
        assert!(x.contains("failures=\"1\""), "{x}");
        assert!(x.contains("<failure message=\"bad &lt;thing&gt;\" type=\"unknown-control\">"));
        assert!(
            x.contains("<system-out>b.md: warning: old\n</system-out>"),
            "{x}"
        );
        let strict = xml(&[w], true);
        assert!(strict.contains("failures=\"1\""), "{strict}");
        assert!(strict.contains("type=\"evidence-expired\""), "{strict}");
    }
}
