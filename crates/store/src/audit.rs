//! The audit log (审计日志): every change is an append-only event chained by SHA-256.
//!
//! Each event holds the hash of the one before it, and the single-row `audit_head` holds the last
//! sequence number and hash, so editing, deleting or reordering any event (including the last
//! one) breaks the chain that [`verify`] walks.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{on_db, on_tx, Db, Result, Tx};

/// The hash that the first event points back to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One stored audit event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AuditEvent {
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// Username of the account that acted, or `system` / `cli`.
    pub actor: String,
    /// What happened, e.g. `account.create`, `session.login`.
    pub action: String,
    /// What it happened to, e.g. `account:admin`.
    pub subject: String,
    /// Before/after or other details, as canonical JSON (keys sorted).
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an event: SHA-256 over each field, length-prefixed so that no two different events
/// can produce the same byte string.
pub fn event_hash(
    prev_hash: &str,
    seq: i64,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    subject: &str,
    payload: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(b"spotcheck-audit/v1\n");
    let at = at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let seq = seq.to_string();
    for field in [prev_hash, &seq, &at, actor, action, subject, payload] {
        h.update(field.len().to_string().as_bytes());
        h.update(b":");
        h.update(field.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

/// Appends one event inside `tx`, so that it commits or rolls back with the change it records.
pub async fn append(
    tx: &mut Tx,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    subject: &str,
    payload: serde_json::Value,
) -> Result<i64> {
    let at = crate::truncate_to_micros(at);
    // serde_json's map is ordered by key, so this text is canonical.
    let payload = payload.to_string();
    on_tx!(tx, |c| {
        // Taking the head row first serialises concurrent writers (a row lock on PostgreSQL; the
        // write lock is already held on SQLite).
        let (seq, prev): (i64, String) =
            sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                .fetch_one(&mut *c)
                .await?;
        let hash = event_hash(&prev, seq, at, actor, action, subject, &payload);
        sqlx::query(
            "INSERT INTO audit_event (seq, at, actor, action, subject, payload, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(seq)
        .bind(at)
        .bind(actor)
        .bind(action)
        .bind(subject)
        .bind(&payload)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut *c)
        .await?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(&hash)
            .execute(&mut *c)
            .await?;
        Ok(seq)
    })
}

/// The outcome of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainCheck {
    /// Every event links to the one before and the head matches the last event.
    Intact { events: i64, head_hash: String },
    /// The first broken link: the sequence number where the chain breaks and why.
    Broken { seq: i64, reason: BreakReason },
}

/// Why the chain breaks at an event. `Display` says it in English (the command line); the web
/// page translates [`BreakReason::key`] with the figures of [`BreakReason::args`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakReason {
    /// The event is not stored; `next` is the one stored after the gap.
    Missing { next: i64 },
    /// Its previous-hash is not the hash of the event before it.
    Unlinked,
    /// Its content does not give its hash: it was edited.
    Edited,
    /// The head counts more events than the log holds: the newest were removed.
    Truncated { head: i64, stored: i64 },
    /// The last event is not the one the head recorded: it was edited.
    HeadMismatch,
}

impl BreakReason {
    /// The translation key of the reason (`audit.break_*`).
    pub fn key(&self) -> &'static str {
        match self {
            BreakReason::Missing { .. } => "audit.break_missing",
            BreakReason::Unlinked => "audit.break_unlinked",
            BreakReason::Edited => "audit.break_edited",
            BreakReason::Truncated { .. } => "audit.break_truncated",
            BreakReason::HeadMismatch => "audit.break_head",
        }
    }

    /// The figures the translated reason names.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            BreakReason::Missing { next } => vec![("next", next.to_string())],
            BreakReason::Truncated { head, stored } => {
                vec![("head", head.to_string()), ("stored", stored.to_string())]
            }
            _ => Vec::new(),
        }
    }
}

