//! Public disclosure (公示, R-REP-3) through a real server: nothing is public before it is
//! published; a published quarter shows its checks and its draws, never the next quarter's;
//! amendments are new versions; open data and the feed; who may publish, and when.

use crate::common::{csrf_of, TestApp};
use chrono::{NaiveDate, NaiveDateTime};
use spotcheck_core::inspection::{CheckItem, Finding, ItemCheck, Verdict};
use spotcheck_core::period::Quarter;
use spotcheck_store::demo::DEMO_PASSWORD;
use spotcheck_store::draws::{self, DrawRecord, PlanKind};
use spotcheck_store::tasks::{self, TaskRow};
use spotcheck_store::testing::{self, all_backends, sqlite, TestDb};
use spotcheck_store::{agency, inspections, Db};

const TIANSHAN: &str = "650100/650102/";
const QUARTER: &str = "/public/650102/2026Q2";

/// The draws of a Tianshan with published and unpublished work: its key draw of 2026Q2 with one
/// firm found compliant and one with a problem, and its key draw of 2026Q3 (not published).
struct Tianshan {
    app: TestApp,
    q2: DrawRecord,
    q2_tasks: Vec<TaskRow>,
    q3: DrawRecord,
    q3_tasks: Vec<TaskRow>,
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

/// Submits the completed form of a task, checked on `on`, with a problem when one is named.
async fn check(db: &Db, task_id: i64, on: &str, problem: Option<&str>) {
    let mut form = inspections::prefill(db, task_id).await.unwrap();
    form.arrived_at = Some(at(&format!("{on} 09:30")));
    form.departed_at = Some(at(&format!("{on} 11:00")));
    form.representative = "张伟".into();
    form.items = CheckItem::ALL
        .iter()
        .map(|item| ItemCheck {
            item: *item,
            verdict: Verdict::Compliant,
            remark: String::new(),
        })
        .collect();
    if let Some(problem) = problem {
        let permit = form
            .items
            .iter_mut()
            .find(|c| c.item == CheckItem::PermitValid)
            .unwrap();
        permit.verdict = Verdict::NonCompliant;
        permit.remark = "排污许可证已过期".into();
        form.findings.push(Finding {
            item: Some(CheckItem::PermitValid),
            violation: problem.into(),
            order_to_correct: Some("乌环责改〔2026〕31号".into()),
            case_filed: None,
            measures: vec![],
        });
    }
    inspections::submit(db, "officer", task_id, &form, &format!("k{task_id}"), 2)
        .await
        .unwrap()
        .unwrap();
}

async fn tianshan(db: TestDb) -> Tianshan {
    let app = TestApp::spawn(db).await;
    crate::common::demo_task_of_officer(&app).await;
    let plans = draws::plans(&app.db, TIANSHAN).await.unwrap();
    let q2_plan = plans.iter().find(|p| p.period == "2026Q2").unwrap();
    let q2 = draws::latest_draw(&app.db, q2_plan.id)
        .await
        .unwrap()
        .unwrap();
    let q2_tasks = tasks::of_draw(&app.db, q2.id).await.unwrap();
    check(&app.db, q2_tasks[0].id, "2026-04-15", None).await;
    check(&app.db, q2_tasks[1].id, "2026-05-20", Some("无证排污")).await;

    let agency = agency::by_code(&app.db, "650102").await.unwrap().unwrap();
    let q3_plan = testing::plan(&app.db, "tianshan", &agency, PlanKind::Key, "2026Q3").await;
    let june = "2026-06-20".parse().unwrap();
    draws::freeze(&app.db, "tianshan", &q3_plan, &agency, june)
        .await
        .unwrap()
        .unwrap();
    draws::seed(
        &app.db,
        "tianshan",
        &q3_plan,
        "dice:90817263544536271809",
        &["公证员".into()],
    )
    .await
    .unwrap()
    .unwrap();
    let q3 = draws::execute(&app.db, "tianshan", &q3_plan)
        .await
        .unwrap()
        .unwrap();
    let q3_tasks = tasks::of_draw(&app.db, q3.id).await.unwrap();
    Tianshan {
        app,
        q2,
        q2_tasks,
        q3,
        q3_tasks,
    }
}

/// Sends the publish form of `/disclosures` as `client`; returns the status and the body or the
/// redirect's target.
async fn publish(
    app: &TestApp,
    client: &reqwest::Client,
    agency: &str,
    quarter: &str,
    note: &str,
) -> (u16, String) {
    let (_, page) = app.get_text(client, "/disclosures").await;
    let csrf = csrf_of(&page);
    let r = client
        .post(app.url("/disclosures"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("agency", agency),
            ("quarter", quarter),
            ("note", note),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = match r.headers().get("location") {
        Some(l) => l.to_str().unwrap().to_string(),
        None => r.text().await.unwrap(),
    };
    (status, text)
}

async fn logged_in(app: &TestApp, username: &str) -> reqwest::Client {
    let client = TestApp::client();
    assert_eq!(
        app.login(&client, username, DEMO_PASSWORD).await.status(),
        303
    );
    client
}

#[tokio::test]
async fn a_quarter_is_public_only_once_published_and_then_shows_its_checks_and_draw() {
    for db in all_backends().await {
        let t = tianshan(db).await;
        let app = &t.app;
        let public = TestApp::client();
        let record = format!("{QUARTER}/draws/{}.json", t.q2.id);

        // Before publication nothing of the quarter is public.
        for path in [
            QUARTER.to_string(),
            format!("{QUARTER}.csv"),
            format!("{QUARTER}.json"),
            record.clone(),
        ] {
            let (status, page) = app.get_text(&public, &path).await;
            assert_eq!(status, 404, "{path}");
            assert!(page.contains("id=\"missing\""), "{path}: {page}");
            assert!(!page.contains(&t.q2_tasks[0].firm_name));
        }
        let (_, page) = app.get_text(&public, QUARTER).await;
        assert!(page.contains("尚未公示"), "a clear page: {page}");

        let tianshan = logged_in(app, "tianshan").await;
        let (status, target) = publish(app, &tianshan, "650102", "2026Q2", "").await;
        assert_eq!((status, target.as_str()), (303, QUARTER));

        let (status, page) = app.get_text(&public, QUARTER).await;
        assert_eq!(status, 200, "{page}");
        assert!(!page.contains("href=\"/tasks\""), "no menu for the public");
        for task in &t.q2_tasks {
            assert!(page.contains(&task.firm_name), "{}", task.firm_name);
            assert!(page.contains(&task.credit_code));
        }
        assert!(page.contains("无证排污") && page.contains("乌环责改〔2026〕31号"));
        assert!(page.contains("2026-04-15"));
        assert!(page.contains("650102/2026Q2/key"));
        for hash in [
            &t.q2.population_sha256,
            &t.q2.officers_sha256,
            &t.q2.conflicts_sha256,
            t.q2.result_sha256.as_ref().unwrap(),
        ] {
            assert!(page.contains(hash.as_str()), "{hash}");
        }
        assert!(page.contains("dice:38172645091827364510") && page.contains("王芳"));
        assert!(page.contains(&format!("href=\"/verify?record={record}\"")));

        // Officers are not named by default.
        let rows = inspections::results_detail(
            &app.db,
            TIANSHAN,
            NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
        )
        .await
        .unwrap();
        // The witnesses of the randomness are public; an officer may share a witness's name.
        let officers = rows
            .iter()
            .flat_map(|r| &r.officers)
            .filter(|o| o.name != "王芳");
        for officer in officers {
            assert!(!officer.name.is_empty());
            assert!(!page.contains(&officer.name), "{} is shown", officer.name);
        }

        // The next quarter, drawn but not published, stays out.
        assert!(!page.contains("650102/2026Q3/key"));
        assert!(!page.contains(t.q3.result_sha256.as_deref().unwrap()));
        let q2_firms: Vec<&str> = t.q2_tasks.iter().map(|x| x.firm_name.as_str()).collect();
        let later: Vec<&TaskRow> = t
            .q3_tasks
            .iter()
            .filter(|x| !q2_firms.contains(&x.firm_name.as_str()))
            .collect();
        assert!(!later.is_empty());
        for task in later {
            assert!(!page.contains(&task.firm_name), "{}", task.firm_name);
        }
        let (status, _) = app.get_text(&public, "/public/650102/2026Q3").await;
        assert_eq!(status, 404);
        let (status, _) = app
            .get_text(
                &public,
                &format!("/public/650102/2026Q2/draws/{}.json", t.q3.id),
            )
            .await;
        assert_eq!(status, 404, "the next quarter's record is not public");

        // The draw's full record is public now, and it verifies.
        let r = public.get(app.url(&record)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let text = r.text().await.unwrap();
        assert_eq!(
            spotcheck_draw::verify_json(&text).unwrap(),
            spotcheck_draw::Verification::Agrees
        );

        // The list of publications names it.
        let (status, list) = app.get_text(&public, "/public").await;
        assert_eq!(status, 200);
        assert!(list.contains("href=\"/public/650102/2026Q2\""), "{list}");
    }
}

#[tokio::test]
async fn an_amendment_is_version_2_and_version_1_stays_reachable() {
    let t = tianshan(sqlite().await).await;
    let app = &t.app;
    let tianshan = logged_in(app, "tianshan").await;
    assert_eq!(publish(app, &tianshan, "650102", "2026Q2", "").await.0, 303);

    let (status, page) = publish(app, &tianshan, "650102", "2026Q2", "").await;
    assert_eq!(status, 422, "published once; again only with a note");
    assert!(page.contains("id=\"disclosure-error\""), "{page}");

    // Pages seen before the amendment (a published version's page is kept once rendered).
    let public = TestApp::client();
    let (_, before) = app.get_text(&public, QUARTER).await;
    assert!(before.contains("第 1 版"), "{before}");
    let (_, first_before) = app.get_text(&public, &format!("{QUARTER}?version=1")).await;
    // Someone logged in gets the page with their own header, not the one kept for visitors.
    let (_, own) = app.get_text(&tianshan, QUARTER).await;
    assert!(own.contains("id=\"logout\"") && !before.contains("id=\"logout\""));

    check(&app.db, t.q2_tasks[2].id, "2026-06-29", Some("超标排放")).await;
    let (status, target) =
        publish(app, &tianshan, "650102", "2026Q2", "补录6月29日的检查结果").await;
    assert_eq!((status, target.as_str()), (303, QUARTER));

    let (_, latest) = app.get_text(&public, QUARTER).await;
    assert!(latest.contains("第 2 版"), "{latest}");
    assert!(latest.contains("补录6月29日的检查结果") && latest.contains("超标排放"));
    assert!(latest.contains(&format!("href=\"{QUARTER}?version=1\"")));

    let (status, first) = app.get_text(&public, &format!("{QUARTER}?version=1")).await;
    assert_eq!(status, 200);
    assert!(first.contains("第 1 版") && first.contains("id=\"older-version\""));
    assert_ne!(first, first_before, "version 1's page now lists version 2");
    assert!(!first.contains("超标排放"), "version 1 as it was published");
    assert!(first.contains(&format!(
        "/verify?record={QUARTER}/draws/{}.json%3Fversion%3D1",
        t.q2.id
    )));
    let (status, _) = app
        .get_text(&public, &format!("{QUARTER}.json?version=1"))
        .await;
    assert_eq!(status, 200);
    let (status, _) = app.get_text(&public, &format!("{QUARTER}?version=3")).await;
    assert_eq!(status, 404);

    // An amendment made by another server (here through the store, as another process would):
    // this server reads which version is the latest at most once a second, and shows it then.
    let district = agency::by_code(&app.db, "650102").await.unwrap().unwrap();
    spotcheck_store::disclosure::publish(
        &app.db,
        "tianshan",
        &district,
        "2026Q2".parse().unwrap(),
        Some("另一台服务器上的修订"),
        &Default::default(),
        "2026-11-01".parse().unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, third) = app.get_text(&public, QUARTER).await;
    assert!(
        third.contains("第 3 版") && third.contains("另一台服务器上的修订"),
        "{third}"
    );
}

#[tokio::test]
async fn the_open_data_csv_and_json_carry_the_same_rows_and_the_feed_lists_the_publication() {
    let t = tianshan(sqlite().await).await;
    let app = &t.app;
    let tianshan = logged_in(app, "tianshan").await;
    assert_eq!(publish(app, &tianshan, "650102", "2026Q2", "").await.0, 303);
    let public = TestApp::client();

    let r = public
        .get(app.url(&format!("{QUARTER}.json")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let sha = r.headers()["etag"]
        .to_str()
        .unwrap()
        .trim_matches('"')
        .to_string();
    let bytes = r.bytes().await.unwrap();
    assert_eq!(
        spotcheck_store::sha256_hex(&bytes),
        sha,
        "the bytes published"
    );
    let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(json["schema"], "spotcheck-disclosure/v1");
    assert_eq!(json["agency"]["code"], "650102");
    assert_eq!(
        (json["quarter"].as_str(), json["version"].as_i64()),
        (Some("2026Q2"), Some(1))
    );
    let checks = json["checks"].as_array().unwrap();
    assert_eq!(checks.len(), t.q2_tasks.len());
    assert!(checks.iter().all(|c| c["officers"].is_null()));
    assert_eq!(json["draws"][0]["id"], t.q2.id);

    let r = public
        .get(app.url(&format!("{QUARTER}.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = r.bytes().await.unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "a byte order mark");
    let table = spotcheck_tabular::read(
        &csv,
        spotcheck_tabular::Format::Csv,
        &spotcheck_tabular::Limits::default(),
    )
    .unwrap();
    let column = |name: &str| table.column(&[name]).unwrap();
    let (code, result, checked_on, problems, names) = (
        column("credit_code"),
        column("result"),
        column("checked_on"),
        column("problems"),
        column("officer_names"),
    );
    let rows: Vec<_> = table.rows().collect();
    assert_eq!(rows.len(), checks.len(), "one line per check");
    for (row, c) in rows.iter().zip(checks) {
        assert_eq!(row.cell(code), c["credit_code"].as_str().unwrap());
        assert_eq!(row.cell(result), c["result"].as_str().unwrap());
        assert_eq!(row.cell(checked_on), c["checked_on"].as_str().unwrap_or(""));
        assert_eq!(row.cell(problems), c["problems"].as_str().unwrap());
        assert_eq!(row.cell(names), "", "officers hidden");
        assert_eq!(row.cell(column("quarter")), "2026Q2");
    }
    assert!(rows.iter().any(|r| r.cell(result) == "violation"));

    let r = public
        .get(app.url("/public/feed.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/atom+xml"));
    let feed = r.text().await.unwrap();
    assert!(
        feed.starts_with("<?xml") && feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\"")
    );
    assert_eq!(feed.matches("<entry>").count(), 1);
    assert!(feed.contains("天山区分局") && feed.contains("2026Q2"));
    assert!(feed.contains("href=\"/public/650102/2026Q2?version=1\""));
}

#[tokio::test]
async fn only_the_jurisdiction_publishes_and_never_before_the_quarter_ends() {
    let t = tianshan(sqlite().await).await;
    let app = &t.app;

    // Another district may not publish Tianshan's quarter, nor see its page.
    let saybag = logged_in(app, "saybag").await;
    let (status, _) = publish(app, &saybag, "650102", "2026Q2", "").await;
    assert_eq!(status, 403);
    let (status, _) = app.get_text(&saybag, "/disclosures?agency=650102").await;
    assert_eq!(status, 403);
    // Officers see where the quarters stand, and do not publish.
    let officer = logged_in(app, "officer").await;
    let (status, page) = app.get_text(&officer, "/disclosures").await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"state-2026Q2\">逾期未公示"), "{page}");
    assert!(!page.contains("id=\"publish-"), "{page}");
    let (status, _) = publish(app, &officer, "650102", "2026Q2", "").await;
    assert_eq!(status, 403, "officers do not publish");
    let (status, _) = app.get_text(&TestApp::client(), "/disclosures").await;
    assert_eq!(status, 303, "strangers are sent to the login");
    let (status, _) = app.get_text(&TestApp::client(), QUARTER).await;
    assert_eq!(status, 404, "nothing was published");

    // The quarter still running cannot be published yet.
    let tianshan = logged_in(app, "tianshan").await;
    let current = Quarter::containing(spotcheck_core::rules::RulesConfig::default().today());
    let (status, page) = publish(app, &tianshan, "650102", &current.to_string(), "").await;
    assert_eq!(status, 422);
    assert!(page.contains(&current.last_day().to_string()), "{page}");
    let (status, _) = app
        .get_text(&TestApp::client(), &format!("/public/650102/{current}"))
        .await;
    assert_eq!(status, 404);
    let (_, page) = app.get_text(&tianshan, "/disclosures").await;
    assert!(!page.contains(&format!("id=\"publish-{current}\"")));
    assert!(page.contains("id=\"publish-2026Q2\""));
    // A quarter over without a draw has nothing to publish and is not overdue (R-REP-3).
    let q1 = "2026Q1";
    assert!(
        page.contains(&format!("id=\"state-{q1}\">本季度无抽取，无需公示")),
        "{page}"
    );
    assert!(!page.contains(&format!("id=\"publish-{q1}\"")), "{page}");

    // The city's legal section publishes for any branch.
    let legal = logged_in(app, "legal").await;
    let (status, _) = publish(app, &legal, "650102", "2026Q2", "").await;
    assert_eq!(status, 303);
    let (_, page) = app.get_text(&tianshan, "/disclosures").await;
    assert!(
        page.contains("id=\"state-2026Q2\">已公示（逾期）"),
        "published after the due date of R-REP-3: {page}"
    );
}

#[tokio::test]
async fn the_verify_page_loads_only_records_published_on_this_site() {
    let app = TestApp::spawn(sqlite().await).await;
    let client = TestApp::client();
    let record = "/public/650102/2026Q2/draws/7.json";
    let (status, page) = app
        .get_text(&client, &format!("/verify?record={record}"))
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("id=\"record-source\" data-record=\"{record}\"")),
        "{page}"
    );
    assert!(
        page.contains(&format!("href=\"{record}\"")),
        "a link without JavaScript"
    );
    // Without JavaScript the page says how to check the record; with it, the script that loads
    // the record comes whether or not the browser's engine was built (it falls back to the
    // server's check).
    assert!(page.contains("<noscript><p class=\"muted\" id=\"verify-noscript\">未启用 JavaScript"));
    assert!(page.contains("<script src=\"/static/verify.js\""));
    for elsewhere in [
        "https://example.org/public/x.json",
        "//example.org/public/x.json",
        "/plans/1",
    ] {
        let (status, page) = app
            .get_text(&client, &format!("/verify?record={elsewhere}"))
            .await;
        assert_eq!(status, 200);
        assert!(!page.contains("record-source"), "{elsewhere}");
    }
}
