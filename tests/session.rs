//! `serve`'s session (`incremental::Session`, lent to each build): when the watcher names the files that changed, a rebuild
//! re-reads only those and takes the rest from memory. After every kind of edit, named as the
//! watcher would name it, the output must equal a clean build byte for byte.

mod common;

use common::{assert_same_as_clean, write_file};
use crosswalk::model::Date;
use crosswalk::site::{Options, Session, Site};
use std::cell::RefCell;
use std::fs;

fn policy(id: &str, title: &str, owner: &str, class: &str, controls: &str, body: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: {title}\nowner: {owner}\nversion: \"1\"\napproved: 2026-06-01\nreview_every: 12 months\nclassification: {class}\ncontrols: [{controls}]\n---\n{body}\n"
    )
}

fn records(title: &str, controls: &str) -> String {
    format!(
        "- id: EV-A\n  title: {title}\n  owner: Security\n  collected: 2026-10-01\n  valid_for: 1 year\n  classification: internal\n  controls: [{controls}]\n  file: content/evidence/files/a.txt\n- id: EV-B\n  title: Second\n  owner: Security\n  collected: 2025-01-01\n  valid_for: 1 year\n  classification: internal\n  controls: [soc2:CC7.2]\n  url: https://example.com/b\n"
    )
}

/// An edit: what it is, how it is made, and the paths the watcher names for it.
type Step<'a> = (&'a str, Box<dyn Fn() + 'a>, Vec<&'a str>);

struct Served {
    root: std::path::PathBuf,
    out: std::path::PathBuf,
    opts: Options,
    session: RefCell<Session>,
}

impl Served {
    /// Builds as `serve` does after the watcher named `changed`.
    fn rebuild(&self, changed: &[&str]) {
        let names: Vec<String> = changed.iter().map(|s| s.to_string()).collect();
        self.session.borrow_mut().changed(&self.root, &names);
        let site = Site::open(&self.root).unwrap();
        let mut session = self.session.borrow_mut();
        if let Err(ds) = site.build_with(&self.opts, Some(&mut session), Some(&self.out)) {
            panic!("build failed: {:?}", ds.sorted());
        }
        // The manifest and stamp are written while the page reloads; serve's next build waits
        // for them, and so does a comparison.
        session.settle();
    }

    fn write(&self, rel: &str, text: &str) {
        write_file(&self.root, rel, text);
    }
}

