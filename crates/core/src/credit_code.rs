//! Unified social credit code (统一社会信用代码), GB 32100-2015: the 18-character identifier every
//! firm, institution and organisation in China carries, and the key of the pollution source list.
//!
//! Layout (1-based positions):
//!
//! | chars | meaning |
//! | --- | --- |
//! | 1 | registration authority (登记管理部门), e.g. `9` market regulation, `1` public institutions |
//! | 2 | organisation type (机构类别), e.g. `1` enterprise, `2` individual business |
//! | 3-8 | administrative division code (登记管理机关行政区划码), GB/T 2260, digits |
//! | 9-17 | organisation code (组织机构代码), GB 11714: 8 characters and a mod-11 check |
//! | 18 | check character (校验码), mod 31 over chars 1-17 |

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::division::DivisionCode;

/// The 31 characters a credit code may use: digits and the uppercase Latin letters without I, O,
/// Z, S and V (easily confused with 1, 0, 2, 5 and U). A character's value is its index here.
pub const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

const ALPHABET_CHARS: [u8; 31] = *b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Length of a credit code in characters.
pub const LENGTH: usize = 18;

/// Weights of chars 1-17 for the check character: 3^i mod 31.
const CHECK_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Weights of the 8 body characters of a GB 11714 organisation code.
const ORGANISATION_CODE_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Unified social credit code (统一社会信用代码), GB 32100-2015.
///
/// Holds only codes whose characters, division digits and both check characters are valid;
/// always 18 ASCII characters in upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

/// Which part of a credit code a [`CreditCode::from_parts`] argument is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CreditCodePart {
    /// Chars 3-8, the administrative division code: 6 digits.
    Division,
    /// Chars 9-16, the organisation code without its check digit: 8 characters.
    OrganisationCodeBody,
}

impl CreditCodePart {
    /// A stable name for message keys and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            CreditCodePart::Division => "division",
            CreditCodePart::OrganisationCodeBody => "organisation_code_body",
        }
    }

    /// How many characters the part has.
    pub fn length(self) -> usize {
        match self {
            CreditCodePart::Division => 6,
            CreditCodePart::OrganisationCodeBody => 8,
        }
    }
}

impl fmt::Display for CreditCodePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CreditCodePart::Division => "administrative division code",
            CreditCodePart::OrganisationCodeBody => "organisation code body",
        })
    }
}

/// Why a text is not a unified social credit code. Positions are 1-based character positions in
/// the normalised code (after trimming), so a UI can point at the character.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("a unified social credit code has 18 characters, this one has {length}")]
    WrongLength { length: usize },
    #[error(
        "character {position} ('{found}') is not allowed: a credit code uses digits and the \
         letters A-Y without I, O, S, V, Z"
    )]
    InvalidCharacter { position: usize, found: char },
    #[error(
        "character {position} ('{found}') must be a digit: characters 3 to 8 are the \
         administrative division code"
    )]
    DivisionNotDigit { position: usize, found: char },
    #[error(
        "the organisation code (characters 9 to 17) ends in '{found}' but its check digit is \
         '{expected}'"
    )]
    InvalidOrganisationCheck { expected: char, found: char },
    #[error("the check character (character 18) is '{found}' but should be '{expected}'")]
    InvalidCheckCharacter { expected: char, found: char },
    #[error("the {part} must have {} characters, got {length}", part.length())]
    WrongPartLength { part: CreditCodePart, length: usize },
}

impl CreditCodeError {
    /// A stable key naming the kind of error, for translated messages (`credit_code.<key>`).
    pub fn key(&self) -> &'static str {
        match self {
            CreditCodeError::WrongLength { .. } => "wrong_length",
            CreditCodeError::InvalidCharacter { .. } => "invalid_character",
            CreditCodeError::DivisionNotDigit { .. } => "division_not_digit",
            CreditCodeError::InvalidOrganisationCheck { .. } => "invalid_organisation_check",
            CreditCodeError::InvalidCheckCharacter { .. } => "invalid_check_character",
            CreditCodeError::WrongPartLength { .. } => "wrong_part_length",
        }
    }
}

impl CreditCode {
    /// Parses a code as typed or imported: surrounding whitespace, lower case and full-width
    /// characters (from Chinese input methods) are accepted and normalised first.
    pub fn parse(input: &str) -> Result<CreditCode, CreditCodeError> {
        let code = normalise_code_input(input);
        let chars: Vec<char> = code.chars().collect();
        if chars.len() != LENGTH {
            return Err(CreditCodeError::WrongLength {
                length: chars.len(),
            });
        }
        check_characters(&chars, 1)?;
        let found_org_check = chars[16];
        let expected_org_check = organisation_check_digit(&chars[8..16]);
        if found_org_check != expected_org_check {
            return Err(CreditCodeError::InvalidOrganisationCheck {
                expected: expected_org_check,
                found: found_org_check,
            });
        }
        let expected_check = check_character(&chars[..17]);
        if chars[17] != expected_check {
            return Err(CreditCodeError::InvalidCheckCharacter {
                expected: expected_check,
                found: chars[17],
            });
        }
        Ok(CreditCode(code))
    }

