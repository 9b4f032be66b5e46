//! The archive (档案) of an agency's double-random work of one year (R-REP-4): one zip file that
//! holds everything needed to show, years later, what was drawn, from which lists, by whom, what
//! the teams found and with which evidence, and that checks itself.
//!
//! Layout (format `spotcheck-archive/v1`):
//!
//! | path | content |
//! | --- | --- |
//! | `agencies.jsonl` | the agency and the agencies under it (its `path` prefix) |
//! | `lists/<kind>.jsonl` | every version of every list record valid at any time in the year |
//! | `lists/<kind>-<Y>-12-31.xlsx` | each list as it stood at the end of 31 December, template columns (`.csv` beyond the .xlsx row limit) |
//! | `lists/filings.jsonl` | the list filings (报备) of the year's periods |
//! | `plans.jsonl` | every plan whose period starts with the year |
//! | `draws/attempts.jsonl` | every draw attempt: the frozen hashes, the randomness and witnesses, the result hash, redraw reasons |
//! | `draws/<label>-attempt-<n>.json` | the `{"input","output"}` record of each executed attempt, for `spotcheck draw verify` |
//! | `tasks.jsonl`, `reassignments.jsonl` | the tasks those draws dispatched, and every reassignment |
//! | `conflicts.jsonl` | the declared conflicts (回避) of the scope's officers that stood during the year |
//! | `inspections/inspections.jsonl` | every version of those tasks' forms, with review |
//! | `inspections/forms/task-<t>-v<n>.json` | each version's form exactly as stored (its SHA-256 is the recorded `form_sha256`) |
//! | `inspections/evidence.jsonl`, `evidence/<sha256>.<ext>` | the evidence and its original files |
//! | `audit/events.jsonl` | the audit events about these records (see [`AUDIT_SCOPE`]) |
//! | `manifest.json`, `manifest.sha256` | counts, and the path, size and SHA-256 of every other file; the SHA-256 of the manifest |
//!
//! Export streams each file into the zip and reads list versions, tasks, forms and events a page
//! at a time and evidence one file at a time, so memory stays bounded by the largest single file
//! (plus a few small identifiers per record). [`verify`] needs no database.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{BufRead, BufReader, Read, Seek, Write};

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use spotcheck_core::lists::ListKind;
use spotcheck_core::period::Year;
use spotcheck_tabular::{Cell, Format, XLSX_MAX_DATA_ROWS};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::agency::Agency;
use crate::{audit, draws, export, inspections, lists, on_db, Db, Result, StoreError};

/// The format written into every manifest; [`verify`] reads this format only.
pub const FORMAT: &str = "spotcheck-archive/v1";

/// Which audit events an archive holds, as stated in its manifest.
pub const AUDIT_SCOPE: &str = "events about the archived plans, draw attempts, tasks, inspections \
    and conflict declarations, whenever they happened; and events about the scope's agencies and \
    lists during the year";

const MANIFEST: &str = "manifest.json";
const MANIFEST_SHA256: &str = "manifest.sha256";
const AUDIT_FILE: &str = "audit/events.jsonl";
const INSPECTIONS_FILE: &str = "inspections/inspections.jsonl";

/// The largest manifest [`verify`] reads (about a million files).
const MANIFEST_LIMIT: u64 = 256 * 1024 * 1024;

/// Rows read per query.
const PAGE: i64 = 1_000;

/// How far the work has gone, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The work has this many units in all (records and files for export, bytes for verify).
    Total(u64),
    /// This many more units are done.
    Done(u64),
}

/// How many records of each kind an archive holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub agencies: u64,
    /// List record versions valid at any time in the year, by list kind.
    pub list_versions: BTreeMap<String, u64>,
    /// List records as they stood on 31 December, by list kind.
    pub lists_at_year_end: BTreeMap<String, u64>,
    pub list_filings: u64,
    pub plans: u64,
    pub draw_attempts: u64,
    /// Executed attempts, each with its verifiable record.
    pub draw_records: u64,
    pub tasks: u64,
    pub reassignments: u64,
    pub conflicts: u64,
    /// Form versions.
    pub inspections: u64,
    /// Evidence rows (the same file attached to two forms is two rows).
    pub evidence: u64,
    /// Distinct evidence files.
    pub evidence_files: u64,
    pub audit_events: u64,
}

/// A file of the archive as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// The agency an archive is of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedAgency {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// The materialised path: the archive covers every agency whose path starts with it.
    pub path: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub rule: String,
    pub agency: ArchivedAgency,
    pub year: i32,
    pub generated_at: DateTime<Utc>,
    /// The moment the year-end lists show.
    pub lists_as_of: DateTime<Utc>,
    /// Which audit events are included.
    pub audit_events: String,
    pub counts: Counts,
    /// Every file but `manifest.json` and `manifest.sha256`, in the order written.
    pub files: Vec<FileEntry>,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveSummary {
    pub counts: Counts,
    /// Files, the manifest and its hash included.
    pub files: u64,
    /// Uncompressed bytes of all files.
    pub bytes: u64,
    /// SHA-256 of `manifest.json`, worth writing down in the register of archives.
    pub manifest_sha256: String,
}

/// The first problem [`verify`] found: the file and what differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub what: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.what)
    }
}

/// What [`verify`] checked in an intact archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub manifest: Manifest,
    pub manifest_sha256: String,
    /// Files checked against the manifest, the manifest itself not included.
    pub files: u64,
    pub bytes: u64,
    /// Draw records recomputed with `spotcheck-draw/v1` and found to agree.
    pub draws_verified: u64,
    /// Submitted forms whose file matches the `form_sha256` recorded at submission.
    pub forms_checked: u64,
    /// Audit events whose hash matches their content.
    pub audit_events_checked: u64,
}

/// The verdict on an archive that could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Intact(Box<Checked>),
    Broken(Problem),
}

fn write_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(format!("writing the archive: {e}"))
}

