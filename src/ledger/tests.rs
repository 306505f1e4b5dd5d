//! Tests of the ledger through a real ledger file: sealing, the chain it makes, torn lines
//! and their repair.

use crate::base::lock::Wait;
use crate::ledger::chain::{Current, verify_chain};
use crate::ledger::lines::{Line, read, torn_note};
use crate::ledger::repair::Repair;
use crate::ledger::seal::Ledger;
use ed25519_dalek::SigningKey;
use std::path::{Path, PathBuf};

fn lines_of(text: &str) -> Vec<Line> {
    let (l, d) = read(text, Path::new("ledger.jsonl"));
    assert!(d.is_empty(), "{d:?}");
    l
}

#[test]
fn chain_detects_edits_removals_and_swaps() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.jsonl");
    let cur = |id: &str, h: &str| Current {
        id: id.into(),
        path: format!("files/{id}"),
        sha256: h.into(),
        size: 1,
    };
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let vk = key.verifying_key();
    let l = open(&ledger, true);
    l.append(
        &[cur("a", "aa"), cur("b", "bb"), cur("c", "cc")],
        Some(&key),
        Some(&vk),
        "2026-11-23T00:00:00Z",
    )
    .unwrap();
    let text = std::fs::read_to_string(&ledger).unwrap();
    let lines = lines_of(&text);
    assert_eq!(lines.len(), 3);
    assert!(verify_chain(&lines, &ledger, Some(&vk)).is_empty());

    // Sealing again with nothing changed appends nothing.
    assert!(
        l.append(&[cur("a", "aa")], Some(&key), Some(&vk), "x")
            .unwrap()
            .is_empty()
    );
    assert_eq!(std::fs::read_to_string(&ledger).unwrap(), text);

    let raw: Vec<&str> = text.lines().collect();
    let removed = format!("{}\n{}\n", raw[0], raw[2]);
    let d = verify_chain(&lines_of(&removed), &ledger, Some(&vk));
    assert!(d.iter().any(|d| d.message.contains("removed")), "{d:?}");

    let swapped = format!("{}\n{}\n{}\n", raw[0], raw[2], raw[1]);
    let d = verify_chain(&lines_of(&swapped), &ledger, Some(&vk));
    assert!(
        d.iter().any(|d| d.message.contains("chain broken")),
        "{d:?}"
    );

    let edited = text.replacen("\"sha256\":\"bb\"", "\"sha256\":\"bc\"", 1);
    let d = verify_chain(&lines_of(&edited), &ledger, Some(&vk));
    assert!(
        d.iter().any(|d| d.message.contains("bad signature")),
        "{d:?}"
    );
    assert!(
        d.iter()
            .any(|d| d.message.contains("chain broken") && d.line == Some(3)),
        "{d:?}"
    );

    let other = SigningKey::from_bytes(&[8u8; 32]).verifying_key();
    let d = verify_chain(&lines, &ledger, Some(&other));
    assert_eq!(d.len(), 3, "{d:?}");
}

fn open(path: &Path, create: bool) -> Ledger {
    Ledger::open(path, Path::new("ledger.jsonl"), create, Wait::No, true)
        .unwrap()
        .unwrap()
}

/// A ledger of three unsigned lines for `a`, `b`, `c`, and its text.
fn three_lines(dir: &Path) -> (PathBuf, String) {
    let ledger = dir.join("ledger.jsonl");
    let cur = |id: &str| Current {
        id: id.into(),
        path: format!("files/{id}"),
        sha256: "00".into(),
        size: 1,
    };
    open(&ledger, true)
        .append(&[cur("a"), cur("b"), cur("c")], None, None, "t")
        .unwrap();
    let text = std::fs::read_to_string(&ledger).unwrap();
    (ledger, text)
}

