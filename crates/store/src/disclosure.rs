//! Public disclosure of a quarter (公示, R-REP-3): after a quarter ends, each agency publishes the
//! quarter's checks and how they were handled, and with them the full records of the quarter's
//! draws, which until then were public only as hashes (DRAW.md, step 4).
//!
//! A publication is a snapshot: the checks and the draw records as they stood when it was
//! published, kept as one JSON document with its SHA-256. It is never changed. Publishing a
//! quarter again is an amendment: the next version, with a note saying why; every earlier version
//! stays public.
//!
//! Which draws and checks belong to a quarter:
//! - the executed draws (every attempt, redraws with what they replace and why) of the agency's
//!   key and special plans of the quarter;
//! - the executed draws of the agency's general plan of the year, with the year's last quarter:
//!   its tasks are due at the end of the year, and the drawn list stays confidential until the
//!   visits are done (RULES.md, "National and provincial practice");
//! - the checks of the tasks of the key and special plans due in the quarter;
//! - the checks of general-plan tasks done in the quarter (so that a general unit checked in
//!   February is published after the first quarter, not a year later), and with the year's last
//!   quarter every general-plan task not checked in an earlier quarter. A check recorded after
//!   its quarter was published appears in an amendment of that quarter.
//!
//! Officers' names and certificate numbers are left out of the checks unless the agency chooses
//! to show them ([`DisclosureConfig`]). The draw records themselves hold the certificate numbers
//! of the officer pool and of the drawn teams, as they were frozen: the hashes published at draw
//! time are over them, so a record without them could not be checked.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use spotcheck_core::inspection::MeasureKind;
use spotcheck_core::period::Quarter;
use spotcheck_draw::DrawOutput;

use crate::agency::Agency;
use crate::draws::{self, DrawRecord, PlanKind};
use crate::inspections::{self, ResultRow};
use crate::{audit, on_db, on_tx, sha256_hex, Db, Result, StoreError};

/// The name and version of the published document's format (docs/open-data.md).
pub const SCHEMA: &str = "spotcheck-disclosure/v1";

/// What a publication shows of the officers who did the checks (R-REP-3). Both are off by default:
/// the checks name the firm, the date, the result and the handling, not the people.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisclosureConfig {
    /// Show the officers' names with each check.
    pub show_officer_names: bool,
    /// Show the officers' enforcement certificate numbers with each check.
    pub show_officer_certificates: bool,
}

/// Why a publication was refused (R-REP-3). Every refusal says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the quarter ends on {ends}; it can be published from the day after")]
    QuarterNotOver { ends: NaiveDate },
    #[error("the quarter has no executed draw to publish")]
    NoExecutedDraw,
    #[error("version {version} is published; an amendment needs a note saying why")]
    AlreadyPublished { version: i64 },
}

impl Refusal {
    /// The translation key of the message shown to users.
    pub fn key(&self) -> &'static str {
        match self {
            Refusal::QuarterNotOver { .. } => "disclosure.refusal_not_over",
            Refusal::NoExecutedDraw => "disclosure.refusal_no_draw",
            Refusal::AlreadyPublished { .. } => "disclosure.refusal_published",
        }
    }
}

/// One published version of a quarter's disclosure.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Disclosure {
    pub id: i64,
    pub agency_id: i64,
    /// `2026Q2`.
    pub quarter: String,
    /// 1 for the first publication, then one more per amendment.
    pub version: i64,
    /// The published [`Snapshot`], as JSON; these exact bytes are the open-data `.json` file.
    pub content: String,
    /// SHA-256 of `content`.
    pub content_sha256: String,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
    /// Why this version replaces the one before (none for version 1).
    pub note: Option<String>,
}

impl Disclosure {
    /// The published document.
    pub fn snapshot(&self) -> Result<Snapshot> {
        serde_json::from_str(&self.content).map_err(|e| StoreError::Invalid(e.to_string()))
    }
}

const COLUMNS: &str =
    "id, agency_id, quarter, version, content, content_sha256, published_at, published_by, note";

/// A publication without its content, for lists and the feed.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Publication {
    pub id: i64,
    pub agency_id: i64,
    pub agency_code: String,
    pub agency_name_zh: String,
    pub agency_name_en: String,
    pub quarter: String,
    pub version: i64,
    pub content_sha256: String,
    pub published_at: DateTime<Utc>,
    pub note: Option<String>,
}

