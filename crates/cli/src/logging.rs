//! Logs: human-readable text (the default) or JSON, one object per line, for a log collector
//! (`--log-format json` / `SPOTCHECK_LOG_FORMAT=json` / `[log] format = "json"`). Every HTTP
//! request is logged once it is answered, with its method, route pattern, status and latency.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use serde::Deserialize;
use tracing_subscriber::EnvFilter;

use crate::Cli;

/// What is logged when neither `SPOTCHECK_LOG` nor `[log] filter` says otherwise.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn";

/// The target of the request events, for filters (`spotcheck::request=warn` silences them).
pub const REQUEST_TARGET: &str = "spotcheck::request";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One line of text per event, for people.
    Text,
    /// One JSON object per line: timestamp, level, target, message and the event's fields.
    Json,
}

/// Installs the global subscriber, writing to standard error.
pub fn init(cli: &Cli) {
    let filter = EnvFilter::try_from_env("SPOTCHECK_LOG")
        .ok()
        .or_else(|| {
            cli.settings
                .log
                .filter
                .as_deref()
                .and_then(|f| EnvFilter::try_new(f).ok())
        })
        .unwrap_or_else(|| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format.unwrap_or(LogFormat::Text) {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .init(),
    }
}

/// Logs each request once it is answered: method, route pattern (`/plans/{id}`, never the ids or
/// the query string, which may carry personal data), status and latency in milliseconds. Server
/// errors are warnings.
pub async fn log_request(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().clone();
    let started = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16();
    let latency_ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
    if status >= 500 {
        tracing::warn!(target: REQUEST_TARGET, method = %method, route = %route, status, latency_ms, "request");
    } else {
        tracing::info!(target: REQUEST_TARGET, method = %method, route = %route, status, latency_ms, "request");
    }
    response
}

/// Serves the application with request logging on `listener` until the process is stopped.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: spotcheck_web::AppState,
) -> std::io::Result<()> {
    spotcheck_web::jobs::start(&state);
    let app = spotcheck_web::router(state)
        .layer(axum::middleware::from_fn(log_request))
        .into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).await
}
