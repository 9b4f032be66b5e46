//! Plans and their fair draws in the browser (R-DRAW, DRAW.md): the plans of the jurisdiction
//! with their due dates, and one plan's page with the three steps (freeze, public randomness,
//! draw) and, once drawn, the drawn firms and teams (confidential until the quarter's
//! disclosure: only the agency's own users see them).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::{Extension, Form};
use chrono::NaiveDate;
use serde::Deserialize;
use spotcheck_core::role::Permission;
use spotcheck_store::agency;
use spotcheck_store::draws::{self, DrawRecord, Plan, PlanKind, PlanParams, Refusal};

use super::{visible_agencies, PageCtx};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::AppState;

/// A plan as the list shows it.
struct PlanRow {
    id: i64,
    agency: String,
    kind_key: String,
    period: String,
    due_on: NaiveDate,
    state_key: &'static str,
    overdue: bool,
}

fn state_key(d: Option<&DrawRecord>) -> &'static str {
    match d {
        None => "plan.state_open",
        Some(d) if d.output.is_some() => "plan.state_drawn",
        Some(d) if d.randomness.is_some() => "plan.state_seeded",
        Some(_) => "plan.state_frozen",
    }
}

#[derive(Template)]
#[template(path = "plans.html")]
struct PlansPage {
    ctx: PageCtx,
    rows: Vec<PlanRow>,
    can_run: bool,
    agencies: Vec<(String, String)>,
    message: Option<String>,
    /// The year the compliance link opens.
    year: i32,
}

pub async fn index(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    user.require(Permission::ViewRegistry)?;
    plans_page(&state, &user, lang, None).await
}

async fn plans_page(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    message: Option<String>,
) -> Result<Response, AppError> {
    let today = state.config.today();
    let visible = visible_agencies(state, user).await?;
    let mut rows = Vec::new();
    for p in draws::plans(&state.db, user.scope_path()).await? {
        let latest = draws::latest_head(&state.db, p.id).await?;
        let key = state_key(latest.as_ref());
        rows.push(PlanRow {
            agency: visible
                .iter()
                .find(|a| a.id == p.agency_id)
                .map(|a| a.name(lang.code()).to_string())
                .unwrap_or_default(),
            kind_key: format!("plan.kind_{}", p.kind),
            overdue: key != "plan.state_drawn" && p.due_on < today,
            id: p.id,
            period: p.period,
            due_on: p.due_on,
            state_key: key,
        });
    }
    let agencies = visible
        .iter()
        .filter(|a| a.kind().is_some_and(|k| k.is_jurisdiction()))
        .map(|a| (a.code.clone(), a.name(lang.code()).to_string()))
        .collect();
    let refused = message.is_some();
    super::render_refused(
        &PlansPage {
            ctx: PageCtx::new(lang, Some(user), "/plans"),
            rows,
            can_run: user.role.may(Permission::RunDraws),
            agencies,
            message,
            year: chrono::Datelike::year(&today),
        },
        refused,
    )
}

#[derive(Deserialize)]
pub struct CreateForm {
    csrf: String,
    agency: String,
    kind: String,
    period: String,
    #[serde(default)]
    rate: String,
    #[serde(default)]
    per_officer: String,
    #[serde(default)]
    team_size: String,
}

/// An optional number field: empty is `None`, anything else must be a whole number.
fn optional_number(field: &str) -> Result<Option<u32>, AppError> {
    let field = field.trim();
    if field.is_empty() {
        return Ok(None);
    }
    field
        .parse()
        .map(Some)
        .map_err(|_| AppError::BadRequest("plan.bad_number"))
}

