//! Server-rendered pages. Each module is one resource; templates live in `templates/`.

mod account;
mod accounts;
mod agencies;
mod audit;
mod compliance;
mod conflicts;
mod firms;
mod inspections;
mod lists;
mod plans;
mod registry_admin;
mod reports;
mod results;
mod tasks;
pub use agencies::visible_agencies;
pub(crate) use compliance::table_for as compliance_table;
pub(crate) use plans::{create_in_scope, plan_in_scope, refusal_message, run_step, StepInput};
mod home;
mod login;
mod public;
pub use public::PublicPageCache;
mod verify;

use askama::Template;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, HOST, LOCATION, ORIGIN, SET_COOKIE};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::auth::{self, CurrentUser};
use crate::error::{AppError, ErrorKey};
use crate::i18n::{Lang, Tr};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/agencies", get(agencies::index))
        .route("/agencies/{code}", get(agencies::show))
        .route("/firms", get(firms::index))
        .route("/firms/{id}", get(firms::show))
        .route("/accounts", get(accounts::index).post(accounts::create))
        .route("/accounts/{id}/{action}", post(accounts::change))
        .route("/audit", get(audit::show))
        .route("/audit.xlsx", get(audit::xlsx))
        .route("/account", get(account::show))
        .route("/account/password", post(account::change_password))
        .route(
            "/account/logout-everywhere",
            post(account::logout_everywhere),
        )
        .route("/tasks", get(tasks::mine))
        .route("/tasks/{id}", get(tasks::show))
        .route("/tasks/{id}/reassign", post(tasks::reassign))
        .route(
            "/tasks/{id}/inspection",
            get(inspections::show).post(inspections::save),
        )
        .route("/tasks/{id}/inspection/correct", post(inspections::correct))
        .route("/inspections/{id}/review", post(inspections::review))
        .route("/inspections/{id}/print", get(inspections::print))
        .route(
            "/inspections/{id}/evidence",
            post(inspections::attach).layer(axum::extract::DefaultBodyLimit::max(
                inspections::max_evidence_bytes() + 64 * 1024,
            )),
        )
        .route("/evidence/{id}", get(inspections::evidence))
        .route("/evidence/{id}/thumbnail", get(inspections::thumbnail))
        .route("/static/inspection.js", get(inspections::script))
        .route("/compliance", get(compliance::show))
        .route("/results", get(results::show))
        .route("/calendar", get(reports::calendar))
        .route("/reports/monthly", get(reports::monthly))
        .route("/reports/monthly.xlsx", get(reports::monthly_xlsx))
        .route("/reports/pack", get(reports::pack))
        .route("/reports/pack/forms", get(inspections::pack_forms))
        .route("/reports/{kind}/submit", post(reports::submit))
        .route("/supervision", get(reports::supervision))
        .route("/supervision/notes", post(reports::open_note))
        .route("/supervision/notes/{id}", post(reports::follow_up))
        .route("/results.xlsx", get(results::xlsx))
        .route("/conflicts", get(conflicts::index).post(conflicts::declare))
        .route("/conflicts/{id}/withdraw", post(conflicts::withdraw))
        .route("/plans", get(plans::index).post(plans::create))
        .route("/plans/{id}", get(plans::show))
        .route("/plans/{id}/{step}", post(plans::step))
        .route("/lists", get(lists::overview))
        .route(
            "/filings",
            get(registry_admin::filings).post(registry_admin::file),
        )
        .route("/consolidated", get(registry_admin::consolidated))
        .route("/special", get(registry_admin::special_sources))
        .route("/special/{id}/rectify", post(registry_admin::rectify))
        .route("/lists/{kind}", get(lists::index))
        .route(
            "/lists/{kind}/new",
            get(lists::new_form).post(lists::create),
        )
        .route(
            "/lists/{kind}/{id}",
            get(lists::edit_form).post(lists::update),
        )
        .route(
            "/lists/{kind}/import",
            get(lists::import_form).post(lists::import_preview).layer(
                axum::extract::DefaultBodyLimit::max(lists::MAX_UPLOAD_BYTES + 64 * 1024),
            ),
        )
        .route("/lists/{kind}/import/apply", post(lists::import_apply))
        .route(
            "/lists/{kind}/import/{token}/errors.xlsx",
            get(lists::import_errors),
        )
        .route("/lists/{kind}/export", get(lists::export_list))
        .route("/lists/{kind}/template", get(lists::template))
        .merge(verify::router())
        .merge(public::router())
        .layer(middleware::from_fn(refuse_cross_site))
}

/// What every page template needs: the translator, the caller, the CSRF token for its forms and
/// the links of the language switch.
pub struct PageCtx {
    pub t: Tr,
    pub user: Option<UserView>,
    pub csrf: String,
    pub lang_zh_href: String,
    pub lang_en_href: String,
}

/// The caller as the page header shows them.
pub struct UserView {
    pub username: String,
    pub display_name: String,
    pub role_key: String,
    pub agency_name: String,
    /// Whether the menu offers the audit log.
    pub reads_audit_log: bool,
    /// Whether the menu offers the accounts.
    pub manages_accounts: bool,
}

