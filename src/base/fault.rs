//! Fault injection for the reliability tests: every writer counts its file-system operations
//! (create, write, link, rename, remove) through `point`, and `$CROSSWALK_FAULT` makes one of them
//! fail or stop, so a test can kill a build, a seal or a package at a known point, or fill the disk
//! there. Unset (always, outside tests), `point` only adds to a counter.
//!
//! `CROSSWALK_FAULT` is `<action>@<n>`, `n` counting from 1:
//! - `pause@n`: at the n-th operation, print `crosswalk: fault point n` on stderr and wait for a
//!   line on standard input (the test kills the process meanwhile with SIGKILL, or changes a file
//!   and lets it go on);
//! - `enospc@n`, `eacces@n`: the n-th operation fails with "no space left on device" or
//!   "permission denied" (tests run as root, where a read-only folder would not fail);
//! - `count`: nothing fails; at exit the process prints `crosswalk: N fault points` on stderr.

use std::io;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Pause,
    NoSpace,
    Denied,
    Count,
}

static PLAN: OnceLock<Option<(Action, u64)>> = OnceLock::new();
static COUNT: AtomicU64 = AtomicU64::new(0);

fn plan() -> Option<(Action, u64)> {
    *PLAN.get_or_init(|| {
        let v = std::env::var("CROSSWALK_FAULT").ok()?;
        if v == "count" {
            return Some((Action::Count, 0));
        }
        let (action, n) = v.split_once('@')?;
        let n: u64 = n.parse().ok()?;
        let action = match action {
            "pause" => Action::Pause,
            "enospc" => Action::NoSpace,
            "eacces" => Action::Denied,
            _ => return None,
        };
        Some((action, n))
    })
}

/// One file-system operation is about to happen (`what`, for the message). Fails or stops there
/// when `$CROSSWALK_FAULT` says so.
pub fn point(what: &std::path::Path) -> io::Result<()> {
    let n = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
    let Some((action, at)) = plan() else {
        return Ok(());
    };
    if action == Action::Count || n != at {
        return Ok(());
    }
    match action {
        Action::Pause => {
            eprintln!("crosswalk: fault point {n} ({})", what.display());
            let mut line = String::new();
            let _ = io::stdin().read_line(&mut line);
            Ok(())
        }
        Action::NoSpace => Err(io::Error::from_raw_os_error(28)),
        Action::Denied => Err(io::Error::from_raw_os_error(13)),
        Action::Count => Ok(()),
    }
}

/// With `CROSSWALK_FAULT=count`, prints how many operations this process counted.
pub fn report() {
    if plan().is_some_and(|(a, _)| a == Action::Count) {
        eprintln!("crosswalk: {} fault points", COUNT.load(Ordering::SeqCst));
    }
}
