//! `crosswalk import markdown`: a folder (and its subfolders) of Markdown policies without front
//! matter read into new policies: the title from the first heading (else from the file name), the
//! id from the file name, made unique; owner, classification and controls left for the user.
//! Files that are not UTF-8 or have no heading still import, each with a warning.

use super::source::{NewDoc, Source};
use super::text::{first_heading, read_source, slug, title_from_file_name};
use crate::base::diagnostic::{Diagnostic, Diagnostics, Pos};
use crate::model::DocKind;
use std::path::{Path, PathBuf};

/// Reads every Markdown file under `src` (hidden files and folders, READMEs and the new site's
/// own folder `into` left out).
pub fn read(src: &Path, into: &Path) -> Result<Source, Diagnostics> {
    if !src.exists() {
        return Err(Diagnostic::error(src, "source folder not found")
            .with_rule(crate::base::rules::IMPORT_SOURCE)
            .into());
    }
    if !src.is_dir() {
        return Err(Diagnostic::error(
            src,
            "not a folder: give the folder that holds the policies",
        )
        .with_rule(crate::base::rules::IMPORT_SOURCE)
        .into());
    }
    let into_real = into.canonicalize().ok();
    let mut source = Source {
        importer: "markdown",
        root: src.to_path_buf(),
        ..Source::default()
    };
    let mut errors = Vec::new();
    let mut others: Vec<PathBuf> = Vec::new();
    let walk = walkdir::WalkDir::new(src)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !(e.file_name().to_string_lossy().starts_with('.')
                    || into_real
                        .as_deref()
                        .is_some_and(|i| e.path().canonicalize().ok().as_deref() == Some(i)))
        });
    for entry in walk {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().unwrap_or(src).to_path_buf();
                errors.push(
                    Diagnostic::error(path, format!("cannot read: {e}"))
                        .with_rule(crate::base::rules::IO),
                );
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(src)
            .unwrap_or(entry.path())
            .to_path_buf();
        let ext = rel
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let name = rel
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_uppercase();
        if !matches!(ext.as_str(), "md" | "markdown") {
            others.push(rel);
        } else if name.starts_with("README.") {
            source.skipped.push((
                rel,
                "a README: taken to describe the collection, not to be a policy".into(),
            ));
        } else {
            match read_one(src, &rel) {
                Ok(doc) => source.docs.push(doc),
                Err(e) => errors.push(e),
            }
        }
    }
    if !others.is_empty() {
        let shown: Vec<String> = others
            .iter()
            .take(5)
            .map(|p| p.display().to_string())
            .collect();
        let more = if others.len() > 5 {
            format!(", and {} more", others.len() - 5)
        } else {
            String::new()
        };
        source.skipped.push((
            PathBuf::from(format!(
                "{} other file{}",
                others.len(),
                if others.len() == 1 { "" } else { "s" }
            )),
            format!("not Markdown: {}{more}", shown.join(", ")),
        ));
    }
    if !errors.is_empty() {
        let mut d = Diagnostics::default();
        d.extend(errors);
        return Err(d);
    }
    if source.docs.is_empty() {
        return Err(Diagnostic::error(
            src,
            "no Markdown files (.md, .markdown) to import in this folder or its subfolders",
        )
        .with_rule(crate::base::rules::IMPORT_SOURCE)
        .into());
    }
    Ok(source)
}

