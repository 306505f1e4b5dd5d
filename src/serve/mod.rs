//! `crosswalk serve`: build, serve the portal on 127.0.0.1, watch the site, rebuild on change and
//! reload open pages (server-sent events, a small script of our own). A failed build shows its
//! errors in the page and in the terminal; the server keeps running, and fixing the file recovers.
//! Ctrl-C or SIGTERM stops it, after any build in progress, and removes the temporary folder it
//! built into.
//!
//! Under load (docs/reliability.md, "serve under load"): a tiny_http server whose accept thread
//! ends is replaced on the same socket (listener.rs); a build that panics is shown as a failed
//! build, and the watcher goes on; a watched folder that is removed and made again is watched
//! again (rebuild.rs).
//!
//! What builds keep of the site between them (the `Session`) belongs to `serve` alone and is
//! lent as `&mut Session` to one build at a time: the first build here, then every rebuild on
//! the rebuild thread, which borrows it for as long as the server runs (a scoped thread). The
//! shutdown takes it back once that thread has ended, and waits for the last stamp.
//!
//! The files: state.rs what the threads share; http.rs answering requests; listener.rs the socket
//! and its server; watch.rs what a changed file means; rebuild.rs the rebuild loop; process.rs
//! signals and process limits. This file starts them and stops them.

mod http;
mod listener;
mod process;
mod rebuild;
mod state;
pub mod watch;

pub use crate::serve::state::ServeOptions;

use crate::base::diagnostic::Diagnostic;
use crate::base::rules;
use crate::serve::listener::Http;
use crate::serve::process::stop;
use crate::serve::rebuild::rebuild;
use crate::serve::state::{Builds, Serving, Shared, State, Wake};
use crate::site::Session;
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, mpsc};

/// Runs until the process gets SIGINT (Ctrl-C) or SIGTERM, then finishes a build in progress,
/// removes the temporary output folder if it made one, and returns `Ok`. Returns an error only on
/// a start-up failure (after removing that folder too).
pub fn serve(root: &Path, mut so: ServeOptions) -> Result<(), Diagnostic> {
    process::keep_freed_memory();
    process::raise_open_file_limit();
    let (output, temporary) = match &so.output {
        Some(o) => (o.clone(), false),
        None => (
            std::env::temp_dir().join(format!("crosswalk-serve-{}", std::process::id())),
            true,
        ),
    };
    // Listen first: a busy port fails at once, not after a whole build. Requests that come during
    // the first build wait for it (in the socket's queue).
    let listener = TcpListener::bind(("127.0.0.1", so.port)).map_err(|e| {
        Diagnostic::error(root, format!("cannot listen on 127.0.0.1:{}: {e}", so.port))
            .with_rule(rules::IO)
    })?;
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
    let mut session = Session::default();
    so.opts.private_output = temporary;
    let builds = Arc::new(Builds::default());
    let (wake, woken) = mpsc::channel();
    stop_on_signal(&wake, &builds);
    let shared: Shared = Arc::new((Mutex::new(State::default()), Condvar::new()));
    let serving = Serving {
        root,
        output: &output,
        so: &so,
        shared: &shared,
        builds: &builds,
    };
    rebuild(serving, &mut session);
    let result = if builds.stopping.load(Ordering::SeqCst) {
        Ok(())
    } else {
        let http = Http::new(root, listener, &output, shared.clone(), wake);
        serve_until_stopped(serving, http, &woken, &mut session)
    };
    // Held until the process ends: no build starts after the output is removed.
    let _done = shut_down(
        &builds,
        &mut session,
        temporary.then_some(output.as_path()),
        stamps.as_deref(),
    );
    result
}

/// Ctrl-C or SIGTERM: no new builds; the shutdown proper follows the request loop.
fn stop_on_signal(wake: &mpsc::Sender<Wake>, builds: &Arc<Builds>) {
    let (wake, builds) = (wake.clone(), builds.clone());
    let _ = stop::on_signal_run(move || {
        builds.stopping.store(true, Ordering::SeqCst);
        if builds.running.try_lock().is_err() {
            eprintln!("stopping after the build in progress (Ctrl-C again to stop at once)");
        }
        let _ = wake.send(Wake::Stop);
    });
}

/// Watches the site and answers requests until a signal says stop. The rebuild thread borrows
/// `session` meanwhile; on return it has ended, after any build in progress.
fn serve_until_stopped(
    serving: Serving,
    mut http: Http,
    woken: &mpsc::Receiver<Wake>,
    session: &mut Session,
) -> Result<(), Diagnostic> {
    let Serving {
        root, so, builds, ..
    } = serving;
    let addr = http.addr()?;
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
    std::thread::scope(|scope| {
        let watching = rebuild::watch_and_rebuild(scope, serving, session)?;
        let answered = http.start();
        if answered.is_ok() {
            http.keep_answering(addr, woken, builds);
        }
        // A save from now on starts no build; the scope ends with the rebuild thread.
        watching.stop();
        answered
    })
}

/// Lets a build in progress finish, writes the session's last stamp, and removes the `temporary`
/// output folder and its `stamps`, if serve made them. Returns the build lock: no other build
/// starts while it is held.
fn shut_down<'a>(
    builds: &'a Builds,
    session: &mut Session,
    temporary: Option<&Path>,
    stamps: Option<&Path>,
) -> MutexGuard<'a, ()> {
    builds.stopping.store(true, Ordering::SeqCst);
    // Wait for a build in progress, and keep the lock: no other starts before the process ends.
    let done = builds.running.lock().unwrap_or_else(|e| e.into_inner());
    // The stamp of the last build is written after it (on a thread of its own).
    session.settle();
    if let Some(output) = temporary {
        // Thousands of files: on a busy disk this takes a while, so say what is happening.
        eprintln!(
            "stopping: removing {} (Ctrl-C again to leave it)",
            output.display()
        );
        let _ = std::fs::remove_dir_all(output);
        if let Some(dir) = stamps {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    done
}
