//! Importing a list file (R-LIST): read the spreadsheet, check every row, then write all of it in
//! one transaction, or nothing.
//!
//! A preview runs exactly the same work in a transaction that is rolled back, so the numbers it
//! shows (new, changed, unchanged) are the numbers the import will have.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;
use spotcheck_core::division::DivisionCode;
use spotcheck_core::industry::IndustryTable;
use spotcheck_core::lists::{self, ListError, ListKind, Reason, Record, ValidationContext};
use spotcheck_core::period::Year;
use spotcheck_tabular::{Format, Limits, TabularError};

use crate::agency::{self, Agency};
use crate::lists::Outcome;
use crate::{audit, Db, Result};

/// One file to import for one agency.
pub struct ImportInput<'a> {
    pub kind: ListKind,
    /// The importing agency: the file's records must lie in its jurisdiction.
    pub agency: &'a Agency,
    pub file_name: &'a str,
    pub bytes: &'a [u8],
    pub today: NaiveDate,
    pub limits: Limits,
}

/// Why a file was refused as a whole. Nothing was written.
#[derive(Debug)]
pub enum Rejection {
    /// The file could not be read (damaged, wrong encoding, too large, …).
    File(TabularError),
    /// Rows failed the checks: every problem, with its row and column.
    Rows { errors: Vec<ListError>, rows: usize },
}

/// What an import did (or, for a preview, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub rows: usize,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// Columns of the file that are not part of the list and were ignored.
    pub ignored_columns: Vec<String>,
    pub content_sha256: String,
}

/// The validation context of an import by `agency`: its territory and the agencies under it.
pub async fn context_for(
    db: &Db,
    agency: &Agency,
    today: NaiveDate,
) -> Result<ValidationContext<'static>> {
    Ok(context_in(&agency::all(db).await?, agency, today))
}

/// As [`context_for`], from the agency tree already read.
fn context_in(all: &[Agency], agency: &Agency, today: NaiveDate) -> ValidationContext<'static> {
    let within: Vec<&Agency> = all.iter().filter(|a| agency.contains(a)).collect();
    let districts = within
        .iter()
        .filter(|a| {
            a.kind()
                .is_some_and(|k| k.is_jurisdiction() && !k.is_city_level())
        })
        // The territory's name is the branch's name without "分局" (天山区分局 → 天山区).
        .filter_map(|a| {
            let name = a
                .name_zh
                .strip_suffix("分局")
                .unwrap_or(&a.name_zh)
                .to_string();
            DivisionCode::parse(&a.division_code)
                .ok()
                .map(|d| (d, name))
        })
        .collect();
    ValidationContext {
        districts,
        industry: IndustryTable::gbt4754_2017(),
        default_year: Year::containing(today),
        today,
        agency: agency.code.clone(),
        agencies: within
            .iter()
            .map(|a| (a.code.clone(), a.name_zh.clone()))
            .collect(),
    }
}

