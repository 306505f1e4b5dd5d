//! Catalogs and crosswalks: the built-in mapping files, overlaid by the site's own
//! `mappings/frameworks/` and `mappings/crosswalks/` (a file of the same name replaces one),
//! parsed in parallel and checked against their file names.

use crate::base::diagnostic::{Diagnostic, Pos};
use crate::base::embedded;
use crate::base::rules;
use crate::base::text::decode_utf8;
use crate::load::read::read_site_file;
use crate::load::walk::walk;
use crate::model::{Catalog, Crosswalk};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Built-in mapping files overlaid with the site's own `mappings/<sub>/` (same name replaces).
pub(super) fn load_mappings<T: Send>(
    root: &Path,
    canonical_root: &Path,
    sub: &str,
    parse: fn(&Path, &str) -> Result<T, Diagnostic>,
) -> (Vec<T>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut inputs: std::collections::BTreeMap<String, (PathBuf, Option<&'static [u8]>)> =
        embedded::mapping_files(sub)
            .into_iter()
            .map(|(name, bytes)| {
                let shown = Path::new(embedded::BUILTIN_PREFIX)
                    .join("mappings")
                    .join(sub)
                    .join(&name);
                (name, (shown, Some(bytes)))
            })
            .collect();
    for rel in walk(
        &root.join("mappings").join(sub),
        1,
        &["yaml", "yml"],
        &mut diags,
        root,
    ) {
        let name = rel
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        inputs.insert(name, (rel, None));
    }
    let results: Vec<Result<T, Diagnostic>> = inputs
        .into_par_iter()
        .map(|(_, (shown, builtin))| {
            let text = match builtin {
                Some(bytes) => decode_utf8(bytes, &shown)?,
                None => read_site_file(root, canonical_root, &shown)?,
            };
            parse(&shown, &text)
        })
        .collect();
    let mut out = Vec::new();
    for r in results {
        match r {
            Ok(t) => out.push(t),
            Err(d) => diags.push(d),
        }
    }
    (out, diags)
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub fn parse_catalog(path: &Path, text: &str) -> Result<Catalog, Diagnostic> {
    if text.trim().is_empty() {
        return Err(Diagnostic::error(path, "empty catalog file")
            .with_rule(rules::EMPTY_FILE)
            .at(Some(Pos { line: 1, column: 1 })));
    }
    let mut c: Catalog = crate::base::yaml::parse(text, path, 1)?;
    let stem = file_stem(path);
    if c.slug != stem {
        return Err(Diagnostic::error(
            path,
            format!(
                "slug `{}` does not match the file name `{stem}.yaml`",
                c.slug
            ),
        )
        .with_rule(rules::CATALOG)
        .at(Pos::find(text, "slug:", 0)));
    }
    c.path = path.to_path_buf();
    c.source_text = Arc::from(text);
    Ok(c)
}

pub fn parse_crosswalk(path: &Path, text: &str) -> Result<Crosswalk, Diagnostic> {
    if text.trim().is_empty() {
        return Err(Diagnostic::error(path, "empty crosswalk file")
            .with_rule(rules::EMPTY_FILE)
            .at(Some(Pos { line: 1, column: 1 })));
    }
    let mut x: Crosswalk = crate::base::yaml::parse(text, path, 1)?;
    let stem = file_stem(path);
    let expected = format!("{}__{}", x.from, x.to);
    if stem != expected {
        return Err(Diagnostic::error(
            path,
            format!(
                "a crosswalk from `{}` to `{}` must be named {expected}.yaml",
                x.from, x.to
            ),
        )
        .with_rule(rules::CROSSWALK)
        .at(Pos::find(text, "from:", 0)));
    }
    x.path = path.to_path_buf();
    x.source_text = Arc::from(text);
    Ok(x)
}
