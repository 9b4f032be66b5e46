//! Backups of the whole database into one file, and restoring them (`spotcheck backup` and
//! `spotcheck restore`).
//!
//! A backup is a zip file (format `spotcheck-backup/v1`) with two entries:
//!
//! - `manifest.json`: the [`Manifest`]: which database it came from, when, the schema version
//!   (the last migration applied), the size and SHA-256 of the database entry, the row counts of
//!   the main tables and the head of the audit chain, all read from the same snapshot as the copy;
//! - `database.sqlite` (SQLite: a consistent copy made online with `VACUUM INTO`, checked with
//!   `PRAGMA integrity_check`) or `database.pgdump` (PostgreSQL: `pg_dump --format=custom` of an
//!   exported snapshot, checked with `pg_restore --list`).
//!
//! Any unzip tool opens it, so the database can be taken out by hand: `unzip -p FILE
//! database.sqlite > spotcheck.sqlite`, or `pg_restore` on the extracted `database.pgdump`.
//!
//! A restore refuses a database that holds data unless forced, refuses while other processes use
//! the database, checks the entry against its SHA-256, replaces the database atomically (SQLite:
//! a temporary file next to the target, fsync, rename; PostgreSQL: `pg_restore
//! --single-transaction`), then applies pending migrations, walks the audit chain and counts the
//! rows again, so that the caller can compare them with the manifest's.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::sqlite::{SqliteConnectOptions, SqliteLockingMode};
use sqlx::{Connection, PgConnection, SqliteConnection};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::audit::{self, ChainCheck};
use crate::{Db, StoreError};

/// The format name written in every manifest.
pub const FORMAT: &str = "spotcheck-backup/v1";
/// The manifest's entry in the zip.
pub const MANIFEST_ENTRY: &str = "manifest.json";
/// The database's entry in the zip, for each backend.
pub const SQLITE_ENTRY: &str = "database.sqlite";
pub const PG_ENTRY: &str = "database.pgdump";

/// The tables whose rows a backup counts and a restore counts again.
pub const COUNTED_TABLES: [&str; 17] = [
    "agency",
    "account",
    "officer",
    "firm",
    "project",
    "complaint",
    "penalty_case",
    "key_problem",
    "record_version",
    "plan",
    "draw_record",
    "task",
    "inspection",
    "evidence",
    "disclosure",
    "report_submission",
    "audit_event",
];

/// A database "holds data" when any of these has a row, or when it has more than one account
/// (the administrator made at first start). The agency tree alone is what every start creates.
const DATA_TABLES: [&str; 10] = [
    "officer",
    "firm",
    "project",
    "complaint",
    "penalty_case",
    "key_problem",
    "plan",
    "draw_record",
    "task",
    "inspection",
];

/// Which database a backup was taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackupBackend {
    Sqlite,
    Postgres,
}

impl BackupBackend {
    pub fn as_str(self) -> &'static str {
        match self {
            BackupBackend::Sqlite => "sqlite",
            BackupBackend::Postgres => "postgres",
        }
    }

    fn entry(self) -> &'static str {
        match self {
            BackupBackend::Sqlite => SQLITE_ENTRY,
            BackupBackend::Postgres => PG_ENTRY,
        }
    }
}

/// The database entry of a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseEntry {
    /// Name of the entry in the zip.
    pub name: String,
    pub bytes: u64,
    /// SHA-256 of the entry's (uncompressed) content, lower-case hex.
    pub sha256: String,
}

/// The last event of the audit chain at the moment of the backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

/// `manifest.json` of a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    pub backend: BackupBackend,
    pub created_at: DateTime<Utc>,
    /// Version of the spotcheck that wrote it.
    pub spotcheck_version: String,
    /// The last migration applied to the database (its number, e.g. 9 for `0009_reports.sql`).
    pub schema_version: i64,
    /// PostgreSQL only: the server's version (`SHOW server_version`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    pub database: DatabaseEntry,
    /// Rows of each of [`COUNTED_TABLES`], from the same snapshot as the copy.
    pub counts: BTreeMap<String, i64>,
    pub audit_head: AuditHead,
}

/// Why a backup or a restore did not happen.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// Refused before anything was changed; the message says what to do instead.
    #[error("{0}")]
    Refused(String),
    /// A file, a tool or the database failed; the message says what and what to do next.
    #[error("{0}")]
    Failed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for BackupError {
    fn from(e: sqlx::Error) -> Self {
        BackupError::Store(e.into())
    }
}

pub type Result<T, E = BackupError> = std::result::Result<T, E>;

/// What a long step reports as it goes.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// A new step begins.
    Step(&'a str),
    /// Bytes of the current step done, of `total` (0 when not known).
    Bytes { done: u64, total: u64 },
}

