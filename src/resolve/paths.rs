//! Every published path: where each control, document and evidence record gets its page, and
//! how a path becomes an href. The artifact folder and names are in `model` (`ARTIFACT_FOLDER`,
//! `artifact_name`), since loading needs them before anything is resolved.

use super::model::{ControlKey, Model, ResolvedDocument, ResolvedEvidence};
use std::path::{Path, PathBuf};

/// A control id made safe as a file name: `164.312(a)(2)(iv)` becomes `164.312-a-2-iv`.
pub fn page_name(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for c in id.chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches(|c| c == '-' || c == '.').to_string();
    if out.is_empty() {
        "control".into()
    } else {
        out
    }
}

/// The name an evidence file's records are published under: the file's path in
/// `content/evidence/`, without its extension (`access-reviews` for
/// `content/evidence/access-reviews.yaml`).
pub fn evidence_file_stem(path: &Path) -> String {
    let base = Path::new("content").join("evidence");
    let rel = match path.strip_prefix(&base) {
        Ok(rel) => rel.with_extension(""),
        Err(_) => PathBuf::from(path.file_stem().unwrap_or_default()),
    };
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

pub fn control_url(model: &Model, k: ControlKey) -> String {
    let f = &model.frameworks[k.fw];
    format!("controls/{}/{}.html", f.slug(), f.page_names[k.ctl])
}

pub fn doc_url(d: &ResolvedDocument) -> String {
    format!("{}/{}.html", d.doc.kind.folder(), d.doc.meta.id)
}

/// The page that holds an evidence record: one page per evidence file, holding all its records.
pub fn evidence_page_path(e: &ResolvedEvidence) -> String {
    format!("evidence/records/{}.html", evidence_file_stem(&e.ev.path))
}

/// An evidence record's address (an href): its file's page and its section there.
pub fn evidence_url(e: &ResolvedEvidence) -> String {
    format!("{}#{}", href(&evidence_page_path(e)), e.ev.meta.id)
}

/// Percent-encodes a relative path for an href: every byte outside the unreserved set and `/`.
pub fn href(path: &str) -> String {
    crate::base::text::percent_encode(path, b"/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_names() {
        let stem = |p: &str| evidence_file_stem(Path::new(p));
        assert_eq!(
            stem("content/evidence/access-reviews.yaml"),
            "access-reviews"
        );
        assert_eq!(stem("content/evidence/q3.reviews.yml"), "q3.reviews");
        assert_eq!(stem("content/evidence/sub/a.yaml"), "sub/a");
        assert_eq!(stem("elsewhere/b.yaml"), "b");
        assert_eq!(
            crate::model::artifact_name("EV-1", "a b.csv"),
            "EV-1-a b.csv"
        );
    }
}
