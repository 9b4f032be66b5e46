//! The OpenAPI document at `/api/openapi.json`: it describes every route of the API router and
//! nothing else (the routes are read from the router's source, so no second list is kept by
//! hand), its references resolve, its enumerations are the code's, real responses have the
//! documented shape, and requests that once made the server fail are refused with a 4xx.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::{routes_in, TestApp, METHODS};
use serde_json::{json, Value};
use spotcheck_core::lists::ListKind;
use spotcheck_core::role::Role;
use spotcheck_store::demo;
use spotcheck_store::testing::{all_backends, sqlite};

/// Path → methods.
type Routes = BTreeMap<String, BTreeSet<String>>;

/// Every API route the server registers: those of `src/api/*.rs` under the prefix the
/// application nests the API router at, and the routes of `src/lib.rs` under `/api/`.
fn registered_routes() -> Routes {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let nest = lib
        .split(".nest(\"")
        .skip(1)
        .find(|s| s.contains("api::router()"))
        .expect("lib.rs nests api::router()");
    let prefix = &nest[..nest.find('"').unwrap()];
    let mut routes = Routes::new();
    let mut files: Vec<_> = std::fs::read_dir(src.join("api"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    for file in files {
        for (path, methods) in routes_in(&std::fs::read_to_string(&file).unwrap()) {
            routes
                .entry(format!("{prefix}{path}"))
                .or_default()
                .extend(methods);
        }
    }
    for (path, methods) in routes_in(&lib) {
        if path.starts_with("/api/") {
            routes.entry(path).or_default().extend(methods);
        }
    }
    routes
}

fn documented_routes(doc: &Value) -> Routes {
    doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .map(|(path, item)| {
            let methods = item
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| METHODS.contains(&k.as_str()))
                .cloned()
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

async fn fetch_document(app: &TestApp) -> Value {
    let r = reqwest::get(app.url("/api/openapi.json")).await.unwrap();
    assert_eq!(r.status(), 200, "served without login");
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    r.json().await.expect("the document is JSON")
}

#[test]
fn the_route_reader_sees_every_form_of_route() {
    let src = r#"
        Router::new()
            .route("/a", get(a))
            .route("/b/{id}", get(lists::page).post(lists::save))
            .route("/c", axum::routing::post(plans::step))
            .route(
                "/d",
                get(plans::conflict_list).post(plans::conflict_declare),
            )
            .route_layer(x)
    "#;
    let found: Routes = routes_in(src).into_iter().collect();
    let set = |m: &[&str]| m.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(found["/a"], set(&["get"]));
    assert_eq!(found["/b/{id}"], set(&["get", "post"]));
    assert_eq!(found["/c"], set(&["post"]));
    assert_eq!(found["/d"], set(&["get", "post"]));
    assert_eq!(found.len(), 4);
}

#[tokio::test]
async fn the_document_describes_every_api_route_and_no_other() {
    let app = TestApp::spawn(sqlite().await).await;
    let doc = fetch_document(&app).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["servers"][0]["url"], "/");
    let registered = registered_routes();
    assert!(
        registered.len() >= 15 && registered.contains_key("/api/v1/me"),
        "the route reader found too little: {registered:?}"
    );
    let documented = documented_routes(&doc);
    let missing: Vec<_> = registered
        .iter()
        .filter(|(p, m)| documented.get(*p) != Some(m))
        .collect();
    let stale: Vec<_> = documented
        .iter()
        .filter(|(p, m)| registered.get(*p) != Some(m))
        .collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "registered but not documented as such: {missing:?}\ndocumented but not registered as such: {stale:?}"
    );
}

/// The value `pointer` (a `#/...` reference) names in the document.
fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

fn deref<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => deref(doc, resolve(doc, r).unwrap_or_else(|| panic!("{r}"))),
        None => v,
    }
}