impl PageCtx {
    pub fn new(lang: Lang, user: Option<&CurrentUser>, path: &str) -> Self {
        let t = Tr::new(lang);
        PageCtx {
            t,
            user: user.map(|u| UserView {
                username: u.account.username.clone(),
                display_name: u.account.display_name.clone(),
                role_key: format!("role.{}", u.role.as_str()),
                reads_audit_log: u.role.may(spotcheck_core::role::Permission::ReadAuditLog),
                manages_accounts: u.role.may(spotcheck_core::role::Permission::ManageAccounts),
                agency_name: u.agency.name(lang.code()).to_string(),
            }),
            csrf: user.and_then(|u| u.csrf.clone()).unwrap_or_default(),
            lang_zh_href: format!("{path}?lang=zh-CN"),
            lang_en_href: format!("{path}?lang=en"),
        }
    }
}

/// A query or form field that may be sent empty (a cleared input): `None` when blank, otherwise
/// parsed; a value that does not parse is a refused request.
pub fn blank_as_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text: Option<String> = serde::Deserialize::deserialize(deserializer)?;
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => t.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// Gives the framework's own refusals of a page request it could not read (a path or query
/// value of the wrong kind, a form too large, a method the address does not take), which carry
/// an English text of the framework, the translated message of [`error_response`]. The API has
/// its own (`api::json_refusals`).
pub async fn page_refusals(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let status = response.status();
    // A page that answers a refused form (422 with the form again) or a JSON body is left alone.
    let bare = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if status.is_client_error() && bare && response.extensions().get::<ErrorKey>().is_none() {
        let key = match status {
            StatusCode::NOT_FOUND => "error.not_found",
            StatusCode::FORBIDDEN => "error.forbidden",
            StatusCode::METHOD_NOT_ALLOWED => "error.page_method",
            StatusCode::PAYLOAD_TOO_LARGE => "error.page_too_large",
            _ => "error.unreadable",
        };
        response.extensions_mut().insert(ErrorKey(key));
    }
    response
}

/// 303 See Other to `location`: where a form's browser goes after a change.
pub fn see_other(location: impl Into<String>) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, location.into())]).into_response()
}

/// Renders a page that answers a form: 422 when the form was refused (the page says why), 200
/// otherwise.
pub fn render_refused(page: &impl Template, refused: bool) -> Result<Response, AppError> {
    let mut response = render(page)?;
    if refused {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// Renders a template as an HTML response.
pub fn render(page: &impl Template) -> Result<Response, AppError> {
    Ok(Html(page.render()?).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: PageCtx,
    status: u16,
    message: String,
}

/// Picks the language (`?lang=` then the cookie, Chinese by default), remembers a choice made with
/// `?lang=`, and turns error responses into a translated page or JSON body.
pub async fn language_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let chosen = req
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("lang=")))
        .and_then(Lang::parse);
    let lang = chosen
        .or_else(|| auth::cookie(req.headers(), auth::LANG_COOKIE).and_then(|c| Lang::parse(&c)))
        .unwrap_or_default();
    let path = req.uri().path().to_string();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    req.extensions_mut().insert(lang);
    let mut response = next.run(req).await;
    if let Some(ErrorKey(key)) = response.extensions().get::<ErrorKey>().copied() {
        // A 405 says which methods the address takes.
        let allow = response.headers().get(axum::http::header::ALLOW).cloned();
        response = error_response(lang, response.status(), key, &path, &path_and_query);
        if let Some(allow) = allow {
            response
                .headers_mut()
                .insert(axum::http::header::ALLOW, allow);
        }
    }
    if let Some(lang) = chosen {
        let cookie = auth::set_cookie(
            auth::LANG_COOKIE,
            lang.code(),
            Some(365 * 24 * 3600),
            state.config.secure_cookies,
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, v);
        }
    }
    response
}

fn error_response(
    lang: Lang,
    status: StatusCode,
    key: &'static str,
    path: &str,
    path_and_query: &str,
) -> Response {
    let t = Tr::new(lang);
    if path.starts_with("/api/") {
        let body = serde_json::json!({ "error": { "code": key, "message": t.get(key) } });
        return (status, axum::Json(body)).into_response();
    }
    if status == StatusCode::UNAUTHORIZED {
        let next = urlencode(path_and_query);
        return see_other(format!("/login?next={next}"));
    }
    let page = ErrorPage {
        ctx: PageCtx::new(lang, None, path),
        status: status.as_u16(),
        message: t.get(key).to_string(),
    };
    match page.render() {
        Ok(html) => (status, [(CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(_) => (status, t.get(key).to_string()).into_response(),
    }
}

/// A file to save: `name` (in the reader's language) with the format's extension; browsers that
/// do not read `filename*` save it as `spotcheck.<ext>`.
pub fn download(bytes: Vec<u8>, format: spotcheck_tabular::Format, name: &str) -> Response {
    let extension = format.extension();
    let disposition = format!(
        "attachment; filename=\"spotcheck.{extension}\"; filename*=UTF-8''{}.{extension}",
        urlencode(name)
    );
    (
        [
            (CONTENT_TYPE, format.media_type().to_string()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Refuses state-changing requests sent from another site (a second line of defence behind the
/// CSRF tokens): the browser's `Sec-Fetch-Site` or `Origin` header must name this site.
async fn refuse_cross_site(req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let headers = req.headers();
        let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        if matches!(fetch_site, Some("cross-site") | Some("same-site")) {
            return AppError::Csrf.into_response();
        }
        if let (Some(origin), Some(host)) = (
            headers.get(ORIGIN).and_then(|v| v.to_str().ok()),
            headers.get(HOST).and_then(|v| v.to_str().ok()),
        ) {
            let origin_host = origin.split("://").nth(1).unwrap_or(origin);
            if origin != "null" && origin_host != host {
                return AppError::Csrf.into_response();
            }
        }
    }
    next.run(req).await
}
