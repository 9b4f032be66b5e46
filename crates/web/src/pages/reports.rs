//! Reports and supervision in the browser (R-REP-1, R-REP-2, R-SUP-1): each agency's calendar of
//! duties with where each stands, the monthly report, the quarterly pack for the legal section,
//! and the city's supervision dashboard with its notes.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::{Extension, Form};
use chrono::{Days, NaiveDate};
use serde::Deserialize;
use spotcheck_core::calendar::Duty;
use spotcheck_core::period::{Month, Quarter};
use spotcheck_core::role::Permission;
use spotcheck_store::agency::Agency;
use spotcheck_store::reports::{self, DutyRow, MonthlyFigures, Note, ReportKind, Supervision};
use spotcheck_store::{export, inspections};
use spotcheck_tabular::{Cell, Format};

use super::{render, urlencode, visible_agencies, PageCtx};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::AppState;

/// How far back and ahead the calendar looks from today.
const CALENDAR_BACK_DAYS: u64 = 45;
const CALENDAR_AHEAD_DAYS: u64 = 60;

#[derive(Deserialize)]
pub struct AgencyQuery {
    agency: Option<String>,
    period: Option<String>,
}

/// The jurisdictions (branches, the detachment) the caller sees, in tree order.
async fn jurisdictions(state: &AppState, user: &CurrentUser) -> Result<Vec<Agency>, AppError> {
    Ok(visible_agencies(state, user)
        .await?
        .into_iter()
        .filter(|a| a.kind().is_some_and(|k| k.is_jurisdiction()))
        .collect())
}

/// The agency asked for (`?agency=`), else the caller's own, else the first jurisdiction seen.
async fn chosen(
    state: &AppState,
    user: &CurrentUser,
    code: Option<&str>,
) -> Result<Agency, AppError> {
    let all = jurisdictions(state, user).await?;
    let found = match code.filter(|c| !c.is_empty()) {
        Some(code) => all.into_iter().find(|a| a.code == code),
        None => {
            let own = all.iter().position(|a| a.id == user.agency.id).unwrap_or(0);
            all.into_iter().nth(own)
        }
    };
    found.ok_or(AppError::NotFound)
}

fn options(agencies: &[Agency], lang: Lang) -> Vec<(String, String)> {
    agencies
        .iter()
        .map(|a| (a.code.clone(), a.name(lang.code()).to_string()))
        .collect()
}

/// A calendar line as the page shows it.
pub struct DutyView {
    pub duty_key: String,
    pub status_key: String,
    pub status_class: &'static str,
    pub row: DutyRow,
}

pub fn duty_views(rows: Vec<DutyRow>) -> Vec<DutyView> {
    rows.into_iter()
        .map(|row| DutyView {
            duty_key: format!("duty.{}", row.kind.as_str()),
            status_key: format!("duty_status.{}", row.status.as_str()),
            status_class: match row.status.as_str() {
                "done" => "ok",
                "overdue" | "done_late" => "error",
                "due_soon" => "warn",
                _ => "muted",
            },
            row,
        })
        .collect()
}

/// The calendar of `agency` around `today`.
pub async fn calendar_of(
    state: &AppState,
    agency: &Agency,
    today: NaiveDate,
) -> Result<Vec<DutyView>, AppError> {
    let from = today
        .checked_sub_days(Days::new(CALENDAR_BACK_DAYS))
        .unwrap_or(today);
    let to = today
        .checked_add_days(Days::new(CALENDAR_AHEAD_DAYS))
        .unwrap_or(today);
    let rows = reports::calendar(&state.db, agency, &state.config.rules, from, to, today).await?;
    Ok(duty_views(rows))
}

struct AgencyCalendar {
    name: String,
    code: String,
    duties: Vec<DutyView>,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    ctx: PageCtx,
    agencies: Vec<AgencyCalendar>,
}

