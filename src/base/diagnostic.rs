//! One typed diagnostic, used by every stage: a file, a position where known, a severity, a
//! message, an optional hint, and the rule that found it (`base::rules`). `check` prints them as
//! text, JSON, GitHub annotations, SARIF or JUnit XML.

use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The file the problem is in, relative to the site root where possible.
    pub path: PathBuf,
    /// 1-based line, when the parser knows it.
    pub line: Option<usize>,
    /// 1-based column, when the parser knows it.
    pub column: Option<usize>,
    pub severity: Severity,
    pub message: String,
    /// What the user probably meant, or how to fix it.
    pub hint: Option<String>,
    /// Which check found the problem: a short stable id such as `evidence-expired`, named by
    /// SARIF's rules, JUnit's test cases and `diff`'s matching; one of `base::rules::ALL`. Empty
    /// until a rule is given (tests/ci_formats.rs holds every diagnostic in src/ to giving one).
    pub rule: &'static str,
}

impl Diagnostic {
    pub fn error(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.into(),
            line: None,
            column: None,
            severity: Severity::Error,
            message: message.into(),
            hint: None,
            rule: "",
        }
    }

    pub fn warning(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, message)
        }
    }

    pub fn at(mut self, pos: Option<Pos>) -> Self {
        if let Some(pos) = pos {
            self.line = Some(pos.line);
            self.column = Some(pos.column);
        }
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Names the check that found the problem (see `rule`).
    pub fn with_rule(mut self, rule: &'static str) -> Self {
        self.rule = rule;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `path:line:col` (or `path:line`, or `path`): the location prefix editors understand.
    pub fn location(&self) -> String {
        let path = display_path(&self.path);
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{path}:{l}:{c}"),
            (Some(l), None) => format!("{path}:{l}"),
            _ => path,
        }
    }

    /// A GitHub Actions workflow command, so the problem shows on the pull request's diff.
    pub fn github_annotation(&self) -> String {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = format!("file={}", escape_property(&display_path(&self.path)));
        if let Some(l) = self.line {
            props.push_str(&format!(",line={l}"));
        }
        if let Some(c) = self.column {
            props.push_str(&format!(",col={c}"));
        }
        let mut message = self.message.clone();
        if let Some(h) = &self.hint {
            message.push_str(" (");
            message.push_str(h);
            message.push(')');
        }
        format!("::{level} {props}::{}", escape_data(&message))
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.location(),
            self.severity,
            self.message
        )?;
        if let Some(h) = &self.hint {
            write!(f, "\n  = help: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    /// The position of byte `offset` in `text` (columns count characters, not bytes).
    pub fn of_offset(text: &str, offset: usize) -> Pos {
        let offset = offset.min(text.len());
        let before = &text[..floor_char_boundary(text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        Pos {
            line,
            column: before[line_start..].chars().count() + 1,
        }
    }

    /// Where `needle` first occurs in `text` at or after byte `from`, if it does.
    pub fn find(text: &str, needle: &str, from: usize) -> Option<Pos> {
        let from = floor_char_boundary(text, from.min(text.len()));
        text[from..]
            .find(needle)
            .map(|i| Pos::of_offset(text, from + i))
    }
}

impl Pos {
    /// Like `find`, but only where `needle` stands as a whole value: not followed by more of an
    /// id (`iso27001:A.5` does not match inside `iso27001:A.5.15`).
    pub fn find_token(text: &str, needle: &str, from: usize) -> Option<Pos> {
        let mut from = floor_char_boundary(text, from.min(text.len()));
        while let Some(i) = text[from..].find(needle) {
            let at = from + i;
            let end = at + needle.len();
            let next = text[end..].chars().next();
            let before = text[..at].chars().next_back();
            let boundary = |c: Option<char>| {
                c.is_none_or(|c| {
                    !(c.is_alphanumeric() || matches!(c, '.' | '(' | ')' | '_' | '-' | ':'))
                })
            };
            if boundary(next) && boundary(before) {
                return Some(Pos::of_offset(text, at));
            }
            from = at + needle.len().max(1);
        }
        None
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Paths are shown with forward slashes on every platform so messages and tests agree.
pub fn display_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Diagnostics gathered across a run: keep going past a per-file problem, report all at the end.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(ds);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Sorted by file, then position, so output is stable across parallel runs.
    pub fn sorted(&self) -> Vec<Diagnostic> {
        let mut items = self.items.clone();
        items.sort_by(|a, b| {
            (&a.path, a.line, a.column, &a.message).cmp(&(&b.path, b.line, b.column, &b.message))
        });
        items.dedup();
        items
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

/// One diagnostic as a failed run, so `?` turns a `Diagnostic` into `Diagnostics`.
impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics { items: vec![d] }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "a: 1\nbé: x\n";
        assert_eq!(Pos::of_offset(text, 0), Pos { line: 1, column: 1 });
        let x = text.find('x').unwrap();
        assert_eq!(Pos::of_offset(text, x), Pos { line: 2, column: 5 });
        assert_eq!(Pos::find(text, "x", 0), Some(Pos { line: 2, column: 5 }));
        assert_eq!(Pos::find(text, "zz", 0), None);
    }

    #[test]
    fn text_and_github_forms() {
        let d = Diagnostic::error("content/policies/a.md", "unknown control iso27001:A.9.2.1")
            .at(Some(Pos { line: 7, column: 5 }))
            .with_hint("a 2013 id; in 2022 it is A.5.16");
        assert_eq!(
            d.to_string(),
            "content/policies/a.md:7:5: error: unknown control iso27001:A.9.2.1\n  = help: a 2013 id; in 2022 it is A.5.16"
        );
        assert_eq!(
            d.github_annotation(),
            "::error file=content/policies/a.md,line=7,col=5::unknown control iso27001:A.9.2.1 (a 2013 id; in 2022 it is A.5.16)"
        );
    }
}
