//! `spotcheck plan` and the steps of a fair draw: `draw freeze | seed | execute | export`.

use std::process::ExitCode;

use anyhow::{bail, Context};
use spotcheck_core::period::Year;
use spotcheck_core::rules::RulesConfig;
use spotcheck_store::draws::{self, Plan, PlanKind, PlanParams};
use spotcheck_store::{agency, Db};

use crate::{DrawCommand, PlanCommand};

pub async fn plan(db: &Db, rules: &RulesConfig, command: &PlanCommand) -> anyhow::Result<ExitCode> {
    match command {
        PlanCommand::Create {
            agency: code,
            kind,
            period,
            rate,
            per_officer,
            team_size,
        } => {
            let agency = agency::by_code(db, code)
                .await?
                .with_context(|| format!("no agency {code:?}"))?;
            let kind = PlanKind::parse(kind)
                .with_context(|| format!("unknown kind {kind:?}: use key, special or general"))?;
            let params = PlanParams {
                rate_percent: *rate,
                objects_per_officer: *per_officer,
                team_size: *team_size,
            };
            let today = rules.today();
            draws::check_period_open(kind, period, today).map_err(|r| anyhow::anyhow!("{r}"))?;
            match draws::create_plan(db, "cli", &agency, kind, period, rules, &params).await? {
                Ok(p) => println!(
                    "plan {}: {} {} {} due {} rule {}",
                    p.id, agency.code, p.kind, p.period, p.due_on, p.rule
                ),
                Err(refusal) => bail!("{refusal}"),
            }
        }
        PlanCommand::List { agency: code } => {
            let path = super::path_of(db, code.as_deref()).await?;
            for p in draws::plans(db, &path).await? {
                let state = match draws::latest_head(db, p.id).await? {
                    None => "open".to_string(),
                    Some(d) if d.output.is_some() => {
                        format!("drawn {}", d.result_sha256.unwrap_or_default())
                    }
                    Some(d) if d.randomness.is_some() => "seeded".to_string(),
                    Some(d) => format!("frozen population {}", d.population_sha256),
                };
                println!(
                    "{}\t{}\t{}\t{}\tdue {}\t{}",
                    p.id, p.agency_id, p.kind, p.period, p.due_on, state
                );
            }
        }
        PlanCommand::Compliance { agency: code, year } => {
            let agency = agency::by_code(db, code)
                .await?
                .with_context(|| format!("no agency {code:?}"))?;
            let year = Year::new(*year).map_err(|e| anyhow::anyhow!("{e}"))?;
            let today = rules.today();
            let table = draws::compliance(db, &agency, year, rules, today).await?;
            println!("kind\tperiod\tdue\tunits\tofficers\tdrawn\trequired\tmaximum\tstanding");
            for r in &table.rows {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    r.kind.as_str(),
                    r.period,
                    r.due_on,
                    r.population,
                    r.officers,
                    r.drawn.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
                    r.required,
                    r.maximum
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "-".into()),
                    r.standing.as_str()
                );
            }
            println!(
                "key units {}; not drawn this year {} (R-DRAW-KEY-3)",
                table.key_units,
                table.key_not_drawn.len()
            );
            for (code, name) in &table.key_not_drawn {
                println!("  {code}\t{name}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn load_plan(db: &Db, id: i64) -> anyhow::Result<Plan> {
    draws::plan(db, id)
        .await?
        .with_context(|| format!("no plan {id}: `spotcheck plan list` shows them"))
}

pub async fn draw_step(
    db: &Db,
    rules: &RulesConfig,
    command: &DrawCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        DrawCommand::Freeze { plan } => {
            let plan = load_plan(db, *plan).await?;
            let agency = agency::by_id(db, plan.agency_id)
                .await?
                .context("the plan's agency")?;
            let today = rules.today();
            let d = draws::freeze(db, "cli", &plan, &agency, today)
                .await?
                .map_err(|r| anyhow::anyhow!("{r}"))?;
            println!("frozen {} at {}", d.label, d.frozen_at);
            println!("population_sha256 {}", d.population_sha256);
            println!("officers_sha256   {}", d.officers_sha256);
            println!("conflicts_sha256  {}", d.conflicts_sha256);
            println!("Publish these hashes now; then obtain the randomness (dice before witnesses, or a future drand round).");
            for (chain, round, at) in draws::drand_rounds_after(d.frozen_at) {
                println!("first drand round after the freeze: chain {chain} round {round} at {at}");
            }
        }
        DrawCommand::Seed {
            plan,
            randomness,
            witnesses,
        } => {
            let plan = load_plan(db, *plan).await?;
            let d = draws::seed(db, "cli", &plan, randomness, witnesses)
                .await?
                .map_err(|r| anyhow::anyhow!("{r}"))?;
            println!(
                "randomness recorded for {}: {}",
                d.label,
                d.randomness.unwrap_or_default()
            );
        }
        DrawCommand::Execute { plan } => {
            let plan = load_plan(db, *plan).await?;
            let d = draws::execute(db, "cli", &plan)
                .await?
                .map_err(|r| anyhow::anyhow!("{r}"))?;
            println!(
                "drawn {}: {} tasks dispatched, result_sha256 {}",
                d.label,
                draws::task_count(db, d.id).await?,
                d.result_sha256.unwrap_or_default()
            );
        }
        DrawCommand::Redraw {
            plan,
            reason,
            approver,
            by,
        } => {
            let plan = load_plan(db, *plan).await?;
            let agency = agency::by_id(db, plan.agency_id)
                .await?
                .context("the plan's agency")?;
            let today = rules.today();
            // The operator of the server answers for the approver named here.
            let d = draws::redraw(
                db,
                by,
                &plan,
                &agency,
                today,
                reason,
                approver,
                draws::Approval::Operator,
            )
            .await?
            .map_err(|r| anyhow::anyhow!("{r}"))?;
            println!(
                "redraw attempt {} of {} frozen; enter new randomness, then execute",
                d.attempt, d.label
            );
            println!("population_sha256 {}", d.population_sha256);
        }
        DrawCommand::Export { plan, out } => {
            let plan = load_plan(db, *plan).await?;
            let d = draws::latest_draw(db, plan.id)
                .await?
                .context("the plan has not been frozen")?;
            let record = draws::export(&d)?.context("the plan has not been drawn yet")?;
            let text = serde_json::to_string_pretty(&record)?;
            match out {
                Some(path) => std::fs::write(path, text)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => println!("{text}"),
            }
        }
        DrawCommand::Run { .. } | DrawCommand::Verify { .. } => {
            unreachable!("pure commands run without a database")
        }
    }
    Ok(ExitCode::SUCCESS)
}
