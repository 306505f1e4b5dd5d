//! Publishing a build as a complete generation, switched in with one rename.
//!
//! The output path (`public/`) is a symbolic link to a generation folder kept in a hidden folder
//! beside it (`.public.crosswalk/gen-7`). Two generations are kept: the published one and a spare
//! (the one published before it). A build writes into the spare, never into the generation the
//! link points at, and publishes it by renaming a new link over the old one: a reader sees the
//! old portal or the new one, never a mix and never a half-written file, and the published
//! generation stays as it is until the next build has succeeded. A build killed at any instant
//! leaves the link pointing at a complete generation; what it was writing is found by the next
//! build (it has no manifest) and brought up to date from the current generation.
//!
//! Generations share unchanged files as hard links, so one costs only what changed. The spare is
//! first brought up to date with the current generation by linking in the files that differ
//! between the two manifests, then the writer updates it as it would the output itself. Files are
//! only ever replaced by rename, so a file shared with a published generation is never written
//! through. A first build (no generation yet) makes the spare once it has published, so that the
//! next build, usually a small edit, does not pay for linking every file.
//!
//! One lock file in the hidden folder keeps two builds (or a build and `serve --output`) off one
//! output. Layout and guarantees: docs/reliability.md.

use crate::base::diagnostic::Diagnostic;
use crate::base::fault;
use crate::base::lock::{self, Lock, Wait};
use crate::base::rules;
use crate::write::{MANIFEST, MARKER, Manifest, unescape_line};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The output folder of a build, as generations.
pub struct Publisher {
    dest: PathBuf,
    home: PathBuf,
    home_name: String,
    lock: Option<Lock>,
    wait: Wait,
    quiet: bool,
    /// `prepare` found no published generation: `publish` makes a spare after switching.
    first: bool,
}

/// A generation ready to be written: `work` holds the current generation's files (or nothing,
/// on a first build), and `current` is the text of its manifest, for the writer.
pub struct Prepared {
    pub work: PathBuf,
    pub current: Option<String>,
}

impl Prepared {
    /// The current generation's manifest, parsed.
    pub fn manifest(&self) -> Option<Arc<Manifest>> {
        self.current
            .as_deref()
            .and_then(Manifest::parse)
            .map(Arc::new)
    }
}

/// The text of the manifest in `dir`, if `dir` is a complete output.
fn manifest_text(dir: &Path) -> Option<String> {
    if !dir.join(MARKER).exists() {
        return None;
    }
    let text = std::fs::read_to_string(dir.join(MANIFEST)).ok()?;
    let ok = Manifest::file_lines(&text).is_some();
    ok.then_some(text)
}

fn io_err(what: &str, p: &Path, e: std::io::Error) -> Diagnostic {
    Diagnostic::error(p, format!("{what}: {e}")).with_rule(rules::IO)
}

/// `fault::point`, as a diagnostic.
fn point(p: &Path) -> Result<(), Diagnostic> {
    fault::point(p).map_err(|e| io_err("cannot write", p, e))
}

fn gen_number(name: &str) -> Option<u64> {
    name.strip_prefix("gen-")?.parse().ok()
}

/// A generation folder is complete when its manifest is there: a build removes it before it
/// changes anything and writes it last.
fn complete(dir: &Path) -> bool {
    dir.join(MARKER).is_file() && dir.join(MANIFEST).is_file()
}

