//! `crosswalk oscal import FILE`: reads an OSCAL JSON file (syntax and shape errors at their
//! line and column), makes a catalog (import_catalog.rs) or crosswalks (import_maps.rs) of it,
//! writes them as our YAML (yaml_out.rs), reads that back, and checks the site's mappings with
//! the new files in place: only files that add no error are written, each beside its target and
//! renamed in, never over an existing file unless asked (`--force`).

use super::import_catalog::{Text, catalog as import_catalog};
use super::import_maps::{Ends, crosswalks as import_crosswalks};
use super::json;
use super::yaml_out;
use crate::base::diagnostic::{Diagnostic, Diagnostics, Pos, display_path};
use crate::load::{Loaded, parse_catalog, parse_crosswalk};
use crate::model::config::Config;
use crate::model::{Catalog, Classification, Crosswalk};
use crate::resolve::{Model, resolve};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// Larger files are refused before parsing (the full NIST SP 800-53 catalog is about 10 MB).
pub const MAX_OSCAL_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The slug of an imported catalog, instead of the one it carries or its title's.
    pub slug: Option<String>,
    /// Slugs of the frameworks a mapping-collection's source and target resources are.
    pub source: Option<String>,
    pub target: Option<String>,
    /// Replace files that already exist.
    pub force: bool,
}

/// What an import wrote, one line per file, and what it left out.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub written: Vec<PathBuf>,
    pub lines: Vec<String>,
}

/// A JSON error as a diagnostic at its line and column.
fn json_error(path: &Path, what: &str, e: &serde_json::Error) -> Diagnostic {
    let message = e.to_string();
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => &message,
    };
    let pos = (e.line() > 0).then_some(Pos {
        line: e.line(),
        column: e.column().max(1),
    });
    Diagnostic::error(path, format!("{what}: {message}"))
        .with_rule(crate::base::rules::OSCAL)
        .at(pos)
}

/// Which OSCAL model the file holds, by its one top-level key.
fn kind(path: &Path, text: &str) -> Result<&'static str, Diagnostic> {
    let top: BTreeMap<String, serde::de::IgnoredAny> =
        serde_json::from_str(text).map_err(|e| json_error(path, "invalid JSON", &e))?;
    let keys: Vec<&str> = top
        .keys()
        .map(String::as_str)
        .filter(|k| *k != "$schema")
        .collect();
    let first = Pos::find(text, "\"", 0);
    match keys.as_slice() {
        ["catalog"] => Ok("catalog"),
        ["mapping-collection"] => Ok("mapping-collection"),
        ["profile"] => Err(Diagnostic::error(
            path,
            "this is an OSCAL profile, not a catalog or a mapping-collection",
        )
.with_rule(crate::base::rules::OSCAL)
        .at(Pos::find(text, "\"profile\"", 0))
        .with_hint("resolve the profile into a catalog first (e.g. `oscal-cli profile resolve`, or trestle), then import that")),
        [other] if OTHER_MODELS.contains(other) => Err(Diagnostic::error(
            path,
            format!("this is an OSCAL {other}, not a catalog or a mapping-collection"),
        )
.with_rule(crate::base::rules::OSCAL)
        .at(Pos::find(text, &format!("\"{other}\""), 0))),
        _ => Err(Diagnostic::error(
            path,
            "not an OSCAL catalog or mapping-collection: expected one top-level key, `catalog` or `mapping-collection`",
        )
.with_rule(crate::base::rules::OSCAL)
        .at(first)),
    }
}

const OTHER_MODELS: [&str; 5] = [
    "component-definition",
    "system-security-plan",
    "assessment-plan",
    "assessment-results",
    "plan-of-action-and-milestones",
];

