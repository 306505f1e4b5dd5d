//! Writing the portal: the `Writer` takes files from many threads as they are rendered. Into an
//! empty folder, everything goes into a staging folder beside it, moved into place when complete;
//! into a folder that holds a previous output (a generation being brought up to date, or `serve`'s
//! own output), each changed file is written beside its target and renamed over it, the manifest
//! last. Either way a failed build leaves nothing half-written where readers look, and the tool
//! writes nowhere else. The manifest (`.crosswalk/manifest.txt`) lists each file's content hash
//! and each page's input hash.

use crate::base::diagnostic::Diagnostic;
use crate::base::hash::content_hash;
use crate::base::rules;
use rayon::prelude::*;
use std::path::{Component, Path, PathBuf};

mod sha256;

/// Marks a folder as crosswalk output, so a rebuild may replace it. A folder without it is never
/// replaced: it may hold someone's files.
pub const MARKER: &str = ".crosswalk-output";

/// A small output written whole (an audit package): generated files and files copied from
/// the site. The portal itself is streamed through a `Writer`.
#[derive(Default)]
pub struct Output {
    pub files: Vec<(String, Vec<u8>)>,
    /// (path in the output, absolute source path, the source's SHA-256)
    pub copies: Vec<(String, PathBuf, String)>,
}

/// Where a build records what it wrote (path -> content hash) and what each page was made from,
/// so the next build renders and writes only what changed. It describes published files only.
pub const MANIFEST: &str = ".crosswalk/manifest.txt";

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub files: std::collections::BTreeMap<String, String>,
    pub inputs: std::collections::BTreeMap<String, String>,
}

const MANIFEST_HEADER: &str = "crosswalk manifest 1\n";

/// A path on one line: `\`, tabs and line breaks escaped.
pub fn escape_line(p: &str) -> std::borrow::Cow<'_, str> {
    if p.contains(['\\', '\n', '\r', '\t']) {
        p.replace('\\', "\\\\")
            .replace('\n', "\\n")
            .replace('\r', "\\r")
            .replace('\t', "\\t")
            .into()
    } else {
        p.into()
    }
}

pub fn unescape_line(p: &str) -> String {
    if !p.contains('\\') {
        return p.to_string();
    }
    let mut out = String::with_capacity(p.len());
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(o) => out.push(o),
            None => {}
        }
    }
    out
}

impl Manifest {
    pub fn read(dest: &Path) -> Option<Manifest> {
        if !dest.join(MARKER).exists() {
            return None;
        }
        Manifest::parse(&std::fs::read_to_string(dest.join(MANIFEST)).ok()?)
    }

    /// One line per entry, `F <hash> <path>` for a file and `I <hash> <path>` for a page's
    /// inputs: a long manifest reads and writes in a few milliseconds.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::with_capacity((self.files.len() + self.inputs.len()) * 64);
        s.push_str(MANIFEST_HEADER);
        for (kind, map) in [('F', &self.files), ('I', &self.inputs)] {
            for (p, h) in map {
                let _ = writeln!(s, "{kind} {h} {}", escape_line(p));
            }
        }
        s
    }

    /// The file lines of a manifest's text, as (escaped path, hash), borrowed from `text`;
    /// `None` if it is not a well-formed manifest.
    pub fn file_lines(text: &str) -> Option<impl Iterator<Item = (&str, &str)>> {
        fn split(line: &str) -> Option<(&str, &str, &str)> {
            let (kind, rest) = line.split_once(' ')?;
            let (hash, path) = rest.split_once(' ')?;
            matches!(kind, "F" | "I").then_some((kind, hash, path))
        }
        let body = text.strip_prefix(MANIFEST_HEADER)?;
        if !body.lines().all(|l| split(l).is_some()) {
            return None;
        }
        Some(
            body.lines()
                .filter_map(split)
                .filter_map(|(kind, hash, path)| (kind == "F").then_some((path, hash))),
        )
    }

    pub fn parse(text: &str) -> Option<Manifest> {
        let mut m = Manifest::default();
        for line in text.strip_prefix(MANIFEST_HEADER)?.lines() {
            let mut parts = line.splitn(3, ' ');
            let (kind, hash, path) = (parts.next()?, parts.next()?, parts.next()?);
            let map = match kind {
                "F" => &mut m.files,
                "I" => &mut m.inputs,
                _ => return None,
            };
            map.insert(unescape_line(path), hash.to_string());
        }
        Some(m)
    }
}

