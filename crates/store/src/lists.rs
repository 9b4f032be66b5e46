//! Writing and reading the six registry lists (R-LIST) through one path.
//!
//! Every record is written with [`upsert`]: it finds the stored record with the same natural key
//! (credit code, certificate number, approval number, decision number, or firm + quarter +
//! summary), inserts or updates the typed row that queries and draws use, and records the new
//! version in the history (as the JSON of the [`Record`]) only when something changed. So
//! re-importing the same file changes nothing, and every list can be read as it stood at any
//! moment.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use spotcheck_core::lists::{FirmRecord, ListKind, Record, UnitCategory};

use crate::{history, on_db, on_tx, Db, Result, StoreError, Tx};

/// What [`upsert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    New(i64),
    Changed(i64),
    Unchanged(i64),
}

impl Outcome {
    pub fn id(self) -> i64 {
        match self {
            Outcome::New(id) | Outcome::Changed(id) | Outcome::Unchanged(id) => id,
        }
    }
}

/// A firm named by a record that must already be on the source list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmRef {
    pub id: i64,
    pub agency_id: i64,
}

/// Looks up a firm by credit code.
pub async fn firm_by_code(tx: &mut Tx, code: &str) -> Result<Option<FirmRef>> {
    let row: Option<(i64, i64)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT id, agency_id FROM firm WHERE credit_code = $1"
    )
    .bind(code)
    .fetch_optional(&mut *c)
    .await?);
    Ok(row.map(|(id, agency_id)| FirmRef { id, agency_id }))
}

async fn agency_id_of(tx: &mut Tx, code: &str) -> Result<i64> {
    let id: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM agency WHERE code = $1"
    )
    .bind(code)
    .fetch_optional(&mut *c)
    .await?);
    id.ok_or_else(|| StoreError::NotFound(format!("agency {code}")))
}

/// The id and owning agency of the stored record with the same natural key, if any.
pub async fn existing(tx: &mut Tx, record: &Record) -> Result<Option<(i64, i64)>> {
    let found: Option<(i64, i64)> = match record {
        Record::Officer(o) => on_tx!(tx, |c| sqlx::query_as(
            "SELECT id, agency_id FROM officer WHERE certificate_no = $1"
        )
        .bind(&o.certificate_no)
        .fetch_optional(&mut *c)
        .await?),
        Record::Firm(f) => on_tx!(tx, |c| sqlx::query_as(
            "SELECT id, agency_id FROM firm WHERE credit_code = $1"
        )
        .bind(f.credit_code.as_str())
        .fetch_optional(&mut *c)
        .await?),
        Record::Project(p) => on_tx!(tx, |c| sqlx::query_as(
            "SELECT id, agency_id FROM project WHERE approval_no = $1"
        )
        .bind(&p.approval_no)
        .fetch_optional(&mut *c)
        .await?),
        Record::Penalty(p) => on_tx!(tx, |c| sqlx::query_as(
            "SELECT id, agency_id FROM penalty_case WHERE decision_no = $1"
        )
        .bind(&p.decision_no)
        .fetch_optional(&mut *c)
        .await?),
        Record::Complaint(k) => on_tx!(tx, |c| sqlx::query_as(
            "SELECT k.id, k.agency_id FROM complaint k JOIN firm f ON f.id = k.firm_id \
             WHERE f.credit_code = $1 AND k.quarter = $2 AND k.summary = $3"
        )
        .bind(k.credit_code.as_str())
        .bind(k.quarter.to_string())
        .bind(&k.summary)
        .fetch_optional(&mut *c)
        .await?),
        Record::Problem(k) => on_tx!(tx, |c| sqlx::query_as(
            "SELECT k.id, k.agency_id FROM key_problem k JOIN firm f ON f.id = k.firm_id \
             WHERE f.credit_code = $1 AND k.quarter = $2 AND k.summary = $3"
        )
        .bind(k.credit_code.as_str())
        .bind(k.quarter.to_string())
        .bind(&k.summary)
        .fetch_optional(&mut *c)
        .await?),
    };
    Ok(found)
}

async fn current_version_data(tx: &mut Tx, kind: ListKind, id: i64) -> Result<Option<String>> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT data FROM record_version WHERE kind = $1 AND record_id = $2 AND valid_to IS NULL"
    )
    .bind(kind.as_str())
    .bind(id)
    .fetch_optional(&mut *c)
    .await?))
}

/// The firm a case, complaint or problem names; it must be on the source list.
async fn named_firm(tx: &mut Tx, code: &str) -> Result<FirmRef> {
    firm_by_code(tx, code)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("firm {code}")))
}