impl Publisher {
    /// The output at `dest` (as `write::check_output_dir` accepted it). Takes the output's lock
    /// at once when the output already has its hidden folder, so a build decides what to do
    /// from an output no other build is changing.
    pub fn new(dest: &Path, wait: Wait, quiet: bool) -> Result<Publisher, Diagnostic> {
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "public".into());
        let home_name = format!(".{name}.crosswalk");
        let home = dest.parent().unwrap_or(Path::new(".")).join(&home_name);
        let mut p = Publisher {
            dest: dest.to_path_buf(),
            home,
            home_name,
            lock: None,
            wait,
            quiet,
            first: false,
        };
        p.check_dest()?;
        if p.home.is_dir() {
            p.lock()?;
        }
        Ok(p)
    }

    fn lock(&mut self) -> Result<(), Diagnostic> {
        if self.lock.is_none() {
            std::fs::create_dir_all(&self.home)
                .map_err(|e| io_err("cannot create folder", &self.home, e))?;
            self.lock = Some(lock::acquire(
                &self.home.join("lock"),
                "crosswalk build",
                self.wait,
                self.quiet,
            )?);
        }
        Ok(())
    }

    /// The generation the output link points at, if it is one of ours.
    fn current(&self) -> Option<PathBuf> {
        let target = std::fs::read_link(&self.dest).ok()?;
        let rest = target.strip_prefix(&self.home_name).ok()?;
        let name = rest.to_str()?;
        gen_number(name)?;
        let dir = self.home.join(name);
        dir.is_dir().then_some(dir)
    }

    /// Refuses an output path that is not ours to replace: a file, someone else's symbolic
    /// link, or a folder crosswalk did not write that is not empty.
    fn check_dest(&self) -> Result<(), Diagnostic> {
        let Ok(meta) = std::fs::symlink_metadata(&self.dest) else {
            return Ok(());
        };
        if meta.file_type().is_symlink() {
            if self.current().is_some() || self.points_home() {
                return Ok(());
            }
            return Err(Diagnostic::error(
                &self.dest,
                "the output is a symbolic link crosswalk did not make: refusing to replace it",
            )
            .with_rule(rules::OUTPUT_FOLDER)
            .with_hint("set `output:` (or --output) to the real folder"));
        }
        if meta.is_dir()
            && !self.dest.join(MARKER).exists()
            && std::fs::read_dir(&self.dest)
                .map(|mut d| d.next().is_some())
                .unwrap_or(true)
        {
            return Err(Diagnostic::error(
                &self.dest,
                "output folder exists, is not empty and was not written by crosswalk: refusing to replace it",
            ).with_rule(rules::OUTPUT_FOLDER)
            .with_hint("choose another `output:` folder, or empty this one"));
        }
        if !meta.is_dir() {
            return Err(Diagnostic::error(
                &self.dest,
                "the output path is a file: refusing to replace it",
            )
            .with_rule(rules::OUTPUT_FOLDER));
        }
        Ok(())
    }

    /// The output link points into our hidden folder (at a generation that may be gone).
    fn points_home(&self) -> bool {
        std::fs::read_link(&self.dest).is_ok_and(|t| t.starts_with(&self.home_name))
    }

    /// Locks the output, tidies the hidden folder (whatever a killed build left there goes),
    /// and brings a spare generation up to date with the current one, to be written.
    pub fn prepare(&mut self) -> Result<Prepared, Diagnostic> {
        self.lock()?;
        self.adopt_plain_folder()?;
        let current = self.current();
        let mut gens: Vec<(u64, PathBuf)> = Vec::new();
        let entries = std::fs::read_dir(&self.home)
            .map_err(|e| io_err("cannot read folder", &self.home, e))?;
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let path = e.path();
            if name == "lock" {
                continue;
            }
            match gen_number(&name) {
                Some(n) if path.is_dir() && !path.is_symlink() => gens.push((n, path)),
                // A link, a staging or an old folder of a killed build.
                _ => remove_any(&path)?,
            }
        }
        gens.sort();
        let next = gens.last().map_or(1, |(n, _)| n + 1);
        // Kept: the current generation and one spare, the newest complete other one if there is
        // one (it is brought up to date from the two manifests), else the newest other one.
        let others: Vec<PathBuf> = gens
            .into_iter()
            .map(|(_, p)| p)
            .filter(|p| Some(p) != current.as_ref())
            .collect();
        let spare = others
            .iter()
            .rev()
            .find(|p| complete(p))
            .or(others.last())
            .cloned();
        for s in others {
            if Some(&s) != spare.as_ref() {
                remove_any(&s)?;
            }
        }
        let work = self.home.join(format!("gen-{next}"));
        let old = match spare {
            Some(s) => {
                point(&s)?;
                std::fs::rename(&s, &work).map_err(|e| io_err("cannot rename", &s, e))?;
                manifest_text(&work)
            }
            None => None,
        };
        // From here on, until the writer finishes, `work` has no manifest: a build killed
        // meanwhile leaves it marked incomplete.
        let manifest = work.join(MANIFEST);
        if manifest.exists() {
            point(&manifest)?;
            std::fs::remove_file(&manifest).map_err(|e| io_err("cannot remove", &manifest, e))?;
        }
        self.first = current.is_none();
        let Some(current) = current else {
            // A first build: an empty folder the writer fills.
            if work.exists() {
                remove_any(&work)?;
            }
            point(&work)?;
            std::fs::create_dir_all(&work).map_err(|e| io_err("cannot create folder", &work, e))?;
            return Ok(Prepared {
                work,
                current: None,
            });
        };
        let cur = manifest_text(&current);
        match (&old, &cur) {
            (Some(old), Some(cur)) => sync(&current, &work, old, cur)?,
            _ => {
                // Nothing known of the spare (a killed build's): start it afresh.
                if work.exists() {
                    remove_any(&work)?;
                }
                point(&work)?;
                std::fs::create_dir_all(&work)
                    .map_err(|e| io_err("cannot create folder", &work, e))?;
                if let Some(cur) = cur.as_deref().and_then(Manifest::file_lines) {
                    fill_fresh(&current, &work, cur.map(|(p, _)| unescape_line(p)))?;
                }
            }
        }
        let current = match cur {
            Some(cur) => {
                link_into(&current.join(MARKER), &work.join(MARKER))?;
                Some(cur)
            }
            None => None,
        };
        Ok(Prepared { work, current })
    }

    /// An output written before generations (a plain folder crosswalk wrote) becomes the first
    /// generation: moved into the hidden folder and linked from the output path. Between the two
    /// renames the output path is missing for an instant; this happens once.
    fn adopt_plain_folder(&self) -> Result<(), Diagnostic> {
        let Ok(meta) = std::fs::symlink_metadata(&self.dest) else {
            return Ok(());
        };
        if meta.file_type().is_symlink() {
            if self.current().is_none() {
                // A link to a generation that is gone: nothing to keep.
                point(&self.dest)?;
                std::fs::remove_file(&self.dest)
                    .map_err(|e| io_err("cannot remove", &self.dest, e))?;
            }
            return Ok(());
        }
        if !meta.is_dir() {
            return Ok(());
        }
        if !self.dest.join(MARKER).exists() {
            // An empty folder (check_dest refused any other).
            point(&self.dest)?;
            return std::fs::remove_dir(&self.dest)
                .map_err(|e| io_err("cannot remove the empty output folder", &self.dest, e));
        }
        let n = std::fs::read_dir(&self.home)
            .map_err(|e| io_err("cannot read folder", &self.home, e))?
            .flatten()
            .filter_map(|e| gen_number(&e.file_name().to_string_lossy()))
            .max()
            .unwrap_or(0)
            + 1;
        let gen_dir = self.home.join(format!("gen-{n}"));
        point(&self.dest)?;
        std::fs::rename(&self.dest, &gen_dir).map_err(|e| {
            io_err(
                "cannot move the output into its hidden folder",
                &self.dest,
                e,
            )
        })?;
        self.switch(&gen_dir)
    }

    /// Points the output at `gen_dir` with one rename of a new link over the old.
    fn switch(&self, gen_dir: &Path) -> Result<(), Diagnostic> {
        let name = gen_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = self.home.join(format!("link-{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        point(&tmp)?;
        std::os::unix::fs::symlink(format!("{}/{name}", self.home_name), &tmp)
            .map_err(|e| io_err("cannot create the output link", &tmp, e))?;
        point(&self.dest)?;
        std::fs::rename(&tmp, &self.dest).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io_err(
                "cannot switch the output to the new generation",
                &self.dest,
                e,
            )
        })
    }

    /// Publishes the generation `work` (complete: the writer has written its manifest, `written`
    /// if the caller has it at hand).
    /// After a first build, also makes the spare the next build writes into: a link to each file
    /// of `work`, its manifest last. The portal is already published by then; a build killed
    /// while making it leaves a spare without a manifest, which the next build fills afresh.
    pub fn publish(&self, work: &Path, written: Option<&Manifest>) -> Result<(), Diagnostic> {
        self.switch(work)?;
        if !self.first {
            return Ok(());
        }
        let files: Vec<String> = match written {
            Some(m) => m.files.keys().cloned().collect(),
            None => match manifest_text(work) {
                Some(text) => Manifest::file_lines(&text)
                    .into_iter()
                    .flatten()
                    .map(|(p, _)| unescape_line(p))
                    .collect(),
                None => return Ok(()),
            },
        };
        let n = work
            .file_name()
            .and_then(|n| gen_number(&n.to_string_lossy()))
            .unwrap_or(0);
        let spare = self.home.join(format!("gen-{}", n + 1));
        if spare.exists() {
            remove_any(&spare)?;
        }
        point(&spare)?;
        std::fs::create_dir_all(&spare).map_err(|e| io_err("cannot create folder", &spare, e))?;
        fill_fresh(work, &spare, files.into_iter())?;
        link_into(&work.join(MARKER), &spare.join(MARKER))?;
        link_into(&work.join(MANIFEST), &spare.join(MANIFEST))
    }
}

