//! `crosswalk.yaml`, the site's configuration.

use crate::diagnostic::Diagnostic;
use crate::model::{Classification, Period, Unit};
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const CONFIG_FILE: &str = "crosswalk.yaml";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub title: String,
    #[serde(default)]
    pub organisation: Option<String>,
    /// Framework slugs in scope: shown first, with coverage on the home page, and checked for gaps.
    #[serde(default)]
    pub frameworks: Vec<String>,
    /// Output folder, relative to the site root.
    #[serde(default = "default_output")]
    pub output: PathBuf,
    /// Evidence expiring within this window, and reviews due within it, are flagged as due soon.
    #[serde(default = "default_window")]
    pub due_soon: Period,
    /// The classification a build shows when no profile is given.
    #[serde(default = "default_profile")]
    pub default_profile: Classification,
    /// Theme name: themes/<name>/ in the site, falling back to the built-in default theme.
    #[serde(default = "default_theme")]
    pub theme: String,
    /// The file's text, kept to position diagnostics about its values.
    #[serde(skip)]
    pub source: String,
}

fn default_output() -> PathBuf {
    PathBuf::from("public")
}

fn default_window() -> Period {
    Period {
        amount: 30,
        unit: Unit::Days,
    }
}

fn default_profile() -> Classification {
    Classification::Internal
}

fn default_theme() -> String {
    "default".to_string()
}

impl Config {
    /// The configuration of a folder without `crosswalk.yaml`: no content, every built-in framework.
    pub fn empty() -> Config {
        Config {
            title: "crosswalk".into(),
            organisation: None,
            frameworks: Vec::new(),
            output: default_output(),
            due_soon: default_window(),
            default_profile: default_profile(),
            theme: default_theme(),
            source: String::new(),
        }
    }

    /// Reads `crosswalk.yaml` from `root`.
    pub fn load(root: &Path) -> Result<Config, Diagnostic> {
        let path = root.join(CONFIG_FILE);
        let shown = PathBuf::from(CONFIG_FILE);
        let bytes = std::fs::read(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Diagnostic::error(&shown, format!("no {CONFIG_FILE} in {}", root.display()))
                    .with_hint("run `crosswalk init DIR` to start a site, or pass --root DIR")
            } else {
                Diagnostic::error(&shown, format!("cannot read: {e}"))
            }
        })?;
        let text = crate::load::decode_utf8(&bytes, &shown)?;
        if text.trim().is_empty() {
            return Err(Diagnostic::error(&shown, "empty configuration file")
                .with_hint("it needs at least `title:`"));
        }
        let mut config: Config = crate::yaml::parse(&text, &shown, 1)?;
        config.source = text;
        if config.output.as_os_str().is_empty() {
            return Err(Diagnostic::error(&shown, "`output` must not be empty"));
        }
        Ok(config)
    }
}
