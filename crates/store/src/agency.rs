//! Agencies and jurisdiction (属地管理).

use serde::Serialize;
use spotcheck_core::agency::{AgencyKind, AgencySeed};

use crate::{audit, on_db, on_tx, Db, Result, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Agency {
    pub id: i64,
    pub code: String,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub division_code: String,
    /// Codes from the root down to this agency, each followed by `/`.
    pub path: String,
    pub name_zh: String,
    pub name_en: String,
}

impl Agency {
    pub fn kind(&self) -> Option<AgencyKind> {
        AgencyKind::parse(&self.kind)
    }

    /// The name in the user's language (`en` or Chinese).
    pub fn name(&self, lang: &str) -> &str {
        if lang == "en" {
            &self.name_en
        } else {
            &self.name_zh
        }
    }

    /// True when `other` is this agency or lies below it in the tree.
    pub fn contains(&self, other: &Agency) -> bool {
        other.path.starts_with(&self.path)
    }
}

const COLUMNS: &str = "id, code, parent_id, kind, division_code, path, name_zh, name_en";

/// A new agency, by its parent's code.
#[derive(Debug, Clone, Copy)]
pub struct NewAgency<'a> {
    pub code: &'a str,
    pub parent: Option<&'a str>,
    pub kind: AgencyKind,
    pub division_code: &'a str,
    pub name_zh: &'a str,
    pub name_en: &'a str,
}

impl<'a> From<&'a AgencySeed> for NewAgency<'a> {
    fn from(s: &'a AgencySeed) -> Self {
        NewAgency {
            code: s.code,
            parent: s.parent,
            kind: s.kind,
            division_code: s.division_code,
            name_zh: s.name_zh,
            name_en: s.name_en,
        }
    }
}

/// Adds one agency under its parent (by code), recording it in the audit log.
pub async fn insert(tx: &mut Tx, actor: &str, seed: &NewAgency<'_>) -> Result<Agency> {
    // The code becomes a segment of the jurisdiction path that queries match with `LIKE
    // 'path%'`: `%`, `_` or `/` in it would widen or shift a jurisdiction.
    let code_ok = !seed.code.is_empty()
        && seed.code.len() <= 32
        && seed
            .code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !code_ok {
        return Err(StoreError::Invalid(format!(
            "agency code {:?}: use up to 32 letters, digits and '-' (such as 650102)",
            seed.code
        )));
    }
    let now = crate::now();
    let parent = match seed.parent {
        Some(code) => Some(
            by_code_tx(tx, code)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("parent agency {code}")))?,
        ),
        None => None,
    };
    let path = match &parent {
        Some(p) => format!("{}{}/", p.path, seed.code),
        None => format!("{}/", seed.code),
    };
    let sql = format!(
        "INSERT INTO agency (code, parent_id, kind, division_code, path, name_zh, name_en, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
    );
    let agency: Agency = on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(seed.code)
        .bind(parent.as_ref().map(|p| p.id))
        .bind(seed.kind.as_str())
        .bind(seed.division_code)
        .bind(&path)
        .bind(seed.name_zh)
        .bind(seed.name_en)
        .bind(now)
        .fetch_one(&mut *c)
        .await
        .map_err(|e| crate::on_unique(e, format!("agency {}", seed.code))))?;
    audit::append(
        tx,
        now,
        actor,
        "agency.create",
        &format!("agency:{}", agency.code),
        serde_json::json!({ "after": agency }),
    )
    .await?;
    Ok(agency)
}

/// Creates the agencies of `tree` that do not exist yet (parents first). Returns how many were added.
pub async fn ensure_tree(tx: &mut Tx, actor: &str, tree: &[AgencySeed]) -> Result<usize> {
    let mut added = 0;
    for seed in tree {
        if by_code_tx(tx, seed.code).await?.is_none() {
            insert(tx, actor, &seed.into()).await?;
            added += 1;
        }
    }
    Ok(added)
}

async fn by_code_tx(tx: &mut Tx, code: &str) -> Result<Option<Agency>> {
    let sql = format!("SELECT {COLUMNS} FROM agency WHERE code = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(code)
        .fetch_optional(&mut *c)
        .await?))
}

pub async fn by_code(db: &Db, code: &str) -> Result<Option<Agency>> {
    let sql = format!("SELECT {COLUMNS} FROM agency WHERE code = $1");
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(code)
        .fetch_optional(p)
        .await?))
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Agency>> {
    let sql = format!("SELECT {COLUMNS} FROM agency WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await?))
}

/// Every agency in tree order (a parent before its children).
pub async fn all(db: &Db) -> Result<Vec<Agency>> {
    let sql = format!("SELECT {COLUMNS} FROM agency ORDER BY path");
    Ok(on_db!(db, |p| sqlx::query_as(&sql).fetch_all(p).await?))
}
