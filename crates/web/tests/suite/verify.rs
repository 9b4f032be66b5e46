//! The public `/verify` page without JavaScript: anyone posts a draw record and the server says
//! whether its output is the draw of its input; and the files the page's script needs.

use crate::common::TestApp;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use spotcheck_store::testing::sqlite;

/// Test vector 05 of the draw engine: the worked example of `docs/draw.en.md`.
fn true_record() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../draw/tests/vectors/05-fixed-chinese-ids.json");
    std::fs::read_to_string(path).expect("test vector 05")
}

/// The same record with 王芳 sent to the first firm in place of 买买提.
fn record_with_another_officer() -> String {
    let mut record: Value = serde_json::from_str(&true_record()).unwrap();
    let team = &mut record["output"]["selected"][0]["officers"];
    assert_eq!(team[0], "买买提");
    team[0] = Value::from("王芳");
    record.to_string()
}

async fn post_pasted(app: &TestApp, path: &str, record: &str) -> (u16, String) {
    let form = Form::new().text("record", record.to_string());
    let r = TestApp::client()
        .post(app.url(path))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The `#verdict` element's opening tag.
fn verdict_tag(page: &str) -> &str {
    let start = page.find("id=\"verdict\"").expect("the page has a verdict");
    let end = start + page[start..].find('>').unwrap();
    &page[start..end]
}

#[tokio::test]
async fn the_page_is_public_and_in_chinese_by_default() {
    let app = TestApp::spawn(sqlite().await).await;
    let (status, page) = app.get_text(&TestApp::client(), "/verify").await;
    assert_eq!(status, 200, "no login needed");
    assert!(page.contains("<h1>核验抽取结果</h1>"), "{page}");
    assert!(page.contains("enctype=\"multipart/form-data\""));
    assert!(page.contains("name=\"record\"") && page.contains("name=\"file\""));
    let (_, english) = app.get_text(&TestApp::client(), "/verify?lang=en").await;
    assert!(english.contains("<h1>Verify a draw</h1>"));
}

#[tokio::test]
async fn a_true_record_agrees() {
    let app = TestApp::spawn(sqlite().await).await;
    let (status, page) = post_pasted(&app, "/verify", &true_record()).await;
    assert_eq!(status, 200);
    let tag = verdict_tag(&page);
    assert!(tag.contains("data-engine=\"server\""), "{tag}");
    assert!(tag.contains("data-verdict=\"agrees\""), "{tag}");
    assert!(page.contains("一致"));
    // The pasted record is shown again for another look.
    assert!(page.contains("天山区-新疆某化工有限公司"));

    let (_, english) = post_pasted(&app, "/verify?lang=en", &true_record()).await;
    assert!(english.contains("Matches"), "{english}");
}

#[tokio::test]
async fn a_record_with_another_officer_differs_naming_the_field() {
    let app = TestApp::spawn(sqlite().await).await;
    let (status, page) = post_pasted(&app, "/verify", &record_with_another_officer()).await;
    assert_eq!(status, 200, "a record that differs is a successful check");
    assert!(verdict_tag(&page).contains("data-verdict=\"differs\""));
    assert!(page.contains("不一致"));
    assert!(page.contains("selected[0].officers"), "{page}");
    // Expected and found, as JSON arrays (HTML-escaped in the page).
    assert!(page.contains("买买提") && page.contains("王芳"));
}

#[tokio::test]
async fn text_that_is_not_json_is_invalid_with_422() {
    let app = TestApp::spawn(sqlite().await).await;
    let (status, page) = post_pasted(&app, "/verify", "this is not a record").await;
    assert_eq!(status, 422);
    assert!(verdict_tag(&page).contains("data-verdict=\"invalid\""));
    assert!(page.contains("无法核验：这不是抽取记录"), "{page}");
    let (_, page) = post_pasted(&app, "/verify", "{bad").await;
    assert!(
        page.contains("无法核验：这不是抽取记录"),
        "broken JSON: {page}"
    );
    assert!(
        page.contains("id=\"verdict-detail\""),
        "the engine's words below"
    );

    // A record of the wrong shape: where, in the reader's language.
    let mut record: Value = serde_json::from_str(&true_record()).unwrap();
    record["input"]["rule"] = Value::from(7);
    let (status, page) = post_pasted(&app, "/verify", &record.to_string()).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("记录在 input.rule 处的格式不符合要求"),
        "{page}"
    );
    let (_, page) = post_pasted(&app, "/verify?lang=en", &record.to_string()).await;
    assert!(
        page.contains("not of the expected shape at input.rule"),
        "{page}"
    );

    let (status, page) = post_pasted(&app, "/verify", "  \n").await;
    assert_eq!(status, 422, "nothing to check");
    assert!(verdict_tag(&page).contains("data-verdict=\"invalid\""));
}

