//! CSV files: decoded once, checked in one pass, parsed again while the rows are iterated.

use std::borrow::Cow;

use csv::{ByteRecord, ReaderBuilder};

use crate::encoding::decode;
use crate::format::looks_binary;
use crate::table::{Body, Layout, RowKind};
use crate::text::clean_cell;
use crate::{Limits, Row, Table, TabularError};

/// The decoded text of a CSV file and how to split it.
pub(crate) struct CsvBody<'a> {
    /// Borrowed from the input when it was UTF-8 already, so big files are not copied.
    text: Cow<'a, str>,
    delimiter: u8,
}

pub(crate) fn read_csv<'a>(bytes: &'a [u8], limits: &Limits) -> Result<Table<'a>, TabularError> {
    if looks_binary(bytes) {
        return Err(TabularError::NotASpreadsheet);
    }
    let (text, encoding) = decode(bytes)?;
    let delimiter = delimiter_of(&text);
    let (headers, header_row, row_count) = check(&text, delimiter, limits)?;
    let body = Body::Csv(CsvBody { text, delimiter });
    Ok(Table::new(
        headers,
        Some(encoding),
        header_row,
        row_count,
        body,
    ))
}

/// The checking pass: finds the header row, counts the data rows, and finds every fault the
/// file has, so that iterating the rows afterwards cannot fail.
fn check(
    text: &str,
    delimiter: u8,
    limits: &Limits,
) -> Result<(Vec<String>, usize, usize), TabularError> {
    let mut cursor = Cursor::new(text.as_bytes(), delimiter);
    let mut layout = Layout::default();
    let mut row_count = 0;
    while cursor.advance()? {
        match layout.take(cursor.row, cursor.cells())? {
            RowKind::Blank => {}
            // Rows above the header are skipped when iterating, by their number.
            RowKind::Header => row_count = 0,
            RowKind::Data => {
                row_count += 1;
                if row_count > limits.max_rows {
                    return Err(TabularError::TooManyRows {
                        limit: limits.max_rows,
                    });
                }
            }
        }
    }
    let (headers, header_row) = layout.finish()?;
    Ok((headers, header_row, row_count))
}

/// Tab when the first lines have more tabs than commas (Excel's "Unicode text" and "Text (tab
/// delimited)" exports), comma otherwise. Several lines are counted because a title line
/// above the header may have neither.
fn delimiter_of(text: &str) -> u8 {
    let head = text
        .split(['\n', '\r'])
        .filter(|line| !line.trim().is_empty())
        .take(10);
    let (tabs, commas) = head.fold((0, 0), |(tabs, commas), line| {
        (
            tabs + line.matches('\t').count(),
            commas + line.matches(',').count(),
        )
    });
    if tabs > commas {
        b'\t'
    } else {
        b','
    }
}

impl std::fmt::Debug for CsvBody<'_> {
    /// The size, not the text: a table may hold a whole registry.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvBody")
            .field("text_bytes", &self.text.len())
            .field("delimiter", &char::from(self.delimiter))
            .finish()
    }
}

impl CsvBody<'_> {
    pub(crate) fn rows(&self, width: usize, header_row: usize) -> CsvRows<'_> {
        CsvRows {
            cursor: Cursor::new(self.text.as_bytes(), self.delimiter),
            width,
            header_row,
        }
    }
}

/// The data rows of a checked CSV file.
#[derive(Debug)]
pub(crate) struct CsvRows<'t> {
    cursor: Cursor<'t>,
    width: usize,
    header_row: usize,
}

impl Iterator for CsvRows<'_> {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        // The checking pass read the same text with the same parser without error, so an
        // error here cannot happen; should it ever, the rows simply end.
        while let Ok(true) = self.cursor.advance() {
            if self.cursor.row <= self.header_row {
                continue;
            }
            let mut cells: Vec<String> = self
                .cursor
                .cells()
                .take(self.width)
                .map(str::to_string)
                .collect();
            if cells.iter().all(String::is_empty) {
                continue;
            }
            cells.resize(self.width, String::new());
            return Some(Row {
                number: self.cursor.row,
                cells,
                numeric: Vec::new(),
            });
        }
        None
    }
}

/// A CSV parser that also knows the spreadsheet row number of each record and notices a quote
/// left open at the end of the file, neither of which the `csv` crate reports.
struct Cursor<'t> {
    bytes: &'t [u8],
    delimiter: u8,
    reader: csv::Reader<&'t [u8]>,
    record: ByteRecord,
    /// Row number of the current record, as a spreadsheet program would number it.
    row: usize,
    /// Byte offset where the reader began reading the current record.
    start: usize,
    started: bool,
    finished: bool,
}

