//! The caller's own account: change the password (the rules of `spotcheck_core::password`; every
//! session ends afterwards, so a stolen session dies with the old password) and log out on every
//! device.

use askama::Template;
use axum::extract::State;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use spotcheck_core::password;
use spotcheck_store::account::{self, LoginOutcome};
use spotcheck_store::session;

use super::PageCtx;
use crate::auth::{self, CurrentUser};
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::AppState;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: PageCtx,
    min_length: usize,
    message: Option<String>,
}

fn page(user: &CurrentUser, lang: Lang, message: Option<String>) -> Result<Response, AppError> {
    let refused = message.is_some();
    super::render_refused(
        &AccountPage {
            ctx: PageCtx::new(lang, Some(user), "/account"),
            min_length: password::MIN_LENGTH,
            message,
        },
        refused,
    )
}

pub async fn show(
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    page(&user, lang, None)
}

/// Ends every session of the caller and sends the browser to the login page.
async fn end_everywhere(state: &AppState, user: &CurrentUser) -> Result<Response, AppError> {
    let mut tx = state.db.begin().await?;
    session::end_all(&mut tx, &user.account.username, &user.account).await?;
    tx.commit().await?;
    let clear = auth::set_cookie(
        auth::SESSION_COOKIE,
        "",
        Some(0),
        state.config.secure_cookies,
    );
    Ok((
        StatusCode::SEE_OTHER,
        [(LOCATION, "/login".to_string()), (SET_COOKIE, clear)],
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
    repeat: String,
}

/// Changes the caller's password after checking the current one (a wrong one counts towards the
/// lock-out like a failed login); every session ends, the caller logs in again.
pub async fn change_password(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let t = Tr::new(lang);
    let now = (state.config.clock)();
    let outcome = account::authenticate(
        &state.db,
        &user.account.username,
        &f.current,
        now,
        state.config.lockout,
    )
    .await?;
    if !matches!(outcome, LoginOutcome::Success(_)) {
        return page(
            &user,
            lang,
            Some(t.get("password.wrong_current").to_string()),
        );
    }
    if f.new != f.repeat {
        return page(&user, lang, Some(t.get("password.mismatch").to_string()));
    }
    if let Err(problem) = password::check(&f.new, &user.account.username) {
        let min = password::MIN_LENGTH.to_string();
        return page(&user, lang, Some(t.fmt(problem.key(), &[("min", &min)])));
    }
    let mut tx = state.db.begin().await?;
    account::set_password(&mut tx, &user.account.username, user.account.id, &f.new).await?;
    tx.commit().await?;
    end_everywhere(&state, &user).await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// "Log out everywhere": every session of the caller ends, on every device.
pub async fn logout_everywhere(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<CsrfForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    end_everywhere(&state, &user).await
}
