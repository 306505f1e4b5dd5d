//! What `crosswalk` prints or packs besides the portal: the framework, map and overlap reports,
//! the auditor's review pack, and the evidence package.

pub mod package;
pub mod report;
pub mod review_pack;
