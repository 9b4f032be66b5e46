//! Plans, fair draws, tasks and declared conflicts through the JSON API: every step of the page
//! (DRAW.md), with the same checks and refusals.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use spotcheck_core::role::Permission;
use spotcheck_store::draws::{self, Compliance, DrawRecord, Plan, PlanParams};
use spotcheck_store::{conflicts, tasks};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::pages::{self, StepInput};
use crate::AppState;

/// A refusal as the API reports it: 422 with a stable code and a message in the caller's language.
fn refused(code: &str, message: String) -> Response {
    let body = serde_json::json!({ "error": { "code": code, "message": message } });
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

fn draw_refused(lang: Lang, r: &draws::Refusal) -> Response {
    let (code, message) = pages::refusal_message(lang, r);
    refused(code, message)
}

#[derive(Serialize)]
pub struct PlanView {
    plan: Plan,
    /// The latest attempt (hashes, randomness, result); the full input and output are in
    /// `/plans/{id}/export` once drawn.
    draw: Option<DrawSummary>,
}

#[derive(Serialize)]
pub struct DrawSummary {
    id: i64,
    attempt: i64,
    label: String,
    population_sha256: String,
    officers_sha256: String,
    conflicts_sha256: String,
    frozen_at: chrono::DateTime<chrono::Utc>,
    randomness: Option<String>,
    witnesses: Option<String>,
    result_sha256: Option<String>,
    executed_at: Option<chrono::DateTime<chrono::Utc>>,
    redraw_of: Option<i64>,
    redraw_reason: Option<String>,
    approved_by: Option<String>,
}

impl From<DrawRecord> for DrawSummary {
    fn from(d: DrawRecord) -> Self {
        DrawSummary {
            id: d.id,
            attempt: d.attempt,
            label: d.label,
            population_sha256: d.population_sha256,
            officers_sha256: d.officers_sha256,
            conflicts_sha256: d.conflicts_sha256,
            frozen_at: d.frozen_at,
            randomness: d.randomness,
            witnesses: d.witnesses,
            result_sha256: d.result_sha256,
            executed_at: d.executed_at,
            redraw_of: d.redraw_of,
            redraw_reason: d.redraw_reason,
            approved_by: d.approved_by,
        }
    }
}

async fn view(state: &AppState, plan: Plan) -> Result<PlanView, AppError> {
    let draw = draws::latest_head(&state.db, plan.id)
        .await?
        .map(Into::into);
    Ok(PlanView { plan, draw })
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<PlanView>>, AppError> {
    user.require(Permission::ViewRegistry)?;
    let mut out = Vec::new();
    for p in draws::plans(&state.db, user.scope_path()).await? {
        out.push(view(&state, p).await?);
    }
    Ok(Json(out))
}

#[derive(Deserialize)]
pub struct NewPlan {
    agency: String,
    kind: String,
    period: String,
    #[serde(flatten)]
    params: PlanParams,
}

pub async fn create(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Json(p): Json<NewPlan>,
) -> Result<Response, AppError> {
    match pages::create_in_scope(&state, &user, &p.agency, &p.kind, &p.period, &p.params).await? {
        Ok(plan) => Ok((StatusCode::CREATED, Json(view(&state, plan).await?)).into_response()),
        Err(r) => Ok(draw_refused(lang, &r)),
    }
}

pub async fn one(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<PlanView>, AppError> {
    user.require(Permission::ViewRegistry)?;
    let (plan, _) = pages::plan_in_scope(&state, &user, id).await?;
    Ok(Json(view(&state, plan).await?))
}

/// `POST /plans/{id}/{freeze|seed|execute|redraw}`.
pub async fn step(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path((id, step)): Path<(i64, String)>,
    body: Option<Json<StepInput>>,
) -> Result<Response, AppError> {
    let input = body.map(|Json(b)| b).unwrap_or_default();
    match pages::run_step(&state, &user, id, &step, &input).await? {
        Ok(record) => Ok(Json(DrawSummary::from(record)).into_response()),
        Err(r) => Ok(draw_refused(lang, &r)),
    }
}

/// The `{"input", "output"}` record `spotcheck draw verify` accepts.
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<serde_json::Value>, AppError> {
    user.require(Permission::ViewRegistry)?;
    let (plan, _) = pages::plan_in_scope(&state, &user, id).await?;
    let record = draws::latest_draw(&state.db, plan.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(draws::export(&record)?.ok_or(AppError::NotFound)?))
}

#[derive(Deserialize)]
pub struct ComplianceQuery {
    agency: Option<String>,
    year: Option<i32>,
}

pub async fn compliance(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ComplianceQuery>,
) -> Result<Json<Compliance>, AppError> {
    // The years a plan can be for: a table of other years would only list plans never due.
    if q.year.is_some_and(|y| !draws::PLAN_YEARS.contains(&y)) {
        return Err(AppError::BadRequest("plan.bad_period"));
    }
    let (_, table) = pages::compliance_table(&state, &user, q.agency.as_deref(), q.year).await?;
    Ok(Json(table))
}

/// The caller's own tasks (an account linked to an officer), soonest due first.
pub async fn my_tasks(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<tasks::TaskView>>, AppError> {
    let Some(certificate) = tasks::officer_of_account(&state.db, user.account.id).await? else {
        return Ok(Json(Vec::new()));
    };
    Ok(Json(tasks::for_officer(&state.db, &certificate).await?))
}

#[derive(Deserialize)]
pub struct ReassignBody {
    officer: String,
    reason: String,
}

pub async fn reassign(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<ReassignBody>,
) -> Result<Response, AppError> {
    user.require(Permission::RunDraws)?;
    let today = state.config.today();
    match tasks::reassign(
        &state.db,
        &user.account.username,
        user.scope_path(),
        id,
        &b.officer,
        &b.reason,
        today,
    )
    .await?
    {
        Ok(r) => Ok(Json(r).into_response()),
        Err(tasks::ReassignRefusal::UnknownTask) => Err(AppError::NotFound),
        Err(r) => Ok(refused(r.key(), Tr::new(lang).get(r.key()).to_string())),
    }
}

pub async fn conflict_list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<conflicts::Declaration>>, AppError> {
    user.require(Permission::ViewRegistry)?;
    Ok(Json(conflicts::list(&state.db, user.scope_path()).await?))
}

#[derive(Deserialize)]
pub struct DeclareBody {
    officer: String,
    firm: String,
    reason: String,
}

pub async fn conflict_declare(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Json(b): Json<DeclareBody>,
) -> Result<Response, AppError> {
    user.require(Permission::RunDraws)?;
    match conflicts::declare(
        &state.db,
        &user.account.username,
        user.scope_path(),
        &b.officer,
        &b.firm,
        &b.reason,
    )
    .await?
    {
        Ok(d) => Ok((StatusCode::CREATED, Json(d)).into_response()),
        Err(r) => Ok(refused(r.key(), Tr::new(lang).get(r.key()).to_string())),
    }
}
