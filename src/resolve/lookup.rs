//! Looking up a control reference (`framework:id`), and when it names nothing, saying why: a
//! superseded edition (with the successor ids), another case, another framework's id, a near
//! miss. `nearest` gives the "did you mean" candidates every stage uses.

use super::model::{ControlKey, Framework, Migrations, Model};
use crate::model::{Catalog, ControlRef};

/// Why a reference names no control: the message and, when there is one, a hint.
pub type Unknown = (String, Option<String>);

/// What a control reference is looked up in: the current frameworks, and the superseded
/// editions with their id migrations (for hints only).
#[derive(Clone, Copy)]
pub struct Lookup<'a> {
    pub frameworks: &'a [Framework],
    pub superseded: &'a [Catalog],
    pub migrations: &'a Migrations,
}

impl Model {
    /// Looks up `framework:id`, or explains why it does not exist (message, hint).
    pub fn lookup(&self, r: &ControlRef) -> Result<ControlKey, (String, Option<String>)> {
        Lookup {
            frameworks: &self.frameworks,
            superseded: &self.superseded,
            migrations: &self.migrations,
        }
        .control(r)
    }
}

impl Lookup<'_> {
    /// The control `r` names, or why it names none.
    pub fn control(&self, r: &ControlRef) -> Result<ControlKey, Unknown> {
        let Some(fw) = self.framework(&r.framework) else {
            return Err(self.unknown_framework(r));
        };
        match self.frameworks[fw].control(&r.id) {
            Some(ctl) => Ok(ControlKey { fw, ctl }),
            None => Err(self.unknown_control(&self.frameworks[fw], r)),
        }
    }

    /// The index of the current framework `slug`.
    pub fn framework(&self, slug: &str) -> Option<usize> {
        self.frameworks.iter().position(|f| f.slug() == slug)
    }

    /// A reference to a framework that is not loaded: a superseded edition, or a misspelling.
    fn unknown_framework(&self, r: &ControlRef) -> Unknown {
        let frameworks = self.frameworks;
        if let Some(old) = self.superseded.iter().find(|c| c.slug == r.framework) {
            let new = old.superseded_by.clone().unwrap_or_default();
            let hint = migration_hint(old, self.migrations, &r.id)
                .unwrap_or_else(|| format!("cite {new} controls instead"));
            return (
                format!(
                    "{r} cites a superseded edition ({} {})",
                    old.title, old.edition
                ),
                Some(hint),
            );
        }
        let slugs: Vec<&str> = frameworks.iter().map(|f| f.slug()).collect();
        let hint = nearest(&r.framework, slugs.iter().copied(), 3)
            .map(|s| {
                format!(
                    "did you mean {}?",
                    s.iter()
                        .map(|s| format!("{s}:{}", r.id))
                        .collect::<Vec<_>>()
                        .join(" or ")
                )
            })
            .or_else(|| Some(format!("known frameworks: {}", slugs.join(", "))));
        (format!("unknown framework `{}` in {r}", r.framework), hint)
    }

    /// A reference to a control framework `f` does not have: an id of an older edition, of
    /// another case, of another framework, or a near miss.
    fn unknown_control(&self, f: &Framework, r: &ControlRef) -> Unknown {
        let message = format!("unknown control {r}");
        // An id from an older edition of this framework: name the exact successor.
        for old in self
            .superseded
            .iter()
            .filter(|c| c.superseded_by.as_deref() == Some(f.slug()))
        {
            if let Some(h) = migration_hint(old, self.migrations, &r.id) {
                return (
                    format!("{message} (an id from the {} edition)", old.edition),
                    Some(h),
                );
            }
        }
        // Same id, other case.
        if let Some(c) = f
            .catalog
            .controls
            .iter()
            .find(|c| c.id.eq_ignore_ascii_case(&r.id))
        {
            return (
                message,
                Some(format!("did you mean {}:{}?", f.slug(), c.id)),
            );
        }
        // An id of another framework.
        let elsewhere: Vec<String> = self
            .frameworks
            .iter()
            .filter(|o| o.control(&r.id).is_some())
            .map(|o| format!("{}:{}", o.slug(), r.id))
            .collect();
        if !elsewhere.is_empty() {
            return (
                message,
                Some(format!(
                    "{} is not a {} id; did you mean {}?",
                    r.id,
                    f.slug(),
                    elsewhere.join(" or ")
                )),
            );
        }
        let hint = nearest(&r.id, f.catalog.controls.iter().map(|c| c.id.as_str()), 3).map(|ids| {
            format!(
                "did you mean {}?",
                ids.iter()
                    .map(|i| format!("{}:{i}", f.slug()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
        (message, hint)
    }
}

fn migration_hint(old: &Catalog, migrations: &Migrations, id: &str) -> Option<String> {
    let targets = migrations.get(&old.slug, id)?;
    let new = old.superseded_by.as_deref().unwrap_or("");
    let list: Vec<String> = targets.iter().map(|(t, _)| t.clone()).collect();
    let verb = if list.len() == 1 {
        "it is"
    } else {
        "its content is in"
    };
    Some(format!(
        "{id} is a {} id; in the current edition {verb} {}",
        old.edition,
        list.iter()
            .map(|t| format!("{new}:{t}"))
            .collect::<Vec<_>>()
            .join(" and ")
    ))
}

/// Up to `n` candidates close to `target` (edit distance, ignoring case), closest first.
pub fn nearest<'a>(
    target: &str,
    candidates: impl Iterator<Item = &'a str>,
    n: usize,
) -> Option<Vec<String>> {
    let t = target.to_ascii_lowercase();
    let limit = (t.chars().count() / 3).clamp(1, 3);
    let mut scored: Vec<(usize, &str)> = candidates
        .map(|c| (strsim::levenshtein(&t, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .collect();
    scored.sort();
    scored.dedup();
    if scored.is_empty() {
        None
    } else {
        Some(
            scored
                .into_iter()
                .take(n)
                .map(|(_, c)| c.to_string())
                .collect(),
        )
    }
}