fn unreadable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(format!("not a readable zip archive: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Writing.

/// The zip being written, with the path, size and SHA-256 of every file so far.
struct Builder<W: Write + Seek> {
    zip: ZipWriter<W>,
    modified: zip::DateTime,
    files: Vec<FileEntry>,
    current: Option<(String, Sha256, u64)>,
}

impl<W: Write + Seek> Builder<W> {
    fn new(out: W, at: DateTime<Utc>) -> Self {
        let modified = zip_time(at);
        Builder {
            zip: ZipWriter::new(out),
            modified,
            files: Vec::new(),
            current: None,
        }
    }

    /// Starts the file `path`; what is written next is its content. Files that are compressed
    /// already (photos, PDFs, .xlsx) are stored as they are.
    fn open(&mut self, path: &str, compress: bool) -> Result<()> {
        self.close();
        let method = if compress {
            CompressionMethod::Deflated
        } else {
            CompressionMethod::Stored
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(self.modified)
            .unix_permissions(0o644);
        self.zip.start_file(path, options).map_err(write_error)?;
        self.current = Some((path.to_string(), Sha256::new(), 0));
        Ok(())
    }

    /// Ends the current file and records it for the manifest.
    fn close(&mut self) {
        if let Some((path, hasher, size)) = self.current.take() {
            self.files.push(FileEntry {
                path,
                size,
                sha256: hex::encode(hasher.finalize()),
            });
        }
    }

    /// A whole file at once.
    fn put(&mut self, path: &str, bytes: &[u8], compress: bool) -> Result<()> {
        self.open(path, compress)?;
        self.write_all(bytes).map_err(write_error)?;
        self.close();
        Ok(())
    }

    /// One JSON line of the current file.
    fn line<T: Serialize>(&mut self, value: &T) -> Result<()> {
        serde_json::to_writer(&mut *self, value).map_err(write_error)?;
        self.write_all(b"\n").map_err(write_error)
    }

    fn finish(mut self) -> Result<Vec<FileEntry>> {
        self.close();
        self.zip.finish().map_err(write_error)?;
        Ok(self.files)
    }
}

impl<W: Write + Seek> Write for Builder<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.zip.write(buf)?;
        if let Some((_, hasher, size)) = &mut self.current {
            hasher.update(&buf[..n]);
            *size += n as u64;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.zip.flush()
    }
}

/// A value bound to a query.
#[derive(Clone, Copy)]
enum Param<'a> {
    Text(&'a str),
    Time(DateTime<Utc>),
}

/// A row read a page at a time, by an increasing key.
trait Keyed {
    fn key(&self) -> i64;
}

/// The rows a query selects.
struct Section<'a> {
    /// `FROM … WHERE …`, with `$1`… for `params`.
    from: String,
    params: Vec<Param<'a>>,
    /// The key that orders the pages, e.g. `t.id`.
    key: &'static str,
}

impl Section<'_> {
    async fn count(&self, db: &Db) -> Result<u64> {
        self.count_of(db, "COUNT(*)").await
    }

    /// `what` (an aggregate) over the section's rows.
    async fn count_of(&self, db: &Db, what: &str) -> Result<u64> {
        let sql = format!("SELECT {what} {}", self.from);
        let n: i64 = on_db!(db, |p| {
            let mut q = sqlx::query_scalar(&sql);
            for param in &self.params {
                q = match *param {
                    Param::Text(s) => q.bind(s),
                    Param::Time(t) => q.bind(t),
                };
            }
            q.fetch_one(p).await?
        });
        Ok(n.max(0) as u64)
    }

    /// The `columns` of the rows after key `after`.
    async fn page<T>(&self, db: &Db, columns: &str, after: i64) -> Result<Vec<T>>
    where
        T: Send
            + Unpin
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        let n = self.params.len();
        let sql = format!(
            "SELECT {columns} {} AND {key} > ${} ORDER BY {key} LIMIT ${}",
            self.from,
            n + 1,
            n + 2,
            key = self.key
        );
        Ok(on_db!(db, |p| {
            let mut q = sqlx::query_as::<_, T>(&sql);
            for param in &self.params {
                q = match *param {
                    Param::Text(s) => q.bind(s),
                    Param::Time(t) => q.bind(t),
                };
            }
            q.bind(after).bind(PAGE).fetch_all(p).await?
        }))
    }

    /// Hands every row to `each`, a page at a time, reporting each page done; returns how many.
    async fn each_row<T>(
        &self,
        db: &Db,
        columns: &str,
        progress: &(dyn Fn(Progress) + Sync),
        mut each: impl FnMut(T) -> Result<()>,
    ) -> Result<u64>
    where
        T: Keyed
            + Send
            + Unpin
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        let mut after = 0;
        let mut rows = 0;
        loop {
            let page: Vec<T> = self.page(db, columns, after).await?;
            let n = page.len();
            let last = page.last().map(Keyed::key);
            for row in page {
                each(row)?;
            }
            rows += n as u64;
            progress(Progress::Done(n as u64));
            match last {
                Some(key) if n as i64 == PAGE => after = key,
                _ => return Ok(rows),
            }
        }
    }

    /// Writes every row as a line of the file `path`, after `each` has seen (and completed) it.
    async fn write_lines<T, W: Write + Seek>(
        &self,
        db: &Db,
        columns: &str,
        zip: &mut Builder<W>,
        path: &str,
        progress: &(dyn Fn(Progress) + Sync),
        mut each: impl FnMut(&mut T),
    ) -> Result<u64>
    where
        T: Keyed
            + Serialize
            + Send
            + Unpin
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        zip.open(path, true)?;
        self.each_row(db, columns, progress, |mut row: T| {
            each(&mut row);
            zip.line(&row)
        })
        .await
    }
}

/// Joins `t` (task) to the year's draws of the scope: `d` draw, `p` plan, `a` agency.
const TO_DRAWS_IN_SCOPE: &str = "JOIN draw_record d ON d.id = t.draw_id \
    JOIN plan p ON p.id = d.plan_id JOIN agency a ON a.id = p.agency_id \
    WHERE a.path LIKE $1 AND p.period LIKE $2";

