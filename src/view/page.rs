//! What the view stage hands on: `PageSpec` (one page: path, template, title and view) and the
//! rows of long lists (`RowSpec`, `RowItem`, `Row`), rendered on their own so a rebuild renders
//! only the rows it changed; and the hashes of views and rows that page keys are made of.

use crate::resolve::{ResolvedDocument, ResolvedEvidence};
use serde::Serialize;

/// One page to render: where it goes, which template, and its view.
#[derive(Clone)]
pub struct PageSpec {
    pub path: String,
    pub template: &'static str,
    pub title: String,
    /// Which top-level section the page is in, for the navigation bar.
    pub section: &'static str,
    /// The view as the templates see it (shared, not copied, into each render's context).
    pub view: tera::Value,
    /// A hash of the view, taken from its serialised form as it was made.
    pub view_hash: u64,
}

impl PageSpec {
    /// A page whose view is `view`: hashed as it is serialised, and converted once for the
    /// templates.
    pub fn new(
        path: String,
        template: &'static str,
        title: String,
        section: &'static str,
        view: &impl Serialize,
    ) -> PageSpec {
        PageSpec {
            path,
            template,
            title,
            section,
            view_hash: serialised_hash(view),
            view: tera::Value::try_from_serializable(view).unwrap_or_else(|_| tera::Value::none()),
        }
    }
}

/// One row of a long list, rendered on its own with `template` for the page at `page`: the
/// documents index lists every document, and `serve` keeps each row's HTML under its `key`,
/// so an edit renders only the rows it changed. `key` is a hash of what the row's view is made
/// from, apart from what `incremental::keys::globals` covers; `view` makes the view.
pub struct RowSpec<'a> {
    pub template: &'static str,
    pub page: &'static str,
    /// The item the row shows (what a cache of rows keys it by).
    pub item: RowItem<'a>,
    pub view: &'a (dyn Fn() -> tera::Value + Sync),
}

/// The item a row of a long list shows.
#[derive(Clone, Copy)]
pub enum RowItem<'a> {
    Document(&'a ResolvedDocument),
    Evidence(&'a ResolvedEvidence),
}

/// A rendered row: its HTML, as a template value marked safe (a shared string, so a list of
/// 30,000 rows takes them without copying), and a hash of it.
#[derive(Clone, Debug)]
pub struct Row {
    pub html: tera::Value,
    pub hash: u64,
}

/// Renders a row (`Renderer::row`, with or without a cache).
pub type RowRenderer<'r> =
    dyn Fn(RowSpec) -> Result<Row, crate::base::diagnostic::Diagnostic> + Sync + 'r;

/// The template of one row of the documents index.
pub const DOCUMENT_ROW_TEMPLATE: &str = "document_row.html";
/// The template of one row of the evidence library.
pub const EVIDENCE_ROW_TEMPLATE: &str = "evidence_row.html";

/// The pseudo-template of a library page's rows script (`render.rs` writes it, not a theme):
/// `crosswalkRows(<page from 1>, ["<tr ...>", ...]);`, the rows as JSON strings.
pub const ROWS_SCRIPT: &str = "(library rows script)";

/// Rendered rows as the templates see them (HTML, not escaped again), and a hash of them all.
pub(super) fn rows_value(rows: &[Row]) -> (tera::Value, u64) {
    use std::hash::Hasher;
    let mut h = crate::base::hash::hasher();
    let html: Vec<tera::Value> = rows
        .iter()
        .map(|r| {
            h.write_u64(r.hash);
            r.html.clone()
        })
        .collect();
    (tera::Value::from(html), h.finish())
}

/// A hash of `value` serialised as JSON, fed straight into the hasher: no copy of a large view
/// is made.
pub(super) fn serialised_hash(value: &impl Serialize) -> u64 {
    use std::hash::Hasher;
    struct HashWriter(std::hash::DefaultHasher);
    impl std::io::Write for HashWriter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.write(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut w = HashWriter(crate::base::hash::hasher());
    {
        use std::io::Write;
        let mut buffered = std::io::BufWriter::with_capacity(16 * 1024, &mut w);
        let _ = serde_json::to_writer(&mut buffered, value);
        let _ = buffered.flush();
    }
    w.0.finish()
}

/// A page whose view is `view` (`PageSpec::new`, taking the view by value).
pub(super) fn spec(
    path: String,
    template: &'static str,
    title: String,
    section: &'static str,
    view: impl Serialize,
) -> PageSpec {
    PageSpec::new(path, template, title, section, &view)
}
