//! `crosswalk oscal export`: every catalog (built-in and the site's own, superseded editions
//! too) as `catalogs/<slug>.json`, every crosswalk as `mappings/<from>-to-<to>.json`
//! (export_maps.rs), written whole beside the output folder and swapped in. Only ids, short
//! titles, our own summaries and element labels go out; the catalogs hold no standard text.

use super::ids::{NS, statement_id, token, uuid};
use super::json::{self, GENERATOR, OSCAL_VERSION, one_line, oscal_prop, prop, prose, resource};
use crate::base::diagnostic::{Diagnostic, Diagnostics};
use crate::model::{Catalog, SpecType};
use crate::resolve::Model;
use crate::write::{Output, clear_leftovers, write_atomic};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct ExportReport {
    pub out: PathBuf,
    pub catalogs: usize,
    pub collections: usize,
    /// Maps over all collections: control-level, statement-level and group maps.
    pub maps: usize,
}

/// When nothing says when the data last changed: the start of the Unix epoch, as "unknown".
const UNKNOWN_DATE: &str = "1970-01-01T00:00:00Z";

/// `metadata.last-modified` of every exported file: `flag` (`YYYY-MM-DD` or an RFC 3339 time
/// with its zone), else `$SOURCE_DATE_EPOCH` (seconds, the reproducible-builds convention),
/// else 1970-01-01T00:00:00Z. Never the clock, so an export is the same bytes every time.
pub fn last_modified(flag: Option<&str>) -> Result<String, String> {
    if let Some(s) = flag {
        return parse_time(s.trim());
    }
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => {
            let secs: i64 = v
                .trim()
                .parse()
                .map_err(|_| format!("SOURCE_DATE_EPOCH `{v}` is not a number of seconds"))?;
            chrono::DateTime::from_timestamp(secs, 0)
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .ok_or_else(|| format!("SOURCE_DATE_EPOCH `{v}` is out of range"))
        }
        Err(_) => Ok(UNKNOWN_DATE.to_string()),
    }
}

fn parse_time(s: &str) -> Result<String, String> {
    if let Ok(d) = crate::model::Date::parse(s) {
        return Ok(format!("{d}T00:00:00Z"));
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|_| s.to_string())
        .map_err(|_| {
            format!("`{s}` is not a date (YYYY-MM-DD) or a time with its zone (RFC 3339, e.g. 2026-05-01T12:00:00Z)")
        })
}