/// Checks the file and, when `apply`, writes it in one transaction. A file with any problem is
/// refused whole.
pub async fn run(
    db: &Db,
    actor: &str,
    input: &ImportInput<'_>,
    apply: bool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<std::result::Result<Summary, Rejection>> {
    let format = Format::detect(input.file_name, input.bytes).unwrap_or(Format::Csv);
    let table = match spotcheck_tabular::read(input.bytes, format, &input.limits) {
        Ok(t) => t,
        Err(e) => return Ok(Err(Rejection::File(e))),
    };
    // The agency tree is read once: for the checks and for who owns what.
    let agencies = agency::all(db).await?;
    let ctx = context_in(&agencies, input.agency, input.today);
    // The data rows the file holds (the reader leaves out blank ones): what the summary counts.
    let row_count = table.row_count();
    let rows = table.rows().map(|r| lists::FileRow {
        number: r.number,
        cells: r.cells,
        numeric: r.numeric,
    });
    let parsed = match lists::parse_table(input.kind, &table.headers, rows, &ctx) {
        Ok(p) => p,
        Err(errors) => {
            return Ok(Err(Rejection::Rows {
                errors,
                rows: row_count,
            }))
        }
    };
    if row_count == 0 {
        // An empty template uploaded is not a list imported.
        let errors = vec![ListError {
            row: None,
            column: None,
            reason: Reason::NoRows,
        }];
        return Ok(Err(Rejection::Rows { errors, rows: 0 }));
    }
    let mut errors = parsed.errors;
    let by_division: HashMap<&str, &Agency> = agencies
        .iter()
        .filter(|a| a.kind().is_some_and(|k| k.is_jurisdiction()))
        .map(|a| (a.division_code.as_str(), a))
        .collect();
    let by_id: HashMap<i64, &Agency> = agencies.iter().map(|a| (a.id, a)).collect();

    let mut summary = Summary {
        rows: row_count,
        ignored_columns: parsed.ignored.iter().map(|c| c.header.clone()).collect(),
        content_sha256: crate::sha256_hex(input.bytes),
        ..Summary::default()
    };
    let at = crate::now();
    let mut tx = db.begin().await?;
    let mut deferred = None;
    if input.kind == ListKind::Firms {
        // A first load of a large list builds the firm indexes once at the end; on PostgreSQL
        // not for a preview, which would hold the firm list from its readers for nothing.
        if (apply || db.backend() == crate::Backend::Sqlite)
            && crate::bulk::worth_deferring(&mut tx, parsed.records.len()).await?
        {
            deferred = Some(crate::bulk::DeferredIndexes::defer(&mut tx).await?);
        }
        // The source list can hold millions of rows: a thousand at a time, looked up, checked
        // and written in bulk.
        for chunk in parsed.records.chunks(1_000) {
            let codes: Vec<&str> = chunk
                .iter()
                .filter_map(|(_, r)| match r {
                    Record::Firm(f) => Some(f.credit_code.as_str()),
                    _ => None,
                })
                .collect();
            let stored = crate::lists::stored_firms(&mut tx, &codes).await?;
            let mut good = Vec::with_capacity(chunk.len());
            for (row, record) in chunk {
                let Record::Firm(f) = record else { continue };
                let found = stored.get(f.credit_code.as_str()).copied();
                if let Some(problem) =
                    db_check(&mut tx, input.agency, record, found, &by_id).await?
                {
                    errors.push(ListError {
                        row: Some(*row),
                        column: Some(problem.0.to_string()),
                        reason: problem.1,
                    });
                    continue;
                }
                // 属地管理: a firm belongs to the branch of its district; anything else to the
                // importer.
                let owner = by_division
                    .get(f.division.as_str())
                    .copied()
                    .unwrap_or(input.agency);
                good.push((owner.id, f.clone()));
            }
            // Keep checking the rest for errors, but stop writing after the first.
            if errors.is_empty() {
                let counts = crate::lists::put_firms(&mut tx, actor, &good, &stored, at).await?;
                summary.new += counts.new;
                summary.changed += counts.changed;
                summary.unchanged += counts.unchanged;
            }
            progress(chunk.len() as u64);
        }
    } else {
        for (row, record) in &parsed.records {
            let found = crate::lists::existing(&mut tx, record).await?;
            if let Some(problem) = db_check(&mut tx, input.agency, record, found, &by_id).await? {
                errors.push(ListError {
                    row: Some(*row),
                    column: Some(problem.0.to_string()),
                    reason: problem.1,
                });
                continue;
            }
            if !errors.is_empty() {
                // Keep checking the rest for errors, but stop writing.
                continue;
            }
            match crate::lists::upsert_found(&mut tx, actor, input.agency.id, record, found, at)
                .await?
            {
                Outcome::New(_) => summary.new += 1,
                Outcome::Changed(_) => summary.changed += 1,
                Outcome::Unchanged(_) => summary.unchanged += 1,
            }
            progress(1);
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row.unwrap_or(0));
        return Ok(Err(Rejection::Rows {
            errors,
            rows: row_count,
        }));
    }
    if apply {
        if let Some(deferred) = deferred {
            deferred.restore(&mut tx).await?;
        }
        audit::append(
            &mut tx,
            at,
            actor,
            "list.import",
            &format!("list:{}:{}", input.agency.code, input.kind),
            serde_json::json!({ "file": input.file_name, "summary": summary }),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(Ok(summary))
}

/// Checks that need the database: a firm already on another jurisdiction's list, and cases that
/// name a firm outside the importer's jurisdiction. Returns the column and reason of a problem.
async fn db_check(
    tx: &mut crate::Tx,
    importer: &Agency,
    record: &Record,
    found: Option<(i64, i64)>,
    agencies: &HashMap<i64, &Agency>,
) -> Result<Option<(&'static str, Reason)>> {
    let header = |key: &str| record.kind().column(key).map(|c| c.header_zh).unwrap_or("");
    match record {
        Record::Firm(_) => {
            if let Some((_, owner_id)) = found {
                let owner = agencies.get(&owner_id);
                if let Some(owner) = owner.filter(|o| !importer.contains(o)) {
                    return Ok(Some((
                        header("credit_code"),
                        Reason::ClaimedElsewhere {
                            agency: owner.name_zh.clone(),
                        },
                    )));
                }
            }
        }
        Record::Penalty(_) | Record::Complaint(_) | Record::Problem(_) => {
            let code = match record {
                Record::Penalty(p) => p.credit_code.as_str(),
                Record::Complaint(k) => k.credit_code.as_str(),
                Record::Problem(k) => k.credit_code.as_str(),
                _ => "",
            };
            let found = crate::lists::firm_by_code(tx, code).await?;
            let inside = found
                .and_then(|f| agencies.get(&f.agency_id).copied())
                .is_some_and(|owner| importer.contains(owner));
            if !inside {
                return Ok(Some((
                    header("credit_code"),
                    Reason::UnknownFirm {
                        code: code.to_string(),
                    },
                )));
            }
        }
        Record::Officer(_) | Record::Project(_) => {}
    }
    Ok(None)
}
