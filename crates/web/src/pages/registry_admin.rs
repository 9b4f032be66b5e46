//! The city-level views of the dynamic information database: filings (报备) of each branch's
//! lists, the consolidated key, general and special lists (R-LIST-12), and special supervision
//! sources with their rectification (R-DRAW-SPC-1, R-DRAW-SPC-3).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::{Extension, Form};
use chrono::NaiveDate;
use serde::Deserialize;
use spotcheck_core::lists::ListKind;
use spotcheck_core::period::Quarter;
use spotcheck_core::role::{Permission, Role};
use spotcheck_store::agency;
use spotcheck_store::filing::{self, FilingStatus};
use spotcheck_store::special::{self, SpecialSource};

use super::{render, visible_agencies, PageCtx};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::AppState;

/// The quarter whose lists are being filed on `today`: the one that just ended (R-LIST-4/5/6
/// describe the previous quarter).
fn filing_quarter(today: NaiveDate) -> Quarter {
    let q = Quarter::containing(today);
    q.prev().unwrap_or(q)
}

struct FilingCell {
    kind: &'static str,
    period: String,
    status_key: &'static str,
    status_class: &'static str,
    filed_at: String,
    rows: String,
}

struct FilingRow {
    agency_code: String,
    agency_name: String,
    cells: Vec<FilingCell>,
    can_file: bool,
}

#[derive(Template)]
#[template(path = "filings.html")]
struct FilingsPage {
    ctx: PageCtx,
    quarter: String,
    kinds: Vec<(&'static str, &'static str)>,
    rows: Vec<FilingRow>,
}

fn may_file(user: &CurrentUser, agency: &agency::Agency) -> bool {
    user.role.may(Permission::EditRegistry)
        && (user.agency.id == agency.id || user.role.is_city_wide())
}

pub async fn filings(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    user.require(Permission::ViewRegistry)?;
    let today = state.config.today();
    let quarter = filing_quarter(today);
    let periods: Vec<(ListKind, String)> = ListKind::ALL
        .into_iter()
        .map(|k| (k, filing::period_of(k, quarter)))
        .collect();
    let latest = filing::latest(&state.db, &periods).await?;
    let agencies: Vec<_> = visible_agencies(&state, &user)
        .await?
        .into_iter()
        .filter(|a| a.kind().is_some_and(|k| k.is_jurisdiction()))
        .collect();
    let rows = agencies
        .iter()
        .map(|a| FilingRow {
            agency_code: a.code.clone(),
            agency_name: a.name(lang.code()).to_string(),
            can_file: may_file(&user, a),
            cells: periods
                .iter()
                .map(|(kind, period)| {
                    let found = latest.iter().find(|f| {
                        f.agency_id == a.id && f.list_kind == kind.as_str() && &f.period == period
                    });
                    let due = filing::due_date(*kind, period, &state.config.rules);
                    let status = filing::status(
                        found.map(|f| state.config.rules.day_of(f.filed_at)),
                        due,
                        today,
                    );
                    let (status_key, status_class) = match status {
                        FilingStatus::Filed => ("filing.filed", "ok"),
                        FilingStatus::FiledLate => ("filing.filed_late", "warn"),
                        FilingStatus::Due => ("filing.due", "muted"),
                        FilingStatus::Missing => ("filing.missing", "error"),
                    };
                    FilingCell {
                        kind: kind.as_str(),
                        period: period.clone(),
                        status_key,
                        status_class,
                        filed_at: found
                            .map(|f| f.filed_at.format("%Y-%m-%d %H:%M").to_string())
                            .unwrap_or_default(),
                        rows: found.map(|f| f.row_count.to_string()).unwrap_or_default(),
                    }
                })
                .collect(),
        })
        .collect();
    render(&FilingsPage {
        ctx: PageCtx::new(lang, Some(&user), "/filings"),
        quarter: quarter.to_string(),
        kinds: ListKind::ALL
            .into_iter()
            .map(|k| (k.as_str(), k.name(lang.into())))
            .collect(),
        rows,
    })
}

