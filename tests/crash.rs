//! Builds killed at any instant, two builds at once, a full disk, a folder that refuses writes,
//! an evidence file that vanishes mid-build. A real site is rebuilt by the real binary in a child
//! process stopped at seeded points counted in the writer's operations (`CROSSWALK_FAULT`, see
//! src/fault.rs) and killed there with SIGKILL; then what a reader sees must be the old portal or
//! the new one, whole, and the next build must equal a clean build byte for byte.

mod common;

use common::{Site, TODAY, assert_same_files, evidence, policy, snapshot};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A site of some size: 24 policies and 12 evidence records with files, ISO 27001 and SOC 2 in
/// scope. `title` is the portal's title: changing it changes every page.
fn site_with(title: &str) -> Site {
    let site = Site::bare();
    write_config(&site, title);
    let controls = [
        "iso27001:A.5.1",
        "iso27001:A.5.15",
        "soc2:CC6.1",
        "iso27001:A.8.5",
        "soc2:CC7.2",
        "iso27001:A.5.24",
    ];
    for i in 0..24 {
        let c = [controls[i % 6], controls[(i + 2) % 6]];
        site.write(
            &format!("content/policies/p{i:02}.md"),
            policy(
                &format!("POL-{i:02}"),
                &format!("Policy {i}"),
                "internal",
                &c,
            ),
        );
    }
    for i in 0..12 {
        let file = format!("content/evidence/files/e{i:02}.csv");
        site.write(&file, format!("row,{i}\n").repeat(20 + i));
        site.write(
            &format!("content/evidence/e{i:02}.yaml"),
            evidence(
                &format!("EV-{i:02}"),
                &format!("Evidence {i}"),
                "internal",
                &[controls[i % 6]],
                &file,
            ),
        );
    }
    site
}

fn write_config(site: &Site, title: &str) {
    site.write(
        "crosswalk.yaml",
        format!("title: {title}\norganisation: Test Org\nframeworks: [soc2]\n"),
    );
}

/// `crosswalk build` of `site` with `$CROSSWALK_FAULT` set, stdin piped (a `pause` waits on it).
fn spawn_build(site: &Site, fault: &str, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args(["build", "--root"])
        .arg(site.path(""))
        .args(["--today", TODAY])
        .args(extra)
        .env("CROSSWALK_FAULT", fault)
        .env_remove("CROSSWALK_TODAY")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs")
}

/// Reads the child's stderr until it reports reaching its fault point (`Some(line)`) or ends
/// (`None`); the rest of its stderr keeps flowing into `rest`.
fn until_fault(child: &mut Child) -> (Option<String>, mpsc::Receiver<String>) {
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    loop {
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(line) if line.starts_with("crosswalk: fault point") => return (Some(line), rx),
            Ok(_) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return (None, rx),
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("the child neither paused nor ended"),
        }
    }
}

/// How many fault points a build of `site` as it is passes (it is built for real).
fn count_points(site: &Site) -> u64 {
    let root = site.path("");
    count_of(&[
        "build",
        "--root",
        root.to_str().unwrap(),
        "--today",
        TODAY,
        "--quiet",
    ])
}

/// How many fault points `crosswalk ARGS` passes, run for real with `CROSSWALK_FAULT=count`.
fn count_of(args: &[&str]) -> u64 {
    let o = Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args(args)
        .env("CROSSWALK_FAULT", "count")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    err.lines()
        .find_map(|l| l.strip_prefix("crosswalk: ")?.strip_suffix(" fault points"))
        .unwrap_or_else(|| panic!("no count in {err}"))
        .parse()
        .unwrap()
}

/// A clean build of `site` as it is now, into a folder of its own.
fn clean(site: &Site, name: &str) -> BTreeMap<PathBuf, Vec<u8>> {
    let out = site.outside().join(name);
    let _ = std::fs::remove_dir_all(&out);
    common::build_into(&site.path(""), &out, &[]);
    snapshot(&out)
}

