//! Reports and supervision (R-REP-1, R-REP-2, R-SUP-1): the monthly report's figures computed
//! from the records, reports marked as sent, each agency's calendar of duties with where each
//! stands, the city's supervision figures, and supervision notes followed up until closed.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use spotcheck_core::calendar::{self, Duty, DutyKind, DutyStatus};
use spotcheck_core::lists::ListKind;
use spotcheck_core::period::{Month, Quarter};
use spotcheck_core::rules::RulesConfig;

use crate::agency::Agency;
use crate::{audit, on_db, on_tx, Db, Result, StoreError};

/// The start of `day` in UTC, for comparing stored timestamps.
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// The figures of one agency's month (双随机月报, R-REP-1), all computed from the records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct MonthlyFigures {
    pub month: String,
    /// Draws executed in the month, by plan kind (`key`, `special`, `general`).
    pub draws: BTreeMap<String, i64>,
    /// Firms those draws dispatched, by the firm's category (`key`, `general`).
    pub firms_drawn: BTreeMap<String, i64>,
    /// Tasks whose form was submitted in the month.
    pub tasks_done: i64,
    /// Tasks dispatched and not yet submitted at the month's end (or now, for the running month).
    pub tasks_outstanding: i64,
    /// Problems recorded in the forms submitted in the month.
    pub problems_found: i64,
    /// Of those, problems for which a case was filed.
    pub cases_filed: i64,
    /// Measures (R-INSP-3) in those forms, by kind.
    pub measures: BTreeMap<String, i64>,
}

async fn grouped(
    db: &Db,
    sql: &str,
    path: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<BTreeMap<String, i64>> {
    let rows: Vec<(String, i64)> = on_db!(db, |p| sqlx::query_as(sql)
        .bind(format!("{path}%"))
        .bind(from)
        .bind(to)
        .fetch_all(p)
        .await?);
    Ok(rows.into_iter().collect())
}

async fn counted(
    db: &Db,
    sql: &str,
    path: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<i64> {
    Ok(on_db!(db, |p| sqlx::query_scalar(sql)
        .bind(format!("{path}%"))
        .bind(from)
        .bind(to)
        .fetch_one(p)
        .await?))
}

/// The forms counted for a month: submitted in `[$2, $3)`, in the agencies under `$1`, the
/// current version only (a superseded version was replaced by a correction).
const FORMS_OF_MONTH: &str = "SELECT i.id FROM inspection i JOIN task t ON t.id = i.task_id JOIN agency a ON a.id = t.agency_id \
    WHERE a.path LIKE $1 AND i.submitted_at >= $2 AND i.submitted_at < $3 AND i.status IN ('submitted', 'accepted')";

/// The monthly report of the agencies under `path` for `month` (R-REP-1).
pub async fn monthly(db: &Db, path: &str, month: Month) -> Result<MonthlyFigures> {
    let from = start_of(month.first_day());
    let to = start_of(month.last_day() + chrono::Days::new(1));
    let draws = grouped(
        db,
        "SELECT p.kind, COUNT(*) FROM draw_record d JOIN plan p ON p.id = d.plan_id JOIN agency a ON a.id = p.agency_id \
         WHERE a.path LIKE $1 AND d.executed_at >= $2 AND d.executed_at < $3 GROUP BY p.kind",
        path,
        from,
        to,
    )
    .await?;
    let firms_drawn = grouped(
        db,
        "SELECT f.category, COUNT(*) FROM task t JOIN draw_record d ON d.id = t.draw_id JOIN firm f ON f.id = t.firm_id \
         JOIN agency a ON a.id = t.agency_id WHERE a.path LIKE $1 AND d.executed_at >= $2 AND d.executed_at < $3 \
         GROUP BY f.category",
        path,
        from,
        to,
    )
    .await?;
    let tasks_done = counted(
        db,
        &format!(
            "SELECT COUNT(DISTINCT i.task_id) FROM inspection i WHERE i.id IN ({FORMS_OF_MONTH})"
        ),
        path,
        from,
        to,
    )
    .await?;
    let tasks_outstanding: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM task t JOIN agency a ON a.id = t.agency_id WHERE a.path LIKE $1 \
         AND t.created_at < $2 AND t.status IN ('dispatched', 'in_progress', 'returned')"
    )
    .bind(format!("{path}%"))
    .bind(to)
    .fetch_one(p)
    .await?);
    let problems_found = counted(
        db,
        &format!("SELECT COUNT(*) FROM finding WHERE inspection_id IN ({FORMS_OF_MONTH})"),
        path,
        from,
        to,
    )
    .await?;
    let cases_filed = counted(
        db,
        &format!(
            "SELECT COUNT(*) FROM finding WHERE case_filed IS NOT NULL AND inspection_id IN ({FORMS_OF_MONTH})"
        ),
        path,
        from,
        to,
    )
    .await?;
    let measures = grouped(
        db,
        &format!(
            "SELECT kind, COUNT(*) FROM measure WHERE inspection_id IN ({FORMS_OF_MONTH}) GROUP BY kind"
        ),
        path,
        from,
        to,
    )
    .await?;
    Ok(MonthlyFigures {
        month: month.to_string(),
        draws,
        firms_drawn,
        tasks_done,
        tasks_outstanding,
        problems_found,
        cases_filed,
        measures,
    })
}

