//! The disclosed aggregates of a built portal: every element marked `data-aggregate="KEY"`, its
//! contents masked for byte comparisons and read by key. Included with
//! `#[path = "common/aggregates.rs"] mod aggregates;` by the tests that need it.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

/// `html` with the contents of every element marked `data-aggregate` replaced by `#`, and those
/// contents by key (in page order; a key met twice keeps both, joined by `|`).
pub fn mask(html: &str) -> (String, BTreeMap<String, String>) {
    let mut out = String::with_capacity(html.len());
    let mut found: BTreeMap<String, String> = BTreeMap::new();
    let mut at = 0;
    const MARK: &str = "data-aggregate=\"";
    while let Some(i) = html[at..].find(MARK) {
        let attr = at + i;
        let key_start = attr + MARK.len();
        let key_end = key_start + html[key_start..].find('"').expect("closed attribute");
        let key = &html[key_start..key_end];
        let open = html[..attr].rfind('<').expect("inside a tag");
        let name: String = html[open + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let body = key_end + html[key_end..].find('>').expect("tag ends") + 1;
        let close = closing(html, body, &name);
        out.push_str(&html[at..body]);
        out.push('#');
        found
            .entry(key.to_string())
            .and_modify(|v| {
                v.push('|');
                v.push_str(&html[body..close]);
            })
            .or_insert_with(|| html[body..close].to_string());
        at = close;
    }
    out.push_str(&html[at..]);
    (out, found)
}

/// Where the element named `name` whose contents start at `from` closes (the `</name>`).
fn closing(html: &str, from: usize, name: &str) -> usize {
    let (open, close) = (format!("<{name}"), format!("</{name}>"));
    let mut depth = 1;
    let mut at = from;
    loop {
        let c = at + html[at..].find(&close).expect("element closes");
        match html[at..c].find(&open).map(|o| at + o) {
            Some(o) if html[o + open.len()..].starts_with([' ', '>', '/']) => {
                depth += 1;
                at = o + open.len();
            }
            Some(o) => at = o + open.len(),
            None => {
                depth -= 1;
                if depth == 0 {
                    return c;
                }
                at = c + close.len();
            }
        }
    }
}

/// Every file of an output, by path.
pub type Snapshot = BTreeMap<PathBuf, Vec<u8>>;
/// Every aggregate of an output, by page and key.
pub type Figures = BTreeMap<(PathBuf, String), String>;

/// The signed claims manifest and its signature (docs/verifiable-portal.md).
const CLAIMS: &str = ".well-known/crosswalk-claims.json";
const CLAIMS_SIG: &str = ".well-known/crosswalk-claims.sig";

/// A snapshot (`common::snapshot`) with every page's aggregates masked, the build manifest's
/// fingerprint of each page that has any masked too (it hashes the figures), and the figures
/// by (page, key). In a signed build's claims manifest the coverage claims are figures too
/// (keyed `claims:SLUG`), the SHA-256 of each page holding figures is masked, and so is the
/// signature, which signs those bytes.
pub fn mask_snapshot(snap: &BTreeMap<PathBuf, Vec<u8>>) -> (Snapshot, Figures) {
    let mut masked = BTreeMap::new();
    let mut figures = BTreeMap::new();
    let mut with_figures = Vec::new();
    for (path, bytes) in snap {
        if path.extension().is_some_and(|e| e == "html") {
            let (text, found) = mask(&String::from_utf8_lossy(bytes));
            if !found.is_empty() {
                with_figures.push(path.to_string_lossy().replace('\\', "/"));
            }
            for (k, v) in found {
                figures.insert((path.clone(), k), v);
            }
            masked.insert(path.clone(), text.into_bytes());
        } else {
            masked.insert(path.clone(), bytes.clone());
        }
    }
    if let Some(bytes) = masked.get_mut(&PathBuf::from(CLAIMS)) {
        let (text, found) = mask_claims(bytes, &with_figures);
        *bytes = text;
        for (k, v) in found {
            figures.insert((PathBuf::from(CLAIMS), k), v);
        }
        with_figures.push(CLAIMS.to_string());
    }
    if let Some(bytes) = masked.get_mut(&PathBuf::from(CLAIMS_SIG)) {
        *bytes = b"#".to_vec();
        with_figures.push(CLAIMS_SIG.to_string());
    }
    let manifest = PathBuf::from(".crosswalk/manifest.txt");
    if let Some(bytes) = masked.get_mut(&manifest) {
        let text = String::from_utf8_lossy(bytes)
            .lines()
            .map(|l| {
                match l
                    .split_once(' ')
                    .and_then(|(k, r)| Some((k, r.split_once(' ')?)))
                {
                    Some((kind, (_, path))) if with_figures.iter().any(|p| p == path) => {
                        format!("{kind} # {path}\n")
                    }
                    _ => format!("{l}\n"),
                }
            })
            .collect::<String>();
        *bytes = text.into_bytes();
    }
    (masked, figures)
}

/// The claims manifest with its coverage claims and the hashes of the pages in `with_figures`
/// masked; the coverage claims by `claims:SLUG`.
fn mask_claims(bytes: &[u8], with_figures: &[String]) -> (Vec<u8>, BTreeMap<String, String>) {
    let mut v: serde_json::Value = serde_json::from_slice(bytes).expect("claims are JSON");
    let mut found = BTreeMap::new();
    if let Some(list) = v["coverage"].as_array_mut() {
        for c in list.iter_mut() {
            found.insert(format!("claims:{}", c["framework"]), c.to_string());
            *c = serde_json::Value::from("#");
        }
    }
    if let Some(files) = v["files"].as_object_mut() {
        for (path, hash) in files.iter_mut() {
            if with_figures.contains(path) {
                *hash = serde_json::Value::from("#");
            }
        }
    }
    if let Some(docs) = v["documents"].as_array_mut() {
        for d in docs.iter_mut() {
            let page = d["page"].as_str().unwrap_or_default().to_string();
            if with_figures.contains(&page) {
                d["sha256"] = serde_json::Value::from("#");
            }
        }
    }
    (serde_json::to_vec_pretty(&v).unwrap(), found)
}

#[test]
fn mask_handles_nested_elements_of_the_same_name() {
    let html =
        r#"<p><span data-aggregate="a"><span>9</span>%</span> <td data-aggregate="b">3</td></p>"#;
    let (masked, found) = mask(html);
    assert_eq!(
        masked,
        r#"<p><span data-aggregate="a">#</span> <td data-aggregate="b">#</td></p>"#
    );
    assert_eq!(found["a"], "<span>9</span>%");
    assert_eq!(found["b"], "3");
}
