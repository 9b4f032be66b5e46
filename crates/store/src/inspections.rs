//! On-site inspections (现场检查, R-INSP-1 to R-INSP-5): the form of each task (附表1), kept as a
//! draft while it is typed, submitted once, accepted or returned by the branch; its evidence
//! (photos, documents, signatures); and the results detail of a period (附表2).
//!
//! A task's form has versions: a correction after acceptance starts the next version and the
//! accepted one is kept. Every write locks the task's row first, so writes to one task take
//! turns on both backends, and leaves an audit event in its transaction.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use spotcheck_core::inspection::{
    CheckItem, FormProblem, InspectionForm, MeasureKind, OfficerPresent, TaskFacts,
};
use spotcheck_core::period::Quarter;

use crate::{audit, on_db, on_tx, sha256_hex, special, tasks, Db, Result, StoreError, Tx};

/// Why an inspection step was refused. Every refusal is something the user can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InspRefusal {
    #[error("no such task")]
    UnknownTask,
    #[error("no such inspection")]
    UnknownInspection,
    #[error("the task was cancelled")]
    TaskCancelled,
    #[error("the form has been submitted and can no longer be changed")]
    ReadOnly,
    #[error("the form cannot be submitted yet: {} problem(s)", .0.len())]
    Invalid(Vec<FormProblem>),
    #[error("this submission key was used for another task")]
    KeyReused,
    #[error("only a submitted form can be accepted or returned")]
    NotSubmitted,
    #[error("a form is returned with a comment saying what to change")]
    CommentRequired,
    #[error("only an accepted form can be corrected")]
    NotAccepted,
    #[error("evidence is a photo, a document or a signature, not {0:?}")]
    UnknownKind(String),
    #[error("a signature names who signed")]
    SignerRequired,
    #[error("this file is not accepted: {found}")]
    BadFileType { found: FoundFile },
    #[error("the file has {size} bytes; at most {limit} are accepted")]
    TooLarge { limit: u64, size: u64 },
}

/// What a refused evidence file was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoundFile {
    /// Content of no kind the server knows (text named .jpg, say).
    Unknown,
    /// An image whose content cannot be decoded (cut short or corrupted).
    DamagedImage,
    /// A media type that is not accepted, or not the one the file's name says.
    MediaType(&'static str),
}

impl std::fmt::Display for FoundFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FoundFile::Unknown => f.write_str("unknown"),
            FoundFile::DamagedImage => f.write_str("damaged image"),
            FoundFile::MediaType(t) => f.write_str(t),
        }
    }
}

impl InspRefusal {
    /// The translation key of the message shown to users.
    pub fn key(&self) -> &'static str {
        match self {
            InspRefusal::UnknownTask => "insp.refusal.unknown_task",
            InspRefusal::UnknownInspection => "insp.refusal.unknown_inspection",
            InspRefusal::TaskCancelled => "insp.refusal.task_cancelled",
            InspRefusal::ReadOnly => "insp.refusal.read_only",
            InspRefusal::Invalid(_) => "insp.refusal.invalid",
            InspRefusal::KeyReused => "insp.refusal.key_reused",
            InspRefusal::NotSubmitted => "insp.refusal.not_submitted",
            InspRefusal::CommentRequired => "insp.refusal.comment_required",
            InspRefusal::NotAccepted => "insp.refusal.not_accepted",
            InspRefusal::UnknownKind(_) => "insp.refusal.unknown_kind",
            InspRefusal::SignerRequired => "insp.refusal.signer_required",
            InspRefusal::BadFileType { .. } => "insp.refusal.bad_file_type",
            InspRefusal::TooLarge { .. } => "insp.refusal.too_large",
        }
    }
}

/// A step's result: a storage error outside, a refusal the user can act on inside.
pub type Outcome<T> = Result<std::result::Result<T, InspRefusal>>;

/// One version of a task's form.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Inspection {
    pub id: i64,
    pub task_id: i64,
    /// 1, 2, …: a correction after acceptance is the next version.
    pub version: i64,
    /// `draft`, `submitted`, `accepted`, `returned` (editable again) or `superseded` (an
    /// accepted version whose correction was accepted).
    pub status: String,
    /// The [`InspectionForm`] as JSON.
    pub form: String,
    /// SHA-256 of `form`, recorded at submission.
    pub form_sha256: Option<String>,
    #[serde(skip)]
    pub submission_key: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_comment: Option<String>,
}

impl Inspection {
    pub fn form(&self) -> Result<InspectionForm> {
        serde_json::from_str(&self.form).map_err(invalid)
    }

    /// Draft and returned forms may still be changed by the team.
    fn is_open(&self) -> bool {
        matches!(self.status.as_str(), "draft" | "returned")
    }
}

const COLUMNS: &str = "id, task_id, version, status, form, form_sha256, submission_key, \
    created_by, created_at, updated_at, submitted_by, submitted_at, reviewed_by, reviewed_at, review_comment";

/// The filter of a task's latest version.
const LATEST_OF_TASK: &str = "task_id = $1 ORDER BY version DESC LIMIT 1";

fn invalid(e: serde_json::Error) -> StoreError {
    StoreError::Invalid(e.to_string())
}

fn form_json(form: &InspectionForm) -> Result<String> {
    serde_json::to_string(form).map_err(invalid)
}

