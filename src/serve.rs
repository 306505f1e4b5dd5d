//! `crosswalk serve`: build, serve the portal on 127.0.0.1, watch the site, rebuild on change and
//! reload open pages (server-sent events, a small script of our own). A failed build shows its
//! errors in the page and in the terminal; the server keeps running, and fixing the file recovers.
//! Ctrl-C or SIGTERM stops it, after any build in progress, and removes the temporary folder it
//! built into.

use crate::site::{Options, Site};
use crate::watch::{Burst, Change, Step};
use notify::{RecursiveMode, Watcher};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::{Duration, Instant};

const LIVE_JS: &str = "// crosswalk serve: reload when the site is rebuilt.\n(function(){var s=new EventSource('/__crosswalk/events');s.onmessage=function(){location.reload();};})();\n";
const SCRIPT_TAG: &str = "<script src=\"/__crosswalk/live.js\"></script>";

#[derive(Default)]
struct State {
    /// Bumped after every rebuild, good or bad; open pages reload when it changes.
    generation: u64,
    /// The last build's errors, shown instead of pages until a build succeeds.
    error: Option<String>,
}

type Shared = Arc<(Mutex<State>, Condvar)>;

/// One build at a time, and none once the server is stopping (its output may be being removed).
#[derive(Default)]
struct Builds {
    running: Mutex<()>,
    stopping: AtomicBool,
}

#[derive(Clone)]
pub struct ServeOptions {
    pub port: u16,
    pub open: bool,
    pub output: Option<PathBuf>,
    pub opts: Options,
    /// Print each build's stage timings.
    pub timings: bool,
}

