//! The `diff` report printed: plain text for a terminal, and Markdown ready to post as a
//! pull-request comment (a heading, a table of frameworks with before -> after and arrows, and
//! collapsible details for the lists). JSON is the report serialised as it is.

use super::compare::{DiffReport, Figures, FrameworkDiff, Problem};
use std::fmt::Write;

/// A share in percent, floored to one decimal, so a small gap is never rounded away.
fn pct1(ratio: f64) -> String {
    format!("{:.1}%", ((ratio * 1000.0) + 1e-6).floor() / 10.0)
}

fn arrow<T: PartialOrd>(before: T, after: T) -> &'static str {
    if after > before {
        " ▲"
    } else if after < before {
        " ▼"
    } else {
        ""
    }
}

/// `before -> after` (with `sep` as the arrow), or the one value when they agree; `-` for a side
/// without the framework.
fn change<T: PartialEq + Copy>(
    b: Option<T>,
    a: Option<T>,
    show: impl Fn(T) -> String,
    sep: &str,
) -> String {
    match (b, a) {
        (Some(x), Some(y)) if x == y => show(y),
        (x, y) => {
            let s = |v: Option<T>| v.map_or_else(|| "-".to_string(), &show);
            format!("{}{sep}{}", s(x), s(y))
        }
    }
}

fn get<T>(f: &Option<Figures>, pick: impl Fn(&Figures) -> Option<T>) -> Option<T> {
    f.as_ref().and_then(pick)
}

fn elements_change(fw: &FrameworkDiff, sep: &str) -> Option<String> {
    let (b, a) = (&fw.before, &fw.after);
    let met = |f: &Option<Figures>| get(f, |f| Some((f.elements_met?, f.elements?)));
    if met(b).is_none() && met(a).is_none() {
        return None;
    }
    Some(change(met(b), met(a), |(m, n)| format!("{m} of {n}"), sep))
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {one}s")
    }
}

fn count_line(c: &super::compare::Counts) -> String {
    format!(
        "{}, {}",
        plural(c.errors, "error"),
        plural(c.warnings, "warning")
    )
}

pub fn text(r: &DiffReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Compared with {} ({}), profile {}, as of {}",
        r.base,
        super::git::short(&r.base_commit),
        r.profile,
        r.today
    );
    for fw in &r.frameworks {
        let (b, a) = (&fw.before, &fw.after);
        let _ = writeln!(out, "\n{} ({})", fw.title, fw.framework);
        let num = |x: usize| x.to_string();
        let rows = [
            (
                "coverage",
                change(
                    get(b, |f| Some(f.coverage)),
                    get(a, |f| Some(f.coverage)),
                    pct1,
                    " -> ",
                ),
            ),
            (
                "covered",
                change(
                    get(b, |f| Some(f.covered)),
                    get(a, |f| Some(f.covered)),
                    num,
                    " -> ",
                ),
            ),
            (
                "inherited",
                change(
                    get(b, |f| Some(f.inherited)),
                    get(a, |f| Some(f.inherited)),
                    num,
                    " -> ",
                ),
            ),
            (
                "partial",
                change(
                    get(b, |f| Some(f.partial)),
                    get(a, |f| Some(f.partial)),
                    num,
                    " -> ",
                ),
            ),
        ];
        for (label, value) in rows {
            let _ = writeln!(out, "  {label:<10} {value}");
        }
        if let Some(e) = elements_change(fw, " -> ") {
            let _ = writeln!(out, "  {:<10} {e} met", "elements");
        }
        for (label, list) in [
            ("newly covered", &fw.newly_covered),
            ("newly uncovered", &fw.newly_uncovered),
        ] {
            if !list.is_empty() {
                let _ = writeln!(out, "  {label}: {}", list.join(", "));
            }
        }
    }
    if !r.overlap.is_empty() {
        let _ = writeln!(out, "\nOverlap changed:");
        for o in &r.overlap {
            let v = change(o.before, o.after, pct1, " -> ");
            let _ = writeln!(out, "  {} by {}: {v}", o.from, o.to);
        }
    }
    let p = &r.problems;
    let _ = writeln!(
        out,
        "\nProblems: {} added, {} resolved (now {}; before {})",
        p.added.len() + p.withheld.added,
        p.resolved.len() + p.withheld.resolved,
        count_line(&p.after),
        count_line(&p.before)
    );
    for (sign, list) in [("+", &p.added), ("-", &p.resolved)] {
        for q in list {
            let _ = writeln!(out, "  {sign} {}", q.line_text());
        }
    }
    if p.withheld.added + p.withheld.resolved > 0 {
        let _ = writeln!(
            out,
            "  ({} added and {} resolved in files the `{}` profile does not show)",
            p.withheld.added, p.withheld.resolved, r.profile
        );
    }
    let _ = writeln!(
        out,
        "\nEvidence expiring within {}: {}",
        r.evidence_window,
        r.evidence_expiring.len()
    );
    for e in &r.evidence_expiring {
        let _ = writeln!(
            out,
            "  {}  {} (in {} days)  {}",
            e.id, e.expires, e.days_left, e.path
        );
    }
    out
}

/// Text safe in a Markdown table cell or list item: no HTML, no emphasis, no cell breaks.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Text inside an HTML element (a `<summary>`), where Markdown escapes would show.
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Code spans for ids and paths; a backtick inside is replaced, so the span cannot break.
fn code(s: &str) -> String {
    format!("`{}`", s.replace('`', "'").replace(['\n', '\r'], " "))
}

fn details(out: &mut String, summary: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "<details><summary>{summary}</summary>\n");
    for i in items {
        let _ = writeln!(out, "- {i}");
    }
    let _ = writeln!(out, "\n</details>\n");
}

