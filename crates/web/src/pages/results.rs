//! The results detail (附表2 污染源日常监管随机抽查结果明细, R-REP-2): every drawn task of an agency
//! and period with what its check found and how it was handled, on screen and as .xlsx.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Extension;
use chrono::NaiveDate;
use serde::Deserialize;
use spotcheck_core::period::{Quarter, Year};
use spotcheck_core::role::Permission;
use spotcheck_store::export;
use spotcheck_store::inspections::{self, ResultRow};
use spotcheck_tabular::{Cell, Format};

use super::{render, urlencode, visible_agencies, PageCtx};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::AppState;

#[derive(Deserialize)]
pub struct ResultsQuery {
    agency: Option<String>,
    /// `2026Q2` or `2026`; the current quarter by default.
    period: Option<String>,
}

/// The agency path, its name and the period's first and last day asked for.
struct Selection {
    path: String,
    agency_code: String,
    agency_name: String,
    period: String,
    from: NaiveDate,
    to: NaiveDate,
}

async fn select(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    q: &ResultsQuery,
) -> Result<Selection, AppError> {
    user.require(Permission::ViewRegistry)?;
    let today = state.config.today();
    let period = q
        .period
        .clone()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| Quarter::containing(today).to_string());
    let (from, to) = match (Quarter::parse(&period), Year::parse(&period)) {
        (Ok(q), _) => (q.first_day(), q.last_day()),
        (_, Ok(y)) => (y.first_day(), y.last_day()),
        _ => return Err(AppError::BadRequest("plan.bad_period")),
    };
    let (path, agency_code, agency_name) = match q.agency.as_deref().filter(|c| !c.is_empty()) {
        Some(code) => {
            let agency = visible_agencies(state, user)
                .await?
                .into_iter()
                .find(|a| a.code == code)
                .ok_or(AppError::NotFound)?;
            let name = agency.name(lang.code()).to_string();
            (agency.path, agency.code, name)
        }
        None => (
            user.scope_path().to_string(),
            String::new(),
            Tr::new(lang).get("results.all_agencies").to_string(),
        ),
    };
    Ok(Selection {
        path,
        agency_code,
        agency_name,
        period,
        from,
        to,
    })
}

/// A row with every cell as the user reads it.
struct Line {
    task_id: i64,
    inspection_id: Option<i64>,
    cells: Vec<String>,
    result_class: &'static str,
}

/// The column headers' translation keys, in the order of the paper table.
const COLUMNS: [&str; 13] = [
    "results.firm",
    "firm.credit_code",
    "results.category",
    "results.plan",
    "plan.label",
    "results.officers",
    "results.checked_on",
    "results.result",
    "results.problems",
    "results.measures",
    "results.documents",
    "results.rectification",
    "tasks.status",
];

fn cells(t: &Tr, r: &ResultRow) -> Vec<String> {
    let officers: Vec<String> = r
        .officers
        .iter()
        .map(|o| {
            if o.name.is_empty() {
                o.certificate_no.clone()
            } else {
                format!("{}（{}）", o.name, o.certificate_no)
            }
        })
        .collect();
    let measures: Vec<String> = r
        .measures
        .iter()
        .map(|m| t.get(&format!("insp.measure.{}", m.as_str())).to_string())
        .collect();
    let documents: Vec<String> = r
        .orders_to_correct
        .iter()
        .chain(r.cases_filed.iter())
        .cloned()
        .collect();
    vec![
        r.firm_name.clone(),
        r.credit_code.clone(),
        t.get(&format!("results.category_{}", r.firm_category))
            .to_string(),
        format!(
            "{} {}",
            t.get(&format!("plan.kind_{}", r.plan_kind)),
            r.plan_period
        ),
        r.draw_label.clone(),
        t.list(&officers),
        r.checked_on.map(|d| d.to_string()).unwrap_or_default(),
        t.get(&format!("results.result_{}", r.result.as_str()))
            .to_string(),
        r.problems.clone(),
        t.list(&measures),
        t.list(&documents),
        r.rectification
            .as_deref()
            .map(|s| t.get(&format!("results.rectification_{s}")).to_string())
            .unwrap_or_default(),
        t.get(&format!("tasks.status_{}", r.task_status))
            .to_string(),
    ]
}

#[derive(Template)]
#[template(path = "results.html")]
struct ResultsPage {
    ctx: PageCtx,
    agencies: Vec<(String, String)>,
    agency_code: String,
    agency_name: String,
    period: String,
    headers: Vec<&'static str>,
    lines: Vec<Line>,
    checked: usize,
    violations: usize,
    xlsx_href: String,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Query(q): Query<ResultsQuery>,
) -> Result<Response, AppError> {
    let s = select(&state, &user, lang, &q).await?;
    let rows = inspections::results_detail(&state.db, &s.path, s.from, s.to).await?;
    let t = Tr::new(lang);
    let lines: Vec<Line> = rows
        .iter()
        .map(|r| Line {
            task_id: r.task_id,
            inspection_id: r.inspection_id,
            cells: cells(&t, r),
            result_class: match r.result.as_str() {
                "violation" => "error",
                "compliant" => "ok",
                _ => "muted",
            },
        })
        .collect();
    let agencies = visible_agencies(&state, &user)
        .await?
        .into_iter()
        .filter(|a| a.kind().is_some_and(|k| k.is_jurisdiction()))
        .map(|a| (a.code.clone(), a.name(lang.code()).to_string()))
        .collect();
    render(&ResultsPage {
        ctx: PageCtx::new(lang, Some(&user), "/results"),
        agencies,
        xlsx_href: format!(
            "/results.xlsx?agency={}&period={}",
            urlencode(&s.agency_code),
            urlencode(&s.period)
        ),
        checked: rows
            .iter()
            .filter(|r| r.result.as_str() != "not_checked")
            .count(),
        violations: rows
            .iter()
            .filter(|r| r.result.as_str() == "violation")
            .count(),
        agency_code: s.agency_code,
        agency_name: s.agency_name,
        period: s.period,
        headers: COLUMNS.to_vec(),
        lines,
    })
}

/// The same table as an .xlsx file, the form the brigades send to the legal section (R-REP-2).
pub async fn xlsx(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Query(q): Query<ResultsQuery>,
) -> Result<Response, AppError> {
    let s = select(&state, &user, lang, &q).await?;
    let rows = inspections::results_detail(&state.db, &s.path, s.from, s.to).await?;
    let t = Tr::new(lang);
    let mut headers: Vec<&str> = vec![t.get("results.number")];
    headers.extend(COLUMNS.iter().map(|k| t.get(k)));
    let table: Vec<Vec<Cell>> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            std::iter::once(Cell::Integer(i as i64 + 1))
                .chain(cells(&t, r).into_iter().map(Cell::Text))
                .collect()
        })
        .collect();
    let bytes = export::table(Format::Xlsx, t.get("results.sheet"), &headers, table)?;
    let name = format!("{}-{}-{}", t.get("results.file"), s.agency_name, s.period);
    Ok(super::download(bytes, Format::Xlsx, &name))
}
