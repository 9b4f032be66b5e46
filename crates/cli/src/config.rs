//! The configuration file (`--config FILE` / `SPOTCHECK_CONFIG`): TOML, every key optional,
//! unknown keys refused by name. A value given on the command line or in an environment variable
//! wins over the file, and the file wins over the built-in default. `docs/spotcheck.example.toml`
//! documents every key.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use serde::Deserialize;
use spotcheck_core::rules::RulesConfig;
use spotcheck_web::WebConfig;

use crate::logging::LogFormat;
use crate::{Cli, Command};

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub log: LogSettings,
    pub session: SessionSettings,
    pub lockout: LockoutSettings,
    /// Rates, ratios and due days of the spot checks (RULES.md); missing keys keep the Urumqi
    /// values of [`RulesConfig::default`].
    pub rules: RulesConfig,
}

/// `[server]`: `spotcheck serve` only.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// `--listen` / `SPOTCHECK_LISTEN`.
    pub listen: Option<String>,
    /// `--secure-cookies` / `SPOTCHECK_SECURE_COOKIES`.
    pub secure_cookies: Option<bool>,
    /// `--job-interval` / `SPOTCHECK_JOB_INTERVAL`, in seconds.
    pub job_interval: Option<f64>,
}

/// `[database]`: every command.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `--database-url` / `SPOTCHECK_DATABASE_URL`.
    pub url: Option<String>,
    /// `--data-dir` / `SPOTCHECK_DATA_DIR`; a relative path is taken from the file's folder.
    pub data_dir: Option<PathBuf>,
}

/// `[log]`: every command.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `--log-format` / `SPOTCHECK_LOG_FORMAT`.
    pub format: Option<LogFormat>,
    /// `SPOTCHECK_LOG`: a tracing filter such as `info,sqlx=warn`.
    pub filter: Option<String>,
}

/// `[session]`: how long a login lasts.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    /// Minutes without a request after which a session ends (default 30).
    pub idle_minutes: Option<u32>,
    /// Minutes after the login at which a session ends whatever happens (default 720).
    pub absolute_minutes: Option<u32>,
}

/// `[lockout]`: failed logins.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LockoutSettings {
    /// Failed logins in a row that lock an account (default 5).
    pub max_failures: Option<u32>,
    /// Minutes the account stays locked (default 15).
    pub lock_minutes: Option<u32>,
}

impl Settings {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> anyhow::Result<Settings> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the configuration file {}", path.display()))?;
        let mut settings = Settings::parse(&text)
            .with_context(|| format!("in the configuration file {}", path.display()))?;
        if let Some(dir) = &settings.database.data_dir {
            if dir.is_relative() {
                let base = path.parent().unwrap_or(Path::new("."));
                settings.database.data_dir = Some(base.join(dir));
            }
        }
        Ok(settings)
    }

    /// Parses and checks the text of a configuration file.
    pub fn parse(text: &str) -> anyhow::Result<Settings> {
        let settings: Settings = toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> anyhow::Result<()> {
        if let Err(problem) = self.rules.validate() {
            bail!("[rules] {problem}");
        }
        let session = &self.session;
        if session.idle_minutes == Some(0) || session.absolute_minutes == Some(0) {
            bail!("[session] idle_minutes and absolute_minutes must be at least 1");
        }
        let policy = self.web_config().session;
        if policy.idle > policy.absolute {
            bail!(
                "[session] idle_minutes ({}) is longer than absolute_minutes ({})",
                policy.idle.num_minutes(),
                policy.absolute.num_minutes()
            );
        }
        if self.lockout.max_failures == Some(0) || self.lockout.lock_minutes == Some(0) {
            bail!("[lockout] max_failures and lock_minutes must be at least 1");
        }
        if let Some(filter) = &self.log.filter {
            tracing_subscriber::EnvFilter::try_new(filter)
                .map_err(|e| anyhow::anyhow!("[log] filter {filter:?}: {e}"))?;
        }
        if self
            .server
            .listen
            .as_deref()
            .is_some_and(|l| l.trim().is_empty())
        {
            bail!("[server] listen must not be empty (e.g. \"127.0.0.1:8080\")");
        }
        if self
            .database
            .url
            .as_deref()
            .is_some_and(|u| u.trim().is_empty())
        {
            bail!(
                "[database] url must not be empty: leave it out to use the SQLite file in data_dir"
            );
        }
        Ok(())
    }

    /// The web layer's settings: the file's values over the defaults (`secure_cookies` is set by
    /// the caller from the merged command line).
    pub fn web_config(&self) -> WebConfig {
        let mut config = WebConfig::default();
        let minutes = |m: u32| chrono::Duration::minutes(i64::from(m));
        if let Some(m) = self.session.idle_minutes {
            config.session.idle = minutes(m);
        }
        if let Some(m) = self.session.absolute_minutes {
            config.session.absolute = minutes(m);
        }
        if let Some(n) = self.lockout.max_failures {
            config.lockout.max_failures = i64::from(n);
        }
        if let Some(m) = self.lockout.lock_minutes {
            config.lockout.lock_for = minutes(m);
        }
        config.rules = self.rules.clone();
        config.secure_cookies = self.server.secure_cookies.unwrap_or(false);
        config
    }
}

