//! `crosswalk.yaml`, the site's configuration.

use crate::base::diagnostic::Diagnostic;
use crate::base::rules;
use crate::model::{Classification, Date, Period, Unit, ValueError};
use serde::Deserialize;
use std::collections::BTreeMap;
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
    /// The profile a build uses when `--profile` is not given.
    #[serde(default = "default_profile")]
    pub default_profile: String,
    /// Named build profiles, each the highest classification it may show. `public`, `internal`
    /// and `confidential` always exist and mean what they say unless redefined here.
    #[serde(default)]
    pub profiles: BTreeMap<String, Classification>,
    /// Theme name: themes/<name>/ in the site, falling back to the built-in default theme.
    #[serde(default = "default_theme")]
    pub theme: String,
    /// Raw HTML in Markdown: `sanitise` (default: scripts, event handlers and `javascript:`
    /// URLs removed) or `trusted` (passed through; for repos whose every author is trusted).
    #[serde(default)]
    pub html: RawHtml,
    /// How evidence files reach the output: `link` (default: a hard link to the file in the site,
    /// falling back to a copy across file systems; no bytes written) or `copy`. With `link`, the
    /// published file and the site's file are one file: never edit the output in place.
    #[serde(default)]
    pub evidence_files: EvidenceFiles,
    /// The evidence ledger (append-only JSON lines), relative to the site root.
    #[serde(default = "default_ledger")]
    pub ledger: PathBuf,
    /// Ed25519 private key (PKCS#8 PEM) that `seal` signs with; $CROSSWALK_SIGNING_KEY overrides.
    /// Keep it out of the repository.
    #[serde(default)]
    pub signing_key: Option<PathBuf>,
    /// The matching public key (PEM), relative to the site root: `verify` checks signatures with
    /// it and the portal publishes it.
    #[serde(default)]
    pub public_key: Option<PathBuf>,
    /// Audits the evidence serves; `crosswalk package <id>` builds one auditor's package.
    #[serde(default)]
    pub audits: Vec<Audit>,
    /// Certification cycles: ISO stages, certificate and surveillance dates; SOC 2 report periods.
    #[serde(default)]
    pub certifications: Vec<Certification>,
    /// How a reader asks for what this build does not show (e.g. the SOC 2 report under NDA).
    #[serde(default)]
    pub request_access: Option<String>,
    /// Rows per page of the evidence library (default 500; 0: one page however long). A longer
    /// library is split into `evidence/index.html`, `evidence/page-2.html`, ...; its filters
    /// and sorting still work across every record.
    #[serde(default = "default_evidence_page_size")]
    pub evidence_page_size: usize,
    /// Show the pages of what is left to do per framework (`gaps/<slug>.html`) on public builds
    /// too; internal and confidential builds always have them.
    #[serde(default)]
    pub public_gaps: bool,
    /// The portal's public address (`https://trust.example.com/`): the updates feed needs
    /// absolute links, so without it a build writes no feed (the updates page still exists).
    #[serde(default)]
    pub base_url: Option<String>,
    /// The updates feed (`feed.xml`): its title and how many entries it carries.
    #[serde(default)]
    pub feed: FeedSettings,
    /// Where the request-access sentence's button points (a `mailto:` or `https:` URL).
    #[serde(default)]
    pub request_access_url: Option<String>,
    /// Who to write to: shown on the home page and in security.txt (docs/trust-center.md).
    #[serde(default)]
    pub contact: Option<crate::model::trust::Contact>,
    /// `/.well-known/security.txt` (RFC 9116), written when set (docs/trust-center.md).
    #[serde(default)]
    pub security_txt: Option<crate::model::trust::SecurityTxt>,
    /// What each profile discloses beyond its own items, by profile name (`public`, `internal`,
    /// `confidential` or a named profile; a named profile without an entry takes its level's).
    /// See docs/trust-center.md.
    #[serde(default)]
    pub disclose: BTreeMap<String, DiscloseEntry>,
    /// The file's text, kept to position diagnostics about its values.
    #[serde(skip)]
    pub source: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EvidenceFiles {
    #[default]
    Link,
    Copy,
}

/// One profile's `disclose:` entry, as written: what is not given takes the level's default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscloseEntry {
    #[serde(default)]
    pub coverage: Option<CoverageDisclosure>,
    #[serde(default)]
    pub health: Option<bool>,
    #[serde(default)]
    pub control_status: Option<bool>,
}

/// Whether a profile shows coverage figures computed from the whole ISMS.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CoverageDisclosure {
    /// Per framework and per control category, over every item whatever its classification:
    /// counts only, never an item.
    #[default]
    Aggregate,
    /// No coverage figure at all.
    None,
}