/// Every duty of every agency the caller sees, with its status (R-SUP, R-REP calendar).
pub async fn calendar(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Query(q): Query<AgencyQuery>,
) -> Result<Response, AppError> {
    user.require(Permission::ViewRegistry)?;
    let today = state.config.today();
    let mut agencies = Vec::new();
    for a in jurisdictions(&state, &user).await? {
        if q.agency
            .as_deref()
            .is_some_and(|c| !c.is_empty() && c != a.code)
        {
            continue;
        }
        agencies.push(AgencyCalendar {
            duties: calendar_of(&state, &a, today).await?,
            name: a.name(lang.code()).to_string(),
            code: a.code,
        });
    }
    if agencies.is_empty() && q.agency.as_deref().is_some_and(|c| !c.is_empty()) {
        // An agency outside the caller's jurisdiction is not shown, not even as empty.
        return Err(AppError::NotFound);
    }
    render(&CalendarPage {
        ctx: PageCtx::new(lang, Some(&user), "/calendar"),
        agencies,
    })
}

// ---------------------------------------------------------------------------------------------
// The monthly report (R-REP-1).

#[derive(Template)]
#[template(path = "monthly.html")]
struct MonthlyPage {
    ctx: PageCtx,
    agencies: Vec<(String, String)>,
    agency_code: String,
    agency_name: String,
    month: String,
    due: NaiveDate,
    lines: Vec<(String, i64)>,
    submitted: Option<String>,
    can_submit: bool,
    xlsx_href: String,
}

/// The report's lines: (translation key or literal label, figure).
fn monthly_lines(t: &Tr, f: &MonthlyFigures) -> Vec<(String, i64)> {
    let mut lines = Vec::new();
    for kind in ["key", "special", "general"] {
        lines.push((
            format!(
                "{}: {}",
                t.get("monthly.draws"),
                t.get(&format!("plan.kind_{kind}"))
            ),
            f.draws.get(kind).copied().unwrap_or(0),
        ));
    }
    for category in ["key", "general"] {
        lines.push((
            format!(
                "{}: {}",
                t.get("monthly.firms_drawn"),
                t.get(&format!("results.category_{category}"))
            ),
            f.firms_drawn.get(category).copied().unwrap_or(0),
        ));
    }
    lines.push((t.get("monthly.tasks_done").to_string(), f.tasks_done));
    lines.push((
        t.get("monthly.tasks_outstanding").to_string(),
        f.tasks_outstanding,
    ));
    lines.push((
        t.get("monthly.problems_found").to_string(),
        f.problems_found,
    ));
    lines.push((t.get("monthly.cases_filed").to_string(), f.cases_filed));
    for kind in spotcheck_core::inspection::MeasureKind::ALL {
        lines.push((
            format!(
                "{}: {}",
                t.get("monthly.measures"),
                t.get(&format!("insp.measure.{}", kind.as_str()))
            ),
            f.measures.get(kind.as_str()).copied().unwrap_or(0),
        ));
    }
    lines
}

fn month_of(state: &AppState, q: &AgencyQuery) -> Result<Month, AppError> {
    match q.period.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => Month::parse(p).map_err(|_| AppError::BadRequest("monthly.bad_month")),
        None => {
            // The month whose report is due next: the previous one until its due date passes.
            let today = state.config.today();
            Ok(Month::containing(today)
                .prev()
                .unwrap_or(Month::containing(today)))
        }
    }
}

pub async fn monthly(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Query(q): Query<AgencyQuery>,
) -> Result<Response, AppError> {
    user.require(Permission::ViewRegistry)?;
    let agency = chosen(&state, &user, q.agency.as_deref()).await?;
    let month = month_of(&state, &q)?;
    let figures = reports::monthly(&state.db, &agency.path, month).await?;
    let t = Tr::new(lang);
    let submitted = reports::submissions(
        &state.db,
        &agency.path,
        ReportKind::Monthly,
        &month.to_string(),
    )
    .await?
    .into_iter()
    .find(|s| s.agency_id == agency.id)
    .map(|s| {
        format!(
            "{} · {} · SHA-256 {}",
            s.submitted_at.format("%Y-%m-%d %H:%M"),
            s.submitted_by,
            s.content_sha256
        )
    });
    render(&MonthlyPage {
        ctx: PageCtx::new(lang, Some(&user), "/reports/monthly"),
        agencies: options(&jurisdictions(&state, &user).await?, lang),
        xlsx_href: format!(
            "/reports/monthly.xlsx?agency={}&period={month}",
            urlencode(&agency.code)
        ),
        can_submit: user.role.may(Permission::EditRegistry) && user.can_see(&agency),
        due: Duty::MonthlyReport(month).due_date(&state.config.rules),
        lines: monthly_lines(&t, &figures),
        agency_code: agency.code.clone(),
        agency_name: agency.name(lang.code()).to_string(),
        month: month.to_string(),
        submitted,
    })
}

