//! The trust center's own content, as parsed: a supplier's public subprocessor block, the FAQ
//! (`content/trust/faq.md`) and the settings of crosswalk.yaml's `contact:` and `security_txt:`
//! (a document's listing tier, `Listing`, is with the documents in mod.rs). Field by field:
//! docs/trust-center.md.

use crate::base::diagnostic::{Diagnostic, Pos};
use crate::base::rules;
use crate::model::{Classification, Date};
use serde::Deserialize;
use std::path::Path;

/// A supplier's public block (`subprocessor:` in the supplier register): what a customer may
/// know about a subprocessor, shown on every build whatever the register's classification.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subprocessor {
    /// What the subprocessor does for the service.
    pub purpose: String,
    /// Where it processes the data (countries or regions).
    pub location: String,
    /// Categories of data it processes.
    #[serde(default)]
    pub data: Vec<String>,
    /// Since when it is a subprocessor.
    pub since: Date,
    /// When customers were (or are to be) told of the change: for an addition, before `since`;
    /// for a removal, before `removed`.
    #[serde(default)]
    pub notice: Option<Date>,
    /// When it stopped being a subprocessor.
    #[serde(default)]
    pub removed: Option<Date>,
}

/// `contact:` in crosswalk.yaml: where security reports and trust questions go.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Where to report a vulnerability (an email address).
    #[serde(default)]
    pub security: Option<String>,
    /// Where to ask about security, compliance and documents (an email address).
    #[serde(default)]
    pub trust: Option<String>,
    /// A page about security or the trust center (`https:`).
    #[serde(default)]
    pub url: Option<String>,
}

/// `security_txt:` in crosswalk.yaml: the fields of `/.well-known/security.txt` (RFC 9116).
/// `expires` is taken from here, never from the clock, so the same input gives the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityTxt {
    /// `mailto:`, `https:` or `tel:` URIs, most preferred first (at least one).
    #[serde(default, deserialize_with = "one_or_many")]
    pub contact: Vec<String>,
    /// The date after which the file is stale (written as that day, 00:00 UTC).
    pub expires: Date,
    #[serde(default, deserialize_with = "one_or_many")]
    pub encryption: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub acknowledgments: Vec<String>,
    /// Language tags, e.g. `[en, de]`.
    #[serde(default, deserialize_with = "one_or_many")]
    pub preferred_languages: Vec<String>,
    /// Where the file is published (its own `https:` URL).
    #[serde(default, deserialize_with = "one_or_many")]
    pub canonical: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub policy: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub hiring: Vec<String>,
}

/// A text or a list of texts.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Texts {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Texts::deserialize(d)? {
        Texts::One(s) => vec![s],
        Texts::Many(v) => v,
    })
}

/// Where the FAQ is read from.
pub const FAQ_FILE: &str = "content/trust/faq.md";

/// The FAQ's optional front matter. Without front matter the FAQ is public.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaqMeta {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    classification: Option<Classification>,
}

/// The FAQ: its introduction and each `## Question` with its answer, as Markdown.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Faq {
    pub title: String,
    pub classification: Classification,
    /// The Markdown before the first question.
    pub intro: String,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Question {
    pub question: String,
    pub answer: String,
}

/// Parses `content/trust/faq.md`: optional front matter (`title`, `classification`), then
/// Markdown whose `## ` headings are the questions.
pub fn parse_faq(rel: &Path, text: &str) -> Result<Faq, Diagnostic> {
    let (meta, body) = if text.starts_with("---") {
        let mut lines = text.split_inclusive('\n');
        let first = lines.next().unwrap_or("");
        let mut offset = first.len();
        let mut end = None;
        for line in lines {
            let t = line.trim_end();
            if t == "---" || t == "..." {
                end = Some((offset, offset + line.len()));
                break;
            }
            offset += line.len();
        }
        let Some((yaml_end, body_start)) = end else {
            return Err(
                Diagnostic::error(rel, "unterminated front matter: no closing `---` line")
                    .with_rule(rules::FRONT_MATTER)
                    .at(Some(Pos { line: 1, column: 1 })),
            );
        };
        let yaml = &text[first.len()..yaml_end];
        let meta: FaqMeta = if yaml.trim().is_empty() {
            FaqMeta {
                title: None,
                classification: None,
            }
        } else {
            crate::base::yaml::parse(yaml, rel, 2)?
        };
        (meta, &text[body_start..])
    } else {
        (
            FaqMeta {
                title: None,
                classification: None,
            },
            text,
        )
    };
    let mut intro = String::new();
    let mut heading: Option<String> = None;
    let mut questions: Vec<Question> = Vec::new();
    let mut fenced = false;
    for line in body.split_inclusive('\n') {
        let t = line.trim_end();
        if t.trim_start().starts_with("```") || t.trim_start().starts_with("~~~") {
            fenced = !fenced;
        }
        if !fenced && let Some(q) = t.strip_prefix("## ") {
            questions.push(Question {
                question: q.trim().trim_end_matches('#').trim().to_string(),
                answer: String::new(),
            });
            continue;
        }
        match questions.last_mut() {
            Some(q) => q.answer.push_str(line),
            // A leading `# Title` names the page (unless the front matter does).
            None if !fenced
                && heading.is_none()
                && intro.trim().is_empty()
                && t.starts_with("# ") =>
            {
                heading = Some(t[2..].trim().to_string());
                intro.clear();
            }
            None => intro.push_str(line),
        }
    }
    Ok(Faq {
        title: meta
            .title
            .or(heading)
            .unwrap_or_else(|| "Frequently asked questions".into()),
        classification: meta.classification.unwrap_or(Classification::Public),
        intro: intro.trim().to_string(),
        questions: questions
            .into_iter()
            .map(|q| Question {
                answer: q.answer.trim().to_string(),
                ..q
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_are_the_second_level_headings() {
        let faq = parse_faq(
            Path::new(FAQ_FILE),
            "# Security FAQ\n\nWhat we are asked.\n\n## Do you encrypt?\n\nYes.\n\n```\n## not a question\n```\n\n## Where is data?\nIn the EU.\n",
        )
        .unwrap();
        assert_eq!(faq.title, "Security FAQ");
        assert_eq!(faq.classification, Classification::Public);
        assert_eq!(faq.intro, "What we are asked.");
        assert_eq!(faq.questions.len(), 2);
        assert_eq!(faq.questions[0].question, "Do you encrypt?");
        assert!(faq.questions[0].answer.contains("## not a question"));
        assert_eq!(faq.questions[1].answer, "In the EU.");
    }

    #[test]
    fn front_matter_sets_title_and_classification() {
        let faq = parse_faq(
            Path::new(FAQ_FILE),
            "---\ntitle: Questions\nclassification: internal\n---\n## Q?\nA.\n",
        )
        .unwrap();
        assert_eq!(faq.title, "Questions");
        assert_eq!(faq.classification, Classification::Internal);
        let bad = parse_faq(Path::new(FAQ_FILE), "---\ncolour: red\n---\n").unwrap_err();
        assert_eq!(bad.rule, rules::YAML);
        assert!(parse_faq(Path::new(FAQ_FILE), "---\ntitle: x\n").is_err());
    }
}
