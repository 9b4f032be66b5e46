//! Accounts (用户账号): who may log in, with which role, for which agency.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use spotcheck_core::role::Role;

use crate::{audit, on_db, on_tx, Db, Result, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub agency_id: i64,
    pub role: String,
    #[serde(skip)]
    pub password_hash: String,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub password_changed_at: DateTime<Utc>,
}

impl Account {
    pub fn role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }
}

const COLUMNS: &str = "id, username, display_name, agency_id, role, password_hash, failed_logins, \
                       locked_until, active, created_at, password_changed_at";

/// What a new account needs.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub agency_id: i64,
    pub role: Role,
    pub password: String,
}

/// When repeated failures lock an account, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct LockoutPolicy {
    pub max_failures: i64,
    pub lock_for: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            max_failures: 5,
            lock_for: Duration::minutes(15),
        }
    }
}

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Hashing(e.to_string()))
}

fn password_matches(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Runs one argon2 computation (19 MiB of memory, tens of milliseconds) on a blocking thread,
/// at most one per processor at a time. Unbounded, a burst of logins (anyone may send them) runs
/// as many computations at once on as many threads, and the allocator keeps most of that memory:
/// 64 logins at once left the server at 700 MiB of resident memory (380 MiB with this bound).
async fn argon2_off_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let slots = SLOTS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    });
    let _slot = slots
        .acquire()
        .await
        .map_err(|e| StoreError::Hashing(e.to_string()))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Hashing(e.to_string()))
}

/// Creates an account; the password is hashed off the async threads.
pub async fn create(tx: &mut Tx, actor: &str, new: NewAccount) -> Result<Account> {
    let now = crate::now();
    let password = new.password.clone();
    let hash = argon2_off_thread(move || hash_password(&password)).await??;
    let sql = format!(
        "INSERT INTO account (username, display_name, agency_id, role, password_hash, failed_logins, \
         locked_until, active, created_at, password_changed_at) \
         VALUES ($1, $2, $3, $4, $5, 0, NULL, TRUE, $6, $6) RETURNING {COLUMNS}"
    );
    let account: Account = on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(&new.username)
        .bind(&new.display_name)
        .bind(new.agency_id)
        .bind(new.role.as_str())
        .bind(&hash)
        .bind(now)
        .fetch_one(&mut *c)
        .await
        .map_err(|e| crate::on_unique(e, format!("account {}", new.username))))?;
    audit::append(
        tx,
        now,
        actor,
        "account.create",
        &format!("account:{}", account.username),
        serde_json::json!({ "after": account }),
    )
    .await?;
    Ok(account)
}

pub async fn by_username(db: &Db, username: &str) -> Result<Option<Account>> {
    let sql = format!("SELECT {COLUMNS} FROM account WHERE username = $1");
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(username)
        .fetch_optional(p)
        .await?))
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Account>> {
    let sql = format!("SELECT {COLUMNS} FROM account WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await?))
}

async fn by_username_tx(tx: &mut Tx, username: &str) -> Result<Option<Account>> {
    let sql = format!("SELECT {COLUMNS} FROM account WHERE username = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(username)
        .fetch_optional(&mut *c)
        .await?))
}

/// The result of a login attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum LoginOutcome {
    Success(Account),
    /// Unknown user or wrong password: deliberately indistinguishable to the caller.
    BadCredentials,
    /// Too many failures; try again after `until`.
    Locked {
        until: DateTime<Utc>,
    },
    Disabled,
}

/// Checks a username and password, counting failures and locking the account after
/// `policy.max_failures` in a row. Every attempt on a known account is audited.
pub async fn authenticate(
    db: &Db,
    username: &str,
    password: &str,
    now: DateTime<Utc>,
    policy: LockoutPolicy,
) -> Result<LoginOutcome> {
    let audited = Audited {
        success: "session.login",
        failure: "session.login_failed",
        about: serde_json::json!({}),
    };
    check_password(db, username, password, now, policy, audited).await
}

