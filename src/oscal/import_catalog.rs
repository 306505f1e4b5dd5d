//! An OSCAL catalog as one of our catalogs. Groups nested in groups are flattened (a nested
//! group's title is its parents' and its own, joined by ` / `); sub-controls (enhancements)
//! become controls of their own, after their parent and naming it as `parent`; withdrawn
//! controls are left out and counted. Each top-level statement item becomes a requirement
//! element. Text: titles always; summaries and element labels only from a catalog we exported
//! (our own words) or from one whose metadata says it is in the public domain (then the
//! statement's first sentence); anything else gets labels without the catalog's prose.

use super::ids::{NS, split_statement, untoken};
use super::json::{self, one_line, ours, prose};
use crate::model::{Catalog, Control, Element, Group, MAX_ELEMENTS, Source, SpecType};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// Where summaries and element labels came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    /// A catalog crosswalk exported: its summaries and labels are our own words.
    Ours,
    /// The metadata says the catalog is in the public domain: first sentences of its prose.
    PublicDomain,
    /// Titles only; element labels name the statement item.
    TitlesOnly,
}

/// A catalog made from an OSCAL catalog, and what was left out.
pub struct CatalogImport {
    pub catalog: Catalog,
    pub withdrawn: usize,
    pub text: Text,
    pub notes: Vec<String>,
}

