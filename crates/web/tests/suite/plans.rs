//! A district runs a fair draw in the browser's shoes: plan, freeze, randomness, draw.

use crate::common::{csrf_of, drawing_day, TestApp};
use spotcheck_store::demo::{self, DEMO_PASSWORD};
use spotcheck_store::draws;
use spotcheck_store::testing::{all_backends, sqlite};

/// The demo on a server whose clock stands on [`drawing_day`].
async fn demo_app(db: spotcheck_store::testing::TestDb) -> TestApp {
    let app = TestApp::spawn_at(db, drawing_day).await;
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
        // The count of all drawn units, and their tasks a hundred to a page, every one once.
        let plan_id: i64 = plan.rsplit('/').next().unwrap().parse().unwrap();
        let record = draws::latest_draw(&app.db, plan_id).await.unwrap().unwrap();
        let n = draws::task_count(&app.db, record.id).await.unwrap();
        assert!(drawn.contains(&format!("抽中单位数（每家一项任务）： {n}")));
        let mut listed = 0;
        let mut page = drawn;
        loop {
            let rows = page.matches("<tr><td data-label").count();
            assert!(rows <= 100);
            listed += rows;
            let Some(href) = page.split("href=\"").find_map(|h| {
                h.split('"')
                    .next()
                    .filter(|h| h.contains("?after="))
                    .map(|h| h.replace("&amp;", "&"))
            }) else {
                break;
            };
            page = app.get_text(&c, &href).await.1;
        }
        assert_eq!(listed as i64, n);

        // The rule in words, and the witnesses and teams listed as the language lists them.
        let (_, zh) = app.get_text(&c, &plan).await;
        assert!(
            zh.contains("id=\"plan-rule\">本季度抽取重点排污单位的 20%（R-DRAW-KEY-2）"),
            "{zh}"
        );
        assert!(zh.contains("王芳、李军"));
        let (_, en) = app.get_text(&c, &format!("{plan}?lang=en")).await;
        assert!(
            en.contains(
                "id=\"plan-rule\">20% of the key units this quarter (R-DRAW-KEY-2), quarter 2 of 4"
            ),
            "{en}"
        );
        assert!(en.contains("王芳, 李军") && !en.contains('、'), "{en}");

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

/// Sends the plans page's form for a Tianshan plan of `kind` for `period`.
async fn new_plan(
    app: &TestApp,
    c: &reqwest::Client,
    kind: &str,
    period: &str,
) -> reqwest::Response {
    let (_, page) = app.get_text(c, "/plans").await;
    c.post(app.url("/plans"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("agency", "650102"),
            ("kind", kind),
            ("period", period),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_plan_with_a_wrong_period_is_refused_with_the_format_to_use() {
    let app = demo_app(sqlite().await).await;
    let c = TestApp::client();
    app.login(&c, "tianshan", DEMO_PASSWORD).await;
    let r = new_plan(&app, &c, "key", "2026").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("2026Q2"));
}

#[tokio::test]
async fn no_plan_is_made_for_a_period_that_is_over() {
    let app = demo_app(sqlite().await).await;
    let c = TestApp::client();
    app.login(&c, "tianshan", DEMO_PASSWORD).await;
    // The clock stands on 20 March 2026: 2025Q4 and the year 2025 are over, 2026Q1 is not.
    for (kind, period, status) in [
        ("key", "2025Q4", 422),
        ("general", "2025", 422),
        ("special", "2026Q1", 303),
    ] {
        let r = new_plan(&app, &c, kind, period).await;
        assert_eq!(r.status(), status, "{kind} {period}");
        if status == 422 {
            let page = r.text().await.unwrap();
            assert!(
                page.contains("2025-12-31") && page.contains("已结束"),
                "{page}"
            );
        }
    }
    let periods: Vec<String> = draws::plans(&app.db, "650100/650102/")
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.period)
        .collect();
    assert_eq!(periods, ["2026Q1"]);
}

#[tokio::test]
async fn the_day_a_period_ends_is_the_agencies_day_not_the_servers() {
    // 07:30 on 1 April in Urumqi (Beijing time), still 31 March on a server that runs on UTC.
    fn early_on_the_first_of_april() -> chrono::DateTime<chrono::Utc> {
        "2026-03-31T23:30:00Z".parse().unwrap()
    }
    let app = TestApp::spawn_at(sqlite().await, early_on_the_first_of_april).await;
    demo::load(&app.db, &Default::default(), &|_| {})
        .await
        .unwrap();
    let c = TestApp::client();
    app.login(&c, "tianshan", DEMO_PASSWORD).await;
    let r = new_plan(&app, &c, "key", "2026Q1").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("2026-03-31"));
    assert_eq!(new_plan(&app, &c, "key", "2026Q2").await.status(), 303);
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
        use spotcheck_store::draws::PlanParams;
        let plan = draws::create_plan(
            &app.db,
            "t",
            &tianshan,
            draws::PlanKind::Key,
            "2026Q2",
            &rules,
            &PlanParams::default(),
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
    let (_, page) = app.get_text(&c, &plan).await;
    assert!(
        page.contains("<span id=\"witness-names\">王芳</span>"),
        "the witnesses as names, not as JSON"
    );
    let refused = post(
        "redraw",
        vec![("reason", "执法人员病休"), ("approver", "tianshan")],
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("另一名"));
    // Another person's username is not enough: they confirm with their own password.
    for password in ["", "not-their-password"] {
        let r = post(
            "redraw",
            vec![
                ("reason", "执法人员病休"),
                ("approver", "legal"),
                ("approver_password", password),
            ],
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 422, "{password:?}");
        assert!(r.text().await.unwrap().contains("由其本人输入密码"));
    }
    let (_, page) = app.get_text(&c, &plan).await;
    assert!(!page.contains("id=\"replaced\""), "no redraw yet");
    assert_eq!(
        post(
            "redraw",
            vec![
                ("reason", "执法人员病休"),
                ("approver", "legal"),
                ("approver_password", DEMO_PASSWORD)
            ]
        )
        .await
        .unwrap()
        .status(),
        303
    );
    let events = spotcheck_store::audit::recent(&app.db, None, 20)
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.action == "account.password_confirmed" && e.actor == "legal"),
        "the approval is in the audit log"
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

#[tokio::test]
async fn a_plan_looser_than_the_rules_is_refused_with_the_rule_and_the_minimum() {
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
            ("period", "2026Q2"),
            ("rate", "15"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("R-DRAW-KEY-2") && text.contains("不低于 20"),
        "{text}"
    );
    let (_, after) = app.get_text(&c, "/plans").await;
    assert!(after.contains("plan.none") || !after.contains("id=\"plans\""));
}

#[tokio::test]
async fn the_api_runs_every_step_and_exports_a_record_that_verifies() {
    for db in all_backends().await {
        let app = demo_app(db).await;
        let acc = spotcheck_store::account::by_username(&app.db, "tianshan")
            .await
            .unwrap()
            .unwrap();
        let tok = spotcheck_store::token::create(&app.db, "test", &acc, "t")
            .await
            .unwrap();
        let c = TestApp::client();
        let post = |path: String, body: serde_json::Value| {
            c.post(app.url(&path)).bearer_auth(&tok).json(&body).send()
        };
        let loose = post(
            "/api/v1/plans".into(),
            serde_json::json!({"agency": "650102", "kind": "special", "period": "2026Q2", "rate_percent": 70}),
        )
        .await
        .unwrap();
        assert_eq!(loose.status(), 422);
        let body: serde_json::Value = loose.json().await.unwrap();
        assert_eq!(body["error"]["code"], "plan.above_maximum");
        let created = post(
            "/api/v1/plans".into(),
            serde_json::json!({"agency": "650102", "kind": "key", "period": "2026Q2"}),
        )
        .await
        .unwrap();
        assert_eq!(created.status(), 201);
        let created: serde_json::Value = created.json().await.unwrap();
        let id = created["plan"]["id"].as_i64().unwrap();
        let early = post(
            format!("/api/v1/plans/{id}/seed"),
            serde_json::json!({"randomness": "dice:38172645091827364510", "witnesses": ["王芳"]}),
        )
        .await
        .unwrap();
        assert_eq!(early.status(), 422);
        let early: serde_json::Value = early.json().await.unwrap();
        assert_eq!(early["error"]["code"], "plan.not_frozen");
        let frozen: serde_json::Value =
            post(format!("/api/v1/plans/{id}/freeze"), serde_json::json!({}))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        assert_eq!(frozen["population_sha256"].as_str().unwrap().len(), 64);
        let seeded = post(
            format!("/api/v1/plans/{id}/seed"),
            serde_json::json!({"randomness": "dice:38172645091827364510", "witnesses": ["王芳", "李军"]}),
        )
        .await
        .unwrap();
        assert_eq!(seeded.status(), 200);
        let drawn: serde_json::Value =
            post(format!("/api/v1/plans/{id}/execute"), serde_json::json!({}))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        let record = c
            .get(app.url(&format!("/api/v1/plans/{id}/export")))
            .bearer_auth(&tok)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            spotcheck_draw::verify_json(&record).unwrap(),
            spotcheck_draw::Verification::Agrees
        );
        let output: serde_json::Value = serde_json::from_str(&record).unwrap();
        assert_eq!(output["output"]["result_sha256"], drawn["result_sha256"]);

        let table: serde_json::Value = c
            .get(app.url("/api/v1/compliance?agency=650102&year=2026"))
            .bearer_auth(&tok)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let q2 = table["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == "key" && r["period"] == "2026Q2")
            .unwrap();
        assert_eq!(q2["standing"], "met");
        assert_eq!(q2["drawn"], output["output"]["count"]);
        // Midong's token sees nothing of Tianshan's plan.
        let midong = spotcheck_store::account::by_username(&app.db, "midong")
            .await
            .unwrap()
            .unwrap();
        let other = spotcheck_store::token::create(&app.db, "test", &midong, "t")
            .await
            .unwrap();
        let r = c
            .get(app.url(&format!("/api/v1/plans/{id}/export")))
            .bearer_auth(&other)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
}

#[tokio::test]
async fn a_district_admin_replaces_a_sick_officer_from_the_task_page() {
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
        let plan = r.headers()["location"].to_str().unwrap().to_string();
        for (step, extra) in [
            ("freeze", vec![]),
            (
                "seed",
                vec![
                    ("randomness", "dice:38172645091827364510"),
                    ("witnesses", "王芳"),
                ],
            ),
            ("execute", vec![]),
        ] {
            let mut form = vec![("csrf", csrf.as_str())];
            form.extend(extra);
            let r = c
                .post(app.url(&format!("{plan}/{step}")))
                .form(&form)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 303, "{step}");
        }
        let task_id: i64 = {
            let tianshan = spotcheck_store::agency::by_code(&app.db, "650102")
                .await
                .unwrap()
                .unwrap();
            let plan_id: i64 = plan.rsplit('/').next().unwrap().parse().unwrap();
            let d = spotcheck_store::draws::latest_draw(&app.db, plan_id)
                .await
                .unwrap()
                .unwrap();
            let out: spotcheck_draw::DrawOutput =
                serde_json::from_str(d.output.as_deref().unwrap()).unwrap();
            let first = &out.selected[0];
            spotcheck_store::tasks::for_officer(&app.db, &first.officers[0])
                .await
                .unwrap()
                .into_iter()
                .find(|t| t.credit_code == first.unit)
                .map(|t| {
                    assert!(tianshan.path.len() > 1);
                    t.id
                })
                .unwrap()
        };
        let (status, task_page) = app.get_text(&c, &format!("/tasks/{task_id}")).await;
        assert_eq!(status, 200);
        assert!(task_page.contains("id=\"reassign\""));
        let leaving = task_page
            .split("<option value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        assert!(!task_page.contains("id=\"withdrawn\""));
        // The officer declares a conflict with the firm after the draw: the task says so.
        let firm = spotcheck_store::tasks::get(&app.db, "650100/650102/", task_id)
            .await
            .unwrap()
            .unwrap()
            .credit_code;
        spotcheck_store::conflicts::declare(
            &app.db,
            "tianshan",
            "650100/650102/",
            &leaving,
            &firm,
            "近亲属在该单位任职",
        )
        .await
        .unwrap()
        .unwrap();
        let (_, task_page) = app.get_text(&c, &format!("/tasks/{task_id}")).await;
        let warning = task_page
            .split("id=\"withdrawn\">")
            .nth(1)
            .expect("a warning about the conflict")
            .split("</p>")
            .next()
            .unwrap();
        assert!(warning.contains("应当回避"), "{warning}");
        let no_reason = c
            .post(app.url(&format!("/tasks/{task_id}/reassign")))
            .form(&[
                ("csrf", csrf.as_str()),
                ("officer", leaving.as_str()),
                ("reason", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(no_reason.status(), 422);
        assert!(no_reason.text().await.unwrap().contains("请写明更换理由"));
        let done = c
            .post(app.url(&format!("/tasks/{task_id}/reassign")))
            .form(&[
                ("csrf", csrf.as_str()),
                ("officer", leaving.as_str()),
                ("reason", "执法人员病休"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), 303);
        let (_, after) = app.get_text(&c, &format!("/tasks/{task_id}")).await;
        assert!(after.contains("id=\"reassignments\"") && after.contains("执法人员病休"));
        let team = after
            .split("id=\"team\"")
            .nth(1)
            .unwrap()
            .split("</dd>")
            .next()
            .unwrap();
        assert!(!team.contains(&leaving), "{leaving} left the team");
        assert!(
            !after.contains("id=\"withdrawn\""),
            "the warning goes with the officer"
        );

        // Another district cannot see the task; an officer cannot reassign.
        let other = TestApp::client();
        app.login(&other, "midong", DEMO_PASSWORD).await;
        assert_eq!(
            app.get_text(&other, &format!("/tasks/{task_id}")).await.0,
            404
        );
        let officer = TestApp::client();
        app.login(&officer, "officer", DEMO_PASSWORD).await;
        let (_, own) = app.get_text(&officer, "/tasks").await;
        let r = officer
            .post(app.url(&format!("/tasks/{task_id}/reassign")))
            .form(&[
                ("csrf", csrf_of(&own).as_str()),
                ("officer", leaving.as_str()),
                ("reason", "x病休"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
}

#[tokio::test]
async fn the_compliance_page_and_a_conflict_declaration_in_the_browser_s_shoes() {
    let app = demo_app(sqlite().await).await;
    let c = TestApp::client();
    app.login(&c, "midong", DEMO_PASSWORD).await;
    let (status, page) = app.get_text(&c, "/compliance?year=2026").await;
    assert_eq!(status, 200);
    assert_eq!(
        page.matches("data-kind=").count(),
        9,
        "4 key, 4 special, 1 general"
    );
    assert!(page.contains("id=\"not-drawn-count\""));
    let (_, conflicts) = app.get_text(&c, "/conflicts").await;
    let csrf = csrf_of(&conflicts);
    let officer = spotcheck_store::registry::officers_of(
        &app.db,
        spotcheck_store::agency::by_code(&app.db, "650109")
            .await
            .unwrap()
            .unwrap()
            .id,
    )
    .await
    .unwrap()
    .remove(0)
    .certificate_no;
    let bad = c
        .post(app.url("/conflicts"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("officer", officer.as_str()),
            ("firm", "91650100000000000X"),
            ("reason", "亲属任职"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert!(bad
        .text()
        .await
        .unwrap()
        .contains("没有该统一社会信用代码的企业"));
}

#[tokio::test]
async fn a_citys_draw_lists_its_tasks_a_hundred_to_a_page_every_one_once() {
    for db in all_backends().await {
        let app = demo_app(db).await;
        // The whole city's key units in the last quarter: every one not inspected this year.
        let city = spotcheck_store::agency::by_code(&app.db, "650100")
            .await
            .unwrap()
            .unwrap();
        let record = spotcheck_store::testing::drawn(
            &app.db,
            &city,
            draws::PlanKind::Key,
            "2026Q4",
            "2026-12-20".parse().unwrap(),
            "dice:38172645091827364510",
        )
        .await;
        let n = draws::task_count(&app.db, record.id).await.unwrap();
        assert!(n > 100, "{n} tasks: more than a page");
        let c = TestApp::client();
        app.login(&c, "legal", DEMO_PASSWORD).await;
        let mut href = format!("/plans/{}", record.plan_id);
        let mut codes = Vec::new();
        let mut pages = 0;
        loop {
            let (status, page) = app.get_text(&c, &href).await;
            assert_eq!(status, 200);
            assert!(page.contains(&format!("抽中单位数（每家一项任务）： {n}")));
            pages += 1;
            let rows: Vec<String> = page
                .split("class=\"code\">")
                .skip(1)
                .filter_map(|s| s.split('<').next())
                .filter(|s| s.len() == 18)
                .map(str::to_string)
                .collect();
            assert!(rows.len() <= 100, "page {pages}: {} rows", rows.len());
            codes.extend(rows);
            match page
                .split("href=\"")
                .filter_map(|h| h.split('"').next())
                .find(|h| h.contains("?after="))
            {
                Some(next) => href = next.to_string(),
                None => break,
            }
        }
        assert_eq!(pages as i64, (n + 99) / 100);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!((codes.len() as i64, unique.len() as i64), (n, n));
    }
}
