//! Our own mapping files, written: a catalog or a crosswalk as the YAML that
//! docs/mapping-format.md describes, keys in its order. Strings that could be read as anything
//! but themselves are written as JSON strings, which YAML reads as double-quoted scalars; the
//! import reads every file it writes back through `base::yaml` before it places it.

use crate::model::{Catalog, Confidence, Crosswalk, OneOrMany, Source, SpecType};
use std::fmt::Write;

/// A scalar: plain when it is unmistakably a string (starts with a letter, no YAML indicator
/// characters, not a word YAML 1.1 reads as a boolean or null), else a JSON string.
fn scalar(s: &str) -> String {
    const WORDS: [&str; 11] = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
    ];
    let plain = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && !s.ends_with(' ')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || " ,.;()/'&+_-".contains(c))
        && !WORDS.contains(&s.to_ascii_lowercase().as_str());
    if plain { s.to_string() } else { quoted(s) }
}

/// Always quoted: ids and editions, which YAML would otherwise read as numbers.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn list(ids: &[String]) -> String {
    let items: Vec<String> = ids.iter().map(|s| quoted(s)).collect();
    format!("[{}]", items.join(", "))
}

fn sources(out: &mut String, sources: &[Source]) {
    out.push_str("sources:\n");
    for s in sources {
        let _ = writeln!(out, "  - id: {}", quoted(&s.id));
        let _ = writeln!(out, "    title: {}", scalar(&s.title));
        if let Some(u) = &s.url {
            let _ = writeln!(out, "    url: {}", scalar(u));
        }
        if let Some(n) = &s.note {
            let _ = writeln!(out, "    note: {}", scalar(n));
        }
    }
}

/// Comment lines: `header`'s lines, each after `# `.
fn comment(out: &mut String, header: &str) {
    for line in header.lines() {
        let _ = writeln!(out, "# {line}");
    }
}

/// A catalog file.
pub fn catalog(c: &Catalog, header: &str) -> String {
    let mut out = String::new();
    comment(&mut out, header);
    let _ = writeln!(out, "slug: {}", quoted(&c.slug));
    let _ = writeln!(out, "title: {}", scalar(&c.title));
    let _ = writeln!(out, "edition: {}", quoted(&c.edition));
    if let Some(p) = &c.publisher {
        let _ = writeln!(out, "publisher: {}", scalar(p));
    }
    if let Some(n) = &c.counts {
        let _ = writeln!(out, "counts: {}", scalar(n));
    }
    if let Some(s) = &c.superseded_by {
        let _ = writeln!(out, "superseded_by: {}", quoted(s));
    }
    sources(&mut out, &c.sources);
    out.push_str("groups:\n");
    for g in &c.groups {
        let _ = writeln!(out, "  - id: {}", quoted(&g.id));
        let _ = writeln!(out, "    title: {}", scalar(&g.title));
        if !g.counted {
            out.push_str("    counted: false\n");
        }
    }
    out.push_str("controls:\n");
    for ctl in &c.controls {
        let _ = writeln!(out, "  - id: {}", quoted(&ctl.id));
        let _ = writeln!(out, "    title: {}", scalar(&ctl.title));
        let _ = writeln!(out, "    group: {}", quoted(&ctl.group));
        if let Some(s) = &ctl.summary {
            let _ = writeln!(out, "    summary: {}", scalar(s));
        }
        if ctl.new {
            out.push_str("    new: true\n");
        }
        match ctl.spec_type {
            Some(SpecType::Required) => out.push_str("    type: required\n"),
            Some(SpecType::Addressable) => out.push_str("    type: addressable\n"),
            None => {}
        }
        if let Some(p) = &ctl.parent {
            let _ = writeln!(out, "    parent: {}", quoted(p));
        }
        if !ctl.elements.is_empty() {
            out.push_str("    elements:\n");
            for e in &ctl.elements {
                let _ = writeln!(out, "      - id: {}", quoted(&e.id));
                let _ = writeln!(out, "        label: {}", scalar(&e.label));
                if let Some(r) = &e.rests_on {
                    let _ = writeln!(out, "        rests_on: {}", scalar(r));
                }
            }
        }
    }
    out
}

fn side(v: &OneOrMany) -> String {
    match v {
        OneOrMany::One(s) => quoted(s),
        OneOrMany::Many(v) => list(&v.iter().map(|s| s.0.clone()).collect::<Vec<_>>()),
    }
}

fn confidence(c: Option<Confidence>) -> Option<&'static str> {
    c.filter(|c| *c != Confidence::Unstated)
        .map(Confidence::as_str)
}

/// A crosswalk file.
pub fn crosswalk(x: &Crosswalk, header: &str) -> String {
    let mut out = String::new();
    comment(&mut out, header);
    let _ = writeln!(out, "from: {}", quoted(&x.from));
    let _ = writeln!(out, "to: {}", quoted(&x.to));
    let _ = writeln!(out, "from_edition: {}", quoted(&x.from_edition));
    let _ = writeln!(out, "to_edition: {}", quoted(&x.to_edition));
    if let Some(m) = &x.method {
        let _ = writeln!(out, "method: {}", scalar(m));
    }
    sources(&mut out, &x.sources);
    out.push_str(if x.mappings.is_empty() {
        "mappings: []\n"
    } else {
        "mappings:\n"
    });
    for m in &x.mappings {
        let _ = writeln!(out, "  - from: {}", quoted(&m.from));
        let _ = writeln!(out, "    to: {}", quoted(&m.to));
        let _ = writeln!(out, "    relationship: {}", m.relationship.as_str());
        if let Some(r) = m.rationale {
            let _ = writeln!(out, "    rationale: {}", r.as_str());
        }
        if let Some(c) = confidence(m.confidence) {
            let _ = writeln!(out, "    confidence: {c}");
        }
        if let Some(l) = &m.from_met {
            let _ = writeln!(out, "    from_met: {}", list(l));
        }
        if let Some(l) = &m.to_met {
            let _ = writeln!(out, "    to_met: {}", list(l));
        }
        if let Some(s) = &m.source {
            let _ = writeln!(out, "    source: {}", quoted(s));
        }
        if let Some(n) = &m.note {
            let _ = writeln!(out, "    note: {}", scalar(n));
        }
    }
    if !x.groups.is_empty() {
        out.push_str("groups:\n");
    }
    for g in &x.groups {
        let _ = writeln!(out, "  - from: {}", side(&g.from));
        let _ = writeln!(out, "    to: {}", side(&g.to));
        if let Some(r) = g.rationale {
            let _ = writeln!(out, "    rationale: {}", r.as_str());
        }
        if let Some(c) = confidence(g.confidence) {
            let _ = writeln!(out, "    confidence: {c}");
        }
        if let Some(l) = &g.from_met {
            let _ = writeln!(out, "    from_met: {}", list(l));
        }
        if let Some(l) = &g.to_met {
            let _ = writeln!(out, "    to_met: {}", list(l));
        }
        let _ = writeln!(out, "    source: {}", quoted(&g.source));
        if let Some(n) = &g.note {
            let _ = writeln!(out, "    note: {}", scalar(n));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_that_yaml_would_misread_are_quoted() {
        assert_eq!(scalar("Access control"), "Access control");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("3.1"), "\"3.1\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar("# x"), "\"# x\"");
        assert_eq!(scalar("line\nbreak"), "\"line\\nbreak\"");
        assert_eq!(scalar(""), "\"\"");
    }
}
