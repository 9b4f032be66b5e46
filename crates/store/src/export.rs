//! Exporting a list, its import template, and the error report of a refused import, as .xlsx or
//! .csv with the Chinese headers of the template, so that an exported file imports again
//! unchanged.

use spotcheck_core::lists::{Lang, ListError, ListKind};
use spotcheck_tabular::{write_csv, write_xlsx, Cell, Format, TabularError};

use crate::{lists, Db, Result, StoreError};

/// A sheet of `rows` under `headers` as .xlsx or .csv (the reports use it too).
pub fn table(
    format: Format,
    sheet: &str,
    headers: &[&str],
    rows: Vec<Vec<Cell>>,
) -> Result<Vec<u8>> {
    write(format, sheet, headers, rows).map_err(tabular)
}

fn write(
    format: Format,
    sheet: &str,
    headers: &[&str],
    rows: Vec<Vec<Cell>>,
) -> std::result::Result<Vec<u8>, TabularError> {
    let mut out = Vec::new();
    match format {
        Format::Csv => write_csv(headers, rows, &mut out, true)?,
        Format::Xlsx => write_xlsx(sheet, headers, rows, &mut out)?,
    };
    Ok(out)
}

fn tabular(e: TabularError) -> StoreError {
    StoreError::Invalid(e.message(spotcheck_tabular::Lang::En))
}

/// Every current record of `kind` in the agencies under `path_prefix`, in the template's columns.
pub async fn list(
    db: &Db,
    kind: ListKind,
    path_prefix: &str,
    format: Format,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<u8>> {
    let (headers, _) = kind.template_rows();
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let page = lists::page(db, kind, path_prefix, after, 5_000).await?;
        progress(page.items.len() as u64);
        rows.extend(
            page.items
                .into_iter()
                .map(|s| s.record.to_cells().into_iter().map(Cell::Text).collect()),
        );
        match page.next_after {
            Some(a) => after = Some(a),
            None => break,
        }
    }
    write(format, kind.name_zh(), &headers, rows).map_err(tabular)
}

/// The import template of `kind`: the headers and one example row that imports without error.
pub fn template(kind: ListKind, format: Format) -> Result<Vec<u8>> {
    let (headers, example) = kind.template_rows();
    let row = example.into_iter().map(Cell::from).collect();
    write(format, kind.name_zh(), &headers, vec![row]).map_err(tabular)
}

/// One line of an error report.
pub struct ReportLine {
    pub row: Option<usize>,
    pub column: Option<String>,
    pub message: String,
}

impl ReportLine {
    /// The line of a file refused as a whole, at its row and column where the error names them.
    pub fn of_file(e: &TabularError, lang: Lang) -> Self {
        let (row, column) = e.place();
        ReportLine {
            row,
            column,
            message: e.message(match lang {
                Lang::Zh => spotcheck_tabular::Lang::Zh,
                Lang::En => spotcheck_tabular::Lang::En,
            }),
        }
    }

    pub fn of(e: &ListError, lang: Lang) -> Self {
        ReportLine {
            row: e.row,
            column: e.column.clone(),
            message: e.message(lang),
        }
    }
}

/// The problems of a refused import as a spreadsheet: row, column and what to do, in `lang`.
pub fn error_report(lines: &[ReportLine], lang: Lang, format: Format) -> Result<Vec<u8>> {
    let headers: [&str; 3] = match lang {
        Lang::Zh => ["行号", "列", "问题及处理办法"],
        Lang::En => ["Row", "Column", "Problem and what to do"],
    };
    let rows = lines
        .iter()
        .map(|l| {
            vec![
                l.row
                    .map(|r| Cell::Integer(r as i64))
                    .unwrap_or(Cell::Empty),
                Cell::Text(l.column.clone().unwrap_or_default()),
                Cell::Text(l.message.clone()),
            ]
        })
        .collect();
    write(format, headers[2], &headers, rows).map_err(tabular)
}