    /// Builds a code from its parts and computes both check characters: the organisation code's
    /// check digit (char 17) and the code's check character (char 18).
    pub fn from_parts(
        registration: char,
        org_type: char,
        division: &str,
        org_code_body8: &str,
    ) -> Result<CreditCode, CreditCodeError> {
        let division_len = division.chars().count();
        if division_len != CreditCodePart::Division.length() {
            return Err(CreditCodeError::WrongPartLength {
                part: CreditCodePart::Division,
                length: division_len,
            });
        }
        let body_len = org_code_body8.chars().count();
        if body_len != CreditCodePart::OrganisationCodeBody.length() {
            return Err(CreditCodeError::WrongPartLength {
                part: CreditCodePart::OrganisationCodeBody,
                length: body_len,
            });
        }
        let mut chars: Vec<char> = Vec::with_capacity(LENGTH);
        chars.push(registration.to_ascii_uppercase());
        chars.push(org_type.to_ascii_uppercase());
        chars.extend(division.chars());
        chars.extend(org_code_body8.chars().map(|c| c.to_ascii_uppercase()));
        check_characters(&chars, 1)?;
        chars.push(organisation_check_digit(&chars[8..16]));
        chars.push(check_character(&chars));
        Ok(CreditCode(chars.into_iter().collect()))
    }

    /// The code, 18 upper-case ASCII characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Char 1, the registration authority (登记管理部门代码).
    pub fn registration_authority(&self) -> char {
        self.char_at(0)
    }

    /// Char 2, the organisation type (机构类别代码).
    pub fn organisation_type(&self) -> char {
        self.char_at(1)
    }

    /// Chars 3-8, the administrative division code of the registering authority. Kept as text:
    /// codes issued nationally or by since-abolished divisions need not be a current GB/T 2260
    /// code; see [`CreditCode::division`].
    pub fn division_code(&self) -> &str {
        &self.0[2..8]
    }

    /// The division code as a [`DivisionCode`], when it is a valid one.
    pub fn division(&self) -> Option<DivisionCode> {
        DivisionCode::parse(self.division_code()).ok()
    }

    /// Chars 9-17, the GB 11714 organisation code (组织机构代码) with its check digit.
    pub fn organisation_code(&self) -> &str {
        &self.0[8..17]
    }

    fn char_at(&self, index: usize) -> char {
        char::from(self.0.as_bytes()[index])
    }
}

/// Checks that every character is in the alphabet and that the division part (chars 3-8) is
/// digits. `first_position` is the 1-based position of `chars[0]`.
fn check_characters(chars: &[char], first_position: usize) -> Result<(), CreditCodeError> {
    for (offset, &c) in chars.iter().enumerate() {
        let position = first_position + offset;
        if value_of(c).is_none() {
            return Err(CreditCodeError::InvalidCharacter { position, found: c });
        }
        if (3..=8).contains(&position) && !c.is_ascii_digit() {
            return Err(CreditCodeError::DivisionNotDigit { position, found: c });
        }
    }
    Ok(())
}

/// The value of a credit-code character: its index in [`ALPHABET`].
fn value_of(c: char) -> Option<u32> {
    let byte = u8::try_from(c).ok()?;
    ALPHABET_CHARS
        .iter()
        .position(|&a| a == byte)
        .and_then(|i| u32::try_from(i).ok())
}

/// GB 11714 value of an organisation code character: digits 0-9, letters A-Z 10-35.
fn organisation_value(c: char) -> u32 {
    match c {
        '0'..='9' => u32::from(c) - u32::from('0'),
        'A'..='Z' => u32::from(c) - u32::from('A') + 10,
        // Unreachable for characters that passed `check_characters`; a value of 0 keeps the
        // function total without a panic.
        _ => 0,
    }
}

/// The GB 11714 check digit of an 8-character organisation code body: 11 - (sum mod 11), where
/// 10 is written X and 11 is written 0.
fn organisation_check_digit(body: &[char]) -> char {
    let sum: u32 = body
        .iter()
        .zip(ORGANISATION_CODE_WEIGHTS)
        .map(|(&c, w)| organisation_value(c) * w)
        .sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        digit => char::from_digit(digit, 10).unwrap_or('0'),
    }
}

/// The GB 32100 check character of the first 17 characters: 31 - (sum mod 31), where 31 is
/// written 0.
fn check_character(first17: &[char]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(CHECK_WEIGHTS)
        .map(|(&c, w)| value_of(c).unwrap_or(0) * w)
        .sum();
    let value = (31 - sum % 31) % 31;
    char::from(ALPHABET_CHARS[value as usize])
}

/// Normalises a code as typed: full-width ASCII (U+FF01-U+FF5E, typed with a Chinese input method
/// switched to full width) and the ideographic space become their half-width forms, surrounding
/// whitespace is trimmed and ASCII letters are upper-cased. Shared by every code and period
/// parser of this crate so that they accept the same input.
pub(crate) fn normalise_code_input(input: &str) -> String {
    let half_width: String = input
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect();
    half_width.trim().to_ascii_uppercase()
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CreditCode {
    type Err = CreditCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CreditCode::parse(s)
    }
}

impl AsRef<str> for CreditCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CreditCode {
    type Error = CreditCodeError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        CreditCode::parse(&value)
    }
}

impl From<CreditCode> for String {
    fn from(code: CreditCode) -> String {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphabet_has_31_distinct_characters() {
        let mut chars: Vec<char> = ALPHABET.chars().collect();
        chars.dedup();
        assert_eq!(chars.len(), 31);
        assert_eq!(ALPHABET.as_bytes(), &ALPHABET_CHARS);
    }

    #[test]
    fn check_weights_are_powers_of_three_mod_31() {
        let mut w = 1u32;
        for expected in CHECK_WEIGHTS {
            assert_eq!(w, expected);
            w = w * 3 % 31;
        }
    }
}