/// Removes a file, link or folder, whatever it is.
fn remove_any(p: &Path) -> Result<(), Diagnostic> {
    point(p)?;
    let meta = match std::fs::symlink_metadata(p) {
        Ok(m) => m,
        Err(_) => return Ok(()),
    };
    let r = if meta.is_dir() {
        std::fs::remove_dir_all(p)
    } else {
        std::fs::remove_file(p)
    };
    r.map_err(|e| io_err("cannot remove", p, e))
}

/// Hard-links `src` to `dst` by way of a temporary name and a rename (a copy where a link is
/// impossible): `dst` is replaced, never written through.
fn link_into(src: &Path, dst: &Path) -> Result<(), Diagnostic> {
    if let Some(parent) = dst.parent()
        && !parent.is_dir()
    {
        point(parent)?;
        std::fs::create_dir_all(parent).map_err(|e| io_err("cannot create folder", parent, e))?;
    }
    let mut n = dst.file_name().unwrap_or_default().to_os_string();
    n.push(format!(".crosswalk-tmp-{}", std::process::id()));
    let tmp = dst.with_file_name(n);
    let _ = std::fs::remove_file(&tmp);
    point(&tmp)?;
    if std::fs::hard_link(src, &tmp).is_err() {
        std::fs::copy(src, &tmp).map_err(|e| io_err("cannot copy", src, e))?;
    }
    point(dst)?;
    std::fs::rename(&tmp, dst).map_err(|e| io_err("cannot move into place", dst, e))?;
    // Renaming a link onto another link to the same file does nothing.
    if std::fs::symlink_metadata(&tmp).is_ok() {
        let _ = std::fs::remove_file(&tmp);
    }
    Ok(())
}

