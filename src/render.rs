//! Rendering: every page in memory, in parallel, with the theme's tera templates; Markdown to
//! safe HTML; where a document's body lands in its page, so a later build can splice a new one in.

use crate::base::diagnostic::Diagnostic;
use crate::base::embedded;
use crate::base::rules;
use crate::model::Classification;
use crate::model::config::RawHtml;
use crate::view::PageSpec;
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A theme: its templates, compiled, and its static files (copied to `static/`).
pub struct Theme {
    tera: tera::Tera,
    pub static_files: BTreeMap<String, Vec<u8>>,
    /// A hash of every template and static file: a page whose view and theme are unchanged need
    /// not be rendered again.
    pub fingerprint: String,
    /// Whether the templates show a document's body only as `{{ body | safe }}`, once: only then
    /// can a build splice a new body into a page rendered earlier.
    pub body_spliceable: bool,
}

impl Theme {
    /// The built-in theme `name`, with any file the site has under `themes/<name>/` replacing
    /// the built-in file of the same path.
    pub fn load(root: &Path, name: &str) -> Result<Theme, Diagnostic> {
        let mut files: BTreeMap<String, (PathBuf, Vec<u8>)> = BTreeMap::new();
        let builtin_name = if embedded::THEMES.get_dir(name).is_some() {
            name
        } else {
            "default"
        };
        for (rel, bytes) in embedded::theme_files(builtin_name) {
            let shown = Path::new(embedded::BUILTIN_PREFIX)
                .join("themes")
                .join(builtin_name)
                .join(&rel);
            files.insert(rel, (shown, bytes.to_vec()));
        }
        let site_theme = root.join("themes").join(name);
        if site_theme.is_dir() {
            let canonical_root = root.canonicalize().map_err(|e| {
                Diagnostic::error(root, format!("cannot open site folder: {e}"))
                    .with_rule(rules::IO)
            })?;
            for entry in walkdir::WalkDir::new(&site_theme).sort_by_file_name() {
                let entry = entry.map_err(|e| {
                    Diagnostic::error(&site_theme, format!("cannot read theme: {e}"))
                        .with_rule(rules::IO)
                })?;
                if !(entry.file_type().is_file() || entry.path_is_symlink()) {
                    continue;
                }
                let rel_site = entry
                    .path()
                    .strip_prefix(root)
                    .unwrap_or(entry.path())
                    .to_path_buf();
                let real = entry.path().canonicalize().map_err(|e| {
                    Diagnostic::error(&rel_site, format!("cannot read: {e}")).with_rule(rules::IO)
                })?;
                if !real.starts_with(&canonical_root) {
                    return Err(Diagnostic::error(
                        &rel_site,
                        "resolves outside the site: refusing to read it",
                    )
                    .with_rule(rules::OUTSIDE_SITE));
                }
                let bytes = std::fs::read(&real).map_err(|e| {
                    Diagnostic::error(&rel_site, format!("cannot read: {e}")).with_rule(rules::IO)
                })?;
                let rel = entry
                    .path()
                    .strip_prefix(&site_theme)
                    .unwrap_or(entry.path())
                    .to_string_lossy()
                    .replace('\\', "/");
                files.insert(rel, (rel_site, bytes));
            }
        } else if builtin_name != name {
            return Err(Diagnostic::error(
                crate::model::config::CONFIG_FILE,
                format!(
                    "unknown theme `{name}`: no themes/{name}/ in the site and no built-in theme of that name"
                ),
            ).with_rule(rules::THEME));
        }
        let mut all = Vec::new();
        for (rel, (_, bytes)) in &files {
            all.extend_from_slice(rel.as_bytes());
            all.extend_from_slice(bytes);
        }
        let fingerprint = crate::base::hash::content_hash(&all);
        let mut tera = tera::Tera::new();
        // Markdown inside a view (the FAQ's answers), always sanitised.
        tera.register_filter("markdown", markdown_filter);
        let mut static_files = BTreeMap::new();
        let mut templates = Vec::new();
        for (rel, (shown, bytes)) in files {
            if let Some(t) = rel.strip_prefix("templates/") {
                let text = crate::base::text::decode_utf8(&bytes, &shown)?;
                templates.push((t.to_string(), text, shown));
            } else if let Some(s) = rel.strip_prefix("static/") {
                static_files.insert(s.to_string(), bytes);
            }
        }
        // Added together: templates include and extend each other, in any order.
        tera.add_raw_templates(
            templates
                .iter()
                .map(|(name, text, _)| (name.as_str(), text.as_str())),
        )
        .map_err(|e| {
            let msg = error_chain(&e);
            // Name the file the error is in when tera says which.
            let shown = templates
                .iter()
                .find(|(name, _, _)| msg.contains(&format!("--> {name}:")))
                .map(|(_, _, shown)| shown.clone())
                .unwrap_or_else(|| PathBuf::from(format!("themes/{name}/templates")));
            Diagnostic::error(shown, format!("template error: {msg}")).with_rule(rules::THEME)
        })?;
        for required in [
            "index.html",
            "frameworks.html",
            "framework.html",
            "control.html",
            "documents.html",
            "document_row.html",
            "document.html",
            "evidence_list.html",
            "evidence_row.html",
            "evidence.html",
            "overlap.html",
            "overlap_pair.html",
            "isms.html",
            "readiness.html",
            "soa.html",
            "management_reviews.html",
            "internal_audits.html",
            "risks.html",
            "nonconformities.html",
            "suppliers.html",
            "package.html",
            "updates.html",
            "subprocessors.html",
            "faq.html",
            "document_request.html",
        ] {
            if !tera.contains_template(required) {
                return Err(Diagnostic::error(
                    format!("themes/{name}/templates/{required}"),
                    "missing template",
                )
                .with_rule(rules::THEME));
            }
        }
        let body_spliceable =
            body_shown_once_verbatim(templates.iter().map(|(_, t, _)| t.as_str()));
        Ok(Theme {
            tera,
            static_files,
            fingerprint,
            body_spliceable,
        })
    }
}

