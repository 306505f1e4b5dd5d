//! Stage 1: find every input file and parse it, in parallel. Nothing here knows about other
//! files: cross-references are the resolve stage's job.

pub mod cache;

use crate::base::diagnostic::{Diagnostic, Pos};
use crate::base::embedded;
use crate::base::hash::{hash_file, hex};
use crate::base::text::decode_utf8;
use crate::load::cache::HashCache;
use crate::model::{Catalog, Crosswalk, DocKind, Document, DocumentMeta, Evidence, EvidenceMeta};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Markdown documents larger than this are refused with a clear message.
pub const MAX_DOCUMENT_BYTES: u64 = 8 * 1024 * 1024;

/// Everything parsed from a site and the built-in mappings.
#[derive(Debug, Default, Clone)]
pub struct Loaded {
    pub documents: Vec<Arc<Document>>,
    pub evidence: Vec<Arc<Evidence>>,
    pub artifacts: Vec<Option<Arc<Artifact>>>,
    pub catalogs: Vec<Catalog>,
    pub crosswalks: Vec<Crosswalk>,
    /// The evidence ledger's lines, if the site has a ledger.
    pub ledger: Vec<crate::ledger::Line>,
    pub ledger_exists: bool,
    /// The ledger's public key, if configured.
    pub public_key: Option<PublicKey>,
    /// The Statement of Applicability and the ISMS records.
    pub records: crate::model::records::Records,
}

#[derive(Debug, Clone)]
pub struct PublicKey {
    pub key: ed25519_dalek::VerifyingKey,
    pub pem: String,
    /// Lowercase hex SHA-256 of the raw 32-byte key, shown so readers can compare keys.
    pub fingerprint: String,
}

/// An evidence record's file, located and hashed.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// Absolute, symlinks resolved; always inside the site.
    pub absolute: PathBuf,
    pub file_name: String,
    pub size: u64,
    pub sha256: String,
    /// Path relative to the site root, as the hash cache keys it.
    pub rel: String,
    pub mtime: String,
    /// Where the output publishes it (`view::artifact_url`), made once with the artifact.
    pub url: String,
    /// A hash of all of the above but `absolute` (`deps`), made on first use.
    pub key: std::sync::OnceLock<u64>,
}

impl Artifact {
    /// The name it is published under in `evidence/files/` (`resolve::artifact_name`).
    pub fn published_name(&self) -> &str {
        self.url
            .strip_prefix(crate::model::ARTIFACT_FOLDER)
            .unwrap_or(&self.url)
    }
}

/// Documents and evidence files parsed by earlier loads in this process: `serve` keeps one
/// between builds, so a rebuild reads and parses only the files that changed. A file is taken
/// from here only when its size, modification and change times and inode are what they were,
/// and only when it was last changed long enough ago (`SETTLED`) that a second write within the
/// same clock tick cannot have gone unseen.
#[derive(Debug)]
pub struct ParseCache {
    docs: Parsed<Arc<Document>>,
    evidence: Parsed<Vec<Arc<Evidence>>>,
    settle: std::time::Duration,
}

impl Default for ParseCache {
    fn default() -> ParseCache {
        ParseCache::settling_after(SETTLED)
    }
}

/// How long after its last change a file's times are trusted to tell its versions apart.
const SETTLED: std::time::Duration = std::time::Duration::from_secs(2);

impl ParseCache {
    fn settling_after(settle: std::time::Duration) -> ParseCache {
        ParseCache {
            docs: Default::default(),
            evidence: Default::default(),
            settle,
        }
    }
}

type HashMap<K, V> = std::collections::HashMap<K, V>;

/// Parsed files by path, with what the file was when parsed.
type Parsed<T> = std::sync::Mutex<HashMap<PathBuf, (FileId, T)>>;

/// What tells a file's versions apart without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileId {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    unix: (u64, u64, i64, i64),
}

impl FileId {
    fn of(meta: &std::fs::Metadata) -> FileId {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        FileId {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            unix: (meta.dev(), meta.ino(), meta.ctime(), meta.ctime_nsec()),
        }
    }

    /// Modified and changed long enough ago that the file system's clock has moved on since: a
    /// later write gets a later change time, which the user cannot set back.
    fn settled(&self, settle: std::time::Duration) -> bool {
        let old = |t: std::time::SystemTime| t.elapsed().is_ok_and(|age| age > settle);
        #[cfg(unix)]
        let changed = {
            let (secs, nanos) = (self.unix.2, self.unix.3);
            u64::try_from(secs).ok().is_some_and(|s| {
                old(std::time::UNIX_EPOCH
                    + std::time::Duration::new(s, u32::try_from(nanos).unwrap_or(0)))
            })
        };
        #[cfg(not(unix))]
        let changed = true;
        changed && self.modified.is_some_and(old)
    }
}

