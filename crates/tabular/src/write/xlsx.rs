//! .xlsx export: one worksheet, streamed to a temporary file row by row (constant memory), with
//! a bold, frozen header row and column widths fitted to the first rows.

use std::io::Write;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rust_xlsxwriter::{ColNum, ExcelDateTime, Format, RowNum, Workbook, Worksheet, XlsxError};

use crate::limits::MAX_COLUMNS;
use crate::write::{cell_text, guarded};
use crate::{column_letter, Cell, TabularError};

/// The most data rows one .xlsx worksheet holds: 1,048,576 rows less the header row.
pub const XLSX_MAX_DATA_ROWS: usize = 1_048_575;

/// The most characters an .xlsx cell holds.
pub const XLSX_MAX_CELL_CHARS: usize = 32_767;

/// How many leading rows the column widths are fitted to (later rows are streamed out
/// before they could be looked at).
const WIDTH_SAMPLE_ROWS: usize = 200;

/// Column widths, in Excel's units of one digit's width.
const MIN_WIDTH: f64 = 8.0;
const MAX_WIDTH: f64 = 60.0;

/// Writes `headers` and then `rows` as a one-sheet .xlsx workbook to `out`, and returns the
/// number of data rows.
///
/// Rows go to a temporary file as they come, so memory stays flat for big lists. A sheet holds
/// at most [`XLSX_MAX_DATA_ROWS`] rows: more is [`TabularError::XlsxRowLimit`] (export such
/// lists as CSV), and nothing is written to `out`. Text cells get Excel's text format so codes
/// stay text even when edited, and are guarded against formula injection (see [`Cell::Text`]).
pub fn write_xlsx<W: Write + Send>(
    sheet_name: &str,
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<Cell>>,
    out: W,
) -> Result<u64, TabularError> {
    write_xlsx_limited(sheet_name, headers, rows, out, XLSX_MAX_DATA_ROWS)
}

/// [`write_xlsx`] with the row limit as a parameter, so the limit can be tested without
/// writing a million rows.
fn write_xlsx_limited<W: Write + Send>(
    sheet_name: &str,
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<Cell>>,
    out: W,
    max_rows: usize,
) -> Result<u64, TabularError> {
    if headers.len() > MAX_COLUMNS {
        return Err(TabularError::TooManyColumns { limit: MAX_COLUMNS });
    }
    let styles = Styles::new();
    let mut workbook = Workbook::new();
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .map_err(io_error)?;
    sheet.set_name(sheet_title(sheet_name)).map_err(io_error)?;

    let mut rows = rows.into_iter();
    let sample: Vec<Vec<Cell>> = rows.by_ref().take(WIDTH_SAMPLE_ROWS).collect();
    for (column, width) in column_widths(headers, &sample).into_iter().enumerate() {
        sheet
            .set_column_width(col_num(column)?, width)
            .map_err(io_error)?;
    }
    for (column, header) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, col_num(column)?, guarded(header), &styles.header)
            .map_err(io_error)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(io_error)?;

    let mut count = 0usize;
    for row in sample.into_iter().chain(rows) {
        if count == max_rows {
            return Err(TabularError::XlsxRowLimit { rows: max_rows });
        }
        count += 1;
        write_row(sheet, count, &row, &styles)?;
    }
    workbook.save_to_writer(out).map_err(io_error)?;
    Ok(count as u64)
}

/// The cell formats of an export.
struct Styles {
    header: Format,
    text: Format,
    date: Format,
    date_time: Format,
}

