//! Spreadsheets in and out, robustly: the generic layer under the import and export of the
//! registry lists (firms, officers, projects, penalty cases, complaints, key problems).
//!
//! Reading takes an upload as it comes from an office: an .xlsx workbook, or a CSV file in
//! UTF-8 (with or without a byte-order mark), UTF-16 or GBK/GB18030, with Chinese header names.
//! [`read`] checks the whole file first, so every fault (damage, encoding, quoting, size,
//! duplicate headers) is one [`TabularError`] that names the row and column and says, in
//! Chinese or English, what to do; after that, [`Table::rows`] yields trimmed cell text with
//! the row numbers the user sees in their spreadsheet program.
//!
//! Writing produces CSV (UTF-8 with a byte-order mark, for Excel) and .xlsx (streamed, for big
//! lists), with text that looks like a formula neutralised.
//!
//! This crate knows nothing of the domain: which header is which field, and whether a value is
//! a valid credit code, is for the caller.
//!
//! ```
//! use spotcheck_tabular::{read, write_csv, Cell, Format, Limits};
//!
//! let mut file = Vec::new();
//! let rows = vec![vec![Cell::from("91350100M000100Y"), Cell::from("=HYPERLINK(\"x\")")]];
//! write_csv(&["统一社会信用代码", "单位名称"], rows, &mut file, true).unwrap();
//!
//! let table = read(&file, Format::Csv, &Limits::default()).unwrap();
//! let code = table.column(&["统一社会信用代码", "信用代码"]).unwrap();
//! let row = table.rows().next().unwrap();
//! assert_eq!((row.number, row.cell(code)), (2, "91350100M000100Y"));
//! ```

mod column;
mod encoding;
mod error;
mod format;
mod limits;
mod read;
mod table;
mod text;
mod write;

pub use column::column_letter;
pub use encoding::{decode_text, Encoding};
pub use error::{Lang, TabularError};
pub use format::Format;
pub use limits::Limits;
pub use read::{read, read_file};
pub use table::{Row, Rows, Table};
pub use write::csv::write_csv;
pub use write::xlsx::{write_xlsx, XLSX_MAX_CELL_CHARS, XLSX_MAX_DATA_ROWS};
pub use write::Cell;