/// Loads every document, evidence record, catalog and crosswalk of the site at `root`.
/// Per-file problems are returned as diagnostics; loading goes on past them. Files unchanged
/// since they went into `parsed` are taken from it.
pub fn load(
    root: &Path,
    config: &crate::model::config::Config,
    cache: Option<&HashCache>,
    parsed: Option<&ParseCache>,
) -> (Loaded, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let canonical_root = match root.canonicalize() {
        Ok(r) => r,
        Err(e) => {
            diags.push(Diagnostic::error(
                root,
                format!("cannot open site folder: {e}"),
            ));
            return (Loaded::default(), diags);
        }
    };

    // The folder walk stays sequential; parsing is parallel.
    let mut doc_files = Vec::new();
    for kind in DocKind::ALL {
        let dir = root.join("content").join(kind.folder());
        for path in walk(&dir, usize::MAX, &["md", "markdown"], &mut diags, root) {
            doc_files.push((kind, path));
        }
    }
    let evidence_dir = root.join("content").join("evidence");
    let evidence_files = walk(&evidence_dir, 1, &["yaml", "yml"], &mut diags, root);

    let paths = RealPaths::new(root, &canonical_root);
    let doc_results: Vec<Result<Arc<Document>, Diagnostic>> = doc_files
        .par_iter()
        .map(|(kind, rel)| {
            paths.read_parsed(rel, parsed.map(|p| (&p.docs, p.settle)), |text| {
                parse_document(*kind, rel, text).map(Arc::new)
            })
        })
        .collect();
    let mut loaded = Loaded::default();
    for r in doc_results {
        match r {
            Ok(d) => loaded.documents.push(d),
            Err(d) => diags.push(d),
        }
    }

    let ev_results: Vec<Result<Vec<Arc<Evidence>>, Diagnostic>> = evidence_files
        .par_iter()
        .map(|rel| {
            paths.read_parsed(rel, parsed.map(|p| (&p.evidence, p.settle)), |text| {
                parse_evidence(rel, text).map(|evs| evs.into_iter().map(Arc::new).collect())
            })
        })
        .collect();
    for r in ev_results {
        match r {
            Ok(evs) => loaded.evidence.extend(evs),
            Err(d) => diags.push(d),
        }
    }

    let art_results: Vec<Result<Option<Artifact>, Diagnostic>> = loaded
        .evidence
        .par_iter()
        .map(|ev| locate_artifact(&paths, ev, cache))
        .collect();
    for r in art_results {
        match r {
            Ok(a) => loaded.artifacts.push(a.map(Arc::new)),
            Err(d) => {
                diags.push(d);
                loaded.artifacts.push(None);
            }
        }
    }

    let (catalogs, mut d) = load_mappings(root, &canonical_root, "frameworks", parse_catalog);
    loaded.catalogs = catalogs;
    diags.append(&mut d);
    let (crosswalks, mut d) = load_mappings(root, &canonical_root, "crosswalks", parse_crosswalk);
    loaded.crosswalks = crosswalks;
    diags.append(&mut d);

    load_ledger(root, &canonical_root, config, &mut loaded, &mut diags);
    load_records(root, &canonical_root, &mut loaded, &mut diags);
    check_record_files(&canonical_root, &loaded.records, &mut diags);

    // Stable order regardless of the parallel passes.
    loaded.documents.sort_by(|a, b| a.path.cmp(&b.path));
    (loaded, diags)
}

