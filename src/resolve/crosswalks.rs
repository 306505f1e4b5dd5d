//! Crosswalks: both ends are loaded catalogs of the stated editions, every row names real
//! controls once, with a listed source and element lists that agree with its relationship; each
//! row between current frameworks becomes an edge on both of its controls. Group rows (several
//! controls meeting elements of one together) are checked here too.

use super::elements::{check_consistency, met_mask};
use super::lookup::nearest;
use super::model::{ControlKey, ElementGroup, Framework, Relation};
use crate::base::diagnostic::{Diagnostic, Pos};
use crate::base::rules;
use crate::model::{Catalog, Confidence, Control, Crosswalk, ElementMask, Mapping, all_elements};
use std::collections::HashSet;

/// relations[fw][ctl]: every crosswalk edge touching that control (`Model::relations`).
pub type Relations = Vec<Vec<Vec<Relation>>>;

/// Checks every crosswalk and its group rows; returns the edges of every control and the group
/// rows.
pub fn relate(
    crosswalks: &[Crosswalk],
    frameworks: &[Framework],
    superseded: &[Catalog],
    diags: &mut Vec<Diagnostic>,
) -> (Relations, Vec<ElementGroup>) {
    let mut relations: Relations = frameworks
        .iter()
        .map(|f| vec![Vec::new(); f.catalog.controls.len()])
        .collect();
    let mut element_groups = Vec::new();
    for (xi, x) in crosswalks.iter().enumerate() {
        check_crosswalk(xi, x, frameworks, superseded, &mut relations, diags);
        check_groups(xi, x, frameworks, &mut element_groups, diags);
    }
    (relations, element_groups)
}

/// One end of a crosswalk: a current framework (and its index) or a superseded edition.
#[derive(Clone, Copy)]
struct End<'a> {
    fw: Option<usize>,
    cat: &'a Catalog,
}

impl<'a> End<'a> {
    fn find(slug: &str, frameworks: &'a [Framework], superseded: &'a [Catalog]) -> Option<Self> {
        if let Some(i) = frameworks.iter().position(|f| f.slug() == slug) {
            return Some(End {
                fw: Some(i),
                cat: &frameworks[i].catalog,
            });
        }
        superseded
            .iter()
            .find(|c| c.slug == slug)
            .map(|cat| End { fw: None, cat })
    }

    /// The index of control `id` in this end's catalog.
    fn control(&self, frameworks: &[Framework], id: &str) -> Option<usize> {
        match self.fw {
            Some(fw) => frameworks[fw].control(id),
            None => self.cat.controls.iter().position(|c| c.id == id),
        }
    }
}

/// A crosswalk row being checked, and the byte offset where it is written (if found).
struct Row<'a> {
    x: &'a Crosswalk,
    xi: usize,
    mi: usize,
    m: &'a Mapping,
    at: Option<usize>,
}

impl Row<'_> {
    /// An error at the row. Its position is worked out only here: it counts lines from the start.
    fn error(&self, message: String, hint: Option<String>) -> Diagnostic {
        let pos = self.at.map(|o| Pos::of_offset(&self.x.source_text, o));
        let d = Diagnostic::error(&self.x.path, message)
            .with_rule(rules::CROSSWALK_ROW)
            .at(pos);
        match hint {
            Some(h) => d.with_hint(h),
            None => d,
        }
    }

    /// A row's `id` that is not a control of the catalog at its end `slug`.
    fn unknown(&self, id: &str, slug: &str, cat: &Catalog) -> Diagnostic {
        let hint = nearest(id, cat.controls.iter().map(|c| c.id.as_str()), 3)
            .map(|s| format!("did you mean {}?", s.join(", ")));
        self.error(format!("`{id}` is not a control of {slug}"), hint)
    }

    /// One side's met list as a mask; a wrong list is reported and read as its default.
    fn met(
        &self,
        list: &Option<Vec<String>>,
        c: &Control,
        key: &str,
        default_all: bool,
        diags: &mut Vec<Diagnostic>,
    ) -> ElementMask {
        let (x, m) = (self.x, self.m);
        met_mask(list.as_deref(), c, default_all).unwrap_or_else(|(message, hint)| {
            diags.push(self.error(
                format!(
                    "`{key}` of {}:{} -> {}:{}: {message}",
                    x.from, m.from, x.to, m.to
                ),
                hint,
            ));
            if default_all {
                all_elements(c.elements.len())
            } else {
                0
            }
        })
    }
}

