//! Reading a site as it was at a git revision, from git's objects and never through the work
//! tree or the index: the `git` command finds the repository and the site's place in it,
//! resolves the revision to a commit, lists the site's subtree and streams its blobs out of one
//! `cat-file --batch` process into a folder. Every way this can fail (no git, not a repository,
//! a shallow clone without the commit, an unknown revision) is a diagnostic saying what to do.

use crate::base::diagnostic::Diagnostic;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Where the site lies in its repository.
#[derive(Debug, Clone)]
pub struct Repo {
    /// The work tree's top folder.
    pub top: PathBuf,
    /// The site's folder relative to `top`, with `/` separators; empty at the top.
    pub prefix: String,
}

/// `git -C dir`, with pathspecs taken literally and never a prompt for credentials.
fn git(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C")
        .arg(dir)
        .env("GIT_LITERAL_PATHSPECS", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null());
    c
}

fn not_installed(e: &std::io::Error) -> Diagnostic {
    Diagnostic::error("git", format!("cannot run `git`: {e}"))
.with_rule(crate::base::rules::IO)
        .with_hint("`crosswalk diff` reads the revision with the git command: install git and make sure it is on PATH")
}

fn output(mut cmd: Command) -> Result<Output, Diagnostic> {
    cmd.output().map_err(|e| not_installed(&e))
}

/// git's own complaint, first line, for a message.
fn first_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    line.trim().trim_start_matches("fatal: ").to_string()
}

/// The repository holding the site at `root`, and the site's place in it.
pub fn find(root: &Path) -> Result<Repo, Diagnostic> {
    let mut cmd = git(root);
    cmd.args(["rev-parse", "--show-toplevel", "--show-prefix"]);
    let out = output(cmd)?;
    if !out.status.success() {
        let why = first_line(&out.stderr);
        let d = if why.contains("not a git repository") {
            Diagnostic::error(root, "not a git repository: there is no revision to compare with")
.with_rule(crate::base::rules::GIT_REVISION)
                .with_hint("run `crosswalk diff` in a clone of the site's repository (or `git init` and commit the site first)")
        } else {
            Diagnostic::error(
                root,
                format!("git cannot read this folder's repository: {why}"),
            )
            .with_rule(crate::base::rules::IO)
            .with_hint("run `git status` here to see what git needs")
        };
        return Err(d);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let top = lines.next().unwrap_or("").trim();
    if top.is_empty() {
        return Err(
            Diagnostic::error(root, "not inside a git work tree (a bare repository?)")
                .with_rule(crate::base::rules::GIT_REVISION)
                .with_hint("run `crosswalk diff` in a clone of the site's repository"),
        );
    }
    let prefix = lines.next().unwrap_or("").trim().trim_end_matches('/');
    Ok(Repo {
        top: PathBuf::from(top),
        prefix: prefix.to_string(),
    })
}

/// The commit `rev` names, as a full hex id.
pub fn resolve(repo: &Repo, rev: &str) -> Result<String, Diagnostic> {
    if rev.starts_with('-') || rev.is_empty() || rev.contains('\0') {
        return Err(
            Diagnostic::error("<command line>", format!("`{rev}` is not a revision"))
                .with_rule(crate::base::rules::USAGE)
                .with_hint("name a branch, tag or commit, e.g. `crosswalk diff origin/main`"),
        );
    }
    let mut cmd = git(&repo.top);
    cmd.args(["rev-parse", "--verify", "--quiet"])
        .arg(format!("{rev}^{{commit}}"));
    let out = output(cmd)?;
    let sha = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if out.status.success() && !sha.is_empty() && sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(sha);
    }
    if is_shallow(repo)? {
        return Err(Diagnostic::error(
            "<command line>",
            format!("revision `{rev}` is not in this shallow clone: its history was cut off"),
        )
.with_rule(crate::base::rules::USAGE)
        .with_hint("fetch the whole history with `git fetch --unshallow` (GitHub Actions: `fetch-depth: 0` in actions/checkout; GitLab CI: `GIT_DEPTH: 0`)"));
    }
    let hint = match rev.split_once('/') {
        Some((remote, branch)) if !branch.is_empty() && !remote.is_empty() => format!(
            "check the spelling, or fetch it first: `git fetch {remote} {branch}`"
        ),
        _ => "check the spelling (`git log --oneline` lists commits, `git branch -a` branches), or fetch it first, e.g. `git fetch origin main`".to_string(),
    };
    Err(Diagnostic::error(
        "<command line>",
        format!("unknown revision `{rev}`: no commit of this repository has that name"),
    )
    .with_rule(crate::base::rules::USAGE)
    .with_hint(hint))
}

