//! A read spreadsheet: its header row and an iterator over its data rows.

use std::collections::HashMap;

use crate::limits::MAX_COLUMNS;
use crate::read::csv::{CsvBody, CsvRows};
use crate::read::xlsx::{XlsxBody, XlsxRows};
use crate::text::header_key;
use crate::{column_letter, Encoding, TabularError};

/// One data row of a spreadsheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The row number the user sees in their spreadsheet program: with the header in row 1,
    /// the first data row is row 2. Blank rows are skipped but still counted, so the number
    /// always points at the right line of the file.
    pub number: usize,
    /// The cells, one for each header (so `cells[Table::column(..)]` is always in bounds):
    /// trimmed text, `""` where the cell is empty.
    pub cells: Vec<String>,
    /// The columns whose cell a workbook holds as a number (always empty for CSV): a code
    /// typed into a number cell has lost its leading zeros (`0313` is kept as `313`).
    pub numeric: Vec<usize>,
}

impl Row {
    /// The text of the cell in column `index`, `""` when there is no such column.
    pub fn cell(&self, index: usize) -> &str {
        self.cells.get(index).map_or("", String::as_str)
    }
}

/// A spreadsheet that was read and checked: the header row, and data rows to iterate.
///
/// Everything that can be wrong with the file itself (encoding, quoting, damage, size,
/// duplicate headers, values outside the header) was found by [`read`](crate::read), so
/// iterating the rows cannot fail. Whether the values make sense is for the caller to check.
#[derive(Debug)]
pub struct Table<'a> {
    /// The header cells, trimmed, without trailing empty ones; an empty string where a header
    /// cell inside the row is empty.
    pub headers: Vec<String>,
    /// The encoding a CSV file was in; `None` for a workbook.
    pub encoding: Option<Encoding>,
    /// The spreadsheet row number of the header, usually 1: the first row that is not blank,
    /// or the row below the title rows of a template.
    pub header_row: usize,
    row_count: usize,
    body: Body<'a>,
}

#[derive(Debug)]
pub(crate) enum Body<'a> {
    /// CSV rows are parsed again on each iteration rather than kept, so a million-row file
    /// costs its text and not a copy of every cell.
    Csv(CsvBody<'a>),
    Xlsx(XlsxBody),
}

impl<'a> Table<'a> {
    pub(crate) fn new(
        headers: Vec<String>,
        encoding: Option<Encoding>,
        header_row: usize,
        row_count: usize,
        body: Body<'a>,
    ) -> Self {
        Table {
            headers,
            encoding,
            header_row,
            row_count,
            body,
        }
    }

    /// The data rows, top to bottom, blank rows left out.
    pub fn rows(&self) -> Rows<'_> {
        let inner = match &self.body {
            Body::Csv(body) => RowsInner::Csv(body.rows(self.headers.len(), self.header_row)),
            Body::Xlsx(body) => RowsInner::Xlsx(body.rows()),
        };
        Rows { inner }
    }

    /// How many data rows [`Table::rows`] yields (for progress reports).
    pub fn row_count(&self) -> usize {
        self.row_count
    }

    /// The index of the first column whose header is any of `names`, compared ignoring white
    /// space, full-width/half-width forms and ASCII case (`"ＩＤ"` finds `"id"`, `"统一社会\n信用代码"`
    /// finds `"统一社会信用代码"`).
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        let wanted: Vec<String> = names.iter().map(|name| header_key(name)).collect();
        self.headers.iter().position(|header| {
            let key = header_key(header);
            !key.is_empty() && wanted.contains(&key)
        })
    }

    /// Like [`Table::column`], but a missing column is a [`TabularError::MissingColumn`]
    /// naming what was looked for, ready to show the user.
    pub fn require_column(&self, names: &[&str]) -> Result<usize, TabularError> {
        self.column(names)
            .ok_or_else(|| TabularError::MissingColumn {
                names: names.iter().map(|name| name.to_string()).collect(),
            })
    }
}

/// The iterator returned by [`Table::rows`].
#[derive(Debug)]
pub struct Rows<'t> {
    inner: RowsInner<'t>,
}

#[derive(Debug)]
enum RowsInner<'t> {
    Csv(CsvRows<'t>),
    Xlsx(XlsxRows<'t>),
}

impl Iterator for Rows<'_> {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        match &mut self.inner {
            RowsInner::Csv(rows) => rows.next(),
            RowsInner::Xlsx(rows) => rows.next(),
        }
    }
}

/// What a row of the file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowKind {
    /// Blank: nothing to take.
    Blank,
    /// The header, for now: any rows taken as data before it were titles, to be forgotten.
    Header,
    /// A data row with at least one value.
    Data,
}

