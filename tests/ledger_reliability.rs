//! The evidence ledger under concurrency and failure (docs/evidence.md, "Concurrency and repair"),
//! on whole tiny sites run through the real binary: concurrent seals never fork or interleave the
//! chain, a torn last line is refused and repaired without losing data, and a full disk during an
//! append leaves the ledger as it was.

use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{EncodePrivateKey, EncodePublicKey};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

const LEDGER: &str = "content/evidence/ledger.jsonl";

/// A signed site with three evidence records (EV-A, EV-B, EV-C), the private key outside it.
struct Site {
    dir: tempfile::TempDir,
    root: PathBuf,
    key: PathBuf,
}

fn site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    fs::create_dir_all(root.join("keys")).unwrap();
    let key = dir.path().join("ledger-key.pem");
    let sk = SigningKey::from_bytes(&[42u8; 32]);
    fs::write(
        &key,
        sk.to_pkcs8_pem(Default::default()).unwrap().as_bytes(),
    )
    .unwrap();
    fs::write(
        root.join("keys/ledger.pub.pem"),
        sk.verifying_key()
            .to_public_key_pem(Default::default())
            .unwrap(),
    )
    .unwrap();
    fs::write(
        root.join("crosswalk.yaml"),
        "title: Ledger reliability\nframeworks: [iso27001]\npublic_key: keys/ledger.pub.pem\n",
    )
    .unwrap();
    let s = Site { dir, root, key };
    for (id, body) in [("EV-A", "a\n"), ("EV-B", "b\n"), ("EV-C", "c\n")] {
        s.add_record(id, body);
    }
    s
}

