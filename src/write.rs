//! Stage 6: write the portal atomically. Everything goes into a fresh folder beside the output,
//! which is swapped in only when complete, so a failed build leaves the previous output exactly as
//! it was. The tool writes nowhere else.

use crate::diagnostic::Diagnostic;
use rayon::prelude::*;
use std::path::{Component, Path, PathBuf};

/// Marks a folder as crosswalk output, so a rebuild may replace it. A folder without it is never
/// replaced: it may hold someone's files.
pub const MARKER: &str = ".crosswalk-output";

/// What a build writes: generated files and files copied from the site.
#[derive(Default)]
pub struct Output {
    pub files: Vec<(String, Vec<u8>)>,
    /// (path in the output, absolute source path, the source's SHA-256)
    pub copies: Vec<(String, PathBuf, String)>,
    /// Pages not rendered again because their inputs did not change: the file already in the
    /// output stays.
    pub kept: Vec<String>,
    /// Each page's input hash (view, template set, body source), for the next build to compare.
    pub inputs: std::collections::BTreeMap<String, String>,
    /// Published evidence files outside content/, which the next fingerprint must include.
    pub also: Vec<String>,
}

/// Where a build records what it wrote (path -> content hash) and what each page was made from,
/// so the next build renders and writes only what changed. It describes published files only.
pub const MANIFEST: &str = ".crosswalk/manifest.json";

#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub files: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub inputs: std::collections::BTreeMap<String, String>,
}

impl Manifest {
    pub fn read(dest: &Path) -> Option<Manifest> {
        if !dest.join(MARKER).exists() {
            return None;
        }
        serde_json::from_slice(&std::fs::read(dest.join(MANIFEST)).ok()?).ok()
    }
}

/// A fast content hash for change detection (not for integrity: evidence uses SHA-256).
pub fn content_hash(bytes: &[u8]) -> String {
    use std::hash::Hasher;
    let mut h = std::hash::DefaultHasher::new();
    h.write(bytes);
    format!("{:016x}-{}", h.finish(), bytes.len())
}

/// What a write did.
#[derive(Debug, Default, Clone, Copy)]
pub struct WriteStats {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Writes `output` into `dest`. The first build (or one after the output was tampered with) is
/// written whole and swapped in atomically; later builds write only the files whose content
/// changed and remove the ones no longer produced. Either way every new file is written in full
/// before any old one is replaced, so a failed write leaves the previous output as it was.
pub fn write_output(dest: &Path, output: &Output) -> Result<WriteStats, Diagnostic> {
    let old = Manifest::read(dest);
    let mut manifest = Manifest {
        files: Default::default(),
        inputs: output.inputs.clone(),
    };
    for p in &output.kept {
        if let Some(h) = old.as_ref().and_then(|m| m.files.get(p)) {
            manifest.files.insert(p.clone(), h.clone());
        }
    }
    for (p, bytes) in &output.files {
        manifest.files.insert(p.clone(), content_hash(bytes));
    }
    for (p, _, sha) in &output.copies {
        manifest.files.insert(p.clone(), format!("sha256:{sha}"));
    }
    let manifest_bytes = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    let Some(old) = old.filter(|_| output.kept.is_empty() || dest.join(MARKER).exists()) else {
        let mut full = Output {
            files: output.files.clone(),
            copies: output.copies.clone(),
            ..Output::default()
        };
        full.files.push((MANIFEST.to_string(), manifest_bytes));
        write_atomic(dest, &full)?;
        return Ok(WriteStats {
            written: output.files.len() + output.copies.len(),
            ..WriteStats::default()
        });
    };
    let changed = |p: &String| old.files.get(p) != manifest.files.get(p) || !dest.join(p).is_file();
    let files: Vec<&(String, Vec<u8>)> = output.files.iter().filter(|(p, _)| changed(p)).collect();
    let copies: Vec<&(String, PathBuf, String)> = output
        .copies
        .iter()
        .filter(|(p, _, _)| changed(p))
        .collect();
    let removed: Vec<&String> = old
        .files
        .keys()
        .filter(|p| !manifest.files.contains_key(*p))
        .collect();
    let stats = WriteStats {
        written: files.len() + copies.len(),
        unchanged: manifest.files.len() - files.len() - copies.len(),
        removed: removed.len(),
    };
    // Stage every changed file beside its target, then rename them all into place.
    let err =
        |what: &str, p: &Path, e: std::io::Error| Diagnostic::error(p, format!("{what}: {e}"));
    let tmp_name = |p: &Path| {
        let mut n = p.file_name().unwrap_or_default().to_os_string();
        n.push(format!(".crosswalk-tmp-{}", std::process::id()));
        p.with_file_name(n)
    };
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut stage = |rel: &str,
                     write: &dyn Fn(&Path) -> std::io::Result<()>|
     -> Result<(), Diagnostic> {
        let target = safe_join(dest, rel)?;
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| err("cannot create folder", parent, e))?;
        }
        let tmp = tmp_name(&target);
        write(&tmp).map_err(|e| err("cannot write", &tmp, e))?;
        staged.push((tmp, target));
        Ok(())
    };
    let mut result = Ok(());
    for (p, bytes) in &files {
        result = result.and_then(|_| stage(p, &|t| std::fs::write(t, bytes)));
    }
    for (p, src, _) in &copies {
        result = result.and_then(|_| stage(p, &|t| std::fs::copy(src, t).map(|_| ())));
    }
    result = result.and_then(|_| stage(MANIFEST, &|t| std::fs::write(t, &manifest_bytes)));
    if let Err(e) = result {
        for (tmp, _) in &staged {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e);
    }
    for (tmp, target) in &staged {
        std::fs::rename(tmp, target).map_err(|e| err("cannot move into place", target, e))?;
    }
    for p in removed {
        if let Ok(target) = safe_join(dest, p) {
            let _ = std::fs::remove_file(&target);
            // Drop folders the removal emptied, never the output itself.
            let mut dir = target.parent().map(Path::to_path_buf);
            while let Some(d) = dir {
                if d == dest || std::fs::remove_dir(&d).is_err() {
                    break;
                }
                dir = d.parent().map(Path::to_path_buf);
            }
        }
    }
    Ok(stats)
}

