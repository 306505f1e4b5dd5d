//! Stage 2: check every cross-file reference and build the resolved model the analysis and the
//! pages read. Problems become diagnostics; resolution goes on past them so `check` reports all.

pub mod paths;

use paths::{evidence_file_stem, page_name};

use crate::base::diagnostic::{Diagnostic, Pos};
use crate::load::{Artifact, Loaded};
use crate::model::config::Config;
use crate::model::{
    Catalog, Classification, Confidence, Control, ControlRef, Crosswalk, Date, Document,
    ElementMask, Evidence, MAX_ELEMENTS, Relationship, all_elements,
};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// A control, as (framework index, control index) into `Model::frameworks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ControlKey {
    pub fw: usize,
    pub ctl: usize,
}

/// A framework catalog with its lookups.
#[derive(Debug, Clone)]
pub struct Framework {
    pub catalog: Catalog,
    pub in_scope: bool,
    index: HashMap<String, usize>,
    /// File name (without .html) of each control's page, in catalog order.
    pub page_names: Vec<String>,
}

impl Framework {
    fn new(catalog: Catalog, in_scope: bool) -> Framework {
        // An id listed twice (an error) finds its first entry.
        let mut index = HashMap::with_capacity(catalog.controls.len());
        for (i, c) in catalog.controls.iter().enumerate() {
            index.entry(c.id.clone()).or_insert(i);
        }
        let page_names = catalog.controls.iter().map(|c| page_name(&c.id)).collect();
        Framework {
            catalog,
            in_scope,
            index,
            page_names,
        }
    }

    pub fn slug(&self) -> &str {
        &self.catalog.slug
    }

    pub fn control(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Whether the control counts toward the framework's headline figures.
    pub fn is_counted(&self, ctl: usize) -> bool {
        let group = &self.catalog.controls[ctl].group;
        self.catalog
            .groups
            .iter()
            .find(|g| &g.id == group)
            .is_none_or(|g| g.counted)
    }
}

/// One edge of a crosswalk, seen from one of its ends: `this REL other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relation {
    pub other: ControlKey,
    pub rel: Relationship,
    /// This control's elements that the other control wholly meets.
    pub met: ElementMask,
    /// The other control's elements that this one wholly meets.
    pub other_met: ElementMask,
    pub conf: Confidence,
    pub crosswalk: usize,
    pub mapping: usize,
}

/// A crosswalk's group row: several controls of one framework that together wholly meet some
/// elements of one control of another (allowed only with a source that says so).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementGroup {
    pub control: ControlKey,
    pub members: Vec<ControlKey>,
    pub met: ElementMask,
    pub conf: Confidence,
    pub crosswalk: usize,
    pub row: usize,
}

#[derive(Debug, Clone)]
pub struct ResolvedDocument {
    pub doc: std::sync::Arc<Document>,
    pub controls: Vec<ControlKey>,
}

#[derive(Debug, Clone)]
pub struct ResolvedEvidence {
    pub ev: std::sync::Arc<Evidence>,
    pub artifact: Option<std::sync::Arc<Artifact>>,
    pub controls: Vec<ControlKey>,
    pub seal: SealState,
    /// The record's place in the order it was loaded (files by name, each file's records in the
    /// order written), for sorting a file's records only: it counts records the profile hides, so
    /// it must never reach a page.
    pub order: usize,
}

/// An artifact's standing in the evidence ledger.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SealState {
    /// The latest ledger line for this record matches the file as it is now.
    Sealed { seq: u64, sealed_at: String },
    /// The file changed since its latest ledger line.
    Changed { seq: u64, sealed_at: String },
    /// No ledger line names this record.
    Unsealed,
    /// A `url:` record: nothing to seal.
    External,
}

