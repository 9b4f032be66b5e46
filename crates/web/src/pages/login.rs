//! Logging in and out.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use spotcheck_store::account::{self, LoginOutcome};
use spotcheck_store::session;

use super::{render, PageCtx};
use crate::auth::{self, MaybeUser};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: PageCtx,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only local paths are followed after login, never another site: browsers read `//host` and
/// `/\\host` as another site, and drop tabs and line breaks from an address (`/<TAB>/host`).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// The pre-login token the browser holds already, when it is one of ours: every login page
/// open in the browser (two tabs, a page left open) shares it, so that submitting one does not
/// fail because another was opened since.
fn held_token(headers: &HeaderMap) -> Option<String> {
    auth::cookie(headers, auth::PRE_CSRF_COOKIE)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn login_page(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    next: String,
    username: String,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    // Double-submit token: the same random value in a cookie and in the form.
    let token = held_token(headers).unwrap_or_else(spotcheck_store::random_token);
    let mut ctx = PageCtx::new(lang, None, "/login");
    ctx.csrf = token.clone();
    let mut response = render(&LoginPage {
        ctx,
        next,
        username,
        error,
    })?;
    *response.status_mut() = status;
    let cookie = auth::set_cookie(
        auth::PRE_CSRF_COOKIE,
        &token,
        Some(3600),
        state.config.secure_cookies,
    );
    if let Ok(v) = cookie.parse() {
        response.headers_mut().append(SET_COOKIE, v);
    }
    Ok(response)
}

pub async fn form(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let next = safe_next(q.next.as_deref());
    if user.is_some() {
        return Ok((StatusCode::SEE_OTHER, [(LOCATION, next)]).into_response());
    }
    login_page(
        &state,
        &headers,
        lang,
        next,
        String::new(),
        None,
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, AppError> {
    let cookie = auth::cookie(&headers, auth::PRE_CSRF_COOKIE).unwrap_or_default();
    if cookie.is_empty() || !auth::same_secret(&cookie, &f.csrf) {
        return Err(AppError::Csrf);
    }
    let next = safe_next(f.next.as_deref());
    let t = crate::i18n::Tr::new(lang);
    let now = spotcheck_store::now();
    let username = f.username.trim().to_string();
    let outcome =
        account::authenticate(&state.db, &username, &f.password, now, state.config.lockout).await?;
    let message = match outcome {
        LoginOutcome::Success(account) => {
            let (token, _) =
                session::create(&state.db, &account, now, state.config.session).await?;
            let cookie = auth::set_cookie(
                auth::SESSION_COOKIE,
                &token,
                None,
                state.config.secure_cookies,
            );
            // The pre-login token has served: the next login page starts a fresh one.
            let spent = auth::set_cookie(
                auth::PRE_CSRF_COOKIE,
                "",
                Some(0),
                state.config.secure_cookies,
            );
            let mut response = (
                StatusCode::SEE_OTHER,
                [(LOCATION, next), (SET_COOKIE, cookie)],
            )
                .into_response();
            // Appended: a second cookie given in the array would replace the first.
            if let Ok(v) = spent.parse() {
                response.headers_mut().append(SET_COOKIE, v);
            }
            return Ok(response);
        }
        LoginOutcome::BadCredentials => t.get("login.bad_credentials").to_string(),
        LoginOutcome::Disabled => t.get("login.disabled").to_string(),
        LoginOutcome::Locked { until } => {
            let minutes = ((until - now).num_seconds() + 59) / 60;
            t.fmt("login.locked", &[("minutes", &minutes.to_string())])
        }
    };
    login_page(
        &state,
        &headers,
        lang,
        next,
        username,
        Some(message),
        StatusCode::UNAUTHORIZED,
    )
}

#[derive(Deserialize)]
pub struct LogoutForm {
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    user: crate::auth::CurrentUser,
    headers: HeaderMap,
    Form(f): Form<LogoutForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    if let Some(token) = auth::cookie(&headers, auth::SESSION_COOKIE) {
        session::end(&state.db, &token, &user.account.username).await?;
    }
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
