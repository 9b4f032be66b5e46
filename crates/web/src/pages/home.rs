//! The home page: who you are, your agency's lists, and the coming deadlines of RULES.md's
//! calendar (computed from the rules configuration, never hard-coded dates).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::Extension;
use chrono::{Days, NaiveDate};
use spotcheck_core::calendar;
use spotcheck_store::registry::{self, ListCounts};

use super::{render, PageCtx};
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

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: PageCtx,
    agency_code: String,
    counts: ListCounts,
    deadlines: Vec<DeadlineRow>,
}

fn coming_deadlines(state: &AppState, today: NaiveDate) -> Vec<DeadlineRow> {
    let until = today
        .checked_add_days(Days::new(HORIZON_DAYS))
        .unwrap_or(today);
    calendar::duties_between(&state.config.rules, today, until)
        .into_iter()
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
    let today = (state.config.clock)().date_naive();
    render(&HomePage {
        ctx: PageCtx::new(lang, Some(&user), "/"),
        agency_code: user.agency.code.clone(),
        counts,
        deadlines: coming_deadlines(&state, today),
    })
}
