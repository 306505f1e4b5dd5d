//! The trust center's content, taken before the profile drops anything: the documents a hidden
//! profile still lists on request (title and summary only, nothing else kept), the suppliers'
//! public subprocessor blocks, and the checks of the trust settings in crosswalk.yaml
//! (`security_txt`, `request_access_url`, `contact`). docs/trust-center.md.

pub use super::model::{Listed, PublicSubprocessor, Trust};

use super::model::ResolvedDocument;
use crate::base::diagnostic::{Diagnostic, Pos};
use crate::base::rules;
use crate::model::config::{CONFIG_FILE, Config};
use crate::model::records::Records;
use crate::model::{Classification, Date, Listing};

/// The trust center's content for a build at `profile`, from everything loaded.
pub(super) fn trust(
    documents: &[ResolvedDocument],
    records: &Records,
    profile: Classification,
) -> Trust {
    let mut on_request: Vec<Listed> = documents
        .iter()
        .map(|d| &d.doc)
        .filter(|d| d.meta.classification > profile && d.meta.listing == Listing::OnRequest)
        .map(|d| Listed {
            kind: d.kind,
            title: d.meta.title.clone(),
            summary: d.meta.summary.clone(),
            anchor: String::new(),
        })
        .collect();
    on_request.sort_by(|a, b| (a.kind, &a.title, &a.summary).cmp(&(b.kind, &b.title, &b.summary)));
    let mut used = std::collections::HashSet::new();
    for l in &mut on_request {
        let base = format!("request-{}", slug(&l.title));
        let mut anchor = base.clone();
        let mut n = 2;
        while !used.insert(anchor.clone()) {
            anchor = format!("{base}-{n}");
            n += 1;
        }
        l.anchor = anchor;
    }
    let mut subprocessors: Vec<PublicSubprocessor> = records
        .suppliers
        .iter()
        .flat_map(|r| &r.value.suppliers)
        .filter_map(|s| {
            s.subprocessor.as_ref().map(|b| PublicSubprocessor {
                name: s.name.clone(),
                block: b.clone(),
            })
        })
        .collect();
    subprocessors.sort_by(|a, b| (&a.name, a.block.since).cmp(&(&b.name, b.block.since)));
    Trust {
        on_request,
        subprocessors,
    }
}

/// Lowercase letters and digits, other runs as one `-`.
fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "document".into()
    } else {
        out
    }
}

/// Within this many days of `security_txt.expires`, `check` warns.
pub const SECURITY_TXT_WARN_DAYS: i64 = 30;

/// Checks the trust settings of crosswalk.yaml against `today`.
pub(super) fn check_trust_config(config: &Config, today: Date, diags: &mut Vec<Diagnostic>) {
    let src = &config.source;
    let at = |needle: &str, from: &str| {
        let start = src.find(from).unwrap_or(0);
        Pos::find(src, needle, start)
    };
    if let Some(url) = &config.request_access_url
        && !(url.starts_with("mailto:") || url.starts_with("https://"))
    {
        diags.push(
            Diagnostic::error(
                CONFIG_FILE,
                format!("`request_access_url` is `{url}`: it must start with mailto: or https://"),
            )
            .with_rule(rules::TRUST_LINK)
            .at(at(url, "request_access_url:")),
        );
    }
    if let Some(c) = &config.contact {
        for (field, value, email) in [
            ("security", &c.security, true),
            ("trust", &c.trust, true),
            ("url", &c.url, false),
        ] {
            let Some(v) = value else { continue };
            let ok = if email {
                is_email(v)
            } else {
                v.starts_with("https://")
            };
            if !ok {
                let want = if email {
                    "an email address"
                } else {
                    "an https:// address"
                };
                diags.push(
                    Diagnostic::error(
                        CONFIG_FILE,
                        format!("`contact.{field}` is `{v}`: it must be {want}"),
                    )
                    .with_rule(rules::TRUST_LINK)
                    .at(at(v, "contact:")),
                );
            }
        }
    }
    let Some(s) = &config.security_txt else {
        return;
    };
    let err = |msg: String, needle: &str| {
        Diagnostic::error(CONFIG_FILE, msg)
            .with_rule(rules::SECURITY_TXT)
            .at(at(needle, "security_txt:"))
    };
    let fallback = config.contact.as_ref().and_then(|c| c.security.as_ref());
    if s.contact.is_empty() && fallback.is_none() {
        diags.push(
            err(
                "`security_txt` needs at least one `contact` (RFC 9116)".into(),
                "security_txt:",
            )
            .with_hint("e.g. `contact: mailto:security@example.com`, or set `contact.security`"),
        );
    }
    for c in &s.contact {
        if !(c.starts_with("mailto:") || c.starts_with("https://") || c.starts_with("tel:")) {
            diags.push(
                err(
                    format!("`security_txt.contact` `{c}` is not a mailto:, https:// or tel: URI"),
                    c,
                )
                .with_hint("RFC 9116 contacts are URIs: mailto:security@example.com, https://example.com/report"),
            );
        }
    }
    for (field, values) in [
        ("encryption", &s.encryption),
        ("acknowledgments", &s.acknowledgments),
        ("canonical", &s.canonical),
        ("policy", &s.policy),
        ("hiring", &s.hiring),
    ] {
        for v in values.iter().filter(|v| !v.starts_with("https://")) {
            diags.push(err(
                format!("`security_txt.{field}` `{v}` must be an https:// URI (RFC 9116)"),
                v,
            ));
        }
    }
    for l in &s.preferred_languages {
        let ok = !l.is_empty()
            && l.split('-').all(|p| {
                !p.is_empty() && p.len() <= 8 && p.chars().all(|c| c.is_ascii_alphanumeric())
            });
        if !ok {
            diags.push(err(
                format!("`security_txt.preferred_languages`: `{l}` is not a language tag (e.g. en, de-CH)"),
                l,
            ));
        }
    }
    let left = today.days_until(s.expires);
    let when = s.expires.to_string();
    if left < 0 {
        diags.push(
            err(format!("`security_txt.expires` ({when}) is past"), &when)
                .with_hint("set a new date, less than a year ahead (RFC 9116 section 2.5.5)"),
        );
    } else if left <= SECURITY_TXT_WARN_DAYS {
        let mut d = err(
            format!("`security_txt.expires` ({when}) is {left} days away"),
            &when,
        )
        .with_hint("set a new date, less than a year ahead (RFC 9116 section 2.5.5)");
        d.severity = crate::base::diagnostic::Severity::Warning;
        diags.push(d);
    }
}

/// `local@domain.tld`, roughly: what a mailto: link can carry.
fn is_email(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !v
            .chars()
            .any(|c| c.is_whitespace() || c == '<' || c == '>' || c == '"')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_words() {
        assert_eq!(
            slug("Incident Response Plan (v3)"),
            "incident-response-plan-v3"
        );
        assert_eq!(slug("---"), "document");
        assert!(is_email("security@larkspur.example"));
        assert!(!is_email("mailto:security"));
    }
}
