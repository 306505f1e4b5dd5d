//! Importers: an existing policy repository turned into a new crosswalk site, with a report of
//! what is left to fill in. `comply.rs` reads a strongdm/comply project and `markdown.rs` a folder
//! of plain Markdown policies, each into a `Source` of `NewDoc`s; `text.rs` holds what both need
//! (decoding, headings, placeholders, ids) and `source.rs` the types they share; `site.rs`
//! writes the new site aside, checks it and renames it into place; `report.rs` writes
//! IMPORT-REPORT.md and the printed summary.
//!
//! Nothing is invented: a value the source does not give is written as a marked stand-in
//! (`# TODO(import)` beside it in the front matter) and listed in the report.

mod comply;
mod markdown;
mod report;
mod site;
mod source;
mod text;

use crate::base::diagnostic::Diagnostics;
use crate::model::Date;
use std::path::Path;

pub use report::REPORT_FILE;
pub use source::{NewDoc, Outcome, Source, TODO};

/// `crosswalk import comply SRC --into SITE`.
pub fn comply(src: &Path, into: &Path, today: Date) -> Result<Outcome, Diagnostics> {
    site::refuse_unless_empty(into)?;
    let source = comply::read(src)?;
    site::write(source, into, today)
}

/// `crosswalk import markdown SRC --into SITE`.
pub fn markdown(src: &Path, into: &Path, today: Date) -> Result<Outcome, Diagnostics> {
    site::refuse_unless_empty(into)?;
    let source = markdown::read(src, into)?;
    site::write(source, into, today)
}
