//! The comparison itself: two analyses of one site (at a revision and in the working tree, under
//! one profile and one date) turned into the `diff` report. Every figure is taken from the
//! analysis stage as the portal takes it (coverage summaries, the gap report's element counts,
//! overlap pairs); nothing is computed again here. Check problems are matched by file, rule
//! and message, never by line, and as a multiset.

use crate::analyse::coverage::Status;
use crate::analyse::freshness::{Freshness, evidence_expiry};
use crate::analyse::gaps::{self, Have};
use crate::base::diagnostic::{Diagnostic, Severity, display_path};
use crate::model::{Classification, Date};
use crate::resolve::Model;
use crate::site::Analysis;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The version of the JSON shape (docs/schemas/diff.schema.json).
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    pub schema_version: u32,
    /// The revision as given on the command line.
    pub base: String,
    pub base_commit: String,
    pub profile: String,
    pub today: Date,
    /// Every framework in scope at either side, the working tree's first.
    pub frameworks: Vec<FrameworkDiff>,
    /// Ordered pairs of frameworks whose overlap figure changed.
    pub overlap: Vec<OverlapChange>,
    pub problems: Problems,
    /// The site's due-soon window (`due_soon` in crosswalk.yaml), as written.
    pub evidence_window: String,
    /// Evidence in the working tree that expires within the window, earliest first.
    pub evidence_expiring: Vec<Expiring>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FrameworkDiff {
    pub framework: String,
    pub title: String,
    /// None when the framework did not exist at that side.
    pub before: Option<Figures>,
    pub after: Option<Figures>,
    /// Counted controls covered or inherited now and not before, in catalog order.
    pub newly_covered: Vec<String>,
    /// Counted controls covered or inherited before and not now.
    pub newly_uncovered: Vec<String>,
}