/// Inserts or updates `record` for the agency `agency_id`, keeping its history. The officer list
/// names its own agency per row (所属机构); every other record belongs to `agency_id`, except
/// cases, complaints and problems, which belong to the agency of the firm they name.
pub async fn upsert(
    tx: &mut Tx,
    actor: &str,
    agency_id: i64,
    record: &Record,
    at: DateTime<Utc>,
) -> Result<Outcome> {
    let found = existing(tx, record).await?;
    upsert_found(tx, actor, agency_id, record, found, at).await
}

/// As [`upsert`], when the caller already looked up the stored record with the same natural key
/// ([`existing`]); an import does, to check its jurisdiction first.
pub async fn upsert_found(
    tx: &mut Tx,
    actor: &str,
    agency_id: i64,
    record: &Record,
    found: Option<(i64, i64)>,
    at: DateTime<Utc>,
) -> Result<Outcome> {
    let kind = record.kind();
    let data = to_json(record)?;
    let owner = match record {
        Record::Officer(o) => agency_id_of(tx, &o.agency).await?,
        Record::Penalty(p) => named_firm(tx, p.credit_code.as_str()).await?.agency_id,
        Record::Complaint(k) => named_firm(tx, k.credit_code.as_str()).await?.agency_id,
        Record::Problem(k) => named_firm(tx, k.credit_code.as_str()).await?.agency_id,
        _ => agency_id,
    };
    let outcome = match found {
        Some((id, _)) => {
            if current_version_data(tx, kind, id).await?.as_deref() == Some(data.as_str()) {
                return Ok(Outcome::Unchanged(id));
            }
            write_row(tx, Some(id), owner, record, at).await?;
            Outcome::Changed(id)
        }
        None => Outcome::New(write_row(tx, None, owner, record, at).await?),
    };
    let is_new = matches!(outcome, Outcome::New(_));
    history::record_json(
        tx,
        kind.as_str(),
        outcome.id(),
        owner,
        &data,
        actor,
        at,
        is_new,
    )
    .await?;
    Ok(outcome)
}

fn category_columns(category: &UnitCategory) -> (&'static str, Option<i64>) {
    match category {
        UnitCategory::Key { directory_year } => ("key", Some(i64::from(directory_year.value()))),
        UnitCategory::General => ("general", None),
    }
}

/// The table of a list's typed rows and the columns [`push_new_row`] gives a new row's values
/// for, in order.
fn new_row_columns(kind: ListKind) -> (&'static str, &'static str) {
    match kind {
        ListKind::Officers => (
            "officer",
            "agency_id, name, certificate_no, certified_until, on_duty, created_at, updated_at",
        ),
        ListKind::Firms => (
            "firm",
            "agency_id, credit_code, name, address, division_code, industry_code, category, \
             key_directory_year, lon, lat, status, created_at, updated_at",
        ),
        ListKind::Projects => (
            "project",
            "agency_id, firm_id, name, developer, approval_level, approval_no, approval_date, eia_form, created_at",
        ),
        ListKind::Penalties => (
            "penalty_case",
            "agency_id, firm_id, decision_no, decided_on, violation, measures, created_at",
        ),
        ListKind::Complaints => (
            "complaint",
            "agency_id, firm_id, quarter, times_received, summary, created_at",
        ),
        ListKind::Problems => (
            "key_problem",
            "agency_id, firm_id, quarter, summary, reported_by, created_at",
        ),
    }
}

