//! The dynamic information database: importing and exporting the six lists (R-LIST-1 to
//! R-LIST-11).

use chrono::NaiveDate;
use proptest::prelude::*;
use spotcheck_core::credit_code::CreditCodeError;
use spotcheck_core::demo::{self, DemoParams};
use spotcheck_core::division::DivisionCode;
use spotcheck_core::industry::IndustryTable;
use spotcheck_core::lists::{
    find_claimed_elsewhere, find_duplicates, map_headers, parse_row, parse_table, ApprovingLevel,
    ComplaintRecord, EiaForm, FirmRecord, FirmStatus, HeaderMap, Lang, ListCadence, ListError,
    ListKind, OfficerRecord, PenaltyRecord, ProblemRecord, ProjectRecord, Reason, Record,
    UnitCategory, ValidationContext,
};
use spotcheck_core::period::{Quarter, Year};
use spotcheck_core::rules::EnforcementMeasure;

const GOOD_CODE: &str = "91650102MA78UR2K0A";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 4, 10).unwrap()
}

fn ctx() -> ValidationContext<'static> {
    ValidationContext::urumqi(today())
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A firm file with the template's headers and one row, whose cells are the example row with
/// `changes` (template header, new value) applied.
fn firm_row(changes: &[(&str, &str)]) -> (HeaderMap, Vec<String>) {
    let (headers, example) = ListKind::Firms.template_rows();
    let mut cells = strings(&example);
    for (header, value) in changes {
        let i = headers.iter().position(|h| h == header).unwrap();
        cells[i] = (*value).to_owned();
    }
    (
        map_headers(ListKind::Firms, &strings(&headers)).unwrap(),
        cells,
    )
}

fn parse_firm(changes: &[(&str, &str)]) -> Result<FirmRecord, Vec<ListError>> {
    let (map, cells) = firm_row(changes);
    match parse_row(ListKind::Firms, &map, 5, &cells, &ctx())? {
        Record::Firm(f) => Ok(f),
        other => panic!("not a firm: {other:?}"),
    }
}

fn only_error(result: Result<impl std::fmt::Debug, Vec<ListError>>) -> ListError {
    let errors = result.unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors.into_iter().next().unwrap()
}

fn round_trip(record: &Record) -> Record {
    let kind = record.kind();
    parse_row(
        kind,
        &HeaderMap::template(kind),
        2,
        &record.to_cells(),
        &ctx(),
    )
    .unwrap_or_else(|errors| panic!("{record:?}: {errors:?}"))
}

#[test]
fn a_bad_check_character_names_row_column_and_expected_character_in_both_languages() {
    let error = only_error(parse_firm(&[("统一社会信用代码", "91650102MA78UR2K0B")]));
    assert_eq!(error.row, Some(5));
    assert_eq!(error.column.as_deref(), Some("统一社会信用代码"));
    assert_eq!(
        error.reason,
        Reason::InvalidCreditCode(CreditCodeError::InvalidCheckCharacter {
            expected: 'A',
            found: 'B'
        })
    );
    assert_eq!(
        error.message(Lang::Zh),
        "第 5 行“统一社会信用代码”列：校验位错误，应为 A（现为 B）。请核对营业执照上的代码。"
    );
    assert_eq!(
        error.message(Lang::En),
        "Row 5, column 统一社会信用代码: wrong check character, expected A (found B). Check the \
         code on the business licence."
    );
}

#[test]
fn credit_code_messages_say_what_is_wrong_with_the_code() {
    let cases = [
        ("9165010", "18 位，此处为 7 位", "this one has 7"),
        ("9165010IMA78UR2K0A", "第 8 位“I”", "character 8 ('I')"),
        (
            "91650A02MA78UR2K0A",
            "第 6 位“A”应为数字",
            "character 6 ('A') must be a digit",
        ),
        (
            "91650102MA78UR2K1A",
            "第 17 位）错误，应为 0",
            "character 17), expected 0",
        ),
    ];
    for (code, zh, en) in cases {
        let error = only_error(parse_firm(&[("统一社会信用代码", code)]));
        assert!(
            error.message(Lang::Zh).contains(zh),
            "{}",
            error.message(Lang::Zh)
        );
        assert!(
            error.message(Lang::En).contains(en),
            "{}",
            error.message(Lang::En)
        );
    }
}

