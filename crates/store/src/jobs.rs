//! Work that runs in the background of a cluster of servers, one server at a time: a lease in
//! the database names the server holding a job; it renews the lease while it works and another
//! server takes the job over once the lease has expired (a server that died stops renewing).
//!
//! The one job so far writes the deadline reminders: for every jurisdiction, each duty of the
//! rules calendar that is due soon or overdue and not done gets one reminder per state, shown on
//! the home page of that agency.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use spotcheck_core::calendar::DutyStatus;
use spotcheck_core::rules::RulesConfig;

use crate::{agency, audit, on_db, on_tx, reports, Db, Result};

/// The lease of the reminder job.
pub const REMINDERS: &str = "reminders";

/// Takes or renews the lease `name` for `holder` until `now + ttl`. Returns whether `holder`
/// holds it now: it was free, expired, or already `holder`'s. A change of holder is audited.
pub async fn try_lease(
    db: &Db,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<bool> {
    let mut tx = db.begin().await?;
    let previous: Option<String> = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT holder FROM lease WHERE name = $1"
    )
    .bind(name)
    .fetch_optional(&mut *c)
    .await?);
    // One statement decides: a concurrent server's statement waits for this one (PostgreSQL's
    // row lock on the conflicting key, SQLite's write lock) and then sees the new holder.
    let taken = on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO lease (name, holder, acquired_at, expires_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at, \
         acquired_at = CASE WHEN lease.holder = excluded.holder THEN lease.acquired_at ELSE excluded.acquired_at END \
         WHERE lease.holder = excluded.holder OR lease.expires_at < excluded.acquired_at"
    )
    .bind(name)
    .bind(holder)
    .bind(now)
    .bind(now + ttl)
    .execute(&mut *c)
    .await?
    .rows_affected()
    }) == 1;
    if taken && previous.as_deref() != Some(holder) {
        audit::append(
            &mut tx,
            now,
            holder,
            "lease.acquire",
            &format!("lease:{name}"),
            serde_json::json!({ "previous": previous, "until": now + ttl }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(taken)
}

/// Gives the lease up (a server stopping), so that another takes the job over at once.
pub async fn release(db: &Db, name: &str, holder: &str) -> Result<()> {
    on_db!(db, |p| sqlx::query(
        "DELETE FROM lease WHERE name = $1 AND holder = $2"
    )
    .bind(name)
    .bind(holder)
    .execute(p)
    .await?
    .rows_affected());
    Ok(())
}

/// The current holder of a lease and until when, if anyone holds it.
pub async fn lease_holder(db: &Db, name: &str) -> Result<Option<(String, DateTime<Utc>)>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT holder, expires_at FROM lease WHERE name = $1"
    )
    .bind(name)
    .fetch_optional(p)
    .await?))
}

/// A reminder as the home page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Reminder {
    pub id: i64,
    pub agency_id: i64,
    pub duty: String,
    pub period: String,
    pub due_on: NaiveDate,
    pub status: String,
    pub written_by: String,
    pub written_at: DateTime<Utc>,
}

/// Writes the reminders due on `today` for every jurisdiction: each duty due within the
/// due-soon window or overdue and not done, once per state. Returns how many were new.
pub async fn write_reminders(
    db: &Db,
    holder: &str,
    rules: &RulesConfig,
    today: NaiveDate,
) -> Result<u64> {
    let mut written = 0;
    // Overdue duties of the last year and those due within the window.
    let from = today - Duration::days(366);
    let to = today + Duration::days(i64::from(reports::DUE_SOON_DAYS));
    for agency in agency::all(db).await? {
        if !agency.kind().is_some_and(|k| k.is_jurisdiction()) {
            continue;
        }
        for row in reports::calendar(db, &agency, rules, from, to, today).await? {
            if !matches!(row.status, DutyStatus::DueSoon | DutyStatus::Overdue) {
                continue;
            }
            let at = crate::now();
            let mut tx = db.begin().await?;
            let new = on_tx!(&mut tx, |c| {
                sqlx::query(
                "INSERT INTO reminder (agency_id, duty, period, due_on, status, written_by, written_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING"
            )
            .bind(agency.id)
            .bind(row.kind.as_str())
            .bind(&row.period)
            .bind(row.due)
            .bind(row.status.as_str())
            .bind(holder)
            .bind(at)
            .execute(&mut *c)
            .await?
            .rows_affected()
            });
            if new == 1 {
                audit::append(
                    &mut tx,
                    at,
                    holder,
                    "reminder.create",
                    &format!("agency:{}", agency.code),
                    serde_json::json!({
                        "duty": row.kind.as_str(),
                        "period": row.period,
                        "due_on": row.due,
                        "status": row.status.as_str(),
                    }),
                )
                .await?;
                written += 1;
            }
            tx.commit().await?;
        }
    }
    Ok(written)
}

/// The newest reminders of one agency.
pub async fn reminders_of(db: &Db, agency_id: i64, limit: i64) -> Result<Vec<Reminder>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, agency_id, duty, period, due_on, status, written_by, written_at FROM reminder \
         WHERE agency_id = $1 ORDER BY written_at DESC, id DESC LIMIT $2"
    )
    .bind(agency_id)
    .bind(limit)
    .fetch_all(p)
    .await?))
}

/// One round of the reminder job on the server `holder`: if it holds (or takes) the lease, the
/// reminders of `today` are written. Returns `None` when another server holds the lease.
pub async fn reminder_round(
    db: &Db,
    holder: &str,
    rules: &RulesConfig,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<Option<u64>> {
    if !try_lease(db, REMINDERS, holder, now, ttl).await? {
        return Ok(None);
    }
    Ok(Some(
        write_reminders(db, holder, rules, rules.day_of(now)).await?,
    ))
}