impl Styles {
    fn new() -> Self {
        Styles {
            header: Format::new().set_bold().set_num_format("@"),
            // "@" is Excel's text format: a code edited later stays text, not a number.
            text: Format::new().set_num_format("@"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            date_time: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
        }
    }
}

/// Writes data row `index` (1-based; the header is row 0 of the sheet).
fn write_row(
    sheet: &mut Worksheet,
    index: usize,
    cells: &[Cell],
    styles: &Styles,
) -> Result<(), TabularError> {
    // `index` is at most XLSX_MAX_DATA_ROWS, which fits a RowNum.
    let row = RowNum::try_from(index).map_err(|_| TabularError::XlsxRowLimit {
        rows: XLSX_MAX_DATA_ROWS,
    })?;
    for (column, cell) in cells.iter().enumerate() {
        let col = col_num(column)?;
        let result = match cell {
            Cell::Text(text) => {
                if text.chars().count() > XLSX_MAX_CELL_CHARS {
                    return Err(TabularError::CellTooLong {
                        row: index + 1,
                        column: column_letter(column),
                        limit: XLSX_MAX_CELL_CHARS,
                    });
                }
                sheet.write_string_with_format(row, col, guarded(text), &styles.text)
            }
            Cell::Number(value) if value.is_finite() => sheet.write_number(row, col, *value),
            // An .xlsx file cannot hold NaN or infinity as a number.
            Cell::Number(_) => sheet.write_string(row, col, cell_text(cell)),
            // Integers beyond 2^53 would be rounded as a number; as text they stay exact.
            Cell::Integer(value) if value.unsigned_abs() <= 1 << 53 => {
                sheet.write_number(row, col, *value as f64)
            }
            Cell::Integer(value) => {
                sheet.write_string_with_format(row, col, value.to_string(), &styles.text)
            }
            Cell::Date(date) => match excel_date(*date) {
                Some(date) => sheet.write_datetime_with_format(row, col, date, &styles.date),
                // Before 1900 or after 9999 Excel has no date; the text still says it.
                None => sheet.write_string(row, col, cell_text(cell)),
            },
            Cell::DateTime(at) => match excel_date_time(*at) {
                Some(at) => sheet.write_datetime_with_format(row, col, at, &styles.date_time),
                None => sheet.write_string(row, col, cell_text(cell)),
            },
            Cell::Empty => continue,
        };
        result.map_err(io_error)?;
    }
    Ok(())
}

fn excel_date(date: NaiveDate) -> Option<ExcelDateTime> {
    let year = u16::try_from(date.year()).ok()?;
    // chrono's month and day always fit a u8.
    ExcelDateTime::from_ymd(year, date.month() as u8, date.day() as u8).ok()
}

fn excel_date_time(at: NaiveDateTime) -> Option<ExcelDateTime> {
    let date = excel_date(at.date())?;
    // chrono's hour, minute and second always fit.
    date.and_hms(at.hour() as u16, at.minute() as u8, at.second())
        .ok()
}

fn col_num(column: usize) -> Result<ColNum, TabularError> {
    ColNum::try_from(column).map_err(|_| TabularError::TooManyColumns { limit: MAX_COLUMNS })
}

/// A sheet name Excel accepts: at most 31 characters (UTF-16 units), none of `[]:*?/\`, not
/// starting or ending with `'`, not empty, not the reserved "History".
fn sheet_title(name: &str) -> String {
    let cleaned: String = name
        .trim()
        .trim_matches('\'')
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let mut title = String::new();
    let mut units = 0;
    for c in cleaned.chars() {
        units += c.len_utf16();
        if units > 31 {
            break;
        }
        title.push(c);
    }
    let title = title.trim_end_matches('\'').to_string();
    if title.is_empty() {
        "Sheet1".to_string()
    } else if title.eq_ignore_ascii_case("history") {
        // Excel reserves this name for its change history and refuses to open the file.
        "History_".to_string()
    } else {
        title
    }
}

/// Widths that show each column's header and sample values in full, within bounds.
fn column_widths(headers: &[&str], sample: &[Vec<Cell>]) -> Vec<f64> {
    headers
        .iter()
        .enumerate()
        .map(|(column, header)| {
            let widest = sample
                .iter()
                .filter_map(|row| row.get(column))
                .map(|cell| display_width(&cell_text(cell)))
                .fold(display_width(header), usize::max);
            // Bold header text and the filter button need a little room.
            (widest as f64 + 2.0).clamp(MIN_WIDTH, MAX_WIDTH)
        })
        .collect()
}

/// Width in digit widths of the longest line of `text`: CJK and other wide characters take
/// two, as in Excel's default fonts.
fn display_width(text: &str) -> usize {
    text.lines()
        .map(|line| line.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum())
        .max()
        .unwrap_or(0)
}

fn is_wide(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

fn io_error(error: XlsxError) -> TabularError {
    TabularError::Io {
        detail: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize) -> impl Iterator<Item = Vec<Cell>> {
        (0..n).map(|i| vec![Cell::Integer(i as i64)])
    }

    #[test]
    fn a_sheet_takes_rows_up_to_its_limit() {
        let mut out = Vec::new();
        let written = write_xlsx_limited("s", &["n"], rows(3), &mut out, 3).unwrap();
        assert_eq!(written, 3);
        assert!(out.starts_with(b"PK\x03\x04"));
    }

    #[test]
    fn more_rows_than_a_sheet_holds_are_refused_and_nothing_is_written() {
        let mut out = Vec::new();
        let error = write_xlsx_limited("s", &["n"], rows(4), &mut out, 3).unwrap_err();
        assert_eq!(error, TabularError::XlsxRowLimit { rows: 3 });
        assert!(out.is_empty());
    }

    #[test]
    fn sheet_names_are_made_acceptable_to_excel() {
        assert_eq!(sheet_title("企业名录[2024]/Q1"), "企业名录_2024__Q1");
        assert_eq!(sheet_title("'quoted'"), "quoted");
        assert_eq!(sheet_title(""), "Sheet1");
        assert_eq!(sheet_title("History"), "History_");
        assert_eq!(sheet_title(&"长".repeat(40)).chars().count(), 31);
    }

    #[test]
    fn chinese_text_is_twice_as_wide() {
        assert_eq!(display_width("单位名称"), 8);
        assert_eq!(display_width("ABC\n单位"), 4);
    }
}
