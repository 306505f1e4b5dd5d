//! One crosswalk as an OSCAL mapping-collection: provenance from its method and sources, one
//! `mapping` from catalog to catalog, and per row a control-level map (relationship, rationale,
//! confidence, the share of the target's elements met as coverage, the row's source, its note)
//! followed by one statement-level map per element met; a group row is one map from the single
//! control's met statements to its controls. Controls no row names go in the gap summaries.

use super::ids::{statement_id, token, uuid};
use super::json::{
    self, COVERAGE_METHOD, GENERATOR, OSCAL_VERSION, one_line, prop, prose, resource,
};
use crate::base::diagnostic::Diagnostic;
use crate::model::{
    Catalog, Confidence, Control, Crosswalk, ElementMask, GroupMapping, Rationale, Relationship,
    all_elements,
};
use crate::resolve::met_mask;
use std::collections::HashSet;

/// Our relationship as OSCAL's token.
pub(super) fn relationship(r: Relationship) -> &'static str {
    match r {
        Relationship::Equal => "equal-to",
        Relationship::SubsetOf => "subset-of",
        Relationship::SupersetOf => "superset-of",
        Relationship::Intersects => "intersects-with",
    }
}

fn confidence(c: Option<Confidence>) -> json::ConfidenceScore {
    let category = match c.unwrap_or(Confidence::Unstated) {
        Confidence::Unstated => "unspecified",
        c => c.as_str(),
    };
    json::ConfidenceScore {
        category: Some(category.into()),
        percentage: None,
    }
}

/// A share rounded to four decimals, as OSCAL's `target-coverage`.
fn coverage(met: u32, of: u32) -> json::Coverage {
    let share = if of == 0 {
        0.0
    } else {
        (f64::from(met) / f64::from(of) * 10_000.0).round() / 10_000.0
    };
    json::Coverage {
        generation_method: Some(COVERAGE_METHOD.into()),
        target_coverage: share,
    }
}

/// How many elements a control counts (one when it lists none).
fn element_count(c: &Control) -> u32 {
    c.elements.len().max(1) as u32
}

fn control_item(id: &str) -> json::Item {
    json::Item {
        kind: "control".into(),
        id_ref: token(id),
    }
}

fn statement_items(c: &Control, mask: ElementMask) -> Vec<json::Item> {
    c.elements
        .iter()
        .enumerate()
        .filter(|(i, _)| *i < 64 && mask & (1 << i) != 0)
        .map(|(_, e)| json::Item {
            kind: "statement".into(),
            id_ref: statement_id(&c.id, &e.id),
        })
        .collect()
}

/// The rationale most rows give (provenance needs one); ties go to semantic, then functional.
fn prevailing_rationale(x: &Crosswalk) -> Rationale {
    let count = |r: Rationale| {
        x.mappings.iter().filter(|m| m.rationale == Some(r)).count()
            + x.groups.iter().filter(|g| g.rationale == Some(r)).count()
    };
    let order = [
        Rationale::Semantic,
        Rationale::Functional,
        Rationale::Syntactic,
    ];
    order
        .iter()
        .enumerate()
        .max_by_key(|(i, r)| (count(**r), std::cmp::Reverse(*i)))
        .map(|(_, r)| *r)
        .unwrap_or(Rationale::Semantic)
}