#[derive(Deserialize)]
pub struct FileForm {
    csrf: String,
    agency: String,
    kind: String,
    period: String,
}

pub async fn file(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<FileForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let kind = ListKind::parse(&f.kind).ok_or(AppError::NotFound)?;
    let agency = agency::by_code(&state.db, &f.agency)
        .await?
        .ok_or(AppError::NotFound)?;
    if !user.can_see(&agency) || !may_file(&user, &agency) {
        return Err(AppError::Forbidden);
    }
    let today = state.config.today();
    if f.period != filing::period_of(kind, filing_quarter(today)) {
        return Err(AppError::BadRequest("filing.wrong_period"));
    }
    filing::file(
        &state.db,
        &user.account.username,
        &agency,
        kind,
        &f.period,
        spotcheck_store::now(),
    )
    .await?;
    Ok(super::see_other("/filings"))
}

struct ConsolidatedRow {
    code: String,
    name: String,
    key: i64,
    general: i64,
    special: i64,
}

#[derive(Template)]
#[template(path = "consolidated.html")]
struct ConsolidatedPage {
    ctx: PageCtx,
    rows: Vec<ConsolidatedRow>,
    total_key: i64,
    total_general: i64,
    total_special: i64,
}

/// R-LIST-12: the city-wide key, general and special supervision lists, per agency.
pub async fn consolidated(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    user.require(Permission::ViewRegistry)?;
    let counts = spotcheck_store::registry::consolidated(&state.db).await?;
    let rows: Vec<ConsolidatedRow> = visible_agencies(&state, &user)
        .await?
        .into_iter()
        .filter(|a| a.kind().is_some_and(|k| k.is_jurisdiction()))
        .map(|a| {
            let c = counts.get(&a.id).cloned().unwrap_or_default();
            ConsolidatedRow {
                key: c.key,
                general: c.general,
                special: c.special,
                name: a.name(lang.code()).to_string(),
                code: a.code,
            }
        })
        .collect();
    render(&ConsolidatedPage {
        ctx: PageCtx::new(lang, Some(&user), "/consolidated"),
        total_key: rows.iter().map(|r| r.key).sum(),
        total_general: rows.iter().map(|r| r.general).sum(),
        total_special: rows.iter().map(|r| r.special).sum(),
        rows,
    })
}

#[derive(Template)]
#[template(path = "special.html")]
struct SpecialPage {
    ctx: PageCtx,
    sources: Vec<SpecialSource>,
    can_rectify: bool,
}

/// Who may confirm a rectification: the legal supervision section and the branch administrators.
fn may_rectify(user: &CurrentUser) -> bool {
    matches!(user.role, Role::CityLegal | Role::DistrictAdmin)
}

pub async fn special_sources(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    user.require(Permission::ViewRegistry)?;
    let sources = special::list(&state.db, user.scope_path(), false).await?;
    render(&SpecialPage {
        ctx: PageCtx::new(lang, Some(&user), "/special"),
        sources,
        can_rectify: may_rectify(&user),
    })
}

#[derive(Deserialize)]
pub struct RectifyForm {
    csrf: String,
    evidence: String,
}

pub async fn rectify(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<RectifyForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    if !may_rectify(&user) {
        return Err(AppError::Forbidden);
    }
    let source = special::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let owner = agency::by_id(&state.db, source.agency_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !user.can_see(&owner) {
        return Err(AppError::Forbidden);
    }
    if f.evidence.trim().is_empty() {
        return Err(AppError::BadRequest("special.evidence_required"));
    }
    special::rectify(
        &state.db,
        &user.account.username,
        id,
        &f.evidence,
        spotcheck_store::now(),
    )
    .await?;
    Ok(super::see_other("/special"))
}
