//! What the importer targets share: read an upload the way the web and command-line imports do,
//! check what [`spotcheck_tabular::Table`] promises, and run the rows through the list checks of
//! `spotcheck-core` for every kind of list.
//!
//! Every function here panics on a broken promise; a panic is what libFuzzer reports as a crash.

use std::sync::OnceLock;

use chrono::NaiveDate;
use spotcheck_core::lists::{self, HeaderMap, Lang as ListLang, ListKind, ValidationContext};
use spotcheck_tabular::{
    decode_text, read, read_file, write_csv, Cell, Format, Lang, Limits, Row, Table, TabularError,
};

/// Small limits, so that the row limit is reached by inputs the fuzzer can make.
pub const LIMITS: Limits = Limits {
    max_bytes: 1 << 20,
    max_rows: 64,
};

/// The most columns a row has (Excel's limit, which the reader enforces).
const MAX_COLUMNS: usize = 16_384;

/// The context of an import by the Urumqi city detachment on a fixed day, made once.
fn context() -> &'static ValidationContext<'static> {
    static CONTEXT: OnceLock<ValidationContext<'static>> = OnceLock::new();
    CONTEXT.get_or_init(|| {
        let today = NaiveDate::from_ymd_opt(2026, 6, 30).expect("a valid date");
        ValidationContext::urumqi(today)
    })
}

/// Crates whose panics the workbook reader of `spotcheck-tabular` catches and reports as a
/// damaged file: calamine and what it parses with.
const READER_CRATES: [&str; 3] = ["/calamine-", "/quick-xml-", "/zip-"];

/// Lets a panic raised inside the workbook reader unwind to the reader's guard, which turns it
/// into [`TabularError::Malformed`], instead of aborting at once as libFuzzer's panic hook does.
/// Call it from the target's `init`. Every other panic still aborts with its message; a reader
/// panic that the guard does not catch still aborts too (libfuzzer-sys aborts on any unwinding
/// panic), and the first such panic's message is printed so that a crash can be told apart.
pub fn let_reader_panics_unwind() {
    let aborting = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_reader = info
            .location()
            .is_some_and(|at| READER_CRATES.iter().any(|c| at.file().contains(c)));
        if !in_reader {
            return aborting(info);
        }
        static SHOWN: std::sync::Once = std::sync::Once::new();
        SHOWN.call_once(|| {
            eprintln!("note: {info} (inside the workbook reader; further ones are not shown)");
        });
    }));
}

/// Reads `bytes` as an upload in `format` named `file_name`, as an import does, and checks the
/// outcome: an error must be describable, a table must keep every promise of its API, survive a
/// CSV export and re-import unchanged, and its rows must go through the list checks without a
/// panic.
pub fn check_upload(bytes: &[u8], format: Format, file_name: &str) {
    let direct = read(bytes, format, &LIMITS);
    // The upload path: the format from the name and the content, then the same reader.
    let by_name = read_file(file_name, bytes, &LIMITS);
    if Format::detect(file_name, bytes) == Some(format) {
        assert_eq!(
            summary(&direct),
            summary(&by_name),
            "read and read_file disagree"
        );
    }
    let _ = Format::sniff(bytes);
    let _ = decode_text(bytes);
    drop(by_name);
    match direct {
        Err(error) => describe(&error),
        Ok(table) => {
            // Collected once: each walk over a CSV table parses its text again.
            let rows: Vec<Row> = table.rows().collect();
            check_table(&table, &rows, bytes);
            round_trip_csv(&table, &rows);
            check_lists(&table, &rows);
        }
    }
}

/// What a read gave, comparable across two reads of the same bytes.
fn summary(result: &Result<Table<'_>, TabularError>) -> Result<(Vec<String>, usize), String> {
    match result {
        Ok(table) => Ok((table.headers.clone(), table.row_count())),
        Err(error) => Err(error.to_string()),
    }
}

/// Every error has a message in both languages.
fn describe(error: &TabularError) {
    assert!(!error.message(Lang::Zh).is_empty());
    assert!(!error.message(Lang::En).is_empty());
}

