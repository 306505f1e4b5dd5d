//! `crosswalk completions <shell>` loaded by the real shells (Debian's bash, zsh and fish, which
//! .ci/run installs), each asked to complete a partial command line; and `crosswalk man`.

use std::path::Path;
use std::process::Command;

/// The script `crosswalk completions <shell>` prints, written to `file`.
fn script(shell: &str, file: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args(["completions", shell])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(file, &out.stdout).unwrap();
}

/// Runs `shell args...`, which must succeed with nothing on stderr; returns stdout.
fn run(shell: &str, args: &[&str]) -> String {
    let out = Command::new(shell)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{shell} is installed (.ci/run installs it): {e}"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && err.trim().is_empty(),
        "{shell} {args:?}: {}\n{err}",
        out.status
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn bash_loads_the_completions_and_completes_a_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crosswalk.bash");
    script("bash", &file);
    let out = run(
        "bash",
        &[
            "-c",
            &format!(
                "source {} && COMP_WORDS=(crosswalk bu); COMP_CWORD=1; COMP_LINE='crosswalk bu'; \
                 COMP_POINT=${{#COMP_LINE}}; _crosswalk crosswalk bu crosswalk; \
                 printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                file.display()
            ),
        ],
    );
    assert_eq!(out.lines().collect::<Vec<_>>(), ["build"]);
}

#[test]
fn zsh_loads_the_completions_and_registers_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("_crosswalk");
    script("zsh", &file);
    let out = run(
        "zsh",
        &[
            "-f",
            "-c",
            &format!(
                "autoload -U compinit && compinit -u -D && source {} && print -r -- $_comps[crosswalk]",
                file.display()
            ),
        ],
    );
    assert_eq!(out.trim(), "_crosswalk");
}

#[test]
fn fish_loads_the_completions_and_completes_subcommands_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crosswalk.fish");
    script("fish", &file);
    let sub = run(
        "fish",
        &[
            "--no-config",
            "-c",
            &format!("source {}; complete -C 'crosswalk bu'", file.display()),
        ],
    );
    assert!(sub.starts_with("build\t"), "{sub}");
    let flag = run(
        "fish",
        &[
            "--no-config",
            "-c",
            &format!(
                "source {}; complete -C 'crosswalk build --pro'",
                file.display()
            ),
        ],
    );
    assert!(flag.starts_with("--profile\t"), "{flag}");
}

#[test]
fn the_manual_page_names_every_subcommand() {
    let out = Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .arg("man")
        .output()
        .unwrap();
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains(".TH crosswalk 1"), "{page}");
    for sub in [
        "build",
        "check",
        "init",
        "frameworks",
        "map",
        "overlap",
        "gaps",
        "seal",
        "verify",
        "package",
        "review\\-pack",
        "completions",
    ] {
        assert!(
            page.contains(&format!("crosswalk\\-{sub}")) || page.contains(&format!(".TP\n{sub}")),
            "the manual does not name `{sub}`"
        );
    }
}

#[test]
fn each_subcommand_has_its_own_manual_page_and_an_unknown_one_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args(["man", "build"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains(".TH crosswalk-build 1"), "{page}");
    assert!(page.contains("\\fBcrosswalk build\\fR"), "{page}");
    assert!(page.contains("\\-\\-profile"), "{page}");
    let out = Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args(["man", "bulid"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no subcommand `bulid`") && err.contains("build"),
        "{err}"
    );
}

/// A page for every subcommand the command has, nested ones included: each page that lists
/// subcommands refers to pages `crosswalk man` can print, under the names it refers to them by.
#[test]
fn every_page_a_manual_page_refers_to_exists() {
    let man = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_crosswalk"))
            .arg("man")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "crosswalk man {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    // Follow the SEE ALSO references from the main page, breadth first.
    let mut todo = vec![String::from("crosswalk")];
    let mut seen = Vec::new();
    while let Some(title) = todo.pop() {
        let path: Vec<&str> = title.split('-').skip(1).collect();
        let joined = path.join("-");
        let page = if path.is_empty() {
            man(&[])
        } else {
            man(&[joined.as_str()])
        };
        assert!(page.contains(&format!(".TH {title} 1")), "{title}:\n{page}");
        for line in page.lines() {
            if let Some(name) = line.strip_suffix("(1)") {
                let name = name.replace("\\-", "-");
                if !seen.contains(&name) && name.starts_with("crosswalk-") {
                    seen.push(name.clone());
                    todo.push(name);
                }
            }
        }
    }
    for nested in [
        "crosswalk-import-comply",
        "crosswalk-oscal-export",
        "crosswalk-review-pack",
    ] {
        assert!(seen.iter().any(|s| s == nested), "{nested} in {seen:?}");
    }
    // The path may also be given as words.
    assert!(man(&["import", "markdown"]).contains(".TH crosswalk-import-markdown 1"));
}
