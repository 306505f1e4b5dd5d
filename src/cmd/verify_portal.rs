//! `crosswalk verify-portal DIR`: checks a portal against its signed claims manifest, offline,
//! with the key or the key's fingerprint the customer got out of band (docs/verifiable-portal.md).

use crosswalk::base::diagnostic::{Diagnostic, Diagnostics};
use crosswalk::base::rules;
use crosswalk::claims::fingerprint;
use crosswalk::claims::verify::{Trust, normalise_fingerprint, read_key, verify_portal};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("trust").args(["key", "fingerprint"])))]
pub struct Args {
    /// The portal: a build's output folder or a downloaded copy of it
    #[arg(required_unless_present = "print_fingerprint")]
    dir: Option<PathBuf>,
    /// The public key (PEM) the portal must be signed with
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// Trust the key shipped in the portal only if its fingerprint (SHA-256 of the raw 32-byte
    /// public key, hex) is this
    #[arg(long, value_name = "HEX")]
    fingerprint: Option<String>,
    /// Print the fingerprint of a key (public, or private: its public half) and exit
    #[arg(long, value_name = "KEY", conflicts_with_all = ["dir", "key", "fingerprint"])]
    print_fingerprint: Option<PathBuf>,
    /// Print nothing when the portal verifies
    #[arg(short, long)]
    quiet: bool,
}

pub fn run(a: Args) -> Result<ExitCode, Diagnostics> {
    if let Some(path) = &a.print_fingerprint {
        println!("{}", fingerprint(&read_key(path)?));
        return Ok(ExitCode::SUCCESS);
    }
    let dir = a.dir.unwrap_or_default();
    let trust = match (&a.key, &a.fingerprint) {
        (Some(k), _) => Trust::Key(read_key(k)?),
        (None, Some(f)) => {
            let f = normalise_fingerprint(f);
            if f.len() != 64 || !f.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Diagnostic::error(
                    "--fingerprint",
                    "a fingerprint is 64 hex digits (SHA-256 of the raw public key)",
                )
                .with_rule(rules::USAGE)
                .into());
            }
            Trust::Fingerprint(f)
        }
        (None, None) => {
            return Err(Diagnostic::error(
                &dir,
                "refusing to verify with the key the portal ships: anyone who altered the portal could have replaced it",
            )
            .with_rule(rules::PORTAL_CLAIMS)
            .with_hint("give the publisher's key with --key FILE, or its fingerprint, published out of band, with --fingerprint HEX")
            .into());
        }
    };
    let verified = verify_portal(&dir, &trust)?;
    for p in &verified.problems {
        println!("{p}");
    }
    let files = verified.claims.files.len();
    if verified.problems.is_empty() {
        if !a.quiet {
            println!(
                "{}: all {files} files match the claims manifest signed by key {}",
                dir.display(),
                verified.fingerprint
            );
        }
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "{}: {} of {files} files do not match the claims manifest (signature valid, key {})",
            dir.display(),
            verified.problems.len(),
            verified.fingerprint
        );
        Ok(ExitCode::from(1))
    }
}
