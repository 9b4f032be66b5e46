//! A real server on a random port over a fresh database, and a cookie-keeping HTTP client.
#![allow(dead_code)]

use std::collections::BTreeSet;

use spotcheck_core::role::Role;
use spotcheck_store::account::{self, NewAccount};
use spotcheck_store::testing::TestDb;
use spotcheck_store::{agency, bootstrap, Db};
use spotcheck_web::{AppState, WebConfig};

pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";

pub struct TestApp {
    pub base: String,
    pub db: Db,
    _test_db: TestDb,
}

/// 20 March 2026 (10:00 in Urumqi): the week the key draw for 2026Q2 is due (R-DRAW-KEY-1),
/// the day on which the tests that plan and draw through the server do so. A plan is only made
/// and drawn before its period ends.
pub fn drawing_day() -> chrono::DateTime<chrono::Utc> {
    "2026-03-20T04:00:00Z".parse().expect("a time")
}

impl TestApp {
    /// A server on the system clock.
    pub async fn spawn(test_db: TestDb) -> TestApp {
        TestApp::spawn_at(test_db, chrono::Utc::now).await
    }

    /// A server whose clock stands at what `clock` says.
    pub async fn spawn_at(test_db: TestDb, clock: spotcheck_web::config::Clock) -> TestApp {
        let db = test_db.db.clone();
        bootstrap::ensure_foundation(&db, Some(ADMIN_PASSWORD))
            .await
            .expect("foundation");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let config = WebConfig {
            clock,
            ..WebConfig::default()
        };
        let state = AppState::new(db.clone(), config);
        tokio::spawn(spotcheck_web::serve(listener, state));
        TestApp {
            base,
            db,
            _test_db: test_db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Adds an account in the agency with `agency_code`.
    pub async fn with_user(&self, username: &str, agency_code: &str, role: Role, password: &str) {
        let agency = agency::by_code(&self.db, agency_code)
            .await
            .unwrap()
            .expect("agency exists");
        let mut tx = self.db.begin().await.unwrap();
        account::create(
            &mut tx,
            "test",
            NewAccount {
                username: username.into(),
                display_name: format!("{username} 测试"),
                agency_id: agency.id,
                role,
                password: password.into(),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
    pub fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Opens the login page and submits the form, as a browser would.
    pub async fn login(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        self.login_then(client, username, password, "/").await
    }

    /// As [`login`](Self::login), from the login page a link sent with `?next=…` opened.
    pub async fn login_then(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
        next: &str,
    ) -> reqwest::Response {
        let page = client
            .get(self.url("/login"))
            .query(&[("next", next)])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = csrf_of(&page);
        client
            .post(self.url("/login"))
            .form(&[
                ("username", username),
                ("password", password),
                ("csrf", &csrf),
                ("next", next),
            ])
            .send()
            .await
            .unwrap()
    }

    pub async fn get_text(&self, client: &reqwest::Client, path: &str) -> (u16, String) {
        let r = client.get(self.url(path)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }
}

/// The CSRF token of the first form on a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// Loads the demo, draws Tianshan's key units for 2026Q2 and links the demo account `officer` to
/// the first officer of the first task's team. Returns that task's id and its firm's credit code.
pub async fn demo_task_of_officer(app: &TestApp) -> (i64, String) {
    spotcheck_store::demo::load(&app.db, &Default::default(), &|_| {})
        .await
        .unwrap();
    let tianshan = agency::by_code(&app.db, "650102").await.unwrap().unwrap();
    let drawn = spotcheck_store::testing::drawn(
        &app.db,
        &tianshan,
        spotcheck_store::draws::PlanKind::Key,
        "2026Q2",
        "2026-03-20".parse().unwrap(),
        "dice:38172645091827364510",
    )
    .await;
    let task = spotcheck_store::tasks::of_draw(&app.db, drawn.id)
        .await
        .unwrap()
        .remove(0);
    let team: Vec<String> = serde_json::from_str(&task.officers).unwrap();
    spotcheck_store::tasks::link_account(&app.db, "officer", &team[0])
        .await
        .unwrap();
    (task.id, task.credit_code)
}

/// The method routers of axum, by the names the source calls them.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The `.route("PATH", get(..).post(..))` calls of a source file: each call's first string
/// literal is the path, and the method routers named in the rest of the call are its methods.
pub fn routes_in(src: &str) -> Vec<(String, BTreeSet<String>)> {
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(at) = rest.find(".route(") {
        let call = &rest[at + ".route(".len()..];
        let mut depth = 1;
        let mut end = call.len();
        for (i, c) in call.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let args = &call[..end];
        let mut pieces = args.splitn(3, '"');
        let (_, path, handlers) = (pieces.next(), pieces.next(), pieces.next());
        if let (Some(path), Some(handlers)) = (path, handlers) {
            let mut methods = BTreeSet::new();
            let bytes = handlers.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i].is_ascii_alphabetic() || bytes[i] == b'_' {
                    let start = i;
                    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_')
                    {
                        i += 1;
                    }
                    let word = &handlers[start..i];
                    if bytes.get(i) == Some(&b'(') && METHODS.contains(&word) {
                        methods.insert(word.to_string());
                    }
                } else {
                    i += 1;
                }
            }
            out.push((path.to_string(), methods));
        }
        rest = &call[end..];
    }
    out
}
