//! `spotcheck backup` and `spotcheck restore` as an operator runs them, on SQLite and on
//! PostgreSQL: a backup of the demo data with a draw, its tasks and a form; a change made after
//! it; a restore refused over data without --force; a forced restore that removes the change,
//! gives back the backup's row counts and an audit chain that verifies.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use spotcheck_store::backup::{read_manifest, BackupBackend};
use spotcheck_store::draws::PlanKind;
use spotcheck_store::{agency, inspections, tasks, testing, Db};
use sqlx::Connection;

const ADMIN_PASSWORD: &str = "admin password for backup tests";
/// The tables compared before the backup and after the restore.
const TABLES: [&str; 9] = [
    "agency",
    "account",
    "firm",
    "officer",
    "plan",
    "draw_record",
    "task",
    "inspection",
    "audit_event",
];
/// The agency added after the backup, which the restore must remove.
const ADDED: &str = "650100-after-backup";

/// Where the commands point: the SQLite file of a data folder, or a PostgreSQL URL.
enum Target<'a> {
    DataDir(&'a Path),
    Url(&'a str),
}

impl Target<'_> {
    fn url(&self) -> String {
        match self {
            Target::DataDir(dir) => Db::sqlite_url_in(dir),
            Target::Url(url) => url.to_string(),
        }
    }
}

