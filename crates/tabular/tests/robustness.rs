//! Whatever is uploaded, reading ends in a table or an error, never a panic; and what we write
//! reads back unchanged.

mod common;

use std::sync::OnceLock;

use common::xlsx;
use proptest::collection::vec;
use proptest::prelude::*;
use spotcheck_tabular::{
    read, read_file, write_csv, write_xlsx, Cell, Format, Limits, TabularError,
};

/// Reads `bytes` and walks every row, checking that what the checking pass promised holds.
fn read_all(bytes: &[u8], format: Format) {
    if let Ok(table) = read(bytes, format, &Limits::default()) {
        let mut last = table.header_row;
        let mut count = 0;
        for row in table.rows() {
            assert!(row.number > last, "row numbers increase");
            assert_eq!(row.cells.len(), table.headers.len());
            assert!(
                row.cells.iter().any(|cell| !cell.is_empty()),
                "blank rows are skipped"
            );
            last = row.number;
            count += 1;
        }
        assert_eq!(count, table.row_count());
    }
}

/// A real workbook to damage.
fn workbook() -> &'static [u8] {
    static WORKBOOK: OnceLock<Vec<u8>> = OnceLock::new();
    WORKBOOK.get_or_init(|| {
        xlsx(|sheet| {
            for (column, header) in ["统一社会信用代码", "单位名称", "日期"].iter().enumerate()
            {
                sheet.write_string(0, column as u16, *header).unwrap();
            }
            for row in 1..60u32 {
                sheet
                    .write_string(row, 0, format!("9135010{row:011}"))
                    .unwrap();
                sheet
                    .write_string(row, 1, format!("第{row}家单位"))
                    .unwrap();
                sheet
                    .write_number(row, 2, 45000.0 + f64::from(row))
                    .unwrap();
            }
        })
    })
}

/// Deterministic noise, standing in for an upload of random bytes.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed.to_le_bytes()[0]
        })
        .collect()
}

#[test]
fn random_bytes_are_not_a_spreadsheet() {
    let bytes = noise(64 * 1024, 0x5EED);
    let limits = Limits::default();
    assert_eq!(
        read_file("upload.xlsx", &bytes, &limits).unwrap_err(),
        TabularError::NotASpreadsheet
    );
    assert_eq!(
        read_file("upload.csv", &bytes, &limits).unwrap_err(),
        TabularError::NotASpreadsheet
    );
    assert_eq!(
        read(&bytes, Format::Xlsx, &limits).unwrap_err(),
        TabularError::NotASpreadsheet
    );
    assert_eq!(
        read(&bytes, Format::Csv, &limits).unwrap_err(),
        TabularError::NotASpreadsheet
    );

    let zip_like = [b"PK\x03\x04".as_slice(), &bytes].concat();
    assert!(matches!(
        read(&zip_like, Format::Xlsx, &limits).unwrap_err(),
        TabularError::Malformed { row: None, .. }
    ));
}

