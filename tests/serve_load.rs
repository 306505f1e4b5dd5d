//! `crosswalk serve` under load, the short version of benches/serve_load.py (issue 17, item 4):
//! a few clients fetch pages continuously while saves arrive, one of which breaks a file that the
//! next fixes. No connection may be refused or fail, no answer may be a 5xx other than the
//! build-failed page while the file is broken, every save must show, and at the end the server
//! must still answer and still rebuild. And a server that ran out of file descriptors must accept
//! connections again once they are freed. No timing thresholds: the timeouts only keep a broken
//! server from hanging the test.
#![cfg(feature = "serve")]

mod common;

use common::start_serve;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Generous bounds, never expected to be reached.
const PAGE_TIMEOUT: Duration = Duration::from_secs(60);
const SAVE_TIMEOUT: Duration = Duration::from_secs(120);

fn serve_cmd(root: &Path, out: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_crosswalk"));
    cmd.args(["serve", "--port", "0", "--today", common::TODAY, "--root"])
        .arg(root)
        .arg("--output")
        .arg(out);
    cmd
}

/// Why a request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failed {
    Refused,
    Reset,
    TimedOut,
    Other,
}

fn failed(e: &std::io::Error) -> Failed {
    use std::io::ErrorKind::*;
    match e.kind() {
        ConnectionRefused => Failed::Refused,
        ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof => Failed::Reset,
        WouldBlock | TimedOut => Failed::TimedOut,
        _ => Failed::Other,
    }
}

/// A small HTTP/1.1 client: one connection, kept open between requests or not.
struct Client {
    addr: String,
    keep_alive: bool,
    conn: Option<BufReader<TcpStream>>,
}

impl Client {
    /// GET `path`: the status and the body.
    fn get(&mut self, path: &str) -> Result<(u16, String), std::io::Error> {
        let result = self.try_get(path);
        if result.is_err() || !self.keep_alive {
            self.conn = None;
        }
        result
    }

    fn try_get(&mut self, path: &str) -> Result<(u16, String), std::io::Error> {
        if self.conn.is_none() {
            let s = TcpStream::connect(&self.addr)?;
            s.set_read_timeout(Some(PAGE_TIMEOUT))?;
            s.set_write_timeout(Some(PAGE_TIMEOUT))?;
            self.conn = Some(BufReader::new(s));
        }
        let conn = self.conn.as_mut().unwrap();
        let close = if self.keep_alive {
            ""
        } else {
            "Connection: close\r\n"
        };
        write!(
            conn.get_mut(),
            "GET {path} HTTP/1.1\r\nHost: {}\r\n{close}\r\n",
            self.addr
        )?;
        let mut line = String::new();
        if conn.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
        let mut length = None;
        let mut closes = false;
        loop {
            let mut h = String::new();
            if conn.read_line(&mut h)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let (k, v) = h.split_once(':').unwrap_or((h, ""));
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse::<usize>().ok();
            } else if k.eq_ignore_ascii_case("connection") && v.trim().eq_ignore_ascii_case("close")
            {
                closes = true;
            }
        }
        let mut body = Vec::new();
        match length {
            Some(n) => {
                body.resize(n, 0);
                conn.read_exact(&mut body)?;
            }
            None => {
                conn.read_to_end(&mut body)?;
                closes = true;
            }
        }
        if closes {
            self.conn = None;
        }
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }
}

fn get(addr: &str, path: &str) -> Result<(u16, String), std::io::Error> {
    Client {
        addr: addr.to_string(),
        keep_alive: false,
        conn: None,
    }
    .get(path)
}

