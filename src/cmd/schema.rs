//! `crosswalk schema [NAME]`: prints one of the JSON Schemas of the JSON outputs (docs/schemas/,
//! compiled into the binary), or lists them.

use crate::Common;
use crosswalk::base::diagnostic::Diagnostics;
use std::process::ExitCode;

/// Each shipped schema: its name, the output it describes, and its text.
const SCHEMAS: [(&str, &str, &str); 6] = [
    (
        "check",
        "crosswalk check --format json",
        include_str!("../../docs/schemas/check.schema.json"),
    ),
    (
        "coverage",
        "crosswalk coverage --format json",
        include_str!("../../docs/schemas/coverage.schema.json"),
    ),
    (
        "diff",
        "crosswalk diff <rev> --format json",
        include_str!("../../docs/schemas/diff.schema.json"),
    ),
    (
        "evidence",
        "crosswalk evidence --format json",
        include_str!("../../docs/schemas/evidence.schema.json"),
    ),
    (
        "gaps",
        "crosswalk gaps FRAMEWORK --format json",
        include_str!("../../docs/schemas/gaps.schema.json"),
    ),
    (
        "overlap",
        "crosswalk overlap --format json",
        include_str!("../../docs/schemas/overlap.schema.json"),
    ),
];

const NAMES: [&str; SCHEMAS.len()] = {
    let mut names = [""; SCHEMAS.len()];
    let mut i = 0;
    while i < SCHEMAS.len() {
        names[i] = SCHEMAS[i].0;
        i += 1;
    }
    names
};

#[derive(clap::Args)]
pub struct Args {
    /// The schema to print; without one, the list
    #[arg(value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(NAMES))]
    name: Option<String>,
    #[command(flatten)]
    common: Common,
}

pub fn run(a: Args) -> Result<ExitCode, Diagnostics> {
    let _ = &a.common;
    let out = match a.name.as_deref() {
        Some(name) => SCHEMAS
            .iter()
            .find(|s| s.0 == name)
            .map(|s| s.2.to_string())
            .unwrap_or_default(),
        None => {
            let mut out = String::new();
            for (name, output, _) in SCHEMAS {
                out.push_str(&format!(
                    "{name:<10} {output:<40} docs/schemas/{name}.schema.json\n"
                ));
            }
            out
        }
    };
    super::print_stdout(&out)
}
