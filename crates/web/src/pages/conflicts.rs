//! Declared conflicts of interest (回避, R-DRAW-2R): who must not inspect which firm. A person
//! who may run draws declares for the officers of the jurisdiction; an officer may declare for
//! themself. Every draw frozen while a declaration stands leaves that officer off that firm.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::{Extension, Form};
use serde::Deserialize;
use spotcheck_core::role::Permission;
use spotcheck_store::conflicts::{self, Declaration};
use spotcheck_store::tasks;

use super::PageCtx;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::AppState;

#[derive(Template)]
#[template(path = "conflicts.html")]
struct ConflictsPage {
    ctx: PageCtx,
    rows: Vec<Declaration>,
    can_declare: bool,
    /// An officer declaring for themself: their certificate number, fixed in the form.
    own_certificate: Option<String>,
    message: Option<String>,
}

/// Who may declare: a person who may run draws, for any officer of the jurisdiction; an officer,
/// for themself only (`Some(certificate)`).
async fn declarer(
    state: &AppState,
    user: &CurrentUser,
) -> Result<(bool, Option<String>), AppError> {
    if user.role.may(Permission::RunDraws) {
        return Ok((true, None));
    }
    let own = tasks::officer_of_account(&state.db, user.account.id).await?;
    Ok((own.is_some(), own))
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    message: Option<String>,
) -> Result<Response, AppError> {
    user.require(Permission::ViewRegistry)?;
    let (can_declare, own_certificate) = declarer(state, user).await?;
    let refused = message.is_some();
    super::render_refused(
        &ConflictsPage {
            ctx: PageCtx::new(lang, Some(user), "/conflicts"),
            rows: conflicts::list(&state.db, user.scope_path()).await?,
            can_declare,
            own_certificate,
            message,
        },
        refused,
    )
}

pub async fn index(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    page(&state, &user, lang, None).await
}

#[derive(Deserialize)]
pub struct DeclareForm {
    csrf: String,
    #[serde(default)]
    officer: String,
    firm: String,
    reason: String,
}

pub async fn declare(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Form(f): Form<DeclareForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let (may, own) = declarer(&state, &user).await?;
    if !may {
        return Err(AppError::Forbidden);
    }
    let officer = own.unwrap_or(f.officer);
    match conflicts::declare(
        &state.db,
        &user.account.username,
        user.scope_path(),
        &officer,
        &f.firm,
        &f.reason,
    )
    .await?
    {
        Ok(_) => Ok(super::see_other("/conflicts")),
        Err(refusal) => {
            let message = Tr::new(lang).get(refusal.key()).to_string();
            page(&state, &user, lang, Some(message)).await
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn withdraw(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    user.require(Permission::RunDraws)?;
    if !conflicts::withdraw(&state.db, &user.account.username, user.scope_path(), id).await? {
        return Err(AppError::NotFound);
    }
    Ok(super::see_other("/conflicts"))
}
