//! `spotcheck backup` and `spotcheck restore`: the whole database into one file and back (see
//! `spotcheck_store::backup` for the format and the checks).

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use spotcheck_store::audit::ChainCheck;
use spotcheck_store::backup::{self, BackupError, Manifest, Progress};
use spotcheck_store::Db;

use crate::{Cli, Command};

/// Runs `backup` or `restore`. They open the database themselves: neither may migrate it or
/// create the first administrator before looking at it.
pub(crate) async fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    let url = match &cli.database_url {
        Some(url) => url.clone(),
        None => Db::sqlite_url_in(&cli.data_dir),
    };
    let bar = super::archive::bar("  {bar:40} {bytes}/{total_bytes} {bytes_per_sec}");
    let report = |p: Progress<'_>| match p {
        Progress::Step(step) => {
            bar.suspend(|| println!("  {step}"));
            bar.set_length(0);
            bar.set_position(0);
        }
        Progress::Bytes { done, total } => {
            bar.set_length(if total > 0 { total } else { done });
            bar.set_position(done);
        }
    };
    let started = Instant::now();
    let outcome = match &cli.command {
        Command::Backup { out } => {
            println!("backing up {} to {}", describe(&url), out.display());
            backup::backup(&url, out, &report)
                .await
                .map(|manifest| backed_up(out, &manifest, started))
        }
        Command::Restore { file, force } => {
            println!("restoring {} into {}", file.display(), describe(&url));
            backup::restore(&url, file, *force, &report)
                .await
                .map(|r| restored(&r, started))
        }
        _ => unreachable!("only backup and restore come here"),
    };
    bar.finish_and_clear();
    match outcome {
        Ok(code) => Ok(code),
        Err(BackupError::Refused(why)) => {
            eprintln!("refused: {why}");
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e).context(match &cli.command {
            Command::Backup { .. } => "the backup failed; nothing was written",
            _ => "the restore failed",
        }),
    }
}

/// The database a URL names, without a password.
fn describe(url: &str) -> String {
    if url.starts_with("sqlite:") {
        format!(
            "the SQLite database {}",
            url.trim_start_matches("sqlite://")
        )
    } else {
        let shown = match (url.find("://"), url.rfind('@')) {
            (Some(s), Some(at)) if at > s => {
                let user = url[s + 3..at].split(':').next().unwrap_or("");
                format!("{}{}@{}", &url[..s + 3], user, &url[at + 1..])
            }
            _ => url.to_string(),
        };
        format!("the PostgreSQL database {shown}")
    }
}

fn backed_up(out: &Path, m: &Manifest, started: Instant) -> ExitCode {
    println!(
        "backup written: {} ({}, {} database, schema version {})",
        out.display(),
        human_bytes(std::fs::metadata(out).map(|md| md.len()).unwrap_or(0)),
        m.backend.as_str(),
        m.schema_version
    );
    println!(
        "  {}: {} bytes, SHA-256 {}",
        m.database.name, m.database.bytes, m.database.sha256
    );
    println!("  rows: {}", counts_line(m));
    println!(
        "  audit log: {} events, head {}",
        m.audit_head.seq, m.audit_head.hash
    );
    println!("  took {:.1} s", started.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}

fn restored(r: &backup::RestoreReport, started: Instant) -> ExitCode {
    let m = &r.manifest;
    println!(
        "restored the {} backup of {} (schema version {})",
        m.backend.as_str(),
        m.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
        m.schema_version
    );
    if r.migrations_applied > 0 {
        println!(
            "  applied {} newer migration(s): schema version {}",
            r.migrations_applied, r.schema_version
        );
    }
    let mut ok = true;
    match &r.audit {
        ChainCheck::Intact { events, head_hash } if r.audit_matches() => {
            println!("  audit log intact: {events} events, head {head_hash} (as in the backup)");
        }
        ChainCheck::Intact { events, head_hash } => {
            ok = false;
            println!(
                "  audit log intact but NOT the backup's: {events} events, head {head_hash}; the \
                 backup recorded {} events, head {}",
                m.audit_head.seq, m.audit_head.hash
            );
        }
        ChainCheck::Broken { seq, reason } => {
            ok = false;
            println!("  audit log BROKEN at event {seq}: {reason}");
        }
    }
    let differences = r.count_differences();
    if differences.is_empty() {
        println!("  rows (equal to the backup's): {}", counts_line(m));
    } else {
        ok = false;
        for (table, before, after) in differences {
            println!("  rows of {table} DIFFER: {before} in the backup, {after} restored");
        }
    }
    println!("  took {:.1} s", started.elapsed().as_secs_f64());
    if ok {
        ExitCode::SUCCESS
    } else {
        println!(
            "The restored database does not match the backup: keep the servers stopped, and \
             restore another backup or examine this one (`unzip -l FILE`)."
        );
        ExitCode::from(1)
    }
}

fn counts_line(m: &Manifest) -> String {
    m.counts
        .iter()
        .map(|(table, n)| format!("{table} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn human_bytes(n: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if n as f64 >= MIB {
        format!("{:.1} MiB", n as f64 / MIB)
    } else {
        format!("{:.1} KiB", n as f64 / 1024.0)
    }
}
