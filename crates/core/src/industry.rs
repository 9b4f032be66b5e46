//! Industrial classification for national economic activities (国民经济行业分类), GB/T 4754-2017.
//!
//! The classification has four levels: section (门类, a letter), division (大类, 2 digits), group
//! (中类, 3 digits) and class (小类, 4 digits). The crate embeds the 97 divisions with their
//! sections; an agency can load the full class list (about 1,380 classes) with
//! [`IndustryTable::with_classes`].

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::credit_code::normalise_code_input;

/// The GB/T 4754-2017 divisions with their sections (columns
/// `section,section_name,division,division_name`).
const DIVISIONS_CSV: &str = include_str!("../data/gbt4754-2017-divisions.csv");

/// Industry code (行业代码), GB/T 4754-2017: a division (2 digits), group (3) or class (4) whose
/// division exists in the standard.
///
/// Parsing alone checks the division against the embedded table; when an agency has loaded the
/// full class list, check codes at the edge with [`IndustryTable::parse_code`] too.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IndustryCode {
    /// ASCII digits; only the first `len` are used, the rest are zero bytes.
    digits: [u8; 4],
    len: u8,
}

/// Level of an industry code in the classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndustryLevel {
    /// Division (大类), 2 digits.
    Division,
    /// Group (中类), 3 digits.
    Group,
    /// Class (小类), 4 digits.
    Class,
}

/// Why a text is not an industry code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndustryCodeError {
    #[error("an industry code has 2 to 4 digits, this one has {length} characters")]
    WrongLength { length: usize },
    #[error("character {position} ('{found}') of an industry code must be a digit")]
    NotDigit { position: usize, found: char },
    #[error("{division} is not a division of GB/T 4754-2017")]
    UnknownDivision { division: String },
    #[error("{code} is not in the loaded industry classification")]
    NotInTable { code: String },
}

impl IndustryCodeError {
    /// A stable key naming the kind of error, for translated messages (`industry_code.<key>`).
    pub fn key(&self) -> &'static str {
        match self {
            IndustryCodeError::WrongLength { .. } => "wrong_length",
            IndustryCodeError::NotDigit { .. } => "not_digit",
            IndustryCodeError::UnknownDivision { .. } => "unknown_division",
            IndustryCodeError::NotInTable { .. } => "not_in_table",
        }
    }
}

impl IndustryCode {
    /// Parses a code against the embedded GB/T 4754-2017 divisions.
    pub fn parse(input: &str) -> Result<IndustryCode, IndustryCodeError> {
        IndustryTable::gbt4754_2017().parse_code(input)
    }

    /// The code, 2 to 4 ASCII digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.digits[..usize::from(self.len)])
            .expect("an industry code holds only ASCII digits")
    }

    /// Whether the code is a division, group or class.
    pub fn level(&self) -> IndustryLevel {
        match self.len {
            2 => IndustryLevel::Division,
            3 => IndustryLevel::Group,
            _ => IndustryLevel::Class,
        }
    }

    /// The division (大类) the code belongs to (`2511` → `25`).
    pub fn division(&self) -> IndustryCode {
        let [a, b, ..] = self.digits;
        IndustryCode {
            digits: [a, b, 0, 0],
            len: 2,
        }
    }

    /// The division number, 1-97.
    fn division_number(&self) -> usize {
        usize::from(self.digits[0] - b'0') * 10 + usize::from(self.digits[1] - b'0')
    }

    /// Whether this code is `other` or lies under it (`2511` is within `251` and `25`).
    pub fn is_within(&self, other: &IndustryCode) -> bool {
        self.as_str().starts_with(other.as_str())
    }
}

/// A section (门类) of GB/T 4754-2017, e.g. `C` manufacturing (制造业).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndustrySection {
    pub letter: char,
    pub name: String,
}

/// A division (大类) of GB/T 4754-2017 with the letter of its section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndustryDivision {
    pub code: IndustryCode,
    pub name: String,
    pub section: char,
}

/// The industry classification an agency works with: always the 97 embedded divisions, and
/// optionally a fuller list of groups and classes it imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndustryTable {
    /// Indexed by division number (0-99); `None` where GB/T 4754-2017 has no division.
    divisions: Vec<Option<IndustryDivision>>,
    sections: Vec<IndustrySection>,
    /// Imported groups and classes by code.
    details: BTreeMap<String, String>,
    has_groups: bool,
    has_classes: bool,
}

