//! What the threads of `serve` share: its options, the outcome of the last build (which open
//! pages wait on), the lock held while a build runs, and what wakes the main thread. The
//! session is not among them: it is lent to one thread at a time (see mod.rs).

use crate::site::Options;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Condvar, Mutex};

#[derive(Clone)]
pub struct ServeOptions {
    pub port: u16,
    pub open: bool,
    pub output: Option<PathBuf>,
    pub opts: Options,
    /// Print each build's stage timings.
    pub timings: bool,
}

#[derive(Default)]
pub struct State {
    /// Bumped after every rebuild, good or bad; open pages reload when it changes.
    pub generation: u64,
    /// The last build's errors, shown instead of pages until a build succeeds.
    pub error: Option<String>,
}

/// The state, and the condition open pages wait on for the next generation.
pub type Shared = Arc<(Mutex<State>, Condvar)>;

/// One run of `serve`, as every build reads it: the site, its output folder, the options, and
/// what the threads share.
#[derive(Clone, Copy)]
pub struct Serving<'a> {
    pub root: &'a Path,
    pub output: &'a Path,
    pub so: &'a ServeOptions,
    pub shared: &'a Shared,
    pub builds: &'a Builds,
}

/// One build at a time, and none once the server is stopping (its output may be being removed).
#[derive(Default)]
pub struct Builds {
    /// Held while a build runs (the signal handler asks whether one is), and by the shutdown
    /// from the end of the last build until the process ends.
    pub running: Mutex<()>,
    pub stopping: AtomicBool,
    /// A build panicked: builds start afresh (a new session, every page rendered) until one
    /// succeeds, since the one that panicked may have left its records half updated.
    pub after_panic: AtomicBool,
}

/// What wakes the main thread while it serves.
pub enum Wake {
    /// SIGINT or SIGTERM.
    Stop,
    /// The accept loop of HTTP server number `n` ended, with this error.
    Died(u64, String),
}