/// Makes `work` (described by the manifest text `old`) hold what `current` (described by `cur`)
/// holds: files that differ are linked in from `current`, files `current` no longer has are
/// removed. The two texts are compared line by line, not parsed whole: after a small edit,
/// almost every line is the same.
fn sync(current: &Path, work: &Path, old: &str, cur: &str) -> Result<(), Diagnostic> {
    let (Some(old), Some(cur)) = (Manifest::file_lines(old), Manifest::file_lines(cur)) else {
        return Ok(());
    };
    let mut before: std::collections::HashMap<&str, &str> = old.collect();
    for (path, hash) in cur {
        if before.remove(path) != Some(hash) {
            let rel = unescape_line(path);
            let (src, dst) = (safe(current, &rel)?, safe(work, &rel)?);
            link_into(&src, &dst)?;
        }
    }
    let mut gone: Vec<&str> = before.into_keys().collect();
    gone.sort_unstable();
    for path in gone {
        let rel = unescape_line(path);
        point(&work.join(&rel))?;
        crate::write::remove_published(work, &rel);
    }
    Ok(())
}

/// Fills the new, empty folder `work` with links to each of `files` (paths in `current`): folders first, then the links, in parallel and straight to their names
/// (nobody else sees `work`, which has no manifest yet).
fn fill_fresh(
    current: &Path,
    work: &Path,
    files: impl Iterator<Item = String>,
) -> Result<(), Diagnostic> {
    use rayon::prelude::*;
    let files: Vec<(PathBuf, PathBuf)> = files
        .map(|rel| Ok((safe(current, &rel)?, safe(work, &rel)?)))
        .collect::<Result<_, Diagnostic>>()?;
    let mut dirs: Vec<&Path> = files.iter().filter_map(|(_, d)| d.parent()).collect();
    dirs.sort();
    dirs.dedup();
    for d in dirs {
        if !d.is_dir() {
            point(d)?;
            std::fs::create_dir_all(d).map_err(|e| io_err("cannot create folder", d, e))?;
        }
    }
    files
        .par_iter()
        .with_min_len(256)
        .try_for_each(|(src, dst)| {
            point(dst)?;
            if std::fs::hard_link(src, dst).is_err() {
                std::fs::copy(src, dst).map_err(|e| io_err("cannot copy", src, e))?;
            }
            Ok(())
        })
}

/// `base/rel` for a path a manifest lists, refusing one that would leave `base`.
fn safe(base: &Path, rel: &str) -> Result<PathBuf, Diagnostic> {
    crate::write::safe_join(base, rel)
}
