//! Administrative division codes (行政区划代码), GB/T 2260, and the divisions of Urumqi.
//!
//! A code has three 2-digit levels: province (省级, `65....`), prefecture (地级, `..01..`) and
//! county (县级, `....02`). `650102` is Tianshan District of Urumqi (`650100`) in Xinjiang
//! (`650000`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::credit_code::normalise_code_input;

/// Administrative division code (行政区划代码), GB/T 2260: 6 digits whose first two are a
/// province-level code.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DivisionCode([u8; 6]);

/// Level of a division in the GB/T 2260 hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DivisionLevel {
    /// Province, autonomous region or municipality (省级): `xx0000`.
    Province,
    /// Prefecture-level city or prefecture (地级): `xxyy00`.
    Prefecture,
    /// County, district or county-level city (县级): `xxyyzz`.
    County,
}

/// Why a text is not a division code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DivisionCodeError {
    #[error("an administrative division code has 6 digits, this one has {length} characters")]
    WrongLength { length: usize },
    #[error("character {position} ('{found}') of a division code must be a digit")]
    NotDigit { position: usize, found: char },
    #[error("{province:02} is not a province-level code of GB/T 2260")]
    UnknownProvince { province: u8 },
}

impl DivisionCodeError {
    /// A stable key naming the kind of error, for translated messages (`division_code.<key>`).
    pub fn key(&self) -> &'static str {
        match self {
            DivisionCodeError::WrongLength { .. } => "wrong_length",
            DivisionCodeError::NotDigit { .. } => "not_digit",
            DivisionCodeError::UnknownProvince { .. } => "unknown_province",
        }
    }
}

/// Whether `code` is a province-level code of GB/T 2260 (including Taiwan 71, Hong Kong 81 and
/// Macao 82, which the standard lists).
pub const fn is_province_code(code: u8) -> bool {
    matches!(code, 11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81 | 82)
}

impl DivisionCode {
    /// Parses a code as typed or imported (whitespace and full-width digits are normalised).
    pub fn parse(input: &str) -> Result<DivisionCode, DivisionCodeError> {
        let code = normalise_code_input(input);
        let length = code.chars().count();
        if length != 6 {
            return Err(DivisionCodeError::WrongLength { length });
        }
        let mut digits = [0u8; 6];
        for (i, c) in code.chars().enumerate() {
            if !c.is_ascii_digit() {
                return Err(DivisionCodeError::NotDigit {
                    position: i + 1,
                    found: c,
                });
            }
            digits[i] = c as u8;
        }
        let province = (digits[0] - b'0') * 10 + (digits[1] - b'0');
        if !is_province_code(province) {
            return Err(DivisionCodeError::UnknownProvince { province });
        }
        Ok(DivisionCode(digits))
    }

    /// A code known when the program is written. Evaluated in a `const`, an invalid code fails
    /// the build; called at run time with an invalid code it panics, so use [`DivisionCode::parse`]
    /// for anything that is not a literal.
    pub const fn from_static(code: &'static str) -> DivisionCode {
        let bytes = code.as_bytes();
        assert!(bytes.len() == 6, "a division code has 6 digits");
        let mut digits = [0u8; 6];
        let mut i = 0;
        while i < 6 {
            assert!(bytes[i].is_ascii_digit(), "a division code has only digits");
            digits[i] = bytes[i];
            i += 1;
        }
        assert!(
            is_province_code((digits[0] - b'0') * 10 + (digits[1] - b'0')),
            "a division code starts with a province code"
        );
        DivisionCode(digits)
    }

    /// The code, 6 ASCII digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("a division code holds only ASCII digits")
    }

    /// The level of the division the code names.
    pub fn level(&self) -> DivisionLevel {
        match (&self.0[2..4], &self.0[4..6]) {
            (b"00", b"00") => DivisionLevel::Province,
            (_, b"00") => DivisionLevel::Prefecture,
            _ => DivisionLevel::County,
        }
    }

    /// The province-level division containing this one (`650102` → `650000`).
    pub fn province(&self) -> DivisionCode {
        let [a, b, ..] = self.0;
        DivisionCode([a, b, b'0', b'0', b'0', b'0'])
    }

    /// The prefecture-level division containing this one (`650102` → `650100`); a province-level
    /// code is its own prefecture.
    pub fn prefecture(&self) -> DivisionCode {
        let [a, b, c, d, ..] = self.0;
        DivisionCode([a, b, c, d, b'0', b'0'])
    }

    /// Whether this division lies within `other` (or is `other`): `650102` is within `650100`
    /// and `650000`. Jurisdiction (属地管理) is decided with this.
    pub fn is_within(&self, other: &DivisionCode) -> bool {
        match other.level() {
            DivisionLevel::Province => self.0[..2] == other.0[..2],
            DivisionLevel::Prefecture => self.0[..4] == other.0[..4],
            DivisionLevel::County => self == other,
        }
    }
}

/// Urumqi (乌鲁木齐市), the prefecture-level city of the first users: code, Chinese and English
/// name.
pub const URUMQI_CITY: (DivisionCode, &str, &str) =
    (DivisionCode::from_static("650100"), "乌鲁木齐市", "Urumqi");

/// The 7 districts and 1 county of Urumqi (RULES.md, "Actors"): code, Chinese and English name.
pub const URUMQI_DISTRICTS: [(DivisionCode, &str, &str); 8] = [
    (
        DivisionCode::from_static("650102"),
        "天山区",
        "Tianshan District",
    ),
    (
        DivisionCode::from_static("650103"),
        "沙依巴克区",
        "Saybag District",
    ),
    (
        DivisionCode::from_static("650104"),
        "新市区",
        "Xinshi District",
    ),
    (
        DivisionCode::from_static("650105"),
        "水磨沟区",
        "Shuimogou District",
    ),
    (
        DivisionCode::from_static("650106"),
        "头屯河区",
        "Toutunhe District",
    ),
    (
        DivisionCode::from_static("650107"),
        "达坂城区",
        "Dabancheng District",
    ),
    (
        DivisionCode::from_static("650109"),
        "米东区",
        "Midong District",
    ),
    (
        DivisionCode::from_static("650121"),
        "乌鲁木齐县",
        "Urumqi County",
    ),
];

/// The Chinese and English name of Urumqi or one of its districts, when `code` is one of them.
pub fn urumqi_name(code: &DivisionCode) -> Option<(&'static str, &'static str)> {
    std::iter::once(&URUMQI_CITY)
        .chain(URUMQI_DISTRICTS.iter())
        .find(|(c, _, _)| c == code)
        .map(|&(_, zh, en)| (zh, en))
}

/// Shows the code as text (`DivisionCode("…")`) rather than its bytes.
impl fmt::Debug for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DivisionCode").field(&self.as_str()).finish()
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DivisionCode {
    type Err = DivisionCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DivisionCode::parse(s)
    }
}

impl TryFrom<String> for DivisionCode {
    type Error = DivisionCodeError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        DivisionCode::parse(&value)
    }
}

impl From<DivisionCode> for String {
    fn from(code: DivisionCode) -> String {
        code.as_str().to_owned()
    }
}
