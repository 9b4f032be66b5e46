//! The on-site form in the browser's shoes: from a dispatched task to an accepted form, a form
//! with a violation and measures, evidence and its limits, the results detail (附表2), and the
//! jurisdiction around it.

use crate::common::{csrf_of, demo_task_of_officer, TestApp};
use spotcheck_core::inspection::CheckItem;
use spotcheck_store::demo::DEMO_PASSWORD;
use spotcheck_store::testing::{all_backends, sqlite};

/// A complete form for the task's team; `violation` makes one item non-compliant with a finding
/// and two measures.
async fn complete_form(app: &TestApp, task_id: i64, violation: bool) -> Vec<(String, String)> {
    let task = spotcheck_store::tasks::get(&app.db, "", task_id)
        .await
        .unwrap()
        .unwrap();
    let team: Vec<String> = serde_json::from_str(&task.officers).unwrap();
    let names = spotcheck_store::tasks::officer_names(&app.db, &team)
        .await
        .unwrap();
    let mut f: Vec<(String, String)> = vec![
        ("firm_name".into(), task.firm_name.clone()),
        ("credit_code".into(), task.credit_code.clone()),
        ("address".into(), task.address.clone()),
        ("arrived_at".into(), "2026-04-10T09:00".into()),
        ("departed_at".into(), "2026-04-10T11:30".into()),
        ("representative".into(), "张厂长".into()),
        ("summary".into(), "现场检查完毕".into()),
    ];
    for (i, (cert, name)) in names.iter().enumerate() {
        f.push((format!("officer_name_{i}"), name.clone()));
        f.push((format!("officer_cert_{i}"), cert.clone()));
    }
    for item in CheckItem::ALL {
        let bad = violation && *item == CheckItem::PermitConditions;
        let verdict = if bad { "non_compliant" } else { "compliant" };
        f.push((format!("verdict_{}", item.as_str()), verdict.into()));
        if bad {
            f.push((format!("remark_{}", item.as_str()), "超许可浓度排放".into()));
        }
    }
    if violation {
        for (k, v) in [
            ("finding_0_item", "permit_conditions"),
            ("finding_0_violation", "二氧化硫超过许可排放浓度"),
            ("finding_0_order", "乌环责改〔2026〕12号"),
            ("finding_0_case", "乌环立〔2026〕7号"),
            ("finding_0_daily_penalty_on", "2026-04-12"),
            ("finding_0_daily_penalty_doc", "乌环按日〔2026〕1号"),
            ("finding_0_production_limit_on", "2026-04-12"),
            ("finding_0_production_limit_doc", "乌环限产〔2026〕3号"),
        ] {
            f.push((k.into(), v.into()));
        }
    }
    f
}