/// `previous` (a load of the site at `root`, with its diagnostics) with the files `changed`
/// (paths relative to `root`) read again. `None` unless every one is a document or evidence file
/// that `previous` read (or failed to) and is still there: adding or removing a file, or changing
/// anything else, needs a whole `load`. The result is what `load` would give now.
pub fn reload(
    root: &Path,
    previous: (Loaded, Vec<Diagnostic>),
    changed: &std::collections::BTreeSet<String>,
    parsed: Option<&ParseCache>,
) -> Option<(Loaded, Vec<Diagnostic>)> {
    let (before, before_diags) = &previous;
    // Paths are compared as bytes: `Path`'s own comparison parses components, and these run
    // once per named file over every document and record.
    let same = |a: &Path, b: &Path| a.as_os_str() == b.as_os_str();
    let read_before = |p: &Path| {
        before.documents.iter().any(|d| same(&d.path, p))
            || before.evidence.iter().any(|e| same(&e.path, p))
            || before_diags.iter().any(|d| same(&d.path, p))
    };
    let mut kinds = Vec::new();
    for rel in changed {
        let p = Path::new(rel);
        // Came and went between two builds (an editor's or a tool's temporary file): nothing
        // read it or anything in it, nothing will.
        let read_inside = || {
            before.documents.iter().any(|d| d.path.starts_with(p))
                || before.evidence.iter().any(|e| e.path.starts_with(p))
                || before_diags.iter().any(|d| d.path.starts_with(p))
        };
        if std::fs::symlink_metadata(root.join(p)).is_err() && !read_inside() {
            continue;
        }
        let hidden = rel.split('/').any(|c| c.starts_with('.'));
        let ext = p.extension().and_then(|x| x.to_str()).unwrap_or("");
        let doc = DocKind::of_path(rel);
        let evidence = rel
            .strip_prefix("content/evidence/")
            .is_some_and(|r| !r.contains('/'));
        let kind = match (doc, evidence) {
            (Some(k), _) if matches!(ext, "md" | "markdown") => Some(k),
            (None, true) if matches!(ext, "yaml" | "yml") => None,
            _ => return None,
        };
        if hidden || !read_before(p) || !root.join(p).is_file() {
            return None;
        }
        kinds.push((p, kind));
    }
    let canonical_root = root.canonicalize().ok()?;
    let paths = RealPaths::new(root, &canonical_root);
    // An evidence file's artifacts are found again; those its records had before are not hashed
    // again while their size and modification time are unchanged.
    let evidence_files: Vec<&Path> = kinds
        .iter()
        .filter(|(_, k)| k.is_none())
        .map(|(p, _)| *p)
        .collect();
    let mut known = HashCache::default();
    if !evidence_files.is_empty() {
        for (ev, a) in before.evidence.iter().zip(&before.artifacts) {
            if let Some(a) = a
                && evidence_files.iter().any(|p| same(&ev.path, p))
            {
                let entry = crate::load::cache::Entry {
                    size: a.size,
                    mtime: a.mtime.clone(),
                    sha256: a.sha256.clone(),
                };
                known.files.insert(a.rel.clone(), entry);
            }
        }
    }
    let cache = Some(&known);
    let (mut loaded, before_diags) = previous;
    let mut diags: Vec<Diagnostic> = before_diags
        .into_iter()
        .filter(|d| !changed.contains(&crate::base::diagnostic::display_path(&d.path)))
        .collect();
    // Each file's items are replaced where they stand, keeping the order `load` gives:
    // documents by path; evidence files by path, each in file order.
    for (p, kind) in kinds {
        match kind {
            Some(kind) => {
                let parsed = paths.read_parsed(p, parsed.map(|c| (&c.docs, c.settle)), |text| {
                    parse_document(kind, p, text).map(Arc::new)
                });
                let docs = &mut loaded.documents;
                let at = docs.iter().position(|d| same(&d.path, p));
                match (parsed, at) {
                    (Ok(d), Some(i)) => docs[i] = d,
                    (Ok(d), None) => {
                        let i = docs.partition_point(|x| x.path.as_path() < p);
                        docs.insert(i, d);
                    }
                    (Err(d), at) => {
                        if let Some(i) = at {
                            docs.remove(i);
                        }
                        diags.push(d);
                    }
                }
            }
            None => {
                let mut records = Vec::new();
                match paths.read_parsed(p, parsed.map(|c| (&c.evidence, c.settle)), |text| {
                    parse_evidence(p, text).map(|evs| evs.into_iter().map(Arc::new).collect())
                }) {
                    Ok(evs) => {
                        for ev in evs {
                            let artifact = match locate_artifact(&paths, &ev, cache) {
                                Ok(a) => a.map(Arc::new),
                                Err(d) => {
                                    diags.push(d);
                                    None
                                }
                            };
                            records.push((ev, artifact));
                        }
                    }
                    Err(d) => diags.push(d),
                }
                // The file's records sit together; the new ones take their place.
                let evs = &loaded.evidence;
                let start = evs
                    .iter()
                    .position(|e| same(&e.path, p))
                    .unwrap_or_else(|| evs.partition_point(|x| x.path.as_path() < p));
                let end = start + evs[start..].iter().take_while(|e| same(&e.path, p)).count();
                let (evidence, artifacts): (Vec<_>, Vec<_>) = records.into_iter().unzip();
                loaded.evidence.splice(start..end, evidence);
                loaded.artifacts.splice(start..end, artifacts);
            }
        }
    }
    Some((loaded, diags))
}

/// Files with one of `exts` under `dir`, as paths relative to `root`, sorted. A missing folder
/// is simply empty.
fn walk(
    dir: &Path,
    max_depth: usize,
    exts: &[&str],
    diags: &mut Vec<Diagnostic>,
    root: &Path,
) -> Vec<PathBuf> {
    if !dir.exists() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .max_depth(max_depth)
        .sort_by_file_name()
    {
        match entry {
            Ok(e) => {
                let name = e.file_name().to_string_lossy();
                if name.starts_with('.') {
                    continue;
                }
                let is_file = e.file_type().is_file() || e.path_is_symlink();
                let ext_ok = e
                    .path()
                    .extension()
                    .and_then(|x| x.to_str())
                    .is_some_and(|x| exts.contains(&x));
                if is_file && ext_ok {
                    let rel = e
                        .path()
                        .strip_prefix(root)
                        .unwrap_or(e.path())
                        .to_path_buf();
                    out.push(rel);
                }
            }
            Err(e) => {
                let p = e
                    .path()
                    .map(|p| p.strip_prefix(root).unwrap_or(p).to_path_buf());
                diags.push(Diagnostic::error(
                    p.unwrap_or_else(|| dir.to_path_buf()),
                    format!("cannot read folder: {e}"),
                ));
            }
        }
    }
    out
}

