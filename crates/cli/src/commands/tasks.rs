//! `spotcheck task` (an officer's tasks, reassignment) and `spotcheck conflict` (回避).

use std::process::ExitCode;

use anyhow::{bail, Context};
use spotcheck_core::rules::RulesConfig;
use spotcheck_store::{account, agency, conflicts, tasks, Db};

use crate::{ConflictCommand, TaskCommand};

/// The jurisdiction (agency path) of the person the command line acts for.
async fn scope_of(db: &Db, username: &str) -> anyhow::Result<String> {
    let person = account::by_username(db, username)
        .await?
        .with_context(|| format!("no account {username:?}"))?;
    let agency = agency::by_id(db, person.agency_id)
        .await?
        .context("the account's agency")?;
    let city_wide = person.role().is_some_and(|r| r.is_city_wide());
    Ok(if city_wide {
        String::new()
    } else {
        agency.path
    })
}

pub async fn task(db: &Db, rules: &RulesConfig, command: &TaskCommand) -> anyhow::Result<ExitCode> {
    match command {
        TaskCommand::List { officer } => {
            for t in tasks::for_officer(db, officer).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    t.id, t.due_on, t.status, t.credit_code, t.firm_name, t.address
                );
            }
        }
        TaskCommand::Reassign {
            task,
            officer,
            reason,
            by,
        } => {
            let scope = scope_of(db, by).await?;
            let today = rules.today();
            match tasks::reassign(db, by, &scope, *task, officer, reason, today).await? {
                Ok(r) => println!(
                    "task {}: {} replaced by {} (drawn: {}; candidates {})",
                    r.task_id, r.officer_out, r.officer_in, r.random_value, r.candidates
                ),
                Err(refusal) => bail!("{refusal}"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn conflict(db: &Db, command: &ConflictCommand) -> anyhow::Result<ExitCode> {
    match command {
        ConflictCommand::Declare {
            officer,
            firm,
            reason,
            by,
        } => {
            let scope = scope_of(db, by).await?;
            match conflicts::declare(db, by, &scope, officer, firm, reason).await? {
                Ok(d) => println!(
                    "conflict {}: {} {} must not inspect {} {}",
                    d.id, d.certificate_no, d.officer_name, d.credit_code, d.firm_name
                ),
                Err(refusal) => bail!("{refusal}"),
            }
        }
        ConflictCommand::List { agency: code } => {
            let path = super::path_of(db, code.as_deref()).await?;
            for d in conflicts::list(db, &path).await? {
                let state = if d.withdrawn_at.is_some() {
                    "withdrawn"
                } else {
                    "standing"
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    d.id, state, d.certificate_no, d.credit_code, d.reason, d.declared_at
                );
            }
        }
        ConflictCommand::Withdraw { id, by } => {
            let scope = scope_of(db, by).await?;
            if !conflicts::withdraw(db, by, &scope, *id).await? {
                bail!("no standing declaration {id} in your jurisdiction: `spotcheck conflict list` shows them");
            }
            println!("conflict {id} withdrawn");
        }
    }
    Ok(ExitCode::SUCCESS)
}