/// The values of a new typed row of `record` in the order of [`new_row_columns`]: owned by
/// `agency_id`, naming the firm `firm` (projects, cases, complaints and problems), created `at`.
fn push_new_row<'q, DB: sqlx::Database>(
    row: &mut sqlx::query_builder::Separated<'_, 'q, DB, &'static str>,
    record: &'q Record,
    agency_id: i64,
    firm: Option<i64>,
    at: DateTime<Utc>,
) where
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<f64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    NaiveDate: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    match record {
        Record::Officer(o) => {
            row.push_bind(agency_id)
                .push_bind(&o.name)
                .push_bind(&o.certificate_no)
                .push_bind(o.certified_until)
                .push_bind(o.on_duty)
                .push_bind(at)
                .push_bind(at);
        }
        Record::Firm(f) => push_firm(row, agency_id, f, at),
        Record::Project(p) => {
            row.push_bind(agency_id)
                .push_bind(firm)
                .push_bind(&p.name)
                .push_bind(p.developer.as_deref())
                .push_bind(p.approving_level.as_str())
                .push_bind(&p.approval_no)
                .push_bind(p.approved_on)
                .push_bind(p.eia_form.as_str())
                .push_bind(at);
        }
        Record::Penalty(p) => {
            let measures: Vec<&str> = p.measures.iter().map(|m| m.as_str()).collect();
            row.push_bind(agency_id)
                .push_bind(firm)
                .push_bind(&p.decision_no)
                .push_bind(p.decided_on)
                .push_bind(&p.violation)
                .push_bind(measures.join(","))
                .push_bind(at);
        }
        Record::Complaint(k) => {
            row.push_bind(agency_id)
                .push_bind(firm)
                .push_bind(k.quarter.to_string())
                .push_bind(i64::from(k.times_received))
                .push_bind(&k.summary)
                .push_bind(at);
        }
        Record::Problem(k) => {
            row.push_bind(agency_id)
                .push_bind(firm)
                .push_bind(k.quarter.to_string())
                .push_bind(&k.summary)
                .push_bind(k.reported_by.clone().unwrap_or_default())
                .push_bind(at);
        }
    }
}

/// The credit code of the firm `record` names, if it names one: cases, complaints and problems
/// must, a project may.
fn named_code(record: &Record) -> Option<&str> {
    match record {
        Record::Project(p) => p.credit_code.as_ref().map(|c| c.as_str()),
        Record::Penalty(p) => Some(p.credit_code.as_str()),
        Record::Complaint(k) => Some(k.credit_code.as_str()),
        Record::Problem(k) => Some(k.credit_code.as_str()),
        Record::Officer(_) | Record::Firm(_) => None,
    }
}

/// The firm `record` names, by id: a project naming a firm not on the list names none; a case,
/// complaint or problem must name a listed one.
async fn firm_named_by(tx: &mut Tx, record: &Record) -> Result<Option<i64>> {
    let Some(code) = named_code(record) else {
        return Ok(None);
    };
    if matches!(record, Record::Project(_)) {
        return Ok(firm_by_code(tx, code).await?.map(|f| f.id));
    }
    Ok(Some(named_firm(tx, code).await?.id))
}

/// Inserts (`id` None) or updates the typed row of `record`; returns its id.
async fn write_row(
    tx: &mut Tx,
    id: Option<i64>,
    agency_id: i64,
    record: &Record,
    at: DateTime<Utc>,
) -> Result<i64> {
    let firm = firm_named_by(tx, record).await?;
    let new_id = match id {
        None => {
            let (table, columns) = new_row_columns(record.kind());
            on_tx!(tx, |c| {
                let mut q = sqlx::QueryBuilder::new(format!("INSERT INTO {table} ({columns}) "));
                q.push_values([record], |mut row, record| {
                    push_new_row(&mut row, record, agency_id, firm, at);
                });
                q.push(" RETURNING id");
                q.build_query_scalar().fetch_one(&mut *c).await?
            })
        }
        Some(id) => update_row(tx, id, agency_id, record, firm, at).await?,
    };
    if matches!(
        record,
        Record::Penalty(_) | Record::Complaint(_) | Record::Problem(_)
    ) {
        crate::special::mark(tx, record, new_id, at).await?;
    }
    Ok(new_id)
}