/// Checks the password of a person confirming `what` for someone else at their side (the
/// approver of a redraw), as [`authenticate`] does a login: failures count towards the lockout.
/// Every attempt is audited as `account.password_confirmed` or `account.password_confirm_failed`
/// with `what` (who asked, for what).
pub async fn confirm_password(
    db: &Db,
    username: &str,
    password: &str,
    now: DateTime<Utc>,
    policy: LockoutPolicy,
    what: serde_json::Value,
) -> Result<LoginOutcome> {
    let audited = Audited {
        success: "account.password_confirmed",
        failure: "account.password_confirm_failed",
        about: what,
    };
    check_password(db, username, password, now, policy, audited).await
}

/// How a password check is written to the audit log: its actions, and what it was for.
struct Audited {
    success: &'static str,
    failure: &'static str,
    about: serde_json::Value,
}

async fn check_password(
    db: &Db,
    username: &str,
    password: &str,
    now: DateTime<Utc>,
    policy: LockoutPolicy,
    audited: Audited,
) -> Result<LoginOutcome> {
    // Verify outside the transaction: argon2 takes tens of milliseconds and must not hold the
    // write lock. The counters are then updated in a transaction that re-reads the row.
    let Some(account) = by_username(db, username).await? else {
        // Spend the same effort as for a real account so timing does not reveal usernames.
        let pw = password.to_string();
        let _ = argon2_off_thread(move || password_matches(&pw, dummy_hash())).await;
        return Ok(LoginOutcome::BadCredentials);
    };
    if !account.active {
        return Ok(LoginOutcome::Disabled);
    }
    if let Some(until) = account.locked_until.filter(|u| *u > now) {
        return Ok(LoginOutcome::Locked { until });
    }
    let pw = password.to_string();
    let phc = account.password_hash.clone();
    let ok = argon2_off_thread(move || password_matches(&pw, &phc)).await?;
    let mut tx = db.begin().await?;
    let Some(current) = by_username_tx(&mut tx, username).await? else {
        return Ok(LoginOutcome::BadCredentials);
    };
    let subject = format!("account:{username}");
    let outcome = if ok {
        on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE account SET failed_logins = 0, locked_until = NULL WHERE id = $1"
        )
        .bind(current.id)
        .execute(&mut *c)
        .await?
        .rows_affected());
        audit::append(
            &mut tx,
            now,
            username,
            audited.success,
            &subject,
            audited.about.clone(),
        )
        .await?;
        LoginOutcome::Success(Account {
            failed_logins: 0,
            locked_until: None,
            ..current
        })
    } else {
        let failures = current.failed_logins + 1;
        let locked_until = (failures >= policy.max_failures).then(|| now + policy.lock_for);
        on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE account SET failed_logins = $1, locked_until = $2 WHERE id = $3"
        )
        .bind(if locked_until.is_some() { 0 } else { failures })
        .bind(locked_until)
        .bind(current.id)
        .execute(&mut *c)
        .await?
        .rows_affected());
        let action = if locked_until.is_some() {
            "account.locked"
        } else {
            audited.failure
        };
        let mut payload = serde_json::json!({ "failures": failures, "locked_until": locked_until });
        if let (Some(payload), Some(about)) = (payload.as_object_mut(), audited.about.as_object()) {
            payload.extend(about.clone());
        }
        audit::append(&mut tx, now, username, action, &subject, payload).await?;
        match locked_until {
            Some(until) => LoginOutcome::Locked { until },
            None => LoginOutcome::BadCredentials,
        }
    };
    tx.commit().await?;
    Ok(outcome)
}

