//! Plans and the fair draw procedure of DRAW.md (R-DRAW): freeze the input and publish its
//! hashes, then take public randomness, then draw, store the record and dispatch the tasks.
//!
//! Each step is one transaction and leaves an audit event. The execution sets the result only
//! where none is set yet, so two people pressing "draw" at once produce one draw.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;
use spotcheck_core::calendar::Duty;
use spotcheck_core::period::{Quarter, Year};
use spotcheck_core::rules::RulesConfig;
use spotcheck_draw::{Conflict, DrawInput, DrawOutput, Officer, Rule, Unit};

use crate::agency::Agency;
use crate::{audit, on_db, on_tx, Db, Result, StoreError};

/// What a plan draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    /// Key discharge units, each quarter (R-DRAW-KEY-1).
    Key,
    /// Special supervision sources, each quarter (R-DRAW-SPC-1).
    Special,
    /// General units, for the year (R-DRAW-GEN-1).
    General,
}

impl PlanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanKind::Key => "key",
            PlanKind::Special => "special",
            PlanKind::General => "general",
        }
    }

    pub fn parse(s: &str) -> Option<PlanKind> {
        [PlanKind::Key, PlanKind::Special, PlanKind::General]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Plan {
    pub id: i64,
    pub agency_id: i64,
    pub kind: String,
    /// `2026Q2` for key and special plans, `2027` for the general plan.
    pub period: String,
    /// The engine's rule, as JSON.
    pub rule: String,
    pub team_size: i64,
    pub due_on: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

const PLAN_COLUMNS: &str =
    "id, agency_id, kind, period, rule, team_size, due_on, created_at, created_by";

/// Why a step of the procedure was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the period {0:?} does not fit the plan (key and special: 2026Q2; general: 2027)")]
    BadPeriod(String),
    #[error("the plan has been drawn already; a redraw needs a reason and an approver")]
    AlreadyDrawn,
    #[error("freeze the input first")]
    NotFrozen,
    #[error("the randomness was entered already")]
    AlreadySeeded,
    #[error("enter the public randomness first")]
    NotSeeded,
    #[error("randomness must be dice:<at least 20 digits> or drand:<chain hash>:<round>:<randomness hex>")]
    BadRandomness,
    #[error("name at least one witness of the randomness")]
    NoWitness,
    #[error(
        "fewer officers than the team size: {officers} eligible, teams of {team_size} (R-DRAW-2R)"
    )]
    TooFewOfficers { officers: usize, team_size: usize },
    #[error("the draw engine refused the input: {0}")]
    Engine(String),
    #[error("{unit}: only {eligible} officers without a declared conflict, teams of {team_size}")]
    NoTeamFor {
        unit: String,
        eligible: usize,
        team_size: usize,
    },
    #[error("a redraw replaces a draw: this plan has not been drawn")]
    NothingToRedraw,
    #[error("a redraw needs a written reason")]
    RedrawNeedsReason,
    #[error("a redraw needs the approval of another person who may run draws here")]
    RedrawNeedsApprover,
    #[error("{rule}: the rate or ratio {given} is below the minimum {minimum}")]
    BelowMinimum {
        rule: &'static str,
        minimum: u32,
        given: u32,
    },
    #[error("{rule}: the rate {given} is above the maximum {maximum}")]
    AboveMaximum {
        rule: &'static str,
        maximum: u32,
        given: u32,
    },
    #[error("R-DRAW-2R: teams of {given} are smaller than the minimum {minimum}")]
    TeamTooSmall { minimum: u32, given: u32 },
    #[error("the drand chain {0} is not known; use the League of Entropy mainnet or quicknet")]
    UnknownChain(String),
    #[error("the drand round was published at or before the freeze ({0}); take a later round")]
    RoundBeforeFreeze(DateTime<Utc>),
    #[error("the drand round will only be published at {0}; wait for it")]
    RoundInFuture(DateTime<Utc>),
    #[error("the period {period} ended on {last_day}; plan and draw for a period not yet over")]
    PeriodOver { period: String, last_day: NaiveDate },
}

/// Rule parameters a plan may set instead of the agency's defaults: stricter is allowed, looser
/// is refused with the rule it would break.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PlanParams {
    /// Key or special plans: the share drawn, in percent.
    pub rate_percent: Option<u32>,
    /// General plans: objects per officer.
    pub objects_per_officer: Option<u32>,
    /// Officers per team.
    pub team_size: Option<u32>,
}

/// SQL: the firms that count as inspected this year under R-DRAW-KEY-3 for agency `$2` and year
/// pattern `$3` (`2026%`): drawn by a key plan of the year, or inspected (form submitted or
/// accepted) on a task of another of the year's plans. A derived table, read once per query
/// from the year's few plans (not probed once per firm).
macro_rules! inspected_this_year {
    () => {
        "(SELECT DISTINCT t.firm_id FROM plan q JOIN draw_record d ON d.plan_id = q.id JOIN task t ON t.draw_id = d.id \
         WHERE q.agency_id = $2 AND q.period LIKE $3 AND t.status <> 'cancelled' \
         AND (q.kind = 'key' OR t.status IN ('submitted', 'accepted')))"
    };
}

/// The years a plan may be for: four-digit years, whose dates every backend stores (PostgreSQL
/// keeps none before 4714 BC) and every client reads as a date (`2026-03-25`).
pub const PLAN_YEARS: std::ops::RangeInclusive<i32> = 1000..=9999;

/// The rule, due date and period (written the one way, `2026Q2` or `2027`) of a plan from the
/// rules configuration (Urumqi values by default).
fn rule_for(
    kind: PlanKind,
    period: &str,
    agency: &Agency,
    rules: &RulesConfig,
    params: &PlanParams,
) -> std::result::Result<(Rule, NaiveDate, String), Refusal> {
    let bad = || Refusal::BadPeriod(period.to_string());
    let quarter = || {
        Quarter::parse(period)
            .ok()
            .filter(|q| PLAN_YEARS.contains(&q.year().value()))
            .ok_or_else(bad)
    };
    let at_least = |rule: &'static str, minimum: u32, given: Option<u32>| match given {
        Some(given) if given < minimum => Err(Refusal::BelowMinimum {
            rule,
            minimum,
            given,
        }),
        given => Ok(given.unwrap_or(minimum)),
    };
    Ok(match kind {
        PlanKind::Key => {
            let q = quarter()?;
            // R-DRAW-KEY-2 (rate per quarter) and R-DRAW-KEY-3 (all by the last quarter).
            let rate = at_least("R-DRAW-KEY-2", rules.key_rate_percent, params.rate_percent)?;
            if rate > 100 {
                return Err(Refusal::AboveMaximum {
                    rule: "R-DRAW-KEY-2",
                    maximum: 100,
                    given: rate,
                });
            }
            let rule = Rule::Key {
                quarter: q.q(),
                quarters_in_year: 4,
                rate_percent: rate,
            };
            (rule, Duty::KeyDraw(q.into()).due_date(rules), q.to_string())
        }
        PlanKind::Special => {
            let q = quarter()?;
            // R-DRAW-SPC-2: within the 50%-60% range, its lower bound by default.
            let rate = at_least(
                "R-DRAW-SPC-2",
                rules.special_rate_min_percent,
                params.rate_percent,
            )?;
            if rate > rules.special_rate_max_percent {
                return Err(Refusal::AboveMaximum {
                    rule: "R-DRAW-SPC-2",
                    maximum: rules.special_rate_max_percent,
                    given: rate,
                });
            }
            (
                Rule::Special { rate_percent: rate },
                Duty::SpecialDraw(q.into()).due_date(rules),
                q.to_string(),
            )
        }
        PlanKind::General => {
            let y = Year::parse(period)
                .ok()
                .filter(|y| PLAN_YEARS.contains(&y.value()))
                .ok_or_else(bad)?;
            // R-DRAW-GEN-2: objects per officer, 1:5 at city level, 1:10 at district level.
            let per_officer = at_least(
                "R-DRAW-GEN-2",
                general_ratio(agency, rules),
                params.objects_per_officer,
            )?;
            (
                Rule::General {
                    objects_per_officer: u64::from(per_officer),
                },
                Duty::GeneralDraw(y).due_date(rules),
                y.to_string(),
            )
        }
    })
}

