//! The `spotcheck` binary as a child process over a test database: start `serve` and kill it,
//! run a command, look into the database from outside, and generate firms to import.
#![allow(dead_code)]

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::str::FromStr;
use std::time::Duration;

use spotcheck_core::division::DivisionCode;
use spotcheck_core::lists::{FirmRecord, FirmStatus, ListKind, Record, UnitCategory};
use spotcheck_core::period::Year;
use spotcheck_store::Db;
use sqlx::Connection;

/// The password of `admin` in the process tests.
pub const ADMIN_PASSWORD: &str = "admin password for process tests";

/// The agency whose lists the tests fill: Tianshan district.
pub const TIANSHAN: &str = "650102";

/// The quarter the command line is in today: a plan is made and drawn only for a period not yet
/// over, and the command line's draws run on the day they are run.
pub fn this_quarter() -> spotcheck_core::period::Quarter {
    spotcheck_core::period::Quarter::containing(
        spotcheck_core::rules::RulesConfig::default().today(),
    )
}

/// Runs `spotcheck ARGS` against the database at `url`.
pub fn spotcheck(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spotcheck"))
        .args(args)
        .env("SPOTCHECK_DATABASE_URL", url)
        .env("SPOTCHECK_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("SPOTCHECK_LOG", "warn")
        .output()
        .expect("run spotcheck")
}

/// `spotcheck audit verify` on `url`: the chain is intact, with this many events.
pub fn audit_verifies(url: &str) -> u64 {
    let out = spotcheck(url, &["audit", "verify"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "audit verify failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.split("intact: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected audit verify output: {text}"))
}

/// A `spotcheck serve` child process on a random loopback port.
pub struct Server {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub base: String,
    pub pid: u32,
}

impl Server {
    /// Starts the server over `url` (creating and migrating the database on the way) and waits
    /// for the address it prints. Its log is appended to `log`.
    pub fn start(url: &str, log: &Path) -> Server {
        Server::start_with(url, log, &[])
    }

    /// As [`Server::start`], with more environment variables for the server alone.
    pub fn start_with(url: &str, log: &Path, env: &[(&str, &str)]) -> Server {
        let log_file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("server log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_spotcheck"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("SPOTCHECK_DATABASE_URL", url)
            .env("SPOTCHECK_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("SPOTCHECK_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .spawn()
            .expect("start spotcheck serve");
        let pid = child.id();
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let base = lines.by_ref().map_while(Result::ok).find_map(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with("http://"))
                .map(|w| w.trim_end_matches('/').to_string())
        });
        let Some(base) = base else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the server printed no address; its log:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        };
        // Keep reading what it prints, so that it never waits on a full pipe.
        std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
        Server {
            child: Some(child),
            base,
            pid,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// SIGKILL: the process ends at once, with no chance to finish or roll back anything.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL the server");
            let status = child.wait().expect("reap the server");
            assert!(!status.success(), "killed, not exited: {status:?}");
        }
    }

    /// The resident set size of the process, in KiB.
    pub fn rss_kib(&self) -> Option<u64> {
        rss_kib(self.pid)
    }

    /// True while the process has not exited.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }
}

/// The resident set size of process `pid`, in KiB (VmRSS of /proc/PID/status).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A browser-like client: keeps cookies, does not follow redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

/// The CSRF token of the first form on a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..]
        .split('"')
        .next()
        .expect("a value")
        .to_string()
}

/// Logs `client` in through the login form, as a browser would.
pub async fn login(client: &reqwest::Client, base: &str, username: &str, password: &str) {
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("login page text");
    let r = client
        .post(format!("{base}/login"))
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf", &csrf_of(&page)),
            ("next", "/"),
        ])
        .send()
        .await
        .expect("log in");
    assert_eq!(r.status(), 303, "{username} logs in");
}

/// Looks from outside at whether some other connection holds an open write transaction: on
/// SQLite, whether the write lock is taken (`BEGIN IMMEDIATE` with no busy timeout is refused);
/// on PostgreSQL, whether a session of the database has a transaction that has written (it has
/// a transaction id).
pub enum WriteProbe {
    Sqlite(sqlx::SqliteConnection),
    Pg(sqlx::PgConnection),
}

impl WriteProbe {
    pub async fn connect(url: &str) -> WriteProbe {
        if url.starts_with("sqlite:") {
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)
                .expect("SQLite URL")
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::ZERO);
            WriteProbe::Sqlite(
                sqlx::SqliteConnection::connect_with(&options)
                    .await
                    .expect("probe connection"),
            )
        } else {
            WriteProbe::Pg(
                sqlx::PgConnection::connect(url)
                    .await
                    .expect("probe connection"),
            )
        }
    }

    /// True when another connection is inside a write transaction right now.
    pub async fn writer_active(&mut self) -> bool {
        match self {
            WriteProbe::Sqlite(c) => {
                match sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut *c).await {
                    Ok(_) => {
                        sqlx::raw_sql("ROLLBACK")
                            .execute(&mut *c)
                            .await
                            .expect("end the probe's transaction");
                        false
                    }
                    Err(sqlx::Error::Database(e))
                        if e.code().as_deref() == Some("5") || e.message().contains("locked") =>
                    {
                        true
                    }
                    Err(e) => panic!("probe: {e}"),
                }
            }
            WriteProbe::Pg(c) => sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() \
                 AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL)",
            )
            .fetch_one(&mut *c)
            .await
            .expect("probe query"),
        }
    }

    pub async fn close(self) {
        let _ = match self {
            WriteProbe::Sqlite(c) => c.close().await,
            WriteProbe::Pg(c) => c.close().await,
        };
    }
}

/// `SELECT COUNT(*) FROM table [WHERE …]` on either backend.
pub async fn count(db: &Db, sql: &str) -> i64 {
    spotcheck_store::on_db!(db, |p| sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(p)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}")))
}

/// On SQLite, `PRAGMA integrity_check` finds the file sound (PostgreSQL keeps its own).
pub async fn sqlite_file_is_sound(db: &Db) {
    if let Db::Sqlite(pool) = db {
        let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(pool)
            .await
            .expect("integrity check");
        assert_eq!(verdict, "ok", "SQLite integrity check");
    }
}

/// `count` firms of the demo generator (seed 2020) from index `skip` on, made active key units
/// of Tianshan, so that one district admin may import them and a key plan may draw them all.
/// Their credit codes differ from the first `skip` demo firms'.
pub fn tianshan_key_firms(skip: usize, count: usize) -> Vec<FirmRecord> {
    let year = Year::new(2026).expect("a year");
    let tianshan = DivisionCode::parse(TIANSHAN).expect("a division");
    (skip..skip + count)
        .map(|index| {
            let mut r = FirmRecord::from_demo(&spotcheck_core::demo::firm(2020, index), year);
            r.division = tianshan;
            r.category = UnitCategory::Key {
                directory_year: year,
            };
            r.status = FirmStatus::Active;
            r
        })
        .collect()
}

/// The firms as a CSV file with the template's Chinese headers, as an agency would upload it.
pub fn firms_csv(firms: &[FirmRecord]) -> Vec<u8> {
    let (headers, _) = ListKind::Firms.template_rows();
    let rows = firms.iter().map(|f| {
        Record::Firm(f.clone())
            .to_cells()
            .into_iter()
            .map(spotcheck_tabular::Cell::Text)
            .collect()
    });
    let mut csv = Vec::new();
    spotcheck_tabular::write_csv(&headers, rows, &mut csv, true).expect("write the CSV");
    csv
}
