//! Firms (污染源): search, filter and page through the list of the caller's jurisdiction; one
//! firm with its history.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use spotcheck_core::division::{urumqi_name, DivisionCode};
use spotcheck_core::industry::{IndustryCode, IndustryTable};
use spotcheck_core::role::Permission;
use spotcheck_store::agency;
use spotcheck_store::firms::{self, Firm, FirmQuery};
use spotcheck_store::history::{self, Version};

use super::{render, urlencode, PageCtx};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::AppState;

const PAGE_SIZE: i64 = 50;

/// A firm as a row of the list shows it, values already in the user's language.
pub struct FirmRow {
    pub id: i64,
    pub credit_code: String,
    pub name: String,
    pub address: String,
    pub district: String,
    pub industry: String,
    pub category: String,
    pub status: String,
    pub lon: String,
    pub lat: String,
    pub key_directory_year: String,
}

impl FirmRow {
    pub fn new(f: Firm, t: &Tr) -> Self {
        let district = DivisionCode::parse(&f.division_code)
            .ok()
            .and_then(|d| urumqi_name(&d))
            .map(|(zh, en)| if t.lang == Lang::En { en } else { zh }.to_string())
            .unwrap_or_else(|| f.division_code.clone());
        let industry_name = IndustryCode::parse(&f.industry_code).ok().and_then(|c| {
            IndustryTable::gbt4754_2017()
                .division_name(&c)
                .map(str::to_string)
        });
        FirmRow {
            id: f.id,
            industry: match industry_name {
                Some(n) => format!("{} {}", f.industry_code, n),
                None => f.industry_code.clone(),
            },
            category: t.get(category_key(&f.category)).to_string(),
            status: t.get(status_key(&f.status)).to_string(),
            lon: f.lon.map(|v| format!("{v:.5}")).unwrap_or_default(),
            lat: f.lat.map(|v| format!("{v:.5}")).unwrap_or_default(),
            key_directory_year: f
                .key_directory_year
                .map(|y| y.to_string())
                .unwrap_or_default(),
            credit_code: f.credit_code,
            name: f.name,
            address: f.address,
            district,
        }
    }
}

fn category_key(category: &str) -> &'static str {
    match category {
        "key" => "firm.category_key",
        _ => "firm.category_general",
    }
}

fn status_key(status: &str) -> &'static str {
    match status {
        "closed" => "firm.status_closed",
        _ => "firm.status_active",
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    agency: String,
    after: Option<i64>,
}

/// An agency the filter offers.
struct AgencyChoice {
    code: String,
    name: String,
}

#[derive(Template)]
#[template(path = "firms.html")]
struct FirmsPage {
    ctx: PageCtx,
    rows: Vec<FirmRow>,
    q: String,
    category: String,
    status: String,
    agency: String,
    agencies: Vec<AgencyChoice>,
    next_href: Option<String>,
}

fn optional(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

pub async fn index(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    user.require(Permission::ViewRegistry)?;
    let t = Tr::new(lang);
    let visible = super::visible_agencies(&state, &user).await?;
    let agency_path = match optional(&query.agency) {
        Some(code) => {
            let a = visible
                .iter()
                .find(|a| a.code == code)
                .ok_or(AppError::Forbidden)?;
            Some(a.path.clone())
        }
        None => None,
    };
    let page = firms::search(
        &state.db,
        &FirmQuery {
            scope_path: user.scope_path().to_string(),
            agency_path,
            category: optional(&query.category).filter(|c| c == "key" || c == "general"),
            status: optional(&query.status).filter(|s| s == "active" || s == "closed"),
            text: optional(&query.q),
            after_id: query.after,
            limit: PAGE_SIZE,
        },
    )
    .await?;
    let filter = format!(
        "q={}&category={}&status={}&agency={}",
        urlencode(&query.q),
        urlencode(&query.category),
        urlencode(&query.status),
        urlencode(&query.agency)
    );
    let next_href = page
        .next_after
        .map(|a| format!("/firms?{filter}&after={a}"));
    let agencies = visible
        .into_iter()
        .filter(|a| a.kind().is_some_and(|k| k.is_jurisdiction()))
        .map(|a| AgencyChoice {
            name: a.name(lang.code()).to_string(),
            code: a.code,
        })
        .collect();
    render(&FirmsPage {
        ctx: PageCtx::new(lang, Some(&user), &format!("/firms?{filter}")),
        rows: page
            .items
            .into_iter()
            .map(|f| FirmRow::new(f, &t))
            .collect(),
        q: query.q,
        category: query.category,
        status: query.status,
        agency: query.agency,
        agencies,
        next_href,
    })
}

#[derive(Template)]
#[template(path = "firm.html")]
struct FirmPage {
    ctx: PageCtx,
    firm: FirmRow,
    agency_name: String,
    versions: Vec<Version>,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    user.require(Permission::ViewRegistry)?;
    let firm = firms::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let owner = agency::by_id(&state.db, firm.agency_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !user.can_see(&owner) {
        return Err(AppError::Forbidden);
    }
    let mut versions = history::of_record(&state.db, "firms", firm.id).await?;
    versions.reverse();
    let t = Tr::new(lang);
    render(&FirmPage {
        ctx: PageCtx::new(lang, Some(&user), &format!("/firms/{id}")),
        agency_name: owner.name(lang.code()).to_string(),
        firm: FirmRow::new(firm, &t),
        versions,
    })
}
