//! Reading .xlsx workbooks: values rendered as the user typed them, row numbers as Excel shows
//! them, damaged files explained.

mod common;

use chrono::NaiveDate;
use common::{rows, strings, xlsx};
use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Formula};
use spotcheck_tabular::{read, read_file, write_xlsx, Cell, Format, Lang, Limits, TabularError};

fn read_xlsx(bytes: &[u8]) -> Result<spotcheck_tabular::Table<'_>, TabularError> {
    read(bytes, Format::Xlsx, &Limits::default())
}

#[test]
fn an_export_reads_back_as_it_was_written() {
    let headers = [
        "统一社会信用代码",
        "单位名称",
        "行政区划代码",
        "员工人数",
        "检查日期",
        "签到时间",
        "备注",
    ];
    let rows_in = vec![
        vec![
            Cell::from("91350100M000100Y"),
            Cell::from("福州市某化工有限公司"),
            Cell::from("350102"),
            Cell::Integer(120),
            Cell::Date(NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()),
            Cell::DateTime(
                NaiveDate::from_ymd_opt(2024, 3, 1)
                    .unwrap()
                    .and_hms_opt(9, 30, 15)
                    .unwrap(),
            ),
            Cell::from("=HYPERLINK(\"http://example.com\")"),
        ],
        vec![
            Cell::from("91350102MA2XYZ1234"),
            Cell::from("福建某印染有限公司"),
            Cell::from("350103"),
            Cell::Number(-12.5),
            Cell::Empty,
            Cell::Empty,
            Cell::from("-"),
        ],
    ];
    let mut bytes = Vec::new();
    let written = write_xlsx("企业名录", &headers, rows_in, &mut bytes).unwrap();
    assert_eq!(written, 2);

    let table = read_xlsx(&bytes).unwrap();

    assert_eq!(table.headers, strings(&headers));
    assert_eq!(table.encoding, None);
    assert_eq!(
        rows(&table),
        vec![
            (
                2,
                strings(&[
                    "91350100M000100Y",
                    "福州市某化工有限公司",
                    "350102",
                    "120",
                    "2024-03-01",
                    "2024-03-01 09:30:15",
                    "=HYPERLINK(\"http://example.com\")",
                ])
            ),
            (
                3,
                strings(&[
                    "91350102MA2XYZ1234",
                    "福建某印染有限公司",
                    "350103",
                    "-12.5",
                    "",
                    "",
                    "-"
                ])
            ),
        ]
    );
}

#[test]
fn formula_like_text_is_stored_neutralised_in_the_export() {
    let mut bytes = Vec::new();
    let rows_in = vec![vec![Cell::from("=1+1"), Cell::from("@SUM(A1)")]];
    write_xlsx("s", &["a", "b"], rows_in, &mut bytes).unwrap();

    // What any other program sees: text starting with a quote, and no formula.
    use calamine::{Data, Reader, Xlsx};
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(&bytes)).unwrap();
    let range = workbook.worksheet_range("s").unwrap();
    assert_eq!(
        range.get_value((1, 0)),
        Some(&Data::String("'=1+1".to_string()))
    );
    assert_eq!(
        range.get_value((1, 1)),
        Some(&Data::String("'@SUM(A1)".to_string()))
    );
    let formulas = workbook.worksheet_formula("s").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
}