impl std::fmt::Display for BreakReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BreakReason::Missing { next } => {
                write!(f, "the event is missing (next stored is {next})")
            }
            BreakReason::Unlinked => {
                write!(f, "its previous-hash does not match the event before it")
            }
            BreakReason::Edited => write!(f, "its content does not match its hash (edited)"),
            BreakReason::Truncated { head, stored } => write!(
                f,
                "the head records {head} events but the log holds {stored}: the newest events were removed"
            ),
            BreakReason::HeadMismatch => write!(
                f,
                "the last event does not match the recorded head hash (edited)"
            ),
        }
    }
}

const BATCH: i64 = 5_000;

/// Walks the whole chain in order and names the first broken link.
pub async fn verify(db: &Db) -> Result<ChainCheck> {
    verify_with(db, &|_, _| ()).await
}

/// [`verify`], telling `progress` how many events were checked of how many the head counts.
pub async fn verify_with(db: &Db, progress: &(dyn Fn(i64, i64) + Sync)) -> Result<ChainCheck> {
    let total: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT seq FROM audit_head WHERE id = 1"
    )
    .fetch_one(p)
    .await?);
    let mut expected_prev = GENESIS_HASH.to_string();
    let mut expected_seq = 1i64;
    loop {
        let batch: Vec<AuditEvent> = on_db!(db, |p| {
            sqlx::query_as(
            "SELECT seq, at, actor, action, subject, payload, prev_hash, hash FROM audit_event \
             WHERE seq >= $1 ORDER BY seq LIMIT $2"
        )
        .bind(expected_seq)
        .bind(BATCH)
        .fetch_all(p)
        .await?
        });
        let done = (batch.len() as i64) < BATCH;
        for e in batch {
            if e.seq != expected_seq {
                return Ok(ChainCheck::Broken {
                    seq: expected_seq,
                    reason: BreakReason::Missing { next: e.seq },
                });
            }
            if e.prev_hash != expected_prev {
                return Ok(ChainCheck::Broken {
                    seq: e.seq,
                    reason: BreakReason::Unlinked,
                });
            }
            let recomputed = event_hash(
                &e.prev_hash,
                e.seq,
                e.at,
                &e.actor,
                &e.action,
                &e.subject,
                &e.payload,
            );
            if recomputed != e.hash {
                return Ok(ChainCheck::Broken {
                    seq: e.seq,
                    reason: BreakReason::Edited,
                });
            }
            expected_prev = e.hash;
            expected_seq += 1;
        }
        progress(expected_seq - 1, total);
        if done {
            break;
        }
    }
    let (head_seq, head_hash): (i64, String) = on_db!(db, |p| sqlx::query_as(
        "SELECT seq, hash FROM audit_head WHERE id = 1"
    )
    .fetch_one(p)
    .await?);
    let events = expected_seq - 1;
    if head_seq != events {
        return Ok(ChainCheck::Broken {
            seq: events + 1,
            reason: BreakReason::Truncated {
                head: head_seq,
                stored: events,
            },
        });
    }
    if head_hash != expected_prev {
        return Ok(ChainCheck::Broken {
            seq: events,
            reason: BreakReason::HeadMismatch,
        });
    }
    Ok(ChainCheck::Intact { events, head_hash })
}

/// The statement of [`recent`]: `$1` the sequence number to start below, `$2` the limit.
pub(crate) const RECENT_SQL: &str =
    "SELECT seq, at, actor, action, subject, payload, prev_hash, hash FROM audit_event \
     WHERE seq < $1 ORDER BY seq DESC LIMIT $2";

/// The newest events first, `limit` at a time, before `before_seq` when paging.
pub async fn recent(db: &Db, before_seq: Option<i64>, limit: i64) -> Result<Vec<AuditEvent>> {
    let before = before_seq.unwrap_or(i64::MAX);
    Ok(on_db!(db, |p| sqlx::query_as(RECENT_SQL)
        .bind(before)
        .bind(limit)
        .fetch_all(p)
        .await?))
}