/// The latest version of a task's form, if any.
pub async fn current(db: &Db, task_id: i64) -> Result<Option<Inspection>> {
    let sql = format!("SELECT {COLUMNS} FROM inspection WHERE {LATEST_OF_TASK}");
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(task_id)
        .fetch_optional(p)
        .await?))
}

/// Every version of a task's form, first to last.
pub async fn versions(db: &Db, task_id: i64) -> Result<Vec<Inspection>> {
    let sql = format!("SELECT {COLUMNS} FROM inspection WHERE task_id = $1 ORDER BY version");
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(task_id)
        .fetch_all(p)
        .await?))
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Inspection>> {
    let sql = format!("SELECT {COLUMNS} FROM inspection WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await?))
}

/// The one inspection `WHERE {filter}` selects (bound to `value`), read inside `tx`.
async fn one_in<T>(tx: &mut Tx, filter: &str, value: T) -> Result<Option<Inspection>>
where
    T: for<'q> sqlx::Encode<'q, sqlx::Sqlite>
        + for<'q> sqlx::Encode<'q, sqlx::Postgres>
        + sqlx::Type<sqlx::Sqlite>
        + sqlx::Type<sqlx::Postgres>
        + Send,
{
    let sql = format!("SELECT {COLUMNS} FROM inspection WHERE {filter}");
    Ok(on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(value)
        .fetch_optional(&mut *c)
        .await?))
}

async fn current_in(tx: &mut Tx, task_id: i64) -> Result<Option<Inspection>> {
    one_in(tx, LATEST_OF_TASK, task_id).await
}

/// The task a write concerns, its row locked until the transaction ends.
#[derive(Debug, sqlx::FromRow)]
struct LockedTask {
    id: i64,
    status: String,
    firm_id: i64,
}

/// What a submitted form must agree with (see [`TaskFacts`]).
#[derive(Debug, sqlx::FromRow)]
struct TaskRecord {
    officers: String,
    credit_code: String,
    kind: String,
    period: String,
    drawn_at: Option<DateTime<Utc>>,
}

async fn task_facts(tx: &mut Tx, task_id: i64) -> Result<TaskRecord> {
    Ok(on_tx!(tx, |c| sqlx::query_as(
        "SELECT t.officers, f.credit_code, p.kind, p.period, d.executed_at AS drawn_at \
         FROM task t JOIN firm f ON f.id = t.firm_id JOIN draw_record d ON d.id = t.draw_id \
         JOIN plan p ON p.id = d.plan_id WHERE t.id = $1"
    )
    .bind(task_id)
    .fetch_one(&mut *c)
    .await?))
}

/// The officers with a standing conflict declared with the firm before `before` (the start of
/// the visit's day; see [`crate::conflicts::declared_against`]), read under the task's lock.
async fn withdrawn_from(tx: &mut Tx, firm_id: i64, before: DateTime<Utc>) -> Result<Vec<String>> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar(crate::conflicts::DECLARED_AGAINST_BEFORE)
            .bind(firm_id)
            .bind(before)
            .fetch_all(&mut *c)
            .await?
    }))
}

/// Who may sign the form as a member of the team: the team as it stands, and those replaced
/// out of it since `visit` (the start of the visit's day, UTC) (they were there; a form submitted late or corrected
/// names them). The visit's local time and the replacement's time are not comparable within a
/// day, so a replacement on the day leaves both in.
async fn team_on(
    tx: &mut Tx,
    task_id: i64,
    mut team: Vec<String>,
    visit: Option<DateTime<Utc>>,
) -> Result<Vec<String>> {
    let Some(since) = visit else { return Ok(team) };
    let replaced: Vec<String> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT officer_out FROM task_reassignment WHERE task_id = $1 AND reassigned_at >= $2"
    )
    .bind(task_id)
    .bind(since)
    .fetch_all(&mut *c)
    .await?);
    team.extend(replaced);
    Ok(team)
}

/// Locks the task's row (a no-op update: a row lock on PostgreSQL; SQLite's write transaction
/// holds the database already), so that two writes to the same task take turns and each reads
/// what the other committed.
async fn lock_task(tx: &mut Tx, task_id: i64) -> Result<Option<LockedTask>> {
    Ok(on_tx!(tx, |c| sqlx::query_as(
        "UPDATE task SET status = status WHERE id = $1 RETURNING id, status, firm_id"
    )
    .bind(task_id)
    .fetch_optional(&mut *c)
    .await?))
}

/// Locks the task of an inspection and reads the inspection as it stands under the lock.
async fn lock_inspection(tx: &mut Tx, id: i64) -> Result<Option<(LockedTask, Inspection)>> {
    let Some(first) = one_in(tx, "id = $1", id).await? else {
        return Ok(None);
    };
    let Some(task) = lock_task(tx, first.task_id).await? else {
        return Ok(None);
    };
    Ok(one_in(tx, "id = $1", id).await?.map(|i| (task, i)))
}

async fn set_task_status(tx: &mut Tx, task_id: i64, status: &str) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE task SET status = $1 WHERE id = $2"
    )
    .bind(status)
    .bind(task_id)
    .execute(&mut *c)
    .await?
    .rows_affected());
    Ok(())
}

