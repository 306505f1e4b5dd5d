//! Documents and evidence records: a Markdown file's front matter split from its body, YAML
//! parsed into the model, and the rules every document and record must meet (ids, required
//! fields, review dates, validity), each error positioned in its file.

use crate::base::diagnostic::{Diagnostic, Pos};
use crate::base::rules;
use crate::model::{DocKind, Document, DocumentMeta, Evidence, EvidenceMeta};
use std::path::Path;
use std::sync::Arc;

/// Front matter split from a Markdown file: the YAML between the first two `---` lines.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    pub yaml: &'a str,
    /// 1-based line of the file where `yaml` starts.
    pub yaml_line: usize,
    pub body: &'a str,
}

/// Splits front matter from the body. Only the first closing `---` line ends it, so a
/// horizontal rule in the body is left alone.
pub fn split_front_matter(text: &str) -> Result<Split<'_>, (String, Pos)> {
    let start = Pos { line: 1, column: 1 };
    if text.trim().is_empty() {
        return Err((
            "empty file: a document starts with `---`, its front matter, then `---`".into(),
            start,
        ));
    }
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "---" {
        return Err((
            "missing front matter: the file must start with a `---` line".into(),
            start,
        ));
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    for line in lines {
        let t = line.trim_end();
        if t == "---" || t == "..." {
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                yaml_line: 2,
                body: &text[offset + line.len()..],
            });
        }
        offset += line.len();
    }
    Err((
        "unterminated front matter: no closing `---` line".into(),
        start,
    ))
}

pub fn parse_document(kind: DocKind, rel: &Path, text: &str) -> Result<Document, Diagnostic> {
    let split = split_front_matter(text).map_err(|(m, p)| {
        Diagnostic::error(rel, m)
            .with_rule(rules::FRONT_MATTER)
            .at(Some(p))
    })?;
    if split.yaml.trim().is_empty() {
        return Err(Diagnostic::error(
            rel,
            "empty front matter: `id`, `title`, `owner` and more are required",
        )
        .with_rule(rules::FRONT_MATTER)
        .at(Some(Pos { line: 1, column: 1 }))
        .with_hint("see docs/content-format.md"));
    }
    let meta: DocumentMeta = crate::base::yaml::parse(split.yaml, rel, split.yaml_line)?;
    let at_key = |key: &str| {
        Pos::find(split.yaml, &format!("{key}:"), 0).map(|p| Pos {
            line: p.line + split.yaml_line - 1,
            column: p.column,
        })
    };
    match (&meta.review_every, &meta.next_review) {
        (Some(_), Some(_)) => {
            return Err(
                Diagnostic::error(rel, "give `review_every` or `next_review`, not both")
                    .with_rule(rules::CONFLICTING_FIELDS)
                    .at(at_key("next_review")),
            );
        }
        (None, None) => {
            return Err(Diagnostic::error(
                rel,
                "missing `review_every` (e.g. `12 months`) or `next_review` (a date)",
            )
            .with_rule(rules::MISSING_FIELD)
            .at(Some(Pos { line: 1, column: 1 }))
            .with_hint("every controlled document needs a review date (ISO 27001 7.5.2)"));
        }
        _ => {}
    }
    check_id(&meta.id, rel, at_key("id"))?;
    non_empty(&meta.title, "title", rel, at_key("title"))?;
    non_empty(&meta.owner, "owner", rel, at_key("owner"))?;
    Ok(Document {
        kind,
        path: rel.to_path_buf(),
        front_matter: split.yaml.to_string(),
        front_matter_line: split.yaml_line,
        body: split.body.to_string(),
        meta,
        fingerprint: crate::base::hash::hash_bytes(text.as_bytes()),
        link_key: Default::default(),
    })
}

/// Ids become file names and anchors: keep them to letters, digits, `-`, `_` and `.`.
fn check_id(id: &str, rel: &Path, pos: Option<Pos>) -> Result<(), Diagnostic> {
    let ok = !id.is_empty()
        && id.len() <= 100
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Diagnostic::error(
            rel,
            format!("invalid id `{id}`: use letters, digits, `-`, `_` and `.` (at most 100)"),
        )
        .with_rule(rules::INVALID_ID)
        .at(pos))
    }
}

fn non_empty(value: &str, field: &str, rel: &Path, pos: Option<Pos>) -> Result<(), Diagnostic> {
    if value.trim().is_empty() {
        Err(
            Diagnostic::error(rel, format!("`{field}` must not be empty"))
                .with_rule(rules::MISSING_FIELD)
                .at(pos),
        )
    } else {
        Ok(())
    }
}

