//! `crosswalk serve`: build, serve the portal on 127.0.0.1, watch the site, rebuild on change and
//! reload open pages (server-sent events, a small script of our own). A failed build shows its
//! errors in the page and in the terminal; the server keeps running, and fixing the file recovers.
//! Ctrl-C or SIGTERM stops it, after any build in progress, and removes the temporary folder it
//! built into.
//!
//! Under load (docs/reliability.md, "serve under load"): the listening socket is our own and
//! tiny_http only accepts from a copy of it, so when its accept thread ends (it does, on the first
//! failed `accept`, and it panics when a connection's descriptor cannot be duplicated) a new one is
//! started on the same socket, found by the error or by a probe that goes unanswered. A build that
//! panics is shown as a failed build, and the watcher goes on; a watched folder that is removed
//! and made again is watched again.

pub mod watch;

use crate::serve::watch::{Burst, Change, Step};
use crate::site::{Options, Site};
use notify::{RecursiveMode, Watcher};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::{Duration, Instant};

const LIVE_JS: &str = "// crosswalk serve: reload when the site is rebuilt.\n(function(){var s=new EventSource('/__crosswalk/events');s.onmessage=function(){location.reload();};})();\n";
const SCRIPT_TAG: &str = "<script src=\"/__crosswalk/live.js\"></script>";

/// How often the server checks that it still accepts connections, and how long it waits for the
/// answer; two unanswered probes in a row restart the HTTP server.
const PROBE_EVERY: Duration = Duration::from_secs(1);
const PROBE_WAIT: Duration = Duration::from_secs(2);
/// The wait before starting a new HTTP server: doubled while they keep failing within
/// `BACKOFF_RESET` of starting, up to the most.
const BACKOFF_FIRST: Duration = Duration::from_millis(100);
const BACKOFF_MOST: Duration = Duration::from_secs(2);
const BACKOFF_RESET: Duration = Duration::from_secs(10);
/// A replaced HTTP server whose accept loop failed still answers the connections it had (kept
/// alive by browsers); it is let go once none has sent a request for this long.
const RETIRED_IDLE: Duration = Duration::from_secs(300);

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
    /// A build panicked: builds start afresh (a new session, every page rendered) until one
    /// succeeds, since the one that panicked may have left its records half updated.
    after_panic: AtomicBool,
}

