//! Writing lists for people to open in Excel or WPS: safe against formula injection, codes kept
//! as text, readable back.

mod common;

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use common::{rows, strings};
use spotcheck_tabular::{read, write_csv, write_xlsx, Cell, Format, Limits};

fn sample_rows() -> Vec<Vec<Cell>> {
    vec![
        vec![
            Cell::from("91350100M000100Y"),
            Cell::from("=cmd|' /C calc'!A0"),
            Cell::Number(-5.0),
            Cell::Integer(650102),
            Cell::Date(NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()),
        ],
        vec![
            Cell::from("+8613800000000"),
            Cell::from("@SUM(1+1)"),
            Cell::from("-"),
            Cell::from("\t=1"),
            Cell::from("地址，含\"引号\"和,逗号\n两行"),
        ],
        vec![
            Cell::from("'=已转义"),
            Cell::Empty,
            Cell::Number(2.5),
            Cell::from(None::<&str>),
            Cell::from("普通文字"),
        ],
    ]
}

const HEADERS: [&str; 5] = ["代码", "名称", "数值", "编号", "日期"];

fn csv_bytes(bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let written = write_csv(&HEADERS, sample_rows(), &mut out, bom).unwrap();
    assert_eq!(written, 3);
    out
}

#[test]
fn a_csv_for_excel_starts_with_a_byte_order_mark_and_uses_crlf() {
    let with = csv_bytes(true);
    assert!(
        with.starts_with(b"\xEF\xBB\xBF\xE4\xBB\xA3"),
        "BOM, then 代"
    );
    assert!(with.windows(2).any(|w| w == b"\r\n"));
    let without = csv_bytes(false);
    assert_eq!(&with[3..], &without[..]);
}

#[test]
fn formula_like_text_is_neutralised_in_a_csv_but_numbers_are_not() {
    let text = String::from_utf8(csv_bytes(false)).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[1],
        "91350100M000100Y,'=cmd|' /C calc'!A0,-5,650102,2024-03-01"
    );
    assert!(
        lines[2].starts_with("'+8613800000000,'@SUM(1+1),'-,'\t=1,"),
        "{}",
        lines[2]
    );
    assert!(lines[3].starts_with("''=已转义,,2.5,,"), "{}", lines[3]);
}

#[test]
fn a_csv_export_reads_back_as_it_was_written() {
    let bytes = csv_bytes(true);
    let table = read(&bytes, Format::Csv, &Limits::default()).unwrap();
    assert_eq!(table.headers, strings(&HEADERS));
    assert_eq!(
        rows(&table),
        vec![
            (
                2,
                strings(&[
                    "91350100M000100Y",
                    "=cmd|' /C calc'!A0",
                    "-5",
                    "650102",
                    "2024-03-01"
                ])
            ),
            // The leading tab of "\t=1" is white space, trimmed like any other.
            (
                3,
                strings(&[
                    "+8613800000000",
                    "@SUM(1+1)",
                    "-",
                    "=1",
                    "地址，含\"引号\"和,逗号\n两行"
                ])
            ),
            // The line break inside the address does not start a new row.
            (4, strings(&["'=已转义", "", "2.5", "", "普通文字"])),
        ]
    );
}

fn xlsx_bytes() -> Vec<u8> {
    let mut out = Vec::new();
    let written = write_xlsx("企业名录", &HEADERS, sample_rows(), &mut out).unwrap();
    assert_eq!(written, 3);
    out
}

#[test]
fn an_xlsx_export_keeps_codes_as_text_and_numbers_as_numbers() {
    let bytes = xlsx_bytes();
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(&bytes)).unwrap();
    assert_eq!(workbook.sheet_names(), vec!["企业名录".to_string()]);
    let range = workbook.worksheet_range("企业名录").unwrap();

    assert_eq!(
        range.get_value((0, 0)),
        Some(&Data::String("代码".to_string()))
    );
    assert_eq!(
        range.get_value((1, 0)),
        Some(&Data::String("91350100M000100Y".to_string()))
    );
    assert_eq!(
        range.get_value((1, 1)),
        Some(&Data::String("'=cmd|' /C calc'!A0".to_string()))
    );
    // A negative number is a number cell, which no program runs as a formula.
    assert_eq!(range.get_value((1, 2)), Some(&Data::Float(-5.0)));
    assert_eq!(range.get_value((1, 3)), Some(&Data::Float(650102.0)));
    assert!(matches!(range.get_value((1, 4)), Some(Data::DateTime(_))));
    assert_eq!(
        range.get_value((2, 2)),
        Some(&Data::String("'-".to_string()))
    );
}

#[test]
fn an_xlsx_export_has_a_bold_header_row() {
    let bytes = xlsx_bytes();
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(&bytes)).unwrap();
    let styles = workbook.worksheet_style("企业名录").unwrap();
    let bold = |row, column| {
        styles
            .get((row, column))
            .and_then(|style| style.font.as_ref())
            .is_some_and(|font| font.is_bold())
    };
    assert!(bold(0, 0) && bold(0, 4));
    assert!(!bold(1, 0));
}

#[test]
fn an_xlsx_export_reads_back_as_it_was_written() {
    let bytes = xlsx_bytes();
    let table = read(&bytes, Format::Xlsx, &Limits::default()).unwrap();
    assert_eq!(
        rows(&table)[1],
        (
            3,
            strings(&[
                "+8613800000000",
                "@SUM(1+1)",
                "-",
                "=1",
                "地址，含\"引号\"和,逗号\n两行"
            ])
        )
    );
}

#[test]
fn integers_too_large_for_a_number_cell_stay_exact_as_text() {
    let mut out = Vec::new();
    write_xlsx("s", &["n"], vec![vec![Cell::Integer(i64::MAX)]], &mut out).unwrap();
    let table = read(&out, Format::Xlsx, &Limits::default()).unwrap();
    assert_eq!(rows(&table)[0].1, strings(&["9223372036854775807"]));
}

#[test]
fn an_empty_list_exports_its_header_row() {
    let mut out = Vec::new();
    assert_eq!(write_csv(&HEADERS, Vec::new(), &mut out, false).unwrap(), 0);
    assert_eq!(out, "代码,名称,数值,编号,日期\r\n".as_bytes());

    let mut out = Vec::new();
    assert_eq!(write_xlsx("s", &HEADERS, Vec::new(), &mut out).unwrap(), 0);
    let table = read(&out, Format::Xlsx, &Limits::default()).unwrap();
    assert_eq!(table.headers, strings(&HEADERS));
    assert_eq!(table.row_count(), 0);
}

#[test]
fn text_longer_than_an_xlsx_cell_holds_is_refused_with_its_place() {
    let long = "长".repeat(32_768);
    let rows_in = vec![
        vec![Cell::from("ok")],
        vec![Cell::from("x"), Cell::Text(long)],
    ];
    let error = write_xlsx("s", &["a", "b"], rows_in, Vec::new()).unwrap_err();
    assert_eq!(
        error,
        spotcheck_tabular::TabularError::CellTooLong {
            row: 3,
            column: "B".to_string(),
            limit: 32_767
        }
    );
}
