//! The ground floor: what every stage may use and that uses no stage. Hashing and text helpers
//! live here; the diagnostic type, YAML parsing and the embedded files will join them.

pub mod hash;
pub mod text;
