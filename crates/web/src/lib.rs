//! The web layer of spotcheck: server-rendered pages in Simplified Chinese (default) and English,
//! the JSON API under `/api/v1`, sessions, CSRF protection and jurisdiction checks.
//!
//! Pages work without JavaScript and on a phone. Every handler gets the caller through
//! [`auth::CurrentUser`], which has already checked the session or bearer token; what the caller
//! may see is decided by [`auth::CurrentUser::can_see`] and the role's permissions.

pub mod api;
pub mod auth;
pub mod config;
pub mod error;
pub mod i18n;
pub mod jobs;
pub mod metrics;
pub mod pages;
pub mod records;

use std::sync::Arc;

use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::Router;
use spotcheck_store::Db;
use tower_http::set_header::SetResponseHeaderLayer;

pub use config::WebConfig;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<WebConfig>,
    /// Request counts and latencies of this process, for `/metrics`.
    pub metrics: metrics::Metrics,
    /// Public disclosure pages as rendered for visitors without an account.
    pub public_pages: pages::PublicPageCache,
}

impl AppState {
    pub fn new(db: Db, config: WebConfig) -> Self {
        AppState {
            db,
            config: Arc::new(config),
            metrics: metrics::Metrics::default(),
            public_pages: pages::PublicPageCache::default(),
        }
    }
}

/// Content security policy: no inline script, no framing, forms only to ourselves. Our own
/// scripts may compile WebAssembly (the draw verifier of `/verify`).
const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
                   img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// The whole application.
pub fn router(state: AppState) -> Router {
    let language = axum::middleware::from_fn_with_state(state.clone(), pages::language_layer);
    Router::new()
        .route("/healthz", get(health))
        .route("/static/style.css", get(style))
        .route("/metrics", get(metrics::show))
        .merge(pages::router())
        .route("/api/openapi.json", get(api::openapi::serve))
        .nest("/api/v1", api::router())
        .fallback(|| async { error::AppError::NotFound })
        .layer(axum::middleware::from_fn(pages::page_refusals))
        .layer(language)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // Pages carry enforcement records and one-time passwords: no cache keeps them unless a
        // handler says otherwise (style sheets, scripts, public files).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves the application on `listener` until the process is stopped.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    jobs::start(&state);
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).await
}

/// 200 once the database answers; 503 otherwise (for load balancers and the start-up check).
async fn health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (axum::http::StatusCode, &'static str) {
    if state.db.is_healthy().await {
        (axum::http::StatusCode::OK, "ok")
    } else {
        (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "database unavailable",
        )
    }
}

async fn style() -> impl axum::response::IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/style.css"),
    )
}
