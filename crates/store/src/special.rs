//! Special supervision sources (特殊监管源): firms with prominent violations or management problems
//! in a quarter (R-DRAW-SPC-1), named by a penalty case, a prominent complaint, a key problem or a
//! violation found in an on-site check (R-INSP-3).
//! A firm stays special until an authorised user records its rectification (整改) as complete,
//! with the evidence (R-DRAW-SPC-3).

use chrono::{DateTime, Utc};
use serde::Serialize;
use spotcheck_core::lists::Record;
use spotcheck_core::period::Quarter;

use crate::{audit, on_db, on_tx, Db, Result, StoreError, Tx};

/// Why a firm became special, and the quarter it counts from.
fn reason_of(record: &Record) -> Option<(&'static str, &str, Quarter)> {
    match record {
        Record::Penalty(p) => Some((
            "penalty",
            p.credit_code.as_str(),
            Quarter::containing(p.decided_on),
        )),
        Record::Complaint(k) => Some(("complaint", k.credit_code.as_str(), k.quarter)),
        Record::Problem(k) => Some(("problem", k.credit_code.as_str(), k.quarter)),
        _ => None,
    }
}

/// Marks the firm named by a new case, complaint or problem as a special source (R-DRAW-SPC-1).
/// A record already marked is left as it is.
pub async fn mark(tx: &mut Tx, record: &Record, record_id: i64, at: DateTime<Utc>) -> Result<()> {
    let Some((reason, code, quarter)) = reason_of(record) else {
        return Ok(());
    };
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO special_source (agency_id, firm_id, reason_kind, reason_id, since_quarter, status, created_at) \
         SELECT agency_id, id, $1, $2, $3, 'open', $4 FROM firm WHERE credit_code = $5 \
         ON CONFLICT (reason_kind, reason_id) DO NOTHING"
    )
    .bind(reason)
    .bind(record_id)
    .bind(quarter.to_string())
    .bind(at)
    .bind(code)
    .execute(&mut *c)
    .await?
    .rows_affected()
    });
    Ok(())
}

/// As [`mark`] for many new records in one statement: `(record, its id, the firm it names, the
/// firm's agency)` each. Records that mark nothing (projects) are passed over.
pub async fn mark_many(
    tx: &mut Tx,
    marks: &[(&Record, i64, i64, i64)],
    at: DateTime<Utc>,
) -> Result<()> {
    let marks: Vec<_> = marks
        .iter()
        .filter_map(|(record, id, firm, agency)| {
            reason_of(record).map(|(reason, _, quarter)| (reason, *id, *firm, *agency, quarter))
        })
        .collect();
    if marks.is_empty() {
        return Ok(());
    }
    on_tx!(tx, |c| {
        let mut q = sqlx::QueryBuilder::new(
            "INSERT INTO special_source (agency_id, firm_id, reason_kind, reason_id, since_quarter, status, created_at) ",
        );
        q.push_values(&marks, |mut row, (reason, id, firm, agency, quarter)| {
            row.push_bind(*agency)
                .push_bind(*firm)
                .push_bind(*reason)
                .push_bind(*id)
                .push_bind(quarter.to_string())
                .push_bind("open")
                .push_bind(at);
        });
        q.push(" ON CONFLICT (reason_kind, reason_id) DO NOTHING");
        q.build().execute(&mut *c).await?.rows_affected()
    });
    Ok(())
}

/// Marks the firm as a special source because an on-site check found a violation
/// (R-DRAW-SPC-1): it may be drawn from the quarter after `quarter`, the quarter of the check.
/// One check makes one special source: a later version of the same task's form (a correction)
/// adds none.
pub async fn mark_finding(
    tx: &mut Tx,
    firm_id: i64,
    agency_id: i64,
    inspection_id: i64,
    quarter: Quarter,
    at: DateTime<Utc>,
) -> Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO special_source (agency_id, firm_id, reason_kind, reason_id, since_quarter, status, created_at) \
         SELECT $1, $2, 'inspection', $3, $4, 'open', $5 WHERE NOT EXISTS (SELECT 1 FROM special_source s \
         JOIN inspection i ON i.id = s.reason_id JOIN inspection j ON j.task_id = i.task_id \
         WHERE s.reason_kind = 'inspection' AND j.id = $3) \
         ON CONFLICT (reason_kind, reason_id) DO NOTHING"
    )
    .bind(agency_id)
    .bind(firm_id)
    .bind(inspection_id)
    .bind(quarter.to_string())
    .bind(at)
    .execute(&mut *c)
    .await?
    .rows_affected()
    });
    Ok(())
}

/// A special source as the consolidated list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct SpecialSource {
    pub id: i64,
    pub agency_id: i64,
    pub firm_id: i64,
    pub credit_code: String,
    pub firm_name: String,
    pub reason_kind: String,
    pub reason_id: i64,
    pub since_quarter: String,
    pub status: String,
    pub rectified_at: Option<DateTime<Utc>>,
    pub rectified_by: Option<String>,
    pub evidence: Option<String>,
}

const COLUMNS: &str =
    "s.id, s.agency_id, s.firm_id, f.credit_code, f.name AS firm_name, s.reason_kind, \
    s.reason_id, s.since_quarter, s.status, s.rectified_at, s.rectified_by, s.evidence";

/// The special sources of the agencies under `path_prefix`, open ones first, newest first.
pub async fn list(db: &Db, path_prefix: &str, open_only: bool) -> Result<Vec<SpecialSource>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM special_source s JOIN firm f ON f.id = s.firm_id JOIN agency a ON a.id = s.agency_id \
         WHERE a.path LIKE $1 AND (s.status = 'open' OR $2 = 0) ORDER BY s.status, s.since_quarter DESC, s.id"
    );
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(format!("{path_prefix}%"))
        .bind(i64::from(open_only))
        .fetch_all(p)
        .await?))
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<SpecialSource>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM special_source s JOIN firm f ON f.id = s.firm_id WHERE s.id = $1"
    );
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await?))
}

/// Records the rectification of a special source as complete (R-DRAW-SPC-3), with the evidence.
pub async fn rectify(
    db: &Db,
    actor: &str,
    id: i64,
    evidence: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    if evidence.trim().is_empty() {
        return Err(StoreError::Invalid(
            "rectification evidence is required".into(),
        ));
    }
    let mut tx = db.begin().await?;
    let changed = on_tx!(&mut tx, |c| {
        sqlx::query(
        "UPDATE special_source SET status = 'rectified', rectified_at = $1, rectified_by = $2, evidence = $3 \
         WHERE id = $4 AND status = 'open'"
    )
    .bind(at)
    .bind(actor)
    .bind(evidence.trim())
    .bind(id)
    .execute(&mut *c)
    .await?
    .rows_affected()
    });
    if changed == 0 {
        return Err(StoreError::NotFound(format!("open special source {id}")));
    }
    audit::append(
        &mut tx,
        at,
        actor,
        "special_source.rectified",
        &format!("special_source:{id}"),
        serde_json::json!({ "evidence": evidence.trim() }),
    )
    .await?;
    tx.commit().await
}
