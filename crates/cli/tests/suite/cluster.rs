//! Stateless servers: two `spotcheck serve` processes on one PostgreSQL database answer alike, a
//! session made on one works on the other, the same draw started on both at once is made once,
//! and the reminder job runs on one server at a time and passes to the other when that one dies.

use std::time::{Duration, Instant};

use crate::common::{client, count, login, spotcheck, this_quarter, Server, ADMIN_PASSWORD};
use spotcheck_store::testing;

/// The job interval of the servers of this test, in seconds (their lease lasts 5 s, the least).
const JOB_INTERVAL: &str = "0.2";

fn text(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The holder of the reminder job's lease and how many times it changed hands.
async fn lease(db: &spotcheck_store::Db) -> (Option<String>, i64) {
    let holder = spotcheck_store::jobs::lease_holder(db, spotcheck_store::jobs::REMINDERS)
        .await
        .unwrap()
        .map(|(h, _)| h);
    let changes = count(
        db,
        "SELECT COUNT(*) FROM audit_event WHERE action = 'lease.acquire'",
    )
    .await;
    (holder, changes)
}

#[tokio::test]
async fn two_servers_on_one_database_behave_as_one() {
    let Some(test_db) = testing::postgres().await else {
        return; // announced loudly by the store's helper; a failure under SPOTCHECK_REQUIRE_PG=1
    };
    let url = test_db.url.clone();
    let db = test_db.db.clone();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("servers.log");

    // The demo and a key plan of Tianshan, frozen and seeded, ready to be drawn.
    text(&spotcheck(&url, &["demo"]));
    let quarter = this_quarter().to_string();
    let created = text(&spotcheck(
        &url,
        &[
            "plan", "create", "--agency", "650102", "--kind", "key", "--period", &quarter,
        ],
    ));
    let plan = created
        .split_whitespace()
        .nth(1)
        .unwrap()
        .trim_end_matches(':')
        .to_string();
    text(&spotcheck(&url, &["draw", "freeze", &plan]));
    text(&spotcheck(
        &url,
        &[
            "draw",
            "seed",
            &plan,
            "--randomness",
            "dice:38172645091827364510",
            "--witness",
            "李军",
            "--witness",
            "王芳",
        ],
    ));
    let token = text(&spotcheck(&url, &["token", "create", "--user", "tianshan"]))
        .lines()
        .find(|l| l.starts_with("sc_"))
        .unwrap()
        .to_string();

    let jobs = [("SPOTCHECK_JOB_INTERVAL", JOB_INTERVAL)];
    let mut a = Server::start_with(&url, &log, &jobs);
    let mut b = Server::start_with(&url, &log, &jobs);
    let http = client();

    // The same answers from both.
    for path in ["/api/v1/agencies", "/api/v1/plans", "/api/v1/firms"] {
        let on = |s: &Server| http.get(s.url(path)).bearer_auth(&token).send();
        let from_a = on(&a).await.unwrap().text().await.unwrap();
        let from_b = on(&b).await.unwrap().text().await.unwrap();
        assert_eq!(from_a, from_b, "{path}");
        assert!(from_a.len() > 50, "{path}: {from_a}");
    }

    // A session made on A works on B (sessions live in the database), and a logout on B ends it
    // on A too.
    let browser = client();
    login(&browser, &a.base, "admin", ADMIN_PASSWORD).await;
    let on_b = browser.get(b.url("/account")).send().await.unwrap();
    assert_eq!(on_b.status(), 200, "the session of A on B");
    let page = on_b.text().await.unwrap();
    let csrf = crate::common::csrf_of(&page);
    // The cookie was set by A's address; B shares the host, so the browser sends it to both.
    let out = browser
        .post(b.url("/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let after = browser.get(a.url("/account")).send().await.unwrap();
    assert_eq!(after.status(), 303, "logged out everywhere");

    // The same draw started on both at once: one draw, one set of tasks, the same answer.
    let execute = |s: &Server| {
        http.post(s.url(&format!("/api/v1/plans/{plan}/execute")))
            .bearer_auth(&token)
            .json(&serde_json::json!({}))
            .send()
    };
    let (ra, rb) = tokio::join!(execute(&a), execute(&b));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!((ra.status().as_u16(), rb.status().as_u16()), (200, 200));
    let (ja, jb): (serde_json::Value, serde_json::Value) =
        (ra.json().await.unwrap(), rb.json().await.unwrap());
    let sha = |j: &serde_json::Value| j.to_string();
    assert_eq!(sha(&ja), sha(&jb), "both answer with the same draw");
    let plan_id: i64 = plan.parse().unwrap();
    let executed = count(
        &db,
        &format!(
            "SELECT COUNT(*) FROM draw_record WHERE plan_id = {plan_id} AND output IS NOT NULL"
        ),
    )
    .await;
    assert_eq!(executed, 1);
    let executions = count(
        &db,
        "SELECT COUNT(*) FROM audit_event WHERE action = 'draw.execute'",
    )
    .await;
    assert_eq!(executions, 1, "executed once");
    let tasks = count(&db, "SELECT COUNT(*) FROM task").await;
    let distinct = count(&db, "SELECT COUNT(DISTINCT firm_id) FROM task").await;
    assert!(tasks > 0);
    assert_eq!(tasks, distinct, "no firm got two tasks");

    // The reminder job: one holder at a time, the reminders written once.
    let started = Instant::now();
    let holder = loop {
        if let (Some(h), _) = lease(&db).await {
            break h;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no server took the job"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // Many rounds later the same server still holds it: the other never took it.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(lease(&db).await, (Some(holder.clone()), 1));
    let reminders = count(&db, "SELECT COUNT(*) FROM reminder").await;
    assert!(reminders > 0, "late in the year some duties are overdue");
    let writers = count(&db, "SELECT COUNT(DISTINCT written_by) FROM reminder").await;
    assert_eq!(writers, 1);
    let duplicates = count(
        &db,
        "SELECT COUNT(*) FROM (SELECT agency_id, duty, period, status FROM reminder \
         GROUP BY agency_id, duty, period, status HAVING COUNT(*) > 1) d",
    )
    .await;
    assert_eq!(duplicates, 0);

    // The holder dies: once its lease has run out, the other server takes the job over.
    let pid_of = |h: &str| h.split(':').nth(1).unwrap().parse::<u32>().unwrap();
    let (dead, survivor) = if pid_of(&holder) == a.pid {
        (&mut a, &b)
    } else {
        (&mut b, &a)
    };
    dead.kill();
    let started = Instant::now();
    loop {
        let (h, changes) = lease(&db).await;
        if let Some(h) = h.filter(|h| *h != holder) {
            assert_eq!(pid_of(&h), survivor.pid);
            assert_eq!(changes, 2);
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the job was not taken over"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The survivor still serves the session-less public site and the audit chain holds.
    assert_eq!(
        http.get(survivor.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    crate::common::audit_verifies(&url);
}