impl Theme {
    /// Renders one template with `view` as `page`, outside the portal (e.g. an audit package).
    pub fn render_one(&self, template: &str, view: &impl Serialize) -> Result<Vec<u8>, Diagnostic> {
        let mut ctx = tera::Context::new();
        ctx.insert("page", view);
        self.tera
            .render(template, &ctx)
            .map(String::into_bytes)
            .map_err(|e| {
                Diagnostic::error(
                    format!("themes/templates/{template}"),
                    format!("rendering: {}", error_chain(&e)),
                )
                .with_rule(rules::THEME)
            })
    }
}

/// True when, across all `templates`, the variable `body` appears in exactly one tag, and that
/// tag is `{{ body | safe }}` (spacing and `-` trim markers aside). A template that also filters,
/// measures or tests the body would make a spliced page differ from a rendered one.
fn body_shown_once_verbatim<'a>(templates: impl Iterator<Item = &'a str>) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let (mut uses, mut verbatim) = (0, 0);
    for text in templates {
        let mut rest = text;
        while let Some(open) = rest.find(['{']) {
            let after = &rest[open + 1..];
            let close = match after.chars().next() {
                Some('{') => "}}",
                Some('%') => "%}",
                Some('#') => "#}",
                _ => {
                    rest = after;
                    continue;
                }
            };
            let Some(end) = after[1..].find(close) else {
                break;
            };
            let inner = &after[1..1 + end];
            rest = &after[1 + end + close.len()..];
            if close == "#}" {
                continue;
            }
            let mut n = 0;
            for (i, _) in inner.match_indices("body") {
                let before = inner[..i].chars().next_back();
                let next = inner[i + 4..].chars().next();
                if !before.is_some_and(|c| is_ident(c) || c == '.') && !next.is_some_and(is_ident) {
                    n += 1;
                }
            }
            uses += n;
            let bare: String = inner
                .trim_matches('-')
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            if n == 1 && close == "}}" && bare == "body|safe" {
                verbatim += 1;
            }
        }
    }
    uses == 1 && verbatim == 1
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// What every page sees besides its own view.
#[derive(Serialize)]
pub struct SiteView {
    pub title: String,
    pub organisation: Option<String>,
    pub profile: Classification,
    pub today: String,
    pub version: &'static str,
    /// The Atom feed's path, when the build writes one (every page's `<head>` links it).
    pub feed: Option<&'static str>,
    /// Whether the build has a subprocessors page and an FAQ (for the navigation bar).
    pub subprocessors: bool,
    pub faq: bool,
    /// The fingerprint of the key that signs the portal's claims manifest, when it is signed.
    pub claims_key: Option<String>,
}

