//! Every route × every role × own jurisdiction, another jurisdiction and no login at all.
//!
//! The table below names each route of the application with a concrete address of one of
//! Tianshan's records and the rule of who may use it. A test checks the table against the routes
//! registered in the source, so a new route cannot be added without a line here. Then every demo
//! account (one per role, two districts, an officer on the task's team and one who is not) and a
//! caller without a login try every line:
//! - a reading route answers 200 to those the rule lets in, and to everyone else the login page,
//!   401, 403 or 404, never a body holding the firm's credit code;
//! - a changing route refused to someone answers the login page, 403 or 404, and the audit log
//!   (where every change is written) does not grow.

use crate::common::TestApp;
use spotcheck_core::role::{Permission, Role};
use spotcheck_store::demo::DEMO_PASSWORD;
use spotcheck_store::testing::all_backends;
use spotcheck_store::{account, agency, Db};

/// Who a route is for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    /// Everybody, without a login.
    Public,
    /// Anyone logged in; what they see is limited to their jurisdiction inside the page.
    Anyone,
    /// Anyone logged in whose jurisdiction holds Tianshan's record.
    Scoped,
    /// Those who may see Tianshan's task: its own team's officers, and the roles above officers
    /// whose jurisdiction holds it. Another officer of Tianshan is not let in.
    Team,
    /// Only the officers on the task's team.
    TeamOnly,
    /// The task's team, and those with the permission whose jurisdiction holds it.
    TeamOr(Permission),
    /// Those with the permission whose jurisdiction holds the record.
    May(Permission),
    /// Those with the permission, in their own jurisdiction: the route names no record of
    /// Tianshan's (a new record, a page of one's own lists); another district is let in too.
    MayAnywhere(Permission),
    /// As `MayAnywhere`, and an officer for themself (a declaration of conflict).
    MayOrOfficer(Permission),
}