/// R-DRAW-GEN-2: the minimum objects per officer of the agency's level.
pub fn general_ratio(agency: &Agency, rules: &RulesConfig) -> u32 {
    if agency.kind().is_some_and(|k| k.is_city_level()) {
        rules.general_objects_per_officer_city
    } else {
        rules.general_objects_per_officer_district
    }
}

/// The first and last days of a plan's period: its quarter's for key and special plans, its
/// year's for general ones; `None` for a period that does not fit the kind or the years plans
/// are made for ([`PLAN_YEARS`]).
pub fn period_days(kind: PlanKind, period: &str) -> Option<(NaiveDate, NaiveDate)> {
    let days = match kind {
        PlanKind::Key | PlanKind::Special => Quarter::parse(period)
            .ok()
            .map(|q| (q.first_day(), q.last_day())),
        PlanKind::General => Year::parse(period)
            .ok()
            .map(|y| (y.first_day(), y.last_day())),
    };
    days.filter(|(first, _)| PLAN_YEARS.contains(&first.year()))
}

/// A period that ended before `today` takes no new plan, freeze or redraw: the draw decides
/// whom to inspect within the period (R-DRAW-KEY-1, R-DRAW-SPC-1, R-DRAW-GEN-1), and tasks
/// drawn after it would be overdue at birth. A period that does not parse is left to the
/// period's own check.
pub fn check_period_open(
    kind: PlanKind,
    period: &str,
    today: NaiveDate,
) -> std::result::Result<(), Refusal> {
    match period_days(kind, period) {
        Some((first_day, last_day)) if today > last_day => Err(Refusal::PeriodOver {
            // As the period is written (`2025q4 ` → 2025Q4).
            period: match kind {
                PlanKind::General => first_day.year().to_string(),
                PlanKind::Key | PlanKind::Special => Quarter::containing(first_day).to_string(),
            },
            last_day,
        }),
        _ => Ok(()),
    }
}

/// [`check_period_open`] for a stored plan.
fn plan_period_open(plan: &Plan, today: NaiveDate) -> std::result::Result<(), Refusal> {
    match PlanKind::parse(&plan.kind) {
        Some(kind) => check_period_open(kind, &plan.period, today),
        None => Ok(()),
    }
}

/// Creates the plan of `kind` for `period` with the agency's rule parameters, or stricter ones
/// from `params` (or returns the existing plan). Looser parameters are refused with the rule.
pub async fn create_plan(
    db: &Db,
    actor: &str,
    agency: &Agency,
    kind: PlanKind,
    period: &str,
    rules: &RulesConfig,
    params: &PlanParams,
) -> Result<std::result::Result<Plan, Refusal>> {
    let (rule, due, period) = match rule_for(kind, period, agency, rules, params) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let period = period.as_str();
    // R-DRAW-2R: at least two officers per inspection (the configured team size).
    let team_size = params.team_size.unwrap_or(rules.team_size);
    if team_size < rules.team_size {
        return Ok(Err(Refusal::TeamTooSmall {
            minimum: rules.team_size,
            given: team_size,
        }));
    }
    let rule = serde_json::to_string(&rule).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let at = crate::now();
    let mut tx = db.begin().await?;
    let sql = format!(
        "INSERT INTO plan (agency_id, kind, period, rule, team_size, due_on, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (agency_id, kind, period) DO NOTHING RETURNING {PLAN_COLUMNS}"
    );
    let created: Option<Plan> = on_tx!(&mut tx, |c| sqlx::query_as(&sql)
        .bind(agency.id)
        .bind(kind.as_str())
        .bind(period)
        .bind(&rule)
        .bind(i64::from(team_size))
        .bind(due)
        .bind(at)
        .bind(actor)
        .fetch_optional(&mut *c)
        .await?);
    let plan = match created {
        Some(p) => {
            audit::append(
                &mut tx,
                at,
                actor,
                "plan.create",
                &format!("plan:{}", p.id),
                serde_json::json!({ "after": p }),
            )
            .await?;
            tx.commit().await?;
            p
        }
        None => {
            drop(tx);
            plan_of(db, agency.id, kind, period)
                .await?
                .ok_or_else(|| StoreError::NotFound("plan".into()))?
        }
    };
    Ok(Ok(plan))
}

async fn plan_of(db: &Db, agency_id: i64, kind: PlanKind, period: &str) -> Result<Option<Plan>> {
    let sql = format!(
        "SELECT {PLAN_COLUMNS} FROM plan WHERE agency_id = $1 AND kind = $2 AND period = $3"
    );
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(agency_id)
        .bind(kind.as_str())
        .bind(period)
        .fetch_optional(p)
        .await?))
}

pub async fn plan(db: &Db, id: i64) -> Result<Option<Plan>> {
    let sql = format!("SELECT {PLAN_COLUMNS} FROM plan WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await?))
}

/// The plans of the agencies under `path_prefix`, latest period first.
pub async fn plans(db: &Db, path_prefix: &str) -> Result<Vec<Plan>> {
    let sql = format!(
        "SELECT {} FROM plan p JOIN agency a ON a.id = p.agency_id WHERE a.path LIKE $1 ORDER BY p.period DESC, p.kind, p.id",
        PLAN_COLUMNS.split(", ").map(|c| format!("p.{c}")).collect::<Vec<_>>().join(", ")
    );
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(format!("{path_prefix}%"))
        .fetch_all(p)
        .await?))
}

/// One attempt at a plan's draw.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct DrawRecord {
    pub id: i64,
    pub plan_id: i64,
    pub attempt: i64,
    pub label: String,
    /// The frozen input without its seed, as JSON ([`DrawInput`] with `seed` empty).
    pub input: String,
    pub population_sha256: String,
    pub officers_sha256: String,
    pub conflicts_sha256: String,
    pub frozen_at: DateTime<Utc>,
    pub frozen_by: String,
    pub randomness: Option<String>,
    /// Witnesses of the randomness, as a JSON array of names.
    pub witnesses: Option<String>,
    pub seeded_at: Option<DateTime<Utc>>,
    pub seeded_by: Option<String>,
    pub output: Option<String>,
    pub result_sha256: Option<String>,
    pub executed_at: Option<DateTime<Utc>>,
    pub executed_by: Option<String>,
    /// The attempt this one replaces, why, and who approved it (a redraw is never silent).
    pub redraw_of: Option<i64>,
    pub redraw_reason: Option<String>,
    pub approved_by: Option<String>,
    /// Units in the frozen population, officers in its pool and conflict pairs.
    pub unit_count: i64,
    pub officer_count: i64,
    pub conflict_count: i64,
    /// Units drawn, once executed.
    pub drawn_count: Option<i64>,
}

/// The columns of a [`StoredDraw`], with the expressions that give its `input` and `output`,
/// and each deflated.
macro_rules! draw_columns {
    ($input:literal, $input_deflated:literal, $output:literal, $output_deflated:literal) => {
        concat!(
            "id, plan_id, attempt, label, ",
            $input,
            " AS input, ",
            $input_deflated,
            " AS input_deflated, population_sha256, officers_sha256, conflicts_sha256, \
            frozen_at, frozen_by, randomness, witnesses, seeded_at, seeded_by, ",
            $output,
            " AS output, ",
            $output_deflated,
            " AS output_deflated, result_sha256, executed_at, executed_by, \
            redraw_of, redraw_reason, approved_by, unit_count, officer_count, conflict_count, drawn_count"
        )
    };
}

