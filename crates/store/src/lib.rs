//! Storage of spotcheck: one code path over two databases.
//!
//! SQLite is the embedded default (one file, zero set-up); PostgreSQL is the production database
//! that several stateless app servers share. Each backend has its own pool type and its own
//! migrations; queries are written once in the SQL both understand (`$1` placeholders,
//! `RETURNING`, `ON CONFLICT`) and run through [`on_db!`] / [`on_tx!`], which compile the same code
//! once per backend. Every write goes through a [`Tx`] that also appends to the audit log.

pub mod account;
pub mod agency;
pub mod archive;
pub mod audit;
pub mod backup;
pub mod bootstrap;
pub mod bulk;
pub mod conflicts;
pub mod demo;
pub mod disclosure;
pub mod draws;
pub mod explain;
pub mod export;
pub mod filing;
pub mod firms;
pub mod history;
pub mod import;
pub mod inspections;
pub mod integrity;
pub mod jobs;
pub mod lists;
pub mod registry;
pub mod reports;
pub mod session;
pub mod special;
pub mod tasks;
pub mod testing;
pub mod token;
pub mod upload;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

/// Errors of the store. Database internals stay here; the web layer shows users only what they
/// can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// The database refused a value it was given: a NUL character in a text, a date or number
    /// beyond what it keeps (PostgreSQL; SQLite stores them). The value came from the caller.
    #[error("the database cannot store a value given: {0}")]
    Unstorable(String),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL {0:?}: use sqlite://FILE or postgres://…")]
    UnsupportedUrl(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("already exists: {0}")]
    Duplicate(String),
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        // Data exceptions raised by a value bound to the query: 22021 (a NUL character),
        // 22P05 (a character the encoding lacks), 22008 (a date out of range), 22003 (a number
        // out of range).
        if let sqlx::Error::Database(db) = &e {
            if matches!(
                db.code().as_deref(),
                Some("22021" | "22P05" | "22008" | "22003")
            ) {
                return StoreError::Unstorable(db.message().to_string());
            }
        }
        StoreError::Database(e)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool to one of the two supported databases.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

/// A write transaction on either backend.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Pg(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$c` bound to the backend's pool; the body is compiled once per backend.
#[macro_export]
macro_rules! on_db {
    ($db:expr, |$c:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite($c) => $body,
            $crate::Db::Pg($c) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to the transaction's connection (`&mut Connection`).
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::Tx::Pg(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static PG_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Connects to `url` (`sqlite://FILE` or `postgres://…`), creating a SQLite file if missing.
    pub async fn connect(url: &str) -> Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Db::Pg(pool))
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                // WAL lets readers go on while one writer writes; NORMAL is durable at every
                // checkpoint and safe against corruption in WAL mode.
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await?;
            Ok(Db::Sqlite(pool))
        } else {
            Err(StoreError::UnsupportedUrl(url.to_string()))
        }
    }

    /// The URL of the embedded default database inside `data_dir`.
    pub fn sqlite_url_in(data_dir: &Path) -> String {
        format!("sqlite://{}", data_dir.join("spotcheck.sqlite").display())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Pg(_) => Backend::Postgres,
        }
    }

    /// Applies the backend's pending migrations.
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await?,
            Db::Pg(p) => PG_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    /// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`),
    /// because a deferred transaction that reads and then writes fails with SQLITE_BUSY when
    /// another writer got in between.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Pg(p) => Tx::Pg(p.begin().await?),
        })
    }

    /// True when a trivial query succeeds (for `/healthz`).
    pub async fn is_healthy(&self) -> bool {
        on_db!(self, |p| sqlx::query("SELECT 1").execute(p).await.is_ok())
    }

    pub async fn close(&self) {
        on_db!(self, |p| p.close().await)
    }
}

impl Tx {
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Pg(_) => Backend::Postgres,
        }
    }

    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Pg(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// Turns a unique-key violation into [`StoreError::Duplicate`] naming what was duplicated.
pub(crate) fn on_unique(err: sqlx::Error, what: impl Into<String>) -> StoreError {
    match &err {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Duplicate(what.into()),
        _ => err.into(),
    }
}

/// The current time truncated to microseconds, the precision both backends store, so that a value
/// read back equals the value written (the audit chain hashes it).
pub fn now() -> chrono::DateTime<chrono::Utc> {
    truncate_to_micros(chrono::Utc::now())
}

pub fn truncate_to_micros(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    t.trunc_subsecs(6)
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes.as_ref()))
}

/// A fresh random secret of 32 bytes as hex (session ids, CSRF and API tokens).
pub fn random_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}
