//! Reports and supervision in the browser's shoes: the monthly report sent and marked done, the
//! quarterly pack seen by the legal section, the supervision dashboard with its chart and notes.

use crate::common::{csrf_of, demo_task_of_officer, TestApp};
use spotcheck_core::period::Month;
use spotcheck_store::demo::DEMO_PASSWORD;
use spotcheck_store::testing::{all_backends, sqlite};

#[tokio::test]
async fn a_branch_sends_its_monthly_report_and_the_calendar_marks_it() {
    for db in all_backends().await {
        let app = TestApp::spawn(db).await;
        demo_task_of_officer(&app).await;
        let c = TestApp::client();
        app.login(&c, "tianshan", DEMO_PASSWORD).await;
        let month = Month::containing(spotcheck_store::now().date_naive()).to_string();
        let (status, page) = app
            .get_text(
                &c,
                &format!("/reports/monthly?agency=650102&period={month}"),
            )
            .await;
        assert_eq!(status, 200);
        // The month's key draw of Tianshan is in the figures.
        let figures = spotcheck_store::reports::monthly(
            &app.db,
            "650100/650102/",
            Month::parse(&month).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(figures.draws.get("key"), Some(&1));
        let key_line = page
            .split("<tr>")
            .find(|row| row.contains("重点排污单位抽查"))
            .unwrap();
        assert!(key_line.contains(">1<"), "{key_line}");
        let xlsx = c
            .get(app.url(&format!(
                "/reports/monthly.xlsx?agency=650102&period={month}"
            )))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let table = spotcheck_tabular::read_file(
            "monthly.xlsx",
            &xlsx,
            &spotcheck_tabular::Limits::default(),
        )
        .unwrap();
        assert!(table.rows().count() >= 10);

        let r = c
            .post(app.url("/reports/monthly/submit"))
            .form(&[
                ("csrf", csrf_of(&page).as_str()),
                ("agency", "650102"),
                ("period", month.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let (_, after) = app
            .get_text(
                &c,
                &format!("/reports/monthly?agency=650102&period={month}"),
            )
            .await;
        assert!(after.contains("id=\"submitted\""));
        // Another district cannot send Tianshan's report.
        let other = TestApp::client();
        app.login(&other, "midong", DEMO_PASSWORD).await;
        let (_, own) = app.get_text(&other, "/reports/monthly").await;
        let r = other
            .post(app.url("/reports/monthly/submit"))
            .form(&[
                ("csrf", csrf_of(&own).as_str()),
                ("agency", "650102"),
                ("period", month.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
    }
}

#[tokio::test]
async fn the_legal_section_sees_which_packs_arrived() {
    let app = TestApp::spawn(sqlite().await).await;
    demo_task_of_officer(&app).await;
    let c = TestApp::client();
    app.login(&c, "tianshan", DEMO_PASSWORD).await;
    let (_, page) = app
        .get_text(&c, "/reports/pack?agency=650102&period=2026Q2")
        .await;
    assert!(page.contains("id=\"pack-forms\""));
    let r = c
        .post(app.url("/reports/pack/submit"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("agency", "650102"),
            ("period", "2026Q2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (status, forms) = app
        .get_text(&c, "/reports/pack/forms?agency=650102&period=2026Q2")
        .await;
    assert_eq!(status, 200);
    assert!(forms.contains("污染源现场监察情况表汇编"));

    let legal = TestApp::client();
    app.login(&legal, "legal", DEMO_PASSWORD).await;
    let (_, arrivals) = app.get_text(&legal, "/reports/pack?period=2026Q2").await;
    let section = arrivals.split("id=\"arrivals\"").nth(1).unwrap();
    let tianshan = section
        .split("<tr>")
        .find(|r| r.contains("天山区分局"))
        .unwrap();
    assert!(!tianshan.contains("尚未报送"), "{tianshan}");
    let midong = section
        .split("<tr>")
        .find(|r| r.contains("米东区分局"))
        .unwrap();
    assert!(midong.contains("尚未报送"));

    // The forms in full are for reviewers: an officer sees the pack without their link, and is
    // refused them.
    let officer = TestApp::client();
    app.login(&officer, "officer", DEMO_PASSWORD).await;
    let (_, page) = app
        .get_text(&officer, "/reports/pack?agency=650102&period=2026Q2")
        .await;
    assert!(page.contains("id=\"pack-xlsx\"") && !page.contains("id=\"pack-forms\""));
    let (status, forms) = app
        .get_text(&officer, "/reports/pack/forms?agency=650102&period=2026Q2")
        .await;
    assert_eq!(status, 403);
    assert!(!forms.contains("污染源现场监察情况表汇编"));
}

#[tokio::test]
async fn the_city_records_a_supervision_note_that_the_branch_follows_up_until_closed() {
    for db in all_backends().await {
        let app = TestApp::spawn(db).await;
        demo_task_of_officer(&app).await;
        let legal = TestApp::client();
        app.login(&legal, "legal", DEMO_PASSWORD).await;
        let (status, page) = app.get_text(&legal, "/supervision").await;
        assert_eq!(status, 200);
        assert!(page.contains("<svg") && page.contains("天山区分局"));
        assert_eq!(
            page.matches("<tr data-agency=").count(),
            8,
            "the eight branches"
        );
        let tianshan_row = page
            .split("<tr data-agency=\"650102\"")
            .nth(1)
            .unwrap()
            .split("</tr>")
            .next()
            .unwrap();
        let tasks = spotcheck_store::reports::supervision(
            &app.db,
            &spotcheck_store::agency::by_code(&app.db, "650102")
                .await
                .unwrap()
                .unwrap(),
            &spotcheck_core::rules::RulesConfig::default(),
            spotcheck_store::now().date_naive(),
        )
        .await
        .unwrap()
        .tasks;
        assert!(tasks > 0);
        assert!(
            tianshan_row.contains(&format!("0/{tasks}")),
            "{tianshan_row}"
        );

        let r = legal
            .post(app.url("/supervision/notes"))
            .form(&[
                ("csrf", csrf_of(&page).as_str()),
                ("agency", "650102"),
                ("subject", "二季度任务<script>"),
                ("body", "请按期完成"),
                ("due_on", "2026-12-31"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let note = spotcheck_store::reports::notes(&app.db, "").await.unwrap()[0].clone();

        // The branch sees it and answers; it cannot close it nor open notes.
        let branch = TestApp::client();
        app.login(&branch, "tianshan", DEMO_PASSWORD).await;
        let (_, seen) = app.get_text(&branch, "/supervision").await;
        assert!(
            seen.contains("二季度任务&#60;script&#62;") && !seen.contains("<script>"),
            "the subject comes back as text"
        );
        let r = branch
            .post(app.url(&format!("/supervision/notes/{}", note.id)))
            .form(&[
                ("csrf", csrf_of(&seen).as_str()),
                ("body", "已安排检查"),
                ("close", "1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(
            spotcheck_store::reports::notes(&app.db, "").await.unwrap()[0].status,
            "open",
            "only the city closes"
        );
        let r = branch
            .post(app.url("/supervision/notes"))
            .form(&[
                ("csrf", csrf_of(&seen).as_str()),
                ("agency", "650109"),
                ("subject", "x"),
                ("body", "x"),
                ("due_on", "2026-12-31"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let r = legal
            .post(app.url(&format!("/supervision/notes/{}", note.id)))
            .form(&[
                ("csrf", csrf_of(&page).as_str()),
                ("body", "复核完成"),
                ("close", "1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let closed = spotcheck_store::reports::notes(&app.db, "").await.unwrap()[0].clone();
        assert_eq!(closed.status, "closed");
        assert_eq!(
            spotcheck_store::reports::follow_ups(&app.db, note.id)
                .await
                .unwrap()
                .len(),
            2
        );
    }
}