/// The columns of a whole record (the frozen input has a table of its own, `draw_input`).
const DRAW_COLUMNS: &str = draw_columns!(
    "(SELECT i.input FROM draw_input i WHERE i.draw_id = draw_record.id)",
    "(SELECT i.input_deflated FROM draw_input i WHERE i.draw_id = draw_record.id)",
    "output",
    "output_deflated"
);

/// The columns of a record's head ([`latest_head`]): everything but the frozen input (left
/// empty) and the result (an empty string once executed).
const HEAD_COLUMNS: &str = draw_columns!(
    "''",
    "NULL",
    "CASE WHEN output IS NULL THEN NULL ELSE '' END",
    "NULL"
);

/// A record as stored: its frozen input and its result are kept deflated (migration 0015), with
/// empty text in their columns; records frozen or drawn before keep their text.
#[derive(sqlx::FromRow)]
struct StoredDraw {
    #[sqlx(flatten)]
    record: DrawRecord,
    input_deflated: Option<Vec<u8>>,
    output_deflated: Option<Vec<u8>>,
}

impl StoredDraw {
    /// The record with its texts inflated; [`StoreError::Invalid`] naming the draw when one
    /// does not inflate (a damaged row: `integrity::check_draws` reports it).
    fn into_record(self) -> Result<DrawRecord> {
        let mut record = self.record;
        let id = record.id;
        let damaged = |what: &str, e: std::io::Error| {
            StoreError::Invalid(format!(
                "draw {id}: the stored {what} does not inflate ({e}); restore it from a backup"
            ))
        };
        if let Some(deflated) = self.input_deflated {
            record.input = inflate(&deflated).map_err(|e| damaged("input", e))?;
        }
        if let Some(deflated) = self.output_deflated {
            record.output = Some(inflate(&deflated).map_err(|e| damaged("result", e))?);
        }
        Ok(record)
    }
}

/// `text` deflated (RFC 1951) at the fastest level: a province's 55 MB input in about 0.2 s,
/// to an eighth of its size.
fn deflate(text: &str) -> Result<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::DeflateEncoder::new(
        Vec::with_capacity(text.len() / 8),
        flate2::Compression::fast(),
    );
    encoder
        .write_all(text.as_bytes())
        .and_then(|()| encoder.finish())
        .map_err(|e| StoreError::Invalid(format!("deflating a draw record: {e}")))
}

fn inflate(deflated: &[u8]) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::with_capacity(deflated.len() * 9);
    flate2::read::DeflateDecoder::new(deflated).read_to_string(&mut text)?;
    Ok(text)
}

/// The latest attempt of a plan.
pub async fn latest_draw(db: &Db, plan_id: i64) -> Result<Option<DrawRecord>> {
    latest(db, plan_id, DRAW_COLUMNS).await
}

/// The latest attempt of a plan without its input and result (`input` empty, `output` empty
/// once executed): its state, hashes and counts, read without the tens of megabytes of a
/// province's input.
pub async fn latest_head(db: &Db, plan_id: i64) -> Result<Option<DrawRecord>> {
    latest(db, plan_id, HEAD_COLUMNS).await
}

async fn latest(db: &Db, plan_id: i64, columns: &str) -> Result<Option<DrawRecord>> {
    let sql = format!(
        "SELECT {columns} FROM draw_record WHERE plan_id = $1 ORDER BY attempt DESC LIMIT 1"
    );
    let stored: Option<StoredDraw> = on_db!(db, |p| sqlx::query_as(&sql)
        .bind(plan_id)
        .fetch_optional(p)
        .await?);
    stored.map(StoredDraw::into_record).transpose()
}

pub async fn draw_by_id(db: &Db, id: i64) -> Result<Option<DrawRecord>> {
    let sql = format!("SELECT {DRAW_COLUMNS} FROM draw_record WHERE id = $1");
    let stored: Option<StoredDraw> = on_db!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await?);
    stored.map(StoredDraw::into_record).transpose()
}

fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid(e.to_string()))
}

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Invalid(e.to_string()))
}

/// Freezes the plan's input as the lists stand now (step 1 of DRAW.md) and records its hashes.
/// A plan frozen but not yet drawn keeps its frozen input: freezing again returns it.
pub async fn freeze(
    db: &Db,
    actor: &str,
    plan: &Plan,
    agency: &Agency,
    today: NaiveDate,
) -> Result<std::result::Result<DrawRecord, Refusal>> {
    if let Some(existing) = latest_draw(db, plan.id).await? {
        return Ok(if existing.output.is_some() {
            Err(Refusal::AlreadyDrawn)
        } else {
            Ok(existing)
        });
    }
    if let Err(over) = plan_period_open(plan, today) {
        return Ok(Err(over));
    }
    freeze_attempt(db, actor, plan, agency, today, 1, None).await
}

/// A redraw's link to the attempt it replaces.
struct Replacing<'a> {
    draw_id: i64,
    reason: &'a str,
    approver: &'a str,
}