/// Adds version `version` of a task's form as a draft.
async fn insert_draft(
    tx: &mut Tx,
    actor: &str,
    task_id: i64,
    version: i64,
    form: &str,
    at: DateTime<Utc>,
) -> Result<Inspection> {
    let sql = format!(
        "INSERT INTO inspection (task_id, version, status, form, created_by, created_at, updated_at) \
         VALUES ($1, $2, 'draft', $3, $4, $5, $5) RETURNING {COLUMNS}"
    );
    Ok(on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(task_id)
        .bind(version)
        .bind(form)
        .bind(actor)
        .bind(at)
        .fetch_one(&mut *c)
        .await?))
}

async fn update_form(tx: &mut Tx, id: i64, form: &str, at: DateTime<Utc>) -> Result<Inspection> {
    let sql = format!(
        "UPDATE inspection SET form = $1, updated_at = $2 WHERE id = $3 RETURNING {COLUMNS}"
    );
    Ok(on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(form)
        .bind(at)
        .bind(id)
        .fetch_one(&mut *c)
        .await?))
}

/// A form for a task not yet begun: the firm's identity from the registry and the team drawn for
/// the task (R-DRAW-2R), by name and certificate. The items are left unanswered on purpose.
pub async fn prefill(db: &Db, task_id: i64) -> Result<InspectionForm> {
    let row: Option<(String, String, String, String)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT f.name, f.credit_code, f.address, t.officers FROM task t JOIN firm f ON f.id = t.firm_id WHERE t.id = $1"
    )
    .bind(task_id)
    .fetch_optional(p)
    .await?
    });
    let Some((firm_name, credit_code, address, team)) = row else {
        return Err(StoreError::NotFound(format!("task {task_id}")));
    };
    let team: Vec<String> = serde_json::from_str(&team).map_err(invalid)?;
    let officers = tasks::officer_names(db, &team)
        .await?
        .into_iter()
        .map(|(certificate_no, name)| OfficerPresent {
            name,
            certificate_no,
        })
        .collect();
    Ok(InspectionForm {
        firm_name,
        credit_code,
        address,
        officers,
        ..InspectionForm::default()
    })
}

/// Saves the team's draft of a task's form (R-INSP-4: entered as it is filled in): creates the
/// first version or updates the open one (a draft, or a returned form). A submitted or accepted
/// form is read-only. The first save marks a dispatched task as in progress.
pub async fn save_draft(
    db: &Db,
    actor: &str,
    task_id: i64,
    form: &InspectionForm,
) -> Outcome<Inspection> {
    let json = form_json(form)?;
    let at = crate::now();
    let mut tx = db.begin().await?;
    let Some(task) = lock_task(&mut tx, task_id).await? else {
        return Ok(Err(InspRefusal::UnknownTask));
    };
    if task.status == "cancelled" {
        return Ok(Err(InspRefusal::TaskCancelled));
    }
    let saved = match current_in(&mut tx, task_id).await? {
        // Nothing changed (an automatic save): nothing to record.
        Some(i) if i.is_open() && i.form == json => return Ok(Ok(i)),
        Some(i) if i.is_open() => update_form(&mut tx, i.id, &json, at).await?,
        Some(_) => return Ok(Err(InspRefusal::ReadOnly)),
        None => insert_draft(&mut tx, actor, task_id, 1, &json, at).await?,
    };
    if task.status == "dispatched" {
        set_task_status(&mut tx, task_id, "in_progress").await?;
    }
    audit::append(
        &mut tx,
        at,
        actor,
        "inspection.draft",
        &format!("inspection:{}", saved.id),
        serde_json::json!({ "task": task_id, "version": saved.version, "form_sha256": sha256_hex(&json) }),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(saved))
}