impl Publication {
    /// The agency's name in the user's language (`en` or Chinese).
    pub fn agency_name(&self, lang: &str) -> &str {
        if lang == "en" {
            &self.agency_name_en
        } else {
            &self.agency_name_zh
        }
    }
}

const PUBLICATION: &str =
    "SELECT d.id, d.agency_id, a.code AS agency_code, a.name_zh AS agency_name_zh, \
    a.name_en AS agency_name_en, d.quarter, d.version, d.content_sha256, d.published_at, d.note \
    FROM disclosure d JOIN agency a ON a.id = d.agency_id";

/// The published document of one version (format `spotcheck-disclosure/v1`, docs/open-data.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// [`SCHEMA`].
    pub schema: String,
    pub agency: PublicAgency,
    pub quarter: String,
    pub version: i64,
    pub published_at: DateTime<Utc>,
    pub note: Option<String>,
    /// What the checks show of the officers.
    pub officers_shown: DisclosureConfig,
    pub checks: Vec<PublicCheck>,
    pub draws: Vec<PublicDraw>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicAgency {
    pub code: String,
    /// GB/T 2260 code of the territory.
    pub division_code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// One check as published: a line of the results detail (附表2) without internal ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicCheck {
    pub firm_name: String,
    /// Unified social credit code (统一社会信用代码).
    pub credit_code: String,
    /// `key`, `general`, … as the registry has it.
    pub firm_category: String,
    /// `key`, `special` or `general`.
    pub plan_kind: String,
    /// `2026Q2`, or `2026` for the general plan.
    pub plan_period: String,
    pub draw_label: String,
    pub due_on: NaiveDate,
    pub checked_on: Option<NaiveDate>,
    /// `not_checked`, `compliant` or `violation`.
    pub result: String,
    /// The violations found, joined with '；'.
    pub problems: String,
    /// The measures taken (R-INSP-3).
    pub measures: Vec<MeasureKind>,
    pub orders_to_correct: Vec<String>,
    pub cases_filed: Vec<String>,
    /// `open` or `rectified` when the check made the firm a special source (R-DRAW-SPC-3).
    pub rectification: Option<String>,
    /// The team, only as far as [`DisclosureConfig`] shows it; `None` when nothing is shown.
    #[serde(default)]
    pub officers: Option<Vec<PublicOfficer>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicOfficer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_no: Option<String>,
}

/// One executed draw as published: what was public at draw time (hashes, randomness, result
/// hash) and the full record that anyone can now recompute (DRAW.md, step 4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicDraw {
    /// The record's id, stable across versions (its address under `/public`).
    pub id: i64,
    pub plan_kind: String,
    pub plan_period: String,
    /// 1, then one more per redraw.
    pub attempt: i64,
    pub label: String,
    pub algorithm: String,
    pub population_sha256: String,
    pub officers_sha256: String,
    pub conflicts_sha256: String,
    pub frozen_at: DateTime<Utc>,
    /// `dice:…` or `drand:…`.
    pub randomness: String,
    pub witnesses: Vec<String>,
    pub seeded_at: Option<DateTime<Utc>>,
    pub seed: String,
    pub executed_at: Option<DateTime<Utc>>,
    /// How many units were drawn.
    pub count: u64,
    pub result_sha256: String,
    /// The draw this one replaces, and why (DRAW.md, step 5).
    pub redraw_of: Option<i64>,
    pub redraw_reason: Option<String>,
    /// The later draw that replaced this one, if any.
    pub replaced_by: Option<i64>,
    /// `{"input": …, "output": …}`, as `spotcheck draw verify` and `/verify` take it.
    pub record: serde_json::Value,
}

fn invalid(e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(e.to_string())
}

/// The plans whose draws a quarter publishes: the quarter's key and special plans, and in the
/// year's last quarter the year's general plan.
fn plan_periods(quarter: Quarter) -> Vec<(PlanKind, String)> {
    let mut periods = vec![
        (PlanKind::Key, quarter.to_string()),
        (PlanKind::Special, quarter.to_string()),
    ];
    if closes_year(quarter) {
        periods.push((PlanKind::General, quarter.year().to_string()));
    }
    periods
}

fn closes_year(quarter: Quarter) -> bool {
    quarter.last_day() == quarter.year().last_day()
}