/// Everything one crosswalk file becomes.
pub(super) fn collection(
    x: &Crosswalk,
    from: &Catalog,
    to: &Catalog,
    last_modified: &str,
) -> Result<json::MappingDoc, Diagnostic> {
    let stem = format!("{}__{}", x.from, x.to);
    let first_source = x.sources.first().map(|s| s.id.clone());
    let err = |m: String| Diagnostic::error(&x.path, m).with_rule(crate::base::rules::OSCAL);
    let find = |cat: &'_ Catalog, id: &str| -> Result<usize, Diagnostic> {
        cat.controls
            .iter()
            .position(|c| c.id == id)
            .ok_or_else(|| err(format!("`{id}` is not a control of {}", cat.slug)))
    };
    let mut maps = Vec::new();
    let mut named_from = HashSet::new();
    let mut named_to = HashSet::new();
    // The union of what this file meets of each target control, for the mapping's coverage.
    let mut met_to: Vec<ElementMask> = vec![0; to.controls.len()];
    for m in &x.mappings {
        let (ia, ib) = (find(from, &m.from)?, find(to, &m.to)?);
        let (a, b) = (&from.controls[ia], &to.controls[ib]);
        named_from.insert(ia);
        named_to.insert(ib);
        let wrong = |(message, _): (String, Option<String>)| {
            err(format!("{} -> {}: {message}", m.from, m.to))
        };
        let mask_a = met_mask(m.from_met.as_deref(), a, m.relationship.is_full()).map_err(wrong)?;
        let mask_b =
            met_mask(m.to_met.as_deref(), b, m.relationship.inverse().is_full()).map_err(wrong)?;
        met_to[ib] |= mask_b;
        let source = m.source.clone().or_else(|| first_source.clone());
        let props: Vec<json::Prop> = source.iter().map(|s| prop("source", s)).collect();
        let rationale = m.rationale.map(|r| r.as_str().to_string());
        maps.push(json::Map {
            uuid: uuid(&["map", &stem, &m.from, &m.to]),
            matching_rationale: rationale.clone(),
            relationship: relationship(m.relationship).into(),
            sources: vec![control_item(&m.from)],
            targets: vec![control_item(&m.to)],
            confidence_score: Some(confidence(m.confidence)),
            coverage: Some(coverage(mask_b.count_ones(), element_count(b))),
            props: props.clone(),
            links: Vec::new(),
            remarks: prose(&m.note),
        });
        // Statement level: each element of `from` that `to` wholly meets is a subset of `to`;
        // `from` is a superset of each element of `to` it wholly meets.
        let sides = [
            (
                "from",
                statement_items(a, mask_a),
                &a.elements,
                mask_a,
                "subset-of",
            ),
            (
                "to",
                statement_items(b, mask_b),
                &b.elements,
                mask_b,
                "superset-of",
            ),
        ];
        for (side, items, elements, mask, rel) in sides {
            for (item, e) in items.into_iter().zip(
                elements
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i < 64 && mask & (1 << i) != 0)
                    .map(|(_, e)| e),
            ) {
                let (sources, targets) = if side == "from" {
                    (vec![item], vec![control_item(&m.to)])
                } else {
                    (vec![control_item(&m.from)], vec![item])
                };
                maps.push(json::Map {
                    uuid: uuid(&["map", &stem, &m.from, &m.to, side, &e.id]),
                    matching_rationale: rationale.clone(),
                    relationship: rel.into(),
                    sources,
                    targets,
                    confidence_score: Some(confidence(m.confidence)),
                    coverage: None,
                    props: props.clone(),
                    links: Vec::new(),
                    remarks: None,
                });
            }
        }
    }
    for g in &x.groups {
        let map = group_map(x, &stem, g, from, to, &mut met_to)?;
        for id in g.from.ids() {
            named_from.insert(find(from, id)?);
        }
        for id in g.to.ids() {
            named_to.insert(find(to, id)?);
        }
        maps.push(map);
    }
    let gap = |cat: &Catalog, named: &HashSet<usize>, side: &str| {
        let ids: Vec<String> = (0..cat.controls.len())
            .filter(|i| !named.contains(i))
            .map(|i| token(&cat.controls[i].id))
            .collect();
        (!ids.is_empty()).then(|| json::GapSummary {
            uuid: uuid(&["gap", &stem, side]),
            unmapped_controls: vec![json::SelectById { with_ids: ids }],
        })
    };
    let mapping = json::Mapping {
        uuid: uuid(&["mapping", &stem]),
        source_resource: resource_ref(&x.from),
        target_resource: resource_ref(&x.to),
        matching_rationale: None,
        mapping_description: None,
        maps,
        source_gap_summary: gap(from, &named_from, "source"),
        target_gap_summary: gap(to, &named_to, "target"),
        coverage: mapping_coverage(to, &met_to),
    };
    Ok(json::MappingDoc {
        mapping_collection: json::MappingCollection {
            uuid: uuid(&["mapping-collection", &stem]),
            metadata: metadata(x, from, to, last_modified),
            provenance: provenance(x, from, to, &stem),
            mappings: json::Mappings::Many(vec![mapping]),
            back_matter: (!x.sources.is_empty()).then(|| json::BackMatter {
                resources: x.sources.iter().map(|s| resource(&stem, s)).collect(),
            }),
        },
    })
}

fn resource_ref(slug: &str) -> json::ResourceRef {
    json::ResourceRef {
        kind: "catalog".into(),
        href: format!("../catalogs/{slug}.json"),
        props: vec![prop("framework", slug)],
    }
}

