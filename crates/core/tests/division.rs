//! Administrative division codes (行政区划代码), GB/T 2260.

use spotcheck_core::division::{
    is_province_code, urumqi_name, DivisionCode, DivisionCodeError, DivisionLevel, URUMQI_CITY,
    URUMQI_DISTRICTS,
};

fn code(s: &str) -> DivisionCode {
    DivisionCode::parse(s).unwrap()
}

#[test]
fn a_district_is_within_its_city_and_its_province() {
    let tianshan = code("650102");
    assert!(tianshan.is_within(&code("650100")));
    assert!(tianshan.is_within(&code("650000")));
    assert!(tianshan.is_within(&tianshan));
    assert!(!tianshan.is_within(&code("650103")));
    assert!(!tianshan.is_within(&code("650200")));
    assert!(!tianshan.is_within(&code("110000")));
    assert!(!code("650100").is_within(&tianshan));
    assert!(!code("650000").is_within(&code("650100")));
}

#[test]
fn province_and_prefecture_are_the_enclosing_codes() {
    let midong = code("650109");
    assert_eq!(midong.province(), code("650000"));
    assert_eq!(midong.prefecture(), code("650100"));
    assert_eq!(code("650100").prefecture(), code("650100"));
    assert_eq!(code("650000").province(), code("650000"));
}

#[test]
fn the_level_follows_the_trailing_zeros() {
    assert_eq!(code("650000").level(), DivisionLevel::Province);
    assert_eq!(code("650100").level(), DivisionLevel::Prefecture);
    assert_eq!(code("650121").level(), DivisionLevel::County);
}

#[test]
fn every_province_level_code_of_the_standard_is_known() {
    let provinces: Vec<u8> = (0..=99).filter(|&p| is_province_code(p)).collect();
    assert_eq!(provinces.len(), 34, "31 mainland, Taiwan, Hong Kong, Macao");
    for p in [11, 15, 21, 23, 31, 37, 41, 46, 50, 54, 61, 65, 71, 81, 82] {
        assert!(is_province_code(p), "{p}");
    }
    for p in [0, 10, 16, 20, 24, 38, 47, 55, 66, 70, 72, 80, 83, 99] {
        assert!(!is_province_code(p), "{p}");
    }
}

#[test]
fn invalid_codes_say_what_is_wrong() {
    assert_eq!(
        DivisionCode::parse("65010"),
        Err(DivisionCodeError::WrongLength { length: 5 })
    );
    assert_eq!(
        DivisionCode::parse("6501O2"),
        Err(DivisionCodeError::NotDigit {
            position: 5,
            found: 'O'
        })
    );
    assert_eq!(
        DivisionCode::parse("000000"),
        Err(DivisionCodeError::UnknownProvince { province: 0 })
    );
    assert_eq!(
        DivisionCode::parse("990102"),
        Err(DivisionCodeError::UnknownProvince { province: 99 })
    );
    assert_eq!(
        DivisionCode::parse("990102").unwrap_err().to_string(),
        "99 is not a province-level code of GB/T 2260"
    );
}

#[test]
fn typed_input_is_normalised() {
    assert_eq!(code(" ６５０１０２ "), code("650102"));
}

#[test]
fn urumqi_has_seven_districts_and_one_county_within_the_city() {
    assert_eq!(URUMQI_CITY.0, code("650100"));
    assert_eq!(URUMQI_CITY.1, "乌鲁木齐市");
    let codes: Vec<&str> = URUMQI_DISTRICTS.iter().map(|d| d.0.as_str()).collect();
    assert_eq!(
        codes,
        ["650102", "650103", "650104", "650105", "650106", "650107", "650109", "650121"]
    );
    for (district, zh, en) in URUMQI_DISTRICTS {
        assert!(district.is_within(&URUMQI_CITY.0));
        assert_eq!(district.level(), DivisionLevel::County);
        assert_eq!(urumqi_name(&district), Some((zh, en)));
    }
    assert_eq!(URUMQI_DISTRICTS[6].1, "米东区");
    assert_eq!(URUMQI_DISTRICTS[7].2, "Urumqi County");
    assert_eq!(urumqi_name(&code("650100")), Some(("乌鲁木齐市", "Urumqi")));
    assert_eq!(urumqi_name(&code("650200")), None);
}

#[test]
fn serde_carries_a_code_as_a_string_and_validates_it() {
    let json = serde_json::to_string(&code("650102")).unwrap();
    assert_eq!(json, "\"650102\"");
    assert_eq!(
        serde_json::from_str::<DivisionCode>(&json).unwrap(),
        code("650102")
    );
    assert!(serde_json::from_str::<DivisionCode>("\"000000\"").is_err());
}
