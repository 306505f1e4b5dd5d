//! The JSON every command prints for scripts: one object with `"schema_version"` first, then the
//! report's own fields. docs/json.md says what the version promises; docs/schemas/ holds one JSON
//! Schema per output, which `crosswalk schema` prints.

use serde::Serialize;

/// The version of every JSON output's shape. Adding a field keeps it; removing or renaming a
/// field, or changing what one means, bumps it (docs/json.md).
pub const SCHEMA_VERSION: u32 = 1;

/// A report with the schema version in front of its own fields.
#[derive(Serialize)]
pub struct Versioned<'a, T: Serialize> {
    pub schema_version: u32,
    #[serde(flatten)]
    pub report: &'a T,
}

/// `report` (a struct, serialised as an object) as pretty-printed JSON with `schema_version`
/// first, and a final newline.
pub fn versioned<T: Serialize>(report: &T) -> String {
    let v = Versioned {
        schema_version: SCHEMA_VERSION,
        report,
    };
    // Serialising plain structs of strings and numbers cannot fail.
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// A fraction (0-1) rounded to four decimals, as every JSON figure is.
pub fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_comes_first() {
        #[derive(Serialize)]
        struct R {
            a: u32,
            b: &'static str,
        }
        let s = versioned(&R { a: 1, b: "x" });
        assert_eq!(
            s,
            "{\n  \"schema_version\": 1,\n  \"a\": 1,\n  \"b\": \"x\"\n}\n"
        );
    }
}