/// Updates the typed row `id` of `record` (rows other than officers' and firms' keep their
/// creation time); returns its id.
async fn update_row(
    tx: &mut Tx,
    id: i64,
    agency_id: i64,
    record: &Record,
    firm: Option<i64>,
    at: DateTime<Utc>,
) -> Result<i64> {
    Ok(match record {
        Record::Officer(o) => on_tx!(tx, |c| {
            sqlx::query_scalar(
                "UPDATE officer SET agency_id = $1, name = $2, certificate_no = $3, certified_until = $4, \
                 on_duty = $5, updated_at = $6 WHERE id = $7 RETURNING id",
            )
            .bind(agency_id)
            .bind(&o.name)
            .bind(&o.certificate_no)
            .bind(o.certified_until)
            .bind(o.on_duty)
            .bind(at)
            .bind(id)
            .fetch_one(&mut *c)
            .await?
        }),
        Record::Firm(f) => {
            let (category, year) = category_columns(&f.category);
            on_tx!(tx, |c| {
                sqlx::query_scalar(
                    "UPDATE firm SET agency_id = $1, credit_code = $2, name = $3, address = $4, division_code = $5, \
                     industry_code = $6, category = $7, key_directory_year = $8, lon = $9, lat = $10, status = $11, \
                     updated_at = $12 WHERE id = $13 RETURNING id",
                )
                .bind(agency_id)
                .bind(f.credit_code.as_str())
                .bind(&f.name)
                .bind(&f.address)
                .bind(f.division.as_str())
                .bind(f.industry.as_str())
                .bind(category)
                .bind(year)
                .bind(f.lon)
                .bind(f.lat)
                .bind(f.status.as_str())
                .bind(at)
                .bind(id)
                .fetch_one(&mut *c)
                .await?
            })
        }
        Record::Project(p) => on_tx!(tx, |c| {
            sqlx::query_scalar(
                "UPDATE project SET agency_id = $1, firm_id = $2, name = $3, developer = $4, approval_level = $5, \
                 approval_no = $6, approval_date = $7, eia_form = $8 WHERE id = $9 RETURNING id",
            )
            .bind(agency_id)
            .bind(firm)
            .bind(&p.name)
            .bind(&p.developer)
            .bind(p.approving_level.as_str())
            .bind(&p.approval_no)
            .bind(p.approved_on)
            .bind(p.eia_form.as_str())
            .bind(id)
            .fetch_one(&mut *c)
            .await?
        }),
        Record::Penalty(p) => {
            let measures: Vec<&str> = p.measures.iter().map(|m| m.as_str()).collect();
            on_tx!(tx, |c| {
                sqlx::query_scalar(
                    "UPDATE penalty_case SET agency_id = $1, firm_id = $2, decision_no = $3, decided_on = $4, \
                     violation = $5, measures = $6 WHERE id = $7 RETURNING id",
                )
                .bind(agency_id)
                .bind(firm)
                .bind(&p.decision_no)
                .bind(p.decided_on)
                .bind(&p.violation)
                .bind(measures.join(","))
                .bind(id)
                .fetch_one(&mut *c)
                .await?
            })
        }
        Record::Complaint(k) => on_tx!(tx, |c| {
            sqlx::query_scalar(
                "UPDATE complaint SET agency_id = $1, firm_id = $2, quarter = $3, times_received = $4, \
                 summary = $5 WHERE id = $6 RETURNING id",
            )
            .bind(agency_id)
            .bind(firm)
            .bind(k.quarter.to_string())
            .bind(i64::from(k.times_received))
            .bind(&k.summary)
            .bind(id)
            .fetch_one(&mut *c)
            .await?
        }),
        Record::Problem(k) => on_tx!(tx, |c| {
            sqlx::query_scalar(
                "UPDATE key_problem SET agency_id = $1, firm_id = $2, quarter = $3, summary = $4, \
                 reported_by = $5 WHERE id = $6 RETURNING id",
            )
            .bind(agency_id)
            .bind(firm)
            .bind(k.quarter.to_string())
            .bind(&k.summary)
            .bind(k.reported_by.clone().unwrap_or_default())
            .bind(id)
            .fetch_one(&mut *c)
            .await?
        }),
    })
}

/// One stored record as a list page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stored {
    pub id: i64,
    pub agency_id: i64,
    pub record: Record,
}

/// The current records of `kind` within the agencies whose path starts with `path_prefix`, a
/// page at a time in id order.
pub async fn page(
    db: &Db,
    kind: ListKind,
    path_prefix: &str,
    after_id: Option<i64>,
    limit: i64,
) -> Result<crate::firms::Page<Stored>> {
    search(db, kind, path_prefix, None, None, after_id, limit).await
}

/// The statement of [`search`]: `$1` kind, `$2` path pattern, `$3` after id, `$4` limit, then
/// the moment (`as_of`) and the LIKE pattern (`text`) when asked for.
pub(crate) fn search_sql(as_of: bool, text: bool) -> String {
    let when = if as_of {
        "v.valid_from <= $5 AND (v.valid_to IS NULL OR v.valid_to > $5)"
    } else {
        "v.valid_to IS NULL"
    };
    // The text parameter comes after the optional time parameter.
    let text_param = if as_of { 6 } else { 5 };
    let matching = if text {
        format!("AND v.data LIKE ${text_param} ESCAPE '\\'")
    } else {
        String::new()
    };
    format!(
        "SELECT v.record_id, v.agency_id, v.data FROM record_version v JOIN agency a ON a.id = v.agency_id \
         WHERE v.kind = $1 AND {when} AND a.path LIKE $2 AND v.record_id > $3 {matching} \
         ORDER BY v.record_id LIMIT $4"
    )
}