/// What one archive covers: the agencies under a path, one year.
struct Scope {
    /// `650100/650109/%`
    path: String,
    /// `2026%`: the periods of the year's plans (`2026Q1`…, `2026`).
    period: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Scope {
    fn new(agency: &Agency, year: Year) -> Self {
        let start_of = |day: NaiveDate| day.and_time(NaiveTime::MIN).and_utc();
        let next = year.next().map(|y| y.first_day()).unwrap_or(NaiveDate::MAX);
        Scope {
            path: format!("{}%", agency.path),
            period: format!("{}%", year.value()),
            start: start_of(year.first_day()),
            end: start_of(next),
        }
    }

    /// The agency path the scope's queries start with.
    fn prefix(&self) -> &str {
        self.path.trim_end_matches('%')
    }

    /// The end of 31 December, the moment the year-end lists show.
    fn year_end(&self) -> DateTime<Utc> {
        self.end - chrono::Duration::microseconds(1)
    }

    fn versions(&self, kind: ListKind) -> Section<'_> {
        Section {
            from: "FROM record_version v JOIN agency a ON a.id = v.agency_id \
                   WHERE v.kind = $1 AND a.path LIKE $2 AND v.valid_from < $3 \
                   AND (v.valid_to IS NULL OR v.valid_to > $4)"
                .into(),
            params: vec![
                Param::Text(kind.as_str()),
                Param::Text(&self.path),
                Param::Time(self.end),
                Param::Time(self.start),
            ],
            key: "v.id",
        }
    }

    fn filings(&self) -> Section<'_> {
        Section {
            from: "FROM list_filing l JOIN agency a ON a.id = l.agency_id \
                   WHERE a.path LIKE $1 AND l.period LIKE $2"
                .into(),
            params: vec![Param::Text(&self.path), Param::Text(&self.period)],
            key: "l.id",
        }
    }

    /// Rows of `tables`, which join `t` (task), on the tasks of the year's draws.
    fn on_tasks(&self, tables: &str, key: &'static str) -> Section<'_> {
        Section {
            from: format!("FROM {tables} {TO_DRAWS_IN_SCOPE}"),
            params: vec![Param::Text(&self.path), Param::Text(&self.period)],
            key,
        }
    }

    fn tasks(&self) -> Section<'_> {
        self.on_tasks("task t JOIN firm f ON f.id = t.firm_id", "t.id")
    }

    fn reassignments(&self) -> Section<'_> {
        self.on_tasks(
            "task_reassignment r JOIN task t ON t.id = r.task_id",
            "r.id",
        )
    }

    fn inspections(&self) -> Section<'_> {
        self.on_tasks("inspection i JOIN task t ON t.id = i.task_id", "i.id")
    }

    fn evidence(&self) -> Section<'_> {
        self.on_tasks(
            "evidence e JOIN inspection i ON i.id = e.inspection_id JOIN task t ON t.id = i.task_id",
            "e.id",
        )
    }

    /// Declarations of the scope's officers that stood at some time in the year.
    fn conflicts(&self) -> Section<'_> {
        Section {
            from: "FROM conflict_declaration c JOIN officer o ON o.id = c.officer_id \
                   JOIN firm f ON f.id = c.firm_id JOIN agency a ON a.id = o.agency_id \
                   WHERE a.path LIKE $1 AND c.declared_at < $2 \
                   AND (c.withdrawn_at IS NULL OR c.withdrawn_at > $3)"
                .into(),
            params: vec![
                Param::Text(&self.path),
                Param::Time(self.end),
                Param::Time(self.start),
            ],
            key: "c.id",
        }
    }

    /// The whole audit log, in order (which events to keep is decided per event).
    fn audit_log(&self) -> Section<'_> {
        Section {
            from: "FROM audit_event WHERE seq > 0".into(),
            params: Vec::new(),
            key: "seq",
        }
    }
}

#[derive(Serialize, sqlx::FromRow)]
struct AgencyLine {
    id: i64,
    code: String,
    parent_id: Option<i64>,
    kind: String,
    division_code: String,
    path: String,
    name_zh: String,
    name_en: String,
}

#[derive(Serialize, sqlx::FromRow)]
struct VersionLine {
    id: i64,
    kind: String,
    record_id: i64,
    agency_code: String,
    version: i64,
    valid_from: DateTime<Utc>,
    valid_to: Option<DateTime<Utc>>,
    /// The record as it stood, as the JSON stored.
    data: String,
    changed_by: String,
}

#[derive(Serialize, sqlx::FromRow)]
struct FilingLine {
    id: i64,
    agency_code: String,
    list_kind: String,
    period: String,
    filed_at: DateTime<Utc>,
    filed_by: String,
    row_count: i64,
    content_sha256: String,
}

#[derive(Serialize)]
struct PlanLine<'a> {
    id: i64,
    agency_code: &'a str,
    kind: &'a str,
    period: &'a str,
    /// The engine's rule, as the JSON stored.
    rule: &'a str,
    team_size: i64,
    due_on: NaiveDate,
    created_at: DateTime<Utc>,
    created_by: &'a str,
}

/// A draw attempt without its input and output (those are in its record file).
#[derive(Serialize)]
struct AttemptLine {
    id: i64,
    plan_id: i64,
    attempt: i64,
    label: String,
    population_sha256: String,
    officers_sha256: String,
    conflicts_sha256: String,
    frozen_at: DateTime<Utc>,
    frozen_by: String,
    randomness: Option<String>,
    witnesses: Option<String>,
    seeded_at: Option<DateTime<Utc>>,
    seeded_by: Option<String>,
    result_sha256: Option<String>,
    executed_at: Option<DateTime<Utc>>,
    executed_by: Option<String>,
    redraw_of: Option<i64>,
    redraw_reason: Option<String>,
    approved_by: Option<String>,
    /// The `{"input","output"}` file of an executed attempt.
    record: Option<String>,
}

