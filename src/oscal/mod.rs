//! OSCAL 1.2, out and in (docs/oscal.md). `export` writes every catalog as an OSCAL catalog and
//! every crosswalk as an OSCAL mapping-collection, the same bytes for the same input; `import`
//! turns an OSCAL catalog or mapping-collection into a site's own mapping file, which `check`,
//! `map` and `overlap` then use.
//!
//! The files: `ids` (tokens, UUIDs, our namespace), `json` (the OSCAL shapes and what export
//! and import share), `export` (the driver and the catalogs), `export_maps` (the
//! mapping-collections), `import` (the driver: reading, checking, writing), `import_catalog`,
//! `import_maps`, and `yaml_out` (our own mapping files, written).

mod export;
mod export_maps;
pub mod ids;
mod import;
mod import_catalog;
mod import_maps;
pub mod json;
mod yaml_out;

pub use export::{ExportReport, export, last_modified};
pub use ids::NS;
pub use import::{ImportOptions, ImportReport, import};
pub use import_catalog::valid_slug;
pub use json::{COVERAGE_METHOD, GENERATOR, OSCAL_VERSION};