/// As [`page`], as the list stood at `as_of` when given (R-LIST: the state a draw used stays
/// reproducible), keeping only the records whose text contains `text` (any field). The lists
/// other than firms are small (hundreds to thousands of rows per agency), so a scan is fine;
/// firms have an indexed search of their own ([`crate::firms::search`]).
pub async fn search(
    db: &Db,
    kind: ListKind,
    path_prefix: &str,
    as_of: Option<DateTime<Utc>>,
    text: Option<&str>,
    after_id: Option<i64>,
    limit: i64,
) -> Result<crate::firms::Page<Stored>> {
    let limit = limit.clamp(1, 5_000);
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    let sql = search_sql(as_of.is_some(), text.is_some());
    let rows: Vec<(i64, i64, String)> = on_db!(db, |p| {
        let query = sqlx::query_as(&sql)
            .bind(kind.as_str())
            .bind(format!("{path_prefix}%"))
            .bind(after_id.unwrap_or(0))
            .bind(limit + 1);
        let query = match as_of {
            Some(at) => query.bind(at),
            None => query,
        };
        let query = match text {
            Some(t) => query.bind(crate::firms::like_pattern(t)),
            None => query,
        };
        query.fetch_all(p).await?
    });
    let items = rows
        .into_iter()
        .map(|(id, agency_id, data)| {
            serde_json::from_str(&data)
                .map(|record| Stored {
                    id,
                    agency_id,
                    record,
                })
                .map_err(|e| StoreError::Invalid(format!("stored {kind} {id}: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(crate::firms::Page::of(items, limit, |s| s.id))
}

/// One current record by id.
pub async fn get(db: &Db, kind: ListKind, id: i64) -> Result<Option<Stored>> {
    let row: Option<(i64, i64, String)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT record_id, agency_id, data FROM record_version WHERE kind = $1 AND record_id = $2 AND valid_to IS NULL"
    )
    .bind(kind.as_str())
    .bind(id)
    .fetch_optional(p)
    .await?
    });
    row.map(|(id, agency_id, data)| {
        serde_json::from_str(&data)
            .map(|record| Stored {
                id,
                agency_id,
                record,
            })
            .map_err(|e| StoreError::Invalid(format!("stored {kind} {id}: {e}")))
    })
    .transpose()
}

/// The values of one firm row of [`insert_new_firms`], in its column order.
fn push_firm<'q, DB: sqlx::Database>(
    row: &mut sqlx::query_builder::Separated<'_, 'q, DB, &'static str>,
    agency_id: i64,
    f: &'q FirmRecord,
    at: DateTime<Utc>,
) where
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<f64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let (category, year) = category_columns(&f.category);
    row.push_bind(agency_id)
        .push_bind(f.credit_code.as_str())
        .push_bind(&f.name)
        .push_bind(&f.address)
        .push_bind(f.division.as_str())
        .push_bind(f.industry.as_str())
        .push_bind(category)
        .push_bind(year)
        .push_bind(f.lon)
        .push_bind(f.lat)
        .push_bind(f.status.as_str())
        .push_bind(at)
        .push_bind(at);
}

/// Firms per statement of [`insert_new_firms`]: 13 parameters each stays below SQLite's and
/// PostgreSQL's limits on bound parameters.
const FIRM_BATCH: usize = 1_000;

/// Inserts firms known not to be stored yet (no firm with their credit codes exists), each with
/// its first version, a thousand rows per statement: the bulk path of the demo generator and of
/// large first loads. Returns how many were inserted.
pub async fn insert_new_firms(
    tx: &mut Tx,
    actor: &str,
    firms: &[(i64, FirmRecord)],
    at: DateTime<Utc>,
) -> Result<u64> {
    let mut inserted = 0;
    for chunk in firms.chunks(FIRM_BATCH) {
        let records: Vec<Record> = chunk.iter().map(|(_, f)| Record::Firm(f.clone())).collect();
        let rows: Vec<NewRow> = chunk
            .iter()
            .zip(&records)
            .map(|((agency_id, _), record)| NewRow {
                record,
                owner: *agency_id,
                firm: None,
            })
            .collect();
        inserted += insert_new_rows(tx, ListKind::Firms, &rows, actor, at)
            .await?
            .len() as u64;
    }
    Ok(inserted)
}

/// A new record of one list for [`insert_new_rows`]: its owning agency and the firm it names.
#[derive(Clone, Copy)]
struct NewRow<'a> {
    record: &'a Record,
    owner: i64,
    firm: Option<i64>,
}

