//! `crosswalk import comply`: a strongdm/comply project read into new documents. Its policies
//! and narratives (Markdown below a YAML header that ends at a `---` line: `name`, `acronym`,
//! `satisfies: {TSC: [...]}`, `majorRevisions`) become policies, its procedures (`id`, `name`,
//! `cron`) become procedures, and each TSC id becomes a `soc2:` reference if crosswalk's SOC 2
//! catalog has it; every other id is reported with its file and line. `comply.yml`'s `name`
//! becomes the organisation.

use super::source::{NewDoc, Source};
use super::text::{first_heading, is_valid_id, read_source, slug, title_from_file_name};
use crate::base::diagnostic::{Diagnostic, Diagnostics, Pos};
use crate::model::{Catalog, Date, DocKind, IdString, OneOrMany};
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A comply document's YAML header (policies, narratives and procedures share it).
#[derive(Debug, Default, Deserialize)]
struct Header {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    acronym: Option<String>,
    #[serde(default)]
    id: Option<IdString>,
    #[serde(default)]
    cron: Option<String>,
    #[serde(default)]
    satisfies: Option<BTreeMap<String, Option<OneOrMany>>>,
    #[serde(default, rename = "majorRevisions")]
    revisions: Option<Vec<Revision>>,
    #[serde(flatten)]
    other: BTreeMap<String, IgnoredAny>,
}

#[derive(Debug, Deserialize)]
struct Revision {
    #[serde(default)]
    date: Option<IdString>,
    #[serde(default)]
    comment: Option<IdString>,
}

/// `comply.yml`: only the project's name is used.
#[derive(Debug, Deserialize)]
struct Project {
    #[serde(default)]
    name: Option<String>,
    #[serde(flatten)]
    _other: BTreeMap<String, IgnoredAny>,
}

/// A `standards/*.yml` file: its name and control ids.
#[derive(Debug, Deserialize)]
struct Standard {
    #[serde(default)]
    name: Option<String>,
    #[serde(flatten)]
    controls: BTreeMap<String, IgnoredAny>,
}

/// The folders comply reads documents from, the kind each becomes, and the folder under the
/// kind's folder they go to.
const FOLDERS: [(&str, DocKind, &str); 3] = [
    ("policies", DocKind::Policies, ""),
    ("narratives", DocKind::Policies, "narratives"),
    ("procedures", DocKind::Procedures, ""),
];

/// Reads the comply project at `src`. Every file is read before any error is returned, so one
/// run reports every broken header.
pub fn read(src: &Path) -> Result<Source, Diagnostics> {
    if !src.exists() {
        return Err(Diagnostic::error(src, "source folder not found")
            .with_rule(crate::base::rules::IMPORT_SOURCE)
            .into());
    }
    if !src.is_dir() {
        return Err(
            Diagnostic::error(src, "not a folder: give the comply project's folder")
                .with_rule(crate::base::rules::IMPORT_SOURCE)
                .into(),
        );
    }
    let has_config = src.join("comply.yml").is_file();
    let has_folder = FOLDERS
        .iter()
        .map(|f| f.0)
        .chain(["standards"])
        .any(|f| src.join(f).is_dir());
    if !has_config && !has_folder {
        return Err(Diagnostic::error(
            src,
            "not a comply project: no comply.yml and none of policies/, narratives/, procedures/ or standards/",
        )
.with_rule(crate::base::rules::IMPORT_SOURCE)
        .with_hint("give the folder that holds comply.yml (`comply init` makes one)")
        .into());
    }
    let mut errors = Vec::new();
    let mut source = Source {
        importer: "comply",
        root: src.to_path_buf(),
        ..Source::default()
    };
    match read_project(src, has_config) {
        Ok((name, warning)) => {
            source.organisation = name;
            source.warnings.extend(warning);
        }
        Err(e) => errors.push(e),
    }
    let standards = read_standards(src, &mut source);
    let catalog = soc2_catalog()?;
    let mut uses_tsc = standards.iter().any(|(name, _, _)| is_tsc(name));
    for (folder, kind, sub) in FOLDERS {
        for rel in list(src, folder, &mut source) {
            match read_document(src, &rel, kind, sub, &source, &standards, &catalog) {
                Ok((doc, tsc)) => {
                    uses_tsc |= tsc;
                    source.docs.push(doc);
                }
                Err(e) => errors.push(e),
            }
        }
    }
    for (name, why) in [
        (
            "templates/",
            "comply's PDF and web templates: the portal uses crosswalk's theme",
        ),
        ("TODO.md", "comply's project checklist"),
        ("output/", "comply's build output"),
    ] {
        if src.join(name).exists() {
            source.skipped.push((PathBuf::from(name), why.into()));
        }
    }
    if uses_tsc {
        source.frameworks.push("soc2");
    }
    if errors.is_empty() {
        Ok(source)
    } else {
        let mut d = Diagnostics::default();
        d.extend(errors);
        Err(d)
    }
}

