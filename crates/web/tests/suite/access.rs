//! Who may see what: every page and API route that names a district's records is tried by
//! someone without a login, by another district, and by roles that may not act, and answers with
//! the login page, 401, 403 or 404, never with the records.

use crate::common::{csrf_of, demo_task_of_officer, TestApp};
use spotcheck_store::demo::DEMO_PASSWORD;
use spotcheck_store::testing::all_backends;

/// The pages and API routes of Tianshan's records: a plan, its draw, a task, its form.
async fn tianshan_routes(app: &TestApp, task_id: i64) -> Vec<String> {
    let task = spotcheck_store::tasks::get(&app.db, "", task_id)
        .await
        .unwrap()
        .unwrap();
    let plan_id = spotcheck_store::draws::plans(&app.db, "650100/650102/")
        .await
        .unwrap()[0]
        .id;
    // The officer saves a draft so that the form and its print exist.
    let form =
        spotcheck_store::testing::completed_form(&app.db, task_id, "2026-04-10".parse().unwrap())
            .await;
    let draft = spotcheck_store::inspections::save_draft(&app.db, "officer", task_id, &form)
        .await
        .unwrap()
        .unwrap();
    vec![
        format!("/plans/{plan_id}"),
        format!("/tasks/{task_id}"),
        format!("/tasks/{task_id}/inspection"),
        format!("/inspections/{}/print", draft.id),
        format!("/firms/{}", task.firm_id),
        "/compliance?agency=650102&year=2026".into(),
        "/results?agency=650102&period=2026Q2".into(),
        "/results.xlsx?agency=650102&period=2026Q2".into(),
        "/reports/monthly?agency=650102".into(),
        "/reports/pack/forms?agency=650102&period=2026Q2".into(),
        "/calendar?agency=650102".into(),
        "/agencies/650102".into(),
        format!("/api/v1/plans/{plan_id}"),
        format!("/api/v1/plans/{plan_id}/export"),
        "/api/v1/compliance?agency=650102&year=2026".into(),
        "/api/v1/agencies/650102/officers".into(),
    ]
}

#[tokio::test]
async fn another_district_and_strangers_get_nothing_of_a_districts_records() {
    for db in all_backends().await {
        let app = TestApp::spawn(db).await;
        let (task_id, credit_code) = demo_task_of_officer(&app).await;
        let routes = tianshan_routes(&app, task_id).await;

        // The owner sees every one of them.
        let owner = TestApp::client();
        app.login(&owner, "tianshan", DEMO_PASSWORD).await;
        for path in &routes {
            let (status, _) = app.get_text(&owner, path).await;
            assert_eq!(status, 200, "tianshan {path}");
        }

        // A stranger is sent to the login page (pages) or told 401 (API).
        let stranger = TestApp::client();
        for path in &routes {
            let r = stranger.get(app.url(path)).send().await.unwrap();
            if path.starts_with("/api/") {
                assert_eq!(r.status(), 401, "stranger {path}");
            } else {
                assert_eq!(r.status(), 303, "stranger {path}");
                assert!(r.headers()["location"]
                    .to_str()
                    .unwrap()
                    .starts_with("/login"));
            }
        }

        // Another district: 403 or 404, and never the firm's code in what comes back.
        for other in ["midong", "saybag"] {
            let c = TestApp::client();
            app.login(&c, other, DEMO_PASSWORD).await;
            for path in &routes {
                let r = c.get(app.url(path)).send().await.unwrap();
                let status = r.status().as_u16();
                let body = r.text().await.unwrap();
                assert!(matches!(status, 403 | 404), "{other} {path}: {status}");
                assert!(
                    !body.contains(&credit_code),
                    "{other} {path} leaks the firm"
                );
            }
        }
    }
}

#[tokio::test]
async fn roles_that_may_not_act_are_refused_every_change() {
    for db in all_backends().await {
        let app = TestApp::spawn(db).await;
        let (task_id, _) = demo_task_of_officer(&app).await;
        let plan_id = spotcheck_store::draws::plans(&app.db, "650100/650102/")
            .await
            .unwrap()[0]
            .id;
        let form = spotcheck_store::testing::completed_form(
            &app.db,
            task_id,
            "2026-04-10".parse().unwrap(),
        )
        .await;
        let submitted =
            spotcheck_store::inspections::submit(&app.db, "officer", task_id, &form, "k", 2)
                .await
                .unwrap()
                .unwrap();
        // (path, form fields) of changes only some roles may make.
        let changes: Vec<(String, Vec<(&str, &str)>)> = vec![
            (
                "/plans".into(),
                vec![
                    ("agency", "650102"),
                    ("kind", "special"),
                    ("period", "2026Q3"),
                ],
            ),
            (
                format!("/plans/{plan_id}/redraw"),
                vec![("reason", "理由充分"), ("approver", "legal")],
            ),
            (
                format!("/tasks/{task_id}/reassign"),
                vec![("officer", "x"), ("reason", "病休")],
            ),
            (
                format!("/inspections/{}/review", submitted.id),
                vec![("decision", "accept")],
            ),
            (
                "/supervision/notes".into(),
                vec![
                    ("agency", "650102"),
                    ("subject", "x"),
                    ("body", "x"),
                    ("due_on", "2026-12-31"),
                ],
            ),
            (
                "/reports/monthly/submit".into(),
                vec![("agency", "650102"), ("period", "2026-04")],
            ),
        ];
        for who in ["officer", "auditor"] {
            let c = TestApp::client();
            app.login(&c, who, DEMO_PASSWORD).await;
            let (_, page) = app.get_text(&c, "/account").await;
            let csrf = csrf_of(&page);
            for (path, fields) in &changes {
                let mut body = vec![("csrf", csrf.as_str())];
                body.extend(fields.iter().copied());
                let r = c.post(app.url(path)).form(&body).send().await.unwrap();
                assert!(
                    matches!(r.status().as_u16(), 403 | 404),
                    "{who} {path}: {}",
                    r.status()
                );
            }
        }
        // Nothing changed: no new plan, no redraw, the form still awaits review.
        assert_eq!(
            spotcheck_store::draws::plans(&app.db, "")
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            spotcheck_store::draws::attempts(&app.db, plan_id)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            spotcheck_store::inspections::current(&app.db, task_id)
                .await
                .unwrap()
                .unwrap()
                .status,
            "submitted"
        );
        assert!(spotcheck_store::reports::notes(&app.db, "")
            .await
            .unwrap()
            .is_empty());
    }
}
