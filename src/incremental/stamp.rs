//! The stamp: what a build leaves in the site's cache folder so the next build into the same
//! output can tell at a glance what changed. Four files beside each other, each written by
//! rename and tied together by the times they were taken: the stamp itself (JSON), the
//! inventory of every input file (`.files`), where each document's body sits in its page
//! (`.docs`) and every page's key (`.deps`).

use crate::base::hash::{content_hash, hasher};
use crate::load::cache::Inventory;
use crate::model::config::Config;
use crate::render::BodySpan;
use crate::write;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// What a build leaves in the cache folder: what it was made from (the inventory of its input
/// files, taken at `taken_at`), the identity (size, modification time) of the manifest it wrote,
/// so the next build can tell at a glance that the output is as it left it, and where each
/// document's body sits in its page.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Stamp {
    /// Version, built-in data, date, profile and output folder: any change means a full build.
    pub(super) key: String,
    pub(super) taken_at: i128,
    /// Hash of the inventory (`Inventory::hash`), which is kept as text in a file of its own
    /// (`files_path`) and read only when this hash says something changed.
    pub(super) inventory_hash: String,
    /// Published evidence files outside content/, which the inventory includes.
    pub(super) also: Vec<String>,
    pub(super) manifest: String,
    pub(super) files: usize,
    pub(super) pages: usize,
    pub(super) published: usize,
    pub(super) warnings: usize,
    /// The document list (`docs_path`, keyed by the document's path in the site) was written by
    /// the build taken at this time; bodies spliced since then moved to `moved`.
    pub(super) docs_taken_at: i128,
    pub(super) moved: BTreeMap<String, BodySpan>,
}

/// A document page as the last build wrote it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DocStamp {
    /// Hash of the document's front matter.
    pub(super) fm: String,
    pub(super) page: String,
    /// The page's inputs but its Markdown (`render::page_view_hash`).
    pub(super) view: String,
    pub(super) span: BodySpan,
}

/// What a build that viewed pages records of them: each document page's stamp, and the globals
/// key with every page's key.
pub(super) type PageRecords<'a> = (&'a BTreeMap<String, DocStamp>, u64, &'a [(String, u64)]);

/// The key a stamp holds under: builds of another version, built-in data, date, profile or
/// output folder do not compare with it.
pub(super) fn key(today: &impl std::fmt::Display, profile: &str, dest: &Path) -> String {
    format!(
        "{}|{}|{today}|{profile}|{}",
        env!("CARGO_PKG_VERSION"),
        builtin_fingerprint(),
        dest.display()
    )
}

/// The name of the stamp of builds into the output folder `dest` (as `check_output_dir`
/// resolved it).
pub(super) fn stamp_name(dest: &Path) -> String {
    format!(
        "build-{}.json",
        &content_hash(dest.to_string_lossy().as_bytes())[..16]
    )
}

/// Every file a build reads: crosswalk.yaml, the ledger's public key, content/, mappings/,
/// themes/, and `also` (evidence files the last build found elsewhere in the site).
pub(super) fn inventory(root: &Path, config: &Config, also: &[String]) -> Inventory {
    let mut files = vec![crate::model::config::CONFIG_FILE.to_string()];
    if let Some(pk) = &config.public_key {
        files.push(pk.to_string_lossy().replace('\\', "/"));
    }
    files.extend(also.iter().cloned());
    Inventory::scan(root, &files, &["content", "mappings", "themes"])
}

fn files_path(stamp: &Path) -> PathBuf {
    stamp.with_extension("files")
}

/// The stamp at `path`, without its inventory.
pub(super) fn read_stamp(path: &Path) -> Option<Stamp> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// The inventory written with the stamp taken at `taken_at`.
pub(super) fn read_inventory(path: &Path, taken_at: i128) -> Option<Inventory> {
    let text = std::fs::read_to_string(files_path(path)).ok()?;
    let (head, list) = text.split_once('\n')?;
    if head != taken_at.to_string() {
        return None;
    }
    Inventory::from_text(list)
}

fn docs_path(stamp: &Path) -> PathBuf {
    stamp.with_extension("docs")
}

/// The document list of the stamp `st` (every document, or those in `only`), with the bodies
/// spliced since it was written. One line per document, looked up without parsing the rest.
pub(super) fn read_docs(
    stamp: &Path,
    st: &Stamp,
    only: Option<&[String]>,
) -> BTreeMap<String, DocStamp> {
    let mut docs = BTreeMap::new();
    let Ok(text) = std::fs::read_to_string(docs_path(stamp)) else {
        return docs;
    };
    let Some((head, list)) = text.split_once('\n') else {
        return docs;
    };
    if head != st.docs_taken_at.to_string() {
        return docs;
    }
    let mut add = |line: &str| {
        let f: Vec<&str> = line.split('\t').collect();
        if let [rel, page, fm, view, start, len] = f[..]
            && let (Ok(start), Ok(len)) = (start.parse(), len.parse())
        {
            let rel = write::unescape_line(rel);
            let span = st
                .moved
                .get(&rel)
                .copied()
                .unwrap_or(BodySpan { start, len });
            let d = DocStamp {
                fm: fm.to_string(),
                page: write::unescape_line(page),
                view: view.to_string(),
                span,
            };
            docs.insert(rel, d);
        }
    };
    match only {
        None => list.lines().for_each(&mut add),
        Some(rels) => {
            for rel in rels {
                let key = format!("\n{}\t", write::escape_line(rel));
                let lines = &text[head.len()..];
                if let Some(i) = lines.find(&key) {
                    let line = &lines[i + 1..];
                    add(line.split('\n').next().unwrap_or(""));
                }
            }
        }
    }
    docs
}