#[test]
fn header_aliases_marked_and_full_width_headers_map() {
    let headers = strings(&[
        "*信用代码",
        "企业名称（必填）",
        " 所属区县 ",
        "地址(必填)",
        "国民经济行业代码*",
        "监管类别",
        "LONGITUDE",
        "纬度（°）",
    ]);
    let map = map_headers(ListKind::Firms, &headers).unwrap();
    assert_eq!(map.index_of("credit_code"), Some(0));
    assert_eq!(map.header_of("credit_code"), Some("*信用代码"));
    assert_eq!(map.index_of("name"), Some(1));
    assert_eq!(map.index_of("district"), Some(2));
    assert_eq!(map.index_of("address"), Some(3));
    assert_eq!(map.index_of("industry"), Some(4));
    assert_eq!(map.index_of("category"), Some(5));
    assert_eq!(map.index_of("lon"), Some(6));
    assert_eq!(map.index_of("lat"), Some(7));
    assert_eq!(map.index_of("status"), None);
    assert!(map.ignored().is_empty());
}

#[test]
fn english_headers_and_field_keys_map_too() {
    let headers = strings(&[
        "Unified social credit code",
        "name",
        "District",
        "Address",
        "industry code",
        "Supervision Category",
    ]);
    assert!(map_headers(ListKind::Firms, &headers).is_ok());
}

#[test]
fn each_missing_required_column_is_named() {
    let headers = strings(&["统一社会信用代码", "单位名称", "经度", "纬度"]);
    let errors = map_headers(ListKind::Firms, &headers).unwrap_err();
    let missing: Vec<_> = errors
        .iter()
        .map(|e| e.column.as_deref().unwrap())
        .collect();
    assert_eq!(missing, ["所在区县", "详细地址", "行业代码", "监管类别"]);
    assert!(errors
        .iter()
        .all(|e| e.reason == Reason::MissingColumn && e.row.is_none()));
    assert_eq!(
        errors[0].message(Lang::Zh),
        "缺少必填列“所在区县”。请在表头中加入该列，或下载模板对照列名。"
    );
    assert!(errors[0]
        .message(Lang::En)
        .contains("required column 所在区县 is missing"));
}

#[test]
fn unknown_columns_are_ignored_and_reported() {
    let (headers, _) = ListKind::Firms.template_rows();
    let mut headers = strings(&headers);
    headers.insert(2, "法定代表人".to_owned());
    headers.push(String::new());
    let map = map_headers(ListKind::Firms, &headers).unwrap();
    assert_eq!(map.ignored().len(), 1);
    assert_eq!(map.ignored()[0].header, "法定代表人");
    assert_eq!(map.ignored()[0].index, 2);
    assert_eq!(map.index_of("district"), Some(3));
}

#[test]
fn two_headers_for_one_column_are_refused() {
    let (headers, _) = ListKind::Firms.template_rows();
    let mut headers = strings(&headers);
    headers.push("信用代码".to_owned());
    let error = only_error(map_headers(ListKind::Firms, &headers));
    assert_eq!(
        error.reason,
        Reason::DuplicateColumn {
            other: "统一社会信用代码".to_owned()
        }
    );
    assert_eq!(
        error.message(Lang::Zh),
        "“信用代码”列与“统一社会信用代码”列是同一项。请删除其中一列。"
    );
}

#[test]
fn the_district_is_given_by_name_branch_name_or_code() {
    let midong = DivisionCode::parse("650109").unwrap();
    for value in [
        "米东区",
        "米东区分局",
        "650109",
        "乌鲁木齐市米东区",
        " ６５０１０９ ",
    ] {
        assert_eq!(
            parse_firm(&[("所在区县", value)]).unwrap().division,
            midong,
            "{value}"
        );
    }
}