/// Submits a task's form (R-INSP-4). `submission_key` is chosen by the client for this
/// submission: sending it again (a retry, a double tap, two at once) returns the recorded
/// submission unchanged. The form must pass [`InspectionForm::validate_for_task`] with teams of
/// at least `min_officers` (R-DRAW-2R): complete, and answering its task (the firm's credit
/// code, the team as it stands, times within the task's period and not to come). The findings and measures (R-INSP-3) are written out for
/// reports, and a violation makes the firm a special supervision source (R-DRAW-SPC-1).
pub async fn submit(
    db: &Db,
    actor: &str,
    task_id: i64,
    form: &InspectionForm,
    submission_key: &str,
    min_officers: u32,
) -> Outcome<Inspection> {
    let key = Some(submission_key.trim()).filter(|k| !k.is_empty());
    let json = form_json(form)?;
    let form_sha256 = sha256_hex(&json);
    let at = crate::now();
    let mut tx = db.begin().await?;
    let Some(task) = lock_task(&mut tx, task_id).await? else {
        return Ok(Err(InspRefusal::UnknownTask));
    };
    if let Some(key) = key {
        if let Some(done) = one_in(&mut tx, "submission_key = $1", key.to_string()).await? {
            return Ok(if done.task_id == task_id {
                Ok(done)
            } else {
                Err(InspRefusal::KeyReused)
            });
        }
    }
    if task.status == "cancelled" {
        return Ok(Err(InspRefusal::TaskCancelled));
    }
    let facts = task_facts(&mut tx, task_id).await?;
    // The team and the declarations as they stood at the visit: a replacement or a conflict
    // declared after its day (before a late submission, or a correction) does not change who
    // was there.
    let visit = form
        .arrived_at
        .map(|t| t.date().and_time(chrono::NaiveTime::MIN).and_utc());
    let team: Vec<String> = serde_json::from_str(&facts.officers).map_err(invalid)?;
    let team = team_on(&mut tx, task_id, team, visit).await?;
    let period_start = crate::draws::PlanKind::parse(&facts.kind)
        .and_then(|k| crate::draws::period_days(k, &facts.period))
        .map(|(first, _)| first);
    let drawn_on = facts.drawn_at.map(|d| d.date_naive());
    let earliest = match (period_start, drawn_on) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b).unwrap_or(NaiveDate::MIN),
    };
    let before = visit.unwrap_or_else(crate::conflicts::no_later_than_any);
    let withdrawn = withdrawn_from(&mut tx, task.firm_id, before).await?;
    let task_facts = TaskFacts {
        team: &team,
        withdrawn: &withdrawn,
        credit_code: &facts.credit_code,
        earliest,
        // UTC+14 is the latest local time anywhere: a visit's local time cannot be after it.
        latest: at.naive_utc() + chrono::Duration::hours(14),
    };
    let problems = form.validate_for_task(min_officers, &task_facts);
    if !problems.is_empty() {
        return Ok(Err(InspRefusal::Invalid(problems)));
    }
    let draft = match current_in(&mut tx, task_id).await? {
        Some(i) if i.is_open() => i,
        Some(_) => return Ok(Err(InspRefusal::ReadOnly)),
        None => insert_draft(&mut tx, actor, task_id, 1, &json, at).await?,
    };
    let sql = format!(
        "UPDATE inspection SET status = 'submitted', form = $1, form_sha256 = $2, submission_key = $3, \
         submitted_by = $4, submitted_at = $5, updated_at = $5, reviewed_by = NULL, reviewed_at = NULL, \
         review_comment = NULL WHERE id = $6 RETURNING {COLUMNS}"
    );
    let submitted: Inspection = on_tx!(&mut tx, |c| sqlx::query_as(&sql)
        .bind(&json)
        .bind(&form_sha256)
        .bind(key)
        .bind(actor)
        .bind(at)
        .bind(draft.id)
        .fetch_one(&mut *c)
        .await?);
    write_findings(&mut tx, submitted.id, form).await?;
    set_task_status(&mut tx, task_id, "submitted").await?;
    let violation = form.has_violation();
    if violation {
        mark_special(&mut tx, &task, submitted.id, form, at).await?;
    }
    audit::append(
        &mut tx,
        at,
        actor,
        "inspection.submit",
        &format!("inspection:{}", submitted.id),
        serde_json::json!({ "task": task_id, "version": submitted.version,
                            "form_sha256": form_sha256, "violation": violation }),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(submitted))
}

/// Replaces the finding and measure rows of an inspection with those of its form.
async fn write_findings(tx: &mut Tx, inspection_id: i64, form: &InspectionForm) -> Result<()> {
    for table in ["measure", "finding"] {
        let sql = format!("DELETE FROM {table} WHERE inspection_id = $1");
        on_tx!(tx, |c| sqlx::query(&sql)
            .bind(inspection_id)
            .execute(&mut *c)
            .await?
            .rows_affected());
    }
    for (idx, finding) in form.findings.iter().enumerate() {
        let idx = idx as i64;
        on_tx!(tx, |c| {
            sqlx::query(
            "INSERT INTO finding (inspection_id, idx, item, violation, order_to_correct, case_filed) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(inspection_id)
        .bind(idx)
        .bind(finding.item.map(CheckItem::as_str))
        .bind(finding.violation.trim())
        .bind(finding.order_to_correct.as_deref())
        .bind(finding.case_filed.as_deref())
        .execute(&mut *c)
        .await?
        .rows_affected()
        });
        for measure in &finding.measures {
            on_tx!(tx, |c| {
                sqlx::query(
                "INSERT INTO measure (inspection_id, finding_index, kind, decided_on, document_no) \
                 VALUES ($1, $2, $3, $4, $5)"
            )
            .bind(inspection_id)
            .bind(idx)
            .bind(measure.kind.as_str())
            .bind(measure.decided_on)
            .bind(measure.document_no.trim())
            .execute(&mut *c)
            .await?
            .rows_affected()
            });
        }
    }
    Ok(())
}

/// R-DRAW-SPC-1: the firm becomes a special source of its own agency, from the quarter of the
/// visit.
async fn mark_special(
    tx: &mut Tx,
    task: &LockedTask,
    inspection_id: i64,
    form: &InspectionForm,
    at: DateTime<Utc>,
) -> Result<()> {
    let Some(arrived) = form.arrived_at else {
        return Err(StoreError::Invalid(
            "a submitted form has an arrival".into(),
        ));
    };
    let agency_id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT agency_id FROM firm WHERE id = $1"
    )
    .bind(task.firm_id)
    .fetch_one(&mut *c)
    .await?);
    let quarter = Quarter::containing(arrived.date());
    special::mark_finding(tx, task.firm_id, agency_id, inspection_id, quarter, at).await
}