/// The project's name from `comply.yml`, or a warning saying why there is none.
fn read_project(
    src: &Path,
    has_config: bool,
) -> Result<(Option<String>, Option<Diagnostic>), Diagnostic> {
    let shown = src.join("comply.yml");
    if !has_config {
        return Ok((
            None,
            Some(
                Diagnostic::warning(
                    &shown,
                    "no comply.yml: the site's organisation is left unset",
                )
                .with_rule(crate::base::rules::IMPORT_GAP),
            ),
        ));
    }
    let (text, _) = read_source(&shown, &shown)?;
    let project: Project = if text.trim().is_empty() {
        Project {
            name: None,
            _other: BTreeMap::new(),
        }
    } else {
        crate::base::yaml::parse(&text, &shown, 1)?
    };
    match project.name.map(|n| n.trim().to_string()) {
        Some(n) if !n.is_empty() => Ok((Some(n), None)),
        _ => Ok((
            None,
            Some(
                Diagnostic::warning(
                    &shown,
                    "comply.yml gives no `name`: the site's organisation is left unset",
                )
                .with_rule(crate::base::rules::IMPORT_GAP),
            ),
        )),
    }
}

/// Every `standards/*.yml` file: (name, path relative to the source, control ids). A file that
/// cannot be read is a warning: standards only name what `satisfies` may cite.
fn read_standards(src: &Path, source: &mut Source) -> Vec<(String, PathBuf, Vec<String>)> {
    let mut out = Vec::new();
    for rel in sorted_files(&src.join("standards"), Path::new("standards")) {
        let ext = rel.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "yml" | "yaml") || is_readme(&rel) {
            continue;
        }
        let shown = src.join(&rel);
        let parsed = read_source(&shown, &shown)
            .and_then(|(text, _)| crate::base::yaml::parse::<Standard>(&text, &shown, 1));
        match parsed {
            Ok(s) => {
                let name = s.name.unwrap_or_default();
                let why = if is_tsc(&name) {
                    "comply's copy of the Trust Services Criteria: the portal uses crosswalk's SOC 2 catalog".to_string()
                } else {
                    format!(
                        "standard `{name}`: crosswalk has no catalog for it (docs/mapping-format.md says how to add one)"
                    )
                };
                source.skipped.push((rel.clone(), why));
                out.push((name, rel, s.controls.into_keys().collect()));
            }
            Err(e) => source.warnings.push(Diagnostic {
                severity: crate::base::diagnostic::Severity::Warning,
                message: format!("standard not read: {}", e.message),
                ..e
            }),
        }
    }
    out
}

/// The Markdown files of one comply folder (relative to the source), as comply reads them: the
/// folder itself, not its subfolders, and no README. What is left out is noted.
fn list(src: &Path, folder: &str, source: &mut Source) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let dir = src.join(folder);
    for rel in sorted_entries(&dir, Path::new(folder)) {
        let full = src.join(&rel);
        let is_md = rel.extension().and_then(|e| e.to_str()) == Some("md");
        if full.is_dir() {
            let mut shown = rel.into_os_string();
            shown.push("/");
            source
                .skipped
                .push((shown.into(), "a subfolder: comply reads none".into()));
        } else if is_readme(&rel) {
            continue;
        } else if is_md {
            out.push(rel);
        } else {
            source
                .skipped
                .push((rel, "not a Markdown (.md) file".into()));
        }
    }
    out
}

fn is_readme(rel: &Path) -> bool {
    rel.file_name()
        .is_some_and(|n| n.to_string_lossy().to_uppercase().starts_with("README"))
}

/// The entries of `dir` (not hidden), as paths under `shown`, sorted by name.
fn sorted_entries(dir: &Path, shown: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names.into_iter().map(|n| shown.join(n)).collect()
}