/// One line of the matrix.
struct Line {
    method: &'static str,
    /// The route as registered (`/plans/{id}`).
    pattern: &'static str,
    /// A concrete address of Tianshan's record.
    path: String,
    /// Form fields (pages) or a JSON body (API) of a change; ignored for reading routes.
    fields: Vec<(&'static str, String)>,
    who: Who,
    /// Sent as a file upload (multipart) with a small CSV file.
    upload: bool,
    /// What a caller who is let in gets: 200, or 400 where the route needs something that is
    /// missing for everyone (an import that has expired).
    ok: u16,
}

/// A caller of the matrix.
struct Caller {
    username: &'static str,
    role: Option<Role>,
    /// Whether Tianshan lies in the caller's jurisdiction.
    holds_tianshan: bool,
    on_team: bool,
}

const CALLERS: &[Caller] = &[
    Caller {
        username: "",
        role: None,
        holds_tianshan: false,
        on_team: false,
    },
    Caller {
        username: "admin",
        role: Some(Role::SystemAdmin),
        holds_tianshan: true,
        on_team: false,
    },
    Caller {
        username: "security",
        role: Some(Role::SecurityAdmin),
        holds_tianshan: true,
        on_team: false,
    },
    Caller {
        username: "auditor",
        role: Some(Role::Auditor),
        holds_tianshan: true,
        on_team: false,
    },
    Caller {
        username: "legal",
        role: Some(Role::CityLegal),
        holds_tianshan: true,
        on_team: false,
    },
    Caller {
        username: "complaints",
        role: Some(Role::CityComplaints),
        holds_tianshan: true,
        on_team: false,
    },
    Caller {
        username: "office",
        role: Some(Role::CityOffice),
        holds_tianshan: true,
        on_team: false,
    },
    Caller {
        username: "tianshan",
        role: Some(Role::DistrictAdmin),
        holds_tianshan: true,
        on_team: false,
    },
    Caller {
        username: "midong",
        role: Some(Role::DistrictAdmin),
        holds_tianshan: false,
        on_team: false,
    },
    Caller {
        username: "officer",
        role: Some(Role::Officer),
        holds_tianshan: true,
        on_team: true,
    },
    Caller {
        username: "officer2",
        role: Some(Role::Officer),
        holds_tianshan: true,
        on_team: false,
    },
];

impl Caller {
    fn allowed(&self, who: Who) -> bool {
        let Some(role) = self.role else {
            return who == Who::Public;
        };
        match who {
            Who::Public | Who::Anyone => true,
            Who::Scoped => self.holds_tianshan,
            Who::Team => self.on_team || (role != Role::Officer && self.holds_tianshan),
            Who::TeamOnly => self.on_team,
            Who::TeamOr(p) => self.on_team || (role.may(p) && self.holds_tianshan),
            Who::MayAnywhere(p) => role.may(p),
            Who::May(p) => role.may(p) && self.holds_tianshan,
            Who::MayOrOfficer(p) => role.may(p) || role == Role::Officer,
        }
    }
}

/// Tianshan's records the matrix names.
struct Records {
    plan: i64,
    draw: i64,
    task: i64,
    firm: i64,
    credit_code: String,
    inspection: i64,
    evidence: i64,
    note: i64,
    conflict: i64,
    special: i64,
    officer2: i64,
}

async fn records(app: &TestApp) -> Records {
    let (task, credit_code) = crate::common::demo_task_of_officer(app).await;
    let db = &app.db;
    let tianshan = agency::by_code(db, "650102").await.unwrap().unwrap();
    let plan = spotcheck_store::draws::plans(db, "650100/650102/")
        .await
        .unwrap()[0]
        .id;
    let got = spotcheck_store::tasks::get(db, "", task)
        .await
        .unwrap()
        .unwrap();
    let team: Vec<String> = serde_json::from_str(&got.officers).unwrap();
    // A second officer of Tianshan, not on the team.
    app.with_user("officer2", "650102", Role::Officer, DEMO_PASSWORD)
        .await;
    let other = spotcheck_store::registry::officers_of(db, tianshan.id)
        .await
        .unwrap()
        .into_iter()
        .find(|o| !team.contains(&o.certificate_no))
        .expect("an officer off the team");
    spotcheck_store::tasks::link_account(db, "officer2", &other.certificate_no)
        .await
        .unwrap();
    // The form, submitted, with a photo.
    let form =
        spotcheck_store::testing::completed_form(db, task, "2026-04-10".parse().unwrap()).await;
    let inspection = spotcheck_store::inspections::submit(db, "officer", task, &form, "k", 2)
        .await
        .unwrap()
        .unwrap();
    let mut png = Vec::new();
    image::RgbImage::from_pixel(8, 8, image::Rgb([200, 30, 30]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let evidence = spotcheck_store::inspections::attach(
        db,
        "officer",
        inspection.id,
        spotcheck_store::inspections::NewEvidence {
            item: None,
            kind: "signature".into(),
            file_name: "sign.png".into(),
            bytes: png,
            taken_at: None,
            lat: None,
            lon: None,
            signer: Some("企业负责人".into()),
        },
        &Default::default(),
    )
    .await
    .unwrap()
    .unwrap();
    let note = spotcheck_store::reports::open_note(
        db,
        "legal",
        &tianshan,
        "督办",
        "请于月底前完成",
        "2026-12-31".parse().unwrap(),
    )
    .await
    .unwrap();
    let conflict = spotcheck_store::conflicts::declare(
        db,
        "tianshan",
        "650100/650102/",
        &other.certificate_no,
        &credit_code,
        "亲属在该企业任职",
    )
    .await
    .unwrap()
    .unwrap();
    let special = spotcheck_store::special::list(db, "650100/650102/", true)
        .await
        .unwrap()
        .first()
        .expect("the demo has special supervision sources in Tianshan")
        .id;
    spotcheck_store::disclosure::publish(
        db,
        "tianshan",
        &tianshan,
        "2026Q2".parse().unwrap(),
        None,
        &Default::default(),
        "2026-11-01".parse().unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    let officer2 = account::by_username(db, "officer2")
        .await
        .unwrap()
        .unwrap()
        .id;
    let draw = spotcheck_store::draws::attempts(db, plan).await.unwrap()[0].id;
    Records {
        plan,
        draw,
        task,
        firm: got.firm_id,
        credit_code,
        inspection: inspection.id,
        evidence: evidence.id,
        note: note.id,
        conflict: conflict.id,
        special,
        officer2,
    }
}

fn f(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

/// The whole application, one line per route and method.
fn lines(r: &Records) -> Vec<Line> {
    use Permission::*;
    use Who::*;
    let line = |method, pattern, path: String, fields, who| Line {
        method,
        pattern,
        path,
        fields,
        who,
        upload: false,
        ok: 200,
    };
    let upload = |pattern, path: String, who| Line {
        upload: true,
        ..line("POST", pattern, path, vec![], who)
    };
    let get = |pattern, path: &str, who| line("GET", pattern, path.to_string(), vec![], who);
    let (plan, task, firm, insp) = (r.plan, r.task, r.firm, r.inspection);
    vec![
        get("/healthz", "/healthz", Public),
        get("/static/style.css", "/static/style.css", Public),
        get("/static/inspection.js", "/static/inspection.js", Public),
        get("/static/verify.js", "/static/verify.js", Public),
        // Loopback only; the matrix runs on loopback.
        get("/metrics", "/metrics", Public),
        get("/api/openapi.json", "/api/openapi.json", Public),
        get("/login", "/login", Public),
        get("/verify", "/verify", Public),
        get("/public", "/public", Public),
        get("/public/feed.xml", "/public/feed.xml", Public),
        get(
            "/public/{agency}/{quarter}",
            "/public/650102/2026Q2",
            Public,
        ),
        get(
            "/public/{agency}/{quarter}/draws/{file}",
            &format!("/public/650102/2026Q2/draws/{}.json", r.draw),
            Public,
        ),
        get("/", "/", Anyone),
        get("/account", "/account", Anyone),
        get("/agencies", "/agencies", Anyone),
        get("/agencies/{code}", "/agencies/650102", Scoped),
        get("/firms", "/firms", Anyone),
        get("/firms/{id}", &format!("/firms/{firm}"), Scoped),
        get("/accounts", "/accounts", May(ManageAccounts)),
        line(
            "POST",
            "/accounts",
            "/accounts".into(),
            f(&[
                ("username", "intruder"),
                ("display_name", "X"),
                ("agency", "650100"),
                ("role", "security_admin"),
            ]),
            May(ManageAccounts),
        ),
        line(
            "POST",
            "/accounts/{id}/{action}",
            format!("/accounts/{}/reset", r.officer2),
            vec![],
            May(ManageAccounts),
        ),
        get("/audit", "/audit", May(ReadAuditLog)),
        get("/audit.xlsx", "/audit.xlsx", May(ReadAuditLog)),
        get("/tasks", "/tasks", Anyone),
        get("/tasks/{id}", &format!("/tasks/{task}"), Team),
        line(
            "POST",
            "/tasks/{id}/reassign",
            format!("/tasks/{task}/reassign"),
            f(&[("officer", "x"), ("reason", "病休")]),
            May(RunDraws),
        ),
        get(
            "/tasks/{id}/inspection",
            &format!("/tasks/{task}/inspection"),
            TeamOr(ReviewInspections),
        ),
        line(
            "POST",
            "/tasks/{id}/inspection",
            format!("/tasks/{task}/inspection"),
            f(&[("action", "save"), ("draft_key", "m"), ("version", "1")]),
            TeamOnly,
        ),
        line(
            "POST",
            "/tasks/{id}/inspection/correct",
            format!("/tasks/{task}/inspection/correct"),
            f(&[("reason", "笔误")]),
            TeamOnly,
        ),
        line(
            "POST",
            "/inspections/{id}/review",
            format!("/inspections/{insp}/review"),
            f(&[("decision", "accept")]),
            May(ReviewInspections),
        ),
        upload(
            "/inspections/{id}/evidence",
            format!("/inspections/{insp}/evidence"),
            TeamOnly,
        ),
        get(
            "/inspections/{id}/print",
            &format!("/inspections/{insp}/print"),
            TeamOr(ReviewInspections),
        ),
        get(
            "/evidence/{id}",
            &format!("/evidence/{}", r.evidence),
            TeamOr(ReviewInspections),
        ),
        get(
            "/evidence/{id}/thumbnail",
            &format!("/evidence/{}/thumbnail", r.evidence),
            TeamOr(ReviewInspections),
        ),
        get("/compliance", "/compliance?agency=650102&year=2026", Scoped),
        get("/results", "/results?agency=650102&period=2026Q2", Scoped),
        get(
            "/results.xlsx",
            "/results.xlsx?agency=650102&period=2026Q2",
            Scoped,
        ),
        get("/calendar", "/calendar?agency=650102", Scoped),
        get("/reports/monthly", "/reports/monthly?agency=650102", Scoped),
        get(
            "/reports/monthly.xlsx",
            "/reports/monthly.xlsx?agency=650102",
            Scoped,
        ),
        get(
            "/reports/pack",
            "/reports/pack?agency=650102&period=2026Q2",
            Scoped,
        ),
        get(
            "/reports/pack/forms",
            "/reports/pack/forms?agency=650102&period=2026Q2",
            May(ReviewInspections),
        ),
        line(
            "POST",
            "/reports/{kind}/submit",
            "/reports/monthly/submit".into(),
            f(&[("agency", "650102"), ("period", "2026-04")]),
            May(EditRegistry),
        ),
        get("/supervision", "/supervision", Anyone),
        line(
            "POST",
            "/supervision/notes",
            "/supervision/notes".into(),
            f(&[
                ("agency", "650102"),
                ("subject", "x"),
                ("body", "x"),
                ("due_on", "2026-12-31"),
            ]),
            May(EditRegistry),
        ),
        line(
            "POST",
            "/supervision/notes/{id}",
            format!("/supervision/notes/{}", r.note),
            f(&[("body", "已整改"), ("close", "true")]),
            May(EditRegistry),
        ),
        get("/conflicts", "/conflicts", Anyone),
        line(
            "POST",
            "/conflicts",
            "/conflicts".into(),
            f(&[
                ("officer", "x"),
                ("firm", &r.credit_code),
                ("reason", "亲属"),
            ]),
            MayOrOfficer(RunDraws),
        ),
        line(
            "POST",
            "/conflicts/{id}/withdraw",
            format!("/conflicts/{}/withdraw", r.conflict),
            vec![],
            May(RunDraws),
        ),
        get("/plans", "/plans", Anyone),
        line(
            "POST",
            "/plans",
            "/plans".into(),
            f(&[
                ("agency", "650102"),
                ("kind", "special"),
                ("period", "2026Q3"),
            ]),
            May(RunDraws),
        ),
        get("/plans/{id}", &format!("/plans/{plan}"), Scoped),
        line(
            "POST",
            "/plans/{id}/{step}",
            format!("/plans/{plan}/redraw"),
            f(&[
                ("reason", "理由充分"),
                ("approver", "legal"),
                ("approver_password", DEMO_PASSWORD),
            ]),
            May(RunDraws),
        ),
        get("/lists", "/lists", Anyone),
        get("/filings", "/filings", Anyone),
        line(
            "POST",
            "/filings",
            "/filings".into(),
            f(&[("agency", "650102"), ("kind", "firms"), ("period", "2026")]),
            May(EditRegistry),
        ),
        get("/consolidated", "/consolidated", Anyone),
        get("/special", "/special", Anyone),
        line(
            "POST",
            "/special/{id}/rectify",
            format!("/special/{}/rectify", r.special),
            f(&[("evidence", "整改报告")]),
            May(EditRegistry),
        ),
        get("/lists/{kind}", "/lists/firms", Anyone),
        get(
            "/lists/{kind}/new",
            "/lists/firms/new",
            MayAnywhere(EditRegistry),
        ),
        line(
            "POST",
            "/lists/{kind}/new",
            "/lists/firms/new".into(),
            f(&[("name", "新企业")]),
            MayAnywhere(EditRegistry),
        ),
        // A record's page is its edit form.
        get(
            "/lists/{kind}/{id}",
            &format!("/lists/firms/{firm}"),
            May(EditRegistry),
        ),
        line(
            "POST",
            "/lists/{kind}/{id}",
            format!("/lists/firms/{firm}"),
            f(&[("name", "改名")]),
            May(EditRegistry),
        ),
        get(
            "/lists/{kind}/import",
            "/lists/firms/import",
            MayAnywhere(EditRegistry),
        ),
        upload(
            "/lists/{kind}/import",
            "/lists/firms/import".into(),
            MayAnywhere(EditRegistry),
        ),
        line(
            "POST",
            "/lists/{kind}/import/apply",
            "/lists/firms/import/apply".into(),
            f(&[("token", "00")]),
            MayAnywhere(EditRegistry),
        ),
        // No import is waiting: those let in are told the upload has expired.
        Line {
            ok: 400,
            ..get(
                "/lists/{kind}/import/{token}/errors.xlsx",
                "/lists/firms/import/00/errors.xlsx",
                MayAnywhere(EditRegistry),
            )
        },
        get(
            "/lists/{kind}/export",
            "/lists/firms/export?format=csv",
            Anyone,
        ),
        get("/lists/{kind}/template", "/lists/firms/template", Anyone),
        get("/disclosures", "/disclosures", Anyone),
        line(
            "POST",
            "/disclosures",
            "/disclosures".into(),
            f(&[
                ("agency", "650102"),
                ("quarter", "2026Q2"),
                ("note", "补充"),
            ]),
            May(RunDraws),
        ),
        // The JSON API, with bearer tokens.
        get("/api/v1/me", "/api/v1/me", Anyone),
        get("/api/v1/agencies", "/api/v1/agencies", Anyone),
        get(
            "/api/v1/agencies/{code}/officers",
            "/api/v1/agencies/650102/officers",
            Scoped,
        ),
        get("/api/v1/firms", "/api/v1/firms", Anyone),
        get("/api/v1/lists/{kind}", "/api/v1/lists/firms", Anyone),
        line(
            "POST",
            "/api/v1/lists/{kind}",
            "/api/v1/lists/firms".into(),
            vec![],
            MayAnywhere(EditRegistry),
        ),
        get(
            "/api/v1/lists/{kind}/{id}",
            &format!("/api/v1/lists/firms/{firm}"),
            Scoped,
        ),
        get("/api/v1/plans", "/api/v1/plans", Anyone),
        line(
            "POST",
            "/api/v1/plans",
            "/api/v1/plans".into(),
            f(&[
                ("agency", "650102"),
                ("kind", "special"),
                ("period", "2026Q3"),
            ]),
            May(RunDraws),
        ),
        get(
            "/api/v1/plans/{id}",
            &format!("/api/v1/plans/{plan}"),
            Scoped,
        ),
        get(
            "/api/v1/plans/{id}/export",
            &format!("/api/v1/plans/{plan}/export"),
            Scoped,
        ),
        line(
            "POST",
            "/api/v1/plans/{id}/{step}",
            format!("/api/v1/plans/{plan}/redraw"),
            f(&[
                ("reason", "理由充分"),
                ("approver", "legal"),
                ("approver_password", DEMO_PASSWORD),
            ]),
            May(RunDraws),
        ),
        get(
            "/api/v1/compliance",
            "/api/v1/compliance?agency=650102&year=2026",
            Scoped,
        ),
        get("/api/v1/tasks", "/api/v1/tasks", Anyone),
        line(
            "POST",
            "/api/v1/tasks/{id}/reassign",
            format!("/api/v1/tasks/{task}/reassign"),
            f(&[("officer", "x"), ("reason", "病休")]),
            May(RunDraws),
        ),
        get("/api/v1/conflicts", "/api/v1/conflicts", Anyone),
        line(
            "POST",
            "/api/v1/conflicts",
            "/api/v1/conflicts".into(),
            f(&[
                ("officer", "x"),
                ("firm", &r.credit_code),
                ("reason", "亲属"),
            ]),
            MayOrOfficer(RunDraws),
        ),
    ]
}

/// Routes the matrix leaves to other tests, with the reason.
const ELSEWHERE: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/login",
        "web.rs: wrong passwords, lock-out, redirects",
    ),
    ("POST", "/logout", "web.rs: ends one's own session"),
    ("POST", "/account/password", "web.rs: one's own password"),
    (
        "POST",
        "/account/logout-everywhere",
        "web.rs: one's own sessions",
    ),
    ("POST", "/verify", "verify.rs: anyone checks a record"),
    (
        "GET",
        "/static/draw.wasm",
        "verify.rs and browser.rs: built only where the wasm32 target is installed",
    ),
];

/// `(method, pattern)` of every route registered in the web crate's source.
fn registered_routes() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![root.clone()];
    let mut sources = Vec::new();
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else if p.extension().is_some_and(|e| e == "rs") {
            sources.push((p.clone(), std::fs::read_to_string(&p).unwrap()));
        }
    }
    let mut out = Vec::new();
    for (path, text) in sources {
        let prefix = if path.ends_with("api/mod.rs") {
            "/api/v1"
        } else {
            ""
        };
        for (pattern, methods) in crate::common::routes_in(&text) {
            for method in methods {
                out.push((method.to_uppercase(), format!("{prefix}{pattern}")));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn the_matrix_names_every_route_of_the_application() {
    let dummy = Records {
        plan: 1,
        draw: 1,
        task: 1,
        firm: 1,
        credit_code: String::new(),
        inspection: 1,
        evidence: 1,
        note: 1,
        conflict: 1,
        special: 1,
        officer2: 1,
    };
    let mut named: Vec<(String, String)> = lines(&dummy)
        .iter()
        .map(|l| (l.method.to_string(), l.pattern.to_string()))
        .chain(
            ELSEWHERE
                .iter()
                .map(|(m, p, _)| (m.to_string(), p.to_string())),
        )
        .collect();
    named.sort();
    let registered = registered_routes();
    assert!(registered.len() > 80, "{registered:?}");
    let missing: Vec<_> = registered.iter().filter(|r| !named.contains(r)).collect();
    let stale: Vec<_> = named.iter().filter(|r| !registered.contains(r)).collect();
    assert!(missing.is_empty(), "routes without a line: {missing:?}");
    assert!(stale.is_empty(), "lines of no route: {stale:?}");
}

/// The sequence number of the newest audit event.
async fn audit_head(db: &Db) -> i64 {
    spotcheck_store::audit::recent(db, None, 1)
        .await
        .unwrap()
        .first()
        .map_or(0, |e| e.seq)
}

/// A logged-in browser and a bearer token of `username` (none for the caller without a login).
async fn session_of(app: &TestApp, username: &str) -> (reqwest::Client, Option<String>, String) {
    let client = TestApp::client();
    if username.is_empty() {
        return (client, None, String::new());
    }
    let password = if username == "admin" {
        crate::common::ADMIN_PASSWORD
    } else {
        DEMO_PASSWORD
    };
    assert_eq!(
        app.login(&client, username, password).await.status(),
        303,
        "{username} logs in"
    );
    let (_, page) = app.get_text(&client, "/account").await;
    let csrf = crate::common::csrf_of(&page);
    let who = account::by_username(&app.db, username)
        .await
        .unwrap()
        .unwrap();
    let token = spotcheck_store::token::create(&app.db, username, &who, "matrix")
        .await
        .unwrap();
    (client, Some(token), csrf)
}

#[tokio::test]
async fn every_role_gets_what_its_rules_allow_on_every_route_and_nothing_else() {
    for db in all_backends().await {
        let app = TestApp::spawn_at(db, crate::common::drawing_day).await;
        let records = records(&app).await;
        let lines = lines(&records);
        let mut failures = Vec::new();
        let mut tried = 0;
        for caller in CALLERS {
            let (client, token, csrf) = session_of(&app, caller.username).await;
            for line in &lines {
                let allowed = caller.allowed(line.who);
                if line.method == "POST" && allowed {
                    // Changes the rules allow are tried by the tests of each feature.
                    continue;
                }
                let api = line.path.starts_with("/api/v1");
                let mut request = match line.method {
                    "GET" => client.get(app.url(&line.path)),
                    _ if line.upload => {
                        let form = reqwest::multipart::Form::new()
                            .text("csrf", csrf.clone())
                            .part(
                                "file",
                                reqwest::multipart::Part::bytes(
                                    "企业名称,统一社会信用代码\n甲,91650100MA77XXXX0X\n".as_bytes(),
                                )
                                .file_name("firms.csv"),
                            );
                        client.post(app.url(&line.path)).multipart(form)
                    }
                    _ if api => {
                        let body: serde_json::Map<String, serde_json::Value> = line
                            .fields
                            .iter()
                            .map(|(k, v)| (k.to_string(), serde_json::Value::from(v.as_str())))
                            .collect();
                        client.post(app.url(&line.path)).json(&body)
                    }
                    _ => {
                        let mut form = vec![("csrf", csrf.clone())];
                        form.extend(line.fields.iter().cloned());
                        client.post(app.url(&line.path)).form(&form)
                    }
                };
                if api {
                    if let Some(token) = &token {
                        request = request.bearer_auth(token);
                    }
                }
                let before = if line.method == "POST" {
                    audit_head(&app.db).await
                } else {
                    0
                };
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let to_login = response
                    .headers()
                    .get("location")
                    .is_some_and(|l| l.to_str().unwrap().starts_with("/login"));
                let body = response.bytes().await.unwrap();
                let body = String::from_utf8_lossy(&body);
                tried += 1;
                let who = if caller.username.is_empty() {
                    "(no login)"
                } else {
                    caller.username
                };
                let refused = matches!(status, 401 | 403 | 404) || (status == 303 && to_login);
                let ok = if allowed {
                    status == line.ok || (status == 303 && !to_login)
                } else {
                    refused && !body.contains(&records.credit_code)
                };
                if !ok {
                    failures.push(format!(
                        "{who} {} {}: {status} (allowed: {allowed})",
                        line.method, line.path
                    ));
                }
                if line.method == "POST" && audit_head(&app.db).await != before {
                    failures.push(format!(
                        "{who} {} {}: a refused change was written",
                        line.method, line.path
                    ));
                }
            }
        }
        // Every form of the pages, sent by someone it is for but without its CSRF token (as a
        // page of another site would send it): refused, nothing written.
        for (username, role) in [
            ("tianshan", Role::DistrictAdmin),
            ("officer", Role::Officer),
        ] {
            let (client, _, _) = session_of(&app, username).await;
            let caller = CALLERS.iter().find(|c| c.username == username).unwrap();
            for line in lines.iter().filter(|l| {
                l.method == "POST" && !l.path.starts_with("/api/") && caller.allowed(l.who)
            }) {
                tried += 1;
                let before = audit_head(&app.db).await;
                let request = client.post(app.url(&line.path));
                let request = if line.upload {
                    request.multipart(reqwest::multipart::Form::new().part(
                        "file",
                        reqwest::multipart::Part::bytes(b"a,b\n".to_vec()).file_name("x.csv"),
                    ))
                } else {
                    request.form(&line.fields)
                };
                let status = request.send().await.unwrap().status().as_u16();
                // 403 from the token check, or 422 where the form's reader refuses a form
                // lacking its `csrf` field before the handler runs; either way nothing written.
                if !matches!(status, 403 | 422) || audit_head(&app.db).await != before {
                    failures.push(format!(
                        "{username} ({role:?}) {} without CSRF token: {status}",
                        line.path
                    ));
                }
            }
        }
        assert!(matches!(
            spotcheck_store::audit::verify(&app.db).await.unwrap(),
            spotcheck_store::audit::ChainCheck::Intact { .. }
        ));
        assert!(
            failures.is_empty(),
            "{} of {tried} calls broke the rules:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}
