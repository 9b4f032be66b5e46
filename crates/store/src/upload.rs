//! Uploaded list files waiting between their preview and their application. They live in the
//! database, not in a server's memory, so that any app server can apply what another previewed.

use chrono::{DateTime, Duration, Utc};

use crate::{on_db, on_tx, Db, Result};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Upload {
    pub token: String,
    pub account_id: i64,
    pub agency_id: i64,
    pub list_kind: String,
    pub file_name: String,
    pub content: Vec<u8>,
    pub content_sha256: String,
    pub created_at: DateTime<Utc>,
}

/// How long an upload waits for its application.
pub const KEEP_FOR: Duration = Duration::hours(2);

/// Stores a file for `account`; returns the token that names it.
pub async fn save(
    db: &Db,
    account_id: i64,
    agency_id: i64,
    list_kind: &str,
    file_name: &str,
    content: &[u8],
) -> Result<String> {
    let token = crate::random_token();
    let now = crate::now();
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| {
        // Old uploads nobody applied are removed on the way.
        sqlx::query("DELETE FROM import_upload WHERE created_at < $1")
            .bind(now - KEEP_FOR)
            .execute(&mut *c)
            .await?;
        sqlx::query(
            "INSERT INTO import_upload (token, account_id, agency_id, list_kind, file_name, content, content_sha256, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&token)
        .bind(account_id)
        .bind(agency_id)
        .bind(list_kind)
        .bind(file_name)
        .bind(content)
        .bind(crate::sha256_hex(content))
        .bind(now)
        .execute(&mut *c)
        .await?;
        Ok::<(), crate::StoreError>(())
    })?;
    tx.commit().await?;
    Ok(token)
}

/// The upload `token` of `account`, if it has not expired.
pub async fn load(db: &Db, token: &str, account_id: i64) -> Result<Option<Upload>> {
    Ok(on_db!(db, |p| {
        sqlx::query_as(
        "SELECT token, account_id, agency_id, list_kind, file_name, content, content_sha256, created_at \
         FROM import_upload WHERE token = $1 AND account_id = $2 AND created_at > $3"
    )
    .bind(token)
    .bind(account_id)
    .bind(crate::now() - KEEP_FOR)
    .fetch_optional(p)
    .await?
    }))
}

pub async fn remove(db: &Db, token: &str) -> Result<()> {
    on_db!(db, |p| sqlx::query(
        "DELETE FROM import_upload WHERE token = $1"
    )
    .bind(token)
    .execute(p)
    .await?
    .rows_affected());
    Ok(())
}