/// How many single-value rows above a header can be titles.
const MAX_TITLE_ROWS: usize = 3;

/// Finds the header row while the rows of a file go by, and checks the data rows against it.
///
/// The header is the first row that is not blank, except for titles: when the first few rows
/// (at most [`MAX_TITLE_ROWS`]) each hold a single value and the next holds several, those are
/// titles ("附件1", "福州市重点排污单位名录", usually merged across the table) and the row with
/// several values is the header. Government templates often have such rows. A title row with a
/// second value (the filing date, the filing unit) is taken for the header at first; the row
/// after it, with at least four values and some beyond the two, is the header instead.
#[derive(Debug, Default)]
pub(crate) struct Layout {
    headers: Option<Vec<String>>,
    header_row: usize,
    /// Non-blank rows so far.
    rows: usize,
    /// Whether some non-blank row so far held more than one value.
    wide_seen: bool,
    /// Values in the header row, and data rows taken after it.
    header_values: usize,
    data_rows: usize,
}

impl Layout {
    /// Takes in the (cleaned) cells of spreadsheet row `row`, in file order.
    pub(crate) fn take<'c>(
        &mut self,
        row: usize,
        cells: impl Iterator<Item = &'c str> + Clone,
    ) -> Result<RowKind, TabularError> {
        let values = cells.clone().filter(|cell| !cell.is_empty()).count();
        if values == 0 {
            return Ok(RowKind::Blank);
        }
        let titles_above = !self.wide_seen && values > 1 && self.rows <= MAX_TITLE_ROWS;
        // A title with a second value ("名录, 填报日期：…") taken for the header: the first row
        // after it holds at least four values, some beyond it, and is the header.
        let title_taken = self.data_rows == 0
            && self.rows <= MAX_TITLE_ROWS
            && self.header_values == 2
            && values >= 2 * self.header_values
            && self
                .headers
                .as_ref()
                .is_some_and(|h| check_data_row(cells.clone(), h, row).is_err());
        self.rows += 1;
        self.wide_seen |= values > 1;
        match &self.headers {
            Some(headers) if !titles_above && !title_taken => {
                check_data_row(cells, headers, row)?;
                self.data_rows += 1;
                Ok(RowKind::Data)
            }
            _ => {
                self.headers = Some(headers_from(cells)?);
                self.header_row = row;
                self.header_values = values;
                // Rows taken as data so far were titles.
                self.data_rows = 0;
                Ok(RowKind::Header)
            }
        }
    }

    /// The header names and the header's row number; [`TabularError::Empty`] when every row
    /// was blank.
    pub(crate) fn finish(self) -> Result<(Vec<String>, usize), TabularError> {
        let headers = self.headers.ok_or(TabularError::Empty)?;
        Ok((headers, self.header_row))
    }

    /// The header names found so far.
    pub(crate) fn headers(&self) -> &[String] {
        self.headers.as_deref().unwrap_or(&[])
    }
}

/// Makes the header names out of the (cleaned) cells of the header row: trailing empty cells
/// dropped (Excel often saves a few formatted but empty columns), and no two names the same,
/// because a lookup by name must not silently pick one of two columns.
fn headers_from<'c>(cells: impl Iterator<Item = &'c str>) -> Result<Vec<String>, TabularError> {
    let mut headers: Vec<String> = cells.map(str::to_string).collect();
    while headers.last().is_some_and(String::is_empty) {
        headers.pop();
    }
    if headers.len() > MAX_COLUMNS {
        return Err(TabularError::TooManyColumns { limit: MAX_COLUMNS });
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, header) in headers.iter().enumerate() {
        let key = header_key(header);
        if key.is_empty() {
            continue;
        }
        if let Some(&first) = seen.get(&key) {
            return Err(TabularError::DuplicateHeader {
                name: headers[first].clone(),
                first: column_letter(first),
                second: column_letter(index),
            });
        }
        seen.insert(key, index);
    }
    Ok(headers)
}

/// Checks that no value of a data row sits in a column without a header name, where it would
/// otherwise be dropped without a word.
fn check_data_row<'c>(
    cells: impl Iterator<Item = &'c str>,
    headers: &[String],
    row: usize,
) -> Result<(), TabularError> {
    for (index, cell) in cells.enumerate() {
        if !cell.is_empty() && headers.get(index).is_none_or(String::is_empty) {
            return Err(TabularError::ValueWithoutHeader {
                row,
                column: column_letter(index),
            });
        }
    }
    Ok(())
}
