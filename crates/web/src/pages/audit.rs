//! The audit log for auditors and system administrators (`Permission::ReadAuditLog`): the newest
//! events a page at a time, a check of the whole hash chain on request, and the whole log as an
//! .xlsx file to hand to an outside auditor. Reading only: nothing here changes anything.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use spotcheck_core::role::Permission;
use spotcheck_store::audit::{self, AuditEvent, ChainCheck};
use spotcheck_store::export;
use spotcheck_tabular::{Cell, Format};

use super::{render, PageCtx};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::AppState;

/// Events per page.
const PAGE: i64 = 100;
/// Events read per query when exporting the whole log.
const EXPORT_BATCH: i64 = 5_000;

#[derive(Deserialize)]
pub struct AuditQuery {
    before: Option<i64>,
    #[serde(default)]
    verify: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: PageCtx,
    events: Vec<AuditEvent>,
    next_before: Option<i64>,
    /// The chain check, when asked for: (intact, message).
    check: Option<(bool, String)>,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    user.require(Permission::ReadAuditLog)?;
    let events = audit::recent(&state.db, q.before, PAGE).await?;
    let t = Tr::new(lang);
    let check = match q.verify {
        Some(_) => Some(match audit::verify(&state.db).await? {
            ChainCheck::Intact { events, head_hash } => (
                true,
                t.fmt(
                    "audit.intact",
                    &[("events", &events.to_string()), ("head", &head_hash)],
                ),
            ),
            ChainCheck::Broken { seq, reason } => {
                let args = reason.args();
                let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let reason = t.fmt(reason.key(), &args);
                (
                    false,
                    t.fmt(
                        "audit.broken",
                        &[("seq", &seq.to_string()), ("reason", &reason)],
                    ),
                )
            }
        }),
        None => None,
    };
    render(&AuditPage {
        ctx: PageCtx::new(lang, Some(&user), "/audit"),
        next_before: (events.len() as i64 == PAGE)
            .then(|| events.last().map(|e| e.seq))
            .flatten(),
        events,
        check,
    })
}

/// The whole log, oldest first, as .xlsx with every field (hashes included, so that the chain
/// can be checked again from the file).
pub async fn xlsx(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    user.require(Permission::ReadAuditLog)?;
    let mut events = Vec::new();
    let mut before = None;
    loop {
        let batch = audit::recent(&state.db, before, EXPORT_BATCH).await?;
        let full = batch.len() as i64 == EXPORT_BATCH;
        before = batch.last().map(|e| e.seq);
        events.extend(batch);
        if !full {
            break;
        }
    }
    events.reverse();
    let t = Tr::new(lang);
    let headers = [
        t.get("audit.seq"),
        t.get("audit.at"),
        t.get("audit.actor"),
        t.get("audit.action"),
        t.get("audit.subject"),
        t.get("audit.payload"),
        t.get("audit.prev_hash"),
        t.get("audit.hash"),
    ];
    let rows = events
        .into_iter()
        .map(|e| {
            vec![
                Cell::Integer(e.seq),
                Cell::Text(e.at.to_rfc3339()),
                Cell::Text(e.actor),
                Cell::Text(e.action),
                Cell::Text(e.subject),
                Cell::Text(e.payload),
                Cell::Text(e.prev_hash),
                Cell::Text(e.hash),
            ]
        })
        .collect();
    let bytes = export::table(Format::Xlsx, t.get("audit.title"), &headers, rows)?;
    Ok(super::download(bytes, Format::Xlsx, t.get("audit.file")))
}
