//! `spotcheck archive export | verify`: the archive (档案) of an agency's year of double-random
//! work, one zip that checks itself (R-REP-4).

use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use spotcheck_core::period::Year;
use spotcheck_store::archive::{self, Progress, Verdict};
use spotcheck_store::{agency, Db};

use crate::ArchiveCommand;

pub async fn archive(db: &Db, command: &ArchiveCommand) -> anyhow::Result<ExitCode> {
    match command {
        ArchiveCommand::Export { agency, year, out } => {
            export(db, agency, *year, out.as_deref()).await
        }
        ArchiveCommand::Verify { file } => Ok(verify(file)),
    }
}

/// A progress bar on stderr (hidden when stderr is not a terminal).
pub(crate) fn bar(template: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// A progress line on stderr that keeps turning while nothing is counted (a file read or
/// written in one piece).
pub(crate) fn spinner(template: &str) -> indicatif::ProgressBar {
    let bar = bar(template);
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

fn advance(bar: &indicatif::ProgressBar, progress: Progress) {
    match progress {
        Progress::Total(n) => bar.set_length(n),
        Progress::Done(n) => bar.inc(n),
    }
}

/// `FILE.partial`, where the archive is written before it takes its name.
fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

async fn export(db: &Db, code: &str, year: i32, out: Option<&Path>) -> anyhow::Result<ExitCode> {
    let agency = agency::by_code(db, code)
        .await?
        .with_context(|| format!("no agency {code:?}: `spotcheck agency list` shows the codes"))?;
    let year = Year::new(year).map_err(|e| anyhow::anyhow!("--year {year}: {e}"))?;
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(format!("archive-{}-{year}.zip", agency.code)));
    // Written beside its destination and renamed once complete: a file under the final name is
    // always a whole archive.
    let partial = partial_path(&out);
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("creating {}", partial.display()))?;
    let mut writer = BufWriter::new(file);
    let started = std::time::Instant::now();
    let bar = bar("archive {bar:40} {pos}/{len} records and files {per_sec} {msg}");
    let written = archive::export(
        db,
        &agency,
        year,
        spotcheck_store::now(),
        &mut writer,
        &|p| advance(&bar, p),
    )
    .await;
    bar.finish_and_clear();
    let finished = written.map_err(anyhow::Error::from).and_then(|summary| {
        writer.flush()?;
        writer.get_ref().sync_all()?;
        Ok(summary)
    });
    let summary = match finished {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e).with_context(|| format!("writing {}", out.display()));
        }
    };
    drop(writer);
    std::fs::rename(&partial, &out)
        .with_context(|| format!("renaming {} to {}", partial.display(), out.display()))?;
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    let c = &summary.counts;
    println!(
        "archive of {} {} for {year}: {} files ({} bytes), {} bytes zipped, in {:.1} s -> {}",
        agency.code,
        agency.name_zh,
        summary.files,
        summary.bytes,
        size,
        started.elapsed().as_secs_f64(),
        out.display()
    );
    let versions: Vec<String> = c
        .list_versions
        .iter()
        .map(|(kind, n)| format!("{kind} {n}"))
        .collect();
    println!("  list versions: {}", versions.join(", "));
    println!(
        "  plans {}, draw attempts {} ({} executed), tasks {}, reassignments {}, conflicts {}, \
         form versions {}, evidence {} ({} files), audit events {}",
        c.plans,
        c.draw_attempts,
        c.draw_records,
        c.tasks,
        c.reassignments,
        c.conflicts,
        c.inspections,
        c.evidence,
        c.evidence_files,
        c.audit_events
    );
    println!("manifest sha256 {}", summary.manifest_sha256);
    Ok(ExitCode::SUCCESS)
}

/// Exit 0 when the archive is intact, 1 naming the first problem, 2 when it cannot be read.
pub fn verify(path: &Path) -> ExitCode {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let bar = bar("verify {bar:40} {bytes}/{total_bytes} {bytes_per_sec}");
    let verdict = archive::verify(BufReader::new(file), &|p| advance(&bar, p));
    bar.finish_and_clear();
    match verdict {
        Err(e) => {
            eprintln!("error: {}: {e}", path.display());
            ExitCode::from(2)
        }
        Ok(Verdict::Broken(problem)) => {
            println!("archive BROKEN: {problem}");
            ExitCode::from(1)
        }
        Ok(Verdict::Intact(checked)) => {
            let m = &checked.manifest;
            println!(
                "archive intact: {} {} for {}, generated {}",
                m.agency.code, m.agency.name_zh, m.year, m.generated_at
            );
            println!(
                "  {} files ({} bytes) match the manifest; {} draw records draw again to the same \
                 result; {} submitted forms match the hash recorded at submission; {} audit events \
                 match their hashes",
                checked.files,
                checked.bytes,
                checked.draws_verified,
                checked.forms_checked,
                checked.audit_events_checked
            );
            println!("manifest sha256 {}", checked.manifest_sha256);
            ExitCode::SUCCESS
        }
    }
}
