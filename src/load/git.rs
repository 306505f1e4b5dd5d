//! Git dates of the site's files, for the updates feed: the date of the last commit that touched
//! each file, read with one `git log` process for every file (never one per file), and the
//! revision checked out, which tells a rebuild that the dates may have moved. Only the commit
//! (committer) dates are read, never commit messages, which can name files a build hides. A site
//! outside git, or on a machine without git, simply has no dates: nothing here is an error.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// The date of the last commit that touched each of the files asked about (site-relative,
/// `/`-separated), as git's strict ISO 8601 committer date (`2026-03-02T10:15:00+01:00`, an RFC
/// 3339 date-time), the same for the same commit. Files git does not know are left out.
pub type CommitDates = BTreeMap<String, String>;

/// The last commit date of each of `wanted` (paths relative to `root`), from one `git log` over
/// the folders they are in. Reading stops as soon as every wanted file has its date, so a long
/// history is read only as far back as the oldest file's last change.
pub fn last_commits(root: &Path, wanted: &[String]) -> CommitDates {
    let mut dates = CommitDates::new();
    if wanted.is_empty() {
        return dates;
    }
    let mut left: BTreeSet<&str> = wanted.iter().map(String::as_str).collect();
    // The top folders the files are in (`content`), as pathspecs: git's output then names
    // nothing else of the repository.
    let tops: BTreeSet<&str> = wanted
        .iter()
        .map(|w| w.split('/').next().unwrap_or(w))
        .collect();
    let mut cmd = git(root);
    cmd.args([
        "log",
        "-z",
        "--format=%x1e%cI",
        "--name-only",
        "--no-renames",
        "--relative",
        "--",
    ])
    .args(tops.iter().map(|t| format!(":(literal){t}")));
    let Ok(mut child) = cmd.stdout(Stdio::piped()).spawn() else {
        return dates;
    };
    if let Some(out) = child.stdout.take() {
        read_log(BufReader::new(out), &mut left, &mut dates);
    }
    // Once every file has its date the rest of the history is not needed: stop git.
    if left.is_empty() {
        let _ = child.kill();
    }
    let _ = child.wait();
    dates
}

/// Reads `git log -z --format=%x1e%cI --name-only` output: each commit is `\x1e<date>\0`, then
/// `\n` and its files, each ending in `\0`. Newest commit first, so a file's first date is its
/// last commit's.
fn read_log(mut out: impl BufRead, left: &mut BTreeSet<&str>, dates: &mut CommitDates) {
    let mut date: Option<String> = None;
    let mut token = Vec::new();
    while !left.is_empty() {
        token.clear();
        match out.read_until(0, &mut token) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if token.last() == Some(&0) {
            token.pop();
        }
        if let Some(d) = token.strip_prefix(b"\x1e") {
            date = std::str::from_utf8(d)
                .ok()
                .filter(|d| is_date_time(d))
                .map(str::to_string);
            continue;
        }
        let name = token.strip_prefix(b"\n").unwrap_or(&token);
        let (Some(d), Ok(name)) = (&date, std::str::from_utf8(name)) else {
            continue;
        };
        if left.remove(name) {
            dates.insert(name.to_string(), d.clone());
        }
    }
}

/// Whether `s` looks like git's strict ISO 8601 date (`YYYY-MM-DDTHH:MM:SS` and a zone).
fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

/// The commit checked out in the repository holding `root`, if it is in one.
pub fn revision(root: &Path) -> Option<String> {
    let out = git(root)
        .args(["rev-parse", "--verify", "--quiet", "HEAD"])
        .stdout(Stdio::piped())
        .output()
        .ok()?;
    let rev = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !rev.trim().is_empty()).then(|| rev.trim().to_string())
}

/// `git` in `root`, quiet, with settings that would change its output turned off.
fn git(root: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(root)
        .args([
            "-c",
            "log.showSignature=false",
            "-c",
            "core.quotePath=false",
        ])
        // The repository is the one holding the site, found from it, even when crosswalk runs
        // inside a git hook of another repository (which sets these).
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env("GIT_PAGER", "cat")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_newest_date_of_each_file_and_stops_when_all_are_found() {
        let log = b"\x1e2026-02-02T03:04:05Z\0\ncontent/policies/a.md\0\x1e2026-01-02T03:04:05+02:00\0\ncontent/policies/a.md\0content/policies/b.md\0\x1ebad\0\ncontent/policies/c.md\0";
        let mut left: BTreeSet<&str> = ["content/policies/a.md", "content/policies/b.md"]
            .into_iter()
            .collect();
        let mut dates = CommitDates::new();
        read_log(&log[..], &mut left, &mut dates);
        assert!(left.is_empty());
        assert_eq!(dates["content/policies/a.md"], "2026-02-02T03:04:05Z");
        assert_eq!(dates["content/policies/b.md"], "2026-01-02T03:04:05+02:00");
    }

    #[test]
    fn a_malformed_date_gives_no_date() {
        let log = b"\x1enot a date\0\ncontent/x.md\0";
        let mut left: BTreeSet<&str> = ["content/x.md"].into_iter().collect();
        let mut dates = CommitDates::new();
        read_log(&log[..], &mut left, &mut dates);
        assert!(dates.is_empty());
    }

    #[test]
    fn a_folder_outside_git_has_no_dates() {
        let dir = tempfile::tempdir().unwrap();
        let dates = last_commits(dir.path(), &["content/policies/a.md".to_string()]);
        assert!(dates.is_empty());
        assert_eq!(revision(dir.path()), None);
    }
}
