//! The compliance table (R-DRAW-KEY-2, R-DRAW-KEY-3, R-DRAW-GEN-2, R-DRAW-SPC-2): for one agency
//! and year, each draw against its rule and the key units not yet drawn.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Extension;
use chrono::Datelike;
use serde::Deserialize;
use spotcheck_core::period::Year;
use spotcheck_core::role::Permission;
use spotcheck_store::draws::{self, Compliance, ComplianceRow, Standing};

use super::{render, visible_agencies, PageCtx};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::AppState;

/// How many of the key units not yet drawn the page lists (the count is always complete).
const NOT_DRAWN_SHOWN: usize = 200;

#[derive(Deserialize)]
pub struct ComplianceQuery {
    agency: Option<String>,
    /// A cleared field is sent as `year=`: this year.
    #[serde(default, deserialize_with = "super::blank_as_none")]
    year: Option<i32>,
}

/// A row with the translation keys and style its cells need.
struct RowView {
    row: ComplianceRow,
    kind_key: String,
    standing_key: String,
    rule_key: String,
    class: &'static str,
}

#[derive(Template)]
#[template(path = "compliance.html")]
struct CompliancePage {
    ctx: PageCtx,
    rows: Vec<RowView>,
    agencies: Vec<(String, String)>,
    agency_code: String,
    agency_name: String,
    year: i32,
    table: Compliance,
    shown_not_drawn: Vec<(String, String)>,
}

/// The agency and year asked for, defaulting to the caller's jurisdiction and this year; the
/// compliance table of that pair.
pub async fn table_for(
    state: &AppState,
    user: &CurrentUser,
    agency: Option<&str>,
    year: Option<i32>,
) -> Result<(spotcheck_store::agency::Agency, Compliance), AppError> {
    user.require(Permission::ViewRegistry)?;
    let today = state.config.today();
    let visible = visible_agencies(state, user).await?;
    let chosen = match agency {
        Some(code) => visible.into_iter().find(|a| a.code == code),
        None => visible
            .into_iter()
            .find(|a| a.kind().is_some_and(|k| k.is_jurisdiction())),
    }
    .ok_or(AppError::NotFound)?;
    let year = Year::new(year.unwrap_or(today.year()))
        .map_err(|_| AppError::BadRequest("plan.bad_period"))?;
    let table = draws::compliance(&state.db, &chosen, year, &state.config.rules, today).await?;
    Ok((chosen, table))
}

pub async fn show(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Query(q): Query<ComplianceQuery>,
) -> Result<Response, AppError> {
    let (agency, table) = table_for(&state, &user, q.agency.as_deref(), q.year).await?;
    let agencies = visible_agencies(&state, &user)
        .await?
        .into_iter()
        .filter(|a| a.kind().is_some_and(|k| k.is_jurisdiction()))
        .map(|a| (a.code.clone(), a.name(lang.code()).to_string()))
        .collect();
    let rows = table
        .rows
        .iter()
        .map(|r| RowView {
            kind_key: format!("plan.kind_{}", r.kind.as_str()),
            standing_key: format!("compliance.{}", r.standing.as_str()),
            rule_key: format!("compliance.rule_{}", r.kind.as_str()),
            class: match r.standing {
                Standing::Met => "ok",
                Standing::Pending => "muted",
                _ => "error",
            },
            row: r.clone(),
        })
        .collect();
    render(&CompliancePage {
        ctx: PageCtx::new(lang, Some(&user), "/compliance"),
        rows,
        agencies,
        agency_code: agency.code.clone(),
        agency_name: agency.name(lang.code()).to_string(),
        year: table.year,
        shown_not_drawn: table
            .key_not_drawn
            .iter()
            .take(NOT_DRAWN_SHOWN)
            .cloned()
            .collect(),
        table,
    })
}
