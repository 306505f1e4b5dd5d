//! Answering the browser: pages from the output folder with the reload script added, the
//! reload event stream, and the page shown in place of every page while the last build failed.
//! URLs never reach outside the output folder.

use crate::serve::state::Shared;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const LIVE_JS: &str = "// crosswalk serve: reload when the site is rebuilt.\n(function(){var s=new EventSource('/__crosswalk/events');s.onmessage=function(){location.reload();};})();\n";
const SCRIPT_TAG: &str = "<script src=\"/__crosswalk/live.js\"></script>";

/// Answers a request on a thread of its own (a page's event stream holds its thread for as long
/// as the page is open); with no thread to be had, answers it here, briefly, rather than let
/// tiny_http answer 500.
pub fn dispatch(request: tiny_http::Request, output: &Path, shared: &Shared) {
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
    let file = file_for_url(output, &path);
    let is_html = file
        .as_ref()
        .is_none_or(|f| f.extension().is_some_and(|e| e == "html"));
    if let (Some(e), true) = (error, is_html) {
        let _ = request.respond(
            tiny_http::Response::from_string(build_failed_page(&e))
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

/// What every page shows while the last build failed: its errors, and the reload script, so the
/// page recovers by itself once a save fixes them.
fn build_failed_page(errors: &str) -> String {
    format!(
        "<!doctype html><meta charset=\"utf-8\"><title>Build failed</title><body style=\"font-family:system-ui;margin:2em\"><h1>Build failed</h1><p>Fix the file and save: this page reloads when the site builds again.</p><pre style=\"white-space:pre-wrap;background:#fdf0ef;padding:1em;border-left:4px solid #c8342c\">{}</pre>{SCRIPT_TAG}</body>",
        escape(errors)
    )
}

/// The file a URL path names inside the output, never outside it.
fn file_for_url(output: &Path, url_path: &str) -> Option<PathBuf> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_never_leave_the_output() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "x").unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/index.html"), "x").unwrap();
        assert!(file_for_url(dir.path(), "/").is_some());
        assert!(file_for_url(dir.path(), "/a/").is_some());
        assert!(file_for_url(dir.path(), "/../etc/passwd").is_none());
        assert!(file_for_url(dir.path(), "/%2e%2e/etc/passwd").is_none());
        assert!(file_for_url(dir.path(), "/missing.html").is_none());
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