/// The monthly report as an .xlsx file.
pub async fn monthly_xlsx(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Query(q): Query<AgencyQuery>,
) -> Result<Response, AppError> {
    user.require(Permission::ViewRegistry)?;
    let agency = chosen(&state, &user, q.agency.as_deref()).await?;
    let month = month_of(&state, &q)?;
    let figures = reports::monthly(&state.db, &agency.path, month).await?;
    let t = Tr::new(lang);
    let rows = monthly_lines(&t, &figures)
        .into_iter()
        .map(|(label, n)| vec![Cell::Text(label), Cell::Integer(n)])
        .collect();
    let headers = [t.get("monthly.item"), t.get("monthly.figure")];
    let bytes = export::table(Format::Xlsx, t.get("monthly.title"), &headers, rows)?;
    let name = format!(
        "{}-{}-{month}",
        t.get("monthly.file"),
        agency.name(lang.code())
    );
    Ok(super::download(bytes, Format::Xlsx, &name))
}

#[derive(Deserialize)]
pub struct SubmitForm {
    csrf: String,
    agency: String,
    period: String,
}

/// Marks the report sent, keeping the figures as sent (R-REP-1) or the pack's list (R-REP-2).
pub async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(kind): Path<String>,
    Form(f): Form<SubmitForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    user.require(Permission::EditRegistry)?;
    let agency = chosen(&state, &user, Some(&f.agency)).await?;
    let (kind, content, back) = match kind.as_str() {
        "monthly" => {
            let month =
                Month::parse(&f.period).map_err(|_| AppError::BadRequest("monthly.bad_month"))?;
            let figures = reports::monthly(&state.db, &agency.path, month).await?;
            (
                ReportKind::Monthly,
                serde_json::to_value(&figures)
                    .map_err(|_| AppError::BadRequest("monthly.bad_month"))?,
                "/reports/monthly",
            )
        }
        "pack" => {
            let quarter =
                Quarter::parse(&f.period).map_err(|_| AppError::BadRequest("plan.bad_period"))?;
            let rows = inspections::results_detail(
                &state.db,
                &agency.path,
                quarter.first_day(),
                quarter.last_day(),
            )
            .await?;
            let forms: Vec<i64> = rows.iter().filter_map(|r| r.inspection_id).collect();
            (
                ReportKind::QuarterPack,
                serde_json::json!({ "tasks": rows.len(), "forms": forms }),
                "/reports/pack",
            )
        }
        _ => return Err(AppError::NotFound),
    };
    reports::submit(
        &state.db,
        &user.account.username,
        &agency,
        kind,
        &f.period,
        &content,
    )
    .await?;
    Ok(super::see_other(format!(
        "{back}?agency={}&period={}",
        urlencode(&agency.code),
        urlencode(&f.period)
    )))
}

// ---------------------------------------------------------------------------------------------
// The quarterly pack (R-REP-2).

struct Arrival {
    name: String,
    submitted: Option<String>,
    late: bool,
}

#[derive(Template)]
#[template(path = "pack.html")]
struct PackPage {
    ctx: PageCtx,
    agencies: Vec<(String, String)>,
    agency_code: String,
    agency_name: String,
    quarter: String,
    due: NaiveDate,
    tasks: usize,
    forms: Vec<(i64, String)>,
    /// Whether the caller may print the forms (`inspections::pack_forms`).
    can_print_forms: bool,
    can_submit: bool,
    submitted: Option<String>,
    /// What the legal section sees: every branch's pack, arrived or late.
    arrivals: Vec<Arrival>,
    xlsx_href: String,
}

