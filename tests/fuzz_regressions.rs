//! Inputs the fuzz targets (fuzz/, docs/fuzzing.md) found, kept as plain tests so a fix stays
//! fixed without a fuzzer; and the committed seed corpus replayed through every parser, so the
//! seeds can never stop parsing without a test noticing.

use crosswalk::base::diagnostic::Diagnostic;
use crosswalk::ledger;
use crosswalk::load;
use crosswalk::model::DocKind;
use crosswalk::model::config::{Config, RawHtml};
use std::path::{Path, PathBuf};

/// What every diagnostic promises: it names the file it was given, and a position it carries is
/// 1-based and inside the file (at most one line past the last).
fn check(d: &Diagnostic, text: &str, path: &Path) {
    assert_eq!(d.path, path, "{d}");
    let lines = text.lines().count();
    if let Some(line) = d.line {
        assert!(
            (1..=lines + 1).contains(&line),
            "line {line} of {lines}: {d}"
        );
    }
    if let Some(column) = d.column {
        assert!(column >= 1, "{d}");
    }
}

/// Feeds `bytes` to the parser behind fuzz target `target`, as that target does, checking
/// every diagnostic. Panics are the failure this guards against.
fn run(target: &str, bytes: &[u8]) {
    let path = match target {
        "catalog" => Path::new("mappings/frameworks/x.yaml"),
        "crosswalk" => Path::new("mappings/crosswalks/a__b.yaml"),
        "config" => Path::new("crosswalk.yaml"),
        "evidence" => Path::new("content/evidence/x.yaml"),
        "ledger" => Path::new("content/evidence/ledger.jsonl"),
        _ => Path::new("content/policies/x.md"),
    };
    let text = match crosswalk::base::text::decode_utf8(bytes, path) {
        Ok(t) => t,
        Err(d) => return check(&d, &String::from_utf8_lossy(bytes), path),
    };
    let err = match target {
        "front_matter" => load::split_front_matter(&text).err().map(|(m, p)| {
            assert!(!m.is_empty() && p.line >= 1 && p.column >= 1);
            None
        }),
        "document" => Some(load::parse_document(DocKind::Policies, path, &text).err()),
        "evidence" => Some(load::parse_evidence(path, &text).err()),
        "catalog" => Some(load::parse_catalog(path, &text).err()),
        "crosswalk" => Some(load::parse_crosswalk(path, &text).err()),
        "config" => Some(Config::parse(text.clone(), path).err()),
        "ledger" => {
            let (lines, diags) = ledger::read(&text, path);
            for d in diags
                .iter()
                .chain(&ledger::verify_chain(&lines, path, None))
            {
                check(d, &text, path);
            }
            None
        }
        "markdown" => {
            crosswalk::render::markdown(&text, RawHtml::Trusted);
            crosswalk::render::markdown(&text, RawHtml::Sanitise);
            None
        }
        other => panic!("no fuzz target {other}"),
    };
    if let Some(Some(d)) = err {
        check(&d, &text, path);
    }
}

#[test]
fn the_seed_corpus_never_panics() {
    let seeds = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    let mut count = 0;
    for target in std::fs::read_dir(&seeds).expect("fuzz/seeds exists") {
        let target = target.unwrap().path();
        let name = target.file_name().unwrap().to_string_lossy().into_owned();
        for seed in std::fs::read_dir(&target).unwrap() {
            let seed = seed.unwrap().path();
            let bytes = std::fs::read(&seed).unwrap();
            let outcome = std::panic::catch_unwind(|| run(&name, &bytes));
            assert!(outcome.is_ok(), "seed {} panicked", seed.display());
            count += 1;
        }
    }
    assert!(count >= 8, "only {count} seeds found");
}