/// The `markdown` filter: a text as HTML, sanitised whatever the site's `html` setting.
fn markdown_filter(text: &str, _: tera::Kwargs, _: &tera::State) -> String {
    markdown(text, RawHtml::Sanitise)
}

/// Markdown to HTML. Raw HTML in the source is sanitised (ammonia: no scripts, no event
/// handlers, no `javascript:` URLs) unless the site trusts its authors.
pub fn markdown(text: &str, html_mode: RawHtml) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TASKLISTS);
    opts.insert(Options::ENABLE_FOOTNOTES);
    let mut raw_html = false;
    let parser = Parser::new_ext(text, opts).map(|ev| match ev {
        Event::Html(_) | Event::InlineHtml(_) => {
            raw_html = true;
            ev
        }
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        e => e,
    });
    let mut out = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut out, parser);
    // Without raw HTML the output is pulldown-cmark's own, with text escaped and script URLs
    // dropped above: only documents that carry raw HTML need the (much slower) sanitiser.
    match html_mode {
        RawHtml::Sanitise if raw_html => sanitiser().clean(&out).to_string(),
        _ => out,
    }
}

/// ammonia's safe defaults, plus the disabled checkboxes Markdown task lists produce.
fn sanitiser() -> &'static ammonia::Builder<'static> {
    static BUILDER: std::sync::OnceLock<ammonia::Builder<'static>> = std::sync::OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.add_tags(["input"]);
        b.add_tag_attributes("input", ["type", "checked", "disabled"]);
        b
    })
}

/// The body without a leading `# Title` that repeats the document's title (the page shows the
/// title already).
pub fn without_title<'a>(body: &'a str, title: &str) -> &'a str {
    let trimmed = body.trim_start();
    if let Some(rest) = trimmed.strip_prefix("# ") {
        let (first, after) = rest.split_once('\n').unwrap_or((rest, ""));
        if first
            .trim()
            .trim_end_matches('#')
            .trim()
            .eq_ignore_ascii_case(title.trim())
        {
            return after;
        }
    }
    body
}

/// Drops script-capable link targets (`javascript:`, `data:`, `vbscript:`).
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let lower: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    if lower.starts_with("javascript:")
        || lower.starts_with("data:")
        || lower.starts_with("vbscript:")
    {
        CowStr::Borrowed("#")
    } else {
        url
    }
}

/// `../` repeated once per folder level of `path`, so links work from disk and under any sub-path.
pub fn root_prefix(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

/// What a page is made from: its view, title, section, template set, the site view and the
/// Markdown it shows. Equal inputs render equal bytes.
pub fn page_input_hash(
    theme: &Theme,
    site: &[u8],
    p: &PageSpec,
    body_source: Option<&str>,
) -> String {
    input_with_body(&page_view_hash(theme, site, p), body_source)
}

/// Everything a page is made from but its Markdown.
pub fn page_view_hash(theme: &Theme, site: &[u8], p: &PageSpec) -> String {
    use std::hash::Hasher;
    let mut h = crate::base::hash::hasher();
    h.write_u64(p.view_hash);
    for part in [
        theme.fingerprint.as_bytes(),
        site,
        p.template.as_bytes(),
        p.title.as_bytes(),
        p.section.as_bytes(),
    ] {
        h.write_u8(0);
        h.write(part);
    }
    format!("{:016x}", h.finish())
}

/// A page's input hash from its view hash and its Markdown.
pub fn input_with_body(view_hash: &str, body_source: Option<&str>) -> String {
    let mut bytes = view_hash.as_bytes().to_vec();
    bytes.push(0);
    bytes.extend_from_slice(body_source.unwrap_or("").as_bytes());
    crate::base::hash::content_hash(&bytes)
}

/// Renders pages, one at a time, from any thread.
pub struct Renderer<'a> {
    theme: &'a Theme,
    site: serde_json::Value,
    legend: serde_json::Value,
}

/// Where a page's Markdown body sits in its rendered bytes, so a build that sees only that body
/// change can splice the new one in without rendering the page again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct BodySpan {
    pub start: usize,
    pub len: usize,
}

/// Stands for the body while the template renders; unguessable by content authors.
fn placeholder() -> &'static str {
    static P: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        format!("<!--crosswalk-body-{:x}-{nanos:x}-->", std::process::id())
    })
}