/// What a build discloses beyond the items its profile shows (`Config::disclosure`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Disclosure {
    /// Coverage figures per framework and per category, from the whole ISMS.
    pub coverage: CoverageDisclosure,
    /// ISMS health: overdue reviews, expired or expiring evidence, on the home page.
    pub health: bool,
    /// Each control's own status (covered, gap, ...), judged from the items this build shows.
    pub control_status: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawHtml {
    #[default]
    Sanitise,
    Trusted,
}

/// A framework's certification cycle (ISO) or attestation (SOC 2). See docs/isms-records.md.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certification {
    pub framework: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub accredited_by: Option<String>,
    #[serde(default)]
    pub certificate: Option<String>,
    #[serde(default)]
    pub stage1: Option<Date>,
    #[serde(default)]
    pub stage2: Option<Date>,
    #[serde(default)]
    pub issued: Option<Date>,
    #[serde(default)]
    pub surveillance: Vec<Date>,
    #[serde(default)]
    pub expires: Option<Date>,
    /// SOC 2: 1 or 2.
    #[serde(default, rename = "type")]
    pub report_type: Option<u8>,
    #[serde(default)]
    pub auditor: Option<String>,
    #[serde(default)]
    pub period_start: Option<Date>,
    #[serde(default)]
    pub period_end: Option<Date>,
    #[serde(default)]
    pub report_due: Option<Date>,
    /// What the certificate or report covers (services, sites), as the trust center shows it.
    #[serde(default)]
    pub scope: Option<String>,
}

impl Certification {
    /// The certificate's expiry: as given, or three years after issue.
    pub fn expiry(&self) -> Option<Date> {
        self.expires.or_else(|| {
            self.issued.map(|d| {
                d.plus(Period {
                    amount: 3,
                    unit: Unit::Years,
                })
            })
        })
    }

    /// Surveillance audit dates: as planned, or the first and second anniversaries of issue.
    pub fn surveillance_dates(&self) -> Vec<Date> {
        let Some(issued) = self.issued.filter(|_| self.surveillance.is_empty()) else {
            return self.surveillance.clone();
        };
        (1..=2)
            .map(|y| {
                issued.plus(Period {
                    amount: y,
                    unit: Unit::Years,
                })
            })
            .collect()
    }
}

/// The updates feed's settings (`feed:` in crosswalk.yaml).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedSettings {
    /// The feed's title; default: the portal's title and "updates".
    #[serde(default)]
    pub title: Option<String>,
    /// The newest entries the feed carries (default 50); the updates page lists them all.
    #[serde(default = "default_feed_entries")]
    pub entries: usize,
}

impl Default for FeedSettings {
    fn default() -> FeedSettings {
        FeedSettings {
            title: None,
            entries: default_feed_entries(),
        }
    }
}

fn default_feed_entries() -> usize {
    50
}

/// An audit: a framework and the period the auditor samples.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Audit {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    pub framework: String,
    pub start: Date,
    pub end: Date,
    #[serde(default)]
    pub auditor: Option<String>,
}

impl Audit {
    pub fn title(&self) -> String {
        self.title.clone().unwrap_or_else(|| self.id.clone())
    }
}