/// One Markdown file as a new policy.
fn read_one(src: &Path, rel: &Path) -> Result<NewDoc, Diagnostic> {
    let shown = src.join(rel);
    let (text, bad_bytes) = read_source(&shown, &shown)?;
    let mut warnings: Vec<Diagnostic> = bad_bytes.into_iter().collect();
    let start = Some(Pos { line: 1, column: 1 });
    let body = match leading_front_matter(&text) {
        Some(end) => {
            warnings.push(
                Diagnostic::warning(
                    &shown,
                    "the file has front matter already: kept in the body as a comment, not read",
                )
                .with_rule(crate::base::rules::IMPORT_GAP)
                .at(start)
                .with_hint("copy what applies (title, owner, ...) into the new front matter"),
            );
            keep_as_comment(&text[..end], &text[end..])
        }
        None => text.clone(),
    };
    if text.trim().is_empty() {
        warnings.push(
            Diagnostic::warning(&shown, "empty file")
                .with_rule(crate::base::rules::IMPORT_GAP)
                .at(start),
        );
    }
    let title = match first_heading(&body) {
        Some((h, _)) => h,
        None => {
            let t = title_from_file_name(rel);
            warnings.push(
                Diagnostic::warning(
                    &shown,
                    format!("no heading: title made from the file name (\"{t}\")"),
                )
                .with_rule(crate::base::rules::IMPORT_GAP)
                .at(start),
            );
            t
        }
    };
    let id = slug(&rel.file_stem().unwrap_or_default().to_string_lossy());
    let dirs: Vec<String> = rel
        .parent()
        .map(|p| {
            p.components()
                .map(|c| slug(&c.as_os_str().to_string_lossy()))
                .collect()
        })
        .unwrap_or_default();
    let alt_id = slug(&format!("{} {id}", dirs.join(" ")));
    let mut folder = Path::new("content").join(DocKind::Policies.folder());
    for d in &dirs {
        folder.push(d);
    }
    Ok(NewDoc {
        kind: DocKind::Policies,
        rel: folder.join(format!("{id}.md")),
        source: rel.to_path_buf(),
        alt_id,
        id,
        title,
        owner: None,
        classification: None,
        version: None,
        approved: None,
        summary: None,
        controls: Vec::new(),
        history: Vec::new(),
        body,
        warnings,
    })
}

/// The end (byte offset) of a YAML front matter block the file starts with, if it has one: a
/// `---` line, lines whose first looks like `key: value`, and a closing `---` or `...` line.
fn leading_front_matter(text: &str) -> Option<usize> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next()?;
    if first.trim_end() != "---" {
        return None;
    }
    let mut offset = first.len();
    let mut saw_key = false;
    for line in lines {
        let t = line.trim_end();
        if t == "---" || t == "..." {
            return saw_key.then_some(offset + line.len());
        }
        if !saw_key && !t.trim().is_empty() {
            let key = t.split_once(':').map(|(k, _)| k).unwrap_or("");
            if key.is_empty()
                || !key
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ' '))
            {
                return None;
            }
            saw_key = true;
        }
        offset += line.len();
    }
    None
}

/// The source's own front matter kept at the top of the body, hidden from the portal: an HTML
/// comment (which the portal's sanitiser drops), or a fenced block if it could end a comment.
fn keep_as_comment(front: &str, rest: &str) -> String {
    let front = front.trim_end();
    if front.contains("-->") {
        let ticks = "`".repeat(longest_run(front, '`').max(2) + 1);
        format!("{ticks}yaml\n{front}\n{ticks}\n\n{rest}")
    } else {
        format!(
            "<!-- The source file's own front matter, not read by crosswalk:\n{front}\n-->\n\n{rest}"
        )
    }
}

fn longest_run(s: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for x in s.chars() {
        run = if x == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_told_from_a_rule_at_the_top() {
        assert_eq!(leading_front_matter("---\ntitle: A\n---\n# A\n"), Some(17));
        assert_eq!(leading_front_matter("---\n\nSome text\n---\n"), None);
        assert_eq!(leading_front_matter("# A\n---\n"), None);
        let kept = keep_as_comment("---\ntitle: A\n---\n", "# A\n");
        assert!(
            kept.starts_with("<!--") && kept.ends_with("-->\n\n# A\n"),
            "{kept}"
        );
        assert!(keep_as_comment("---\nx: -->\n---\n", "").starts_with("```yaml"));
    }
}
