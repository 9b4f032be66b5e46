//! .xlsx workbooks: the first visible worksheet, streamed cell by cell into compact storage.

use std::fmt::Write as _;
use std::io::Cursor;

use calamine::{DataRef, ExcelDateTime, Reader, SheetType, SheetVisible, Xlsx, XlsxError};

use crate::limits::MAX_COLUMNS;
use crate::table::{Body, Layout, RowKind};
use crate::text::{clean_cell, render_float};
use crate::{Limits, Row, Table, TabularError};

/// The data rows of a worksheet, the text of all their non-empty cells in one string.
///
/// A `String` per cell would cost a heap allocation and 24 bytes of bookkeeping each, several
/// hundred megabytes for a full worksheet; here a cell costs its text, its column and one
/// offset. Empty cells cost nothing, so a header far to the right (column XFD) does not make
/// every row expensive.
pub(crate) struct XlsxBody {
    /// Cells per row: the number of headers.
    width: usize,
    /// Spreadsheet row number of each data row.
    numbers: Vec<usize>,
    /// For each data row, the end of its cells in `columns` and `ends`.
    row_ends: Vec<usize>,
    /// Column of each non-empty cell, row after row.
    columns: Vec<u16>,
    /// End offset in `text` of each non-empty cell.
    ends: Vec<usize>,
    /// Whether each non-empty cell holds a number.
    numeric: Vec<bool>,
    text: String,
}

pub(crate) fn read_xlsx(bytes: &[u8], limits: &Limits) -> Result<Table<'static>, TabularError> {
    let mut workbook: Xlsx<Cursor<&[u8]>> = guarded(None, || Xlsx::new(Cursor::new(bytes)))?;
    let sheet = first_worksheet(&workbook).ok_or(TabularError::Empty)?;
    let is_1904 = workbook.has_1904_epoch();
    let mut cells = guarded(None, || workbook.worksheet_cells_reader(&sheet))?;

    let mut builder = Builder::new(limits.max_rows);
    // The cells of the row being read, by column, and which hold numbers; reused from row to row.
    let mut pending: Vec<String> = Vec::new();
    let mut pending_numeric: Vec<bool> = Vec::new();
    let mut pending_row: Option<u32> = None;
    loop {
        let cell = guarded(pending_row.map(|r| r as usize + 1), || cells.next_cell())?;
        let Some(cell) = cell else { break };
        let (row, column) = cell.get_position();
        if pending_row != Some(row) {
            if let Some(previous) = pending_row {
                // Excel writes rows in order; a file that does not was not made by it.
                if row < previous {
                    return Err(TabularError::Malformed {
                        row: Some(row as usize + 1),
                        detail: format!("row {} follows row {}", row + 1, previous + 1),
                    });
                }
                builder.finish_row(previous as usize + 1, &mut pending, &mut pending_numeric)?;
            }
            pending_row = Some(row);
        }
        let column = column as usize;
        if column >= MAX_COLUMNS {
            return Err(TabularError::TooManyColumns { limit: MAX_COLUMNS });
        }
        if pending.len() <= column {
            pending.resize(column + 1, String::new());
            pending_numeric.resize(column + 1, false);
        }
        // A cell given twice (only in hand-made files) keeps its last value.
        pending[column].clear();
        pending_numeric[column] = matches!(cell.get_value(), DataRef::Float(_) | DataRef::Int(_));
        render(cell.get_value(), is_1904, &mut pending[column]);
    }
    if let Some(last) = pending_row {
        builder.finish_row(last as usize + 1, &mut pending, &mut pending_numeric)?;
    }
    builder.finish()
}