/// What a submission sends up the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// The monthly report (R-REP-1), period `2026-04`.
    Monthly,
    /// The quarter's forms and results detail (R-REP-2), period `2026Q2`.
    QuarterPack,
}

impl ReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Monthly => "monthly",
            ReportKind::QuarterPack => "quarter_pack",
        }
    }
}

/// A report as sent.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Submission {
    pub id: i64,
    pub agency_id: i64,
    pub kind: String,
    pub period: String,
    pub content: String,
    pub content_sha256: String,
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
}

const SUBMISSION_COLUMNS: &str =
    "id, agency_id, kind, period, content, content_sha256, submitted_by, submitted_at";

/// Records that `agency` sent its report of `kind` for `period` with `content` (the figures or
/// the list of files, as JSON). Sending again keeps both; the latest counts.
pub async fn submit(
    db: &Db,
    actor: &str,
    agency: &Agency,
    kind: ReportKind,
    period: &str,
    content: &serde_json::Value,
) -> Result<Submission> {
    let text = serde_json::to_string(content).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let hash = hex::encode(Sha256::digest(text.as_bytes()));
    let at = crate::now();
    let mut tx = db.begin().await?;
    let sql = format!(
        "INSERT INTO report_submission (agency_id, kind, period, content, content_sha256, submitted_by, submitted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {SUBMISSION_COLUMNS}"
    );
    let saved: Submission = on_tx!(&mut tx, |c| sqlx::query_as(&sql)
        .bind(agency.id)
        .bind(kind.as_str())
        .bind(period)
        .bind(&text)
        .bind(&hash)
        .bind(actor)
        .bind(at)
        .fetch_one(&mut *c)
        .await?);
    audit::append(
        &mut tx,
        at,
        actor,
        "report.submit",
        &format!("report:{}", saved.id),
        serde_json::json!({ "agency": agency.code, "kind": kind.as_str(), "period": period, "sha256": hash }),
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}

/// The latest submission of `kind` for `period` by each agency under `path`.
pub async fn submissions(
    db: &Db,
    path: &str,
    kind: ReportKind,
    period: &str,
) -> Result<Vec<Submission>> {
    let sql = format!(
        "SELECT {} FROM report_submission s JOIN agency a ON a.id = s.agency_id \
         WHERE a.path LIKE $1 AND s.kind = $2 AND s.period = $3 AND s.id = (SELECT MAX(r.id) FROM report_submission r \
         WHERE r.agency_id = s.agency_id AND r.kind = s.kind AND r.period = s.period) ORDER BY a.path",
        SUBMISSION_COLUMNS
            .split(", ")
            .map(|c| format!("s.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(format!("{path}%"))
        .bind(kind.as_str())
        .bind(period)
        .fetch_all(p)
        .await?))
}

/// One duty of an agency's calendar with where it stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DutyRow {
    pub kind: DutyKind,
    pub period: String,
    pub due: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub status: DutyStatus,
}

/// The first day (in the rules' time zone) a timestamp query found, if any.
async fn first_day(
    db: &Db,
    rules: &RulesConfig,
    sql: &str,
    agency_id: i64,
    period: &str,
) -> Result<Option<NaiveDate>> {
    let at: Option<DateTime<Utc>> = on_db!(db, |p| sqlx::query_scalar(sql)
        .bind(agency_id)
        .bind(period)
        .fetch_one(p)
        .await?);
    Ok(at.map(|t| rules.day_of(t)))
}

/// When `agency` did `duty`, if it has: the draw executed, the lists filed, the report sent, the
/// quarter published.
pub async fn done_on(
    db: &Db,
    rules: &RulesConfig,
    agency: &Agency,
    duty: &Duty,
) -> Result<Option<NaiveDate>> {
    let period = duty.period_label();
    let draw = |kind: &'static str| {
        format!(
            "SELECT MIN(d.executed_at) FROM draw_record d JOIN plan p ON p.id = d.plan_id \
             WHERE p.agency_id = $1 AND p.period = $2 AND p.kind = '{kind}'"
        )
    };
    match duty.kind() {
        DutyKind::KeyDraw => first_day(db, rules, &draw("key"), agency.id, &period).await,
        DutyKind::SpecialDraw => first_day(db, rules, &draw("special"), agency.id, &period).await,
        DutyKind::GeneralDraw => first_day(db, rules, &draw("general"), agency.id, &period).await,
        DutyKind::QuarterLists => {
            // Done when every quarterly list the agency keeps was filed for the quarter.
            let kinds: Vec<&str> = [ListKind::Penalties, ListKind::Complaints, ListKind::Problems]
                .iter()
                .map(|k| k.as_str())
                .collect();
            let mut last: Option<NaiveDate> = None;
            for kind in kinds {
                let sql = format!(
                    "SELECT MIN(filed_at) FROM list_filing WHERE agency_id = $1 AND period = $2 AND list_kind = '{kind}'"
                );
                match first_day(db, rules, &sql, agency.id, &period).await? {
                    Some(d) => last = Some(last.map_or(d, |l| l.max(d))),
                    None => return Ok(None),
                }
            }
            Ok(last)
        }
        DutyKind::MonthlyReport => {
            first_day(
                db,
                rules,
                "SELECT MIN(submitted_at) FROM report_submission WHERE agency_id = $1 AND period = $2 AND kind = 'monthly'",
                agency.id,
                &period,
            )
            .await
        }
        DutyKind::QuarterForms => {
            first_day(
                db,
                rules,
                "SELECT MIN(submitted_at) FROM report_submission WHERE agency_id = $1 AND period = $2 AND kind = 'quarter_pack'",
                agency.id,
                &period,
            )
            .await
        }
        DutyKind::Disclosure => {
            first_day(
                db,
                rules,
                "SELECT MIN(published_at) FROM disclosure WHERE agency_id = $1 AND quarter = $2",
                agency.id,
                &period,
            )
            .await
        }
    }
}

