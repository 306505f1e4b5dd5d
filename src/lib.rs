//! crosswalk turns an ISMS kept as plain files in git into a static trust portal.
//!
//! The pipeline, one module per stage, data flowing one way:
//!
//! ```text
//! config -> load (walk, parse in parallel) -> resolve (references, diagnostics)
//!        -> coverage / overlap / freshness -> view -> render (parallel, in memory) -> write (atomic)
//! ```
//!
//! [`site::Site`] runs it; the `crosswalk` binary is a thin shell over this library.

pub mod base;
pub mod cache;
pub mod config;
pub mod coverage;
pub mod deps;
pub mod diagnostic;
pub mod embedded;
pub mod fault;
pub mod freshness;
pub mod gaps;
pub mod init;
pub mod ledger;
pub mod load;
pub mod lock;
pub mod model;
pub mod overlap;
pub mod package;
pub mod publish;
pub mod readiness;
pub mod records;
pub mod records_view;
pub mod render;
pub mod report;
pub mod resolve;
pub mod review_pack;
#[cfg(feature = "serve")]
pub mod serve;
pub mod site;
pub mod view;
pub mod watch;
pub mod write;
pub mod yaml;