/// Where the manifest line for `path` of `kind` (`F` or `I`) holds its hash, in `text`.
fn manifest_hash_at(text: &str, kind: char, path: &str) -> Option<std::ops::Range<usize>> {
    let suffix = format!(" {}\n", escape_line(path));
    let mut from = 0;
    while let Some(i) = text[from..].find(&suffix) {
        let end = from + i;
        let start = text[..end].rfind('\n').map_or(0, |n| n + 1);
        let line = &text[start..end];
        if line.len() > 2 && line.starts_with(kind) && line.as_bytes()[1] == b' ' {
            return Some(start + 2..end);
        }
        from = end + 1;
    }
    None
}

/// A page's replacement: its new bytes and its new input hash.
pub struct PagePatch {
    pub bytes: Vec<u8>,
    pub input: String,
}

/// Replaces a few pages of a previous output without parsing the whole manifest: `make` gets
/// each page's path and its bytes as they are now, which must match the manifest (a page edited
/// by hand is not patched: `None`, and nothing is written). Each page is written beside its
/// target and renamed over it, then the manifest, with those pages' lines rewritten, the same way.
/// `extra` makes files from the patched pages (path, new bytes), which the manifest must list
/// already and which are replaced with the pages (the claims manifest and its signature);
/// `None` from it patches nothing.
pub fn patch_pages(
    dest: &Path,
    manifest: Option<String>,
    mut make: impl FnMut(&str, &[u8]) -> Option<PagePatch>,
    pages: &[String],
    extra: impl FnOnce(&[(&str, &[u8])]) -> Option<Vec<(String, Vec<u8>)>>,
) -> Option<usize> {
    if !dest.join(MARKER).exists() {
        return None;
    }
    let mut text = match manifest {
        Some(text) => text,
        None => std::fs::read_to_string(dest.join(MANIFEST)).ok()?,
    };
    let mut patches = Vec::new();
    for page in pages {
        let target = safe_join(dest, page).ok()?;
        let now = std::fs::read(&target).ok()?;
        let at = manifest_hash_at(&text, 'F', page)?;
        if text[at.clone()] != content_hash(&now) {
            return None;
        }
        let patch = make(page, &now)?;
        text.replace_range(at, &content_hash(&patch.bytes));
        let at = manifest_hash_at(&text, 'I', page)?;
        text.replace_range(at, &patch.input);
        patches.push((target, patch));
    }
    let patched: Vec<(&str, &[u8])> = pages
        .iter()
        .zip(&patches)
        .map(|(page, (_, p))| (page.as_str(), p.bytes.as_slice()))
        .collect();
    let mut others = Vec::new();
    for (rel, bytes) in extra(&patched)? {
        let at = manifest_hash_at(&text, 'F', &rel)?;
        text.replace_range(at, &content_hash(&bytes));
        others.push((safe_join(dest, &rel).ok()?, bytes));
    }
    let mut staged = Vec::new();
    let manifest = dest.join(MANIFEST);
    let files = patches
        .iter()
        .map(|(t, p)| (t.as_path(), p.bytes.as_slice()))
        .chain(others.iter().map(|(t, b)| (t.as_path(), b.as_slice())))
        .chain([(manifest.as_path(), text.as_bytes())]);
    for (target, bytes) in files {
        let tmp = tmp_beside(target);
        if std::fs::write(&tmp, bytes).is_err() {
            let _ = std::fs::remove_file(&tmp);
            for (t, _) in &staged {
                let _ = std::fs::remove_file(t);
            }
            return None;
        }
        staged.push((tmp, target.to_path_buf()));
    }
    for (i, (tmp, target)) in staged.iter().enumerate() {
        if std::fs::rename(tmp, target).is_err() {
            for (t, _) in &staged[i..] {
                let _ = std::fs::remove_file(t);
            }
            return None;
        }
    }
    Some(patches.len())
}

/// A temporary name beside `target`, of this process's own, to write to before renaming.
fn tmp_beside(target: &Path) -> PathBuf {
    let mut n = target.file_name().unwrap_or_default().to_os_string();
    n.push(format!(".crosswalk-tmp-{}", std::process::id()));
    target.with_file_name(n)
}