/// How many days before its due date a duty counts as due soon.
pub const DUE_SOON_DAYS: u32 = 7;

/// The duties of `agency` due between `from` and `to` with where each stands on `today`
/// (computed from the rules configuration, never from fixed dates). A quarter without an
/// executed draw has no disclosure to make (R-REP-3).
pub async fn calendar(
    db: &Db,
    agency: &Agency,
    rules: &RulesConfig,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<DutyRow>> {
    let mut rows = Vec::new();
    for (duty, due) in calendar::duties_between(rules, from, to) {
        // R-REP-3 publishes a quarter's draws: a quarter without one brings no such duty.
        if let Duty::Disclosure(quarter) = duty {
            if crate::disclosure::executed_draws(db, agency, quarter).await? == 0 {
                continue;
            }
        }
        let done = done_on(db, rules, agency, &duty).await?;
        rows.push(DutyRow {
            kind: duty.kind(),
            period: duty.period_label(),
            due,
            done_on: done,
            status: calendar::status(due, done, today, DUE_SOON_DAYS),
        });
    }
    Ok(rows)
}

/// The city's supervision figures of one agency for the year so far (R-SUP-1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Supervision {
    pub agency_id: i64,
    /// Draw duties due so far this year, and of those done on time.
    pub draws_due: i64,
    pub draws_on_time: i64,
    /// Key units, and those drawn or inspected this year.
    pub key_units: i64,
    pub key_covered: i64,
    /// Tasks of the year's plans (not cancelled), and those with a submitted or accepted form.
    pub tasks: i64,
    pub tasks_done: i64,
    /// Forms returned in review and not yet resubmitted.
    pub forms_returned: i64,
    /// Problems found per hundred checks (submitted forms), rounded down.
    pub findings_per_hundred: i64,
    /// Duties past their due date and not done, and tasks past their due date and not done.
    pub overdue: i64,
    /// Supervision notes still open.
    pub open_notes: i64,
}

