//! Dates that make a running ISMS visible: when evidence expires, when documents are due for review.

use crate::model::{Date, DocumentMeta, EvidenceMeta, Period};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    /// Valid, and not due within the window.
    Fresh,
    /// Expires, or is due for review, within the window.
    DueSoon,
    /// Past its expiry or review date.
    Stale,
}

impl Freshness {
    pub fn of(deadline: Date, today: Date, window: Period) -> Freshness {
        if deadline < today {
            Freshness::Stale
        } else if deadline <= today.plus(window) {
            Freshness::DueSoon
        } else {
            Freshness::Fresh
        }
    }
}

/// When a piece of evidence stops being valid.
pub fn evidence_expiry(meta: &EvidenceMeta) -> Date {
    match (meta.expires, meta.valid_for) {
        (Some(d), _) => d,
        (None, Some(p)) => meta.collected.plus(p),
        // Loading refuses a record with neither; treat as expired on collection if one slips by.
        (None, None) => meta.collected,
    }
}

/// When a document is next due for review.
pub fn next_review(meta: &DocumentMeta) -> Date {
    match (meta.next_review, meta.review_every) {
        (Some(d), _) => d,
        (None, Some(p)) => meta.approved.plus(p),
        (None, None) => meta.approved,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows() {
        let today = Date::parse("2026-11-23").unwrap();
        let w = Period::parse("30 days").unwrap();
        assert_eq!(
            Freshness::of(Date::parse("2026-11-22").unwrap(), today, w),
            Freshness::Stale
        );
        assert_eq!(Freshness::of(today, today, w), Freshness::DueSoon);
        assert_eq!(
            Freshness::of(Date::parse("2026-12-23").unwrap(), today, w),
            Freshness::DueSoon
        );
        assert_eq!(
            Freshness::of(Date::parse("2026-12-24").unwrap(), today, w),
            Freshness::Fresh
        );
    }
}