fn quarter_of(state: &AppState, q: &AgencyQuery) -> Result<Quarter, AppError> {
    match q.period.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => Quarter::parse(p).map_err(|_| AppError::BadRequest("plan.bad_period")),
        None => Ok(reports::pack_quarter(state.config.today())),
    }
}

pub async fn pack(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Query(q): Query<AgencyQuery>,
) -> Result<Response, AppError> {
    user.require(Permission::ViewRegistry)?;
    let agency = chosen(&state, &user, q.agency.as_deref()).await?;
    let quarter = quarter_of(&state, &q)?;
    let today = state.config.today();
    let due = Duty::QuarterForms(quarter).due_date(&state.config.rules);
    let rows = inspections::results_detail(
        &state.db,
        &agency.path,
        quarter.first_day(),
        quarter.last_day(),
    )
    .await?;
    let forms = rows
        .iter()
        .filter_map(|r| r.inspection_id.map(|id| (id, r.firm_name.clone())))
        .collect();
    let period = quarter.to_string();
    let sent = reports::submissions(
        &state.db,
        user.scope_path(),
        ReportKind::QuarterPack,
        &period,
    )
    .await?;
    let describe = |s: &reports::Submission| {
        format!(
            "{} · {}",
            s.submitted_at.format("%Y-%m-%d %H:%M"),
            s.submitted_by
        )
    };
    let all = jurisdictions(&state, &user).await?;
    let arrivals = if user.role.is_city_wide() {
        all.iter()
            .map(|a| {
                let s = sent.iter().find(|s| s.agency_id == a.id);
                Arrival {
                    name: a.name(lang.code()).to_string(),
                    late: s.map_or(today > due, |s| {
                        state.config.rules.day_of(s.submitted_at) > due
                    }),
                    submitted: s.map(describe),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    render(&PackPage {
        ctx: PageCtx::new(lang, Some(&user), "/reports/pack"),
        agencies: options(&all, lang),
        xlsx_href: format!(
            "/results.xlsx?agency={}&period={period}",
            urlencode(&agency.code)
        ),
        submitted: sent.iter().find(|s| s.agency_id == agency.id).map(describe),
        can_print_forms: user.role.may(Permission::ReviewInspections),
        can_submit: user.role.may(Permission::EditRegistry) && user.can_see(&agency),
        agency_code: agency.code.clone(),
        agency_name: agency.name(lang.code()).to_string(),
        quarter: period,
        due,
        tasks: rows.len(),
        forms,
        arrivals,
    })
}

// ---------------------------------------------------------------------------------------------
// Supervision (R-SUP-1).

struct SupervisionRow {
    code: String,
    name: String,
    s: Supervision,
    key_percent: i64,
    done_percent: i64,
}

struct NoteView {
    note: Note,
    agency: String,
    follow_ups: Vec<reports::FollowUp>,
}

#[derive(Template)]
#[template(path = "supervision.html")]
struct SupervisionPage {
    ctx: PageCtx,
    rows: Vec<SupervisionRow>,
    chart: String,
    notes: Vec<NoteView>,
    agencies: Vec<(String, String)>,
    can_open: bool,
}

fn percent(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        0
    } else {
        part * 100 / whole
    }
}

/// Two bars per agency (key-unit coverage and task completion, in percent), drawn as plain SVG
/// on the server; text is escaped by the template.
fn bar_chart(t: &Tr, rows: &[SupervisionRow]) -> String {
    let row_height = 34;
    let label_width = 150;
    let bar_width = 300;
    let height = rows.len() * row_height + 30;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {height}\" width=\"100%\" role=\"img\" aria-label=\"{title}\">",
        w = label_width + bar_width + 60,
        title = escape(t.get("supervision.chart")),
    );
    for (i, r) in rows.iter().enumerate() {
        let y = i * row_height + 4;
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{}\" font-size=\"12\">{}</text>",
            y + 14,
            escape(&r.name)
        ));
        for (j, (value, color)) in [(r.key_percent, "#2f6f4f"), (r.done_percent, "#c48a1a")]
            .into_iter()
            .enumerate()
        {
            let width = bar_width as i64 * value.clamp(0, 100) / 100;
            let by = y + j * 13;
            svg.push_str(&format!(
                "<rect x=\"{label_width}\" y=\"{by}\" width=\"{width}\" height=\"11\" fill=\"{color}\"/>\
                 <text x=\"{}\" y=\"{}\" font-size=\"10\">{value}%</text>",
                label_width as i64 + width + 4,
                by + 10
            ));
        }
    }
    let legend_y = rows.len() * row_height + 20;
    svg.push_str(&format!(
        "<rect x=\"0\" y=\"{}\" width=\"10\" height=\"10\" fill=\"#2f6f4f\"/><text x=\"14\" y=\"{legend_y}\" font-size=\"11\">{}</text>\
         <rect x=\"200\" y=\"{}\" width=\"10\" height=\"10\" fill=\"#c48a1a\"/><text x=\"214\" y=\"{legend_y}\" font-size=\"11\">{}</text>",
        legend_y - 9,
        escape(t.get("supervision.key_coverage")),
        legend_y - 9,
        escape(t.get("supervision.task_completion")),
    ));
    svg.push_str("</svg>");
    svg
}

