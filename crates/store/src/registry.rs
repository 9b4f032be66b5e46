//! The registry lists (动态信息库) as far as the foundation needs them: officers and firms with
//! their agencies, and the bulk inserts the demo data set uses.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::{on_db, Db, Result};

/// Enforcement officer (执法人员) on an agency's staff list (R-LIST-1, R-LIST-7).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Officer {
    pub id: i64,
    pub agency_id: i64,
    pub name: String,
    pub certificate_no: String,
    pub certified_until: NaiveDate,
    pub on_duty: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Officer {
    /// On duty and holding a valid certificate on `day`: may be drawn (R-DRAW-2R).
    pub fn is_eligible_on(&self, day: NaiveDate) -> bool {
        self.on_duty && self.certified_until >= day
    }
}

/// The officers of one agency, by name.
pub async fn officers_of(db: &Db, agency_id: i64) -> Result<Vec<Officer>> {
    Ok(on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, agency_id, name, certificate_no, certified_until, on_duty, created_at, updated_at \
         FROM officer WHERE agency_id = $1 ORDER BY name, id"
    )
    .bind(agency_id)
    .fetch_all(p)
    .await?
    }))
}

/// How many rows each registry list holds for one agency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListCounts {
    pub officers: i64,
    pub key_firms: i64,
    pub general_firms: i64,
    pub projects: i64,
    pub complaints: i64,
    pub penalty_cases: i64,
    pub key_problems: i64,
}

pub async fn counts_of(db: &Db, agency_id: i64) -> Result<ListCounts> {
    let count = |sql: &'static str| async move {
        let n: i64 = on_db!(db, |p| sqlx::query_scalar(sql)
            .bind(agency_id)
            .fetch_one(p)
            .await?);
        Ok::<i64, crate::StoreError>(n)
    };
    Ok(ListCounts {
        officers: count("SELECT COUNT(*) FROM officer WHERE agency_id = $1").await?,
        key_firms: count("SELECT COUNT(*) FROM firm WHERE agency_id = $1 AND category = 'key'")
            .await?,
        general_firms: count(
            "SELECT COUNT(*) FROM firm WHERE agency_id = $1 AND category = 'general'",
        )
        .await?,
        projects: count("SELECT COUNT(*) FROM project WHERE agency_id = $1").await?,
        complaints: count("SELECT COUNT(*) FROM complaint WHERE agency_id = $1").await?,
        penalty_cases: count("SELECT COUNT(*) FROM penalty_case WHERE agency_id = $1").await?,
        key_problems: count("SELECT COUNT(*) FROM key_problem WHERE agency_id = $1").await?,
    })
}

/// Officers per agency id, for the agency list.
pub async fn officer_counts(db: &Db) -> Result<std::collections::HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT agency_id, COUNT(*) FROM officer GROUP BY agency_id"
    )
    .fetch_all(p)
    .await?);
    Ok(rows.into_iter().collect())
}

/// Per agency: active key units, active general units and open special sources (R-LIST-12).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Consolidated {
    pub key: i64,
    pub general: i64,
    pub special: i64,
}

pub async fn consolidated(db: &Db) -> Result<std::collections::HashMap<i64, Consolidated>> {
    let firms: Vec<(i64, String, i64)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT agency_id, category, COUNT(*) FROM firm WHERE status = 'active' GROUP BY agency_id, category"
    )
    .fetch_all(p)
    .await?
    });
    let specials: Vec<(i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT agency_id, COUNT(DISTINCT firm_id) FROM special_source WHERE status = 'open' GROUP BY agency_id"
    )
    .fetch_all(p)
    .await?
    });
    let mut out: std::collections::HashMap<i64, Consolidated> = std::collections::HashMap::new();
    for (agency, category, n) in firms {
        let entry = out.entry(agency).or_default();
        if category == "key" {
            entry.key += n;
        } else {
            entry.general += n;
        }
    }
    for (agency, n) in specials {
        out.entry(agency).or_default().special = n;
    }
    Ok(out)
}