pub fn parse_evidence(rel: &Path, text: &str) -> Result<Vec<Evidence>, Diagnostic> {
    let start = Pos { line: 1, column: 1 };
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && *l != "---");
    let Some(first) = first else {
        return Err(Diagnostic::error(
            rel,
            "empty evidence file: expected a record or a list of records",
        )
        .with_rule(rules::EMPTY_FILE)
        .at(Some(start)));
    };
    let metas: Vec<EvidenceMeta> = if first.starts_with('-') {
        crate::base::yaml::parse(text, rel, 1)?
    } else {
        vec![crate::base::yaml::parse(text, rel, 1)?]
    };
    if metas.is_empty() {
        return Err(
            Diagnostic::error(rel, "empty list: expected at least one evidence record")
                .with_rule(rules::EMPTY_FILE)
                .at(Some(start)),
        );
    }
    let source: Arc<str> = Arc::from(text);
    let source_hash: Arc<std::sync::OnceLock<u64>> = Default::default();
    let mut out = Vec::with_capacity(metas.len());
    // Records appear in file order: find each one's `id:` after the previous one's, so two
    // records with the same id get their own positions.
    let mut cursor = 0;
    for meta in metas {
        let found = record_at(text, &meta.id, cursor);
        if let Some((_, at)) = found {
            cursor = at + 3;
        }
        let pos = found.map(|(p, _)| p);
        check_id(&meta.id, rel, pos)?;
        non_empty(&meta.title, "title", rel, pos)?;
        non_empty(&meta.owner, "owner", rel, pos)?;
        match (&meta.file, &meta.url) {
            (Some(_), Some(_)) => {
                return Err(Diagnostic::error(
                    rel,
                    format!("evidence `{}` has both `file` and `url`: give one", meta.id),
                )
                .with_rule(rules::CONFLICTING_FIELDS)
                .at(pos));
            }
            (None, None) => {
                return Err(Diagnostic::error(
                    rel,
                    format!(
                        "evidence `{}` needs `file` (a path in the site) or `url`",
                        meta.id
                    ),
                )
                .with_rule(rules::MISSING_FIELD)
                .at(pos));
            }
            _ => {}
        }
        if let Some(url) = &meta.url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(Diagnostic::error(
                rel,
                format!(
                    "evidence `{}`: `url` must start with https:// or http://",
                    meta.id
                ),
            )
            .with_rule(rules::INVALID_URL)
            .at(pos));
        }
        match (&meta.valid_for, &meta.expires) {
            (Some(_), Some(_)) => {
                return Err(Diagnostic::error(
                    rel,
                    format!(
                        "evidence `{}` has both `valid_for` and `expires`: give one",
                        meta.id
                    ),
                )
                .with_rule(rules::CONFLICTING_FIELDS)
                .at(pos));
            }
            (None, None) => {
                return Err(Diagnostic::error(
                    rel,
                    format!(
                        "evidence `{}` needs `valid_for` (e.g. `12 months`) or `expires` (a date)",
                        meta.id
                    ),
                )
                .with_rule(rules::MISSING_FIELD)
                .at(pos)
                .with_hint("auditors ask how long a piece of evidence stays valid"));
            }
            _ => {}
        }
        out.push(Evidence {
            path: rel.to_path_buf(),
            meta,
            source: source.clone(),
            source_hash: source_hash.clone(),
            link_key: Default::default(),
            start: found,
        });
    }
    Ok(out)
}

/// Where the record with `id` starts: the first `id: <id>` line at or after byte `from`, as a
/// position and a byte offset.
fn record_at(text: &str, id: &str, from: usize) -> Option<(Pos, usize)> {
    let mut from = from;
    while let Some(i) = text.get(from..)?.find("id:") {
        let at = from + i;
        let rest = text[at + 3..].lines().next().unwrap_or("").trim();
        let rest = rest.trim_matches(|c| c == '"' || c == '\'');
        let line_start = text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let before = text[line_start..at].trim_start_matches([' ', '-']);
        if rest == id && before.is_empty() {
            return Some((Pos::of_offset(text, at), at));
        }
        from = at + 3;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_split_keeps_horizontal_rules_in_the_body() {
        let s = split_front_matter("---\nid: a\n---\nbody\n\n---\nmore\n").unwrap();
        assert_eq!(s.yaml, "id: a\n");
        assert_eq!(s.yaml_line, 2);
        assert_eq!(s.body, "body\n\n---\nmore\n");
    }

    #[test]
    fn front_matter_errors() {
        assert!(split_front_matter("").unwrap_err().0.contains("empty file"));
        assert!(
            split_front_matter("# Title\n")
                .unwrap_err()
                .0
                .contains("missing front matter")
        );
        assert!(
            split_front_matter("---\nid: a\n")
                .unwrap_err()
                .0
                .contains("unterminated")
        );
        let crlf = split_front_matter("---\r\nid: a\r\n---\r\nbody").unwrap();
        assert_eq!(crlf.body, "body");
    }

    #[test]
    fn record_positions() {
        let text = "- id: A\n  title: x\n- id: B\n";
        assert_eq!(
            record_at(text, "B", 0).map(|(p, _)| p),
            Some(Pos { line: 3, column: 3 })
        );
        assert_eq!(record_at(text, "C", 0), None);
    }
}
