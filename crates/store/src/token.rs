//! API bearer tokens for programs that call the JSON API.

use crate::account::Account;
use crate::{audit, on_db, on_tx, Db, Result};

/// Prefix that makes a leaked token easy to recognise (and to scan for).
pub const TOKEN_PREFIX: &str = "sc_";

/// Creates a token for `account`; the secret is returned once and only its hash is stored.
pub async fn create(db: &Db, actor: &str, account: &Account, label: &str) -> Result<String> {
    let token = format!("{TOKEN_PREFIX}{}", crate::random_token());
    let now = crate::now();
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO api_token (token_hash, account_id, label, created_at, revoked_at) \
         VALUES ($1, $2, $3, $4, NULL)"
    )
    .bind(crate::sha256_hex(&token))
    .bind(account.id)
    .bind(label)
    .bind(now)
    .execute(&mut *c)
    .await?
    .rows_affected());
    audit::append(
        &mut tx,
        now,
        actor,
        "api_token.create",
        &format!("account:{}", account.username),
        serde_json::json!({ "label": label }),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The active account a token belongs to, if the token is valid and not revoked.
pub async fn account_for(db: &Db, token: &str) -> Result<Option<Account>> {
    let id: Option<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT account_id FROM api_token WHERE token_hash = $1 AND revoked_at IS NULL"
    )
    .bind(crate::sha256_hex(token))
    .fetch_optional(p)
    .await?);
    match id {
        Some(id) => Ok(crate::account::by_id(db, id).await?.filter(|a| a.active)),
        None => Ok(None),
    }
}
