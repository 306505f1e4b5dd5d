//! An OSCAL mapping-collection as crosswalks: each `mapping` goes to the crosswalk between the
//! two frameworks its resources name (our `framework` prop, a `--source`/`--target` slug, or a
//! catalog file named after a known slug). Maps become rows: a control-to-control map gives a
//! row its relationship, rationale, confidence, source and note; a statement-level map says
//! which elements are wholly met; a map from one control's statements (or the control) to two or
//! more controls that together meet them is a group row; any other many-sided map becomes
//! pairwise `intersects` rows with a note. Every control a map names must exist.

use super::ids::{split_statement, untoken};
use super::json::{self, ours};
use crate::base::diagnostic::{Diagnostic, Pos};
use crate::model::{
    Catalog, Confidence, Crosswalk, ElementMask, GroupMapping, IdString, Mapping, OneOrMany,
    Rationale, Relationship, Source, all_elements,
};
use crate::resolve::{implied_relationship, nearest};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The `--source` and `--target` slugs, when given.
#[derive(Debug, Clone, Default)]
pub struct Ends {
    pub source: Option<String>,
    pub target: Option<String>,
}

/// Crosswalks made from a mapping-collection, and what was left out.
pub struct MapsImport {
    pub crosswalks: Vec<Crosswalk>,
    pub notes: Vec<String>,
}

/// What reading one file needs at hand.
struct Ctx<'a> {
    text: &'a str,
    path: &'a Path,
    file_name: String,
    sources: Vec<Source>,
    /// back-matter resource uuid -> source id
    by_uuid: HashMap<String, String>,
    /// Whether crosswalk wrote the file: then a map without a rationale stands for a row
    /// without one, instead of inheriting the provenance's.
    ours: bool,
    /// The provenance's matching-rationale, which a mapping's or a map's own overrides.
    provenance_rationale: String,
    /// The rationale of the mapping being read.
    rationale: Option<String>,
    skipped_none: usize,
    skipped_items: usize,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    /// An error at map `uuid` (at `needle` after it, when found).
    fn error(&mut self, uuid: &str, needle: Option<&str>, message: String, hint: Option<String>) {
        let start = self.text.find(&format!("\"{uuid}\"")).unwrap_or(0);
        let pos = needle
            .and_then(|n| Pos::find(self.text, &format!("\"{n}\""), start))
            .or_else(|| Pos::find(self.text, &format!("\"{uuid}\""), 0));
        let mut d = Diagnostic::error(self.path, message)
            .with_rule(crate::base::rules::OSCAL)
            .at(pos);
        if let Some(h) = hint {
            d = d.with_hint(h);
        }
        self.diags.push(d);
    }
}

/// A row being gathered from the maps that name its pair.
struct Row {
    a: usize,
    b: usize,
    rel: Option<Relationship>,
    met_a: ElementMask,
    met_b: ElementMask,
    rationale: Option<Rationale>,
    confidence: Option<Confidence>,
    source: Option<String>,
    note: Option<String>,
    /// Whether the row's attributes came from its control-to-control map.
    from_control_map: bool,
    uuid: String,
}

/// One crosswalk being gathered.
struct Acc<'a> {
    from: &'a Catalog,
    to: &'a Catalog,
    rows: Vec<Row>,
    index: HashMap<(usize, usize), usize>,
    groups: Vec<GroupMapping>,
}

/// One side of a map, resolved: the controls it names, and for each whether the whole control
/// is named and which of its elements.
#[derive(Default)]
struct Side {
    controls: Vec<usize>,
    whole: Vec<bool>,
    elements: Vec<ElementMask>,
}

impl Side {
    fn add(&mut self, ctl: usize, element: Option<usize>) {
        let i = match self.controls.iter().position(|c| *c == ctl) {
            Some(i) => i,
            None => {
                self.controls.push(ctl);
                self.whole.push(false);
                self.elements.push(0);
                self.controls.len() - 1
            }
        };
        match element {
            None => self.whole[i] = true,
            Some(e) => self.elements[i] |= 1 << e,
        }
    }

