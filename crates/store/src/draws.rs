//! Plans and the fair draw procedure of DRAW.md (R-DRAW): freeze the input and publish its
//! hashes, then take public randomness, then draw, store the record and dispatch the tasks.
//!
//! Each step is one transaction and leaves an audit event. The execution sets the result only
//! where none is set yet, so two people pressing "draw" at once produce one draw.

use chrono::{DateTime, NaiveDate, Utc};
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
    #[error("a redraw replaces a draw: this plan has not been drawn")]
    NothingToRedraw,
    #[error("a redraw needs a written reason")]
    RedrawNeedsReason,
    #[error("a redraw needs the approval of another person who may run draws here")]
    RedrawNeedsApprover,
}

/// The rule and due date of a plan from the rules configuration (Urumqi values by default).
fn rule_for(
    kind: PlanKind,
    period: &str,
    agency: &Agency,
    rules: &RulesConfig,
) -> std::result::Result<(Rule, NaiveDate), Refusal> {
    let bad = || Refusal::BadPeriod(period.to_string());
    Ok(match kind {
        PlanKind::Key => {
            let q = Quarter::parse(period).map_err(|_| bad())?;
            // R-DRAW-KEY-2 (rate per quarter) and R-DRAW-KEY-3 (all by the last quarter).
            let rule = Rule::Key {
                quarter: q.q(),
                quarters_in_year: 4,
                rate_percent: rules.key_rate_percent,
            };
            (rule, Duty::KeyDraw(q.into()).due_date(rules))
        }
        PlanKind::Special => {
            let q = Quarter::parse(period).map_err(|_| bad())?;
            // R-DRAW-SPC-2: at least the lower bound of the 50%-60% range.
            (
                Rule::Special {
                    rate_percent: rules.special_rate_min_percent,
                },
                Duty::SpecialDraw(q.into()).due_date(rules),
            )
        }
        PlanKind::General => {
            let y = Year::parse(period).map_err(|_| bad())?;
            // R-DRAW-GEN-2: objects per officer, 1:5 at city level, 1:10 at district level.
            let city = agency.kind().is_some_and(|k| k.is_city_level());
            let per_officer = if city {
                rules.general_objects_per_officer_city
            } else {
                rules.general_objects_per_officer_district
            };
            (
                Rule::General {
                    objects_per_officer: u64::from(per_officer),
                },
                Duty::GeneralDraw(y).due_date(rules),
            )
        }
    })
}

/// Creates the plan of `kind` for `period` (or returns the existing one).
pub async fn create_plan(
    db: &Db,
    actor: &str,
    agency: &Agency,
    kind: PlanKind,
    period: &str,
    rules: &RulesConfig,
) -> Result<std::result::Result<Plan, Refusal>> {
    let (rule, due) = match rule_for(kind, period, agency, rules) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
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
        .bind(i64::from(rules.team_size))
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
}

const DRAW_COLUMNS: &str = "id, plan_id, attempt, label, input, population_sha256, officers_sha256, conflicts_sha256, \
    frozen_at, frozen_by, randomness, witnesses, seeded_at, seeded_by, output, result_sha256, executed_at, executed_by, \
    redraw_of, redraw_reason, approved_by";

/// The latest attempt of a plan.
pub async fn latest_draw(db: &Db, plan_id: i64) -> Result<Option<DrawRecord>> {
    let sql = format!(
        "SELECT {DRAW_COLUMNS} FROM draw_record WHERE plan_id = $1 ORDER BY attempt DESC LIMIT 1"
    );
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(plan_id)
        .fetch_optional(p)
        .await?))
}

