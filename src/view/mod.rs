//! The view stage: the small serialisable views the templates see. Templates never see the model
//! itself; every figure is computed and formatted here, so templates stay simple and themes easy
//! to write. `Plan` lists every page cheaply and builds one page's view on demand; each family
//! of pages has a file of its own.

mod documents;
mod evidence;
mod frameworks;
mod gaps;
mod home;
pub mod isms;
mod links;
mod overlap;
mod page;
mod paths;
mod plan;
mod soa;
mod trust;
pub mod updates;

/// Published paths, at their former place: new code takes them from `crate::resolve::paths`.
pub use crate::resolve::paths::{control_url, doc_url, evidence_page_path, evidence_url, href};
pub use evidence::{Served, served};
pub use frameworks::VIA_ITEMS;
pub use home::HOME_LIST;
/// The ISMS pages under their former name (`view::records::soa_csv`).
pub use isms as records;
pub use overlap::{LegendEntry, relationship_legend};
pub use page::{
    DOCUMENT_ROW_TEMPLATE, EVIDENCE_ROW_TEMPLATE, PageSpec, ROWS_SCRIPT, Row, RowItem, RowRenderer,
    RowSpec,
};
pub use paths::{PUBLIC_KEY_URL, artifact_url, fw_url, gaps_url, has_gap_pages, pair_url};
pub use plan::Plan;
pub(crate) use plan::Planned;
pub use trust::{SECURITY_TXT_PATH, has_faq, has_subprocessors, security_txt};
pub use updates::{FEED_PATH, FEED_XML, UPDATES_PATH};