/// Receives [`Progress`] reports.
pub type ProgressFn<'a> = &'a (dyn Fn(Progress<'_>) + Send + Sync);

/// What a restore found once the database was back.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    pub manifest: Manifest,
    /// Migrations newer than the backup, applied after restoring it.
    pub migrations_applied: i64,
    /// The schema version after those migrations.
    pub schema_version: i64,
    pub audit: ChainCheck,
    /// Rows of each of [`COUNTED_TABLES`] in the restored database.
    pub counts: BTreeMap<String, i64>,
}

impl RestoreReport {
    /// The tables whose count differs from the manifest's: (table, in the backup, restored).
    pub fn count_differences(&self) -> Vec<(String, i64, i64)> {
        let mut tables: Vec<&String> = self.manifest.counts.keys().collect();
        tables.extend(self.counts.keys());
        tables.sort();
        tables.dedup();
        tables
            .into_iter()
            .filter_map(|t| {
                let before = self.manifest.counts.get(t).copied().unwrap_or(0);
                let after = self.counts.get(t).copied().unwrap_or(0);
                (before != after).then(|| (t.clone(), before, after))
            })
            .collect()
    }

    /// The restored audit chain is intact and ends at the backup's head.
    pub fn audit_matches(&self) -> bool {
        matches!(&self.audit, ChainCheck::Intact { events, head_hash }
            if *events == self.manifest.audit_head.seq && *head_hash == self.manifest.audit_head.hash)
    }

    /// The chain verifies and ends at the backup's head, and every count equals the backup's.
    pub fn is_ok(&self) -> bool {
        self.audit_matches() && self.count_differences().is_empty()
    }
}

/// The database a URL names.
enum Target {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Target {
    fn of(url: &str) -> Result<Target> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Target::Postgres(url.to_string()))
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?;
            Ok(Target::Sqlite(options.get_filename().to_path_buf()))
        } else {
            Err(StoreError::UnsupportedUrl(url.to_string()).into())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Backup.

/// Writes a backup of the database at `url` to `out` (which must not exist). Safe while servers
/// run: the copy is one consistent snapshot.
pub async fn backup(url: &str, out: &Path, progress: ProgressFn<'_>) -> Result<Manifest> {
    if out.exists() {
        return Err(BackupError::Refused(format!(
            "{} exists already: name another file, or move that one away first",
            out.display()
        )));
    }
    let out_dir = parent_dir(out);
    if !out_dir.is_dir() {
        return Err(BackupError::Failed(format!(
            "the folder {} does not exist: create it, or write the backup elsewhere",
            out_dir.display()
        )));
    }
    // Everything is written inside a temporary folder next to the output, then renamed into
    // place: an interrupted backup never leaves a partial file under the name asked for.
    let work = tempfile::Builder::new()
        .prefix(".spotcheck-backup-")
        .tempdir_in(&out_dir)
        .map_err(|e| io_failed("creating a temporary folder", &out_dir, e))?;
    let (copy, mut manifest) = match Target::of(url)? {
        Target::Sqlite(path) => sqlite_copy(&path, work.path(), progress).await?,
        Target::Postgres(url) => pg_copy(&url, work.path(), progress).await?,
    };
    progress(Progress::Step("computing the SHA-256 of the copy"));
    let (bytes, sha256) = hash_file(&copy, progress)?;
    manifest.database.bytes = bytes;
    manifest.database.sha256 = sha256;
    progress(Progress::Step("writing the backup file"));
    let archive = work.path().join("backup.zip");
    write_archive(&archive, &manifest, &copy, progress)?;
    std::fs::rename(&archive, out)
        .map_err(|e| io_failed("moving the backup into place", out, e))?;
    sync_dir(&out_dir);
    Ok(manifest)
}

/// `VACUUM INTO` a file of `work`, then check the copy and read its figures.
async fn sqlite_copy(
    path: &Path,
    work: &Path,
    progress: ProgressFn<'_>,
) -> Result<(PathBuf, Manifest)> {
    if !path.is_file() {
        return Err(BackupError::Failed(format!(
            "there is no database at {}: check --data-dir or --database-url",
            path.display()
        )));
    }
    progress(Progress::Step(
        "copying the database (VACUUM INTO; the server may keep running)",
    ));
    let copy = work.join(SQLITE_ENTRY);
    let options = SqliteConnectOptions::new()
        .filename(path)
        .busy_timeout(Duration::from_secs(30));
    let mut source = SqliteConnection::connect_with(&options).await?;
    sqlx::query("VACUUM INTO $1")
        .bind(copy.to_string_lossy().into_owned())
        .execute(&mut source)
        .await?;
    source.close().await?;

    progress(Progress::Step("checking the copy (PRAGMA integrity_check)"));
    let mut c = open_sqlite_file_read_only(&copy).await?;
    check_sqlite_integrity(&mut c, "the copy").await?;
    let manifest = Manifest {
        format: FORMAT.into(),
        backend: BackupBackend::Sqlite,
        created_at: crate::now(),
        spotcheck_version: env!("CARGO_PKG_VERSION").into(),
        schema_version: sqlite_schema_version(&mut c).await?,
        server_version: None,
        database: DatabaseEntry {
            name: SQLITE_ENTRY.into(),
            bytes: 0,
            sha256: String::new(),
        },
        counts: sqlite_counts(&mut c).await?,
        audit_head: sqlite_audit_head(&mut c).await?,
    };
    c.close().await?;
    Ok((copy, manifest))
}

/// `pg_dump` of a snapshot exported by a read-only transaction that also counts the rows, so
/// that the dump and the manifest describe the same moment.
async fn pg_copy(url: &str, work: &Path, progress: ProgressFn<'_>) -> Result<(PathBuf, Manifest)> {
    let pg_dump = find_tool("pg_dump")?;
    let pg_restore = find_tool("pg_restore")?;
    let mut c = pg_connect(url).await?;
    let server_version: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(&mut c)
        .await?;
    sqlx::raw_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut c)
        .await?;
    let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
        .fetch_one(&mut c)
        .await?;
    let manifest = Manifest {
        format: FORMAT.into(),
        backend: BackupBackend::Postgres,
        created_at: crate::now(),
        spotcheck_version: env!("CARGO_PKG_VERSION").into(),
        schema_version: pg_schema_version(&mut c).await?,
        server_version: Some(server_version.clone()),
        database: DatabaseEntry {
            name: PG_ENTRY.into(),
            bytes: 0,
            sha256: String::new(),
        },
        counts: pg_counts(&mut c).await?,
        audit_head: pg_audit_head(&mut c).await?,
    };

    progress(Progress::Step(
        "dumping the database (pg_dump --format=custom; the servers may keep running)",
    ));
    let dump = work.join(PG_ENTRY);
    let (libpq_url, password) = libpq_url(url);
    let mut command = tokio::process::Command::new(&pg_dump);
    command
        .arg("--format=custom")
        .arg(format!("--snapshot={snapshot}"))
        .arg("--no-password")
        .arg("--file")
        .arg(&dump)
        .arg("--dbname")
        .arg(&libpq_url);
    let outcome = run_tool(command, password.as_deref(), Some(&dump), progress).await;
    // The snapshot had to live until pg_dump had taken it; end the transaction either way.
    let _ = sqlx::raw_sql("ROLLBACK").execute(&mut c).await;
    let _ = c.close().await;
    outcome.map_err(|stderr| {
        BackupError::Failed(format!(
            "pg_dump failed: {stderr}\n(the server runs PostgreSQL {server_version}; pg_dump must \
             be of the same major version or newer: {})",
            tool_version(&pg_dump)
        ))
    })?;

    progress(Progress::Step("checking the dump (pg_restore --list)"));
    let mut list = tokio::process::Command::new(&pg_restore);
    list.arg("--list").arg(&dump);
    run_tool(list, None, None, progress)
        .await
        .map_err(|stderr| BackupError::Failed(format!("the dump cannot be read back: {stderr}")))?;
    Ok((dump, manifest))
}

/// Writes the zip: the manifest, then the database entry (a SQLite file is compressed; a
/// PostgreSQL custom dump is compressed already and is stored as it is).
fn write_archive(
    archive: &Path,
    manifest: &Manifest,
    database: &Path,
    progress: ProgressFn<'_>,
) -> Result<()> {
    // The backup holds password hashes and personal data: readable by its owner only.
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    let file = open
        .open(archive)
        .map_err(|e| io_failed("creating", archive, e))?;
    let mut zip = ZipWriter::new(BufWriter::new(file));
    let modified = crate::archive::zip_time(manifest.created_at);
    let fail = |e: zip::result::ZipError| BackupError::Failed(format!("writing the backup: {e}"));
    let write_fail = |e: std::io::Error| io_failed("writing", archive, e);
    let small = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(modified)
        .unix_permissions(0o600);
    zip.start_file(MANIFEST_ENTRY, small).map_err(fail)?;
    let json = serde_json::to_vec_pretty(manifest)
        .map_err(|e| BackupError::Failed(format!("writing the manifest: {e}")))?;
    zip.write_all(&json).map_err(write_fail)?;
    zip.write_all(b"\n").map_err(write_fail)?;
    let big = match manifest.backend {
        BackupBackend::Sqlite => SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(1)),
        BackupBackend::Postgres => {
            SimpleFileOptions::default().compression_method(CompressionMethod::Stored)
        }
    }
    .large_file(manifest.database.bytes >= u32::MAX as u64)
    .last_modified_time(modified)
    .unix_permissions(0o600);
    zip.start_file(manifest.database.name.as_str(), big)
        .map_err(fail)?;
    let mut source =
        File::open(database).map_err(|e| io_failed("reading the copy", database, e))?;
    copy_with_progress(
        &mut source,
        &mut zip,
        manifest.database.bytes,
        progress,
        |e| io_failed("writing", archive, e),
    )?;
    let writer = zip.finish().map_err(fail)?;
    let file = writer
        .into_inner()
        .map_err(|e| io_failed("writing", archive, e.into_error()))?;
    file.sync_all()
        .map_err(|e| io_failed("flushing to disk", archive, e))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reading a backup.

/// Reads and checks the manifest of the backup `file`.
pub fn read_manifest(file: &Path) -> Result<Manifest> {
    let mut zip = open_archive(file)?;
    manifest_of(&mut zip, file)
}

fn open_archive(file: &Path) -> Result<ZipArchive<BufReader<File>>> {
    let f = File::open(file).map_err(|e| io_failed("opening the backup", file, e))?;
    ZipArchive::new(BufReader::new(f)).map_err(|e| {
        BackupError::Failed(format!(
            "{} is not a spotcheck backup (not a readable zip: {e})",
            file.display()
        ))
    })
}

fn manifest_of(zip: &mut ZipArchive<BufReader<File>>, file: &Path) -> Result<Manifest> {
    let not_a_backup = |why: String| {
        BackupError::Failed(format!(
            "{} is not a spotcheck backup ({why})",
            file.display()
        ))
    };
    let mut text = String::new();
    zip.by_name(MANIFEST_ENTRY)
        .map_err(|e| not_a_backup(format!("no {MANIFEST_ENTRY}: {e}")))?
        .read_to_string(&mut text)
        .map_err(|e| not_a_backup(format!("{MANIFEST_ENTRY} unreadable: {e}")))?;
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|e| not_a_backup(format!("{MANIFEST_ENTRY}: {e}")))?;
    if manifest.format != FORMAT {
        return Err(not_a_backup(format!(
            "format {:?}, this spotcheck reads {FORMAT:?}",
            manifest.format
        )));
    }
    if manifest.database.name != manifest.backend.entry() {
        return Err(not_a_backup(format!(
            "a {} backup must hold {}, not {}",
            manifest.backend.as_str(),
            manifest.backend.entry(),
            manifest.database.name
        )));
    }
    Ok(manifest)
}