/// Reads the OSCAL file at `file` and adds what it holds to the site at `root`, whose mappings
/// are in `model`.
pub fn import(
    root: &Path,
    model: &Model,
    file: &Path,
    opts: &ImportOptions,
) -> Result<ImportReport, Diagnostics> {
    let ext = file
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if matches!(ext.as_str(), "xml" | "yaml" | "yml") {
        return Err(Diagnostic::error(file, "only OSCAL JSON can be imported")
            .with_rule(crate::base::rules::OSCAL)
            .with_hint("convert the file to JSON first, e.g. with oscal-cli or trestle")
            .into());
    }
    let bytes = std::fs::read(file).map_err(|e| {
        Diagnostic::error(file, format!("cannot read the file: {e}"))
            .with_rule(crate::base::rules::IO)
    })?;
    if bytes.len() > MAX_OSCAL_BYTES {
        return Err(Diagnostic::error(
            file,
            format!("{} bytes, over the limit of {MAX_OSCAL_BYTES}", bytes.len()),
        )
        .with_rule(crate::base::rules::OSCAL)
        .into());
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        Diagnostic::error(file, "the file is not UTF-8 text")
            .with_rule(crate::base::rules::OSCAL)
            .at(Some(Pos::of_offset(
                &String::from_utf8_lossy(e.as_bytes()),
                e.utf8_error().valid_up_to(),
            )))
    })?;
    let file_name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let known: Vec<&Catalog> = model
        .frameworks
        .iter()
        .map(|f| &f.catalog)
        .chain(model.superseded.iter())
        .collect();
    match kind(file, &text)? {
        "catalog" => {
            if opts.source.is_some() || opts.target.is_some() {
                return Err(usage("--source and --target are for a mapping-collection"));
            }
            let doc: json::CatalogDoc = serde_json::from_str(&text)
                .map_err(|e| json_error(file, "not a valid OSCAL catalog", &e))?;
            let imp = import_catalog(&doc.catalog, &file_name, opts.slug.as_deref())
                .map_err(|m| Diagnostic::error(file, m).with_rule(crate::base::rules::OSCAL))?;
            let header = catalog_header(&file_name, &doc.catalog, imp.text);
            let text = yaml_out::catalog(&imp.catalog, &header);
            let parsed = parse_catalog(&imp.catalog.path, &text)?;
            check_and_write(root, model, vec![parsed], Vec::new(), opts.force)?;
            let c = &imp.catalog;
            let mut lines = vec![format!(
                "wrote {}: {} controls in {} groups ({} with requirement elements); {} withdrawn left out; {}",
                display_path(&c.path),
                c.controls.len(),
                c.groups.len(),
                c.controls.iter().filter(|x| !x.elements.is_empty()).count(),
                imp.withdrawn,
                text_note(imp.text),
            )];
            lines.extend(imp.notes);
            Ok(ImportReport {
                written: vec![c.path.clone()],
                lines,
            })
        }
        _ => {
            if opts.slug.is_some() {
                return Err(usage("--slug is for a catalog"));
            }
            let doc: json::MappingDoc = serde_json::from_str(&text)
                .map_err(|e| json_error(file, "not a valid OSCAL mapping-collection", &e))?;
            let ends = Ends {
                source: opts.source.clone(),
                target: opts.target.clone(),
            };
            let imp = import_crosswalks(&doc.mapping_collection, &text, file, &known, &ends)
                .map_err(|ds| {
                    let mut all = Diagnostics::default();
                    all.extend(ds);
                    all
                })?;
            let header = format!(
                "Imported by `crosswalk oscal import` from {file_name} (OSCAL mapping-collection {}).",
                doc.mapping_collection.uuid
            );
            let mut parsed = Vec::new();
            for x in &imp.crosswalks {
                parsed.push(parse_crosswalk(&x.path, &yaml_out::crosswalk(x, &header))?);
            }
            check_and_write(root, model, Vec::new(), parsed, opts.force)?;
            let mut lines: Vec<String> = imp
                .crosswalks
                .iter()
                .map(|x| {
                    format!(
                        "wrote {}: {} rows, {} group rows, {} sources",
                        display_path(&x.path),
                        x.mappings.len(),
                        x.groups.len(),
                        x.sources.len()
                    )
                })
                .collect();
            lines.extend(imp.notes);
            Ok(ImportReport {
                written: imp.crosswalks.iter().map(|x| x.path.clone()).collect(),
                lines,
            })
        }
    }
}

fn usage(m: &str) -> Diagnostics {
    Diagnostic::error("<command line>", m)
        .with_rule(crate::base::rules::USAGE)
        .into()
}

fn text_note(t: Text) -> &'static str {
    match t {
        Text::Ours => "summaries and element labels are crosswalk's own, as exported",
        Text::PublicDomain => {
            "summaries and element labels are the first sentence of the catalog's statements (its metadata says it is in the public domain)"
        }
        Text::TitlesOnly => {
            "titles only: the catalog does not say it is in the public domain, so none of its prose was taken"
        }
    }
}

fn catalog_header(file_name: &str, c: &json::Catalog, text: Text) -> String {
    let mut h = format!(
        "Imported by `crosswalk oscal import` from {file_name} (OSCAL catalog {}).",
        c.uuid
    );
    if text == Text::TitlesOnly {
        h.push_str("\nTitles are the catalog's; summaries were left out and element labels name the statement items.");
    }
    h
}

