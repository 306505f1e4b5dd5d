//! Hostile sizes and shapes: each gets a clear message or a normal build, with bounded memory.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn write(root: &Path, rel: &str, text: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn site_with_body(body: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "crosswalk.yaml",
        b"title: Limits\nframeworks: [soc2]\n",
    );
    let policy = format!(
        "---\nid: POL-BIG\ntitle: Big\nowner: CISO\nversion: \"1\"\napproved: 2026-01-01\nreview_every: 12 months\nclassification: internal\ncontrols: [soc2:CC1.1]\n---\n{body}"
    );
    write(dir.path(), "content/policies/big.md", policy.as_bytes());
    dir
}

fn build(root: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args(["build", "--today", "2026-11-23", "--root"])
        .arg(root)
        .output()
        .unwrap()
}

#[test]
fn an_oversized_markdown_file_is_refused_with_a_clear_message() {
    // Over the 8 MiB document limit: refused before it is read whole, and nothing is written.
    let dir = site_with_body(&"All staff complete training. ".repeat(400_000));
    let o = build(dir.path());
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("content/policies/big.md: error: file is")
            && err.contains("over the limit of 8388608 bytes"),
        "{err}"
    );
    assert!(!dir.path().join("public").exists());
}

#[test]
fn very_long_lines_and_deeply_nested_lists_build() {
    let long_line = "x".repeat(3_000_000);
    let mut nested = String::new();
    for depth in 0..2_000 {
        nested.push_str(&"  ".repeat(depth));
        nested.push_str("- item\n");
    }
    let quotes = ">".repeat(5_000);
    let dir = site_with_body(&format!("{long_line}\n\n{nested}\n{quotes} deep quote\n"));
    let o = build(dir.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = fs::read_to_string(dir.path().join("public/policies/POL-BIG.html")).unwrap();
    assert!(page.contains(&long_line));
}

#[test]
fn deeply_nested_yaml_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "crosswalk.yaml", b"title: Limits\n");
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    write(
        dir.path(),
        "content/evidence/deep.yaml",
        format!("id: EV-1\ntitle: {deep}\n").as_bytes(),
    );
    let o = build(dir.path());
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    // Typed parsing stops at the first level that has the wrong shape: no recursion to exhaust.
    assert!(
        err.contains("content/evidence/deep.yaml:2:") && err.contains("invalid type: sequence"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}
