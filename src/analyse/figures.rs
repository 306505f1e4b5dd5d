//! The figures a build shows, as plain numbers: one framework's headline counts (`Summary`,
//! made by `coverage`), and what a profile discloses of the whole ISMS (`Disclosed`, made by
//! `disclosed`). Types only, so both files can name them without importing each other.

use crate::model::config::Disclosure;
use serde::Serialize;

/// Headline figures for one framework, over its counted controls.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub controls: usize,
    pub covered: usize,
    pub inherited: usize,
    pub partial: usize,
    pub gap: usize,
    /// Covered or inherited controls with no valid evidence behind them.
    pub without_fresh_evidence: usize,
}

impl Summary {
    /// Share of controls covered directly or by inheritance.
    pub fn ratio(&self) -> f64 {
        if self.controls == 0 {
            0.0
        } else {
            (self.covered + self.inherited) as f64 / self.controls as f64
        }
    }
}

/// What a build discloses: its settings, and (when coverage is disclosed) every framework's
/// figures over the whole ISMS, in model order.
#[derive(Debug, Clone, PartialEq)]
pub struct Disclosed {
    pub disclosure: Disclosure,
    /// `None` for a framework whose figures are not shown (coverage `none`, or fewer than
    /// `disclosed::MIN_CONTROLS` counted controls).
    pub frameworks: Vec<Option<Figures>>,
}

/// One framework's figures over its counted controls.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub summary: Summary,
    /// Requirement elements met, of how many (a control without elements counts as one).
    pub elements_met: usize,
    pub elements: usize,
    pub categories: Vec<Category>,
}

/// A control category (a group of the catalog: ISO 27001's themes, SOC 2's categories), or
/// "Other": the groups too small to show alone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Category {
    /// The catalog's group id ("A.5", "CC6"), or "other".
    pub id: String,
    pub title: String,
    pub controls: usize,
    /// Covered or inherited.
    pub implemented: usize,
    /// Partly met.
    pub in_progress: usize,
}