/// Extracts the database entry to `to`, checking its size and SHA-256 against the manifest.
fn extract_database(
    zip: &mut ZipArchive<BufReader<File>>,
    manifest: &Manifest,
    backup: &Path,
    to: &File,
    to_path: &Path,
    progress: ProgressFn<'_>,
) -> Result<()> {
    let mut entry = zip.by_name(&manifest.database.name).map_err(|e| {
        BackupError::Failed(format!(
            "{} lacks its {}: {e}",
            backup.display(),
            manifest.database.name
        ))
    })?;
    let mut hashing = HashingWriter {
        inner: BufWriter::new(
            to.try_clone()
                .map_err(|e| io_failed("writing", to_path, e))?,
        ),
        hasher: Sha256::new(),
        bytes: 0,
    };
    copy_with_progress(
        &mut entry,
        &mut hashing,
        manifest.database.bytes,
        progress,
        |e| {
            BackupError::Failed(format!(
                "extracting {} from {} to {}: {e}",
                manifest.database.name,
                backup.display(),
                to_path.display()
            ))
        },
    )?;
    hashing
        .inner
        .flush()
        .map_err(|e| io_failed("writing", to_path, e))?;
    let bytes = hashing.bytes;
    let sha256 = hex::encode(hashing.hasher.finalize());
    to.sync_all()
        .map_err(|e| io_failed("flushing to disk", to_path, e))?;
    if bytes != manifest.database.bytes || sha256 != manifest.database.sha256 {
        return Err(BackupError::Failed(format!(
            "{} is damaged: its {} has {bytes} bytes with SHA-256 {sha256}, the manifest says \
             {} bytes with {}; nothing was restored; use another copy of the backup",
            backup.display(),
            manifest.database.name,
            manifest.database.bytes,
            manifest.database.sha256
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Restore.

/// Replaces the database at `url` by the backup `file`. Refuses ([`BackupError::Refused`]) when
/// the database holds data and `force` is false, when other processes use it, or when the backup
/// is of the other backend or of a newer schema.
pub async fn restore(
    url: &str,
    file: &Path,
    force: bool,
    progress: ProgressFn<'_>,
) -> Result<RestoreReport> {
    let mut zip = open_archive(file)?;
    let manifest = manifest_of(&mut zip, file)?;
    let target = Target::of(url)?;
    match (&target, manifest.backend) {
        (Target::Sqlite(_), BackupBackend::Postgres) => {
            return Err(BackupError::Refused(format!(
                "{} is a PostgreSQL backup: restore it with --database-url postgres://… (or \
                 SPOTCHECK_DATABASE_URL), not into the SQLite file",
                file.display()
            )))
        }
        (Target::Postgres(_), BackupBackend::Sqlite) => {
            return Err(BackupError::Refused(format!(
                "{} is a SQLite backup: restore it without --database-url (into --data-dir), \
                 not into PostgreSQL",
                file.display()
            )))
        }
        _ => {}
    }
    let latest = latest_migration(manifest.backend);
    if manifest.schema_version > latest {
        return Err(BackupError::Refused(format!(
            "the backup has schema version {} but this spotcheck knows migrations up to {latest}: \
             restore it with spotcheck {} or newer",
            manifest.schema_version, manifest.spotcheck_version
        )));
    }
    match target {
        Target::Sqlite(path) => {
            sqlite_restore(&path, &mut zip, &manifest, file, force, progress).await?
        }
        Target::Postgres(url) => {
            pg_restore(&url, &mut zip, &manifest, file, force, progress).await?
        }
    }

    progress(Progress::Step(
        "checking the restored database (migrations, audit chain, row counts)",
    ));
    let db = Db::connect(url).await?;
    db.migrate().await?;
    let (schema_version, counts) = match &db {
        Db::Sqlite(p) => {
            let mut c = p.acquire().await?;
            (
                sqlite_schema_version(&mut c).await?,
                sqlite_counts(&mut c).await?,
            )
        }
        Db::Pg(p) => {
            let mut c = p.acquire().await?;
            (pg_schema_version(&mut c).await?, pg_counts(&mut c).await?)
        }
    };
    let audit = audit::verify(&db).await?;
    db.close().await;
    Ok(RestoreReport {
        migrations_applied: schema_version - manifest.schema_version,
        schema_version,
        audit,
        counts,
        manifest,
    })
}

async fn sqlite_restore(
    path: &Path,
    zip: &mut ZipArchive<BufReader<File>>,
    manifest: &Manifest,
    backup: &Path,
    force: bool,
    progress: ProgressFn<'_>,
) -> Result<()> {
    progress(Progress::Step("checking the database to replace"));
    if path.exists() {
        // Refuse early, before the work of extracting; checked again just before the swap.
        let c = lock_sqlite_target(path, force).await?;
        c.close().await?;
    }
    let dir = parent_dir(path);
    std::fs::create_dir_all(&dir).map_err(|e| io_failed("creating the folder", &dir, e))?;

    progress(Progress::Step(
        "extracting the database and checking its SHA-256",
    ));
    // Next to the target, so that the final rename stays on one file system and is atomic.
    let temp = tempfile::Builder::new()
        .prefix(".spotcheck-restore-")
        .suffix(".sqlite")
        .tempfile_in(&dir)
        .map_err(|e| io_failed("creating a temporary file in", &dir, e))?;
    let temp_path = temp.path().to_path_buf();
    extract_database(zip, manifest, backup, temp.as_file(), &temp_path, progress)?;

    progress(Progress::Step(
        "checking the extracted database (PRAGMA integrity_check)",
    ));
    let mut c = open_sqlite_file_read_only(&temp_path).await?;
    check_sqlite_integrity(&mut c, "the backup's database").await?;
    let counts = sqlite_counts(&mut c).await?;
    c.close().await?;
    if counts != manifest.counts {
        return Err(BackupError::Failed(format!(
            "{}: the database's row counts differ from its manifest's; nothing was restored; \
             use another copy of the backup",
            backup.display()
        )));
    }

    progress(Progress::Step("replacing the database"));
    keep_owner_and_mode(path, temp.as_file());
    if path.exists() {
        let mut c = lock_sqlite_target(path, force).await?;
        // Fold the write-ahead log into the old file, so that no stale log is left beside the
        // new one (SQLite would replay it into the restored database).
        sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut c)
            .await?;
        c.close().await?;
    }
    for suffix in ["-wal", "-shm", "-journal"] {
        let side = side_file(path, suffix);
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_failed("removing the stale", &side, e)),
        }
    }
    temp.persist(path)
        .map_err(|e| io_failed("moving the restored database into place at", path, e.error))?;
    sync_dir(&dir);
    Ok(())
}

/// Gives the new file the mode and (when allowed, e.g. when run as root for a service account)
/// the owner of the file it replaces, so that the server can still open it.
fn keep_owner_and_mode(old: &Path, new: &File) {
    let Ok(meta) = std::fs::metadata(old) else {
        return;
    };
    let _ = new.set_permissions(meta.permissions());
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = std::os::unix::fs::fchown(new, Some(meta.uid()), Some(meta.gid()));
    }
}

/// Opens the SQLite database at `path` in exclusive locking mode and takes its write lock, which
/// fails while any other connection (a running server) has it open; then refuses if it holds
/// data and `force` is false. The returned connection holds the lock until closed.
async fn lock_sqlite_target(path: &Path, force: bool) -> Result<SqliteConnection> {
    let in_use = || {
        BackupError::Refused(format!(
            "{} is in use by another process (is `spotcheck serve` running?): stop every \
             server that uses it, then run the restore again",
            path.display()
        ))
    };
    let options = SqliteConnectOptions::new()
        .filename(path)
        .locking_mode(SqliteLockingMode::Exclusive)
        .busy_timeout(Duration::ZERO);
    let mut c = match SqliteConnection::connect_with(&options).await {
        Ok(c) => c,
        Err(e) if is_sqlite_busy(&e) => return Err(in_use()),
        Err(e) => return Err(e.into()),
    };
    match sqlx::raw_sql("BEGIN EXCLUSIVE").execute(&mut c).await {
        Ok(_) => {}
        Err(e) if is_sqlite_busy(&e) => return Err(in_use()),
        Err(e) => return Err(e.into()),
    }
    let holds = sqlite_holds_data(&mut c).await;
    sqlx::raw_sql("ROLLBACK").execute(&mut c).await?;
    if let Some(what) = holds? {
        if !force {
            return Err(BackupError::Refused(format!(
                "{} holds data ({what}): restoring would replace it; make a backup of it first \
                 if it matters (`spotcheck backup --out FILE`), then add --force",
                path.display()
            )));
        }
    }
    Ok(c)
}

fn is_sqlite_busy(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            matches!(d.code().as_deref(), Some("5" | "6" | "261" | "517"))
                || d.message().contains("locked")
        }
        _ => false,
    }
}

