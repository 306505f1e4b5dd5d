//! Control references: every `framework:id` a document, an evidence record or an ISMS record
//! cites resolves to a control (or is reported, with a hint), ids are unique across documents
//! and evidence, and the audits in the configuration name loaded frameworks.

use super::lookup::Lookup;
use super::model::{ControlKey, Framework, ResolvedDocument};
use crate::base::diagnostic::{Diagnostic, Pos, display_path};
use crate::base::rules;
use crate::model::config::{CONFIG_FILE, Config};
use crate::model::records::Records;
use crate::model::{ControlRef, Document, Evidence};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Each item's resolved control references, with the problems found in them.
pub type Refs = Vec<(Vec<ControlKey>, Vec<Diagnostic>)>;

/// Resolves each document's control references and, at the same time, finds the ids used more
/// than once across documents and evidence (found first, so that positions are worked out only
/// for those). References resolve in parallel; their diagnostics keep the files' order.
pub fn resolve_documents(
    documents: Vec<Arc<Document>>,
    evidence: &[Arc<Evidence>],
    lookup: Lookup,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<ResolvedDocument>, Duplicates) {
    let (repeated, doc_refs): (HashSet<String>, Refs) = rayon::join(
        || Duplicates::repeated(&documents, evidence),
        || {
            documents
                .par_iter()
                .with_min_len(256)
                .map(|doc| {
                    let mut ds = Vec::new();
                    let controls = resolve_refs(
                        &doc.meta.controls,
                        lookup,
                        &doc.path,
                        |raw| doc_pos(doc, raw),
                        &mut ds,
                    );
                    (controls, ds)
                })
                .collect()
        },
    );
    let mut duplicates = Duplicates {
        repeated,
        seen: HashMap::new(),
    };
    let mut resolved = Vec::new();
    for (doc, (controls, ds)) in documents.into_iter().zip(doc_refs) {
        duplicates.note(
            &doc.meta.id,
            &doc.path,
            || doc_pos(&doc, &format!("id: {}", doc.meta.id)).or_else(|| doc_pos(&doc, "id:")),
            diags,
        );
        diags.extend(ds);
        resolved.push(ResolvedDocument { doc, controls });
    }
    (resolved, duplicates)
}

/// The ids used more than once across documents and evidence, and where each was first used:
/// every later use is an error that points at the first.
pub struct Duplicates {
    repeated: HashSet<String>,
    seen: HashMap<String, (PathBuf, Option<Pos>)>,
}

impl Duplicates {
    fn repeated(documents: &[Arc<Document>], evidence: &[Arc<Evidence>]) -> HashSet<String> {
        let mut uses: HashMap<&str, u32> = HashMap::with_capacity(documents.len() + evidence.len());
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
    }

    /// Notes a use of `id` at `path`; `pos` is worked out only for an id used more than once.
    pub fn note(
        &mut self,
        id: &str,
        path: &Path,
        pos: impl FnOnce() -> Option<Pos>,
        diags: &mut Vec<Diagnostic>,
    ) {
        if !self.repeated.contains(id) {
            return;
        }
        let pos = pos();
        if let Some((first, first_pos)) = self.seen.get(id) {
            let at = match first_pos {
                Some(p) => format!("{}:{}:{}", display_path(first), p.line, p.column),
                None => display_path(first),
            };
            diags.push(
                Diagnostic::error(path, format!("duplicate id `{id}`"))
                    .with_rule(rules::DUPLICATE_ID)
                    .at(pos)
                    .with_hint(format!(
                        "first used at {at}; ids must be unique across documents and evidence"
                    )),
            );
        } else {
            self.seen.insert(id.to_string(), (path.to_path_buf(), pos));
        }
    }
}

/// Every control reference in the ISMS records resolves (the SoA's Annex A ids are checked with
/// the SoA rules).
pub fn check_record_refs(records: &Records, lookup: Lookup, diags: &mut Vec<Diagnostic>) {
    let mut check = |refs: Vec<String>, path: &Path, text: &str| {
        resolve_refs(
            &refs,
            lookup,
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

/// Every audit in the configuration names a loaded framework.
pub fn check_audits(config: &Config, frameworks: &[Framework], diags: &mut Vec<Diagnostic>) {
    for a in &config.audits {
        if !frameworks.iter().any(|f| f.slug() == a.framework) {
            let from = config.source.find(&a.id).unwrap_or(0);
            diags.push(
                Diagnostic::error(
                    CONFIG_FILE,
                    format!("audit `{}` names unknown framework `{}`", a.id, a.framework),
                )
                .with_rule(rules::UNKNOWN_FRAMEWORK)
                .at(Pos::find(&config.source, &a.framework, from)),
            );
        }
    }
}

/// Where `needle` is in a document's front matter, as a position in the whole file.
fn doc_pos(doc: &Document, needle: &str) -> Option<Pos> {
    Pos::find_token(&doc.front_matter, needle, 0).map(|p| Pos {
        line: p.line + doc.front_matter_line - 1,
        column: p.column,
    })
}

/// The controls a list of references names, each once; a reference that names none, or one
/// listed twice, is reported at `pos_of(reference)`.
pub fn resolve_refs(
    raw: &[String],
    lookup: Lookup,
    path: &Path,
    pos_of: impl Fn(&str) -> Option<Pos>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<ControlKey> {
    let frameworks = lookup.frameworks;
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
            Err(e) => {
                diags.push(
                    Diagnostic::error(path, e.to_string())
                        .with_rule(rules::INVALID_REFERENCE)
                        .at(pos_of(s)),
                );
                continue;
            }
        };
        match lookup.control(&r) {
            Ok(k) => {
                if out.contains(&k) {
                    diags.push(
                        Diagnostic::warning(path, format!("{r} is listed twice"))
                            .with_rule(rules::DUPLICATE_REFERENCE)
                            .at(pos_of(s)),
                    );
                } else {
                    out.push(k);
                }
            }
            Err((m, hint)) => {
                let mut d = Diagnostic::error(path, m)
                    .with_rule(rules::UNKNOWN_CONTROL)
                    .at(pos_of(s));
                if let Some(h) = hint {
                    d = d.with_hint(h);
                }
                diags.push(d);
            }
        }
    }
    out
}
