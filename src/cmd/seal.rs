use crate::Common;
use crosswalk::base::diagnostic::Diagnostics;
use crosswalk::base::lock::Wait;
use crosswalk::ledger::Repair;
use crosswalk::site::Site;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    /// Refuse at once, naming the holder, instead of waiting while another process seals
    #[arg(long)]
    no_wait: bool,
    /// Seal nothing: mend a ledger whose last line has no newline (a complete entry gets its
    /// newline; a torn line is saved to .crosswalk-cache/ if present, printed, and cut off)
    #[arg(long)]
    repair: bool,
}

pub fn run(a: Args) -> Result<ExitCode, Diagnostics> {
    let site = Site::open(&a.common.root)?;
    let wait = if a.no_wait { Wait::No } else { Wait::Yes };
    if a.repair {
        return repair(&site, wait, a.common.quiet);
    }
    let report = site.seal(&a.common.options(None), wait)?;
    if !a.common.quiet {
        for e in &report.appended {
            println!("sealed {:<28} {}  {}", e.id, &e.sha256[..16], e.path);
        }
        eprintln!(
            "{} new or changed artifact{} sealed into {}{}",
            report.appended.len(),
            if report.appended.len() == 1 { "" } else { "s" },
            report.ledger.display(),
            if report.signed {
                " (signed)"
            } else {
                " (unsigned)"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn repair(site: &Site, wait: Wait, quiet: bool) -> Result<ExitCode, Diagnostics> {
    let ledger = site.config.ledger.display();
    let repair = site.repair_ledger(wait, quiet)?;
    if quiet {
        return Ok(ExitCode::SUCCESS);
    }
    match repair {
        None => eprintln!("no ledger at {ledger}: nothing to repair"),
        Some(Repair::Nothing { lines }) => eprintln!(
            "{ledger} ends with a complete line ({lines} line{}): nothing to repair; `crosswalk verify` checks the rest",
            if lines == 1 { "" } else { "s" }
        ),
        Some(Repair::NewlineAdded { line, seq, id }) => eprintln!(
            "repaired {ledger}: line {line} (entry {seq}, `{id}`) was a complete entry without its newline; added the newline, the entry is kept"
        ),
        Some(Repair::Truncated {
            line,
            torn,
            saved,
            kept,
        }) => {
            eprintln!(
                "repaired {ledger}: moved the torn line {line} ({} bytes) out and cut the ledger back to its complete lines ({kept} bytes)",
                torn.len()
            );
            match saved {
                Some(p) => eprintln!(
                    "the torn bytes are saved in {} (and printed above)",
                    p.strip_prefix(&site.root).unwrap_or(&p).display()
                ),
                None => eprintln!(
                    "the torn bytes are printed above only: the site has no {}/ folder to save them in",
                    crosswalk::site::CACHE_DIR
                ),
            }
            eprintln!(
                "next: `crosswalk verify`, then `crosswalk seal` seals again what the torn line was sealing"
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
