//! Writing the new site of an import: `crosswalk.yaml`, `.gitignore`, the cache folder, one file
//! per document and IMPORT-REPORT.md, all into a hidden folder beside the target, checked with
//! `crosswalk check`'s own rules, then renamed into place in one step. A killed or failed import
//! leaves no half site, and nothing is ever written into a folder that has files in it.

use super::report::{self, REPORT_FILE};
use super::source::{NewDoc, Outcome, Source, TODO};
use super::text::{Placeholder, placeholders, yaml_quote};
use crate::base::diagnostic::{Diagnostic, Diagnostics};
use crate::model::Date;
use std::path::{Path, PathBuf};

/// What `crosswalk init` ignores too: outputs, packages and the build cache.
const GITIGNORE: &str = "/public\n/.public.crosswalk/\n/packages/\n/.crosswalk-cache/\n";

/// Refuses a target that exists and is not an empty folder: an import never writes over or
/// beside anything.
pub(super) fn refuse_unless_empty(into: &Path) -> Result<(), Diagnostic> {
    // The new site is renamed into place whole: that cannot be the folder the command runs in
    // (the shell would be left in a folder that no longer exists).
    let here = std::env::current_dir().and_then(|d| d.canonicalize()).ok();
    if into.file_name().is_none() || (here.is_some() && into.canonicalize().ok() == here) {
        return Err(Diagnostic::error(
            into,
            "cannot import into the current folder: the new site is moved into place whole",
        )
        .with_rule(crate::base::rules::IMPORT_TARGET)
        .with_hint("give a new folder, e.g. `--into site`"));
    }
    if !into.exists() {
        return Ok(());
    }
    if !into.is_dir() {
        return Err(Diagnostic::error(
            into,
            "exists and is not a folder: give a new or empty folder to import into",
        )
        .with_rule(crate::base::rules::IMPORT_TARGET));
    }
    let empty = std::fs::read_dir(into)
        .map_err(|e| {
            Diagnostic::error(into, format!("cannot read: {e}")).with_rule(crate::base::rules::IO)
        })?
        .next()
        .is_none();
    if empty {
        Ok(())
    } else {
        Err(Diagnostic::error(
            into,
            "folder exists and is not empty: refusing to import into it",
        )
        .with_rule(crate::base::rules::IMPORT_TARGET)
        .with_hint("give a new or empty folder; nothing was written"))
    }
}

/// Writes `source` as a new site at `into`, dated `today`.
pub(super) fn write(mut source: Source, into: &Path, today: Date) -> Result<Outcome, Diagnostics> {
    super::source::make_unique(&source.root, &mut source.docs);
    let mut files: Vec<(PathBuf, String)> = vec![
        (PathBuf::from("crosswalk.yaml"), config_text(&source, today)),
        (PathBuf::from(".gitignore"), GITIGNORE.to_string()),
    ];
    let mut found: Vec<Vec<Placeholder>> = Vec::new();
    for d in &source.docs {
        let text = document_text(d, &source, today);
        found.push(placeholders(&text));
        files.push((d.rel.clone(), text));
    }
    let staging = staging_folder(into)?;
    let result = fill(&staging, into, &files, &source, &found, today);
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    let check_warnings = result?;
    let mut warnings: Vec<Diagnostic> = source.warnings.clone();
    for d in &source.docs {
        warnings.extend(d.warnings.iter().cloned());
    }
    let mut all = Diagnostics::default();
    all.extend(warnings);
    Ok(Outcome {
        site: into.to_path_buf(),
        documents: source.docs.len(),
        warnings: all.sorted(),
        summary: report::summary(&source, &found, into, check_warnings),
        check_warnings,
    })
}

/// A fresh hidden folder beside `into` to build the site in; what a killed import left there
/// is cleared first.
fn staging_folder(into: &Path) -> Result<PathBuf, Diagnostic> {
    let name = into
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "site".into());
    let parent = match into.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| {
        Diagnostic::error(&parent, format!("cannot create: {e}")).with_rule(crate::base::rules::IO)
    })?;
    let prefix = format!(".{name}.import-");
    if let Ok(entries) = std::fs::read_dir(&parent) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    Ok(parent.join(format!("{prefix}{}", std::process::id())))
}

/// Writes every file into `staging`, checks the site there, adds the report and renames the
/// folder to `into`. Returns how many warnings `check` gives the new site.
fn fill(
    staging: &Path,
    into: &Path,
    files: &[(PathBuf, String)],
    source: &Source,
    found: &[Vec<Placeholder>],
    today: Date,
) -> Result<usize, Diagnostics> {
    let point = |p: &Path| {
        crate::base::fault::point(p).map_err(|e| {
            Diagnostic::error(p, format!("cannot write: {e}")).with_rule(crate::base::rules::IO)
        })
    };
    let cache = staging.join(crate::site::CACHE_DIR);
    point(&cache)?;
    std::fs::create_dir_all(&cache).map_err(|e| {
        Diagnostic::error(&cache, format!("cannot create: {e}")).with_rule(crate::base::rules::IO)
    })?;
    let put = |rel: &Path, text: &str| -> Result<(), Diagnostic> {
        let path = staging.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                Diagnostic::error(parent, format!("cannot create: {e}"))
                    .with_rule(crate::base::rules::IO)
            })?;
        }
        point(&path)?;
        std::fs::write(&path, text).map_err(|e| {
            Diagnostic::error(into.join(rel), format!("cannot write: {e}"))
                .with_rule(crate::base::rules::IO)
        })
    };
    for (rel, text) in files {
        put(rel, text)?;
    }
    let check_warnings = check(staging, into, today)?;
    put(
        Path::new(REPORT_FILE),
        &report::markdown(source, found, today, check_warnings),
    )?;
    point(into)?;
    std::fs::rename(staging, into).map_err(|e| {
        Diagnostic::error(into, format!("cannot move the new site into place: {e}"))
            .with_rule(crate::base::rules::IO)
    })?;
    Ok(check_warnings)
}