/// Why an imported class table was rejected. Lines are 1-based, counting a header line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndustryTableError {
    #[error("line {line}: expected two columns, code and name")]
    MalformedRow { line: usize },
    #[error("line {line}: {source}")]
    InvalidCode {
        line: usize,
        source: IndustryCodeError,
    },
    #[error("line {line}: the name of {code} is empty")]
    EmptyName { line: usize, code: String },
    #[error("line {line}: {code} is listed twice")]
    Duplicate { line: usize, code: String },
}

impl IndustryTableError {
    /// A stable key naming the kind of error, for translated messages (`industry_table.<key>`).
    pub fn key(&self) -> &'static str {
        match self {
            IndustryTableError::MalformedRow { .. } => "malformed_row",
            IndustryTableError::InvalidCode { .. } => "invalid_code",
            IndustryTableError::EmptyName { .. } => "empty_name",
            IndustryTableError::Duplicate { .. } => "duplicate",
        }
    }
}

impl IndustryTable {
    /// The embedded GB/T 4754-2017 divisions, parsed once.
    pub fn gbt4754_2017() -> &'static IndustryTable {
        static TABLE: OnceLock<IndustryTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            IndustryTable::from_divisions_csv(DIVISIONS_CSV)
                .expect("the embedded GB/T 4754-2017 division table is well formed")
        })
    }

    fn from_divisions_csv(csv: &str) -> Result<IndustryTable, IndustryTableError> {
        let mut divisions: Vec<Option<IndustryDivision>> = vec![None; 100];
        let mut sections: Vec<IndustrySection> = Vec::new();
        for (line, fields) in csv_rows(csv).skip(1) {
            let [letter, section_name, division, division_name] = fields.as_slice() else {
                return Err(IndustryTableError::MalformedRow { line });
            };
            let mut letters = letter.chars();
            let (Some(letter), None) = (letters.next(), letters.next()) else {
                return Err(IndustryTableError::MalformedRow { line });
            };
            let code = parse_digits(division)
                .and_then(|code| match code.level() {
                    IndustryLevel::Division => Ok(code),
                    _ => Err(IndustryCodeError::WrongLength {
                        length: division.len(),
                    }),
                })
                .map_err(|source| IndustryTableError::InvalidCode { line, source })?;
            let slot = &mut divisions[code.division_number()];
            if slot.is_some() {
                return Err(IndustryTableError::Duplicate {
                    line,
                    code: division.clone(),
                });
            }
            *slot = Some(IndustryDivision {
                code,
                name: division_name.clone(),
                section: letter,
            });
            if !sections.iter().any(|s| s.letter == letter) {
                sections.push(IndustrySection {
                    letter,
                    name: section_name.clone(),
                });
            }
        }
        Ok(IndustryTable {
            divisions,
            sections,
            details: BTreeMap::new(),
            has_groups: false,
            has_classes: false,
        })
    }

    /// This table extended with groups and classes from a CSV text with the columns `code,name`
    /// (an optional header line, an optional byte order mark, double-quoted fields allowed).
    /// Rows with a 2-digit code must name a known division and are otherwise ignored: the
    /// divisions always come from the standard.
    pub fn with_classes(&self, csv: &str) -> Result<IndustryTable, IndustryTableError> {
        let mut table = self.clone();
        for (line, fields) in csv_rows(csv) {
            let [code, name] = fields.as_slice() else {
                return Err(IndustryTableError::MalformedRow { line });
            };
            if line == 1 && !code.trim().starts_with(|c: char| c.is_ascii_digit()) {
                continue; // header
            }
            let parsed = self
                .parse_code(code)
                .map_err(|source| IndustryTableError::InvalidCode { line, source })?;
            let name = name.trim();
            if name.is_empty() {
                return Err(IndustryTableError::EmptyName {
                    line,
                    code: parsed.to_string(),
                });
            }
            match parsed.level() {
                IndustryLevel::Division => continue,
                IndustryLevel::Group => table.has_groups = true,
                IndustryLevel::Class => table.has_classes = true,
            }
            if table
                .details
                .insert(parsed.to_string(), name.to_owned())
                .is_some()
            {
                return Err(IndustryTableError::Duplicate {
                    line,
                    code: parsed.to_string(),
                });
            }
        }
        Ok(table)
    }

    /// Parses a code against this table: the division must exist, and a group or class must be
    /// listed when the table holds groups or classes respectively (with only the divisions, a
    /// 4-digit code is valid when its division is).
    pub fn parse_code(&self, input: &str) -> Result<IndustryCode, IndustryCodeError> {
        let code = parse_digits(&normalise_code_input(input))?;
        if self.division_entry(&code).is_none() {
            return Err(IndustryCodeError::UnknownDivision {
                division: code.division().to_string(),
            });
        }
        let must_be_listed = match code.level() {
            IndustryLevel::Division => false,
            IndustryLevel::Group => self.has_groups,
            IndustryLevel::Class => self.has_classes,
        };
        if must_be_listed && !self.details.contains_key(code.as_str()) {
            return Err(IndustryCodeError::NotInTable {
                code: code.to_string(),
            });
        }
        Ok(code)
    }

    fn division_entry(&self, code: &IndustryCode) -> Option<&IndustryDivision> {
        self.divisions
            .get(code.division_number())
            .and_then(Option::as_ref)
    }

    /// The name of the code's division (`2511` → 石油、煤炭及其他燃料加工业). `None` only for a
    /// code whose division this table lacks, which cannot happen for the embedded standard.
    pub fn division_name(&self, code: &IndustryCode) -> Option<&str> {
        self.division_entry(code).map(|d| d.name.as_str())
    }

    /// The section the code's division belongs to (`2511` → C 制造业).
    pub fn section(&self, code: &IndustryCode) -> Option<&IndustrySection> {
        let letter = self.division_entry(code)?.section;
        self.sections.iter().find(|s| s.letter == letter)
    }

    /// The most specific name the table knows for the code: its class or group name when
    /// imported, else its division name.
    pub fn name(&self, code: &IndustryCode) -> Option<&str> {
        self.details
            .get(code.as_str())
            .map(String::as_str)
            .or_else(|| self.division_name(code))
    }

    /// The divisions in code order.
    pub fn divisions(&self) -> impl Iterator<Item = &IndustryDivision> + '_ {
        self.divisions.iter().flatten()
    }

    /// The sections in letter order.
    pub fn sections(&self) -> impl Iterator<Item = &IndustrySection> + '_ {
        self.sections.iter()
    }

    /// Whether a fuller list of groups or classes was imported.
    pub fn has_details(&self) -> bool {
        !self.details.is_empty()
    }
}

