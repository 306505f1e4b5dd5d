//! The updates: what changed in the ISMS the build shows, newest first, made from the site's own
//! records (documents approved, certificates issued, attestation periods) and the git dates of
//! the documents the build shows (`Model::commits`). One list of entries feeds the changes page
//! (`updates.html`, relative links) and the Atom feed (`feed.xml`, RFC 4287, absolute links under
//! `base_url`; no `base_url`, no feed). Nothing here reads a clock: the same commit gives the
//! same entries. Each kind of entry has its own small function (`document_entries`, ...); a new
//! kind is one more function and one more line in `entries`.

use super::page::{PageSpec, spec};
use crate::base::diagnostic::Diagnostic;
use crate::base::rules;
use crate::model::config::Certification;
use crate::model::{Classification, Date};
use crate::resolve::paths::{doc_url, href};
use crate::resolve::{Model, ResolvedDocument};
use serde::Serialize;

/// Where the changes page goes.
pub const UPDATES_PATH: &str = "updates.html";
/// Where the Atom feed goes, when the site has a `base_url`.
pub const FEED_PATH: &str = "feed.xml";
/// The pseudo-template of the feed: `render.rs` writes the feed's text (`view["xml"]`) as it
/// is; the XML is made here, escaped by `xml_text`, not by a theme.
pub const FEED_XML: &str = "(atom feed)";

/// One update: what happened to which item, when.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// `document`, `certificate` or `attestation` (a CSS class, an Atom category).
    pub kind: &'static str,
    /// What happened, for the reader: `Policy approved`, `Certificate issued`, ...
    pub label: String,
    /// Unique on the page, stable across builds: kind, item id and version or date. The feed's
    /// entry id is the changes page's address with this fragment.
    pub anchor: String,
    pub title: String,
    /// The record's date (`YYYY-MM-DD`): approval, issue, period start. Entries sort by it.
    pub date: String,
    /// When the entry last changed (RFC 3339): the git commit date of the item's file when it is
    /// later than `date`, else `date` at midnight UTC.
    pub updated: String,
    /// One line: the document's `change:` note (else its summary), or the certificate's details.
    pub summary: Option<String>,
    /// Facts shown beside the summary: version, certificate number, body, dates.
    pub facts: Vec<String>,
    /// The item's page in the portal (site-relative), if it has one.
    pub link: Option<String>,
    #[serde(skip)]
    sort: (Date, u8),
}

/// Every update of the build, newest first (ties: by kind, then anchor).
pub fn entries(model: &Model) -> Vec<Entry> {
    let mut all = document_entries(model);
    all.extend(certification_entries(model));
    all.extend(subprocessor_entries(model));
    // A new kind of entry is one more `extend` here.
    all.sort_by(|a, b| b.sort.cmp(&a.sort).then_with(|| a.anchor.cmp(&b.anchor)));
    let mut seen = std::collections::HashSet::new();
    for e in &mut all {
        // Two versions written alike (`1 a`, `1-a`) would share an anchor: number the later.
        let mut n = 1;
        let base = e.anchor.clone();
        while !seen.insert(e.anchor.clone()) {
            n += 1;
            e.anchor = format!("{base}-{n}");
        }
    }
    all
}

/// One entry per document the build shows: its current version's approval.
fn document_entries(model: &Model) -> Vec<Entry> {
    model
        .documents
        .iter()
        .map(|d| document_entry(model, d))
        .collect()
}

fn document_entry(model: &Model, d: &ResolvedDocument) -> Entry {
    let m = &d.doc.meta;
    let path = d.doc.path.to_string_lossy().replace('\\', "/");
    let committed = model.commits.get(&path).map(String::as_str);
    let change = m.change.as_deref().map(one_line).filter(|c| !c.is_empty());
    Entry {
        kind: "document",
        label: format!("{} approved", d.doc.kind.singular()),
        anchor: format!("document-{}-{}", m.id, slug(&m.version)),
        title: format!("{}, version {}", one_line(&m.title), one_line(&m.version)),
        date: m.approved.to_string(),
        updated: updated(m.approved, committed),
        summary: change.or_else(|| m.summary.as_deref().map(one_line)),
        facts: vec![m.id.clone()],
        link: Some(doc_url(d)),
        sort: (m.approved, 0),
    }
}

/// Subprocessors added and removed, from the public `subprocessor:` blocks of the supplier
/// register: only the supplier's name and the block's own fields (docs/trust-center.md), dated by
/// the change itself, with the notice date customers were given.
fn subprocessor_entries(model: &Model) -> Vec<Entry> {
    let mut out = Vec::new();
    for s in &model.trust.subprocessors {
        let b = &s.block;
        let name = one_line(&s.name);
        let notice = b.notice.map(|n| format!("notice given {n}"));
        let mut facts = vec![
            format!("purpose: {}", one_line(&b.purpose)),
            format!("location: {}", one_line(&b.location)),
        ];
        if !b.data.is_empty() {
            let data: Vec<String> = b.data.iter().map(|d| one_line(d)).collect();
            facts.push(format!("data: {}", data.join(", ")));
        }
        // The notice belongs to the latest change: the removal when there is one.
        if b.removed.is_none() {
            facts.extend(notice.clone());
        }
        out.push(subprocessor_entry("added", &name, b.since, facts));
        if let Some(removed) = b.removed {
            out.push(subprocessor_entry(
                "removed",
                &name,
                removed,
                notice.into_iter().collect(),
            ));
        }
    }
    out
}

