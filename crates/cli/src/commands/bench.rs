//! `spotcheck bench lists`: the registry at scale, measured on the database the command is given
//! (a fresh SQLite file in --data-dir by default, or --database-url). Prints a table; nothing
//! here is a pass/fail test.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use spotcheck_core::demo;
use spotcheck_core::lists::{FirmRecord, ListKind, Record};
use spotcheck_core::period::Year;
use spotcheck_store::firms::{self, FirmQuery};
use spotcheck_store::import::{self, ImportInput};
use spotcheck_store::{agency, Db};
use spotcheck_tabular::{write_csv, Cell, Limits};

fn peak_rss_mb() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.to_string())
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| format!("{:.0}", kb / 1024.0))
        .unwrap_or_else(|| "n/a".into())
}

/// Median and 99th percentile of `repeat` runs of `f`.
async fn time<F, Fut>(repeat: usize, mut f: F) -> anyhow::Result<(Duration, Duration)>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut times = Vec::with_capacity(repeat);
    for i in 0..repeat.max(1) {
        let start = Instant::now();
        f(i).await?;
        times.push(start.elapsed());
    }
    times.sort();
    let p = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    Ok((p(0.5), p(0.99)))
}

pub async fn lists(db: &Db, count: usize, repeat: usize) -> anyhow::Result<ExitCode> {
    let any = FirmQuery {
        limit: 1,
        ..FirmQuery::default()
    };
    if !firms::search(db, &any).await?.items.is_empty() {
        bail!("the database already holds firms: run the benchmark on an empty one (a fresh --data-dir)");
    }
    let city = agency::by_code(db, "650100")
        .await?
        .context("the city detachment")?;
    println!("spotcheck bench lists: {count} firms on {:?}", db.backend());

    // The file an agency would upload: generated firms with the template's Chinese headers.
    let bar = indicatif::ProgressBar::new(count as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("writing CSV {bar:40} {pos}/{len} {per_sec}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let (headers, _) = ListKind::Firms.template_rows();
    let year = Year::new(2026).context("year")?;
    let rows = demo::firms(2020, count).map(|f| {
        bar.inc(1);
        Record::Firm(FirmRecord::from_demo(&f, year))
            .to_cells()
            .into_iter()
            .map(Cell::Text)
            .collect()
    });
    let mut csv = Vec::new();
    let started = Instant::now();
    write_csv(&headers, rows, &mut csv, true)?;
    bar.finish_and_clear();
    let write_time = started.elapsed();

    let bar = indicatif::ProgressBar::new(count as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("importing {bar:40} {pos}/{len} {per_sec}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let input = ImportInput {
        kind: ListKind::Firms,
        agency: &city,
        file_name: "firms.csv",
        bytes: &csv,
        today: chrono::Local::now().date_naive(),
        limits: Limits {
            max_bytes: usize::MAX,
            max_rows: count + 10,
        },
    };
    let started = Instant::now();
    let summary = match import::run(db, "bench", &input, true, &|n| bar.inc(n)).await? {
        Ok(s) => s,
        Err(_) => bail!("the generated file was refused"),
    };
    let import_time = started.elapsed();
    bar.finish_and_clear();
    let rss_after_import = peak_rss_mb();

    let tianshan = agency::by_code(db, "650102").await?.context("Tianshan")?;
    let q = |text: Option<&str>, after: Option<i64>, scope: &str| FirmQuery {
        scope_path: scope.to_string(),
        text: text.map(str::to_string),
        after_id: after,
        limit: 50,
        ..FirmQuery::default()
    };
    let deep = (count as i64 * 9) / 10;
    let first = time(repeat, |_| async {
        firms::search(db, &q(None, None, ""))
            .await
            .map(|_| ())
            .map_err(Into::into)
    })
    .await?;
    let deep_page = time(repeat, |_| async {
        firms::search(db, &q(None, Some(deep), ""))
            .await
            .map(|_| ())
            .map_err(Into::into)
    })
    .await?;
    let district = time(repeat, |_| async {
        firms::search(db, &q(None, None, &tianshan.path))
            .await
            .map(|_| ())
            .map_err(Into::into)
    })
    .await?;
    let names = ["化工", "水泥有限", "热力有限公司", "米东", "天山区"];
    let by_name = time(repeat, |i| async move {
        firms::search(db, &q(Some(names[i % names.len()]), None, ""))
            .await
            .map(|_| ())
            .map_err(Into::into)
    })
    .await?;
    let codes: Vec<String> = demo::firms(2020, count)
        .step_by((count / 50).max(1))
        .map(|f| f.credit_code.as_str()[..12].to_string())
        .collect();
    let by_code = time(repeat, |i| {
        let code = codes[i % codes.len()].clone();
        async move {
            firms::search(db, &q(Some(&code), None, ""))
                .await
                .map(|_| ())
                .map_err(Into::into)
        }
    })
    .await?;
    let ms = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1000.0);
    println!();
    println!("| measure | figure |");
    println!("| --- | --- |");
    println!("| firms | {count} |");
    println!(
        "| write the CSV ({:.0} MB) | {:.1} s |",
        csv.len() as f64 / 1e6,
        write_time.as_secs_f64()
    );
    println!(
        "| import, validated, one transaction | {:.1} s, {:.0} rows/s ({} new) |",
        import_time.as_secs_f64(),
        summary.rows as f64 / import_time.as_secs_f64(),
        summary.new
    );
    println!("| peak RSS after import | {rss_after_import} MB |");
    for (what, (p50, p99)) in [
        ("first page, whole city", first),
        ("page at 90% (keyset)", deep_page),
        ("first page, one district", district),
        ("search by name text", by_name),
        ("search by credit-code prefix", by_code),
    ] {
        println!("| {what} | median {} ms, p99 {} ms |", ms(p50), ms(p99));
    }
    Ok(ExitCode::SUCCESS)
}