/// Found by fuzzing (fuzz target `xlsx_import`): a worksheet declaring `<dimension ref="S1:J3"/>`,
/// which ends before it starts, made the workbook reader subtract with overflow, a panic in
/// builds with overflow checks (tests, debug servers). It is an error now; without overflow
/// checks the reader never noticed, and the cells read as usual.
#[test]
fn a_dimension_that_ends_before_it_starts_is_no_panic() {
    let bytes = include_bytes!("data/dimension-end-before-start.xlsx");
    match read(bytes, Format::Xlsx, &Limits::default()) {
        Err(TabularError::Malformed { row: None, detail }) => {
            assert!(detail.contains("workbook reader failed"), "{detail}");
        }
        Ok(table) => {
            assert_eq!(table.headers, ["名称", "代码"]);
            let rows: Vec<Vec<String>> = table.rows().map(|row| row.cells).collect();
            assert_eq!(rows, [["甲", "650102"]]);
        }
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

/// Found by fuzzing (fuzz target `xlsx_import`): a cell reference with thirteen column letters
/// (`AAAAAAAAAAAAA2`) made the workbook reader multiply with overflow, a panic in builds with
/// overflow checks. It is an error now; without overflow checks the column wraps round, and the
/// read ends in an error or a table, never a panic.
#[test]
fn a_cell_reference_with_too_many_column_letters_is_no_panic() {
    let bytes = include_bytes!("data/column-letters-overflow.xlsx");
    let result = read(bytes, Format::Xlsx, &Limits::default());
    if cfg!(debug_assertions) {
        match result {
            Err(TabularError::Malformed { detail, .. }) => {
                assert!(detail.contains("workbook reader failed"), "{detail}");
            }
            other => panic!("expected the reader's overflow as an error, got {other:?}"),
        }
    } else {
        assert!(
            matches!(
                result,
                Ok(_) | Err(TabularError::Malformed { .. } | TabularError::TooManyColumns { .. })
            ),
            "{result:?}"
        );
    }
}

/// A cell value made of characters that stress quoting, neutralisation and trimming.
fn cell_text() -> impl Strategy<Value = String> {
    "[a-z0-9甲乙丙，,;\"'=+@\\- \t\r\n\u{3000}]{0,8}"
        .prop_map(|s| s.trim_matches(|c: char| c.is_whitespace()).to_string())
}

fn table_rows() -> impl Strategy<Value = Vec<Vec<String>>> {
    vec(vec(cell_text(), 3), 0..12)
}

/// The rows a reader should give back: (row number, cells), blank rows left out.
fn expected(rows: &[Vec<String>]) -> Vec<(usize, Vec<String>)> {
    rows.iter()
        .enumerate()
        .filter(|(_, cells)| cells.iter().any(|cell| !cell.is_empty()))
        .map(|(index, cells)| (index + 2, cells.clone()))
        .collect()
}

fn as_cells(rows: &[Vec<String>]) -> Vec<Vec<Cell>> {
    rows.iter()
        .map(|cells| cells.iter().map(|cell| Cell::from(cell.as_str())).collect())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn reading_arbitrary_bytes_never_panics(bytes in vec(any::<u8>(), 0..2048)) {
        read_all(&bytes, Format::Csv);
        read_all(&bytes, Format::Xlsx);
        let _ = read_file("upload", &bytes, &Limits::default());
    }

    #[test]
    fn reading_arbitrary_text_never_panics(text in "[a-c甲,\t\"' \r\n\u{3000}]{0,64}") {
        read_all(text.as_bytes(), Format::Csv);
    }

    #[test]
    fn reading_a_damaged_workbook_never_panics(
        flips in vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        keep in any::<prop::sample::Index>(),
    ) {
        let mut bytes = workbook().to_vec();
        for (at, byte) in flips {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let keep = keep.index(bytes.len() + 1);
        bytes.truncate(keep.max(4));
        read_all(&bytes, Format::Xlsx);
    }

    #[test]
    fn a_csv_export_reads_back_unchanged(rows in table_rows(), bom in any::<bool>()) {
        let mut file = Vec::new();
        write_csv(&["甲", "乙", "丙"], as_cells(&rows), &mut file, bom).unwrap();
        let table = read(&file, Format::Csv, &Limits::default()).unwrap();
        let back: Vec<(usize, Vec<String>)> =
            table.rows().map(|row| (row.number, row.cells)).collect();
        prop_assert_eq!(back, expected(&rows));
    }
}

proptest! {
    // Each case writes and reads a whole workbook.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn an_xlsx_export_reads_back_unchanged(rows in table_rows()) {
        let mut file = Vec::new();
        write_xlsx("s", &["甲", "乙", "丙"], as_cells(&rows), &mut file).unwrap();
        let table = read(&file, Format::Xlsx, &Limits::default()).unwrap();
        let back: Vec<(usize, Vec<String>)> =
            table.rows().map(|row| (row.number, row.cells)).collect();
        prop_assert_eq!(back, expected(&rows));
    }
}
