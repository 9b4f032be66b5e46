//! Dispatched tasks (任务): what an officer has to inspect, sorted by due date.

use chrono::NaiveDate;
use serde::Serialize;

use crate::{on_db, on_tx, Db, Result, StoreError};

/// A task as the officer's list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct TaskView {
    pub id: i64,
    pub due_on: NaiveDate,
    pub status: String,
    pub credit_code: String,
    pub firm_name: String,
    pub address: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// The team, as a JSON array of certificate numbers.
    pub officers: String,
}

/// The statement of [`for_officer`], given how each backend lists an officer's task ids as rows
/// `j` with the id in `$task_id`.
macro_rules! officer_tasks {
    ($ids:literal, $task_id:literal) => {
        concat!(
            "SELECT t.id, t.due_on, t.status, f.credit_code, f.name AS firm_name, f.address, f.lon, f.lat, t.officers \
             FROM officer_tasks o ",
            $ids,
            " JOIN task t ON t.id = ",
            $task_id,
            " JOIN firm f ON f.id = t.firm_id WHERE o.certificate_no = $1 ORDER BY t.due_on, t.id"
        )
    };
}

/// The statement of [`for_officer`]: `$1` the certificate number. The tasks are found through
/// `officer_tasks` (an officer's task ids per draw, by certificate number).
pub(crate) fn officer_tasks_sql(backend: crate::Backend) -> &'static str {
    match backend {
        crate::Backend::Sqlite => officer_tasks!(", json_each(o.task_ids) j", "j.value"),
        crate::Backend::Postgres => officer_tasks!(
            "CROSS JOIN LATERAL json_array_elements_text(o.task_ids::json) AS j(id)",
            "j.id::bigint"
        ),
    }
}

/// The tasks of the officer with `certificate_no`, soonest due first.
pub async fn for_officer(db: &Db, certificate_no: &str) -> Result<Vec<TaskView>> {
    let sql = officer_tasks_sql(db.backend());
    Ok(on_db!(db, |p| {
        sqlx::query_as(sql)
            .bind(certificate_no)
            .fetch_all(p)
            .await?
    }))
}

/// Links an account to the officer record of the same person (by certificate number).
pub async fn link_account(db: &Db, username: &str, certificate_no: &str) -> Result<()> {
    let mut tx = db.begin().await?;
    let changed = on_tx!(&mut tx, |c| {
        sqlx::query(
        "UPDATE account SET officer_id = (SELECT id FROM officer WHERE certificate_no = $1) WHERE username = $2"
    )
    .bind(certificate_no)
    .bind(username)
    .execute(&mut *c)
    .await?
    .rows_affected()
    });
    if changed == 0 {
        return Err(StoreError::NotFound(format!("account {username}")));
    }
    crate::audit::append(
        &mut tx,
        crate::now(),
        "system",
        "account.link_officer",
        &format!("account:{username}"),
        serde_json::json!({ "certificate_no": certificate_no }),
    )
    .await?;
    tx.commit().await
}

/// The certificate number of the officer an account belongs to, if linked.
pub async fn officer_of_account(db: &Db, account_id: i64) -> Result<Option<String>> {
    Ok(on_db!(db, |p| {
        sqlx::query_scalar(
        "SELECT o.certificate_no FROM account a JOIN officer o ON o.id = a.officer_id WHERE a.id = $1"
    )
    .bind(account_id)
    .fetch_optional(p)
    .await?
    }))
}

/// Why a task was not reassigned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReassignRefusal {
    #[error("no such task in the jurisdiction")]
    UnknownTask,
    #[error("the task is done or cancelled; it cannot change hands")]
    Closed,
    #[error("this officer is not on the task's team")]
    NotOnTeam,
    #[error("a reassignment needs a written reason")]
    NoReason,
    #[error("no other eligible officer: on duty, certificate valid, not on the team, no conflict")]
    NoCandidate,
}

impl ReassignRefusal {
    /// The translation key of the message shown to users.
    pub fn key(&self) -> &'static str {
        match self {
            ReassignRefusal::UnknownTask => "tasks.unknown",
            ReassignRefusal::Closed => "tasks.closed",
            ReassignRefusal::NotOnTeam => "tasks.not_on_team",
            ReassignRefusal::NoReason => "tasks.no_reason",
            ReassignRefusal::NoCandidate => "tasks.no_candidate",
        }
    }
}

/// A reassignment as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Reassignment {
    pub id: i64,
    pub task_id: i64,
    pub officer_out: String,
    pub officer_in: String,
    pub reason: String,
    /// The eligible officers the replacement was drawn from, as a JSON array.
    pub candidates: String,
    /// The random number drawn (from the operating system) and the index it gave.
    pub random_value: String,
    pub reassigned_by: String,
    pub reassigned_at: chrono::DateTime<chrono::Utc>,
}