/// Polls until `pred` holds for the page; panics after `SAVE_TIMEOUT`. Returns when it held.
fn eventually(addr: &str, path: &str, what: &str, pred: impl Fn(u16, &str) -> bool) -> Instant {
    let start = Instant::now();
    loop {
        let last = get(addr, path);
        if let Ok((code, body)) = &last
            && pred(*code, body)
        {
            return Instant::now();
        }
        assert!(
            start.elapsed() < SAVE_TIMEOUT,
            "timed out waiting for {what}; last answer: {last:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// What one client request came to.
struct Outcome {
    started: Instant,
    ended: Instant,
    path: &'static str,
    result: Result<(u16, String), Failed>,
}

const PAGES: [&str; 8] = [
    "/",
    "/frameworks/soc2.html",
    "/controls/soc2/CC6.1.html",
    "/policies/POL-B.html",
    "/policies/POL-C.html",
    "/documents/index.html",
    "/evidence/index.html",
    "/static/style.css",
];

/// Six policies and an evidence record.
fn site(root: &Path) {
    common::write_file(root, "crosswalk.yaml", common::CONFIG);
    for (id, controls) in [
        ("POL-A", ["soc2:CC6.1", "soc2:CC6.2"]),
        ("POL-B", ["soc2:CC6.1", "soc2:CC7.2"]),
        ("POL-C", ["soc2:CC6.3", "soc2:CC8.1"]),
        ("POL-D", ["soc2:CC1.1", "soc2:CC2.1"]),
        ("POL-E", ["soc2:CC3.1", "soc2:CC6.1"]),
        ("POL-F", ["soc2:CC9.1", "soc2:CC6.6"]),
    ] {
        common::write_file(
            root,
            &format!("content/policies/{}.md", id.to_lowercase()),
            &common::policy(id, &format!("Policy {id}"), "public", &controls),
        );
    }
    common::write_file(
        root,
        "content/evidence/access.yaml",
        &common::evidence(
            "EV-1",
            "Access review",
            "public",
            &["soc2:CC6.1"],
            "content/evidence/files/access.csv",
        ),
    );
    common::write_file(root, "content/evidence/files/access.csv", "a,b\n1,2\n");
}

/// An editor's save: written beside the file, then renamed over it.
fn save(path: &Path, text: &str) {
    let tmp = path.with_file_name(format!(
        ".{}.tmp",
        path.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[test]
fn serve_answers_every_request_while_saves_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    site(&root);
    let log = Arc::new(Mutex::new(Vec::new()));
    let (mut server, addr) = start_serve(
        serve_cmd(&root, &dir.path().join("served")),
        Some(log.clone()),
    );
    for page in PAGES {
        let (code, body) = get(&addr, page).unwrap();
        assert_eq!(code, 200, "{page}: {body}");
    }

    // The clients: even ones keep their connection, odd ones open one per request.
    let stop = Arc::new(AtomicBool::new(false));
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..5)
        .map(|i| {
            let (addr, stop, outcomes) = (addr.clone(), stop.clone(), outcomes.clone());
            std::thread::spawn(move || {
                let mut client = Client {
                    addr,
                    keep_alive: i % 2 == 0,
                    conn: None,
                };
                let mut k = i;
                let mut mine = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    let path = PAGES[k % PAGES.len()];
                    k += 1;
                    let started = Instant::now();
                    let result = client.get(path).map_err(|e| failed(&e));
                    mine.push(Outcome {
                        started,
                        ended: Instant::now(),
                        path,
                        result,
                    });
                }
                outcomes.lock().unwrap().extend(mine);
            })
        })
        .collect();
    // An open page's reload stream, as the page's script holds it.
    let reloads = Arc::new(Mutex::new(String::new()));
    let mut events = TcpStream::connect(&addr).unwrap();
    events.set_read_timeout(Some(SAVE_TIMEOUT)).unwrap();
    write!(
        events,
        "GET /__crosswalk/events HTTP/1.1\r\nHost: {addr}\r\n\r\n"
    )
    .unwrap();
    let stream = {
        let (reloads, mut events) = (reloads.clone(), events.try_clone().unwrap());
        std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            while let Ok(n) = events.read(&mut buf) {
                if n == 0 {
                    break;
                }
                reloads
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        })
    };
    std::thread::sleep(Duration::from_millis(500));

    let policy = |id: &str| root.join(format!("content/policies/{}.md", id.to_lowercase()));
    let original = |id: &str, controls: &[&str]| {
        common::policy(id, &format!("Policy {id}"), "public", controls)
    };
    // 1. A body edit.
    let b = original("POL-B", &["soc2:CC6.1", "soc2:CC7.2"]);
    save(&policy("POL-B"), &format!("{b}\nBody edit one.\n"));
    eventually(&addr, "/policies/POL-B.html", "the body edit", |c, b| {
        c == 200 && b.contains("Body edit one.")
    });
    // 2. A front-matter edit: another owner, shown in the documents index too.
    let e = original("POL-E", &["soc2:CC3.1", "soc2:CC6.1"]);
    save(
        &policy("POL-E"),
        &e.replace("owner: Head of IT", "owner: Load Tester"),
    );
    eventually(&addr, "/documents/index.html", "the new owner", |c, b| {
        c == 200 && b.contains("Load Tester")
    });
    // 3. A broken file (its front matter never ends), then 4. fixed.
    let c = original("POL-C", &["soc2:CC6.3", "soc2:CC8.1"]);
    let broken_at = Instant::now();
    save(&policy("POL-C"), "---\nid: POL-C\ntitle: Broken\n");
    eventually(&addr, "/", "the build-failed page", |c, b| {
        c == 500 && b.contains("Build failed") && b.contains("content/policies/pol-c.md:1:1")
    });
    std::thread::sleep(Duration::from_millis(300));
    save(&policy("POL-C"), &format!("{c}\nFixed again.\n"));
    let fixed_at = eventually(&addr, "/policies/POL-C.html", "the fixed page", |c, b| {
        c == 200 && b.contains("Fixed again.")
    });
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.join().unwrap();
    }

    let outcomes = std::mem::take(&mut *outcomes.lock().unwrap());
    assert!(!outcomes.is_empty());
    let failures: Vec<_> = outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().err().map(|e| (o.path, *e)))
        .collect();
    assert!(
        !failures.iter().any(|(_, e)| *e == Failed::Refused),
        "refused connections: {failures:?}"
    );
    assert!(failures.is_empty(), "failed requests: {failures:?}");
    for o in &outcomes {
        let Ok((code, body)) = &o.result else {
            continue;
        };
        if *code >= 500 {
            let failed_page =
                body.contains("<title>Build failed</title>") && body.contains("pol-c.md:1:1");
            let while_broken = o.ended >= broken_at && o.started <= fixed_at;
            assert!(
                failed_page && while_broken,
                "{} answered {code} {}:\n{body}",
                o.path,
                if failed_page {
                    "outside the time the file was broken"
                } else {
                    "with something other than the build-failed page"
                }
            );
        } else {
            assert_eq!(*code, 200, "{}: {body}", o.path);
        }
    }
    assert!(
        reloads.lock().unwrap().contains("data: reload"),
        "the open page was never told to reload"
    );

    // The server still answers and still rebuilds.
    assert!(server.0.try_wait().unwrap().is_none(), "serve exited");
    assert_eq!(get(&addr, "/").unwrap().0, 200);
    save(&policy("POL-B"), &format!("{b}\nThe last save.\n"));
    eventually(&addr, "/policies/POL-B.html", "the last save", |c, b| {
        c == 200 && b.contains("The last save.")
    });
    let _ = events.shutdown(std::net::Shutdown::Both);
    let _ = stream.join();
    let log = log.lock().unwrap();
    assert!(
        !log.iter().any(|l| l.contains("panicked")),
        "{}",
        log.join("\n")
    );
}