async fn pg_restore(
    url: &str,
    zip: &mut ZipArchive<BufReader<File>>,
    manifest: &Manifest,
    backup: &Path,
    force: bool,
    progress: ProgressFn<'_>,
) -> Result<()> {
    let pg_restore = find_tool("pg_restore")?;
    progress(Progress::Step("checking the database to replace"));
    let mut c = pg_connect(url).await?;
    // Sessions of processes that have just ended take a moment to disappear: wait a little.
    let mut others = other_sessions(&mut c).await?;
    for _ in 0..50 {
        if others.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        others = other_sessions(&mut c).await?;
    }
    if !others.is_empty() {
        let who: Vec<String> = others
            .iter()
            .map(|(app, from)| format!("{app} from {from}"))
            .collect();
        return Err(BackupError::Refused(format!(
            "{} other session(s) use the database ({}): stop every spotcheck server (and close \
             other sessions, or end them with SELECT pg_terminate_backend(pid)) first, then run \
             the restore again",
            others.len(),
            who.join(", ")
        )));
    }
    let target_version = pg_schema_version_if_migrated(&mut c).await?;
    if target_version > manifest.schema_version {
        return Err(BackupError::Refused(format!(
            "the database has schema version {target_version}, newer than the backup's {}: \
             pg_restore --clean would leave the newer tables behind; restore into a new, empty \
             database (createdb NAME) and point --database-url at it",
            manifest.schema_version
        )));
    }
    if let Some(what) = pg_holds_data(&mut c).await? {
        if !force {
            return Err(BackupError::Refused(format!(
                "the database holds data ({what}): restoring would replace it; make a backup of \
                 it first if it matters (`spotcheck backup --out FILE`), then add --force"
            )));
        }
    }
    c.close().await?;

    progress(Progress::Step(
        "extracting the dump and checking its SHA-256",
    ));
    let temp = tempfile::Builder::new()
        .prefix(".spotcheck-restore-")
        .suffix(".pgdump")
        .tempfile()
        .map_err(|e| io_failed("creating a temporary file in", &std::env::temp_dir(), e))?;
    let temp_path = temp.path().to_path_buf();
    extract_database(zip, manifest, backup, temp.as_file(), &temp_path, progress)?;

    progress(Progress::Step(
        "restoring (pg_restore --clean --if-exists --no-owner, in one transaction)",
    ));
    let (libpq_url, password) = libpq_url(url);
    let mut command = tokio::process::Command::new(&pg_restore);
    command
        .args([
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
        ])
        .arg("--dbname")
        .arg(&libpq_url)
        .arg(&temp_path);
    run_tool(command, password.as_deref(), None, progress)
        .await
        .map_err(|stderr| {
            BackupError::Failed(format!(
                "pg_restore failed, and rolled back (the database is as it was): {stderr}\n\
                 (pg_restore must be of the same major version as the pg_dump that wrote the \
                 backup{} or newer: {})",
                manifest
                    .server_version
                    .as_deref()
                    .map(|v| format!(", which dumped PostgreSQL {v},"))
                    .unwrap_or_default(),
                tool_version(&pg_restore)
            ))
        })?;
    drop(temp);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Queries on either backend's connection.

/// The same queries for each backend's connection type.
macro_rules! queries_on {
    ($conn:ty, $schema:ident, $counts:ident, $holds:ident, $head:ident) => {
        /// The last migration applied.
        async fn $schema(c: &mut $conn) -> Result<i64> {
            Ok(sqlx::query_scalar::<_, i64>(
                "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success",
            )
            .fetch_one(&mut *c)
            .await?)
        }

        /// Rows of each of [`COUNTED_TABLES`].
        async fn $counts(c: &mut $conn) -> Result<BTreeMap<String, i64>> {
            let mut counts = BTreeMap::new();
            for table in COUNTED_TABLES {
                // The names are constants of this module, never input.
                let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                    .fetch_one(&mut *c)
                    .await?;
                counts.insert(table.to_string(), n);
            }
            Ok(counts)
        }

        /// What makes a migrated database worth keeping, or `None` when it holds no data.
        async fn $holds(c: &mut $conn) -> Result<Option<String>> {
            let mut found = Vec::new();
            for table in DATA_TABLES {
                let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                    .fetch_one(&mut *c)
                    .await?;
                if n > 0 {
                    found.push(format!("{table}: {n} rows"));
                }
            }
            let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM account")
                .fetch_one(&mut *c)
                .await?;
            if accounts > 1 {
                found.push(format!("account: {accounts} rows"));
            }
            Ok((!found.is_empty()).then(|| found.join(", ")))
        }

        async fn $head(c: &mut $conn) -> Result<AuditHead> {
            let (seq, hash): (i64, String) =
                sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                    .fetch_one(&mut *c)
                    .await?;
            Ok(AuditHead { seq, hash })
        }
    };
}

queries_on!(
    SqliteConnection,
    sqlite_schema_version,
    sqlite_counts,
    sqlite_migrated_holds_data,
    sqlite_audit_head
);
queries_on!(
    PgConnection,
    pg_schema_version,
    pg_counts,
    pg_migrated_holds_data,
    pg_audit_head
);

/// A SQLite file that has never been migrated holds nothing.
async fn sqlite_holds_data(c: &mut SqliteConnection) -> Result<Option<String>> {
    let migrated: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'account'",
    )
    .fetch_one(&mut *c)
    .await?;
    if migrated == 0 {
        return Ok(None);
    }
    sqlite_migrated_holds_data(c).await
}