/// Real locations of site files (symlinks followed), for the checks that keep every read inside
/// the site. A file's folder is resolved once and remembered, and the file itself needs one
/// `lstat`; a file that is itself a symlink is resolved in full. One `RealPaths` serves one load.
pub struct RealPaths {
    root: PathBuf,
    canonical_root: PathBuf,
    dirs: std::sync::Mutex<std::collections::HashMap<PathBuf, Option<PathBuf>>>,
}

impl RealPaths {
    pub fn new(root: &Path, canonical_root: &Path) -> RealPaths {
        RealPaths {
            root: root.to_path_buf(),
            canonical_root: canonical_root.to_path_buf(),
            dirs: Default::default(),
        }
    }

    /// The real path of `rel` (relative to the site root) and its metadata.
    pub fn resolve(&self, rel: &Path) -> std::io::Result<(PathBuf, std::fs::Metadata)> {
        let joined = self.root.join(rel);
        let full = || {
            let real = joined.canonicalize()?;
            let meta = std::fs::metadata(&real)?;
            Ok((real, meta))
        };
        let meta = std::fs::symlink_metadata(&joined)?;
        let (Some(parent), Some(name)) = (joined.parent(), joined.file_name()) else {
            return full();
        };
        if meta.file_type().is_symlink() || name == ".." || name == "." {
            return full();
        }
        let known = self
            .dirs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(parent)
            .cloned();
        let dir = match known {
            Some(d) => d,
            None => {
                let d = parent.canonicalize().ok();
                self.dirs
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(parent.to_path_buf(), d.clone());
                d
            }
        };
        match dir {
            Some(d) => Ok((d.join(name), meta)),
            None => full(),
        }
    }

    /// Reads a site file as UTF-8, refusing one whose real location is outside the site, and
    /// one too large to be a real document.
    pub fn read(&self, rel: &Path) -> Result<String, Diagnostic> {
        let (real, meta) = self.locate(rel)?;
        self.read_located(rel, &real, &meta)
    }

    /// Reads and parses a site file, or takes it from `cache` if it is unchanged since it was
    /// put there.
    fn read_parsed<T: Clone>(
        &self,
        rel: &Path,
        cache: Option<(&Parsed<T>, std::time::Duration)>,
        parse: impl FnOnce(&str) -> Result<T, Diagnostic>,
    ) -> Result<T, Diagnostic> {
        let (real, meta) = self.locate(rel)?;
        let id = FileId::of(&meta);
        fn lock<M>(m: &std::sync::Mutex<M>) -> std::sync::MutexGuard<'_, M> {
            m.lock().unwrap_or_else(|e| e.into_inner())
        }
        let settled = cache.is_some_and(|(_, settle)| id.settled(settle));
        if let Some((c, _)) = cache
            && settled
            && let Some((known, value)) = lock(c).get(rel)
            && *known == id
        {
            return Ok(value.clone());
        }
        let parsed = parse(&self.read_located(rel, &real, &meta)?);
        if let Some((c, _)) = cache {
            match &parsed {
                Ok(v) if settled => {
                    lock(c).insert(rel.to_path_buf(), (id, v.clone()));
                }
                _ => {
                    lock(c).remove(rel);
                }
            }
        }
        parsed
    }

    /// The real path and metadata of a site file, refusing one whose real location is outside
    /// the site.
    fn locate(&self, rel: &Path) -> Result<(PathBuf, std::fs::Metadata), Diagnostic> {
        let cannot = |e: std::io::Error| Diagnostic::error(rel, format!("cannot read: {e}"));
        let (real, meta) = self.resolve(rel).map_err(cannot)?;
        if !real.starts_with(&self.canonical_root) {
            return Err(Diagnostic::error(
                rel,
                format!(
                    "resolves to {}, outside the site: refusing to read it",
                    real.display()
                ),
            ));
        }
        Ok((real, meta))
    }

    fn read_located(
        &self,
        rel: &Path,
        real: &Path,
        meta: &std::fs::Metadata,
    ) -> Result<String, Diagnostic> {
        let cannot = |e: std::io::Error| Diagnostic::error(rel, format!("cannot read: {e}"));
        let len = meta.len();
        if len > MAX_DOCUMENT_BYTES {
            return Err(Diagnostic::error(
                rel,
                format!(
                    "file is {len} bytes, over the limit of {MAX_DOCUMENT_BYTES} bytes for a document or record"
                ),
            ));
        }
        let file = std::fs::File::open(real).map_err(cannot)?;
        let mut bytes = Vec::with_capacity(len as usize);
        file.take(MAX_DOCUMENT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(cannot)?;
        if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
            return Err(Diagnostic::error(
                rel,
                format!(
                    "file is over the limit of {MAX_DOCUMENT_BYTES} bytes for a document or record"
                ),
            ));
        }
        decode_utf8(&bytes, rel)
    }
}

/// Reads one site file as UTF-8 (see `RealPaths::read`).
pub fn read_site_file(
    root: &Path,
    canonical_root: &Path,
    rel: &Path,
) -> Result<String, Diagnostic> {
    RealPaths::new(root, canonical_root).read(rel)
}

