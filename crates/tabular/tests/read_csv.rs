//! Reading CSV files as offices produce them: several encodings, blank lines, stray spaces,
//! broken quoting.

mod common;

use common::{csv, rows, strings};
use spotcheck_tabular::{read, Encoding, Format, Lang, Limits, TabularError};

const FIRMS: &str = "统一社会信用代码,单位名称,所属区县\r\n\
                     91350100M000100Y,福州市某化工有限公司,鼓楼区\r\n\
                     91350102MA2XYZ1234,福建某印染有限公司,台江区\r\n";

#[test]
fn a_gbk_csv_saved_by_excel_in_china_is_read_correctly() {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(FIRMS);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the test file must really be GBK"
    );

    let table = read(&bytes, Format::Csv, &Limits::default()).unwrap();

    assert_eq!(table.encoding, Some(Encoding::Gb18030));
    assert_eq!(
        table.headers,
        strings(&["统一社会信用代码", "单位名称", "所属区县"])
    );
    assert_eq!(
        rows(&table),
        vec![
            (
                2,
                strings(&["91350100M000100Y", "福州市某化工有限公司", "鼓楼区"])
            ),
            (
                3,
                strings(&["91350102MA2XYZ1234", "福建某印染有限公司", "台江区"])
            ),
        ]
    );
}

#[test]
fn a_utf8_csv_with_a_byte_order_mark_has_a_clean_first_header() {
    let bytes = [b"\xEF\xBB\xBF".as_slice(), FIRMS.as_bytes()].concat();

    let table = read(&bytes, Format::Csv, &Limits::default()).unwrap();

    assert_eq!(table.encoding, Some(Encoding::Utf8Bom));
    assert_eq!(table.headers[0], "统一社会信用代码");
    assert_eq!(table.column(&["统一社会信用代码"]), Some(0));
}

#[test]
fn a_utf8_csv_without_a_byte_order_mark_is_read() {
    let table = csv(FIRMS).unwrap();
    assert_eq!(table.encoding, Some(Encoding::Utf8));
    assert_eq!(table.row_count(), 2);
}

/// Excel's "Unicode text" export: UTF-16 LE with a byte-order mark, tab separated.
#[test]
fn a_utf16_tab_separated_export_is_read() {
    let text = FIRMS.replace(',', "\t");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));

    let table = read(&bytes, Format::Csv, &Limits::default()).unwrap();

    assert_eq!(table.encoding, Some(Encoding::Utf16));
    assert_eq!(
        table.headers,
        strings(&["统一社会信用代码", "单位名称", "所属区县"])
    );
    assert_eq!(rows(&table)[1].1[1], "福建某印染有限公司");
}

#[test]
fn a_utf16_big_endian_csv_is_read() {
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend(FIRMS.encode_utf16().flat_map(u16::to_be_bytes));
    let table = read(&bytes, Format::Csv, &Limits::default()).unwrap();
    assert_eq!(table.encoding, Some(Encoding::Utf16));
    assert_eq!(table.row_count(), 2);
}

#[test]
fn text_in_no_known_encoding_is_refused_with_its_line() {
    let mut bytes = b"name,code\r\nA,1\r\n".to_vec();
    bytes.extend_from_slice(b"B,\xFF\xFF\r\n");

    let error = read(&bytes, Format::Csv, &Limits::default()).unwrap_err();

    assert_eq!(error, TabularError::Encoding { line: 3 });
    assert!(error.message(Lang::Zh).contains("第 3 行"));
    assert!(error.message(Lang::Zh).contains("CSV UTF-8"));
}

#[test]
fn row_numbers_are_those_a_spreadsheet_program_shows() {
    // Row 2 is blank, row 3 holds a cell with a line break, row 4 is blank, row 6 has only
    // empty cells; rows 2, 4 and 6 are skipped but still counted.
    let text = "单位名称,备注\r\n\r\n甲公司,\"第一行\r\n第二行\"\r\n\r\n乙公司,x\r\n,\r\n丙公司,y";

    let table = csv(text).unwrap();

    assert_eq!(
        rows(&table),
        vec![
            (3, strings(&["甲公司", "第一行\r\n第二行"])),
            (5, strings(&["乙公司", "x"])),
            (7, strings(&["丙公司", "y"])),
        ]
    );
    assert_eq!(table.row_count(), 3);
}

