//! crosswalk turns an ISMS kept as plain files in git into a static trust portal.
//!
//! The pipeline, one folder per stage, data flowing one way (each module imports only from those
//! above it in this list; a test holds the code to the table in docs/architecture.md):
//!
//! ```text
//! base         diagnostics, YAML, embedded files, hashing, locks
//! model        what the files say: values, documents, records, configuration
//! ledger       the evidence ledger: its chain, reading and sealing
//! load         walk the site and parse every file, in parallel
//! resolve      cross-file checks; the resolved model
//! analyse      coverage, overlap, freshness, readiness, gaps
//! view         the serialisable views the templates see, one per page
//! render       views to HTML (parallel, in memory)
//! write        the output written beside and renamed into place
//! claims       the signed claims manifest and `verify-portal`
//! incremental  page keys and what the last build left: what makes a rebuild cheap
//! build        the view -> render -> write loop; publishing a generation
//! site         Site: open, analyse, check, build
//! serve, reports, init   the preview server; the printed reports, review pack and package; a new site
//! diff         the site at a git revision compared with the working tree
//! import       a new site from a comply project or a folder of Markdown policies
//! oscal        OSCAL 1.2 catalogs and mapping-collections, out and in
//! ```
//!
//! The `crosswalk` binary (src/main.rs, src/cmd/) is a thin shell over this library.

// No function over 150 lines (the threshold is in clippy.toml).
#![deny(clippy::too_many_lines)]

pub mod analyse;
pub mod base;
pub mod build;
pub mod claims;
pub mod diff;
pub mod import;
pub mod incremental;
pub mod init;
pub mod ledger;
pub mod load;
pub mod model;
pub mod oscal;
pub mod render;
pub mod reports;
pub mod resolve;
#[cfg(feature = "serve")]
pub mod serve;
pub mod site;
pub mod view;
pub mod write;