/// Accepts a submitted form or returns it to the team with a comment (R-INSP-4). Acceptance
/// closes the task (and an accepted earlier version becomes superseded); a returned form is
/// edited and submitted again as the same version.
pub async fn review(
    db: &Db,
    actor: &str,
    inspection_id: i64,
    accept: bool,
    comment: &str,
) -> Outcome<Inspection> {
    let comment = Some(comment.trim()).filter(|c| !c.is_empty());
    if !accept && comment.is_none() {
        return Ok(Err(InspRefusal::CommentRequired));
    }
    let (status, task_status) = if accept {
        ("accepted", "accepted")
    } else {
        ("returned", "returned")
    };
    let at = crate::now();
    let mut tx = db.begin().await?;
    let Some((task, _)) = lock_inspection(&mut tx, inspection_id).await? else {
        return Ok(Err(InspRefusal::UnknownInspection));
    };
    let sql = format!(
        "UPDATE inspection SET status = $1, reviewed_by = $2, reviewed_at = $3, review_comment = $4, \
         updated_at = $3 WHERE id = $5 AND status = 'submitted' RETURNING {COLUMNS}"
    );
    let reviewed: Option<Inspection> = on_tx!(&mut tx, |c| sqlx::query_as(&sql)
        .bind(status)
        .bind(actor)
        .bind(at)
        .bind(comment)
        .bind(inspection_id)
        .fetch_optional(&mut *c)
        .await?);
    let Some(reviewed) = reviewed else {
        return Ok(Err(InspRefusal::NotSubmitted));
    };
    if accept {
        on_tx!(&mut tx, |c| {
            sqlx::query(
            "UPDATE inspection SET status = 'superseded' WHERE task_id = $1 AND version < $2 AND status = 'accepted'"
        )
        .bind(task.id)
        .bind(reviewed.version)
        .execute(&mut *c)
        .await?
        .rows_affected()
        });
    }
    set_task_status(&mut tx, task.id, task_status).await?;
    audit::append(
        &mut tx,
        at,
        actor,
        "inspection.review",
        &format!("inspection:{inspection_id}"),
        serde_json::json!({ "decision": status, "comment": comment, "version": reviewed.version,
                            "form_sha256": reviewed.form_sha256 }),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(reviewed))
}

/// Starts a correction of an accepted form: the next version, a draft copied from the accepted
/// one, which stays as it was until the correction is accepted. The task is in progress again.
pub async fn correct(db: &Db, actor: &str, task_id: i64) -> Outcome<Inspection> {
    let at = crate::now();
    let mut tx = db.begin().await?;
    let Some(task) = lock_task(&mut tx, task_id).await? else {
        return Ok(Err(InspRefusal::UnknownTask));
    };
    if task.status == "cancelled" {
        return Ok(Err(InspRefusal::TaskCancelled));
    }
    let accepted = match current_in(&mut tx, task_id).await? {
        Some(i) if i.status == "accepted" => i,
        _ => return Ok(Err(InspRefusal::NotAccepted)),
    };
    let draft = insert_draft(
        &mut tx,
        actor,
        task_id,
        accepted.version + 1,
        &accepted.form,
        at,
    )
    .await?;
    set_task_status(&mut tx, task_id, "in_progress").await?;
    audit::append(
        &mut tx,
        at,
        actor,
        "inspection.correct",
        &format!("inspection:{}", draft.id),
        serde_json::json!({ "task": task_id, "version": draft.version, "corrects": accepted.id }),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(draft))
}

// ---------------------------------------------------------------------------------------------
// Evidence.

/// What an upload of evidence may be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct EvidenceLimits {
    pub max_bytes: u64,
    /// Media types accepted, as recognised from the file's content.
    pub media_types: Vec<String>,
}

impl Default for EvidenceLimits {
    fn default() -> Self {
        EvidenceLimits {
            max_bytes: 10 * 1024 * 1024,
            media_types: vec![
                "image/jpeg".into(),
                "image/png".into(),
                "application/pdf".into(),
            ],
        }
    }
}

/// A photo, document or signature as uploaded.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvidence {
    /// The check item it documents, or `None` for the whole form.
    pub item: Option<CheckItem>,
    /// `photo`, `document` or `signature`.
    pub kind: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// When and where the device says the photo was taken (its local time).
    pub taken_at: Option<NaiveDateTime>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Who signed, for a signature.
    pub signer: Option<String>,
}

/// Evidence without its content.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct EvidenceMeta {
    pub id: i64,
    pub inspection_id: i64,
    pub item: Option<String>,
    pub kind: String,
    pub file_name: String,
    /// As recognised from the content, not as declared.
    pub media_type: String,
    pub size: i64,
    /// SHA-256 of the original file, which is kept unaltered.
    pub sha256: String,
    pub has_thumbnail: bool,
    pub taken_at: Option<NaiveDateTime>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub signer: Option<String>,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

const EVIDENCE_COLUMNS: &str =
    "id, inspection_id, item, kind, file_name, media_type, size, sha256, \
    thumbnail IS NOT NULL AS has_thumbnail, taken_at, lat, lon, signer, uploaded_by, uploaded_at";

const EVIDENCE_KINDS: [&str; 3] = ["photo", "document", "signature"];

/// The longest side of a thumbnail, in pixels.
const THUMBNAIL_SIZE: u32 = 320;

/// The media type a file's first bytes show, if it is one evidence may be.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// The media type a file's name claims, for the extensions evidence comes with.
fn named_type(file_name: &str) -> Option<&'static str> {
    let (_, extension) = file_name.rsplit_once('.')?;
    match extension.to_ascii_lowercase().as_str() {
        "jpg" | "jpeg" => Some("image/jpeg"),
        "png" => Some("image/png"),
        "pdf" => Some("application/pdf"),
        _ => None,
    }
}