/// The supervision figures of `agency` (its subtree) for the year of `today`.
pub async fn supervision(
    db: &Db,
    agency: &Agency,
    rules: &RulesConfig,
    today: NaiveDate,
) -> Result<Supervision> {
    let year = spotcheck_core::period::Year::containing(today);
    let scope = format!("{}%", agency.path);
    let year_pattern = format!("{}%", year.value());
    let duties = calendar(db, agency, rules, year.first_day(), today, today).await?;
    let draw_kinds = [
        DutyKind::KeyDraw,
        DutyKind::SpecialDraw,
        DutyKind::GeneralDraw,
    ];
    let draws: Vec<&DutyRow> = duties
        .iter()
        .filter(|d| draw_kinds.contains(&d.kind))
        .collect();
    let compliance = crate::draws::compliance(db, agency, year, rules, today).await?;
    // Counts over the tasks of the year's plans in the subtree: `$1` the path, `$2` the year.
    let count = |sql: &'static str| {
        let scope = scope.clone();
        let year_pattern = year_pattern.clone();
        async move {
            let n: i64 = on_db!(db, |p| sqlx::query_scalar(sql)
                .bind(&scope)
                .bind(&year_pattern)
                .fetch_one(p)
                .await?);
            Ok::<i64, StoreError>(n)
        }
    };
    let tasks = count(
        "SELECT COUNT(*) FROM task t JOIN agency a ON a.id = t.agency_id JOIN draw_record d ON d.id = t.draw_id \
         JOIN plan p ON p.id = d.plan_id WHERE a.path LIKE $1 AND p.period LIKE $2 AND t.status <> 'cancelled'",
    )
    .await?;
    let tasks_done = count(
        "SELECT COUNT(*) FROM task t JOIN agency a ON a.id = t.agency_id JOIN draw_record d ON d.id = t.draw_id \
         JOIN plan p ON p.id = d.plan_id WHERE a.path LIKE $1 AND p.period LIKE $2 AND t.status IN ('submitted', 'accepted')",
    )
    .await?;
    let tasks_overdue: i64 = on_db!(db, |p| {
        sqlx::query_scalar(
        "SELECT COUNT(*) FROM task t JOIN agency a ON a.id = t.agency_id JOIN draw_record d ON d.id = t.draw_id \
         JOIN plan p ON p.id = d.plan_id WHERE a.path LIKE $1 AND p.period LIKE $2 \
         AND t.status IN ('dispatched', 'in_progress', 'returned') AND t.due_on < $3"
    )
    .bind(&scope)
    .bind(&year_pattern)
    .bind(today)
    .fetch_one(p)
    .await?
    });
    let forms_returned = count(
        "SELECT COUNT(*) FROM inspection i JOIN task t ON t.id = i.task_id JOIN agency a ON a.id = t.agency_id \
         JOIN draw_record d ON d.id = t.draw_id JOIN plan p ON p.id = d.plan_id \
         WHERE a.path LIKE $1 AND p.period LIKE $2 AND i.status = 'returned'",
    )
    .await?;
    let checks = count(
        "SELECT COUNT(*) FROM inspection i JOIN task t ON t.id = i.task_id JOIN agency a ON a.id = t.agency_id \
         JOIN draw_record d ON d.id = t.draw_id JOIN plan p ON p.id = d.plan_id \
         WHERE a.path LIKE $1 AND p.period LIKE $2 AND i.status IN ('submitted', 'accepted')",
    )
    .await?;
    let findings = count(
        "SELECT COUNT(*) FROM finding g JOIN inspection i ON i.id = g.inspection_id JOIN task t ON t.id = i.task_id \
         JOIN agency a ON a.id = t.agency_id JOIN draw_record d ON d.id = t.draw_id JOIN plan p ON p.id = d.plan_id \
         WHERE a.path LIKE $1 AND p.period LIKE $2 AND i.status IN ('submitted', 'accepted')",
    )
    .await?;
    let open_notes: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM supervision_note n JOIN agency a ON a.id = n.agency_id \
         WHERE a.path LIKE $1 AND n.status = 'open'"
    )
    .bind(&scope)
    .fetch_one(p)
    .await?);
    Ok(Supervision {
        agency_id: agency.id,
        draws_due: draws.iter().filter(|d| d.due <= today).count() as i64,
        draws_on_time: draws
            .iter()
            .filter(|d| d.status == DutyStatus::Done)
            .count() as i64,
        key_units: compliance.key_units as i64,
        key_covered: (compliance.key_units as usize - compliance.key_not_drawn.len()) as i64,
        tasks,
        tasks_done,
        forms_returned,
        findings_per_hundred: if checks == 0 {
            0
        } else {
            findings * 100 / checks
        },
        overdue: duties
            .iter()
            .filter(|d| d.status == DutyStatus::Overdue)
            .count() as i64
            + tasks_overdue,
        open_notes,
    })
}