#[test]
fn rebuilds_from_the_session_match_clean_builds() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site").canonicalize().unwrap_or_else(|_| {
        fs::create_dir_all(dir.path().join("site")).unwrap();
        dir.path().join("site").canonicalize().unwrap()
    });
    let out = dir.path().join("out");
    let stamps = dir.path().join("stamps");
    fs::create_dir_all(&stamps).unwrap();
    // With the ledger's public key, which every build publishes.
    write_file(
        &root,
        "crosswalk.yaml",
        "title: Session\nframeworks: [iso27001, soc2]\npublic_key: keys/ledger-public-key.pem\n",
    );
    write_file(
        &root,
        "keys/ledger-public-key.pem",
        &fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/keys/ledger-public-key.pem"
        ))
        .unwrap(),
    );
    let a = |title: &str, owner: &str, class: &str, controls: &str, body: &str| {
        policy("POL-A", title, owner, class, controls, body)
    };
    write_file(
        &root,
        "content/policies/a.md",
        &a("Access", "CISO", "internal", "iso27001:A.5.15", "Text."),
    );
    write_file(
        &root,
        "content/policies/b.md",
        &policy(
            "POL-B",
            "Backup",
            "CTO",
            "internal",
            "iso27001:A.8.13, soc2:A1.2",
            "Backup.",
        ),
    );
    write_file(&root, "content/evidence/files/a.txt", "one\n");
    write_file(
        &root,
        "content/evidence/ev.yaml",
        &records("First", "iso27001:A.5.18"),
    );
    // Files on either side of ev.yaml, so its records must keep their place in the order.
    for (file, id) in [("aa", "EV-0"), ("zz", "EV-Z")] {
        write_file(
            &root,
            &format!("content/evidence/{file}.yaml"),
            &format!(
                "- id: {id}\n  title: Side {id}\n  owner: IT\n  collected: 2026-09-01\n  valid_for: 1 year\n  classification: internal\n  controls: [iso27001:A.5.18]\n  url: https://example.com/{id}\n"
            ),
        );
    }
    let session = RefCell::new(Session::default());
    let served = Served {
        root: root.clone(),
        out: out.clone(),
        opts: Options {
            today: Some(Date::parse(common::TODAY).unwrap()),
            quiet: true,
            stamp_dir: Some(stamps),
            private_output: true,
            ..Options::default()
        },
        session,
    };
    served.rebuild(&[]);
    assert_same_as_clean(&root, &out, dir.path(), "the first build");

    let steps: Vec<Step> = vec![
        (
            "an owner",
            Box::new(|| {
                served.write(
                    "content/policies/a.md",
                    &a("Access", "CEO", "internal", "iso27001:A.5.15", "Text."),
                )
            }),
            vec!["content/policies/a.md"],
        ),
        (
            "a body",
            Box::new(|| {
                served.write(
                    "content/policies/a.md",
                    &a("Access", "CEO", "internal", "iso27001:A.5.15", "New text."),
                )
            }),
            vec!["content/policies/a.md"],
        ),
        (
            "a title and controls",
            Box::new(|| {
                served.write(
                    "content/policies/a.md",
                    &a(
                        "Access control",
                        "CEO",
                        "internal",
                        "iso27001:A.5.15, soc2:CC6.1",
                        "New text.",
                    ),
                )
            }),
            vec!["content/policies/a.md"],
        ),
        (
            "a classification above the profile",
            Box::new(|| {
                served.write(
                    "content/policies/a.md",
                    &a(
                        "Access control",
                        "CEO",
                        "confidential",
                        "iso27001:A.5.15",
                        "New text.",
                    ),
                )
            }),
            vec!["content/policies/a.md"],
        ),
        (
            "a classification back",
            Box::new(|| {
                served.write(
                    "content/policies/a.md",
                    &a(
                        "Access control",
                        "CEO",
                        "public",
                        "iso27001:A.5.15",
                        "New text.",
                    ),
                )
            }),
            vec!["content/policies/a.md"],
        ),
        (
            "an evidence record",
            Box::new(|| {
                served.write(
                    "content/evidence/ev.yaml",
                    &records("Renamed", "iso27001:A.5.18, soc2:CC6.1"),
                )
            }),
            vec!["content/evidence/ev.yaml"],
        ),
        (
            "an evidence file losing a record",
            Box::new(|| {
                let text = records("Renamed", "iso27001:A.5.18");
                let first = &text[..text.find("- id: EV-B").unwrap()];
                served.write("content/evidence/ev.yaml", first)
            }),
            vec!["content/evidence/ev.yaml"],
        ),
        (
            "a broken evidence file, then fixed with a record more",
            Box::new(|| {
                served.write("content/evidence/ev.yaml", "- id: EV-A\n  title: [\n");
                let names = vec!["content/evidence/ev.yaml".to_string()];
                served.session.borrow_mut().changed(&root, &names);
                let site = Site::open(&root).unwrap();
                assert!(site.build(&served.opts, Some(&out)).is_err());
                served.write(
                    "content/evidence/ev.yaml",
                    &records("Again", "iso27001:A.5.18, soc2:CC6.1"),
                );
            }),
            vec!["content/evidence/ev.yaml"],
        ),
        (
            "an artifact",
            Box::new(|| served.write("content/evidence/files/a.txt", "two\n")),
            vec!["content/evidence/files/a.txt"],
        ),
        (
            "an editor's temporary file that came and went, with an edit",
            Box::new(|| {
                served.write("content/policies/b.md.swp.x", "scratch");
                fs::remove_file(root.join("content/policies/b.md.swp.x")).unwrap();
                served.write(
                    "content/policies/b.md",
                    &policy(
                        "POL-B",
                        "Backups",
                        "CTO",
                        "internal",
                        "iso27001:A.8.13",
                        "Backup.",
                    ),
                );
            }),
            vec!["content/policies/b.md.swp.x", "content/policies/b.md"],
        ),
        (
            "a new policy",
            Box::new(|| {
                served.write(
                    "content/policies/c.md",
                    &policy(
                        "POL-C",
                        "Crypto",
                        "CTO",
                        "internal",
                        "iso27001:A.8.24",
                        "Keys.",
                    ),
                )
            }),
            vec!["content/policies/c.md"],
        ),
        (
            "a new folder of policies",
            Box::new(|| {
                served.write(
                    "content/policies/more/d.md",
                    &policy(
                        "POL-D",
                        "Devices",
                        "CTO",
                        "internal",
                        "iso27001:A.8.1",
                        "Devices.",
                    ),
                )
            }),
            vec!["content/policies/more"],
        ),
        (
            "a deleted policy",
            Box::new(|| fs::remove_file(root.join("content/policies/b.md")).unwrap()),
            vec!["content/policies/b.md"],
        ),
        (
            "a deleted folder",
            Box::new(|| fs::remove_dir_all(root.join("content/policies/more")).unwrap()),
            vec!["content/policies/more"],
        ),
        (
            "a broken file, then fixed",
            Box::new(|| {
                served.write("content/policies/a.md", "---\nid: POL-A\n");
                let names = vec!["content/policies/a.md".to_string()];
                served.session.borrow_mut().changed(&root, &names);
                let site = Site::open(&root).unwrap();
                assert!(site.build(&served.opts, Some(&out)).is_err());
                served.write(
                    "content/policies/a.md",
                    &a("Access", "CISO", "internal", "iso27001:A.5.15", "Fixed."),
                );
            }),
            vec!["content/policies/a.md"],
        ),
    ];
    for (what, edit, named) in &steps {
        edit();
        served.rebuild(named);
        assert_same_as_clean(&root, &out, dir.path(), &format!("an edit of {what}"));
    }
}