/// Escapes text for SVG markup built on the server.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The city's view of every agency (R-SUP-1); a district sees its own line.
pub async fn supervision(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    user.require(Permission::ViewRegistry)?;
    let today = state.config.today();
    let all = jurisdictions(&state, &user).await?;
    let mut rows = Vec::new();
    for a in all
        .iter()
        .filter(|a| a.parent_id.is_some() || all.len() == 1)
    {
        let s = reports::supervision(&state.db, a, &state.config.rules, today).await?;
        rows.push(SupervisionRow {
            code: a.code.clone(),
            name: a.name(lang.code()).to_string(),
            key_percent: percent(s.key_covered, s.key_units),
            done_percent: percent(s.tasks_done, s.tasks),
            s,
        });
    }
    let t = Tr::new(lang);
    let mut notes = Vec::new();
    for note in reports::notes(&state.db, user.scope_path()).await? {
        notes.push(NoteView {
            agency: all
                .iter()
                .find(|a| a.id == note.agency_id)
                .map(|a| a.name(lang.code()).to_string())
                .unwrap_or_default(),
            follow_ups: reports::follow_ups(&state.db, note.id).await?,
            note,
        });
    }
    render(&SupervisionPage {
        ctx: PageCtx::new(lang, Some(&user), "/supervision"),
        chart: bar_chart(&t, &rows),
        rows,
        notes,
        agencies: options(&all, lang),
        can_open: user.role.is_city_wide() && user.role.may(Permission::RunDraws),
    })
}

#[derive(Deserialize)]
pub struct NoteForm {
    csrf: String,
    agency: String,
    subject: String,
    body: String,
    due_on: String,
}

/// The city records a supervision note against an agency.
pub async fn open_note(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<NoteForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    if !(user.role.is_city_wide() && user.role.may(Permission::RunDraws)) {
        return Err(AppError::Forbidden);
    }
    let agency = chosen(&state, &user, Some(&f.agency)).await?;
    let due: NaiveDate = f
        .due_on
        .parse()
        .map_err(|_| AppError::BadRequest("supervision.bad_date"))?;
    if f.subject.trim().is_empty() {
        return Err(AppError::BadRequest("supervision.no_subject"));
    }
    reports::open_note(
        &state.db,
        &user.account.username,
        &agency,
        &f.subject,
        &f.body,
        due,
    )
    .await?;
    Ok(super::see_other("/supervision"))
}

#[derive(Deserialize)]
pub struct FollowUpForm {
    csrf: String,
    body: String,
    #[serde(default)]
    close: String,
}

/// A follow-up on a note by the agency or the city; the city closes it.
pub async fn follow_up(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<FollowUpForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    user.require(Permission::EditRegistry)?;
    if f.body.trim().is_empty() {
        return Err(AppError::BadRequest("supervision.no_follow_up"));
    }
    let close = !f.close.is_empty() && user.role.is_city_wide();
    if !reports::follow_up(
        &state.db,
        &user.account.username,
        user.scope_path(),
        id,
        &f.body,
        close,
    )
    .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(super::see_other("/supervision"))
}