/// Everything the analysis and the pages need, already checked, and already filtered to the
/// build's profile: nothing above it is in here, so nothing above it can leak into the output.
#[derive(Debug, Clone)]
pub struct Model {
    pub config: Config,
    pub today: Date,
    pub profile: Classification,
    pub frameworks: Vec<Framework>,
    pub crosswalks: Vec<Crosswalk>,
    pub documents: Vec<ResolvedDocument>,
    pub evidence: Vec<ResolvedEvidence>,
    /// relations[fw][ctl]: every crosswalk edge touching that control.
    pub relations: Vec<Vec<Vec<Relation>>>,
    /// Group rows of every crosswalk (a few at most).
    pub element_groups: Vec<ElementGroup>,
    /// Old-edition catalogs and their id migrations, kept for hints.
    pub superseded: Vec<Catalog>,
    pub migrations: Migrations,
    /// The framework every other is mapped to (ISO 27001), when loaded.
    pub hub: Option<usize>,
    /// Whether the site keeps an evidence ledger, and the key its signatures verify with.
    pub ledger_exists: bool,
    pub public_key: Option<crate::load::PublicKey>,
    /// The SoA and ISMS records at or below the profile.
    pub records: crate::model::records::Records,
}

pub const HUB: &str = "iso27001";

impl Model {
    /// The title of the source a crosswalk row names (or the file's first source).
    pub fn row_source(&self, crosswalk: usize, mapping: usize) -> Option<String> {
        let x = &self.crosswalks[crosswalk];
        let m = &x.mappings[mapping];
        let sid = m
            .source
            .clone()
            .or_else(|| x.sources.first().map(|s| s.id.clone()));
        sid.and_then(|id| x.sources.iter().find(|s| s.id == id))
            .map(|s| s.title.clone())
    }

    pub fn framework(&self, slug: &str) -> Option<usize> {
        self.frameworks.iter().position(|f| f.slug() == slug)
    }

    pub fn relations_of(&self, k: ControlKey) -> &[Relation] {
        &self.relations[k.fw][k.ctl]
    }

    pub fn control_name(&self, k: ControlKey) -> String {
        format!(
            "{}:{}",
            self.frameworks[k.fw].slug(),
            self.frameworks[k.fw].catalog.controls[k.ctl].id
        )
    }

    /// Looks up `framework:id`, or explains why it does not exist (message, hint).
    pub fn lookup(&self, r: &ControlRef) -> Result<ControlKey, (String, Option<String>)> {
        lookup(&self.frameworks, &self.superseded, &self.migrations, r)
    }
}

/// Old-edition id -> new-edition ids, from crosswalks whose `from` is a superseded catalog.
#[derive(Debug, Default, Clone)]
pub struct Migrations {
    map: HashMap<(String, String), Vec<(String, Relationship)>>,
}

impl Migrations {
    fn new(superseded: &[Catalog], crosswalks: &[Crosswalk]) -> Migrations {
        let mut map: HashMap<(String, String), Vec<(String, Relationship)>> = HashMap::new();
        for x in crosswalks {
            let Some(old) = superseded.iter().find(|c| c.slug == x.from) else {
                continue;
            };
            if old.superseded_by.as_deref() != Some(x.to.as_str()) {
                continue;
            }
            for m in &x.mappings {
                map.entry((old.slug.clone(), m.from.clone()))
                    .or_default()
                    .push((m.to.clone(), m.relationship));
            }
        }
        Migrations { map }
    }

    pub fn get(&self, old_slug: &str, id: &str) -> Option<&[(String, Relationship)]> {
        self.map
            .get(&(old_slug.to_string(), id.to_string()))
            .map(|v| v.as_slice())
    }
}