/// A site whose three records are sealed.
fn sealed_site() -> Site {
    let s = site();
    let o = s.seal(&[]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(s.ledger_text().lines().count(), 3);
    s
}

impl Site {
    /// One evidence record in its own file, with its artifact; both are moved into place whole,
    /// so a seal running meanwhile never reads half a file.
    fn add_record(&self, id: &str, body: &str) {
        let name = id.to_lowercase();
        self.put(&format!("content/evidence/files/{name}.txt"), body);
        self.put(
            &format!("content/evidence/{name}.yaml"),
            &format!(
                "id: {id}\ntitle: Record {id}\nowner: Security\ncollected: 2026-10-01\nvalid_for: 12 months\nclassification: internal\ncontrols: [iso27001:A.5.18]\nfile: content/evidence/files/{name}.txt\n"
            ),
        );
    }

    /// Writes `rel` by renaming a finished file into place.
    fn put(&self, rel: &str, body: &str) {
        let target = self.root.join(rel);
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        let tmp = self
            .dir
            .path()
            .join(format!("tmp-{}", rel.replace('/', "_")));
        fs::write(&tmp, body).unwrap();
        fs::rename(&tmp, &target).unwrap();
    }

    fn ledger(&self) -> PathBuf {
        self.root.join(LEDGER)
    }

    fn ledger_text(&self) -> String {
        fs::read_to_string(self.ledger()).unwrap()
    }

    /// `crosswalk <args> --root SITE --today 2026-11-23`, with the signing key.
    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_crosswalk"));
        c.args(args)
            .arg("--root")
            .arg(&self.root)
            .args(["--today", "2026-11-23"])
            .env("CROSSWALK_SIGNING_KEY", &self.key)
            .env_remove("CROSSWALK_FAULT")
            .stdin(Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        c
    }

    fn seal(&self, extra: &[&str]) -> Output {
        self.seal_with(extra, &[])
    }

    fn seal_with(&self, extra: &[&str], env: &[(&str, &str)]) -> Output {
        let mut args = vec!["seal"];
        args.extend_from_slice(extra);
        self.command(&args, env).output().unwrap()
    }

    fn verify(&self) -> Output {
        self.command(&["verify"], &[]).output().unwrap()
    }

    /// How many fault points `seal <extra>` passes on this site as it is now, counted on a copy
    /// (so this site is untouched). The ledger's append, or a repair's truncate, is the last.
    fn fault_points(&self, extra: &[&str]) -> u64 {
        let copy = tempfile::tempdir().unwrap();
        let twin = Site {
            root: copy.path().join("site"),
            key: self.key.clone(),
            dir: copy,
        };
        copy_dir(&self.root, &twin.root);
        let o = twin.seal_with(extra, &[("CROSSWALK_FAULT", "count")]);
        assert!(o.status.success(), "{}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        err.lines()
            .find_map(|l| {
                l.strip_prefix("crosswalk: ")?
                    .strip_suffix(" fault points")?
                    .parse()
                    .ok()
            })
            .unwrap_or_else(|| panic!("no fault point count in:\n{err}"))
    }

    /// The ledger is whole: `verify` passes, `seq` counts 1..n, every `prev` is the hash of the
    /// line before, and no artifact version is sealed twice. Returns the number of lines.
    fn assert_chain(&self) -> usize {
        let o = self.verify();
        assert!(o.status.success(), "verify failed:\n{}", text(&o));
        let ledger = self.ledger_text();
        assert!(ledger.ends_with('\n'), "{ledger}");
        let mut prev = "0".repeat(64);
        let mut versions = HashSet::new();
        for (i, raw) in ledger.lines().enumerate() {
            let e: serde_json::Value = serde_json::from_str(raw).unwrap();
            assert_eq!(e["seq"], (i + 1) as u64, "line {}:\n{ledger}", i + 1);
            assert_eq!(e["prev"], prev.as_str(), "line {}:\n{ledger}", i + 1);
            let version = (e["id"].to_string(), e["sha256"].to_string());
            assert!(
                versions.insert(version),
                "line {} seals a version twice:\n{ledger}",
                i + 1
            );
            prev = hex(&Sha256::digest(raw.as_bytes()));
        }
        ledger.lines().count()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A running crosswalk whose stderr is read line by line as it comes; killed if dropped early.
struct Running {
    child: Option<Child>,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn spawn(mut c: Command) -> Running {
        let mut child = c
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let err = child.stderr.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child: Some(child),
            lines,
            seen: Vec::new(),
        }
    }

    fn id(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// Waits (up to a minute) for a stderr line containing `needle`.
    fn wait_for(&mut self, needle: &str) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(e) => panic!(
                    "no `{needle}` on stderr ({e}); saw:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Lets a process paused at a fault point go on.
    fn release(&mut self) {
        let stdin = self.child.as_mut().unwrap().stdin.as_mut().unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    /// Waits for the process to end: its exit code, stdout and whole stderr.
    fn finish(mut self) -> (Option<i32>, String, String) {
        let mut child = self.child.take().unwrap();
        drop(child.stdin.take());
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        let status = child.wait().unwrap();
        self.seen.extend(self.lines.iter());
        (status.code(), out, self.seen.join("\n"))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Seal A stops at its append (holding the lock); seal B, started meanwhile, waits and names A;
/// `--no-wait` refuses at once naming A. Once A goes on, B seals after it from the ledger as A
/// left it: one chain, no fork, no duplicate.
#[test]
fn a_second_seal_waits_for_the_first_and_appends_after_it() {
    let s = sealed_site();
    s.add_record("EV-A", "a, changed\n");
    let at = s.fault_points(&[]);
    let mut a =
        Running::spawn(s.command(&["seal"], &[("CROSSWALK_FAULT", &format!("pause@{at}"))]));
    let paused = a.wait_for(&format!("crosswalk: fault point {at} ("));
    assert!(paused.contains("ledger.jsonl"), "{paused}");
    let before = s.ledger_text();

    // Changed while A holds the lock: only B can see it.
    s.add_record("EV-B", "b, changed\n");
    let mut b = Running::spawn(s.command(&["seal"], &[]));
    b.wait_for(&format!("waiting for process {}", a.id()));

    let c = s.seal(&["--no-wait"]);
    assert_eq!(c.status.code(), Some(1), "{}", text(&c));
    assert!(
        text(&c).contains(&format!("{LEDGER}: error: locked by process {}", a.id())),
        "{}",
        text(&c)
    );
    assert_eq!(
        s.ledger_text(),
        before,
        "nothing is written while A holds the lock"
    );

    a.release();
    let (code, out, err) = a.finish();
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("sealed EV-A"), "{out}");
    let (code, out, err) = b.finish();
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("sealed EV-B") && !out.contains("EV-A"),
        "{out}"
    );

    assert_eq!(s.assert_chain(), 5);
    let ledger = s.ledger_text();
    assert!(ledger.starts_with(&before));
    let ids: Vec<String> = ledger
        .lines()
        .skip(3)
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string())
        .collect();
    assert_eq!(ids, ["\"EV-A\"", "\"EV-B\""]);
    let o = s.seal(&["--no-wait"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("0 new or changed artifacts sealed"),
        "{}",
        text(&o)
    );
}

/// Four seals at once, each started right after its own new artifact appears, five times over:
/// every time the chain is whole, each new artifact is sealed exactly once, and nothing is left
/// unsealed.
#[test]
fn parallel_seals_of_different_artifacts_keep_one_chain() {
    let s = sealed_site();
    let mut expected = 3;
    for round in 0..5 {
        let mut seals = Vec::new();
        for i in 0..4 {
            s.add_record(
                &format!("EV-R{round}-{i}"),
                &format!("round {round} artifact {i}\n"),
            );
            let seal = s
                .command(&["seal"], &[])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            seals.push(seal);
        }
        for p in seals {
            let o = p.wait_with_output().unwrap();
            assert!(o.status.success(), "round {round}: {}", text(&o));
        }
        expected += 4;
        assert_eq!(s.assert_chain(), expected, "round {round}");
        let o = s.seal(&[]);
        assert!(
            text(&o).contains("0 new or changed artifacts sealed"),
            "round {round}: {}",
            text(&o)
        );
    }
}

/// A ledger whose last line was cut mid-entry: `seal` refuses with the line, column and the
/// repair; `verify` reports it; `seal --repair` saves the torn bytes in the cache folder, prints
/// them and cuts them off; then `verify` passes and `seal` seals the record again.
#[test]
fn a_torn_last_line_is_refused_then_repaired_keeping_its_bytes() {
    let s = sealed_site();
    fs::create_dir(s.root.join(".crosswalk-cache")).unwrap();
    let whole = s.ledger_text();
    let cut = &whole[..whole.len() - 20];
    fs::write(s.ledger(), cut).unwrap();
    let two: String = whole.lines().take(2).map(|l| format!("{l}\n")).collect();
    let torn = &cut.as_bytes()[two.len()..];
    let column = torn.len() + 1;

    let o = s.seal(&[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = text(&o);
    assert!(
        err.contains(&format!(
            "{LEDGER}:3:{column}: error: ledger line 3 is not a valid entry: it is torn, cut off at column {column} with no newline"
        )),
        "{err}"
    );
    assert!(err.contains("run `crosswalk seal --repair`"), "{err}");
    assert_eq!(fs::read_to_string(s.ledger()).unwrap(), cut);

    let o = s.verify();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains(&format!(
            "{LEDGER}:3:{column}: error: ledger line 3 is not a valid entry: it is torn"
        )),
        "{}",
        text(&o)
    );

    let o = s.seal(&["--repair"]);
    assert!(o.status.success(), "{}", text(&o));
    let err = text(&o);
    assert!(err.contains(&torn.escape_ascii().to_string()), "{err}");
    assert!(
        err.contains("repaired content/evidence/ledger.jsonl: moved the torn line 3"),
        "{err}"
    );
    let saved: Vec<PathBuf> = fs::read_dir(s.root.join(".crosswalk-cache"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("ledger-torn-")
        })
        .collect();
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert_eq!(fs::read(&saved[0]).unwrap(), torn);
    assert!(err.contains(".crosswalk-cache/ledger-torn-"), "{err}");
    assert_eq!(s.ledger_text(), two);

    assert_eq!(s.assert_chain(), 2);
    let o = s.seal(&[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("sealed EV-C"), "{}", text(&o));
    assert_eq!(s.assert_chain(), 3);
    let o = s.seal(&["--repair"]);
    assert!(text(&o).contains("nothing to repair"), "{}", text(&o));
}

/// A last line that is a whole entry missing only its newline is kept: the repair adds the
/// newline, and the ledger is byte for byte what a finished append leaves.
#[test]
fn a_complete_entry_missing_its_newline_is_kept() {
    let s = sealed_site();
    let whole = s.ledger_text();
    fs::write(s.ledger(), whole.trim_end()).unwrap();
    let o = s.seal(&[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains(
            "error: ledger line 3 has no newline at its end: its entry (seq 3, `EV-C`) is complete"
        ),
        "{}",
        text(&o)
    );
    assert!(
        text(&o).contains("run `crosswalk seal --repair` to add the newline"),
        "{}",
        text(&o)
    );
    let o = s.seal(&["--repair"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("added the newline, the entry is kept"),
        "{}",
        text(&o)
    );
    assert_eq!(s.ledger_text(), whole);
    assert_eq!(s.assert_chain(), 3);
    assert!(text(&s.seal(&[])).contains("0 new or changed artifacts sealed"));
}

/// Without a cache folder the torn bytes are printed only; a torn first line leaves an empty
/// ledger, from which `seal` starts again.
#[test]
fn a_torn_only_line_is_printed_and_the_ledger_left_empty() {
    let s = sealed_site();
    let whole = s.ledger_text();
    let first = whole.lines().next().unwrap();
    let torn = &first[..first.len() / 2];
    fs::write(s.ledger(), torn).unwrap();
    let o = s.seal(&[]);
    assert!(text(&o).contains("(leaving it empty)"), "{}", text(&o));
    let o = s.seal(&["--repair"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains(&torn.as_bytes().escape_ascii().to_string()),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("printed above only"), "{}", text(&o));
    assert_eq!(s.ledger_text(), "");
    assert!(!s.root.join(".crosswalk-cache").exists());
    assert!(s.seal(&[]).status.success());
    assert_eq!(s.assert_chain(), 3);
}

/// A torn last line after a damaged earlier line is not repaired: that is not a torn append.
#[test]
fn a_ledger_damaged_before_its_last_line_is_not_repaired() {
    let s = sealed_site();
    let whole = s.ledger_text();
    let damaged = whole[..whole.len() - 20].replacen("\"seq\":1", "\"seq\":\"one\"", 1);
    fs::write(s.ledger(), &damaged).unwrap();
    let o = s.seal(&["--repair"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("error: ledger line 1 is not a valid entry"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("not repaired"), "{}", text(&o));
    assert!(
        text(&o).contains("restore the ledger from git history"),
        "{}",
        text(&o)
    );
    assert_eq!(s.ledger_text(), damaged);
}

/// The disk fills at the append: exit 1, a message naming the ledger, the ledger unchanged byte
/// for byte; once there is room, sealing works.
#[test]
fn a_full_disk_at_the_append_leaves_the_ledger_unchanged() {
    let s = sealed_site();
    s.add_record("EV-A", "a, changed\n");
    let at = s.fault_points(&[]);
    let before = fs::read(s.ledger()).unwrap();
    let o = s.seal_with(&[], &[("CROSSWALK_FAULT", &format!("enospc@{at}"))]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains(&format!(
            "{LEDGER}: error: cannot append to the ledger: No space left on device"
        )),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("the ledger is unchanged"), "{}", text(&o));
    assert_eq!(fs::read(s.ledger()).unwrap(), before);
    assert!(s.seal(&[]).status.success());
    assert_eq!(s.assert_chain(), 4);
}

/// The disk fills at a repair's truncate: the ledger is unchanged, the saved copy is there, and
/// the repair succeeds when run again.
#[test]
fn a_failed_repair_changes_nothing_and_can_run_again() {
    let s = sealed_site();
    fs::create_dir(s.root.join(".crosswalk-cache")).unwrap();
    let whole = s.ledger_text();
    let cut = whole[..whole.len() - 20].to_string();
    fs::write(s.ledger(), &cut).unwrap();
    let at = s.fault_points(&["--repair"]);
    let o = s.seal_with(
        &["--repair"],
        &[("CROSSWALK_FAULT", &format!("enospc@{at}"))],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains(&format!(
            "{LEDGER}: error: cannot cut the torn line off: No space left on device"
        )),
        "{}",
        text(&o)
    );
    assert_eq!(s.ledger_text(), cut);
    assert_eq!(
        fs::read_dir(s.root.join(".crosswalk-cache"))
            .unwrap()
            .count(),
        1
    );
    assert!(s.seal(&["--repair"]).status.success());
    assert_eq!(s.assert_chain(), 2);
}