/// Front matter split from a Markdown file: the YAML between the first two `---` lines.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    pub yaml: &'a str,
    /// 1-based line of the file where `yaml` starts.
    pub yaml_line: usize,
    pub body: &'a str,
}

/// Splits front matter from the body. Only the first closing `---` line ends it, so a
/// horizontal rule in the body is left alone.
pub fn split_front_matter(text: &str) -> Result<Split<'_>, (String, Pos)> {
    let start = Pos { line: 1, column: 1 };
    if text.trim().is_empty() {
        return Err((
            "empty file: a document starts with `---`, its front matter, then `---`".into(),
            start,
        ));
    }
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "---" {
        return Err((
            "missing front matter: the file must start with a `---` line".into(),
            start,
        ));
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    for line in lines {
        let t = line.trim_end();
        if t == "---" || t == "..." {
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                yaml_line: 2,
                body: &text[offset + line.len()..],
            });
        }
        offset += line.len();
    }
    Err((
        "unterminated front matter: no closing `---` line".into(),
        start,
    ))
}

pub fn parse_document(kind: DocKind, rel: &Path, text: &str) -> Result<Document, Diagnostic> {
    let split = split_front_matter(text).map_err(|(m, p)| Diagnostic::error(rel, m).at(Some(p)))?;
    if split.yaml.trim().is_empty() {
        return Err(Diagnostic::error(
            rel,
            "empty front matter: `id`, `title`, `owner` and more are required",
        )
        .at(Some(Pos { line: 1, column: 1 }))
        .with_hint("see docs/content-format.md"));
    }
    let meta: DocumentMeta = crate::base::yaml::parse(split.yaml, rel, split.yaml_line)?;
    let at_key = |key: &str| {
        Pos::find(split.yaml, &format!("{key}:"), 0).map(|p| Pos {
            line: p.line + split.yaml_line - 1,
            column: p.column,
        })
    };
    match (&meta.review_every, &meta.next_review) {
        (Some(_), Some(_)) => {
            return Err(
                Diagnostic::error(rel, "give `review_every` or `next_review`, not both")
                    .at(at_key("next_review")),
            );
        }
        (None, None) => {
            return Err(Diagnostic::error(
                rel,
                "missing `review_every` (e.g. `12 months`) or `next_review` (a date)",
            )
            .at(Some(Pos { line: 1, column: 1 }))
            .with_hint("every controlled document needs a review date (ISO 27001 7.5.2)"));
        }
        _ => {}
    }
    check_id(&meta.id, rel, at_key("id"))?;
    non_empty(&meta.title, "title", rel, at_key("title"))?;
    non_empty(&meta.owner, "owner", rel, at_key("owner"))?;
    Ok(Document {
        kind,
        path: rel.to_path_buf(),
        front_matter: split.yaml.to_string(),
        front_matter_line: split.yaml_line,
        body: split.body.to_string(),
        meta,
        fingerprint: crate::base::hash::hash_bytes(text.as_bytes()),
        link_key: Default::default(),
    })
}

/// Ids become file names and anchors: keep them to letters, digits, `-`, `_` and `.`.
fn check_id(id: &str, rel: &Path, pos: Option<Pos>) -> Result<(), Diagnostic> {
    let ok = !id.is_empty()
        && id.len() <= 100
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Diagnostic::error(
            rel,
            format!("invalid id `{id}`: use letters, digits, `-`, `_` and `.` (at most 100)"),
        )
        .at(pos))
    }
}

fn non_empty(value: &str, field: &str, rel: &Path, pos: Option<Pos>) -> Result<(), Diagnostic> {
    if value.trim().is_empty() {
        Err(Diagnostic::error(rel, format!("`{field}` must not be empty")).at(pos))
    } else {
        Ok(())
    }
}

