//! The JSON API under `/api/v1`. Callers authenticate with a bearer token
//! (`spotcheck token create --user NAME`) or a browser session.

mod lists;
pub mod openapi;
mod plans;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use spotcheck_core::role::Permission;
use spotcheck_store::agency;
use spotcheck_store::firms::{self as firm_store, Firm, FirmQuery, Page};
use spotcheck_store::registry::{self, Officer};

use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorKey};
use crate::i18n::{Lang, Tr};
use crate::pages::visible_agencies;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/agencies", get(agencies))
        .route("/agencies/{code}/officers", get(officers))
        .route("/firms", get(firms))
        .route("/lists/{kind}", get(lists::page).post(lists::save))
        .route("/lists/{kind}/{id}", get(lists::one))
        .route("/plans", get(plans::list).post(plans::create))
        .route("/plans/{id}", get(plans::one))
        .route("/plans/{id}/export", get(plans::export))
        .route("/plans/{id}/{step}", axum::routing::post(plans::step))
        .route("/compliance", get(plans::compliance))
        .route("/tasks", get(plans::my_tasks))
        .route("/tasks/{id}/reassign", axum::routing::post(plans::reassign))
        .route(
            "/conflicts",
            get(plans::conflict_list).post(plans::conflict_declare),
        )
        .fallback(|| async { AppError::NotFound })
        .layer(axum::middleware::from_fn(writes_need_a_token))
        .layer(axum::middleware::from_fn(json_refusals))
}

/// Turns the framework's own refusals of a request it could not read (a path parameter, query or
/// JSON body of the wrong shape, a body that is not JSON or too large, a method the path does not
/// take) into the API's JSON error body, with the reader's own words as `detail`.
async fn json_refusals(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    let lang = req.extensions().get::<Lang>().copied().unwrap_or_default();
    let response = next.run(req).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !status.is_client_error() || is_json || response.extensions().get::<ErrorKey>().is_some() {
        return response;
    }
    let key = match status {
        StatusCode::METHOD_NOT_ALLOWED => "error.method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "error.payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "error.unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "error.invalid_body",
        _ => "error.bad_request",
    };
    let (parts, body) = response.into_parts();
    let detail = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let mut error = serde_json::json!({ "code": key, "message": Tr::new(lang).get(key) });
    if !detail.is_empty() {
        error["detail"] = detail.into();
    }
    let mut out = (status, Json(serde_json::json!({ "error": error }))).into_response();
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, allow.clone());
    }
    out
}

/// Changes through the API must carry a bearer token: a browser session (cookie) may read, but a
/// write with only a cookie could be forged by another site, so it is refused.
async fn writes_need_a_token(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let unsafe_method = !matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    let has_token = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    if unsafe_method && !has_token {
        return AppError::Unauthorized.into_response();
    }
    next.run(req).await
}

#[derive(Serialize)]
struct AgencyView {
    code: String,
    kind: String,
    division_code: String,
    name_zh: String,
    name_en: String,
    parent_code: Option<String>,
}

#[derive(Serialize)]
struct Me {
    username: String,
    display_name: String,
    role: String,
    agency: String,
}

async fn me(user: CurrentUser) -> Json<Me> {
    Json(Me {
        username: user.account.username,
        display_name: user.account.display_name,
        role: user.role.as_str().to_string(),
        agency: user.agency.code,
    })
}

async fn agencies(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<AgencyView>>, AppError> {
    user.require(Permission::ViewRegistry)?;
    let all = visible_agencies(&state, &user).await?;
    let code_of = |id: Option<i64>| {
        id.and_then(|id| all.iter().find(|a| a.id == id))
            .map(|a| a.code.clone())
    };
    Ok(Json(
        all.iter()
            .map(|a| AgencyView {
                code: a.code.clone(),
                kind: a.kind.clone(),
                division_code: a.division_code.clone(),
                name_zh: a.name_zh.clone(),
                name_en: a.name_en.clone(),
                parent_code: code_of(a.parent_id),
            })
            .collect(),
    ))
}

async fn officers(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Json<Vec<Officer>>, AppError> {
    user.require(Permission::ViewRegistry)?;
    let agency = agency::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    if !user.can_see(&agency) {
        return Err(AppError::Forbidden);
    }
    Ok(Json(registry::officers_of(&state.db, agency.id).await?))
}

#[derive(serde::Deserialize)]
struct FirmsQuery {
    q: Option<String>,
    category: Option<String>,
    status: Option<String>,
    after: Option<i64>,
    limit: Option<i64>,
}

/// Firms of the caller's jurisdiction, a page at a time (`next_after` names the next page).
async fn firms(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Query(q): axum::extract::Query<FirmsQuery>,
) -> Result<Json<Page<Firm>>, AppError> {
    user.require(Permission::ViewRegistry)?;
    let page = firm_store::search(
        &state.db,
        &FirmQuery {
            scope_path: user.scope_path().to_string(),
            agency_path: None,
            category: q.category,
            status: q.status,
            text: q.q,
            after_id: q.after,
            limit: q.limit.unwrap_or(100),
        },
    )
    .await?;
    Ok(Json(page))
}