fn sorted_files(dir: &Path, shown: &Path) -> Vec<PathBuf> {
    sorted_entries(dir, shown)
        .into_iter()
        .filter(|rel| dir.join(rel.file_name().unwrap_or_default()).is_file())
        .collect()
}

/// A comply header split from its body: the YAML before the first `---` line (after an
/// optional opening one), the 1-based line it starts on, and the body after it.
fn split_header(text: &str) -> Option<(&str, usize, &str)> {
    let mut offset = 0;
    let mut first_line = 1;
    let mut lines = text.split_inclusive('\n').peekable();
    if lines.peek().is_some_and(|l| l.trim_end() == "---") {
        offset = lines.next().map_or(0, str::len);
        first_line = 2;
    }
    let start = offset;
    for line in lines {
        if line.trim_end() == "---" {
            return Some((
                &text[start..offset],
                first_line,
                &text[offset + line.len()..],
            ));
        }
        offset += line.len();
    }
    None
}

/// Reads one comply document into a new one. Also says whether it cites TSC ids.
fn read_document(
    src: &Path,
    rel: &Path,
    kind: DocKind,
    sub: &str,
    source: &Source,
    standards: &[(String, PathBuf, Vec<String>)],
    catalog: &Catalog,
) -> Result<(NewDoc, bool), Diagnostic> {
    let shown = src.join(rel);
    let (text, bad_bytes) = read_source(&shown, &shown)?;
    let Some((yaml, first_line, body)) = split_header(&text) else {
        return Err(Diagnostic::error(
            &shown,
            "no `---` line ends the header: a comply document is YAML, a `---` line, then Markdown",
        )
        .with_rule(crate::base::rules::IMPORT_SOURCE)
        .at(Some(Pos { line: 1, column: 1 })));
    };
    let header: Header = if yaml.trim().is_empty() {
        Header::default()
    } else {
        crate::base::yaml::parse(yaml, &shown, first_line)?
    };
    let at = |needle: &str| find_at(yaml, first_line, needle, 0);
    let mut warnings: Vec<Diagnostic> = bad_bytes.into_iter().collect();
    if let Some(first) = header.other.keys().next() {
        let keys: Vec<String> = header.other.keys().map(|k| format!("`{k}`")).collect();
        let message = format!(
            "not imported (crosswalk has no field for it): {}",
            keys.join(", ")
        );
        warnings.push(
            Diagnostic::warning(&shown, message)
                .with_rule(crate::base::rules::IMPORT_GAP)
                .at(at(&format!("{first}:"))),
        );
    }
    let stem = slug(&rel.file_stem().unwrap_or_default().to_string_lossy());
    let (body, named) = match &source.organisation {
        Some(org) => substitute_name(body, org),
        None => (body.to_string(), 0),
    };
    let title = title_of(&header, &body, rel, &shown, &mut warnings);
    let id = id_of(&header, kind, &stem, &shown, at, &mut warnings);
    let (controls, tsc) = map_satisfies(
        &header,
        yaml,
        first_line,
        &shown,
        standards,
        catalog,
        &mut warnings,
    );
    let (version, approved, history) = revisions(&header, yaml, first_line, &shown, &mut warnings);
    let mut history = history;
    if named > 0 {
        history.push(format!(
            "comply's Name placeholder replaced by the organisation's name ({}), as comply does",
            super::text::count(named, "time")
        ));
    }
    let folder = Path::new("content").join(kind.folder()).join(sub);
    Ok((
        NewDoc {
            kind,
            rel: folder.join(format!("{stem}.md")),
            source: rel.to_path_buf(),
            alt_id: if id == stem {
                format!("{}-{stem}", if sub.is_empty() { kind.folder() } else { sub })
            } else {
                stem.clone()
            },
            id,
            title,
            owner: None,
            classification: None,
            version,
            approved,
            summary: header.cron.as_ref().map(|c| {
                format!("Recurring: comply opened a ticket for it on the schedule `{}` (cron, with seconds).", c.trim())
            }),
            controls,
            history,
            body,
            warnings,
        },
        tsc,
    ))
}

/// The title: comply's `name`, else the body's first heading, else the file name (a warning).
fn title_of(
    header: &Header,
    body: &str,
    rel: &Path,
    shown: &Path,
    warnings: &mut Vec<Diagnostic>,
) -> String {
    let name = header
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if let Some(n) = name {
        return n.to_string();
    }
    if let Some((h, _)) = first_heading(body) {
        return h;
    }
    warnings.push(
        Diagnostic::warning(
            shown,
            "no `name` and no heading: title made from the file name",
        )
        .with_rule(crate::base::rules::IMPORT_GAP)
        .at(Some(Pos { line: 1, column: 1 })),
    );
    title_from_file_name(rel)
}

