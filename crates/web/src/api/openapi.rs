//! The OpenAPI 3.0 description of the JSON API (`openapi.json` beside this file), served at
//! `/api/openapi.json` without login so that clients and schema-driven test tools can read it.
//!
//! The enumerations the server keeps in tables of its own (roles, list kinds) are filled in from
//! those tables when the document is first served, so that they cannot drift from the code. The
//! test `tests/openapi.rs` checks that every route of the API router is described, and nothing
//! else.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use serde_json::Value;
use spotcheck_core::lists::ListKind;
use spotcheck_core::role::Role;

/// The document as written, before the enumerations are filled in.
pub const SOURCE: &str = include_str!("openapi.json");

/// The document as served.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut doc: Value =
            serde_json::from_str(SOURCE).expect("openapi.json is valid JSON (checked by tests)");
        let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        let kinds: Vec<&str> = ListKind::ALL.iter().map(|k| k.as_str()).collect();
        fill(&mut doc, "/components/schemas/Role/enum", roles.into());
        fill(
            &mut doc,
            "/components/parameters/ListKind/schema/enum",
            kinds.into(),
        );
        doc
    })
}

fn fill(doc: &mut Value, pointer: &str, value: Value) {
    if let Some(slot) = doc.pointer_mut(pointer) {
        *slot = value;
    }
}

/// `GET /api/openapi.json`.
pub async fn serve() -> impl IntoResponse {
    static TEXT: OnceLock<String> = OnceLock::new();
    let text = TEXT.get_or_init(|| document().to_string());
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        text.as_str(),
    )
}
