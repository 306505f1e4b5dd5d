//! The trust center's pages and files: the subprocessors page, the FAQ, the documents listed on
//! request (a section of the documents index), the contact block of the home page and
//! `/.well-known/security.txt` (RFC 9116). What they show of items above the profile comes from
//! `resolve::trust`, which keeps only the public fields. docs/trust-center.md.

use super::page::{PageSpec, spec};
use crate::model::Date;
use crate::model::trust::Contact;
use crate::resolve::Model;
use serde::Serialize;

pub(super) const SUBPROCESSORS_PATH: &str = "subprocessors.html";
pub(super) const FAQ_PATH: &str = "faq.html";
/// Where security.txt goes (RFC 9116 section 3).
pub const SECURITY_TXT_PATH: &str = ".well-known/security.txt";

/// For how long an added subprocessor stays under "recent changes" (removals stay as long as
/// the register keeps them).
const RECENT_ADDITION_DAYS: i64 = 365;

/// Whether this build has a subprocessors page: when any supplier has a public block.
pub fn has_subprocessors(model: &Model) -> bool {
    !model.trust.subprocessors.is_empty()
}

/// Whether this build has an FAQ page: when the site has one at or below the profile.
pub fn has_faq(model: &Model) -> bool {
    model.records.faq.is_some()
}

#[derive(Serialize)]
struct SubprocessorRow {
    name: String,
    purpose: String,
    location: String,
    data: Vec<String>,
    since: String,
    /// Set when the removal is announced but not yet effective.
    leaving: Option<String>,
}

#[derive(Serialize)]
struct Change {
    date: String,
    /// `added`, `removed`, `to be added`, `to be removed`.
    change: &'static str,
    name: String,
    purpose: String,
    notice: Option<String>,
}

/// The subprocessors page: who processes customer data, for what and where, and what changed.
pub(super) fn subprocessors_page(model: &Model) -> PageSpec {
    #[derive(Serialize)]
    struct V {
        current: Vec<SubprocessorRow>,
        changes: Vec<Change>,
        recent_days: i64,
        contact: Option<Contact>,
    }
    let today = model.today;
    let mut current = Vec::new();
    let mut changes: Vec<(Date, Change)> = Vec::new();
    for s in &model.trust.subprocessors {
        let b = &s.block;
        let notice = b.notice.map(|d| d.to_string());
        let started = b.since <= today;
        let gone = b.removed.is_some_and(|r| r <= today);
        if started && !gone {
            current.push(SubprocessorRow {
                name: s.name.clone(),
                purpose: b.purpose.clone(),
                location: b.location.clone(),
                data: b.data.clone(),
                since: b.since.to_string(),
                leaving: b.removed.map(|d| d.to_string()),
            });
        }
        let change = |date: Date, change: &'static str| Change {
            date: date.to_string(),
            change,
            name: s.name.clone(),
            purpose: b.purpose.clone(),
            notice: notice.clone(),
        };
        match b.removed {
            Some(r) => changes.push((r, change(r, if gone { "removed" } else { "to be removed" }))),
            None if !started => changes.push((b.since, change(b.since, "to be added"))),
            None if b.since.days_until(today) <= RECENT_ADDITION_DAYS => {
                changes.push((b.since, change(b.since, "added")))
            }
            None => {}
        }
    }
    // Newest first; the same day by name.
    changes.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.name.cmp(&b.1.name)));
    let view = V {
        current,
        changes: changes.into_iter().map(|c| c.1).collect(),
        recent_days: RECENT_ADDITION_DAYS,
        contact: contact(model),
    };
    spec(
        SUBPROCESSORS_PATH.into(),
        "subprocessors.html",
        "Subprocessors".into(),
        "subprocessors",
        view,
    )
}

/// The FAQ page, when the build has one. Answers are Markdown, rendered by the template's
/// `markdown` filter (always sanitised).
pub(super) fn faq_page(model: &Model) -> Option<PageSpec> {
    #[derive(Serialize)]
    struct Q {
        question: String,
        anchor: String,
        answer: String,
    }
    #[derive(Serialize)]
    struct V {
        intro: String,
        questions: Vec<Q>,
        contact: Option<Contact>,
    }
    let faq = &model.records.faq.as_ref()?.value;
    let mut used = std::collections::HashSet::new();
    let questions = faq
        .questions
        .iter()
        .map(|q| {
            let base = format!("q-{}", slug(&q.question));
            let mut anchor = base.clone();
            let mut n = 2;
            while !used.insert(anchor.clone()) {
                anchor = format!("{base}-{n}");
                n += 1;
            }
            Q {
                question: q.question.clone(),
                anchor,
                answer: q.answer.clone(),
            }
        })
        .collect();
    let view = V {
        intro: faq.intro.clone(),
        questions,
        contact: contact(model),
    };
    Some(spec(
        FAQ_PATH.into(),
        "faq.html",
        faq.title.clone(),
        "faq",
        view,
    ))
}

/// The documents listed on request, grouped by kind, as the documents index shows them.
#[derive(Serialize)]
pub(super) struct OnRequest {
    kinds: Vec<OnRequestKind>,
    /// The site's sentence on how to ask, and where its button points.
    request_access: Option<String>,
    request_access_url: Option<String>,
}

#[derive(Serialize)]
struct OnRequestKind {
    title: &'static str,
    documents: Vec<OnRequestDoc>,
}

