//! Agencies (执法机构) within the caller's jurisdiction, and one agency's page with its officers.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Extension;
use chrono::NaiveDate;
use spotcheck_core::role::Permission;
use spotcheck_store::agency::{self, Agency};
use spotcheck_store::registry::{self, ListCounts, Officer};

use super::{render, PageCtx};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::AppState;

/// One row of the agency list.
struct AgencyRow {
    code: String,
    name: String,
    kind_key: String,
    depth: usize,
    officers: i64,
}

#[derive(Template)]
#[template(path = "agencies.html")]
struct AgenciesPage {
    ctx: PageCtx,
    rows: Vec<AgencyRow>,
}

/// The agencies the caller may see, in tree order.
pub async fn visible_agencies(
    state: &AppState,
    user: &CurrentUser,
) -> Result<Vec<Agency>, AppError> {
    Ok(agency::all(&state.db)
        .await?
        .into_iter()
        .filter(|a| user.can_see(a))
        .collect())
}

pub async fn index(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    user.require(Permission::ViewRegistry)?;
    let officers = registry::officer_counts(&state.db).await?;
    let rows = visible_agencies(&state, &user)
        .await?
        .into_iter()
        .map(|a| AgencyRow {
            officers: officers.get(&a.id).copied().unwrap_or(0),
            name: a.name(lang.code()).to_string(),
            kind_key: format!("agency_kind.{}", a.kind),
            depth: a.path.matches('/').count().saturating_sub(1),
            code: a.code,
        })
        .collect();
    render(&AgenciesPage {
        ctx: PageCtx::new(lang, Some(&user), "/agencies"),
        rows,
    })
}

#[derive(Template)]
#[template(path = "agency.html")]
struct AgencyPage {
    ctx: PageCtx,
    code: String,
    name: String,
    kind_key: String,
    division_code: String,
    counts: ListCounts,
    officers: Vec<Officer>,
    today: NaiveDate,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    user.require(Permission::ViewRegistry)?;
    let agency = agency::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    if !user.can_see(&agency) {
        return Err(AppError::Forbidden);
    }
    let officers = registry::officers_of(&state.db, agency.id).await?;
    let counts = registry::counts_of(&state.db, agency.id).await?;
    let path = format!("/agencies/{}", super::urlencode(&agency.code));
    render(&AgencyPage {
        ctx: PageCtx::new(lang, Some(&user), &path),
        name: agency.name(lang.code()).to_string(),
        kind_key: format!("agency_kind.{}", agency.kind),
        division_code: agency.division_code.clone(),
        code: agency.code,
        counts,
        officers,
        today: state.config.today(),
    })
}
