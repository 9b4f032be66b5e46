//! Crashes: a `spotcheck serve` process is killed (SIGKILL) in the middle of a large import
//! uploaded through the web (a first load, which sets the firm indexes aside until its end) and in the middle of a draw executed through the JSON API, then
//! started again. The database must hold all of the operation or none of it (and a SQLite file
//! must pass its integrity check), the audit chain must verify, and the operation must succeed
//! when repeated.
//!
//! The kill is aimed from outside: a probe connection watches the database until the server's
//! write transaction is open (SQLite: the write lock is taken; PostgreSQL: a session of the
//! database has a transaction id) and has been open for a while, and only then kills. When the
//! operation finished before the kill nevertheless, the test starts over on a fresh database with
//! an earlier kill, so that a pass always means a kill that landed inside the transaction.
//!
//! Both tests run on SQLite and, when reachable, on PostgreSQL (SPOTCHECK_REQUIRE_PG=1 makes an
//! unreachable server a failure). SPOTCHECK_CRASH_ROWS and SPOTCHECK_CRASH_UNITS change the sizes.

use std::time::{Duration, Instant};

use crate::common::{
    audit_verifies, client, count, csrf_of, firms_csv, login, spotcheck, sqlite_file_is_sound,
    tianshan_key_firms, Server, WriteProbe, ADMIN_PASSWORD, TIANSHAN,
};
use spotcheck_core::lists::FirmRecord;
use spotcheck_store::demo::{DemoOptions, DEMO_PASSWORD};
use spotcheck_store::testing::{self, TestDb};
use spotcheck_store::{account, agency, draws, Db};

/// Firms in the imported file: by default a first load large enough that the import sets the
/// firm indexes aside and builds them at its end (`store::bulk`).
fn import_rows() -> usize {
    env_number(
        "SPOTCHECK_CRASH_ROWS",
        spotcheck_store::bulk::DEFER_MIN_ROWS,
    )
}

/// The firm table's indexes and triggers, as the database describes them.
async fn firm_schema(db: &Db) -> Vec<String> {
    let sql = match db {
        Db::Sqlite(_) => {
            "SELECT type || ' ' || name || ' ' || COALESCE(sql, '') FROM sqlite_master \
             WHERE tbl_name = 'firm' ORDER BY 1"
        }
        Db::Pg(_) => "SELECT indexdef FROM pg_indexes WHERE tablename = 'firm' ORDER BY 1",
    };
    spotcheck_store::on_db!(db, |p| sqlx::query_scalar::<_, String>(sql)
        .fetch_all(p)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}")))
}

/// On SQLite, the text index of firm names and addresses agrees with the firm table.
async fn text_index_is_sound(db: &Db) {
    if let Db::Sqlite(pool) = db {
        sqlx::query("INSERT INTO firm_fts (firm_fts, rank) VALUES ('integrity-check', 1)")
            .execute(pool)
            .await
            .expect("the text index of firms agrees with the firm table");
    }
}

/// Key units in the drawn population (each one becomes a task).
fn draw_units() -> usize {
    env_number("SPOTCHECK_CRASH_UNITS", 5_000)
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Firms of the demo set loaded under the imported or drawn ones.
const DEMO_FIRMS: usize = 200;

#[derive(Debug, Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh migrated database, or `None` when PostgreSQL is unreachable and not required (the
/// skip is announced by the store's test helpers).
async fn fresh(backend: Backend) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => Some(testing::sqlite().await),
        Backend::Postgres => testing::postgres().await,
    }
}

/// The foundation and a small demo set: the agencies, officers, and the district admin
/// `tianshan` (password [`DEMO_PASSWORD`]).
async fn prepare(db: &Db) {
    spotcheck_store::bootstrap::ensure_foundation(db, Some(ADMIN_PASSWORD))
        .await
        .expect("foundation");
    let demo = DemoOptions {
        seed: 2020,
        firms: DEMO_FIRMS,
        officers: 60,
    };
    spotcheck_store::demo::load(db, &demo, &|_| {})
        .await
        .expect("demo data");
}

/// Where the kill landed.
enum Landing {
    /// Inside the operation's transaction: the writer had been seen for `writer_ms` and the
    /// request had run for `request_ms`.
    Inside { writer_ms: u128, request_ms: u128 },
    /// The operation had finished: the kill proves nothing.
    TooLate,
}