/// Runs `check` on the new site: an error there is the importer's bug, and nothing is moved
/// into place. Returns the number of warnings.
fn check(staging: &Path, into: &Path, today: Date) -> Result<usize, Diagnostics> {
    let site = crate::site::Site::open(staging)?;
    let opts = crate::site::Options {
        today: Some(today),
        quiet: true,
        ..Default::default()
    };
    let diags = site.check(&opts)?;
    if !diags.has_errors() {
        return Ok(diags.warning_count());
    }
    let mut out = Diagnostics::default();
    out.push(Diagnostic::error(
        into,
        "the imported site does not pass `crosswalk check` (a bug in the importer; please report it): nothing was written",
    )
.with_rule(crate::base::rules::IMPORT_TARGET));
    for d in diags.sorted().into_iter().filter(Diagnostic::is_error) {
        out.push(Diagnostic {
            path: into.join(&d.path),
            ..d
        });
    }
    Err(out)
}

/// `crosswalk.yaml` of the new site.
fn config_text(source: &Source, today: Date) -> String {
    let mut s = format!(
        "# Written by `crosswalk import {}` on {today} from {}.\n# {REPORT_FILE} lists what is left to fill in.\n",
        source.importer,
        one_line(&source.root.display().to_string())
    );
    match &source.organisation {
        Some(org) => {
            s.push_str(&format!(
                "title: {}\n",
                yaml_quote(&format!("{org} Trust Portal"))
            ));
            s.push_str(&format!("organisation: {}\n", yaml_quote(org)));
        }
        None => {
            s.push_str("title: \"Trust Portal\"\n");
            s.push_str(&format!("# organisation: {TODO}: the source names none\n"));
        }
    }
    if source.frameworks.is_empty() {
        s.push_str(&format!(
            "# frameworks: {TODO}: the frameworks in scope, e.g. [iso27001, soc2]\n"
        ));
    } else {
        s.push_str(&format!("frameworks: [{}]\n", source.frameworks.join(", ")));
    }
    s.push_str("output: public\n");
    s
}

/// One document: front matter with every value the source gave, a marked stand-in for each it
/// did not, then the body as it was.
fn document_text(d: &NewDoc, source: &Source, today: Date) -> String {
    let todo = |why: &str| format!("  # {TODO}: {why}");
    let mut s = String::from("---\n");
    s.push_str(&format!(
        "# Imported by `crosswalk import {}` on {today} from {}.\n# {TODO} marks a value the source did not give: fill it in, then delete the mark.\n",
        source.importer,
        one_line(&d.source.display().to_string())
    ));
    s.push_str(&format!("id: {}\n", yaml_quote(&d.id)));
    s.push_str(&format!("title: {}\n", yaml_quote(&d.title)));
    match &d.owner {
        Some(o) => s.push_str(&format!("owner: {}\n", yaml_quote(o))),
        None => s.push_str(&format!(
            "owner: \"TODO\"{}\n",
            todo("the source names no owner")
        )),
    }
    match &d.version {
        Some((v, from)) => s.push_str(&format!("version: {}  # {from}\n", yaml_quote(v))),
        None => s.push_str(&format!(
            "version: \"draft\"{}\n",
            todo("the source gives no version")
        )),
    }
    match &d.approved {
        Some((date, from)) => s.push_str(&format!("approved: {date}  # {from}\n")),
        None => s.push_str(&format!(
            "approved: {today}{}\n",
            todo("the date of the import: the source gives no approval date")
        )),
    }
    s.push_str(&format!(
        "next_review: {today}{}\n",
        todo("review every imported document now; then give a cadence (review_every) instead")
    ));
    match d.classification {
        Some(c) => s.push_str(&format!("classification: {}\n", c.as_str())),
        None => s.push_str(&format!(
            "classification: internal{}\n",
            todo("the source gives none; internal keeps it off public builds")
        )),
    }
    if let Some(summary) = &d.summary {
        s.push_str(&format!("summary: {}\n", yaml_quote(summary)));
    }
    if !d.controls.is_empty() {
        s.push_str("controls:\n");
        for c in &d.controls {
            s.push_str(&format!("  - {c}\n"));
        }
    }
    for line in &d.history {
        s.push_str(&format!("# {}\n", one_line(line)));
    }
    s.push_str("---\n");
    s.push_str(&d.body);
    s
}

/// Text made safe for one comment line.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect()
}