/// The SQL condition on plan `p` for the plans of [`plan_periods`], with the agency as `$1`, the
/// quarter as `$2` and the general plan's year (or nothing) as `$3`.
const PLANS_OF_QUARTER: &str =
    "p.agency_id = $1 AND ((p.kind IN ('key', 'special') AND p.period = $2) \
     OR (p.kind = 'general' AND p.period = $3))";

fn general_period(quarter: Quarter) -> String {
    plan_periods(quarter)
        .into_iter()
        .find(|(kind, _)| *kind == PlanKind::General)
        .map(|(_, period)| period)
        .unwrap_or_default()
}

/// How many executed draws `quarter` would publish for `agency` (R-REP-3).
pub async fn executed_draws(db: &Db, agency: &Agency, quarter: Quarter) -> Result<i64> {
    let sql = format!(
        "SELECT COUNT(*) FROM draw_record d JOIN plan p ON p.id = d.plan_id \
         WHERE d.output IS NOT NULL AND {PLANS_OF_QUARTER}"
    );
    Ok(on_db!(db, |p| sqlx::query_scalar(&sql)
        .bind(agency.id)
        .bind(quarter.to_string())
        .bind(general_period(quarter))
        .fetch_one(p)
        .await?))
}

/// The executed draws of the quarter's plans, key, special, then general, each plan's attempts in
/// order.
async fn draws_of(db: &Db, agency: &Agency, quarter: Quarter) -> Result<Vec<PublicDraw>> {
    let sql = format!(
        "SELECT p.id, p.kind, p.period FROM plan p WHERE {PLANS_OF_QUARTER} \
         ORDER BY CASE p.kind WHEN 'key' THEN 1 WHEN 'special' THEN 2 ELSE 3 END, p.id"
    );
    let plans: Vec<(i64, String, String)> = on_db!(db, |p| sqlx::query_as(&sql)
        .bind(agency.id)
        .bind(quarter.to_string())
        .bind(general_period(quarter))
        .fetch_all(p)
        .await?);
    let mut published = Vec::new();
    for (plan_id, kind, period) in plans {
        let attempts = draws::attempts(db, plan_id).await?;
        for record in &attempts {
            let replaced_by = attempts
                .iter()
                .find(|later| later.redraw_of == Some(record.id))
                .map(|later| later.id);
            if let Some(draw) = public_draw(record, &kind, &period, replaced_by)? {
                published.push(draw);
            }
        }
    }
    Ok(published)
}

/// The public form of an executed draw; `None` for an attempt not executed (yet).
fn public_draw(
    record: &DrawRecord,
    plan_kind: &str,
    plan_period: &str,
    replaced_by: Option<i64>,
) -> Result<Option<PublicDraw>> {
    let (Some(export), Some(input), Some(output)) = (
        draws::export(record)?,
        draws::full_input(record)?,
        record.output.as_deref(),
    ) else {
        return Ok(None);
    };
    let output: DrawOutput = serde_json::from_str(output).map_err(invalid)?;
    let witnesses: Vec<String> = match &record.witnesses {
        Some(w) => serde_json::from_str(w).map_err(invalid)?,
        None => Vec::new(),
    };
    Ok(Some(PublicDraw {
        id: record.id,
        plan_kind: plan_kind.to_string(),
        plan_period: plan_period.to_string(),
        attempt: record.attempt,
        label: record.label.clone(),
        algorithm: input.algorithm,
        population_sha256: record.population_sha256.clone(),
        officers_sha256: record.officers_sha256.clone(),
        conflicts_sha256: record.conflicts_sha256.clone(),
        frozen_at: record.frozen_at,
        randomness: record.randomness.clone().unwrap_or_default(),
        witnesses,
        seeded_at: record.seeded_at,
        seed: input.seed,
        executed_at: record.executed_at,
        count: output.count,
        result_sha256: output.result_sha256,
        redraw_of: record.redraw_of,
        redraw_reason: record.redraw_reason.clone(),
        replaced_by,
        record: export,
    }))
}

/// Whether a line of the results detail belongs to `quarter`'s disclosure (see the module's
/// documentation): key and special tasks by their due date, general tasks by their check date.
fn belongs_to(row: &ResultRow, quarter: Quarter) -> bool {
    if row.plan_kind != PlanKind::General.as_str() {
        return quarter.contains(row.due_on);
    }
    match row.checked_on {
        Some(day) if quarter.contains(day) => true,
        Some(day) => closes_year(quarter) && day > quarter.last_day(),
        None => closes_year(quarter),
    }
}