/// Freezes attempt `attempt` of the plan; a redraw also cancels the tasks of the draw it replaces.
async fn freeze_attempt(
    db: &Db,
    actor: &str,
    plan: &Plan,
    agency: &Agency,
    today: NaiveDate,
    attempt: i64,
    replacing: Option<Replacing<'_>>,
) -> Result<std::result::Result<DrawRecord, Refusal>> {
    let rule: Rule = parse(&plan.rule)?;
    let scope = format!("{}%", agency.path);
    let year = plan.period.get(..4).unwrap_or("").to_string();
    let sql = match plan.kind.as_str() {
        // R-DRAW-KEY-3: a key unit drawn earlier this year by a key plan, or inspected this
        // year on a task of another plan (a completed inspection), counts as inspected.
        "key" => concat!("SELECT f.credit_code AS code, i.firm_id IS NOT NULL AS inspected, f.id AS id \
                  FROM firm f JOIN agency a ON a.id = f.agency_id LEFT JOIN ", inspected_this_year!(), " i ON i.firm_id = f.id \
                  WHERE a.path LIKE $1 AND f.status = 'active' AND f.category = 'key' ORDER BY f.credit_code"),
        // R-DRAW-SPC-1/3: firms with an open special supervision reason.
        "special" => "SELECT f.credit_code AS code, FALSE AS inspected, f.id AS id FROM firm f JOIN agency a ON a.id = f.agency_id \
                      WHERE a.path LIKE $1 AND f.status = 'active' AND EXISTS \
                      (SELECT 1 FROM special_source s WHERE s.firm_id = f.id AND s.status = 'open') ORDER BY f.credit_code",
        _ => "SELECT f.credit_code AS code, FALSE AS inspected, f.id AS id FROM firm f JOIN agency a ON a.id = f.agency_id \
              WHERE a.path LIKE $1 AND f.status = 'active' AND f.category = 'general' ORDER BY f.credit_code",
    };
    macro_rules! with_args {
        ($query:expr) => {
            if plan.kind == "key" {
                $query
                    .bind(&scope)
                    .bind(plan.agency_id)
                    .bind(format!("{year}%"))
            } else {
                $query.bind(&scope)
            }
        };
    }
    // (credit code, inspected this year, firm id): the id is not part of the draw's input; it is
    // kept beside it so that the execution dispatches to the frozen firms without looking
    // their codes up again.
    let population: Vec<(String, bool, i64)> = match db {
        // One row holding the population as a JSON array built by SQLite, in the order of the
        // query: the driver hands rows over one at a time (microseconds each), which is seconds
        // for a province's million units.
        Db::Sqlite(p) => {
            let sql =
                format!("SELECT json_group_array(json_array(code, inspected, id)) FROM ({sql})");
            let text: String = with_args!(sqlx::query_scalar(&sql)).fetch_one(p).await?;
            let rows: Vec<(String, i64, i64)> = parse(&text)?;
            rows.into_iter()
                .map(|(code, i, id)| (code, i != 0, id))
                .collect()
        }
        Db::Pg(p) => with_args!(sqlx::query_as(sql)).fetch_all(p).await?,
    };
    let unit_ids: Vec<i64> = population.iter().map(|(_, _, id)| *id).collect();
    // R-DRAW-2R: officers on duty with a valid certificate.
    let officers: Vec<String> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT o.certificate_no FROM officer o JOIN agency a ON a.id = o.agency_id \
         WHERE a.path LIKE $1 AND o.on_duty AND o.certified_until >= $2 ORDER BY o.certificate_no"
    )
    .bind(&scope)
    .bind(today)
    .fetch_all(p)
    .await?);
    if officers.len() < plan.team_size as usize {
        return Ok(Err(Refusal::TooFewOfficers {
            officers: officers.len(),
            team_size: plan.team_size as usize,
        }));
    }
    // Withdrawal (回避): the officers of a firm's previous task do not inspect it again.
    let previous: Vec<(String, String)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT f.credit_code, t.officers FROM task t JOIN firm f ON f.id = t.firm_id \
         WHERE t.agency_id IN (SELECT id FROM agency WHERE path LIKE $1) \
         AND t.id = (SELECT MAX(u.id) FROM task u WHERE u.firm_id = t.firm_id AND u.status <> 'cancelled')"
    )
    .bind(&scope)
    .fetch_all(p)
    .await?
    });
    // Declared conflicts of interest (回避) that still stand.
    let declared = crate::conflicts::pairs_in(db, &agency.path).await?;
    let in_pool: std::collections::HashSet<&str> = officers.iter().map(String::as_str).collect();
    let mut pairs = std::collections::BTreeSet::new();
    for (unit, team) in &previous {
        let team: Vec<String> = parse(team)?;
        pairs.extend(team.into_iter().map(|officer| (officer, unit.clone())));
    }
    // Every unit must keep a team of officers without a conflict, or the engine stops at it
    // after the randomness is in, with no way on (DRAW.md "Which officers"). A declared conflict
    // always holds: too many for a unit refuse the freeze, naming it. The previous team's
    // withdrawal gives way for a unit where it would leave no team (a small district).
    let team_size = plan.team_size as usize;
    let declared_of = withdrawn_by_unit(declared.iter(), &in_pool);
    let all_of = withdrawn_by_unit(declared.iter().chain(&pairs), &in_pool);
    if let Some((unit, withdrawn)) = declared_of
        .iter()
        .find(|(_, withdrawn)| officers.len() - withdrawn.len() < team_size)
    {
        return Ok(Err(Refusal::NoTeamFor {
            unit: unit.to_string(),
            eligible: officers.len() - withdrawn.len(),
            team_size,
        }));
    }
    let previous_give_way: std::collections::HashSet<String> = all_of
        .iter()
        .filter(|(_, withdrawn)| officers.len() - withdrawn.len() < team_size)
        .map(|(unit, _)| unit.to_string())
        .collect();
    pairs.retain(|(_, unit)| !previous_give_way.contains(unit));
    pairs.extend(declared);
    // The units of those pairs that are in the population: the population (a million units in a
    // province) is walked once against the few units named, not made into a set of its own.
    let named: std::collections::HashSet<&str> =
        pairs.iter().map(|(_, unit)| unit.as_str()).collect();
    let in_population: std::collections::HashSet<&str> = if named.is_empty() {
        Default::default()
    } else {
        population
            .iter()
            .map(|(c, _, _)| c.as_str())
            .filter(|c| named.contains(c))
            .collect()
    };
    let conflicts: Vec<Conflict> = pairs
        .into_iter()
        .filter(|(officer, unit)| {
            in_pool.contains(officer.as_str()) && in_population.contains(unit.as_str())
        })
        .map(|(officer, unit)| Conflict { officer, unit })
        .collect();
    let input = DrawInput {
        algorithm: spotcheck_draw::ALGORITHM.to_string(),
        seed: String::new(),
        rule,
        population: population
            .into_iter()
            .map(|(id, inspected_this_year, _)| Unit {
                id,
                inspected_this_year,
            })
            .collect(),
        officers: officers.into_iter().map(|id| Officer { id }).collect(),
        conflicts,
        team_size: plan.team_size as u32,
    };
    let label = format!("{}/{}/{}", agency.division_code, plan.period, plan.kind);
    // The input as JSON (55 MB for a million units), and deflated as it is stored, beside its
    // hashes, on a second thread.
    let (hashes, input_json) = std::thread::scope(|scope| {
        let written = scope.spawn(|| {
            let text = json(&input)?;
            let deflated = deflate(&text)?;
            Ok::<_, StoreError>((text, deflated))
        });
        let hashes = (
            spotcheck_draw::population_sha256(&input.population),
            spotcheck_draw::officers_sha256(&input.officers),
            spotcheck_draw::conflicts_sha256(&input.conflicts),
        );
        let written = written
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (hashes, written)
    });
    let (input_json, input_deflated) = input_json?;
    let counts = (
        input.population.len() as i64,
        input.officers.len() as i64,
        input.conflicts.len() as i64,
    );
    let at = crate::now();
    let mut tx = db.begin().await?;
    // The record is built here rather than read back: its input is tens of megabytes at a
    // province's size.
    let id: Option<i64> = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO draw_record (plan_id, attempt, label, population_sha256, officers_sha256, conflicts_sha256, \
         frozen_at, frozen_by, redraw_of, redraw_reason, approved_by, unit_count, officer_count, conflict_count) \
         VALUES ($1, $8, $2, $3, $4, $5, $6, $7, $9, $10, $11, $12, $13, $14) ON CONFLICT (plan_id, attempt) DO NOTHING RETURNING id"
    )
    .bind(plan.id)
    .bind(&label)
    .bind(&hashes.0)
    .bind(&hashes.1)
    .bind(&hashes.2)
    .bind(at)
    .bind(actor)
    .bind(attempt)
    .bind(replacing.as_ref().map(|r| r.draw_id))
    .bind(replacing.as_ref().map(|r| r.reason))
    .bind(replacing.as_ref().map(|r| r.approver))
    .bind(counts.0)
    .bind(counts.1)
    .bind(counts.2)
    .fetch_optional(&mut *c)
    .await?
    });
    let Some(id) = id else {
        // Someone else froze it at the same moment: theirs stands.
        drop(tx);
        return Ok(latest_draw(db, plan.id).await?.ok_or(Refusal::NotFrozen));
    };
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO draw_input (draw_id, input, input_deflated, unit_ids) VALUES ($1, '', $2, $3)"
    )
    .bind(id)
    .bind(&input_deflated)
    .bind(json(&unit_ids)?)
    .execute(&mut *c)
    .await?
    .rows_affected());
    let (population_sha256, officers_sha256, conflicts_sha256) = hashes;
    let record = DrawRecord {
        id,
        plan_id: plan.id,
        attempt,
        label,
        input: input_json,
        population_sha256,
        officers_sha256,
        conflicts_sha256,
        frozen_at: at,
        frozen_by: actor.to_string(),
        randomness: None,
        witnesses: None,
        seeded_at: None,
        seeded_by: None,
        output: None,
        result_sha256: None,
        executed_at: None,
        executed_by: None,
        redraw_of: replacing.as_ref().map(|r| r.draw_id),
        redraw_reason: replacing.as_ref().map(|r| r.reason.to_string()),
        approved_by: replacing.as_ref().map(|r| r.approver.to_string()),
        unit_count: counts.0,
        officer_count: counts.1,
        conflict_count: counts.2,
        drawn_count: None,
    };
    if let Some(r) = &replacing {
        on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE task SET status = 'cancelled' WHERE draw_id = $1"
        )
        .bind(r.draw_id)
        .execute(&mut *c)
        .await?
        .rows_affected());
        audit::append(
            &mut tx,
            at,
            actor,
            "draw.redraw",
            &format!("draw:{}", record.id),
            serde_json::json!({ "replaces": r.draw_id, "reason": r.reason, "approved_by": r.approver }),
        )
        .await?;
    }
    audit::append(
        &mut tx,
        at,
        actor,
        "draw.freeze",
        &format!("draw:{}", record.id),
        serde_json::json!({ "label": record.label, "population_sha256": record.population_sha256, "officers_sha256": record.officers_sha256, "conflicts_sha256": record.conflicts_sha256,
                            "units": input.population.len(), "officers": input.officers.len(), "conflicts": input.conflicts.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(record))
}

/// How the approver of a redraw confirms it.
#[derive(Clone, Copy)]
pub enum Approval<'a> {
    /// At the actor's side with their own password (the pages and the API), checked as a login
    /// is, once everything else about the redraw holds.
    Password {
        password: &'a str,
        lockout: crate::account::LockoutPolicy,
    },
    /// On the server's command line, whose operator answers for the approver named (and
    /// recorded) there.
    Operator,
}

