//! Telling formats and encodings apart, naming columns, finding columns by header name, and
//! the messages users see.

mod common;

use common::{csv, xlsx};
use spotcheck_tabular::{column_letter, decode_text, Encoding, Format, Lang, TabularError};

#[test]
fn file_names_map_to_formats_case_insensitively() {
    let cases = [
        ("企业名录.xlsx", Some(Format::Xlsx)),
        ("LIST.XLSX", Some(Format::Xlsx)),
        ("带宏.xlsm", Some(Format::Xlsx)),
        ("企业名录.csv", Some(Format::Csv)),
        ("export.CSV", Some(Format::Csv)),
        ("unicode.txt", Some(Format::Csv)),
        ("old.xls", None),
        ("photo.jpg", None),
        ("no_extension", None),
    ];
    for (name, format) in cases {
        assert_eq!(Format::from_file_name(name), format, "{name}");
    }
}

#[test]
fn content_is_sniffed() {
    let workbook = xlsx(|sheet| {
        sheet.write_string(0, 0, "a").unwrap();
    });
    assert_eq!(Format::sniff(&workbook), Some(Format::Xlsx));
    assert_eq!(
        Format::sniff("单位名称,地址\n".as_bytes()),
        Some(Format::Csv)
    );
    let (gbk, _, _) = encoding_rs::GBK.encode("单位名称,地址\n");
    assert_eq!(Format::sniff(&gbk), Some(Format::Csv));
    assert_eq!(Format::sniff(b"\xFF\xFEa\x00"), Some(Format::Csv));
    assert_eq!(Format::sniff(b"%PDF-1.7\n\x00\x01\x02"), None);
    assert_eq!(Format::sniff(b""), None);
}

#[test]
fn the_content_decides_over_the_name_when_it_is_clear() {
    let workbook = xlsx(|sheet| {
        sheet.write_string(0, 0, "a").unwrap();
    });
    assert_eq!(Format::detect("renamed.csv", &workbook), Some(Format::Xlsx));
    assert_eq!(
        Format::detect("名录.csv", "a,b\n".as_bytes()),
        Some(Format::Csv)
    );
    assert_eq!(
        Format::detect("名录", "a,b\n".as_bytes()),
        Some(Format::Csv)
    );
    assert_eq!(Format::detect("empty.csv", b""), Some(Format::Csv));
    assert_eq!(
        Format::detect("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00"),
        None
    );
}

#[test]
fn every_encoding_is_decoded() {
    let text = "统一社会信用代码,名称\n";
    assert_eq!(
        decode_text(text.as_bytes()).unwrap(),
        (text.to_string(), Encoding::Utf8)
    );
    let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    assert_eq!(
        decode_text(&bom).unwrap(),
        (text.to_string(), Encoding::Utf8Bom)
    );
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(
        decode_text(&utf16).unwrap(),
        (text.to_string(), Encoding::Utf16)
    );
    let (gb, _, _) = encoding_rs::GB18030.encode(text);
    assert_eq!(
        decode_text(&gb).unwrap(),
        (text.to_string(), Encoding::Gb18030)
    );
}

#[test]
fn rare_characters_outside_gbk_are_read_from_gb18030() {
    // 𠀀 (U+20000) exists in GB18030 but not GBK: names of people and places use such characters.
    let text = "姓名\n王𠀀\n";
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    assert_eq!(
        decode_text(&bytes).unwrap(),
        (text.to_string(), Encoding::Gb18030)
    );
}

#[test]
fn bad_bytes_after_a_utf8_mark_are_an_encoding_error() {
    let bytes = b"\xEF\xBB\xBFa\nb\n\xC3(\n";
    assert_eq!(
        decode_text(bytes).unwrap_err(),
        TabularError::Encoding { line: 3 }
    );
}

#[test]
fn an_unpaired_surrogate_in_utf16_is_an_encoding_error() {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend("a\nb\n".encode_utf16().flat_map(u16::to_le_bytes));
    bytes.extend(0xD800u16.to_le_bytes());
    bytes.extend(u16::from(b'c').to_le_bytes());
    assert_eq!(
        decode_text(&bytes).unwrap_err(),
        TabularError::Encoding { line: 3 }
    );
}

