//! The built-in mappings and default theme, compiled into the binary so an installed `crosswalk`
//! works in any folder. A site's own `mappings/` and `themes/` add to or override these, file by file.

use include_dir::{Dir, include_dir};

pub static MAPPINGS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/mappings");
pub static THEMES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes");

/// How built-in files are named in messages, so they are never mistaken for a site's own.
pub const BUILTIN_PREFIX: &str = "<built-in>";

/// Built-in files directly inside `mappings/<sub>/`, as (file name, contents), sorted by name.
pub fn mapping_files(sub: &str) -> Vec<(String, &'static [u8])> {
    let mut files: Vec<(String, &'static [u8])> = MAPPINGS
        .get_dir(sub)
        .map(|d| {
            d.files()
                .filter_map(|f| {
                    let name = f.path().file_name()?.to_str()?.to_string();
                    Some((name, f.contents()))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

/// Every built-in file of theme `name`, as (path inside the theme, contents).
pub fn theme_files(name: &str) -> Vec<(String, &'static [u8])> {
    let mut out = Vec::new();
    if let Some(dir) = THEMES.get_dir(name) {
        collect(dir, name.len() + 1, &mut out);
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn collect(dir: &Dir<'static>, strip: usize, out: &mut Vec<(String, &'static [u8])>) {
    for f in dir.files() {
        let p = f.path().to_string_lossy().replace('\\', "/");
        out.push((p[strip..].to_string(), f.contents()));
    }
    for d in dir.dirs() {
        collect(d, strip, out);
    }
}
