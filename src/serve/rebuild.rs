//! The rebuild loop: the file watcher's events, gathered into bursts, start one rebuild each. A
//! rebuild reopens the site (so a changed crosswalk.yaml takes effect), builds, and wakes the
//! open pages; a build that panics is shown as a failed build, and the watcher goes on. A watched
//! folder that is removed and made again is watched again.
//!
//! The rebuild thread runs in a scope of `serve`'s and borrows its session (`&mut Session`)
//! until told to stop: it tells the session which files changed, and lends it to each build.

use crate::base::diagnostic::{Diagnostic, Diagnostics};
use crate::base::rules;
use crate::serve::state::{ServeOptions, Serving, Shared};
use crate::serve::watch::{self, Burst, Change, Step};
use crate::site::{BuildReport, Session, Site};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, mpsc};
use std::thread::Scope;
use std::time::{Duration, Instant};

/// The file watcher, shared with the thread that watches folders made again; taking it out
/// (leaving `None`) stops watching, and a save from then on starts no build.
pub type SharedWatcher = Arc<Mutex<Option<RecommendedWatcher>>>;

/// What the rebuild thread hears: a step of a file-system event ([`watch::steps`]), or that
/// `serve` is stopping.
enum Heard {
    Step(PathBuf, Step),
    Stop,
}

/// The file watcher and the thread rebuilding the site on its events, until `stop`.
pub struct Watching<'a> {
    watcher: SharedWatcher,
    heard: mpsc::Sender<Heard>,
    serving: Serving<'a>,
}

impl Watching<'_> {
    /// No build starts from now on, the watcher is dropped, and the rebuild thread ends after
    /// the build in progress (the scope it runs in waits for it).
    pub fn stop(self) {
        self.serving.builds.stopping.store(true, Ordering::SeqCst);
        drop(
            self.watcher
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take(),
        );
        let _ = self.heard.send(Heard::Stop);
    }
}

/// Watches the site and starts, in `scope`, the thread that rebuilds it on change; that thread
/// borrows `session` until [`Watching::stop`].
pub fn watch_and_rebuild<'scope, 'env>(
    scope: &'scope Scope<'scope, 'env>,
    serving: Serving<'env>,
    session: &'env mut Session,
) -> Result<Watching<'env>, Diagnostic> {
    let (tx, rx) = mpsc::channel();
    let watcher = Arc::new(Mutex::new(Some(watch_site(serving.root, tx.clone())?)));
    let watcher_w = watcher.clone();
    scope.spawn(move || {
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
            let run = std::panic::AssertUnwindSafe(|| watch_loop(serving, &rx, &rewatch, session));
            match std::panic::catch_unwind(run) {
                Ok(()) => return,
                Err(_) => eprintln!("the file watcher failed; it goes on watching"),
            }
        }
    });
    Ok(Watching {
        watcher,
        heard: tx,
        serving,
    })
}

/// A watcher sending the steps of every event ([`watch::steps`]) to `tx`: the site's folders
/// recursively, and the root itself alone (crosswalk.yaml, and folders created later).
fn watch_site(root: &Path, tx: mpsc::Sender<Heard>) -> Result<RecommendedWatcher, Diagnostic> {
    let error = |message: String| Diagnostic::error(root, message).with_rule(rules::IO);
    let config_path = root.join(crate::model::config::CONFIG_FILE);
    let mut watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
        let Ok(ev) = ev else { return };
        for (path, step) in watch::steps(ev, &config_path) {
            let _ = tx.send(Heard::Step(path, step));
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

/// Waits for changes, lets a burst settle, and rebuilds once per burst, telling `session` what
/// changed first. Returns when `serve` stops or the watcher is gone.
fn watch_loop(
    serving: Serving,
    rx: &mpsc::Receiver<Heard>,
    rewatch: &dyn Fn(&Path),
    session: &mut Session,
) {
    let (root_c, output_c) = (canonical(serving.root), canonical(serving.output));
    while let Some(burst) = next_burst(rx, &root_c, &output_c) {
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
        if changes.contains(&Change::Config) {
            session.forget();
        } else {
            session.changed(&root_c, &burst.relative_paths(&root_c));
        }
        eprintln!("change in {}: rebuilding", what.join(", "));
        rebuild(serving, session);
    }
}

/// The next burst of changes: waits for an event, then for more until the burst settles (see
/// [`Burst::quiet_period`]), a second at most. `root` and `output` are canonical. `None` once
/// `serve` stops or the watcher is gone.
fn next_burst(rx: &mpsc::Receiver<Heard>, root: &Path, output: &Path) -> Option<Burst> {
    // Paths as the events give them, made comparable with the canonical root and output.
    let add = |burst: &mut Burst, p: PathBuf, step: Step| {
        let p = if p.is_absolute() { p } else { root.join(p) };
        let dir = p.parent().map(canonical).unwrap_or_default();
        let p = dir.join(p.file_name().unwrap_or_default());
        burst.add(root, output, &p, step);
    };
    let Heard::Step(p, step) = rx.recv().ok()? else {
        return None;
    };
    let mut burst = Burst::default();
    add(&mut burst, p, step);
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        match rx.recv_timeout(burst.quiet_period()) {
            Ok(Heard::Step(p, step)) => {
                add(&mut burst, p, step);
                if Instant::now() > deadline {
                    return Some(burst);
                }
            }
            Ok(Heard::Stop) => return None,
            Err(_) => return Some(burst),
        }
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

/// Rebuilds (the site is reopened, so a changed crosswalk.yaml takes effect) with what the
/// builds before kept in `session`, and wakes the pages.
pub fn rebuild(serving: Serving, session: &mut Session) {
    let Serving {
        root,
        output,
        so,
        shared,
        builds,
    } = serving;
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
        Site::open(root).map_err(Failure::Open).and_then(|site| {
            site.build_with(&opts, Some(&mut *session), Some(output))
                .map_err(Failure::Build)
        })
    });
    if panicked {
        builds.after_panic.store(true, Ordering::SeqCst);
        start_session_afresh(session);
    } else if result.is_ok() {
        builds.after_panic.store(false, Ordering::SeqCst);
    }
    show(result, started, so, shared);
}

/// After a panic, what the session holds may be half updated: start again from nothing, once
/// its last stamp is written.
fn start_session_afresh(session: &mut Session) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| session.settle()));
    *session = Session::default();
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
