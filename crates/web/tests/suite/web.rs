//! The web foundation as a user meets it, through a real server, on every available backend.

use crate::common::{csrf_of, TestApp, ADMIN_PASSWORD};
use spotcheck_core::role::Role;
use spotcheck_store::testing::{all_backends, sqlite};
use spotcheck_store::token;

#[tokio::test]
async fn health_answers_ok_once_the_database_is_usable() {
    for db in all_backends().await {
        let app = TestApp::spawn(db).await;
        let r = reqwest::get(app.url("/healthz")).await.unwrap();
        assert_eq!(r.status(), 200);
    }
}

#[tokio::test]
async fn pages_need_a_login_and_the_login_page_is_chinese_by_default() {
    let app = TestApp::spawn(sqlite().await).await;
    let c = TestApp::client();
    let r = c.get(app.url("/agencies")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=/agencies");
    let (status, page) = app.get_text(&c, "/login").await;
    assert_eq!(status, 200);
    assert!(page.contains("<html lang=\"zh-CN\">"));
    assert!(page.contains("登录"));
}

#[tokio::test]
async fn the_login_page_open_in_two_tabs_logs_in_from_either() {
    let app = TestApp::spawn(sqlite().await).await;
    let c = TestApp::client();
    let (_, first_tab) = app.get_text(&c, "/login").await;
    let (_, second_tab) = app.get_text(&c, "/login").await;
    let form = |page: &str| {
        vec![
            ("csrf", csrf_of(page)),
            ("username", "admin".to_string()),
            ("password", ADMIN_PASSWORD.to_string()),
        ]
    };
    // The first tab's form, sent after the second tab was opened.
    let r = c
        .post(app.url("/login"))
        .form(&form(&first_tab))
        .send()
        .await
        .unwrap();
    let spent = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("sc_csrf=;") && v.contains("Max-Age=0"));
    assert!(spent, "the pre-login token is dropped once it has served");
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    // A token the browser does not hold is still refused.
    let other = TestApp::client();
    let (_, own) = app.get_text(&other, "/login").await;
    assert_ne!(csrf_of(&own), csrf_of(&second_tab), "each browser its own");
    let r = other
        .post(app.url("/login"))
        .form(&form(&second_tab))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn english_is_chosen_with_lang_and_remembered() {
    let app = TestApp::spawn(sqlite().await).await;
    let c = TestApp::client();
    let (_, page) = app.get_text(&c, "/login?lang=en").await;
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains("Log in"));
    let (_, again) = app.get_text(&c, "/login").await;
    assert!(
        again.contains("<html lang=\"en\">"),
        "the choice is kept in a cookie"
    );
    let (_, back) = app.get_text(&c, "/login?lang=zh-CN").await;
    assert!(back.contains("<html lang=\"zh-CN\">"));
}

#[tokio::test]
async fn a_user_logs_in_sees_the_home_page_and_logs_out() {
    for db in all_backends().await {
        let app = TestApp::spawn(db).await;
        let c = TestApp::client();
        let r = app.login(&c, "admin", ADMIN_PASSWORD).await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/");
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        let (status, home) = app.get_text(&c, "/").await;
        assert_eq!(status, 200);
        assert!(home.contains("系统管理员"));
        let csrf = csrf_of(&home);
        let out = c
            .post(app.url("/logout"))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), 303);
        let after = c.get(app.url("/")).send().await.unwrap();
        assert_eq!(after.status(), 303, "the session is gone after logout");
    }
}