/// A crosswalk: sources named, both ends loaded in the stated editions, then every row.
fn check_crosswalk(
    xi: usize,
    x: &Crosswalk,
    frameworks: &[Framework],
    superseded: &[Catalog],
    relations: &mut Relations,
    diags: &mut Vec<Diagnostic>,
) {
    let text = &x.source_text;
    if x.sources.is_empty() {
        diags.push(
            Diagnostic::error(
                &x.path,
                "a crosswalk must name at least one public source under `sources`",
            )
            .with_rule(rules::CROSSWALK)
            .at(Pos::find(text, "sources:", 0)),
        );
    }
    let find = |slug: &str| End::find(slug, frameworks, superseded);
    let (Some(from), Some(to)) = (find(&x.from), find(&x.to)) else {
        for (slug, key) in [(&x.from, "from:"), (&x.to, "to:")] {
            if find(slug).is_none() {
                diags.push(
                    Diagnostic::error(&x.path, format!("no catalog `{slug}` for this crosswalk"))
                        .with_rule(rules::CROSSWALK)
                        .at(Pos::find(text, key, 0)),
                );
            }
        }
        return;
    };
    for (cat, edition, key) in [
        (from.cat, &x.from_edition, "from_edition:"),
        (to.cat, &x.to_edition, "to_edition:"),
    ] {
        if &cat.edition != edition {
            diags.push(
                Diagnostic::error(
                    &x.path,
                    format!(
                        "crosswalk is for {} edition {edition}, but the catalog is edition {}",
                        cat.slug, cat.edition
                    ),
                )
                .with_rule(rules::CROSSWALK)
                .at(Pos::find(text, key, 0)),
            );
        }
    }
    let source_ids: HashSet<&str> = x.sources.iter().map(|s| s.id.as_str()).collect();
    let mut pairs = HashSet::new();
    let mut cursor = text.find("mappings:").unwrap_or(0);
    for (mi, m) in x.mappings.iter().enumerate() {
        // Mappings appear in file order: search forward from the previous one for a position.
        let at = text[cursor..].find(&m.from as &str).map(|i| {
            cursor += i;
            cursor
        });
        let row = Row { x, xi, mi, m, at };
        let a = from.control(frameworks, &m.from);
        let b = to.control(frameworks, &m.to);
        if a.is_none() {
            diags.push(row.unknown(&m.from, &x.from, from.cat));
        }
        if b.is_none() {
            diags.push(row.unknown(&m.to, &x.to, to.cat));
        }
        if !pairs.insert((m.from.as_str(), m.to.as_str())) {
            diags.push(row.error(format!("duplicate pair {} -> {}", m.from, m.to), None));
        }
        if let Some(s) = &m.source
            && !source_ids.contains(s.as_str())
        {
            diags.push(row.error(
                format!("`source: {s}` is not one of this file's sources"),
                None,
            ));
        }
        if let (Some(a), Some(b), Some(fa), Some(fb)) = (a, b, from.fw, to.fw) {
            let ka = ControlKey { fw: fa, ctl: a };
            let kb = ControlKey { fw: fb, ctl: b };
            relate_row(&row, ka, kb, frameworks, relations, diags);
        }
    }
}

/// A row between two current frameworks: its element lists read and checked against the
/// relationship, and the edge recorded on both of its controls.
fn relate_row(
    row: &Row,
    ka: ControlKey,
    kb: ControlKey,
    frameworks: &[Framework],
    relations: &mut Relations,
    diags: &mut Vec<Diagnostic>,
) {
    let m = row.m;
    let ca = &frameworks[ka.fw].catalog.controls[ka.ctl];
    let cb = &frameworks[kb.fw].catalog.controls[kb.ctl];
    let met_a = row.met(&m.from_met, ca, "from_met", m.relationship.is_full(), diags);
    let met_b = row.met(
        &m.to_met,
        cb,
        "to_met",
        m.relationship.inverse().is_full(),
        diags,
    );
    if m.from_met.is_some() || m.to_met.is_some() {
        check_consistency(row.x, m, ca, cb, met_a, met_b, &mut |message, hint| {
            diags.push(row.error(message, hint));
        });
    }
    let conf = m.confidence.unwrap_or(Confidence::Unstated);
    relations[ka.fw][ka.ctl].push(Relation {
        other: kb,
        rel: m.relationship,
        met: met_a,
        other_met: met_b,
        conf,
        crosswalk: row.xi,
        mapping: row.mi,
    });
    relations[kb.fw][kb.ctl].push(Relation {
        other: ka,
        rel: m.relationship.inverse(),
        met: met_b,
        other_met: met_a,
        conf,
        crosswalk: row.xi,
        mapping: row.mi,
    });
}