/// What a write did.
#[derive(Debug, Default, Clone, Copy)]
pub struct WriteStats {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Puts the site's file `src` at `target`: a hard link when `link` is set and the two are on one
/// file system (no bytes written), else a copy.
fn place_file(src: &Path, target: &Path, link: bool) -> std::io::Result<()> {
    if link && std::fs::hard_link(src, target).is_ok() {
        return Ok(());
    }
    std::fs::copy(src, target).map(|_| ())
}

/// How a `Writer` puts files into the output.
enum Mode {
    /// No usable previous output: everything goes into a fresh staging folder beside it, which
    /// is swapped in by `finish`.
    Full { staging: PathBuf },
    /// A previous output with its manifest: changed files are staged beside their targets and
    /// renamed into place by `finish`; files no longer produced are removed.
    Incremental { old: std::sync::Arc<Manifest> },
}

#[derive(Default)]
struct State {
    files: std::collections::BTreeMap<String, String>,
    staged: Vec<(PathBuf, PathBuf)>,
    dirs: std::collections::HashSet<PathBuf>,
    written: usize,
    unchanged: usize,
    /// How many of the files put or kept the previous manifest lists: when all of them, no
    /// file has to be removed.
    listed_before: usize,
    /// SHA-256 of the files written or placed, when the writer keeps them (`keep_sha256`).
    sha256: std::collections::HashMap<String, String>,
}

/// Writes a build's files into its output folder as they are produced, from many threads at
/// once, so no build has to hold its whole portal in memory. Nothing is visible in the output
/// until `finish`: a build that fails (or a `Writer` dropped unfinished) leaves the previous
/// output exactly as it was, and the tool writes nowhere but the output and its staging folder.
pub struct Writer {
    dest: PathBuf,
    mode: Mode,
    link: bool,
    trusted: bool,
    state: std::sync::Mutex<State>,
    finished: bool,
    /// Whether each file's SHA-256 is kept, for the claims manifest.
    keep_sha256: bool,
}

fn io_err(what: &str, p: &Path, e: std::io::Error) -> Diagnostic {
    Diagnostic::error(p, format!("{what}: {e}")).with_rule(rules::IO)
}

/// A fault point (src/fault.rs) before an operation on `p`.
fn fp(what: &str, p: &Path) -> Result<(), Diagnostic> {
    crate::base::fault::point(p).map_err(|e| io_err(what, p, e))
}

impl Writer {
    /// Starts writing into `dest`, incrementally when it holds a previous build's output.
    /// `link`: evidence files are hard-linked rather than copied where possible.
    /// `trusted`: the output folder is this process's own (`serve`'s temporary folder), so a
    /// file the manifest lists is there as written, without a check of each.
    /// `known`: the previous build's manifest, when this process wrote it (`serve`), so it
    /// need not be read again.
    pub fn begin(
        dest: &Path,
        link: bool,
        trusted: bool,
        known: Option<std::sync::Arc<Manifest>>,
    ) -> Result<Writer, Diagnostic> {
        let known = known.filter(|_| dest.join(MARKER).exists());
        let mode = match known.or_else(|| Manifest::read(dest).map(std::sync::Arc::new)) {
            Some(old) => Mode::Incremental { old },
            None => Mode::Full {
                staging: prepare_staging(dest)?,
            },
        };
        Ok(Writer {
            dest: dest.to_path_buf(),
            mode,
            link,
            trusted,
            state: Default::default(),
            finished: false,
            keep_sha256: false,
        })
    }

