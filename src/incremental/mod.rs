//! What makes a rebuild cheap, behind one interface (`Tracker`). A plain build needs none of it:
//! the build asks its tracker whether it can stop early, which pages are known unchanged, and
//! tells it what it built.
//!
//! - `tracker.rs`: the interface a build talks to.
//! - `stamp.rs`: what a build leaves in the site's cache folder (the stamp, the inventory of the
//!   site's files, where each document's body sits, every page's key), read and written.
//! - `splice.rs`: a document's new body spliced into its page, without loading the site.
//! - `keys.rs`: each page's key, a hash of everything it shows.
//! - `known.rs`: what a build knows of the last one while it makes its pages.
//! - `session.rs`: what `serve` keeps between builds.

pub mod keys;
pub mod known;
pub mod session;
pub mod splice;
pub mod stamp;
pub mod tracker;

pub use known::{Known, PageRecord, Recorded};
pub use session::Session;
pub use splice::{Splice, Spliced};
pub use tracker::{Built, Earlier, Shortcut, Tracker, Tracking};