pub async fn draw_by_id(db: &Db, id: i64) -> Result<Option<DrawRecord>> {
    let sql = format!("SELECT {DRAW_COLUMNS} FROM draw_record WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await?))
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
    let population: Vec<(String, bool)> = on_db!(db, |p| {
        let sql = match plan.kind.as_str() {
            // R-DRAW-KEY-3: a key unit drawn earlier this year counts as inspected this year.
            "key" => "SELECT f.credit_code, EXISTS (SELECT 1 FROM task t JOIN draw_record d ON d.id = t.draw_id \
                      JOIN plan q ON q.id = d.plan_id WHERE t.firm_id = f.id AND t.status <> 'cancelled' AND q.kind = 'key' \
                      AND q.agency_id = $2 AND q.period LIKE $3) \
                      FROM firm f JOIN agency a ON a.id = f.agency_id \
                      WHERE a.path LIKE $1 AND f.status = 'active' AND f.category = 'key' ORDER BY f.credit_code",
            // R-DRAW-SPC-1/3: firms with an open special supervision reason.
            "special" => "SELECT f.credit_code, FALSE FROM firm f JOIN agency a ON a.id = f.agency_id \
                          WHERE a.path LIKE $1 AND f.status = 'active' AND EXISTS \
                          (SELECT 1 FROM special_source s WHERE s.firm_id = f.id AND s.status = 'open') ORDER BY f.credit_code",
            _ => "SELECT f.credit_code, FALSE FROM firm f JOIN agency a ON a.id = f.agency_id \
                  WHERE a.path LIKE $1 AND f.status = 'active' AND f.category = 'general' ORDER BY f.credit_code",
        };
        let query = sqlx::query_as(sql).bind(&scope);
        let query = if plan.kind == "key" {
            query.bind(plan.agency_id).bind(format!("{year}%"))
        } else {
            query
        };
        let rows: Vec<(String, bool)> = query.fetch_all(p).await?;
        rows
    });
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
        "SELECT f.credit_code, t.officers FROM task t JOIN firm f ON f.id = t.firm_id JOIN agency a ON a.id = t.agency_id \
         WHERE a.path LIKE $1 AND t.id = (SELECT MAX(u.id) FROM task u WHERE u.firm_id = t.firm_id AND u.status <> 'cancelled')"
    )
    .bind(&scope)
    .fetch_all(p)
    .await?
    });
    let in_pool: std::collections::HashSet<&str> = officers.iter().map(String::as_str).collect();
    let in_population: std::collections::HashSet<&str> =
        population.iter().map(|(c, _)| c.as_str()).collect();
    let mut conflicts = Vec::new();
    for (unit, team) in &previous {
        let team: Vec<String> = parse(team)?;
        for officer in team {
            if in_pool.contains(officer.as_str()) && in_population.contains(unit.as_str()) {
                conflicts.push(Conflict {
                    officer,
                    unit: unit.clone(),
                });
            }
        }
    }
    let input = DrawInput {
        algorithm: spotcheck_draw::ALGORITHM.to_string(),
        seed: String::new(),
        rule,
        population: population
            .into_iter()
            .map(|(id, inspected_this_year)| Unit {
                id,
                inspected_this_year,
            })
            .collect(),
        officers: officers.into_iter().map(|id| Officer { id }).collect(),
        conflicts,
        team_size: plan.team_size as u32,
    };
    let label = format!("{}/{}/{}", agency.division_code, plan.period, plan.kind);
    let hashes = (
        spotcheck_draw::population_sha256(&input.population),
        spotcheck_draw::officers_sha256(&input.officers),
        spotcheck_draw::conflicts_sha256(&input.conflicts),
    );
    let at = crate::now();
    let mut tx = db.begin().await?;
    let sql = format!(
        "INSERT INTO draw_record (plan_id, attempt, label, input, population_sha256, officers_sha256, conflicts_sha256, \
         frozen_at, frozen_by, redraw_of, redraw_reason, approved_by) \
         VALUES ($1, $9, $2, $3, $4, $5, $6, $7, $8, $10, $11, $12) ON CONFLICT (plan_id, attempt) DO NOTHING RETURNING {DRAW_COLUMNS}"
    );
    let record: Option<DrawRecord> = on_tx!(&mut tx, |c| sqlx::query_as(&sql)
        .bind(plan.id)
        .bind(&label)
        .bind(json(&input)?)
        .bind(&hashes.0)
        .bind(&hashes.1)
        .bind(&hashes.2)
        .bind(at)
        .bind(actor)
        .bind(attempt)
        .bind(replacing.as_ref().map(|r| r.draw_id))
        .bind(replacing.as_ref().map(|r| r.reason))
        .bind(replacing.as_ref().map(|r| r.approver))
        .fetch_optional(&mut *c)
        .await?);
    let Some(record) = record else {
        // Someone else froze it at the same moment: theirs stands.
        drop(tx);
        return Ok(latest_draw(db, plan.id).await?.ok_or(Refusal::NotFrozen));
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
        serde_json::json!({ "label": label, "population_sha256": hashes.0, "officers_sha256": hashes.1, "conflicts_sha256": hashes.2,
                            "units": input.population.len(), "officers": input.officers.len(), "conflicts": input.conflicts.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(record))
}

/// Starts a redraw of a drawn plan (DRAW.md step 5): a new attempt, frozen anew, that names the
/// draw it replaces, the written reason and the approver (another person who may run draws in
/// this jurisdiction). The replaced draw and its record stay; its tasks are cancelled.
pub async fn redraw(
    db: &Db,
    actor: &str,
    plan: &Plan,
    agency: &Agency,
    today: NaiveDate,
    reason: &str,
    approver: &str,
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
    let Some(latest) = latest_draw(db, plan.id).await? else {
        return Ok(Err(Refusal::NothingToRedraw));
    };
    if latest.output.is_none() {
        return Ok(Err(Refusal::NothingToRedraw));
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
    let sql = format!("SELECT {DRAW_COLUMNS} FROM draw_record WHERE plan_id = $1 ORDER BY attempt");
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(plan_id)
        .fetch_all(p)
        .await?))
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

/// Records the public randomness and its witnesses (step 2). It can only follow the freeze, whose
/// hashes were recorded first; it is entered once.
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
    let Some(record) = latest_draw(db, plan.id).await? else {
        return Ok(Err(Refusal::NotFrozen));
    };
    let at = crate::now();
    let mut tx = db.begin().await?;
    let changed = on_tx!(&mut tx, |c| {
        sqlx::query(
        "UPDATE draw_record SET randomness = $1, witnesses = $2, seeded_at = $3, seeded_by = $4 \
         WHERE id = $5 AND randomness IS NULL"
    )
    .bind(randomness)
    .bind(json(&witnesses)?)
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
    Ok(draw_by_id(db, record.id).await?.ok_or(Refusal::NotFrozen))
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
    let output: DrawOutput = match spotcheck_draw::draw(&input) {
        Ok(o) => o,
        Err(e) => return Ok(Err(Refusal::Engine(e.to_string()))),
    };
    let due = match PlanKind::parse(&plan.kind) {
        Some(PlanKind::General) => Year::parse(&plan.period).map(|y| y.last_day()),
        _ => Quarter::parse(&plan.period).map(|q| q.last_day()),
    }
    .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let at = crate::now();
    let mut tx = db.begin().await?;
    let won = on_tx!(&mut tx, |c| {
        sqlx::query(
        "UPDATE draw_record SET output = $1, result_sha256 = $2, executed_at = $3, executed_by = $4 \
         WHERE id = $5 AND output IS NULL"
    )
    .bind(json(&output)?)
    .bind(&output.result_sha256)
    .bind(at)
    .bind(actor)
    .bind(record.id)
    .execute(&mut *c)
    .await?
    .rows_affected()
    });
    if won == 0 {
        drop(tx);
        return Ok(draw_by_id(db, record.id).await?.ok_or(Refusal::NotFrozen));
    }
    for assignment in &output.selected {
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO task (draw_id, agency_id, firm_id, officers, due_on, status, created_at) \
             SELECT $1, $2, id, $3, $4, 'dispatched', $5 FROM firm WHERE credit_code = $6"
        )
        .bind(record.id)
        .bind(plan.agency_id)
        .bind(json(&assignment.officers)?)
        .bind(due)
        .bind(at)
        .bind(&assignment.unit)
        .execute(&mut *c)
        .await?
        .rows_affected());
    }
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
    Ok(draw_by_id(db, record.id).await?.ok_or(Refusal::NotFrozen))
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
