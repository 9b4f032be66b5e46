//! Login sessions, kept in the database so that several app servers can share them.
//!
//! The browser holds a random token; the database holds only its SHA-256, so a copy of the
//! database does not let anyone act as a logged-in user.

use chrono::{DateTime, Duration, Utc};

use crate::account::Account;
use crate::{audit, on_db, on_tx, Db, Result, Tx};

/// How long a session lives: idle timeout and absolute limit.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
        }
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Session {
    pub token_hash: String,
    pub account_id: i64,
    /// The token that forms of this session must carry (CSRF protection).
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Starts a session for `account`; returns the secret token for the cookie and the session.
pub async fn create(
    db: &Db,
    account: &Account,
    now: DateTime<Utc>,
    policy: SessionPolicy,
) -> Result<(String, Session)> {
    let token = crate::random_token();
    let session = Session {
        token_hash: crate::sha256_hex(&token),
        account_id: account.id,
        csrf_token: crate::random_token(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + policy.idle.min(policy.absolute),
    };
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO session (token_hash, account_id, csrf_token, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(&session.token_hash)
    .bind(session.account_id)
    .bind(&session.csrf_token)
    .bind(session.created_at)
    .bind(session.last_seen_at)
    .bind(session.expires_at)
    .execute(&mut *c)
    .await?
    .rows_affected()
    });
    tx.commit().await?;
    Ok((token, session))
}

/// Finds the live session for `token` and its account, sliding the idle timeout forward (at most
/// once a minute, to spare writes). Expired sessions are not returned.
pub async fn lookup(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
    policy: SessionPolicy,
) -> Result<Option<(Session, Account)>> {
    let hash = crate::sha256_hex(token);
    let session: Option<Session> = on_db!(db, |p| sqlx::query_as(
        "SELECT token_hash, account_id, csrf_token, created_at, last_seen_at, expires_at \
         FROM session WHERE token_hash = $1 AND expires_at > $2"
    )
    .bind(&hash)
    .bind(now)
    .fetch_optional(p)
    .await?);
    let Some(mut session) = session else {
        return Ok(None);
    };
    let Some(account) = crate::account::by_id(db, session.account_id).await? else {
        return Ok(None);
    };
    if !account.active {
        return Ok(None);
    }
    if now - session.last_seen_at > Duration::minutes(1) {
        session.last_seen_at = now;
        session.expires_at = (now + policy.idle).min(session.created_at + policy.absolute);
        on_db!(db, |p| sqlx::query(
            "UPDATE session SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3"
        )
        .bind(session.last_seen_at)
        .bind(session.expires_at)
        .bind(&session.token_hash)
        .execute(p)
        .await?
        .rows_affected());
    }
    Ok(Some((session, account)))
}

/// Ends one session (logout).
pub async fn end(db: &Db, token: &str, actor: &str) -> Result<()> {
    let hash = crate::sha256_hex(token);
    let mut tx = db.begin().await?;
    let removed = on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM session WHERE token_hash = $1"
    )
    .bind(&hash)
    .execute(&mut *c)
    .await?
    .rows_affected());
    if removed > 0 {
        audit::append(
            &mut tx,
            crate::now(),
            actor,
            "session.logout",
            &format!("account:{actor}"),
            serde_json::json!({}),
        )
        .await?;
    }
    tx.commit().await
}

/// Ends every session of an account ("log out everywhere", and after a password change).
pub async fn end_all(tx: &mut Tx, actor: &str, account: &Account) -> Result<u64> {
    let removed = on_tx!(tx, |c| sqlx::query(
        "DELETE FROM session WHERE account_id = $1"
    )
    .bind(account.id)
    .execute(&mut *c)
    .await?
    .rows_affected());
    audit::append(
        tx,
        crate::now(),
        actor,
        "session.logout_all",
        &format!("account:{}", account.username),
        serde_json::json!({ "sessions": removed }),
    )
    .await?;
    Ok(removed)
}
