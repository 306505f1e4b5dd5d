//! Helpers shared by the integration tests: a tiny site in a temporary folder, and a way to run the
//! real `crosswalk` binary against it and look at what it printed and wrote.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// Every run is judged as of this date, so results do not depend on the calendar.
pub const TODAY: &str = "2026-11-23";

/// SOC 2 in scope, not ISO 27001: a two-file site has no Statement of Applicability or ISMS
/// records, which ISO 27001 in scope would rightly warn about (tests/isms.rs covers those).
pub const CONFIG: &str = "title: Test Portal\norganisation: Test Org\nframeworks: [soc2]\n";

/// The artifact behind the minimal site's evidence record: CRLF, a non-ASCII character and a NUL
/// byte, so a copy that is not byte for byte would show.
pub const ARTIFACT: &[u8] =
    b"account,system,decision\r\nalice,prod-db,keep\r\nb\xc3\xb6b,prod-db,remove\r\n\x00end\n";

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn assert_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code,
            Some(code),
            "expected exit code {code}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn assert_ok(&self) -> &Run {
        self.assert_code(0)
    }

    pub fn assert_failed(&self) -> &Run {
        self.assert_code(1)
    }

    pub fn assert_stderr_has(&self, needle: &str) -> &Run {
        assert!(
            self.stderr.contains(needle),
            "stderr does not contain {needle:?}\n--- stderr\n{}\n--- stdout\n{}",
            self.stderr,
            self.stdout
        );
        self
    }

    pub fn assert_stdout_has(&self, needle: &str) -> &Run {
        assert!(
            self.stdout.contains(needle),
            "stdout does not contain {needle:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Runs the real binary with `args` in `cwd`, with no `$CROSSWALK_TODAY` leaking in.
pub fn run_in(cwd: &Path, args: &[&str]) -> Run {
    run_with_env(cwd, args, &[])
}

pub fn run_with_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_crosswalk"));
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("CROSSWALK_TODAY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("the crosswalk binary runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A site in `<tmp>/site`, so `<tmp>` itself is a place outside the site that the test owns.
pub struct Site {
    tmp: tempfile::TempDir,
    pub root: PathBuf,
}

impl Site {
    /// Only a `crosswalk.yaml`.
    pub fn bare() -> Site {
        let tmp = tempfile::tempdir().expect("temp dir");
        let root = tmp.path().join("site");
        std::fs::create_dir_all(&root).unwrap();
        let site = Site { tmp, root };
        site.write("crosswalk.yaml", CONFIG);
        site
    }

    /// A small valid site: one policy, one evidence record with a file.
    pub fn minimal() -> Site {
        let site = Site::bare();
        site.write(
            "content/policies/access-control.md",
            policy(
                "POL-ACCESS",
                "Access Control Policy",
                "internal",
                &["iso27001:A.5.15", "soc2:CC6.1"],
            ),
        );
        site.write(
            "content/evidence/access-review.yaml",
            evidence(
                "EV-ACCESS-REVIEW",
                "Quarterly access review",
                "internal",
                &["iso27001:A.5.18"],
                "content/evidence/files/access-review.csv",
            ),
        );
        site.write("content/evidence/files/access-review.csv", ARTIFACT);
        site
    }

    /// The temporary folder that holds the site: outside the site, owned by the test.
    pub fn outside(&self) -> &Path {
        self.tmp.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.root.join(rel)).unwrap();
    }

    /// The default output folder.
    pub fn out(&self) -> PathBuf {
        self.root.join("public")
    }

    /// A generated file, as text.
    pub fn page(&self, rel: &str) -> String {
        let p = self.out().join(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
    }

    /// Runs the binary in the site root.
    pub fn run(&self, args: &[&str]) -> Run {
        run_in(&self.root, args)
    }

    /// `crosswalk build --root SITE --today TODAY <extra>`.
    pub fn build(&self, extra: &[&str]) -> Run {
        let root = self.root.to_str().unwrap();
        let mut args = vec!["build", "--root", root, "--today", TODAY];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// `crosswalk check --root SITE --today TODAY <extra>`.
    pub fn check(&self, extra: &[&str]) -> Run {
        let root = self.root.to_str().unwrap();
        let mut args = vec!["check", "--root", root, "--today", TODAY];
        args.extend_from_slice(extra);
        self.run(&args)
    }
}

/// A policy whose lines are known: `id` on line 2, `title` 3, `owner` 4, `version` 5, `approved` 6,
/// `review_every` 7, `classification` 8, `controls:` 9 and the i-th control on line 10 + i,
/// column 5.
pub fn policy(id: &str, title: &str, classification: &str, controls: &[&str]) -> String {
    let mut s = format!(
        "---\nid: {id}\ntitle: {title}\nowner: Head of IT\nversion: \"1.0\"\napproved: 2026-06-01\nreview_every: 12 months\nclassification: {classification}\ncontrols:\n"
    );
    for c in controls {
        s.push_str(&format!("  - {c}\n"));
    }
    s.push_str(&format!(
        "---\n# {title}\n\nAccess is granted on least privilege.\n"
    ));
    s
}

/// One evidence record (a mapping), valid until 2027-01-01: `id` on line 1, `controls` on line 7,
/// `file` on line 8.
pub fn evidence(
    id: &str,
    title: &str,
    classification: &str,
    controls: &[&str],
    file: &str,
) -> String {
    format!(
        "id: {id}\ntitle: {title}\nowner: Head of IT\ncollected: 2026-10-01\nvalid_for: 3 months\nclassification: {classification}\ncontrols: [{}]\nfile: {file}\n",
        controls.join(", ")
    )
}

/// Every file under `dir` (relative path -> bytes), symlinks and all.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            let ft = e.file_type().unwrap();
            let rel = p.strip_prefix(base).unwrap().to_path_buf();
            if ft.is_symlink() {
                let target = std::fs::read_link(&p).unwrap();
                out.insert(rel, format!("symlink -> {}", target.display()).into_bytes());
            } else if ft.is_dir() {
                out.insert(rel.join(""), b"<dir>".to_vec());
                walk(base, &p, out);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

/// Writes `text` at `rel` under `root`, creating folders as needed.
pub fn write_file(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// `crosswalk build --today 2026-11-23 --root ROOT --output OUT EXTRA...`, which must succeed;
/// returns its stderr (warnings, `--timings`).
pub fn build_into(root: &Path, out: &Path, extra: &[&str]) -> String {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args(["build", "--today", "2026-11-23", "--root"])
        .arg(root)
        .arg("--output")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The output at `out` equals, byte for byte, a clean build of the site as it is now (made in
/// `scratch`); `step` names the comparison in a failure.
pub fn assert_same_as_clean(root: &Path, out: &Path, scratch: &Path, step: &str) {
    let clean = scratch.join(format!("clean-{step}"));
    build_into(root, &clean, &[]);
    assert_same_files(
        &snapshot(out),
        &snapshot(&clean),
        &format!("after {step}, compared with a clean build"),
    );
}

/// Two output trees hold the same files with the same bytes; `context` says which comparison
/// failed. Contents are not printed: a differing page can be megabytes.
pub fn assert_same_files(
    a: &BTreeMap<PathBuf, Vec<u8>>,
    b: &BTreeMap<PathBuf, Vec<u8>>,
    context: &str,
) {
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{context}: file lists differ"
    );
    for (path, bytes) in a {
        assert!(bytes == &b[path], "{context}: {} differs", path.display());
    }
}

/// Every regular file under `dir`, as paths relative to it.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    snapshot(dir)
        .into_iter()
        .filter(|(_, v)| v != b"<dir>")
        .map(|(k, _)| k)
        .collect()
}

/// SHA-256 of `bytes`, lowercase hex, computed independently of the tool.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Percent-decoding of a URL path (`%20` -> space); invalid escapes are kept as written.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `link` resolved against the folder of `page` (both relative to the output root); None when it
/// climbs above the output root.
pub fn resolve_link(page: &Path, link: &str) -> Option<PathBuf> {
    let path = link.split(['#', '?']).next().unwrap_or("");
    let path = percent_decode(path);
    let mut out = PathBuf::new();
    for c in page
        .parent()
        .unwrap_or(Path::new(""))
        .join(&path)
        .components()
    {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            Component::Normal(n) => out.push(n),
            _ => return None,
        }
    }
    Some(out)
}

/// A `crosswalk serve` child process, killed when dropped.
pub struct Server(pub std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve` and returns it with the address it listens on, once it is listening. Its
/// stderr lines are kept in `log` when one is given, and drained otherwise, so the server never
/// blocks on a full pipe.
pub fn start_serve(
    mut cmd: Command,
    log: Option<std::sync::Arc<std::sync::Mutex<Vec<String>>>>,
) -> (Server, String) {
    use std::io::{BufRead, BufReader};
    let mut child = cmd.stderr(std::process::Stdio::piped()).spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let server = Server(child);
    let mut lines = BufReader::new(stderr).lines();
    let keep = |line: &String| {
        if let Some(log) = &log {
            log.lock().unwrap().push(line.clone());
        }
    };
    let addr = loop {
        let line = lines
            .next()
            .expect("serve exited before listening")
            .unwrap();
        keep(&line);
        if let Some(rest) = line.split("at http://").nth(1) {
            break rest.split('/').next().unwrap().to_string();
        }
    };
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if let Some(log) = &log {
                log.lock().unwrap().push(line);
            }
        }
    });
    (server, addr)
}

/// The Python of target/python/, the virtual environment with the tools the tests use as
/// independent judges (compliance-trestle, jsonschema, junitparser; tests/python/requirements.txt).
/// Made on first use by .ci/python-env (which .ci/run also calls), so `cargo test` works on a
/// fresh machine with python3 and its venv module.
pub fn python() -> PathBuf {
    static PYTHON: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/python-env");
            let out = Command::new("bash")
                .arg(&script)
                .output()
                .expect("bash runs .ci/python-env");
            assert!(
                out.status.success(),
                ".ci/python-env failed (needs python3 with venv and access to PyPI):\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
        })
        .clone()
}

/// Runs `python -c code args...` in the test environment; panics with its output unless it exits 0.
/// Returns what it printed.
pub fn run_python(code: &str, args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(python())
        .arg("-c")
        .arg(code)
        .args(args)
        .output()
        .expect("the test python runs");
    assert!(
        out.status.success(),
        "python failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Git in `top` with no user or system configuration, a fixed identity and dates (`date`, as
/// author and committer), `main` as the first branch, and no repository above `top`'s parent;
/// panics unless it succeeds.
pub fn git_at(top: &Path, args: &[&str], date: &str) {
    let home = top.parent().unwrap();
    let out = Command::new("git")
        .current_dir(top)
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("GIT_CEILING_DIRECTORIES", home)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `git add -A && git commit -m message` in `top` at `date` (see `git_at`).
pub fn commit_all(top: &Path, message: &str, date: &str) {
    git_at(top, &["add", "-A"], date);
    git_at(top, &["commit", "-q", "-m", message], date);
}
