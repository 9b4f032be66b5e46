//! `spotcheck`: the server and the command-line tools of the spot-check system.
//!
//! Thin glue: every command parses its arguments, opens the database and calls the library crates.

mod commands;
mod config;
mod logging;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "spotcheck",
    version,
    about = "\"Double random, one public\" spot checks of pollution sources"
)]
pub struct Cli {
    /// Folder of the embedded SQLite database (created on first start).
    #[arg(
        long,
        global = true,
        env = "SPOTCHECK_DATA_DIR",
        default_value = "./data"
    )]
    pub data_dir: PathBuf,
    /// Database URL, e.g. postgres://user@host/db; the SQLite file in --data-dir when not given.
    #[arg(long, global = true, env = "SPOTCHECK_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Configuration file (TOML; see docs/spotcheck.example.toml); flags and environment
    /// variables override it.
    #[arg(long, global = true, env = "SPOTCHECK_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log format: text, or json (one object per line).
    #[arg(long, global = true, env = "SPOTCHECK_LOG_FORMAT", value_enum)]
    pub log_format: Option<logging::LogFormat>,
    /// What the configuration file says (filled in after parsing).
    #[arg(skip)]
    pub settings: config::Settings,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the web server (creates and migrates the database on first start).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "SPOTCHECK_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Load the demo data set (idempotent) before serving.
        #[arg(long)]
        demo: bool,
        /// Mark cookies Secure (set when users reach the server over HTTPS).
        #[arg(long, env = "SPOTCHECK_SECURE_COOKIES")]
        secure_cookies: bool,
        /// How often the background jobs (deadline reminders) run, in seconds. Of several
        /// servers on one database one at a time runs them (a lease in the database).
        #[arg(long, env = "SPOTCHECK_JOB_INTERVAL", default_value_t = 300.0)]
        job_interval: f64,
    },
    /// Load the deterministic demo data set (loading it twice adds nothing).
    Demo {
        /// Number of firms.
        #[arg(long, default_value_t = 3000)]
        firms: usize,
        /// Number of officers.
        #[arg(long, default_value_t = 150)]
        officers: usize,
        /// Seed of the generator.
        #[arg(long, default_value_t = 2020)]
        seed: u64,
    },
    /// Create and migrate the database, then exit.
    Migrate,
    /// Write the whole database into one file (online: the server may keep running).
    Backup {
        /// The backup file to write (must not exist yet).
        #[arg(long)]
        out: PathBuf,
    },
    /// Replace the database by a backup; the servers must be stopped. Exit 2 when refused.
    Restore {
        /// A file written by `spotcheck backup`.
        file: PathBuf,
        /// Replace a database that holds data.
        #[arg(long)]
        force: bool,
    },
    /// Import a list file (.xlsx or .csv; UTF-8, UTF-8 with BOM or GBK) in one transaction.
    Import {
        /// officers | firms | projects | penalties | complaints | problems
        kind: String,
        file: PathBuf,
        /// Code of the importing agency (default: the city detachment 650100).
        #[arg(long, default_value = "650100")]
        agency: String,
        /// Check the file and show what would change, without writing anything.
        #[arg(long)]
        dry_run: bool,
        /// Where to write the error report (.xlsx) when the file is refused.
        #[arg(long)]
        errors_out: Option<PathBuf>,
        /// Language of messages: zh-CN or en.
        #[arg(long, env = "SPOTCHECK_LANG", default_value = "zh-CN")]
        lang: String,
    },
    /// Export a list (or its empty import template) as .csv or .xlsx.
    Export {
        /// officers | firms | projects | penalties | complaints | problems
        kind: String,
        #[arg(long, default_value = "xlsx")]
        format: String,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Only this agency and those under it (default: all).
        #[arg(long)]
        agency: Option<String>,
        /// Write the import template (headers and an example row) instead of the data.
        #[arg(long)]
        template: bool,
    },
    /// Measure a province at scale on fresh databases and print a table of figures.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Agencies: add a development zone or another branch to the tree.
    Agency {
        #[command(subcommand)]
        command: AgencyCommand,
    },
    /// Accounts: add one for a person of an agency with a role.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// API tokens for programs calling the JSON API.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Plans of the quarter's and the year's draws (R-DRAW).
    Plan {
        #[command(subcommand)]
        command: PlanCommand,
    },
    /// The verifiable draw (algorithm spotcheck-draw/v1).
    Draw {
        #[command(subcommand)]
        command: DrawCommand,
    },
    /// Dispatched tasks: list an officer's, reassign one.
    Task {
        #[command(subcommand)]
        command: TaskCommand,
    },
    /// Declared conflicts of interest (回避).
    Conflict {
        #[command(subcommand)]
        command: ConflictCommand,
    },
    /// The archive (档案) of an agency's year of double-random work, in one zip (R-REP-4).
    Archive {
        #[command(subcommand)]
        command: ArchiveCommand,
    },
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// A synthetic province on a fresh SQLite file and (with --postgres) a fresh PostgreSQL
    /// database: import, key draw, pages under load and memory, each beside its anchor (sqlite3
    /// .import, COPY, nginx). Needs sqlite3, psql, wrk and nginx for the anchors and loads.
    Scale {
        /// Key units in the province.
        #[arg(long, default_value_t = 1_000_000)]
        firms: usize,
        /// Officers.
        #[arg(long, default_value_t = 20_000)]
        officers: usize,
        /// An administrative PostgreSQL URL (e.g. postgres://127.0.0.1:5432/test): the bench
        /// creates and afterwards drops the database spotcheck_bench on that server.
        #[arg(long)]
        postgres: Option<String>,
        /// Concurrent clients of the page loads.
        #[arg(long, default_value_t = 64)]
        clients: u32,
        /// Seconds of each page load.
        #[arg(long, default_value_t = 10)]
        seconds: u32,
    },
}

