//! What a build reports: what it made, and how long each stage took (`--timings`).

use std::path::PathBuf;
use std::time::Duration;

/// What a successful build did.
#[derive(Debug)]
pub struct BuildReport {
    pub output: PathBuf,
    pub pages: usize,
    pub files_published: usize,
    pub warnings: usize,
    pub timings: Vec<(&'static str, Duration)>,
    /// No input changed since the last build into this output: nothing was done.
    pub up_to_date: bool,
    /// Files written, and files left as they were because their content did not change.
    pub written: usize,
    pub unchanged: usize,
    /// Pages whose view was built (the rest were known unchanged by their keys).
    pub views: usize,
}

impl BuildReport {
    /// The stage timings, one per line, as `--timings` prints them.
    pub fn timings_text(&self) -> String {
        let mut s = String::new();
        if !self.up_to_date {
            s.push_str(&format!(
                "   views: {:>6} of {} pages (the rest known unchanged by their keys)\n",
                self.views, self.pages
            ));
        }
        for (stage, d) in &self.timings {
            s.push_str(&format!(
                "{stage:>8}: {:>8.1} ms\n",
                d.as_secs_f64() * 1000.0
            ));
        }
        s
    }
}