pub fn parse_evidence(rel: &Path, text: &str) -> Result<Vec<Evidence>, Diagnostic> {
    let start = Pos { line: 1, column: 1 };
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && *l != "---");
    let Some(first) = first else {
        return Err(Diagnostic::error(
            rel,
            "empty evidence file: expected a record or a list of records",
        )
        .at(Some(start)));
    };
    let metas: Vec<EvidenceMeta> = if first.starts_with('-') {
        crate::base::yaml::parse(text, rel, 1)?
    } else {
        vec![crate::base::yaml::parse(text, rel, 1)?]
    };
    if metas.is_empty() {
        return Err(
            Diagnostic::error(rel, "empty list: expected at least one evidence record")
                .at(Some(start)),
        );
    }
    let source: Arc<str> = Arc::from(text);
    let source_hash: Arc<std::sync::OnceLock<u64>> = Default::default();
    let mut out = Vec::with_capacity(metas.len());
    // Records appear in file order: find each one's `id:` after the previous one's, so two
    // records with the same id get their own positions.
    let mut cursor = 0;
    for meta in metas {
        let found = record_at(text, &meta.id, cursor);
        if let Some((_, at)) = found {
            cursor = at + 3;
        }
        let pos = found.map(|(p, _)| p);
        check_id(&meta.id, rel, pos)?;
        non_empty(&meta.title, "title", rel, pos)?;
        non_empty(&meta.owner, "owner", rel, pos)?;
        match (&meta.file, &meta.url) {
            (Some(_), Some(_)) => {
                return Err(Diagnostic::error(
                    rel,
                    format!("evidence `{}` has both `file` and `url`: give one", meta.id),
                )
                .at(pos));
            }
            (None, None) => {
                return Err(Diagnostic::error(
                    rel,
                    format!(
                        "evidence `{}` needs `file` (a path in the site) or `url`",
                        meta.id
                    ),
                )
                .at(pos));
            }
            _ => {}
        }
        if let Some(url) = &meta.url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(Diagnostic::error(
                rel,
                format!(
                    "evidence `{}`: `url` must start with https:// or http://",
                    meta.id
                ),
            )
            .at(pos));
        }
        match (&meta.valid_for, &meta.expires) {
            (Some(_), Some(_)) => {
                return Err(Diagnostic::error(
                    rel,
                    format!(
                        "evidence `{}` has both `valid_for` and `expires`: give one",
                        meta.id
                    ),
                )
                .at(pos));
            }
            (None, None) => {
                return Err(Diagnostic::error(
                    rel,
                    format!(
                        "evidence `{}` needs `valid_for` (e.g. `12 months`) or `expires` (a date)",
                        meta.id
                    ),
                )
                .at(pos)
                .with_hint("auditors ask how long a piece of evidence stays valid"));
            }
            _ => {}
        }
        out.push(Evidence {
            path: rel.to_path_buf(),
            meta,
            source: source.clone(),
            source_hash: source_hash.clone(),
            link_key: Default::default(),
            start: found,
        });
    }
    Ok(out)
}

/// Where the record with `id` starts: the first `id: <id>` line at or after byte `from`, as a
/// position and a byte offset.
fn record_at(text: &str, id: &str, from: usize) -> Option<(Pos, usize)> {
    let mut from = from;
    while let Some(i) = text.get(from..)?.find("id:") {
        let at = from + i;
        let rest = text[at + 3..].lines().next().unwrap_or("").trim();
        let rest = rest.trim_matches(|c| c == '"' || c == '\'');
        let line_start = text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let before = text[line_start..at].trim_start_matches([' ', '-']);
        if rest == id && before.is_empty() {
            return Some((Pos::of_offset(text, at), at));
        }
        from = at + 3;
    }
    None
}

/// Resolves an evidence record's `file:`: it must exist, be a regular file and lie inside the
/// site once symlinks are followed. The file is hashed as a stream, never read whole.
fn locate_artifact(
    paths: &RealPaths,
    ev: &Evidence,
    cache: Option<&HashCache>,
) -> Result<Option<Artifact>, Diagnostic> {
    let Some(file) = &ev.meta.file else {
        return Ok(None);
    };
    let from = ev.start.map_or(0, |(_, at)| at);
    let pos = Pos::find(&ev.source, file, from).or(ev.start.map(|(p, _)| p));
    let err = |m: String| Diagnostic::error(&ev.path, m).at(pos);
    let given = Path::new(file);
    if given.is_absolute() {
        return Err(err(format!(
            "evidence `{}`: `file` must be relative to the site root, not absolute: {file}",
            ev.meta.id
        )));
    }
    let canonical_root = paths.canonical_root.as_path();
    let (real, meta) = match paths.resolve(given) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(
                err(format!("evidence `{}`: file not found: {file}", ev.meta.id)).with_hint(
                    "paths are relative to the site root, e.g. content/evidence/files/report.pdf",
                ),
            );
        }
        Err(e) => {
            return Err(err(format!(
                "evidence `{}`: cannot read {file}: {e}",
                ev.meta.id
            )));
        }
    };
    if !real.starts_with(canonical_root) {
        return Err(err(format!(
            "evidence `{}`: {file} resolves to {}, outside the site: refusing to publish it",
            ev.meta.id,
            real.display()
        )));
    }
    if !meta.is_file() {
        return Err(err(format!(
            "evidence `{}`: {file} is not a regular file",
            ev.meta.id
        )));
    }
    let cannot = |e: std::io::Error| {
        err(format!(
            "evidence `{}`: cannot read {file}: {e}",
            ev.meta.id
        ))
    };
    let rel = real
        .strip_prefix(canonical_root)
        .unwrap_or(&real)
        .to_string_lossy()
        .replace('\\', "/");
    let mtime = crate::load::cache::mtime_of(&meta);
    let cached = cache
        .and_then(|c| c.get(&rel, meta.len(), &mtime))
        .map(str::to_string);
    let (sha256, size) = match cached {
        Some(h) => (h, meta.len()),
        None => hash_file(&real).map_err(cannot)?,
    };
    let file_name = real
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "artifact".into());
    let url = format!(
        "{}{}",
        crate::model::ARTIFACT_FOLDER,
        crate::model::artifact_name(&ev.meta.id, &file_name)
    );
    Ok(Some(Artifact {
        absolute: real,
        url,
        key: Default::default(),
        file_name,
        size,
        sha256,
        rel,
        mtime,
    }))
}

