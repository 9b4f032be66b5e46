//! The foundation in a real headless Chromium: log in, switch the language, log out.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them the test
//! is skipped with a loud warning, unless `SPOTCHECK_REQUIRE_BROWSER=1` makes that a failure.

use std::io::Write;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::TestApp;
use fantoccini::{Client, ClientBuilder, Locator};
use spotcheck_core::role::Role;
use spotcheck_store::testing::sqlite;

struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find(candidates: &[&str]) -> Option<String> {
    candidates
        .iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(|p| p.to_string())
}

/// Starts chromedriver on a free port, or explains why not.
fn start_driver() -> Option<(Driver, String)> {
    let driver = std::env::var("SPOTCHECK_CHROMEDRIVER")
        .ok()
        .or_else(|| find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]));
    let browser = std::env::var("SPOTCHECK_CHROMIUM")
        .ok()
        .or_else(|| find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]));
    let (Some(driver), Some(browser)) = (driver, browser) else {
        if std::env::var("SPOTCHECK_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!("chromium and chromedriver are required (SPOTCHECK_REQUIRE_BROWSER=1) but not installed");
        }
        let _ = writeln!(
            std::io::stderr(),
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
             !! SKIPPED: browser tests. Install Debian's chromium and chromium-driver\n\
             !! (or set SPOTCHECK_CHROMIUM / SPOTCHECK_CHROMEDRIVER) to run them.\n\
             !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        );
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    Some((
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        },
        browser,
    ))
}