/// The id: a policy's or narrative's `acronym`, a procedure's `id` (made valid if it is not,
/// with a warning), else the file name's slug `stem`.
fn id_of(
    header: &Header,
    kind: DocKind,
    stem: &str,
    shown: &Path,
    at: impl Fn(&str) -> Option<Pos>,
    warnings: &mut Vec<Diagnostic>,
) -> String {
    let own = match kind {
        DocKind::Procedures => header.id.as_ref().map(|i| i.0.trim().to_string()),
        _ => header.acronym.as_ref().map(|a| a.trim().to_string()),
    };
    match own.filter(|i| !i.is_empty()) {
        Some(i) if is_valid_id(&i) => i,
        Some(i) => {
            let s = slug(&i);
            warnings.push(
                Diagnostic::warning(
                    shown,
                    format!("`{i}` is not a valid crosswalk id (letters, digits, `-`, `_`, `.`): imported as `{s}`"),
                )
.with_rule(crate::base::rules::IMPORT_GAP)
                .at(at(&i)),
            );
            s
        }
        None => stem.to_string(),
    }
}

/// Where `needle` first stands at or after byte `from` of the header, as a position in the file.
fn find_at(yaml: &str, first_line: usize, needle: &str, from: usize) -> Option<Pos> {
    Pos::find(yaml, needle, from).map(|p| Pos {
        line: p.line + first_line - 1,
        column: p.column,
    })
}

/// Whether a standard's name (or a `satisfies` key) means the AICPA Trust Services Criteria.
fn is_tsc(name: &str) -> bool {
    let n: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_uppercase();
    matches!(
        n.as_str(),
        "TSC" | "TSC2017" | "SOC2" | "AICPATSC" | "TRUSTSERVICESCRITERIA"
    )
}

/// A TSC id as the catalog writes it: no spaces, upper case, no leading zeros (`cc 06.1` is
/// `CC6.1`). Anything else is left as written.
fn normalise_tsc(raw: &str) -> String {
    let compact: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let letters = compact.len()
        - compact
            .trim_start_matches(|c: char| c.is_ascii_alphabetic())
            .len();
    let (prefix, numbers) = compact.split_at(letters);
    let parts: Vec<&str> = numbers.split('.').collect();
    if prefix.is_empty()
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return compact;
    }
    let parts: Vec<&str> = parts
        .iter()
        .map(|p| match p.trim_start_matches('0') {
            "" => "0",
            t => t,
        })
        .collect();
    format!("{prefix}{}", parts.join("."))
}

/// The `soc2:` references of a header's TSC ids, each checked against the catalog; every id
/// that names no criterion, and every other standard's ids, are warnings and left out.
fn map_satisfies(
    header: &Header,
    yaml: &str,
    first_line: usize,
    shown: &Path,
    standards: &[(String, PathBuf, Vec<String>)],
    catalog: &Catalog,
    warnings: &mut Vec<Diagnostic>,
) -> (Vec<String>, bool) {
    let mut controls: Vec<String> = Vec::new();
    let mut tsc = false;
    let Some(satisfies) = &header.satisfies else {
        return (controls, false);
    };
    let base = yaml.find("satisfies:").unwrap_or(0);
    for (key, ids) in satisfies {
        let key_at = yaml[base..]
            .find(&format!("{key}:"))
            .map_or(base, |i| base + i);
        let ids: Vec<&str> = ids.as_ref().map(|i| i.ids()).unwrap_or_default();
        let standard = standards.iter().find(|s| s.0 == *key);
        if !is_tsc(key) {
            let why = match standard {
                Some((_, path, _)) => format!(
                    "defined in {}, but the importer maps only TSC ids",
                    path.display()
                ),
                None => "not one the importer maps (it maps TSC ids)".to_string(),
            };
            let mut d = Diagnostic::warning(
                shown,
                format!(
                    "standard `{key}` is {why}: its ids ({}) were left out of `controls`",
                    ids.join(", ")
                ),
            )
            .with_rule(crate::base::rules::IMPORT_GAP)
            .at(find_at(yaml, first_line, &format!("{key}:"), key_at));
            if let Some(slug) = builtin_slug(key) {
                d = d.with_hint(format!(
                    "crosswalk has `{slug}`: check each id against its edition, then add the references to `controls` by hand"
                ));
            }
            warnings.push(d);
            continue;
        }
        tsc = true;
        let mut cursor = key_at;
        for raw in ids {
            let pos = token_at(yaml, raw, cursor);
            if let Some(i) = pos {
                cursor = i + raw.len();
            }
            let pos = pos.map(|i| {
                let p = Pos::of_offset(yaml, i);
                Pos {
                    line: p.line + first_line - 1,
                    column: p.column,
                }
            });
            let id = normalise_tsc(raw);
            if catalog.controls.iter().any(|c| c.id == id) {
                let r = format!("soc2:{id}");
                if !controls.contains(&r) {
                    controls.push(r);
                }
                continue;
            }
            let mut d = Diagnostic::warning(
                shown,
                format!("TSC `{raw}` is not a SOC 2 criterion in crosswalk's catalog: left out of `controls`"),
            )
.with_rule(crate::base::rules::IMPORT_GAP)
            .at(pos);
            if let Some(h) = unknown_hint(&id, key, standard, catalog) {
                d = d.with_hint(h);
            }
            warnings.push(d);
        }
    }
    (controls, tsc)
}