/// Parses the command line, then reads the configuration file it names (if any) and fills in
/// what neither the command line nor the environment gave.
pub fn parse() -> anyhow::Result<Cli> {
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let Some(path) = cli.config.clone() {
        let settings = Settings::load(&path)?;
        apply(&mut cli, &matches, &settings);
        cli.settings = settings;
    }
    Ok(cli)
}

/// True when the user gave the argument (on the command line or in its environment variable).
fn given(matches: &ArgMatches, id: &str) -> bool {
    matches!(
        matches.value_source(id),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    )
}

fn apply(cli: &mut Cli, matches: &ArgMatches, settings: &Settings) {
    if let Some(dir) = &settings.database.data_dir {
        if !given(matches, "data_dir") {
            cli.data_dir = dir.clone();
        }
    }
    if cli.database_url.is_none() {
        cli.database_url = settings.database.url.clone();
    }
    if cli.log_format.is_none() {
        cli.log_format = settings.log.format;
    }
    if let (
        Command::Serve {
            listen,
            secure_cookies,
            job_interval,
            ..
        },
        Some(("serve", serve)),
    ) = (&mut cli.command, matches.subcommand())
    {
        if let Some(l) = &settings.server.listen {
            if !given(serve, "listen") {
                *listen = l.clone();
            }
        }
        if let Some(s) = settings.server.secure_cookies {
            if !given(serve, "secure_cookies") {
                *secure_cookies = s;
            }
        }
        if let Some(j) = settings.server.job_interval {
            if !given(serve, "job_interval") {
                *job_interval = j;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../docs/spotcheck.example.toml");

    #[test]
    fn the_example_file_parses_and_sets_every_section() {
        let settings = Settings::parse(EXAMPLE).expect("the example parses");
        assert_eq!(settings.server.listen.as_deref(), Some("0.0.0.0:8080"));
        assert_eq!(settings.server.secure_cookies, Some(true));
        assert!(settings
            .database
            .url
            .as_deref()
            .is_some_and(|u| u.starts_with("postgres://")));
        assert_eq!(settings.log.format, Some(LogFormat::Json));
        assert_eq!(settings.rules, RulesConfig::default());
        let web = settings.web_config();
        assert_eq!(web.session.idle, chrono::Duration::minutes(30));
        assert_eq!(web.session.absolute, chrono::Duration::minutes(720));
        assert_eq!(web.lockout.max_failures, 5);
        assert_eq!(web.lockout.lock_for, chrono::Duration::minutes(15));
        assert!(web.secure_cookies);
    }

    /// Every key there is appears in the example, set (so that the test above reads it), with a
    /// comment right above it.
    #[test]
    fn every_key_is_in_the_example_with_a_comment() {
        let mut previous = "";
        let mut keys = Vec::new();
        for line in EXAMPLE.lines().map(str::trim) {
            if !line.is_empty() && !line.starts_with('#') && !line.starts_with('[') {
                assert!(
                    previous.starts_with('#'),
                    "the key line {line:?} has no comment right above it"
                );
                keys.push(line.split('=').next().unwrap_or("").trim().to_string());
            }
            previous = line;
        }
        let rules = toml::Value::try_from(RulesConfig::default()).expect("rules as TOML");
        let rule_keys = rules.as_table().expect("a table").keys().cloned();
        let other_keys = [
            "listen",
            "secure_cookies",
            "job_interval",
            "url",
            "data_dir",
            "format",
            "filter",
            "idle_minutes",
            "absolute_minutes",
            "max_failures",
            "lock_minutes",
        ]
        .map(String::from);
        for key in rule_keys.chain(other_keys) {
            assert!(keys.contains(&key), "the example lacks {key}");
        }
    }

    #[test]
    fn an_empty_file_changes_nothing() {
        let settings = Settings::parse("").unwrap();
        assert_eq!(settings, Settings::default());
        let web = settings.web_config();
        let defaults = WebConfig::default();
        assert_eq!(web.session.idle, defaults.session.idle);
        assert_eq!(web.session.absolute, defaults.session.absolute);
        assert_eq!(web.lockout.max_failures, defaults.lockout.max_failures);
        assert_eq!(web.lockout.lock_for, defaults.lockout.lock_for);
        assert_eq!(web.rules, defaults.rules);
        assert!(!web.secure_cookies);
    }

    #[test]
    fn an_unknown_key_is_refused_by_name() {
        let e = Settings::parse("[server]\nlisten = \"127.0.0.1:1\"\nlisten_adress = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("listen_adress"), "{e}");
        assert!(e.contains("line 3"), "{e}");
        let e = Settings::parse("[rules]\nkey_rate = 30\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("key_rate"), "{e}");
        let e = Settings::parse("[databse]\nurl = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("databse"), "{e}");
    }

    #[test]
    fn values_out_of_range_are_refused() {
        let e = Settings::parse("[rules]\nkey_rate_percent = 0\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("key_rate_percent"), "{e}");
        let e = Settings::parse("[session]\nidle_minutes = 800\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("idle_minutes"), "{e}");
        let e = Settings::parse("[log]\nformat = \"xml\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("xml"), "{e}");
    }
}