#[test]
fn blank_lines_above_the_header_move_it_down() {
    let table = csv("\n\n单位名称\n甲公司\n").unwrap();
    assert_eq!(table.header_row, 3);
    assert_eq!(rows(&table), vec![(4, strings(&["甲公司"]))]);
}

#[test]
fn line_ends_of_every_kind_count_one_row_each() {
    let table = csv("名称\r甲\r\r乙\n\n丙\r\n\r\n丁").unwrap();
    let numbers: Vec<usize> = table.rows().map(|row| row.number).collect();
    assert_eq!(numbers, vec![2, 4, 6, 8]);
}

#[test]
fn cells_are_trimmed_of_every_kind_of_space() {
    let table = csv(" 单位名称\u{3000},代码 \n\u{3000}甲公司 ,\u{A0}650102\t\n").unwrap();
    assert_eq!(table.headers, strings(&["单位名称", "代码"]));
    assert_eq!(rows(&table)[0].1, strings(&["甲公司", "650102"]));
}

#[test]
fn short_rows_are_padded_and_trailing_empty_cells_ignored() {
    let table = csv("a,b,c,,\n1\n1,2,3,,,\n").unwrap();
    assert_eq!(table.headers, strings(&["a", "b", "c"]));
    assert_eq!(
        rows(&table),
        vec![(2, strings(&["1", "", ""])), (3, strings(&["1", "2", "3"]))]
    );
}

#[test]
fn an_unclosed_quote_is_reported_at_the_row_where_it_opens() {
    let text = "单位名称,地址\n甲公司,福州\n乙公司,\"鼓楼区\n丙公司,台江区\n丁公司,仓山区\n";

    let error = csv(text).unwrap_err();

    assert_eq!(error, TabularError::UnclosedQuote { row: 3 });
    assert!(error.message(Lang::Zh).starts_with("第 3 行"));
    assert!(error.message(Lang::En).starts_with("Row 3"));
}

#[test]
fn quotes_inside_a_field_are_not_mistaken_for_an_unclosed_quote() {
    let table = csv("名称,说明\n甲,\"他说\"\"好\"\"\"\n乙,5\"屏\n").unwrap();
    assert_eq!(
        rows(&table),
        vec![
            (2, strings(&["甲", "他说\"好\""])),
            (3, strings(&["乙", "5\"屏"]))
        ]
    );
}

#[test]
fn a_value_beyond_the_last_header_is_refused_not_dropped() {
    // An address with an unquoted comma shifts the row by one column.
    let text = "单位名称,地址,行业\n甲公司,福州市,鼓楼区,化工\n";

    let error = csv(text).unwrap_err();

    assert_eq!(
        error,
        TabularError::ValueWithoutHeader {
            row: 2,
            column: "D".to_string()
        }
    );
    assert!(error.message(Lang::Zh).contains("第 2 行 D 列"));
}

#[test]
fn a_value_under_an_empty_header_is_refused() {
    let error = csv("名称,,地址\n甲,备注,福州\n").unwrap_err();
    assert_eq!(
        error,
        TabularError::ValueWithoutHeader {
            row: 2,
            column: "B".to_string()
        }
    );
}

#[test]
fn duplicate_headers_name_both_columns() {
    let error = csv("单位名称,地址,单位名称\n甲,福州,乙\n").unwrap_err();
    assert_eq!(
        error,
        TabularError::DuplicateHeader {
            name: "单位名称".to_string(),
            first: "A".to_string(),
            second: "C".to_string()
        }
    );
    let message = error.message(Lang::Zh);
    assert!(
        message.contains("“单位名称”") && message.contains("A 列和 C 列"),
        "{message}"
    );
}

#[test]
fn headers_differing_only_in_width_or_case_are_duplicates() {
    let error = csv("ID,名称,ｉｄ\n").unwrap_err();
    assert!(
        matches!(error, TabularError::DuplicateHeader { first, second, .. }
        if first == "A" && second == "C")
    );
}