#[test]
fn values_typed_in_excel_read_as_typed() {
    let bytes = xlsx(|sheet| {
        let date = CellFormat::new().set_num_format("yyyy-mm-dd");
        let date_time = CellFormat::new().set_num_format("yyyy-mm-dd hh:mm");
        let time = CellFormat::new().set_num_format("hh:mm:ss");
        for (column, header) in [
            "区划代码",
            "长数字",
            "小数",
            "日期",
            "时间",
            "时刻",
            "是否重点",
            "公式",
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string(0, column as u16, *header).unwrap();
        }
        // A division code typed as a number, as people do.
        sheet.write_number(1, 0, 650102.0).unwrap();
        // The longest number Excel keeps whole: 15 digits.
        sheet.write_number(1, 1, 913501001234567.0).unwrap();
        sheet.write_number(1, 2, 0.1).unwrap();
        let day = ExcelDateTime::from_ymd(2024, 12, 31).unwrap();
        sheet.write_datetime_with_format(1, 3, &day, &date).unwrap();
        let at = ExcelDateTime::from_ymd(2024, 1, 2)
            .unwrap()
            .and_hms(8, 5, 0)
            .unwrap();
        sheet
            .write_datetime_with_format(1, 4, &at, &date_time)
            .unwrap();
        let clock = ExcelDateTime::from_hms(14, 30, 0).unwrap();
        sheet
            .write_datetime_with_format(1, 5, &clock, &time)
            .unwrap();
        sheet.write_boolean(1, 6, true).unwrap();
        sheet
            .write_formula(1, 7, Formula::new("=A2*2").set_result("1300204"))
            .unwrap();
    });

    let table = read_xlsx(&bytes).unwrap();

    // The numbers are marked as such (a code typed there may have lost its leading zeros);
    // dates, times and booleans are not.
    let numeric = table.rows().next().unwrap().numeric;
    assert!(numeric.starts_with(&[0, 1, 2]), "{numeric:?}");
    assert!(!numeric.iter().any(|c| (3..=6).contains(c)), "{numeric:?}");
    assert_eq!(
        rows(&table)[0].1,
        strings(&[
            "650102",
            "913501001234567",
            "0.1",
            "2024-12-31",
            "2024-01-02 08:05:00",
            "14:30:00",
            "TRUE",
            "1300204",
        ])
    );
}

#[test]
fn blank_rows_are_skipped_but_keep_their_numbers() {
    let bytes = xlsx(|sheet| {
        sheet.write_string(0, 0, "单位名称").unwrap();
        sheet.write_string(0, 1, "地址").unwrap();
        sheet.write_string(2, 0, "甲公司").unwrap();
        // A row holding only spaces is blank too.
        sheet.write_string(3, 1, "\u{3000} ").unwrap();
        sheet.write_string(5, 1, " 鼓楼区 ").unwrap();
    });

    let table = read_xlsx(&bytes).unwrap();

    assert_eq!(
        rows(&table),
        vec![(3, strings(&["甲公司", ""])), (6, strings(&["", "鼓楼区"]))]
    );
}

#[test]
fn a_header_lower_down_the_sheet_is_found() {
    let bytes = xlsx(|sheet| {
        sheet.write_string(2, 1, "单位名称").unwrap();
        sheet.write_string(3, 1, "甲公司").unwrap();
    });
    let table = read_xlsx(&bytes).unwrap();
    assert_eq!(table.header_row, 3);
    assert_eq!(table.headers, strings(&["", "单位名称"]));
    assert_eq!(rows(&table), vec![(4, strings(&["", "甲公司"]))]);
}

#[test]
fn title_rows_above_the_header_are_skipped() {
    let bytes = xlsx(|sheet| {
        let title = CellFormat::new().set_bold();
        sheet.merge_range(0, 0, 0, 2, "附件1", &title).unwrap();
        sheet
            .merge_range(1, 0, 1, 2, "福州市2024年重点排污单位名录", &title)
            .unwrap();
        for (column, header) in ["统一社会信用代码", "单位名称", "行业"].iter().enumerate()
        {
            sheet.write_string(3, column as u16, *header).unwrap();
        }
        sheet.write_string(4, 0, "91350100M000100Y").unwrap();
        sheet.write_string(4, 1, "甲公司").unwrap();
    });

    let table = read_xlsx(&bytes).unwrap();

    assert_eq!(table.header_row, 4);
    assert_eq!(
        table.headers,
        strings(&["统一社会信用代码", "单位名称", "行业"])
    );
    assert_eq!(
        rows(&table),
        vec![(5, strings(&["91350100M000100Y", "甲公司", ""]))]
    );
}