/// Runs until the process gets SIGINT (Ctrl-C) or SIGTERM, then finishes a build in progress,
/// removes the temporary output folder if it made one, and returns `Ok`. Returns an error only on
/// a start-up failure (after removing that folder too).
pub fn serve(root: &Path, mut so: ServeOptions) -> Result<(), String> {
    keep_freed_memory();
    let (output, temporary) = match &so.output {
        Some(o) => (o.clone(), false),
        None => (
            std::env::temp_dir().join(format!("crosswalk-serve-{}", std::process::id())),
            true,
        ),
    };
    // Listen first: a busy port fails at once, not after a whole build. Requests that come during
    // the first build wait for it.
    let server = Arc::new(
        tiny_http::Server::http(("127.0.0.1", so.port))
            .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", so.port))?,
    );
    // A temporary output gets a temporary stamp folder beside it: edits are spliced and unchanged
    // saves skipped whether or not the site keeps a `.crosswalk-cache/`, and the site's folder
    // never collects stamps of outputs that are gone.
    let stamps = temporary.then(|| {
        let mut name = output.file_name().unwrap_or_default().to_os_string();
        name.push(".stamps");
        output.with_file_name(name)
    });
    if let Some(dir) = &stamps
        && std::fs::create_dir_all(dir).is_ok()
    {
        so.opts.stamp_dir = Some(dir.clone());
    }
    // What the builds keep of the site's inputs: a rebuild after the watcher named the changed
    // files reads only those.
    so.opts.session = Some(Arc::new(Mutex::new(crate::site::Session::default())));
    so.opts.private_output = temporary;
    let builds = Arc::new(Builds::default());
    {
        // Ctrl-C or SIGTERM: no new builds, stop taking requests; the shutdown proper follows the
        // request loop.
        let (server, builds) = (server.clone(), builds.clone());
        let _ = stop::on_signal_run(move || {
            builds.stopping.store(true, Ordering::SeqCst);
            if builds.running.try_lock().is_err() {
                eprintln!("stopping after the build in progress (Ctrl-C again to stop at once)");
            }
            server.unblock();
        });
    }
    let shared: Shared = Arc::new((Mutex::new(State::default()), Condvar::new()));
    rebuild(root, &output, &so, &shared, &builds);
    let result = if builds.stopping.load(Ordering::SeqCst) {
        Ok(())
    } else {
        serve_until_stopped(root, &so, &output, &server, &shared, &builds)
    };

    builds.stopping.store(true, Ordering::SeqCst);
    // Wait for a build in progress, and keep the lock: no other starts before the process ends.
    let _done = builds.running.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(session) = &so.opts.session {
        session.lock().unwrap_or_else(|e| e.into_inner()).settle();
    }
    if temporary {
        // Thousands of files: on a busy disk this takes a while, so say what is happening.
        eprintln!(
            "stopping: removing {} (Ctrl-C again to leave it)",
            output.display()
        );
        let _ = std::fs::remove_dir_all(&output);
        if let Some(dir) = &stamps {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    result
}

/// Watches the site and answers requests until a signal unblocks the server (or it fails to
/// accept connections).
fn serve_until_stopped(
    root: &Path,
    so: &ServeOptions,
    output: &Path,
    server: &tiny_http::Server,
    shared: &Shared,
    builds: &Arc<Builds>,
) -> Result<(), String> {
    let addr = server
        .server_addr()
        .to_ip()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let url = format!("http://{addr}/");
    eprintln!(
        "serving {} at {url} (watching for changes; Ctrl-C to stop)",
        root.display()
    );
    if so.open {
        let _ = std::process::Command::new(if cfg!(target_os = "macos") {
            "open"
        } else {
            "xdg-open"
        })
        .arg(&url)
        .spawn();
    }

    let (tx, rx) = mpsc::channel();
    let config_path = root.join(crate::config::CONFIG_FILE);
    let mut watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
        // Reads (the build's own) and metadata-only changes are not edits. A close after writing
        // is not one either, but it tells the debounce that an in-place save is complete.
        use notify::EventKind::{Access, Create, Modify, Remove};
        use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
        let Ok(ev) = ev else { return };
        if ev.need_rescan() {
            // The kernel dropped events (its queue overflowed during a large build): some save
            // may be among them. Rebuild; the build itself finds what changed.
            let _ = tx.send((config_path.clone(), Step::Changed));
            return;
        }
        let step = match ev.kind {
            Modify(ModifyKind::Name(RenameMode::To)) => Step::Replaced,
            Modify(ModifyKind::Name(RenameMode::Both)) => {
                // [from, to]; inotify also reports the two halves on their own.
                let mut paths = ev.paths.into_iter();
                if let Some(from) = paths.next() {
                    let _ = tx.send((from, Step::Changed));
                }
                for to in paths {
                    let _ = tx.send((to, Step::Replaced));
                }
                return;
            }
            Create(_)
            | Remove(_)
            | Modify(ModifyKind::Data(_) | ModifyKind::Name(_) | ModifyKind::Any) => Step::Changed,
            Access(AccessKind::Close(AccessMode::Write)) => Step::Closed,
            _ => return,
        };
        for p in ev.paths {
            let _ = tx.send((p, step));
        }
    })
    .map_err(|e| format!("cannot watch files: {e}"))?;
    for sub in ["content", "mappings", "themes"] {
        let p = root.join(sub);
        if p.is_dir() {
            watcher
                .watch(&p, RecursiveMode::Recursive)
                .map_err(|e| format!("cannot watch {}: {e}", p.display()))?;
        }
    }
    // The root itself, not recursively: crosswalk.yaml, and folders created later.
    watcher
        .watch(root, RecursiveMode::NonRecursive)
        .map_err(|e| format!("cannot watch {}: {e}", root.display()))?;

    let (root_w, output_w, opts_w, shared_w, builds_w) = (
        root.to_path_buf(),
        output.to_path_buf(),
        so.clone(),
        shared.clone(),
        builds.clone(),
    );
    std::thread::spawn(move || watch_loop(&root_w, &output_w, &opts_w, &shared_w, &builds_w, &rx));

    for request in server.incoming_requests() {
        let (output, shared) = (output.to_path_buf(), shared.clone());
        std::thread::spawn(move || respond(request, &output, &shared));
    }
    // Stop watching: a save from now on starts no build.
    drop(watcher);
    Ok(())
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// Waits for changes, lets a burst settle (see [`Burst::quiet_period`]), and rebuilds once per
/// burst.
fn watch_loop(
    root: &Path,
    output: &Path,
    so: &ServeOptions,
    shared: &Shared,
    builds: &Builds,
    rx: &mpsc::Receiver<(PathBuf, Step)>,
) {
    let (root_c, output_c) = (canonical(root), canonical(output));
    // Paths as the events give them, made comparable with the canonical root and output.
    let add = |burst: &mut Burst, (p, step): (PathBuf, Step)| {
        let p = if p.is_absolute() { p } else { root_c.join(p) };
        let dir = p.parent().map(canonical).unwrap_or_default();
        let p = dir.join(p.file_name().unwrap_or_default());
        burst.add(&root_c, &output_c, &p, step);
    };
    while let Ok(first) = rx.recv() {
        let mut burst = Burst::default();
        add(&mut burst, first);
        let deadline = Instant::now() + Duration::from_secs(1);
        while let Ok(ev) = rx.recv_timeout(burst.quiet_period()) {
            add(&mut burst, ev);
            if Instant::now() > deadline {
                break;
            }
        }
        let changes = burst.changes();
        if changes.is_empty() {
            continue;
        }
        let what: Vec<&str> = changes
            .iter()
            .map(|c| match c {
                Change::Content => "content",
                Change::Mappings => "mappings",
                Change::Theme => "theme",
                Change::Config => "crosswalk.yaml",
            })
            .collect();
        if let Some(session) = &so.opts.session {
            let mut session = session.lock().unwrap_or_else(|e| e.into_inner());
            if changes.contains(&Change::Config) {
                session.forget();
            } else {
                session.changed(&root_c, &burst.relative_paths(&root_c));
            }
        }
        eprintln!("change in {}: rebuilding", what.join(", "));
        rebuild(root, output, so, shared, builds);
    }
}

/// Rebuilds (the site is reopened, so a changed crosswalk.yaml takes effect) and wakes the pages.
fn rebuild(root: &Path, output: &Path, so: &ServeOptions, shared: &Shared, builds: &Builds) {
    let opts = &so.opts;
    let _running = builds.running.lock().unwrap_or_else(|e| e.into_inner());
    if builds.stopping.load(Ordering::SeqCst) {
        return;
    }
    let started = Instant::now();
    let result = Site::open(root)
        .map_err(|d| d.to_string())
        .and_then(|site| {
            site.build(opts, Some(output)).map_err(|ds| {
                ds.sorted()
                    .iter()
                    .filter(|d| d.is_error())
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        });
    let (lock, cvar) = &**shared;
    let mut st = lock.lock().unwrap_or_else(|e| e.into_inner());
    match result {
        Ok(r) => {
            eprintln!(
                "built {} pages in {} ms",
                r.pages,
                started.elapsed().as_millis()
            );
            if so.timings {
                eprint!("{}", r.timings_text());
            }
            st.error = None;
        }
        Err(e) => {
            eprintln!("{e}\nbuild failed: fix the file and save; the server keeps running");
            st.error = Some(e);
        }
    }
    st.generation += 1;
    cvar.notify_all();
}

/// Streams server-sent events on the raw connection: one `reload` each time the generation moves
/// on, a keep-alive comment every 20 s, until the page goes away.
fn stream_events(request: tiny_http::Request, shared: &Shared) {
    let mut seen = shared.0.lock().map(|s| s.generation).unwrap_or(0);
    let mut w = request.into_writer();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: keep-alive\r\n\r\nretry: 500\n\n";
    if w.write_all(head.as_bytes())
        .and_then(|_| w.flush())
        .is_err()
    {
        return;
    }
    loop {
        let message = {
            let (lock, cvar) = &**shared;
            let st = lock.lock().unwrap_or_else(|e| e.into_inner());
            let (st, timeout) = cvar
                .wait_timeout_while(st, Duration::from_secs(20), |s| s.generation == seen)
                .unwrap_or_else(|e| e.into_inner());
            if timeout.timed_out() {
                ": keep-alive\n\n"
            } else {
                seen = st.generation;
                "data: reload\n\n"
            }
        };
        if w.write_all(message.as_bytes())
            .and_then(|_| w.flush())
            .is_err()
        {
            return;
        }
    }
}

fn header(k: &str, v: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).expect("static header is valid")
}

fn respond(request: tiny_http::Request, output: &Path, shared: &Shared) {
    let path = request
        .url()
        .split(['?', '#'])
        .next()
        .unwrap_or("/")
        .to_string();
    if path == "/__crosswalk/events" {
        stream_events(request, shared);
        return;
    }
    if path == "/__crosswalk/live.js" {
        let _ = request.respond(
            tiny_http::Response::from_string(LIVE_JS)
                .with_header(header("Content-Type", "text/javascript; charset=utf-8")),
        );
        return;
    }
    let error = shared.0.lock().ok().and_then(|s| s.error.clone());
    let file = resolve(output, &path);
    let is_html = file
        .as_ref()
        .is_none_or(|f| f.extension().is_some_and(|e| e == "html"));
    if let (Some(e), true) = (error, is_html) {
        let body = format!(
            "<!doctype html><meta charset=\"utf-8\"><title>Build failed</title><body style=\"font-family:system-ui;margin:2em\"><h1>Build failed</h1><p>Fix the file and save: this page reloads when the site builds again.</p><pre style=\"white-space:pre-wrap;background:#fdf0ef;padding:1em;border-left:4px solid #c8342c\">{}</pre>{SCRIPT_TAG}</body>",
            escape(&e)
        );
        let _ = request.respond(
            tiny_http::Response::from_string(body)
                .with_status_code(500)
                .with_header(header("Content-Type", "text/html; charset=utf-8")),
        );
        return;
    }
    match file.and_then(|f| std::fs::read(&f).ok().map(|b| (f, b))) {
        Some((f, bytes)) => {
            let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
            let bytes = if ext == "html" { inject(bytes) } else { bytes };
            let _ = request.respond(
                tiny_http::Response::from_data(bytes)
                    .with_header(header("Content-Type", content_type(ext)))
                    .with_header(header("Cache-Control", "no-store")),
            );
        }
        None => {
            let _ = request.respond(
                tiny_http::Response::from_string(format!(
                    "<!doctype html><title>Not found</title><p>No page at {}</p>{SCRIPT_TAG}",
                    escape(&path)
                ))
                .with_status_code(404)
                .with_header(header("Content-Type", "text/html; charset=utf-8")),
            );
        }
    }
}

/// The file a URL path names inside the output, never outside it.
fn resolve(output: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path.trim_start_matches('/'));
    let rel = Path::new(&decoded);
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) && !decoded.is_empty() {
        return None;
    }
    let mut p = output.join(rel);
    if p.is_dir() {
        p = p.join("index.html");
    }
    p.is_file().then_some(p)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(
                std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                16,
            )
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Adds the reload script before the last `</body>`, or at the end; in place, as bytes (the
/// largest pages are megabytes).
fn inject(mut html: Vec<u8>) -> Vec<u8> {
    let at = html
        .windows(7)
        .rposition(|w| w == b"</body>")
        .unwrap_or(html.len());
    html.splice(at..at, SCRIPT_TAG.bytes());
    html
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn content_type(ext: &str) -> &'static str {
    match ext {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "json" => "application/json",
        "pem" | "txt" | "md" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// Every rebuild makes and drops the same large buffers (per-record tables, the plan's rows, the
/// library's pages). glibc serves allocations above a threshold that starts at 128 KiB with
/// fresh `mmap`s, returns them on free, and raises the threshold only as it sees them freed, so
/// rebuilds kept paying for zeroing new pages. Fixing the thresholds keeps freed memory for the
/// next rebuild (at most 256 MiB kept free): at N = 10,000, 7 evidence saves in one run took a
/// median of 201 ms against 242 ms without it, for 367 MiB peak against 335 MiB. The first save
/// after start-up is still the slowest (docs/benchmarks.md).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory() {
    use std::ffi::c_int;
    const M_TRIM_THRESHOLD: c_int = -1;
    const M_MMAP_THRESHOLD: c_int = -3;
    unsafe extern "C" {
        fn mallopt(param: c_int, value: c_int) -> c_int;
    }
    // SAFETY: mallopt only changes the allocator's tuning; 32 MiB is the largest mmap threshold
    // glibc accepts on 64-bit targets. A refused value leaves the default in place.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
        mallopt(M_TRIM_THRESHOLD, 256 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory() {}

/// Ctrl-C and SIGTERM, without a dependency: the handler only writes a byte to a socket (one of
/// the few things a signal handler may safely do), and a thread of ours waits for that byte and
/// runs the shutdown. A second signal ends the process at once, as an unhandled one would.
#[cfg(unix)]
mod stop {
    use std::ffi::c_int;
    use std::io::Read;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;
    use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

    // The same numbers on Linux, macOS and the BSDs.
    const SIGINT: c_int = 2;
    const SIGTERM: c_int = 15;

    static WAKE: AtomicI32 = AtomicI32::new(-1);
    static RECEIVED: AtomicUsize = AtomicUsize::new(0);

    unsafe extern "C" {
        fn signal(signum: c_int, handler: extern "C" fn(c_int)) -> usize;
        fn write(fd: c_int, buf: *const u8, count: usize) -> isize;
        fn _exit(status: c_int) -> !;
    }

    extern "C" fn on_signal(signum: c_int) {
        // Only async-signal-safe calls here: atomics, write(2) and _exit(2).
        if RECEIVED.fetch_add(1, Ordering::SeqCst) > 0 {
            // SAFETY: _exit is async-signal-safe and takes any status.
            unsafe { _exit(128 + signum) }
        }
        let fd = WAKE.load(Ordering::SeqCst);
        if fd >= 0 {
            // SAFETY: `fd` is the write end of a socket pair kept open for the life of the
            // process (non-blocking, so a full buffer cannot hang the handler); the buffer is one
            // valid byte.
            unsafe {
                write(fd, [1u8].as_ptr(), 1);
            }
        }
    }

    /// Runs `f` on its own thread when the process first gets SIGINT or SIGTERM.
    pub fn on_signal_run(f: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
        let (mut wait, wake) = UnixStream::pair()?;
        wake.set_nonblocking(true)?;
        WAKE.store(wake.as_raw_fd(), Ordering::SeqCst);
        std::mem::forget(wake); // the handler may write to it at any time from now on
        std::thread::spawn(move || {
            let mut byte = [0u8];
            if matches!(wait.read(&mut byte), Ok(1)) {
                f();
            }
        });
        for signum in [SIGINT, SIGTERM] {
            // SAFETY: installs a handler that makes only async-signal-safe calls; glibc, musl and
            // the BSDs give signal() persistent, restarting (BSD) semantics.
            if unsafe { signal(signum, on_signal) } == usize::MAX {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok(())
    }
}

/// Elsewhere the process ends on Ctrl-C as before, leaving its temporary output folder.
#[cfg(not(unix))]
mod stop {
    pub fn on_signal_run(_f: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_never_leave_the_output() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "x").unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/index.html"), "x").unwrap();
        assert!(resolve(dir.path(), "/").is_some());
        assert!(resolve(dir.path(), "/a/").is_some());
        assert!(resolve(dir.path(), "/../etc/passwd").is_none());
        assert!(resolve(dir.path(), "/%2e%2e/etc/passwd").is_none());
        assert!(resolve(dir.path(), "/missing.html").is_none());
    }

    #[test]
    fn the_reload_script_is_injected_before_the_body_ends() {
        let out =
            String::from_utf8(inject(b"<html><body><p>x</p></body></html>".to_vec())).unwrap();
        assert!(out.ends_with(&format!("<p>x</p>{SCRIPT_TAG}</body></html>")));
        let out = String::from_utf8(inject(b"<p>x</p>".to_vec())).unwrap();
        assert_eq!(out, format!("<p>x</p>{SCRIPT_TAG}"));
    }
}
