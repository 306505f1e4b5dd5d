//! Disclosed figures: coverage of the WHOLE ISMS (every classification), reduced to numbers a
//! profile may show. Computed from the model before the profile drops what it may not show
//! (`Site::analyse_with`), and handed to the views as counts and fractions only: no id, no
//! title, no date of any item. A figure over fewer than `MIN_CONTROLS` controls is never shown:
//! a control category that small is folded into "Other", and an "Other" still that small takes
//! the smallest shown category with it, so no difference of shown figures reveals a small group.

use crate::analyse::coverage::{Coverage, Status};
use crate::model::config::{CoverageDisclosure, Disclosure};
use crate::resolve::Model;

pub use crate::analyse::figures::{Category, Disclosed, Figures, Summary};

/// The fewest controls an aggregate may count: below it, a figure would tell each control's
/// status.
pub const MIN_CONTROLS: usize = 5;

/// The figures `disclosure` lets a build show, from `whole`: the model of every item, and its
/// coverage.
pub fn compute(whole: &Model, cov: &Coverage, disclosure: Disclosure) -> Disclosed {
    let frameworks = (0..whole.frameworks.len())
        .map(|fi| match disclosure.coverage {
            CoverageDisclosure::None => None,
            CoverageDisclosure::Aggregate => figures(whole, cov, fi),
        })
        .collect();
    Disclosed {
        disclosure,
        frameworks,
    }
}

/// Framework `fi`'s figures, unless it counts fewer than `MIN_CONTROLS` controls.
fn figures(whole: &Model, cov: &Coverage, fi: usize) -> Option<Figures> {
    let f = &whole.frameworks[fi];
    let summary = cov.summaries[fi].clone();
    if summary.controls < MIN_CONTROLS {
        return None;
    }
    let (mut elements_met, mut elements) = (0, 0);
    let mut groups: Vec<Category> = f
        .catalog
        .groups
        .iter()
        .filter(|g| g.counted)
        .map(|g| Category {
            id: g.id.clone(),
            title: g.title.clone(),
            controls: 0,
            implemented: 0,
            in_progress: 0,
        })
        .collect();
    for (ci, c) in f.catalog.controls.iter().enumerate() {
        if !f.is_counted(ci) {
            continue;
        }
        let cc = &cov.per_control[fi][ci];
        // A control an item names is met in full, whatever crosswalks say of its elements.
        elements_met += if cc.direct.is_empty() {
            cc.met_count() as usize
        } else {
            cc.elements as usize
        };
        elements += cc.elements as usize;
        let Some(g) = groups.iter_mut().find(|g| g.id == c.group) else {
            continue;
        };
        g.controls += 1;
        match cc.status() {
            Status::Covered | Status::Inherited => g.implemented += 1,
            Status::Partial => g.in_progress += 1,
            Status::Gap => {}
        }
    }
    Some(Figures {
        summary,
        elements_met,
        elements,
        categories: fold_small(groups),
    })
}

/// Groups of at least `MIN_CONTROLS` controls as they are, the rest together as "Other"; an
/// "Other" smaller than that takes the smallest shown groups until it is not (or is dropped,
/// when nothing is left to take).
fn fold_small(groups: Vec<Category>) -> Vec<Category> {
    let (mut shown, small): (Vec<Category>, Vec<Category>) = groups
        .into_iter()
        .filter(|g| g.controls > 0)
        .partition(|g| g.controls >= MIN_CONTROLS);
    let mut other = Category {
        id: "other".into(),
        title: "Other".into(),
        controls: 0,
        implemented: 0,
        in_progress: 0,
    };
    let take = |other: &mut Category, g: &Category| {
        other.controls += g.controls;
        other.implemented += g.implemented;
        other.in_progress += g.in_progress;
    };
    let mut names: Vec<String> = Vec::new();
    for g in &small {
        take(&mut other, g);
        names.push(g.id.clone());
    }
    while other.controls > 0 && other.controls < MIN_CONTROLS && !shown.is_empty() {
        let smallest = (0..shown.len())
            .min_by_key(|&i| (shown[i].controls, std::cmp::Reverse(i)))
            .unwrap_or(0);
        let g = shown.remove(smallest);
        take(&mut other, &g);
        names.push(g.id);
    }
    if other.controls >= MIN_CONTROLS {
        other.title = format!("Other ({})", names.join(", "));
        shown.push(other);
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(id: &str, controls: usize, implemented: usize) -> Category {
        Category {
            id: id.into(),
            title: id.into(),
            controls,
            implemented,
            in_progress: 0,
        }
    }

    #[test]
    fn small_groups_fold_into_other() {
        let out = fold_small(vec![g("A", 8, 3), g("B", 2, 1), g("C", 4, 4), g("D", 0, 0)]);
        let ids: Vec<&str> = out.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["A", "other"]);
        assert_eq!((out[1].controls, out[1].implemented), (6, 5));
        assert_eq!(out[1].title, "Other (B, C)");
    }

    #[test]
    fn a_small_other_takes_the_smallest_shown_group() {
        let out = fold_small(vec![g("A", 8, 3), g("B", 5, 1), g("C", 2, 2)]);
        let ids: Vec<&str> = out.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["A", "other"]);
        assert_eq!(out[1].controls, 7);
        // Nothing to take: the small rest is not shown at all.
        assert!(fold_small(vec![g("C", 2, 2)]).is_empty());
    }

    #[test]
    fn every_shown_category_counts_at_least_the_minimum() {
        for sizes in [[1usize, 2, 3], [4, 4, 9], [5, 1, 1], [0, 0, 4]] {
            let groups = sizes.iter().map(|&n| g("x", n, 0)).collect();
            assert!(
                fold_small(groups)
                    .iter()
                    .all(|c| c.controls >= MIN_CONTROLS)
            );
        }
    }
}