/// A slug made from a title: lowercase letters and digits, other runs as one `-`.
pub fn slugify(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

pub fn valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn says_public_domain(m: &json::Metadata) -> bool {
    let hit = |s: &str| s.to_ascii_lowercase().contains("public domain");
    m.remarks.as_deref().is_some_and(hit) || m.props.iter().any(|p| hit(&p.value))
}

/// The catalog's own sources (ours), or one that names the OSCAL file.
fn sources(doc: &json::Catalog, is_ours: bool, file_name: &str) -> Vec<Source> {
    let resources = doc.back_matter.as_ref().map(|b| b.resources.as_slice());
    let own: Vec<Source> = resources
        .unwrap_or_default()
        .iter()
        .filter(|_| is_ours)
        .filter_map(|r| {
            Some(Source {
                id: ours(&r.props, "source-id")?.to_string(),
                title: r.title.clone().unwrap_or_default(),
                url: r.rlinks.first().map(|l| l.href.clone()),
                note: r.remarks.clone(),
            })
        })
        .collect();
    if !own.is_empty() {
        return own;
    }
    let url = doc
        .metadata
        .links
        .iter()
        .map(|l| l.href.clone())
        .find(|h| h.starts_with("https://") || h.starts_with("http://"));
    vec![Source {
        id: "oscal-catalog".into(),
        title: one_line(&format!(
            "{} (OSCAL catalog, version {})",
            doc.metadata.title, doc.metadata.version
        )),
        url,
        note: Some(format!(
            "Imported from {file_name} by crosswalk oscal import (catalog uuid {}).",
            doc.uuid
        )),
    }]
}

/// The OSCAL catalog `doc` (from the file named `file_name`) as one of ours, with slug `slug`
/// when given. Errors are messages about the file as a whole.
pub fn catalog(
    doc: &json::Catalog,
    file_name: &str,
    slug: Option<&str>,
) -> Result<CatalogImport, String> {
    let m = &doc.metadata;
    let is_ours = json::is_ours(m);
    let slug = match slug.or(ours(&m.props, "slug").filter(|_| is_ours)) {
        Some(s) => s.to_string(),
        None => slugify(&m.title),
    };
    if !valid_slug(&slug) {
        return Err(format!(
            "cannot make a slug from the title `{}`: give one with --slug",
            m.title
        ));
    }
    let text = if is_ours {
        Text::Ours
    } else if says_public_domain(m) {
        Text::PublicDomain
    } else {
        Text::TitlesOnly
    };
    let mut walk = Walk {
        text,
        groups: Vec::new(),
        controls: Vec::new(),
        withdrawn: 0,
        notes: Vec::new(),
        group_ids: HashSet::new(),
    };
    for g in &doc.groups {
        walk.group(g, None);
    }
    if !doc.controls.is_empty() {
        let id = walk.group_id(None);
        walk.groups.push(Group {
            id: id.clone(),
            title: "Controls outside any group".into(),
            counted: true,
        });
        for c in &doc.controls {
            walk.control(c, &id, None, &[]);
        }
    }
    let mut seen = HashSet::new();
    for c in &walk.controls {
        if !seen.insert(c.id.as_str()) {
            return Err(format!("control id `{}` appears twice", c.id));
        }
    }
    let publisher = m
        .responsible_parties
        .iter()
        .find(|r| r.role_id == "publisher")
        .and_then(|r| r.party_uuids.first())
        .and_then(|u| m.parties.iter().find(|p| &p.uuid == u))
        .and_then(|p| p.name.clone());
    let catalog = Catalog {
        slug: slug.clone(),
        title: one_line(&m.title),
        edition: m.version.trim().to_string(),
        publisher,
        counts: if is_ours { prose(&m.remarks) } else { None },
        superseded_by: ours(&m.props, "superseded-by")
            .filter(|_| is_ours)
            .map(str::to_string),
        sources: sources(doc, is_ours, file_name),
        groups: walk.groups,
        controls: walk.controls,
        path: PathBuf::from(format!("mappings/frameworks/{slug}.yaml")),
        source_text: std::sync::Arc::from(""),
    };
    Ok(CatalogImport {
        catalog,
        withdrawn: walk.withdrawn,
        text,
        notes: walk.notes,
    })
}

struct Walk {
    text: Text,
    groups: Vec<Group>,
    controls: Vec<Control>,
    withdrawn: usize,
    notes: Vec<String>,
    group_ids: HashSet<String>,
}

fn is_withdrawn(c: &json::Control) -> bool {
    c.props.iter().any(|p| {
        p.name == "status"
            && p.value == "withdrawn"
            && p.ns
                .as_deref()
                .is_none_or(|ns| ns == "http://csrc.nist.gov/ns/oscal")
    })
}

fn count_controls(c: &json::Control) -> usize {
    1 + c.controls.iter().map(count_controls).sum::<usize>()
}

impl Walk {
    /// A group's id: its own (decoded), or `group-N`; never one already taken.
    fn group_id(&mut self, id: Option<&str>) -> String {
        let mut id = id
            .map(untoken)
            .filter(|i| !i.trim().is_empty())
            .unwrap_or_else(|| format!("group-{}", self.groups.len() + 1));
        let base = id.clone();
        let mut n = 2;
        while self.group_ids.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.group_ids.insert(id.clone());
        id
    }

    /// A group and what it holds. Only a group that holds controls (or nothing else) becomes one
    /// of ours; a group of groups lends its title to theirs.
    fn group(&mut self, g: &json::Group, parent_title: Option<&str>) {
        let title = match parent_title {
            Some(p) => format!("{p} / {}", one_line(&g.title)),
            None => one_line(&g.title),
        };
        if !g.controls.is_empty() || g.groups.is_empty() {
            let id = self.group_id(g.id.as_deref());
            let counted = !(self.text == Text::Ours && ours(&g.props, "counted") == Some("false"));
            self.groups.push(Group {
                id: id.clone(),
                title: title.clone(),
                counted,
            });
            for c in &g.controls {
                self.control(c, &id, None, &[]);
            }
        }
        for sub in &g.groups {
            self.group(sub, Some(&title));
        }
    }

    /// A control, then its sub-controls, each naming it as parent.
    fn control(
        &mut self,
        c: &json::Control,
        group: &str,
        parent: Option<&str>,
        outer: &[json::Param],
    ) {
        if is_withdrawn(c) {
            self.withdrawn += count_controls(c);
            return;
        }
        let id = untoken(&c.id);
        let mut params: Vec<json::Param> = outer.to_vec();
        params.extend(c.params.iter().cloned());
        let statement = c.parts.iter().find(|p| p.name == "statement");
        let is_ours = self.text == Text::Ours;
        let summary = match self.text {
            Text::Ours => c
                .parts
                .iter()
                .find(|p| p.name == "overview" && p.ns.as_deref() == Some(NS))
                .and_then(|p| prose(&p.prose)),
            Text::PublicDomain => statement.and_then(|s| {
                let text = s.prose.as_deref().or_else(|| {
                    s.parts
                        .iter()
                        .find(|p| p.name == "item")
                        .and_then(|p| p.prose.as_deref())
                })?;
                first_sentence(text, &params)
            }),
            Text::TitlesOnly => None,
        };
        let own = |name: &str| ours(&c.props, name).filter(|_| is_ours);
        let spec_type = match own("type") {
            Some("required") => Some(SpecType::Required),
            Some("addressable") => Some(SpecType::Addressable),
            _ => None,
        };
        let parent = match own("parent") {
            Some(p) => Some(p.to_string()),
            None => parent.map(str::to_string),
        };
        let elements = statement
            .map(|s| self.elements(&id, s, &params))
            .unwrap_or_default();
        self.controls.push(Control {
            id: id.clone(),
            title: one_line(&c.title),
            group: group.to_string(),
            summary,
            new: own("new") == Some("true"),
            spec_type,
            parent,
            elements,
        });
        for sub in &c.controls {
            self.control(sub, group, Some(&id), &params);
        }
    }

    /// The statement's top-level items as elements: ids from the part ids (`ac-1_smt.a` -> `a`),
    /// or numbers when those do not make valid, distinct ids.
    fn elements(&mut self, control: &str, s: &json::Part, params: &[json::Param]) -> Vec<Element> {
        let items: Vec<&json::Part> = s.parts.iter().filter(|p| p.name == "item").collect();
        if items.len() > MAX_ELEMENTS {
            self.notes.push(format!(
                "{control}: {} statement items, over the {MAX_ELEMENTS} elements a control may have; imported without elements",
                items.len()
            ));
            return Vec::new();
        }
        let valid = |e: &str| {
            !e.is_empty()
                && e.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ".()[]_-".contains(ch))
        };
        let mut ids: Vec<String> = items
            .iter()
            .filter_map(|p| split_statement(p.id.as_deref()?))
            .filter(|(c, e)| c == control && valid(e))
            .map(|(_, e)| e)
            .collect();
        let distinct: HashSet<&String> = ids.iter().collect();
        if ids.len() != items.len() || distinct.len() != ids.len() {
            ids = (1..=items.len()).map(|i| i.to_string()).collect();
        }
        items
            .iter()
            .zip(ids)
            .map(|(p, id)| {
                let named = || {
                    let label = p
                        .props
                        .iter()
                        .find(|x| x.name == "label" && x.ns.is_none())
                        .map(|x| x.value.trim().to_string())
                        .unwrap_or_else(|| id.clone());
                    format!("Statement item {label}")
                };
                let label = match self.text {
                    Text::Ours => prose(&p.prose),
                    Text::PublicDomain => {
                        p.prose.as_deref().and_then(|t| first_sentence(t, params))
                    }
                    Text::TitlesOnly => None,
                }
                .unwrap_or_else(named);
                let rests_on = ours(&p.props, "rests-on")
                    .filter(|_| self.text == Text::Ours)
                    .map(str::to_string);
                Element {
                    id,
                    label,
                    rests_on,
                }
            })
            .collect()
    }
}