#[derive(Subcommand)]
pub enum AgencyCommand {
    /// Add an agency under an existing one (audited).
    Add {
        /// Stable code, e.g. the zone's own GB/T 2260 code or `650100-etdz`.
        #[arg(long)]
        code: String,
        /// Code of the parent agency.
        #[arg(long, default_value = "650100")]
        parent: String,
        /// zone_branch | district_branch | county_branch | section | brigade
        #[arg(long, default_value = "zone_branch")]
        kind: String,
        /// GB/T 2260 code of the territory.
        #[arg(long)]
        division: String,
        #[arg(long)]
        name_zh: String,
        #[arg(long)]
        name_en: String,
    },
    /// List the agency tree.
    List,
}

#[derive(Subcommand)]
pub enum AccountCommand {
    /// Add an account. The password comes from SPOTCHECK_NEW_PASSWORD, or a random one is
    /// printed once.
    Add {
        username: String,
        /// Code of the agency the person works for.
        #[arg(long)]
        agency: String,
        /// system_admin | security_admin | city_legal | city_complaints | city_office | district_admin | officer | auditor
        #[arg(long)]
        role: String,
        /// The name shown in the pages.
        #[arg(long)]
        name: String,
    },
    /// Give an account a new random password (printed once) and end its sessions; audited.
    ResetPassword {
        username: String,
        /// The system administrator doing it.
        #[arg(long)]
        by: String,
    },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Print a new bearer token for USER (shown once; only its hash is stored).
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain, then recompute every executed draw and compare it with its stored
    /// record and with the result the audit log holds; exit 1 naming the first broken link or
    /// each draw that disagrees.
    Verify,
}