/// The other client sessions connected to the database: (application or user, address and pid).
async fn other_sessions(c: &mut PgConnection) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT COALESCE(NULLIF(application_name, ''), usename::text, '?'), \
                COALESCE(host(client_addr), 'local socket') || ' (pid ' || pid || ')' \
         FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid() \
           AND backend_type = 'client backend'",
    )
    .fetch_all(&mut *c)
    .await?)
}

/// The schema version of a PostgreSQL database, 0 when it was never migrated.
async fn pg_schema_version_if_migrated(c: &mut PgConnection) -> Result<i64> {
    let migrated: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(&mut *c)
        .await?;
    if migrated {
        pg_schema_version(c).await
    } else {
        Ok(0)
    }
}

/// A PostgreSQL database without the tables (a new, empty one) holds nothing.
async fn pg_holds_data(c: &mut PgConnection) -> Result<Option<String>> {
    let migrated: bool = sqlx::query_scalar("SELECT to_regclass('account') IS NOT NULL")
        .fetch_one(&mut *c)
        .await?;
    if !migrated {
        return Ok(None);
    }
    pg_migrated_holds_data(c).await
}

async fn open_sqlite_file_read_only(path: &Path) -> Result<SqliteConnection> {
    // Immutable: nothing is written next to the file (no -wal or -shm).
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .immutable(true);
    Ok(SqliteConnection::connect_with(&options).await?)
}