fn default_ledger() -> PathBuf {
    PathBuf::from("content/evidence/ledger.jsonl")
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

fn default_profile() -> String {
    "internal".into()
}

fn default_evidence_page_size() -> usize {
    500
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
            profiles: BTreeMap::new(),
            theme: default_theme(),
            html: RawHtml::Sanitise,
            evidence_files: EvidenceFiles::Link,
            ledger: default_ledger(),
            signing_key: None,
            public_key: None,
            audits: Vec::new(),
            certifications: Vec::new(),
            request_access: None,
            evidence_page_size: default_evidence_page_size(),
            public_gaps: false,
            base_url: None,
            feed: FeedSettings::default(),
            request_access_url: None,
            contact: None,
            security_txt: None,
            disclose: BTreeMap::new(),
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
                    .with_rule(rules::CONFIG)
                    .with_hint("run `crosswalk init DIR` to start a site, or pass --root DIR")
            } else {
                Diagnostic::error(&shown, format!("cannot read: {e}")).with_rule(rules::IO)
            }
        })?;
        let text = crate::base::text::decode_utf8(&bytes, &shown)?;
        Config::parse(text, &shown)
    }

    /// Parses the text of a `crosswalk.yaml`; `shown` names it in messages.
    pub fn parse(text: String, shown: &Path) -> Result<Config, Diagnostic> {
        if text.trim().is_empty() {
            return Err(Diagnostic::error(shown, "empty configuration file")
                .with_rule(rules::CONFIG)
                .with_hint("it needs at least `title:`"));
        }
        let mut config: Config = crate::base::yaml::parse(&text, shown, 1)?;
        config.source = text;
        if config.output.as_os_str().is_empty() {
            return Err(
                Diagnostic::error(shown, "`output` must not be empty").with_rule(rules::CONFIG)
            );
        }
        let mut ids = std::collections::HashSet::new();
        for a in &config.audits {
            let pos = crate::base::diagnostic::Pos::find(&config.source, &a.id, 0);
            if !ids.insert(a.id.as_str()) {
                return Err(
                    Diagnostic::error(shown, format!("duplicate audit id `{}`", a.id))
                        .with_rule(rules::DUPLICATE_ID)
                        .at(pos),
                );
            }
            if a.end < a.start {
                return Err(Diagnostic::error(
                    shown,
                    format!(
                        "audit `{}` ends ({}) before it starts ({})",
                        a.id, a.end, a.start
                    ),
                )
                .with_rule(rules::CONFIG)
                .at(pos));
            }
        }
        config.base_url = config
            .base_url
            .as_deref()
            .map(|u| {
                base_url(u).map_err(|m| {
                    Diagnostic::error(shown, format!("`base_url`: {m}"))
                        .with_rule(rules::CONFIG)
                        .at(crate::base::diagnostic::Pos::find(
                            &config.source,
                            "base_url:",
                            0,
                        ))
                        .with_hint("the portal's public address, e.g. `https://trust.example.com/`")
                })
            })
            .transpose()?;
        for name in config.disclose.keys() {
            config.profile(name).map_err(|m| {
                Diagnostic::error(shown, format!("`disclose`: {m}"))
                    .with_rule(rules::CONFIG)
                    .at(crate::base::diagnostic::Pos::find(
                        &config.source,
                        &format!("{name}:"),
                        config.source.find("disclose:").unwrap_or(0),
                    ))
            })?;
        }
        config.profile(&config.default_profile).map_err(|m| {
            Diagnostic::error(shown, format!("`default_profile`: {m}"))
                .with_rule(rules::CONFIG)
                .at(crate::base::diagnostic::Pos::find(
                    &config.source,
                    "default_profile:",
                    0,
                ))
        })?;
        Ok(config)
    }

    /// The feed's title: as configured, or the portal's title and "updates".
    pub fn feed_title(&self) -> String {
        self.feed
            .title
            .clone()
            .unwrap_or_else(|| format!("{}: updates", self.title))
    }

    /// What profile `name` discloses: its own `disclose:` entry, else (a named profile) its
    /// level's, each setting not given taking the level's default: coverage `aggregate`; ISMS
    /// health and each control's status shown below `public` only.
    pub fn disclosure(&self, name: &str) -> Result<Disclosure, ValueError> {
        let level = self.profile(name)?;
        let own = self.disclose.get(name);
        let of_level = self.disclose.get(level.as_str());
        let pick = |f: fn(&DiscloseEntry) -> Option<bool>, default: bool| {
            own.and_then(f)
                .or_else(|| of_level.and_then(f))
                .unwrap_or(default)
        };
        let above_public = level > Classification::Public;
        Ok(Disclosure {
            coverage: own
                .and_then(|e| e.coverage)
                .or_else(|| of_level.and_then(|e| e.coverage))
                .unwrap_or_default(),
            health: pick(|e| e.health, above_public),
            control_status: pick(|e| e.control_status, above_public),
        })
    }

    /// The highest classification profile `name` may show.
    pub fn profile(&self, name: &str) -> Result<Classification, ValueError> {
        if let Some(c) = self.profiles.get(name) {
            return Ok(*c);
        }
        name.parse::<Classification>().map_err(|_| {
            let mut known: Vec<&str> = vec!["public", "internal", "confidential"];
            known.extend(self.profiles.keys().map(String::as_str));
            known.sort();
            known.dedup();
            ValueError::new(format!(
                "unknown profile `{name}`: known profiles are {}",
                known.join(", ")
            ))
        })
    }
}

/// `base_url` checked and normalised: an `https://` address with a host, no query, fragment or
/// spaces, ending in `/` (so page paths are appended as they are).
fn base_url(url: &str) -> Result<String, ValueError> {
    let url = url.trim();
    let Some(rest) = url.strip_prefix("https://") else {
        return Err(ValueError::new(format!(
            "`{url}` is not an https:// address"
        )));
    };
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() || url.contains(['?', '#', ' ', '"', '<', '>', '\\']) {
        return Err(ValueError::new(format!(
            "`{url}` is not a plain address (a host, an optional path, no query or fragment)"
        )));
    }
    Ok(if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    })
}

#[cfg(test)]
mod feed_tests {
    use super::base_url;

    #[test]
    fn base_url_is_normalised_and_checked() {
        assert_eq!(base_url("https://a.example").unwrap(), "https://a.example/");
        assert_eq!(
            base_url("https://a.example/trust/").unwrap(),
            "https://a.example/trust/"
        );
        assert!(base_url("http://a.example").is_err());
        assert!(base_url("https:///x").is_err());
        assert!(base_url("https://a.example/?q=1").is_err());
    }
}