#[test]
fn a_district_outside_the_territory_is_refused_with_the_districts_to_choose_from() {
    let error = only_error(parse_firm(&[("所在区县", "昌吉市")]));
    let Reason::UnknownDistrict { value, allowed } = &error.reason else {
        panic!("{error:?}");
    };
    assert_eq!(value, "昌吉市");
    assert_eq!(allowed.len(), 8);
    assert!(error.message(Lang::Zh).contains("天山区、沙依巴克区"));

    // A valid code of another city is outside too; a malformed one says what is malformed.
    assert!(matches!(
        only_error(parse_firm(&[("所在区县", "652301")])).reason,
        Reason::UnknownDistrict { .. }
    ));
    assert!(matches!(
        only_error(parse_firm(&[("所在区县", "99010")])).reason,
        Reason::InvalidDivision(_)
    ));

    // A branch imports its own territory only.
    let mut branch = ctx();
    branch
        .districts
        .retain(|(code, _)| code.as_str() == "650102");
    let (map, cells) = firm_row(&[("所在区县", "米东区")]);
    let errors = parse_row(ListKind::Firms, &map, 5, &cells, &branch).unwrap_err();
    assert!(
        matches!(&errors[0].reason, Reason::UnknownDistrict { allowed, .. } if allowed == &["天山区"])
    );
}

#[test]
fn key_units_take_the_default_directory_year_unless_the_row_gives_one() {
    let firm = parse_firm(&[("监管类别", "重点"), ("重点名录年度", "")]).unwrap();
    assert_eq!(
        firm.category,
        UnitCategory::Key {
            directory_year: Year::new(2026).unwrap()
        }
    );
    let firm = parse_firm(&[("监管类别", "重点排污单位"), ("重点名录年度", "2025年")]).unwrap();
    assert_eq!(
        firm.category,
        UnitCategory::Key {
            directory_year: Year::new(2025).unwrap()
        }
    );
    let firm = parse_firm(&[("监管类别", "一般"), ("重点名录年度", "")]).unwrap();
    assert_eq!(firm.category, UnitCategory::General);

    let error = only_error(parse_firm(&[("监管类别", "特别重点")]));
    assert_eq!(
        error.reason,
        Reason::InvalidChoice {
            value: "特别重点".to_owned(),
            allowed: vec!["重点", "一般"]
        }
    );
    assert!(error
        .message(Lang::Zh)
        .contains("请填写以下之一：重点、一般"));
}

#[test]
fn status_words_and_default() {
    for (word, status) in [
        ("在产", FirmStatus::Active),
        ("正常", FirmStatus::Active),
        ("运行", FirmStatus::Active),
        ("", FirmStatus::Active),
        ("关闭", FirmStatus::Closed),
        ("停产", FirmStatus::Closed),
        ("注销", FirmStatus::Closed),
    ] {
        assert_eq!(
            parse_firm(&[("状态", word)]).unwrap().status,
            status,
            "{word}"
        );
    }
}

#[test]
fn coordinates_outside_china_are_refused() {
    let error = only_error(parse_firm(&[("经度", "43.7928"), ("纬度", "87.6177")]));
    assert_eq!(
        error.reason,
        Reason::OutOfChina {
            lon: 43.7928,
            lat: 87.6177
        }
    );
    assert_eq!(error.column.as_deref(), Some("经度"));
    assert!(error.message(Lang::Zh).contains("经纬度是否填反"));
    assert!(error.message(Lang::En).contains("swapped"));

    let error = only_error(parse_firm(&[("纬度", "3.4")]));
    assert_eq!(error.column.as_deref(), Some("纬度"));
    assert!(parse_firm(&[("经度", "135.5"), ("纬度", "53.6")]).is_ok());
    assert!(matches!(
        only_error(parse_firm(&[("经度", "八十七")])).reason,
        Reason::InvalidCoordinate { .. }
    ));
}

#[test]
fn one_coordinate_alone_is_refused_and_neither_is_fine() {
    let error = only_error(parse_firm(&[("纬度", "")]));
    assert_eq!(error.reason, Reason::OnlyOneCoordinate);
    assert_eq!(error.column.as_deref(), Some("纬度"));
    let error = only_error(parse_firm(&[("经度", "")]));
    assert_eq!(error.column.as_deref(), Some("经度"));

    let firm = parse_firm(&[("经度", ""), ("纬度", "")]).unwrap();
    assert_eq!((firm.lon, firm.lat), (None, None));

    // Without the latitude column at all, the message names the template's header.
    let headers = strings(&[
        "统一社会信用代码",
        "单位名称",
        "所在区县",
        "详细地址",
        "行业代码",
        "监管类别",
        "经度",
    ]);
    let map = map_headers(ListKind::Firms, &headers).unwrap();
    let cells = strings(&[
        GOOD_CODE,
        "某厂",
        "天山区",
        "某路1号",
        "4430",
        "一般",
        "87.6",
    ]);
    let error = only_error(parse_row(ListKind::Firms, &map, 3, &cells, &ctx()));
    assert_eq!(error.column.as_deref(), Some("纬度"));
}