/// A call into the workbook reader, its error or its panic as [`TabularError::Malformed`] at
/// `row`.
///
/// The reader panics on some damaged workbooks in builds with overflow checks: a worksheet whose
/// `<dimension ref="S1:J3"/>` ends before it starts makes it subtract with overflow, a cell
/// reference with a dozen column letters (`AAAAAAAAAAAAA2`) multiply with overflow. An upload
/// must end in an error whatever it holds, so a panic inside the reader is caught here.
/// The reader is not used again after a panic: the error ends the read.
fn guarded<T>(
    row: Option<usize>,
    call: impl FnOnce() -> Result<T, XlsxError>,
) -> Result<T, TabularError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)) {
        Ok(result) => result.map_err(|error| TabularError::Malformed {
            row,
            detail: error.to_string(),
        }),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("unknown error");
            Err(TabularError::Malformed {
                row,
                detail: format!("the workbook reader failed: {message}"),
            })
        }
    }
}

/// The sheet a user means when they upload a workbook: the first visible worksheet (a hidden
/// first sheet usually holds lookup lists for drop-downs), else the first worksheet.
fn first_worksheet(workbook: &Xlsx<Cursor<&[u8]>>) -> Option<String> {
    let sheets = workbook.sheets_metadata();
    let worksheets = || sheets.iter().filter(|s| s.typ == SheetType::WorkSheet);
    worksheets()
        .find(|s| s.visible == SheetVisible::Visible)
        .or_else(|| worksheets().next())
        .map(|s| s.name.clone())
}

/// Collects rows into an [`XlsxBody`], finding the header row on the way.
struct Builder {
    max_rows: usize,
    layout: Layout,
    body: XlsxBody,
}

impl Builder {
    fn new(max_rows: usize) -> Self {
        Builder {
            max_rows,
            layout: Layout::default(),
            body: XlsxBody {
                width: 0,
                numbers: Vec::new(),
                row_ends: Vec::new(),
                columns: Vec::new(),
                ends: Vec::new(),
                numeric: Vec::new(),
                text: String::new(),
            },
        }
    }

    /// Takes in the row `number` whose cells are in `pending` (`numeric` where they hold
    /// numbers), and empties them for the next.
    fn finish_row(
        &mut self,
        number: usize,
        pending: &mut [String],
        numeric: &mut [bool],
    ) -> Result<(), TabularError> {
        let result = self.take_row(number, pending, numeric);
        pending.iter_mut().for_each(String::clear);
        numeric.iter_mut().for_each(|n| *n = false);
        result
    }

    fn take_row(
        &mut self,
        number: usize,
        pending: &[String],
        numeric: &[bool],
    ) -> Result<(), TabularError> {
        let cells = pending.iter().map(|cell| clean_cell(cell));
        match self.layout.take(number, cells)? {
            RowKind::Blank => return Ok(()),
            RowKind::Header => {
                // Rows taken as data so far were titles above this header.
                self.body.clear();
                return Ok(());
            }
            RowKind::Data => {}
        }
        if self.body.numbers.len() == self.max_rows {
            return Err(TabularError::TooManyRows {
                limit: self.max_rows,
            });
        }
        let width = self.layout.headers().len();
        self.body.numbers.push(number);
        for (index, cell) in pending.iter().enumerate().take(width) {
            let cell = clean_cell(cell);
            if cell.is_empty() {
                continue;
            }
            // The width is at most MAX_COLUMNS, which fits a u16.
            let column = u16::try_from(index)
                .map_err(|_| TabularError::TooManyColumns { limit: MAX_COLUMNS })?;
            self.body.text.push_str(cell);
            self.body.columns.push(column);
            self.body.numeric.push(numeric[index]);
            self.body.ends.push(self.body.text.len());
        }
        self.body.row_ends.push(self.body.columns.len());
        Ok(())
    }

    fn finish(mut self) -> Result<Table<'static>, TabularError> {
        let (headers, header_row) = self.layout.finish()?;
        self.body.width = headers.len();
        let row_count = self.body.numbers.len();
        Ok(Table::new(
            headers,
            None,
            header_row,
            row_count,
            Body::Xlsx(self.body),
        ))
    }
}

impl std::fmt::Debug for XlsxBody {
    /// The sizes, not the cells: a table may hold a whole registry.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XlsxBody")
            .field("width", &self.width)
            .field("rows", &self.numbers.len())
            .field("cells", &self.columns.len())
            .field("text_bytes", &self.text.len())
            .finish()
    }
}