fn is_shallow(repo: &Repo) -> Result<bool, Diagnostic> {
    let mut cmd = git(&repo.top);
    cmd.args(["rev-parse", "--is-shallow-repository"]);
    let out = output(cmd)?;
    Ok(String::from_utf8_lossy(&out.stdout).trim() == "true")
}

/// One file of the site's subtree at the commit.
struct Blob {
    sha: String,
    /// Relative to the site's folder.
    rel: PathBuf,
}

/// Writes the site's files as they are at `commit` into `dest` (an empty folder), skipping
/// symbolic links, submodules and the site's own cache. Returns a warning for each skipped entry.
pub fn extract(repo: &Repo, commit: &str, dest: &Path) -> Result<Vec<Diagnostic>, Diagnostic> {
    let mut cmd = git(&repo.top);
    cmd.args(["ls-tree", "-r", "-z", "--full-tree", commit]);
    if !repo.prefix.is_empty() {
        cmd.arg("--").arg(&repo.prefix);
    }
    let out = output(cmd)?;
    if !out.status.success() {
        return Err(Diagnostic::error(
            "<command line>",
            format!(
                "cannot list commit {}: {}",
                short(commit),
                first_line(&out.stderr)
            ),
        )
        .with_rule(crate::base::rules::USAGE));
    }
    let (blobs, warnings) = entries(&out.stdout, &repo.prefix, commit);
    let config = Path::new(crate::model::config::CONFIG_FILE);
    if !blobs.iter().any(|b| b.rel == config) {
        let folder = if repo.prefix.is_empty() {
            "the repository's top folder".to_string()
        } else {
            format!("`{}`", repo.prefix)
        };
        return Err(Diagnostic::error(
            "<command line>",
            format!(
                "the site did not exist at {}: {folder} has no {} there",
                short(commit),
                config.display()
            ),
        )
        .with_rule(crate::base::rules::USAGE)
        .with_hint("compare with a later revision, one that has the site"));
    }
    write_blobs(repo, &blobs, dest)?;
    Ok(warnings)
}

/// The blobs of an `ls-tree -r -z` listing that lie in the site's folder, and a warning for
/// each entry skipped.
fn entries(listing: &[u8], prefix: &str, commit: &str) -> (Vec<Blob>, Vec<Diagnostic>) {
    let mut blobs = Vec::new();
    let mut warnings = Vec::new();
    let at = short(commit);
    for entry in listing.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        let Some(tab) = entry.iter().position(|&b| b == b'\t') else {
            continue;
        };
        let head = String::from_utf8_lossy(&entry[..tab]);
        let mut fields = head.split(' ');
        let (mode, kind, sha) = (fields.next(), fields.next(), fields.next());
        let (Some(mode), Some(kind), Some(sha)) = (mode, kind, sha) else {
            continue;
        };
        let Ok(full) = std::str::from_utf8(&entry[tab + 1..]) else {
            warnings.push(
                Diagnostic::warning(
                    String::from_utf8_lossy(&entry[tab + 1..]).into_owned(),
                    format!("skipped at {at}: the path is not UTF-8"),
                )
                .with_rule(crate::base::rules::GIT_REVISION),
            );
            continue;
        };
        let rel = if prefix.is_empty() {
            full
        } else {
            match full.strip_prefix(prefix).and_then(|r| r.strip_prefix('/')) {
                Some(r) => r,
                None => continue,
            }
        };
        let rel_path = PathBuf::from(rel);
        if rel_path.components().next() == Some(Component::Normal(crate::model::CACHE_DIR.as_ref()))
        {
            continue;
        }
        if !rel_path
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        {
            warnings.push(
                Diagnostic::warning(rel, format!("skipped at {at}: not a plain relative path"))
                    .with_rule(crate::base::rules::GIT_REVISION),
            );
            continue;
        }
        match (kind, mode) {
            ("blob", "120000") => warnings.push(
                Diagnostic::warning(rel, format!("skipped at {at}: a symbolic link"))
.with_rule(crate::base::rules::GIT_REVISION)
                    .with_hint("the revision's site is read from git objects, where a link is only its target's name"),
            ),
            ("blob", _) => blobs.push(Blob {
                sha: sha.to_string(),
                rel: rel_path,
            }),
            ("commit", _) => warnings.push(
                Diagnostic::warning(rel, format!("skipped at {at}: a submodule"))
.with_rule(crate::base::rules::GIT_REVISION)
                    .with_hint("files of a submodule are not part of this repository's commits"),
            ),
            _ => {}
        }
    }
    (blobs, warnings)
}