/// Creates a plan of an agency in the caller's jurisdiction (page and API).
pub(crate) async fn create_in_scope(
    state: &AppState,
    user: &CurrentUser,
    agency_code: &str,
    kind: &str,
    period: &str,
    params: &PlanParams,
) -> Result<Result<Plan, Refusal>, AppError> {
    user.require(Permission::RunDraws)?;
    let agency = agency::by_code(&state.db, agency_code)
        .await?
        .ok_or(AppError::NotFound)?;
    if !user.can_see(&agency) {
        return Err(AppError::Forbidden);
    }
    let kind = PlanKind::parse(kind).ok_or(AppError::BadRequest("plan.bad_kind"))?;
    let today = state.config.today();
    if let Err(over) = draws::check_period_open(kind, period.trim(), today) {
        return Ok(Err(over));
    }
    Ok(draws::create_plan(
        &state.db,
        &user.account.username,
        &agency,
        kind,
        period.trim(),
        &state.config.rules,
        params,
    )
    .await?)
}

pub async fn create(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Form(f): Form<CreateForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let params = PlanParams {
        rate_percent: optional_number(&f.rate)?,
        objects_per_officer: optional_number(&f.per_officer)?,
        team_size: optional_number(&f.team_size)?,
    };
    match create_in_scope(&state, &user, &f.agency, &f.kind, &f.period, &params).await? {
        Ok(p) => Ok(super::see_other(format!("/plans/{}", p.id))),
        Err(refusal) => {
            plans_page(&state, &user, lang, Some(refusal_message(lang, &refusal).1)).await
        }
    }
}

