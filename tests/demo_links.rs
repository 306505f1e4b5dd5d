//! G. The repository's own demo portal: every relative link resolves to a file and every `#fragment`
//! to an `id` in its page, nothing is linked by absolute path or fetched from the network, and every
//! page can be reached from the home page.
//!
//! HTML is read with a small attribute scanner (no HTML parser dependency): enough for the pages
//! crosswalk writes, which are well formed.

mod common;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Builds the demo site once per test run into the target folder's scratch space (outside the
/// demo's content, and a folder crosswalk itself created, so a rebuild may replace it).
fn demo() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("demo-portal");
        let root = env!("CARGO_MANIFEST_DIR");
        common::run_in(
            Path::new(root),
            &[
                "build",
                "--root",
                root,
                "--today",
                common::TODAY,
                "--output",
                out.to_str().unwrap(),
                "--quiet",
            ],
        )
        .assert_ok();
        assert!(
            out.join("index.html").is_file(),
            "the demo build wrote no index.html"
        );
        out
    })
}

#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

/// Start tags and their attributes, values entity-decoded. Comments, end tags, doctype and the
/// raw text of <script> and <style> are skipped.
fn scan_tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off;
        if html[i..].starts_with("<!--") {
            i = html[i..].find("-->").map_or(b.len(), |e| i + e + 3);
            continue;
        }
        if html[i..].starts_with("<!") || html[i..].starts_with("</") || html[i..].starts_with("<?")
        {
            i = html[i..].find('>').map_or(b.len(), |e| i + e + 1);
            continue;
        }
        i += 1;
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-') {
            i += 1;
        }
        if i == start {
            continue; // a lone `<` in text
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= b.len() {
                break;
            }
            if b[i] == b'>' {
                i += 1;
                break;
            }
            if b[i] == b'/' {
                i += 1;
                continue;
            }
            let an = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/')
            {
                i += 1;
            }
            let attr = html[an..i].to_ascii_lowercase();
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut value = String::new();
            if i < b.len() && b[i] == b'=' {
                i += 1;
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i];
                    let vs = i + 1;
                    let ve = vs + b[vs..].iter().position(|&c| c == q).unwrap_or(b.len() - vs);
                    value = decode_entities(&html[vs..ve]);
                    i = (ve + 1).min(b.len());
                } else {
                    let vs = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = decode_entities(&html[vs..i]);
                }
            }
            if !attr.is_empty() {
                attrs.push((attr, value));
            }
        }
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            i = html[i..]
                .to_ascii_lowercase()
                .find(&close)
                .map_or(b.len(), |e| i + e);
        }
        tags.push(Tag { name, attrs });
    }
    tags
}

