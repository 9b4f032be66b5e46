//! The registry lists in the browser's shoes: add a record with a form, import a file with a
//! preview, download exports and templates, and the refusals.

use crate::common::{csrf_of, TestApp};
use spotcheck_core::credit_code::CreditCode;
use spotcheck_core::role::Role;
use spotcheck_store::testing::{all_backends, sqlite};

fn code(n: u32) -> String {
    CreditCode::from_parts('9', '1', "650102", &format!("MA{n:06}"))
        .unwrap()
        .as_str()
        .to_string()
}

async fn logged_in(app: &TestApp, user: &str, agency: &str, role: Role) -> reqwest::Client {
    app.with_user(user, agency, role, "a password long enough")
        .await;
    let c = TestApp::client();
    app.login(&c, user, "a password long enough").await;
    c
}

#[tokio::test]
async fn a_firm_typed_into_the_form_is_saved_and_a_bad_code_is_explained() {
    for db in all_backends().await {
        let app = TestApp::spawn(db).await;
        let c = logged_in(&app, "ts", "650102", Role::DistrictAdmin).await;
        let (status, form) = app.get_text(&c, "/lists/firms/new").await;
        assert_eq!(status, 200);
        let csrf = csrf_of(&form);
        let mut fields = vec![("csrf".to_string(), csrf.clone())];
        let values = [
            code(7),
            "天山印染有限公司".into(),
            "天山区".into(),
            "乌鲁木齐市天山区和平路7号".into(),
            "1713".into(),
            "重点".into(),
        ];
        for (i, v) in values.iter().enumerate() {
            fields.push((format!("f{i}"), v.clone()));
        }
        let r = c
            .post(app.url("/lists/firms/new"))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let (_, list) = app.get_text(&c, "/firms?q=印染").await;
        assert!(list.contains("天山印染有限公司"));

        let mut bad = fields.clone();
        bad[1].1 = format!("{}0", &code(8)[..17]);
        if bad[1].1 == code(8) {
            bad[1].1 = format!("{}1", &code(8)[..17]);
        }
        let r = c
            .post(app.url("/lists/firms/new"))
            .form(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        assert!(
            page.contains("统一社会信用代码") && page.contains("校验"),
            "the field and the reason"
        );
        assert!(page.contains("天山印染有限公司"), "what was typed is kept");
        // In English the field is named as the English form labels it.
        let r = c
            .post(app.url("/lists/firms/new?lang=en"))
            .form(&bad)
            .send()
            .await
            .unwrap();
        let page = r.text().await.unwrap();
        assert!(
            page.contains("Unified social credit code: ") && !page.contains("统一社会信用代码："),
            "{page}"
        );
    }
}

#[tokio::test]
async fn an_uploaded_file_is_previewed_then_imported_in_one_step() {
    for db in all_backends().await {
        let app = TestApp::spawn(db).await;
        let c = logged_in(&app, "ts", "650102", Role::DistrictAdmin).await;
        let (_, page) = app.get_text(&c, "/lists/firms/import").await;
        let csrf = csrf_of(&page);
        let csv = format!(
            "统一社会信用代码,单位名称,所在区县,详细地址,行业代码,监管类别\n{},天山化工有限公司,天山区,解放南路1号,2614,重点\n{},天山水泥厂,650102,新华路2号,3011,一般\n",
            code(1),
            code(2)
        );
        let (gbk, _, _) = encoding_rs::GBK.encode(&csv);
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .part(
                "file",
                reqwest::multipart::Part::bytes(gbk.into_owned()).file_name("污染源.csv"),
            );
        let r = c
            .post(app.url("/lists/firms/import"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let preview = r.text().await.unwrap();
        assert!(preview.contains("id=\"count-new\">2<"), "{preview}");
        assert!(
            app.get_text(&c, "/firms?q=天山化工")
                .await
                .1
                .contains("id=\"no-firms\""),
            "not yet written"
        );
        let token = preview
            .split("name=\"token\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let r = c
            .post(app.url("/lists/firms/import/apply"))
            .form(&[("csrf", csrf.as_str()), ("token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("id=\"import-status\""));
        assert!(app
            .get_text(&c, "/firms?q=天山化工")
            .await
            .1
            .contains("天山化工有限公司"));
    }
}

#[tokio::test]
async fn a_refused_upload_lists_the_problems_and_offers_the_error_report() {
    let app = TestApp::spawn(sqlite().await).await;
    let c = logged_in(&app, "ts", "650102", Role::DistrictAdmin).await;
    let (_, page) = app.get_text(&c, "/lists/firms/import").await;
    let csrf = csrf_of(&page);
    let csv = format!("统一社会信用代码,单位名称,所在区县,详细地址,行业代码,监管类别\n{},甲厂,米东区,某路,2614,重点\n", code(3));
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
        "file",
        reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("f.csv"),
    );
    let r = c
        .post(app.url("/lists/firms/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("id=\"import-refused\"") && page.contains("第 2 行"),
        "{page}"
    );
    let report_href = page
        .split("href=\"/lists/firms/import/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let report = c
        .get(app.url(&format!("/lists/firms/import/{report_href}")))
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), 200);
    let bytes = report.bytes().await.unwrap();
    let table =
        spotcheck_tabular::read(&bytes, spotcheck_tabular::Format::Xlsx, &Default::default())
            .unwrap();
    assert!(table.rows().any(|r| r.cells[0] == "2"));
}

#[tokio::test]
async fn officers_and_auditors_may_read_lists_but_not_change_them() {
    let app = TestApp::spawn(sqlite().await).await;
    let c = logged_in(&app, "off", "650102", Role::Officer).await;
    assert_eq!(app.get_text(&c, "/lists/officers").await.0, 200);
    assert_eq!(app.get_text(&c, "/lists/firms/new").await.0, 403);
    assert_eq!(app.get_text(&c, "/lists/firms/import").await.0, 403);
    let a = logged_in(&app, "aud", "650100", Role::Auditor).await;
    assert_eq!(app.get_text(&a, "/lists/penalties/new").await.0, 403);
}

#[tokio::test]
async fn exports_and_templates_download_as_spreadsheets() {
    let app = TestApp::spawn(sqlite().await).await;
    spotcheck_store::demo::load(&app.db, &Default::default(), &|_| {})
        .await
        .unwrap();
    let c = TestApp::client();
    app.login(&c, "midong", spotcheck_store::demo::DEMO_PASSWORD)
        .await;
    let r = c
        .get(app.url("/lists/officers/export?format=xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let bytes = r.bytes().await.unwrap();
    let table =
        spotcheck_tabular::read(&bytes, spotcheck_tabular::Format::Xlsx, &Default::default())
            .unwrap();
    assert_eq!(table.headers[0], "姓名");
    assert_eq!(table.rows().count(), 15, "Midong's own 15 officers only");
    let r = c
        .get(app.url("/lists/complaints/template?format=csv"))
        .send()
        .await
        .unwrap();
    // The file is named in the reader's language (percent-encoded UTF-8, RFC 6266).
    let name = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        name.ends_with("-%E6%A8%A1%E6%9D%BF.csv"),
        "…-模板.csv: {name}"
    );
    assert!(String::from_utf8_lossy(&r.bytes().await.unwrap()).contains("投诉次数"));
}

#[tokio::test]
async fn a_branch_files_its_list_and_the_city_sees_it_filed() {
    for db in all_backends().await {
        let app = TestApp::spawn(db).await;
        spotcheck_store::demo::load(&app.db, &Default::default(), &|_| {})
            .await
            .unwrap();
        let c = TestApp::client();
        app.login(&c, "midong", spotcheck_store::demo::DEMO_PASSWORD)
            .await;
        let (status, page) = app.get_text(&c, "/filings").await;
        assert_eq!(status, 200);
        let csrf = csrf_of(&page);
        let cell = |page: &str| {
            page.split("id=\"filing-650109-firms\"")
                .nth(1)
                .unwrap()
                .split("</td>")
                .next()
                .unwrap()
                .to_string()
        };
        let period = cell(&page)
            .split("name=\"period\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        assert!(
            !page.contains("filing-650102-firms"),
            "a branch sees only itself"
        );
        let r = c
            .post(app.url("/filings"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("agency", "650109"),
                ("kind", "firms"),
                ("period", period.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        // Another branch's list cannot be filed by Midong.
        let r = c
            .post(app.url("/filings"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("agency", "650102"),
                ("kind", "firms"),
                ("period", period.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let city = TestApp::client();
        app.login(&city, "legal", spotcheck_store::demo::DEMO_PASSWORD)
            .await;
        let (_, grid) = app.get_text(&city, "/filings").await;
        // Filed (on time or late, depending on today's date) with its row count.
        let filed = cell(&grid);
        assert!(
            (filed.contains("已报备") || filed.contains("逾期报备")) && filed.contains("行数"),
            "{filed}"
        );
        let tianshan = grid
            .split("id=\"filing-650102-firms\"")
            .nth(1)
            .unwrap()
            .split("</td>")
            .next()
            .unwrap();
        assert!(
            !tianshan.contains("行数") && tianshan.contains("逾期未报备"),
            "{tianshan}"
        );
        let (_, consolidated) = app.get_text(&city, "/consolidated").await;
        let total: i64 = consolidated
            .split("id=\"total-key\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            total > 200 && total < 400,
            "about 10% of 3,000 firms are key units: {total}"
        );
    }
}

#[tokio::test]
async fn special_sources_come_from_the_cases_and_leave_when_rectified() {
    let app = TestApp::spawn(sqlite().await).await;
    spotcheck_store::demo::load(&app.db, &Default::default(), &|_| {})
        .await
        .unwrap();
    let c = TestApp::client();
    app.login(&c, "legal", spotcheck_store::demo::DEMO_PASSWORD)
        .await;
    let (_, page) = app.get_text(&c, "/special").await;
    let open_before = page.matches("class=\"warn\"").count();
    assert!(open_before > 0, "the demo's cases made special sources");
    let id = page
        .split("action=\"/special/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let csrf = csrf_of(&page);
    let refused = c
        .post(app.url(&format!("/special/{id}/rectify")))
        .form(&[("csrf", csrf.as_str()), ("evidence", " ")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let r = c
        .post(app.url(&format!("/special/{id}/rectify")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("evidence", "验收意见 乌环验〔2026〕8号"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, after) = app.get_text(&c, "/special").await;
    assert_eq!(after.matches("class=\"warn\"").count(), open_before - 1);
    assert!(after.contains("乌环验〔2026〕8号"));
}

#[tokio::test]
async fn a_list_can_be_shown_as_it_stood_on_a_past_day() {
    let app = TestApp::spawn(sqlite().await).await;
    let c = logged_in(&app, "ts", "650102", Role::DistrictAdmin).await;
    let (_, page) = app.get_text(&c, "/lists/officers/new").await;
    let csrf = csrf_of(&page);
    let r = c
        .post(app.url("/lists/officers/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("f0", "王建国"),
            ("f1", "65010220260001"),
            ("f2", "2030-12-31"),
            ("f3", "是"),
            ("f4", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, now) = app.get_text(&c, "/lists/officers").await;
    assert!(now.contains("王建国"));
    let (status, then) = app.get_text(&c, "/lists/officers?as_of=2020-01-01").await;
    assert_eq!(status, 200);
    assert!(
        then.contains("id=\"as-of-note\"") && !then.contains("王建国"),
        "not yet on the list in 2020"
    );
    assert_eq!(
        app.get_text(&c, "/lists/officers?as_of=yesterday").await.0,
        400
    );
}

#[tokio::test]
async fn records_are_written_and_read_through_the_api_with_the_same_checks() {
    for db in all_backends().await {
        let app = TestApp::spawn(db).await;
        app.with_user(
            "ts",
            "650102",
            Role::DistrictAdmin,
            "a password long enough",
        )
        .await;
        let acc = spotcheck_store::account::by_username(&app.db, "ts")
            .await
            .unwrap()
            .unwrap();
        let tok = spotcheck_store::token::create(&app.db, "test", &acc, "t")
            .await
            .unwrap();
        let c = reqwest::Client::new();
        let firm = serde_json::json!({
            "credit_code": code(5), "name": "天山制药有限公司", "district": "天山区",
            "address": "乌鲁木齐市天山区胜利路5号", "industry": "2710", "category": "重点"
        });
        let r = c
            .post(app.url("/api/v1/lists/firms"))
            .bearer_auth(&tok)
            .json(&firm)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let again = c
            .post(app.url("/api/v1/lists/firms"))
            .bearer_auth(&tok)
            .json(&firm)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 200);
        let body: serde_json::Value = again.json().await.unwrap();
        assert!(body["outcome"]["unchanged"].is_i64(), "{body}");
        let page: serde_json::Value = c
            .get(app.url("/api/v1/lists/firms"))
            .bearer_auth(&tok)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
        let mut bad = firm.clone();
        bad["industry"] = "9999".into();
        let r = c
            .post(app.url("/api/v1/lists/firms"))
            .bearer_auth(&tok)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["problems"][0]["column"], "行业代码");
    }
}

#[tokio::test]
async fn any_list_can_be_searched_by_text() {
    let app = TestApp::spawn(sqlite().await).await;
    spotcheck_store::demo::load(&app.db, &Default::default(), &|_| {})
        .await
        .unwrap();
    let c = TestApp::client();
    app.login(&c, "legal", spotcheck_store::demo::DEMO_PASSWORD)
        .await;
    let (_, all) = app.get_text(&c, "/lists/officers").await;
    let first_name = all
        .split("data-label=\"姓名\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let (status, found) = app
        .get_text(&c, &format!("/lists/officers?q={first_name}"))
        .await;
    assert_eq!(status, 200);
    assert!(found.contains(&first_name));
    let rows = found.matches("data-label=\"姓名\"").count();
    assert!(
        rows >= 1 && rows < all.matches("data-label=\"姓名\"").count(),
        "{rows}"
    );
    let (_, none) = app.get_text(&c, "/lists/officers?q=100%25_").await;
    assert!(!none.contains("data-label=\"姓名\""), "wildcards are text");
}

#[tokio::test]
async fn a_record_of_another_jurisdiction_cannot_be_overwritten_by_a_form_or_the_api() {
    let app = TestApp::spawn(sqlite().await).await;
    let tianshan = logged_in(&app, "ts", "650102", Role::DistrictAdmin).await;
    let (_, form) = app.get_text(&tianshan, "/lists/firms/new").await;
    let csrf = csrf_of(&form);
    let values = [
        code(9),
        "天山热力有限公司".to_string(),
        "天山区".into(),
        "和平路9号".into(),
        "4430".into(),
        "一般".into(),
    ];
    let mut fields = vec![("csrf".to_string(), csrf)];
    fields.extend(
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("f{i}"), v.clone())),
    );
    assert_eq!(
        tianshan
            .post(app.url("/lists/firms/new"))
            .form(&fields)
            .send()
            .await
            .unwrap()
            .status(),
        303
    );

    let midong = logged_in(&app, "md", "650109", Role::DistrictAdmin).await;
    let (_, form) = app.get_text(&midong, "/lists/firms/new").await;
    let mut taken = vec![("csrf".to_string(), csrf_of(&form))];
    let mut moved = values.clone();
    moved[2] = "米东区".into();
    moved[1] = "被改名的公司".into();
    taken.extend(
        moved
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("f{i}"), v.clone())),
    );
    assert_eq!(
        midong
            .post(app.url("/lists/firms/new"))
            .form(&taken)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let (_, list) = app.get_text(&tianshan, "/firms?q=热力").await;
    assert!(list.contains("天山热力有限公司") && !list.contains("被改名的公司"));
}

#[tokio::test]
async fn the_api_refuses_writes_that_carry_only_a_browser_session() {
    let app = TestApp::spawn(sqlite().await).await;
    let c = logged_in(&app, "ts", "650102", Role::DistrictAdmin).await;
    // Reading with the session works; writing needs a bearer token.
    assert_eq!(
        c.get(app.url("/api/v1/lists/firms"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let r = c
        .post(app.url("/api/v1/lists/firms"))
        .json(&serde_json::json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
