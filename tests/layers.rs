//! The library's layering, held to the table in docs/architecture.md ("Layers"): every path into
//! the crate (`crate::...`, `super::...`, `use` or `pub use`, grouped or not) in a file under src/
//! must lead to a module of a lower layer or of the file's own top-level module; and no files
//! import each other in a circle. The binary (src/main.rs, src/cmd/) sits above every layer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layer table: top-level module name -> layer number, from docs/architecture.md.
fn layer_table() -> BTreeMap<String, usize> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/architecture.md"))
        .expect("docs/architecture.md");
    let section = doc
        .split("\n## Layers")
        .nth(1)
        .expect("docs/architecture.md has a \"## Layers\" section");
    let section = section.split("\n## ").next().unwrap();
    let mut table = BTreeMap::new();
    for line in section.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 {
            continue;
        }
        let Ok(layer) = cells[1].parse::<usize>() else {
            continue;
        };
        for m in cells[2].split(',') {
            let m = m.trim().trim_matches('`').trim_end_matches('/');
            assert!(!m.is_empty(), "an empty module name in: {line}");
            assert!(
                table.insert(m.to_string(), layer).is_none(),
                "{m} is listed twice in the layer table"
            );
        }
    }
    assert!(table.len() > 5, "the layer table lists only {table:?}");
    table
}

/// Every .rs file of the library, as its path under src/.
fn library_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, base, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p.strip_prefix(base).unwrap().to_path_buf());
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    walk(&src, &src, &mut out);
    out.retain(|p| p != Path::new("main.rs") && p != Path::new("lib.rs") && !p.starts_with("cmd"));
    out.sort();
    out
}

/// The module path of a file under src/: `view/records.rs` -> [view, records], `view/mod.rs` ->
/// [view].
fn module_of(file: &Path) -> Vec<String> {
    let mut parts: Vec<String> = file
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" {
        parts.push(stem.to_string());
    }
    parts
}

/// The source with comments, string and character literals blanked out (their length kept).
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                out.push(' ');
                i += 1;
            }
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                out.push(if b[i] == b'\n' { '\n' } else { ' ' });
                i += 1;
            }
            out.push_str("  ");
            i += 2;
        } else if b[i] == b'r' && matches!(b.get(i + 1), Some(b'"') | Some(b'#')) && !ident(b, i) {
            // A raw string: r"...", r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                out.push(b[i] as char);
                i += 1;
                continue;
            }
            let close: Vec<u8> = std::iter::once(b'"')
                .chain((0..hashes).map(|_| b'#'))
                .collect();
            j += 1;
            while j < b.len() && !b[j..].starts_with(&close) {
                j += 1;
            }
            j = (j + close.len()).min(b.len());
            out.push_str(&" ".repeat(j - i));
            i = j;
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            j = (j + 1).min(b.len());
            out.push_str(&" ".repeat(j - i));
            i = j;
        } else if b[i] == b'\'' && b.get(i + 2) == Some(&b'\'') {
            out.push_str("   ");
            i += 3;
        } else if b[i] == b'\'' && b.get(i + 1) == Some(&b'\\') {
            let mut j = i + 2;
            while j < b.len() && b[j] != b'\'' {
                j += 1;
            }
            j = (j + 1).min(b.len());
            out.push_str(&" ".repeat(j - i));
            i = j;
        } else {
            // Multi-byte characters are copied whole.
            let ch = src[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

fn ident(b: &[u8], i: usize) -> bool {
    i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')
}

/// The paths a piece of code names from `prefix` on (`crate::` or `super::`), each as its
/// segments, with grouped imports (`crate::{a::b, c}`) spread out; and how many inline modules
/// (`mod tests { ... }`) each was found in. Other braces (a struct's fields, a function's body)
/// do not count: `super::` inside them still means the parent module.
fn paths_after(code: &str, prefix: &str) -> Vec<(Vec<String>, usize)> {
    let b = code.as_bytes();
    let mut found = Vec::new();
    // One entry per open brace: whether it opens an inline module.
    let mut braces: Vec<bool> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' => braces.push(opens_module(&code[..i])),
            b'}' => {
                braces.pop();
            }
            _ => {}
        }
        let depth = braces.iter().filter(|m| **m).count();
        if code[i..].starts_with(prefix) && !ident(b, i) && (i == 0 || b[i - 1] != b':') {
            let (paths, end) = parse_tree(code, i + prefix.len());
            for p in paths {
                found.push((p, depth));
            }
            i = end;
            continue;
        }
        i += 1;
    }
    found
}