#[test]
fn coordinates_in_degrees_minutes_and_seconds_are_read() {
    let firm = parse_firm(&[("经度", "87°37′12″"), ("纬度", "43度47分")]).unwrap();
    assert!((firm.lon.unwrap() - 87.62).abs() < 1e-9);
    assert!((firm.lat.unwrap() - (43.0 + 47.0 / 60.0)).abs() < 1e-9);
}

fn parse_penalty(date_text: &str) -> Result<Record, Vec<ListError>> {
    let map = HeaderMap::template(ListKind::Penalties);
    let cells = strings(&[GOOD_CODE, "乌环罚〔2026〕3号", date_text, "超标排放", ""]);
    parse_row(ListKind::Penalties, &map, 2, &cells, &ctx())
}

fn decided_on(record: Record) -> NaiveDate {
    match record {
        Record::Penalty(p) => p.decided_on,
        other => panic!("{other:?}"),
    }
}

#[test]
fn dates_are_read_in_the_usual_formats() {
    for text in [
        "2026-03-05",
        "2026/3/5",
        "2026.3.5",
        "2026年3月5日",
        "2026年03月05日",
        "20260305",
        "2026-03-05 00:00:00",
        "２０２６－０３－０５",
    ] {
        assert_eq!(
            parse_penalty(text).map(decided_on),
            Ok(date(2026, 3, 5)),
            "{text}"
        );
    }
}

#[test]
fn an_excel_serial_number_is_a_date() {
    assert_eq!(parse_penalty("46086").map(decided_on), Ok(date(2026, 3, 5)));
    assert_eq!(
        parse_penalty("46086.0").map(decided_on),
        Ok(date(2026, 3, 5))
    );
    assert_eq!(parse_penalty("45658").map(decided_on), Ok(date(2025, 1, 1)));
}

#[test]
fn impossible_and_future_dates_are_refused() {
    for text in ["2026-02-30", "3/5/2026", "下个月", "12", "2026-13-01"] {
        let error = only_error(parse_penalty(text));
        assert_eq!(
            error.reason,
            Reason::InvalidDate {
                value: text.to_owned()
            },
            "{text}"
        );
        assert!(error
            .message(Lang::Zh)
            .contains("请按 2026-03-05 的格式填写"));
    }
    let error = only_error(parse_penalty("2026-04-11"));
    assert_eq!(
        error.reason,
        Reason::DateInFuture {
            date: date(2026, 4, 11),
            today: today()
        }
    );
    assert!(parse_penalty("2026-04-10").is_ok());
}

fn parse_complaint(quarter: &str, times: &str) -> Result<Record, Vec<ListError>> {
    let map = HeaderMap::template(ListKind::Complaints);
    let cells = strings(&[GOOD_CODE, quarter, times, "夜间噪声扰民"]);
    parse_row(ListKind::Complaints, &map, 2, &cells, &ctx())
}