fn spotcheck(target: &Target<'_>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_spotcheck"));
    command
        .args(args)
        .env("SPOTCHECK_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("SPOTCHECK_LOG", "warn")
        .env_remove("SPOTCHECK_CONFIG")
        .env_remove("SPOTCHECK_LOG_FORMAT");
    match target {
        Target::DataDir(dir) => command
            .env("SPOTCHECK_DATA_DIR", dir)
            .env_remove("SPOTCHECK_DATABASE_URL"),
        Target::Url(url) => command.env("SPOTCHECK_DATABASE_URL", url),
    };
    command.output().expect("run spotcheck")
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn succeeds(target: &Target<'_>, args: &[&str]) -> String {
    let out = spotcheck(target, args);
    assert!(out.status.success(), "spotcheck {args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Row counts of [`TABLES`], read from outside through one connection that is closed before
/// returning (a pooled one could outlive the call and count as a session using the database).
async fn counts(url: &str) -> BTreeMap<String, i64> {
    let mut counts = BTreeMap::new();
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.expect("open");
        for table in TABLES {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            let n: i64 = sqlx::query_scalar(&sql)
                .fetch_one(&mut c)
                .await
                .expect("count");
            counts.insert(table.to_string(), n);
        }
        c.close().await.expect("close");
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.expect("open");
        for table in TABLES {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            let n: i64 = sqlx::query_scalar(&sql)
                .fetch_one(&mut c)
                .await
                .expect("count");
            counts.insert(table.to_string(), n);
        }
        c.close().await.expect("close");
    }
    counts
}

/// The demo data, then Tianshan's key draw for 2026Q2 with its tasks and a draft form, so that
/// every compared table has rows.
async fn fill(target: &Target<'_>) {
    succeeds(target, &["demo"]);
    let db = Db::connect(&target.url()).await.expect("open the database");
    let tianshan = agency::by_code(&db, "650102").await.unwrap().unwrap();
    let day = "2026-03-20".parse().unwrap();
    let record = testing::drawn(
        &db,
        &tianshan,
        PlanKind::Key,
        "2026Q2",
        day,
        "dice:38172645091827364510",
    )
    .await;
    let task = tasks::of_draw(&db, record.id).await.unwrap().remove(0);
    let form = testing::completed_form(&db, task.id, "2026-04-15".parse().unwrap()).await;
    inspections::save_draft(&db, "test", task.id, &form)
        .await
        .expect("storage")
        .expect("a draft");
    db.close().await;
}

/// `audit verify` succeeds; the number of events it reports.
fn audit_events(target: &Target<'_>) -> i64 {
    let out = succeeds(target, &["audit", "verify"]);
    out.split("intact: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected audit verify output: {out}"))
}

fn has_added_agency(target: &Target<'_>) -> bool {
    succeeds(target, &["agency", "list"]).contains(ADDED)
}

/// The scenario both backends go through; the backup is left in `work`.
async fn backup_change_restore(target: &Target<'_>, work: &Path, backend: BackupBackend) {
    fill(target).await;
    let url = target.url();
    let before = counts(&url).await;
    assert!(
        before.values().all(|n| *n > 0),
        "every table has rows: {before:?}"
    );

    let file = work.join("spotcheck-backup.zip");
    let file_arg = file.to_str().unwrap();
    let out = succeeds(target, &["backup", "--out", file_arg]);
    assert!(out.contains("backup written"), "{out}");
    let manifest = read_manifest(&file).expect("a readable backup");
    assert_eq!(manifest.backend, backend);
    for (table, n) in &before {
        assert_eq!(
            manifest.counts.get(table),
            Some(n),
            "manifest count of {table}"
        );
    }
    assert_eq!(manifest.audit_head.seq, before["audit_event"]);

    // A second backup never overwrites the first.
    let again = spotcheck(target, &["backup", "--out", file_arg]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(text(&again).contains("exists already"), "{}", text(&again));

    // A change after the backup.
    succeeds(
        target,
        &[
            "agency",
            "add",
            "--code",
            ADDED,
            "--division",
            "650100",
            "--name-zh",
            "备份后新增",
            "--name-en",
            "Added after the backup",
        ],
    );
    assert!(has_added_agency(target));
    assert_ne!(counts(&url).await, before);

    // Refused over data without --force, and nothing changes.
    let refused = spotcheck(target, &["restore", file_arg]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("holds data") && message.contains("--force"),
        "{message}"
    );
    assert!(
        has_added_agency(target),
        "a refused restore changes nothing"
    );

    // Forced: the change is gone, the counts are the backup's, the chain verifies.
    let out = succeeds(target, &["restore", file_arg, "--force"]);
    assert!(out.contains("audit log intact"), "{out}");
    assert!(out.contains("equal to the backup's"), "{out}");
    assert!(
        !has_added_agency(target),
        "the change after the backup is gone"
    );
    assert_eq!(counts(&url).await, before);
    assert_eq!(audit_events(target), before["audit_event"]);
}

#[tokio::test]
async fn sqlite_backup_and_restore() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let target = Target::DataDir(&data);
    backup_change_restore(&target, work.path(), BackupBackend::Sqlite).await;
    let file = work.path().join("spotcheck-backup.zip");
    let file_arg = file.to_str().unwrap();
    let sqlite = data.join("spotcheck.sqlite");

    // A running server: a backup is made online, a restore is refused.
    let mut server = Command::new(env!("CARGO_BIN_EXE_spotcheck"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SPOTCHECK_DATA_DIR", &data)
        .env_remove("SPOTCHECK_DATABASE_URL")
        .env_remove("SPOTCHECK_CONFIG")
        .env("SPOTCHECK_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("http://"), "the server started: {first}");
    let online = work.path().join("online.zip");
    succeeds(&target, &["backup", "--out", online.to_str().unwrap()]);
    assert_eq!(
        read_manifest(&online).unwrap().counts,
        read_manifest(&file).unwrap().counts
    );
    let refused = spotcheck(&target, &["restore", file_arg, "--force"]);
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("in use"), "{}", text(&refused));

    // Into an empty data folder no --force is needed.
    let fresh = work.path().join("fresh");
    let out = succeeds(&Target::DataDir(&fresh), &["restore", file_arg]);
    assert!(out.contains("equal to the backup's"), "{out}");
    assert_eq!(
        counts(&Db::sqlite_url_in(&fresh)).await,
        counts(&Db::sqlite_url_in(&data)).await
    );

    // A damaged backup is refused before anything is replaced.
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    let damaged = work.path().join("damaged.zip");
    std::fs::write(&damaged, bytes).unwrap();
    let before = counts(&Db::sqlite_url_in(&data)).await;
    let out = spotcheck(&target, &["restore", damaged.to_str().unwrap(), "--force"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(sqlite.exists());
    assert_eq!(
        counts(&Db::sqlite_url_in(&data)).await,
        before,
        "nothing replaced"
    );
    audit_events(&target);
}

#[tokio::test]
async fn postgres_backup_and_restore() {
    // A fresh database of its own (dropped at the end), or a loud skip when PostgreSQL is not
    // reachable (a failure with SPOTCHECK_REQUIRE_PG=1).
    let Some(pg) = testing::postgres().await else {
        return;
    };
    // The restore refuses while other sessions use the database: close the helper's pool.
    pg.db.close().await;
    let work = tempfile::tempdir().unwrap();
    let target = Target::Url(&pg.url);
    backup_change_restore(&target, work.path(), BackupBackend::Postgres).await;
    let file = work.path().join("spotcheck-backup.zip");

    // Into another fresh database no --force is needed.
    let Some(other) = testing::postgres().await else {
        return;
    };
    other.db.close().await;
    let out = succeeds(
        &Target::Url(&other.url),
        &["restore", file.to_str().unwrap()],
    );
    assert!(out.contains("equal to the backup's"), "{out}");
    assert_eq!(counts(&other.url).await, counts(&pg.url).await);

    // A backup of one backend is refused by the other.
    let sqlite_dir = work.path().join("sqlite");
    let refused = spotcheck(
        &Target::DataDir(&sqlite_dir),
        &["restore", file.to_str().unwrap()],
    );
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(
        text(&refused).contains("PostgreSQL backup"),
        "{}",
        text(&refused)
    );
}