/// Writes every catalog and crosswalk of `model` into `out` (a folder crosswalk made, or a new
/// one), whole or not at all.
pub fn export(model: &Model, out: &Path, last_modified: &str) -> Result<ExportReport, Diagnostics> {
    let mut catalogs: Vec<&Catalog> = model
        .frameworks
        .iter()
        .map(|f| &f.catalog)
        .chain(model.superseded.iter())
        .collect();
    catalogs.sort_by(|a, b| a.slug.cmp(&b.slug));
    let mut output = Output::default();
    let mut diags = Diagnostics::default();
    for c in &catalogs {
        match catalog(c, last_modified) {
            Ok(doc) => output
                .files
                .push((format!("catalogs/{}.json", c.slug), to_json(&doc))),
            Err(d) => diags.push(d),
        }
    }
    let mut maps = 0;
    let mut collections = 0;
    for x in &model.crosswalks {
        let find = |slug: &str| catalogs.iter().copied().find(|c| c.slug == slug);
        let (Some(from), Some(to)) = (find(&x.from), find(&x.to)) else {
            diags.push(
                Diagnostic::error(&x.path, "a crosswalk end names no loaded catalog")
                    .with_rule(crate::base::rules::OSCAL),
            );
            continue;
        };
        match super::export_maps::collection(x, from, to, last_modified) {
            Ok(doc) => {
                maps += doc
                    .mapping_collection
                    .mappings
                    .list()
                    .iter()
                    .map(|m| m.maps.len())
                    .sum::<usize>();
                collections += 1;
                output.files.push((
                    format!("mappings/{}-to-{}.json", x.from, x.to),
                    to_json(&doc),
                ));
            }
            Err(d) => diags.push(d),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    clear_leftovers(out);
    write_atomic(out, &output)?;
    Ok(ExportReport {
        out: out.to_path_buf(),
        catalogs: catalogs.len(),
        collections,
        maps,
    })
}

/// Pretty JSON with a final newline.
pub(super) fn to_json<T: serde::Serialize>(doc: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(doc).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// One catalog as an OSCAL catalog: groups in order, each with its controls; a control's
/// summary as an `overview` part in our namespace, its elements as statement items.
fn catalog(c: &Catalog, last_modified: &str) -> Result<json::CatalogDoc, Diagnostic> {
    let edition = c.edition.trim();
    if edition.is_empty() {
        return Err(Diagnostic::error(
            &c.path,
            "the catalog has an empty `edition`, which OSCAL needs as its version",
        )
        .with_rule(crate::base::rules::OSCAL));
    }
    let mut ids = HashSet::new();
    let mut groups = Vec::new();
    for g in &c.groups {
        let mut props = vec![oscal_prop("label", g.id.trim())];
        if !g.counted {
            props.push(prop("counted", "false"));
        }
        let controls = c
            .controls
            .iter()
            .filter(|ctl| ctl.group == g.id)
            .map(control)
            .collect();
        groups.push(json::Group {
            id: Some(token(&g.id)),
            title: one_line(&g.title),
            props,
            groups: Vec::new(),
            controls,
        });
    }
    // Group, control and part ids share one namespace in OSCAL.
    for g in &groups {
        let mut all = vec![g.id.clone().unwrap_or_default()];
        for ctl in &g.controls {
            all.push(ctl.id.clone());
            collect_part_ids(&ctl.parts, &mut all);
        }
        for id in all {
            if !ids.insert(id.clone()) {
                return Err(Diagnostic::error(
                    &c.path,
                    format!("two items of this catalog would share the OSCAL id `{id}`"),
                )
                .with_rule(crate::base::rules::OSCAL));
            }
        }
    }
    let mut props = vec![prop("generator", GENERATOR), prop("slug", &c.slug)];
    if let Some(s) = &c.superseded_by {
        props.push(prop("superseded-by", s));
    }
    let mut metadata = json::Metadata {
        title: one_line(&c.title),
        last_modified: last_modified.to_string(),
        version: edition.to_string(),
        oscal_version: OSCAL_VERSION.to_string(),
        props,
        remarks: prose(&c.counts),
        ..Default::default()
    };
    if let Some(p) = c
        .publisher
        .as_deref()
        .map(one_line)
        .filter(|p| !p.is_empty())
    {
        let party = uuid(&["party", &c.slug, "publisher"]);
        metadata.roles = vec![json::Role {
            id: "publisher".into(),
            title: "Publisher".into(),
        }];
        metadata.parties = vec![json::Party {
            uuid: party.clone(),
            kind: "organization".into(),
            name: Some(p),
        }];
        metadata.responsible_parties = vec![json::ResponsibleParty {
            role_id: "publisher".into(),
            party_uuids: vec![party],
        }];
    }
    let resources: Vec<json::Resource> = c.sources.iter().map(|s| resource(&c.slug, s)).collect();
    Ok(json::CatalogDoc {
        catalog: json::Catalog {
            uuid: uuid(&["catalog", &c.slug]),
            metadata,
            groups,
            controls: Vec::new(),
            back_matter: (!resources.is_empty()).then_some(json::BackMatter { resources }),
        },
    })
}

fn collect_part_ids(parts: &[json::Part], out: &mut Vec<String>) {
    for p in parts {
        if let Some(id) = &p.id {
            out.push(id.clone());
        }
        collect_part_ids(&p.parts, out);
    }
}

fn control(ctl: &crate::model::Control) -> json::Control {
    let mut props = vec![oscal_prop("label", ctl.id.trim())];
    if ctl.new {
        props.push(prop("new", "true"));
    }
    if let Some(t) = ctl.spec_type {
        let t = match t {
            SpecType::Required => "required",
            SpecType::Addressable => "addressable",
        };
        props.push(prop("type", t));
    }
    if let Some(p) = &ctl.parent {
        props.push(prop("parent", p.trim()));
    }
    let mut parts = Vec::new();
    if let Some(summary) = prose(&ctl.summary) {
        parts.push(json::Part {
            name: "overview".into(),
            ns: Some(NS.into()),
            prose: Some(summary),
            ..Default::default()
        });
    }
    if !ctl.elements.is_empty() {
        let items = ctl
            .elements
            .iter()
            .map(|e| {
                let mut props = vec![oscal_prop("label", e.id.trim())];
                if let Some(r) = e
                    .rests_on
                    .as_deref()
                    .map(one_line)
                    .filter(|r| !r.is_empty())
                {
                    props.push(prop("rests-on", &r));
                }
                json::Part {
                    id: Some(statement_id(&ctl.id, &e.id)),
                    name: "item".into(),
                    props,
                    prose: Some(e.label.trim().to_string()).filter(|l| !l.is_empty()),
                    ..Default::default()
                }
            })
            .collect();
        parts.push(json::Part {
            id: Some(format!("{}_smt", token(&ctl.id))),
            name: "statement".into(),
            parts: items,
            ..Default::default()
        });
    }
    json::Control {
        id: token(&ctl.id),
        title: one_line(&ctl.title),
        params: Vec::new(),
        props,
        parts,
        controls: Vec::new(),
    }
}