    /// The elements of control `i` of this side that the map names: all when the control is.
    fn met(&self, i: usize, cat: &Catalog) -> ElementMask {
        if self.whole[i] {
            all_elements(cat.controls[self.controls[i]].elements.len())
        } else {
            self.elements[i]
        }
    }
}

fn relationship(s: &str) -> Option<Option<Relationship>> {
    Some(Some(match s {
        "equal-to" | "equivalent-to" => Relationship::Equal,
        "subset-of" => Relationship::SubsetOf,
        "superset-of" => Relationship::SupersetOf,
        "intersects-with" => Relationship::Intersects,
        "no-relationship" => return Some(None),
        _ => return None,
    }))
}

fn rationale(s: &str) -> Option<Rationale> {
    match s {
        "syntactic" => Some(Rationale::Syntactic),
        "semantic" => Some(Rationale::Semantic),
        "functional" => Some(Rationale::Functional),
        _ => None,
    }
}

/// A confidence category as ours; a percentage: 0.8 and up high, 0.5 and up medium, else low.
fn confidence(c: &Option<json::ConfidenceScore>) -> Option<Confidence> {
    let c = c.as_ref()?;
    if let Some(p) = c.percentage {
        return Some(if p >= 0.8 {
            Confidence::High
        } else if p >= 0.5 {
            Confidence::Medium
        } else {
            Confidence::Low
        });
    }
    match c.category.as_deref()? {
        "high" => Some(Confidence::High),
        "medium" => Some(Confidence::Medium),
        "low" => Some(Confidence::Low),
        _ => None,
    }
}

/// The sources a collection names: its back-matter resources (ours carry their source ids),
/// or one that names the OSCAL file; and each resource's uuid -> source id.
fn sources(
    doc: &json::MappingCollection,
    file_name: &str,
) -> (Vec<Source>, HashMap<String, String>) {
    let linked: Vec<&str> = doc
        .provenance
        .links
        .iter()
        .filter_map(|l| l.href.strip_prefix('#'))
        .collect();
    let resources = doc
        .back_matter
        .as_ref()
        .map(|b| b.resources.as_slice())
        .unwrap_or_default();
    let mut out: Vec<Source> = Vec::new();
    let mut by_uuid = HashMap::new();
    for (i, r) in resources.iter().enumerate() {
        if !linked.is_empty() && !linked.contains(&r.uuid.as_str()) {
            continue;
        }
        let title = r
            .title
            .clone()
            .or_else(|| r.rlinks.first().map(|l| l.href.clone()))
            .unwrap_or_else(|| format!("Resource {}", r.uuid));
        let mut id = ours(&r.props, "source-id")
            .map(str::to_string)
            .unwrap_or_else(|| super::import_catalog::slugify(&title));
        if id.is_empty() || out.iter().any(|s| s.id == id) {
            id = format!("source-{}", i + 1);
        }
        by_uuid.insert(r.uuid.clone(), id.clone());
        out.push(Source {
            id,
            title,
            url: r.rlinks.first().map(|l| l.href.clone()),
            note: r.remarks.clone(),
        });
    }
    if out.is_empty() {
        out.push(Source {
            id: "oscal-mapping".into(),
            title: super::json::one_line(&format!(
                "{} (OSCAL mapping-collection, version {})",
                doc.metadata.title, doc.metadata.version
            )),
            url: None,
            note: Some(format!(
                "Imported from {file_name} by crosswalk oscal import (mapping-collection uuid {}).",
                doc.uuid
            )),
        });
    }
    (out, by_uuid)
}

