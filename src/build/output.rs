//! Where a build writes: any output but `serve`'s own is published as a generation
//! (`publish.rs`), under the output's lock; `serve`'s own output is updated in place.

use crate::base::diagnostic::Diagnostic;
use crate::base::lock::Wait;
use crate::build::publish::{Prepared, Publisher};
use crate::write::{self, Manifest, Writer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The output folder of a build.
pub struct OutputDir {
    /// The output's path, as `write::check_output_dir` accepted it.
    pub dest: PathBuf,
    /// `None` for `serve`'s own output.
    publisher: Option<Publisher>,
    /// A generation brought up to date with the published one, once one is needed.
    prepared: Option<Prepared>,
    /// Where the writer writes: a new generation, or the output itself.
    work: PathBuf,
}

impl OutputDir {
    /// Checks the output folder `output` of the site at `root`, and locks it unless it is
    /// this process's own (`own`). `no_wait`: refuse at once when another process holds it.
    pub fn open(
        root: &Path,
        output: &Path,
        own: bool,
        no_wait: bool,
        quiet: bool,
    ) -> Result<OutputDir, Diagnostic> {
        let dest = write::check_output_dir(root, output)?;
        let publisher = if own {
            None
        } else {
            let wait = if no_wait { Wait::No } else { Wait::Yes };
            Some(Publisher::new(&dest, wait, quiet)?)
        };
        Ok(OutputDir {
            work: dest.clone(),
            dest,
            publisher,
            prepared: None,
        })
    }

    /// Where pages are patched in place, and its manifest's text if at hand: a new generation
    /// (kept for the writer, should patching fail), or the output itself.
    pub fn to_patch(&mut self) -> Result<(PathBuf, Option<String>), Diagnostic> {
        match &mut self.publisher {
            Some(p) => {
                let prep = p.prepare()?;
                let patch = (prep.work.clone(), prep.current.clone());
                self.prepared = Some(prep);
                Ok(patch)
            }
            None => Ok((self.dest.clone(), None)),
        }
    }

    /// Publishes the generation `work` once its pages are patched.
    pub fn publish_patched(&mut self, work: &Path) -> Result<(), Diagnostic> {
        if let Some(p) = &self.publisher {
            p.publish(work, None)?;
            self.prepared = None;
        }
        Ok(())
    }

    /// A writer into a new generation brought up to date with the published one, or into
    /// `serve`'s own output, which `last` describes when this process wrote it.
    /// `linked`: evidence files are hard-linked rather than copied where possible.
    pub fn writer(
        &mut self,
        linked: bool,
        last: Option<Arc<Manifest>>,
    ) -> Result<Writer, Diagnostic> {
        let (work, known) = match &mut self.publisher {
            Some(p) => {
                let prep = match self.prepared.take() {
                    Some(prep) => prep,
                    None => p.prepare()?,
                };
                let known = prep.manifest();
                (prep.work, known)
            }
            None => (self.dest.clone(), last),
        };
        self.work = work;
        Writer::begin(&self.work, linked, self.publisher.is_none(), known)
    }

    /// Publishes what the writer finished, whose manifest is `manifest` (a generation; `serve`'s
    /// own output is already in place).
    pub fn publish(&self, manifest: &Manifest) -> Result<(), Diagnostic> {
        if let Some(p) = &self.publisher {
            p.publish(&self.work, Some(manifest))?;
        }
        Ok(())
    }
}
