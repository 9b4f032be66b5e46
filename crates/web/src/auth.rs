//! Who is calling, and what they may see: sessions, bearer tokens, CSRF, jurisdiction.

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use spotcheck_core::role::{Permission, Role};
use spotcheck_store::account::Account;
use spotcheck_store::agency::{self, Agency};
use spotcheck_store::{session, token};

use crate::error::AppError;
use crate::AppState;

/// The session cookie: a random token whose hash is the session's key.
pub const SESSION_COOKIE: &str = "sc_session";
/// The chosen language.
pub const LANG_COOKIE: &str = "sc_lang";
/// Double-submit CSRF cookie for forms shown before login.
pub const PRE_CSRF_COOKIE: &str = "sc_csrf";

/// The value of cookie `name` in the request, if any.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, whole site; `Secure` when configured.
pub fn set_cookie(name: &str, value: &str, max_age_secs: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age_secs {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The logged-in caller, checked against the database on every request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub account: Account,
    pub role: Role,
    pub agency: Agency,
    /// The session's CSRF token; `None` for bearer-token callers, which send no cookies.
    pub csrf: Option<String>,
}

impl CurrentUser {
    /// The path prefix of every agency the caller may see: all for city-wide roles, otherwise the
    /// caller's own agency and what lies below it (属地管理).
    pub fn scope_path(&self) -> &str {
        if self.role.is_city_wide() {
            ""
        } else {
            &self.agency.path
        }
    }

    pub fn can_see(&self, other: &Agency) -> bool {
        other.path.starts_with(self.scope_path())
    }

    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.role.may(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Checks the CSRF token of a submitted form.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), AppError> {
        match &self.csrf {
            Some(expected) if same_secret(expected, submitted) => Ok(()),
            _ => Err(AppError::Csrf),
        }
    }
}

async fn resolve(parts: &Parts, state: &AppState) -> Result<Option<CurrentUser>, AppError> {
    let now = spotcheck_store::now();
    let bearer = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let (account, csrf) = if let Some(t) = bearer {
        match token::account_for(&state.db, t.trim()).await? {
            Some(a) => (a, None),
            None => return Ok(None),
        }
    } else if let Some(t) = cookie(&parts.headers, SESSION_COOKIE) {
        match session::lookup(&state.db, &t, now, state.config.session).await? {
            Some((s, a)) => (a, Some(s.csrf_token)),
            None => return Ok(None),
        }
    } else {
        return Ok(None);
    };
    let Some(role) = account.role() else {
        return Ok(None);
    };
    let Some(agency) = agency::by_id(&state.db, account.agency_id).await? else {
        return Ok(None);
    };
    Ok(Some(CurrentUser {
        account,
        role,
        agency,
        csrf,
    }))
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        resolve(parts, state).await?.ok_or(AppError::Unauthorized)
    }
}

/// The caller when logged in, for pages that anyone may open.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Ok(MaybeUser(resolve(parts, state).await?))
    }
}