/// A supervision note (督查) with its follow-ups.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Note {
    pub id: i64,
    pub agency_id: i64,
    pub subject: String,
    pub body: String,
    pub due_on: NaiveDate,
    pub status: String,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
    pub closed_by: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct FollowUp {
    pub id: i64,
    pub note_id: i64,
    pub body: String,
    pub written_by: String,
    pub written_at: DateTime<Utc>,
}

const NOTE_COLUMNS: &str =
    "n.id, n.agency_id, n.subject, n.body, n.due_on, n.status, n.opened_by, n.opened_at, n.closed_by, n.closed_at";

/// Records a supervision note against `agency`, to be followed up by `due_on` (R-SUP-1).
pub async fn open_note(
    db: &Db,
    actor: &str,
    agency: &Agency,
    subject: &str,
    body: &str,
    due_on: NaiveDate,
) -> Result<Note> {
    let at = crate::now();
    let mut tx = db.begin().await?;
    let sql = format!(
        "INSERT INTO supervision_note (agency_id, subject, body, due_on, status, opened_by, opened_at) \
         VALUES ($1, $2, $3, $4, 'open', $5, $6) RETURNING {}",
        NOTE_COLUMNS.replace("n.", "")
    );
    let note: Note = on_tx!(&mut tx, |c| sqlx::query_as(&sql)
        .bind(agency.id)
        .bind(subject.trim())
        .bind(body.trim())
        .bind(due_on)
        .bind(actor)
        .bind(at)
        .fetch_one(&mut *c)
        .await?);
    audit::append(
        &mut tx,
        at,
        actor,
        "supervision.open",
        &format!("supervision:{}", note.id),
        serde_json::json!({ "agency": agency.code, "subject": note.subject, "due_on": due_on }),
    )
    .await?;
    tx.commit().await?;
    Ok(note)
}