/// What wakes the main thread while it serves.
enum Wake {
    /// SIGINT or SIGTERM.
    Stop,
    /// The accept loop of HTTP server number `n` ended, with this error.
    Died(u64, String),
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
    raise_open_file_limit();
    let (output, temporary) = match &so.output {
        Some(o) => (o.clone(), false),
        None => (
            std::env::temp_dir().join(format!("crosswalk-serve-{}", std::process::id())),
            true,
        ),
    };
    // Listen first: a busy port fails at once, not after a whole build. Requests that come during
    // the first build wait for it (in the socket's queue).
    let listener = TcpListener::bind(("127.0.0.1", so.port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", so.port))?;
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
    let (wake, woken) = mpsc::channel();
    {
        // Ctrl-C or SIGTERM: no new builds; the shutdown proper follows the request loop.
        let (wake, builds) = (wake.clone(), builds.clone());
        let _ = stop::on_signal_run(move || {
            builds.stopping.store(true, Ordering::SeqCst);
            if builds.running.try_lock().is_err() {
                eprintln!("stopping after the build in progress (Ctrl-C again to stop at once)");
            }
            let _ = wake.send(Wake::Stop);
        });
    }
    let shared: Shared = Arc::new((Mutex::new(State::default()), Condvar::new()));
    rebuild(root, &output, &so, &shared, &builds);
    let result = if builds.stopping.load(Ordering::SeqCst) {
        Ok(())
    } else {
        let http = Http {
            listener,
            output: output.clone(),
            shared: shared.clone(),
            wake,
            started: 0,
            retired: Arc::new(AtomicBool::new(false)),
            since: Instant::now(),
            backoff: BACKOFF_FIRST,
        };
        serve_until_stopped(root, &so, &output, http, &woken, &shared, &builds)
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

/// Watches the site and answers requests until a signal says stop.
fn serve_until_stopped(
    root: &Path,
    so: &ServeOptions,
    output: &Path,
    mut http: Http,
    woken: &mpsc::Receiver<Wake>,
    shared: &Shared,
    builds: &Arc<Builds>,
) -> Result<(), String> {
    let addr = http
        .listener
        .local_addr()
        .map_err(|e| format!("cannot listen: {e}"))?;
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
    let config_path = root.join(crate::model::config::CONFIG_FILE);
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
    for sub in crate::serve::watch::FOLDERS {
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
    let watcher = Arc::new(Mutex::new(Some(watcher)));

    let (root_w, output_w, opts_w, shared_w, builds_w, watcher_w) = (
        root.to_path_buf(),
        output.to_path_buf(),
        so.clone(),
        shared.clone(),
        builds.clone(),
        watcher.clone(),
    );
    std::thread::spawn(move || {
        // A folder the watcher follows that is made again (removed and restored, or created
        // after start-up) is a new folder: watch it anew, or saves in it go unseen.
        let rewatch = |dir: &Path| {
            let mut w = watcher_w.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(w) = w.as_mut()
                && let Err(e) = w.watch(dir, RecursiveMode::Recursive)
            {
                eprintln!("cannot watch {}: {e}", dir.display());
            }
        };
        // Nothing in the loop should panic, but if something does the watcher must go on.
        loop {
            let run = std::panic::AssertUnwindSafe(|| {
                watch_loop(
                    &root_w, &output_w, &opts_w, &shared_w, &builds_w, &rx, &rewatch,
                )
            });
            match std::panic::catch_unwind(run) {
                Ok(()) => return,
                Err(_) => eprintln!("the file watcher failed; it goes on watching"),
            }
        }
    });

    http.start()?;
    let mut unanswered = 0;
    loop {
        let event = woken.recv_timeout(PROBE_EVERY);
        if builds.stopping.load(Ordering::SeqCst) {
            break;
        }
        match event {
            Ok(Wake::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Ok(Wake::Died(n, e)) if n == http.started => {
                eprintln!("the HTTP server stopped accepting connections ({e}); starting it again");
                http.restart(builds, true);
                unanswered = 0;
            }
            Ok(Wake::Died(..)) => {}
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if probe(addr) == Some(false) {
                    unanswered += 1;
                } else {
                    unanswered = 0;
                }
                if unanswered >= 2 {
                    eprintln!("the HTTP server is not answering; starting it again");
                    http.restart(builds, false);
                    unanswered = 0;
                }
            }
        }
    }
    // Stop watching: a save from now on starts no build.
    drop(watcher.lock().unwrap_or_else(|e| e.into_inner()).take());
    Ok(())
}

/// tiny_http serving our listening socket. tiny_http accepts on a thread of its own that ends
/// for good on the first failed `accept` and panics when a new connection's descriptor cannot be
/// duplicated (out of file descriptors), after which nothing would answer again; the socket
/// stays ours, so another tiny_http server can take over on it.
struct Http {
    listener: TcpListener,
    output: PathBuf,
    shared: Shared,
    wake: mpsc::Sender<Wake>,
    /// How many servers were started; the number of the current one.
    started: u64,
    /// The current server's flag, set when it is replaced after its accept loop failed.
    retired: Arc<AtomicBool>,
    since: Instant,
    backoff: Duration,
}

impl Http {
    /// Starts a tiny_http server on a copy of the socket, with a thread taking its requests.
    fn start(&mut self) -> Result<(), String> {
        let listener = self
            .listener
            .try_clone()
            .map_err(|e| format!("cannot listen: {e}"))?;
        // tiny_http starts its accept thread with `thread::spawn`, which panics when no thread
        // can be had.
        let server = std::panic::catch_unwind(|| tiny_http::Server::from_listener(listener, None))
            .map_err(|_| "cannot start a thread to accept connections".to_string())?
            .map_err(|e| format!("cannot listen: {e}"))?;
        let n = self.started + 1;
        let retired = Arc::new(AtomicBool::new(false));
        let (r, wake, output, shared) = (
            retired.clone(),
            self.wake.clone(),
            self.output.clone(),
            self.shared.clone(),
        );
        std::thread::Builder::new()
            .name(format!("crosswalk-http-{n}"))
            .spawn(move || take_requests(&server, n, &r, &wake, &output, &shared))
            .map_err(|e| format!("cannot start a thread to take requests: {e}"))?;
        self.started = n;
        self.retired = retired;
        self.since = Instant::now();
        Ok(())
    }

    /// Replaces the current server (`failed`: its accept loop is known to have ended), waiting
    /// longer each time one fails soon after it started; tries until one starts or the server
    /// is stopping.
    fn restart(&mut self, builds: &Builds, failed: bool) {
        if failed {
            self.retired.store(true, Ordering::SeqCst);
        }
        self.backoff = if self.since.elapsed() > BACKOFF_RESET {
            BACKOFF_FIRST
        } else {
            (self.backoff * 2).min(BACKOFF_MOST)
        };
        loop {
            let until = Instant::now() + self.backoff;
            while Instant::now() < until {
                if builds.stopping.load(Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            match self.start() {
                Ok(()) => return,
                Err(e) => {
                    eprintln!("{e}; trying again");
                    self.backoff = (self.backoff * 2).min(BACKOFF_MOST);
                }
            }
        }
    }
}

/// Takes one tiny_http server's requests and answers each on a thread of its own. When its
/// accept loop ends, says so once and goes on with the connections it has; once replaced after
/// such a failure (`retired`), it ends when none has sent a request for a while.
fn take_requests(
    server: &tiny_http::Server,
    n: u64,
    retired: &AtomicBool,
    wake: &mpsc::Sender<Wake>,
    output: &Path,
    shared: &Shared,
) {
    let mut last = Instant::now();
    let mut failed = false;
    loop {
        match server.recv_timeout(Duration::from_secs(1)) {
            Ok(Some(request)) => {
                last = Instant::now();
                dispatch(request, output, shared);
            }
            Ok(None) => {
                if failed && retired.load(Ordering::SeqCst) && last.elapsed() > RETIRED_IDLE {
                    return;
                }
            }
            Err(e) => {
                if !failed {
                    failed = true;
                    let _ = wake.send(Wake::Died(n, e.to_string()));
                }
                last = Instant::now();
            }
        }
    }
}

/// Answers a request on a thread of its own (a page's event stream holds its thread for as long
/// as the page is open); with no thread to be had, answers it here, briefly, rather than let
/// tiny_http answer 500.
fn dispatch(request: tiny_http::Request, output: &Path, shared: &Shared) {
    let slot = Arc::new(Mutex::new(Some(request)));
    let take = |slot: &Mutex<Option<tiny_http::Request>>| {
        slot.lock().unwrap_or_else(|e| e.into_inner()).take()
    };
    let (s, o, sh) = (slot.clone(), output.to_path_buf(), shared.clone());
    let spawned = std::thread::Builder::new().spawn(move || {
        if let Some(request) = take(&s) {
            respond(request, &o, &sh, true);
        }
    });
    if spawned.is_err()
        && let Some(request) = take(&slot)
    {
        respond(request, output, shared, false);
    }
}

/// Whether the server answers a request: `None` when that cannot be told (no connection could
/// be made, or it was closed at once).
fn probe(addr: SocketAddr) -> Option<bool> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(PROBE_WAIT)).ok()?;
    s.set_write_timeout(Some(PROBE_WAIT)).ok()?;
    s.write_all(b"GET /__crosswalk/live.js HTTP/1.0\r\n\r\n")
        .ok()?;
    let mut byte = [0u8; 1];
    match s.read(&mut byte) {
        Ok(1) => Some(true),
        Ok(_) => None,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            Some(false)
        }
        Err(_) => None,
    }
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// Waits for changes, lets a burst settle (see [`Burst::quiet_period`]), and rebuilds once per
/// burst. Returns when the watcher is gone.
fn watch_loop(
    root: &Path,
    output: &Path,
    so: &ServeOptions,
    shared: &Shared,
    builds: &Builds,
    rx: &mpsc::Receiver<(PathBuf, Step)>,
    rewatch: &dyn Fn(&Path),
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
        // Before the build lists the site: a save in a folder made again is seen from here on.
        for dir in burst.top_folders(&root_c) {
            if dir.is_dir() {
                rewatch(&dir);
            }
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

/// Runs `f`; a panic becomes an error carrying its message, and `true`.
fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> (Result<T, String>, bool) {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => (r, false),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_string());
            (
                Err(format!(
                    "internal error: the build stopped ({message}). This is a bug in crosswalk; \
                     save again to rebuild everything."
                )),
                true,
            )
        }
    }
}

/// Rebuilds (the site is reopened, so a changed crosswalk.yaml takes effect) and wakes the pages.
fn rebuild(root: &Path, output: &Path, so: &ServeOptions, shared: &Shared, builds: &Builds) {
    let _running = builds.running.lock().unwrap_or_else(|e| e.into_inner());
    if builds.stopping.load(Ordering::SeqCst) {
        return;
    }
    let started = Instant::now();
    let mut opts = std::borrow::Cow::Borrowed(&so.opts);
    if builds.after_panic.load(Ordering::SeqCst) {
        opts.to_mut().force = true;
    }
    let (result, panicked) = guarded(|| {
        Site::open(root)
            .map_err(|d| d.to_string())
            .and_then(|site| {
                site.build(&opts, Some(output)).map_err(|ds| {
                    ds.sorted()
                        .iter()
                        .filter(|d| d.is_error())
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>()
                        .join("\n")
                })
            })
    });
    if panicked {
        builds.after_panic.store(true, Ordering::SeqCst);
        if let Some(session) = &so.opts.session {
            // What the session holds may be half updated: start again from nothing, once its
            // last stamp is written.
            session.clear_poison();
            let mut session = session.lock().unwrap_or_else(|e| e.into_inner());
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| session.settle()));
            *session = crate::site::Session::default();
        }
    } else if result.is_ok() {
        builds.after_panic.store(false, Ordering::SeqCst);
    }
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
/// on, a keep-alive comment every 20 s, until the page goes away. `hold: false` (no thread of
/// its own): only asks the page to connect again in a while.
fn stream_events(request: tiny_http::Request, shared: &Shared, hold: bool) {
    let mut seen = shared.0.lock().map(|s| s.generation).unwrap_or(0);
    let mut w = request.into_writer();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: keep-alive\r\n\r\n";
    let retry = if hold {
        "retry: 500\n\n"
    } else {
        "retry: 2000\n\n"
    };
    if w.write_all(head.as_bytes())
        .and_then(|_| w.write_all(retry.as_bytes()))
        .and_then(|_| w.flush())
        .is_err()
        || !hold
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

/// Answers one request. `hold`: the request has a thread of its own, which an event stream may
/// keep.
fn respond(request: tiny_http::Request, output: &Path, shared: &Shared, hold: bool) {
    let path = request
        .url()
        .split(['?', '#'])
        .next()
        .unwrap_or("/")
        .to_string();
    if path == "/__crosswalk/events" {
        stream_events(request, shared, hold);
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
    // A page that is there but cannot be read (out of file descriptors, say) is not "not found":
    // the browser is told to try again.
    let read = file.map(|f| (std::fs::read(&f), f));
    if let Some((Err(e), _)) = &read
        && e.kind() != std::io::ErrorKind::NotFound
    {
        let _ = request.respond(
            tiny_http::Response::from_string(format!("cannot read {}: {e}\n", escape(&path)))
                .with_status_code(503)
                .with_header(header("Retry-After", "1"))
                .with_header(header("Content-Type", "text/plain; charset=utf-8")),
        );
        return;
    }
    match read.and_then(|(r, f)| r.ok().map(|b| (f, b))) {
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

/// Each connection takes two file descriptors (tiny_http reads and writes through separate
/// handles) and a build opens files of its own, while many systems start a process with a soft
/// limit of 1,024 descriptors (macOS: 256), a few hundred connections. Running out fails builds
/// and used to stop the server accepting connections; like most servers, raise the soft limit
/// towards the hard one (to at most 10,240, macOS's `OPEN_MAX`).
#[cfg(any(
    all(
        target_os = "linux",
        target_pointer_width = "64",
        not(any(target_arch = "mips64", target_arch = "sparc64"))
    ),
    target_os = "macos"
))]
fn raise_open_file_limit() {
    use std::ffi::c_int;
    #[cfg(target_os = "linux")]
    const RLIMIT_NOFILE: c_int = 7;
    #[cfg(target_os = "macos")]
    const RLIMIT_NOFILE: c_int = 8;
    const MOST: u64 = 10_240;
    // `rlim_t` is 64 bits wide on these targets (glibc and musl, 64-bit; macOS).
    #[repr(C)]
    struct Rlimit {
        current: u64,
        most: u64,
    }
    unsafe extern "C" {
        fn getrlimit(resource: c_int, rlim: *mut Rlimit) -> c_int;
        fn setrlimit(resource: c_int, rlim: *const Rlimit) -> c_int;
    }
    let mut limit = Rlimit {
        current: 0,
        most: 0,
    };
    // SAFETY: both calls get a valid pointer to a struct laid out as the C `struct rlimit`; a
    // refused value leaves the limit as it was.
    unsafe {
        if getrlimit(RLIMIT_NOFILE, &mut limit) == 0 && limit.current < limit.most.min(MOST) {
            limit.current = limit.most.min(MOST);
            setrlimit(RLIMIT_NOFILE, &limit);
        }
    }
}

#[cfg(not(any(
    all(
        target_os = "linux",
        target_pointer_width = "64",
        not(any(target_arch = "mips64", target_arch = "sparc64"))
    ),
    target_os = "macos"
)))]
fn raise_open_file_limit() {}

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
    fn a_panicking_build_becomes_a_failed_build() {
        let (r, panicked) = guarded(|| -> Result<(), String> { panic!("index out of range") });
        assert!(panicked);
        let e = r.unwrap_err();
        assert!(
            e.starts_with("internal error: the build stopped (index out of range)"),
            "{e}"
        );
        let (r, panicked) = guarded(|| -> Result<(), String> { panic!("{} of {}", 3, 2) });
        assert!(panicked && r.unwrap_err().contains("(3 of 2)"));
        assert_eq!(
            guarded(|| Err::<(), _>("bad".to_string())),
            (Err("bad".into()), false)
        );
        assert_eq!(guarded(|| Ok::<_, String>(1)), (Ok(1), false));
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
