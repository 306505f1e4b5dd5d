//! What `crosswalk` prints or packs besides the portal: the framework, map and overlap reports,
//! the auditor's review pack, the evidence package, and `check`'s SARIF and JUnit XML reports.

pub mod junit;
pub mod package;
pub mod report;
pub mod review_pack;
pub mod sarif;