fn public_check(row: ResultRow, config: &DisclosureConfig) -> PublicCheck {
    let officers = (config.show_officer_names || config.show_officer_certificates).then(|| {
        row.officers
            .iter()
            .map(|o| PublicOfficer {
                name: config.show_officer_names.then(|| o.name.clone()),
                certificate_no: config
                    .show_officer_certificates
                    .then(|| o.certificate_no.clone()),
            })
            .collect()
    });
    PublicCheck {
        firm_name: row.firm_name,
        credit_code: row.credit_code,
        firm_category: row.firm_category,
        plan_kind: row.plan_kind,
        plan_period: row.plan_period,
        draw_label: row.draw_label,
        due_on: row.due_on,
        checked_on: row.checked_on,
        result: row.result.as_str().to_string(),
        problems: row.problems,
        measures: row.measures,
        orders_to_correct: row.orders_to_correct,
        cases_filed: row.cases_filed,
        rectification: row.rectification,
        officers,
    }
}

/// The agency's own checks of `quarter` (not those of the agencies below it), soonest due first.
async fn checks_of(
    db: &Db,
    agency: &Agency,
    quarter: Quarter,
    config: &DisclosureConfig,
) -> Result<Vec<PublicCheck>> {
    let (from, to) = (quarter.first_day(), quarter.year().last_day());
    let own: HashSet<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT id FROM task WHERE agency_id = $1 AND due_on >= $2 AND due_on <= $3"
    )
    .bind(agency.id)
    .bind(from)
    .bind(to)
    .fetch_all(p)
    .await?)
    .into_iter()
    .collect();
    Ok(inspections::results_detail(db, &agency.path, from, to)
        .await?
        .into_iter()
        .filter(|row| own.contains(&row.task_id) && belongs_to(row, quarter))
        .map(|row| public_check(row, config))
        .collect())
}

/// The latest version published of a quarter, without content.
pub async fn latest_version(db: &Db, agency_id: i64, quarter: Quarter) -> Result<Option<i64>> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT MAX(version) FROM disclosure WHERE agency_id = $1 AND quarter = $2"
    )
    .bind(agency_id)
    .bind(quarter.to_string())
    .fetch_one(p)
    .await?))
}

/// The id of the agency with `code` and the number of its latest published version of `quarter`
/// (none before the first), in one query: the public page asks it on every visit.
pub async fn latest_version_by_code(
    db: &Db,
    code: &str,
    quarter: Quarter,
) -> Result<Option<(i64, Option<i64>)>> {
    Ok(on_db!(db, |p| {
        sqlx::query_as(
        "SELECT a.id, (SELECT MAX(d.version) FROM disclosure d WHERE d.agency_id = a.id AND d.quarter = $2) \
         FROM agency a WHERE a.code = $1"
    )
    .bind(code)
    .bind(quarter.to_string())
    .fetch_optional(p)
    .await?
    }))
}

