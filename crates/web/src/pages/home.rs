//! The home page: who you are, your agency's lists, and the coming deadlines of RULES.md's
//! calendar (computed from the rules configuration, never hard-coded dates).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::Extension;
use chrono::{Days, NaiveDate};
use spotcheck_core::calendar::{self, DutyKind, DutyStatus};
use spotcheck_core::period::{Quarter, Year};
use spotcheck_core::role::Permission;
use spotcheck_store::draws::{self, PlanKind};
use spotcheck_store::registry::{self, ListCounts};

use super::{render, visible_agencies, PageCtx};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::AppState;

/// How far ahead the dashboard looks.
const HORIZON_DAYS: u64 = 60;

/// One coming deadline as the dashboard shows it.
struct DeadlineRow {
    duty_key: String,
    period: String,
    due: NaiveDate,
    days_left: i64,
    rules: String,
}

/// A plan of an agency in the jurisdiction that is due soon or overdue and not drawn.
struct PlanDue {
    agency: String,
    kind_key: String,
    period: String,
    due: NaiveDate,
    overdue: bool,
    /// The plan's page once created; otherwise the plans page creates it.
    href: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: PageCtx,
    agency_code: String,
    counts: ListCounts,
    deadlines: Vec<DeadlineRow>,
    plans: Vec<PlanDue>,
    /// The caller's agency's duties with where each stands (a branch or the detachment).
    duties: Vec<super::reports::DutyView>,
    /// The newest deadline reminders of the caller's agency, written by the reminder job.
    reminders: Vec<ReminderView>,
}

/// A reminder with the message keys of its duty and state.
struct ReminderView {
    reminder: spotcheck_store::jobs::Reminder,
    duty_key: String,
    status_key: String,
}

/// The jurisdiction's plans not drawn yet that fall due within the horizon or are overdue while
/// their period still runs (R-DRAW-KEY-1, R-DRAW-SPC-1, R-DRAW-GEN-1).
async fn plans_due(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    today: NaiveDate,
) -> Result<Vec<PlanDue>, AppError> {
    let until = today
        .checked_add_days(Days::new(HORIZON_DAYS))
        .unwrap_or(today);
    let states = draws::plan_states(&state.db, user.scope_path()).await?;
    let mut out = Vec::new();
    let agencies = visible_agencies(state, user).await?;
    for agency in agencies
        .iter()
        .filter(|a| a.kind().is_some_and(|k| k.is_jurisdiction()))
    {
        let mut years = vec![Year::containing(today)];
        if Year::containing(until) != years[0] {
            years.push(Year::containing(until));
        }
        for year in years {
            for (kind, period, due) in draws::plans_due(year, &state.config.rules) {
                let ends = match kind {
                    PlanKind::General => year.last_day(),
                    _ => Quarter::parse(&period).map(|q| q.last_day()).unwrap_or(due),
                };
                let plan = states
                    .iter()
                    .find(|s| s.0 == agency.id && s.1 == kind.as_str() && s.2 == period);
                let drawn = plan.is_some_and(|s| s.4);
                let relevant = due <= until && ends >= today;
                if drawn || !relevant {
                    continue;
                }
                out.push(PlanDue {
                    agency: agency.name(lang.code()).to_string(),
                    kind_key: format!("plan.kind_{}", kind.as_str()),
                    period,
                    due,
                    overdue: due < today,
                    href: plan.map_or_else(|| "/plans".to_string(), |s| format!("/plans/{}", s.3)),
                });
            }
        }
    }
    out.sort_by_key(|p| p.due);
    Ok(out)
}

/// The rules' deadlines of the coming days; for an agency with a calendar of its own (`open`:
/// the kind and period of its duties not done), only those: not what it has done, nor a
/// disclosure of a quarter it drew nothing in.
fn coming_deadlines(
    state: &AppState,
    today: NaiveDate,
    open: Option<&[(DutyKind, String)]>,
) -> Vec<DeadlineRow> {
    let until = today
        .checked_add_days(Days::new(HORIZON_DAYS))
        .unwrap_or(today);
    calendar::duties_between(&state.config.rules, today, until)
        .into_iter()
        .filter(|(duty, _)| {
            open.is_none_or(|open| {
                open.iter()
                    .any(|(kind, period)| *kind == duty.kind() && *period == duty.period_label())
            })
        })
        .map(|(duty, due)| DeadlineRow {
            duty_key: format!("duty.{}", duty.kind().as_str()),
            period: duty.period_label(),
            due,
            days_left: (due - today).num_days(),
            rules: duty.kind().rule_ids().join(", "),
        })
        .collect()
}

pub async fn show(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let counts = registry::counts_of(&state.db, user.agency.id).await?;
    let today = state.config.today();
    let plans = if user.role.may(Permission::ViewRegistry) {
        plans_due(&state, &user, lang, today).await?
    } else {
        Vec::new()
    };
    let jurisdiction = user.agency.kind().is_some_and(|k| k.is_jurisdiction());
    let duties: Vec<_> = if jurisdiction {
        super::reports::calendar_of(&state, &user.agency, today)
            .await?
            .into_iter()
            .filter(|d| !matches!(d.row.status, DutyStatus::Done | DutyStatus::DoneLate))
            .collect()
    } else {
        Vec::new()
    };
    let open: Option<Vec<(DutyKind, String)>> = jurisdiction.then(|| {
        duties
            .iter()
            .map(|d| (d.row.kind, d.row.period.clone()))
            .collect()
    });
    let reminders = spotcheck_store::jobs::reminders_of(&state.db, user.agency.id, 5)
        .await?
        .into_iter()
        .map(|r| ReminderView {
            duty_key: format!("duty.{}", r.duty),
            status_key: format!("duty_status.{}", r.status),
            reminder: r,
        })
        .collect();
    render(&HomePage {
        plans,
        duties,
        reminders,
        ctx: PageCtx::new(lang, Some(&user), "/"),
        agency_code: user.agency.code.clone(),
        counts,
        deadlines: coming_deadlines(&state, today, open.as_deref()),
    })
}
