//! The background jobs of a server: each round tries to take or renew the job's lease in the
//! database, so that of several servers on one database exactly one runs the job at a time and
//! another takes it over when that one stops (see `spotcheck_store::jobs`).

use std::time::Duration;

use crate::AppState;

/// How often the jobs run, and how long a lease lasts without renewal.
#[derive(Debug, Clone, Copy)]
pub struct JobSchedule {
    pub every: Duration,
    /// Longer than `every`, so that the holder renews before it runs out.
    pub lease: Duration,
}

impl JobSchedule {
    /// Every `every`, with a lease of three rounds but at least five seconds (a round's work
    /// must finish before the lease runs out, or another server would start the job too).
    pub fn every(every: Duration) -> Self {
        JobSchedule {
            every,
            lease: (every * 3).max(Duration::from_secs(5)),
        }
    }
}

impl Default for JobSchedule {
    fn default() -> Self {
        JobSchedule::every(Duration::from_secs(300))
    }
}

/// A name for this server in leases and the audit log: host, process and a random suffix.
pub fn server_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "server".into());
    format!(
        "{host}:{}:{}",
        std::process::id(),
        &spotcheck_store::random_token()[..6]
    )
}

/// Starts the background jobs of the configuration, if any, for as long as the process runs.
pub fn start(state: &AppState) {
    if let Some(schedule) = state.config.jobs {
        tokio::spawn(run(state.clone(), schedule));
    }
}

/// Runs the reminder job every round until the process ends.
async fn run(state: AppState, schedule: JobSchedule) {
    let name = server_name();
    let ttl = chrono::Duration::from_std(schedule.lease).unwrap_or(chrono::Duration::minutes(15));
    // The first round comes one interval after the start: a server that is started (or
    // restarted) changes nothing at once.
    let mut ticks =
        tokio::time::interval_at(tokio::time::Instant::now() + schedule.every, schedule.every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let now = (state.config.clock)();
        match spotcheck_store::jobs::reminder_round(&state.db, &name, &state.config.rules, now, ttl)
            .await
        {
            Ok(Some(written)) if written > 0 => {
                tracing::info!(server = %name, written, "deadline reminders written")
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(server = %name, error = %e, "the reminder job failed; it runs again next round")
            }
        }
    }
}
