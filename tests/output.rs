//! D. The output folder: written atomically, never somewhere that puts the site or someone's files
//! at risk.

mod common;

use common::{Site, TODAY, snapshot};

#[test]
fn failed_rebuild_leaves_the_previous_output_byte_identical() {
    let site = Site::minimal();
    site.build(&[]).assert_ok();
    let before = snapshot(&site.out());
    assert!(
        before.len() > 100,
        "first build wrote only {} entries",
        before.len()
    );

    site.write(
        "content/policies/access-control.md",
        "---\nid: POL-ACCESS\ntitle: [broken\n---\n",
    );
    site.build(&[])
        .assert_failed()
        .assert_stderr_has("content/policies/access-control.md:3:");
    let after = snapshot(&site.out());
    assert_eq!(
        before.len(),
        after.len(),
        "the failed build changed the number of output files"
    );
    for (path, bytes) in &before {
        assert!(
            after.get(path) == Some(bytes),
            "{} changed after a failed build",
            path.display()
        );
    }
}

#[test]
fn successful_rebuild_replaces_the_output_and_leaves_nothing_beside_it() {
    let site = Site::minimal();
    site.write(
        "content/policies/old.md",
        common::policy("POL-OLD", "Old Policy", "internal", &["iso27001:A.5.1"]),
    );
    site.build(&[]).assert_ok();
    assert!(site.out().join("policies/POL-OLD.html").is_file());

    site.remove("content/policies/old.md");
    site.build(&[]).assert_ok();
    assert!(
        !site.out().join("policies/POL-OLD.html").exists(),
        "a page of a deleted policy survived the rebuild"
    );
    assert!(site.out().join("policies/POL-ACCESS.html").is_file());

    // Beside the output: only its hidden folder of generations (publish.rs), holding the lock
    // and the generations kept, no staging or old folder.
    let beside: Vec<String> = std::fs::read_dir(&site.root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert_eq!(
        beside,
        [".public.crosswalk"],
        "staging or old folders left beside the output"
    );
    let home: Vec<String> = std::fs::read_dir(site.path(".public.crosswalk"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        home.iter().all(|n| n == "lock" || n.starts_with("gen-")),
        "{home:?}"
    );
}

/// Runs `build --output <dangerous>` from the site root and checks it is refused with nothing
/// anywhere in the temporary folder changed.
#[track_caller]
fn assert_output_refused(site: &Site, output: &str, why: &str) {
    let before = snapshot(site.outside());
    let r = site.run(&["build", "--root", ".", "--today", TODAY, "--output", output]);
    r.assert_failed()
        .assert_stderr_has("refusing output folder")
        .assert_stderr_has(why);
    let after = snapshot(site.outside());
    assert!(
        before == after,
        "`--output {output}` changed files although it was refused"
    );
}

#[test]
fn output_into_the_site_root_is_refused() {
    let site = Site::minimal();
    assert_output_refused(&site, ".", "site root");
}

#[test]
fn output_into_content_is_refused() {
    let site = Site::minimal();
    assert_output_refused(&site, "content", "content/");
    assert_output_refused(&site, "content/evidence/files", "content/");
}

#[test]
fn output_into_a_parent_of_the_site_is_refused() {
    let site = Site::minimal();
    assert_output_refused(&site, "..", "contains the site");
}

#[test]
fn output_into_mappings_or_themes_is_refused() {
    let site = Site::minimal();
    assert_output_refused(&site, "mappings", "mappings/");
    assert_output_refused(&site, "themes/default", "themes/");
}

#[test]
fn output_set_to_content_in_crosswalk_yaml_is_refused() {
    let site = Site::minimal();
    site.write(
        "crosswalk.yaml",
        format!("{}output: content\n", common::CONFIG),
    );
    let before = snapshot(site.outside());
    site.build(&[])
        .assert_failed()
        .assert_stderr_has("refusing output folder");
    assert!(
        before == snapshot(site.outside()),
        "refused build changed files"
    );
}

#[test]
fn foreign_non_empty_output_folder_is_refused_and_left_alone() {
    let site = Site::minimal();
    site.write("public/index.html", "<h1>my hand-made page</h1>");
    site.write("public/notes/todo.txt", "do not delete");
    let before = snapshot(&site.out());
    site.build(&[])
        .assert_failed()
        .assert_stderr_has("public")
        .assert_stderr_has("not written by crosswalk");
    assert!(
        before == snapshot(&site.out()),
        "files in a folder crosswalk did not create were touched"
    );
}

#[test]
fn empty_existing_output_folder_is_used() {
    let site = Site::minimal();
    std::fs::create_dir(site.out()).unwrap();
    site.build(&[]).assert_ok();
    assert!(site.out().join("index.html").is_file());
}

#[test]
fn output_outside_the_site_is_allowed() {
    let site = Site::minimal();
    let dest = site.outside().join("elsewhere/portal");
    site.build(&["--output", dest.to_str().unwrap()])
        .assert_ok();
    assert!(dest.join("index.html").is_file());
    assert!(!site.out().exists(), "wrote the default output as well");
}