impl std::fmt::Debug for Approval<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        match self {
            Approval::Password { .. } => f.write_str("Password"),
            Approval::Operator => f.write_str("Operator"),
        }
    }
}

/// Starts a redraw of a drawn plan (DRAW.md step 5): a new attempt, frozen anew, that names the
/// draw it replaces, the written reason and the approver (another person who may run draws in
/// this jurisdiction), who confirms it as `approval` says. The replaced draw and its record stay;
/// its tasks are cancelled.
#[allow(clippy::too_many_arguments)]
pub async fn redraw(
    db: &Db,
    actor: &str,
    plan: &Plan,
    agency: &Agency,
    today: NaiveDate,
    reason: &str,
    approver: &str,
    approval: Approval<'_>,
) -> Result<std::result::Result<DrawRecord, Refusal>> {
    let reason = reason.trim();
    if reason.chars().count() < 4 {
        return Ok(Err(Refusal::RedrawNeedsReason));
    }
    let approver = approver.trim();
    let approving = crate::account::by_username(db, approver).await?;
    let may_approve = match &approving {
        Some(a) if a.username != actor && a.active => {
            let approver_agency = crate::agency::by_id(db, a.agency_id).await?;
            let role = a
                .role()
                .filter(|r| r.may(spotcheck_core::role::Permission::RunDraws));
            role.is_some_and(|r| {
                r.is_city_wide() || approver_agency.is_some_and(|g| g.contains(agency))
            })
        }
        _ => false,
    };
    if !may_approve {
        return Ok(Err(Refusal::RedrawNeedsApprover));
    }
    let Some(latest) = latest_head(db, plan.id).await? else {
        return Ok(Err(Refusal::NothingToRedraw));
    };
    if latest.output.is_none() {
        return Ok(Err(Refusal::NothingToRedraw));
    }
    if let Err(over) = plan_period_open(plan, today) {
        return Ok(Err(over));
    }
    // Four eyes: last, so that a password is only ever tried for an eligible approver of a
    // redraw that would otherwise go ahead.
    if let Approval::Password { password, lockout } = approval {
        let what = serde_json::json!({ "for": actor, "redraw_of": latest.id, "plan": plan.id });
        let confirmed =
            crate::account::confirm_password(db, approver, password, crate::now(), lockout, what)
                .await?;
        if !matches!(confirmed, crate::account::LoginOutcome::Success(_)) {
            return Ok(Err(Refusal::RedrawNeedsApprover));
        }
    }
    let replacing = Replacing {
        draw_id: latest.id,
        reason,
        approver,
    };
    freeze_attempt(
        db,
        actor,
        plan,
        agency,
        today,
        latest.attempt + 1,
        Some(replacing),
    )
    .await
}

/// All attempts of a plan, first to last.
pub async fn attempts(db: &Db, plan_id: i64) -> Result<Vec<DrawRecord>> {
    attempts_with(db, plan_id, DRAW_COLUMNS).await
}

/// Every attempt of a plan, oldest first, as heads ([`latest_head`]).
pub async fn attempt_heads(db: &Db, plan_id: i64) -> Result<Vec<DrawRecord>> {
    attempts_with(db, plan_id, HEAD_COLUMNS).await
}

async fn attempts_with(db: &Db, plan_id: i64, columns: &str) -> Result<Vec<DrawRecord>> {
    let sql = format!("SELECT {columns} FROM draw_record WHERE plan_id = $1 ORDER BY attempt");
    let stored: Vec<StoredDraw> = on_db!(db, |p| sqlx::query_as(&sql)
        .bind(plan_id)
        .fetch_all(p)
        .await?);
    stored.into_iter().map(StoredDraw::into_record).collect()
}

/// True when `randomness` has one of the two forms of DRAW.md, long enough to be unguessable.
pub fn randomness_is_valid(randomness: &str) -> bool {
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(digits) = randomness.strip_prefix("dice:") {
        return digits.len() >= 20 && digits.bytes().all(|b| b.is_ascii_digit());
    }
    if let Some(rest) = randomness.strip_prefix("drand:") {
        let parts: Vec<&str> = rest.split(':').collect();
        return parts.len() == 3
            && hex(parts[0], 64)
            && !parts[1].is_empty()
            && parts[1].bytes().all(|b| b.is_ascii_digit())
            && hex(parts[2], 64);
    }
    false
}

/// The public drand chains whose rounds may seed a draw: chain hash, genesis (Unix seconds) and
/// period (seconds), as the League of Entropy publishes them at `/{chain}/info`.
const DRAND_CHAINS: [(&str, i64, i64); 2] = [
    // mainnet ("default"), a round every 30 s
    (
        "8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce",
        1_595_431_050,
        30,
    ),
    // quicknet, a round every 3 s
    (
        "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
        1_692_803_367,
        3,
    ),
];

/// For each known chain, the first round published after `frozen_at` and its time: the round
/// the people at the draw wait for and read off the beacon (DRAW.md step 2).
pub fn drand_rounds_after(frozen_at: DateTime<Utc>) -> Vec<(&'static str, i64, DateTime<Utc>)> {
    DRAND_CHAINS
        .iter()
        .filter_map(|(hash, genesis, period)| {
            let round = (frozen_at.timestamp() - genesis).div_euclid(*period) + 2;
            let at = DateTime::from_timestamp(genesis + (round - 1) * period, 0)?;
            Some((*hash, round, at))
        })
        .collect()
}

/// How far a round's time may lie ahead of this server's clock (clocks differ a little).
const DRAND_CLOCK_SKEW_SECONDS: i64 = 60;

/// When a drand round of `randomness` (`drand:<chain>:<round>:<value>`) was published; `None`
/// for dice. An unknown chain is refused: its rounds' times cannot be checked.
pub fn drand_round_time(randomness: &str) -> Option<std::result::Result<DateTime<Utc>, Refusal>> {
    let rest = randomness.strip_prefix("drand:")?;
    let mut parts = rest.split(':');
    let (chain, round) = (parts.next()?, parts.next()?);
    // A round too large to count is no round of any chain (and would escape the checks below).
    let Ok(round) = round.parse::<i64>() else {
        return Some(Err(Refusal::BadRandomness));
    };
    let Some((_, genesis, period)) = DRAND_CHAINS.iter().find(|(hash, ..)| *hash == chain) else {
        return Some(Err(Refusal::UnknownChain(chain.to_string())));
    };
    let seconds = round
        .checked_sub(1)
        .and_then(|r| r.checked_mul(*period))
        .and_then(|s| s.checked_add(*genesis));
    Some(
        seconds
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .ok_or(Refusal::BadRandomness),
    )
}

