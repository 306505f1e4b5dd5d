//! What the readiness rules and pages share: the yearly cadence, how far ahead audits are
//! watched, when a date is stale, who counts as the same person, and the Annex A controls.

use crate::model::{Date, Period, Unit};
use crate::resolve::{ControlKey, Model};

pub const YEAR: Period = Period {
    amount: 12,
    unit: Unit::Months,
};
/// How far ahead of an audit date `check` starts warning.
pub const AHEAD: Period = Period {
    amount: 90,
    unit: Unit::Days,
};

pub(super) fn stale(date: Date, every: Period, today: Date) -> bool {
    date.plus(every) < today
}

/// "Surveillance audit" -> "surveillance audit", but "SOC 2 …" stays as it is.
pub(super) fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match (c.next(), c.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            a.to_lowercase().chain(s[a.len_utf8()..].chars()).collect()
        }
        _ => s.to_string(),
    }
}

pub(super) fn same_person(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.split('(').next().unwrap_or("").trim().to_lowercase();
    !norm(a).is_empty() && norm(a) == norm(b)
}

/// Annex A controls of ISO 27001 (the counted ones), when the catalog is loaded.
pub(super) fn annex_a(model: &Model) -> Vec<ControlKey> {
    let Some(fw) = model.framework("iso27001") else {
        return Vec::new();
    };
    let f = &model.frameworks[fw];
    (0..f.catalog.controls.len())
        .filter(|&c| f.is_counted(c))
        .map(|ctl| ControlKey { fw, ctl })
        .collect()
}