impl XlsxBody {
    fn clear(&mut self) {
        self.numbers.clear();
        self.row_ends.clear();
        self.columns.clear();
        self.ends.clear();
        self.numeric.clear();
        self.text.clear();
    }

    pub(crate) fn rows(&self) -> XlsxRows<'_> {
        XlsxRows {
            body: self,
            next: 0,
        }
    }
}

/// The data rows of a read worksheet.
#[derive(Debug)]
pub(crate) struct XlsxRows<'t> {
    body: &'t XlsxBody,
    next: usize,
}

impl Iterator for XlsxRows<'_> {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        let body = self.body;
        let number = *body.numbers.get(self.next)?;
        let first = if self.next == 0 {
            0
        } else {
            body.row_ends[self.next - 1]
        };
        let mut cells = vec![String::new(); body.width];
        let mut numeric = Vec::new();
        for k in first..body.row_ends[self.next] {
            let start = if k == 0 { 0 } else { body.ends[k - 1] };
            let column = usize::from(body.columns[k]);
            cells[column] = body.text[start..body.ends[k]].to_string();
            if body.numeric[k] {
                numeric.push(column);
            }
        }
        self.next += 1;
        Some(Row {
            number,
            cells,
            numeric,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.body.numbers.len() - self.next;
        (left, Some(left))
    }
}

/// Writes a cell's value as the text a user would type for it.
fn render(value: &DataRef<'_>, is_1904: bool, out: &mut String) {
    match value {
        DataRef::Empty => {}
        DataRef::String(s) => out.push_str(s),
        DataRef::SharedString(s) => out.push_str(s),
        DataRef::Int(i) => {
            let _ = write!(out, "{i}");
        }
        DataRef::Float(f) => render_float(*f, out),
        DataRef::Bool(b) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        DataRef::DateTime(dt) => render_datetime(dt, is_1904, out),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => out.push_str(s),
        // "#N/A" and the like: shown as Excel shows them, for the caller to reject as a value.
        DataRef::Error(e) => {
            let _ = write!(out, "{e}");
        }
    }
}

/// Dates as `YYYY-MM-DD`, date-times as `YYYY-MM-DD HH:MM:SS`, times of day as `HH:MM:SS`,
/// durations as `H:MM:SS`. Milliseconds are dropped: no list records them.
fn render_datetime(dt: &ExcelDateTime, is_1904: bool, out: &mut String) {
    let serial = dt.as_f64();
    // `write!` into a String cannot fail; the results are ignored for that reason.
    if dt.is_duration() {
        let total = (serial * 86_400.0).round() as i64;
        let (sign, total) = if total < 0 {
            ("-", -total)
        } else {
            ("", total)
        };
        let _ = write!(
            out,
            "{sign}{}:{:02}:{:02}",
            total / 3600,
            total / 60 % 60,
            total % 60
        );
        return;
    }
    // A serial below 1 is a time of day without a date (in the 1900 system it would be the
    // nonexistent day 1900-01-00).
    if (0.0..1.0).contains(&serial) && !is_1904 {
        let seconds = ((serial * 86_400.0).round() as u32).min(86_399);
        let _ = write!(
            out,
            "{:02}:{:02}:{:02}",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        );
        return;
    }
    let (year, month, day, hour, minute, second, _) = dt.to_ymd_hms_milli();
    let _ = write!(out, "{year:04}-{month:02}-{day:02}");
    if (hour, minute, second) != (0, 0, 0) {
        let _ = write!(out, " {hour:02}:{minute:02}:{second:02}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_the_workbook_reader_is_a_malformed_file() {
        let result: Result<(), TabularError> = guarded(Some(7), || panic!("index out of bounds"));
        assert_eq!(
            result,
            Err(TabularError::Malformed {
                row: Some(7),
                detail: "the workbook reader failed: index out of bounds".into(),
            })
        );
        let result: Result<(), TabularError> =
            guarded(None, || panic!("{} is too large", String::from("x")));
        assert_eq!(
            result,
            Err(TabularError::Malformed {
                row: None,
                detail: "the workbook reader failed: x is too large".into(),
            })
        );
    }
}