#[test]
fn an_input_larger_than_the_limit_is_refused_before_reading() {
    let limits = Limits {
        max_bytes: 16,
        ..Limits::default()
    };
    let error = read(FIRMS.as_bytes(), Format::Csv, &limits).unwrap_err();
    assert_eq!(
        error,
        TabularError::TooLarge {
            bytes: FIRMS.len(),
            limit: 16
        }
    );
    assert!(error.message(Lang::Zh).contains("拆分"));
}

#[test]
fn more_rows_than_the_limit_are_refused() {
    let limits = Limits {
        max_rows: 1,
        ..Limits::default()
    };
    let error = read(FIRMS.as_bytes(), Format::Csv, &limits).unwrap_err();
    assert_eq!(error, TabularError::TooManyRows { limit: 1 });
}

#[test]
fn exactly_the_limit_of_rows_is_accepted() {
    let limits = Limits {
        max_rows: 2,
        ..Limits::default()
    };
    assert!(read(FIRMS.as_bytes(), Format::Csv, &limits).is_ok());
}

#[test]
fn a_file_without_a_header_row_is_empty() {
    for text in ["", "\r\n\r\n", " , ,\n\u{3000}\n"] {
        assert_eq!(csv(text).unwrap_err(), TabularError::Empty, "{text:?}");
    }
}

#[test]
fn a_header_without_data_rows_is_an_empty_list() {
    let table = csv("单位名称,地址\r\n").unwrap();
    assert_eq!(table.row_count(), 0);
    assert_eq!(table.rows().count(), 0);
}

#[test]
fn the_rows_can_be_iterated_more_than_once() {
    let table = csv(FIRMS).unwrap();
    assert_eq!(rows(&table), rows(&table));
}

#[test]
fn a_title_row_above_the_header_is_skipped() {
    let text = "附件1：福州市重点排污单位名录,,\n单位名称,地址,行业\n甲公司,福州,化工\n";
    let table = csv(text).unwrap();
    assert_eq!(table.header_row, 2);
    assert_eq!(table.headers, strings(&["单位名称", "地址", "行业"]));
    assert_eq!(
        rows(&table),
        vec![(3, strings(&["甲公司", "福州", "化工"]))]
    );
    assert_eq!(table.row_count(), 1);
}

#[test]
fn a_title_row_with_a_date_beside_it_is_skipped_too() {
    // The title and the filing date side by side, a subtitle of who filed, then the header.
    let text = "乌鲁木齐市污染源名录,填报日期：2026-01-05\n\
                单位名称,地址,行业,类别\n甲公司,福州,化工,重点\n";
    let table = csv(text).unwrap();
    assert_eq!(table.header_row, 2);
    assert_eq!(
        table.headers,
        strings(&["单位名称", "地址", "行业", "类别"])
    );
    assert_eq!(
        rows(&table),
        vec![(3, strings(&["甲公司", "福州", "化工", "重点"]))]
    );
    let text = "污染源名录\n填报单位：天山区分局,填报日期：2026-01-05\n\
                单位名称,地址,行业,类别\n甲公司,福州,化工,重点\n";
    assert_eq!(csv(text).unwrap().header_row, 3);
    let text = "附件1\n污染源名录\n填报单位：天山区分局,填报日期：2026-01-05\n\
                单位名称,地址,行业,类别\n甲公司,福州,化工,重点\n";
    assert_eq!(csv(text).unwrap().header_row, 4, "two titles above");
}

#[test]
fn a_first_row_shifted_by_a_comma_under_a_narrow_header_is_still_refused_at_its_cell() {
    // Three columns, and a first row whose text holds unquoted commas: not a header.
    let error =
        csv("统一社会信用代码,季度,问题概述\nX,2026Q1,超标,未整改,已立案,罚款\n").unwrap_err();
    assert_eq!(
        error,
        TabularError::ValueWithoutHeader {
            row: 2,
            column: "D".to_string()
        }
    );
}

#[test]
fn a_one_column_list_is_not_mistaken_for_titles() {
    let table = csv("单位名称\n甲公司\n乙公司\n").unwrap();
    assert_eq!(table.header_row, 1);
    assert_eq!(table.row_count(), 2);
}