    /// The previous build's manifest, when writing incrementally.
    pub fn previous(&self) -> Option<&Manifest> {
        match &self.mode {
            Mode::Incremental { old } => Some(old),
            Mode::Full { .. } => None,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The path `rel` is written to now: in the staging folder, or a temporary name beside its
    /// target. `None`: the file is already in the output with this content.
    fn target(&self, rel: &str, hash: String) -> Result<Option<PathBuf>, Diagnostic> {
        let (base, old) = match &self.mode {
            Mode::Full { staging } => (staging.as_path(), None),
            Mode::Incremental { old, .. } => (self.dest.as_path(), Some(old)),
        };
        let target = safe_join(base, rel)?;
        let before = old.and_then(|m| m.files.get(rel));
        let unchanged = before == Some(&hash) && (self.trusted || target.is_file());
        let parent = target.parent().map(Path::to_path_buf);
        {
            let mut st = self.state();
            if st.files.insert(rel.to_string(), hash).is_none() && before.is_some() {
                st.listed_before += 1;
            }
            if unchanged {
                st.unchanged += 1;
                return Ok(None);
            }
            st.written += 1;
        }
        if let Some(parent) = parent
            && !self.state().dirs.contains(&parent)
        {
            fp("cannot create folder", &parent)?;
            std::fs::create_dir_all(&parent)
                .map_err(|e| io_err("cannot create folder", &parent, e))?;
            self.state().dirs.insert(parent);
        }
        Ok(Some(match &self.mode {
            Mode::Full { .. } => target,
            Mode::Incremental { .. } => {
                let tmp = tmp_beside(&target);
                self.state().staged.push((tmp.clone(), target));
                tmp
            }
        }))
    }

    /// Writes a generated file.
    pub fn put(&self, rel: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        if let Some(t) = self.target(rel, content_hash(bytes))? {
            fp("cannot write", &t)?;
            std::fs::write(&t, bytes).map_err(|e| io_err("cannot write", &t, e))?;
            if self.keep_sha256 {
                let sha = crate::base::hash::sha256_hex(bytes);
                self.state().sha256.insert(rel.to_string(), sha);
            }
        }
        Ok(())
    }

    /// Publishes the site's file `src` (whose SHA-256 is `sha256`) as `rel`.
    pub fn place(&self, rel: &str, src: &Path, sha256: &str) -> Result<(), Diagnostic> {
        // The mode is part of the recorded hash: switching between `link` and `copy` replaces
        // every published file, not only those whose content changed.
        let mode = if self.link { "link" } else { "copy" };
        if self.keep_sha256 {
            let mut st = self.state();
            st.sha256.insert(rel.to_string(), sha256.to_string());
        }
        if let Some(t) = self.target(rel, format!("{mode}:sha256:{sha256}"))? {
            fp("cannot write", &t)?;
            place_file(src, &t, self.link).map_err(|e| io_err("cannot copy", src, e))?;
        }
        Ok(())
    }

    /// A page not rendered again because its inputs did not change: the file already in the
    /// output stays. `false` if the previous output does not have it (render it after all).
    pub fn keep(&self, rel: &str) -> bool {
        let Mode::Incremental { old, .. } = &self.mode else {
            return false;
        };
        match old.files.get(rel) {
            Some(h) if self.trusted || self.dest.join(rel).is_file() => {
                let mut st = self.state();
                if st.files.insert(rel.to_string(), h.clone()).is_none() {
                    st.listed_before += 1;
                }
                st.unchanged += 1;
                true
            }
            _ => false,
        }
    }

    /// Files the previous output holds, produced again unchanged, kept as one group without a
    /// check of each (`trusted` outputs only). `false`, and nothing kept, unless the previous
    /// manifest lists every one of them.
    pub fn keep_all(&self, rels: &[&str]) -> bool {
        let Mode::Incremental { old, .. } = &self.mode else {
            return false;
        };
        if !self.trusted {
            return false;
        }
        let Some(hashes) = rels
            .iter()
            .map(|r| old.files.get(*r))
            .collect::<Option<Vec<&String>>>()
        else {
            return false;
        };
        let mut st = self.state();
        for (rel, h) in rels.iter().zip(hashes) {
            if st.files.insert(rel.to_string(), h.clone()).is_none() {
                st.listed_before += 1;
            }
            st.unchanged += 1;
        }
        true
    }

    /// Makes the new output visible: renames staged files into place (or swaps in the staging
    /// folder), removes files the build no longer produces, and writes the manifest with
    /// `inputs` (each page's input hash; `None` keeps the previous ones, with `updates`).
    pub fn finish(
        self,
        inputs: Option<std::collections::BTreeMap<String, String>>,
        updates: Vec<(String, String)>,
    ) -> Result<WriteStats, Diagnostic> {
        self.finish_with(inputs, updates, false)
            .map(|(stats, _, _)| stats)
    }

    /// `finish`, returning the new manifest too. `defer`: when the previous output is updated
    /// in place, its manifest is left for the caller to write (`save_manifest`) before the next
    /// build into it; the returned flag says whether that is still to do. Only for an output
    /// no other process reads (`serve`'s): until then the old manifest describes the files.
    pub fn finish_with(
        mut self,
        inputs: Option<std::collections::BTreeMap<String, String>>,
        updates: Vec<(String, String)>,
        defer: bool,
    ) -> Result<(WriteStats, std::sync::Arc<Manifest>, bool), Diagnostic> {
        let st = std::mem::take(&mut *self.state());
        let mut inputs = match (inputs, &self.mode) {
            (Some(i), _) => i,
            (None, Mode::Incremental { old, .. }) => old.inputs.clone(),
            (None, Mode::Full { .. }) => Default::default(),
        };
        inputs.extend(updates);
        let manifest = Manifest {
            files: st.files,
            inputs,
        };
        self.finished = true;
        match &self.mode {
            Mode::Full { staging } => {
                let manifest_bytes = manifest.to_text().into_bytes();
                let written = |p: &Path, bytes: &[u8]| {
                    fp("cannot write", p)?;
                    std::fs::write(p, bytes).map_err(|e| io_err("cannot write", p, e))
                };
                let result = std::fs::create_dir_all(staging.join(".crosswalk"))
                    .map_err(|e| io_err("cannot create folder", staging, e))
                    .and_then(|_| written(&staging.join(MANIFEST), &manifest_bytes))
                    .and_then(|_| written(&staging.join(MARKER), MARKER_TEXT.as_bytes()))
                    .and_then(|_| swap_in(staging, &self.dest));
                if result.is_err() {
                    let _ = std::fs::remove_dir_all(staging);
                }
                result?;
                let stats = WriteStats {
                    written: st.written,
                    ..WriteStats::default()
                };
                Ok((stats, std::sync::Arc::new(manifest), false))
            }
            Mode::Incremental { old } => {
                let removed: Vec<&String> = if st.listed_before == old.files.len() {
                    Vec::new()
                } else {
                    old.files
                        .keys()
                        .filter(|p| !manifest.files.contains_key(*p))
                        .collect()
                };
                let stats = WriteStats {
                    written: st.written,
                    unchanged: st.unchanged,
                    removed: removed.len(),
                };
                let mut staged = st.staged;
                if !defer {
                    let target = self.dest.join(MANIFEST);
                    let tmp = tmp_beside(&target);
                    if let Err(e) = crate::base::fault::point(&tmp)
                        .and_then(|_| std::fs::create_dir_all(self.dest.join(".crosswalk")))
                        .and_then(|_| std::fs::write(&tmp, manifest.to_text()))
                    {
                        for (t, _) in &staged {
                            let _ = std::fs::remove_file(t);
                        }
                        return Err(io_err("cannot write", &tmp, e));
                    }
                    staged.push((tmp, target));
                }
                for (tmp, target) in &staged {
                    fp("cannot move into place", target)?;
                    std::fs::rename(tmp, target)
                        .map_err(|e| io_err("cannot move into place", target, e))?;
                    // Renaming a hard link onto another link to the same file does nothing (an
                    // evidence file edited in place is still linked from the last output).
                    if std::fs::symlink_metadata(tmp).is_ok() {
                        let _ = std::fs::remove_file(tmp);
                    }
                }
                for p in removed {
                    fp("cannot remove", &self.dest.join(p))?;
                    remove_published(&self.dest, p);
                }
                Ok((stats, std::sync::Arc::new(manifest), defer))
            }
        }
    }
}

impl Drop for Writer {
    /// An unfinished write (a failed build) leaves no trace: staged files and folders go.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        match &self.mode {
            Mode::Full { staging } => {
                let _ = std::fs::remove_dir_all(staging);
            }
            Mode::Incremental { .. } => {
                for (tmp, _) in &self.state().staged {
                    let _ = std::fs::remove_file(tmp);
                }
            }
        }
    }
}

/// Writes the manifest `finish_with` left to write, by rename.
pub fn save_manifest(dest: &Path, manifest: &Manifest) -> Result<(), Diagnostic> {
    let target = dest.join(MANIFEST);
    let tmp = tmp_beside(&target);
    std::fs::write(&tmp, manifest.to_text())
        .and_then(|_| std::fs::rename(&tmp, &target))
        .map_err(|e| io_err("cannot write", &target, e))
}

/// Removes a published file the build no longer produces, and any folder that leaves empty
/// (never the output itself).
pub(crate) fn remove_published(dest: &Path, rel: &str) {
    if let Ok(target) = safe_join(dest, rel) {
        let _ = std::fs::remove_file(&target);
        let mut dir = target.parent().map(Path::to_path_buf);
        while let Some(d) = dir {
            if d == dest || std::fs::remove_dir(&d).is_err() {
                break;
            }
            dir = d.parent().map(Path::to_path_buf);
        }
    }
}

/// Refuses an output folder that would put the site at risk: `/`, the site root, a parent of
/// the site, a folder that contains or sits inside `content/`, `mappings/` or `themes/`.
pub fn check_output_dir(root: &Path, output: &Path) -> Result<PathBuf, Diagnostic> {
    let root = root.canonicalize().map_err(|e| {
        Diagnostic::error(root, format!("cannot open site folder: {e}")).with_rule(rules::IO)
    })?;
    let out = normalise(&if output.is_absolute() {
        output.to_path_buf()
    } else {
        root.join(output)
    });
    // Resolve symlinks in the part that exists, but the output's own name: the output is a link
    // to its published generation (publish.rs), which is replaced, never followed.
    let out = match (out.parent(), out.file_name()) {
        (Some(parent), Some(name)) => resolve_existing(parent).join(name),
        _ => resolve_existing(&out),
    };
    let refuse = |why: &str| {
        Err(Diagnostic::error(
            crate::model::config::CONFIG_FILE,
            format!("refusing output folder {}: {why}", out.display()),
        )
        .with_rule(rules::OUTPUT_FOLDER)
        .with_hint("set `output:` (or --output) to a dedicated folder such as public/"))
    };
    if out.parent().is_none() {
        return refuse("it is the filesystem root");
    }
    if out == root {
        return refuse("it is the site root");
    }
    if root.starts_with(&out) {
        return refuse("it contains the site");
    }
    for protected in ["content", "mappings", "themes", ".git"] {
        let p = root.join(protected);
        if out.starts_with(&p) {
            return refuse(&format!("it is inside {protected}/"));
        }
    }
    if out.is_file() {
        return refuse("it is a file");
    }
    Ok(out)
}

fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

fn resolve_existing(p: &Path) -> PathBuf {
    let mut existing = p.to_path_buf();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(|n| n.to_owned()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return p.to_path_buf(),
        }
    }
    let mut base = existing.canonicalize().unwrap_or(existing);
    for name in rest.into_iter().rev() {
        base.push(name);
    }
    base
}