/// A task with the agency path of its owner, for the jurisdiction check and reassignment.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct TaskRow {
    pub id: i64,
    pub agency_id: i64,
    pub agency_path: String,
    pub firm_id: i64,
    pub credit_code: String,
    pub firm_name: String,
    pub address: String,
    pub officers: String,
    pub due_on: NaiveDate,
    pub status: String,
}

impl TaskRow {
    /// Whether the task is still to be done: dispatched, being inspected or returned for
    /// correction (its team may still change).
    pub fn is_open(&self) -> bool {
        matches!(
            self.status.as_str(),
            "dispatched" | "in_progress" | "returned"
        )
    }
}

const TASK_ROW: &str =
    "SELECT t.id, t.agency_id, a.path AS agency_path, t.firm_id, f.credit_code, \
    f.name AS firm_name, f.address, t.officers, t.due_on, t.status \
    FROM task t JOIN agency a ON a.id = t.agency_id JOIN firm f ON f.id = t.firm_id";

/// One task, if it lies under `scope_path`.
pub async fn get(db: &Db, scope_path: &str, id: i64) -> Result<Option<TaskRow>> {
    let sql = format!("{TASK_ROW} WHERE t.id = $1 AND a.path LIKE $2");
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .bind(format!("{scope_path}%"))
        .fetch_optional(p)
        .await?))
}

/// The reassignments of a task, oldest first.
pub async fn reassignments(db: &Db, task_id: i64) -> Result<Vec<Reassignment>> {
    Ok(on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, task_id, officer_out, officer_in, reason, candidates, random_value, reassigned_by, reassigned_at \
         FROM task_reassignment WHERE task_id = $1 ORDER BY id"
    )
    .bind(task_id)
    .fetch_all(p)
    .await?
    }))
}

/// Hands `officer_out`'s place on a task to another officer (a sick officer), drawn at random
/// among the eligible ones of the task's agency: on duty with a valid certificate on `today`,
/// not on the team, without a declared conflict with the firm, not on the firm's previous
/// team (R-DRAW-2R) and, unless nobody else is left, not replaced out of this task before
/// (whoever was taken off it, sick or withdrawn, is not drawn back onto it). The reason, the candidates and the random number are recorded and audited.
pub async fn reassign(
    db: &Db,
    actor: &str,
    scope_path: &str,
    task_id: i64,
    officer_out: &str,
    reason: &str,
    today: NaiveDate,
) -> Result<std::result::Result<Reassignment, ReassignRefusal>> {
    let reason = reason.trim();
    if reason.chars().count() < 2 {
        return Ok(Err(ReassignRefusal::NoReason));
    }
    let Some(task) = get(db, scope_path, task_id).await? else {
        return Ok(Err(ReassignRefusal::UnknownTask));
    };
    if !task.is_open() {
        return Ok(Err(ReassignRefusal::Closed));
    }
    let team: Vec<String> =
        serde_json::from_str(&task.officers).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let Some(slot) = team.iter().position(|o| o == officer_out) else {
        return Ok(Err(ReassignRefusal::NotOnTeam));
    };
    let eligible: Vec<String> = on_db!(db, |p| {
        sqlx::query_scalar(
        "SELECT o.certificate_no FROM officer o JOIN agency a ON a.id = o.agency_id \
         WHERE a.path LIKE $1 AND o.on_duty AND o.certified_until >= $2 \
         AND NOT EXISTS (SELECT 1 FROM conflict_declaration c WHERE c.officer_id = o.id AND c.firm_id = $3 AND c.withdrawn_at IS NULL) \
         ORDER BY o.certificate_no"
    )
    .bind(format!("{}%", task.agency_path))
    .bind(today)
    .bind(task.firm_id)
    .fetch_all(p)
    .await?
    });
    // Withdrawal: the officers of the firm's previous task do not inspect it again.
    let previous: Vec<String> = on_db!(db, |p| {
        sqlx::query_scalar(
        "SELECT officers FROM task WHERE firm_id = $1 AND id < $2 AND status <> 'cancelled' ORDER BY id DESC LIMIT 1"
    )
    .bind(task.firm_id)
    .bind(task.id)
    .fetch_all(p)
    .await?
    });
    let previous: Vec<String> = match previous.first() {
        Some(json) => serde_json::from_str(json).map_err(|e| StoreError::Invalid(e.to_string()))?,
        None => Vec::new(),
    };
    let replaced: Vec<String> = reassignments(db, task.id)
        .await?
        .into_iter()
        .map(|r| r.officer_out)
        .collect();
    let eligible: Vec<String> = eligible
        .into_iter()
        .filter(|o| !team.contains(o) && !previous.contains(o))
        .collect();
    // Those replaced out of the task before only when nobody else is left: a task must not be
    // stuck with an officer who has to withdraw.
    let fresh: Vec<String> = eligible
        .iter()
        .filter(|o| !replaced.contains(o))
        .cloned()
        .collect();
    let candidates = if fresh.is_empty() { eligible } else { fresh };
    if candidates.is_empty() {
        return Ok(Err(ReassignRefusal::NoCandidate));
    }
    let random: u64 = rand::Rng::gen(&mut rand::rngs::OsRng);
    let index = (random % candidates.len() as u64) as usize;
    let officer_in = candidates[index].clone();
    let mut new_team = team.clone();
    new_team[slot] = officer_in.clone();
    let json =
        |v: &Vec<String>| serde_json::to_string(v).map_err(|e| StoreError::Invalid(e.to_string()));
    let at = crate::now();
    let random_value = format!("{random} mod {} = {index}", candidates.len());
    let mut tx = db.begin().await?;
    // Only if the team is still the one read above: two reassignments at once do not mix.
    let changed = on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE task SET officers = $1 WHERE id = $2 AND officers = $3"
    )
    .bind(json(&new_team)?)
    .bind(task.id)
    .bind(&task.officers)
    .execute(&mut *c)
    .await?
    .rows_affected());
    if changed == 0 {
        return Ok(Err(ReassignRefusal::NotOnTeam));
    }
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO task_reassignment (task_id, officer_out, officer_in, reason, candidates, random_value, reassigned_by, reassigned_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
    )
    .bind(task.id)
    .bind(officer_out)
    .bind(&officer_in)
    .bind(reason)
    .bind(json(&candidates)?)
    .bind(&random_value)
    .bind(actor)
    .bind(at)
    .fetch_one(&mut *c)
    .await?
    });
    crate::audit::append(
        &mut tx,
        at,
        actor,
        "task.reassign",
        &format!("task:{}", task.id),
        serde_json::json!({ "out": officer_out, "in": officer_in, "reason": reason,
                            "candidates": candidates.len(), "random": random_value }),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(Reassignment {
        id,
        task_id: task.id,
        officer_out: officer_out.to_string(),
        officer_in,
        reason: reason.to_string(),
        candidates: json(&candidates)?,
        random_value,
        reassigned_by: actor.to_string(),
        reassigned_at: at,
    }))
}

