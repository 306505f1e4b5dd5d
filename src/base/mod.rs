//! The ground floor: what every stage may use and that uses no stage. The diagnostic type (every
//! error and warning, with its file and position) and the registry of rules that name them, YAML
//! parsing (the one place that knows the YAML crate), the files compiled into the binary, all
//! hashing, text helpers, locks, and the fault points the crash tests stop at.

pub mod diagnostic;
pub mod embedded;
pub mod fault;
pub mod hash;
pub mod lock;
pub mod rules;
pub mod text;
pub mod yaml;
