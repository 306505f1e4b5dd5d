//! What `crosswalk` prints or packs besides the portal: the framework, map, overlap, coverage and
//! evidence reports (and the versioned JSON they print as), `check`'s SARIF and JUnit XML reports,
//! the auditor's review pack, and the evidence package.

pub mod coverage;
pub mod evidence;
pub mod json;
pub mod junit;
pub mod package;
pub mod report;
pub mod review_pack;
pub mod sarif;
