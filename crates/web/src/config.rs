//! Settings of the web layer.

use chrono::{DateTime, NaiveDate, Utc};
use spotcheck_core::rules::RulesConfig;
use spotcheck_store::account::LockoutPolicy;
use spotcheck_store::session::SessionPolicy;

/// Where the server reads the time: the system clock, or a fixed one in tests.
pub type Clock = fn() -> DateTime<Utc>;

#[derive(Debug, Clone)]
pub struct WebConfig {
    pub session: SessionPolicy,
    pub lockout: LockoutPolicy,
    /// Mark cookies `Secure`: set when the server is reached over TLS (directly or via a proxy).
    pub secure_cookies: bool,
    /// Ratios, rates and deadlines of RULES.md (Urumqi values by default).
    pub rules: RulesConfig,
    pub clock: Clock,
    /// Background jobs (deadline reminders) and how often they run; `None` runs none.
    pub jobs: Option<crate::jobs::JobSchedule>,
}

impl WebConfig {
    /// The agencies' day now (in the rules' time zone, not the server's).
    pub fn today(&self) -> NaiveDate {
        self.rules.day_of((self.clock)())
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            session: SessionPolicy::default(),
            lockout: LockoutPolicy::default(),
            secure_cookies: false,
            rules: RulesConfig::default(),
            clock: Utc::now,
            jobs: None,
        }
    }
}