/// The slug of the framework a source or target resource is: the flag, our `framework` prop,
/// or the file name of its `href` when that is a known slug.
fn end_slug(
    r: &json::ResourceRef,
    flag: Option<&str>,
    known: &[&Catalog],
    which: &str,
) -> Result<String, (String, String)> {
    let names = || {
        let mut v: Vec<&str> = known.iter().map(|c| c.slug.as_str()).collect();
        v.sort();
        format!("known frameworks: {}", v.join(", "))
    };
    let is_known = |s: &str| known.iter().any(|c| c.slug == s);
    if let Some(f) = flag {
        return if is_known(f) {
            Ok(f.to_string())
        } else {
            Err((
                format!("--{which} `{f}` is no framework this site knows"),
                names(),
            ))
        };
    }
    if let Some(s) = ours(&r.props, "framework") {
        return if is_known(s) {
            Ok(s.to_string())
        } else {
            Err((
                format!("the {which} resource is framework `{s}`, which this site does not have"),
                format!("import its catalog first; {}", names()),
            ))
        };
    }
    let href = r.href.split(['#', '?']).next().unwrap_or("");
    let stem = href.rsplit('/').next().unwrap_or("");
    let stem = stem.split('.').next().unwrap_or(stem);
    if is_known(stem) {
        return Ok(stem.to_string());
    }
    Err((
        format!(
            "cannot tell which framework the {which} resource `{}` is",
            r.href
        ),
        format!("name it with --{which} SLUG; {}", names()),
    ))
}

/// Every crosswalk the mapping-collection `doc` (the text of the file at `path`) holds, between
/// frameworks of `known`.
pub fn crosswalks(
    doc: &json::MappingCollection,
    text: &str,
    path: &Path,
    known: &[&Catalog],
    ends: &Ends,
) -> Result<MapsImport, Vec<Diagnostic>> {
    let is_ours = json::is_ours(&doc.metadata);
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (sources, by_uuid) = sources(doc, &file_name);
    let mut ctx = Ctx {
        text,
        path,
        file_name,
        sources,
        by_uuid,
        ours: is_ours,
        provenance_rationale: doc.provenance.matching_rationale.clone(),
        rationale: None,
        skipped_none: 0,
        skipped_items: 0,
        diags: Vec::new(),
    };
    let mut accs: Vec<Acc> = Vec::new();
    for mapping in doc.mappings.list() {
        let slugs = [
            (&mapping.source_resource, ends.source.as_deref(), "source"),
            (&mapping.target_resource, ends.target.as_deref(), "target"),
        ]
        .map(|(r, flag, which)| end_slug(r, flag, known, which).map_err(|e| (e, &r.href)));
        let [from, to] = match slugs {
            [Ok(a), Ok(b)] => [a, b],
            results => {
                for ((message, hint), href) in results.into_iter().filter_map(Result::err) {
                    ctx.error(&mapping.uuid, Some(href), message, Some(hint));
                }
                continue;
            }
        };
        let find = |s: &str| known.iter().copied().find(|c| c.slug == s);
        let (Some(cf), Some(ct)) = (find(&from), find(&to)) else {
            continue;
        };
        if is_ours {
            check_editions(&mut ctx, doc, cf, ct);
        }
        ctx.rationale = Some(
            mapping
                .matching_rationale
                .clone()
                .unwrap_or_else(|| ctx.provenance_rationale.clone()),
        );
        let i = match accs
            .iter()
            .position(|a| a.from.slug == cf.slug && a.to.slug == ct.slug)
        {
            Some(i) => i,
            None => {
                accs.push(Acc {
                    from: cf,
                    to: ct,
                    rows: Vec::new(),
                    index: HashMap::new(),
                    groups: Vec::new(),
                });
                accs.len() - 1
            }
        };
        for map in &mapping.maps {
            accs[i].add(map, &mut ctx);
        }
    }
    let method = match super::json::ours(&doc.provenance.props, "generated-description") {
        Some("true") if is_ours => None,
        _ => super::json::prose(&Some(doc.provenance.mapping_description.clone())),
    };
    let crosswalks: Vec<Crosswalk> = accs
        .into_iter()
        .map(|acc| acc.finish(&mut ctx, &method))
        .collect();
    if !ctx.diags.is_empty() {
        return Err(ctx.diags);
    }
    let mut notes = Vec::new();
    if ctx.skipped_none > 0 {
        notes.push(format!(
            "{} maps with relationship no-relationship left out (crosswalk has no such relationship)",
            ctx.skipped_none
        ));
    }
    if ctx.skipped_items > 0 {
        notes.push(format!(
            "{} statement items that name no requirement element of their control (a part of an element) left out",
            ctx.skipped_items
        ));
    }
    Ok(MapsImport { crosswalks, notes })
}

