//! The foundation in a real headless Chromium: log in, switch the language, log out.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them the test
//! is skipped with a loud warning, unless `SPOTCHECK_REQUIRE_BROWSER=1` makes that a failure.

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::TestApp;
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
    let app = TestApp::spawn(sqlite().await).await;
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