fn md_problem(p: &Problem) -> String {
    let at = match (p.line, p.column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}", p.path),
        (Some(l), None) => format!("{}:{l}", p.path),
        _ => p.path.clone(),
    };
    format!(
        "{} **{}**: {}",
        code(&at),
        p.severity,
        md_message(&p.message)
    )
}

/// A message whose `quoted` parts (ids, values) stay code spans and the rest is escaped; with
/// an odd number of backticks, all of it is escaped.
fn md_message(s: &str) -> String {
    if s.matches('`').count() % 2 == 1 {
        return md(s);
    }
    s.split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { code(part) } else { md(part) })
        .collect()
}

/// A pull-request comment.
pub fn markdown(r: &DiffReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### Compliance changes against {}\n", code(&r.base));
    let _ = writeln!(
        out,
        "Compared with {} at {}, profile {}, as of {}.\n",
        code(&r.base),
        code(super::git::short(&r.base_commit)),
        code(&r.profile),
        r.today
    );
    if r.frameworks.is_empty() {
        let _ = writeln!(out, "No framework is in scope.\n");
    } else {
        framework_table(&mut out, r);
    }
    let p = &r.problems;
    let added = p.added.len() + p.withheld.added;
    let resolved = p.resolved.len() + p.withheld.resolved;
    let _ = writeln!(
        out,
        "**Check problems:** {added} added, {resolved} resolved (now {}; before {}).\n",
        count_line(&p.after),
        count_line(&p.before)
    );
    let _ = writeln!(
        out,
        "**Evidence expiring within {}:** {}.\n",
        md(&r.evidence_window),
        r.evidence_expiring.len()
    );
    for fw in &r.frameworks {
        let name = html(&fw.title);
        let list = |v: &[String]| v.iter().map(|c| code(c)).collect::<Vec<_>>();
        let n = fw.newly_covered.len();
        details(
            &mut out,
            &format!("{name}: {n} newly covered"),
            &list(&fw.newly_covered),
        );
        let n = fw.newly_uncovered.len();
        details(
            &mut out,
            &format!("{name}: {n} newly uncovered"),
            &list(&fw.newly_uncovered),
        );
    }
    let overlap: Vec<String> = r
        .overlap
        .iter()
        .map(|o| {
            let v = change(o.before, o.after, pct1, " → ");
            let dir = match (o.before, o.after) {
                (Some(x), Some(y)) => arrow(x, y),
                _ => "",
            };
            format!("{} met by {}: {v}{dir}", code(&o.from), code(&o.to))
        })
        .collect();
    details(
        &mut out,
        &format!("Overlap: {} pairs changed", overlap.len()),
        &overlap,
    );
    let mut listed: Vec<String> = p
        .added
        .iter()
        .map(|q| format!("➕ {}", md_problem(q)))
        .collect();
    listed.extend(p.resolved.iter().map(|q| format!("✅ {}", md_problem(q))));
    if p.withheld.added + p.withheld.resolved > 0 {
        listed.push(format!(
            "{} added and {} resolved in files the {} profile does not show",
            p.withheld.added,
            p.withheld.resolved,
            code(&r.profile)
        ));
    }
    details(
        &mut out,
        &format!("Check problems: {added} added, {resolved} resolved"),
        &listed,
    );
    let expiring: Vec<String> = r
        .evidence_expiring
        .iter()
        .map(|e| {
            format!(
                "{} {}: expires {} (in {} days)",
                code(&e.id),
                md(&e.title),
                e.expires,
                e.days_left
            )
        })
        .collect();
    details(
        &mut out,
        &format!(
            "Evidence expiring within {}: {}",
            html(&r.evidence_window),
            expiring.len()
        ),
        &expiring,
    );
    out
}

fn framework_table(out: &mut String, r: &DiffReport) {
    let _ = writeln!(
        out,
        "| Framework | Coverage | Covered | Inherited | Partial | Elements met |\n|---|---|---|---|---|---|"
    );
    for fw in &r.frameworks {
        let (b, a) = (&fw.before, &fw.after);
        let cov = |f: &Option<Figures>| get(f, |f| Some(f.coverage));
        let dir = match (cov(b), cov(a)) {
            (Some(x), Some(y)) => arrow(x, y),
            _ => "",
        };
        let num = |x: usize| x.to_string();
        let cell = |pick: fn(&Figures) -> usize| {
            change(
                get(b, |f| Some(pick(f))),
                get(a, |f| Some(pick(f))),
                num,
                " → ",
            )
        };
        let _ = writeln!(
            out,
            "| {} ({}) | {}{dir} | {} | {} | {} | {} |",
            md(&fw.title),
            code(&fw.framework),
            change(cov(b), cov(a), pct1, " → "),
            cell(|f| f.covered),
            cell(|f| f.inherited),
            cell(|f| f.partial),
            elements_change(fw, " → ").unwrap_or_else(|| "-".into()),
        );
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_their_code_spans_and_escape_the_rest() {
        assert_eq!(
            md_message("evidence `EV-1` is <b>late</b> | *now*"),
            "evidence `EV-1` is &lt;b&gt;late&lt;/b&gt; \\| \\*now\\*"
        );
        assert_eq!(md_message("odd ` tick_s"), "odd \\` tick\\_s");
        assert_eq!(code("a`b\nc"), "`a'b c`");
    }

    #[test]
    fn shares_are_floored_to_one_decimal() {
        assert_eq!(pct1(0.7219), "72.1%");
        assert_eq!(pct1(0.9999), "99.9%");
        assert_eq!(pct1(1.0), "100.0%");
        assert_eq!(pct1(0.0), "0.0%");
    }
}