/// Records the public randomness and its witnesses (step 2). It can only follow the freeze, whose
/// hashes were recorded first; it is entered once. The record returned is the seeded record's head
/// ([`latest_head`]): its `input` is left empty (read it with [`latest_draw`]).
pub async fn seed(
    db: &Db,
    actor: &str,
    plan: &Plan,
    randomness: &str,
    witnesses: &[String],
) -> Result<std::result::Result<DrawRecord, Refusal>> {
    let randomness = randomness.trim();
    if !randomness_is_valid(randomness) {
        return Ok(Err(Refusal::BadRandomness));
    }
    let witnesses: Vec<&str> = witnesses
        .iter()
        .map(|w| w.trim())
        .filter(|w| !w.is_empty())
        .collect();
    if witnesses.is_empty() {
        return Ok(Err(Refusal::NoWitness));
    }
    // The seed needs the record's state and freeze time, not its input.
    let Some(record) = latest_head(db, plan.id).await? else {
        return Ok(Err(Refusal::NotFrozen));
    };
    let at = crate::now();
    // DRAW.md step 2: a beacon round must be published after the freeze, and already exist.
    match drand_round_time(randomness) {
        Some(Err(refusal)) => return Ok(Err(refusal)),
        Some(Ok(published)) if published <= record.frozen_at => {
            return Ok(Err(Refusal::RoundBeforeFreeze(published)))
        }
        Some(Ok(published))
            if published > at + chrono::Duration::seconds(DRAND_CLOCK_SKEW_SECONDS) =>
        {
            return Ok(Err(Refusal::RoundInFuture(published)))
        }
        _ => {}
    }
    let witnesses_json = json(&witnesses)?;
    let mut tx = db.begin().await?;
    let changed = on_tx!(&mut tx, |c| {
        sqlx::query(
        "UPDATE draw_record SET randomness = $1, witnesses = $2, seeded_at = $3, seeded_by = $4 \
         WHERE id = $5 AND randomness IS NULL"
    )
    .bind(randomness)
    .bind(&witnesses_json)
    .bind(at)
    .bind(actor)
    .bind(record.id)
    .execute(&mut *c)
    .await?
    .rows_affected()
    });
    if changed == 0 {
        return Ok(Err(Refusal::AlreadySeeded));
    }
    audit::append(
        &mut tx,
        at,
        actor,
        "draw.seed",
        &format!("draw:{}", record.id),
        serde_json::json!({ "randomness": randomness, "witnesses": witnesses }),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(DrawRecord {
        randomness: Some(randomness.to_string()),
        witnesses: Some(witnesses_json),
        seeded_at: Some(at),
        seeded_by: Some(actor.to_string()),
        ..record
    }))
}

/// The complete input of a seeded record, as `spotcheck draw verify` takes it.
pub fn full_input(record: &DrawRecord) -> Result<Option<DrawInput>> {
    let Some(randomness) = &record.randomness else {
        return Ok(None);
    };
    let mut input: DrawInput = parse(&record.input)?;
    input.seed = spotcheck_draw::seed(
        &record.label,
        &record.population_sha256,
        &record.officers_sha256,
        &record.conflicts_sha256,
        randomness,
    );
    Ok(Some(input))
}

/// Draws (step 3), stores the result and dispatches one task per drawn unit, due at the end of
/// the plan's period. Only the first execution sets the result; a second one returns it.
pub async fn execute(
    db: &Db,
    actor: &str,
    plan: &Plan,
) -> Result<std::result::Result<DrawRecord, Refusal>> {
    let Some(record) = latest_draw(db, plan.id).await? else {
        return Ok(Err(Refusal::NotFrozen));
    };
    if record.output.is_some() {
        return Ok(Ok(record));
    }
    let Some(input) = full_input(&record)? else {
        return Ok(Err(Refusal::NotSeeded));
    };
    let (output, positions): (DrawOutput, Vec<usize>) = match spotcheck_draw::draw_indexed(&input) {
        Ok(drawn) => drawn,
        Err(e) => return Ok(Err(Refusal::Engine(e.to_string()))),
    };
    let due = match PlanKind::parse(&plan.kind) {
        Some(PlanKind::General) => Year::parse(&plan.period).map(|y| y.last_day()),
        _ => Quarter::parse(&plan.period).map(|q| q.last_day()),
    }
    .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let at = crate::now();
    let output_json = json(&output)?;
    let output_deflated = deflate(&output_json)?;
    let mut tx = db.begin().await?;
    let won = on_tx!(&mut tx, |c| {
        sqlx::query(
        "UPDATE draw_record SET output = '', output_deflated = $1, result_sha256 = $2, executed_at = $3, \
         executed_by = $4, drawn_count = $6 WHERE id = $5 AND output IS NULL"
    )
    .bind(&output_deflated)
    .bind(&output.result_sha256)
    .bind(at)
    .bind(actor)
    .bind(record.id)
    .bind(output.count as i64)
    .execute(&mut *c)
    .await?
    .rows_affected()
    });
    if won == 0 {
        drop(tx);
        return Ok(draw_by_id(db, record.id).await?.ok_or(Refusal::NotFrozen));
    }
    let tasks = dispatch_order(&mut tx, record.id, &input, &output.selected, &positions).await?;
    insert_tasks(&mut tx, &record, plan.agency_id, due, at, &tasks).await?;
    audit::append(
        &mut tx,
        at,
        actor,
        "draw.execute",
        &format!("draw:{}", record.id),
        serde_json::json!({ "count": output.count, "result_sha256": output.result_sha256 }),
    )
    .await?;
    tx.commit().await?;
    // PostgreSQL plans the draw's task pages and the officers' task lists from its statistics,
    // which autovacuum renews only a while after a province's quarter of a million new tasks:
    // until then a page of the draw's tasks took 0.4 s instead of 0.3 ms. The draw stands
    // whether this succeeds or not.
    if let Db::Pg(p) = db {
        if output.count >= ANALYZE_AFTER_TASKS {
            if let Err(e) = sqlx::query("ANALYZE task, officer_tasks").execute(p).await {
                tracing::warn!(error = %e, "statistics of the task tables not renewed after a draw");
            }
        }
    }
    let record = DrawRecord {
        output: Some(output_json),
        result_sha256: Some(output.result_sha256),
        executed_at: Some(at),
        executed_by: Some(actor.to_string()),
        drawn_count: Some(output.count as i64),
        ..record
    };
    Ok(Ok(record))
}

/// Tasks of a draw after which PostgreSQL's statistics of the task tables are renewed at once.
const ANALYZE_AFTER_TASKS: u64 = 10_000;

/// Rows a statement of [`dispatch_order`] and [`insert_tasks`] takes, as one JSON array read by
/// the database itself (a province's draw dispatches hundreds of thousands of tasks; three
/// parameters a row would take a statement per few hundred).
const TASK_ROWS_PER_STATEMENT: usize = 50_000;

/// The drawn units' firm ids with their teams (as JSON), in firm-id order: the order tasks are
/// stored in, so that the task indexes (by firm, by draw and firm) grow at their end instead of
/// at a random place per task. The ids are the ones frozen with the input (`draw_input.unit_ids`,
/// in the population's order), taken at the drawn units' `positions` in it; a record frozen
/// before they were kept has its credit codes looked up, in their own index's order.
async fn dispatch_order<'a>(
    tx: &mut crate::Tx,
    draw_id: i64,
    input: &DrawInput,
    selected: &'a [spotcheck_draw::Assignment],
    positions: &[usize],
) -> Result<Vec<(i64, &'a [String])>> {
    let frozen: Option<String> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT unit_ids FROM draw_input WHERE draw_id = $1"
    )
    .bind(draw_id)
    .fetch_optional(&mut *c)
    .await?)
    .flatten();
    let ids: Vec<i64> = match frozen {
        Some(text) => {
            let frozen: Vec<i64> = parse(&text)?;
            if frozen.len() != input.population.len() || positions.len() != selected.len() {
                return Err(StoreError::Invalid(format!(
                    "draw {draw_id}: {} firm ids frozen for {} units",
                    frozen.len(),
                    input.population.len()
                )));
            }
            positions
                .iter()
                .map(|&at| {
                    frozen.get(at).copied().ok_or_else(|| {
                        StoreError::Invalid(format!("draw {draw_id}: no unit at {at}"))
                    })
                })
                .collect::<Result<_>>()?
        }
        None => {
            let found = lookup_ids(tx, selected).await?;
            selected
                .iter()
                .map(|a| {
                    found.get(a.unit.as_str()).copied().ok_or_else(|| {
                        StoreError::Invalid(format!(
                            "the drawn unit {} is not on the firm list",
                            a.unit
                        ))
                    })
                })
                .collect::<Result<_>>()?
        }
    };
    let mut tasks: Vec<(i64, &[String])> = ids
        .into_iter()
        .zip(selected)
        .map(|(id, a)| (id, a.officers.as_slice()))
        .collect();
    tasks.sort_unstable_by_key(|(id, _)| *id);
    Ok(tasks)
}