#[test]
fn quarters_are_read_in_the_usual_formats() {
    let q1 = Quarter::parse("2026Q1").unwrap();
    for text in [
        "2026Q1",
        "2026-Q1",
        "2026 q1",
        "2026年第一季度",
        "2026年第1季度",
        "2026年一季度",
        "2026年度第一季度",
    ] {
        match parse_complaint(text, "2") {
            Ok(Record::Complaint(c)) => assert_eq!(c.quarter, q1, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
    assert!(matches!(
        only_error(parse_complaint("2026年第五季度", "2")).reason,
        Reason::InvalidQuarter { .. }
    ));
    assert!(matches!(
        only_error(parse_complaint("2026Q3", "2")).reason,
        Reason::QuarterInFuture { .. }
    ));
}

#[test]
fn complaint_counts_are_whole_numbers_of_at_least_one() {
    match parse_complaint("2026Q1", "3次") {
        Ok(Record::Complaint(c)) => assert_eq!(c.times_received, 3),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        only_error(parse_complaint("2026Q1", "0")).reason,
        Reason::CountTooSmall { min: 1 }
    );
    assert!(matches!(
        only_error(parse_complaint("2026Q1", "2.5")).reason,
        Reason::InvalidNumber { .. }
    ));
}

#[test]
fn every_problem_of_a_row_is_reported_not_just_the_first() {
    let errors = parse_firm(&[
        ("统一社会信用代码", "123"),
        ("单位名称", ""),
        ("行业代码", "9999"),
        ("监管类别", "?"),
        ("纬度", ""),
    ])
    .unwrap_err();
    let columns: Vec<_> = errors
        .iter()
        .map(|e| e.column.as_deref().unwrap())
        .collect();
    assert_eq!(
        columns,
        [
            "统一社会信用代码",
            "单位名称",
            "行业代码",
            "监管类别",
            "纬度"
        ]
    );
    assert!(errors.iter().all(|e| e.row == Some(5)));
    assert_eq!(errors[1].reason, Reason::Required);
    assert!(errors[2].message(Lang::Zh).contains("GB/T 4754-2017"));
}

#[test]
fn long_names_are_refused_with_the_limit() {
    let long = "厂".repeat(201);
    let error = only_error(parse_firm(&[("单位名称", &long)]));
    assert_eq!(
        error.reason,
        Reason::TooLong {
            max: 200,
            length: 201
        }
    );
}

#[test]
fn industry_codes_are_checked_against_the_loaded_classification() {
    assert!(parse_firm(&[("行业代码", "4430")]).is_ok());
    let table = IndustryTable::gbt4754_2017()
        .with_classes("code,name\n4411,火力发电\n")
        .unwrap();
    let mut strict = ctx();
    strict.industry = &table;
    let (map, cells) = firm_row(&[("行业代码", "4430")]);
    let errors = parse_row(ListKind::Firms, &map, 5, &cells, &strict).unwrap_err();
    assert!(matches!(errors[0].reason, Reason::InvalidIndustry(_)));
}

#[test]
fn repeated_rows_name_both_rows() {
    let (map, cells) = firm_row(&[]);
    let record = parse_row(ListKind::Firms, &map, 4, &cells, &ctx()).unwrap();
    let other = parse_firm(&[("统一社会信用代码", "91650100MA77Q3NX2N")]).unwrap();
    let records = vec![
        (4, record.clone()),
        (6, Record::Firm(other)),
        (9, record.clone()),
    ];
    let errors = find_duplicates(&records);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].row, Some(9));
    assert_eq!(
        errors[0].reason,
        Reason::DuplicateInFile {
            first_row: 4,
            columns: vec!["统一社会信用代码"]
        }
    );
    assert_eq!(
        errors[0].message(Lang::En),
        "Row 9 repeats the 统一社会信用代码 of row 4. Delete one of the two rows or correct it."
    );
    assert_eq!(
        errors[0].message(Lang::Zh),
        "第 9 行与第 4 行的“统一社会信用代码”重复。请删除其中一行或更正。"
    );
}

#[test]
fn document_numbers_repeat_whatever_their_brackets_and_spaces() {
    let penalty = |no: &str| {
        Record::Penalty(PenaltyRecord {
            credit_code: GOOD_CODE.parse().unwrap(),
            decision_no: no.to_owned(),
            decided_on: date(2026, 2, 1),
            violation: "超标排放".to_owned(),
            measures: vec![],
        })
    };
    let records = vec![
        (2, penalty("乌环罚〔2026〕3号")),
        (3, penalty("乌环罚[2026] 3号")),
        (4, penalty("乌环罚〔2026〕4号")),
    ];
    let errors = find_duplicates(&records);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].row, Some(3));
}

#[test]
fn complaints_repeat_only_with_the_same_firm_quarter_and_summary() {
    let complaint = |quarter: &str, summary: &str| {
        Record::Complaint(ComplaintRecord {
            credit_code: GOOD_CODE.parse().unwrap(),
            quarter: quarter.parse().unwrap(),
            times_received: 2,
            summary: summary.to_owned(),
        })
    };
    let records = vec![
        (2, complaint("2026Q1", "噪声扰民")),
        (3, complaint("2025Q4", "噪声扰民")),
        (4, complaint("2026Q1", "异味扰民")),
        (5, complaint("2026Q1", "噪声扰民")),
    ];
    let errors = find_duplicates(&records);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].row, Some(5));
    assert!(errors[0]
        .message(Lang::Zh)
        .contains("“统一社会信用代码、季度、问题概述”重复"));
}