#[test]
fn a_torn_last_line_names_its_line_column_and_the_repair() {
    let dir = tempfile::tempdir().unwrap();
    let (_, text) = three_lines(dir.path());
    let cut = &text[..text.len() - 20];
    let (lines, d) = read(cut, Path::new("ledger.jsonl"));
    assert_eq!(lines.len(), 2);
    assert_eq!(d.len(), 1, "{d:?}");
    let last = cut.lines().last().unwrap();
    assert_eq!(
        (d[0].line, d[0].column),
        (Some(3), Some(last.chars().count() + 1))
    );
    assert!(
        d[0].message
            .contains("ledger line 3 is not a valid entry: it is torn")
    );
    assert!(
        d[0].hint
            .as_ref()
            .unwrap()
            .contains("back to its last complete line, line 2"),
        "{d:?}"
    );
    // A complete entry missing only its newline is kept, and the error says so.
    let (lines, d) = read(text.trim_end(), Path::new("ledger.jsonl"));
    assert_eq!(lines.len(), 3);
    assert!(
        d[0].message.contains(
            "ledger line 3 has no newline at its end: its entry (seq 3, `c`) is complete"
        ),
        "{d:?}"
    );
    // With an earlier line damaged, the hint is git, not the repair.
    let damaged = cut.replacen("\"seq\":1", "\"seq\":x", 1);
    let (_, d) = read(&damaged, Path::new("ledger.jsonl"));
    assert_eq!(d.len(), 2, "{d:?}");
    assert!(d[1].hint.as_ref().unwrap().contains("git history"), "{d:?}");
    // A cut inside a multi-byte character: the bytes still show the torn line.
    let mut bytes = b"{\"seq\":1,\"id\":\"\xc3".to_vec();
    assert!(torn_note(&bytes, Path::new("l")).is_some());
    bytes.push(b'\n');
    assert!(torn_note(&bytes, Path::new("l")).is_none());
}

#[test]
fn append_refuses_a_torn_ledger_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, text) = three_lines(dir.path());
    let cut = &text[..text.len() - 20];
    std::fs::write(&ledger, cut).unwrap();
    let cur = Current {
        id: "d".into(),
        path: "files/d".into(),
        sha256: "00".into(),
        size: 1,
    };
    let d = open(&ledger, false)
        .append(&[cur], None, None, "t")
        .unwrap_err();
    assert!(d[0].message.contains("torn"), "{d:?}");
    assert_eq!(std::fs::read_to_string(&ledger).unwrap(), cut);
}

#[test]
fn repair_saves_and_cuts_off_torn_bytes_and_keeps_a_complete_entry() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, text) = three_lines(dir.path());
    let saves = dir.path().join("cache");
    std::fs::create_dir(&saves).unwrap();

    // Nothing to do on a whole ledger.
    let r = open(&ledger, false).repair(Some(&saves), 7).unwrap();
    assert_eq!(r, Repair::Nothing { lines: 3 });

    // A torn line: saved, cut off, the two complete lines kept byte for byte.
    let cut = &text[..text.len() - 20];
    std::fs::write(&ledger, cut).unwrap();
    let r = open(&ledger, false).repair(Some(&saves), 7).unwrap();
    let two = text
        .lines()
        .take(2)
        .map(|l| format!("{l}\n"))
        .collect::<String>();
    let Repair::Truncated {
        line,
        torn,
        saved,
        kept,
    } = r
    else {
        panic!("{r:?}")
    };
    assert_eq!((line, kept), (3, two.len() as u64));
    assert_eq!(torn, cut.as_bytes()[two.len()..]);
    assert_eq!(saved, Some(saves.join("ledger-torn-7.txt")));
    assert_eq!(
        std::fs::read(saves.join("ledger-torn-7.txt")).unwrap(),
        torn
    );
    assert_eq!(std::fs::read_to_string(&ledger).unwrap(), two);

    // A second save in the same second does not overwrite the first.
    std::fs::write(&ledger, cut).unwrap();
    let r = open(&ledger, false).repair(Some(&saves), 7).unwrap();
    assert!(
        matches!(&r, Repair::Truncated { saved: Some(p), .. } if p.ends_with("ledger-torn-7-1.txt")),
        "{r:?}"
    );

    // A complete entry without its newline gets the newline.
    std::fs::write(&ledger, text.trim_end()).unwrap();
    let r = open(&ledger, false).repair(None, 8).unwrap();
    assert_eq!(
        r,
        Repair::NewlineAdded {
            line: 3,
            seq: 3,
            id: "c".into()
        }
    );
    assert_eq!(std::fs::read_to_string(&ledger).unwrap(), text);
}

#[test]
fn repair_refuses_a_ledger_damaged_before_its_last_line() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, text) = three_lines(dir.path());
    let damaged = text[..text.len() - 20].replacen("\"seq\":2", "\"seq\":x", 1);
    std::fs::write(&ledger, &damaged).unwrap();
    let d = open(&ledger, false).repair(None, 7).unwrap_err();
    assert!(
        d.iter()
            .any(|d| d.message.starts_with("ledger line 2 is not a valid entry")),
        "{d:?}"
    );
    assert!(
        d.iter().any(|d| d.message.starts_with("not repaired")),
        "{d:?}"
    );
    assert_eq!(std::fs::read_to_string(&ledger).unwrap(), damaged);
}
