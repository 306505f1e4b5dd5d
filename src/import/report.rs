//! What an import leaves for the user: IMPORT-REPORT.md, written into the new site (per document:
//! the values the source did not give, the placeholders, the problems found in its source file),
//! and the shorter summary the command prints.

use super::source::TODO;
use super::source::{NewDoc, Source};
use super::text::{Placeholder, count};
use crate::base::diagnostic::{Diagnostic, display_path};
use crate::model::Date;
use std::fmt::Write;
use std::path::Path;

/// The report's file name, at the root of the new site (crosswalk reads nothing there).
pub const REPORT_FILE: &str = "IMPORT-REPORT.md";

/// The values of one document that need filling in, as short phrases.
fn gaps(d: &NewDoc) -> Vec<&'static str> {
    let mut out = Vec::new();
    if d.owner.is_none() {
        out.push("owner");
    }
    if d.classification.is_none() {
        out.push("classification");
    }
    if d.version.is_none() {
        out.push("version");
    }
    if d.approved.is_none() {
        out.push("approval date");
    }
    if d.controls.is_empty() {
        out.push("controls");
    }
    out
}

/// Why each gap is one, for the report.
fn gap_line(gap: &str) -> &'static str {
    match gap {
        "owner" => "**owner**: the source names none; written as `TODO`.",
        "classification" => {
            "**classification**: the source gives none; written as `internal`, so public builds leave the document out."
        }
        "version" => "**version**: the source gives none; written as `draft`.",
        "approval date" => "**approved**: the source gives no date; the import date stands in.",
        _ => {
            "**controls**: none; the document covers nothing until it names the controls it meets."
        }
    }
}

fn placeholder_list(found: &[Placeholder]) -> String {
    found
        .iter()
        .map(|p| {
            let lines: Vec<String> = p.lines.iter().map(usize::to_string).collect();
            let word = if p.lines.len() == 1 { "line" } else { "lines" };
            format!(
                "`{}` ({word} {})",
                p.text.replace('`', "'"),
                lines.join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A problem found in the source, its path relative to the source folder.
fn problem(d: &Diagnostic, root: &Path) -> String {
    let shown = Diagnostic {
        path: d.path.strip_prefix(root).unwrap_or(&d.path).to_path_buf(),
        ..d.clone()
    };
    let mut s = format!("`{}`: {}", shown.location(), d.message);
    if let Some(h) = &d.hint {
        let _ = write!(s, ". Hint: {h}");
    }
    s
}

/// IMPORT-REPORT.md.
pub(super) fn markdown(
    source: &Source,
    found: &[Vec<Placeholder>],
    today: Date,
    check_warnings: usize,
) -> String {
    let mut s = String::from("# Import report\n\n");
    let _ = writeln!(
        s,
        "Imported by `crosswalk import {}` on {today} from `{}`: {}.\n",
        source.importer,
        display_path(&source.root),
        count(source.docs.len(), "document")
    );
    let _ = writeln!(
        s,
        "Each value the source did not give is written as a stand-in and marked `# {TODO}` in the \
         document's front matter (search for it). Every imported document is due for review on \
         {today} (`next_review`): reviewing it is when its owner, classification and controls are \
         confirmed; then set `approved`, `version` and a `review_every` cadence. `crosswalk check` \
         gave the new site 0 errors and {}.\n",
        count(check_warnings, "warning")
    );
    if source.organisation.is_none() {
        let _ = writeln!(
            s,
            "The source names no organisation: set `organisation` in crosswalk.yaml.\n"
        );
    }
    if source.frameworks.is_empty() {
        let _ = writeln!(
            s,
            "No framework is in scope yet: set `frameworks` in crosswalk.yaml.\n"
        );
    }
    if !source.warnings.is_empty() {
        s.push_str("## The source as a whole\n\n");
        for w in &source.warnings {
            let _ = writeln!(s, "- {}", problem(w, &source.root));
        }
        s.push('\n');
    }
    s.push_str("## Documents\n");
    for (d, found) in source.docs.iter().zip(found) {
        let _ = writeln!(
            s,
            "\n### {}\n\n`{}` ({}), from `{}`.\n",
            d.title.replace('\n', " "),
            display_path(&d.rel),
            d.id,
            display_path(&d.source)
        );
        let gaps = gaps(d);
        if gaps.is_empty() && found.is_empty() && d.warnings.is_empty() {
            s.push_str("Nothing to fill in.\n");
        }
        for g in gaps {
            let _ = writeln!(s, "- {}", gap_line(g));
        }
        if !found.is_empty() {
            let _ = writeln!(
                s,
                "- **placeholders**, kept as written: {}.",
                placeholder_list(found)
            );
        }
        let mut warnings = d.warnings.clone();
        warnings.sort_by_key(|w| (w.line, w.column));
        for w in &warnings {
            let _ = writeln!(s, "- {}", problem(w, &source.root));
        }
    }
    if !source.skipped.is_empty() {
        s.push_str("\n## Not imported\n\n");
        for (path, why) in &source.skipped {
            let _ = writeln!(s, "- `{}`: {why}", display_path(path));
        }
    }
    s
}

/// The printed summary: one line per document with something to fill in.
pub(super) fn summary(
    source: &Source,
    found: &[Vec<Placeholder>],
    into: &Path,
    check_warnings: usize,
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "imported {} from {} `{}` into {}",
        count(source.docs.len(), "document"),
        if source.importer == "comply" {
            "comply project"
        } else {
            "Markdown folder"
        },
        display_path(&source.root),
        display_path(into)
    );
    let _ = writeln!(
        s,
        "to fill in (each marked `{TODO}` in its file; details in {REPORT_FILE}):"
    );
    let mut any = false;
    for (d, found) in source.docs.iter().zip(found) {
        let mut parts: Vec<String> = gaps(d).into_iter().map(String::from).collect();
        if !found.is_empty() {
            let names: Vec<&str> = found.iter().map(|p| p.text.as_str()).collect();
            parts.push(format!("placeholders {}", names.join(" ")));
        }
        if !d.warnings.is_empty() {
            parts.push(count(d.warnings.len(), "warning"));
        }
        if !parts.is_empty() {
            any = true;
            let _ = writeln!(s, "  {}: {}", display_path(&d.rel), parts.join(", "));
        }
    }
    if !any {
        s.push_str("  nothing\n");
    }
    if source.organisation.is_none() {
        s.push_str("  crosswalk.yaml: organisation\n");
    }
    if source.frameworks.is_empty() {
        s.push_str("  crosswalk.yaml: frameworks\n");
    }
    let _ = writeln!(
        s,
        "crosswalk check: 0 errors, {}; build it with: crosswalk build --root {}",
        count(check_warnings, "warning"),
        display_path(into)
    );
    s
}