fn lookup(
    frameworks: &[Framework],
    superseded: &[Catalog],
    migrations: &Migrations,
    r: &ControlRef,
) -> Result<ControlKey, (String, Option<String>)> {
    let Some(fw) = frameworks.iter().position(|f| f.slug() == r.framework) else {
        if let Some(old) = superseded.iter().find(|c| c.slug == r.framework) {
            let new = old.superseded_by.clone().unwrap_or_default();
            let hint = migration_hint(old, migrations, &r.id)
                .unwrap_or_else(|| format!("cite {new} controls instead"));
            return Err((
                format!(
                    "{r} cites a superseded edition ({} {})",
                    old.title, old.edition
                ),
                Some(hint),
            ));
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
        return Err((format!("unknown framework `{}` in {r}", r.framework), hint));
    };
    let f = &frameworks[fw];
    if let Some(ctl) = f.control(&r.id) {
        return Ok(ControlKey { fw, ctl });
    }
    let message = format!("unknown control {r}");
    // An id from an older edition of this framework: name the exact successor.
    for old in superseded
        .iter()
        .filter(|c| c.superseded_by.as_deref() == Some(f.slug()))
    {
        if let Some(h) = migration_hint(old, migrations, &r.id) {
            return Err((
                format!("{message} (an id from the {} edition)", old.edition),
                Some(h),
            ));
        }
    }
    // Same id, other case.
    if let Some(c) = f
        .catalog
        .controls
        .iter()
        .find(|c| c.id.eq_ignore_ascii_case(&r.id))
    {
        return Err((
            message,
            Some(format!("did you mean {}:{}?", f.slug(), c.id)),
        ));
    }
    // An id of another framework.
    let elsewhere: Vec<String> = frameworks
        .iter()
        .filter(|o| o.control(&r.id).is_some())
        .map(|o| format!("{}:{}", o.slug(), r.id))
        .collect();
    if !elsewhere.is_empty() {
        return Err((
            message,
            Some(format!(
                "{} is not a {} id; did you mean {}?",
                r.id,
                f.slug(),
                elsewhere.join(" or ")
            )),
        ));
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
    Err((message, hint))
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

/// Each item's resolved control references, with the problems found in them.
type Refs = Vec<(Vec<ControlKey>, Vec<Diagnostic>)>;

/// Checks everything that spans files and builds the model for `profile`.
pub fn resolve(
    loaded: Loaded,
    config: Config,
    today: Date,
    profile: Classification,
) -> (Model, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let Loaded {
        documents,
        evidence,
        artifacts,
        catalogs,
        crosswalks,
        ledger,
        ledger_exists,
        public_key,
        mut records,
    } = loaded;
    diags.extend(crate::ledger::verify_chain(
        &ledger,
        &config.ledger,
        public_key.as_ref().map(|k| &k.key),
    ));
    let latest = crate::ledger::latest(&ledger);

    // Catalogs: current frameworks (in-scope first, in config order) and superseded editions.
    let mut current = Vec::new();
    let mut superseded = Vec::new();
    let slugs: HashSet<String> = catalogs.iter().map(|c| c.slug.clone()).collect();
    for c in catalogs {
        check_catalog(&c, &slugs, &mut diags);
        if c.superseded_by.is_some() {
            superseded.push(c);
        } else {
            current.push(c);
        }
    }
    for slug in &config.frameworks {
        if !current.iter().any(|c| &c.slug == slug) {
            let from = config.source.find("frameworks").unwrap_or(0);
            let pos = Pos::find(&config.source, slug, from);
            let hint = nearest(slug, current.iter().map(|c| c.slug.as_str()), 2)
                .map(|s| format!("did you mean {}?", s.join(" or ")))
                .unwrap_or_else(|| {
                    format!(
                        "known frameworks: {}",
                        current
                            .iter()
                            .map(|c| c.slug.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                });
            diags.push(
                Diagnostic::error(
                    crate::model::config::CONFIG_FILE,
                    format!("unknown framework `{slug}` in `frameworks`"),
                )
                .at(pos)
                .with_hint(hint),
            );
        }
    }
    current.sort_by_key(|c| {
        let scope = config
            .frameworks
            .iter()
            .position(|s| s == &c.slug)
            .unwrap_or(usize::MAX);
        (scope, c.slug.clone())
    });
    let frameworks: Vec<Framework> = current
        .into_iter()
        .map(|c| {
            let in_scope = config.frameworks.contains(&c.slug);
            Framework::new(c, in_scope)
        })
        .collect();
    let migrations = Migrations::new(&superseded, &crosswalks);

    // Crosswalks: both ends exist, editions agree, no duplicate pair, sources named.
    let mut relations: Vec<Vec<Vec<Relation>>> = frameworks
        .iter()
        .map(|f| vec![Vec::new(); f.catalog.controls.len()])
        .collect();
    let mut element_groups = Vec::new();
    for (xi, x) in crosswalks.iter().enumerate() {
        check_crosswalk(xi, x, &frameworks, &superseded, &mut relations, &mut diags);
        check_groups(xi, x, &frameworks, &mut element_groups, &mut diags);
    }

    // Documents and evidence: unique ids, every control reference resolves.
    // Ids used more than once (found first, so that positions are worked out only for those),
    // and control references, which resolve in parallel; their diagnostics keep the files'
    // order.
    let (repeated, doc_refs): (HashSet<String>, Refs) = rayon::join(
        || {
            let mut uses: HashMap<&str, u32> =
                HashMap::with_capacity(documents.len() + evidence.len());
            let ids = documents
                .iter()
                .map(|d| d.meta.id.as_str())
                .chain(evidence.iter().map(|e| e.meta.id.as_str()));
            for id in ids {
                *uses.entry(id).or_default() += 1;
            }
            uses.into_iter()
                .filter(|(_, n)| *n > 1)
                .map(|(id, _)| id.to_string())
                .collect()
        },
        || {
            documents
                .par_iter()
                .with_min_len(256)
                .map(|doc| {
                    let mut ds = Vec::new();
                    let controls = resolve_refs(
                        &doc.meta.controls,
                        &frameworks,
                        &superseded,
                        &migrations,
                        &doc.path,
                        |raw| doc_pos(doc, raw),
                        &mut ds,
                    );
                    (controls, ds)
                })
                .collect()
        },
    );
    let mut seen: HashMap<String, (PathBuf, Option<Pos>)> = HashMap::new();
    let mut resolved_docs = Vec::new();
    for (doc, (controls, ds)) in documents.into_iter().zip(doc_refs) {
        if repeated.contains(&doc.meta.id) {
            let pos =
                doc_pos(&doc, &format!("id: {}", doc.meta.id)).or_else(|| doc_pos(&doc, "id:"));
            note_duplicate(&doc.meta.id, &doc.path, pos, &mut seen, &mut diags);
        }
        diags.extend(ds);
        resolved_docs.push(ResolvedDocument { doc, controls });
    }
    check_published_names(&evidence, &artifacts, &mut diags);
    let mut resolved_ev = Vec::new();
    let ev_refs: Refs = evidence
        .par_iter()
        .with_min_len(256)
        .map(|ev| {
            let mut ds = Vec::new();
            let from = ev.start.map_or(0, |(_, at)| at);
            let controls = resolve_refs(
                &ev.meta.controls,
                &frameworks,
                &superseded,
                &migrations,
                &ev.path,
                |raw| Pos::find_token(&ev.source, raw, from),
                &mut ds,
            );
            (controls, ds)
        })
        .collect();
    let latest: HashMap<&str, &crate::ledger::Line> = latest
        .into_iter()
        .map(|l| (l.entry.id.as_str(), l))
        .collect();
    for (order, ((ev, artifact), (controls, ds))) in
        evidence.into_iter().zip(artifacts).zip(ev_refs).enumerate()
    {
        if repeated.contains(&ev.meta.id) {
            let start = ev.start.map(|(p, _)| p);
            note_duplicate(&ev.meta.id, &ev.path, start, &mut seen, &mut diags);
        }
        diags.extend(ds);
        let seal = match (&artifact, latest.get(ev.meta.id.as_str())) {
            (None, _) => SealState::External,
            (Some(_), None) => SealState::Unsealed,
            (Some(a), Some(l)) => {
                let (seq, sealed_at) = (l.entry.seq, l.entry.sealed_at.clone());
                if l.entry.sha256 == a.sha256 && l.entry.size == a.size {
                    SealState::Sealed { seq, sealed_at }
                } else {
                    SealState::Changed { seq, sealed_at }
                }
            }
        };
        resolved_ev.push(ResolvedEvidence {
            ev,
            artifact,
            controls,
            seal,
            order,
        });
    }

    check_record_refs(&records, &frameworks, &superseded, &migrations, &mut diags);

    // The profile: what is above it is dropped here, before any page, count or index sees it.
    records.retain_up_to(profile);
    resolved_docs.retain(|d| d.doc.meta.classification <= profile);
    resolved_ev.retain(|e| e.ev.meta.classification <= profile);
    resolved_ev.sort_by(|a, b| a.ev.meta.id.cmp(&b.ev.meta.id));

    for a in &config.audits {
        if !frameworks.iter().any(|f| f.slug() == a.framework) {
            let from = config.source.find(&a.id).unwrap_or(0);
            diags.push(
                Diagnostic::error(
                    crate::model::config::CONFIG_FILE,
                    format!("audit `{}` names unknown framework `{}`", a.id, a.framework),
                )
                .at(Pos::find(&config.source, &a.framework, from)),
            );
        }
    }
    let hub = frameworks.iter().position(|f| f.slug() == HUB);
    let model = Model {
        config,
        today,
        profile,
        frameworks,
        crosswalks,
        documents: resolved_docs,
        evidence: resolved_ev,
        relations,
        element_groups,
        superseded,
        migrations,
        hub,
        ledger_exists,
        public_key,
        records,
    };
    (model, diags)
}

/// Two evidence files may not share a page (`a.yaml` and `a.yml`), nor two artifacts one published
/// name (`EV-A` with `B-x.csv` and `EV-A-B` with `x.csv`). Checked before the profile drops
/// anything, so every profile builds or none does.
fn check_published_names(
    evidence: &[std::sync::Arc<Evidence>],
    artifacts: &[Option<std::sync::Arc<Artifact>>],
    diags: &mut Vec<Diagnostic>,
) {
    let mut pages: HashMap<String, &Path> = HashMap::new();
    let mut files: HashMap<&str, &str> = HashMap::with_capacity(evidence.len());
    let names = artifacts
        .iter()
        .map(|a| a.as_ref().map(|a| a.published_name()));
    // A file's records come together: its page is checked once.
    let mut last: Option<&Path> = None;
    for ((ev, artifact), name) in evidence.iter().zip(artifacts).zip(names) {
        // Compared as bytes: `Path`'s own equality walks components, which 30,000 records feel.
        let same_file = last.is_some_and(|l| l.as_os_str() == ev.path.as_os_str());
        last = Some(&ev.path);
        let stem = if same_file {
            String::new()
        } else {
            evidence_file_stem(&ev.path)
        };
        match pages.get(&stem).filter(|_| !same_file) {
            Some(first) if *first != ev.path.as_path() => {
                diags.push(
                    Diagnostic::error(
                        &ev.path,
                        format!(
                            "its records would be published on the same page as those of {} (evidence/records/{stem}.html)",
                            crate::base::diagnostic::display_path(first)
                        ),
                    )
                    .with_hint("evidence files need distinct names without their extension: rename one"),
                );
                // One error per file, not per record.
                pages.insert(stem, &ev.path);
            }
            Some(_) => {}
            None if same_file => {}
            None => {
                pages.insert(stem, &ev.path);
            }
        }
        let (Some(_), Some(name)) = (artifact, name) else {
            continue;
        };
        match files.get(name) {
            // The same id twice is already a duplicate id.
            Some(first) if *first != ev.meta.id => diags.push(
                Diagnostic::error(
                    &ev.path,
                    format!(
                        "evidence `{}`: its file would be published as evidence/files/{name}, like the file of `{first}`",
                        ev.meta.id
                    ),
                )
                .at(ev.start.map(|(p, _)| p))
                .with_hint("rename one of the two files, or change one of the ids"),
            ),
            Some(_) => {}
            None => {
                files.insert(name, &ev.meta.id);
            }
        }
    }
}

/// Every control reference in the ISMS records resolves (the SoA's Annex A ids are checked with
/// the SoA rules).
fn check_record_refs(
    records: &crate::model::records::Records,
    frameworks: &[Framework],
    superseded: &[Catalog],
    migrations: &Migrations,
    diags: &mut Vec<Diagnostic>,
) {
    let mut check = |refs: Vec<String>, path: &Path, text: &str| {
        resolve_refs(
            &refs,
            frameworks,
            superseded,
            migrations,
            path,
            |raw| Pos::find_token(text, raw, 0),
            diags,
        );
    };
    for a in &records.audits {
        let mut refs = a.value.scope.clone();
        refs.extend(a.value.findings.iter().filter_map(|f| f.control.clone()));
        refs.sort();
        refs.dedup();
        check(refs, &a.path, &a.text);
    }
    if let Some(r) = &records.risks {
        let mut refs: Vec<String> = r
            .value
            .risks
            .iter()
            .flat_map(|x| x.controls.clone())
            .collect();
        refs.sort();
        refs.dedup();
        check(refs, &r.path, &r.text);
    }
    if let Some(n) = &records.nonconformities {
        let mut refs: Vec<String> = n
            .value
            .nonconformities
            .iter()
            .filter_map(|x| x.control.clone())
            .collect();
        refs.sort();
        refs.dedup();
        check(refs, &n.path, &n.text);
    }
    if let Some(s) = &records.suppliers {
        let mut refs: Vec<String> = s
            .value
            .suppliers
            .iter()
            .flat_map(|x| x.controls.clone())
            .collect();
        refs.sort();
        refs.dedup();
        check(refs, &s.path, &s.text);
    }
}

fn doc_pos(doc: &Document, needle: &str) -> Option<Pos> {
    Pos::find_token(&doc.front_matter, needle, 0).map(|p| Pos {
        line: p.line + doc.front_matter_line - 1,
        column: p.column,
    })
}

fn note_duplicate(
    id: &str,
    path: &Path,
    pos: Option<Pos>,
    seen: &mut HashMap<String, (PathBuf, Option<Pos>)>,
    diags: &mut Vec<Diagnostic>,
) {
    if let Some((first, first_pos)) = seen.get(id) {
        let at = match first_pos {
            Some(p) => format!(
                "{}:{}:{}",
                crate::base::diagnostic::display_path(first),
                p.line,
                p.column
            ),
            None => crate::base::diagnostic::display_path(first),
        };
        diags.push(
            Diagnostic::error(path, format!("duplicate id `{id}`"))
                .at(pos)
                .with_hint(format!(
                    "first used at {at}; ids must be unique across documents and evidence"
                )),
        );
    } else {
        seen.insert(id.to_string(), (path.to_path_buf(), pos));
    }
}

fn resolve_refs(
    raw: &[String],
    frameworks: &[Framework],
    superseded: &[Catalog],
    migrations: &Migrations,
    path: &Path,
    pos_of: impl Fn(&str) -> Option<Pos>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<ControlKey> {
    let mut out = Vec::new();
    for s in raw {
        // The common case, without allocating: a current framework's control.
        let found = ControlRef::split(s).and_then(|(fw, id)| {
            let fw = frameworks.iter().position(|f| f.slug() == fw)?;
            Some(ControlKey {
                fw,
                ctl: frameworks[fw].control(id)?,
            })
        });
        if let Some(k) = found
            && !out.contains(&k)
        {
            out.push(k);
            continue;
        }
        let r = match ControlRef::parse(s) {
            Ok(r) => r,
            Err(m) => {
                diags.push(Diagnostic::error(path, m).at(pos_of(s)));
                continue;
            }
        };
        match lookup(frameworks, superseded, migrations, &r) {
            Ok(k) => {
                if out.contains(&k) {
                    diags.push(
                        Diagnostic::warning(path, format!("{r} is listed twice")).at(pos_of(s)),
                    );
                } else {
                    out.push(k);
                }
            }
            Err((m, hint)) => {
                let mut d = Diagnostic::error(path, m).at(pos_of(s));
                if let Some(h) = hint {
                    d = d.with_hint(h);
                }
                diags.push(d);
            }
        }
    }
    out
}

fn check_catalog(c: &Catalog, slugs: &HashSet<String>, diags: &mut Vec<Diagnostic>) {
    let text = &c.source_text;
    let err =
        |m: String, needle: &str| Diagnostic::error(&c.path, m).at(Pos::find(text, needle, 0));
    if !c
        .slug
        .chars()
        .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
        || c.slug.is_empty()
    {
        diags.push(err(
            format!(
                "invalid slug `{}`: use lowercase letters, digits and `-`",
                c.slug
            ),
            "slug:",
        ));
    }
    if c.sources.is_empty() {
        diags.push(err(
            "a catalog must name at least one public source under `sources`".into(),
            "sources:",
        ));
    }
    if let Some(s) = &c.superseded_by
        && !slugs.contains(s)
    {
        diags.push(err(
            format!("`superseded_by: {s}` names no loaded catalog"),
            "superseded_by:",
        ));
    }
    let mut groups = HashSet::new();
    for g in &c.groups {
        if !groups.insert(g.id.as_str()) {
            diags.push(err(
                format!("duplicate group `{}`", g.id),
                &format!("id: \"{}\"", g.id),
            ));
        }
    }
    let mut ids = HashSet::new();
    let mut pages: HashMap<String, &str> = HashMap::new();
    for ctl in &c.controls {
        let at = ctl.id.clone();
        if !ids.insert(ctl.id.as_str()) {
            diags.push(err(format!("duplicate control id `{}`", ctl.id), &at));
        }
        if !groups.contains(ctl.group.as_str()) {
            diags.push(err(
                format!(
                    "control `{}` names group `{}`, which is not under `groups`",
                    ctl.id, ctl.group
                ),
                &at,
            ));
        }
        let page = page_name(&ctl.id);
        if let Some(other) = pages.insert(page.clone(), &ctl.id)
            && other != ctl.id
        {
            diags.push(err(
                format!(
                    "controls `{other}` and `{}` would share the page name `{page}`",
                    ctl.id
                ),
                &at,
            ));
        }
        if ctl.title.trim().is_empty() {
            diags.push(err(format!("control `{}` has an empty title", ctl.id), &at));
        }
        check_elements(c, ctl, diags);
    }
    for ctl in &c.controls {
        if let Some(p) = &ctl.parent
            && !ids.contains(p.as_str())
        {
            diags.push(err(
                format!(
                    "control `{}` names parent `{p}`, which is not in this catalog",
                    ctl.id
                ),
                &ctl.id,
            ));
        }
    }
}

fn check_crosswalk(
    xi: usize,
    x: &Crosswalk,
    frameworks: &[Framework],
    superseded: &[Catalog],
    relations: &mut [Vec<Vec<Relation>>],
    diags: &mut Vec<Diagnostic>,
) {
    let text = &x.source_text;
    let err = |m: String, pos: Option<Pos>| Diagnostic::error(&x.path, m).at(pos);
    if x.sources.is_empty() {
        diags.push(err(
            "a crosswalk must name at least one public source under `sources`".into(),
            Pos::find(text, "sources:", 0),
        ));
    }
    let source_ids: HashSet<&str> = x.sources.iter().map(|s| s.id.as_str()).collect();
    let find_catalog = |slug: &str| -> Option<(Option<usize>, &Catalog)> {
        if let Some(i) = frameworks.iter().position(|f| f.slug() == slug) {
            return Some((Some(i), &frameworks[i].catalog));
        }
        superseded
            .iter()
            .find(|c| c.slug == slug)
            .map(|c| (None, c))
    };
    let (Some((from_fw, from_cat)), Some((to_fw, to_cat))) =
        (find_catalog(&x.from), find_catalog(&x.to))
    else {
        for (slug, key) in [(&x.from, "from:"), (&x.to, "to:")] {
            if find_catalog(slug).is_none() {
                diags.push(err(
                    format!("no catalog `{slug}` for this crosswalk"),
                    Pos::find(text, key, 0),
                ));
            }
        }
        return;
    };
    for (cat, edition, key) in [
        (from_cat, &x.from_edition, "from_edition:"),
        (to_cat, &x.to_edition, "to_edition:"),
    ] {
        if &cat.edition != edition {
            diags.push(err(
                format!(
                    "crosswalk is for {} edition {edition}, but the catalog is edition {}",
                    cat.slug, cat.edition
                ),
                Pos::find(text, key, 0),
            ));
        }
    }
    let mut pairs = HashSet::new();
    let mut cursor = text.find("mappings:").unwrap_or(0);
    for (mi, m) in x.mappings.iter().enumerate() {
        // Mappings appear in file order: search forward from the previous one for a position.
        // The position is worked out only for a diagnostic: it counts lines from the start.
        let at = text[cursor..].find(&m.from as &str).map(|i| {
            cursor += i;
            cursor
        });
        let pos = || at.map(|o| Pos::of_offset(text, o));
        let find = |fw: Option<usize>, cat: &Catalog, id: &str| match fw {
            Some(fw) => frameworks[fw].control(id),
            None => cat.controls.iter().position(|c| c.id == id),
        };
        let a = find(from_fw, from_cat, &m.from);
        let b = find(to_fw, to_cat, &m.to);
        if a.is_none() {
            let hint = nearest(&m.from, from_cat.controls.iter().map(|c| c.id.as_str()), 3)
                .map(|s| format!("did you mean {}?", s.join(", ")));
            let mut d = err(
                format!("`{}` is not a control of {}", m.from, x.from),
                pos(),
            );
            if let Some(h) = hint {
                d = d.with_hint(h);
            }
            diags.push(d);
        }
        if b.is_none() {
            let hint = nearest(&m.to, to_cat.controls.iter().map(|c| c.id.as_str()), 3)
                .map(|s| format!("did you mean {}?", s.join(", ")));
            let mut d = err(format!("`{}` is not a control of {}", m.to, x.to), pos());
            if let Some(h) = hint {
                d = d.with_hint(h);
            }
            diags.push(d);
        }
        if !pairs.insert((m.from.as_str(), m.to.as_str())) {
            diags.push(err(format!("duplicate pair {} -> {}", m.from, m.to), pos()));
        }
        if let Some(s) = &m.source
            && !source_ids.contains(s.as_str())
        {
            diags.push(err(
                format!("`source: {s}` is not one of this file's sources"),
                pos(),
            ));
        }
        if let (Some(a), Some(b), Some(fa), Some(fb)) = (a, b, from_fw, to_fw) {
            let ka = ControlKey { fw: fa, ctl: a };
            let kb = ControlKey { fw: fb, ctl: b };
            let (ca, cb) = (
                &frameworks[fa].catalog.controls[a],
                &frameworks[fb].catalog.controls[b],
            );
            let mut problem = |m: String, hint: Option<String>| {
                let mut d = err(m, pos());
                if let Some(h) = hint {
                    d = d.with_hint(h);
                }
                diags.push(d);
            };
            let side = |list: &Option<Vec<String>>,
                        c: &Control,
                        slug: &str,
                        key: &str,
                        default_all: bool,
                        problem: &mut dyn FnMut(String, Option<String>)| {
                met_mask(list.as_deref(), c, default_all).unwrap_or_else(|(m, h)| {
                    problem(
                        format!("`{key}` of {} -> {}: {m}", m_from(x, mi), m_to(x, mi)),
                        h,
                    );
                    let _ = slug;
                    if default_all {
                        all_elements(c.elements.len())
                    } else {
                        0
                    }
                })
            };
            let met_a = side(
                &m.from_met,
                ca,
                &x.from,
                "from_met",
                m.relationship.is_full(),
                &mut problem,
            );
            let met_b = side(
                &m.to_met,
                cb,
                &x.to,
                "to_met",
                m.relationship.inverse().is_full(),
                &mut problem,
            );
            if m.from_met.is_some() || m.to_met.is_some() {
                check_consistency(x, m, ca, cb, met_a, met_b, &mut problem);
            }
            let conf = m.confidence.unwrap_or(Confidence::Unstated);
            relations[fa][a].push(Relation {
                other: kb,
                rel: m.relationship,
                met: met_a,
                other_met: met_b,
                conf,
                crosswalk: xi,
                mapping: mi,
            });
            relations[fb][b].push(Relation {
                other: ka,
                rel: m.relationship.inverse(),
                met: met_b,
                other_met: met_a,
                conf,
                crosswalk: xi,
                mapping: mi,
            });
        }
    }
}

fn m_from(x: &Crosswalk, mi: usize) -> String {
    format!("{}:{}", x.from, x.mappings[mi].from)
}

fn m_to(x: &Crosswalk, mi: usize) -> String {
    format!("{}:{}", x.to, x.mappings[mi].to)
}

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
fn check_consistency(
    x: &Crosswalk,
    m: &crate::model::Mapping,
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
fn check_elements(c: &Catalog, ctl: &Control, diags: &mut Vec<Diagnostic>) {
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
                .at(here),
            );
        }
        if e.label.trim().is_empty() {
            diags.push(
                Diagnostic::error(
                    &c.path,
                    format!("element `{}#{}` has an empty label", ctl.id, e.id),
                )
                .at(here),
            );
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_names() {
        let stem = |p: &str| evidence_file_stem(Path::new(p));
        assert_eq!(
            stem("content/evidence/access-reviews.yaml"),
            "access-reviews"
        );
        assert_eq!(stem("content/evidence/q3.reviews.yml"), "q3.reviews");
        assert_eq!(stem("content/evidence/sub/a.yaml"), "sub/a");
        assert_eq!(stem("elsewhere/b.yaml"), "b");
        assert_eq!(
            crate::model::artifact_name("EV-1", "a b.csv"),
            "EV-1-a b.csv"
        );
    }
}