/// A server out of file descriptors (here a limit of 40, and more connections than it allows)
/// cannot accept every connection; once they are closed it must accept again. tiny_http's accept
/// thread used to end there (it panics when it cannot duplicate a connection's descriptor), and
/// every connection after was left unanswered for good.
#[cfg(unix)]
#[test]
fn serve_accepts_connections_again_after_running_out_of_file_descriptors() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    site(&root);
    let inner = serve_cmd(&root, &dir.path().join("served"));
    // The limit is set for the server alone, soft and hard, so it cannot raise it again.
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -n 40 && exec \"$0\" \"$@\"")
        .arg(inner.get_program())
        .args(inner.get_args());
    let log = Arc::new(Mutex::new(Vec::new()));
    let (mut server, addr) = start_serve(cmd, Some(log.clone()));
    assert_eq!(get(&addr, "/policies/POL-A.html").unwrap().0, 200);

    // Hold more connections open, each with a request sent, than the server has descriptors
    // (each takes two, and the server uses about fifteen of its own).
    let mut held = Vec::new();
    for _ in 0..30 {
        if let Ok(mut s) = TcpStream::connect(&addr) {
            let _ = write!(s, "GET /static/style.css HTTP/1.1\r\nHost: {addr}\r\n\r\n");
            held.push(s);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(500));
    drop(held);

    // Answered again, within a bound that only keeps a dead server from hanging the test.
    let start = Instant::now();
    loop {
        let mut s = TcpStream::connect(&addr).expect("the server refused a connection");
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let _ = write!(
            s,
            "GET /policies/POL-A.html HTTP/1.0\r\nHost: {addr}\r\n\r\n"
        );
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        if out.starts_with("HTTP/1.1 200") || out.starts_with("HTTP/1.0 200") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "the server does not answer since it ran out of file descriptors:\n{}",
            log.lock().unwrap().join("\n")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // And it still rebuilds.
    let a = common::policy("POL-A", "Policy POL-A", "public", &["soc2:CC6.1"]);
    save(
        &root.join("content/policies/pol-a.md"),
        &format!("{a}\nAfter the storm.\n"),
    );
    eventually(&addr, "/policies/POL-A.html", "a save after", |c, b| {
        c == 200 && b.contains("After the storm.")
    });
    assert!(server.0.try_wait().unwrap().is_none(), "serve exited");
}

/// The watcher never stops: a `content/` folder removed and made again (a branch switch, a
/// restore from backup) is watched again, and so is a `themes/` folder made after start-up.
/// Saves in either used to go unseen until `serve` was restarted.
#[test]
fn folders_made_again_are_watched_again() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    site(&root);
    let log = Arc::new(Mutex::new(Vec::new()));
    let (mut server, addr) = start_serve(
        serve_cmd(&root, &dir.path().join("served")),
        Some(log.clone()),
    );
    assert_eq!(get(&addr, "/policies/POL-A.html").unwrap().0, 200);

    let content = root.join("content");
    let aside = dir.path().join("content-aside");
    copy_dir(&content, &aside);
    std::fs::remove_dir_all(&content).unwrap();
    eventually(&addr, "/policies/POL-A.html", "the page to go", |c, _| {
        c != 200
    });
    copy_dir(&aside, &content);
    eventually(&addr, "/policies/POL-A.html", "the page back", |c, _| {
        c == 200
    });
    let a = common::policy("POL-A", "Policy POL-A", "public", &["soc2:CC6.1"]);
    save(
        &content.join("policies/pol-a.md"),
        &format!("{a}\nSeen in the new folder.\n"),
    );
    eventually(
        &addr,
        "/policies/POL-A.html",
        "a save in the new folder",
        |c, b| c == 200 && b.contains("Seen in the new folder."),
    );

    common::write_file(&root, "themes/default/static/extra.css", "/* one */\n");
    eventually(
        &addr,
        "/static/extra.css",
        "a theme made after start-up",
        |c, b| c == 200 && b.contains("one"),
    );
    save(&root.join("themes/default/static/extra.css"), "/* two */\n");
    eventually(&addr, "/static/extra.css", "a save in it", |c, b| {
        c == 200 && b.contains("two")
    });
    assert!(server.0.try_wait().unwrap().is_none(), "serve exited");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}