/// The errors resolving `catalogs` and `crosswalks` gives, as (file, message).
fn errors(model: &Model, catalogs: Vec<Catalog>, crosswalks: Vec<Crosswalk>) -> Vec<Diagnostic> {
    let loaded = Loaded {
        catalogs,
        crosswalks,
        ..Loaded::default()
    };
    let (_, diags) = resolve(
        loaded,
        Config::empty(),
        model.today,
        Classification::Confidential,
    );
    diags.into_iter().filter(Diagnostic::is_error).collect()
}

fn file_name(p: &Path) -> Option<std::ffi::OsString> {
    p.file_name().map(|n| n.to_os_string())
}

/// Checks the site's mappings with `catalogs` and `crosswalks` added (a file of the same name
/// replaced, as a site's file replaces a built-in one), and writes them when they add no error.
fn check_and_write(
    root: &Path,
    model: &Model,
    catalogs: Vec<Catalog>,
    crosswalks: Vec<Crosswalk>,
    force: bool,
) -> Result<(), Diagnostics> {
    let base_cats: Vec<Catalog> = model
        .frameworks
        .iter()
        .map(|f| f.catalog.clone())
        .chain(model.superseded.iter().cloned())
        .collect();
    let before: HashSet<(PathBuf, String)> =
        errors(model, base_cats.clone(), model.crosswalks.clone())
            .into_iter()
            .map(|d| (d.path, d.message))
            .collect();
    let new_names: Vec<_> = catalogs
        .iter()
        .map(|c| file_name(&c.path))
        .chain(crosswalks.iter().map(|x| file_name(&x.path)))
        .collect();
    let keep = |p: &Path| !new_names.contains(&file_name(p));
    let cats: Vec<Catalog> = base_cats
        .into_iter()
        .filter(|c| keep(&c.path))
        .chain(catalogs.iter().cloned())
        .collect();
    let xs: Vec<Crosswalk> = model
        .crosswalks
        .iter()
        .filter(|x| keep(&x.path))
        .cloned()
        .chain(crosswalks.iter().cloned())
        .collect();
    let added: Vec<Diagnostic> = errors(model, cats, xs)
        .into_iter()
        .filter(|d| !before.contains(&(d.path.clone(), d.message.clone())))
        .collect();
    if !added.is_empty() {
        let mut all = Diagnostics::default();
        all.push(Diagnostic::error(
            "<import>",
            "nothing was written: the imported files would make `crosswalk check` fail (the problems follow)",
        )
.with_rule(crate::base::rules::OSCAL));
        all.extend(added);
        return Err(all);
    }
    let files: Vec<(PathBuf, &str)> = catalogs
        .iter()
        .map(|c| (c.path.clone(), &*c.source_text))
        .chain(crosswalks.iter().map(|x| (x.path.clone(), &*x.source_text)))
        .collect();
    if !force {
        let existing: Vec<Diagnostic> = files
            .iter()
            .filter(|(rel, _)| root.join(rel).exists())
            .map(|(rel, _)| {
                Diagnostic::error(rel, "already exists: nothing was written")
                    .with_rule(crate::base::rules::OSCAL)
                    .with_hint("pass --force to replace it")
            })
            .collect();
        if !existing.is_empty() {
            let mut all = Diagnostics::default();
            all.extend(existing);
            return Err(all);
        }
    }
    for (rel, text) in files {
        place(&root.join(&rel), text.as_bytes(), force)?;
    }
    Ok(())
}

/// Writes `bytes` beside `target` and moves them in: by a hard link, which never replaces a
/// file, unless `force` (then a rename, which does, in one step).
fn place(target: &Path, bytes: &[u8], force: bool) -> Result<(), Diagnostic> {
    let err = |what: &str, e: std::io::Error| {
        Diagnostic::error(target, format!("{what}: {e}")).with_rule(crate::base::rules::IO)
    };
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir).map_err(|e| err("cannot create its folder", e))?;
    }
    let tmp = crate::write::hidden_tmp(target);
    std::fs::write(&tmp, bytes).map_err(|e| err("cannot write", e))?;
    let moved = if force {
        std::fs::rename(&tmp, target)
    } else {
        match std::fs::hard_link(&tmp, target) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists && !target.exists() => {
                std::fs::rename(&tmp, target)
            }
            r => r.and_then(|_| std::fs::remove_file(&tmp)),
        }
    };
    moved.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Diagnostic::error(target, "already exists: not replaced")
                .with_rule(crate::base::rules::OSCAL)
                .with_hint("pass --force to replace it")
        } else {
            err("cannot move into place", e)
        }
    })
}