/// The built-in framework a standard's name spells (`ISO 27001` is `iso27001`), if any.
fn builtin_slug(name: &str) -> Option<String> {
    let wanted: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase();
    crate::base::embedded::mapping_files("frameworks")
        .into_iter()
        .find_map(|(file, _)| {
            let slug = file.strip_suffix(".yaml")?;
            let plain: String = slug.chars().filter(char::is_ascii_alphanumeric).collect();
            (plain == wanted).then(|| slug.to_string())
        })
}

/// Byte offset of `needle` at or after `from` where it stands alone (not inside a longer id).
fn token_at(text: &str, needle: &str, from: usize) -> Option<usize> {
    let mut from = from.min(text.len());
    while let Some(i) = text.get(from..)?.find(needle) {
        let at = from + i;
        let end = at + needle.len();
        let next = text[end..].chars().next();
        let prev = text[..at].chars().next_back();
        let alone = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '.'));
        if alone(next) && alone(prev) {
            return Some(at);
        }
        from = end;
    }
    None
}

/// Why an id names no criterion, and what it may have meant.
fn unknown_hint(
    id: &str,
    key: &str,
    standard: Option<&(String, PathBuf, Vec<String>)>,
    catalog: &Catalog,
) -> Option<String> {
    let parent = id.rsplit_once('.').map(|(p, _)| p).unwrap_or("");
    if id.matches('.').count() == 2 && catalog.controls.iter().any(|c| c.id == parent) {
        return Some(format!(
            "a point of focus of {parent}? crosswalk maps whole criteria: cite soc2:{parent} if the document meets all of it"
        ));
    }
    let mut hint = crate::resolve::nearest(id, catalog.controls.iter().map(|c| c.id.as_str()), 3)
        .map(|n| format!("did you mean {}?", n.join(" or ")));
    if let Some((_, path, ids)) = standard
        && ids.iter().any(|i| normalise_tsc(i) == id)
    {
        let also = format!(
            "{key} in {} lists it, but the 2017 criteria have no such id",
            path.display()
        );
        hint = Some(match hint {
            Some(h) => format!("{h} ({also})"),
            None => also,
        });
    }
    hint
}

/// Version, approval date and history comment lines from `majorRevisions`: the version is how
/// many major revisions there were, the approval date the latest one's.
#[allow(clippy::type_complexity)]
fn revisions(
    header: &Header,
    yaml: &str,
    first_line: usize,
    shown: &Path,
    warnings: &mut Vec<Diagnostic>,
) -> (
    Option<(String, String)>,
    Option<(Date, String)>,
    Vec<String>,
) {
    let revs = header.revisions.as_deref().unwrap_or_default();
    if revs.is_empty() {
        return (None, None, Vec::new());
    }
    let mut history = vec!["comply majorRevisions:".to_string()];
    let mut latest: Option<Date> = None;
    for r in revs {
        let written = r
            .date
            .as_ref()
            .map(|d| d.0.trim().to_string())
            .unwrap_or_default();
        let comment = r
            .comment
            .as_ref()
            .map(|c| c.0.trim().to_string())
            .unwrap_or_default();
        history.push(format!("  {written}: {comment}"));
        match parse_revision_date(&written) {
            Some(d) => latest = latest.max(Some(d)),
            None => warnings.push(
                Diagnostic::warning(
                    shown,
                    format!(
                        "revision date `{written}` is not a date this importer reads: not used"
                    ),
                )
                .with_rule(crate::base::rules::IMPORT_GAP)
                .at(find_at(yaml, first_line, &written, 0))
                .with_hint("write it like `Jun 1 2018` or `2018-06-01`"),
            ),
        }
    }
    let version = Some((
        revs.len().to_string(),
        "the number of comply majorRevisions".to_string(),
    ));
    let approved = latest.map(|d| (d, "the latest comply major revision".to_string()));
    (version, approved, history)
}