async fn check_sqlite_integrity(c: &mut SqliteConnection, what: &str) -> Result<()> {
    let problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut *c)
        .await?;
    if problems.len() == 1 && problems[0] == "ok" {
        Ok(())
    } else {
        Err(BackupError::Failed(format!(
            "{what} fails PRAGMA integrity_check: {}",
            problems.join("; ")
        )))
    }
}

async fn pg_connect(url: &str) -> Result<PgConnection> {
    PgConnection::connect(url).await.map_err(|e| {
        BackupError::Failed(format!(
            "cannot connect to {}: {e}\n(check the URL; a database to restore into must exist: \
             `createdb NAME` or CREATE DATABASE)",
            redact(url)
        ))
    })
}

/// The number of the newest migration this build knows for `backend`.
fn latest_migration(backend: BackupBackend) -> i64 {
    let migrator = match backend {
        BackupBackend::Sqlite => &crate::SQLITE_MIGRATIONS,
        BackupBackend::Postgres => &crate::PG_MIGRATIONS,
    };
    migrator
        .migrations
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// The PostgreSQL client tools.

/// `name` in the folder `SPOTCHECK_PG_BIN` when set, otherwise on `PATH`.
fn find_tool(name: &str) -> Result<PathBuf> {
    let (dirs, place): (Vec<PathBuf>, String) = match std::env::var_os("SPOTCHECK_PG_BIN") {
        Some(dir) => (
            vec![PathBuf::from(&dir)],
            format!("in SPOTCHECK_PG_BIN ({})", PathBuf::from(&dir).display()),
        ),
        None => (
            std::env::var_os("PATH")
                .map(|p| std::env::split_paths(&p).collect())
                .unwrap_or_default(),
            "on PATH".to_string(),
        ),
    };
    dirs.iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            BackupError::Failed(format!(
                "{name} was not found {place}: install the PostgreSQL client tools of the \
                 server's major version or newer (Debian/Ubuntu: apt-get install \
                 postgresql-client; RHEL: dnf install postgresql), or set SPOTCHECK_PG_BIN to \
                 the folder that holds {name} (e.g. /usr/lib/postgresql/16/bin)"
            ))
        })
}

