//! The duty calendar (工作日历): what is due when, computed from an agency's [`RulesConfig`] and
//! a period (RULES.md, "Calendar"). Due dates are inclusive: "by the 25th" means the 25th is
//! still on time; "within 3 days after the quarter ends" means the quarter's last day plus 3.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::period::{date_clamped, DrawPeriod, Month, Quarter, Year};
use crate::rules::RulesConfig;

/// A dated obligation of an agency (工作事项).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "period", rename_all = "snake_case")]
pub enum Duty {
    /// Draw and dispatch the key-unit tasks of the period (R-DRAW-KEY-1).
    KeyDraw(DrawPeriod),
    /// Draw and dispatch the special-source tasks of the period (R-DRAW-SPC-1).
    SpecialDraw(DrawPeriod),
    /// Draw and dispatch the year's general-unit tasks (R-DRAW-GEN-1).
    GeneralDraw(Year),
    /// File the quarter's complaint, penalty and other-problem lists (R-LIST-8, -9, -11).
    QuarterLists(Quarter),
    /// Send the monthly report of the month (R-REP-1).
    MonthlyReport(Month),
    /// Send the quarter's on-site forms and results detail (R-REP-2).
    QuarterForms(Quarter),
    /// Publish the quarter's checks and their handling (R-REP-3).
    Disclosure(Quarter),
}

/// The kind of a [`Duty`], without its period: for labels, filters and message keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DutyKind {
    KeyDraw,
    SpecialDraw,
    GeneralDraw,
    QuarterLists,
    MonthlyReport,
    QuarterForms,
    Disclosure,
}

impl DutyKind {
    pub const ALL: [DutyKind; 7] = [
        DutyKind::KeyDraw,
        DutyKind::SpecialDraw,
        DutyKind::GeneralDraw,
        DutyKind::QuarterLists,
        DutyKind::MonthlyReport,
        DutyKind::QuarterForms,
        DutyKind::Disclosure,
    ];

    /// The serialised name, also the message key (`duty.<name>`).
    pub fn as_str(self) -> &'static str {
        match self {
            DutyKind::KeyDraw => "key_draw",
            DutyKind::SpecialDraw => "special_draw",
            DutyKind::GeneralDraw => "general_draw",
            DutyKind::QuarterLists => "quarter_lists",
            DutyKind::MonthlyReport => "monthly_report",
            DutyKind::QuarterForms => "quarter_forms",
            DutyKind::Disclosure => "disclosure",
        }
    }

    pub fn parse(s: &str) -> Option<DutyKind> {
        DutyKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The rules of RULES.md that set the duty.
    pub fn rule_ids(self) -> &'static [&'static str] {
        match self {
            DutyKind::KeyDraw => &["R-DRAW-KEY-1"],
            DutyKind::SpecialDraw => &["R-DRAW-SPC-1"],
            DutyKind::GeneralDraw => &["R-DRAW-GEN-1"],
            DutyKind::QuarterLists => &["R-LIST-8", "R-LIST-9", "R-LIST-11"],
            DutyKind::MonthlyReport => &["R-REP-1"],
            DutyKind::QuarterForms => &["R-REP-2"],
            DutyKind::Disclosure => &["R-REP-3"],
        }
    }
}

impl Duty {
    pub fn kind(&self) -> DutyKind {
        match self {
            Duty::KeyDraw(_) => DutyKind::KeyDraw,
            Duty::SpecialDraw(_) => DutyKind::SpecialDraw,
            Duty::GeneralDraw(_) => DutyKind::GeneralDraw,
            Duty::QuarterLists(_) => DutyKind::QuarterLists,
            Duty::MonthlyReport(_) => DutyKind::MonthlyReport,
            Duty::QuarterForms(_) => DutyKind::QuarterForms,
            Duty::Disclosure(_) => DutyKind::Disclosure,
        }
    }

    /// The period the duty is about, as text (`2026Q2`, `2026-05`, `2027`).
    pub fn period_label(&self) -> String {
        match self {
            Duty::KeyDraw(p) | Duty::SpecialDraw(p) => p.to_string(),
            Duty::GeneralDraw(y) => y.to_string(),
            Duty::QuarterLists(q) | Duty::QuarterForms(q) | Duty::Disclosure(q) => q.to_string(),
            Duty::MonthlyReport(m) => m.to_string(),
        }
    }

    /// The last day on which the duty is done on time.
    ///
    /// Dates beyond the range of [`NaiveDate`] (only for the first or last years it can hold)
    /// saturate to its ends; a due day past a month's end (possible only in a configuration that
    /// fails [`RulesConfig::validate`]) falls on the month's last day.
    pub fn due_date(&self, config: &RulesConfig) -> NaiveDate {
        match *self {
            Duty::KeyDraw(period) => draw_due(period, config.key_draw_due_day),
            Duty::SpecialDraw(period) => draw_due(period, config.special_draw_due_day),
            Duty::GeneralDraw(year) => date_clamped(
                year.value().saturating_sub(1),
                config.general_draw_due_month.clamp(1, 12),
                config.general_draw_due_day,
            )
            .unwrap_or(NaiveDate::MIN),
            Duty::QuarterLists(q) => days_after(q.last_day(), config.quarter_lists_due_days),
            Duty::MonthlyReport(m) => days_after(m.last_day(), config.monthly_report_due_days),
            Duty::QuarterForms(q) => days_after(q.last_day(), config.quarter_forms_due_days),
            Duty::Disclosure(q) => days_after(q.last_day(), config.disclosure_due_days),
        }
    }
}

