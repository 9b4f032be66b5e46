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

/// The tasks of the officer with `certificate_no`, soonest due first.
pub async fn for_officer(db: &Db, certificate_no: &str) -> Result<Vec<TaskView>> {
    // The team is stored as a JSON array of certificate numbers; the quoted number is matched.
    let needle = format!(
        "%{}%",
        serde_json::to_string(certificate_no).map_err(|e| StoreError::Invalid(e.to_string()))?
    );
    Ok(on_db!(db, |p| {
        sqlx::query_as(
        "SELECT t.id, t.due_on, t.status, f.credit_code, f.name AS firm_name, f.address, f.lon, f.lat, t.officers \
         FROM task t JOIN firm f ON f.id = t.firm_id WHERE t.officers LIKE $1 ORDER BY t.due_on, t.id"
    )
    .bind(needle)
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