/// Refuses an output folder that would put the site at risk: `/`, the site root, a parent of
/// the site, a folder that contains or sits inside `content/`, `mappings/` or `themes/`.
pub fn check_output_dir(root: &Path, output: &Path) -> Result<PathBuf, Diagnostic> {
    let root = root
        .canonicalize()
        .map_err(|e| Diagnostic::error(root, format!("cannot open site folder: {e}")))?;
    let out = normalise(&if output.is_absolute() {
        output.to_path_buf()
    } else {
        root.join(output)
    });
    // Resolve symlinks in the part that exists.
    let out = resolve_existing(&out);
    let refuse = |why: &str| {
        Err(Diagnostic::error(
            crate::config::CONFIG_FILE,
            format!("refusing output folder {}: {why}", out.display()),
        )
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

/// Writes `output` into `dest` atomically (see the module comment).
pub fn write_atomic(dest: &Path, output: &Output) -> Result<(), Diagnostic> {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    let parent = dest.parent().unwrap_or(Path::new("."));
    let err =
        |what: &str, p: &Path, e: std::io::Error| Diagnostic::error(p, format!("{what}: {e}"));

    if dest.exists()
        && !dest.join(MARKER).exists()
        && std::fs::read_dir(dest)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(Diagnostic::error(
            dest,
            "output folder exists, is not empty and was not written by crosswalk: refusing to replace it",
        )
        .with_hint("choose another `output:` folder, or empty this one"));
    }
    std::fs::create_dir_all(parent).map_err(|e| err("cannot create folder", parent, e))?;
    let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)
            .map_err(|e| err("cannot clear staging folder", &staging, e))?;
    }
    let result = fill(&staging, output);
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    // Swap: the old output moves aside, the new one takes its name, the old one goes.
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    if dest.exists() {
        if let Err(e) = std::fs::rename(dest, &old) {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(err("cannot move the previous output aside", dest, e));
        }
    }
    if let Err(e) = std::fs::rename(&staging, dest) {
        if old.exists() {
            let _ = std::fs::rename(&old, dest);
        }
        let _ = std::fs::remove_dir_all(&staging);
        return Err(err("cannot move the new output into place", dest, e));
    }
    if old.exists() {
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
}

fn fill(staging: &Path, output: &Output) -> Result<(), Diagnostic> {
    let err =
        |what: &str, p: &Path, e: std::io::Error| Diagnostic::error(p, format!("{what}: {e}"));
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
        std::fs::write(&target, bytes).map_err(|e| err("cannot write", &target, e))
    })?;
    output.copies.par_iter().try_for_each(|(p, src, _)| {
        let target = safe_join(staging, p)?;
        std::fs::copy(src, &target)
            .map(|_| ())
            .map_err(|e| err("cannot copy", src, e))
    })?;
    std::fs::write(
        staging.join(MARKER),
        "This folder is generated by crosswalk and replaced on every build.\n",
    )
    .map_err(|e| err("cannot write", staging, e))
}

/// Joins a generated relative path onto the staging folder, refusing anything that could escape.
fn safe_join(base: &Path, rel: &str) -> Result<PathBuf, Diagnostic> {
    let p = Path::new(rel);
    let ok = !rel.is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)));
    if ok {
        Ok(base.join(p))
    } else {
        Err(Diagnostic::error(
            rel,
            "refusing to write a file outside the output folder",
        ))
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
    fn generated_paths_cannot_escape() {
        let base = Path::new("/tmp/x");
        assert!(safe_join(base, "../evil").is_err());
        assert!(safe_join(base, "/etc/passwd").is_err());
        assert!(safe_join(base, "a/b.html").is_ok());
    }
}