/// Fuzz target `ledger`: a ledger line with the largest `seq` followed by any line whose `prev`
/// does not match overflowed `prev_seq + 1` in `verify_chain` (a panic in debug builds, a wrong
/// message in release). `build` and `verify` both walk the chain.
#[test]
fn ledger_seq_at_u64_max_does_not_overflow() {
    let text = concat!(
        r#"{"seq":18446744073709551615,"id":"a","path":"p","sha256":"s","size":0,"sealed_at":"t","prev":"x"}"#,
        "\n",
        r#"{"seq":1,"id":"b","path":"p","sha256":"s","size":0,"sealed_at":"t","prev":"x"}"#,
        "\n",
    );
    let path = Path::new("content/evidence/ledger.jsonl");
    let (lines, diags) = ledger::read(text, path);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(lines.len(), 2);
    let diags = ledger::verify_chain(&lines, path, None);
    assert!(diags.iter().any(|d| d.line == Some(2)), "{diags:?}");
}

/// The same overflow on the other branch: line 2 chains correctly to line 1 (its `prev` is line
/// 1's hash) but line 1's `seq` is already the largest.
#[test]
fn ledger_seq_after_u64_max_on_an_intact_chain_does_not_overflow() {
    let first = r#"{"seq":18446744073709551615,"id":"a","path":"p","sha256":"s","size":0,"sealed_at":"t","prev":"0000000000000000000000000000000000000000000000000000000000000000"}"#;
    let second = format!(
        r#"{{"seq":1,"id":"b","path":"p","sha256":"s","size":0,"sealed_at":"t","prev":"{}"}}"#,
        ledger::line_hash(first)
    );
    let text = format!("{first}\n{second}\n");
    let path = Path::new("content/evidence/ledger.jsonl");
    let (lines, diags) = ledger::read(&text, path);
    assert!(diags.is_empty(), "{diags:?}");
    let diags = ledger::verify_chain(&lines, path, None);
    assert!(diags.iter().any(|d| d.line == Some(2)), "{diags:?}");
}

fn document_error(text: &str) -> Diagnostic {
    let path = Path::new("content/policies/x.md");
    let d = load::parse_document(DocKind::Policies, path, text).expect_err("not a valid document");
    check(&d, text, path);
    d
}

/// Fuzz targets `document`, `evidence`, `config`, `catalog` and `crosswalk` (every YAML one):
/// libyaml counts a lone `\r` (and U+0085, U+2028, U+2029) as a line break, so YAML errors were
/// placed on lines past the end of the file as editors, git and GitHub annotations count lines
/// (by `\n`): `\r #` as a catalog gave line 3 of a one-line file. The first five inputs are the
/// fuzzer's own (smallest found per target), the last three hand-made.
#[test]
fn yaml_errors_after_lone_line_breaks_stay_inside_the_file() {
    let inputs: [(&str, &[u8]); 8] = [
        (
            "document",
            b"---\n'''RRR)\r!0\xc2\xa96c.RRR)\r!d:0!,RRR)\r! \xc2\xa99cc\n---\n",
        ),
        ("evidence", b"\r{\t"),
        ("config", b"#\r#\r"),
        ("catalog", b"\r #"),
        ("crosswalk", b"\r\r."),
        ("document", b"---\nid: \"\r\r\r\r\n---\n"),
        (
            "document",
            "---\nid: \"\u{2028}\u{2028}\u{2028}\u{2028}\n---\n".as_bytes(),
        ),
        (
            "document",
            "---\nid: \"\u{85}\u{85}\u{85}\n---\n".as_bytes(),
        ),
    ];
    for (target, input) in inputs {
        run(target, input);
    }
}

/// `yaml::shift_lines` adds the front matter's offset to every "line N" in a message, including
/// ones the user wrote (a key quoted in "unknown field"): `line 18446744073709551615` overflowed.
#[test]
fn a_key_reading_line_usize_max_does_not_overflow() {
    let d = document_error("---\nline 18446744073709551615: x\n---\n");
    assert!(d.message.contains("unknown field"), "{d}");
}

/// The same: a user's own `line N` in a key is quoted as written, not renumbered.
#[test]
fn a_key_reading_line_n_is_quoted_as_written() {
    let d = document_error("---\nline 5: x\n---\n");
    assert!(d.message.contains("`line 5`"), "{d}");
}
