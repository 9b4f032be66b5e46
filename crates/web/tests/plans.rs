//! A district runs a fair draw in the browser's shoes: plan, freeze, randomness, draw.

mod common;

use common::{csrf_of, TestApp};
use spotcheck_store::demo::{self, DEMO_PASSWORD};
use spotcheck_store::testing::{all_backends, sqlite};

async fn demo_app(db: spotcheck_store::testing::TestDb) -> TestApp {
    let app = TestApp::spawn(db).await;
    demo::load(&app.db, &Default::default(), &|_| {})
        .await
        .unwrap();
    app
}

#[tokio::test]
async fn a_district_admin_plans_freezes_seeds_and_draws() {
    for db in all_backends().await {
        let app = demo_app(db).await;
        let c = TestApp::client();
        app.login(&c, "tianshan", DEMO_PASSWORD).await;
        let (_, page) = app.get_text(&c, "/plans").await;
        let csrf = csrf_of(&page);
        let r = c
            .post(app.url("/plans"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("agency", "650102"),
                ("kind", "key"),
                ("period", "2026Q2"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let plan = r.headers()["location"].to_str().unwrap().to_string();
        let step = |name: &'static str, extra: Vec<(&'static str, String)>| {
            let mut form = vec![("csrf", csrf.clone())];
            form.extend(extra);
            c.post(app.url(&format!("{plan}/{name}")))
                .form(&form)
                .send()
        };
        assert_eq!(
            step(
                "seed",
                vec![
                    ("randomness", "dice:38172645091827364510".into()),
                    ("witnesses", "王芳".into())
                ]
            )
            .await
            .unwrap()
            .status(),
            422,
            "not frozen yet"
        );
        assert_eq!(step("freeze", vec![]).await.unwrap().status(), 303);
        let (_, frozen) = app.get_text(&c, &plan).await;
        assert!(frozen.contains("population_sha256") && frozen.contains("id=\"randomness-input\""));
        let short = step(
            "seed",
            vec![
                ("randomness", "dice:123".into()),
                ("witnesses", "王芳".into()),
            ],
        )
        .await
        .unwrap();
        assert_eq!(short.status(), 422);
        assert!(short.text().await.unwrap().contains("至少 20 位数字"));
        assert_eq!(
            step(
                "seed",
                vec![
                    ("randomness", "dice:38172645091827364510".into()),
                    ("witnesses", "王芳、李军".into())
                ]
            )
            .await
            .unwrap()
            .status(),
            303
        );
        assert_eq!(step("execute", vec![]).await.unwrap().status(), 303);
        let (_, drawn) = app.get_text(&c, &plan).await;
        assert!(
            drawn.contains("id=\"result-sha\"") && drawn.matches("<tr><td data-label").count() > 0,
            "the drawn firms and teams"
        );

        // Another district sees nothing of it; an officer cannot run a draw.
        let other = TestApp::client();
        app.login(&other, "midong", DEMO_PASSWORD).await;
        assert_eq!(app.get_text(&other, &plan).await.0, 403);
        let officer = TestApp::client();
        app.login(&officer, "officer", DEMO_PASSWORD).await;
        let (_, own) = app.get_text(&officer, &plan).await;
        let r = officer
            .post(app.url(&format!("{plan}/execute")))
            .form(&[("csrf", csrf_of(&own))])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
}

#[tokio::test]
async fn a_plan_with_a_wrong_period_is_refused_with_the_format_to_use() {
    let app = demo_app(sqlite().await).await;
    let c = TestApp::client();
    app.login(&c, "tianshan", DEMO_PASSWORD).await;
    let (_, page) = app.get_text(&c, "/plans").await;
    let r = c
        .post(app.url("/plans"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("agency", "650102"),
            ("kind", "key"),
            ("period", "2026"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("2026Q2"));
}

#[tokio::test]
async fn an_officer_sees_the_tasks_dealt_to_them_soonest_first_with_a_map_link() {
    for db in all_backends().await {
        let app = demo_app(db).await;
        let officer = TestApp::client();
        app.login(&officer, "officer", DEMO_PASSWORD).await;
        let (_, before) = app.get_text(&officer, "/tasks").await;
        assert!(before.contains("id=\"no-tasks\""));
        // Tianshan draws its key units for 2026Q2 (through the store, as the CLI does).
        let tianshan = spotcheck_store::agency::by_code(&app.db, "650102")
            .await
            .unwrap()
            .unwrap();
        let rules = spotcheck_core::rules::RulesConfig::default();
        use spotcheck_store::draws;
        let plan = draws::create_plan(
            &app.db,
            "t",
            &tianshan,
            draws::PlanKind::Key,
            "2026Q2",
            &rules,
        )
        .await
        .unwrap()
        .unwrap();
        draws::freeze(
            &app.db,
            "t",
            &plan,
            &tianshan,
            "2026-03-20".parse().unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
        draws::seed(
            &app.db,
            "t",
            &plan,
            "dice:38172645091827364510",
            &["w".into()],
        )
        .await
        .unwrap()
        .unwrap();
        let drawn = draws::execute(&app.db, "t", &plan).await.unwrap().unwrap();
        let output: spotcheck_draw::DrawOutput =
            serde_json::from_str(drawn.output.as_deref().unwrap()).unwrap();
        let me = spotcheck_store::tasks::officer_of_account(
            &app.db,
            spotcheck_store::account::by_username(&app.db, "officer")
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await
        .unwrap()
        .unwrap();
        let mine = output
            .selected
            .iter()
            .filter(|a| a.officers.contains(&me))
            .count();
        let (_, page) = app.get_text(&officer, "/tasks").await;
        assert_eq!(
            page.matches("<li class=\"card").count(),
            mine,
            "exactly the tasks dealt to this officer"
        );
        if mine > 0 {
            assert!(page.contains("href=\"geo:"));
        }
        let admin = TestApp::client();
        app.login(&admin, "tianshan", DEMO_PASSWORD).await;
        assert!(app
            .get_text(&admin, "/tasks")
            .await
            .1
            .contains("id=\"not-linked\""));
    }
}

#[tokio::test]
async fn a_redraw_in_the_browser_needs_an_approver_and_shows_the_replaced_draw() {
    let app = demo_app(sqlite().await).await;
    let c = TestApp::client();
    app.login(&c, "tianshan", DEMO_PASSWORD).await;
    let (_, page) = app.get_text(&c, "/plans").await;
    let csrf = csrf_of(&page);
    let r = c
        .post(app.url("/plans"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("agency", "650102"),
            ("kind", "key"),
            ("period", "2026Q2"),
        ])
        .send()
        .await
        .unwrap();
    let plan = r.headers()["location"].to_str().unwrap().to_string();
    let post = |step: &'static str, form: Vec<(&'static str, &'static str)>| {
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend(form);
        c.post(app.url(&format!("{plan}/{step}"))).form(&all).send()
    };
    post("freeze", vec![]).await.unwrap();
    post(
        "seed",
        vec![
            ("randomness", "dice:38172645091827364510"),
            ("witnesses", "王芳"),
        ],
    )
    .await
    .unwrap();
    post("execute", vec![]).await.unwrap();
    let refused = post(
        "redraw",
        vec![("reason", "执法人员病休"), ("approver", "tianshan")],
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("另一名"));
    assert_eq!(
        post(
            "redraw",
            vec![("reason", "执法人员病休"), ("approver", "legal")]
        )
        .await
        .unwrap()
        .status(),
        303
    );
    let (_, page) = app.get_text(&c, &plan).await;
    assert!(
        page.contains("id=\"replaced\"") && page.contains("执法人员病休"),
        "the replaced draw and the reason stay visible"
    );
    assert!(
        page.contains("id=\"randomness-input\""),
        "the new attempt waits for its own randomness"
    );
}