/// Our own export says which editions it maps; they must be the site's.
fn check_editions(ctx: &mut Ctx, doc: &json::MappingCollection, cf: &Catalog, ct: &Catalog) {
    for (name, cat) in [("from-edition", cf), ("to-edition", ct)] {
        if let Some(e) = ours(&doc.metadata.props, name)
            && e != cat.edition.trim()
        {
            let pos = Pos::find(ctx.text, &format!("\"{name}\""), 0);
            ctx.diags.push(
                Diagnostic::error(
                    ctx.path,
                    format!(
                        "the mapping is for {} edition {e}, but this site's {} catalog is edition {}",
                        cat.slug, cat.slug, cat.edition
                    ),
                )
.with_rule(crate::base::rules::OSCAL)
                .at(pos)
                .with_hint("import the catalog of that edition first, or map to this edition"),
            );
        }
    }
}

impl<'a> Acc<'a> {
    /// One map's items resolved in the catalog of its side; unknown controls are reported.
    fn side(&self, items: &[json::Item], cat: &Catalog, uuid: &str, ctx: &mut Ctx) -> Side {
        let mut side = Side::default();
        for item in items {
            let find = |id: &str| cat.controls.iter().position(|c| c.id == id);
            let (control, element) = match item.kind.as_str() {
                "control" => (untoken(&item.id_ref), None),
                "statement" => match split_statement(&item.id_ref) {
                    Some((c, e)) => (c, Some(e)),
                    None => {
                        ctx.error(
                            uuid,
                            Some(&item.id_ref),
                            format!(
                                "cannot tell which control the statement `{}` belongs to",
                                item.id_ref
                            ),
                            Some("a statement id-ref is written <control>_smt.<element>".into()),
                        );
                        continue;
                    }
                },
                other => {
                    ctx.error(
                        uuid,
                        Some(other),
                        format!("unknown mapping item type `{other}`"),
                        Some("OSCAL allows control and statement".into()),
                    );
                    continue;
                }
            };
            let Some(ci) = find(&control).or_else(|| find(&item.id_ref)) else {
                let hint = nearest(&control, cat.controls.iter().map(|c| c.id.as_str()), 3)
                    .map(|s| format!("did you mean {}?", s.join(", ")));
                ctx.error(
                    uuid,
                    Some(&item.id_ref),
                    format!("`{control}` is not a control of {}", cat.slug),
                    hint,
                );
                continue;
            };
            match element {
                None => side.add(ci, None),
                Some(e) => match cat.controls[ci].elements.iter().position(|x| x.id == e) {
                    Some(ei) if ei < 64 => side.add(ci, Some(ei)),
                    _ => ctx.skipped_items += 1,
                },
            }
        }
        side
    }

    fn row(&mut self, a: usize, b: usize, uuid: &str) -> &mut Row {
        let i = *self.index.entry((a, b)).or_insert_with(|| {
            self.rows.push(Row {
                a,
                b,
                rel: None,
                met_a: 0,
                met_b: 0,
                rationale: None,
                confidence: None,
                source: None,
                note: None,
                from_control_map: false,
                uuid: uuid.to_string(),
            });
            self.rows.len() - 1
        });
        &mut self.rows[i]
    }