/// `TOOL --version`, for messages.
fn tool_version(tool: &Path) -> String {
    std::process::Command::new(tool)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| format!("{} --version failed", tool.display()))
}

/// Runs a client tool with the password (if any) in `PGPASSWORD` rather than on its command
/// line, where other users could read it; reports the growth of `watch` while it runs. Returns
/// the tool's standard error when it fails.
async fn run_tool(
    mut command: tokio::process::Command,
    password: Option<&str>,
    watch: Option<&Path>,
    progress: ProgressFn<'_>,
) -> std::result::Result<(), String> {
    if let Some(p) = password {
        command.env("PGPASSWORD", p);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start it: {e}"))?;
    let mut stderr = child.stderr.take();
    let read_stderr = async move {
        let mut text = String::new();
        if let Some(s) = stderr.as_mut() {
            use tokio::io::AsyncReadExt;
            let _ = s.read_to_string(&mut text).await;
        }
        text
    };
    let watching = async {
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if let Some(size) = watch
                .and_then(|w| std::fs::metadata(w).ok())
                .map(|m| m.len())
            {
                progress(Progress::Bytes {
                    done: size,
                    total: 0,
                });
            }
        }
    };
    let (status, text) = tokio::select! {
        r = async { tokio::join!(child.wait(), read_stderr) } => r,
        _ = watching => unreachable!("the watch loop never ends"),
    };
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("{} ({s})", text.trim())),
        Err(e) => Err(format!("waiting for it failed: {e}")),
    }
}

