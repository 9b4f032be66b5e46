//! `/metrics` in the Prometheus text format: requests and their latencies by route (the route's
//! pattern, never the ids in it), and the work the system holds (draws executed, tasks by status,
//! firms), read from the database at each scrape so that every server of a cluster reports the
//! same figures. Only callers on the same machine (a local agent or proxy) may read it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use spotcheck_store::reports;

use crate::AppState;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Requests counted by (method, route pattern, status).
type RequestCounts = BTreeMap<(String, String, u16), u64>;

/// The request figures of this process.
#[derive(Default, Clone)]
pub struct Metrics {
    /// (method, route, status) → count.
    requests: Arc<Mutex<RequestCounts>>,
    /// route → latency histogram.
    latency: Arc<Mutex<BTreeMap<String, Series>>>,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut r) = self.requests.lock() {
            *r.entry((method.to_string(), route.to_string(), status))
                .or_default() += 1;
        }
        if let Ok(mut l) = self.latency.lock() {
            let s = l.entry(route.to_string()).or_default();
            s.count += 1;
            s.sum += seconds;
            for (i, bound) in BUCKETS.iter().enumerate() {
                if seconds <= *bound {
                    s.buckets[i] += 1;
                }
            }
        }
    }
}

/// Counts every request by the pattern of the route it matched (`/plans/{id}`), so that the
/// series stay few whatever ids are asked for.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().to_string();
    let started = Instant::now();
    let response = next.run(req).await;
    state.metrics.observe(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// Label values are quoted; a backslash, a quote or a newline inside is escaped.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The figures, for local callers only.
pub async fn show(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    if !peer.ip().is_loopback() {
        return StatusCode::FORBIDDEN.into_response();
    }
    let mut out = String::new();
    out.push_str(
        "# HELP spotcheck_http_requests_total HTTP requests by method, route pattern and status.\n",
    );
    out.push_str("# TYPE spotcheck_http_requests_total counter\n");
    if let Ok(r) = state.metrics.requests.lock() {
        for ((method, route, status), n) in r.iter() {
            let _ = writeln!(
                out,
                "spotcheck_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                label(method),
                label(route)
            );
        }
    }
    out.push_str(
        "# HELP spotcheck_http_request_duration_seconds Time to answer, by route pattern.\n",
    );
    out.push_str("# TYPE spotcheck_http_request_duration_seconds histogram\n");
    if let Ok(l) = state.metrics.latency.lock() {
        for (route, s) in l.iter() {
            let route = label(route);
            for (bound, n) in BUCKETS.iter().zip(s.buckets.iter()) {
                let _ = writeln!(
                    out,
                    "spotcheck_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "spotcheck_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\n\
                 spotcheck_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\n\
                 spotcheck_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                s.count, s.sum, s.count
            );
        }
    }
    let help = [
        ("draws_executed", "Draws executed, by plan kind."),
        ("tasks", "Tasks, by status."),
        ("firms", "Firms on the lists, by category."),
    ];
    match reports::work_counts(&state.db).await {
        Ok(rows) => {
            for (series, text) in help {
                let _ = writeln!(
                    out,
                    "# HELP spotcheck_{series} {text}\n# TYPE spotcheck_{series} gauge"
                );
                for (_, key, n) in rows.iter().filter(|(s, ..)| *s == series) {
                    let _ = writeln!(out, "spotcheck_{series}{{key=\"{}\"}} {n}", label(key));
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics query failed"),
    }
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        out,
    )
        .into_response()
}