    /// One map: checked, resolved and added to its row, group row or rows.
    fn add(&mut self, map: &json::Map, ctx: &mut Ctx) {
        let rel = match relationship(&map.relationship) {
            Some(Some(r)) => r,
            Some(None) => {
                ctx.skipped_none += 1;
                return;
            }
            None => {
                ctx.error(
                    &map.uuid,
                    Some(&map.relationship),
                    format!("unknown relationship `{}`", map.relationship),
                    Some("OSCAL's are equivalent-to, equal-to, subset-of, superset-of, intersects-with and no-relationship".into()),
                );
                return;
            }
        };
        let inherited = if ctx.ours {
            None
        } else {
            ctx.rationale.clone()
        };
        let rationale_text = map.matching_rationale.clone().or(inherited);
        let rationale_value = match rationale_text.as_deref().map(|r| (r, rationale(r))) {
            Some((_, Some(r))) => Some(r),
            Some((r, None)) => {
                ctx.error(
                    &map.uuid,
                    Some(r),
                    format!("unknown matching-rationale `{r}`"),
                    Some("OSCAL's are syntactic, semantic and functional".into()),
                );
                return;
            }
            None => None,
        };
        let source = ours(&map.props, "source").map(str::to_string).or_else(|| {
            map.links
                .iter()
                .filter_map(|l| l.href.strip_prefix('#'))
                .find_map(|u| ctx.by_uuid.get(u).cloned())
        });
        if let Some(s) = &source
            && !ctx.sources.iter().any(|x| &x.id == s)
        {
            ctx.error(
                &map.uuid,
                Some(s),
                format!("the map names source `{s}`, which the file's back-matter does not list"),
                None,
            );
            return;
        }
        let attrs = Attrs {
            rationale: rationale_value,
            confidence: confidence(&map.confidence_score),
            source,
            note: super::json::prose(&map.remarks),
        };
        let (from, to) = (self.from, self.to);
        let a = self.side(&map.sources, from, &map.uuid, ctx);
        let b = self.side(&map.targets, to, &map.uuid, ctx);
        if a.controls.is_empty() || b.controls.is_empty() {
            return;
        }
        match (a.controls.len(), b.controls.len()) {
            (1, 1) => self.pair(rel, &a, &b, attrs, &map.uuid),
            (1, _) if self.group(rel, &a, &b, true, &attrs, ctx) => {}
            (_, 1) if self.group(rel, &b, &a, false, &attrs, ctx) => {}
            _ => self.pairwise(&a, &b, &attrs, ctx, &map.uuid),
        }
    }

    /// A map between one control (or its statements) on each side.
    fn pair(&mut self, rel: Relationship, a: &Side, b: &Side, attrs: Attrs, uuid: &str) {
        let (from, to) = (self.from, self.to);
        let control_level = a.whole[0] && b.whole[0] && a.elements[0] == 0 && b.elements[0] == 0;
        let (met_a, met_b) = (a.met(0, from), b.met(0, to));
        let row = self.row(a.controls[0], b.controls[0], uuid);
        if control_level {
            row.rel = Some(rel);
            row.from_control_map = true;
        } else {
            if rel.is_full() {
                row.met_a |= met_a;
            }
            if rel.inverse().is_full() {
                row.met_b |= met_b;
            }
        }
        if control_level || !row.from_control_map && row.uuid == uuid {
            row.rationale = attrs.rationale;
            row.confidence = attrs.confidence;
            row.source = attrs.source;
            row.note = attrs.note;
        }
    }

    /// A map from one control (`single`, the source side when `single_is_from`) to two or more
    /// controls that together meet the elements it names: a group row. False when the map does
    /// not say they meet anything (the caller then makes pairwise rows).
    fn group(
        &mut self,
        rel: Relationship,
        single: &Side,
        members: &Side,
        single_is_from: bool,
        attrs: &Attrs,
        ctx: &Ctx,
    ) -> bool {
        let meets = if single_is_from {
            rel.is_full()
        } else {
            rel.inverse().is_full()
        };
        let (scat, mcat) = if single_is_from {
            (self.from, self.to)
        } else {
            (self.to, self.from)
        };
        let c = &scat.controls[single.controls[0]];
        let met = single.met(0, scat);
        if !meets || c.elements.is_empty() || met == 0 {
            return false;
        }
        let met_ids: Vec<String> = c
            .elements
            .iter()
            .enumerate()
            .filter(|(i, _)| *i < 64 && met & (1 << i) != 0)
            .map(|(_, e)| e.id.clone())
            .collect();
        let ids: Vec<IdString> = members
            .controls
            .iter()
            .map(|i| IdString(mcat.controls[*i].id.clone()))
            .collect();
        let (one, many) = (OneOrMany::One(c.id.clone()), OneOrMany::Many(ids));
        let (from, to, from_met, to_met) = if single_is_from {
            (one, many, Some(met_ids), None)
        } else {
            (many, one, None, Some(met_ids))
        };
        self.groups.push(GroupMapping {
            from,
            to,
            rationale: attrs.rationale,
            confidence: attrs.confidence,
            from_met,
            to_met,
            source: attrs
                .source
                .clone()
                .unwrap_or_else(|| ctx.sources[0].id.clone()),
            note: attrs.note.clone(),
        });
        true
    }

