//! Industry codes (行业代码), GB/T 4754-2017.

use spotcheck_core::industry::{IndustryCode, IndustryCodeError, IndustryLevel, IndustryTable};

fn code(s: &str) -> IndustryCode {
    IndustryCode::parse(s).unwrap()
}

#[test]
fn the_embedded_table_has_the_97_divisions_in_20_sections() {
    let table = IndustryTable::gbt4754_2017();
    assert_eq!(table.divisions().count(), 97);
    assert_eq!(table.sections().count(), 20);
    let first = table.divisions().next().unwrap();
    assert_eq!(
        (first.code.as_str(), first.name.as_str(), first.section),
        ("01", "农业", 'A')
    );
    let last = table.divisions().last().unwrap();
    assert_eq!((last.code.as_str(), last.section), ("97", 'T'));
    let codes: Vec<&str> = table.divisions().map(|d| d.code.as_str()).collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    assert_eq!(codes, sorted);
}

#[test]
fn a_class_is_named_by_its_division_and_section() {
    let table = IndustryTable::gbt4754_2017();
    let refinery = code("2511");
    assert_eq!(
        table.division_name(&refinery),
        Some("石油、煤炭及其他燃料加工业")
    );
    let section = table.section(&refinery).unwrap();
    assert_eq!((section.letter, section.name.as_str()), ('C', "制造业"));
    assert_eq!(
        table.division_name(&code("4411")),
        Some("电力、热力生产和供应业")
    );
    assert_eq!(table.section(&code("7724")).unwrap().letter, 'N');
    assert_eq!(table.name(&refinery), Some("石油、煤炭及其他燃料加工业"));
}

#[test]
fn codes_of_two_to_four_digits_with_a_known_division_are_valid() {
    assert_eq!(code("25").level(), IndustryLevel::Division);
    assert_eq!(code("251").level(), IndustryLevel::Group);
    assert_eq!(code("2511").level(), IndustryLevel::Class);
    assert_eq!(code("2511").division(), code("25"));
    assert!(code("2511").is_within(&code("251")));
    assert!(code("2511").is_within(&code("25")));
    assert!(!code("2511").is_within(&code("26")));
    assert_eq!(code(" ２５１１ ").as_str(), "2511");
}

#[test]
fn invalid_codes_say_what_is_wrong() {
    assert_eq!(
        IndustryCode::parse("2"),
        Err(IndustryCodeError::WrongLength { length: 1 })
    );
    assert_eq!(
        IndustryCode::parse("25111"),
        Err(IndustryCodeError::WrongLength { length: 5 })
    );
    assert_eq!(
        IndustryCode::parse("C251"),
        Err(IndustryCodeError::NotDigit {
            position: 1,
            found: 'C'
        })
    );
    // GB/T 4754-2017 has no division 00 or 98.
    assert_eq!(
        IndustryCode::parse("0011"),
        Err(IndustryCodeError::UnknownDivision {
            division: "00".into()
        })
    );
    assert_eq!(
        IndustryCode::parse("98"),
        Err(IndustryCodeError::UnknownDivision {
            division: "98".into()
        })
    );
}

#[test]
fn with_a_class_table_loaded_a_class_must_be_listed() {
    let csv = "\u{feff}code,name\r\n2511,原油加工及石油制品制造\r\n251,精炼石油产品制造\r\n\
               4411,火力发电\r\n\"4412\",\"热电联产\"\r\n25,石油、煤炭及其他燃料加工业\r\n";
    let table = IndustryTable::gbt4754_2017().with_classes(csv).unwrap();
    assert!(table.has_details());
    assert_eq!(table.parse_code("2511").unwrap().as_str(), "2511");
    assert_eq!(table.name(&code("4412")), Some("热电联产"));
    assert_eq!(table.name(&code("251")), Some("精炼石油产品制造"));
    assert_eq!(
        table.parse_code("2512"),
        Err(IndustryCodeError::NotInTable {
            code: "2512".into()
        })
    );
    assert_eq!(
        table.parse_code("252"),
        Err(IndustryCodeError::NotInTable { code: "252".into() })
    );
    assert_eq!(table.parse_code("26").unwrap().as_str(), "26");
    // Without the class table the same class is valid because its division is.
    assert!(IndustryTable::gbt4754_2017().parse_code("2512").is_ok());
}

#[test]
fn a_class_table_that_lists_only_classes_leaves_groups_to_their_division() {
    let table = IndustryTable::gbt4754_2017()
        .with_classes("2511,原油加工及石油制品制造\n")
        .unwrap();
    assert!(table.parse_code("252").is_ok());
    assert!(table.parse_code("2521").is_err());
}

#[test]
fn a_broken_class_table_is_rejected_with_its_line() {
    use spotcheck_core::industry::IndustryTableError as E;
    let base = IndustryTable::gbt4754_2017();
    assert_eq!(
        base.with_classes("code,name\n2511\n"),
        Err(E::MalformedRow { line: 2 })
    );
    assert_eq!(
        base.with_classes("2511,原油加工\n9811,不存在\n"),
        Err(E::InvalidCode {
            line: 2,
            source: IndustryCodeError::UnknownDivision {
                division: "98".into()
            }
        })
    );
    assert_eq!(
        base.with_classes("2511, \n"),
        Err(E::EmptyName {
            line: 1,
            code: "2511".into()
        })
    );
    assert_eq!(
        base.with_classes("2511,a\n2511,b\n"),
        Err(E::Duplicate {
            line: 2,
            code: "2511".into()
        })
    );
}

#[test]
fn serde_carries_a_code_as_a_string_and_validates_it() {
    let json = serde_json::to_string(&code("4411")).unwrap();
    assert_eq!(json, "\"4411\"");
    assert_eq!(
        serde_json::from_str::<IndustryCode>(&json).unwrap(),
        code("4411")
    );
    assert!(serde_json::from_str::<IndustryCode>("\"9811\"").is_err());
}