/// Streams every blob out of one `git cat-file --batch` into `dest`. The ids are written on a
/// thread of their own, so neither pipe can fill up while the other waits.
fn write_blobs(repo: &Repo, blobs: &[Blob], dest: &Path) -> Result<(), Diagnostic> {
    if blobs.is_empty() {
        return Ok(());
    }
    let mut cmd = git(&repo.top);
    cmd.args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| not_installed(&e))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let ids: Vec<String> = blobs.iter().map(|b| format!("{}\n", b.sha)).collect();
    let feeder = std::thread::spawn(move || {
        for id in ids {
            if stdin.write_all(id.as_bytes()).is_err() {
                break;
            }
        }
        // Dropping stdin ends the batch.
    });
    let mut reader = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let result = blobs
        .iter()
        .try_for_each(|b| read_one(&mut reader, b, dest));
    drop(reader);
    let _ = feeder.join();
    let status = child.wait();
    result?;
    match status {
        Ok(s) if s.success() => Ok(()),
        _ => Err(Diagnostic::error(
            "git",
            "`git cat-file --batch` failed while reading the revision",
        )
        .with_rule(crate::base::rules::GIT_REVISION)),
    }
}

/// One `<sha> <type> <size>\n<bytes>\n` answer, written to the blob's file.
fn read_one(reader: &mut impl BufRead, b: &Blob, dest: &Path) -> Result<(), Diagnostic> {
    let err = |m: String| Diagnostic::error(&b.rel, m).with_rule(crate::base::rules::GIT_REVISION);
    let mut header = String::new();
    reader
        .read_line(&mut header)
        .map_err(|e| err(format!("cannot read from git: {e}")))?;
    let mut fields = header.split_whitespace();
    let (sha, kind, size) = (fields.next(), fields.next(), fields.next());
    let size: u64 = match (sha, kind, size) {
        (Some(s), Some("blob"), Some(n)) if s == b.sha => n
            .parse()
            .map_err(|_| err(format!("unexpected answer from git: {}", header.trim())))?,
        _ => {
            return Err(err(format!(
                "git cannot read object {}: {}",
                b.sha,
                header.trim()
            ))
            .with_hint(
                "the repository may be incomplete (a partial or shallow clone): fetch it fully",
            ));
        }
    };
    let path = dest.join(&b.rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| {
            Diagnostic::error(parent, format!("cannot create folder: {e}"))
                .with_rule(crate::base::rules::IO)
        })?;
    }
    let mut file = std::fs::File::create(&path).map_err(|e| {
        Diagnostic::error(&path, format!("cannot write: {e}")).with_rule(crate::base::rules::IO)
    })?;
    let copied = std::io::copy(&mut reader.by_ref().take(size), &mut file).map_err(|e| {
        Diagnostic::error(&path, format!("cannot write: {e}")).with_rule(crate::base::rules::IO)
    })?;
    if copied != size {
        return Err(err("git's answer ended early".into()));
    }
    let mut newline = [0u8; 1];
    reader
        .read_exact(&mut newline)
        .map_err(|e| err(format!("cannot read from git: {e}")))?;
    Ok(())
}

/// A commit id as people quote it.
pub fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_keeps_the_sites_blobs_and_names_what_it_skips() {
        let listing = b"100644 blob aaaa\tsite/crosswalk.yaml\0\
100755 blob bbbb\tsite/content/policies/a.md\0\
120000 blob cccc\tsite/content/link.md\0\
160000 commit dddd\tsite/vendor/lib\0\
100644 blob eeee\tsite/.crosswalk-cache/x\0\
100644 blob ffff\tsitex/other.md\0";
        let (blobs, warnings) = entries(listing, "site", "0123456789abcdef0123");
        let rels: Vec<_> = blobs.iter().map(|b| b.rel.clone()).collect();
        assert_eq!(
            rels,
            [
                PathBuf::from("crosswalk.yaml"),
                PathBuf::from("content/policies/a.md")
            ]
        );
        assert_eq!(warnings.len(), 2);
        assert!(warnings[0].message.contains("symbolic link"));
        assert!(warnings[1].message.contains("submodule"));
        assert_eq!(warnings[1].path, PathBuf::from("vendor/lib"));
    }
}