impl std::fmt::Debug for Cursor<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cursor")
            .field("row", &self.row)
            .field("start", &self.start)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl<'t> Cursor<'t> {
    fn new(bytes: &'t [u8], delimiter: u8) -> Self {
        let reader = ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(bytes);
        Cursor {
            bytes,
            delimiter,
            reader,
            record: ByteRecord::new(),
            row: 0,
            start: 0,
            started: false,
            finished: false,
        }
    }

    /// Moves to the next record; `false` at the end of the file.
    fn advance(&mut self) -> Result<bool, TabularError> {
        if self.finished {
            return Ok(false);
        }
        let start = usize::try_from(self.reader.position().byte()).unwrap_or(self.bytes.len());
        match self.reader.read_byte_record(&mut self.record) {
            Ok(true) => {
                // Blank lines are skipped by the parser but are rows in a spreadsheet program.
                let blank = blank_lines_at(self.bytes, start);
                let next = if self.started { self.row + 1 } else { 1 };
                self.row = next + blank;
                self.started = true;
                self.start = start;
                Ok(true)
            }
            Ok(false) => {
                self.finished = true;
                // An open quote swallows everything after it, so it can only be in the last
                // record.
                if self.started && ends_inside_quotes(&self.bytes[self.start..], self.delimiter) {
                    return Err(TabularError::UnclosedQuote { row: self.row });
                }
                Ok(false)
            }
            Err(error) => {
                self.finished = true;
                Err(TabularError::Malformed {
                    row: Some(self.row + 1),
                    detail: error.to_string(),
                })
            }
        }
    }

    /// The cleaned cells of the current record.
    fn cells(&self) -> impl Iterator<Item = &str> + Clone + '_ {
        // The text was decoded into UTF-8 and fields split at ASCII bytes, so each field is
        // UTF-8; the fallback is never taken.
        self.record
            .iter()
            .map(|field| clean_cell(std::str::from_utf8(field).unwrap_or("")))
    }
}

/// How many line breaks (`\r\n`, `\n` or `\r` each counting once) start at `at`, i.e. how many
/// blank lines the parser skipped before the record that begins there. A `\n` completing the
/// `\r\n` of the previous record is not one.
fn blank_lines_at(bytes: &[u8], at: usize) -> usize {
    let mut count = 0;
    let mut i = at;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\r' => count += 1,
            b'\n' if i == 0 || bytes[i - 1] != b'\r' => count += 1,
            b'\n' => {}
            _ => break,
        }
        i += 1;
    }
    count
}

/// Whether the last record (`tail`, from where the parser began reading it) ends inside a
/// quoted field. Follows the `csv` crate's rules: a quote opens a field only at its start,
/// `""` inside is a literal quote.
fn ends_inside_quotes(tail: &[u8], delimiter: u8) -> bool {
    #[derive(PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    for &b in tail {
        state = match state {
            State::FieldStart | State::Unquoted | State::QuoteInQuoted
                if b == delimiter || b == b'\r' || b == b'\n' =>
            {
                State::FieldStart
            }
            State::FieldStart if b == b'"' => State::Quoted,
            State::FieldStart | State::Unquoted => State::Unquoted,
            State::Quoted if b == b'"' => State::QuoteInQuoted,
            State::Quoted => State::Quoted,
            State::QuoteInQuoted if b == b'"' => State::Quoted,
            State::QuoteInQuoted => State::Unquoted,
        };
    }
    state == State::Quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_are_counted_once_per_break() {
        assert_eq!(blank_lines_at(b"a\r\n\r\nb", 2), 1);
        assert_eq!(blank_lines_at(b"a\n\n\nb", 2), 2);
        assert_eq!(blank_lines_at(b"\r\rb", 0), 2);
        assert_eq!(blank_lines_at(b"b", 0), 0);
    }

    #[test]
    fn an_open_quote_at_the_end_is_noticed() {
        assert!(ends_inside_quotes(b"a,\"bc\n", b','));
        assert!(ends_inside_quotes(b"\n\"x\"\"y", b','));
        assert!(!ends_inside_quotes(b"a,\"b\nc\"", b','));
        assert!(!ends_inside_quotes(b"a,b\"c", b','));
        assert!(!ends_inside_quotes(b"\"a\"\"\"", b','));
    }

    #[test]
    fn tab_separated_text_is_recognised() {
        assert_eq!(delimiter_of("\n名称\t地址\t电话,分机\n"), b'\t');
        assert_eq!(delimiter_of("名称,地址\n"), b',');
        assert_eq!(delimiter_of("附件1\n名称\t地址\t行业\n"), b'\t');
    }
}