#[derive(Subcommand)]
pub enum DrawCommand {
    /// Compute a draw from an input JSON file and print the output JSON.
    Run {
        #[arg(long)]
        input: PathBuf,
    },
    /// Recompute a {"input", "output"} record; exit 0 when it agrees, 1 naming the differing field.
    Verify { record: PathBuf },
    /// Step 1: freeze the plan's input as the lists stand now and print its hashes.
    Freeze { plan: i64 },
    /// Step 2: enter the public randomness (dice:<20+ digits> or drand:<chain>:<round>:<hex>).
    Seed {
        plan: i64,
        #[arg(long)]
        randomness: String,
        /// A witness of the randomness (repeat for each).
        #[arg(long = "witness", required = true)]
        witnesses: Vec<String>,
    },
    /// Step 3: draw and dispatch the tasks.
    Execute { plan: i64 },
    /// Start a redraw of a drawn plan: a written reason and another person's approval.
    Redraw {
        plan: i64,
        #[arg(long)]
        reason: String,
        /// Username of the approver (not yourself; may run draws in this jurisdiction).
        #[arg(long)]
        approver: String,
        /// Your username (the command line acts for a person).
        #[arg(long)]
        by: String,
    },
    /// Print the {"input", "output"} record of a plan's draw, for `draw verify`.
    Export {
        plan: i64,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum PlanCommand {
    /// Create the plan of an agency: --kind key|special|general, --period 2026Q2 (or 2027 for general).
    Create {
        #[arg(long)]
        agency: String,
        #[arg(long)]
        kind: String,
        #[arg(long)]
        period: String,
        /// Share drawn, in percent (key, special); at least the configured minimum.
        #[arg(long)]
        rate: Option<u32>,
        /// Objects per officer (general); at least the configured ratio.
        #[arg(long)]
        per_officer: Option<u32>,
        /// Officers per team; at least the configured team size.
        #[arg(long)]
        team_size: Option<u32>,
    },
    /// List the plans with their due dates and draw state.
    List {
        #[arg(long)]
        agency: Option<String>,
    },
    /// The year's draws of an agency against the rules (R-DRAW-KEY-2/3, R-DRAW-GEN-2, R-DRAW-SPC-2).
    Compliance {
        #[arg(long)]
        agency: String,
        #[arg(long)]
        year: i32,
    },
}

#[derive(Subcommand)]
pub enum TaskCommand {
    /// The tasks of an officer (by certificate number), soonest due first.
    List {
        #[arg(long)]
        officer: String,
    },
    /// Replace an officer of a task by one drawn at random among the eligible (audited).
    Reassign {
        task: i64,
        /// Certificate number of the officer who leaves the team.
        #[arg(long)]
        officer: String,
        #[arg(long)]
        reason: String,
        /// Your username (the command line acts for a person).
        #[arg(long)]
        by: String,
    },
}

#[derive(Subcommand)]
pub enum ConflictCommand {
    /// Declare that an officer must not inspect a firm (回避).
    Declare {
        /// Certificate number of the officer.
        #[arg(long)]
        officer: String,
        /// Unified social credit code of the firm.
        #[arg(long)]
        firm: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        by: String,
    },
    /// List the declarations of an agency's officers.
    List {
        #[arg(long)]
        agency: Option<String>,
    },
    /// Withdraw a declaration (it stays on record).
    Withdraw {
        id: i64,
        #[arg(long)]
        by: String,
    },
}

#[derive(Subcommand)]
pub enum ArchiveCommand {
    /// Write the year's lists, plans, draw records, tasks, forms, evidence and audit events of an
    /// agency and those under it into one zip with a manifest of every file's SHA-256.
    Export {
        /// Code of the agency.
        #[arg(long)]
        agency: String,
        #[arg(long)]
        year: i32,
        /// Output file (default: archive-CODE-YEAR.zip).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check an archive against its manifest and draw every draw record again; exit 0 when
    /// intact, 1 naming the first file that differs, 2 when the file cannot be read.
    Verify { file: PathBuf },
}

fn main() -> ExitCode {
    let cli = match config::parse() {
        Ok(cli) => cli,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    logging::init(&cli);
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