/// The URL for libpq without its password (which goes to `PGPASSWORD`), and the password.
fn libpq_url(url: &str) -> (String, Option<String>) {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return (url.to_string(), None);
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return (url.to_string(), None);
    };
    let userinfo = &authority[..at];
    let Some((user, password)) = userinfo.split_once(':') else {
        return (url.to_string(), None);
    };
    let stripped = format!(
        "{}{}@{}{}",
        &url[..scheme_end],
        user,
        &authority[at + 1..],
        &rest[authority_end..]
    );
    (stripped, Some(percent_decode(password)))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    let (stripped, password) = libpq_url(url);
    match password {
        Some(_) => stripped,
        None => url.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Files.

struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Copies `from` to `to` in 1 MiB blocks, reporting the bytes done.
fn copy_with_progress<R: Read, W: Write>(
    from: &mut R,
    to: &mut W,
    total: u64,
    progress: ProgressFn<'_>,
    on_error: impl Fn(std::io::Error) -> BackupError,
) -> Result<u64> {
    let mut buf = vec![0u8; 1 << 20];
    let mut done = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(on_error(e)),
        };
        to.write_all(&buf[..n]).map_err(&on_error)?;
        done += n as u64;
        progress(Progress::Bytes { done, total });
    }
    to.flush().map_err(&on_error)?;
    Ok(done)
}

/// Size and SHA-256 of a file.
fn hash_file(path: &Path, progress: ProgressFn<'_>) -> Result<(u64, String)> {
    let total = std::fs::metadata(path)
        .map_err(|e| io_failed("reading", path, e))?
        .len();
    let mut file = File::open(path).map_err(|e| io_failed("reading", path, e))?;
    let mut hashing = HashingWriter {
        inner: std::io::sink(),
        hasher: Sha256::new(),
        bytes: 0,
    };
    copy_with_progress(&mut file, &mut hashing, total, progress, |e| {
        io_failed("reading", path, e)
    })?;
    Ok((hashing.bytes, hex::encode(hashing.hasher.finalize())))
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn side_file(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// Makes a rename in `dir` durable (best effort: not every system can open a folder).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

fn io_failed(doing: &str, path: &Path, e: std::io::Error) -> BackupError {
    BackupError::Failed(format!("{doing} {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url_for_pgpassword() {
        assert_eq!(
            libpq_url("postgres://app:s%40cret@db.example:5432/spotcheck?sslmode=require"),
            (
                "postgres://app@db.example:5432/spotcheck?sslmode=require".to_string(),
                Some("s@cret".to_string())
            )
        );
        assert_eq!(
            libpq_url("postgres://postgres@127.0.0.1/test"),
            ("postgres://postgres@127.0.0.1/test".to_string(), None)
        );
        assert_eq!(redact("postgres://a:b@h/d"), "postgres://a@h/d");
    }

    #[test]
    fn a_manifest_reads_back_as_written() {
        let manifest = Manifest {
            format: FORMAT.into(),
            backend: BackupBackend::Postgres,
            created_at: crate::now(),
            spotcheck_version: "0.1.0".into(),
            schema_version: 9,
            server_version: Some("15.2".into()),
            database: DatabaseEntry {
                name: PG_ENTRY.into(),
                bytes: 3,
                sha256: crate::sha256_hex("abc"),
            },
            counts: [("firm".to_string(), 3000)].into_iter().collect(),
            audit_head: AuditHead {
                seq: 1,
                hash: "00".into(),
            },
        };
        let json = serde_json::to_string(&manifest).unwrap();
        assert!(json.contains("\"backend\":\"postgres\""), "{json}");
        assert_eq!(serde_json::from_str::<Manifest>(&json).unwrap(), manifest);
    }
}