fn subprocessor_entry(what: &str, name: &str, date: Date, facts: Vec<String>) -> Entry {
    Entry {
        kind: "subprocessor",
        label: format!("Subprocessor {what}"),
        anchor: format!("subprocessor-{what}-{}-{date}", slug(name)),
        title: name.to_string(),
        date: date.to_string(),
        updated: updated(date, None),
        summary: (!facts.is_empty()).then(|| facts.join("; ")),
        facts,
        link: Some(super::trust::SUBPROCESSORS_PATH.to_string()),
        sort: (date, 2),
    }
}

/// Certificates issued or renewed (a later cycle of the same framework) and attestation
/// periods, from `certifications` in crosswalk.yaml.
fn certification_entries(model: &Model) -> Vec<Entry> {
    let certs = &model.config.certifications;
    certs
        .iter()
        .filter_map(|c| {
            let name = model
                .framework(&c.framework)
                .map(|i| &model.frameworks[i].catalog)
                .map_or(c.framework.clone(), |cat| {
                    format!("{} {}", cat.title, cat.edition)
                });
            if let Some(issued) = c.issued {
                let renewed = certs
                    .iter()
                    .any(|o| o.framework == c.framework && o.issued.is_some_and(|d| d < issued));
                Some(certificate_entry(c, &name, issued, renewed))
            } else {
                c.period_start
                    .map(|start| attestation_entry(c, &name, start))
            }
        })
        .collect()
}

fn certificate_entry(c: &Certification, name: &str, issued: Date, renewed: bool) -> Entry {
    let mut facts = Vec::new();
    if let Some(n) = &c.certificate {
        facts.push(format!("certificate {}", one_line(n)));
    }
    if let Some(b) = &c.body {
        let by = c.accredited_by.as_deref().map(|a| format!(" ({a})"));
        facts.push(format!(
            "issued by {}{}",
            one_line(b),
            by.unwrap_or_default()
        ));
    }
    let surveillance: Vec<String> = c.surveillance_dates().iter().map(Date::to_string).collect();
    if !surveillance.is_empty() {
        facts.push(format!("surveillance audits {}", surveillance.join(", ")));
    }
    if let Some(e) = c.expiry() {
        facts.push(format!("valid until {e}"));
    }
    let label = if renewed {
        "Certificate renewed"
    } else {
        "Certificate issued"
    };
    Entry {
        kind: "certificate",
        label: label.into(),
        anchor: format!("certificate-{}-{issued}", slug(&c.framework)),
        title: name.to_string(),
        date: issued.to_string(),
        updated: updated(issued, None),
        summary: Some(facts.join("; ")),
        facts,
        link: None,
        sort: (issued, 1),
    }
}

fn attestation_entry(c: &Certification, name: &str, start: Date) -> Entry {
    let kind = format!("Type {}", c.report_type.unwrap_or(2));
    let mut facts = Vec::new();
    if let Some(end) = c.period_end {
        facts.push(format!("period {start} to {end}"));
    }
    if let Some(a) = &c.auditor {
        facts.push(format!("auditor {}", one_line(a)));
    }
    if let Some(d) = c.report_due {
        facts.push(format!("report expected by {d}"));
    }
    Entry {
        kind: "attestation",
        label: "Examination period".into(),
        anchor: format!("attestation-{}-{start}", slug(&c.framework)),
        title: format!("{name}, {kind}"),
        date: start.to_string(),
        updated: updated(start, None),
        summary: Some(facts.join("; ")),
        facts,
        link: None,
        sort: (start, 2),
    }
}

/// An entry's `updated`: the commit date when it falls on or after the record's date, else the
/// record's date at midnight UTC.
fn updated(date: Date, committed: Option<&str>) -> String {
    let record = format!("{date}T00:00:00Z");
    match committed.and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok().map(|t| (c, t))) {
        Some((c, t)) if t.naive_utc().date() >= date.0 => c.to_string(),
        _ => record,
    }
}

/// Text on one line: runs of white space (line breaks too) made one space.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A fragment-safe form of `s`: letters, digits, `.`, `_` and `-` kept, anything else `-`.
fn slug(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The changes page and, with a `base_url`, the feed.
pub(super) fn pages(model: &Model) -> Vec<PageSpec> {
    let all = entries(model);
    let feed = model
        .config
        .base_url
        .as_deref()
        .map(|base| feed(model, base, &all));
    #[derive(Serialize)]
    struct View<'a> {
        entries: &'a [Entry],
        feed: Option<&'static str>,
    }
    let view = View {
        entries: &all,
        feed: feed.is_some().then_some(FEED_PATH),
    };
    let mut out = vec![spec(
        UPDATES_PATH.into(),
        "updates.html",
        "Updates".into(),
        "updates",
        view,
    )];
    out.extend(feed);
    out
}