async fn post_form(
    app: &TestApp,
    c: &reqwest::Client,
    task_id: i64,
    action: &str,
    key: &str,
    fields: &[(String, String)],
) -> reqwest::Response {
    let (_, page) = app
        .get_text(c, &format!("/tasks/{task_id}/inspection"))
        .await;
    let mut form = vec![
        ("csrf".to_string(), csrf_of(&page)),
        ("action".to_string(), action.to_string()),
        ("submission_key".to_string(), key.to_string()),
    ];
    form.extend(fields.iter().cloned());
    c.post(app.url(&format!("/tasks/{task_id}/inspection")))
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_task_goes_from_dispatch_to_an_accepted_form_in_the_browser_s_shoes() {
    for db in all_backends().await {
        let app = TestApp::spawn(db).await;
        let (task_id, _) = demo_task_of_officer(&app).await;
        let officer = TestApp::client();
        app.login(&officer, "officer", DEMO_PASSWORD).await;

        // The form opens prefilled from the lists, with the team present.
        let (status, page) = app
            .get_text(&officer, &format!("/tasks/{task_id}/inspection"))
            .await;
        assert_eq!(status, 200);
        let task = spotcheck_store::tasks::get(&app.db, "", task_id)
            .await
            .unwrap()
            .unwrap();
        assert!(page.contains(&task.firm_name) && page.contains("id=\"submit-form\""));

        // A draft keeps a half-filled form; submitting it names what is missing.
        let partial = vec![("summary".to_string(), "到达现场".to_string())];
        let saved = post_form(&app, &officer, task_id, "save", "k0", &partial).await;
        assert_eq!(saved.status(), 303);
        let early = post_form(&app, &officer, task_id, "submit", "k1", &partial).await;
        assert_eq!(early.status(), 422);
        let text = early.text().await.unwrap();
        assert!(
            text.contains("请填写到达时间") && text.contains("请选择检查结果"),
            "{text}"
        );
        assert!(
            text.contains("现场执法人员少于 2 名"),
            "the team size of the rules: {text}"
        );
        assert!(text.contains("到达现场"), "what was typed is shown again");
        let current = spotcheck_store::inspections::current(&app.db, task_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(current.status, "draft");

        // Complete and submit; a second press of the same form records nothing more.
        let fields = complete_form(&app, task_id, false).await;
        // An officer who is not on the team is named by the row of the form.
        let stranger: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| match k.as_str() {
                "officer_cert_1" => (k.clone(), "65019999".to_string()),
                _ => (k.clone(), v.clone()),
            })
            .collect();
        let refused = post_form(&app, &officer, task_id, "submit", "k-stranger", &stranger).await;
        assert_eq!(refused.status(), 422);
        let text = refused.text().await.unwrap();
        assert!(
            text.contains("执法人员（第 2 行）：该执法人员不在本任务的检查组中"),
            "{text}"
        );
        let first = post_form(&app, &officer, task_id, "submit", "same-key", &fields).await;
        assert_eq!(first.status(), 303);
        let again = post_form(&app, &officer, task_id, "submit", "same-key", &fields).await;
        assert_eq!(again.status(), 303);
        // Sent again as a new submission: refused for the form's state, not its content.
        let other = post_form(&app, &officer, task_id, "submit", "other-key", &fields).await;
        let text = other.text().await.unwrap();
        assert!(
            text.contains("该表已提交") && !text.contains("表单尚未提交"),
            "{text}"
        );
        let versions = spotcheck_store::inspections::versions(&app.db, task_id)
            .await
            .unwrap();
        assert_eq!(versions.len(), 1);
        assert_eq!(versions[0].status, "submitted");
        let (_, read_only) = app
            .get_text(&officer, &format!("/tasks/{task_id}/inspection"))
            .await;
        assert!(
            read_only.contains("<fieldset disabled") && !read_only.contains("id=\"submit-form\"")
        );

        // The officer cannot review; the district admin accepts.
        let id = versions[0].id;
        let r = officer
            .post(app.url(&format!("/inspections/{id}/review")))
            .form(&[
                ("csrf", csrf_of(&read_only).as_str()),
                ("decision", "accept"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let admin = TestApp::client();
        app.login(&admin, "tianshan", DEMO_PASSWORD).await;
        let (_, review_page) = app
            .get_text(&admin, &format!("/tasks/{task_id}/inspection"))
            .await;
        assert!(review_page.contains("id=\"accept\""));
        let no_comment = admin
            .post(app.url(&format!("/inspections/{id}/review")))
            .form(&[
                ("csrf", csrf_of(&review_page).as_str()),
                ("decision", "return"),
                ("comment", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(no_comment.status(), 422, "a return says what to change");
        let accepted = admin
            .post(app.url(&format!("/inspections/{id}/review")))
            .form(&[
                ("csrf", csrf_of(&review_page).as_str()),
                ("decision", "accept"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(accepted.status(), 303);
        let task = spotcheck_store::tasks::get(&app.db, "", task_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(task.status, "accepted");
        // A finished task's team no longer changes: the page offers no replacement.
        let (_, page) = app.get_text(&admin, &format!("/tasks/{task_id}")).await;
        assert!(!page.contains(&format!("action=\"/tasks/{task_id}/reassign\"")));

        // The print view is A4 with signature lines.
        let (status, print) = app
            .get_text(&officer, &format!("/inspections/{id}/print"))
            .await;
        assert_eq!(status, 200);
        assert!(print.contains("附表1") && print.contains("被检查单位负责人签名"));
        // A line for each officer of the form, named.
        for (cert, name) in spotcheck_store::tasks::officer_names(
            &app.db,
            &serde_json::from_str::<Vec<String>>(&task.officers).unwrap(),
        )
        .await
        .unwrap()
        {
            assert!(print.contains(&format!("执法人员签名 {name}")), "{cert}");
        }
        assert!(
            print.contains(&task.firm_name) && print.contains("<td class=\"verdict\">符合</td>")
        );
    }
}

#[tokio::test]
async fn a_violation_with_measures_shows_in_the_results_detail_and_its_spreadsheet() {
    for db in all_backends().await {
        let app = TestApp::spawn(db).await;
        let (task_id, credit_code) = demo_task_of_officer(&app).await;
        let officer = TestApp::client();
        app.login(&officer, "officer", DEMO_PASSWORD).await;
        let fields = complete_form(&app, task_id, true).await;
        let r = post_form(&app, &officer, task_id, "submit", "v1", &fields).await;
        assert_eq!(r.status(), 303);

        let admin = TestApp::client();
        app.login(&admin, "tianshan", DEMO_PASSWORD).await;
        let (status, page) = app
            .get_text(&admin, "/results?agency=650102&period=2026Q2")
            .await;
        assert_eq!(status, 200);
        let row = page
            .split(&format!("data-task=\"{task_id}\""))
            .nth(1)
            .unwrap()
            .split("</tr>")
            .next()
            .unwrap();
        assert!(row.contains("二氧化硫超过许可排放浓度"), "{row}");
        assert!(row.contains("按日连续处罚") && row.contains("限制生产、停产整治"));
        assert!(row.contains("乌环责改〔2026〕12号") && row.contains("整改中"));
        assert!(page.contains("id=\"violation-count\">1<"));

        // The special supervision list names the firm for the next quarter (R-DRAW-SPC-1).
        let (_, special) = app.get_text(&admin, "/special").await;
        assert!(special.contains(&credit_code) && special.contains("现场检查发现违法问题"));

        // The spreadsheet holds the same rows, read back by a real .xlsx reader.
        let xlsx = admin
            .get(app.url("/results.xlsx?agency=650102&period=2026Q2"))
            .send()
            .await
            .unwrap();
        assert_eq!(xlsx.status(), 200);
        let bytes = xlsx.bytes().await.unwrap();
        let table = spotcheck_tabular::read_file(
            "results.xlsx",
            &bytes,
            &spotcheck_tabular::Limits::default(),
        )
        .unwrap();
        let rows: Vec<_> = table.rows().collect();
        assert_eq!(
            rows.len(),
            page.matches("<tr data-task=").count(),
            "one line per task"
        );
        assert!(rows
            .iter()
            .any(|r| r.cells.iter().any(|c| c == "二氧化硫超过许可排放浓度")));
    }
}

#[tokio::test]
async fn a_form_with_more_non_compliant_items_than_blank_finding_rows_can_be_submitted() {
    // The storage is not what is tested here: the form's rows, read and offered again.
    let app = TestApp::spawn(sqlite().await).await;
    let (task_id, _) = demo_task_of_officer(&app).await;
    let officer = TestApp::client();
    app.login(&officer, "officer", DEMO_PASSWORD).await;
    let bad: Vec<CheckItem> = CheckItem::ALL.iter().copied().take(5).collect();
    let mut fields: Vec<(String, String)> = complete_form(&app, task_id, false)
        .await
        .into_iter()
        .filter(|(k, _)| !bad.iter().any(|i| *k == format!("verdict_{}", i.as_str())))
        .collect();
    for item in &bad {
        fields.push((format!("verdict_{}", item.as_str()), "non_compliant".into()));
        fields.push((format!("remark_{}", item.as_str()), "不符合".into()));
    }
    // One finding described: refused, and the form offers a row for each of the four left.
    let mut one = fields.clone();
    one.push(("finding_0_item".into(), bad[0].as_str().into()));
    one.push(("finding_0_violation".into(), "违法行为一".into()));
    let r = post_form(&app, &officer, task_id, "submit", "m1", &one).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("违法行为一"), "what was typed is kept");
    for n in 1..5 {
        assert!(
            page.contains(&format!("name=\"finding_{n}_violation\" value=\"\"")),
            "an empty row {n} to describe the next non-compliant item in"
        );
    }
    // All five described: submitted with five findings.
    for (n, item) in bad.iter().enumerate() {
        fields.push((format!("finding_{n}_item"), item.as_str().into()));
        fields.push((format!("finding_{n}_violation"), format!("违法行为{n}")));
    }
    let r = post_form(&app, &officer, task_id, "submit", "m2", &fields).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let stored = spotcheck_store::inspections::current(&app.db, task_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, "submitted");
    let form: spotcheck_core::inspection::InspectionForm =
        serde_json::from_str(&stored.form).unwrap();
    assert_eq!(form.findings.len(), 5);
}

#[tokio::test]
async fn a_draft_saved_before_the_team_changed_says_who_was_replaced() {
    let app = TestApp::spawn(sqlite().await).await;
    let (task_id, _) = demo_task_of_officer(&app).await;
    let officer = TestApp::client();
    app.login(&officer, "officer", DEMO_PASSWORD).await;
    let fields = complete_form(&app, task_id, false).await;
    let saved = post_form(&app, &officer, task_id, "save", "d1", &fields).await;
    assert_eq!(saved.status(), 303);
    let page = |client: reqwest::Client| {
        let url = format!("/tasks/{task_id}/inspection");
        let app = &app;
        async move { app.get_text(&client, &url).await.1 }
    };
    assert!(!page(officer.clone()).await.contains("id=\"team-changed\""));

    // The branch replaces the officer's teammate after the draft was saved.
    let task = spotcheck_store::tasks::get(&app.db, "", task_id)
        .await
        .unwrap()
        .unwrap();
    let team: Vec<String> = serde_json::from_str(&task.officers).unwrap();
    let moved = spotcheck_store::tasks::reassign(
        &app.db,
        "tianshan",
        "650100/650102/",
        task_id,
        &team[1],
        "病休",
        "2026-04-02".parse().unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    let form = page(officer.clone()).await;
    let notice = form
        .split("id=\"team-changed\">")
        .nth(1)
        .expect("a notice of the change")
        .split("</p>")
        .next()
        .unwrap();
    assert!(
        notice.contains(&format!("{} → ", team[1])) && notice.contains(&moved.officer_in),
        "{notice}"
    );
    // Saved again (as the team checks it), the notice has served.
    let mut checked: Vec<(String, String)> =
        fields.into_iter().filter(|(k, _)| k != "summary").collect();
    checked.push(("summary".into(), "检查组已核对".into()));
    let again = post_form(&app, &officer, task_id, "save", "d2", &checked).await;
    assert_eq!(again.status(), 303);
    assert!(!page(officer.clone()).await.contains("id=\"team-changed\""));
}

#[tokio::test]
async fn evidence_is_kept_with_its_hash_and_a_file_over_the_limit_is_refused() {
    let app = TestApp::spawn(sqlite().await).await;
    let (task_id, _) = demo_task_of_officer(&app).await;
    let officer = TestApp::client();
    app.login(&officer, "officer", DEMO_PASSWORD).await;
    let r = post_form(
        &app,
        &officer,
        task_id,
        "save",
        "e0",
        &[("summary".to_string(), "拍照取证".to_string())],
    )
    .await;
    assert_eq!(r.status(), 303);
    let id = spotcheck_store::inspections::current(&app.db, task_id)
        .await
        .unwrap()
        .unwrap()
        .id;
    let upload = |bytes: Vec<u8>, name: &'static str| {
        let officer = officer.clone();
        let url = app.url(&format!("/inspections/{id}/evidence"));
        let page_url = app.url(&format!("/tasks/{task_id}/inspection"));
        async move {
            let page = officer
                .get(page_url)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let form = reqwest::multipart::Form::new()
                .text("csrf", csrf_of(&page))
                .text("kind", "photo")
                .text("lat", "43.825")
                .text("lon", "87.617")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(bytes).file_name(name),
                );
            officer.post(url).multipart(form).send().await.unwrap()
        }
    };
    let mut png = Vec::new();
    image::RgbImage::from_pixel(640, 480, image::Rgb([200, 30, 30]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let ok = upload(png.clone(), "outlet.png").await;
    assert_eq!(ok.status(), 303);
    let evidence = spotcheck_store::inspections::evidence_of(&app.db, id)
        .await
        .unwrap();
    assert_eq!(evidence.len(), 1);
    use sha2::Digest;
    assert_eq!(evidence[0].sha256, hex::encode(sha2::Sha256::digest(&png)));
    assert_eq!(evidence[0].lat, Some(43.825));
    let original = officer
        .get(app.url(&format!("/evidence/{}", evidence[0].id)))
        .send()
        .await
        .unwrap();
    assert_eq!(original.bytes().await.unwrap().to_vec(), png, "unaltered");
    let thumb = officer
        .get(app.url(&format!("/evidence/{}/thumbnail", evidence[0].id)))
        .send()
        .await
        .unwrap();
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");

    let too_big = upload(vec![0xFF; 11 * 1024 * 1024], "huge.jpg").await;
    assert!(
        matches!(too_big.status().as_u16(), 413 | 422),
        "{}",
        too_big.status()
    );
    let text_as_jpg = upload(b"not a photo".to_vec(), "fake.jpg").await;
    assert_eq!(text_as_jpg.status(), 422);
    let text = text_as_jpg.text().await.unwrap();
    assert!(
        text.contains("不接受该文件（无法识别的文件类型）") && !text.contains("unknown"),
        "{text}"
    );
    assert_eq!(
        spotcheck_store::inspections::evidence_of(&app.db, id)
            .await
            .unwrap()
            .len(),
        1,
        "nothing else was stored"
    );
}

#[tokio::test]
async fn a_form_of_another_jurisdiction_or_team_is_refused() {
    for db in all_backends().await {
        let app = TestApp::spawn(db).await;
        let (task_id, _) = demo_task_of_officer(&app).await;
        let midong = TestApp::client();
        app.login(&midong, "midong", DEMO_PASSWORD).await;
        assert_eq!(
            app.get_text(&midong, &format!("/tasks/{task_id}/inspection"))
                .await
                .0,
            404
        );
        // A district admin of Tianshan reads the form but cannot fill it in for the team.
        let admin = TestApp::client();
        app.login(&admin, "tianshan", DEMO_PASSWORD).await;
        let (status, page) = app
            .get_text(&admin, &format!("/tasks/{task_id}/inspection"))
            .await;
        assert_eq!(status, 200);
        assert!(!page.contains("id=\"submit-form\""));
        let r = admin
            .post(app.url(&format!("/tasks/{task_id}/inspection")))
            .form(&[
                ("csrf", csrf_of(&page).as_str()),
                ("action", "save"),
                ("summary", "x"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        assert!(spotcheck_store::inspections::current(&app.db, task_id)
            .await
            .unwrap()
            .is_none());
    }
}