/// Most characters a summary or label taken from a public-domain catalog keeps.
const SENTENCE_CHARS: usize = 300;

/// The first sentence of OSCAL prose, on one line, with parameter inserts written
/// `[Assignment: <label>]` (or `[Selection]` for a parameter without a label).
pub fn first_sentence(prose: &str, params: &[json::Param]) -> Option<String> {
    let labels: HashMap<&str, Option<&str>> = params
        .iter()
        .map(|p| (p.id.as_str(), p.label.as_deref()))
        .collect();
    let mut text = String::new();
    let mut rest = prose;
    while let Some(start) = rest.find("{{") {
        text.push_str(&rest[..start]);
        let Some(end) = rest[start..].find("}}") else {
            rest = &rest[start..];
            break;
        };
        let inner = rest[start + 2..start + end].trim();
        let id = inner.rsplit(',').next().unwrap_or("").trim();
        text.push_str(&match labels.get(id) {
            Some(Some(l)) => format!("[Assignment: {}]", l.trim()),
            Some(None) => "[Selection]".to_string(),
            None => "[Assignment]".to_string(),
        });
        rest = &rest[start + end + 2..];
    }
    text.push_str(rest);
    let text = one_line(&text);
    let end = ['.', '?', '!']
        .iter()
        .filter_map(|p| text.find(&format!("{p} ")).map(|i| i + 1))
        .min()
        .unwrap_or(text.len());
    let sentence = text[..end].trim();
    if sentence.is_empty() {
        return None;
    }
    if sentence.chars().count() <= SENTENCE_CHARS {
        return Some(sentence.to_string());
    }
    let cut: String = sentence.chars().take(SENTENCE_CHARS).collect();
    let cut = cut.rsplit_once(' ').map(|(a, _)| a).unwrap_or(&cut);
    Some(format!("{cut}…"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_sentences() {
        assert_eq!(
            slugify("NIST SP 800-53 Rev. 5 LOW"),
            "nist-sp-800-53-rev-5-low"
        );
        let params = vec![json::Param {
            id: "p1".into(),
            label: Some("frequency".into()),
        }];
        assert_eq!(
            first_sentence(
                "Review the plan {{ insert: param, p1 }}. Then more.",
                &params
            )
            .as_deref(),
            Some("Review the plan [Assignment: frequency].")
        );
        assert_eq!(first_sentence("  ", &params), None);
    }
}