#[derive(Serialize, sqlx::FromRow)]
struct TaskLine {
    id: i64,
    draw_id: i64,
    plan_id: i64,
    agency_code: String,
    credit_code: String,
    firm_name: String,
    /// Certificate numbers of the team, as the JSON array stored.
    officers: String,
    due_on: NaiveDate,
    status: String,
    created_at: DateTime<Utc>,
}

#[derive(Serialize, sqlx::FromRow)]
struct ReassignmentLine {
    id: i64,
    task_id: i64,
    officer_out: String,
    officer_in: String,
    reason: String,
    candidates: String,
    random_value: String,
    reassigned_by: String,
    reassigned_at: DateTime<Utc>,
}

#[derive(Serialize, sqlx::FromRow)]
struct ConflictLine {
    id: i64,
    certificate_no: String,
    officer_name: String,
    credit_code: String,
    firm_name: String,
    reason: String,
    declared_by: String,
    declared_at: DateTime<Utc>,
    withdrawn_by: Option<String>,
    withdrawn_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, Deserialize, sqlx::FromRow)]
struct InspectionLine {
    id: i64,
    task_id: i64,
    version: i64,
    status: String,
    /// The file holding the form exactly as stored.
    #[sqlx(skip)]
    form_file: String,
    form_sha256: Option<String>,
    created_by: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    submitted_by: Option<String>,
    submitted_at: Option<DateTime<Utc>>,
    reviewed_by: Option<String>,
    reviewed_at: Option<DateTime<Utc>>,
    review_comment: Option<String>,
}

#[derive(Serialize, sqlx::FromRow)]
struct EvidenceLine {
    id: i64,
    inspection_id: i64,
    task_id: i64,
    item: Option<String>,
    kind: String,
    file_name: String,
    media_type: String,
    size: i64,
    sha256: String,
    taken_at: Option<NaiveDateTime>,
    lat: Option<f64>,
    lon: Option<f64>,
    signer: Option<String>,
    uploaded_by: String,
    uploaded_at: DateTime<Utc>,
    /// The original file in the archive.
    #[sqlx(skip)]
    file: String,
}

/// An audit event as archived; [`verify`] recomputes its hash.
#[derive(Serialize, Deserialize, sqlx::FromRow)]
struct AuditLine {
    seq: i64,
    at: DateTime<Utc>,
    actor: String,
    action: String,
    subject: String,
    payload: String,
    prev_hash: String,
    hash: String,
}

fn form_file(task_id: i64, version: i64) -> String {
    format!("inspections/forms/task-{task_id}-v{version}.json")
}

/// `draws/<label with / as ->-attempt-<n>.json`.
fn draw_file(label: &str, attempt: i64) -> String {
    let label: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("draws/{label}-attempt-{attempt}.json")
}

fn evidence_file(sha256: &str, media_type: &str, file_name: &str) -> String {
    let ext = match media_type {
        "image/jpeg" => "jpg".to_string(),
        "image/png" => "png".to_string(),
        "application/pdf" => "pdf".to_string(),
        _ => file_name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .filter(|e| !e.is_empty() && e.bytes().all(|b| b.is_ascii_alphanumeric()))
            .unwrap_or_else(|| "bin".to_string()),
    };
    format!("evidence/{sha256}.{ext}")
}

macro_rules! keyed {
    ($($line:ty => $key:ident),* $(,)?) => {
        $(impl Keyed for $line {
            fn key(&self) -> i64 {
                self.$key
            }
        })*
    };
}

keyed!(VersionLine => id, FilingLine => id, TaskLine => id, ReassignmentLine => id,
       ConflictLine => id, InspectionLine => id, FormRow => id, EvidenceLine => id, AuditLine => seq);

#[derive(sqlx::FromRow)]
struct FormRow {
    id: i64,
    task_id: i64,
    version: i64,
    form: String,
}