fn deps_path(stamp: &Path) -> PathBuf {
    stamp.with_extension("deps")
}

/// The page keys (`keys::page_keys`) of the stamp `st`'s build, with the `globals` key they
/// hold under; written with the document list, and tied to it by `docs_taken_at`.
pub(super) fn read_deps(stamp: &Path, st: &Stamp) -> Option<(u64, HashMap<String, u64>)> {
    let text = std::fs::read_to_string(deps_path(stamp)).ok()?;
    let mut lines = text.lines();
    let (taken_at, globals) = lines.next()?.split_once('\t')?;
    if taken_at != st.docs_taken_at.to_string() {
        return None;
    }
    let globals = u64::from_str_radix(globals, 16).ok()?;
    let mut keys = HashMap::new();
    for line in lines {
        let (key, page) = line.split_once('\t')?;
        keys.insert(
            write::unescape_line(page),
            u64::from_str_radix(key, 16).ok()?,
        );
    }
    Some((globals, keys))
}

fn deps_text(taken_at: i128, globals: u64, keys: &[(String, u64)]) -> String {
    use std::fmt::Write;
    let mut s = format!("{taken_at}\t{globals:016x}\n");
    for (page, key) in keys {
        let _ = writeln!(s, "{key:016x}\t{}", write::escape_line(page));
    }
    s
}

/// The document list as text, one line per document.
fn docs_text(taken_at: i128, docs: &BTreeMap<String, DocStamp>) -> String {
    use std::fmt::Write;
    let mut s = format!("{taken_at}\n");
    for (rel, d) in docs {
        let _ = writeln!(
            s,
            "{}\t{}\t{}\t{}\t{}\t{}",
            write::escape_line(rel),
            write::escape_line(&d.page),
            d.fm,
            d.view,
            d.span.start,
            d.span.len
        );
    }
    s
}

/// A hash of a document's front matter and where it sits: while it is unchanged, only the
/// document's body can differ in its page.
pub(super) fn doc_fm_hash(d: &crate::model::Document) -> String {
    content_hash(
        format!(
            "{}\0{}\0{}",
            d.kind.folder(),
            d.front_matter_line,
            d.front_matter
        )
        .as_bytes(),
    )
}

/// Writes the stamp, its inventory's text and (when given) its document list, each by rename:
/// a crash leaves a whole file or none. The parts are tied together by `taken_at` and
/// `docs_taken_at`, checked when read.
pub(super) fn write_stamp(
    path: &Path,
    st: &Stamp,
    inventory: &str,
    docs: Option<PageRecords>,
) -> std::io::Result<()> {
    let put = |p: &Path, bytes: &[u8]| {
        let tmp = p.with_extension(format!("tmp-{}", std::process::id()));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, p)
    };
    if let Some((docs, globals, keys)) = docs {
        put(
            &docs_path(path),
            docs_text(st.docs_taken_at, docs).as_bytes(),
        )?;
        put(
            &deps_path(path),
            deps_text(st.docs_taken_at, globals, keys).as_bytes(),
        )?;
    }
    let mut text = format!("{}\n", st.taken_at);
    text.push_str(inventory);
    put(&files_path(path), text.as_bytes())?;
    put(path, &serde_json::to_vec(st).unwrap_or_default())
}

/// The size and modification time of the output's manifest: equal to the stamp's, the output
/// is as the build that wrote the stamp left it.
pub(super) fn manifest_identity(dest: &Path) -> String {
    std::fs::metadata(dest.join(write::MANIFEST))
        .map(|m| format!("{}-{}", m.len(), crate::load::cache::mtime_of(&m)))
        .unwrap_or_default()
}

/// A hash of the built-in catalogs, crosswalks and theme compiled into this binary.
fn builtin_fingerprint() -> &'static str {
    static F: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        use std::hash::Hasher;
        let mut h = hasher();
        for (name, bytes) in crate::base::embedded::mapping_files("frameworks")
            .into_iter()
            .chain(crate::base::embedded::mapping_files("crosswalks"))
            .chain(crate::base::embedded::theme_files("default"))
        {
            h.write(name.as_bytes());
            h.write(bytes);
        }
        format!("{:016x}", h.finish())
    })
}
