//! `crosswalk serve` on a tiny site: it serves pages with the reload script, a broken file shows
//! its error in the page while the server keeps running, fixing the file recovers, and stopping it
//! removes the temporary folder it built into.
#![cfg(feature = "serve")]

mod common;

use common::start_serve;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

fn get(addr: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, out)
}

/// Polls until `pred` holds for the page, for at most 20 s.
fn eventually(addr: &str, path: &str, what: &str, pred: impl Fn(u16, &str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let (code, body) = get(addr, path);
        if pred(code, &body) {
            return body;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}; last response:\n{body}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A one-policy site in `root`.
fn site(root: &std::path::Path) {
    std::fs::write(
        root.join("crosswalk.yaml"),
        "title: Serve test\nframeworks: [soc2]\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("content/policies")).unwrap();
    std::fs::write(root.join("content/policies/a.md"), POLICY).unwrap();
}

const POLICY: &str = "---\nid: POL-A\ntitle: Access Policy\nowner: CISO\nversion: \"1\"\napproved: 2026-06-01\nreview_every: 12 months\nclassification: internal\ncontrols: [soc2:CC6.1]\n---\nFirst text.\n";

#[test]
fn serve_shows_a_broken_file_and_recovers_when_it_is_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    site(root);
    let policy = root.join("content/policies/a.md");
    let out = dir.path().join("served");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_crosswalk"));
    cmd.args(["serve", "--port", "0", "--today", "2026-11-23", "--root"])
        .arg(root)
        .arg("--output")
        .arg(&out);
    let (server, addr) = start_serve(cmd, None);

    let (code, page) = get(&addr, "/policies/POL-A.html");
    assert_eq!(code, 200, "{page}");
    assert!(page.contains("First text."));
    assert!(
        page.contains("<script src=\"/__crosswalk/live.js\"></script></body>"),
        "reload script injected"
    );
    let (code, js) = get(&addr, "/__crosswalk/live.js");
    assert_eq!(code, 200);
    assert!(js.contains("EventSource('/__crosswalk/events')"));
    assert_eq!(get(&addr, "/../../etc/passwd").0, 404);

    // Break it: an editor's write-to-temp-and-rename save of an unterminated front matter.
    let tmp = root.join("content/policies/.a.md.tmp");
    std::fs::write(&tmp, "---\nid: POL-A\ntitle: Broken\n").unwrap();
    std::fs::rename(&tmp, &policy).unwrap();
    let broken = eventually(&addr, "/policies/POL-A.html", "the error page", |c, b| {
        c == 500 && b.contains("Build failed")
    });
    assert!(
        broken.contains("content/policies/a.md:1:1: error: unterminated front matter"),
        "{broken}"
    );
    // The server is still running and still answers.
    assert_eq!(get(&addr, "/__crosswalk/live.js").0, 200);

    // Fix it: open pages are told to reload, and the page comes back with the new text.
    let mut events = TcpStream::connect(&addr).unwrap();
    events
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        events,
        "GET /__crosswalk/events HTTP/1.1\r\nHost: {addr}\r\n\r\n"
    )
    .unwrap();
    let mut seen = String::new();
    let mut buf = [0u8; 256];
    while !seen.contains("retry: 500") {
        let n = events.read(&mut buf).unwrap();
        assert!(n > 0, "event stream closed: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    std::fs::write(&policy, POLICY.replace("First text.", "Second text.")).unwrap();
    while !seen.contains("data: reload") {
        let n = events.read(&mut buf).expect("a reload event within 20 s");
        assert!(n > 0, "event stream closed: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    eventually(&addr, "/policies/POL-A.html", "the fixed page", |c, b| {
        c == 200 && b.contains("Second text.")
    });
    drop(server);
}

/// Without --output, serve builds into a folder of its own under the temporary folder; Ctrl-C
/// (SIGINT) or SIGTERM stops it cleanly and removes that folder.
#[cfg(unix)]
#[test]
fn stopping_serve_removes_its_temporary_output_folder() {
    for signal in ["INT", "TERM"] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        std::fs::create_dir(&root).unwrap();
        site(&root);
        // A site's cache folder would get the stamps of builds into a lasting output folder.
        std::fs::create_dir(root.join(".crosswalk-cache")).unwrap();
        let tmp = dir.path().join("tmp");
        std::fs::create_dir(&tmp).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_crosswalk"));
        cmd.args(["serve", "--port", "0", "--today", "2026-11-23", "--root"])
            .arg(&root)
            .env("TMPDIR", &tmp);
        let (mut server, addr) = start_serve(cmd, None);

        let mut made: Vec<_> = std::fs::read_dir(&tmp)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        made.sort();
        assert_eq!(made.len(), 2, "{signal}: {made:?}");
        let name = |p: &std::path::Path| p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name(&made[0]).starts_with("crosswalk-serve-"), "{made:?}");
        assert_eq!(name(&made[1]), format!("{}.stamps", name(&made[0])));
        assert!(made[0].join("policies/POL-A.html").is_file());
        assert_eq!(get(&addr, "/policies/POL-A.html").0, 200);
        // The builds' stamps (which make edits fast) are in serve's own folder, not the site's.
        let stamps = std::fs::read_dir(&made[1]).unwrap().count();
        assert!(stamps > 0, "{signal}: the build left no stamp");
        let in_site = || {
            std::fs::read_dir(root.join(".crosswalk-cache"))
                .unwrap()
                .count()
        };
        assert_eq!(
            in_site(),
            0,
            "{signal}: stamps of a temporary output in the site"
        );

        let child = &mut server.0;
        let sent = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(sent.success());
        // Not a timing assertion: only a bound, so a server that never stops fails the test
        // instead of hanging it.
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "SIG{signal}: serve did not stop"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "SIG{signal}: {status}");
        let left: Vec<_> = std::fs::read_dir(&tmp)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert!(left.is_empty(), "SIG{signal}: left behind {left:?}");
        assert_eq!(
            in_site(),
            0,
            "{signal}: stamps of the temporary output in the site"
        );
    }
}