/// The media type of an upload, recognised from its content; refused when unknown, not allowed,
/// or not what its name claims.
fn media_type_of(
    upload: &NewEvidence,
    limits: &EvidenceLimits,
) -> std::result::Result<&'static str, InspRefusal> {
    let Some(found) = sniff(&upload.bytes) else {
        return Err(InspRefusal::BadFileType {
            found: FoundFile::Unknown,
        });
    };
    let allowed = limits.media_types.iter().any(|t| t == found);
    let named_otherwise = named_type(&upload.file_name).is_some_and(|named| named != found);
    if !allowed || named_otherwise {
        return Err(InspRefusal::BadFileType {
            found: FoundFile::MediaType(found),
        });
    }
    Ok(found)
}

/// A JPEG of at most [`THUMBNAIL_SIZE`] px on its longest side, turned upright; `None` when the
/// image cannot be decoded.
fn thumbnail(bytes: &[u8], media_type: &str) -> Option<Vec<u8>> {
    use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
    let format = match media_type {
        "image/jpeg" => ImageFormat::Jpeg,
        "image/png" => ImageFormat::Png,
        _ => return None,
    };
    let mut reader = ImageReader::with_format(std::io::Cursor::new(bytes), format);
    // A small file may claim a huge picture: bound what decoding may allocate.
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(16_384);
    limits.max_image_height = Some(16_384);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().ok()?;
    let orientation = decoder.orientation().ok();
    let mut picture = DynamicImage::from_decoder(decoder).ok()?;
    if let Some(orientation) = orientation {
        picture.apply_orientation(orientation);
    }
    if picture.width().max(picture.height()) > THUMBNAIL_SIZE {
        picture = picture.thumbnail(THUMBNAIL_SIZE, THUMBNAIL_SIZE);
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&picture.to_rgb8())
        .ok()?;
    Some(out)
}

/// Checks an upload before anything is stored: its kind, its size, its type.
fn check_upload(
    upload: &NewEvidence,
    limits: &EvidenceLimits,
) -> std::result::Result<&'static str, InspRefusal> {
    if !EVIDENCE_KINDS.contains(&upload.kind.as_str()) {
        return Err(InspRefusal::UnknownKind(upload.kind.clone()));
    }
    let signer = upload.signer.as_deref().unwrap_or("").trim();
    if upload.kind == "signature" && signer.is_empty() {
        return Err(InspRefusal::SignerRequired);
    }
    let size = upload.bytes.len() as u64;
    if size > limits.max_bytes {
        return Err(InspRefusal::TooLarge {
            limit: limits.max_bytes,
            size,
        });
    }
    media_type_of(upload, limits)
}

/// Attaches a photo, document or signature to an inspection (R-INSP-1). The type is recognised
/// from the content, the original is stored unaltered with its SHA-256, and images get a
/// thumbnail. The same file twice is stored once. Evidence is added while the form is open; a
/// signature also after submission, until the form is accepted.
pub async fn attach(
    db: &Db,
    actor: &str,
    inspection_id: i64,
    upload: NewEvidence,
    limits: &EvidenceLimits,
) -> Outcome<EvidenceMeta> {
    let media_type = match check_upload(&upload, limits) {
        Ok(t) => t,
        Err(refusal) => return Ok(Err(refusal)),
    };
    // Decoding a photo takes a while: off the async workers.
    let (upload, thumb) = tokio::task::spawn_blocking(move || {
        let thumb = media_type
            .starts_with("image/")
            .then(|| thumbnail(&upload.bytes, media_type));
        (upload, thumb)
    })
    .await
    .map_err(|e| StoreError::Invalid(format!("thumbnail: {e}")))?;
    let thumb = match thumb {
        Some(None) => {
            return Ok(Err(InspRefusal::BadFileType {
                found: FoundFile::DamagedImage,
            }))
        }
        Some(t) => t,
        None => None,
    };
    let sha256 = sha256_hex(&upload.bytes);
    let at = crate::now();
    let mut tx = db.begin().await?;
    let Some((_, inspection)) = lock_inspection(&mut tx, inspection_id).await? else {
        return Ok(Err(InspRefusal::UnknownInspection));
    };
    let signing = upload.kind == "signature" && inspection.status == "submitted";
    if !inspection.is_open() && !signing {
        return Ok(Err(InspRefusal::ReadOnly));
    }
    let sql = format!(
        "INSERT INTO evidence (inspection_id, item, kind, file_name, media_type, size, sha256, content, thumbnail, \
         taken_at, lat, lon, signer, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
         ON CONFLICT (inspection_id, sha256) DO NOTHING RETURNING {EVIDENCE_COLUMNS}"
    );
    let stored: Option<EvidenceMeta> = on_tx!(&mut tx, |c| sqlx::query_as(&sql)
        .bind(inspection_id)
        .bind(upload.item.map(CheckItem::as_str))
        .bind(&upload.kind)
        .bind(upload.file_name.trim())
        .bind(media_type)
        .bind(upload.bytes.len() as i64)
        .bind(&sha256)
        .bind(&upload.bytes)
        .bind(&thumb)
        .bind(upload.taken_at)
        .bind(upload.lat)
        .bind(upload.lon)
        .bind(upload.signer.as_deref().map(str::trim))
        .bind(actor)
        .bind(at)
        .fetch_optional(&mut *c)
        .await?);
    let Some(stored) = stored else {
        // The same file is attached already: that one stands.
        drop(tx);
        return evidence_by_hash(db, inspection_id, &sha256).await.map(Ok);
    };
    audit::append(
        &mut tx,
        at,
        actor,
        "inspection.attach",
        &format!("inspection:{inspection_id}"),
        serde_json::json!({ "evidence": stored.id, "kind": stored.kind, "media_type": media_type,
                            "sha256": sha256, "size": stored.size }),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(stored))
}