/// Group rows: one side a single control, the other two or more; a listed source; the met list
/// on the single side only, naming its elements.
fn check_groups(
    xi: usize,
    x: &Crosswalk,
    frameworks: &[Framework],
    out: &mut Vec<ElementGroup>,
    diags: &mut Vec<Diagnostic>,
) {
    if x.groups.is_empty() {
        return;
    }
    let text = &x.source_text;
    let start = text.find("\ngroups:").unwrap_or(0);
    let (Some(fa), Some(fb)) = (
        frameworks.iter().position(|f| f.slug() == x.from),
        frameworks.iter().position(|f| f.slug() == x.to),
    ) else {
        return;
    };
    for (gi, g) in x.groups.iter().enumerate() {
        let (from, to) = (g.from.ids(), g.to.ids());
        let at = Pos::find(text, from[0], start);
        let mut fail = |m: String, hint: &str| {
            diags.push(
                Diagnostic::error(&x.path, format!("group row {}: {m}", gi + 1))
                    .with_rule(rules::CROSSWALK_ROW)
                    .at(at)
                    .with_hint(hint.to_string()),
            );
        };
        if !x.sources.iter().any(|s| s.id == g.source) {
            fail(
                format!("`source: {}` is not one of this file's sources", g.source),
                "a group row needs a listed source that says the controls together meet the elements",
            );
            continue;
        }
        // (single control's framework, its id, the members' framework, member ids, met list)
        let (single_fw, single, members_fw, members, list, other) = match (from.len(), to.len()) {
            (1, n) if n >= 2 => (fa, from[0], fb, to, &g.from_met, &g.to_met),
            (n, 1) if n >= 2 => (fb, to[0], fa, from, &g.to_met, &g.from_met),
            _ => {
                fail(
                    "one side must be a single control and the other a list of two or more".into(),
                    "write e.g. `from: CC6.1` and `to: [A.5.15, A.8.5]`",
                );
                continue;
            }
        };
        if other.is_some() {
            fail(
                "only the single control's elements can be met by a group".into(),
                "list them under from_met when `from` is the single control, under to_met when `to` is",
            );
            continue;
        }
        let Some(ci) = frameworks[single_fw].control(single) else {
            fail(
                format!(
                    "`{single}` is not a control of {}",
                    frameworks[single_fw].slug()
                ),
                "check the id",
            );
            continue;
        };
        let mut keys = Vec::new();
        for id in &members {
            match frameworks[members_fw].control(id) {
                Some(i) => keys.push(ControlKey {
                    fw: members_fw,
                    ctl: i,
                }),
                None => fail(
                    format!(
                        "`{id}` is not a control of {}",
                        frameworks[members_fw].slug()
                    ),
                    "check the id",
                ),
            }
        }
        if keys.len() != members.len() {
            continue;
        }
        let c = &frameworks[single_fw].catalog.controls[ci];
        let met = match (list, met_mask(list.as_deref(), c, false)) {
            (None, _) | (Some(_), Ok(0)) => {
                fail(
                    format!("the row names no element of `{single}` that the group meets"),
                    "list the elements the controls meet together",
                );
                continue;
            }
            (_, Err((m, h))) => {
                fail(m, h.as_deref().unwrap_or("check the element ids"));
                continue;
            }
            (_, Ok(mask)) => mask,
        };
        out.push(ElementGroup {
            control: ControlKey {
                fw: single_fw,
                ctl: ci,
            },
            members: keys,
            met,
            conf: g.confidence.unwrap_or(Confidence::Unstated),
            crosswalk: xi,
            row: gi,
        });
    }
}
