//! Concurrent writers: twenty officers, each on a task of their own, save their on-site forms at
//! the same moment through HTTP, round after round, and finally all submit at once. No request
//! may fail (no 5xx, no "database is locked") and no save may be lost: after every round each
//! task's form holds what its officer sent last, and the audit log holds one event per save.
//! Then the two officers of each of a few other teams save the first draft of their shared task
//! at the same moment: both saves succeed, in one version, each in the audit log.

use std::sync::Arc;

use crate::common::{csrf_of, TestApp};
use spotcheck_core::inspection::CheckItem;
use spotcheck_core::role::Role;
use spotcheck_store::audit::{self, ChainCheck};
use spotcheck_store::testing::all_backends;
use spotcheck_store::{agency, draws, inspections, tasks};

const CLIENTS: usize = 20;
const ROUNDS: usize = 6;
/// Tasks whose two officers both save at once.
const SHARED: usize = 5;
const PASSWORD: &str = "officer password for concurrency";

/// Draws every key unit of Tianshan (a rate of 100%) over the demo set: the dispatched tasks.
async fn draw_tianshan(app: &TestApp) -> Vec<tasks::TaskRow> {
    spotcheck_store::demo::load(&app.db, &Default::default(), &|_| {})
        .await
        .unwrap();
    let tianshan = agency::by_code(&app.db, "650102").await.unwrap().unwrap();
    let rules = spotcheck_core::rules::RulesConfig::default();
    let params = draws::PlanParams {
        rate_percent: Some(100),
        ..Default::default()
    };
    let plan = draws::create_plan(
        &app.db,
        "test",
        &tianshan,
        draws::PlanKind::Key,
        "2026Q2",
        &rules,
        &params,
    )
    .await
    .unwrap()
    .unwrap();
    draws::freeze(
        &app.db,
        "test",
        &plan,
        &tianshan,
        "2026-03-20".parse().unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    draws::seed(
        &app.db,
        "test",
        &plan,
        "dice:38172645091827364510",
        &["王芳".into()],
    )
    .await
    .unwrap()
    .unwrap();
    let drawn = draws::execute(&app.db, "test", &plan)
        .await
        .unwrap()
        .unwrap();
    let all = tasks::of_draw(&app.db, drawn.id).await.unwrap();
    assert!(
        all.len() >= CLIENTS + SHARED,
        "{} tasks drawn, {} wanted",
        all.len(),
        CLIENTS + SHARED
    );
    all
}

/// A new officer account linked to the officer with `certificate`, logged in, with the form of
/// `task_id` open: (task id, client, CSRF token).
async fn officer_on(
    app: &TestApp,
    username: &str,
    certificate: &str,
    task_id: i64,
) -> (i64, reqwest::Client, String) {
    app.with_user(username, "650102", Role::Officer, PASSWORD)
        .await;
    tasks::link_account(&app.db, username, certificate)
        .await
        .unwrap();
    let c = TestApp::client();
    assert_eq!(app.login(&c, username, PASSWORD).await.status(), 303);
    let (status, page) = app
        .get_text(&c, &format!("/tasks/{task_id}/inspection"))
        .await;
    assert_eq!(status, 200, "{username} opens the form of task {task_id}");
    (task_id, c, csrf_of(&page))
}

fn team_of(task: &tasks::TaskRow) -> Vec<String> {
    serde_json::from_str(&task.officers).unwrap()
}

/// The fields of a complete form for the task, with `summary` as its summary.
async fn form_fields(app: &TestApp, task_id: i64, summary: &str) -> Vec<(String, String)> {
    let task = tasks::get(&app.db, "", task_id).await.unwrap().unwrap();
    let team: Vec<String> = serde_json::from_str(&task.officers).unwrap();
    let names = tasks::officer_names(&app.db, &team).await.unwrap();
    let mut f: Vec<(String, String)> = vec![
        ("firm_name".into(), task.firm_name.clone()),
        ("credit_code".into(), task.credit_code.clone()),
        ("address".into(), task.address.clone()),
        ("arrived_at".into(), "2026-04-10T09:00".into()),
        ("departed_at".into(), "2026-04-10T11:30".into()),
        ("representative".into(), "张厂长".into()),
        ("summary".into(), summary.into()),
    ];
    for (i, (cert, name)) in names.iter().enumerate() {
        f.push((format!("officer_name_{i}"), name.clone()));
        f.push((format!("officer_cert_{i}"), cert.clone()));
    }
    for item in CheckItem::ALL {
        f.push((format!("verdict_{}", item.as_str()), "compliant".into()));
    }
    f
}

/// Every client posts its form to its task after all of them are ready, at once. Returns what
/// each request answered.
async fn all_at_once(
    app: &TestApp,
    clients: &[(i64, reqwest::Client, String)],
    action: &str,
    round: usize,
) -> Vec<(u16, String)> {
    let barrier = Arc::new(tokio::sync::Barrier::new(clients.len()));
    let mut running = Vec::new();
    for (i, (task_id, client, csrf)) in clients.iter().enumerate() {
        let mut form = vec![
            ("csrf".to_string(), csrf.clone()),
            ("action".to_string(), action.to_string()),
            ("submission_key".to_string(), format!("submit-{task_id}")),
        ];
        form.extend(form_fields(app, *task_id, &summary(round, i)).await);
        let (client, url, barrier) = (
            client.clone(),
            app.url(&format!("/tasks/{task_id}/inspection")),
            barrier.clone(),
        );
        running.push(tokio::spawn(async move {
            barrier.wait().await;
            let r = client.post(url).form(&form).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }));
    }
    let mut answers = Vec::new();
    for r in running {
        answers.push(r.await.unwrap());
    }
    answers
}

fn summary(round: usize, client: usize) -> String {
    format!("第{round}轮 客户端{client} 现场检查记录")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_officers_saving_their_forms_at_the_same_moment_lose_nothing() {
    for db in all_backends().await {
        let app = TestApp::spawn(db).await;
        let drawn = draw_tianshan(&app).await;
        let mut clients = Vec::new();
        for (i, task) in drawn.iter().take(CLIENTS).enumerate() {
            let certificate = &team_of(task)[0];
            clients.push(officer_on(&app, &format!("officer{i:02}"), certificate, task.id).await);
        }

        for round in 0..ROUNDS {
            let answers = all_at_once(&app, &clients, "save", round).await;
            for (i, (status, body)) in answers.iter().enumerate() {
                assert!(
                    !body.contains("database is locked"),
                    "round {round}, client {i}: {body}"
                );
                assert_eq!(*status, 303, "round {round}, client {i} saved: {body}");
            }
            for (i, (task_id, _, _)) in clients.iter().enumerate() {
                let current = inspections::current(&app.db, *task_id)
                    .await
                    .unwrap()
                    .expect("a saved draft");
                assert_eq!(current.status, "draft");
                assert_eq!(current.version, 1);
                assert_eq!(
                    current.form().unwrap().summary,
                    summary(round, i),
                    "round {round}: client {i}'s save is what the task holds"
                );
            }
        }

        // The last round submits every form at once.
        let answers = all_at_once(&app, &clients, "submit", ROUNDS).await;
        for (i, (status, body)) in answers.iter().enumerate() {
            assert_eq!(*status, 303, "client {i} submitted: {body}");
        }
        let events = audit::recent(&app.db, None, 1_000_000).await.unwrap();
        for (i, (task_id, _, _)) in clients.iter().enumerate() {
            let versions = inspections::versions(&app.db, *task_id).await.unwrap();
            assert_eq!(versions.len(), 1, "one version of task {task_id}");
            let v = &versions[0];
            assert_eq!(v.status, "submitted");
            assert_eq!(v.form().unwrap().summary, summary(ROUNDS, i));
            // One audit event per save, each with the digest of its own form, and one for the
            // submission.
            let subject = format!("inspection:{}", v.id);
            let of_task: Vec<_> = events.iter().filter(|e| e.subject == subject).collect();
            let drafts: std::collections::HashSet<String> = of_task
                .iter()
                .filter(|e| e.action == "inspection.draft")
                .map(|e| {
                    let payload: serde_json::Value = serde_json::from_str(&e.payload).unwrap();
                    payload["form_sha256"].as_str().unwrap().to_string()
                })
                .collect();
            assert_eq!(
                drafts.len(),
                ROUNDS,
                "a distinct draft event per save of {subject}"
            );
            assert_eq!(
                of_task.len(),
                ROUNDS + 1,
                "drafts and the submission of {subject}"
            );
        }

        // Both officers of a team save the first draft of their task at the same moment.
        let mut pairs = Vec::new();
        for (i, task) in drawn.iter().skip(CLIENTS).take(SHARED).enumerate() {
            for (j, certificate) in team_of(task).iter().take(2).enumerate() {
                pairs.push(officer_on(&app, &format!("pair{i}{j}"), certificate, task.id).await);
            }
        }
        let answers = all_at_once(&app, &pairs, "save", ROUNDS + 1).await;
        for (i, (status, body)) in answers.iter().enumerate() {
            assert_eq!(*status, 303, "officer {i} of a pair saved: {body}");
        }
        let events = audit::recent(&app.db, None, 1_000_000).await.unwrap();
        for pair in pairs.chunks(2) {
            let task_id = pair[0].0;
            let versions = inspections::versions(&app.db, task_id).await.unwrap();
            assert_eq!(versions.len(), 1, "one version of shared task {task_id}");
            let subject = format!("inspection:{}", versions[0].id);
            let saves = events
                .iter()
                .filter(|e| e.subject == subject && e.action == "inspection.draft")
                .count();
            assert_eq!(saves, 2, "both saves of shared task {task_id} are recorded");
        }
        match audit::verify(&app.db).await.unwrap() {
            ChainCheck::Intact { .. } => {}
            broken => panic!("audit chain after concurrent writes: {broken:?}"),
        }
    }
}