/// Inserts new records of `kind` (at most [`FIRM_BATCH`]) in one statement with ids reserved
/// for them ([`reserve_ids`]), and their first versions in another; returns their ids in order.
async fn insert_new_rows(
    tx: &mut Tx,
    kind: ListKind,
    rows: &[NewRow<'_>],
    actor: &str,
    at: DateTime<Utc>,
) -> Result<Vec<i64>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let (table, columns) = new_row_columns(kind);
    let ids = reserve_ids(tx, table, rows.len()).await?;
    on_tx!(tx, |c| {
        let mut q = sqlx::QueryBuilder::new(format!("INSERT INTO {table} (id, {columns}) "));
        q.push_values(rows.iter().zip(&ids), |mut row, (r, id)| {
            row.push_bind(*id);
            push_new_row(&mut row, r.record, r.owner, r.firm, at);
        });
        q.build().execute(&mut *c).await?.rows_affected()
    });
    let versions = rows
        .iter()
        .zip(&ids)
        .map(|(r, id)| Ok((*id, r.owner, to_json(r.record)?)))
        .collect::<Result<Vec<_>>>()?;
    insert_first_versions(tx, kind, &versions, actor, at).await?;
    Ok(ids)
}

/// Of these credit codes, the firms stored already: credit code → (id, owning agency).
pub async fn stored_firms(
    tx: &mut Tx,
    codes: &[&str],
) -> Result<std::collections::HashMap<String, (i64, i64)>> {
    let mut out = std::collections::HashMap::new();
    for chunk in codes.chunks(FIRM_BATCH) {
        let found: Vec<(String, i64, i64)> = on_tx!(tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "SELECT credit_code, id, agency_id FROM firm WHERE credit_code IN (",
            );
            let mut list = q.separated(", ");
            for code in chunk {
                list.push_bind(*code);
            }
            q.push(")");
            q.build_query_as().fetch_all(&mut *c).await?
        });
        out.extend(
            found
                .into_iter()
                .map(|(code, id, agency)| (code, (id, agency))),
        );
    }
    Ok(out)
}

/// The current versions (as JSON) of these records of `kind`: id → data.
async fn current_versions(
    tx: &mut Tx,
    kind: ListKind,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(FIRM_BATCH) {
        let found: Vec<(i64, String)> = on_tx!(tx, |c| {
            let mut q =
                sqlx::QueryBuilder::new("SELECT record_id, data FROM record_version WHERE kind = ");
            q.push_bind(kind.as_str());
            q.push(" AND valid_to IS NULL AND record_id IN (");
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            q.push(")");
            q.build_query_as().fetch_all(&mut *c).await?
        });
        out.extend(found);
    }
    Ok(out)
}

/// How many records [`put_firms`] or [`put_records`] added, changed and left alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
}

impl Counts {
    /// Counts what [`upsert`] did with one record.
    pub fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::New(_) => self.new += 1,
            Outcome::Changed(_) => self.changed += 1,
            Outcome::Unchanged(_) => self.unchanged += 1,
        }
    }
}

/// Writes many firms as [`upsert`] would, one record at a time, but in bulk: the stored firms
/// with the same credit codes are looked up in `stored` (from [`stored_firms`]), new firms are
/// inserted a thousand per statement ([`insert_new_firms`]), stored firms whose current version
/// equals the record are left alone (compared a thousand at a time) and the rest are updated one
/// by one with their history. Each firm is `(owning agency, record)`.
pub async fn put_firms(
    tx: &mut Tx,
    actor: &str,
    firms: &[(i64, FirmRecord)],
    stored: &std::collections::HashMap<String, (i64, i64)>,
    at: DateTime<Utc>,
) -> Result<Counts> {
    let mut counts = Counts::default();
    let (old, new): (Vec<_>, Vec<_>) = firms
        .iter()
        .partition(|(_, f)| stored.contains_key(f.credit_code.as_str()));
    let new: Vec<(i64, FirmRecord)> = new.into_iter().cloned().collect();
    counts.new = insert_new_firms(tx, actor, &new, at).await? as usize;
    let ids: Vec<i64> = old
        .iter()
        .filter_map(|(_, f)| stored.get(f.credit_code.as_str()).map(|s| s.0))
        .collect();
    let current = current_versions(tx, ListKind::Firms, &ids).await?;
    for ((agency, f), id) in old.into_iter().zip(ids) {
        let record = Record::Firm(f.clone());
        let data = to_json(&record)?;
        if current.get(&id) == Some(&data) {
            counts.unchanged += 1;
            continue;
        }
        write_row(tx, Some(id), *agency, &record, at).await?;
        history::record_json(
            tx,
            ListKind::Firms.as_str(),
            id,
            *agency,
            &data,
            actor,
            at,
            false,
        )
        .await?;
        counts.changed += 1;
    }
    Ok(counts)
}