/// Publishes `agency`'s disclosure of `quarter` on `today` (R-REP-3): a snapshot of the quarter's
/// checks and of the full records of its draws, with the officers shown as `config` says.
///
/// Refused while the quarter has not ended, when it has no executed draw, and when it has been
/// published and no `note` says why it is published again; with a note the publication is the
/// next version (an amendment) and the earlier versions stay.
pub async fn publish(
    db: &Db,
    actor: &str,
    agency: &Agency,
    quarter: Quarter,
    note: Option<&str>,
    config: &DisclosureConfig,
    today: NaiveDate,
) -> Result<std::result::Result<Disclosure, Refusal>> {
    if today <= quarter.last_day() {
        return Ok(Err(Refusal::QuarterNotOver {
            ends: quarter.last_day(),
        }));
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if let (Some(version), None) = (latest_version(db, agency.id, quarter).await?, note) {
        return Ok(Err(Refusal::AlreadyPublished { version }));
    }
    let draws = draws_of(db, agency, quarter).await?;
    if draws.is_empty() {
        return Ok(Err(Refusal::NoExecutedDraw));
    }
    let checks = checks_of(db, agency, quarter, config).await?;

    let at = crate::now();
    let mut tx = db.begin().await?;
    let version: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM disclosure WHERE agency_id = $1 AND quarter = $2"
    )
    .bind(agency.id)
    .bind(quarter.to_string())
    .fetch_one(&mut *c)
    .await?
    });
    if version > 1 && note.is_none() {
        // Published by someone else a moment ago.
        return Ok(Err(Refusal::AlreadyPublished {
            version: version - 1,
        }));
    }
    let snapshot = Snapshot {
        schema: SCHEMA.to_string(),
        agency: PublicAgency {
            code: agency.code.clone(),
            division_code: agency.division_code.clone(),
            name_zh: agency.name_zh.clone(),
            name_en: agency.name_en.clone(),
        },
        quarter: quarter.to_string(),
        version,
        published_at: at,
        note: note.map(str::to_string),
        officers_shown: *config,
        checks,
        draws,
    };
    let content = serde_json::to_string(&snapshot).map_err(invalid)?;
    let content_sha256 = sha256_hex(&content);
    let sql = format!(
        "INSERT INTO disclosure (agency_id, quarter, version, content, content_sha256, published_at, published_by, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
    );
    let inserted: std::result::Result<Disclosure, StoreError> = on_tx!(&mut tx, |c| {
        sqlx::query_as(&sql)
            .bind(agency.id)
            .bind(quarter.to_string())
            .bind(version)
            .bind(&content)
            .bind(&content_sha256)
            .bind(at)
            .bind(actor)
            .bind(note)
            .fetch_one(&mut *c)
            .await
            .map_err(|e| crate::on_unique(e, "disclosure version"))
    });
    let disclosure = match inserted {
        Ok(d) => d,
        Err(StoreError::Duplicate(_)) => {
            return Ok(Err(Refusal::AlreadyPublished { version }));
        }
        Err(e) => return Err(e),
    };
    audit::append(
        &mut tx,
        at,
        actor,
        "disclosure.publish",
        &format!("disclosure:{}", disclosure.id),
        serde_json::json!({
            "agency": agency.code,
            "quarter": disclosure.quarter,
            "version": version,
            "content_sha256": content_sha256,
            "note": note,
            "checks": snapshot.checks.len(),
            "draws": snapshot.draws.iter().map(|d| d.id).collect::<Vec<_>>(),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(disclosure))
}

/// The latest version published of `agency_id`'s `quarter`, if any.
pub async fn latest(db: &Db, agency_id: i64, quarter: Quarter) -> Result<Option<Disclosure>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM disclosure WHERE agency_id = $1 AND quarter = $2 ORDER BY version DESC LIMIT 1"
    );
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(agency_id)
        .bind(quarter.to_string())
        .fetch_optional(p)
        .await?))
}

/// Version `version` of `agency_id`'s `quarter`, if published.
pub async fn by_version(
    db: &Db,
    agency_id: i64,
    quarter: Quarter,
    version: i64,
) -> Result<Option<Disclosure>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM disclosure WHERE agency_id = $1 AND quarter = $2 AND version = $3"
    );
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(agency_id)
        .bind(quarter.to_string())
        .bind(version)
        .fetch_optional(p)
        .await?))
}

/// Every version published, of one agency (by code) and one quarter when given: agencies in tree
/// order, latest quarter first, latest version first.
pub async fn list_published(
    db: &Db,
    agency_code: Option<&str>,
    quarter: Option<Quarter>,
) -> Result<Vec<Publication>> {
    let sql = format!(
        "{PUBLICATION} WHERE ($1 IS NULL OR a.code = $1) AND ($2 IS NULL OR d.quarter = $2) \
         ORDER BY a.path, d.quarter DESC, d.version DESC"
    );
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(agency_code)
        .bind(quarter.map(|q| q.to_string()))
        .fetch_all(p)
        .await?))
}

/// The latest `limit` publications of every agency, newest first (the public feed).
pub async fn feed(db: &Db, limit: i64) -> Result<Vec<Publication>> {
    let sql = format!("{PUBLICATION} ORDER BY d.published_at DESC, d.id DESC LIMIT $1");
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(limit)
        .fetch_all(p)
        .await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_general_plan_is_published_with_the_last_quarter_of_its_year() {
        let q = |s: &str| Quarter::parse(s).unwrap();
        assert_eq!(
            plan_periods(q("2026Q2")),
            vec![
                (PlanKind::Key, "2026Q2".to_string()),
                (PlanKind::Special, "2026Q2".to_string())
            ]
        );
        assert_eq!(
            plan_periods(q("2026Q4")).last(),
            Some(&(PlanKind::General, "2026".to_string()))
        );
        assert_eq!(general_period(q("2026Q3")), "");
    }
}