#[derive(Serialize)]
struct OnRequestDoc {
    title: String,
    summary: Option<String>,
    anchor: String,
    /// Its stub page, relative to the documents index.
    url: String,
}

/// The documents index's "available on request" section, when anything is listed.
pub(super) fn on_request(model: &Model) -> Option<OnRequest> {
    let listed = &model.trust.on_request;
    if listed.is_empty() {
        return None;
    }
    let mut kinds: Vec<OnRequestKind> = Vec::new();
    for l in listed {
        let doc = OnRequestDoc {
            title: l.title.clone(),
            summary: l.summary.clone(),
            anchor: l.anchor.clone(),
            url: format!("{}.html", l.anchor),
        };
        match kinds.last_mut() {
            Some(k) if k.title == l.kind.plural() => k.documents.push(doc),
            _ => kinds.push(OnRequestKind {
                title: l.kind.plural(),
                documents: vec![doc],
            }),
        }
    }
    Some(OnRequest {
        kinds,
        request_access: model.config.request_access.clone(),
        request_access_url: safe_link(&model.config.request_access_url),
    })
}

/// What the home page shows of the trust center: contact addresses, where to ask for access,
/// and links to the FAQ and subprocessors pages when the build has them.
#[derive(Serialize)]
pub(super) struct TrustLinks {
    contact: Option<Contact>,
    request_access_url: Option<String>,
    faq: bool,
    subprocessors: bool,
    security_txt: bool,
}

pub(super) fn trust_links(model: &Model) -> TrustLinks {
    TrustLinks {
        contact: contact(model),
        request_access_url: safe_link(&model.config.request_access_url),
        faq: has_faq(model),
        subprocessors: has_subprocessors(model),
        security_txt: model.config.security_txt.is_some(),
    }
}

/// `/.well-known/security.txt` (RFC 9116), when the site configures it: every field from
/// crosswalk.yaml, `Expires` included (never the clock), CRLF line ends, UTF-8.
pub fn security_txt(model: &Model) -> Option<String> {
    let s = model.config.security_txt.as_ref()?;
    let mut out = String::new();
    let mut line = |field: &str, value: &str| {
        // A value never spans lines: a line break in YAML would end the field early.
        let value: String = value.chars().filter(|c| !c.is_control()).collect();
        out.push_str(&format!("{field}: {}\r\n", value.trim()));
    };
    for c in security_contacts(model) {
        line("Contact", &c);
    }
    // Valid through the configured day.
    line("Expires", &format!("{}T23:59:59Z", s.expires));
    for v in &s.encryption {
        line("Encryption", v);
    }
    for v in &s.acknowledgments {
        line("Acknowledgments", v);
    }
    if !s.preferred_languages.is_empty() {
        line("Preferred-Languages", &s.preferred_languages.join(", "));
    }
    for v in &s.canonical {
        line("Canonical", v);
    }
    for v in &s.policy {
        line("Policy", v);
    }
    for v in &s.hiring {
        line("Hiring", v);
    }
    Some(out)
}

/// security.txt's contacts: as configured, or `mailto:` the security address of `contact:`.
fn security_contacts(model: &Model) -> Vec<String> {
    let Some(s) = &model.config.security_txt else {
        return Vec::new();
    };
    if !s.contact.is_empty() {
        return s.contact.clone();
    }
    let security = model
        .config
        .contact
        .as_ref()
        .and_then(|c| c.security.as_ref());
    security
        .map(|a| vec![format!("mailto:{a}")])
        .unwrap_or_default()
}

/// The pages made with the plan: the subprocessors page and the FAQ, when the build has them.
pub(super) fn pages(model: &Model) -> Vec<PageSpec> {
    let mut pages = Vec::new();
    if has_subprocessors(model) {
        pages.push(subprocessors_page(model));
    }
    pages.extend(faq_page(model));
    pages.extend(
        model
            .trust
            .on_request
            .iter()
            .map(|l| request_page(model, l)),
    );
    pages
}

/// Where a document listed on request has its stub page: named after its anchor (a slug of
/// its title), never its id.
fn request_path(l: &crate::resolve::trust::Listed) -> String {
    format!("documents/{}.html", l.anchor)
}

/// The stub page of a document listed on request: its title, kind and summary, and how to ask
/// for it. Nothing else of the document reaches the model.
fn request_page(model: &Model, l: &crate::resolve::trust::Listed) -> PageSpec {
    #[derive(Serialize)]
    struct V {
        kind: &'static str,
        summary: Option<String>,
        request_access: Option<String>,
        request_access_url: Option<String>,
        contact: Option<Contact>,
    }
    let view = V {
        kind: l.kind.singular(),
        summary: l.summary.clone(),
        request_access: model.config.request_access.clone(),
        request_access_url: safe_link(&model.config.request_access_url),
        contact: contact(model),
    };
    spec(
        request_path(l),
        "document_request.html",
        l.title.clone(),
        "documents",
        view,
    )
}

/// `url` if it is one the portal may link to (`check` reports any other).
fn safe_link(url: &Option<String>) -> Option<String> {
    url.clone()
        .filter(|u| u.starts_with("mailto:") || u.starts_with("https://"))
}

/// The site's contacts, without a URL the portal may not link to.
fn contact(model: &Model) -> Option<Contact> {
    model.config.contact.clone().map(|c| Contact {
        url: c.url.filter(|u| u.starts_with("https://")),
        ..c
    })
}

/// Lowercase letters and digits, other runs as one `-`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "question".into()
    } else {
        out.into()
    }
}