/// A record as its history keeps it.
fn to_json(record: &Record) -> Result<String> {
    serde_json::to_string(record).map_err(|e| StoreError::Invalid(e.to_string()))
}

/// Inserts the first versions of new records of `kind` in one statement: `(record id, owning
/// agency, JSON of the record)` each.
async fn insert_first_versions(
    tx: &mut Tx,
    kind: ListKind,
    versions: &[(i64, i64, String)],
    actor: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    if versions.is_empty() {
        return Ok(());
    }
    on_tx!(tx, |c| {
        let mut q = sqlx::QueryBuilder::new(
            "INSERT INTO record_version (kind, record_id, agency_id, version, valid_from, valid_to, data, changed_by) ",
        );
        q.push_values(versions, |mut row, (id, agency_id, data)| {
            row.push_bind(kind.as_str())
                .push_bind(*id)
                .push_bind(*agency_id)
                .push_bind(1i64)
                .push_bind(at)
                .push_bind(None::<DateTime<Utc>>)
                .push_bind(data.as_str())
                .push_bind(actor);
        });
        q.build().execute(&mut *c).await?.rows_affected()
    });
    Ok(())
}

/// `n` ids for new rows of `table`, which this transaction then inserts with them.
async fn reserve_ids(tx: &mut Tx, table: &'static str, n: usize) -> Result<Vec<i64>> {
    Ok(match tx {
        // The transaction holds SQLite's write lock from its start (`Db::begin`): nobody else
        // adds a row meanwhile.
        Tx::Sqlite(c) => {
            let last: i64 =
                sqlx::query_scalar(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"))
                    .fetch_one(&mut **c)
                    .await?;
            (last + 1..=last + n as i64).collect()
        }
        // Taken from the column's own sequence, so that rows inserted later without an id (by
        // [`upsert`]) do not collide with them.
        Tx::Pg(c) => {
            sqlx::query_scalar(
                "SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)",
            )
            .bind(table)
            .bind(n as i64)
            .fetch_all(&mut **c)
            .await?
        }
    })
}

/// The natural key of a record of the lists other than firms, as [`stored_keys`] reads it back:
/// certificate, approval or decision number, or firm id, quarter and summary.
fn natural_key(record: &Record, firm: Option<i64>) -> Option<String> {
    match record {
        Record::Officer(o) => Some(o.certificate_no.clone()),
        Record::Project(p) => Some(p.approval_no.clone()),
        Record::Penalty(p) => Some(p.decision_no.clone()),
        Record::Complaint(k) => firm.map(|f| format!("{f}|{}|{}", k.quarter, k.summary)),
        Record::Problem(k) => firm.map(|f| format!("{f}|{}|{}", k.quarter, k.summary)),
        Record::Firm(_) => None,
    }
}

/// The stored records of `kind` (not firms) with any of these natural keys ([`natural_key`]),
/// each given with the firm it names when the key includes one: key → id.
async fn stored_keys(
    tx: &mut Tx,
    kind: ListKind,
    keys: &[(String, Option<i64>)],
) -> Result<std::collections::HashMap<String, i64>> {
    let (table, _) = new_row_columns(kind);
    // Keys with a firm are looked up by the firm and compared whole here.
    let (key, by_firm) = match kind {
        ListKind::Officers => ("certificate_no", false),
        ListKind::Projects => ("approval_no", false),
        ListKind::Penalties => ("decision_no", false),
        ListKind::Complaints | ListKind::Problems => (
            "CAST(firm_id AS TEXT) || '|' || quarter || '|' || summary",
            true,
        ),
        ListKind::Firms => return Err(StoreError::Invalid("firms have put_firms".into())),
    };
    let column = if by_firm { "firm_id" } else { key };
    let mut out = std::collections::HashMap::new();
    for chunk in keys.chunks(FIRM_BATCH) {
        let found: Vec<(String, i64)> = on_tx!(tx, |c| {
            let mut q = sqlx::QueryBuilder::new(format!(
                "SELECT {key}, id FROM {table} WHERE {column} IN ("
            ));
            let mut list = q.separated(", ");
            for (key, firm) in chunk {
                match firm.filter(|_| by_firm) {
                    Some(firm) => list.push_bind(firm),
                    None => list.push_bind(key.as_str()),
                };
            }
            q.push(")");
            q.build_query_as().fetch_all(&mut *c).await?
        });
        out.extend(found);
    }
    Ok(out)
}

/// Writes many records of the lists other than firms (which have [`put_firms`]) as [`upsert`]
/// would, one after the other, but in bulk: the firms they name and the records stored with the
/// same natural keys are looked up a thousand at a time; new records are inserted a thousand per
/// statement with their first versions, and new cases, complaints and problems mark their firms
/// as special sources (R-DRAW-SPC-1) likewise. Records stored already, and a record repeating
/// the key of an earlier one here, go through [`upsert`] afterwards, in their order. Records of
/// several lists are written list by list, in the order the lists first appear: the same rows
/// as one by one, their versions and special sources numbered in that order. Each record
/// is `(agency, record)`; officers name their own agency and cases, complaints and problems
/// belong to the agency of their firm, as with [`upsert`].
pub async fn put_records(
    tx: &mut Tx,
    actor: &str,
    records: &[(i64, Record)],
    at: DateTime<Utc>,
) -> Result<Counts> {
    let mut counts = Counts::default();
    let codes: Vec<&str> = records.iter().filter_map(|(_, r)| named_code(r)).collect();
    let firms = stored_firms(tx, &codes).await?;
    let agencies: std::collections::HashMap<String, i64> = on_tx!(tx, |c| {
        sqlx::query_as("SELECT code, id FROM agency")
            .fetch_all(&mut *c)
            .await?
    })
    .into_iter()
    .collect();
    // Each record (by its place) with its owner, the firm it names and its natural key.
    let mut resolved = Vec::with_capacity(records.len());
    for (place, (agency_id, record)) in records.iter().enumerate() {
        let firm = named_code(record).and_then(|code| firms.get(code).copied());
        let owner = match record {
            Record::Officer(o) => *agencies
                .get(&o.agency)
                .ok_or_else(|| StoreError::NotFound(format!("agency {}", o.agency)))?,
            Record::Penalty(_) | Record::Complaint(_) | Record::Problem(_) => {
                firm.ok_or_else(|| {
                    StoreError::NotFound(format!("firm {}", named_code(record).unwrap_or("")))
                })?
                .1
            }
            _ => *agency_id,
        };
        let firm = firm.map(|(id, _)| id);
        let key = natural_key(record, firm)
            .ok_or_else(|| StoreError::Invalid("firms have put_firms".into()))?;
        resolved.push(Resolved {
            place,
            row: NewRow {
                record,
                owner,
                firm,
            },
            key,
        });
    }
    let mut kinds: Vec<ListKind> = Vec::new();
    for r in &resolved {
        if !kinds.contains(&r.row.record.kind()) {
            kinds.push(r.row.record.kind());
        }
    }
    let mut later: Vec<&Resolved> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for kind in kinds {
        let of_kind: Vec<&Resolved> = resolved
            .iter()
            .filter(|r| r.row.record.kind() == kind)
            .collect();
        let keys: Vec<(String, Option<i64>)> = of_kind
            .iter()
            .map(|r| (r.key.clone(), r.row.firm))
            .collect();
        let stored = stored_keys(tx, kind, &keys).await?;
        let mut new = Vec::with_capacity(of_kind.len());
        for r in of_kind {
            if stored.contains_key(&r.key) || !seen.insert((kind, r.key.as_str())) {
                later.push(r);
            } else {
                new.push(r);
            }
        }
        for chunk in new.chunks(FIRM_BATCH) {
            let rows: Vec<NewRow> = chunk.iter().map(|r| r.row).collect();
            let ids = insert_new_rows(tx, kind, &rows, actor, at).await?;
            let marks: Vec<_> = chunk
                .iter()
                .zip(&ids)
                .filter_map(|(r, id)| {
                    r.row
                        .firm
                        .map(|firm| (r.row.record, *id, firm, r.row.owner))
                })
                .collect();
            crate::special::mark_many(tx, &marks, at).await?;
            counts.new += chunk.len();
        }
    }
    // In the order given, so that a repeated key ends with its last record.
    later.sort_by_key(|r| r.place);
    for r in later {
        counts.add(upsert(tx, actor, r.row.owner, r.row.record, at).await?);
    }
    Ok(counts)
}

/// A record of [`put_records`] with what it needs written.
struct Resolved<'a> {
    /// Its place among the records given.
    place: usize,
    row: NewRow<'a>,
    key: String,
}