/// The Atom feed of the newest `feed.entries` entries, every link absolute under `base`.
fn feed(model: &Model, base: &str, all: &[Entry]) -> PageSpec {
    let c = &model.config;
    let shown = &all[..all.len().min(c.feed.entries)];
    // The latest instant, not the greatest text: commit dates carry their own time zones.
    let newest = all
        .iter()
        .filter_map(|e| {
            let t = chrono::DateTime::parse_from_rfc3339(&e.updated).ok()?;
            Some((t.timestamp(), e.updated.as_str()))
        })
        .max()
        .map(|(_, u)| u);
    let author = c.organisation.as_deref().unwrap_or(&c.title);
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    x.push_str(&format!(
        "  <id>{}</id>\n",
        xml_text(&format!("{base}{FEED_PATH}"))
    ));
    x.push_str(&format!("  <title>{}</title>\n", xml_text(&c.feed_title())));
    // No entries yet: a fixed date, never the build's time.
    let updated = newest.unwrap_or("1970-01-01T00:00:00Z");
    x.push_str(&format!("  <updated>{}</updated>\n", xml_text(updated)));
    x.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        xml_text(&format!("{base}{FEED_PATH}"))
    ));
    x.push_str(&format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        xml_text(&format!("{base}{UPDATES_PATH}"))
    ));
    x.push_str(&format!(
        "  <author><name>{}</name></author>\n",
        xml_text(author)
    ));
    x.push_str("  <generator>crosswalk</generator>\n");
    for e in shown {
        feed_entry(&mut x, base, e);
    }
    x.push_str("</feed>\n");
    spec(
        FEED_PATH.into(),
        FEED_XML,
        c.feed_title(),
        "updates",
        serde_json::json!({ "xml": x }),
    )
}

fn feed_entry(x: &mut String, base: &str, e: &Entry) {
    let page = format!("{base}{UPDATES_PATH}#{}", e.anchor);
    let link = e
        .link
        .as_deref()
        .map_or(page.clone(), |l| format!("{base}{}", href(l)));
    x.push_str("  <entry>\n");
    x.push_str(&format!("    <id>{}</id>\n", xml_text(&page)));
    x.push_str(&format!(
        "    <title>{}: {}</title>\n",
        xml_text(&e.label),
        xml_text(&e.title)
    ));
    x.push_str(&format!(
        "    <published>{}T00:00:00Z</published>\n",
        e.date
    ));
    x.push_str(&format!(
        "    <updated>{}</updated>\n",
        xml_text(&e.updated)
    ));
    x.push_str(&format!(
        "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        xml_text(&link)
    ));
    x.push_str(&format!(
        "    <category term=\"{}\" label=\"{}\"/>\n",
        e.kind,
        xml_text(&e.label)
    ));
    if let Some(s) = &e.summary {
        x.push_str(&format!("    <summary>{}</summary>\n", xml_text(s)));
    }
    x.push_str("  </entry>\n");
}

/// `s` as XML text or attribute value: markup characters escaped, and characters XML 1.0 does
/// not allow (most control characters) dropped.
pub fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Why a site has no feed, for `check`: it publishes documents to the public (something a feed
/// would carry) but has no `base_url`, which a feed's absolute links need.
pub fn feed_diagnostics(model: &Model) -> Vec<Diagnostic> {
    let public = model
        .documents
        .iter()
        .any(|d| d.doc.meta.classification == Classification::Public);
    if model.config.base_url.is_some() || !public {
        return Vec::new();
    }
    vec![Diagnostic::warning(
        crate::model::config::CONFIG_FILE,
        "no `base_url`: builds write the updates page but no Atom feed (a feed needs absolute links)",
    )
    .with_rule(rules::FEED_BASE_URL)
    .with_hint("add `base_url: https://trust.example.com/`, the portal's public address")]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_escapes_markup_and_drops_what_xml_forbids() {
        assert_eq!(
            xml_text("a & b <c> \"d\" 'e'\u{1}"),
            "a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;"
        );
    }

    #[test]
    fn updated_is_the_commit_date_when_not_before_the_record() {
        let d = Date::parse("2026-02-10").unwrap();
        assert_eq!(updated(d, None), "2026-02-10T00:00:00Z");
        assert_eq!(
            updated(d, Some("2026-02-11T09:00:00+01:00")),
            "2026-02-11T09:00:00+01:00"
        );
        assert_eq!(
            updated(d, Some("2026-01-01T09:00:00Z")),
            "2026-02-10T00:00:00Z"
        );
        assert_eq!(updated(d, Some("garbage")), "2026-02-10T00:00:00Z");
    }

    #[test]
    fn slugs_keep_only_fragment_safe_characters() {
        assert_eq!(slug("3.2"), "3.2");
        assert_eq!(slug("v 2 <b>"), "v-2--b-");
    }
}