/// Writes the archive of `agency` and the agencies under it for `year` to `out` (R-REP-4); the
/// manifest says `generated_at`. `progress` hears the total of records and files first, then
/// each step.
pub async fn export<W: Write + Seek>(
    db: &Db,
    agency: &Agency,
    year: Year,
    generated_at: DateTime<Utc>,
    out: &mut W,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<ArchiveSummary> {
    let scope = Scope::new(agency, year);
    progress(Progress::Total(work(db, &scope).await?));
    let mut zip = Builder::new(out, generated_at);
    let mut counts = Counts::default();
    // The subjects of the audit events to keep, whenever they happened.
    let mut subjects: HashSet<String> = HashSet::new();

    let agencies: Vec<AgencyLine> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, code, parent_id, kind, division_code, path, name_zh, name_en FROM agency \
         WHERE path LIKE $1 ORDER BY path"
    )
    .bind(&scope.path)
    .fetch_all(p)
    .await?);
    zip.open("agencies.jsonl", true)?;
    for a in &agencies {
        zip.line(a)?;
    }
    counts.agencies = agencies.len() as u64;
    let codes: BTreeMap<i64, &str> = agencies.iter().map(|a| (a.id, a.code.as_str())).collect();

    write_lists(db, &scope, year, &mut zip, &mut counts, progress).await?;
    write_draws(db, &scope, &codes, &mut zip, &mut counts, &mut subjects).await?;
    counts.tasks = scope
        .tasks()
        .write_lines(
            db,
            "t.id, t.draw_id, d.plan_id, a.code AS agency_code, f.credit_code, \
             f.name AS firm_name, t.officers, t.due_on, t.status, t.created_at",
            &mut zip,
            "tasks.jsonl",
            progress,
            |t: &mut TaskLine| {
                subjects.insert(format!("task:{}", t.id));
            },
        )
        .await?;
    counts.reassignments = scope
        .reassignments()
        .write_lines(
            db,
            "r.id, r.task_id, r.officer_out, r.officer_in, r.reason, r.candidates, \
             r.random_value, r.reassigned_by, r.reassigned_at",
            &mut zip,
            "reassignments.jsonl",
            progress,
            |_: &mut ReassignmentLine| {},
        )
        .await?;
    counts.conflicts = scope
        .conflicts()
        .write_lines(
            db,
            "c.id, o.certificate_no, o.name AS officer_name, f.credit_code, f.name AS firm_name, \
             c.reason, c.declared_by, c.declared_at, c.withdrawn_by, c.withdrawn_at",
            &mut zip,
            "conflicts.jsonl",
            progress,
            |c: &mut ConflictLine| {
                subjects.insert(format!("conflict:{}", c.id));
            },
        )
        .await?;
    write_inspections(db, &scope, &mut zip, &mut counts, &mut subjects, progress).await?;
    write_evidence(db, &scope, &mut zip, &mut counts, progress).await?;
    let codes: HashSet<&str> = codes.into_values().collect();
    write_audit(
        db,
        &scope,
        &mut zip,
        &mut counts,
        &subjects,
        &codes,
        progress,
    )
    .await?;

    zip.close();
    let manifest = Manifest {
        format: FORMAT.to_string(),
        rule: "R-REP-4".to_string(),
        agency: ArchivedAgency {
            code: agency.code.clone(),
            name_zh: agency.name_zh.clone(),
            name_en: agency.name_en.clone(),
            path: agency.path.clone(),
        },
        year: year.value(),
        generated_at,
        lists_as_of: scope.year_end(),
        audit_events: AUDIT_SCOPE.to_string(),
        counts: counts.clone(),
        files: zip.files.clone(),
    };
    let text = serde_json::to_vec_pretty(&manifest).map_err(write_error)?;
    let manifest_sha256 = crate::sha256_hex(&text);
    zip.put(MANIFEST, &text, true)?;
    zip.put(
        MANIFEST_SHA256,
        format!("{manifest_sha256}  {MANIFEST}\n").as_bytes(),
        false,
    )?;
    let files = zip.finish()?;
    Ok(ArchiveSummary {
        counts,
        files: files.len() as u64,
        bytes: total_size(&files),
        manifest_sha256,
    })
}

/// The records and files an export goes through one by one, for its progress bar.
async fn work(db: &Db, scope: &Scope) -> Result<u64> {
    let mut total = 0;
    for kind in ListKind::ALL {
        total += scope.versions(kind).count(db).await?;
    }
    total += scope.filings().count(db).await?;
    total += scope.tasks().count(db).await?;
    total += scope.reassignments().count(db).await?;
    total += scope.conflicts().count(db).await?;
    // Each form is a line and a file.
    total += 2 * scope.inspections().count(db).await?;
    let evidence = scope.evidence();
    total += evidence.count(db).await?;
    total += evidence.count_of(db, "COUNT(DISTINCT e.sha256)").await?;
    total += scope.audit_log().count(db).await?;
    Ok(total)
}

