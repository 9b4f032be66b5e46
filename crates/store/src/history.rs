//! History of registry records: every version of every record with the interval it was valid,
//! so that any list can be shown as it stood at a past moment (R-LIST, "lists change during the
//! year … every draw uses the list as it stood at the moment of the draw").

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{on_db, on_tx, Db, Result, Tx};

/// Records `data` as the newest version of record `record_id` of `kind`, closing the previous
/// version at `at`. Returns the new version number (1 for a new record).
pub async fn record<T: Serialize>(
    tx: &mut Tx,
    kind: &str,
    record_id: i64,
    agency_id: i64,
    data: &T,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<i64> {
    let data =
        serde_json::to_string(data).map_err(|e| crate::StoreError::Invalid(e.to_string()))?;
    record_json(tx, kind, record_id, agency_id, &data, actor, at, false).await
}

/// As [`record`], with the data already serialised. `is_new` says the record has no version
/// yet, which spares the statement that closes the previous one (imports write many new records).
#[allow(clippy::too_many_arguments)]
pub async fn record_json(
    tx: &mut Tx,
    kind: &str,
    record_id: i64,
    agency_id: i64,
    data: &str,
    actor: &str,
    at: DateTime<Utc>,
    is_new: bool,
) -> Result<i64> {
    on_tx!(tx, |c| {
        let previous: Option<i64> = if is_new {
            None
        } else {
            sqlx::query_scalar(
                "UPDATE record_version SET valid_to = $1 \
             WHERE kind = $2 AND record_id = $3 AND valid_to IS NULL RETURNING version",
            )
            .bind(at)
            .bind(kind)
            .bind(record_id)
            .fetch_optional(&mut *c)
            .await?
        };
        let version = previous.unwrap_or(0) + 1;
        sqlx::query(
            "INSERT INTO record_version (kind, record_id, agency_id, version, valid_from, valid_to, data, changed_by) \
             VALUES ($1, $2, $3, $4, $5, NULL, $6, $7)",
        )
        .bind(kind)
        .bind(record_id)
        .bind(agency_id)
        .bind(version)
        .bind(at)
        .bind(data)
        .bind(actor)
        .execute(&mut *c)
        .await?;
        Ok(version)
    })
}

/// One stored version.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Version {
    pub record_id: i64,
    pub version: i64,
    pub valid_from: DateTime<Utc>,
    pub valid_to: Option<DateTime<Utc>>,
    /// The record as it stood, as JSON.
    pub data: String,
    pub changed_by: String,
}

/// Every version of one record, oldest first.
pub async fn of_record(db: &Db, kind: &str, record_id: i64) -> Result<Vec<Version>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT record_id, version, valid_from, valid_to, data, changed_by FROM record_version \
         WHERE kind = $1 AND record_id = $2 ORDER BY version"
    )
    .bind(kind)
    .bind(record_id)
    .bind(record_id)
    .fetch_all(p)
    .await?))
}

/// The list of `kind` of one agency as it stood at `at`: the version of each record that was
/// valid then, ordered by record id.
pub async fn as_of(db: &Db, kind: &str, agency_id: i64, at: DateTime<Utc>) -> Result<Vec<Version>> {
    Ok(on_db!(db, |p| {
        sqlx::query_as(
        "SELECT record_id, version, valid_from, valid_to, data, changed_by FROM record_version \
         WHERE kind = $1 AND agency_id = $2 AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3) \
         ORDER BY record_id"
    )
    .bind(kind)
    .bind(agency_id)
    .bind(at)
    .fetch_all(p)
    .await?
    }))
}
