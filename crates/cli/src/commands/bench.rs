//! `spotcheck bench scale`: a synthetic province on a fresh SQLite file and, when given, a fresh
//! PostgreSQL database, each figure beside its anchor measured in the same run:
//!
//! - importing N firms from CSV, validated, against the database's own bulk load of the same file
//!   (`sqlite3 .import`, PostgreSQL `COPY` through `psql \copy`);
//! - a key-unit draw over the N firms, freeze, randomness, draw and the stored record with its
//!   tasks;
//! - list and search pages under 64 concurrent clients (wrk), and the public disclosure page
//!   against nginx serving a static copy of the same bytes;
//! - the server's peak memory (VmHWM) over those runs, and the query plans of the list queries.
//!
//! It prints a table (nothing here passes or fails) and the commands it ran.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use spotcheck_core::demo;
use spotcheck_core::lists::{
    FirmRecord, FirmStatus, ListKind, OfficerRecord, Record, UnitCategory,
};
use spotcheck_core::period::{Quarter, Year};
use spotcheck_core::role::Role;
use spotcheck_core::rules::RulesConfig;
use spotcheck_store::account::{self, NewAccount};
use spotcheck_store::draws::{self, PlanKind, PlanParams};
use spotcheck_store::import::{self, ImportInput};
use spotcheck_store::session::{self, SessionPolicy};
use spotcheck_store::{agency, bootstrap, disclosure, Db};
use spotcheck_tabular::{write_csv, Cell, Limits};
use spotcheck_web::pages::urlencode;

/// What `spotcheck bench scale` measures.
pub struct ScaleOptions {
    /// Key units in the province (the file holds a few more rows: see [`write_firms`]).
    pub firms: usize,
    pub officers: usize,
    /// An administrative PostgreSQL URL; the bench creates and drops `spotcheck_bench` there.
    pub postgres: Option<String>,
    pub clients: u32,
    pub seconds: u32,
    /// Where the files of the run go (a fresh folder under it).
    pub dir: PathBuf,
}

/// The district whose quarter is published for the disclosure page: its first
/// [`DISCLOSED_KEY_UNITS`] firms are key units, the rest general, so the page has the size of a
/// real district's quarter (a few hundred checks) while the city's draw covers everything else.
const DISCLOSED_DISTRICT: &str = "650107";
const DISCLOSED_KEY_UNITS: usize = 1_000;
/// The quarter drawn and published (over by the time any bench runs).
const QUARTER: &str = "2026Q1";

/// One line of the table: a measure and its figure on each backend.
struct Line {
    measure: String,
    sqlite: String,
    postgres: String,
}

fn progress_bar(len: u64, what: &str) -> indicatif::ProgressBar {
    let bar = super::archive::bar(&format!(
        "{what:>12} {{bar:40}} {{pos}}/{{len}} {{per_sec}} {{eta}}"
    ));
    bar.set_length(len);
    bar
}

