//! `crosswalk serve`: build, serve the portal on 127.0.0.1, watch the site, rebuild on change and
//! reload open pages (server-sent events, a small script of our own). A failed build shows its
//! errors in the page and in the terminal; the server keeps running, and fixing the file recovers.

use crate::site::{Options, Site};
use crate::watch::{Change, classify};
use notify::{RecursiveMode, Watcher};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::{Duration, Instant};

/// How long the watcher waits for a burst of events (an editor's save) to settle.
pub const DEBOUNCE: Duration = Duration::from_millis(60);

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

pub struct ServeOptions {
    pub port: u16,
    pub open: bool,
    pub output: Option<PathBuf>,
    pub opts: Options,
}

/// Runs until the process is stopped. Returns only on a start-up failure.
pub fn serve(root: &Path, so: ServeOptions) -> Result<(), String> {
    let output = match &so.output {
        Some(o) => o.clone(),
        None => std::env::temp_dir().join(format!("crosswalk-serve-{}", std::process::id())),
    };
    let shared: Shared = Arc::new((Mutex::new(State::default()), Condvar::new()));
    rebuild(root, &output, &so.opts, &shared);

    let server = tiny_http::Server::http(("127.0.0.1", so.port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", so.port))?;
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
    let mut watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
        // Reads (the build's own) and metadata-only changes are not edits.
        use notify::EventKind::{Create, Modify, Remove};
        use notify::event::ModifyKind;
        if let Ok(ev) = ev
            && matches!(
                ev.kind,
                Create(_)
                    | Remove(_)
                    | Modify(ModifyKind::Data(_) | ModifyKind::Name(_) | ModifyKind::Any)
            )
        {
            for p in ev.paths {
                let _ = tx.send(p);
            }
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

    let (root_w, output_w, opts_w, shared_w) = (
        root.to_path_buf(),
        output.clone(),
        so.opts.clone(),
        shared.clone(),
    );
    std::thread::spawn(move || watch_loop(&root_w, &output_w, &opts_w, &shared_w, &rx));

    for request in server.incoming_requests() {
        let (output, shared) = (output.clone(), shared.clone());
        std::thread::spawn(move || respond(request, &output, &shared));
    }
    drop(watcher);
    Ok(())
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// Waits for changes, lets a burst settle, and rebuilds once per burst.
fn watch_loop(
    root: &Path,
    output: &Path,
    opts: &Options,
    shared: &Shared,
    rx: &mpsc::Receiver<PathBuf>,
) {
    let (root_c, output_c) = (canonical(root), canonical(output));
    while let Ok(first) = rx.recv() {
        let mut changes = Vec::new();
        let mut push = |p: PathBuf| {
            let p = if p.is_absolute() { p } else { root_c.join(p) };
            let dir = p.parent().map(canonical).unwrap_or_default();
            let p = dir.join(p.file_name().unwrap_or_default());
            if let Some(c) = classify(&root_c, &output_c, &p) {
                changes.push(c);
            }
        };
        push(first);
        let deadline = Instant::now() + Duration::from_secs(1);
        while let Ok(p) = rx.recv_timeout(DEBOUNCE) {
            push(p);
            if Instant::now() > deadline {
                break;
            }
        }
        if changes.is_empty() {
            continue;
        }
        changes.sort();
        changes.dedup();
        let what: Vec<&str> = changes
            .iter()
            .map(|c| match c {
                Change::Content => "content",
                Change::Mappings => "mappings",
                Change::Theme => "theme",
                Change::Config => "crosswalk.yaml",
            })
            .collect();
        eprintln!("change in {}: rebuilding", what.join(", "));
        rebuild(root, output, opts, shared);
    }
}

/// Rebuilds (the site is reopened, so a changed crosswalk.yaml takes effect) and wakes the pages.
fn rebuild(root: &Path, output: &Path, opts: &Options, shared: &Shared) {
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

fn inject(html: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8_lossy(&html);
    match text.rfind("</body>") {
        Some(i) => format!("{}{SCRIPT_TAG}{}", &text[..i], &text[i..]).into_bytes(),
        None => format!("{text}{SCRIPT_TAG}").into_bytes(),
    }
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
    }
}