/// Whether the code before a `{` ends with `mod name`.
fn opens_module(before: &str) -> bool {
    let mut words = before.trim_end().rsplit(|c: char| c.is_whitespace());
    let name = words.next().unwrap_or("");
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && words.find(|w| !w.is_empty()) == Some("mod")
}

/// Parses a use tree from `at`: `a::b::c`, `a::{b, c::d}`, `{a, b}`; returns the paths and where
/// parsing stopped.
fn parse_tree(code: &str, at: usize) -> (Vec<Vec<String>>, usize) {
    let b = code.as_bytes();
    let mut i = at;
    let mut prefix: Vec<String> = Vec::new();
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < b.len() && b[i] == b'{' {
            let mut out = Vec::new();
            i += 1;
            loop {
                while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b',') {
                    i += 1;
                }
                if i >= b.len() || b[i] == b'}' {
                    i += 1;
                    break;
                }
                let (inner, end) = parse_tree(code, i);
                for p in inner {
                    let mut full = prefix.clone();
                    full.extend(p);
                    out.push(full);
                }
                if end == i {
                    i += 1;
                } else {
                    i = end;
                }
            }
            return (out, i);
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'*') {
            i += 1;
        }
        if i == start {
            return (vec![prefix], i);
        }
        prefix.push(code[start..i].to_string());
        if code[i..].starts_with("::") {
            i += 2;
        } else {
            return (vec![prefix], i);
        }
    }
}

/// The library file a module path leads to: the longest prefix of `path` that is a file.
fn file_of(path: &[String], files: &BTreeSet<PathBuf>) -> Option<PathBuf> {
    for n in (1..=path.len()).rev() {
        let dir: PathBuf = path[..n].iter().collect();
        for cand in [dir.with_extension("rs"), dir.join("mod.rs")] {
            if files.contains(&cand) {
                return Some(cand);
            }
        }
    }
    None
}

struct Edge {
    from: PathBuf,
    to: PathBuf,
    path: String,
}

/// Every import between library files (a file's imports of itself left out).
fn edges() -> Vec<Edge> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let list = library_files();
    let files: BTreeSet<PathBuf> = list.iter().cloned().collect();
    let mut out = Vec::new();
    for file in &list {
        let code = code_only(&std::fs::read_to_string(src.join(file)).unwrap());
        let me = module_of(file);
        let mut targets: Vec<Vec<String>> = paths_after(&code, "crate::")
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        // `super::` at the top of a file means the parent module; inside an inline module (a
        // file's tests) it means the file itself.
        for (p, depth) in paths_after(&code, "super::") {
            if depth == 0 && !me.is_empty() {
                let mut full = me[..me.len() - 1].to_vec();
                full.extend(p);
                targets.push(full);
            }
        }
        // Paths relative to the file's own module: `self::x`, and `child::x` for each module it
        // declares (`mod child;`).
        let mut children: Vec<String> = vec!["self".into()];
        for line in code.lines() {
            let l = line
                .trim()
                .trim_start_matches("pub ")
                .trim_start_matches("pub(crate) ");
            if let Some(name) = l.strip_prefix("mod ").and_then(|r| r.strip_suffix(';')) {
                children.push(name.trim().to_string());
            }
        }
        for child in children {
            for (p, depth) in paths_after(&code, &format!("{child}::")) {
                if depth == 0 || child != "self" {
                    let mut full = me.clone();
                    if child != "self" {
                        full.push(child.clone());
                    }
                    full.extend(p);
                    targets.push(full);
                }
            }
        }
        for t in targets {
            let Some(to) = file_of(&t, &files) else {
                continue;
            };
            if &to != file {
                out.push(Edge {
                    from: file.clone(),
                    to,
                    path: t.join("::"),
                });
            }
        }
    }
    out
}