    /// A map with several controls on a side that is no group row: an `intersects` row for
    /// each pair not already related, with a note saying where it came from.
    fn pairwise(&mut self, a: &Side, b: &Side, attrs: &Attrs, ctx: &Ctx, uuid: &str) {
        let note = format!(
            "From a map in {} relating {} controls to {} together{}",
            ctx.file_name,
            a.controls.len(),
            b.controls.len(),
            attrs
                .note
                .as_deref()
                .map(|n| format!(": {n}"))
                .unwrap_or_else(|| ".".into())
        );
        for &ia in &a.controls {
            for &ib in &b.controls {
                let fresh = !self.index.contains_key(&(ia, ib));
                let row = self.row(ia, ib, uuid);
                if fresh {
                    row.rationale = attrs.rationale;
                    row.confidence = attrs.confidence;
                    row.source = attrs.source.clone();
                    row.note = Some(note.clone());
                }
            }
        }
    }

    /// The crosswalk: each row's relationship (stated, or read from its element lists), the
    /// lists written only where they differ from what the relationship implies.
    fn finish(self, ctx: &mut Ctx, method: &Option<String>) -> Crosswalk {
        let first = ctx.sources.first().map(|s| s.id.clone());
        let mut mappings = Vec::with_capacity(self.rows.len());
        for row in &self.rows {
            let (ca, cb) = (&self.from.controls[row.a], &self.to.controls[row.b]);
            let (all_a, all_b) = (
                all_elements(ca.elements.len()),
                all_elements(cb.elements.len()),
            );
            let (mut met_a, mut met_b) = (row.met_a & all_a, row.met_b & all_b);
            let rel = match row.rel {
                Some(r) => {
                    if r.is_full() {
                        met_a = all_a;
                    }
                    if r.inverse().is_full() {
                        met_b = all_b;
                    }
                    r
                }
                None => implied_relationship(met_a == all_a, met_b == all_b),
            };
            let implied = implied_relationship(met_a == all_a, met_b == all_b);
            if implied != rel {
                ctx.error(
                    &row.uuid,
                    None,
                    format!(
                        "{} -> {}: the statement-level maps meet elements that make the relationship `{}`, but the control-level map says `{}`",
                        ca.id,
                        cb.id,
                        implied.as_str(),
                        rel.as_str()
                    ),
                    Some("correct the relationship or the statement-level maps".into()),
                );
            }
            let list = |mask: ElementMask, c: &crate::model::Control, default_all: bool| {
                let default = if default_all {
                    all_elements(c.elements.len())
                } else {
                    0
                };
                (mask != default).then(|| {
                    c.elements
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| *i < 64 && mask & (1 << i) != 0)
                        .map(|(_, e)| e.id.clone())
                        .collect::<Vec<_>>()
                })
            };
            let note = row.note.clone().or_else(|| {
                (met_a == 0 && met_b == 0).then(|| {
                    format!(
                        "Imported from {}: no requirement element is wholly met either way.",
                        ctx.file_name
                    )
                })
            });
            mappings.push(Mapping {
                from: ca.id.clone(),
                to: cb.id.clone(),
                relationship: rel,
                rationale: row.rationale,
                confidence: row.confidence,
                from_met: list(met_a, ca, rel.is_full()),
                to_met: list(met_b, cb, rel.inverse().is_full()),
                source: row.source.clone().filter(|s| Some(s) != first.as_ref()),
                note,
            });
        }
        Crosswalk {
            from: self.from.slug.clone(),
            to: self.to.slug.clone(),
            from_edition: self.from.edition.clone(),
            to_edition: self.to.edition.clone(),
            method: method.clone(),
            sources: ctx.sources.clone(),
            mappings,
            groups: self.groups,
            path: PathBuf::from(format!(
                "mappings/crosswalks/{}__{}.yaml",
                self.from.slug, self.to.slug
            )),
            source_text: std::sync::Arc::from(""),
        }
    }
}

/// A map's attributes, as a row takes them.
struct Attrs {
    rationale: Option<Rationale>,
    confidence: Option<Confidence>,
    source: Option<String>,
    note: Option<String>,
}