/// One dispatched task: the drawn firm, its team and where the task stands.
struct Drawn {
    task_id: i64,
    unit: String,
    firm_name: String,
    officers: String,
    status_key: String,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    ctx: PageCtx,
    plan: Plan,
    agency: String,
    kind_key: String,
    state_key: &'static str,
    draw: Option<DrawRecord>,
    /// One page of the drawn units' tasks ([`DRAWN_PAGE`]), and the link to the next.
    drawn: Vec<Drawn>,
    next_href: Option<String>,
    can_run: bool,
    message: Option<String>,
    /// Earlier attempts this plan's draw replaced, oldest first.
    replaced: Vec<DrawRecord>,
    /// For each beacon chain, the first round after the freeze: (chain, round, time).
    drand_rounds: Vec<(&'static str, i64, chrono::DateTime<chrono::Utc>)>,
    /// The witnesses of the randomness, as people write a list of names.
    witnesses: String,
    /// The plan's draw rule in words, with the rule ids it carries out.
    rule_text: String,
}

/// A plan's draw rule (stored as the engine's JSON) in the reader's language; the JSON itself if
/// it is of no known shape.
fn rule_text(lang: Lang, rule: &str) -> String {
    let t = Tr::new(lang);
    match serde_json::from_str::<spotcheck_draw::Rule>(rule) {
        Ok(spotcheck_draw::Rule::Key {
            quarter,
            quarters_in_year,
            rate_percent,
        }) => t.fmt(
            "plan.rule_key",
            &[
                ("rate", &rate_percent.to_string()),
                ("quarter", &quarter.to_string()),
                ("quarters", &quarters_in_year.to_string()),
            ],
        ),
        Ok(spotcheck_draw::Rule::Special { rate_percent }) => {
            t.fmt("plan.rule_special", &[("rate", &rate_percent.to_string())])
        }
        Ok(spotcheck_draw::Rule::General {
            objects_per_officer,
        }) => t.fmt(
            "plan.rule_general",
            &[("per_officer", &objects_per_officer.to_string())],
        ),
        Ok(spotcheck_draw::Rule::Fixed { count }) => {
            t.fmt("plan.rule_fixed", &[("count", &count.to_string())])
        }
        Err(_) => rule.to_string(),
    }
}

pub(crate) async fn plan_in_scope(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<(Plan, agency::Agency), AppError> {
    let plan = draws::plan(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let owner = agency::by_id(&state.db, plan.agency_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !user.can_see(&owner) {
        return Err(AppError::Forbidden);
    }
    Ok((plan, owner))
}

/// Drawn units listed on a page of the plan: a province's draw has a quarter of a million.
const DRAWN_PAGE: i64 = 100;

async fn plan_page(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    id: i64,
    after_firm: Option<i64>,
    message: Option<String>,
) -> Result<Response, AppError> {
    let (plan, owner) = plan_in_scope(state, user, id).await?;
    // The records' heads: their state, hashes and counts without the frozen input.
    let mut attempts = draws::attempt_heads(&state.db, plan.id).await?;
    let draw = attempts.pop();
    let replaced = attempts;
    let mut drawn = Vec::new();
    let mut next_href = None;
    if let Some(d) = draw.as_ref().filter(|d| d.output.is_some()) {
        let page =
            spotcheck_store::tasks::page_of_draw(&state.db, d.id, after_firm, DRAWN_PAGE).await?;
        next_href = page
            .next_after
            .map(|after| format!("/plans/{id}?after={after}#drawn"));
        for t in page.items {
            let team: Vec<String> = serde_json::from_str(&t.officers).unwrap_or_default();
            drawn.push(Drawn {
                task_id: t.id,
                unit: t.credit_code,
                firm_name: t.firm_name,
                officers: Tr::new(lang).list(&team),
                status_key: format!("tasks.status_{}", t.status),
            });
        }
    }
    let refused = message.is_some();
    let drand_rounds = draw
        .as_ref()
        .map(|d| draws::drand_rounds_after(d.frozen_at))
        .unwrap_or_default();
    // Stored as a JSON array of names.
    let witnesses = draw
        .as_ref()
        .and_then(|d| d.witnesses.as_deref())
        .and_then(|w| serde_json::from_str::<Vec<String>>(w).ok())
        .map(|names| Tr::new(lang).list(names))
        .unwrap_or_default();
    super::render_refused(
        &PlanPage {
            witnesses,
            ctx: PageCtx::new(lang, Some(user), &format!("/plans/{id}")),
            agency: owner.name(lang.code()).to_string(),
            kind_key: format!("plan.kind_{}", plan.kind),
            rule_text: rule_text(lang, &plan.rule),
            state_key: state_key(draw.as_ref()),
            can_run: user.role.may(Permission::RunDraws) && user.can_see(&owner),
            plan,
            draw,
            drawn,
            next_href,
            message,
            drand_rounds,
            replaced,
        },
        refused,
    )
}

#[derive(Deserialize)]
pub struct PlanQuery {
    /// The firm id the page of drawn units follows.
    after: Option<i64>,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<PlanQuery>,
) -> Result<Response, AppError> {
    user.require(Permission::ViewRegistry)?;
    plan_page(&state, &user, lang, id, q.after, None).await
}

fn refusal_key(r: &Refusal) -> &'static str {
    match r {
        Refusal::BadPeriod(_) => "plan.bad_period",
        Refusal::AlreadyDrawn => "plan.already_drawn",
        Refusal::NotFrozen => "plan.not_frozen",
        Refusal::AlreadySeeded => "plan.already_seeded",
        Refusal::NotSeeded => "plan.not_seeded",
        Refusal::BadRandomness => "plan.bad_randomness",
        Refusal::NoWitness => "plan.no_witness",
        Refusal::TooFewOfficers { .. } => "plan.too_few_officers",
        Refusal::Engine(_) => "plan.engine",
        Refusal::NoTeamFor { .. } => "plan.no_team_for",
        Refusal::NothingToRedraw => "plan.nothing_to_redraw",
        Refusal::RedrawNeedsReason => "plan.redraw_needs_reason",
        Refusal::RedrawNeedsApprover => "plan.redraw_needs_approver",
        Refusal::BelowMinimum { .. } => "plan.below_minimum",
        Refusal::AboveMaximum { .. } => "plan.above_maximum",
        Refusal::TeamTooSmall { .. } => "plan.team_too_small",
        Refusal::UnknownChain(_) => "plan.unknown_chain",
        Refusal::RoundBeforeFreeze(_) => "plan.round_before_freeze",
        Refusal::RoundInFuture(_) => "plan.round_in_future",
        Refusal::PeriodOver { .. } => "plan.period_over",
    }
}

/// The refusal's translation key and its message in the user's language, with its figures.
pub(crate) fn refusal_message(lang: Lang, r: &Refusal) -> (&'static str, String) {
    let time = |at: &chrono::DateTime<chrono::Utc>| at.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let args: Vec<(&str, String)> = match r {
        Refusal::TooFewOfficers {
            officers,
            team_size,
        } => vec![
            ("officers", officers.to_string()),
            ("team", team_size.to_string()),
        ],
        Refusal::NoTeamFor {
            unit,
            eligible,
            team_size,
        } => vec![
            ("unit", unit.clone()),
            ("officers", eligible.to_string()),
            ("team", team_size.to_string()),
        ],
        Refusal::BelowMinimum {
            rule,
            minimum,
            given,
        } => vec![
            ("rule", rule.to_string()),
            ("minimum", minimum.to_string()),
            ("given", given.to_string()),
        ],
        Refusal::AboveMaximum {
            rule,
            maximum,
            given,
        } => vec![
            ("rule", rule.to_string()),
            ("maximum", maximum.to_string()),
            ("given", given.to_string()),
        ],
        Refusal::TeamTooSmall { minimum, given } => {
            vec![
                ("minimum", minimum.to_string()),
                ("given", given.to_string()),
            ]
        }
        Refusal::RoundBeforeFreeze(at) | Refusal::RoundInFuture(at) => vec![("at", time(at))],
        Refusal::PeriodOver { period, last_day } => vec![
            ("period", period.clone()),
            ("last_day", last_day.to_string()),
        ],
        _ => Vec::new(),
    };
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let key = refusal_key(r);
    (key, Tr::new(lang).fmt(key, &args))
}

#[derive(Deserialize)]
pub struct StepForm {
    csrf: String,
    #[serde(default)]
    randomness: String,
    #[serde(default)]
    witnesses: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    approver: String,
    #[serde(default)]
    approver_password: String,
}

/// What the steps need besides the plan: the randomness and witnesses (seed), the reason and
/// approver (redraw).
#[derive(Default, Deserialize)]
pub(crate) struct StepInput {
    #[serde(default)]
    pub randomness: String,
    #[serde(default)]
    pub witnesses: Vec<String>,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub approver: String,
    /// The approver's own password, typed by them at the actor's side.
    #[serde(default)]
    pub approver_password: String,
}

/// Runs one step of the procedure (`freeze`, `seed`, `execute` or `redraw`) on a plan of the
/// caller's jurisdiction, for the page and the API alike.
pub(crate) async fn run_step(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    step: &str,
    input: &StepInput,
) -> Result<Result<DrawRecord, Refusal>, AppError> {
    user.require(Permission::RunDraws)?;
    let (plan, owner) = plan_in_scope(state, user, id).await?;
    let actor = user.account.username.as_str();
    let today = state.config.today();
    Ok(match step {
        "freeze" => draws::freeze(&state.db, actor, &plan, &owner, today).await?,
        "seed" => draws::seed(&state.db, actor, &plan, &input.randomness, &input.witnesses).await?,
        "execute" => draws::execute(&state.db, actor, &plan).await?,
        "redraw" => {
            draws::redraw(
                &state.db,
                actor,
                &plan,
                &owner,
                today,
                &input.reason,
                &input.approver,
                // Four eyes (DRAW.md step 5): a username alone could be typed by anyone.
                draws::Approval::Password {
                    password: &input.approver_password,
                    lockout: state.config.lockout,
                },
            )
            .await?
        }
        _ => return Err(AppError::NotFound),
    })
}

/// One step of the procedure from the plan's page.
pub async fn step(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path((id, step)): Path<(i64, String)>,
    Form(f): Form<StepForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let input = StepInput {
        randomness: f.randomness,
        witnesses: f
            .witnesses
            .split(['\n', ',', '，', '、'])
            .map(|w| w.trim().to_string())
            .filter(|w| !w.is_empty())
            .collect(),
        reason: f.reason,
        approver: f.approver,
        approver_password: f.approver_password,
    };
    match run_step(&state, &user, id, &step, &input).await? {
        Ok(_) => Ok(super::see_other(format!("/plans/{id}"))),
        Err(refusal) => {
            plan_page(
                &state,
                &user,
                lang,
                id,
                None,
                Some(refusal_message(lang, &refusal).1),
            )
            .await
        }
    }
}