#[test]
fn columns_are_lettered_as_in_excel() {
    let cases = [
        (0, "A"),
        (1, "B"),
        (25, "Z"),
        (26, "AA"),
        (27, "AB"),
        (51, "AZ"),
        (52, "BA"),
        (701, "ZZ"),
        (702, "AAA"),
        (16_383, "XFD"),
    ];
    for (index, letters) in cases {
        assert_eq!(column_letter(index), letters, "{index}");
    }
}

#[test]
fn a_column_is_found_by_any_of_its_names() {
    // Header cells wrapped onto two lines (Alt+Enter in Excel) are common in real templates.
    let table = csv("序号,\"统一社会\n信用代码\",单位名称（全称）,ＩＤ\n1,9135,甲,7\n").unwrap();

    assert_eq!(table.column(&["信用代码", "统一社会信用代码"]), Some(1));
    assert_eq!(table.column(&["单位名称(全称)"]), Some(2));
    assert_eq!(table.column(&["id"]), Some(3));
    assert_eq!(table.column(&["地址"]), None);
    assert_eq!(table.column(&[""]), None);
}

#[test]
fn a_missing_column_says_which_names_were_looked_for() {
    let table = csv("单位名称\n甲\n").unwrap();
    let error = table
        .require_column(&["统一社会信用代码", "信用代码"])
        .unwrap_err();
    assert_eq!(
        error,
        TabularError::MissingColumn {
            names: vec!["统一社会信用代码".to_string(), "信用代码".to_string()]
        }
    );
    assert_eq!(
        error.message(Lang::Zh),
        "缺少“统一社会信用代码”列（也可命名为：信用代码）。请在表头行中添加该列后再导入。"
    );
    assert!(error
        .message(Lang::En)
        .contains("\"统一社会信用代码\" (it may also be named 信用代码)"));
    assert_eq!(table.require_column(&["单位名称"]), Ok(0));
}

#[test]
fn every_error_has_a_chinese_and_an_english_message() {
    let errors = [
        TabularError::TooLarge {
            bytes: 300 << 20,
            limit: 200 << 20,
        },
        TabularError::TooManyRows { limit: 1_100_000 },
        TabularError::TooManyColumns { limit: 16_384 },
        TabularError::Empty,
        TabularError::Encoding { line: 7 },
        TabularError::Malformed {
            row: None,
            detail: "invalid Zip archive".to_string(),
        },
        TabularError::Malformed {
            row: Some(9),
            detail: "xml".to_string(),
        },
        TabularError::UnclosedQuote { row: 4 },
        TabularError::ValueWithoutHeader {
            row: 5,
            column: "H".to_string(),
        },
        TabularError::DuplicateHeader {
            name: "名称".to_string(),
            first: "A".to_string(),
            second: "B".to_string(),
        },
        TabularError::MissingColumn {
            names: vec!["名称".to_string()],
        },
        TabularError::NotASpreadsheet,
        TabularError::LegacyXls,
        TabularError::XlsxRowLimit { rows: 1_048_575 },
        TabularError::CellTooLong {
            row: 2,
            column: "C".to_string(),
            limit: 32_767,
        },
        TabularError::Io {
            detail: "No space left on device".to_string(),
        },
    ];
    let has_chinese = |s: &str| s.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c));
    for error in errors {
        let zh = error.message(Lang::Zh);
        let en = error.message(Lang::En);
        assert!(has_chinese(&zh), "{zh}");
        assert!(
            en.is_ascii() || en.contains('“') || has_chinese(&en),
            "{en}"
        );
        assert!(
            zh.contains('。') && en.contains('.'),
            "both say what to do: {zh} / {en}"
        );
        assert_eq!(error.to_string(), en);
    }
    assert!(TabularError::TooLarge {
        bytes: 300 << 20,
        limit: 200 << 20
    }
    .message(Lang::Zh)
    .contains("300.0 MiB"));
    assert!(TabularError::XlsxRowLimit { rows: 1_048_575 }
        .message(Lang::Zh)
        .contains("1,048,575"));
}