/// The names of the officers with these certificate numbers, in the given order (a number
/// without a record keeps an empty name).
pub async fn officer_names(db: &Db, certificates: &[String]) -> Result<Vec<(String, String)>> {
    let mut out = Vec::with_capacity(certificates.len());
    for c in certificates {
        let name: Option<String> = on_db!(db, |p| sqlx::query_scalar(
            "SELECT name FROM officer WHERE certificate_no = $1"
        )
        .bind(c)
        .fetch_optional(p)
        .await?);
        out.push((c.clone(), name.unwrap_or_default()));
    }
    Ok(out)
}

/// The statement of [`page_of_draw`]: `$1` the draw, `$2` the firm id the page follows, `$3` the
/// rows to read. Keyset pagination on the index of draw and firm: a province's draw dispatches
/// a quarter of a million tasks.
pub(crate) fn draw_tasks_sql() -> String {
    format!("{TASK_ROW} WHERE t.draw_id = $1 AND t.firm_id > $2 ORDER BY t.firm_id LIMIT $3")
}

/// Every task a draw dispatched, by task id (a city's draw; a province's is read a page at a
/// time with [`page_of_draw`]).
pub async fn of_draw(db: &Db, draw_id: i64) -> Result<Vec<TaskRow>> {
    let sql = format!("{TASK_ROW} WHERE t.draw_id = $1 ORDER BY t.id");
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(draw_id)
        .fetch_all(p)
        .await?))
}

/// A page of at most `limit` tasks a draw dispatched, in firm order, after the firm
/// `after_firm` (the page's `next_after` is the firm id the next page follows).
pub async fn page_of_draw(
    db: &Db,
    draw_id: i64,
    after_firm: Option<i64>,
    limit: i64,
) -> Result<crate::firms::Page<TaskRow>> {
    let limit = limit.clamp(1, 500);
    let sql = draw_tasks_sql();
    let rows: Vec<TaskRow> = on_db!(db, |p| sqlx::query_as(&sql)
        .bind(draw_id)
        .bind(after_firm.unwrap_or(0))
        .bind(limit + 1)
        .fetch_all(p)
        .await?);
    Ok(crate::firms::Page::of(rows, limit, |t| t.firm_id))
}
