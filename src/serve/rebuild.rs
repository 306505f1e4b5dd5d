//! The rebuild loop: the file watcher's events, gathered into bursts, start one rebuild each. A
//! rebuild reopens the site (so a changed crosswalk.yaml takes effect), builds, and wakes the
//! open pages; a build that panics is shown as a failed build, and the watcher goes on. A watched
//! folder that is removed and made again is watched again.

use crate::base::diagnostic::{Diagnostic, Diagnostics};
use crate::serve::state::{Builds, ServeOptions, Shared};
use crate::serve::watch::{self, Burst, Change, Step};
use crate::site::{BuildReport, Site};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// The file watcher, shared with the thread that watches folders made again; taking it out
/// (leaving `None`) stops watching, and a save from then on starts no build.
pub type SharedWatcher = Arc<Mutex<Option<RecommendedWatcher>>>;

/// Watches the site and starts the thread that rebuilds it on change.
pub fn watch_and_rebuild(
    root: &Path,
    output: &Path,
    so: &ServeOptions,
    shared: &Shared,
    builds: &Arc<Builds>,
) -> Result<SharedWatcher, Diagnostic> {
    let (tx, rx) = mpsc::channel();
    let watcher = Arc::new(Mutex::new(Some(watch_site(root, tx)?)));
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
    Ok(watcher)
}

/// A watcher sending the steps of every event ([`watch::steps`]) to `tx`: the site's folders
/// recursively, and the root itself alone (crosswalk.yaml, and folders created later).
fn watch_site(
    root: &Path,
    tx: mpsc::Sender<(PathBuf, Step)>,
) -> Result<RecommendedWatcher, Diagnostic> {
    let error = |message: String| Diagnostic::error(root, message);
    let config_path = root.join(crate::model::config::CONFIG_FILE);
    let mut watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
        let Ok(ev) = ev else { return };
        for step in watch::steps(ev, &config_path) {
            let _ = tx.send(step);
        }
    })
    .map_err(|e| error(format!("cannot watch files: {e}")))?;
    for sub in watch::FOLDERS {
        let p = root.join(sub);
        if p.is_dir() {
            watcher
                .watch(&p, RecursiveMode::Recursive)
                .map_err(|e| error(format!("cannot watch {}: {e}", p.display())))?;
        }
    }
    watcher
        .watch(root, RecursiveMode::NonRecursive)
        .map_err(|e| error(format!("cannot watch {}: {e}", root.display())))?;
    Ok(watcher)
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
        let what: Vec<&str> = changes.iter().map(|c| c.label()).collect();
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

/// Why a build did not finish, kept as it came until it is shown.
enum Failure {
    /// The site could not be opened.
    Open(Diagnostic),
    /// The build found errors.
    Build(Diagnostics),
    /// The build panicked: the text says so, and what to do.
    Panicked(String),
}

impl From<String> for Failure {
    fn from(text: String) -> Self {
        Failure::Panicked(text)
    }
}

impl Failure {
    /// What the terminal and the pages show: the errors, one per line.
    fn text(self) -> String {
        match self {
            Failure::Open(d) => d.to_string(),
            Failure::Build(ds) => ds
                .sorted()
                .iter()
                .filter(|d| d.is_error())
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
            Failure::Panicked(text) => text,
        }
    }
}

/// Runs `f`; a panic becomes an error made from its message (`E::from`), and `true`.
fn guarded<T, E: From<String>>(f: impl FnOnce() -> Result<T, E>) -> (Result<T, E>, bool) {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => (r, false),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_string());
            (
                Err(E::from(format!(
                    "internal error: the build stopped ({message}). This is a bug in crosswalk; \
                     save again to rebuild everything."
                ))),
                true,
            )
        }
    }
}

/// Rebuilds (the site is reopened, so a changed crosswalk.yaml takes effect) and wakes the pages.
pub fn rebuild(root: &Path, output: &Path, so: &ServeOptions, shared: &Shared, builds: &Builds) {
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
            .map_err(Failure::Open)
            .and_then(|site| site.build(&opts, Some(output)).map_err(Failure::Build))
    });
    if panicked {
        builds.after_panic.store(true, Ordering::SeqCst);
        start_session_afresh(so);
    } else if result.is_ok() {
        builds.after_panic.store(false, Ordering::SeqCst);
    }
    show(result, started, so, shared);
}

/// After a panic, what the session holds may be half updated: start again from nothing, once
/// its last stamp is written.
fn start_session_afresh(so: &ServeOptions) {
    if let Some(session) = &so.opts.session {
        session.clear_poison();
        let mut session = session.lock().unwrap_or_else(|e| e.into_inner());
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| session.settle()));
        *session = crate::site::Session::default();
    }
}

/// Says how the build went in the terminal, keeps its errors for the pages, and moves the
/// generation on so open pages reload.
fn show(
    result: Result<BuildReport, Failure>,
    started: Instant,
    so: &ServeOptions,
    shared: &Shared,
) {
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
            let e = e.text();
            eprintln!("{e}\nbuild failed: fix the file and save; the server keeps running");
            st.error = Some(e);
        }
    }
    st.generation += 1;
    cvar.notify_all();
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