impl<'a> Renderer<'a> {
    pub fn new(theme: &'a Theme, site: &SiteView) -> Renderer<'a> {
        Renderer {
            theme,
            site: serde_json::to_value(site).unwrap_or(serde_json::Value::Null),
            legend: serde_json::to_value(crate::view::relationship_legend())
                .unwrap_or(serde_json::Value::Null),
        }
    }

    /// Renders `p` into `out` (appended).
    fn render_with(
        &self,
        p: &PageSpec,
        body: Option<&str>,
        out: &mut Vec<u8>,
    ) -> Result<(), Diagnostic> {
        let mut ctx = tera::Context::new();
        ctx.insert("site", &self.site);
        ctx.insert("root", &root_prefix(&p.path));
        ctx.insert("page_title", &p.title);
        ctx.insert("section", p.section);
        ctx.insert_value("page", p.view.clone());
        ctx.insert("legend", &self.legend);
        if let Some(body) = body {
            ctx.insert("body", body);
        }
        self.theme
            .tera
            .render_to(p.template, &ctx, out)
            .map_err(|e| {
                Diagnostic::error(
                    format!("themes/templates/{}", p.template),
                    format!("rendering {}: {}", p.path, error_chain(&e)),
                )
                .with_rule(rules::THEME)
            })
    }

    /// Renders one row of a long list (`view::RowSpec`): the row's view is `r`, and `root` is
    /// the page's.
    pub fn row(&self, spec: &crate::view::RowSpec) -> Result<crate::view::Row, Diagnostic> {
        let mut ctx = tera::Context::new();
        ctx.insert("root", &root_prefix(spec.page));
        ctx.insert_value("r", (spec.view)());
        let html = self.theme.tera.render(spec.template, &ctx).map_err(|e| {
            Diagnostic::error(
                format!("themes/templates/{}", spec.template),
                format!("rendering a row of {}: {}", spec.page, error_chain(&e)),
            )
            .with_rule(rules::THEME)
        })?;
        Ok(crate::view::Row {
            hash: crate::base::hash::hash_bytes(html.as_bytes()),
            html: tera::Value::safe_string(&html),
        })
    }

    /// Renders one page and hands its bytes to `done`. With a body (rendered Markdown), also
    /// says where the body landed when the template shows it exactly once, unchanged.
    ///
    /// Each thread renders into one buffer that keeps its capacity from page to page (and, in
    /// `serve`, from build to build): the 16 MB evidence library of a 30,000-record site is
    /// then neither regrown nor faulted into fresh memory every time it is rendered.
    pub fn render<R>(
        &self,
        p: &PageSpec,
        body: Option<&str>,
        done: impl FnOnce(&[u8], Option<BodySpan>) -> Result<R, Diagnostic>,
    ) -> Result<R, Diagnostic> {
        thread_local! {
            static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        BUFFER.with(|buffer| {
            // A page rendered while this thread's buffer is in use (not expected) gets its own.
            let mut own = Vec::new();
            let mut borrowed = buffer.try_borrow_mut();
            let out = match borrowed.as_deref_mut() {
                Ok(b) => b,
                Err(_) => &mut own,
            };
            out.clear();
            let span = self.render_into(p, body, out)?;
            done(out, span)
        })
    }

    fn render_into(
        &self,
        p: &PageSpec,
        body: Option<&str>,
        out: &mut Vec<u8>,
    ) -> Result<Option<BodySpan>, Diagnostic> {
        if p.template == crate::view::ROWS_SCRIPT {
            rows_script(p, out);
            return Ok(None);
        }
        if p.template == crate::view::FEED_XML {
            // The feed's XML is made and escaped by the view (`view::updates`).
            let xml = p.view.get_from_path("xml").and_then(|x| x.as_str());
            out.extend_from_slice(xml.unwrap_or_default().as_bytes());
            return Ok(None);
        }
        let Some(body) = body else {
            self.render_with(p, None, out)?;
            return Ok(None);
        };
        if !self.theme.body_spliceable {
            self.render_with(p, Some(body), out)?;
            return Ok(None);
        }
        let mark = placeholder();
        self.render_with(p, Some(mark), out)?;
        // Tera writes UTF-8; anything else just means no place is recorded.
        let found: Vec<usize> = std::str::from_utf8(out)
            .map(|html| html.match_indices(mark).map(|(i, _)| i).take(2).collect())
            .unwrap_or_default();
        match found[..] {
            [start] => {
                out.splice(start..start + mark.len(), body.bytes());
                Ok(Some(BodySpan {
                    start,
                    len: body.len(),
                }))
            }
            _ => {
                out.clear();
                self.render_with(p, Some(body), out)?;
                Ok(None)
            }
        }
    }
}

/// A library page's rows script (`view::ROWS_SCRIPT`): data, not presentation, so written here
/// rather than by a theme's template. Each row is a JSON string; the script is a separate file,
/// so nothing in a row can end it early.
fn rows_script(p: &PageSpec, out: &mut Vec<u8>) {
    let number = p
        .view
        .get_from_path("number")
        .and_then(|n| n.as_u64())
        .unwrap_or(0);
    out.extend_from_slice(format!("crosswalkRows({number}, [\n").as_bytes());
    if let Some(rows) = p.view.get_from_path("rows").and_then(|r| r.as_array()) {
        for row in rows {
            if let Some(html) = row.as_str() {
                // Writing JSON into a Vec cannot fail.
                let _ = serde_json::to_writer(&mut *out, html);
                out.extend_from_slice(b",\n");
            }
        }
    }
    out.extend_from_slice(b"]);\n");
}

/// Replaces the body at `span` in a page rendered earlier.
pub fn splice_body(page: &[u8], span: BodySpan, body: &str) -> Option<(Vec<u8>, BodySpan)> {
    let end = span.start.checked_add(span.len)?;
    if end > page.len() {
        return None;
    }
    let mut out = Vec::with_capacity(page.len() - span.len + body.len());
    out.extend_from_slice(&page[..span.start]);
    out.extend_from_slice(body.as_bytes());
    out.extend_from_slice(&page[end..]);
    Some((
        out,
        BodySpan {
            start: span.start,
            len: body.len(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_sanitised_by_default() {
        let src = "<script>alert(1)</script>\n\n[x](javascript:alert(1)) <b onclick=\"steal()\">hi</b> <img src=x onerror=alert(1)>\n\n<details><summary>More</summary>text</details>\n\n- [x] done";
        let html = markdown(src, RawHtml::Sanitise);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("alert"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(
            !html.contains("onclick") && !html.contains("onerror"),
            "{html}"
        );
        assert!(html.contains("<b>hi</b>"), "benign markup survives: {html}");
        assert!(html.contains("<details>"), "{html}");
        assert!(html.contains("type=\"checkbox\""), "{html}");
        let trusted = markdown("<b onclick=\"f()\">x</b>", RawHtml::Trusted);
        assert!(
            trusted.contains("onclick"),
            "trusted repos keep their HTML: {trusted}"
        );
    }

    #[test]
    fn a_leading_title_heading_is_dropped_only_when_it_repeats_the_title() {
        assert_eq!(
            without_title("\n# Access Policy\nText", "Access Policy"),
            "Text"
        );
        assert_eq!(
            without_title("# Other\nText", "Access Policy"),
            "# Other\nText"
        );
        assert_eq!(without_title("Text", "Access Policy"), "Text");
    }

    #[test]
    fn only_a_body_shown_once_verbatim_can_be_spliced() {
        let ok = |ts: &[&str]| body_shown_once_verbatim(ts.iter().copied());
        assert!(ok(&[
            "<main>{{ body | safe }}</main>",
            "{{ page.body }} <tbody>"
        ]));
        assert!(ok(&["{{- body|safe -}}"]));
        assert!(!ok(&[
            "{{ body | safe }}",
            "<meta content=\"{{ body | striptags }}\">"
        ]));
        assert!(!ok(&["{{ body | safe }}{% if body %}x{% endif %}"]));
        assert!(!ok(&["{{ body | wordcount }}"]));
        assert!(!ok(&["{{ body | safe }}{{ body | safe }}"]));
        assert!(!ok(&["no body here"]));
        assert!(ok(&["{# body #}{{ body | safe }}"]));
    }

    #[test]
    fn prefixes() {
        assert_eq!(root_prefix("index.html"), "");
        assert_eq!(root_prefix("controls/soc2/CC6.1.html"), "../../");
    }
}