#[test]
fn a_source_on_another_agencys_list_is_refused() {
    let firm = Record::Firm(parse_firm(&[]).unwrap());
    let errors = find_claimed_elsewhere(&[(7, firm)], |key| {
        (key == GOOD_CODE).then(|| "米东区分局".to_owned())
    });
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].row, Some(7));
    assert!(errors[0]
        .message(Lang::Zh)
        .contains("已在“米东区分局”的名录中"));
}

#[test]
fn the_example_row_of_every_template_parses() {
    for kind in ListKind::ALL {
        let (headers, example) = kind.template_rows();
        assert_eq!(headers.len(), example.len());
        let map = map_headers(kind, &strings(&headers)).unwrap();
        assert!(map.ignored().is_empty());
        let record = parse_row(kind, &map, 2, &strings(&example), &ctx())
            .unwrap_or_else(|e| panic!("{kind}: {e:?}"));
        assert_eq!(record.kind(), kind);
        assert_eq!(round_trip(&record), record);
    }
}

#[test]
fn officers_serve_in_the_importing_agency_unless_the_row_says_otherwise() {
    let map = HeaderMap::template(ListKind::Officers);
    let read = |agency: &str, on_duty: &str| {
        let cells = strings(&["王伟", "65010220210001", "2028-12-31", on_duty, agency]);
        parse_row(ListKind::Officers, &map, 2, &cells, &ctx())
    };
    match read("", "") {
        Ok(Record::Officer(o)) => {
            assert_eq!(o.agency, "650100");
            assert!(o.on_duty);
        }
        other => panic!("{other:?}"),
    }
    match read("天山区分局", "否") {
        Ok(Record::Officer(o)) => {
            assert_eq!(o.agency, "650102");
            assert!(!o.on_duty);
        }
        other => panic!("{other:?}"),
    }
    match read("650100-b1", "是") {
        Ok(Record::Officer(o)) => assert_eq!(o.agency, "650100-b1"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        only_error(read("昌吉州支队", "是")).reason,
        Reason::UnknownAgency { .. }
    ));
}

#[test]
fn penalty_measures_are_read_from_their_chinese_names() {
    let map = HeaderMap::template(ListKind::Penalties);
    let read = |measures: &str| {
        let cells = strings(&[
            GOOD_CODE,
            "乌环罚〔2026〕3号",
            "2026-02-10",
            "超标排放",
            measures,
        ]);
        parse_row(ListKind::Penalties, &map, 2, &cells, &ctx())
    };
    let measures = |record| match record {
        Ok(Record::Penalty(p)) => p.measures,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        measures(read("移送行政拘留；按日连续处罚，查封扣押、查封扣押")),
        vec![
            EnforcementMeasure::DailyContinuousPenalty,
            EnforcementMeasure::Seizure,
            EnforcementMeasure::TransferForDetention
        ]
    );
    assert_eq!(measures(read("")), vec![]);
    assert_eq!(measures(read("无")), vec![]);
    let error = only_error(read("罚款"));
    assert!(error
        .message(Lang::Zh)
        .contains("按日连续处罚、查封扣押、限产停产、移送行政拘留"));
}

#[test]
fn projects_read_levels_and_forms() {
    let map = HeaderMap::template(ListKind::Projects);
    let cells = strings(&[
        "某项目",
        "",
        "",
        "自治区级",
        "新环审〔2025〕8号",
        "2025-06-18",
        "环境影响报告书",
    ]);
    match parse_row(ListKind::Projects, &map, 2, &cells, &ctx()) {
        Ok(Record::Project(p)) => {
            assert_eq!(p.approving_level, ApprovingLevel::Region);
            assert_eq!(p.eia_form, EiaForm::Report);
            assert_eq!((p.developer, p.credit_code), (None, None));
        }
        other => panic!("{other:?}"),
    }
}