fn metadata(x: &Crosswalk, from: &Catalog, to: &Catalog, last_modified: &str) -> json::Metadata {
    json::Metadata {
        title: one_line(&format!(
            "{} {} to {} {}",
            from.title, x.from_edition, to.title, x.to_edition
        )),
        last_modified: last_modified.to_string(),
        version: one_line(&format!("{} to {}", x.from_edition, x.to_edition)),
        oscal_version: OSCAL_VERSION.to_string(),
        props: vec![
            prop("generator", GENERATOR),
            prop("from", &x.from),
            prop("to", &x.to),
            prop("from-edition", x.from_edition.trim()),
            prop("to-edition", x.to_edition.trim()),
        ],
        ..Default::default()
    }
}

fn provenance(x: &Crosswalk, from: &Catalog, to: &Catalog, stem: &str) -> json::Provenance {
    let (description, props) = match prose(&x.method) {
        Some(m) => (m, Vec::new()),
        None => (
            format!(
                "Relationships between {} and {} controls, in NIST IR 8477's set-theory terms.",
                one_line(&from.title),
                one_line(&to.title)
            ),
            vec![prop("generated-description", "true")],
        ),
    };
    json::Provenance {
        method: "human".into(),
        matching_rationale: prevailing_rationale(x).as_str().into(),
        status: "complete".into(),
        mapping_description: description,
        props,
        links: x
            .sources
            .iter()
            .map(|s| json::Link {
                href: format!("#{}", uuid(&["source", stem, &s.id])),
                rel: Some("reference".into()),
            })
            .collect(),
    }
}

/// The mean, over the target's counted controls, of the share of each one's elements this file
/// alone wholly meets (direct rows and group rows; nothing derived through other frameworks).
fn mapping_coverage(to: &Catalog, met: &[ElementMask]) -> Option<json::Coverage> {
    let counted = |c: &Control| {
        to.groups
            .iter()
            .find(|g| g.id == c.group)
            .is_none_or(|g| g.counted)
    };
    let shares: Vec<f64> = to
        .controls
        .iter()
        .zip(met)
        .filter(|(c, _)| counted(c))
        .map(|(c, m)| {
            let all = all_elements(c.elements.len());
            f64::from((m & all).count_ones()) / f64::from(element_count(c))
        })
        .collect();
    if shares.is_empty() {
        return None;
    }
    let mean = shares.iter().sum::<f64>() / shares.len() as f64;
    Some(json::Coverage {
        generation_method: Some(COVERAGE_METHOD.into()),
        target_coverage: (mean * 10_000.0).round() / 10_000.0,
    })
}

/// A group row: the single control's met elements, as statements, against the controls that
/// together meet them (`subset-of` read from the statements' side).
fn group_map(
    x: &Crosswalk,
    stem: &str,
    g: &GroupMapping,
    from: &Catalog,
    to: &Catalog,
    met_to: &mut [ElementMask],
) -> Result<json::Map, Diagnostic> {
    let (fids, tids) = (g.from.ids(), g.to.ids());
    let err = |m: &str| {
        Diagnostic::error(&x.path, format!("group row {fids:?} -> {tids:?}: {m}"))
            .with_rule(crate::base::rules::OSCAL)
    };
    let single_from = fids.len() == 1;
    let (cat, single, list) = if single_from {
        (from, fids[0], &g.from_met)
    } else {
        (to, tids[0], &g.to_met)
    };
    let ci = cat
        .controls
        .iter()
        .position(|c| c.id == single)
        .ok_or_else(|| err("the single control is not in its catalog"))?;
    let c = &cat.controls[ci];
    let mask = met_mask(list.as_deref(), c, false).map_err(|(m, _)| err(&m))?;
    if !single_from {
        met_to[ci] |= mask;
    }
    let statements = statement_items(c, mask);
    let members: Vec<json::Item> = if single_from { &tids } else { &fids }
        .iter()
        .map(|id| control_item(id))
        .collect();
    let (sources, targets, rel) = if single_from {
        (statements, members, "subset-of")
    } else {
        (members, statements, "superset-of")
    };
    let mut name = vec!["group", stem];
    name.extend(fids.iter().copied());
    name.push("->");
    name.extend(tids.iter().copied());
    Ok(json::Map {
        uuid: uuid(&name),
        matching_rationale: g.rationale.map(|r| r.as_str().to_string()),
        relationship: rel.into(),
        sources,
        targets,
        confidence_score: Some(confidence(g.confidence)),
        coverage: None,
        props: vec![prop("source", &g.source)],
        links: Vec::new(),
        remarks: prose(&g.note),
    })
}
