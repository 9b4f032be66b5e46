//! Writing lists out as .csv and .xlsx, safe to open in a spreadsheet program.

pub(crate) mod csv;
pub(crate) mod xlsx;

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime};

use crate::text::{needs_quote_prefix, render_float};

/// One cell of an exported row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, written as text even when it looks like a number, so codes (unified social credit
    /// codes, division codes) keep their leading zeros and all their digits. Text that a
    /// spreadsheet program would run as a formula is written with a leading `'`.
    Text(String),
    /// A number.
    Number(f64),
    /// A whole number.
    Integer(i64),
    /// A calendar date, written as `YYYY-MM-DD` (a date cell in .xlsx).
    Date(NaiveDate),
    /// A date and time, written as `YYYY-MM-DD HH:MM:SS` (a date-time cell in .xlsx).
    DateTime(NaiveDateTime),
    /// Nothing.
    Empty,
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::Text(text.to_string())
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::Text(text)
    }
}

impl From<i64> for Cell {
    fn from(value: i64) -> Self {
        Cell::Integer(value)
    }
}

impl From<f64> for Cell {
    fn from(value: f64) -> Self {
        Cell::Number(value)
    }
}

impl From<NaiveDate> for Cell {
    fn from(date: NaiveDate) -> Self {
        Cell::Date(date)
    }
}

impl From<NaiveDateTime> for Cell {
    fn from(at: NaiveDateTime) -> Self {
        Cell::DateTime(at)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(value: Option<T>) -> Self {
        value.map_or(Cell::Empty, Into::into)
    }
}

/// Text made safe against formula injection: formula-like text gets a leading `'`, so that a
/// spreadsheet program shows it as text instead of running it; [`read`](crate::read) removes
/// the quote again.
pub(crate) fn guarded(text: &str) -> Cow<'_, str> {
    if needs_quote_prefix(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The text of a cell as it appears in a CSV file (and as a column-width estimate for .xlsx).
pub(crate) fn cell_text(cell: &Cell) -> Cow<'_, str> {
    match cell {
        Cell::Text(text) => guarded(text),
        Cell::Number(value) => {
            let mut out = String::new();
            render_float(*value, &mut out);
            Cow::Owned(out)
        }
        Cell::Integer(value) => Cow::Owned(value.to_string()),
        Cell::Date(date) => Cow::Owned(date.format("%Y-%m-%d").to_string()),
        Cell::DateTime(at) => Cow::Owned(at.format("%Y-%m-%d %H:%M:%S").to_string()),
        Cell::Empty => Cow::Borrowed(""),
    }
}