/// Peak resident memory of process `pid` ("self" for this one), in MB.
fn peak_rss_mb(pid: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn found(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// Writes the firms file: generated firms, active, every one a key unit except in
/// [`DISCLOSED_DISTRICT`] beyond its first [`DISCLOSED_KEY_UNITS`]; as many rows as it takes to
/// have `key_units` key units. Returns the number of rows.
fn write_firms(path: &Path, key_units: usize) -> anyhow::Result<usize> {
    let bar = progress_bar(key_units as u64, "firms.csv");
    let year = Year::new(2026).context("year")?;
    let (headers, _) = ListKind::Firms.template_rows();
    let mut keys = 0;
    let mut disclosed = 0;
    let mut generated = demo::firms(2020, demo::MAX_FIRMS);
    let firms = std::iter::from_fn(|| {
        if keys >= key_units {
            return None;
        }
        let f = generated.next()?;
        let mut record = FirmRecord::from_demo(&f, year);
        record.status = FirmStatus::Active;
        let key = if f.division.as_str() == DISCLOSED_DISTRICT {
            disclosed += 1;
            disclosed <= DISCLOSED_KEY_UNITS
        } else {
            true
        };
        record.category = if key {
            keys += 1;
            bar.inc(1);
            UnitCategory::Key {
                directory_year: year,
            }
        } else {
            UnitCategory::General
        };
        Some(
            Record::Firm(record)
                .to_cells()
                .into_iter()
                .map(Cell::Text)
                .collect::<Vec<_>>(),
        )
    });
    let file = std::fs::File::create(path).with_context(|| format!("{}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let written = write_csv(&headers, firms, &mut out, false)?;
    out.flush()?;
    bar.finish_and_clear();
    Ok(written as usize)
}

fn write_officers(path: &Path, count: usize) -> anyhow::Result<()> {
    let (headers, _) = ListKind::Officers.template_rows();
    let today = "2026-01-05".parse().context("date")?;
    let rows = demo::officers(2020, count, today).map(|o| {
        Record::Officer(OfficerRecord::from_demo(&o))
            .to_cells()
            .into_iter()
            .map(Cell::Text)
            .collect()
    });
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    write_csv(&headers, rows, &mut out, false)?;
    out.flush()?;
    Ok(())
}

/// Runs a shell command of the anchors and returns its wall-clock time.
fn timed_command(program: &str, args: &[&str]) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let output = Command::new(program)
        .args(args)
        .output()
        .with_context(|| format!("running {program}"))?;
    let elapsed = started.elapsed();
    if !output.status.success() {
        bail!(
            "{program} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(elapsed)
}

/// The columns of the firms file as one bare table (`c0 text, …`): the anchors' table.
fn bulk_columns() -> String {
    let (headers, _) = ListKind::Firms.template_rows();
    (0..headers.len())
        .map(|i| format!("c{i} text"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The search indexes of the firm table on the anchors' table: the unique credit code (column
/// 0), the name (column 1) and the trigram text index of name and address (columns 1 and 3).
const SQLITE_INDEXES: &str = "CREATE UNIQUE INDEX firm_bulk_code ON firm_bulk(c0); \
    CREATE INDEX firm_bulk_name ON firm_bulk(c1); \
    CREATE VIRTUAL TABLE firm_bulk_fts USING fts5(name, address, content='firm_bulk', content_rowid='rowid', tokenize='trigram'); \
    CREATE TRIGGER firm_bulk_fts AFTER INSERT ON firm_bulk BEGIN \
    INSERT INTO firm_bulk_fts(rowid, name, address) VALUES (new.rowid, new.c1, new.c3); END;";
const PG_INDEXES: &str = "CREATE UNIQUE INDEX firm_bulk_code ON firm_bulk(c0); \
    CREATE INDEX firm_bulk_name ON firm_bulk(c1); \
    CREATE INDEX firm_bulk_name_trgm ON firm_bulk USING gin (c1 gin_trgm_ops); \
    CREATE INDEX firm_bulk_address_trgm ON firm_bulk USING gin (c3 gin_trgm_ops);";

/// `sqlite3 .import` of the file into a table of its own in a fresh database file, bare or with
/// the firm table's search indexes.
fn sqlite_bulk_load(dir: &Path, csv: &Path, indexed: bool) -> anyhow::Result<Duration> {
    let file = dir.join("anchor.sqlite");
    let _ = std::fs::remove_file(&file);
    let create = format!(
        "CREATE TABLE firm_bulk ({}); {}",
        bulk_columns(),
        if indexed { SQLITE_INDEXES } else { "" }
    );
    timed_command("sqlite3", &[file.to_str().context("path")?, &create])?;
    let import = format!(".import --csv --skip 1 {} firm_bulk", csv.display());
    let took = timed_command("sqlite3", &[file.to_str().context("path")?, &import])?;
    let _ = std::fs::remove_file(&file);
    Ok(took)
}

/// PostgreSQL `COPY` (through `psql \copy`) of the file into a table of text columns, bare or
/// with the firm table's search indexes.
fn pg_bulk_load(url: &str, csv: &Path, indexed: bool) -> anyhow::Result<Duration> {
    let create = format!(
        "DROP TABLE IF EXISTS firm_bulk; CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE TABLE firm_bulk ({}); {}",
        bulk_columns(),
        if indexed { PG_INDEXES } else { "" }
    );
    timed_command("psql", &[url, "-qc", &create])?;
    let copy = format!(
        "\\copy firm_bulk FROM '{}' WITH (FORMAT csv, HEADER true)",
        csv.display()
    );
    let took = timed_command("psql", &[url, "-qc", &copy])?;
    timed_command("psql", &[url, "-qc", "DROP TABLE firm_bulk"])?;
    Ok(took)
}

/// The URL of database `name` on the server of `admin_url`.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = admin_url.split_once('?').unwrap_or((admin_url, ""));
    let base = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    if query.is_empty() {
        format!("{base}/{name}")
    } else {
        format!("{base}/{name}?{query}")
    }
}

/// A plain HTTP/1.1 GET on loopback; returns the status and the body.
fn http_get(addr: &str, path: &str, cookie: Option<&str>) -> anyhow::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{cookie}Connection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no end of headers")?;
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("no status")?;
    let mut body = response[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Ok((status, body))
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = eol + 2;
        out.extend_from_slice(&data[start..(start + size).min(data.len())]);
        data = &data[(start + size + 2).min(data.len())..];
    }
    out
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A child process killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_until_up(addr: &str, path: &str) -> anyhow::Result<()> {
    for _ in 0..600 {
        if http_get(addr, path, None).is_ok_and(|(s, _)| s < 500) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("{addr} did not answer {path} within a minute")
}

/// What wrk measured.
struct Load {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
}

impl Load {
    fn latency(&self) -> String {
        let bad = if self.errors > 0 {
            format!(", {} errors", self.errors)
        } else {
            String::new()
        };
        format!(
            "p99 {:.1} ms (median {:.1} ms), {:.0} req/s{bad}",
            self.p99_ms, self.p50_ms, self.rps
        )
    }
}

fn wrk_ms(text: &str) -> Option<f64> {
    let (number, unit) = text
        .find(|c: char| c.is_ascii_alphabetic())
        .map(|i| text.split_at(i))?;
    let value: f64 = number.parse().ok()?;
    Some(match unit {
        "us" => value / 1000.0,
        "ms" => value,
        "s" => value * 1000.0,
        "m" => value * 60_000.0,
        _ => return None,
    })
}

/// Runs wrk with `clients` connections for `seconds` against the paths (cycled), with `cookie`.
fn wrk(
    dir: &Path,
    addr: &str,
    paths: &[String],
    cookie: Option<&str>,
    clients: u32,
    seconds: u32,
) -> anyhow::Result<Load> {
    let script = dir.join("paths.lua");
    let list: Vec<String> = paths.iter().map(|p| format!("{p:?}")).collect();
    std::fs::write(
        &script,
        format!(
            "local paths = {{{}}}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(nil, paths[i])\nend\n",
            list.join(", ")
        ),
    )?;
    let mut command = Command::new("wrk");
    command
        .arg("--latency")
        .args(["-t", "2", "-c", &clients.to_string()])
        .args(["-d", &format!("{seconds}s"), "--timeout", "10s"])
        .arg("-s")
        .arg(&script);
    if let Some(cookie) = cookie {
        command.args(["-H", &format!("Cookie: {cookie}")]);
    }
    let output = command
        .arg(format!("http://{addr}"))
        .output()
        .context("running wrk")?;
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    if !output.status.success() {
        bail!("wrk failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let field = |label: &str| -> Option<String> {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(label))
            .and_then(|l| l[label.len()..].split_whitespace().next())
            .map(str::to_string)
    };
    let errors = field("Non-2xx or 3xx responses:")
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0)
        + text
            .lines()
            .find(|l| l.trim_start().starts_with("Socket errors:"))
            .map(|l| {
                l.split(|c: char| !c.is_ascii_digit())
                    .filter_map(|n| n.parse::<u64>().ok())
                    .sum::<u64>()
            })
            .unwrap_or(0);
    Ok(Load {
        rps: field("Requests/sec:")
            .and_then(|v| v.parse().ok())
            .context("wrk printed no Requests/sec")?,
        p50_ms: field("50%").and_then(|v| wrk_ms(&v)).context("no median")?,
        p99_ms: field("99%").and_then(|v| wrk_ms(&v)).context("no p99")?,
        errors,
    })
}

/// nginx serving `body` at `path` from a folder of its own; returns the process and address.
fn nginx_static(dir: &Path, path: &str, body: &[u8]) -> anyhow::Result<(Process, String)> {
    let prefix = dir.join("nginx");
    let root = prefix.join("www");
    let file = root.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(file.parent().context("page folder")?)?;
    std::fs::create_dir_all(prefix.join("logs"))?;
    std::fs::write(&file, body)?;
    let port = free_port()?;
    let addr = format!("127.0.0.1:{port}");
    let config = format!(
        "worker_processes auto;\ndaemon off;\npid {prefix}/nginx.pid;\nerror_log {prefix}/logs/error.log;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {prefix}/body;\n  proxy_temp_path {prefix}/proxy;\n  \
         fastcgi_temp_path {prefix}/fastcgi;\n  uwsgi_temp_path {prefix}/uwsgi;\n  scgi_temp_path {prefix}/scgi;\n  \
         server {{\n    listen {addr};\n    root {root};\n    location / {{ default_type \"text/html; charset=utf-8\"; }}\n  }}\n}}\n",
        prefix = prefix.display(),
        root = root.display()
    );
    let conf = prefix.join("nginx.conf");
    std::fs::write(&conf, config)?;
    let child = Command::new("nginx")
        .arg("-p")
        .arg(&prefix)
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting nginx")?;
    let process = Process(child);
    wait_until_up(&addr, path)?;
    Ok((process, addr))
}

/// Figures of one backend, in the order of the table.
#[derive(Default)]
struct Figures {
    bulk_load: Option<(Duration, usize)>,
    bulk_load_indexed: Option<(Duration, usize)>,
    import: Option<(Duration, usize)>,
    import_rss_mb: Option<f64>,
    officers_import: Option<(Duration, usize)>,
    freeze: Option<Duration>,
    seed: Option<Duration>,
    execute: Option<Duration>,
    drawn: Option<(usize, usize)>,
    pages: Vec<(String, Load)>,
    /// Ours, nginx's (when installed), and the page's size.
    public: Option<(Load, Option<Load>, usize)>,
    server_rss_mb: Option<f64>,
    plans: Vec<(String, String)>,
}

pub async fn scale(options: &ScaleOptions) -> anyhow::Result<ExitCode> {
    let dir = options.dir.join(format!(
        "bench-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S")
    ));
    std::fs::create_dir_all(&dir).with_context(|| format!("{}", dir.display()))?;
    let has = |tool: &str| {
        let ok = found(tool);
        if !ok {
            eprintln!("note: {tool} is not installed; the measures that need it are left out");
        }
        ok
    };
    let (has_sqlite3, has_psql, has_wrk, has_nginx) =
        (has("sqlite3"), has("psql"), has("wrk"), has("nginx"));
    println!(
        "spotcheck bench scale: {} key units, {} officers, {} clients for {} s per load, in {}",
        options.firms,
        options.officers,
        options.clients,
        options.seconds,
        dir.display()
    );

    let firms_csv = dir.join("firms.csv");
    let officers_csv = dir.join("officers.csv");
    let started = Instant::now();
    let rows = write_firms(&firms_csv, options.firms)?;
    write_officers(&officers_csv, options.officers)?;
    let csv_bytes = std::fs::metadata(&firms_csv)?.len();
    let write_time = started.elapsed();
    println!(
        "wrote {} ({rows} rows, {:.0} MB) in {}",
        firms_csv.display(),
        csv_bytes as f64 / 1e6,
        secs(write_time)
    );

    let sqlite_url = Db::sqlite_url_in(&dir);
    let mut sqlite = Figures::default();
    if has_sqlite3 {
        sqlite.bulk_load = Some((sqlite_bulk_load(&dir, &firms_csv, false)?, rows));
        sqlite.bulk_load_indexed = Some((sqlite_bulk_load(&dir, &firms_csv, true)?, rows));
    }
    run_backend(
        options,
        &dir,
        &sqlite_url,
        rows,
        &firms_csv,
        &officers_csv,
        has_wrk,
        has_nginx,
        &mut sqlite,
    )
    .await?;

    let mut postgres = Figures::default();
    let mut pg_url = None;
    if let Some(admin) = &options.postgres {
        if !has_psql {
            bail!("--postgres needs psql (for COPY and for creating the bench database)");
        }
        let url = with_database(admin, "spotcheck_bench");
        timed_command(
            "psql",
            &[
                admin,
                "-qc",
                "DROP DATABASE IF EXISTS spotcheck_bench WITH (FORCE)",
            ],
        )?;
        timed_command("psql", &[admin, "-qc", "CREATE DATABASE spotcheck_bench"])?;
        postgres.bulk_load = Some((pg_bulk_load(&url, &firms_csv, false)?, rows));
        postgres.bulk_load_indexed = Some((pg_bulk_load(&url, &firms_csv, true)?, rows));
        run_backend(
            options,
            &dir,
            &url,
            rows,
            &firms_csv,
            &officers_csv,
            has_wrk,
            has_nginx,
            &mut postgres,
        )
        .await?;
        pg_url = Some(url);
    }

    print_table(
        options,
        rows,
        csv_bytes,
        write_time,
        &sqlite,
        pg_url.as_ref().map(|_| &postgres),
    );
    if let Some(admin) = &options.postgres {
        let _ = timed_command(
            "psql",
            &[
                admin,
                "-qc",
                "DROP DATABASE IF EXISTS spotcheck_bench WITH (FORCE)",
            ],
        );
    }
    let _ = std::fs::remove_file(&firms_csv);
    Ok(ExitCode::SUCCESS)
}

/// The key-unit plan of `agency` for [`QUARTER`], frozen, seeded with `dice` and drawn; the
/// executed record and the times of the three steps.
async fn key_draw(
    db: &Db,
    agency: &agency::Agency,
    dice: &str,
) -> anyhow::Result<(draws::DrawRecord, [Duration; 3])> {
    let plan = draws::create_plan(
        db,
        "bench",
        agency,
        PlanKind::Key,
        QUARTER,
        &RulesConfig::default(),
        &PlanParams::default(),
    )
    .await?
    .map_err(|r| anyhow::anyhow!("plan refused: {r}"))?;
    let draw_day = "2026-01-05".parse().context("date")?;
    let started = Instant::now();
    draws::freeze(db, "bench", &plan, agency, draw_day)
        .await?
        .map_err(|r| anyhow::anyhow!("freeze refused: {r}"))?;
    let frozen = started.elapsed();
    let started = Instant::now();
    draws::seed(db, "bench", &plan, dice, &["bench".into()])
        .await?
        .map_err(|r| anyhow::anyhow!("randomness refused: {r}"))?;
    let seeded = started.elapsed();
    let started = Instant::now();
    let record = draws::execute(db, "bench", &plan)
        .await?
        .map_err(|r| anyhow::anyhow!("draw refused: {r}"))?;
    Ok((record, [frozen, seeded, started.elapsed()]))
}

#[allow(clippy::too_many_arguments)]
async fn run_backend(
    options: &ScaleOptions,
    dir: &Path,
    url: &str,
    rows: usize,
    firms_csv: &Path,
    officers_csv: &Path,
    has_wrk: bool,
    has_nginx: bool,
    figures: &mut Figures,
) -> anyhow::Result<()> {
    let db = Db::connect(url).await?;
    let backend = format!("{:?}", db.backend());
    println!("\n{backend}: importing");
    bootstrap::ensure_foundation(&db, Some(&account::random_password())).await?;
    let city = agency::by_code(&db, "650100")
        .await?
        .context("the city detachment")?;
    let today = RulesConfig::default().today();

    // The import, as an agency uploads a file: read, every row validated, one transaction.
    let bytes = std::fs::read(firms_csv)?;
    let bar = progress_bar(rows as u64, "import");
    let input = ImportInput {
        kind: ListKind::Firms,
        agency: &city,
        file_name: "firms.csv",
        bytes: &bytes,
        today,
        limits: Limits {
            max_bytes: usize::MAX,
            max_rows: rows + 10,
        },
    };
    let rss_before = peak_rss_mb("self");
    let started = Instant::now();
    let summary = match import::run(&db, "bench", &input, true, &|n| bar.inc(n)).await? {
        Ok(s) => s,
        Err(import::Rejection::File(e)) => bail!("the generated file was refused: {e}"),
        Err(import::Rejection::Rows { errors, .. }) => {
            bail!("the generated file was refused: {:?}", errors.first())
        }
    };
    figures.import = Some((started.elapsed(), summary.new));
    bar.finish_and_clear();
    drop(bytes);
    figures.import_rss_mb = peak_rss_mb("self").filter(|_| rss_before.is_some());

    let bytes = std::fs::read(officers_csv)?;
    let input = ImportInput {
        kind: ListKind::Officers,
        agency: &city,
        file_name: "officers.csv",
        bytes: &bytes,
        today,
        limits: Limits::default(),
    };
    let started = Instant::now();
    let summary = match import::run(&db, "bench", &input, true, &|_| ()).await? {
        Ok(s) => s,
        Err(_) => bail!("the generated officers were refused"),
    };
    figures.officers_import = Some((started.elapsed(), summary.new));

    if db.backend() == spotcheck_store::Backend::Postgres {
        // What autovacuum does soon after such a load (long before a quarter's draw): the
        // visibility map and the planner's statistics.
        spotcheck_store::explain::analyze(&db).await?;
    }
    // What a checkpoint does within minutes of such a load (PostgreSQL's checkpoint_timeout,
    // SQLite's automatic checkpoints): the import's gigabyte of changed pages written out, so
    // that the draw is not timed against the writing of the import's pages.
    if let Err(e) = spotcheck_store::explain::checkpoint(&db).await {
        println!("{backend}: no checkpoint before the draw ({e}); its figures include the import's writes");
    }
    // The key-unit draw of the whole city for the quarter.
    println!("{backend}: drawing");
    let (record, times) = key_draw(&db, &city, "dice:38172645091827364510").await?;
    figures.freeze = Some(times[0]);
    figures.seed = Some(times[1]);
    figures.execute = Some(times[2]);
    let input: spotcheck_draw::DrawInput = serde_json::from_str(&record.input)?;
    let tasks = draws::task_count(&db, record.id).await? as usize;
    figures.drawn = Some((input.population.len(), tasks));

    // A district's quarter, drawn and published, for the public page.
    let district = agency::by_code(&db, DISCLOSED_DISTRICT)
        .await?
        .context("district")?;
    key_draw(&db, &district, "dice:91827364510381726450").await?;
    let quarter: Quarter = QUARTER.parse().map_err(|_| anyhow::anyhow!("quarter"))?;
    disclosure::publish(
        &db,
        "bench",
        &district,
        quarter,
        None,
        &Default::default(),
        today,
    )
    .await?
    .map_err(|r| anyhow::anyhow!("publication refused: {r}"))?;

    if db.backend() == spotcheck_store::Backend::Postgres {
        // Again after the draws' quarter of a million tasks.
        spotcheck_store::explain::analyze(&db).await?;
    }
    figures.plans = spotcheck_store::explain::list_queries(&db, false)
        .await?
        .into_iter()
        .map(|p| {
            let verdict = if p.full_scans.is_empty() {
                "index".to_string()
            } else {
                format!("FULL SCAN of {}", p.full_scans.join(", "))
            };
            (p.name.to_string(), format!("{verdict}: {}", p.plan))
        })
        .collect();

    // The server, in a process of its own, under load.
    let mut tx = db.begin().await?;
    let reader = account::create(
        &mut tx,
        "bench",
        NewAccount {
            username: "bench-legal".into(),
            display_name: "bench".into(),
            agency_id: agency::by_code(&db, "650100-legal")
                .await?
                .context("legal section")?
                .id,
            role: Role::CityLegal,
            password: account::random_password(),
        },
    )
    .await?;
    tx.commit().await?;
    let (token, _) =
        session::create(&db, &reader, chrono::Utc::now(), SessionPolicy::default()).await?;
    let cookie = format!("sc_session={token}");
    db.close().await;
    if !has_wrk {
        return Ok(());
    }
    println!("{backend}: serving under load");
    let port = free_port()?;
    let addr = format!("127.0.0.1:{port}");
    let log = std::fs::File::create(dir.join(format!("server-{backend}.log")))?;
    let server = Process(
        Command::new(std::env::current_exe()?)
            .args([
                "--database-url",
                url,
                "serve",
                "--listen",
                &addr,
                "--job-interval",
                "3600",
            ])
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("starting the server")?,
    );
    wait_until_up(&addr, "/healthz")?;
    let pid = server.0.id().to_string();

    let deep = rows as i64 * 9 / 10;
    let names = [
        "化工",
        "水泥有限",
        "热力有限公司",
        "米东",
        "天山区",
        "污水处理",
    ];
    let codes: Vec<String> = demo::firms(2020, rows)
        .step_by((rows / 50).max(1))
        .map(|f| f.credit_code.as_str()[..12].to_string())
        .collect();
    let loads: Vec<(&str, Vec<String>)> = vec![
        ("list page, whole city (/firms)", vec!["/firms".into()]),
        (
            "list page at 90% (keyset, /firms?after=…)",
            vec![format!("/firms?after={deep}")],
        ),
        (
            "list page, one district",
            vec!["/firms?agency=650102".into()],
        ),
        (
            "search by name text",
            names
                .iter()
                .map(|n| format!("/firms?q={}", urlencode(n)))
                .collect(),
        ),
        (
            "search by credit-code prefix",
            codes.iter().map(|c| format!("/firms?q={c}")).collect(),
        ),
        (
            "officer list (/lists/officers)",
            vec!["/lists/officers".into()],
        ),
    ];
    for (what, paths) in loads {
        let (status, _) = http_get(&addr, &paths[0], Some(&cookie))?;
        if status != 200 {
            bail!(
                "{} answered {status} (see the server log in {})",
                paths[0],
                dir.display()
            );
        }
        let load = wrk(
            dir,
            &addr,
            &paths,
            Some(&cookie),
            options.clients,
            options.seconds,
        )?;
        println!("  {what}: {}", load.latency());
        figures.pages.push((what.to_string(), load));
    }
    let public = format!("/public/{DISCLOSED_DISTRICT}/{QUARTER}");
    let (status, body) = http_get(&addr, &public, None)?;
    if status != 200 {
        bail!("{public} answered {status}");
    }
    let load = |addr: &str| {
        wrk(
            dir,
            addr,
            std::slice::from_ref(&public),
            None,
            options.clients,
            options.seconds,
        )
    };
    let ours = load(&addr)?;
    println!("  public page: {}", ours.latency());
    let theirs = if has_nginx {
        let (nginx, nginx_addr) = nginx_static(dir, &public, &body)?;
        let theirs = load(&nginx_addr)?;
        println!("  the same page from nginx: {}", theirs.latency());
        drop(nginx);
        Some(theirs)
    } else {
        None
    };
    figures.public = Some((ours, theirs, body.len()));
    figures.server_rss_mb = peak_rss_mb(&pid);
    drop(server);
    Ok(())
}

fn print_table(
    options: &ScaleOptions,
    rows: usize,
    csv_bytes: u64,
    write_time: Duration,
    sqlite: &Figures,
    postgres: Option<&Figures>,
) {
    let empty = Figures::default();
    let pg = postgres.unwrap_or(&empty);
    let mut lines: Vec<Line> = Vec::new();
    let mut line = |measure: &str, f: &dyn Fn(&Figures) -> Option<String>| {
        lines.push(Line {
            measure: measure.to_string(),
            sqlite: f(sqlite).unwrap_or_else(|| "–".into()),
            postgres: if postgres.is_some() {
                f(pg).unwrap_or_else(|| "–".into())
            } else {
                "not run".into()
            },
        });
    };
    let rate = |d: Duration, n: usize| n as f64 / d.as_secs_f64();
    line(
        "bulk load of the file (anchor: sqlite3 .import / COPY)",
        &|f| {
            f.bulk_load
                .map(|(d, n)| format!("{}, {:.0} rows/s", secs(d), rate(d, n)))
        },
    );
    line("the same bulk load into a table with the firm table's search indexes (unique code, name, trigram text)", &|f| {
        f.bulk_load_indexed.map(|(d, n)| format!("{}, {:.0} rows/s", secs(d), rate(d, n)))
    });
    line("import, validated, one transaction", &|f| {
        f.import
            .map(|(d, n)| format!("{}, {:.0} rows/s ({n} new)", secs(d), rate(d, rows)))
    });
    line("import rate ÷ bulk-load rate (target ≥ 0.5)", &|f| {
        Some(format!(
            "{:.2}",
            f.bulk_load?.0.as_secs_f64() / f.import?.0.as_secs_f64()
        ))
    });
    line("import rate ÷ indexed bulk-load rate", &|f| {
        Some(format!(
            "{:.2}",
            f.bulk_load_indexed?.0.as_secs_f64() / f.import?.0.as_secs_f64()
        ))
    });
    line("peak RSS of the importing process", &|f| {
        f.import_rss_mb.map(|m| format!("{m:.0} MB"))
    });
    line("officers import", &|f| {
        f.officers_import
            .map(|(d, n)| format!("{} ({n} officers)", secs(d)))
    });
    line("key draw: units in the population / tasks stored", &|f| {
        f.drawn.map(|(u, t)| format!("{u} / {t}"))
    });
    line(
        "key draw: freeze (population, officers, conflicts, hashes, record)",
        &|f| f.freeze.map(secs),
    );
    line("key draw: randomness", &|f| f.seed.map(secs));
    line("key draw: draw, record and tasks stored", &|f| {
        f.execute.map(secs)
    });
    line("key draw: total (target < 3 s)", &|f| {
        Some(secs(f.freeze? + f.seed? + f.execute?))
    });
    let names: Vec<String> = sqlite
        .pages
        .iter()
        .chain(pg.pages.iter())
        .map(|(n, _)| n.clone())
        .fold(Vec::new(), |mut v, n| {
            if !v.contains(&n) {
                v.push(n);
            }
            v
        });
    for name in &names {
        line(
            &format!("{name}, {} clients (p99 target < 100 ms)", options.clients),
            &|f| {
                f.pages
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, l)| l.latency())
            },
        );
    }
    line("public disclosure page (a district's quarter)", &|f| {
        f.public.as_ref().map(|(o, _, bytes)| {
            format!(
                "{:.0} req/s, p99 {:.1} ms, {} kB",
                o.rps,
                o.p99_ms,
                bytes / 1000
            )
        })
    });
    line("the same bytes from nginx (anchor)", &|f| {
        let (_, theirs, _) = f.public.as_ref()?;
        theirs
            .as_ref()
            .map(|t| format!("{:.0} req/s, p99 {:.1} ms", t.rps, t.p99_ms))
    });
    line("public page ÷ nginx (target ≥ 0.33)", &|f| {
        let (ours, theirs, _) = f.public.as_ref()?;
        theirs
            .as_ref()
            .filter(|t| t.rps > 0.0)
            .map(|t| format!("{:.2}", ours.rps / t.rps))
    });
    line("server peak RSS over the loads (target < 200 MB)", &|f| {
        f.server_rss_mb.map(|m| format!("{m:.0} MB"))
    });
    for (i, (query, _)) in sqlite.plans.iter().enumerate() {
        line(&format!("plan of: {query}"), &|f| {
            f.plans.get(i).map(|(_, p)| p.clone())
        });
    }

    println!();
    println!(
        "{rows} firm rows ({} key units), CSV {:.0} MB written in {}; {} officers",
        options.firms,
        csv_bytes as f64 / 1e6,
        secs(write_time),
        options.officers
    );
    println!();
    println!("| measure | SQLite | PostgreSQL |");
    println!("| --- | --- | --- |");
    for l in lines {
        println!("| {} | {} | {} |", l.measure, l.sqlite, l.postgres);
    }
}
