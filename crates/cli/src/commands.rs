//! The commands behind the `spotcheck` subcommands.

use std::process::ExitCode;

use anyhow::{bail, Context};
use spotcheck_store::audit::{self, ChainCheck};
use spotcheck_store::{account, bootstrap, demo, token, Db};
use spotcheck_web::{AppState, WebConfig};

use crate::{
    AccountCommand, AgencyCommand, ArchiveCommand, AuditCommand, BenchCommand, Cli, Command,
    DrawCommand, TokenCommand,
};

mod archive;
mod backup;
mod bench;
mod lists;
mod plans;
mod tasks;

/// The agency path a listing covers: the agency named by `code` and those under it, or every
/// agency when none is named.
pub(crate) async fn path_of(db: &Db, code: Option<&str>) -> anyhow::Result<String> {
    Ok(match code {
        Some(c) => {
            spotcheck_store::agency::by_code(db, c)
                .await?
                .with_context(|| format!("no agency {c:?}"))?
                .path
        }
        None => String::new(),
    })
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // The draw commands are pure and need no database or runtime.
    if let Command::Draw {
        command: command @ (DrawCommand::Run { .. } | DrawCommand::Verify { .. }),
    } = &cli.command
    {
        return Ok(draw(command));
    }
    // Checking an archive needs no database either (an auditor checks it anywhere).
    if let Command::Archive {
        command: ArchiveCommand::Verify { file },
    } = &cli.command
    {
        return Ok(archive::verify(file));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    // The bench makes databases of its own.
    if let Command::Bench {
        command:
            BenchCommand::Scale {
                firms,
                officers,
                postgres,
                clients,
                seconds,
            },
    } = &cli.command
    {
        let options = bench::ScaleOptions {
            firms: *firms,
            officers: *officers,
            postgres: postgres.clone(),
            clients: *clients,
            seconds: *seconds,
            dir: cli.data_dir.clone(),
        };
        return runtime.block_on(bench::scale(&options));
    }
    runtime.block_on(run_async(cli))
}

async fn open(cli: &Cli) -> anyhow::Result<Db> {
    let url = match &cli.database_url {
        Some(url) => url.clone(),
        None => {
            std::fs::create_dir_all(&cli.data_dir)
                .with_context(|| format!("creating the data folder {}", cli.data_dir.display()))?;
            Db::sqlite_url_in(&cli.data_dir)
        }
    };
    let db = Db::connect(&url)
        .await
        .with_context(|| format!("opening the database {}", redact(&url)))?;
    let admin_password = std::env::var("SPOTCHECK_ADMIN_PASSWORD").ok();
    if let Some(generated) = bootstrap::ensure_foundation(&db, admin_password.as_deref())
        .await
        .context("preparing the database")?
    {
        println!("Created the administrator account:");
        println!("  username: {}", bootstrap::ADMIN_USERNAME);
        println!("  password: {generated}");
        println!("Write it down now: it is shown only this once (set SPOTCHECK_ADMIN_PASSWORD to choose it).");
    }
    Ok(db)
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}@{}", &url[..s + 3], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

async fn run_async(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::Backup { .. } | Command::Restore { .. } = &cli.command {
        return backup::run(&cli).await;
    }
    let db = open(&cli).await?;
    match &cli.command {
        Command::Serve {
            listen,
            demo: with_demo,
            secure_cookies,
            job_interval,
        } => {
            if !(job_interval.is_finite() && *job_interval >= 0.05) {
                bail!("--job-interval must be a number of seconds of at least 0.05");
            }
            if *with_demo {
                load_demo(&db, demo::DemoOptions::default()).await?;
            }
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| {
                    format!("listening on {listen} (is another server running there? use --listen)")
                })?;
            let addr = listener.local_addr()?;
            println!("spotcheck is serving http://{addr}/  (Ctrl-C stops it)");
            let state = AppState::new(
                db,
                WebConfig {
                    secure_cookies: *secure_cookies,
                    jobs: Some(spotcheck_web::jobs::JobSchedule::every(
                        std::time::Duration::from_secs_f64(*job_interval),
                    )),
                    ..cli.settings.web_config()
                },
            );
            tokio::select! {
                r = crate::logging::serve(listener, state) => r.context("serving")?,
                _ = tokio::signal::ctrl_c() => println!("stopping"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo {
            firms,
            officers,
            seed,
        } => {
            load_demo(
                &db,
                demo::DemoOptions {
                    firms: *firms,
                    officers: *officers,
                    seed: *seed,
                },
            )
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            println!("database ready");
            Ok(ExitCode::SUCCESS)
        }
        Command::Token {
            command: TokenCommand::Create { user, label },
        } => {
            let Some(account) = account::by_username(&db, user).await? else {
                bail!("no account {user:?}: check the username (the first administrator is \"admin\")");
            };
            let secret = token::create(&db, "cli", &account, label).await?;
            println!("{secret}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let bar = archive::bar("checking the audit log {bar:40} {pos}/{len} events");
            let check = audit::verify_with(&db, &|done, total| {
                bar.set_length(total.max(0) as u64);
                bar.set_position(done.max(0) as u64);
            })
            .await?;
            bar.finish_and_clear();
            let chain_ok = match check {
                ChainCheck::Intact { events, head_hash } => {
                    println!("audit log intact: {events} events, head {head_hash}");
                    true
                }
                ChainCheck::Broken { seq, reason } => {
                    println!("audit log BROKEN at event {seq}: {reason}");
                    false
                }
            };
            let bar = archive::bar("recomputing draws {bar:40} {pos}/{len}");
            let draws = spotcheck_store::integrity::check_draws(&db, &|done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            })
            .await?;
            bar.finish_and_clear();
            for p in &draws.problems {
                println!(
                    "draw {} (plan {}) DISAGREES in {}: expected {}, found {}",
                    p.draw_id, p.plan_id, p.field, p.expected, p.found
                );
            }
            if draws.problems.is_empty() {
                println!(
                    "draws agree: {} executed draws recomputed from their stored input",
                    draws.checked
                );
            } else {
                println!("Report this to the security auditor at once: the stored records were changed outside the application.");
            }
            Ok(if chain_ok && draws.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Bench { .. } => unreachable!("the bench runs before a database is opened"),
        Command::Agency { command } => agency_command(&db, command).await,
        Command::Account {
            command:
                AccountCommand::Add {
                    username,
                    agency,
                    role,
                    name,
                },
        } => add_account(&db, username, agency, role, name).await,
        Command::Account {
            command: AccountCommand::ResetPassword { username, by },
        } => reset_password(&db, username, by).await,
        Command::Import {
            kind,
            file,
            agency,
            dry_run,
            errors_out,
            lang,
        } => {
            let request = lists::ImportRequest {
                kind,
                file,
                agency_code: agency,
                dry_run: *dry_run,
                errors_out: errors_out.as_deref(),
                lang,
            };
            lists::import(&db, &cli.settings.rules, &request).await
        }
        Command::Export {
            kind,
            format,
            out,
            agency,
            template,
        } => {
            lists::export(
                &db,
                kind,
                format,
                out.as_deref(),
                agency.as_deref(),
                *template,
            )
            .await
        }
        Command::Plan { command } => plans::plan(&db, &cli.settings.rules, command).await,
        Command::Draw { command } => plans::draw_step(&db, &cli.settings.rules, command).await,
        Command::Task { command } => tasks::task(&db, &cli.settings.rules, command).await,
        Command::Conflict { command } => tasks::conflict(&db, command).await,
        Command::Archive { command } => archive::archive(&db, command).await,
        Command::Backup { .. } | Command::Restore { .. } => {
            unreachable!("handled before the database is opened")
        }
    }
}

async fn load_demo(db: &Db, options: demo::DemoOptions) -> anyhow::Result<()> {
    let bar = indicatif::ProgressBar::new((options.firms + options.officers) as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "demo data {bar:40} {pos}/{len} rows {per_sec} {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let summary = demo::load(db, &options, &|n| bar.inc(n))
        .await
        .context("loading the demo data")?;
    bar.finish_and_clear();
    println!("{summary}");
    Ok(())
}

fn draw(command: &DrawCommand) -> ExitCode {
    let (path, run): (_, fn(&str) -> spotcheck_draw::CommandOutcome) = match command {
        DrawCommand::Run { input } => (input, spotcheck_draw::run_command),
        DrawCommand::Verify { record } => (record, spotcheck_draw::verify_command),
        _ => unreachable!("only the pure draw commands come here"),
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let outcome = run(&text);
    print!("{}", outcome.stdout);
    eprint!("{}", outcome.stderr);
    ExitCode::from(outcome.exit_code)
}

async fn agency_command(db: &Db, command: &AgencyCommand) -> anyhow::Result<ExitCode> {
    use spotcheck_core::agency::AgencyKind;
    use spotcheck_core::division::DivisionCode;
    match command {
        AgencyCommand::List => {
            for a in spotcheck_store::agency::all(db).await? {
                let depth = a.path.matches('/').count().saturating_sub(1);
                println!(
                    "{}{}  {}  {}  {}",
                    "  ".repeat(depth),
                    a.code,
                    a.kind,
                    a.name_zh,
                    a.name_en
                );
            }
        }
        AgencyCommand::Add {
            code,
            parent,
            kind,
            division,
            name_zh,
            name_en,
        } => {
            let Some(kind) = AgencyKind::parse(kind) else {
                bail!("unknown kind {kind:?}: use zone_branch, district_branch, county_branch, section or brigade");
            };
            if kind == AgencyKind::CityDetachment {
                bail!("there is one city detachment per installation; add branches, sections or brigades under it");
            }
            DivisionCode::parse(division)
                .map_err(|e| anyhow::anyhow!("--division {division:?}: {e}"))?;
            if code.trim().is_empty() || name_zh.trim().is_empty() || name_en.trim().is_empty() {
                bail!("--code, --name-zh and --name-en must not be empty");
            }
            let new = spotcheck_store::agency::NewAgency {
                code: code.trim(),
                parent: Some(parent.trim()),
                kind,
                division_code: division.trim(),
                name_zh: name_zh.trim(),
                name_en: name_en.trim(),
            };
            let mut tx = db.begin().await?;
            let added = spotcheck_store::agency::insert(&mut tx, "cli", &new).await?;
            tx.commit().await?;
            println!("added {} ({}) under {}", added.code, added.name_zh, parent);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// An administrator's reset: a new random password, shown once; every session of the account
/// ends; audited under the administrator's name.
async fn reset_password(db: &Db, username: &str, by: &str) -> anyhow::Result<ExitCode> {
    let Some(admin) = account::by_username(db, by).await? else {
        bail!("no account {by:?}");
    };
    if admin.role() != Some(spotcheck_core::role::Role::SecurityAdmin) {
        bail!("{by} is not a security administrator: only they reset passwords");
    }
    let Some(target) = account::by_username(db, username).await? else {
        bail!("no account {username:?}");
    };
    let mut tx = db.begin().await?;
    let password = account::reset_password(&mut tx, by, &target).await?;
    tx.commit().await?;
    println!("new password of {username}: {password}");
    println!("Give it to the person in a safe way: it is shown only this once; they should change it at /account.");
    Ok(ExitCode::SUCCESS)
}

async fn add_account(
    db: &Db,
    username: &str,
    agency_code: &str,
    role: &str,
    name: &str,
) -> anyhow::Result<ExitCode> {
    use spotcheck_core::role::Role;
    let Some(role) = Role::parse(role) else {
        bail!("unknown role {role:?}: use system_admin, security_admin, city_legal, city_complaints, city_office, district_admin, officer or auditor");
    };
    let Some(agency) = spotcheck_store::agency::by_code(db, agency_code).await? else {
        bail!("no agency {agency_code:?}: `spotcheck agency list` shows the codes");
    };
    let username = username.trim();
    if username.is_empty() || name.trim().is_empty() {
        bail!("the username and --name must not be empty");
    }
    let (password, generated) = match std::env::var("SPOTCHECK_NEW_PASSWORD") {
        Ok(p) => match spotcheck_core::password::check(&p, username) {
            Ok(()) => (p, false),
            Err(problem) => bail!(
                "SPOTCHECK_NEW_PASSWORD is refused ({problem:?}): at least {} characters, not a common password, not the username",
                spotcheck_core::password::MIN_LENGTH
            ),
        },
        Err(_) => (account::random_password(), true),
    };
    let mut tx = db.begin().await?;
    let new = account::NewAccount {
        username: username.to_string(),
        display_name: name.trim().to_string(),
        agency_id: agency.id,
        role,
        password: password.clone(),
    };
    account::create(&mut tx, "cli", new).await?;
    tx.commit().await?;
    println!("added {username} ({}) at {}", role.as_str(), agency.code);
    if generated {
        println!("password: {password}");
        println!("Give it to the person in a safe way: it is shown only this once.");
    }
    Ok(ExitCode::SUCCESS)
}