/// Adds a follow-up to an open note; `close` closes it with that follow-up. False when the
/// note is closed already or lies outside `path`.
pub async fn follow_up(
    db: &Db,
    actor: &str,
    path: &str,
    note_id: i64,
    body: &str,
    close: bool,
) -> Result<bool> {
    let at = crate::now();
    let mut tx = db.begin().await?;
    let open: Option<i64> = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT n.id FROM supervision_note n JOIN agency a ON a.id = n.agency_id \
         WHERE n.id = $1 AND n.status = 'open' AND a.path LIKE $2"
    )
    .bind(note_id)
    .bind(format!("{path}%"))
    .fetch_optional(&mut *c)
    .await?);
    if open.is_none() {
        return Ok(false);
    }
    on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO supervision_followup (note_id, body, written_by, written_at) VALUES ($1, $2, $3, $4)"
    )
    .bind(note_id)
    .bind(body.trim())
    .bind(actor)
    .bind(at)
    .execute(&mut *c)
    .await?
    .rows_affected()
    });
    if close {
        on_tx!(&mut tx, |c| {
            sqlx::query(
            "UPDATE supervision_note SET status = 'closed', closed_by = $1, closed_at = $2 WHERE id = $3"
        )
        .bind(actor)
        .bind(at)
        .bind(note_id)
        .execute(&mut *c)
        .await?
        .rows_affected()
        });
    }
    audit::append(
        &mut tx,
        at,
        actor,
        if close {
            "supervision.close"
        } else {
            "supervision.follow_up"
        },
        &format!("supervision:{note_id}"),
        serde_json::json!({ "body": body.trim() }),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The notes of the agencies under `path`, open ones first, newest first.
pub async fn notes(db: &Db, path: &str) -> Result<Vec<Note>> {
    let sql = format!(
        "SELECT {NOTE_COLUMNS} FROM supervision_note n JOIN agency a ON a.id = n.agency_id WHERE a.path LIKE $1 \
         ORDER BY CASE WHEN n.status = 'open' THEN 0 ELSE 1 END, n.opened_at DESC, n.id DESC"
    );
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(format!("{path}%"))
        .fetch_all(p)
        .await?))
}

pub async fn follow_ups(db: &Db, note_id: i64) -> Result<Vec<FollowUp>> {
    Ok(on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, note_id, body, written_by, written_at FROM supervision_followup WHERE note_id = $1 ORDER BY id"
    )
    .bind(note_id)
    .fetch_all(p)
    .await?
    }))
}

/// The quarter whose pack (R-REP-2) is being prepared on `today`: the one that just ended.
pub fn pack_quarter(today: NaiveDate) -> Quarter {
    let q = Quarter::containing(today);
    q.prev().unwrap_or(q)
}

/// The work the system holds, for monitoring: (series, key, count) for draws executed by plan
/// kind, tasks by status and firms by category.
pub async fn work_counts(db: &Db) -> Result<Vec<(&'static str, String, i64)>> {
    let queries: [(&'static str, &'static str); 3] = [
        (
            "draws_executed",
            "SELECT p.kind, COUNT(*) FROM draw_record d JOIN plan p ON p.id = d.plan_id \
             WHERE d.output IS NOT NULL GROUP BY p.kind",
        ),
        ("tasks", "SELECT status, COUNT(*) FROM task GROUP BY status"),
        (
            "firms",
            "SELECT category, COUNT(*) FROM firm GROUP BY category",
        ),
    ];
    let mut out = Vec::new();
    for (series, sql) in queries {
        let rows: Vec<(String, i64)> = on_db!(db, |p| sqlx::query_as(sql).fetch_all(p).await?);
        out.extend(rows.into_iter().map(|(key, n)| (series, key, n)));
    }
    Ok(out)
}