/// The session trusts the watcher: a file it did not name is not read again. (This is what
/// makes a rebuild cheap; `serve` rebuilds from scratch when the watcher reports dropped
/// events.) Named, the change shows.
#[test]
fn a_session_reads_again_only_the_files_named() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("site")).unwrap();
    let root = dir.path().join("site").canonicalize().unwrap();
    let out = dir.path().join("out");
    write_file(
        &root,
        "crosswalk.yaml",
        "title: Session\nframeworks: [soc2]\n",
    );
    let rel = "content/policies/a.md";
    write_file(
        &root,
        rel,
        &policy("POL-A", "Before", "CISO", "public", "soc2:CC6.1", "Text."),
    );
    let other = "content/policies/b.md";
    write_file(
        &root,
        other,
        &policy("POL-B", "B", "CISO", "public", "soc2:CC6.1", "B."),
    );
    let session = RefCell::new(Session::default());
    let opts = Options {
        today: Some(Date::parse(common::TODAY).unwrap()),
        quiet: true,
        ..Options::default()
    };
    let build = |names: &[&str]| {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let mut session = session.borrow_mut();
        session.changed(&root, &names);
        Site::open(&root)
            .unwrap()
            .build_with(&opts, Some(&mut session), Some(&out))
            .unwrap();
        fs::read_to_string(out.join("policies/POL-A.html")).unwrap()
    };
    assert!(build(&[]).contains("Before"));
    // Another file changed and is named; this one changed without an event.
    write_file(
        &root,
        rel,
        &policy("POL-A", "After", "CISO", "public", "soc2:CC6.1", "Text."),
    );
    write_file(
        &root,
        other,
        &policy("POL-B", "B2", "CISO", "public", "soc2:CC6.1", "B."),
    );
    let page = build(&[other]);
    assert!(page.contains("Before") && !page.contains("After"));
    let b = fs::read_to_string(out.join("policies/POL-B.html")).unwrap();
    assert!(b.contains("B2"));
    // Named: read again.
    let page = build(&[rel]);
    assert!(page.contains("After") && !page.contains("Before"));
}