/// A draw is due on `day` of the month before the period starts: the last month of the previous
/// quarter when drawing quarterly, the previous month when drawing monthly.
fn draw_due(period: DrawPeriod, day: u32) -> NaiveDate {
    match period.first_month().prev() {
        Some(month) => date_clamped(month.year().value(), month.m(), day).unwrap_or(NaiveDate::MIN),
        None => NaiveDate::MIN,
    }
}

fn days_after(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

fn days_before(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_sub_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MIN)
}

/// Builds a quarterly duty from its quarter (a variant constructor of [`Duty`]).
type QuarterDuty = fn(Quarter) -> Duty;

/// Every duty due between `from` and `to` (both included), with its due date, sorted by due date
/// (ties in the order of [`Duty`]). Draws follow the configured
/// [`DrawCadence`](crate::period::DrawCadence).
pub fn duties_between(
    config: &RulesConfig,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(Duty, NaiveDate)> {
    let mut duties = Vec::new();
    if from > to {
        return duties;
    }
    let mut keep = |duty: Duty| {
        let due = duty.due_date(config);
        if (from..=to).contains(&due) {
            duties.push((duty, due));
        }
    };

    // A draw is due in the month before its period, so the periods to look at run from the one
    // containing `from` to the one after the one containing `to`.
    let last_draw_period = DrawPeriod::containing(to, config.draw_cadence);
    let last_draw_period = last_draw_period.next().unwrap_or(last_draw_period);
    let mut period = Some(DrawPeriod::containing(from, config.draw_cadence));
    while let Some(p) = period.filter(|p| *p <= last_draw_period) {
        keep(Duty::KeyDraw(p));
        keep(Duty::SpecialDraw(p));
        period = p.next();
    }

    // The general draw of year Y is due in year Y - 1.
    let mut year = Some(Year::containing(from));
    let last_year = Year::containing(to).next().unwrap_or(Year::containing(to));
    while let Some(y) = year.filter(|y| *y <= last_year) {
        keep(Duty::GeneralDraw(y));
        year = y.next();
    }

    // Duties due a fixed number of days after their period ends: the periods whose end lies
    // within the window moved back by that delay.
    let after_quarter: [(u32, QuarterDuty); 3] = [
        (config.quarter_lists_due_days, Duty::QuarterLists),
        (config.quarter_forms_due_days, Duty::QuarterForms),
        (config.disclosure_due_days, Duty::Disclosure),
    ];
    for (delay, duty) in after_quarter {
        let last = Quarter::containing(days_before(to, delay));
        let mut quarter = Some(Quarter::containing(days_before(from, delay)));
        while let Some(q) = quarter.filter(|q| *q <= last) {
            keep(duty(q));
            quarter = q.next();
        }
    }
    let delay = config.monthly_report_due_days;
    let last = Month::containing(days_before(to, delay));
    let mut month = Some(Month::containing(days_before(from, delay)));
    while let Some(m) = month.filter(|m| *m <= last) {
        keep(Duty::MonthlyReport(m));
        month = m.next();
    }

    duties.sort_by(|(a, a_due), (b, b_due)| a_due.cmp(b_due).then_with(|| a.cmp(b)));
    duties
}

/// Where a duty stands on a given day (状态).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DutyStatus {
    /// Done on or before the due date.
    Done,
    /// Done, but after the due date.
    DoneLate,
    /// Not done; due today or within the warning window.
    DueSoon,
    /// Not done; due later than the warning window.
    Upcoming,
    /// Not done and the due date has passed.
    Overdue,
}

impl DutyStatus {
    /// The serialised name, also the message key (`duty_status.<name>`).
    pub fn as_str(self) -> &'static str {
        match self {
            DutyStatus::Done => "done",
            DutyStatus::DoneLate => "done_late",
            DutyStatus::DueSoon => "due_soon",
            DutyStatus::Upcoming => "upcoming",
            DutyStatus::Overdue => "overdue",
        }
    }
}

/// The status of a duty due on `due`, done on `done_at` (if at all), seen on `today`; a duty
/// still open is "due soon" from `due_soon_days` days before its due date until the due date.
pub fn status(
    due: NaiveDate,
    done_at: Option<NaiveDate>,
    today: NaiveDate,
    due_soon_days: u32,
) -> DutyStatus {
    match done_at {
        Some(done) if done <= due => DutyStatus::Done,
        Some(_) => DutyStatus::DoneLate,
        None if today > due => DutyStatus::Overdue,
        None if days_before(due, due_soon_days) <= today => DutyStatus::DueSoon,
        None => DutyStatus::Upcoming,
    }
}