#[test]
fn the_first_visible_sheet_is_read() {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let lists = workbook.add_worksheet();
    lists.set_name("下拉选项").unwrap();
    lists.write_string(0, 0, "行业").unwrap();
    lists.set_hidden(true);
    let data = workbook.add_worksheet();
    data.set_name("企业").unwrap();
    data.write_string(0, 0, "单位名称").unwrap();
    data.set_active(true);
    let bytes = workbook.save_to_buffer().unwrap();

    let table = read_xlsx(&bytes).unwrap();

    assert_eq!(table.headers, strings(&["单位名称"]));
}

#[test]
fn duplicate_headers_in_a_workbook_name_both_columns() {
    let bytes = xlsx(|sheet| {
        for (column, header) in ["单位名称", "地址", "电话", "单位名称 "].iter().enumerate()
        {
            sheet.write_string(0, column as u16, *header).unwrap();
        }
    });
    assert_eq!(
        read_xlsx(&bytes).unwrap_err(),
        TabularError::DuplicateHeader {
            name: "单位名称".to_string(),
            first: "A".to_string(),
            second: "D".to_string()
        }
    );
}

#[test]
fn a_value_outside_the_header_columns_is_refused() {
    let bytes = xlsx(|sheet| {
        sheet.write_string(0, 0, "单位名称").unwrap();
        sheet.write_string(4, 2, "备注：已关停").unwrap();
    });
    assert_eq!(
        read_xlsx(&bytes).unwrap_err(),
        TabularError::ValueWithoutHeader {
            row: 5,
            column: "C".to_string()
        }
    );
}

#[test]
fn a_truncated_workbook_is_malformed_and_the_user_is_told_to_save_it_again() {
    let bytes = xlsx(|sheet| {
        sheet.write_string(0, 0, "单位名称").unwrap();
        for row in 1..200 {
            sheet
                .write_string(row, 0, format!("第{row}家单位"))
                .unwrap();
        }
    });
    let half = &bytes[..bytes.len() / 2];

    let error = read_xlsx(half).unwrap_err();

    assert!(
        matches!(error, TabularError::Malformed { row: None, .. }),
        "{error:?}"
    );
    assert!(error
        .message(Lang::Zh)
        .contains("请在 Excel 中重新保存为 .xlsx 后再导入"));
    assert!(error.message(Lang::En).contains("save it again as .xlsx"));
}

#[test]
fn a_workbook_without_any_value_is_empty() {
    let bytes = xlsx(|_| {});
    assert_eq!(read_xlsx(&bytes).unwrap_err(), TabularError::Empty);
}

#[test]
fn more_rows_than_the_limit_are_refused() {
    let bytes = xlsx(|sheet| {
        sheet.write_string(0, 0, "n").unwrap();
        for row in 1..=3 {
            sheet.write_number(row, 0, row).unwrap();
        }
    });
    let limits = Limits {
        max_rows: 2,
        ..Limits::default()
    };
    assert_eq!(
        read(&bytes, Format::Xlsx, &limits).unwrap_err(),
        TabularError::TooManyRows { limit: 2 }
    );
}

#[test]
fn a_workbook_uploaded_with_a_csv_name_is_still_read_as_a_workbook() {
    let bytes = xlsx(|sheet| {
        sheet.write_string(0, 0, "单位名称").unwrap();
        sheet.write_string(1, 0, "甲公司").unwrap();
    });
    let table = read_file("企业名录.csv", &bytes, &Limits::default()).unwrap();
    assert_eq!(rows(&table), vec![(2, strings(&["甲公司"]))]);
    let table = read(&bytes, Format::Csv, &Limits::default()).unwrap();
    assert_eq!(table.row_count(), 1);
}

/// No library at hand writes Excel 97-2003 files, so this is the compound-document signature
/// every .xls starts with, followed by nothing useful.
#[test]
fn an_old_xls_workbook_is_explained_not_misread() {
    let mut bytes = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    bytes.resize(4096, 0);

    let error = read_file("企业名录.xls", &bytes, &Limits::default()).unwrap_err();

    assert_eq!(error, TabularError::LegacyXls);
    assert!(error.message(Lang::Zh).contains("另存为” .xlsx"));
    assert_eq!(
        read(&bytes, Format::Csv, &Limits::default()).unwrap_err(),
        TabularError::LegacyXls
    );
}