fn sample_records() -> Vec<Record> {
    let code = || GOOD_CODE.parse().unwrap();
    vec![
        Record::Officer(OfficerRecord {
            name: "艾力·买买提".to_owned(),
            certificate_no: "65010920200015".to_owned(),
            certified_until: date(2027, 6, 30),
            on_duty: false,
            agency: "650109".to_owned(),
        }),
        Record::Firm(FirmRecord {
            credit_code: code(),
            name: "乌鲁木齐某某（集团）有限公司".to_owned(),
            address: "乌鲁木齐市天山区解放南路1号".to_owned(),
            division: DivisionCode::parse("650102").unwrap(),
            industry: "2511".parse().unwrap(),
            category: UnitCategory::Key {
                directory_year: Year::new(2025).unwrap(),
            },
            lon: Some(87.617_733),
            lat: Some(43.792_818),
            status: FirmStatus::Closed,
        }),
        Record::Firm(FirmRecord {
            credit_code: code(),
            name: "某汽修厂".to_owned(),
            address: "某路2号".to_owned(),
            division: DivisionCode::parse("650121").unwrap(),
            industry: "81".parse().unwrap(),
            category: UnitCategory::General,
            lon: None,
            lat: None,
            status: FirmStatus::Active,
        }),
        Record::Project(ProjectRecord {
            name: "某项目".to_owned(),
            developer: Some("某公司".to_owned()),
            credit_code: Some(code()),
            approving_level: ApprovingLevel::National,
            approval_no: "环审〔2025〕1号".to_owned(),
            approved_on: date(2025, 1, 2),
            eia_form: EiaForm::Registration,
        }),
        Record::Project(ProjectRecord {
            name: "另一项目".to_owned(),
            developer: None,
            credit_code: None,
            approving_level: ApprovingLevel::District,
            approval_no: "乌天环评审〔2025〕2号".to_owned(),
            approved_on: date(2025, 12, 31),
            eia_form: EiaForm::Table,
        }),
        Record::Penalty(PenaltyRecord {
            credit_code: code(),
            decision_no: "乌环罚〔2026〕9号".to_owned(),
            decided_on: date(2026, 3, 31),
            violation: "通过暗管排放水污染物".to_owned(),
            measures: EnforcementMeasure::ALL.to_vec(),
        }),
        Record::Complaint(ComplaintRecord {
            credit_code: code(),
            quarter: "2026Q2".parse().unwrap(),
            times_received: 12,
            summary: "异味扰民，周边居民反映强烈".to_owned(),
        }),
        Record::Problem(ProblemRecord {
            credit_code: code(),
            quarter: "2025Q4".parse().unwrap(),
            summary: "在线监测数据异常".to_owned(),
            reported_by: None,
        }),
    ]
}

#[test]
fn every_kind_of_record_survives_export_and_import() {
    let records = sample_records();
    for kind in ListKind::ALL {
        assert!(records.iter().any(|r| r.kind() == kind), "{kind} sampled");
    }
    for record in records {
        assert_eq!(record.to_cells().len(), record.kind().columns().len());
        assert_eq!(round_trip(&record), record);
    }
}

#[test]
fn the_demo_lists_survive_export_and_import() {
    let params = DemoParams::default();
    let seed = params.seed;
    let year = Year::new(2026).unwrap();
    let q1 = Quarter::parse("2026Q1").unwrap();
    let firm = |i| demo::firm(seed, i);
    let mut records: Vec<Record> = Vec::new();
    records.extend(
        params
            .officers()
            .map(|o| Record::Officer(OfficerRecord::from_demo(&o))),
    );
    records.extend(
        params
            .projects(Year::new(2025).unwrap())
            .map(|p| Record::Project(ProjectRecord::from_demo(&p, &firm(p.firm_index)))),
    );
    records.extend(
        params
            .penalty_cases(q1)
            .map(|c| Record::Penalty(PenaltyRecord::from_demo(&c, &firm(c.firm_index)))),
    );
    records.extend(
        params
            .complaints(q1)
            .map(|c| Record::Complaint(ComplaintRecord::from_demo(&c, &firm(c.firm_index)))),
    );
    records.extend(
        params
            .key_problems(q1)
            .map(|p| Record::Problem(ProblemRecord::from_demo(&p, &firm(p.firm_index)))),
    );
    records.extend((0..200).map(|i| Record::Firm(FirmRecord::from_demo(&firm(i), year))));
    for record in &records {
        assert_eq!(&round_trip(record), record);
    }
    let numbered: Vec<_> = records.into_iter().enumerate().collect();
    assert!(find_duplicates(&numbered).is_empty());
}