/// Sends the request of `operation`, waits until the server's write transaction has been open
/// for `hold`, and kills the server (SIGKILL).
async fn kill_inside_the_transaction(
    server: &mut Server,
    url: &str,
    hold: Duration,
    give_up_after: Duration,
    operation: tokio::task::JoinHandle<Result<reqwest::StatusCode, reqwest::Error>>,
) -> Landing {
    let mut probe = WriteProbe::connect(url).await;
    let sent = Instant::now();
    let mut seen_since: Option<Instant> = None;
    let landing = loop {
        let active = probe.writer_active().await;
        if operation.is_finished() {
            break Landing::TooLate;
        }
        match (active, seen_since) {
            (true, None) => seen_since = Some(Instant::now()),
            (true, Some(since)) if since.elapsed() >= hold => {
                server.kill();
                break Landing::Inside {
                    writer_ms: since.elapsed().as_millis(),
                    request_ms: sent.elapsed().as_millis(),
                };
            }
            // A short transaction of something else, or the operation's commit.
            (false, Some(_)) => seen_since = None,
            _ => {}
        }
        assert!(
            sent.elapsed() < give_up_after,
            "no write transaction was seen within {give_up_after:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    server.kill();
    probe.close().await;
    let answer = operation.await.expect("the request task");
    if let (Landing::Inside { .. }, Ok(status)) = (&landing, &answer) {
        // The answer left before the kill: the operation had committed after all.
        eprintln!("the server answered {status} before it was killed");
        return Landing::TooLate;
    }
    landing
}

// ---------------------------------------------------------------------------------------------
// An import.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_in_the_middle_of_an_import_has_imported_nothing_and_imports_it_again() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let mut fraction = 0.4;
        for attempt in 1..=3 {
            let Some(test_db) = fresh(backend).await else {
                break;
            };
            let started = Instant::now();
            let landed = import_killed(&test_db, fraction).await;
            eprintln!(
                "import crash on {backend:?}, attempt {attempt}: {:.1} s",
                started.elapsed().as_secs_f64()
            );
            if landed {
                break;
            }
            assert!(attempt < 3, "the import finished before every kill");
            fraction /= 4.0;
        }
    }
}