/// The firm ids of the drawn units' credit codes, looked up in the codes' index order.
async fn lookup_ids<'a>(
    tx: &mut crate::Tx,
    selected: &'a [spotcheck_draw::Assignment],
) -> Result<std::collections::HashMap<&'a str, i64>> {
    let mut codes: Vec<&str> = selected.iter().map(|a| a.unit.as_str()).collect();
    codes.sort_unstable();
    let mut ids = std::collections::HashMap::with_capacity(selected.len());
    for chunk in codes.chunks(TASK_ROWS_PER_STATEMENT) {
        let chunk = json(&chunk)?;
        let rows: Vec<(String, i64)> = match tx {
            // As one JSON array, for the reason the freeze reads its population so.
            crate::Tx::Sqlite(c) => parse(
                &sqlx::query_scalar::<_, String>(
                    "SELECT json_group_array(json_array(f.credit_code, f.id)) \
                     FROM json_each($1) j CROSS JOIN firm f WHERE f.credit_code = j.value",
                )
                .bind(&chunk)
                .fetch_one(&mut **c)
                .await?,
            )?,
            crate::Tx::Pg(c) => sqlx::query_as(
                "SELECT f.credit_code, f.id FROM json_array_elements_text($1::json) AS j(code) \
                     JOIN firm f ON f.credit_code = j.code",
            )
            .bind(&chunk)
            .fetch_all(&mut **c)
            .await?,
        };
        for (code, id) in rows {
            if let Ok(at) = codes.binary_search(&code.as_str()) {
                ids.insert(codes[at], id);
            }
        }
    }
    Ok(ids)
}

/// Stores one dispatched task per `(firm id, team)` of `tasks` (in firm-id order), and each
/// officer's list of the draw's tasks (`officer_tasks`, read by [`crate::tasks::for_officer`]).
async fn insert_tasks(
    tx: &mut crate::Tx,
    record: &DrawRecord,
    agency_id: i64,
    due: NaiveDate,
    at: DateTime<Utc>,
    tasks: &[(i64, &[String])],
) -> Result<()> {
    const COLUMNS: &str = "id, draw_id, agency_id, firm_id, officers, due_on, status, created_at";
    // The tasks' ids, given here in their order: each officer's list of tasks is grouped from
    // them (reading the tasks back and grouping them in the database took 0.45 s (SQLite) to
    // 0.55 s (PostgreSQL) of a province's draw, returning them with the rows 0.2 s).
    let ids: Vec<i64> = match tx {
        // The transaction holds SQLite's write lock (`Db::begin`): the ids after the largest.
        crate::Tx::Sqlite(c) => {
            let first: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM task")
                .fetch_one(&mut **c)
                .await?;
            (first..).take(tasks.len()).collect()
        }
        // As many ids as tasks from the table's sequence, the way a row without one takes its
        // id, so that other writers' tasks and these never collide; one array, in order. (The
        // sequence is looked up once: in the join, a quarter of a million times, 0.6 s.)
        crate::Tx::Pg(c) => {
            sqlx::query_scalar(
                "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence('task', 'id')::regclass AS seq) \
                 SELECT COALESCE(array_agg(nextval(s.seq) ORDER BY g), '{}') FROM s, generate_series(1, $1) AS g",
            )
            .bind(tasks.len() as i64)
            .fetch_one(&mut **c)
            .await?
        }
    };
    if ids.len() != tasks.len() {
        return Err(StoreError::Invalid(format!(
            "draw {}: {} task ids for {} drawn units",
            record.id,
            ids.len(),
            tasks.len()
        )));
    }
    for (chunk, ids) in tasks
        .chunks(TASK_ROWS_PER_STATEMENT)
        .zip(ids.chunks(TASK_ROWS_PER_STATEMENT))
    {
        let teams = chunk
            .iter()
            .map(|(_, team)| json(team))
            .collect::<Result<Vec<String>>>()?;
        let inserted = match tx {
            crate::Tx::Sqlite(c) => {
                let rows: Vec<(i64, i64, &str)> = ids
                    .iter()
                    .zip(chunk)
                    .zip(&teams)
                    .map(|((id, (firm, _)), team)| (*id, *firm, team.as_str()))
                    .collect();
                sqlx::query(&format!(
                    "INSERT INTO task ({COLUMNS}) SELECT json_extract(j.value, '$[0]'), $1, $2, \
                     json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]'), $3, 'dispatched', $4 \
                     FROM json_each($5) j ORDER BY j.key"
                ))
                .bind(record.id)
                .bind(agency_id)
                .bind(due)
                .bind(at)
                .bind(json(&rows)?)
                .execute(&mut **c)
                .await?
                .rows_affected()
            }
            // Three arrays (sent in binary) rather than one JSON text to take apart row by row.
            crate::Tx::Pg(c) => {
                let firms: Vec<i64> = chunk.iter().map(|(firm, _)| *firm).collect();
                sqlx::query(&format!(
                    "INSERT INTO task ({COLUMNS}) SELECT u.id, $1, $2, u.firm_id, u.officers, $3, 'dispatched', $4 \
                     FROM unnest($5::bigint[], $6::bigint[], $7::text[]) WITH ORDINALITY AS u(id, firm_id, officers, n) \
                     ORDER BY u.n"
                ))
                .bind(record.id)
                .bind(agency_id)
                .bind(due)
                .bind(at)
                .bind(ids)
                .bind(&firms)
                .bind(&teams)
                .execute(&mut **c)
                .await?
                .rows_affected()
            }
        };
        if inserted != chunk.len() as u64 {
            return Err(StoreError::Invalid(format!(
                "draw {}: {inserted} tasks stored for {} drawn units",
                record.id,
                chunk.len()
            )));
        }
    }
    let mut by_officer: std::collections::BTreeMap<&str, Vec<i64>> = Default::default();
    for (id, (_, team)) in ids.iter().zip(tasks) {
        for officer in team.iter() {
            by_officer.entry(officer).or_default().push(*id);
        }
    }
    for ids in by_officer.values_mut() {
        ids.sort_unstable();
    }
    let grouped = json(&by_officer)?;
    let sql = match tx {
        crate::Tx::Sqlite(_) => {
            "INSERT INTO officer_tasks (certificate_no, draw_id, task_ids) \
             SELECT j.key, $1, j.value FROM json_each($2) AS j"
        }
        crate::Tx::Pg(_) => {
            "INSERT INTO officer_tasks (certificate_no, draw_id, task_ids) \
             SELECT j.key, $1, j.value::text FROM json_each($2::json) AS j"
        }
    };
    on_tx!(tx, |c| sqlx::query(sql)
        .bind(record.id)
        .bind(&grouped)
        .execute(&mut *c)
        .await?
        .rows_affected());
    Ok(())
}

