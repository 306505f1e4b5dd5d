//! What the threads of `serve` share: its options, the outcome of the last build (which open
//! pages wait on), the lock that lets one build run at a time, and what wakes the main thread.

use crate::site::Options;
use std::path::PathBuf;
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

/// One build at a time, and none once the server is stopping (its output may be being removed).
#[derive(Default)]
pub struct Builds {
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
