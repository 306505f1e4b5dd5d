//! The evidence ledger: an append-only file of JSON lines, one per sealed artifact version, each
//! carrying the SHA-256 of the line before it (a hash chain) and optionally an Ed25519 signature.
//! `Ledger::append` (`crosswalk seal`) adds lines for new or changed artifacts and never rewrites
//! one; `verify` re-hashes every sealed file and walks the chain. Format: docs/evidence.md.
//!
//! Reliability: a writer holds an exclusive lock on the ledger file itself (`lock::acquire_file`;
//! the tool writes nothing beside it) from before it reads the ledger until its append is on disk,
//! so two seals never fork or interleave the chain. An append is one write of complete lines and
//! an fsync; if the write fails the file is cut back to its length before. A last line without a
//! newline (an older crash, a full disk) is refused, and `Ledger::repair` (`crosswalk seal
//! --repair`) mends it: a complete entry gets its newline, torn bytes are moved out.
//!
//! The files, from the bottom up: `lines` (the line format, reading, a torn last line), `keys`
//! (the Ed25519 keys), `chain` (new lines and verification), `seal` (the locked file and
//! `append`), `repair` (`Ledger::repair`).

mod chain;
mod keys;
mod lines;
mod repair;
mod seal;
#[cfg(test)]
mod tests;

pub use chain::{Current, FileState, check_file, entries, latest, verify_chain};
pub use keys::{load_public_key, load_signing_key};
pub use lines::{
    Entry, GENESIS, Line, Torn, line_hash, read, torn_diagnostic, torn_note, torn_tail,
};
pub use repair::Repair;
pub use seal::Ledger;
