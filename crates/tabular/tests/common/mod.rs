//! Helpers shared by the test files: real files made by real libraries.
#![allow(dead_code)] // each test binary uses a different subset

use rust_xlsxwriter::{Workbook, Worksheet};
use spotcheck_tabular::{read, Format, Limits, Row, Table, TabularError};

/// An .xlsx workbook made by rust_xlsxwriter, one worksheet filled by `fill`.
pub fn xlsx(fill: impl FnOnce(&mut Worksheet)) -> Vec<u8> {
    let mut workbook = Workbook::new();
    fill(workbook.add_worksheet());
    workbook
        .save_to_buffer()
        .expect("rust_xlsxwriter writes the workbook")
}

/// Reads CSV text given as UTF-8.
pub fn csv(text: &str) -> Result<Table<'_>, TabularError> {
    read(text.as_bytes(), Format::Csv, &Limits::default())
}

/// The data rows of a table as (row number, cells) for compact assertions.
pub fn rows(table: &Table<'_>) -> Vec<(usize, Vec<String>)> {
    table
        .rows()
        .map(|Row { number, cells, .. }| (number, cells))
        .collect()
}

/// Shorthand for a vector of owned strings.
pub fn strings(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|cell| cell.to_string()).collect()
}