#[tokio::test]
async fn a_chosen_file_is_checked_instead_of_the_pasted_text() {
    let app = TestApp::spawn(sqlite().await).await;
    // With a byte order mark, as some editors save JSON.
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(record_with_another_officer().into_bytes());
    let file = Part::bytes(bytes)
        .file_name("record.json")
        .mime_str("application/json")
        .unwrap();
    let form = Form::new().text("record", true_record()).part("file", file);
    let r = TestApp::client()
        .post(app.url("/verify"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(verdict_tag(&page).contains("data-verdict=\"differs\""));
    assert!(page.contains("selected[0].officers"));

    let not_text = Part::bytes(vec![0xff, 0xfe, 0x00]).file_name("record.json");
    let r = TestApp::client()
        .post(app.url("/verify"))
        .multipart(Form::new().part("file", not_text))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("UTF-8"));
}

#[tokio::test]
async fn records_up_to_64_mib_are_checked_and_larger_ones_refused_with_a_clear_message() {
    let app = TestApp::spawn(sqlite().await).await;
    // Exactly 64 MiB reaches the engine (which finds no JSON in it).
    let mut largest = vec![b' '; 64 * 1024 * 1024];
    *largest.last_mut().unwrap() = b'x';
    let file = Part::bytes(largest).file_name("record.json");
    let r = TestApp::client()
        .post(app.url("/verify"))
        .multipart(Form::new().text("record", "").part("file", file))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("无法核验"));

    let huge = Part::bytes(vec![b' '; 65 * 1024 * 1024]).file_name("record.json");
    let r = TestApp::client()
        .post(app.url("/verify"))
        .multipart(Form::new().part("file", huge))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let page = r.text().await.unwrap();
    assert!(verdict_tag(&page).contains("data-verdict=\"invalid\""));
    assert!(page.contains("64 MiB"), "{page}");
}

#[tokio::test]
async fn the_script_and_the_engine_are_served_with_their_content_types() {
    let app = TestApp::spawn(sqlite().await).await;
    let client = TestApp::client();
    let r = client
        .get(app.url("/static/verify.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
        "{csp}"
    );

    let r = client
        .get(app.url("/static/draw.wasm"))
        .send()
        .await
        .unwrap();
    if r.status() == 404 {
        if std::env::var("SPOTCHECK_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!(
                "/static/draw.wasm is empty: the wasm32-unknown-unknown target is required \
                 (SPOTCHECK_REQUIRE_BROWSER=1); run `rustup target add wasm32-unknown-unknown`"
            );
        }
        eprintln!(
            "\n!! SKIPPED: /static/draw.wasm was not built (run `rustup target add \
             wasm32-unknown-unknown` and build again)\n"
        );
        return;
    }
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/wasm");
    let module = r.bytes().await.unwrap();
    assert!(module.starts_with(b"\0asm"), "a WebAssembly module");
    let (_, page) = app.get_text(&client, "/verify").await;
    assert!(page.contains("<script src=\"/static/verify.js\" defer></script>"));
}
