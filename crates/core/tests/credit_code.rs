//! Unified social credit codes (统一社会信用代码), GB 32100-2015.

use proptest::prelude::*;
use spotcheck_core::credit_code::{CreditCode, CreditCodeError, CreditCodePart, ALPHABET};

/// Codes published by the firms themselves (registration certificates, annual reports).
const PUBLISHED: [&str; 10] = [
    "91350100M000100Y43",
    "914403001922038216",
    "9144030071526726XG",
    "91330100799655058B",
    "91110108551385082Q",
    "91110000710926094P",
    "91110000802100433B",
    "91440300192317458F",
    "91650000299937622W",
    "911100001000079554",
];

#[test]
fn published_codes_are_accepted() {
    for code in PUBLISHED {
        let parsed = CreditCode::parse(code).unwrap();
        assert_eq!(parsed.as_str(), code);
    }
}

#[test]
fn the_parts_of_a_code_are_readable() {
    let code = CreditCode::parse("91350100M000100Y43").unwrap();
    assert_eq!(code.registration_authority(), '9');
    assert_eq!(code.organisation_type(), '1');
    assert_eq!(code.division_code(), "350100");
    assert_eq!(code.division().unwrap().as_str(), "350100");
    assert_eq!(code.organisation_code(), "M000100Y4");
}

#[test]
fn lowercase_whitespace_and_full_width_input_are_normalised() {
    let expected = CreditCode::parse("9144030071526726XG").unwrap();
    assert_eq!(
        CreditCode::parse("  9144030071526726xg\n").unwrap(),
        expected
    );
    assert_eq!(
        CreditCode::parse("\u{3000}９１４４０３００７１５２６７２６ＸＧ").unwrap(),
        expected
    );
    assert_eq!(
        CreditCode::parse("９１４４０３００７１５２６７２６ｘｇ").unwrap(),
        expected
    );
}

#[test]
fn a_code_of_the_wrong_length_says_how_long_it_is() {
    assert_eq!(
        CreditCode::parse("91350100M000100Y4"),
        Err(CreditCodeError::WrongLength { length: 17 })
    );
    assert_eq!(
        CreditCode::parse(""),
        Err(CreditCodeError::WrongLength { length: 0 })
    );
    // Characters, not bytes, are counted.
    assert_eq!(
        CreditCode::parse("91350100M000100Y4码"),
        Err(CreditCodeError::InvalidCharacter {
            position: 18,
            found: '码'
        })
    );
}

#[test]
fn letters_outside_the_alphabet_are_pointed_at() {
    for (letter, position) in [('I', 9), ('O', 10), ('Z', 11), ('S', 12), ('V', 13)] {
        let mut code: Vec<char> = "91350100M000100Y43".chars().collect();
        code[position - 1] = letter;
        let code: String = code.into_iter().collect();
        assert_eq!(
            CreditCode::parse(&code),
            Err(CreditCodeError::InvalidCharacter {
                position,
                found: letter
            })
        );
    }
}

#[test]
fn the_division_part_must_be_digits() {
    assert_eq!(
        CreditCode::parse("9135A100M000100Y43"),
        Err(CreditCodeError::DivisionNotDigit {
            position: 5,
            found: 'A'
        })
    );
}

#[test]
fn a_wrong_organisation_code_check_digit_is_reported_with_the_expected_one() {
    assert_eq!(
        CreditCode::parse("91350100M000100Y53"),
        Err(CreditCodeError::InvalidOrganisationCheck {
            expected: '4',
            found: '5'
        })
    );
}

#[test]
fn a_wrong_check_character_is_reported_with_the_expected_one() {
    assert_eq!(
        CreditCode::parse("91350100M000100Y44"),
        Err(CreditCodeError::InvalidCheckCharacter {
            expected: '3',
            found: '4'
        })
    );
}

#[test]
fn errors_have_stable_keys_and_english_messages() {
    let error = CreditCode::parse("123").unwrap_err();
    assert_eq!(error.key(), "wrong_length");
    assert_eq!(
        error.to_string(),
        "a unified social credit code has 18 characters, this one has 3"
    );
}

#[test]
fn from_parts_computes_both_check_characters() {
    let code = CreditCode::from_parts('9', '1', "350100", "M000100Y").unwrap();
    assert_eq!(code.as_str(), "91350100M000100Y43");
    let code = CreditCode::from_parts('9', '1', "440300", "71526726").unwrap();
    assert_eq!(code.as_str(), "9144030071526726XG");
}

#[test]
fn from_parts_rejects_parts_of_the_wrong_length_or_alphabet() {
    assert_eq!(
        CreditCode::from_parts('9', '1', "65010", "MA775L2X"),
        Err(CreditCodeError::WrongPartLength {
            part: CreditCodePart::Division,
            length: 5
        })
    );
    assert_eq!(
        CreditCode::from_parts('9', '1', "650102", "MA775L2"),
        Err(CreditCodeError::WrongPartLength {
            part: CreditCodePart::OrganisationCodeBody,
            length: 7
        })
    );
    assert_eq!(
        CreditCode::from_parts('9', 'I', "650102", "MA775L2X"),
        Err(CreditCodeError::InvalidCharacter {
            position: 2,
            found: 'I'
        })
    );
}

#[test]
fn serde_carries_a_code_as_a_string_and_validates_it() {
    let code = CreditCode::parse("91350100M000100Y43").unwrap();
    let json = serde_json::to_string(&code).unwrap();
    assert_eq!(json, "\"91350100M000100Y43\"");
    assert_eq!(serde_json::from_str::<CreditCode>(&json).unwrap(), code);
    assert!(serde_json::from_str::<CreditCode>("\"91350100M000100Y44\"").is_err());
}

fn alphabet_char() -> impl Strategy<Value = char> {
    proptest::sample::select(ALPHABET.chars().collect::<Vec<_>>())
}

fn generated_code() -> impl Strategy<Value = CreditCode> {
    (
        alphabet_char(),
        alphabet_char(),
        "[0-9]{6}",
        proptest::collection::vec(alphabet_char(), 8),
    )
        .prop_map(|(registration, org_type, division, body)| {
            let body: String = body.into_iter().collect();
            CreditCode::from_parts(registration, org_type, &division, &body).unwrap()
        })
}

proptest! {
    #[test]
    fn every_generated_code_parses_back_to_itself(code in generated_code()) {
        prop_assert_eq!(CreditCode::parse(code.as_str()), Ok(code.clone()));
        prop_assert_eq!(CreditCode::parse(&code.as_str().to_lowercase()), Ok(code));
    }

    #[test]
    fn any_single_character_substitution_is_rejected(
        code in generated_code(),
        position in 0usize..18,
        replacement in alphabet_char(),
    ) {
        let mut chars: Vec<char> = code.as_str().chars().collect();
        prop_assume!(chars[position] != replacement);
        chars[position] = replacement;
        let mistyped: String = chars.into_iter().collect();
        prop_assert!(CreditCode::parse(&mistyped).is_err(), "{mistyped} was accepted");
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,24}") {
        let _ = CreditCode::parse(&text);
    }
}