fn every_ref(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => every_ref(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| every_ref(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_is_consistent_and_its_enumerations_are_the_codes() {
    let app = TestApp::spawn(sqlite().await).await;
    let doc = fetch_document(&app).await;
    let mut refs = Vec::new();
    every_ref(&doc, &mut refs);
    assert!(!refs.is_empty());
    for r in &refs {
        assert!(resolve(&doc, r).is_some(), "{r} does not resolve");
    }
    let mut operation_ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let in_path: BTreeSet<String> = path
            .split('{')
            .skip(1)
            .map(|s| s.split('}').next().unwrap().to_string())
            .collect();
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().expect("operationId");
            assert!(operation_ids.insert(id.to_string()), "{id} twice");
            let declared: BTreeSet<String> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .map(|p| deref(&doc, p))
                        .filter(|p| p["in"] == "path")
                        .map(|p| p["name"].as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(in_path, declared, "{method} {path}: path parameters");
            assert!(
                op["responses"]
                    .as_object()
                    .is_some_and(|r| r.keys().any(|k| k.starts_with('2'))),
                "{method} {path}: a success response"
            );
        }
    }
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(doc["components"]["schemas"]["Role"]["enum"], json!(roles));
    let kinds: Vec<&str> = ListKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(
        doc["components"]["parameters"]["ListKind"]["schema"]["enum"],
        json!(kinds)
    );
    for kind in doc["components"]["schemas"]["PlanKind"]["enum"]
        .as_array()
        .unwrap()
    {
        assert!(spotcheck_store::draws::PlanKind::parse(kind.as_str().unwrap()).is_some());
    }
    // The document as written parses too (the server fills the enumerations in at start).
    let _: Value = serde_json::from_str(spotcheck_web::api::openapi::SOURCE).unwrap();
}

/// Checks `value` against `schema` as far as shapes go: types (with `nullable`), required keys,
/// enumerations, properties, items and `allOf`. Returns the problems found, by JSON path.
fn shape_problems(doc: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    let schema = deref(doc, schema);
    if value.is_null() {
        if schema["nullable"] != true {
            out.push(format!("{at}: null where not nullable"));
        }
        return;
    }
    if let Some(parts) = schema["allOf"].as_array() {
        for part in parts {
            shape_problems(doc, part, value, at, out);
        }
    }
    let type_ok = match schema["type"].as_str() {
        None => true,
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some(other) => panic!("unknown type {other}"),
    };
    if !type_ok {
        out.push(format!("{at}: {value} is not of type {}", schema["type"]));
        return;
    }
    if let Some(options) = schema["enum"].as_array() {
        if !options.contains(value) {
            out.push(format!("{at}: {value} is not one of {options:?}"));
        }
    }
    if let Some(obj) = value.as_object() {
        for key in schema["required"].as_array().into_iter().flatten() {
            if !obj.contains_key(key.as_str().unwrap()) {
                out.push(format!("{at}: required key {key} missing"));
            }
        }
        for (key, sub) in schema["properties"].as_object().into_iter().flatten() {
            if let Some(v) = obj.get(key) {
                shape_problems(doc, sub, v, &format!("{at}.{key}"), out);
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), value.as_array()) {
        for (i, v) in list.iter().enumerate().take(20) {
            shape_problems(doc, items, v, &format!("{at}[{i}]"), out);
        }
    }
}

/// Asserts that a response of `method path` (a documented path template) with `status` has
/// the shape the document gives it; returns the body.
async fn conforms(doc: &Value, response: reqwest::Response, method: &str, template: &str) -> Value {
    let status = response.status().as_u16().to_string();
    let body: Value = response.json().await.expect("a JSON body");
    let documented = &doc["paths"][template][method]["responses"][&status];
    assert!(
        !documented.is_null(),
        "{method} {template}: status {status} is not documented: {body}"
    );
    let schema = &deref(doc, documented)["content"]["application/json"]["schema"];
    let mut problems = Vec::new();
    shape_problems(doc, schema, &body, "$", &mut problems);
    assert!(
        problems.is_empty(),
        "{method} {template} {status}: {problems:#?}\n{body}"
    );
    body
}

#[tokio::test]
async fn real_responses_have_the_documented_shape() {
    for db in all_backends().await {
        let app = TestApp::spawn_at(db, crate::common::drawing_day).await;
        demo::load(&app.db, &Default::default(), &|_| {})
            .await
            .unwrap();
        let doc = fetch_document(&app).await;
        let account = spotcheck_store::account::by_username(&app.db, "tianshan")
            .await
            .unwrap()
            .unwrap();
        let token = spotcheck_store::token::create(&app.db, "test", &account, "t")
            .await
            .unwrap();
        let c = reqwest::Client::new();
        let get = |path: &str| c.get(app.url(path)).bearer_auth(&token).send();
        let post =
            |path: &str, body: Value| c.post(app.url(path)).bearer_auth(&token).json(&body).send();

        conforms(&doc, get("/api/v1/me").await.unwrap(), "get", "/api/v1/me").await;
        let agencies = conforms(
            &doc,
            get("/api/v1/agencies").await.unwrap(),
            "get",
            "/api/v1/agencies",
        )
        .await;
        assert!(!agencies.as_array().unwrap().is_empty());
        let officers = conforms(
            &doc,
            get("/api/v1/agencies/650102/officers").await.unwrap(),
            "get",
            "/api/v1/agencies/{code}/officers",
        )
        .await;
        assert!(!officers.as_array().unwrap().is_empty());
        let firms = conforms(
            &doc,
            get("/api/v1/firms?limit=3").await.unwrap(),
            "get",
            "/api/v1/firms",
        )
        .await;
        assert_eq!(firms["items"].as_array().unwrap().len(), 3);
        let page = conforms(
            &doc,
            get("/api/v1/lists/firms?limit=2").await.unwrap(),
            "get",
            "/api/v1/lists/{kind}",
        )
        .await;
        let id = page["items"][0]["id"].as_i64().unwrap();
        conforms(
            &doc,
            get(&format!("/api/v1/lists/firms/{id}")).await.unwrap(),
            "get",
            "/api/v1/lists/{kind}/{id}",
        )
        .await;
        let refused = conforms(
            &doc,
            post("/api/v1/lists/firms", json!({"name": "无代码"}))
                .await
                .unwrap(),
            "post",
            "/api/v1/lists/{kind}",
        )
        .await;
        assert_eq!(refused["error"]["code"], "invalid_record");
        let created = conforms(
            &doc,
            post(
                "/api/v1/plans",
                json!({"agency": "650102", "kind": "key", "period": "2026Q2"}),
            )
            .await
            .unwrap(),
            "post",
            "/api/v1/plans",
        )
        .await;
        let plan = created["plan"]["id"].as_i64().unwrap();
        conforms(
            &doc,
            post(&format!("/api/v1/plans/{plan}/freeze"), json!({}))
                .await
                .unwrap(),
            "post",
            "/api/v1/plans/{id}/{step}",
        )
        .await;
        let seeded = conforms(
            &doc,
            post(
                &format!("/api/v1/plans/{plan}/seed"),
                json!({"randomness": "dice:38172645091827364510", "witnesses": ["王芳"]}),
            )
            .await
            .unwrap(),
            "post",
            "/api/v1/plans/{id}/{step}",
        )
        .await;
        assert!(seeded["randomness"].is_string());
        let not_yet = conforms(
            &doc,
            get(&format!("/api/v1/plans/{plan}/export")).await.unwrap(),
            "get",
            "/api/v1/plans/{id}/export",
        )
        .await;
        assert_eq!(not_yet["error"]["code"], "error.not_found");
        conforms(
            &doc,
            post(&format!("/api/v1/plans/{plan}/execute"), json!({}))
                .await
                .unwrap(),
            "post",
            "/api/v1/plans/{id}/{step}",
        )
        .await;
        conforms(
            &doc,
            get(&format!("/api/v1/plans/{plan}/export")).await.unwrap(),
            "get",
            "/api/v1/plans/{id}/export",
        )
        .await;
        let plans = conforms(
            &doc,
            get("/api/v1/plans").await.unwrap(),
            "get",
            "/api/v1/plans",
        )
        .await;
        assert!(plans[0]["draw"]["result_sha256"].is_string());
        conforms(
            &doc,
            get(&format!("/api/v1/plans/{plan}")).await.unwrap(),
            "get",
            "/api/v1/plans/{id}",
        )
        .await;
        conforms(
            &doc,
            get("/api/v1/compliance?agency=650102&year=2026")
                .await
                .unwrap(),
            "get",
            "/api/v1/compliance",
        )
        .await;
        conforms(
            &doc,
            get("/api/v1/tasks").await.unwrap(),
            "get",
            "/api/v1/tasks",
        )
        .await;
        conforms(
            &doc,
            post(
                "/api/v1/tasks/1/reassign",
                json!({"officer": "nobody", "reason": "生病请假"}),
            )
            .await
            .unwrap(),
            "post",
            "/api/v1/tasks/{id}/reassign",
        )
        .await;
        let officer = officers[0]["certificate_no"].as_str().unwrap();
        let firm = firms["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["agency_id"] == officers[0]["agency_id"])
            .map(|f| f["credit_code"].as_str().unwrap().to_string());
        if let Some(firm) = firm {
            conforms(
                &doc,
                post(
                    "/api/v1/conflicts",
                    json!({"officer": officer, "firm": firm, "reason": "亲属在该单位任职"}),
                )
                .await
                .unwrap(),
                "post",
                "/api/v1/conflicts",
            )
            .await;
        }
        conforms(
            &doc,
            get("/api/v1/conflicts").await.unwrap(),
            "get",
            "/api/v1/conflicts",
        )
        .await;
        let anonymous = c.get(app.url("/api/v1/me")).send().await.unwrap();
        conforms(&doc, anonymous, "get", "/api/v1/me").await;
    }
}

#[tokio::test]
async fn requests_the_api_cannot_read_are_refused_with_a_json_error() {
    let app = TestApp::spawn(sqlite().await).await;
    let doc = fetch_document(&app).await;
    let account = spotcheck_store::account::by_username(&app.db, "admin")
        .await
        .unwrap()
        .unwrap();
    let token = spotcheck_store::token::create(&app.db, "test", &account, "t")
        .await
        .unwrap();
    let c = reqwest::Client::new();
    let bad_id = c
        .get(app.url("/api/v1/plans/abc?lang=en"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(bad_id.status(), 400);
    let body = conforms(&doc, bad_id, "get", "/api/v1/plans/{id}").await;
    assert_eq!(body["error"]["code"], "error.bad_request");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("/api/openapi.json"));
    assert!(body["error"]["detail"].as_str().unwrap().contains("abc"));
    let bad_query = c
        .get(app.url("/api/v1/firms?limit=many"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(bad_query.status(), 400);
    conforms(&doc, bad_query, "get", "/api/v1/firms").await;
    let not_json = c
        .post(app.url("/api/v1/plans"))
        .bearer_auth(&token)
        .body("agency=650102")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 415);
    let body = conforms(&doc, not_json, "post", "/api/v1/plans").await;
    assert_eq!(body["error"]["code"], "error.unsupported_media_type");
    let missing_field = c
        .post(app.url("/api/v1/plans"))
        .bearer_auth(&token)
        .json(&json!({"agency": "650102"}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing_field.status(), 422);
    let body = conforms(&doc, missing_field, "post", "/api/v1/plans").await;
    assert_eq!(body["error"]["code"], "error.invalid_body");
    assert!(body["error"]["detail"].as_str().unwrap().contains("kind"));
    let wrong_method = c
        .delete(app.url("/api/v1/plans"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status(), 405);
    assert!(wrong_method.headers().contains_key("allow"));
    let body: Value = wrong_method.json().await.unwrap();
    assert_eq!(body["error"]["code"], "error.method_not_allowed");
}

/// Requests the fuzzer (`.ci/schemathesis`) found to make the server fail, or to slip past a
/// check: each is now refused with a 4xx on every backend.
#[tokio::test]
async fn requests_that_once_failed_the_server_are_refused() {
    for db in all_backends().await {
        let app = TestApp::spawn_at(db, crate::common::drawing_day).await;
        demo::load(&app.db, &Default::default(), &|_| {})
            .await
            .unwrap();
        let postgres = app.db.backend() == spotcheck_store::Backend::Postgres;
        let account = spotcheck_store::account::by_username(&app.db, "legal")
            .await
            .unwrap()
            .unwrap();
        let token = spotcheck_store::token::create(&app.db, "test", &account, "t")
            .await
            .unwrap();
        let c = reqwest::Client::new();
        let get = |path: &str| c.get(app.url(path)).bearer_auth(&token).send();
        let post =
            |path: &str, body: Value| c.post(app.url(path)).bearer_auth(&token).json(&body).send();

        // A NUL character in a text PostgreSQL is given was a 500 ("invalid byte sequence"); in
        // a firm search on SQLite too (the full-text phrase ended at it: "unterminated string").
        let search = get("/api/v1/firms?q=a%00bc").await.unwrap();
        assert_eq!(search.status(), 400);
        let body: Value = search.json().await.unwrap();
        assert_eq!(body["error"]["code"], "error.unstorable");
        for r in [
            get("/api/v1/agencies/a%00b/officers").await.unwrap(),
            get("/api/v1/firms?category=key%00").await.unwrap(),
            post(
                "/api/v1/conflicts",
                json!({"officer": "a\u{0}", "firm": "x", "reason": "abc"}),
            )
            .await
            .unwrap(),
        ] {
            let status = r.status();
            let body: Value = r.json().await.unwrap();
            // SQLite stores a NUL like any other character (nothing matches it here).
            assert!(!status.is_server_error(), "{status} {body}");
            if postgres {
                assert_eq!(status, 400, "{body}");
                assert_eq!(body["error"]["code"], "error.unstorable", "{body}");
            }
        }
        // A plan for a year PostgreSQL cannot date was a 500 ("date out of range"); SQLite
        // stored due dates no client reads as dates (`-8721-03-25`, `+27322-06-25`).
        for period in ["-8721Q2", "27322Q3", "0000Q1", "999Q4"] {
            let r = post(
                "/api/v1/plans",
                json!({"agency": "650102", "kind": "key", "period": period}),
            )
            .await
            .unwrap();
            assert_eq!(r.status(), 422, "{period}");
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["error"]["code"], "plan.bad_period");
        }
        let r = post(
            "/api/v1/plans",
            json!({"agency": "650102", "kind": "general", "period": "-0044"}),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 422);
        let r = post(
            "/api/v1/plans",
            json!({"agency": "650102", "kind": "monthly", "period": "2026Q2"}),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 400);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "plan.bad_kind", "{body}");
        // Any way of writing a period names the one plan.
        let plan: Value = post(
            "/api/v1/plans",
            json!({"agency": "650102", "kind": "key", "period": " ２０２６ｑ３ "}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(plan["plan"]["period"], "2026Q3");
        assert_eq!(plan["plan"]["due_on"], "2026-06-25");
        // The compliance table of year 0 had due dates before year 1.
        let r = get("/api/v1/compliance?agency=650102&year=0")
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        // A drand round too large to count escaped the "published after the freeze" check.
        let id = plan["plan"]["id"].as_i64().unwrap();
        let frozen = post(&format!("/api/v1/plans/{id}/freeze"), json!({}))
            .await
            .unwrap();
        assert_eq!(frozen.status(), 200);
        let mainnet = "8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce";
        let r = post(
            &format!("/api/v1/plans/{id}/seed"),
            json!({"randomness": format!("drand:{mainnet}:99999999999999999999:{}", "a".repeat(64)),
                   "witnesses": ["王芳"]}),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "plan.bad_randomness");
    }
}
