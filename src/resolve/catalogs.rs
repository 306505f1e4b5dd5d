//! The framework catalogs: each checked on its own (slug, sources, groups, unique ids and page
//! names, parents; elements in elements.rs), then sorted into the current frameworks (in scope
//! first, in the configuration's order) and the superseded editions, kept for migration hints.

use super::elements::check_elements;
use super::lookup::nearest;
use super::model::Framework;
use super::paths::page_name;
use crate::base::diagnostic::{Diagnostic, Pos};
use crate::base::rules;
use crate::model::Catalog;
use crate::model::config::Config;
use std::collections::{HashMap, HashSet};

/// Checks every catalog and sorts them: the current frameworks, in scope first, and the
/// superseded editions.
pub fn sort_frameworks(
    catalogs: Vec<Catalog>,
    config: &Config,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Framework>, Vec<Catalog>) {
    let mut current = Vec::new();
    let mut superseded = Vec::new();
    let slugs: HashSet<String> = catalogs.iter().map(|c| c.slug.clone()).collect();
    for c in catalogs {
        check_catalog(&c, &slugs, diags);
        if c.superseded_by.is_some() {
            superseded.push(c);
        } else {
            current.push(c);
        }
    }
    check_in_scope(config, &current, diags);
    current.sort_by_key(|c| {
        let scope = config
            .frameworks
            .iter()
            .position(|s| s == &c.slug)
            .unwrap_or(usize::MAX);
        (scope, c.slug.clone())
    });
    let frameworks = current
        .into_iter()
        .map(|c| {
            let in_scope = config.frameworks.contains(&c.slug);
            let page_names = c.controls.iter().map(|ctl| page_name(&ctl.id)).collect();
            Framework::new(c, in_scope, page_names)
        })
        .collect();
    (frameworks, superseded)
}

/// Every framework the configuration puts in scope has a current catalog.
fn check_in_scope(config: &Config, current: &[Catalog], diags: &mut Vec<Diagnostic>) {
    for slug in &config.frameworks {
        if !current.iter().any(|c| &c.slug == slug) {
            let from = config.source.find("frameworks").unwrap_or(0);
            let pos = Pos::find(&config.source, slug, from);
            let hint = nearest(slug, current.iter().map(|c| c.slug.as_str()), 2)
                .map(|s| format!("did you mean {}?", s.join(" or ")))
                .unwrap_or_else(|| {
                    format!(
                        "known frameworks: {}",
                        current
                            .iter()
                            .map(|c| c.slug.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                });
            diags.push(
                Diagnostic::error(
                    crate::model::config::CONFIG_FILE,
                    format!("unknown framework `{slug}` in `frameworks`"),
                )
                .with_rule(rules::UNKNOWN_FRAMEWORK)
                .at(pos)
                .with_hint(hint),
            );
        }
    }
}

/// One catalog on its own: slug, sources, a known successor, unique groups, control ids and page
/// names, titles, elements and parents.
fn check_catalog(c: &Catalog, slugs: &HashSet<String>, diags: &mut Vec<Diagnostic>) {
    let text = &c.source_text;
    let err = |m: String, needle: &str| {
        Diagnostic::error(&c.path, m)
            .with_rule(rules::CATALOG)
            .at(Pos::find(text, needle, 0))
    };
    if !c
        .slug
        .chars()
        .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
        || c.slug.is_empty()
    {
        diags.push(err(
            format!(
                "invalid slug `{}`: use lowercase letters, digits and `-`",
                c.slug
            ),
            "slug:",
        ));
    }
    if c.sources.is_empty() {
        diags.push(err(
            "a catalog must name at least one public source under `sources`".into(),
            "sources:",
        ));
    }
    if let Some(s) = &c.superseded_by
        && !slugs.contains(s)
    {
        diags.push(err(
            format!("`superseded_by: {s}` names no loaded catalog"),
            "superseded_by:",
        ));
    }
    let mut groups = HashSet::new();
    for g in &c.groups {
        if !groups.insert(g.id.as_str()) {
            diags.push(err(
                format!("duplicate group `{}`", g.id),
                &format!("id: \"{}\"", g.id),
            ));
        }
    }
    let mut ids = HashSet::new();
    let mut pages: HashMap<String, &str> = HashMap::new();
    for ctl in &c.controls {
        let at = ctl.id.clone();
        if !ids.insert(ctl.id.as_str()) {
            diags.push(err(format!("duplicate control id `{}`", ctl.id), &at));
        }
        if !groups.contains(ctl.group.as_str()) {
            diags.push(err(
                format!(
                    "control `{}` names group `{}`, which is not under `groups`",
                    ctl.id, ctl.group
                ),
                &at,
            ));
        }
        let page = page_name(&ctl.id);
        if let Some(other) = pages.insert(page.clone(), &ctl.id)
            && other != ctl.id
        {
            diags.push(err(
                format!(
                    "controls `{other}` and `{}` would share the page name `{page}`",
                    ctl.id
                ),
                &at,
            ));
        }
        if ctl.title.trim().is_empty() {
            diags.push(err(format!("control `{}` has an empty title", ctl.id), &at));
        }
        check_elements(c, ctl, diags);
    }
    for ctl in &c.controls {
        if let Some(p) = &ctl.parent
            && !ids.contains(p.as_str())
        {
            diags.push(err(
                format!(
                    "control `{}` names parent `{p}`, which is not in this catalog",
                    ctl.id
                ),
                &ctl.id,
            ));
        }
    }
}
