//! Requirement elements: a catalog control's element list is well formed, a crosswalk row's
//! met lists name real elements (`met_mask`), and those lists agree with the row's relationship.
//! Format: docs/mapping-format.md.

use crate::base::diagnostic::{Diagnostic, Pos};
use crate::base::rules;
use crate::model::{
    Catalog, Control, Crosswalk, ElementMask, MAX_ELEMENTS, Mapping, Relationship, all_elements,
};
use std::collections::HashSet;

/// The ids of a control's elements, for messages: `1, 2, 3` (or `(none: one implicit element)`).
fn element_list(c: &Control) -> String {
    if c.elements.is_empty() {
        return "none: the control counts as one element".into();
    }
    c.elements
        .iter()
        .map(|e| e.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The mask of a met-list: absent, every element when the relationship says the other control
/// meets this one (`default_all`), none otherwise. Errors as (message, hint).
pub fn met_mask(
    list: Option<&[String]>,
    c: &Control,
    default_all: bool,
) -> Result<ElementMask, (String, Option<String>)> {
    let Some(list) = list else {
        return Ok(if default_all {
            all_elements(c.elements.len())
        } else {
            0
        });
    };
    if c.elements.is_empty() {
        if list.is_empty() {
            return Ok(if default_all { 1 } else { 0 });
        }
        return Err((
            format!("`{}` has no elements, so there is nothing to list", c.id),
            Some(
                "leave the list out or empty: a control without elements counts as one element, met when the relationship says so"
                    .into(),
            ),
        ));
    }
    let mut mask: ElementMask = 0;
    for id in list {
        match c.elements.iter().position(|e| &e.id == id) {
            Some(i) if i < MAX_ELEMENTS => {
                if mask & (1 << i) != 0 {
                    return Err((format!("element `{id}` is listed twice"), None));
                }
                mask |= 1 << i;
            }
            _ => {
                return Err((
                    format!("`{}` has no element `{id}`", c.id),
                    Some(format!("its elements are {}", element_list(c))),
                ));
            }
        }
    }
    Ok(mask)
}

/// What the element lists say the relationship is: both wholly met `equal`, only `from`
/// `subset_of`, only `to` `superset_of`, neither `intersects`.
pub fn implied_relationship(from_all: bool, to_all: bool) -> Relationship {
    match (from_all, to_all) {
        (true, true) => Relationship::Equal,
        (true, false) => Relationship::SubsetOf,
        (false, true) => Relationship::SupersetOf,
        (false, false) => Relationship::Intersects,
    }
}

/// A row's element lists agree with its relationship, in both directions.
pub fn check_consistency(
    x: &Crosswalk,
    m: &Mapping,
    ca: &Control,
    cb: &Control,
    met_a: ElementMask,
    met_b: ElementMask,
    problem: &mut dyn FnMut(String, Option<String>),
) {
    let from_all = met_a == all_elements(ca.elements.len());
    let to_all = met_b == all_elements(cb.elements.len());
    let implied = implied_relationship(from_all, to_all);
    if implied == m.relationship {
        if met_a == 0 && met_b == 0 && m.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            problem(
                format!(
                    "{}:{} -> {}:{} meets no element either way, and has no note",
                    x.from, m.from, x.to, m.to
                ),
                Some("add a `note:` saying what the two controls share, or remove the row".into()),
            );
        }
        return;
    }
    let (want_from, want_to) = match m.relationship {
        Relationship::Equal => (true, true),
        Relationship::SubsetOf => (true, false),
        Relationship::SupersetOf => (false, true),
        Relationship::Intersects => (false, false),
    };
    let all = |b: bool| if b { "every" } else { "not every" };
    let mut wrong = Vec::new();
    if from_all != want_from {
        wrong.push(format!(
            "from_met must list {} element of {} ({}), and lists {}",
            all(want_from),
            m.from,
            element_list(ca),
            if from_all { "all" } else { "only some" }
        ));
    }
    if to_all != want_to {
        wrong.push(format!(
            "to_met must list {} element of {} ({}), and lists {}",
            all(want_to),
            m.to,
            element_list(cb),
            if to_all { "all" } else { "only some" }
        ));
    }
    problem(
        format!(
            "`{}` disagrees with the element lists of {}:{} -> {}:{}: {}",
            m.relationship.as_str(),
            x.from,
            m.from,
            x.to,
            m.to,
            wrong.join("; ")
        ),
        Some(format!(
            "the lists as written say `{}`: change `relationship:` to that, or correct the lists (an element met only in part is not met)",
            implied.as_str()
        )),
    );
}

/// A catalog control's elements: ids well formed and unique, labels present, at most 64.
pub fn check_elements(c: &Catalog, ctl: &Control, diags: &mut Vec<Diagnostic>) {
    if ctl.elements.is_empty() {
        return;
    }
    let text = &c.source_text;
    let start = text.find(&ctl.id as &str).unwrap_or(0);
    let at = |needle: &str| Pos::find(text, needle, start).or_else(|| Pos::find(text, &ctl.id, 0));
    if ctl.elements.len() > MAX_ELEMENTS {
        diags.push(
            Diagnostic::error(
                &c.path,
                format!(
                    "control `{}` has {} elements; at most {MAX_ELEMENTS} are allowed",
                    ctl.id,
                    ctl.elements.len()
                ),
            )
            .with_rule(rules::CATALOG_ELEMENTS)
            .at(at("elements:")),
        );
    }
    let mut seen = HashSet::new();
    for e in &ctl.elements {
        let ok = !e.id.is_empty()
            && e.id
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ".()[]_-".contains(ch));
        let here = at(&e.id);
        if !ok {
            diags.push(
                Diagnostic::error(
                    &c.path,
                    format!("element id `{}` of `{}` is not valid", e.id, ctl.id),
                )
                .with_rule(rules::CATALOG_ELEMENTS)
                .at(here)
                .with_hint("use letters, digits and . ( ) [ ] _ - only, e.g. \"1\" or \"a\""),
            );
        }
        if !seen.insert(e.id.as_str()) {
            diags.push(
                Diagnostic::error(
                    &c.path,
                    format!("element `{}#{}` is listed twice", ctl.id, e.id),
                )
                .with_rule(rules::CATALOG_ELEMENTS)
                .at(here),
            );
        }
        if e.label.trim().is_empty() {
            diags.push(
                Diagnostic::error(
                    &c.path,
                    format!("element `{}#{}` has an empty label", ctl.id, e.id),
                )
                .with_rule(rules::CATALOG_ELEMENTS)
                .at(here),
            );
        }
    }
}