const MARKER_TEXT: &str = "This folder is generated by crosswalk and replaced on every build.\n";

/// Refuses to replace a non-empty folder crosswalk did not write, then makes a fresh, empty
/// staging folder beside `dest`.
fn prepare_staging(dest: &Path) -> Result<PathBuf, Diagnostic> {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    let parent = dest.parent().unwrap_or(Path::new("."));
    if dest.exists()
        && !dest.join(MARKER).exists()
        && std::fs::read_dir(dest)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(Diagnostic::error(
            dest,
            "output folder exists, is not empty and was not written by crosswalk: refusing to replace it",
        ).with_rule(rules::OUTPUT_FOLDER)
        .with_hint("choose another `output:` folder, or empty this one"));
    }
    std::fs::create_dir_all(parent).map_err(|e| io_err("cannot create folder", parent, e))?;
    let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)
            .map_err(|e| io_err("cannot clear staging folder", &staging, e))?;
    }
    std::fs::create_dir_all(&staging).map_err(|e| io_err("cannot create folder", &staging, e))?;
    Ok(staging)
}

/// Swap: the old output moves aside, the complete new one takes its name, the old one goes.
pub fn swap_in(staging: &Path, dest: &Path) -> Result<(), Diagnostic> {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    let parent = dest.parent().unwrap_or(Path::new("."));
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    fp("cannot move the previous output aside", dest)?;
    if dest.exists() {
        std::fs::rename(dest, &old)
            .map_err(|e| io_err("cannot move the previous output aside", dest, e))?;
    }
    if let Err(e) = crate::base::fault::point(dest).and_then(|_| std::fs::rename(staging, dest)) {
        if old.exists() {
            let _ = std::fs::rename(&old, dest);
        }
        return Err(io_err("cannot move the new output into place", dest, e));
    }
    if old.exists() {
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
}

/// Writes `output` into `dest` atomically (see the module comment). Files are copied, never
/// linked: what this writes (an audit package) is handed to others.
pub fn write_atomic(dest: &Path, output: &Output) -> Result<(), Diagnostic> {
    let staging = stage(dest, output)?;
    let result = swap_in(&staging, dest);
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

/// `output` written whole into a fresh staging folder beside `dest`, to be swapped in.
pub fn stage(dest: &Path, output: &Output) -> Result<PathBuf, Diagnostic> {
    let staging = prepare_staging(dest)?;
    if let Err(e) = fill(&staging, output) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    Ok(staging)
}

/// A hidden temporary name beside `target`, of this process's own.
pub fn hidden_tmp(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.crosswalk-tmp-{}", std::process::id()))
}

/// Removes what a killed writer of `dest` (or of `dest.zip`) left beside it: staging and old
/// folders and hidden temporary files, by their names.
pub fn clear_leftovers(dest: &Path) {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(parent) = dest.parent() else { return };
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let prefixes = [
        format!(".{name}.staging-"),
        format!(".{name}.old-"),
        format!(".{name}.zip.crosswalk-tmp-"),
        format!("{name}.zip.partial"),
    ];
    for e in entries.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if prefixes.iter().any(|p| n.starts_with(p.as_str())) {
            let p = e.path();
            if p.is_dir() {
                let _ = std::fs::remove_dir_all(&p);
            } else {
                let _ = std::fs::remove_file(&p);
            }
        }
    }
}

fn fill(staging: &Path, output: &Output) -> Result<(), Diagnostic> {
    let err = |what: &str, p: &Path, e: std::io::Error| {
        Diagnostic::error(p, format!("{what}: {e}")).with_rule(rules::IO)
    };
    std::fs::create_dir_all(staging).map_err(|e| err("cannot create folder", staging, e))?;
    let mut dirs: Vec<PathBuf> = output
        .files
        .iter()
        .map(|(p, _)| p.as_str())
        .chain(output.copies.iter().map(|(p, _, _)| p.as_str()))
        .map(|p| {
            safe_join(staging, p).map(|f| f.parent().map(Path::to_path_buf).unwrap_or_default())
        })
        .collect::<Result<_, _>>()?;
    dirs.sort();
    dirs.dedup();
    for d in &dirs {
        std::fs::create_dir_all(d).map_err(|e| err("cannot create folder", d, e))?;
    }
    output.files.par_iter().try_for_each(|(p, bytes)| {
        let target = safe_join(staging, p)?;
        fp("cannot write", &target)?;
        std::fs::write(&target, bytes).map_err(|e| err("cannot write", &target, e))
    })?;
    output.copies.par_iter().try_for_each(|(p, src, _)| {
        let target = safe_join(staging, p)?;
        fp("cannot write", &target)?;
        std::fs::copy(src, &target)
            .map(|_| ())
            .map_err(|e| err("cannot copy", src, e))
    })?;
    std::fs::write(staging.join(MARKER), MARKER_TEXT).map_err(|e| err("cannot write", staging, e))
}

/// Joins a generated relative path onto the staging folder, refusing anything that could escape.
pub(crate) fn safe_join(base: &Path, rel: &str) -> Result<PathBuf, Diagnostic> {
    let p = Path::new(rel);
    let ok = !rel.is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)));
    if ok {
        Ok(base.join(p))
    } else {
        Err(
            Diagnostic::error(rel, "refusing to write a file outside the output folder")
                .with_rule(rules::OUTPUT_FOLDER),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_folders_that_endanger_the_site_are_refused() {
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(site.path().join("content")).unwrap();
        for bad in [".", "..", "/", "content", "content/x", "mappings"] {
            assert!(
                check_output_dir(site.path(), Path::new(bad)).is_err(),
                "{bad} accepted"
            );
        }
        assert!(check_output_dir(site.path(), Path::new("public")).is_ok());
        assert!(check_output_dir(site.path(), Path::new("build/site")).is_ok());
    }

    #[test]
    fn manifests_round_trip_any_path() {
        let mut m = Manifest::default();
        for p in ["a b/c.html", "x\\n\ny\r\t.html", "plain.html"] {
            m.files.insert(p.to_string(), "h1-2".into());
            m.inputs.insert(p.to_string(), "h3-4".into());
        }
        assert_eq!(Manifest::parse(&m.to_text()), Some(m));
        assert_eq!(Manifest::parse("not a manifest"), None);
    }

    #[test]
    fn generated_paths_cannot_escape() {
        let base = Path::new("/tmp/x");
        assert!(safe_join(base, "../evil").is_err());
        assert!(safe_join(base, "/etc/passwd").is_err());
        assert!(safe_join(base, "a/b.html").is_ok());
    }
}
