//! Declared conflicts of interest (回避, R-DRAW-2R): an officer who must not inspect a firm
//! (a relative works there, an earlier employment). A declaration stands until withdrawn; every
//! draw frozen meanwhile carries the pair among its conflicts, so the officer is never drawn for
//! that firm.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::{audit, on_db, on_tx, Db, Result};

/// A declaration as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Declaration {
    pub id: i64,
    pub officer_name: String,
    pub certificate_no: String,
    pub firm_name: String,
    pub credit_code: String,
    pub reason: String,
    pub declared_by: String,
    pub declared_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// Why a declaration was not recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConflictRefusal {
    #[error("no officer with this certificate number in the jurisdiction")]
    UnknownOfficer,
    #[error("no firm with this credit code in the jurisdiction")]
    UnknownFirm,
    #[error("say why the officer withdraws")]
    NoReason,
    #[error("this conflict is declared already")]
    AlreadyDeclared,
}

impl ConflictRefusal {
    /// The translation key of the message shown to users.
    pub fn key(&self) -> &'static str {
        match self {
            ConflictRefusal::UnknownOfficer => "conflict.unknown_officer",
            ConflictRefusal::UnknownFirm => "conflict.unknown_firm",
            ConflictRefusal::NoReason => "conflict.no_reason",
            ConflictRefusal::AlreadyDeclared => "conflict.already_declared",
        }
    }
}

const SELECT: &str = "SELECT c.id, o.name AS officer_name, o.certificate_no, f.name AS firm_name, f.credit_code, \
    c.reason, c.declared_by, c.declared_at, c.withdrawn_at FROM conflict_declaration c \
    JOIN officer o ON o.id = c.officer_id JOIN firm f ON f.id = c.firm_id JOIN agency a ON a.id = o.agency_id";

/// Records that the officer must not inspect the firm. Both must lie under `scope_path`.
pub async fn declare(
    db: &Db,
    actor: &str,
    scope_path: &str,
    certificate_no: &str,
    credit_code: &str,
    reason: &str,
) -> Result<std::result::Result<Declaration, ConflictRefusal>> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Ok(Err(ConflictRefusal::NoReason));
    }
    let scope = format!("{scope_path}%");
    let officer: Option<i64> = on_db!(db, |p| {
        sqlx::query_scalar(
        "SELECT o.id FROM officer o JOIN agency a ON a.id = o.agency_id WHERE o.certificate_no = $1 AND a.path LIKE $2"
    )
    .bind(certificate_no.trim())
    .bind(&scope)
    .fetch_optional(p)
    .await?
    });
    let Some(officer) = officer else {
        return Ok(Err(ConflictRefusal::UnknownOfficer));
    };
    let firm: Option<i64> = on_db!(db, |p| {
        sqlx::query_scalar(
        "SELECT f.id FROM firm f JOIN agency a ON a.id = f.agency_id WHERE f.credit_code = $1 AND a.path LIKE $2"
    )
    .bind(credit_code.trim().to_uppercase())
    .bind(&scope)
    .fetch_optional(p)
    .await?
    });
    let Some(firm) = firm else {
        return Ok(Err(ConflictRefusal::UnknownFirm));
    };
    let at = crate::now();
    let mut tx = db.begin().await?;
    let id: Option<i64> = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO conflict_declaration (officer_id, firm_id, reason, declared_by, declared_at) \
         SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM conflict_declaration \
         WHERE officer_id = $1 AND firm_id = $2 AND withdrawn_at IS NULL) RETURNING id"
    )
    .bind(officer)
    .bind(firm)
    .bind(reason)
    .bind(actor)
    .bind(at)
    .fetch_optional(&mut *c)
    .await?
    });
    let Some(id) = id else {
        return Ok(Err(ConflictRefusal::AlreadyDeclared));
    };
    audit::append(
        &mut tx,
        at,
        actor,
        "conflict.declare",
        &format!("conflict:{id}"),
        serde_json::json!({ "officer": certificate_no, "firm": credit_code, "reason": reason }),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(by_id(db, id).await?.expect("declared in this call")))
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Declaration>> {
    let sql = format!("{SELECT} WHERE c.id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await?))
}

/// The declarations of the officers under `scope_path`, standing ones first, newest first.
pub async fn list(db: &Db, scope_path: &str) -> Result<Vec<Declaration>> {
    let sql = format!(
        "{SELECT} WHERE a.path LIKE $1 ORDER BY (c.withdrawn_at IS NULL) DESC, c.declared_at DESC, c.id DESC"
    );
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(format!("{scope_path}%"))
        .fetch_all(p)
        .await?))
}

/// The standing (certificate number, credit code) pairs of the officers under `scope_path`.
pub async fn pairs_in(db: &Db, scope_path: &str) -> Result<Vec<(String, String)>> {
    Ok(on_db!(db, |p| {
        sqlx::query_as(
        "SELECT o.certificate_no, f.credit_code FROM conflict_declaration c JOIN officer o ON o.id = c.officer_id \
         JOIN firm f ON f.id = c.firm_id JOIN agency a ON a.id = o.agency_id \
         WHERE a.path LIKE $1 AND c.withdrawn_at IS NULL"
    )
    .bind(format!("{scope_path}%"))
    .fetch_all(p)
    .await?
    }))
}

/// The certificate numbers of the officers with a standing declaration against the firm
/// (`firm_id`), in certificate order: on a task, those of its team must be replaced before
/// it is inspected (R-DRAW-2R).
pub async fn declared_against(db: &Db, firm_id: i64) -> Result<Vec<String>> {
    Ok(on_db!(db, |p| {
        sqlx::query_scalar(DECLARED_AGAINST_BEFORE)
            .bind(firm_id)
            .bind(no_later_than_any())
            .fetch_all(p)
            .await?
    }))
}

/// The standing declarations against firm `$1` made before `$2`: their officers' certificate
/// numbers, in order.
pub(crate) const DECLARED_AGAINST_BEFORE: &str =
    "SELECT o.certificate_no FROM conflict_declaration c JOIN officer o ON o.id = c.officer_id \
     WHERE c.firm_id = $1 AND c.withdrawn_at IS NULL AND c.declared_at < $2 ORDER BY o.certificate_no";

/// A time after every declaration: [`DECLARED_AGAINST_BEFORE`] bound to it reads them all.
pub(crate) fn no_later_than_any() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(9999, 12, 31)
        .expect("a date")
        .and_time(chrono::NaiveTime::MIN)
        .and_utc()
}

/// Ends a declaration (the reason no longer holds). It stays on record; returns false when it
/// was withdrawn already or lies outside `scope_path`.
pub async fn withdraw(db: &Db, actor: &str, scope_path: &str, id: i64) -> Result<bool> {
    let at = crate::now();
    let mut tx = db.begin().await?;
    let changed = on_tx!(&mut tx, |c| {
        sqlx::query(
        "UPDATE conflict_declaration SET withdrawn_by = $1, withdrawn_at = $2 WHERE id = $3 AND withdrawn_at IS NULL \
         AND officer_id IN (SELECT o.id FROM officer o JOIN agency a ON a.id = o.agency_id WHERE a.path LIKE $4)"
    )
    .bind(actor)
    .bind(at)
    .bind(id)
    .bind(format!("{scope_path}%"))
    .execute(&mut *c)
    .await?
    .rows_affected()
    });
    if changed == 0 {
        return Ok(false);
    }
    audit::append(
        &mut tx,
        at,
        actor,
        "conflict.withdraw",
        &format!("conflict:{id}"),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