/// Checks the shape of a code: 2 to 4 ASCII digits.
fn parse_digits(code: &str) -> Result<IndustryCode, IndustryCodeError> {
    let length = code.chars().count();
    if !(2..=4).contains(&length) {
        return Err(IndustryCodeError::WrongLength { length });
    }
    let mut digits = [0u8; 4];
    for (i, c) in code.chars().enumerate() {
        if !c.is_ascii_digit() {
            return Err(IndustryCodeError::NotDigit {
                position: i + 1,
                found: c,
            });
        }
        digits[i] = c as u8;
    }
    Ok(IndustryCode {
        digits,
        len: length as u8,
    })
}

/// Splits a small CSV text into rows of fields with their 1-based line numbers, skipping blank
/// lines. Handles a byte order mark, CRLF, and double-quoted fields with `""` escapes; a field
/// does not span lines (no class name needs that).
fn csv_rows(text: &str) -> impl Iterator<Item = (usize, Vec<String>)> + '_ {
    text.trim_start_matches('\u{FEFF}')
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| (i + 1, split_csv_line(line)))
}

fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// Shows the code as text (`IndustryCode("…")`) rather than its bytes.
impl fmt::Debug for IndustryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IndustryCode").field(&self.as_str()).finish()
    }
}

impl fmt::Display for IndustryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IndustryCode {
    type Err = IndustryCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IndustryCode::parse(s)
    }
}

impl TryFrom<String> for IndustryCode {
    type Error = IndustryCodeError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        IndustryCode::parse(&value)
    }
}

impl From<IndustryCode> for String {
    fn from(code: IndustryCode) -> String {
        code.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_lines_split_on_commas_outside_quotes() {
        assert_eq!(split_csv_line("2511,原油加工"), vec!["2511", "原油加工"]);
        assert_eq!(
            split_csv_line(r#"2511,"a, ""b""""#),
            vec!["2511", r#"a, "b""#]
        );
    }
}
