//! The registry lists through the JSON API: page through a list, read one record, and write a
//! record (new or changed, matched by its natural key) with the same checks as an import.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use spotcheck_core::lists::ListKind;
use spotcheck_core::role::Permission;
use spotcheck_store::agency;
use spotcheck_store::firms::Page;
use spotcheck_store::lists::{self, Outcome, Stored};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::records::Refusal;
use crate::AppState;

fn kind_of(s: &str) -> Result<ListKind, AppError> {
    ListKind::parse(s).ok_or(AppError::NotFound)
}

#[derive(Deserialize)]
pub struct PageQuery {
    after: Option<i64>,
    limit: Option<i64>,
}

/// A page of the list's current records (`next_after` names the next page).
pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(kind): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<Stored>>, AppError> {
    user.require(Permission::ViewRegistry)?;
    let kind = kind_of(&kind)?;
    Ok(Json(
        lists::page(
            &state.db,
            kind,
            user.scope_path(),
            q.after,
            q.limit.unwrap_or(100),
        )
        .await?,
    ))
}

pub async fn one(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((kind, id)): Path<(String, i64)>,
) -> Result<Json<Stored>, AppError> {
    user.require(Permission::ViewRegistry)?;
    let stored = lists::get(&state.db, kind_of(&kind)?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let owner = agency::by_id(&state.db, stored.agency_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !user.can_see(&owner) {
        return Err(AppError::Forbidden);
    }
    Ok(Json(stored))
}

/// One problem of a refused record.
#[derive(Serialize)]
struct FieldProblem {
    column: Option<String>,
    reason: &'static str,
    message: String,
}

#[derive(Serialize)]
struct Saved {
    outcome: Outcome,
}

/// Writes one record given as `{"<column key>": "<text>", …}` (the keys of the list's columns,
/// e.g. `credit_code`, `name`). The text is checked exactly as a cell of an imported file.
pub async fn save(
    State(state): State<AppState>,
    axum::Extension(lang): axum::Extension<Lang>,
    user: CurrentUser,
    Path(kind): Path<String>,
    Json(fields): Json<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    user.require(Permission::EditRegistry)?;
    let kind = kind_of(&kind)?;
    let cells: Vec<String> = kind
        .columns()
        .iter()
        .map(|c| fields.get(c.key).cloned().unwrap_or_default())
        .collect();
    let outcome = match crate::records::save(&state, &user, kind, &cells, None).await? {
        Ok(o) => o,
        Err(Refusal::Invalid(errors)) => {
            let problems: Vec<FieldProblem> = errors
                .iter()
                .map(|e| FieldProblem {
                    column: e.column.clone(),
                    reason: e.reason.key(),
                    message: e.message(lang.into()),
                })
                .collect();
            let body =
                serde_json::json!({ "error": { "code": "invalid_record", "problems": problems } });
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response());
        }
        Err(Refusal::UnknownReference | Refusal::KeyChanged) => {
            return Err(AppError::BadRequest("lists.unknown_reference"))
        }
    };
    let status = if matches!(outcome, Outcome::New(_)) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(Saved { outcome })).into_response())
}