/// Every list version valid in the year, the year's filings, and each list as it stood on
/// 31 December.
async fn write_lists<W: Write + Seek>(
    db: &Db,
    scope: &Scope,
    year: Year,
    zip: &mut Builder<W>,
    counts: &mut Counts,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<()> {
    for kind in ListKind::ALL {
        let n = scope
            .versions(kind)
            .write_lines(
                db,
                "v.id, v.kind, v.record_id, a.code AS agency_code, v.version, v.valid_from, \
                 v.valid_to, v.data, v.changed_by",
                zip,
                &format!("lists/{}.jsonl", kind.as_str()),
                progress,
                |_: &mut VersionLine| {},
            )
            .await?;
        counts.list_versions.insert(kind.as_str().to_string(), n);
    }
    counts.list_filings = scope
        .filings()
        .write_lines(
            db,
            "l.id, a.code AS agency_code, l.list_kind, l.period, l.filed_at, l.filed_by, \
             l.row_count, l.content_sha256",
            zip,
            "lists/filings.jsonl",
            progress,
            |_: &mut FilingLine| {},
        )
        .await?;
    let as_of = scope.year_end();
    for kind in ListKind::ALL {
        let (headers, _) = kind.template_rows();
        let mut rows: Vec<Vec<Cell>> = Vec::new();
        let mut after = None;
        loop {
            let page =
                lists::search(db, kind, scope.prefix(), Some(as_of), None, after, 5_000).await?;
            rows.extend(
                page.items
                    .into_iter()
                    .map(|s| s.record.to_cells().into_iter().map(Cell::Text).collect()),
            );
            match page.next_after {
                Some(a) => after = Some(a),
                None => break,
            }
        }
        counts
            .lists_at_year_end
            .insert(kind.as_str().to_string(), rows.len() as u64);
        // A sheet holds at most about a million rows; a longer list goes to CSV.
        let (format, extension) = if rows.len() > XLSX_MAX_DATA_ROWS {
            (Format::Csv, "csv")
        } else {
            (Format::Xlsx, "xlsx")
        };
        let bytes = export::table(format, kind.name_zh(), &headers, rows)?;
        let path = format!("lists/{}-{year}-12-31.{extension}", kind.as_str());
        zip.put(&path, &bytes, format == Format::Csv)?;
    }
    Ok(())
}

/// The year's plans, each attempt's line, and the record of each executed attempt.
async fn write_draws<W: Write + Seek>(
    db: &Db,
    scope: &Scope,
    codes: &BTreeMap<i64, &str>,
    zip: &mut Builder<W>,
    counts: &mut Counts,
    subjects: &mut HashSet<String>,
) -> Result<()> {
    let year = scope.period.trim_end_matches('%');
    let mut plans: Vec<draws::Plan> = draws::plans(db, scope.prefix())
        .await?
        .into_iter()
        .filter(|p| p.period.starts_with(year))
        .collect();
    plans.sort_by_key(|p| p.id);
    zip.open("plans.jsonl", true)?;
    for p in &plans {
        zip.line(&PlanLine {
            id: p.id,
            agency_code: codes.get(&p.agency_id).copied().unwrap_or_default(),
            kind: &p.kind,
            period: &p.period,
            rule: &p.rule,
            team_size: p.team_size,
            due_on: p.due_on,
            created_at: p.created_at,
            created_by: &p.created_by,
        })?;
        subjects.insert(format!("plan:{}", p.id));
    }
    counts.plans = plans.len() as u64;
    // The records first, a file each; the attempts' lines after them.
    let mut lines = Vec::new();
    for p in &plans {
        for d in draws::attempts(db, p.id).await? {
            let record = match draws::export(&d)? {
                Some(value) => {
                    let path = draw_file(&d.label, d.attempt);
                    let text = serde_json::to_vec_pretty(&value).map_err(write_error)?;
                    zip.put(&path, &text, true)?;
                    counts.draw_records += 1;
                    Some(path)
                }
                None => None,
            };
            subjects.insert(format!("draw:{}", d.id));
            lines.push(AttemptLine {
                id: d.id,
                plan_id: d.plan_id,
                attempt: d.attempt,
                label: d.label,
                population_sha256: d.population_sha256,
                officers_sha256: d.officers_sha256,
                conflicts_sha256: d.conflicts_sha256,
                frozen_at: d.frozen_at,
                frozen_by: d.frozen_by,
                randomness: d.randomness,
                witnesses: d.witnesses,
                seeded_at: d.seeded_at,
                seeded_by: d.seeded_by,
                result_sha256: d.result_sha256,
                executed_at: d.executed_at,
                executed_by: d.executed_by,
                redraw_of: d.redraw_of,
                redraw_reason: d.redraw_reason,
                approved_by: d.approved_by,
                record,
            });
        }
    }
    zip.open("draws/attempts.jsonl", true)?;
    for line in &lines {
        zip.line(line)?;
    }
    counts.draw_attempts = lines.len() as u64;
    Ok(())
}

/// Every form version of the year's tasks: a line each, then each form exactly as stored.
async fn write_inspections<W: Write + Seek>(
    db: &Db,
    scope: &Scope,
    zip: &mut Builder<W>,
    counts: &mut Counts,
    subjects: &mut HashSet<String>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<()> {
    let section = scope.inspections();
    counts.inspections = section
        .write_lines(
            db,
            "i.id, i.task_id, i.version, i.status, i.form_sha256, i.created_by, i.created_at, \
             i.updated_at, i.submitted_by, i.submitted_at, i.reviewed_by, i.reviewed_at, \
             i.review_comment",
            zip,
            INSPECTIONS_FILE,
            progress,
            |i: &mut InspectionLine| {
                i.form_file = form_file(i.task_id, i.version);
                subjects.insert(format!("inspection:{}", i.id));
            },
        )
        .await?;
    section
        .each_row(
            db,
            "i.id, i.task_id, i.version, i.form",
            progress,
            |f: FormRow| zip.put(&form_file(f.task_id, f.version), f.form.as_bytes(), true),
        )
        .await?;
    Ok(())
}

/// The evidence's lines, then each distinct original file, read from the database one at a time.
async fn write_evidence<W: Write + Seek>(
    db: &Db,
    scope: &Scope,
    zip: &mut Builder<W>,
    counts: &mut Counts,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<()> {
    let mut seen: HashSet<String> = HashSet::new();
    // The first evidence row of each distinct file, and the file's path.
    let mut originals: Vec<(i64, String)> = Vec::new();
    counts.evidence = scope
        .evidence()
        .write_lines(
            db,
            "e.id, e.inspection_id, i.task_id, e.item, e.kind, e.file_name, e.media_type, \
             e.size, e.sha256, e.taken_at, e.lat, e.lon, e.signer, e.uploaded_by, e.uploaded_at",
            zip,
            "inspections/evidence.jsonl",
            progress,
            |e: &mut EvidenceLine| {
                e.file = evidence_file(&e.sha256, &e.media_type, &e.file_name);
                if seen.insert(e.file.clone()) {
                    originals.push((e.id, e.file.clone()));
                }
            },
        )
        .await?;
    for (id, path) in &originals {
        let Some((_, bytes)) = inspections::evidence_content(db, *id).await? else {
            return Err(StoreError::NotFound(format!("evidence {id}")));
        };
        zip.put(path, &bytes, false)?;
        progress(Progress::Done(1));
    }
    counts.evidence_files = originals.len() as u64;
    Ok(())
}

/// The audit events about the archive's records ([`AUDIT_SCOPE`]), read through the whole log
/// in order: those about `subjects` whenever they happened, and those about the agencies of
/// `codes` and their lists during the year.
async fn write_audit<W: Write + Seek>(
    db: &Db,
    scope: &Scope,
    zip: &mut Builder<W>,
    counts: &mut Counts,
    subjects: &HashSet<String>,
    codes: &HashSet<&str>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<()> {
    let about_scope = |subject: &str| match subject.split_once(':') {
        Some(("agency", code)) => codes.contains(code),
        // List imports and filings: `list:<agency code>:<kind>[:<period>]`.
        Some(("list", rest)) => codes.contains(rest.split(':').next().unwrap_or("")),
        _ => false,
    };
    zip.open(AUDIT_FILE, true)?;
    scope
        .audit_log()
        .each_row(
            db,
            "seq, at, actor, action, subject, payload, prev_hash, hash",
            progress,
            |e: AuditLine| {
                let in_year = e.at >= scope.start && e.at < scope.end;
                if subjects.contains(&e.subject) || (in_year && about_scope(&e.subject)) {
                    counts.audit_events += 1;
                    zip.line(&e)?;
                }
                Ok(())
            },
        )
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Verifying.

/// A reader that hashes and counts what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    size: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

/// The sum of the files' sizes (a manifest may claim any size: no overflow).
fn total_size(files: &[FileEntry]) -> u64 {
    files.iter().fold(0, |sum, f| sum.saturating_add(f.size))
}

fn broken(file: &str, what: impl Into<String>) -> Verdict {
    Verdict::Broken(Problem {
        file: file.to_string(),
        what: what.into(),
    })
}

/// Reads a whole small file of the archive (the manifest and its hash), at most `limit` bytes.
fn read_whole<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    name: &str,
    limit: u64,
) -> std::result::Result<Vec<u8>, Verdict> {
    let file = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => {
            return Err(broken(name, "missing from the archive"))
        }
        Err(e) => return Err(broken(name, format!("cannot be read: {e}"))),
    };
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| broken(name, format!("cannot be read: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(broken(name, format!("larger than {limit} bytes")));
    }
    Ok(bytes)
}

/// What a file's content must also satisfy, beyond its size and SHA-256.
enum ContentCheck {
    None,
    /// A draw record: recomputed with the draw engine.
    Draw,
    /// Named by its SHA-256.
    Evidence(String),
    /// Every audit event's hash matches its content.
    Audit,
    /// The forms' recorded hashes, checked against the form files.
    Inspections,
}

fn content_check(path: &str) -> ContentCheck {
    if path.starts_with("draws/") && path.ends_with(".json") {
        ContentCheck::Draw
    } else if let Some(name) = path.strip_prefix("evidence/") {
        ContentCheck::Evidence(name.split('.').next().unwrap_or("").to_string())
    } else if path == AUDIT_FILE {
        ContentCheck::Audit
    } else if path == INSPECTIONS_FILE {
        ContentCheck::Inspections
    } else {
        ContentCheck::None
    }
}

/// What reading one file found.
#[derive(Default)]
struct Findings {
    /// The first problem with the content, reported only when size and SHA-256 agree.
    problem: Option<String>,
    draws: u64,
    events: u64,
    /// (form file, recorded hash) of the submitted, accepted and superseded versions.
    forms: Vec<(String, String)>,
}

fn read_content<R: Read>(reader: &mut R, check: &ContentCheck) -> std::io::Result<Findings> {
    let mut found = Findings::default();
    match check {
        ContentCheck::None | ContentCheck::Evidence(_) => {
            std::io::copy(reader, &mut std::io::sink())?;
        }
        ContentCheck::Draw => {
            let mut bytes = Vec::new();
            reader.read_to_end(&mut bytes)?;
            let Ok(text) = String::from_utf8(bytes) else {
                found.problem = Some("not a draw record: not UTF-8 text".into());
                return Ok(found);
            };
            found.problem = match spotcheck_draw::verify_json(&text) {
                Ok(spotcheck_draw::Verification::Agrees) => {
                    found.draws = 1;
                    None
                }
                Ok(spotcheck_draw::Verification::Differs {
                    field,
                    expected,
                    found,
                }) => Some(format!(
                    "the draw does not verify: differs at {field} (recomputed {expected}, recorded {found})"
                )),
                Err(e) => Some(format!("not a draw record: {e}")),
            };
        }
        ContentCheck::Audit | ContentCheck::Inspections => {
            let mut lines = BufReader::new(reader);
            let mut line = String::new();
            let mut number = 0u64;
            loop {
                line.clear();
                if lines.read_line(&mut line)? == 0 {
                    break;
                }
                number += 1;
                if found.problem.is_some() {
                    continue;
                }
                if matches!(check, ContentCheck::Audit) {
                    found.problem = check_event(&line, number);
                    found.events += u64::from(found.problem.is_none());
                } else {
                    match serde_json::from_str::<InspectionLine>(&line) {
                        Ok(i) => {
                            let recorded = ["submitted", "accepted", "superseded"]
                                .contains(&i.status.as_str());
                            if let (true, Some(sha)) = (recorded, i.form_sha256) {
                                found.forms.push((i.form_file, sha));
                            }
                        }
                        Err(e) => found.problem = Some(format!("line {number}: {e}")),
                    }
                }
            }
        }
    }
    Ok(found)
}

/// The problem with the audit event on line `number`, if any.
fn check_event(line: &str, number: u64) -> Option<String> {
    let e: AuditLine = match serde_json::from_str(line) {
        Ok(e) => e,
        Err(e) => return Some(format!("line {number}: {e}")),
    };
    let hash = audit::event_hash(
        &e.prev_hash,
        e.seq,
        e.at,
        &e.actor,
        &e.action,
        &e.subject,
        &e.payload,
    );
    (hash != e.hash).then(|| format!("audit event {}: its hash does not match its content", e.seq))
}

/// Checks an archive (R-REP-4): `manifest.sha256` against `manifest.json`, every file's size and
/// SHA-256 against the manifest, that no file is missing or extra, every draw record by drawing
/// again, every submitted form against the hash recorded at submission, every evidence file
/// against its name and every audit event against its hash. `Err` when the file is no zip at
/// all; otherwise the verdict, naming the first problem. `progress` hears bytes.
pub fn verify<R: Read + Seek>(reader: R, progress: &(dyn Fn(Progress) + Sync)) -> Result<Verdict> {
    let mut zip = ZipArchive::new(reader).map_err(unreadable)?;
    let mut names = BTreeSet::new();
    for i in 0..zip.len() {
        let name = match zip.name_for_index(i) {
            Some(name) => name.map_err(unreadable)?.into_owned(),
            None => return Err(unreadable(format!("no entry {i}"))),
        };
        if !names.insert(name.clone()) {
            return Ok(broken(&name, "appears twice in the archive"));
        }
    }
    let text = match read_whole(&mut zip, MANIFEST, MANIFEST_LIMIT) {
        Ok(t) => t,
        Err(v) => return Ok(v),
    };
    let listed = match read_whole(&mut zip, MANIFEST_SHA256, 4_096) {
        Ok(t) => t,
        Err(v) => return Ok(v),
    };
    let manifest_sha256 = crate::sha256_hex(&text);
    let expected = String::from_utf8_lossy(&listed)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if expected != manifest_sha256 {
        return Ok(broken(
            MANIFEST,
            format!("its SHA-256 is {manifest_sha256}, manifest.sha256 says {expected}"),
        ));
    }
    let manifest: Manifest = match serde_json::from_slice(&text) {
        Ok(m) => m,
        Err(e) => return Ok(broken(MANIFEST, format!("not a manifest: {e}"))),
    };
    if manifest.format != FORMAT {
        return Ok(broken(
            MANIFEST,
            format!("format {:?}, expected {FORMAT:?}", manifest.format),
        ));
    }
    let mut in_manifest = HashSet::new();
    for f in &manifest.files {
        if f.path == MANIFEST || f.path == MANIFEST_SHA256 {
            return Ok(broken(
                MANIFEST,
                format!("lists {} among the files", f.path),
            ));
        }
        if !in_manifest.insert(f.path.as_str()) {
            return Ok(broken(&f.path, "listed twice in the manifest"));
        }
        if !names.contains(&f.path) {
            return Ok(broken(
                &f.path,
                "listed in the manifest but missing from the archive",
            ));
        }
    }
    // Folder entries hold nothing (a zip re-made from the unpacked files has them).
    let extra = names.iter().find(|n| {
        !in_manifest.contains(n.as_str())
            && !n.ends_with('/')
            && *n != MANIFEST
            && *n != MANIFEST_SHA256
    });
    if let Some(extra) = extra {
        return Ok(broken(extra, "in the archive but not in the manifest"));
    }
    progress(Progress::Total(total_size(&manifest.files)));

    let mut draws_verified = 0;
    let mut events = 0;
    let mut forms = Vec::new();
    for entry in &manifest.files {
        let file = match zip.by_name(&entry.path) {
            Ok(f) => f,
            Err(e) => return Ok(broken(&entry.path, format!("cannot be read: {e}"))),
        };
        // A file longer than the manifest says is read no further than one byte past its size
        // (a zip may claim anything; this bounds the work).
        let mut hashing = Hashing {
            inner: file.take(entry.size.saturating_add(1)),
            hasher: Sha256::new(),
            size: 0,
        };
        let check = content_check(&entry.path);
        let found = match read_content(&mut hashing, &check) {
            Ok(f) => f,
            Err(e) => return Ok(broken(&entry.path, format!("cannot be read: {e}"))),
        };
        let sha256 = hex::encode(hashing.hasher.finalize());
        if hashing.size != entry.size {
            return Ok(broken(
                &entry.path,
                format!("{} bytes, the manifest says {}", hashing.size, entry.size),
            ));
        }
        if sha256 != entry.sha256 {
            return Ok(broken(
                &entry.path,
                format!("SHA-256 {sha256}, the manifest says {}", entry.sha256),
            ));
        }
        if let Some(problem) = found.problem {
            return Ok(broken(&entry.path, problem));
        }
        if let ContentCheck::Evidence(name) = &check {
            if *name != sha256 {
                return Ok(broken(
                    &entry.path,
                    format!("its content's SHA-256 is {sha256}, not the one it is named by"),
                ));
            }
        }
        draws_verified += found.draws;
        events += found.events;
        forms.extend(found.forms);
        progress(Progress::Done(entry.size));
    }
    let hashes: BTreeMap<&str, &str> = manifest
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.sha256.as_str()))
        .collect();
    for (path, recorded) in &forms {
        match hashes.get(path.as_str()) {
            None => return Ok(broken(path, "a submitted form missing from the archive")),
            Some(sha) if sha != recorded => {
                return Ok(broken(
                    path,
                    format!("SHA-256 {sha}, but {recorded} was recorded when it was submitted"),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(Verdict::Intact(Box::new(Checked {
        files: manifest.files.len() as u64,
        bytes: total_size(&manifest.files),
        draws_verified,
        forms_checked: forms.len() as u64,
        audit_events_checked: events,
        manifest_sha256,
        manifest,
    })))
}

/// A zip entry's time (local date and time fields; UTC here).
pub(crate) fn zip_time(at: DateTime<Utc>) -> zip::DateTime {
    use chrono::{Datelike, Timelike};
    zip::DateTime::from_date_and_time(
        u16::try_from(at.year()).unwrap_or(1980),
        at.month() as u8,
        at.day() as u8,
        at.hour() as u8,
        at.minute() as u8,
        at.second() as u8,
    )
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draw_label_becomes_a_flat_file_name() {
        assert_eq!(
            draw_file("650109/2026Q2/key", 2),
            "draws/650109-2026Q2-key-attempt-2.json"
        );
    }

    #[test]
    fn evidence_is_named_by_its_hash_and_type() {
        assert_eq!(evidence_file("ab", "image/png", "x.PNG"), "evidence/ab.png");
        assert_eq!(evidence_file("ab", "image/jpeg", "x"), "evidence/ab.jpg");
        assert_eq!(
            evidence_file("ab", "text/plain", "a.TXT"),
            "evidence/ab.txt"
        );
        assert_eq!(evidence_file("ab", "text/plain", "a/b"), "evidence/ab.bin");
    }

    #[test]
    fn a_scope_joins_rows_to_the_tasks_of_the_years_draws() {
        let agency = Agency {
            id: 1,
            code: "650109".into(),
            parent_id: None,
            kind: "district_branch".into(),
            division_code: "650109".into(),
            path: "650100/650109/".into(),
            name_zh: String::new(),
            name_en: String::new(),
        };
        let scope = Scope::new(&agency, Year::new(2026).unwrap());
        assert_eq!(scope.path, "650100/650109/%");
        assert_eq!(scope.period, "2026%");
        assert_eq!(scope.end.to_rfc3339(), "2027-01-01T00:00:00+00:00");
        let r = scope.reassignments();
        assert!(
            r.from.starts_with(
                "FROM task_reassignment r JOIN task t ON t.id = r.task_id JOIN draw_record d"
            ),
            "{}",
            r.from
        );
        assert!(r
            .from
            .ends_with("WHERE a.path LIKE $1 AND p.period LIKE $2"));
    }
}