/// The officers of the pool withdrawn from each unit by `pairs` (officer, unit), the units in
/// order, so that the first one short of a team is the one a refusal names.
fn withdrawn_by_unit<'a>(
    pairs: impl Iterator<Item = &'a (String, String)>,
    in_pool: &std::collections::HashSet<&str>,
) -> std::collections::BTreeMap<&'a str, std::collections::BTreeSet<&'a str>> {
    let mut out: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> =
        Default::default();
    for (officer, unit) in pairs.filter(|(officer, _)| in_pool.contains(officer.as_str())) {
        out.entry(unit.as_str())
            .or_default()
            .insert(officer.as_str());
    }
    out
}

/// The `{"input", "output"}` record of an executed draw, as `spotcheck draw verify` takes it.
pub fn export(record: &DrawRecord) -> Result<Option<serde_json::Value>> {
    let (Some(input), Some(output)) = (full_input(record)?, record.output.as_deref()) else {
        return Ok(None);
    };
    let output: serde_json::Value = parse(output)?;
    Ok(Some(
        serde_json::json!({ "input": input, "output": output }),
    ))
}

/// How many tasks a draw dispatched.
pub async fn task_count(db: &Db, draw_id: i64) -> Result<i64> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM task WHERE draw_id = $1"
    )
    .bind(draw_id)
    .fetch_one(p)
    .await?))
}

/// How a period's draw stands against its rule (R-DRAW-KEY-2, R-DRAW-SPC-2, R-DRAW-GEN-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Drawn, within the rule.
    Met,
    /// Drawn, fewer than the rule asks.
    Short,
    /// Drawn, more than the rule's upper bound.
    Over,
    /// Not drawn yet, not yet due.
    Pending,
    /// Not drawn and past its due date.
    Overdue,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Met => "met",
            Standing::Short => "short",
            Standing::Over => "over",
            Standing::Pending => "pending",
            Standing::Overdue => "overdue",
        }
    }
}

/// One plan's line of the compliance table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplianceRow {
    pub kind: PlanKind,
    pub period: String,
    pub plan_id: Option<i64>,
    pub due_on: NaiveDate,
    /// Units in the frozen pool (key units, special sources, general units).
    pub population: u64,
    /// Officers in the frozen pool (the base of R-DRAW-GEN-2).
    pub officers: u64,
    pub drawn: Option<u64>,
    /// The fewest the rule allows.
    pub required: u64,
    /// The most the rule allows, where it sets one (R-DRAW-SPC-2).
    pub maximum: Option<u64>,
    pub standing: Standing,
}

/// An agency's year against the draw rules: each quarter's key and special draws, the general
/// draw, and the key units not drawn yet (R-DRAW-KEY-3).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compliance {
    pub year: i32,
    pub rows: Vec<ComplianceRow>,
    pub key_units: u64,
    /// Key units neither drawn by a key plan nor inspected this year: (credit code, name).
    pub key_not_drawn: Vec<(String, String)>,
}

/// The plans a year asks of every agency, with their due dates (R-DRAW-KEY-1, R-DRAW-SPC-1,
/// R-DRAW-GEN-1): each quarter's key and special plans, and the year's general plan.
pub fn plans_due(year: Year, rules: &RulesConfig) -> Vec<(PlanKind, String, NaiveDate)> {
    let mut wanted = Vec::new();
    for q in year.quarters() {
        wanted.push((
            PlanKind::Key,
            q.to_string(),
            Duty::KeyDraw(q.into()).due_date(rules),
        ));
        wanted.push((
            PlanKind::Special,
            q.to_string(),
            Duty::SpecialDraw(q.into()).due_date(rules),
        ));
    }
    wanted.push((
        PlanKind::General,
        year.to_string(),
        Duty::GeneralDraw(year).due_date(rules),
    ));
    wanted
}

/// The plans of the agencies under `path_prefix` as (agency id, kind, period, plan id, drawn):
/// drawn when the latest attempt has a result (a redraw in progress is not drawn).
pub async fn plan_states(
    db: &Db,
    path_prefix: &str,
) -> Result<Vec<(i64, String, String, i64, bool)>> {
    Ok(on_db!(db, |p| {
        sqlx::query_as(
        "SELECT p.agency_id, p.kind, p.period, p.id, EXISTS (SELECT 1 FROM draw_record d WHERE d.plan_id = p.id \
         AND d.output IS NOT NULL AND d.attempt = (SELECT MAX(e.attempt) FROM draw_record e WHERE e.plan_id = p.id)) \
         FROM plan p JOIN agency a ON a.id = p.agency_id WHERE a.path LIKE $1"
    )
    .bind(format!("{path_prefix}%"))
    .fetch_all(p)
    .await?
    }))
}

/// The figures of the executed draw of a plan: (units, officers, drawn).
async fn drawn_figures(db: &Db, plan: &Plan) -> Result<Option<(u64, u64, u64)>> {
    let Some(record) = latest_head(db, plan.id).await? else {
        return Ok(None);
    };
    Ok(record.drawn_count.map(|drawn| {
        (
            record.unit_count as u64,
            record.officer_count as u64,
            drawn as u64,
        )
    }))
}

fn percent_of(n: u64, percent: u32) -> u64 {
    (n * u64::from(percent)).div_ceil(100)
}

/// The compliance table of `agency` for `year`, judged against the agency's minimum rules (not
/// against the plans' own parameters), on `today`.
pub async fn compliance(
    db: &Db,
    agency: &Agency,
    year: Year,
    rules: &RulesConfig,
    today: NaiveDate,
) -> Result<Compliance> {
    let mut rows = Vec::new();
    for (kind, period, due_on) in plans_due(year, rules) {
        let plan = plan_of(db, agency.id, kind, &period).await?;
        let figures = match &plan {
            Some(p) => drawn_figures(db, p).await?,
            None => None,
        };
        let (population, officers, drawn) = match figures {
            Some((u, o, d)) => (u, o, Some(d)),
            None => (0, 0, None),
        };
        let (required, maximum) = match kind {
            // R-DRAW-KEY-2: at least the minimum share of the area's key units each quarter.
            PlanKind::Key => (percent_of(population, rules.key_rate_percent), None),
            // R-DRAW-SPC-2: between the two bounds of the special sources.
            PlanKind::Special => (
                percent_of(population, rules.special_rate_min_percent),
                Some(percent_of(population, rules.special_rate_max_percent)),
            ),
            // R-DRAW-GEN-2: officers × ratio, capped by the general units.
            PlanKind::General => (
                (officers * u64::from(general_ratio(agency, rules))).min(population),
                None,
            ),
        };
        let standing = match drawn {
            Some(d) if d < required => Standing::Short,
            Some(d) if maximum.is_some_and(|m| d > m.max(required)) => Standing::Over,
            Some(_) => Standing::Met,
            None if today > due_on => Standing::Overdue,
            None => Standing::Pending,
        };
        rows.push(ComplianceRow {
            kind,
            period,
            plan_id: plan.map(|p| p.id),
            due_on,
            population,
            officers,
            drawn,
            required,
            maximum,
            standing,
        });
    }
    let scope = format!("{}%", agency.path);
    let key_units: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM firm f JOIN agency a ON a.id = f.agency_id \
         WHERE a.path LIKE $1 AND f.status = 'active' AND f.category = 'key'"
    )
    .bind(&scope)
    .fetch_one(p)
    .await?);
    // R-DRAW-KEY-3: the same test the freeze uses for "inspected this year".
    let key_not_drawn: Vec<(String, String)> = on_db!(db, |p| sqlx::query_as(concat!(
        "SELECT f.credit_code, f.name FROM firm f JOIN agency a ON a.id = f.agency_id \
         WHERE a.path LIKE $1 AND f.status = 'active' AND f.category = 'key' AND f.id NOT IN ",
        inspected_this_year!(),
        " ORDER BY f.credit_code"
    ))
    .bind(&scope)
    .bind(agency.id)
    .bind(format!("{}%", year.value()))
    .fetch_all(p)
    .await?);
    Ok(Compliance {
        year: year.value(),
        rows,
        key_units: key_units as u64,
        key_not_drawn,
    })
}