/// Only the lock and generation folders in the output's hidden folder, at most two of them (the
/// published one and the spare), and nothing but the output and its hidden folder beside it.
fn assert_tidy(site: &Site) {
    let home = site.path(".public.crosswalk");
    let names: Vec<String> = std::fs::read_dir(&home)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let gens = names.iter().filter(|n| n.starts_with("gen-")).count();
    assert!(
        names.iter().all(|n| n == "lock" || n.starts_with("gen-")) && gens <= 2,
        "the hidden folder holds {names:?}"
    );
    let beside: Vec<String> = std::fs::read_dir(site.path(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert_eq!(beside, [".public.crosswalk"], "left beside the output");
}

#[test]
fn a_build_killed_at_any_point_leaves_the_old_or_the_new_portal_and_the_next_build_repairs_it() {
    let site = site_with("Portal One");
    let old = clean(&site, "clean-one");
    write_config(&site, "Portal Two");
    let new = clean(&site, "clean-two");
    // The number of operations a full rebuild (every page changes) passes through, counted once
    // the output's hidden folder holds its usual two generations.
    for title in [
        "Portal One",
        "Portal Two",
        "Portal One",
        "Portal Two",
        "Portal One",
    ] {
        write_config(&site, title);
        site.build(&[]).assert_ok();
    }
    write_config(&site, "Portal Two");
    let n = count_points(&site);
    assert!(n > 100, "only {n} fault points");
    // Back to the first state, built, for the first kill.
    write_config(&site, "Portal One");
    site.build(&[]).assert_ok();
    // Seeded points: the first operations (preparing the generation), ten spread over the
    // writing and publishing, and the last ones (the manifest and the switch).
    let mut points: Vec<u64> = vec![1, 2];
    points.extend((1..=10).map(|i| n * i / 11));
    points.extend([n - 1, n]);
    let mut paused = 0;
    for (round, &k) in points.iter().enumerate() {
        write_config(&site, "Portal Two");
        let mut child = spawn_build(&site, &format!("pause@{k}"), &[]);
        let (fault, _rest) = until_fault(&mut child);
        if fault.is_some() {
            paused += 1;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        // A reader sees one whole portal, the old or the new: never a mix, never a stray file.
        let seen = snapshot(&site.out());
        assert!(
            seen == old || seen == new,
            "killed at point {k} of {n}: the output is neither the old portal nor the new one"
        );
        // The next build, incremental as usual, equals a clean build.
        site.build(&[]).assert_ok();
        assert_same_files(
            &snapshot(&site.out()),
            &new,
            &format!("rebuild after a kill at {k}"),
        );
        assert_tidy(&site);
        // Back to the old state for the next round, every other time by a clean rebuild.
        write_config(&site, "Portal One");
        let force: &[&str] = if round % 2 == 0 { &[] } else { &["--force"] };
        site.build(force).assert_ok();
        assert_same_files(&snapshot(&site.out()), &old, "back to the old state");
    }
    assert_eq!(paused, points.len(), "points reached, of {n}");
}

/// A first build publishes, then makes the spare generation the next build writes into. Killed
/// anywhere (before publishing, or while making the spare), the output is nothing or the whole
/// portal, and the next build repairs the rest; after a first build, a small edit links only
/// what it changes (the spare is ready), not every file of the portal.
#[test]
fn a_first_build_killed_at_any_point_and_the_spare_it_leaves() {
    let site = site_with("Portal One");
    let new = clean(&site, "clean-one");
    let home = site.path(".public.crosswalk");
    let n = count_points(&site);
    let files = new.len() as u64;
    assert!(
        n > files,
        "a first build passes {n} points for {files} files: it makes no spare"
    );
    // The spare holds what the published generation holds, manifest included.
    let published = std::fs::canonicalize(site.out()).unwrap();
    let spares: Vec<PathBuf> = std::fs::read_dir(&home)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && *p != published)
        .collect();
    assert_eq!(spares.len(), 1, "one spare beside {published:?}");
    assert_same_files(&snapshot(&spares[0]), &snapshot(&published), "the spare");
    // An edit now passes far fewer points than the portal has files.
    let before = std::fs::read_to_string(site.path("content/policies/p03.md")).unwrap();
    site.write(
        "content/policies/p03.md",
        policy(
            "POL-03",
            "Policy three, revised",
            "internal",
            &["soc2:CC6.1"],
        ),
    );
    let edit = count_points(&site);
    assert!(
        edit * 2 < files,
        "an edit after a first build passes {edit} points for {files} files"
    );
    let edited = clean(&site, "clean-edited");
    assert_same_files(&snapshot(&site.out()), &edited, "the edit");
    // Killed at seeded points of a first build: the first ones, ten spread, the last ones.
    site.write("content/policies/p03.md", before);
    assert_same_files(&clean(&site, "clean-again"), &new, "the site put back");
    let mut points: Vec<u64> = vec![1, 2];
    points.extend((1..=10).map(|i| n * i / 11));
    points.extend([n - 1, n]);
    for &k in &points {
        let _ = std::fs::remove_file(site.out());
        let _ = std::fs::remove_dir_all(&home);
        let _ = std::fs::remove_dir_all(site.path(".crosswalk-cache"));
        let mut child = spawn_build(&site, &format!("pause@{k}"), &[]);
        let (fault, _rest) = until_fault(&mut child);
        assert!(fault.is_some(), "point {k} of {n} not reached");
        child.kill().unwrap();
        child.wait().unwrap();
        if std::fs::symlink_metadata(site.out()).is_ok() {
            assert_same_files(
                &snapshot(&site.out()),
                &new,
                &format!("first build killed at {k} of {n}"),
            );
        }
        site.build(&[]).assert_ok();
        assert_same_files(
            &snapshot(&site.out()),
            &new,
            &format!("rebuild after a first build killed at {k}"),
        );
        assert_tidy(&site);
    }
}

#[test]
fn a_second_build_waits_for_the_first_or_refuses_with_no_wait() {
    let site = site_with("Portal One");
    site.build(&[]).assert_ok();
    write_config(&site, "Portal Two");
    let mut first = spawn_build(&site, "pause@5", &[]);
    let (fault, _rest) = until_fault(&mut first);
    assert!(fault.is_some(), "the first build did not pause");
    let pid = first.id();
    // --no-wait: refused at once, naming the holder.
    let r = site.build(&["--no-wait"]);
    r.assert_failed()
        .assert_stderr_has(&format!("locked by process {pid} (crosswalk build"));
    // Without it: waits, saying for whom, and builds once the first is done.
    let mut second = spawn_build(&site, "none", &[]);
    let stderr = second.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let waiting = lines.next().unwrap().unwrap();
    assert!(
        waiting.contains(&format!("waiting for process {pid} (crosswalk build")),
        "{waiting}"
    );
    first.stdin.take().unwrap().write_all(b"\n").unwrap();
    assert!(first.wait().unwrap().success());
    assert!(second.wait().unwrap().success());
    assert_same_files(
        &snapshot(&site.out()),
        &clean(&site, "clean"),
        "after two builds",
    );
    assert_tidy(&site);
}

/// A fault in the middle of writing: exit 1, a message naming the path and the cause, and the
/// previous output as it was.
fn assert_fault_leaves_output(kind: &str, cause: &str) {
    let site = site_with("Portal One");
    site.build(&[]).assert_ok();
    let before = snapshot(&site.out());
    write_config(&site, "Portal Two");
    let n = count_points(&site);
    write_config(&site, "Portal One");
    site.build(&[]).assert_ok();
    write_config(&site, "Portal Two");
    for k in [3, n / 2, n - 1] {
        let o = Command::new(env!("CARGO_BIN_EXE_crosswalk"))
            .args(["build", "--root"])
            .arg(site.path(""))
            .args(["--today", TODAY, "--quiet"])
            .env("CROSSWALK_FAULT", format!("{kind}@{k}"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{kind}@{k}: {err}");
        assert!(err.contains(cause), "{kind}@{k}: {err}");
        assert!(
            err.contains(site.path(".public.crosswalk").to_str().unwrap())
                || err.contains(site.out().to_str().unwrap()),
            "{kind}@{k}: the message names no path: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        assert_same_files(&snapshot(&site.out()), &before, &format!("{kind}@{k}"));
    }
    site.build(&[]).assert_ok();
    assert_same_files(
        &snapshot(&site.out()),
        &clean(&site, "clean"),
        "after the faults",
    );
    assert_tidy(&site);
}

#[test]
fn a_full_disk_fails_the_build_cleanly_and_keeps_the_previous_output() {
    assert_fault_leaves_output("enospc", "No space left on device");
}

#[test]
fn a_folder_that_refuses_writes_fails_the_build_cleanly() {
    assert_fault_leaves_output("eacces", "Permission denied");
}

#[test]
fn an_evidence_file_deleted_mid_build_is_a_clear_error() {
    let site = site_with("Portal One");
    // Paused at its first write, before any evidence file is published.
    let mut child = spawn_build(&site, "pause@1", &[]);
    let (fault, rest) = until_fault(&mut child);
    assert!(fault.is_some());
    std::fs::remove_file(site.path("content/evidence/files/e03.csv")).unwrap();
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    let status = child.wait().unwrap();
    let err: Vec<String> = rest.iter().collect();
    let err = err.join("\n");
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(
        err.contains("e03.csv") && err.contains("No such file"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        !site.out().exists(),
        "a failed first build published an output"
    );
}

#[test]
fn an_output_written_before_generations_is_adopted() {
    let site = site_with("Portal One");
    // The layout of earlier versions: the output is a plain folder with crosswalk's marker.
    let out = site.out();
    std::fs::create_dir_all(out.join(".crosswalk")).unwrap();
    std::fs::write(out.join(".crosswalk-output"), "old\n").unwrap();
    std::fs::write(out.join("stale.html"), "old page\n").unwrap();
    site.build(&[]).assert_ok();
    assert!(
        std::fs::symlink_metadata(&out)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_same_files(&snapshot(&out), &clean(&site, "clean"), "after adoption");
    // Someone else's link is never replaced.
    let other = site.outside().join("elsewhere");
    std::fs::create_dir_all(&other).unwrap();
    let link = site.path("mine");
    std::os::unix::fs::symlink(&other, &link).unwrap();
    site.build(&["--output", link.to_str().unwrap()])
        .assert_failed()
        .assert_stderr_has("symbolic link crosswalk did not make");
    assert!(Path::new(&other).read_dir().unwrap().next().is_none());
}

/// `package` killed at any point: the package folder and its zip are each there whole (the old
/// one or the new one) or not at all, with nothing half-written beside them; the next `package`
/// repairs everything.
#[test]
fn a_package_killed_at_any_point_leaves_whole_files_or_none() {
    let site = site_with("Portal One");
    site.write(
        "crosswalk.yaml",
        "title: Portal One\nframeworks: [soc2]\naudits:\n  - id: soc2-2026\n    framework: soc2\n    start: 2026-01-01\n    end: 2026-12-31\n",
    );
    let root = site.path("");
    let root = root.to_str().unwrap();
    let package = |fault: &str| {
        Command::new(env!("CARGO_BIN_EXE_crosswalk"))
            .args(["package", "soc2-2026", "--root", root, "--today", TODAY])
            .env("CROSSWALK_FAULT", fault)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let folder = site.path("packages/soc2-2026");
    let zip = site.path("packages/soc2-2026.zip");
    let mut first = package("none");
    assert!(first.wait().unwrap().success());
    let (clean_folder, clean_zip) = (snapshot(&folder), std::fs::read(&zip).unwrap());
    let n = count_of(&["package", "soc2-2026", "--root", root, "--today", TODAY]);
    for k in (1..=10).map(|i| (n * i / 10).max(1)) {
        let mut child = package(&format!("pause@{k}"));
        let (fault, _rest) = until_fault(&mut child);
        assert!(fault.is_some(), "point {k} of {n} not reached");
        child.kill().unwrap();
        child.wait().unwrap();
        if folder.exists() {
            assert_same_files(
                &snapshot(&folder),
                &clean_folder,
                &format!("folder, kill at {k}"),
            );
        }
        if zip.exists() {
            assert!(
                std::fs::read(&zip).unwrap() == clean_zip,
                "zip, kill at {k}"
            );
        }
        let visible: Vec<String> = std::fs::read_dir(site.path("packages"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect();
        assert!(
            visible
                .iter()
                .all(|n| n == "soc2-2026" || n == "soc2-2026.zip"),
            "kill at {k}: {visible:?}"
        );
        let mut again = package("none");
        assert!(again.wait().unwrap().success());
        assert_same_files(&snapshot(&folder), &clean_folder, "after the next package");
        assert!(std::fs::read(&zip).unwrap() == clean_zip);
        let all: Vec<String> = std::fs::read_dir(site.path("packages"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(all.len(), 2, "left beside the package: {all:?}");
    }
}

/// `init` killed at any point leaves no half site; the next `init` makes a whole one.
#[test]
fn an_init_killed_at_any_point_leaves_no_half_site() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("new-site");
    let init = |fault: &str| {
        Command::new(env!("CARGO_BIN_EXE_crosswalk"))
            .arg("init")
            .arg(&target)
            .env("CROSSWALK_FAULT", fault)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    for k in 1..=8 {
        let mut child = init(&format!("pause@{k}"));
        let (fault, _rest) = until_fault(&mut child);
        assert!(fault.is_some(), "point {k} not reached");
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!target.exists(), "a killed init left {}", target.display());
    }
    assert!(init("none").wait().unwrap().success());
    assert!(target.join("crosswalk.yaml").is_file());
    let beside: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(beside, ["new-site"], "left beside the site");
    Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args(["build", "--root"])
        .arg(&target)
        .status()
        .unwrap()
        .success()
        .then_some(())
        .expect("the new site builds");
}