#[tokio::test]
async fn an_unknown_address_or_a_value_of_the_wrong_kind_answers_a_page_in_the_user_s_language() {
    let app = TestApp::spawn(sqlite().await).await;
    let c = TestApp::client();
    app.login(&c, "admin", ADMIN_PASSWORD).await;
    let cases = [
        ("/no-such-page", 404, "未找到该页面或记录"),
        ("/tasks/abc", 400, "无法识别该地址或表单中的内容"),
        (
            "/compliance?year=twenty",
            400,
            "无法识别该地址或表单中的内容",
        ),
    ];
    for (path, status, message) in cases {
        let (got, page) = app.get_text(&c, path).await;
        assert_eq!(got, status, "{path}");
        assert!(
            page.contains("<html lang=\"zh-CN\">") && page.contains(message),
            "{path}: {page}"
        );
        assert!(
            !page.contains("Cannot parse") && !page.contains("deserialize"),
            "{page}"
        );
    }
    let english = TestApp::client();
    app.login(&english, "admin", ADMIN_PASSWORD).await;
    let (status, page) = app.get_text(&english, "/tasks/abc?lang=en").await;
    assert_eq!(status, 400);
    assert!(
        page.contains("<html lang=\"en\">") && page.contains("could not be read"),
        "{page}"
    );
    // An address that only takes a form, opened as a page: said so, with the methods it takes.
    let r = c.get(app.url("/logout")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("该地址只接受从其页面提交的表单"));
    // A cleared year field is this year's table, not a refusal.
    let (status, page) = app.get_text(&c, "/compliance?year=").await;
    assert_eq!(status, 200, "{page}");
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_a_message_that_says_what_to_do() {
    let app = TestApp::spawn(sqlite().await).await;
    let c = TestApp::client();
    let r = app.login(&c, "admin", "not the password").await;
    assert_eq!(r.status(), 401);
    let page = r.text().await.unwrap();
    assert!(page.contains("用户名或密码不正确"));
    assert!(
        page.contains("value=\"admin\""),
        "the username is kept in the form"
    );
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_login() {
    let app = TestApp::spawn(sqlite().await).await;
    let c = TestApp::client();
    for _ in 0..5 {
        app.login(&c, "admin", "guess").await;
    }
    let r = app.login(&c, "admin", ADMIN_PASSWORD).await;
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("锁定"));
}

#[tokio::test]
async fn a_form_without_its_csrf_token_or_from_another_site_changes_nothing() {
    let app = TestApp::spawn(sqlite().await).await;
    let c = TestApp::client();
    let _ = c.get(app.url("/login")).send().await.unwrap();
    let r = c
        .post(app.url("/login"))
        .form(&[
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("csrf", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    app.login(&c, "admin", ADMIN_PASSWORD).await;
    let r = c
        .post(app.url("/logout"))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (_, home) = app.get_text(&c, "/").await;
    let csrf = csrf_of(&home);
    let r = c
        .post(app.url("/logout"))
        .header("Origin", "http://evil.example")
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(app.get_text(&c, "/").await.0, 200, "still logged in");
}

#[tokio::test]
async fn a_district_sees_its_own_agency_and_not_another_districts() {
    for db in all_backends().await {
        let app = TestApp::spawn(db).await;
        app.with_user(
            "tianshan",
            "650102",
            Role::DistrictAdmin,
            "tianshan password 1",
        )
        .await;
        app.with_user(
            "legal",
            "650100-legal",
            Role::CityLegal,
            "legal password 12",
        )
        .await;
        let c = TestApp::client();
        app.login(&c, "tianshan", "tianshan password 1").await;
        assert_eq!(app.get_text(&c, "/agencies/650102").await.0, 200);
        let (status, page) = app.get_text(&c, "/agencies/650109").await;
        assert_eq!(status, 403);
        assert!(!page.contains("米东区分局"), "a refusal shows no data");
        let (_, list) = app.get_text(&c, "/agencies").await;
        assert!(list.contains("天山区分局") && !list.contains("米东区分局"));

        let city = TestApp::client();
        app.login(&city, "legal", "legal password 12").await;
        assert_eq!(app.get_text(&city, "/agencies/650109").await.0, 200);
        let (_, all) = app.get_text(&city, "/agencies").await;
        assert!(all.contains("天山区分局") && all.contains("米东区分局"));
    }
}

#[tokio::test]
async fn the_api_takes_bearer_tokens_and_checks_jurisdiction() {
    for db in all_backends().await {
        let app = TestApp::spawn(db).await;
        app.with_user("midong", "650109", Role::DistrictAdmin, "midong password 1")
            .await;
        let acc = spotcheck_store::account::by_username(&app.db, "midong")
            .await
            .unwrap()
            .unwrap();
        let tok = token::create(&app.db, "test", &acc, "test").await.unwrap();
        let c = reqwest::Client::new();
        let me: serde_json::Value = c
            .get(app.url("/api/v1/me"))
            .bearer_auth(&tok)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["username"], "midong");
        assert_eq!(me["agency"], "650109");
        let own = c
            .get(app.url("/api/v1/agencies/650109/officers"))
            .bearer_auth(&tok)
            .send()
            .await
            .unwrap();
        assert_eq!(own.status(), 200);
        let other = c
            .get(app.url("/api/v1/agencies/650102/officers"))
            .bearer_auth(&tok)
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 403);
        let body: serde_json::Value = other.json().await.unwrap();
        assert_eq!(body["error"]["code"], "error.forbidden");
        let anonymous = c.get(app.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(anonymous.status(), 401);
        let forged = c
            .get(app.url("/api/v1/me"))
            .bearer_auth("sc_0000")
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 401);
    }
}

#[tokio::test]
async fn responses_carry_the_security_headers() {
    let app = TestApp::spawn(sqlite().await).await;
    let r = reqwest::get(app.url("/login")).await.unwrap();
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn text_from_users_is_escaped_in_pages() {
    let app = TestApp::spawn(sqlite().await).await;
    app.with_user(
        "<script>alert(1)</script>",
        "650102",
        Role::Officer,
        "officer password 1",
    )
    .await;
    let c = TestApp::client();
    app.login(&c, "<script>alert(1)</script>", "officer password 1")
        .await;
    let (status, home) = app.get_text(&c, "/").await;
    assert_eq!(status, 200);
    assert!(!home.contains("<script>alert(1)</script>"));
    // Shown as text: the angle brackets arrive as character references.
    assert!(
        home.contains("alert(1)") && (home.contains("&lt;script") || home.contains("&#60;script"))
    );
}

#[tokio::test]
async fn a_login_redirect_never_leaves_the_site() {
    let app = TestApp::spawn(sqlite().await).await;
    // Browsers read `//host` and `/\host` as another site and drop tabs and line breaks.
    for hostile in [
        "//evil.example/",
        "/\\evil.example/",
        "/\t/evil.example/",
        "/\n/evil.example",
    ] {
        let c = TestApp::client();
        let r = app.login_then(&c, "admin", ADMIN_PASSWORD, hostile).await;
        assert_eq!(r.headers()["location"], "/", "{hostile:?}");
        // Signed in already, the login page sends the browser on at once: home as well.
        let r = c
            .get(app.url("/login"))
            .query(&[("next", hostile)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["location"], "/", "{hostile:?}");
    }
    // A local page is followed.
    let r = app
        .login_then(&TestApp::client(), "admin", ADMIN_PASSWORD, "/firms")
        .await;
    assert_eq!(r.headers()["location"], "/firms");
}

#[tokio::test]
async fn the_home_page_lists_the_coming_deadlines_from_the_rules() {
    let db = sqlite().await;
    spotcheck_store::bootstrap::ensure_foundation(&db.db, Some(ADMIN_PASSWORD))
        .await
        .unwrap();
    // A fixed clock: 1 March 2026, so the key draw for 2026Q2 is due on 25 March (R-DRAW-KEY-1).
    fn clock() -> chrono::DateTime<chrono::Utc> {
        "2026-03-01T08:00:00Z".parse().unwrap()
    }
    let config = spotcheck_web::WebConfig {
        clock,
        ..Default::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(spotcheck_web::serve(
        listener,
        spotcheck_web::AppState::new(db.db.clone(), config),
    ));
    let c = TestApp::client();
    let page = c
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    c.post(format!("{base}/login"))
        .form(&[
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    let home_page = || async {
        c.get(format!("{base}/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let deadlines = |home: &str| {
        home.split("id=\"deadlines\"")
            .nth(1)
            .expect("the coming deadlines")
            .split("</table>")
            .next()
            .unwrap()
            .to_string()
    };
    let home = home_page().await;
    let coming = deadlines(&home);
    let row = coming
        .split("<tr")
        .find(|r| r.contains("重点排污单位抽取派发"))
        .expect("the key draw is listed");
    assert!(
        row.contains("2026Q2") && row.contains("2026-03-25") && row.contains(">24<"),
        "{row}"
    );
    assert!(
        !coming.contains("2026-01-20"),
        "past deadlines are not listed as coming"
    );
    // The detachment's own duties with where each stands on the clock's day: January's monthly
    // report (due 3 February) is overdue, February's (due 3 March) due soon (R-REP-1).
    let duties = home
        .split("id=\"my-duties\"")
        .nth(1)
        .expect("the agency's duties")
        .split("</table>")
        .next()
        .unwrap();
    let status_of = |period: &str| {
        duties
            .split("<tr")
            .find(|r| {
                r.contains("data-duty=\"monthly_report\"")
                    && r.contains(&format!("data-period=\"{period}\""))
            })
            .map(|r| {
                r.split("data-status=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .to_string()
            })
    };
    assert_eq!(status_of("2026-01").as_deref(), Some("overdue"));
    assert_eq!(status_of("2026-02").as_deref(), Some("due_soon"));
    let coming_report = |coming: &str| {
        coming
            .split("<tr")
            .any(|r| r.contains("2026-02") && r.contains("2026-03-03"))
    };
    assert!(coming_report(&coming), "{coming}");

    // February's report sent, neither list shows it as a duty to come.
    let detachment = spotcheck_store::agency::by_code(&db.db, "650100")
        .await
        .unwrap()
        .unwrap();
    spotcheck_store::reports::submit(
        &db.db,
        "admin",
        &detachment,
        spotcheck_store::reports::ReportKind::Monthly,
        "2026-02",
        &serde_json::json!({}),
    )
    .await
    .unwrap();
    let home = home_page().await;
    let coming = deadlines(&home);
    assert!(!coming_report(&coming), "{coming}");
    assert!(!home.contains("data-period=\"2026-02\""), "{home}");
}

#[tokio::test]
async fn the_firm_list_searches_within_the_jurisdiction_and_pages() {
    for db in all_backends().await {
        let app = TestApp::spawn(db).await;
        spotcheck_store::demo::load(
            &app.db,
            &spotcheck_store::demo::DemoOptions::default(),
            &|_| {},
        )
        .await
        .unwrap();
        let c = TestApp::client();
        app.login(&c, "tianshan", spotcheck_store::demo::DEMO_PASSWORD)
            .await;
        let (status, page) = app.get_text(&c, "/firms?category=key").await;
        assert_eq!(status, 200);
        assert!(page.contains("id=\"firms\""));
        assert!(!page.contains("米东区<"), "only Tianshan's firms");
        let rows = page.matches("href=\"/firms/").count();
        assert!(rows > 0 && rows <= 50, "{rows}");
        // Another district's agency filter is refused, not silently widened.
        assert_eq!(app.get_text(&c, "/firms?agency=650109").await.0, 403);
        // A firm of another district is refused.
        let api: serde_json::Value = c
            .get(app.url("/api/v1/firms?limit=500"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let own = api["items"].as_array().unwrap();
        assert!(own.iter().all(|f| f["division_code"] == "650102"));
        let city = TestApp::client();
        app.login(&city, "legal", spotcheck_store::demo::DEMO_PASSWORD)
            .await;
        let other: serde_json::Value = city
            .get(app.url("/api/v1/firms?limit=500"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let other_id = other["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["division_code"] == "650109")
            .unwrap()["id"]
            .clone();
        assert_eq!(app.get_text(&c, &format!("/firms/{other_id}")).await.0, 403);
        assert_eq!(
            app.get_text(&city, &format!("/firms/{other_id}")).await.0,
            200
        );
    }
}

#[tokio::test]
async fn a_password_change_follows_the_rules_and_ends_every_session() {
    for db in all_backends().await {
        let app = TestApp::spawn(db).await;
        app.with_user("wangfang", "650102", Role::Officer, "old pass phrase 2026")
            .await;
        let phone = TestApp::client();
        let laptop = TestApp::client();
        app.login(&phone, "wangfang", "old pass phrase 2026").await;
        app.login(&laptop, "wangfang", "old pass phrase 2026").await;
        let (status, page) = app.get_text(&laptop, "/account").await;
        assert_eq!(status, 200);
        let change = |current: &'static str, new: &'static str, repeat: &'static str| {
            let csrf = csrf_of(&page);
            let laptop = laptop.clone();
            let url = app.url("/account/password");
            async move {
                laptop
                    .post(url)
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("current", current),
                        ("new", new),
                        ("repeat", repeat),
                    ])
                    .send()
                    .await
                    .unwrap()
            }
        };
        let wrong = change(
            "not my password",
            "violet kettle harbour",
            "violet kettle harbour",
        )
        .await;
        assert_eq!(wrong.status(), 422);
        assert!(wrong.text().await.unwrap().contains("当前密码不正确"));
        let short = change("old pass phrase 2026", "short", "short").await;
        assert!(short.text().await.unwrap().contains("至少 10 个字符"));
        let common = change("old pass phrase 2026", "woaini1314!!", "woaini1314!!").await;
        assert!(common.text().await.unwrap().contains("过于常见"));
        let named = change(
            "old pass phrase 2026",
            "wangfang-2026-spring",
            "wangfang-2026-spring",
        )
        .await;
        assert!(named.text().await.unwrap().contains("不能包含用户名"));
        let differ = change(
            "old pass phrase 2026",
            "violet kettle harbour",
            "violet kettle harbor",
        )
        .await;
        assert!(differ.text().await.unwrap().contains("不一致"));

        let done = change(
            "old pass phrase 2026",
            "violet kettle harbour",
            "violet kettle harbour",
        )
        .await;
        assert_eq!(done.status(), 303);
        assert_eq!(done.headers()["location"], "/login");
        // Both devices are logged out; the old password no longer works, the new one does.
        assert_eq!(app.get_text(&phone, "/account").await.0, 303);
        let old = app.login(&phone, "wangfang", "old pass phrase 2026").await;
        assert_eq!(old.status(), 401);
        let new = app.login(&phone, "wangfang", "violet kettle harbour").await;
        assert_eq!(new.status(), 303);

        // "Log out on every device" ends the laptop's new session from the phone.
        app.login(&laptop, "wangfang", "violet kettle harbour")
            .await;
        let (_, own) = app.get_text(&phone, "/account").await;
        let r = phone
            .post(app.url("/account/logout-everywhere"))
            .form(&[("csrf", csrf_of(&own).as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(app.get_text(&laptop, "/account").await.0, 303);
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_and_the_work_held() {
    let app = TestApp::spawn(sqlite().await).await;
    crate::common::demo_task_of_officer(&app).await;
    let c = TestApp::client();
    app.login(&c, "tianshan", "spotcheck-demo").await;
    for _ in 0..3 {
        let (status, _) = app.get_text(&c, "/plans/1").await;
        assert_eq!(status, 200);
    }
    let text = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Requests are counted by the route's pattern, not by the id asked for.
    assert!(
        text.contains(
            "spotcheck_http_requests_total{method=\"GET\",route=\"/plans/{id}\",status=\"200\"} 3"
        ),
        "{text}"
    );
    assert!(text.contains("spotcheck_http_request_duration_seconds_count{route=\"/plans/{id}\"} 3"));
    assert!(text.contains("spotcheck_draws_executed{key=\"key\"} 1"));
    let dispatched = spotcheck_store::reports::work_counts(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|(s, k, _)| *s == "tasks" && k == "dispatched")
        .unwrap()
        .2;
    assert!(text.contains(&format!(
        "spotcheck_tasks{{key=\"dispatched\"}} {dispatched}"
    )));
}

#[tokio::test]
async fn the_auditor_reads_checks_and_exports_the_audit_log_and_nobody_else_does() {
    let app = TestApp::spawn(sqlite().await).await;
    crate::common::demo_task_of_officer(&app).await;
    let auditor = TestApp::client();
    app.login(&auditor, "auditor", "spotcheck-demo").await;
    let (status, page) = app.get_text(&auditor, "/audit?verify=1").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("draw.execute") && page.contains("哈希链完整"),
        "{page}"
    );
    let xlsx = auditor
        .get(app.url("/audit.xlsx"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let table =
        spotcheck_tabular::read_file("audit.xlsx", &xlsx, &spotcheck_tabular::Limits::default())
            .unwrap();
    let events = match spotcheck_store::audit::verify(&app.db).await.unwrap() {
        spotcheck_store::audit::ChainCheck::Intact { events, .. } => events,
        broken => panic!("{broken:?}"),
    };
    // The export is read after the check; the export itself changes nothing.
    assert_eq!(table.rows().count() as i64, events);
    assert_eq!(
        table.headers,
        [
            "序号",
            "时间（UTC）",
            "操作人",
            "操作",
            "对象",
            "内容",
            "前一事件哈希",
            "哈希"
        ],
        "the header in the reader's language"
    );
    for who in ["tianshan", "officer", "legal"] {
        let c = TestApp::client();
        app.login(&c, who, "spotcheck-demo").await;
        assert_eq!(app.get_text(&c, "/audit").await.0, 403, "{who}");
        assert_eq!(app.get_text(&c, "/audit.xlsx").await.0, 403, "{who}");
    }
    // An edited event: the check names it and why, in the reader's language.
    let edited = spotcheck_store::testing::execute(
        &app.db,
        "UPDATE audit_event SET payload = '{}' WHERE seq = 3",
    )
    .await;
    assert_eq!(edited, 1);
    let (_, page) = app.get_text(&auditor, "/audit?verify=1").await;
    assert!(
        page.contains("哈希链在第 3 条断开：该事件内容与其哈希不符（已被修改）"),
        "{page}"
    );
    let (_, page) = app.get_text(&auditor, "/audit?verify=1&lang=en").await;
    assert!(
        page.contains("breaks at event 3: its content does not match its hash (it was edited)"),
        "{page}"
    );
}

/// The password shown once on the accounts page after a creation or a reset.
fn issued_password(page: &str) -> String {
    let marker = "id=\"issued-password\">";
    let start = page.find(marker).expect("a password is shown") + marker.len();
    page[start..].split('<').next().unwrap().to_string()
}

#[tokio::test]
async fn the_security_administrator_keeps_accounts_and_every_step_is_audited() {
    for db in all_backends().await {
        let app = TestApp::spawn(db).await;
        app.with_user(
            "chenjing",
            "650100",
            Role::SecurityAdmin,
            "security pass 2026",
        )
        .await;
        let security = TestApp::client();
        app.login(&security, "chenjing", "security pass 2026").await;
        let (status, page) = app.get_text(&security, "/accounts").await;
        assert_eq!(status, 200);
        let csrf = csrf_of(&page);
        let post = |path: String, fields: Vec<(&'static str, String)>| {
            let security = security.clone();
            let url = app.url(&path);
            let csrf = csrf.clone();
            async move {
                let mut form = vec![("csrf", csrf)];
                form.extend(fields);
                let r = security.post(url).form(&form).send().await.unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            }
        };

        // A new account: the first password is random, shown once, and works.
        let new_account = |username: &str| {
            vec![
                ("username", username.to_string()),
                ("display_name", "马强".to_string()),
                ("agency", "650104".to_string()),
                ("role", "officer".to_string()),
            ]
        };
        let (status, page) = post("/accounts".into(), new_account("maqiang")).await;
        assert_eq!(status, 200, "{page}");
        let first = issued_password(&page);
        assert_eq!(first.len(), 20);
        let phone = TestApp::client();
        assert_eq!(app.login(&phone, "maqiang", &first).await.status(), 303);
        assert_eq!(app.get_text(&phone, "/account").await.0, 200);

        // The same username again, or a malformed one, is refused and says why.
        let (status, page) = post("/accounts".into(), new_account("maqiang")).await;
        assert_eq!(status, 422);
        assert!(page.contains("用户名 maqiang 已被使用"), "{page}");
        let (status, _) = post("/accounts".into(), new_account("X Y")).await;
        assert_eq!(status, 422);

        // A reset: a new password, the old one and the phone's session stop working.
        let id = spotcheck_store::account::by_username(&app.db, "maqiang")
            .await
            .unwrap()
            .unwrap()
            .id;
        let (status, page) = post(format!("/accounts/{id}/reset"), vec![]).await;
        assert_eq!(status, 200);
        let second = issued_password(&page);
        assert_ne!(first, second);
        assert_eq!(
            app.get_text(&phone, "/account").await.0,
            303,
            "session ended"
        );
        assert_eq!(app.login(&phone, "maqiang", &first).await.status(), 401);
        assert_eq!(app.login(&phone, "maqiang", &second).await.status(), 303);

        // Five failures lock the account; the administrator lifts the lock before its time.
        let laptop = TestApp::client();
        for _ in 0..5 {
            app.login(&laptop, "maqiang", "wrong password here").await;
        }
        let locked = app.login(&laptop, "maqiang", &second).await;
        assert_eq!(locked.status(), 401);
        assert!(locked.text().await.unwrap().contains("分钟"));
        let (_, page) = app.get_text(&security, "/accounts?q=maqiang").await;
        assert!(page.contains("已锁定"), "{page}");
        assert_eq!(post(format!("/accounts/{id}/unlock"), vec![]).await.0, 303);
        assert_eq!(app.login(&laptop, "maqiang", &second).await.status(), 303);

        // Closing ends every session and refuses logins; reopening lets the person back in.
        assert_eq!(
            post(
                format!("/accounts/{id}/active"),
                vec![("active", "false".into())]
            )
            .await
            .0,
            303
        );
        assert_eq!(app.get_text(&laptop, "/account").await.0, 303);
        assert_ne!(app.login(&laptop, "maqiang", &second).await.status(), 303);
        post(
            format!("/accounts/{id}/active"),
            vec![("active", "true".into())],
        )
        .await;
        assert_eq!(app.login(&laptop, "maqiang", &second).await.status(), 303);

        // Not on oneself.
        let own = spotcheck_store::account::by_username(&app.db, "chenjing")
            .await
            .unwrap()
            .unwrap()
            .id;
        assert_eq!(
            post(
                format!("/accounts/{own}/active"),
                vec![("active", "false".into())]
            )
            .await
            .0,
            422
        );

        // Every step is in the audit log under the administrator's name.
        let events = spotcheck_store::audit::recent(&app.db, None, 200)
            .await
            .unwrap();
        for action in [
            "account.create",
            "account.password_set",
            "account.unlock",
            "account.deactivate",
            "account.activate",
        ] {
            assert!(
                events
                    .iter()
                    .any(|e| e.action == action && e.actor == "chenjing"),
                "{action}"
            );
        }
    }
}