/// Previews a file of [`import_rows`] firms, applies it and kills the server `fraction` of the
/// preview's duration into the import's transaction; then checks all-or-nothing, the audit chain,
/// and that applying the same upload again imports every row. False when the kill came too late.
async fn import_killed(test_db: &TestDb, fraction: f64) -> bool {
    let (db, url) = (&test_db.db, test_db.url.as_str());
    prepare(db).await;
    let rows = import_rows();
    let firms: Vec<FirmRecord> = tianshan_key_firms(DEMO_FIRMS, rows);
    let csv = firms_csv(&firms);
    let all_firms = "SELECT COUNT(*) FROM firm";
    let imports = "SELECT COUNT(*) FROM audit_event WHERE action = 'list.import'";
    let before = count(db, all_firms).await;
    let schema = firm_schema(db).await;
    let logs = tempfile::tempdir().expect("a folder for the server's log");
    let log = logs.path().join("serve.log");

    let mut server = Server::start(url, &log);
    let c = client();
    login(&c, &server.base, "tianshan", DEMO_PASSWORD).await;
    let page = c
        .get(server.url("/lists/firms/import"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);

    // The preview does the whole import in a transaction it rolls back: its time is the time
    // the import takes.
    let started = Instant::now();
    let file = reqwest::multipart::Part::bytes(csv.clone()).file_name("firms.csv");
    let preview = c
        .post(server.url("/lists/firms/import"))
        .multipart(
            reqwest::multipart::Form::new()
                .text("csrf", csrf.clone())
                .part("file", file),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(preview.status(), 200);
    let preview = preview.text().await.unwrap();
    let preview_time = started.elapsed();
    assert!(
        preview.contains(&format!("id=\"count-new\">{rows}<")),
        "the preview counts {rows} new firms"
    );
    let token = preview
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the upload's token")
        .to_string();
    assert_eq!(
        count(db, all_firms).await,
        before,
        "a preview writes nothing"
    );

    let form = [("csrf", csrf.clone()), ("token", token.clone())];
    let apply = {
        let (c, u, form) = (
            c.clone(),
            server.url("/lists/firms/import/apply"),
            form.clone(),
        );
        tokio::spawn(async move { c.post(u).form(&form).send().await.map(|r| r.status()) })
    };
    let hold = preview_time
        .mul_f64(fraction)
        .max(Duration::from_millis(50));
    let landing = kill_inside_the_transaction(
        &mut server,
        url,
        hold,
        preview_time * 4 + Duration::from_secs(30),
        apply,
    )
    .await;

    // The restart: the server opens (and migrates) the database again.
    let mut server = Server::start(url, &log);
    sqlite_file_is_sound(db).await;
    assert_eq!(
        firm_schema(db).await,
        schema,
        "the firm indexes are all there"
    );
    text_index_is_sound(db).await;
    let after = count(db, all_firms).await;
    assert!(
        after == before || after == before + rows as i64,
        "all or nothing: {before} firms before, {after} after a kill during an import of {rows}"
    );
    let events = audit_verifies(url);
    let Landing::Inside {
        writer_ms,
        request_ms,
    } = landing
    else {
        eprintln!(
            "the import finished before the kill ({after} firms); again with an earlier kill"
        );
        return false;
    };
    assert_eq!(
        after, before,
        "killed inside the transaction: nothing imported"
    );
    assert_eq!(count(db, imports).await, 0, "and no import audited");

    // The same upload applies after the restart, whole.
    let started = Instant::now();
    let again = c
        .post(server.url("/lists/firms/import/apply"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    assert!(again.text().await.unwrap().contains("id=\"import-status\""));
    let apply_time = started.elapsed();
    assert_eq!(count(db, all_firms).await, before + rows as i64);
    assert_eq!(count(db, imports).await, 1);
    assert_eq!(
        firm_schema(db).await,
        schema,
        "the firm indexes are built again"
    );
    text_index_is_sound(db).await;
    let events_after = audit_verifies(url);
    assert!(events_after > events);
    server.kill();
    eprintln!(
        "import of {rows} firms ({:.1} MB CSV) on {}: preview {:.2} s; killed {request_ms} ms into \
         the apply request, {writer_ms} ms after its write transaction opened; firms {before} before, \
         {after} after the kill; audit {events} events intact; applied again in {:.2} s: {} firms, \
         audit {events_after} events intact",
        csv.len() as f64 / 1e6,
        backend_name(db),
        preview_time.as_secs_f64(),
        apply_time.as_secs_f64(),
        before + rows as i64,
    );
    true
}

fn backend_name(db: &Db) -> &'static str {
    match db {
        Db::Sqlite(_) => "SQLite",
        Db::Pg(_) => "PostgreSQL",
    }
}

// ---------------------------------------------------------------------------------------------
// A draw.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_in_the_middle_of_a_draw_has_drawn_nothing_and_draws_again() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let mut hold = Duration::from_millis(100);
        for attempt in 1..=4 {
            let Some(test_db) = fresh(backend).await else {
                break;
            };
            let started = Instant::now();
            let landed = draw_killed(&test_db, hold).await;
            eprintln!(
                "draw crash on {backend:?}, attempt {attempt}: {:.1} s",
                started.elapsed().as_secs_f64()
            );
            if landed {
                break;
            }
            assert!(attempt < 4, "the draw finished before every kill");
            hold /= 4;
        }
    }
}

/// Freezes and seeds a key plan of Tianshan over [`draw_units`] key units at a rate of 100%,
/// executes it through the API and kills the server `hold` into the draw's transaction; then
/// checks that the draw has no result and no task, the audit chain, and that executing again
/// dispatches every task and verifies. False when the kill came too late.
async fn draw_killed(test_db: &TestDb, hold: Duration) -> bool {
    let (db, url) = (&test_db.db, test_db.url.as_str());
    prepare(db).await;
    let units = draw_units();
    let tianshan = agency::by_code(db, TIANSHAN)
        .await
        .unwrap()
        .expect("Tianshan");
    let records: Vec<(i64, FirmRecord)> = tianshan_key_firms(DEMO_FIRMS, units)
        .into_iter()
        .map(|f| (tianshan.id, f))
        .collect();
    let mut tx = db.begin().await.unwrap();
    spotcheck_store::lists::insert_new_firms(&mut tx, "test", &records, spotcheck_store::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let params = draws::PlanParams {
        rate_percent: Some(100),
        ..Default::default()
    };
    let rules = spotcheck_core::rules::RulesConfig::default();
    let plan = draws::create_plan(
        db,
        "test",
        &tianshan,
        draws::PlanKind::Key,
        "2026Q2",
        &rules,
        &params,
    )
    .await
    .unwrap()
    .expect("a plan within the rules");
    let today = "2026-03-20".parse().unwrap();
    draws::freeze(db, "test", &plan, &tianshan, today)
        .await
        .unwrap()
        .expect("frozen");
    let seeded = draws::seed(
        db,
        "test",
        &plan,
        "dice:38172645091827364510",
        &["王芳".into(), "李军".into()],
    )
    .await
    .unwrap()
    .expect("seeded");
    let tasks = format!("SELECT COUNT(*) FROM task WHERE draw_id = {}", seeded.id);
    let executions = "SELECT COUNT(*) FROM audit_event WHERE action = 'draw.execute'";
    let admin = account::by_username(db, "tianshan")
        .await
        .unwrap()
        .expect("the district admin");
    let bearer = format!(
        "Bearer {}",
        spotcheck_store::token::create(db, "test", &admin, "crash test")
            .await
            .unwrap()
    );
    let logs = tempfile::tempdir().expect("a folder for the server's log");
    let log = logs.path().join("serve.log");

    let mut server = Server::start(url, &log);
    let execute_url = format!("/api/v1/plans/{}/execute", plan.id);
    let c = client();
    let execute = {
        let (c, u, bearer) = (c.clone(), server.url(&execute_url), bearer.clone());
        tokio::spawn(async move {
            c.post(u)
                .header("authorization", bearer)
                .send()
                .await
                .map(|r| r.status())
        })
    };
    let landing =
        kill_inside_the_transaction(&mut server, url, hold, Duration::from_secs(120), execute)
            .await;

    // The restart.
    let mut server = Server::start(url, &log);
    sqlite_file_is_sound(db).await;
    let record = draws::latest_draw(db, plan.id)
        .await
        .unwrap()
        .expect("the frozen attempt");
    assert_eq!(record.id, seeded.id, "still the first attempt");
    let dispatched = count(db, &tasks).await;
    let drawn = record.output.as_deref().map(selected_count);
    match drawn {
        None => assert_eq!(dispatched, 0, "no result, so no task"),
        Some(n) => assert_eq!(dispatched, n, "a result, so all of its tasks"),
    }
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM task").await,
        dispatched,
        "no other task anywhere"
    );
    let events = audit_verifies(url);
    let Landing::Inside {
        writer_ms,
        request_ms,
    } = landing
    else {
        eprintln!(
            "the draw finished before the kill ({dispatched} tasks); again with an earlier kill"
        );
        return false;
    };
    if drawn.is_some() {
        // The probe saw the transaction open, and it committed before the kill reached the
        // server: all of its tasks are there (checked above), which is the other whole outcome.
        eprintln!(
            "the draw committed between the last look and the kill ({dispatched} tasks, all of them); again with an earlier kill"
        );
        return false;
    }
    assert_eq!(count(db, executions).await, 0);

    // Executing again after the restart draws and dispatches every task.
    let started = Instant::now();
    let again = c
        .post(server.url(&execute_url))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    let summary: serde_json::Value = again.json().await.unwrap();
    let execute_time = started.elapsed();
    assert!(summary["result_sha256"].is_string(), "{summary}");
    let record = draws::latest_draw(db, plan.id).await.unwrap().unwrap();
    let selected = selected_count(record.output.as_deref().expect("a result"));
    let population = count(
        db,
        &format!(
            "SELECT COUNT(*) FROM firm WHERE agency_id = {} AND category = 'key' AND status = 'active'",
            tianshan.id
        ),
    )
    .await;
    assert_eq!(selected, population, "a rate of 100% draws every key unit");
    assert_eq!(count(db, &tasks).await, selected);
    assert_eq!(count(db, executions).await, 1);
    let events_after = audit_verifies(url);
    server.kill();

    // The record of the repeated draw verifies.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("record.json");
    let plan_id = plan.id.to_string();
    let out = spotcheck(
        url,
        &["draw", "export", &plan_id, "--out", file.to_str().unwrap()],
    );
    assert!(out.status.success(), "{out:?}");
    let out = spotcheck(url, &["draw", "verify", file.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    eprintln!(
        "draw of {population} key units on {}: killed {request_ms} ms into the execute request, \
         {writer_ms} ms after its write transaction opened; after the kill: no result, \
         {dispatched} tasks, audit {events} events intact; executed again in {:.2} s: \
         {selected} tasks, audit {events_after} events intact, record verifies",
        backend_name(db),
        execute_time.as_secs_f64(),
    );
    true
}

/// How many units a draw's output selected.
fn selected_count(output: &str) -> i64 {
    let output: serde_json::Value = serde_json::from_str(output).expect("output JSON");
    output["selected"].as_array().expect("selected units").len() as i64
}