/// Reads the SoA and every ISMS record file (few and small: sequential).
fn load_records(
    root: &Path,
    canonical_root: &Path,
    loaded: &mut Loaded,
    diags: &mut Vec<Diagnostic>,
) {
    let mut files = Vec::new();
    if root.join(crate::model::records::SOA_FILE).exists() {
        files.push(PathBuf::from(crate::model::records::SOA_FILE));
    }
    files.extend(walk(
        &root.join("content").join("records"),
        usize::MAX,
        &["yaml", "yml"],
        diags,
        root,
    ));
    for rel in files {
        let text = match read_site_file(root, canonical_root, &rel) {
            Ok(t) => t,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        match crate::model::records::parse_into(&mut loaded.records, &rel, &text) {
            Some(Ok(())) => {}
            Some(Err(d)) => diags.push(d),
            None => diags.push(
                Diagnostic::error(&rel, "not a known record file")
                    .with_hint("records are content/records/risks.yaml, nonconformities.yaml, suppliers.yaml, management-reviews/*.yaml and internal-audits/*.yaml (see docs/isms-records.md)"),
            ),
        }
    }
}

/// Files named by records (review minutes, audit reports) must exist inside the site.
fn check_record_files(
    canonical_root: &Path,
    records: &crate::model::records::Records,
    diags: &mut Vec<Diagnostic>,
) {
    let named = records
        .reviews
        .iter()
        .filter_map(|r| r.value.minutes.as_ref().map(|f| (r, f)))
        .map(|(r, f)| (&r.path, &r.text, f))
        .chain(
            records
                .audits
                .iter()
                .filter_map(|a| a.value.report.as_ref().map(|f| (&a.path, &a.text, f))),
        );
    for (path, text, file) in named {
        let real = canonical_root.join(file).canonicalize();
        let ok = matches!(&real, Ok(p) if p.starts_with(canonical_root) && p.is_file());
        if !ok {
            diags.push(
                Diagnostic::error(path, format!("{file} does not exist in the site"))
                    .at(Pos::find(text, file, 0))
                    .with_hint("paths are relative to the site root"),
            );
        }
    }
}

/// Reads the evidence ledger and the public key, if the site has them.
fn load_ledger(
    root: &Path,
    canonical_root: &Path,
    config: &crate::model::config::Config,
    loaded: &mut Loaded,
    diags: &mut Vec<Diagnostic>,
) {
    let rel = config.ledger.clone();
    let abs = root.join(&rel);
    if abs.exists() {
        loaded.ledger_exists = true;
        match read_site_file(root, canonical_root, &rel) {
            Ok(text) => {
                let (lines, mut d) = crate::ledger::read(&text, &rel);
                loaded.ledger = lines;
                diags.append(&mut d);
            }
            Err(d) => diags.push(d),
        }
    }
    if let Some(pk) = &config.public_key {
        let result = read_site_file(root, canonical_root, pk).and_then(|pem| {
            let key = crate::ledger::load_public_key(&root.join(pk), pk)?;
            let fingerprint = hex(&Sha256::digest(key.as_bytes()));
            Ok(PublicKey {
                key,
                pem,
                fingerprint,
            })
        });
        match result {
            Ok(k) => loaded.public_key = Some(k),
            Err(d) => diags.push(d),
        }
    }
}

/// Built-in mapping files overlaid with the site's own `mappings/<sub>/` (same name replaces).
fn load_mappings<T: Send>(
    root: &Path,
    canonical_root: &Path,
    sub: &str,
    parse: fn(&Path, &str) -> Result<T, Diagnostic>,
) -> (Vec<T>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut inputs: std::collections::BTreeMap<String, (PathBuf, Option<&'static [u8]>)> =
        embedded::mapping_files(sub)
            .into_iter()
            .map(|(name, bytes)| {
                let shown = Path::new(embedded::BUILTIN_PREFIX)
                    .join("mappings")
                    .join(sub)
                    .join(&name);
                (name, (shown, Some(bytes)))
            })
            .collect();
    for rel in walk(
        &root.join("mappings").join(sub),
        1,
        &["yaml", "yml"],
        &mut diags,
        root,
    ) {
        let name = rel
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        inputs.insert(name, (rel, None));
    }
    let results: Vec<Result<T, Diagnostic>> = inputs
        .into_par_iter()
        .map(|(_, (shown, builtin))| {
            let text = match builtin {
                Some(bytes) => decode_utf8(bytes, &shown)?,
                None => read_site_file(root, canonical_root, &shown)?,
            };
            parse(&shown, &text)
        })
        .collect();
    let mut out = Vec::new();
    for r in results {
        match r {
            Ok(t) => out.push(t),
            Err(d) => diags.push(d),
        }
    }
    (out, diags)
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub fn parse_catalog(path: &Path, text: &str) -> Result<Catalog, Diagnostic> {
    if text.trim().is_empty() {
        return Err(
            Diagnostic::error(path, "empty catalog file").at(Some(Pos { line: 1, column: 1 }))
        );
    }
    let mut c: Catalog = crate::base::yaml::parse(text, path, 1)?;
    let stem = file_stem(path);
    if c.slug != stem {
        return Err(Diagnostic::error(
            path,
            format!(
                "slug `{}` does not match the file name `{stem}.yaml`",
                c.slug
            ),
        )
        .at(Pos::find(text, "slug:", 0)));
    }
    c.path = path.to_path_buf();
    c.source_text = Arc::from(text);
    Ok(c)
}

pub fn parse_crosswalk(path: &Path, text: &str) -> Result<Crosswalk, Diagnostic> {
    if text.trim().is_empty() {
        return Err(
            Diagnostic::error(path, "empty crosswalk file").at(Some(Pos { line: 1, column: 1 }))
        );
    }
    let mut x: Crosswalk = crate::base::yaml::parse(text, path, 1)?;
    let stem = file_stem(path);
    let expected = format!("{}__{}", x.from, x.to);
    if stem != expected {
        return Err(Diagnostic::error(
            path,
            format!(
                "a crosswalk from `{}` to `{}` must be named {expected}.yaml",
                x.from, x.to
            ),
        )
        .at(Pos::find(text, "from:", 0)));
    }
    x.path = path.to_path_buf();
    x.source_text = Arc::from(text);
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parse cache gives back what it parsed while a file is unchanged, and never a stale
    /// parse: not after a write that keeps the size and puts the old modification time back,
    /// and not for a file written too recently for its time to tell writes apart.
    #[test]
    fn the_parse_cache_reuses_only_unchanged_settled_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let rel = Path::new("content/policies/a.md");
        std::fs::create_dir_all(root.join("content/policies")).unwrap();
        let doc = |title: &str| {
            format!(
                "---\nid: POL-A\ntitle: {title}\nowner: CISO\nversion: 1\napproved: 2026-01-01\nreview_every: 12 months\nclassification: public\n---\nText.\n"
            )
        };
        let write = |text: &str, modified: Option<std::time::SystemTime>| {
            std::fs::write(root.join(rel), text).unwrap();
            if let Some(t) = modified {
                let f = std::fs::File::options()
                    .write(true)
                    .open(root.join(rel))
                    .unwrap();
                f.set_modified(t).unwrap();
            }
        };
        let settle = std::time::Duration::from_millis(200);
        let cache = ParseCache::settling_after(settle);
        let paths = RealPaths::new(&root, &root);
        let parses = std::cell::Cell::new(0);
        let load = || {
            paths
                .read_parsed(rel, Some((&cache.docs, settle)), |text| {
                    parses.set(parses.get() + 1);
                    parse_document(DocKind::Policies, rel, text).map(Arc::new)
                })
                .unwrap()
                .meta
                .title
                .clone()
        };

        // Written just now: parsed every time, never kept.
        write(&doc("First"), None);
        assert_eq!(load(), "First");
        assert_eq!(load(), "First");
        assert_eq!(parses.get(), 2);

        // Settled: parsed once more, then reused.
        std::thread::sleep(settle * 2);
        assert_eq!(load(), "First");
        assert_eq!(load(), "First");
        assert_eq!(parses.get(), 3);

        // Same size, the modification time set back: the change time, which cannot be set
        // back, still tells.
        let before = std::fs::metadata(root.join(rel))
            .unwrap()
            .modified()
            .unwrap();
        write(&doc("Later"), Some(before));
        assert_eq!(load(), "Later");
        assert_eq!(parses.get(), 4);
    }

    #[test]
    fn front_matter_split_keeps_horizontal_rules_in_the_body() {
        let s = split_front_matter("---\nid: a\n---\nbody\n\n---\nmore\n").unwrap();
        assert_eq!(s.yaml, "id: a\n");
        assert_eq!(s.yaml_line, 2);
        assert_eq!(s.body, "body\n\n---\nmore\n");
    }

    #[test]
    fn front_matter_errors() {
        assert!(split_front_matter("").unwrap_err().0.contains("empty file"));
        assert!(
            split_front_matter("# Title\n")
                .unwrap_err()
                .0
                .contains("missing front matter")
        );
        assert!(
            split_front_matter("---\nid: a\n")
                .unwrap_err()
                .0
                .contains("unterminated")
        );
        let crlf = split_front_matter("---\r\nid: a\r\n---\r\nbody").unwrap();
        assert_eq!(crlf.body, "body");
    }

    #[test]
    fn record_positions() {
        let text = "- id: A\n  title: x\n- id: B\n";
        assert_eq!(
            record_at(text, "B", 0).map(|(p, _)| p),
            Some(Pos { line: 3, column: 3 })
        );
        assert_eq!(record_at(text, "C", 0), None);
    }

    #[test]
    fn utf8_errors_are_positioned() {
        let e = decode_utf8(b"id: a\nti\xfftle", Path::new("x.md")).unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(3)));
    }
}