/// The date forms comply projects use (`Jun 1 2018`, `June 1, 2018`, `1 Jun 2018`,
/// `2018-06-01`); forms that could be read two ways (`6/1/2018`) are not read.
fn parse_revision_date(s: &str) -> Option<Date> {
    let s = s.replace(',', " ");
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    [
        "%b %d %Y", "%B %d %Y", "%d %b %Y", "%d %B %Y", "%Y-%m-%d", "%Y/%m/%d",
    ]
    .iter()
    .find_map(|f| chrono::NaiveDate::parse_from_str(&s, f).ok())
    .map(Date)
}

/// Replaces comply's `{{.Name}}` (the project's name, which comply fills in when it renders)
/// with `name`; returns how many were replaced.
fn substitute_name(body: &str, name: &str) -> (String, usize) {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    let mut n = 0;
    while let Some(i) = rest.find("{{") {
        let Some(j) = rest[i..].find("}}") else { break };
        let inner = rest[i + 2..i + j].trim();
        out.push_str(&rest[..i]);
        if inner == ".Name" {
            out.push_str(name);
            n += 1;
        } else {
            out.push_str(&rest[i..i + j + 2]);
        }
        rest = &rest[i + j + 2..];
    }
    out.push_str(rest);
    (out, n)
}

/// crosswalk's built-in SOC 2 catalog, the one every TSC id is checked against.
fn soc2_catalog() -> Result<Catalog, Diagnostic> {
    let shown =
        Path::new(crate::base::embedded::BUILTIN_PREFIX).join("mappings/frameworks/soc2.yaml");
    let bytes = crate::base::embedded::mapping_files("frameworks")
        .into_iter()
        .find(|(n, _)| n == "soc2.yaml")
        .map(|(_, b)| b)
        .ok_or_else(|| {
            Diagnostic::error(&shown, "the built-in SOC 2 catalog is missing")
                .with_rule(crate::base::rules::IMPORT_SOURCE)
        })?;
    let text = crate::base::text::decode_utf8(bytes, &shown)?;
    crate::load::parse_catalog(&shown, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_split_at_the_first_dashes_line() {
        assert_eq!(
            split_header("name: A\n---\nbody\n---\nmore"),
            Some(("name: A\n", 1, "body\n---\nmore"))
        );
        assert_eq!(
            split_header("---\nname: A\n---\nbody"),
            Some(("name: A\n", 2, "body"))
        );
        assert_eq!(split_header("# just markdown\n"), None);
    }

    #[test]
    fn tsc_ids_normalise_only_honestly() {
        assert_eq!(normalise_tsc(" cc 6.1 "), "CC6.1");
        assert_eq!(normalise_tsc("CC06.01"), "CC6.1");
        assert_eq!(normalise_tsc("pi1.2"), "PI1.2");
        assert_eq!(normalise_tsc("CC6.1.2"), "CC6.1.2");
        assert_eq!(normalise_tsc("CC6-1"), "CC6-1");
        assert!(is_tsc("TSC") && is_tsc("tsc-2017") && is_tsc("SOC 2") && !is_tsc("ISO27001"));
    }

    #[test]
    fn revision_dates_and_names() {
        let d = |s: &str| parse_revision_date(s).map(|d| d.to_string());
        assert_eq!(d("Jun 1 2018").as_deref(), Some("2018-06-01"));
        assert_eq!(d("June 15, 2019").as_deref(), Some("2019-06-15"));
        assert_eq!(d("2020-02-29").as_deref(), Some("2020-02-29"));
        assert_eq!(d("6/1/2018"), None);
        assert_eq!(
            substitute_name("{{.Name}} and {{ .Name }} but {{.Other}}", "Acme"),
            ("Acme and Acme but {{.Other}}".into(), 2)
        );
    }
}