async fn evidence_by_hash(db: &Db, inspection_id: i64, sha256: &str) -> Result<EvidenceMeta> {
    let sql =
        format!("SELECT {EVIDENCE_COLUMNS} FROM evidence WHERE inspection_id = $1 AND sha256 = $2");
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(inspection_id)
        .bind(sha256)
        .fetch_one(p)
        .await?))
}

/// The evidence of an inspection, without content, in the order it was added.
pub async fn evidence_of(db: &Db, inspection_id: i64) -> Result<Vec<EvidenceMeta>> {
    let sql =
        format!("SELECT {EVIDENCE_COLUMNS} FROM evidence WHERE inspection_id = $1 ORDER BY id");
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(inspection_id)
        .fetch_all(p)
        .await?))
}

#[derive(sqlx::FromRow)]
struct WithBytes {
    #[sqlx(flatten)]
    meta: EvidenceMeta,
    bytes: Vec<u8>,
}

/// Evidence with the bytes of `column` (the original or the thumbnail), when it has them.
async fn evidence_with(
    db: &Db,
    evidence_id: i64,
    column: &str,
) -> Result<Option<(EvidenceMeta, Vec<u8>)>> {
    let sql = format!(
        "SELECT {EVIDENCE_COLUMNS}, {column} AS bytes FROM evidence WHERE id = $1 AND {column} IS NOT NULL"
    );
    let row: Option<WithBytes> = on_db!(db, |p| sqlx::query_as(&sql)
        .bind(evidence_id)
        .fetch_optional(p)
        .await?);
    Ok(row.map(|r| (r.meta, r.bytes)))
}

/// A piece of evidence and its original file, unaltered.
pub async fn evidence_content(
    db: &Db,
    evidence_id: i64,
) -> Result<Option<(EvidenceMeta, Vec<u8>)>> {
    evidence_with(db, evidence_id, "content").await
}

/// A piece of evidence and its thumbnail (JPEG), if it is an image.
pub async fn evidence_thumbnail(
    db: &Db,
    evidence_id: i64,
) -> Result<Option<(EvidenceMeta, Vec<u8>)>> {
    evidence_with(db, evidence_id, "thumbnail").await
}

// ---------------------------------------------------------------------------------------------
// Results detail (附表2).

/// The result of a task's check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckResult {
    /// No submitted form yet.
    NotChecked,
    Compliant,
    Violation,
}

impl CheckResult {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckResult::NotChecked => "not_checked",
            CheckResult::Compliant => "compliant",
            CheckResult::Violation => "violation",
        }
    }
}

/// One line of the results detail (附表2 污染源日常监管随机抽查结果明细, R-REP-2).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResultRow {
    pub task_id: i64,
    pub due_on: NaiveDate,
    pub task_status: String,
    pub firm_name: String,
    pub credit_code: String,
    /// `key`, `general`, … as the registry has it.
    pub firm_category: String,
    pub plan_kind: String,
    pub plan_period: String,
    pub draw_label: String,
    /// The team drawn for the task.
    pub officers: Vec<OfficerPresent>,
    /// The latest submitted or accepted version of the form, if any.
    pub inspection_id: Option<i64>,
    pub checked_on: Option<NaiveDate>,
    pub result: CheckResult,
    /// The violations found, joined with '；'.
    pub problems: String,
    pub measures: Vec<MeasureKind>,
    pub orders_to_correct: Vec<String>,
    pub cases_filed: Vec<String>,
    /// The special source the check made: `open` or `rectified` (R-DRAW-SPC-3).
    pub rectification: Option<String>,
}

#[derive(sqlx::FromRow)]
struct DetailRow {
    task_id: i64,
    due_on: NaiveDate,
    task_status: String,
    firm_name: String,
    credit_code: String,
    firm_category: String,
    plan_kind: String,
    plan_period: String,
    draw_label: String,
    officers: String,
    inspection_id: Option<i64>,
    form: Option<String>,
    rectification: Option<String>,
}

/// The results detail of the tasks due in `[from, to]` of the agencies under
/// `agency_path_prefix`, cancelled tasks left out, soonest due first (R-REP-2).
pub async fn results_detail(
    db: &Db,
    agency_path_prefix: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<ResultRow>> {
    let rows: Vec<DetailRow> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT t.id AS task_id, t.due_on, t.status AS task_status, f.name AS firm_name, f.credit_code, \
         f.category AS firm_category, p.kind AS plan_kind, p.period AS plan_period, d.label AS draw_label, \
         t.officers, i.id AS inspection_id, i.form, \
         (SELECT s.status FROM special_source s JOIN inspection j ON j.id = s.reason_id \
          WHERE s.reason_kind = 'inspection' AND j.task_id = t.id ORDER BY s.id LIMIT 1) AS rectification \
         FROM task t JOIN agency a ON a.id = t.agency_id JOIN firm f ON f.id = t.firm_id \
         JOIN draw_record d ON d.id = t.draw_id JOIN plan p ON p.id = d.plan_id \
         LEFT JOIN inspection i ON i.id = (SELECT v.id FROM inspection v WHERE v.task_id = t.id \
          AND v.status IN ('submitted', 'accepted') ORDER BY v.version DESC LIMIT 1) \
         WHERE a.path LIKE $1 AND t.due_on >= $2 AND t.due_on <= $3 AND t.status <> 'cancelled' \
         ORDER BY t.due_on, t.id"
    )
    .bind(format!("{agency_path_prefix}%"))
    .bind(from)
    .bind(to)
    .fetch_all(p)
    .await?
    });
    let names = team_names(db, &rows).await?;
    rows.into_iter()
        .map(|row| result_row(row, &names))
        .collect()
}