#[test]
fn every_import_runs_down_the_layer_table() {
    let table = layer_table();
    let all = edges();
    // The reader is not blind: it sees the imports it must.
    assert!(all.len() > 100, "only {} imports found", all.len());
    assert!(
        all.iter()
            .any(|e| e.from == Path::new("site.rs") && e.to.starts_with("load")),
        "site.rs -> load/ not seen"
    );
    let mut wrong = Vec::new();
    for file in library_files() {
        let top = &module_of(&file)[0];
        assert!(
            table.contains_key(top),
            "src/{} belongs to `{top}`, which the layer table in docs/architecture.md does not list",
            file.display()
        );
    }
    for e in &all {
        let (from, to) = (&module_of(&e.from)[0], &module_of(&e.to)[0]);
        if from != to && table[to] >= table[from] {
            wrong.push(format!(
                "src/{} (`{from}`, layer {}) uses crate::{} (`{to}`, layer {})",
                e.from.display(),
                table[from],
                e.path,
                table[to]
            ));
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_files_import_each_other_in_a_circle() {
    let all = edges();
    let mut graph: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for e in &all {
        graph
            .entry(e.from.clone())
            .or_default()
            .insert(e.to.clone());
    }
    // Depth-first search; a back edge closes a circle.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        n: &PathBuf,
        graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        marks: &mut BTreeMap<PathBuf, Mark>,
        stack: &mut Vec<PathBuf>,
        circles: &mut Vec<String>,
    ) {
        marks.insert(n.clone(), Mark::Open);
        stack.push(n.clone());
        for m in graph.get(n).into_iter().flatten() {
            match marks.get(m) {
                Some(Mark::Open) => {
                    let at = stack.iter().position(|s| s == m).unwrap();
                    let names: Vec<String> = stack[at..]
                        .iter()
                        .chain([m])
                        .map(|p| p.display().to_string())
                        .collect();
                    circles.push(names.join(" -> "));
                }
                Some(Mark::Done) => {}
                None => visit(m, graph, marks, stack, circles),
            }
        }
        stack.pop();
        marks.insert(n.clone(), Mark::Done);
    }
    let mut marks = BTreeMap::new();
    let mut circles = Vec::new();
    for n in graph.keys() {
        if !marks.contains_key(n) {
            visit(n, &graph, &mut marks, &mut Vec::new(), &mut circles);
        }
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_reader_spreads_grouped_imports_and_skips_strings() {
    let code = code_only(
        "use crate::{a::{b, c::D}, e};\n// crate::f\nlet s = \"crate::g\";\nfn x() { crate::h::i(); }",
    );
    let paths: Vec<String> = paths_after(&code, "crate::")
        .into_iter()
        .map(|(p, _)| p.join("::"))
        .collect();
    assert_eq!(paths, ["a::b", "a::c::D", "e", "h::i"]);
}

#[test]
fn no_library_file_is_over_900_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut long = Vec::new();
    for file in library_files()
        .into_iter()
        .chain([PathBuf::from("main.rs"), PathBuf::from("lib.rs")])
    {
        let n = std::fs::read_to_string(src.join(&file))
            .unwrap()
            .lines()
            .count();
        if n > 900 {
            long.push(format!("src/{}: {n} lines", file.display()));
        }
    }
    assert!(
        long.is_empty(),
        "files over 900 lines:\n{}",
        long.join("\n")
    );
}
