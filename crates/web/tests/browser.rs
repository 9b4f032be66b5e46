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