async fn connect(driver: &Driver, browser: &str) -> Client {
    let dir = tempfile_dir();
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": browser,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=412,915",
                format!("--user-data-dir={dir}"),
            ]
        }
    });
    let caps = caps.as_object().cloned().expect("capabilities object");
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    for _ in 0..50 {
        let attempt = ClientBuilder::new(connector.clone())
            .capabilities(caps.clone())
            .connect(&driver.url)
            .await;
        if let Ok(client) = attempt {
            return client;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver did not start at {}", driver.url);
}

fn tempfile_dir() -> String {
    let dir = std::env::temp_dir().join(format!(
        "spotcheck-chromium-{}-{}",
        std::process::id(),
        spotcheck_store::random_token()
    ));
    std::fs::create_dir_all(&dir).expect("profile folder");
    dir.display().to_string()
}

/// Waits (up to 10 s) until the browser has navigated to a path starting with `prefix`: a click
/// that submits a form returns before the next page has loaded.
async fn wait_for_path(c: &Client, prefix: &str) {
    for _ in 0..100 {
        if c.current_url().await.unwrap().path().starts_with(prefix) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the browser did not reach {prefix}: it is at {}",
        c.current_url().await.unwrap()
    );
}

async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Waits (up to 10 s) until the page's `h1` reads `expected`.
async fn wait_for_heading(c: &Client, expected: &str) {
    let mut seen = String::new();
    for _ in 0..100 {
        seen = text_of(c, "h1").await;
        if seen == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("expected the heading {expected:?}, the page shows {seen:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_logs_in_switches_to_english_and_logs_out_in_a_real_browser() {
    let Some((driver, browser)) = start_driver() else {
        return;
    };
    let app = TestApp::spawn(sqlite().await).await;
    app.with_user("officer7", "650102", Role::Officer, "officer7 password")
        .await;
    let c = connect(&driver, &browser).await;

    // Any page sends a stranger to the login form, in Chinese.
    c.goto(&app.url("/agencies/650102")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().starts_with("/login"));
    assert_eq!(text_of(&c, "h1").await, "登录");

    // A wrong password says so and keeps the user on the form.
    c.find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys("officer7")
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("wrong")
        .await
        .unwrap();
    c.find(Locator::Id("login"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let error = c
        .wait()
        .for_element(Locator::Id("login-error"))
        .await
        .unwrap();
    assert!(error.text().await.unwrap().contains("用户名或密码不正确"));

    // The right one lands on the page first asked for.
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("officer7 password")
        .await
        .unwrap();
    c.find(Locator::Id("login"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&c, "/agencies/650102").await;
    wait_for_heading(&c, "天山区分局").await;

    // English, chosen by the switch, stays chosen on the next page.
    c.find(Locator::LinkText("English"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_heading(&c, "Tianshan District branch").await;
    c.find(Locator::LinkText("Home"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_heading(&c, "Dashboard").await;

    // Logging out ends the session: the home page asks for a login again.
    c.find(Locator::Id("logout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&c, "/login").await;
    c.goto(&app.url("/")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().starts_with("/login"));
    wait_for_heading(&c, "Log in").await;
    c.close().await.unwrap();
}

/// Logs in through the form and waits for the page first asked for.
async fn log_in(c: &Client, app: &TestApp, username: &str, password: &str, path: &str) {
    c.goto(&app.url(path)).await.unwrap();
    c.find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys(username)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    c.find(Locator::Id("login"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(c, path).await;
}

async fn click(c: &Client, id: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn type_into(c: &Client, id: &str, text: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_district_admin_runs_a_draw_from_freeze_to_dispatch_in_a_real_browser() {
    let Some((driver, browser)) = start_driver() else {
        return;
    };
    let app = TestApp::spawn_at(sqlite().await, crate::common::drawing_day).await;
    spotcheck_store::demo::load(&app.db, &Default::default(), &|_| {})
        .await
        .unwrap();
    let c = connect(&driver, &browser).await;
    log_in(
        &c,
        &app,
        "tianshan",
        spotcheck_store::demo::DEMO_PASSWORD,
        "/plans",
    )
    .await;

    // The plan: Tianshan's key units for 2026Q2 (the agency is the only one it may choose).
    type_into(&c, "period", "2026Q2").await;
    click(&c, "create-plan").await;
    wait_for_path(&c, "/plans/").await;
    assert_eq!(text_of(&c, "#plan-state").await, "待冻结");

    // Step 1: freeze; the hashes appear at once.
    click(&c, "freeze").await;
    c.wait().for_element(Locator::Id("frozen")).await.unwrap();
    let frozen = text_of(&c, "#frozen").await;
    assert!(frozen.contains("population_sha256"), "{frozen}");
    assert_eq!(text_of(&c, "#plan-state").await, "已冻结，待录入随机数");

    // Step 2: dice thrown before witnesses; too few digits are refused first.
    type_into(&c, "randomness-input", "dice:123").await;
    type_into(&c, "witnesses", "王芳、李军").await;
    click(&c, "seed").await;
    let error = c
        .wait()
        .for_element(Locator::Id("plan-error"))
        .await
        .unwrap();
    assert!(error.text().await.unwrap().contains("至少 20 位数字"));
    type_into(&c, "randomness-input", "dice:38172645091827364510").await;
    type_into(&c, "witnesses", "王芳、李军").await;
    click(&c, "seed").await;
    c.wait()
        .for_element(Locator::Id("randomness"))
        .await
        .unwrap();
    assert!(text_of(&c, "#randomness")
        .await
        .contains("38172645091827364510"));

    // Step 3: draw and dispatch: the drawn firms with their teams, each a dispatched task.
    click(&c, "execute").await;
    c.wait()
        .for_element(Locator::Id("result-sha"))
        .await
        .unwrap();
    assert_eq!(text_of(&c, "#plan-state").await, "已抽取并派发");
    // On a phone the page is no wider than the screen: the hashes wrap.
    let widths = c
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let (page, screen) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
    // What sticks out, should it fail.
    let wide = c
        .execute(
            "return Array.from(document.querySelectorAll('body *'))\
             .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5)\
             .map(e => e.tagName + '#' + e.id + ' ' + (e.textContent || '').slice(0, 40));",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        page <= screen,
        "a page {page} px wide on a {screen} px screen: {wide}"
    );
    let rows = c.find_all(Locator::Css("#drawn tbody tr")).await.unwrap();
    let plan_id: i64 = c
        .current_url()
        .await
        .unwrap()
        .path()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let draw = spotcheck_store::draws::latest_draw(&app.db, plan_id)
        .await
        .unwrap()
        .unwrap();
    let tasks = spotcheck_store::draws::task_count(&app.db, draw.id)
        .await
        .unwrap();
    assert!(tasks > 0);
    assert_eq!(rows.len() as i64, tasks, "one row per dispatched task");
    assert!(text_of(&c, "#drawn tbody").await.contains("已派发"));

    // A drawn firm opens its task, with the team that will inspect it.
    c.find(Locator::Css("#drawn tbody tr a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&c, "/tasks/").await;
    let team = text_of(&c, "#team").await;
    assert!(team.contains("、"), "a team of two: {team}");
    c.close().await.unwrap();
}

/// A draw record of the engine's test vectors (vector 05, the worked example of the docs), on one
/// line, and the same record with 王芳 sent to the first firm in place of 买买提.
fn vector_05_and_an_altered_copy() -> (String, String) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../draw/tests/vectors/05-fixed-chinese-ids.json");
    let mut record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("test vector 05")).unwrap();
    let original = record.to_string();
    record["output"]["selected"][0]["officers"][0] = serde_json::Value::from("王芳");
    (original, record.to_string())
}

/// Waits for the verdict computed in the browser.
async fn wait_for_wasm_verdict(c: &Client, verdict: &str) -> String {
    let css = format!("#verdict[data-engine=wasm][data-verdict={verdict}]");
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(&css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"));
    text_of(c, "#verdict-text").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anyone_verifies_a_draw_record_in_the_browser_with_webassembly() {
    let Some((driver, browser)) = start_driver() else {
        return;
    };
    let app = TestApp::spawn(sqlite().await).await;
    let wasm = reqwest::get(app.url("/static/draw.wasm")).await.unwrap();
    if wasm.status() == 404 {
        if std::env::var("SPOTCHECK_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!(
                "/static/draw.wasm is empty, so the page cannot verify in the browser: install \
                 the target with `rustup target add wasm32-unknown-unknown` and build again"
            );
        }
        let _ = writeln!(
            std::io::stderr(),
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
             !! SKIPPED: verifying in the browser. /static/draw.wasm was not built:\n\
             !! run `rustup target add wasm32-unknown-unknown` and build again.\n\
             !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        );
        return;
    }
    let (original, altered) = vector_05_and_an_altered_copy();
    let c = connect(&driver, &browser).await;

    // No login: the page is public, and the engine loads in the background.
    c.goto(&app.url("/verify")).await.unwrap();
    assert_eq!(text_of(&c, "h1").await, "核验抽取结果");
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#verify-form[data-wasm=ready]"))
        .await
        .expect("the WebAssembly engine loads");

    // A true record matches, computed in the browser (the form is never posted).
    type_into(&c, "record", &original).await;
    click(&c, "verify").await;
    let text = wait_for_wasm_verdict(&c, "agrees").await;
    assert!(text.starts_with("一致"), "{text}");
    assert_eq!(c.current_url().await.unwrap().path(), "/verify");

    // Another officer in the output does not, and the field is named.
    c.find(Locator::Id("record"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    type_into(&c, "record", &altered).await;
    click(&c, "verify").await;
    let text = wait_for_wasm_verdict(&c, "differs").await;
    assert!(text.contains("selected[0].officers"), "{text}");
    assert!(text.contains("买买提") && text.contains("王芳"), "{text}");

    // A chosen file is read in the browser too, and checked instead of the pasted text.
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("not-a-record.json");
    std::fs::write(&garbage, "not a record").unwrap();
    type_into(&c, "file", &garbage.display().to_string()).await;
    click(&c, "verify").await;
    let text = wait_for_wasm_verdict(&c, "invalid").await;
    assert!(text.starts_with("无法核验"), "{text}");
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsent_draft_of_the_on_site_form_survives_a_reload_and_is_sent() {
    let Some((driver, browser)) = start_driver() else {
        return;
    };
    let app = TestApp::spawn(sqlite().await).await;
    let (task_id, _) = crate::common::demo_task_of_officer(&app).await;
    let c = connect(&driver, &browser).await;
    let form = format!("/tasks/{task_id}/inspection");
    log_in(
        &c,
        &app,
        "officer",
        spotcheck_store::demo::DEMO_PASSWORD,
        &form,
    )
    .await;
    c.wait().for_element(Locator::Id("summary")).await.unwrap();

    // Typed at the factory gate, then the page is reloaded before anything was saved.
    type_into(&c, "representative", "张厂长").await;
    type_into(&c, "summary", "废气处理设施运行正常").await;
    let kept = c
        .execute(
            "return localStorage.getItem('spotcheck-inspection-draft-' + arguments[0]);",
            vec![serde_json::json!(task_id)],
        )
        .await
        .unwrap();
    assert!(
        kept.as_str()
            .unwrap_or_default()
            .contains("废气处理设施运行正常"),
        "kept in the browser at once: {kept:?}"
    );
    c.refresh().await.unwrap();
    c.wait().for_element(Locator::Id("summary")).await.unwrap();
    let mut value = String::new();
    for _ in 0..50 {
        value = c
            .find(Locator::Id("summary"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        if value == "废气处理设施运行正常" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        value, "废气处理设施运行正常",
        "the draft is back in the form"
    );

    // With the connection there, the draft reaches the server.
    let mut stored = None;
    for _ in 0..100 {
        if let Some(i) = spotcheck_store::inspections::current(&app.db, task_id)
            .await
            .unwrap()
        {
            stored = Some(i.form().unwrap());
            if stored.as_ref().is_some_and(|f| f.summary == value) {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let state = c
        .find(Locator::Id("draft-state"))
        .await
        .unwrap()
        .attr("data-state")
        .await
        .unwrap();
    let code = c
        .find(Locator::Id("draft-state"))
        .await
        .unwrap()
        .attr("data-status")
        .await
        .unwrap();
    let state = format!("{state:?} {code:?}");
    let stored = stored.unwrap_or_else(|| panic!("a draft was saved; the page says {state:?}"));
    assert_eq!(stored.summary, "废气处理设施运行正常");
    assert_eq!(stored.representative, "张厂长");

    // The session expires while the officer types on: the autosave is not taken for saved, the
    // page says to log in again, and what was typed stays on the phone.
    spotcheck_store::testing::execute(&app.db, "DELETE FROM session").await;
    type_into(&c, "summary", "整改到位").await;
    let mut state = None;
    for _ in 0..100 {
        state = c
            .find(Locator::Id("draft-state"))
            .await
            .unwrap()
            .attr("data-state")
            .await
            .unwrap();
        if state.as_deref() == Some("data-login") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(state.as_deref(), Some("data-login"));
    let kept = c
        .execute(
            "return localStorage.getItem('spotcheck-inspection-draft-' + arguments[0]);",
            vec![serde_json::json!(task_id)],
        )
        .await
        .unwrap();
    assert!(
        kept.as_str().unwrap_or_default().contains("整改到位"),
        "still on the phone: {kept:?}"
    );
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_draw_opens_on_the_verify_page_and_matches_in_the_browser() {
    let Some((driver, browser)) = start_driver() else {
        return;
    };
    let app = TestApp::spawn(sqlite().await).await;
    let wasm = reqwest::get(app.url("/static/draw.wasm")).await.unwrap();
    if wasm.status() == 404 {
        if std::env::var("SPOTCHECK_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!("/static/draw.wasm is empty: `rustup target add wasm32-unknown-unknown`");
        }
        let _ = writeln!(
            std::io::stderr(),
            "!! SKIPPED: verifying a published draw in the browser (/static/draw.wasm not built)"
        );
        return;
    }
    // Tianshan's key draw of 2026Q2, published after the quarter (R-REP-3).
    crate::common::demo_task_of_officer(&app).await;
    let tianshan = spotcheck_store::agency::by_code(&app.db, "650102")
        .await
        .unwrap()
        .unwrap();
    let published = spotcheck_store::disclosure::publish(
        &app.db,
        "tianshan",
        &tianshan,
        spotcheck_core::period::Quarter::parse("2026Q2").unwrap(),
        None,
        &Default::default(),
        "2026-07-05".parse().unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    let draw_id = published.snapshot().unwrap().draws[0].id;
    let c = connect(&driver, &browser).await;

    // No login: the published quarter, and its draw's link.
    c.goto(&app.url("/public/650102/2026Q2")).await.unwrap();
    click(&c, &format!("verify-draw-{draw_id}")).await;
    wait_for_path(&c, "/verify").await;
    let source = text_of(&c, "#record-source").await;
    assert!(
        source.contains(&format!("/public/650102/2026Q2/draws/{draw_id}.json")),
        "{source}"
    );

    // The record is loaded into the form and checked in the browser.
    let text = wait_for_wasm_verdict(&c, "agrees").await;
    assert!(text.starts_with("一致"), "{text}");
    let record = c
        .find(Locator::Id("record"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(record.contains("\"output\""), "the record is in the form");
    c.close().await.unwrap();
}
