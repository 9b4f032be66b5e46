//! Filing (报备) of the lists with the city detachment (R-LIST): a branch files each list for a
//! period; the city sees who filed what and when, and which are missing or late.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use spotcheck_core::calendar::Duty;
use spotcheck_core::lists::{ListCadence, ListKind};
use spotcheck_core::period::{Quarter, Year};
use spotcheck_core::rules::RulesConfig;

use crate::agency::Agency;
use crate::{audit, lists, on_db, on_tx, Db, Result, StoreError};

/// The period a list is filed for: the year for annual lists (R-LIST-1, -2, -3), the quarter
/// for quarterly ones (R-LIST-4, -5, -6).
pub fn period_of(kind: ListKind, quarter: Quarter) -> String {
    match kind.cadence() {
        ListCadence::Annual => quarter.year().to_string(),
        ListCadence::Quarterly => quarter.to_string(),
    }
}

/// When the filing of `kind` for `period` is due. Quarterly lists: within the days after the
/// quarter's end that the rules give (R-LIST-8, -9, -11). Annual lists: the plan is silent, so
/// they are due when the year's general draw is (R-DRAW-GEN-1), which needs them.
pub fn due_date(kind: ListKind, period: &str, rules: &RulesConfig) -> Option<NaiveDate> {
    match kind.cadence() {
        ListCadence::Quarterly => Quarter::parse(period)
            .ok()
            .map(|q| Duty::QuarterLists(q).due_date(rules)),
        ListCadence::Annual => Year::parse(period)
            .ok()
            .map(|y| Duty::GeneralDraw(y).due_date(rules)),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Filing {
    pub id: i64,
    pub agency_id: i64,
    pub list_kind: String,
    pub period: String,
    pub filed_at: DateTime<Utc>,
    pub filed_by: String,
    pub row_count: i64,
    /// SHA-256 over the list as filed (each record's JSON, in id order), so the city can tell
    /// later whether the list changed since.
    pub content_sha256: String,
}

/// Files the current list of `kind` of `agency` for `period`.
pub async fn file(
    db: &Db,
    actor: &str,
    agency: &Agency,
    kind: ListKind,
    period: &str,
    at: DateTime<Utc>,
) -> Result<Filing> {
    let mut hasher = Sha256::new();
    let mut rows = 0i64;
    let mut after = None;
    loop {
        let page = lists::page(db, kind, &agency.path, after, 5_000).await?;
        for s in &page.items {
            let json =
                serde_json::to_string(&s.record).map_err(|e| StoreError::Invalid(e.to_string()))?;
            hasher.update(json.as_bytes());
            hasher.update(b"\n");
            rows += 1;
        }
        match page.next_after {
            Some(a) => after = Some(a),
            None => break,
        }
    }
    let sha = hex::encode(hasher.finalize());
    let mut tx = db.begin().await?;
    let filing: Filing = on_tx!(&mut tx, |c| {
        sqlx::query_as(
        "INSERT INTO list_filing (agency_id, list_kind, period, filed_at, filed_by, row_count, content_sha256) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         RETURNING id, agency_id, list_kind, period, filed_at, filed_by, row_count, content_sha256"
    )
    .bind(agency.id)
    .bind(kind.as_str())
    .bind(period)
    .bind(at)
    .bind(actor)
    .bind(rows)
    .bind(&sha)
    .fetch_one(&mut *c)
    .await?
    });
    audit::append(
        &mut tx,
        at,
        actor,
        "list.filed",
        &format!("list:{}:{}:{}", agency.code, kind, period),
        serde_json::json!({ "rows": rows, "content_sha256": sha }),
    )
    .await?;
    tx.commit().await?;
    Ok(filing)
}

/// The latest filing of every agency and list for the periods given (one per kind).
pub async fn latest(db: &Db, periods: &[(ListKind, String)]) -> Result<Vec<Filing>> {
    let mut out = Vec::new();
    for (kind, period) in periods {
        let rows: Vec<Filing> = on_db!(db, |p| {
            sqlx::query_as(
            "SELECT f.id, f.agency_id, f.list_kind, f.period, f.filed_at, f.filed_by, f.row_count, f.content_sha256 \
             FROM list_filing f WHERE f.list_kind = $1 AND f.period = $2 \
             AND f.filed_at = (SELECT MAX(g.filed_at) FROM list_filing g WHERE g.agency_id = f.agency_id \
                               AND g.list_kind = f.list_kind AND g.period = f.period)"
        )
        .bind(kind.as_str())
        .bind(period)
        .fetch_all(p)
        .await?
        });
        out.extend(rows);
    }
    Ok(out)
}

/// Where a filing stands against its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FilingStatus {
    Filed,
    FiledLate,
    Due,
    Missing,
}

pub fn status(
    filed_at: Option<NaiveDate>,
    due: Option<NaiveDate>,
    today: NaiveDate,
) -> FilingStatus {
    match (filed_at, due) {
        (Some(f), Some(d)) if f > d => FilingStatus::FiledLate,
        (Some(_), _) => FilingStatus::Filed,
        (None, Some(d)) if today > d => FilingStatus::Missing,
        (None, _) => FilingStatus::Due,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarterly_lists_are_due_three_days_after_the_quarter() {
        let rules = RulesConfig::default();
        assert_eq!(
            due_date(ListKind::Complaints, "2026Q1", &rules),
            NaiveDate::from_ymd_opt(2026, 4, 3)
        );
        assert_eq!(
            due_date(ListKind::Firms, "2027", &rules),
            NaiveDate::from_ymd_opt(2026, 12, 31)
        );
    }

    #[test]
    fn a_filing_after_its_due_date_is_late_and_none_after_it_is_missing() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            status(
                Some(d("2026-04-02")),
                Some(d("2026-04-03")),
                d("2026-05-01")
            ),
            FilingStatus::Filed
        );
        assert_eq!(
            status(
                Some(d("2026-04-04")),
                Some(d("2026-04-03")),
                d("2026-05-01")
            ),
            FilingStatus::FiledLate
        );
        assert_eq!(
            status(None, Some(d("2026-04-03")), d("2026-04-03")),
            FilingStatus::Due
        );
        assert_eq!(
            status(None, Some(d("2026-04-03")), d("2026-04-04")),
            FilingStatus::Missing
        );
    }
}