/// The promises of [`Table`] and [`Table::rows`].
fn check_table(table: &Table<'_>, rows: &[Row], bytes: &[u8]) {
    assert!(table.header_row >= 1, "rows are numbered from 1");
    assert!(
        table.headers.last().is_some_and(|h| !h.is_empty()),
        "trailing empty headers are dropped and a header row has a value: {:?}",
        table.headers
    );
    assert!(table.headers.len() <= MAX_COLUMNS);
    // A zip archive is read as a workbook whatever the format given; only text has an encoding.
    assert_eq!(
        table.encoding.is_some(),
        !bytes.starts_with(b"PK\x03\x04"),
        "encoding reported for the wrong kind of file"
    );
    for (index, header) in table.headers.iter().enumerate() {
        assert_trimmed(header);
        if !header.is_empty() {
            // Headers are unique, so a lookup by a header's own name finds it.
            assert_eq!(
                table.column(&[header.as_str()]),
                Some(index),
                "header {header:?}"
            );
        }
    }
    let again: Vec<Row> = table.rows().collect();
    assert_eq!(again, rows, "the rows can be walked more than once");
    let mut last = table.header_row;
    let mut count = 0;
    for row in rows {
        assert!(
            row.number > last,
            "row numbers increase: {} after {last}",
            row.number
        );
        assert_eq!(row.cells.len(), table.headers.len(), "one cell per header");
        assert!(
            row.cells.iter().any(|cell| !cell.is_empty()),
            "blank rows are skipped"
        );
        for (index, cell) in row.cells.iter().enumerate() {
            assert_trimmed(cell);
            assert_eq!(row.cell(index), cell);
            assert!(
                cell.is_empty() || !table.headers[index].is_empty(),
                "a value without a header was let through in row {}",
                row.number
            );
        }
        assert_eq!(row.cell(row.cells.len()), "");
        last = row.number;
        count += 1;
    }
    assert_eq!(count, table.row_count(), "row_count() counts the rows");
    assert!(count <= LIMITS.max_rows);
}

fn assert_trimmed(cell: &str) {
    assert_eq!(cell.trim(), cell, "cells are trimmed");
}

/// A table written out as CSV (as an export does) reads back as the same headers and rows.
///
/// Skipped for tables holding control characters, which a text file must not have (the reader
/// refuses such a file as binary), and for tables holding tabs: the reader takes a file with more
/// tabs than commas in its first lines as tab-separated, whether the tabs are quoted or not.
fn round_trip_csv(table: &Table<'_>, rows: &[Row]) {
    let texts = table
        .headers
        .iter()
        .chain(rows.iter().flat_map(|row| &row.cells));
    if texts.clone().any(|text| {
        text.chars()
            .any(|c| c.is_control() && !matches!(c, '\r' | '\n'))
    }) {
        return;
    }
    let headers: Vec<&str> = table.headers.iter().map(String::as_str).collect();
    let cells = rows.iter().map(|row| {
        row.cells
            .iter()
            .map(|cell| Cell::from(cell.as_str()))
            .collect()
    });
    let mut file = Vec::new();
    write_csv(&headers, cells, &mut file, true).expect("writing to memory cannot fail");
    let again = match read(&file, Format::Csv, &LIMITS) {
        Ok(again) => again,
        Err(error) => panic!("an export does not read back: {error:?}"),
    };
    assert_eq!(
        again.headers, table.headers,
        "headers change in a round trip"
    );
    let again_rows = again.rows().map(|row| row.cells);
    assert!(
        again_rows.eq(rows.iter().map(|row| row.cells.clone())),
        "rows change in a round trip"
    );
}

/// The rows go through the checks of every list, as an import of that list would run them. A
/// record that passes is written out in the template layout and must parse back to itself.
fn check_lists(table: &Table<'_>, rows: &[Row]) {
    let ctx = context();
    for kind in ListKind::ALL {
        let numbered = rows.iter().map(|row| (row.number, row.cells.clone()));
        let parsed = match lists::parse_table(kind, &table.headers, numbered, ctx) {
            Ok(parsed) => parsed,
            Err(errors) => {
                assert!(!errors.is_empty(), "a refused header names its problems");
                describe_list_errors(&errors);
                continue;
            }
        };
        describe_list_errors(&parsed.errors);
        let template = HeaderMap::template(kind);
        for (row, record) in &parsed.records {
            assert_eq!(record.kind(), kind);
            let _ = record.natural_key();
            let cells = record.to_cells();
            match lists::parse_row(kind, &template, *row, &cells, ctx) {
                Ok(again) => assert_eq!(&again, record, "cells {cells:?}"),
                Err(errors) => {
                    panic!("an exported {kind} row does not parse: {cells:?}: {errors:?}")
                }
            }
        }
    }
}

fn describe_list_errors(errors: &[lists::ListError]) {
    for error in errors {
        let _ = error.reason.key();
        assert!(!error.message(ListLang::Zh).is_empty());
        assert!(!error.message(ListLang::En).is_empty());
    }
}
