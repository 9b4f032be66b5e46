//! Fresh databases for tests, on both backends.
//!
//! Every test gets its own empty, migrated database: a SQLite file in a temporary folder, and a
//! PostgreSQL database created for it on the server named by `SPOTCHECK_TEST_PG` (default: the
//! local server's `test` database, used only to create and drop the per-test databases). When
//! PostgreSQL is not reachable the PostgreSQL runs are skipped with a loud warning, unless
//! `SPOTCHECK_REQUIRE_PG=1`, which makes that a failure.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

use sqlx::Connection;

use crate::Db;

/// A database that is removed when the value is dropped.
pub struct TestDb {
    pub db: Db,
    /// Where a server process for the same database can connect (the web tests' child servers).
    pub url: String,
    guard: Guard,
}

enum Guard {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Pg { admin_url: String, name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Guard::Pg { admin_url, name } = &self.guard {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside a tokio runtime; talk to PostgreSQL from a thread of our own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async {
                        if let Ok(mut c) = sqlx::PgConnection::connect(&admin_url).await {
                            let _ = sqlx::query(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .execute(&mut c)
                            .await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

/// The PostgreSQL server used for tests.
pub fn pg_admin_url() -> String {
    std::env::var("SPOTCHECK_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

fn pg_required() -> bool {
    std::env::var("SPOTCHECK_REQUIRE_PG").is_ok_and(|v| v == "1")
}

/// A fresh migrated SQLite database in its own temporary folder.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temporary folder for a test database");
    let url = Db::sqlite_url_in(dir.path());
    let db = Db::connect(&url).await.expect("open SQLite test database");
    db.migrate().await.expect("migrate SQLite test database");
    TestDb {
        db,
        url,
        guard: Guard::Sqlite(dir),
    }
}

/// A fresh migrated PostgreSQL database, or `None` (with a loud warning) when the server is not
/// reachable and not required.
pub async fn postgres() -> Option<TestDb> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let admin_url = pg_admin_url();
    let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
        Ok(c) => c,
        Err(e) => {
            if pg_required() {
                panic!("PostgreSQL at {admin_url} is required (SPOTCHECK_REQUIRE_PG=1) but unreachable: {e}");
            }
            warn_skipped(&admin_url, &e);
            return None;
        }
    };
    let name = format!(
        "spotcheck_t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        crate::random_token().get(..8).unwrap_or("0")
    );
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await
        .expect("create PostgreSQL test database");
    let url = database_url_with_name(&admin_url, &name);
    let db = Db::connect(&url)
        .await
        .expect("connect to PostgreSQL test database");
    db.migrate()
        .await
        .expect("migrate PostgreSQL test database");
    Some(TestDb {
        db,
        url,
        guard: Guard::Pg { admin_url, name },
    })
}

/// One fresh database per available backend: SQLite always, PostgreSQL when reachable.
pub async fn all_backends() -> Vec<TestDb> {
    let mut dbs = vec![sqlite().await];
    dbs.extend(postgres().await);
    dbs
}

fn database_url_with_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let root = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    format!("{root}/{name}{query}")
}

fn warn_skipped(url: &str, e: &sqlx::Error) {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Written straight to the process's stderr, past the test harness's capture, so that the
        // skip is seen even when every test passes.
        let _ = writeln!(
            std::io::stderr(),
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
             !! SKIPPED: PostgreSQL runs of the storage tests.\n\
             !! {url} is unreachable: {e}\n\
             !! Start PostgreSQL (or set SPOTCHECK_TEST_PG) to run them;\n\
             !! SPOTCHECK_REQUIRE_PG=1 turns this into a failure.\n\
             !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        );
    });
}

/// Runs one statement as it stands, behind the application's back: for tests of what a user
/// sees when the database was altered by other means (an edited audit event).
pub async fn execute(db: &Db, sql: &str) -> u64 {
    crate::on_db!(db, |p| sqlx::query(sql)
        .execute(p)
        .await
        .expect("the statement")
        .rows_affected())
}

/// The foundation (admin password `admin password 1`) and the demo data set: the common start of
/// the storage tests that need lists to draw from.
pub async fn with_demo(db: &Db) {
    crate::bootstrap::ensure_foundation(db, Some("admin password 1"))
        .await
        .expect("foundation");
    crate::demo::load(db, &crate::demo::DemoOptions::default(), &|_| {})
        .await
        .expect("demo data");
}

/// `agency`'s plan of `kind` for `period` on the rules' defaults, created by `actor`.
pub async fn plan(
    db: &Db,
    actor: &str,
    agency: &crate::agency::Agency,
    kind: crate::draws::PlanKind,
    period: &str,
) -> crate::draws::Plan {
    crate::draws::create_plan(
        db,
        actor,
        agency,
        kind,
        period,
        &spotcheck_core::rules::RulesConfig::default(),
        &Default::default(),
    )
    .await
    .expect("storage")
    .expect("a plan within the rules")
}

/// Creates `agency`'s plan of `kind` for `period` with the rules' defaults, freezes it on
/// `today`, enters `dice` before one witness and draws: the executed record.
pub async fn drawn(
    db: &Db,
    agency: &crate::agency::Agency,
    kind: crate::draws::PlanKind,
    period: &str,
    today: chrono::NaiveDate,
    dice: &str,
) -> crate::draws::DrawRecord {
    use crate::draws;
    let plan = plan(db, "test", agency, kind, period).await;
    draws::freeze(db, "test", &plan, agency, today)
        .await
        .expect("storage")
        .expect("frozen");
    draws::seed(db, "test", &plan, dice, &["王芳".into()])
        .await
        .expect("storage")
        .expect("seeded");
    draws::execute(db, "test", &plan)
        .await
        .expect("storage")
        .expect("drawn")
}

/// The demo data with Midong's (650109) key units drawn for 2026Q1: the district and the
/// executed record.
pub async fn demo_with_key_draw(db: &Db) -> (crate::agency::Agency, crate::draws::DrawRecord) {
    with_demo(db).await;
    let midong = crate::agency::by_code(db, "650109")
        .await
        .expect("storage")
        .expect("the demo's Midong district");
    let record = drawn(
        db,
        &midong,
        crate::draws::PlanKind::Key,
        "2026Q1",
        "2025-12-20".parse().expect("a date"),
        "dice:38172645091827364510",
    )
    .await;
    (midong, record)
}

/// The prefilled form of a task completed as on site on `day` (9:00 to 11:00): the firm's
/// person present named and every item compliant, ready to submit.
pub async fn completed_form(
    db: &Db,
    task_id: i64,
    day: chrono::NaiveDate,
) -> spotcheck_core::inspection::InspectionForm {
    use spotcheck_core::inspection::{CheckItem, ItemCheck, Verdict};
    let mut form = crate::inspections::prefill(db, task_id)
        .await
        .expect("the task's form");
    let at = |h| day.and_hms_opt(h, 0, 0).expect("a time of day");
    form.arrived_at = Some(at(9));
    form.departed_at = Some(at(11));
    form.representative = "厂长".into();
    form.items = CheckItem::ALL
        .iter()
        .map(|item| ItemCheck {
            item: *item,
            verdict: Verdict::Compliant,
            remark: String::new(),
        })
        .collect();
    form
}

#[cfg(test)]
mod tests {
    use super::database_url_with_name;

    #[test]
    fn a_test_database_url_replaces_only_the_database_name() {
        assert_eq!(
            database_url_with_name("postgres://postgres@127.0.0.1:5432/test", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            database_url_with_name("postgres://u@h/test?sslmode=disable", "t2"),
            "postgres://u@h/t2?sslmode=disable"
        );
    }
}