/// A framework's headline figures, as its card in the portal shows them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    /// Share of counted controls covered or inherited (0-1, four decimals).
    pub coverage: f64,
    pub controls: usize,
    pub covered: usize,
    pub inherited: usize,
    pub partial: usize,
    pub gap: usize,
    pub without_fresh_evidence: usize,
    /// Requirement elements, for a framework whose catalog lists them: how many, how many met
    /// (the gap page's figures), and the mean share met over the counted controls.
    pub elements: Option<usize>,
    pub elements_met: Option<usize>,
    pub element_coverage: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OverlapChange {
    pub from: String,
    pub to: String,
    /// Union coverage of `from`'s elements by `to` (0-1), None when a side lacks the pair.
    pub before: Option<f64>,
    pub after: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Problems {
    pub before: Counts,
    pub after: Counts,
    pub added: Vec<Problem>,
    pub resolved: Vec<Problem>,
    /// Problems added and resolved in files the profile does not show: counted, not listed.
    pub withheld: Withheld,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Withheld {
    pub added: usize,
    pub resolved: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub path: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub severity: Severity,
    /// The check's rule id; empty for a check that has none yet.
    pub rule: String,
    pub message: String,
    pub hint: Option<String>,
}

impl Problem {
    /// `path:line:col: severity: message`, as `check` prints it.
    pub fn line_text(&self) -> String {
        let at = match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", self.path),
            (Some(l), None) => format!("{}:{l}", self.path),
            _ => self.path.clone(),
        };
        format!("{at}: {}: {}", self.severity, self.message)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Expiring {
    pub id: String,
    pub title: String,
    pub path: String,
    pub expires: Date,
    pub days_left: i64,
}

/// One side of the comparison: its analysis and the folder its paths are relative to.
pub struct Side<'a> {
    pub analysis: &'a Analysis,
    pub root: &'a Path,
}

/// What the report says about itself.
pub struct Meta {
    pub base: String,
    pub base_commit: String,
    pub profile: String,
}

pub fn compare(before: Side, after: Side, meta: Meta) -> DiffReport {
    let a = &after.analysis.model;
    DiffReport {
        schema_version: SCHEMA_VERSION,
        base: meta.base,
        base_commit: meta.base_commit,
        profile: meta.profile,
        today: a.today,
        frameworks: frameworks(before.analysis, after.analysis),
        overlap: overlap(before.analysis, after.analysis),
        problems: problems(&before, &after),
        evidence_window: a.config.due_soon.to_string(),
        evidence_expiring: expiring(a),
    }
}

/// Frameworks in scope at either side, the working tree's order first.
fn frameworks(before: &Analysis, after: &Analysis) -> Vec<FrameworkDiff> {
    let mut slugs: Vec<&str> = Vec::new();
    for m in [&after.model, &before.model] {
        for f in m.frameworks.iter().filter(|f| f.in_scope) {
            if !slugs.contains(&f.slug()) {
                slugs.push(f.slug());
            }
        }
    }
    slugs
        .into_iter()
        .map(|slug| {
            let b = before.model.framework(slug);
            let a = after.model.framework(slug);
            let title = a
                .map(|i| &after.model.frameworks[i])
                .or(b.map(|i| &before.model.frameworks[i]))
                .map(|f| f.catalog.title.clone())
                .unwrap_or_default();
            let was = b.map(|i| covered_ids(before, i)).unwrap_or_default();
            let now = a.map(|i| covered_ids(after, i)).unwrap_or_default();
            let is_in = |list: &[String], id: &String| list.contains(id);
            let newly_covered = now.iter().filter(|c| !is_in(&was, c)).cloned().collect();
            let newly_uncovered = was.iter().filter(|c| !is_in(&now, c)).cloned().collect();
            FrameworkDiff {
                framework: slug.to_string(),
                title,
                before: b.map(|i| figures(before, i)),
                after: a.map(|i| figures(after, i)),
                newly_covered,
                newly_uncovered,
            }
        })
        .collect()
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Framework `fi`'s figures: the coverage summary, and the gap report's element counts when its
/// catalog lists elements.
fn figures(an: &Analysis, fi: usize) -> Figures {
    let s = &an.coverage.summaries[fi];
    let f = &an.model.frameworks[fi];
    let has_elements = (0..f.catalog.controls.len())
        .any(|i| f.is_counted(i) && !f.catalog.controls[i].elements.is_empty());
    let g = has_elements.then(|| gaps::gaps(&an.model, &an.coverage, fi, &Have::Site));
    Figures {
        coverage: round4(s.ratio()),
        controls: s.controls,
        covered: s.covered,
        inherited: s.inherited,
        partial: s.partial,
        gap: s.gap,
        without_fresh_evidence: s.without_fresh_evidence,
        elements: g.as_ref().map(|g| g.elements),
        elements_met: g.as_ref().map(|g| g.elements_met),
        element_coverage: g.as_ref().map(|g| g.coverage),
    }
}

/// The names (`soc2:CC7.3`) of framework `fi`'s counted controls covered directly or by
/// inheritance, in catalog order.
fn covered_ids(an: &Analysis, fi: usize) -> Vec<String> {
    let f = &an.model.frameworks[fi];
    an.coverage.per_control[fi]
        .iter()
        .enumerate()
        .filter(|&(ci, c)| {
            f.is_counted(ci) && matches!(c.status(), Status::Covered | Status::Inherited)
        })
        .map(|(ci, _)| format!("{}:{}", f.slug(), f.catalog.controls[ci].id))
        .collect()
}

/// Pairs whose union coverage changed (at four decimals), or that only one side has.
fn overlap(before: &Analysis, after: &Analysis) -> Vec<OverlapChange> {
    let figures = |an: &Analysis| -> BTreeMap<(String, String), f64> {
        an.pairs
            .iter()
            .map(|p| {
                let slug = |i: usize| an.model.frameworks[i].slug().to_string();
                ((slug(p.from), slug(p.to)), round4(p.coverage()))
            })
            .collect()
    };
    let (b, a) = (figures(before), figures(after));
    let keys: std::collections::BTreeSet<&(String, String)> = b.keys().chain(a.keys()).collect();
    keys.into_iter()
        .filter_map(|k| {
            let (x, y) = (b.get(k).copied(), a.get(k).copied());
            (x != y).then(|| OverlapChange {
                from: k.0.clone(),
                to: k.1.clone(),
                before: x,
                after: y,
            })
        })
        .collect()
}

/// A side's problems, each with whether the profile shows its file.
fn side_problems(side: &Side) -> (Vec<(Problem, bool)>, Counts) {
    let an = side.analysis;
    let visible = visible_files(&an.model);
    let all = an.model.profile == Classification::Confidential;
    let list: Vec<(Problem, bool)> = an
        .diagnostics
        .sorted()
        .into_iter()
        .map(|d| {
            let p = problem(&d, side.root);
            let shown = all || !d.path.starts_with("content") || visible.contains(&d.path);
            (p, shown)
        })
        .collect();
    let counts = Counts {
        errors: an.diagnostics.error_count(),
        warnings: an.diagnostics.warning_count(),
    };
    (list, counts)
}

/// The files that hold something the model (built under the profile) shows. A problem in any
/// other file under `content/` (a hidden document, or a file that did not parse, whose
/// classification is unknown) is counted but not listed.
fn visible_files(m: &Model) -> HashSet<PathBuf> {
    let r = &m.records;
    m.documents
        .iter()
        .map(|d| d.doc.path.clone())
        .chain(m.evidence.iter().map(|e| e.ev.path.clone()))
        .chain(r.soa.iter().map(|s| s.path.clone()))
        .chain(r.reviews.iter().map(|s| s.path.clone()))
        .chain(r.audits.iter().map(|s| s.path.clone()))
        .chain(r.risks.iter().map(|s| s.path.clone()))
        .chain(r.nonconformities.iter().map(|s| s.path.clone()))
        .chain(r.suppliers.iter().map(|s| s.path.clone()))
        .collect()
}

fn problem(d: &Diagnostic, root: &Path) -> Problem {
    let path = d.path.strip_prefix(root).unwrap_or(&d.path);
    Problem {
        path: display_path(path),
        line: d.line,
        column: d.column,
        severity: d.severity,
        rule: d.rule.to_string(),
        message: d.message.clone(),
        hint: d.hint.clone(),
    }
}

/// Each (file, rule, message) with the places it occurs in a list of problems.
type Groups<'a> = HashMap<(&'a str, &'a str, &'a str), Vec<usize>>;

fn group(list: &[(Problem, bool)]) -> Groups<'_> {
    let mut m: Groups = HashMap::new();
    for (i, (p, _)) in list.iter().enumerate() {
        m.entry((p.path.as_str(), p.rule.as_str(), p.message.as_str()))
            .or_default()
            .push(i);
    }
    m
}

/// Added and resolved problems, matched by (file, rule, message): a problem whose line moved is
/// the same problem, and one that occurs twice must go twice to be resolved.
fn problems(before: &Side, after: &Side) -> Problems {
    let (b, before_counts) = side_problems(before);
    let (a, after_counts) = side_problems(after);
    let (gb, ga) = (group(&b), group(&a));
    // The occurrences of `list` beyond the count `other` has of the same key, in list order.
    let extra = |list: &[(Problem, bool)], own: &Groups, other: &Groups| {
        let mut idx: Vec<usize> = own
            .iter()
            .flat_map(|(k, v)| v.iter().skip(other.get(k).map_or(0, Vec::len)).copied())
            .collect();
        idx.sort_unstable();
        let mut shown = Vec::new();
        let mut withheld = 0;
        for i in idx {
            if list[i].1 {
                shown.push(list[i].0.clone());
            } else {
                withheld += 1;
            }
        }
        (shown, withheld)
    };
    let (added, withheld_added) = extra(&a, &ga, &gb);
    let (resolved, withheld_resolved) = extra(&b, &gb, &ga);
    Problems {
        before: before_counts,
        after: after_counts,
        added,
        resolved,
        withheld: Withheld {
            added: withheld_added,
            resolved: withheld_resolved,
        },
    }
}

/// Evidence the working tree shows that expires within the due-soon window.
fn expiring(m: &Model) -> Vec<Expiring> {
    let mut out: Vec<Expiring> = m
        .evidence
        .iter()
        .filter_map(|e| {
            let exp = evidence_expiry(&e.ev.meta);
            (Freshness::of(exp, m.today, m.config.due_soon) == Freshness::DueSoon).then(|| {
                Expiring {
                    id: e.ev.meta.id.clone(),
                    title: e.ev.meta.title.clone(),
                    path: display_path(&e.ev.path),
                    expires: exp,
                    days_left: m.today.days_until(exp),
                }
            })
        })
        .collect();
    out.sort_by(|x, y| (x.expires, &x.id).cmp(&(y.expires, &y.id)));
    out
}