proptest! {
    #[test]
    fn any_demo_firm_survives_export_and_import(index in 0usize..1_000_000, seed in 0u64..4) {
        let firm = FirmRecord::from_demo(&demo::firm(seed, index), Year::new(2026).unwrap());
        let record = Record::Firm(firm);
        prop_assert_eq!(round_trip(&record), record);
    }
}

#[test]
fn a_whole_file_is_checked_with_blank_rows_skipped_and_repeats_found() {
    let (headers, example) = ListKind::Firms.template_rows();
    let mut headers = strings(&headers);
    headers.push("备注".to_owned());
    let good = strings(&example);
    let mut bad = good.clone();
    bad[0] = "91650102MA78UR2K0B".to_owned();
    let rows = vec![
        (2, good.clone()),
        (3, vec![String::new(), " ".to_owned()]),
        (4, bad),
        (5, good),
    ];
    let table = parse_table(ListKind::Firms, &headers, rows, &ctx()).unwrap();
    assert_eq!(
        table
            .records
            .iter()
            .map(|(row, _)| *row)
            .collect::<Vec<_>>(),
        [2, 5]
    );
    let rows_with_errors: Vec<_> = table.errors.iter().map(|e| e.row).collect();
    assert_eq!(rows_with_errors, [Some(4), Some(5)]);
    assert_eq!(table.ignored.len(), 1);
    assert!(!table.is_clean());

    let errors = parse_table(
        ListKind::Firms,
        &strings(&["单位名称"]),
        Vec::<(usize, Vec<String>)>::new(),
        &ctx(),
    )
    .unwrap_err();
    assert_eq!(errors.len(), 5);
}

#[test]
fn notes_under_a_table_are_one_problem_each_not_one_per_empty_cell() {
    let (headers, example) = ListKind::Firms.template_rows();
    let headers = strings(&headers);
    let width = headers.len();
    let note = |cells: &[&str]| {
        let mut row = strings(cells);
        row.resize(width, String::new());
        row
    };
    let rows = vec![
        (2, strings(&example)),
        (3, note(&["合计", "1"])),
        (4, note(&["填表人：张三", "审核人：李四"])),
        (5, note(&["", "", "备注：以上为本季度名录"])),
    ];
    let table = parse_table(ListKind::Firms, &headers, rows, &ctx()).unwrap();
    assert_eq!(table.records.len(), 1);
    let problems: Vec<_> = table.errors.iter().map(|e| (e.row, &e.reason)).collect();
    assert_eq!(
        problems,
        [
            (Some(3), &Reason::NoteRow),
            (Some(4), &Reason::NoteRow),
            (Some(5), &Reason::NoteRow)
        ]
    );
    assert!(
        table.errors[0].message(Lang::Zh).contains("第 3 行")
            && table.errors[0].message(Lang::Zh).contains("删除")
    );
}

#[test]
fn list_kinds_have_names_rules_and_cadences() {
    for kind in ListKind::ALL {
        assert_eq!(ListKind::parse(kind.as_str()), Some(kind));
        assert_eq!(kind.as_str().parse::<ListKind>(), Ok(kind));
        assert_eq!(ListKind::parse(kind.name_zh()), Some(kind));
        assert!(kind.rule_ids()[0].starts_with("R-LIST-"));
    }
    assert_eq!(ListKind::parse("inspections"), None);
    let annual: Vec<_> = ListKind::ALL
        .into_iter()
        .filter(|k| k.cadence() == ListCadence::Annual)
        .collect();
    assert_eq!(
        annual,
        [ListKind::Officers, ListKind::Firms, ListKind::Projects]
    );
    assert!(ListKind::Complaints.is_quarterly());
    let words: Vec<_> = ListKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(
        words,
        [
            "officers",
            "firms",
            "projects",
            "penalties",
            "complaints",
            "problems"
        ]
    );
}

#[test]
fn the_language_follows_the_tag() {
    assert_eq!(Lang::from_tag("en-GB"), Lang::En);
    assert_eq!(Lang::from_tag("zh-CN"), Lang::Zh);
    assert_eq!(Lang::from_tag(""), Lang::Zh);
}