/// `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;` and numeric references.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let ent = &rest[1..end];
        let decoded = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ if ent.starts_with("#x") || ent.starts_with("#X") => {
                u32::from_str_radix(&ent[2..], 16)
                    .ok()
                    .and_then(char::from_u32)
            }
            _ if ent.starts_with('#') => ent[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Every .html file under `dir`, relative to it.
fn html_pages(dir: &Path) -> Vec<PathBuf> {
    common::files_under(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect()
}

fn is_external(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    l.starts_with("http:") || l.starts_with("https:") || l.starts_with("mailto:")
}

/// (page, attribute value) for every href and src in the portal.
fn all_links(out: &Path) -> Vec<(PathBuf, String, String)> {
    let mut links = Vec::new();
    for page in html_pages(out) {
        let html = std::fs::read_to_string(out.join(&page)).unwrap();
        for tag in scan_tags(&html) {
            for (a, v) in &tag.attrs {
                if a == "href" || a == "src" {
                    links.push((page.clone(), tag.name.clone(), v.clone()));
                }
            }
        }
    }
    links
}

#[test]
fn scanner_reads_quoted_unquoted_and_entity_encoded_attributes() {
    let tags = scan_tags(
        "<!-- <a href=\"no\"> --><p class=x><a href=\"a.html?x=1&amp;y=2#f\" title='it&#39;s'>t</a><img src=../i%20j.png alt><script>if (a<b) {}</script><link href=s.css>",
    );
    let names: Vec<&str> = tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["p", "a", "img", "script", "link"]);
    assert_eq!(tags[1].attrs[0], ("href".into(), "a.html?x=1&y=2#f".into()));
    assert_eq!(tags[1].attrs[1], ("title".into(), "it's".into()));
    assert_eq!(tags[2].attrs[0], ("src".into(), "../i%20j.png".into()));
    assert_eq!(
        common::resolve_link(Path::new("x/p.html"), "../i%20j.png#z"),
        Some(PathBuf::from("i j.png"))
    );
    assert_eq!(
        common::resolve_link(Path::new("p.html"), "../escape.html"),
        None
    );
}

/// The `id` attributes of every page, by page.
fn ids_by_page(out: &Path) -> BTreeMap<PathBuf, BTreeSet<String>> {
    html_pages(out)
        .into_iter()
        .map(|page| {
            let html = std::fs::read_to_string(out.join(&page)).unwrap();
            let ids = scan_tags(&html)
                .into_iter()
                .flat_map(|t| t.attrs)
                .filter(|(a, _)| a == "id")
                .map(|(_, v)| v)
                .collect();
            (page, ids)
        })
        .collect()
}

#[test]
fn every_relative_link_in_the_demo_resolves_to_a_file() {
    let out = demo();
    let ids = ids_by_page(out);
    let mut broken = BTreeSet::new();
    let (mut checked, mut fragments) = (0, 0);
    for (page, _, v) in all_links(out) {
        if v.is_empty() || is_external(&v) || v.starts_with('/') {
            continue;
        }
        let (path, fragment) = match v.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (v.as_str(), None),
        };
        // The page the link leads to: this one for `#id`, else the file it names.
        let target = if path.is_empty() {
            Some(page.clone())
        } else {
            checked += 1;
            common::resolve_link(&page, &v).and_then(|t| {
                let full = out.join(&t);
                if full.is_file() {
                    Some(t)
                } else if full.is_dir() && full.join("index.html").is_file() {
                    Some(t.join("index.html"))
                } else {
                    None
                }
            })
        };
        let Some(target) = target else {
            broken.insert(format!("{}: {v}", page.display()));
            continue;
        };
        if let Some(f) = fragment.filter(|f| !f.is_empty()) {
            fragments += 1;
            let id = common::percent_decode(f);
            if !ids.get(&target).is_some_and(|ids| ids.contains(&id)) {
                broken.insert(format!(
                    "{}: {v} (no id {id:?} in {})",
                    page.display(),
                    target.display()
                ));
            }
        }
    }
    assert!(
        checked > 1000,
        "only {checked} links checked: is the demo built?"
    );
    // Every link to an evidence record names its section.
    assert!(
        fragments > 100,
        "only {fragments} #fragments checked: is the demo built?"
    );
    assert!(
        broken.is_empty(),
        "{} broken links, e.g.:\n{}",
        broken.len(),
        broken
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn demo_has_no_absolute_links_and_loads_nothing_from_the_network() {
    let out = demo();
    let mut absolute = BTreeSet::new();
    let mut network = BTreeSet::new();
    for (page, tag, v) in all_links(out) {
        if v.starts_with('/') {
            absolute.insert(format!("{}: <{tag}> {v}", page.display()));
        }
        let l = v.to_ascii_lowercase();
        let remote = l.starts_with("http:") || l.starts_with("https:") || l.starts_with("//");
        if remote
            && matches!(
                tag.as_str(),
                "link"
                    | "script"
                    | "img"
                    | "iframe"
                    | "source"
                    | "video"
                    | "audio"
                    | "embed"
                    | "object"
            )
        {
            network.insert(format!("{}: <{tag}> {v}", page.display()));
        }
    }
    for css in common::files_under(out)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "css"))
    {
        let text = std::fs::read_to_string(out.join(&css))
            .unwrap()
            .to_ascii_lowercase();
        for needle in ["url(http", "url(\"http", "url('http", "url(//", "@import"] {
            if text.contains(needle) {
                network.insert(format!("{}: {needle}", css.display()));
            }
        }
    }
    assert!(
        absolute.is_empty(),
        "absolute-path links:\n{}",
        absolute.into_iter().collect::<Vec<_>>().join("\n")
    );
    assert!(
        network.is_empty(),
        "network references:\n{}",
        network.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn every_demo_page_is_reachable_from_the_home_page() {
    let out = demo();
    let pages: BTreeSet<PathBuf> = html_pages(out).into_iter().collect();
    let mut edges: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for (page, _, v) in all_links(out) {
        if v.is_empty() || v.starts_with('#') || is_external(&v) {
            continue;
        }
        if let Some(t) = common::resolve_link(&page, &v) {
            let t = if out.join(&t).is_dir() {
                t.join("index.html")
            } else {
                t
            };
            if pages.contains(&t) {
                edges.entry(page).or_default().push(t);
            }
        }
    }
    let start = PathBuf::from("index.html");
    let mut seen = BTreeSet::from([start.clone()]);
    let mut queue = VecDeque::from([start]);
    while let Some(p) = queue.pop_front() {
        for t in edges.get(&p).into_iter().flatten() {
            if seen.insert(t.clone()) {
                queue.push_back(t.clone());
            }
        }
    }
    let unreachable: Vec<String> = pages
        .difference(&seen)
        .map(|p| p.display().to_string())
        .collect();
    assert!(pages.len() > 100, "only {} pages", pages.len());
    assert!(
        unreachable.is_empty(),
        "{} of {} pages cannot be reached from index.html:\n{}",
        unreachable.len(),
        pages.len(),
        unreachable.join("\n")
    );
}