/// Sets a new password (by the user or an administrator's reset), audited without the secret.
pub async fn set_password(tx: &mut Tx, actor: &str, account_id: i64, password: &str) -> Result<()> {
    let now = crate::now();
    let pw = password.to_string();
    let hash = argon2_off_thread(move || hash_password(&pw)).await??;
    let username: Option<String> = on_tx!(tx, |c| sqlx::query_scalar(
        "UPDATE account SET password_hash = $1, password_changed_at = $2, failed_logins = 0, \
         locked_until = NULL WHERE id = $3 RETURNING username"
    )
    .bind(&hash)
    .bind(now)
    .bind(account_id)
    .fetch_optional(&mut *c)
    .await?);
    let username = username.ok_or_else(|| StoreError::NotFound(format!("account {account_id}")))?;
    audit::append(
        tx,
        now,
        actor,
        "account.password_set",
        &format!("account:{username}"),
        serde_json::json!({}),
    )
    .await?;
    Ok(())
}

/// Every account of the agencies whose path starts with `path_prefix` (`""` for all).
pub async fn list(db: &Db, path_prefix: &str) -> Result<Vec<Account>> {
    let sql = format!(
        "SELECT {} FROM account a JOIN agency g ON g.id = a.agency_id \
         WHERE g.path LIKE $1 ORDER BY a.username",
        COLUMNS
            .split(", ")
            .map(|c| format!("a.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(format!("{path_prefix}%"))
        .fetch_all(p)
        .await?))
}

/// A real argon2 hash of a random string, verified against when the username is unknown.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&crate::random_token()).unwrap_or_default())
}

/// Runs `UPDATE account SET {set} WHERE id = $1` (with `active` as `$2` when given) and audits
/// it as `action` of the changed account.
async fn change_account(
    tx: &mut Tx,
    actor: &str,
    account_id: i64,
    set: &str,
    active: Option<bool>,
    action: &str,
) -> Result<Account> {
    let sql = format!("UPDATE account SET {set} WHERE id = $1 RETURNING {COLUMNS}");
    let account: Option<Account> = on_tx!(tx, |c| {
        let q = sqlx::query_as(&sql).bind(account_id);
        let q = match active {
            Some(a) => q.bind(a),
            None => q,
        };
        q.fetch_optional(&mut *c).await?
    });
    let account = account.ok_or_else(|| StoreError::NotFound(format!("account {account_id}")))?;
    audit::append(
        tx,
        crate::now(),
        actor,
        action,
        &format!("account:{}", account.username),
        serde_json::json!({ "active": account.active, "locked_until": account.locked_until }),
    )
    .await?;
    Ok(account)
}

/// Opens (`active = true`) or closes an account, by a security administrator. A closed account
/// cannot log in and its sessions end in the same transaction; its tokens stop working because
/// they only ever resolve to active accounts. Accounts are never deleted: the audit log names them.
pub async fn set_active(
    tx: &mut Tx,
    actor: &str,
    account_id: i64,
    active: bool,
) -> Result<Account> {
    let action = if active {
        "account.activate"
    } else {
        "account.deactivate"
    };
    let account =
        change_account(tx, actor, account_id, "active = $2", Some(active), action).await?;
    if !active {
        crate::session::end_all(tx, actor, &account).await?;
    }
    Ok(account)
}

/// Lifts a lock-out before its time runs out and clears the failure count, audited.
pub async fn unlock(tx: &mut Tx, actor: &str, account_id: i64) -> Result<Account> {
    change_account(
        tx,
        actor,
        account_id,
        "failed_logins = 0, locked_until = NULL",
        None,
        "account.unlock",
    )
    .await
}

/// A random first or reset password (20 hexadecimal characters, 80 bits), to be shown once.
pub fn random_password() -> String {
    crate::random_token()[..20].to_string()
}

/// An administrator's reset: a new random password (returned, to be shown once), the lock-out
/// lifted and every session of the account ended, audited under the administrator's name.
pub async fn reset_password(tx: &mut Tx, actor: &str, target: &Account) -> Result<String> {
    let password = random_password();
    set_password(tx, actor, target.id, &password).await?;
    crate::session::end_all(tx, actor, target).await?;
    Ok(password)
}