/// The names of every officer on the rows' teams, by certificate number.
async fn team_names(db: &Db, rows: &[DetailRow]) -> Result<HashMap<String, String>> {
    let mut certificates = Vec::new();
    for row in rows {
        let team: Vec<String> = serde_json::from_str(&row.officers).map_err(invalid)?;
        certificates.extend(team);
    }
    certificates.sort();
    certificates.dedup();
    Ok(tasks::officer_names(db, &certificates)
        .await?
        .into_iter()
        .collect())
}

fn result_row(row: DetailRow, names: &HashMap<String, String>) -> Result<ResultRow> {
    let team: Vec<String> = serde_json::from_str(&row.officers).map_err(invalid)?;
    let officers = team
        .into_iter()
        .map(|certificate_no| OfficerPresent {
            name: names.get(&certificate_no).cloned().unwrap_or_default(),
            certificate_no,
        })
        .collect();
    let form: Option<InspectionForm> = match &row.form {
        Some(json) => Some(serde_json::from_str(json).map_err(invalid)?),
        None => None,
    };
    let findings = form.as_ref().map(|f| f.findings.as_slice()).unwrap_or(&[]);
    let result = match &form {
        None => CheckResult::NotChecked,
        Some(f) if f.has_violation() => CheckResult::Violation,
        Some(_) => CheckResult::Compliant,
    };
    Ok(ResultRow {
        task_id: row.task_id,
        due_on: row.due_on,
        task_status: row.task_status,
        firm_name: row.firm_name,
        credit_code: row.credit_code,
        firm_category: row.firm_category,
        plan_kind: row.plan_kind,
        plan_period: row.plan_period,
        draw_label: row.draw_label,
        officers,
        inspection_id: row.inspection_id,
        checked_on: form.as_ref().and_then(|f| f.arrived_at).map(|t| t.date()),
        result,
        problems: findings
            .iter()
            .map(|f| f.violation.trim())
            .collect::<Vec<_>>()
            .join("；"),
        measures: findings
            .iter()
            .flat_map(|f| f.measures.iter().map(|m| m.kind))
            .collect(),
        orders_to_correct: findings
            .iter()
            .filter_map(|f| f.order_to_correct.clone())
            .collect(),
        cases_filed: findings
            .iter()
            .filter_map(|f| f.case_filed.clone())
            .collect(),
        rectification: row.rectification,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(file_name: &str, bytes: &[u8]) -> NewEvidence {
        NewEvidence {
            item: None,
            kind: "photo".into(),
            file_name: file_name.into(),
            bytes: bytes.to_vec(),
            taken_at: None,
            lat: None,
            lon: None,
            signer: None,
        }
    }

    #[test]
    fn the_type_is_read_from_the_content_not_the_name() {
        let limits = EvidenceLimits::default();
        let png = b"\x89PNG\r\n\x1a\n....";
        assert_eq!(
            check_upload(&upload("a.png", png), &limits),
            Ok("image/png")
        );
        assert_eq!(
            check_upload(&upload("photo", png), &limits),
            Ok("image/png")
        );
        assert_eq!(
            check_upload(&upload("a.jpg", png), &limits),
            Err(InspRefusal::BadFileType {
                found: FoundFile::MediaType("image/png")
            }),
            "a PNG named .jpg"
        );
        assert_eq!(
            check_upload(&upload("a.jpg", b"hello"), &limits),
            Err(InspRefusal::BadFileType {
                found: FoundFile::Unknown
            })
        );
        assert_eq!(
            check_upload(&upload("Scan.PDF", b"%PDF-1.7 ..."), &limits),
            Ok("application/pdf")
        );
        let photos_only = EvidenceLimits {
            media_types: vec!["image/jpeg".into()],
            ..limits
        };
        assert!(check_upload(&upload("a.pdf", b"%PDF-1.7"), &photos_only).is_err());
    }

    #[test]
    fn a_signature_names_its_signer_and_kinds_are_known() {
        let limits = EvidenceLimits::default();
        let mut u = upload("sig.png", b"\x89PNG\r\n\x1a\n");
        u.kind = "signature".into();
        assert_eq!(check_upload(&u, &limits), Err(InspRefusal::SignerRequired));
        u.signer = Some("张伟".into());
        assert!(check_upload(&u, &limits).is_ok());
        u.kind = "video".into();
        assert_eq!(
            check_upload(&u, &limits),
            Err(InspRefusal::UnknownKind("video".into()))
        );
    }

    #[test]
    fn a_damaged_image_has_no_thumbnail() {
        assert_eq!(thumbnail(b"\x89PNG\r\n\x1a\nbroken", "image/png"), None);
    }
}
