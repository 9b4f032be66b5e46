//! The dynamic information database (动态信息库): the six lists every agency keeps current and
//! files (R-LIST-1 to R-LIST-11), and how a spreadsheet row becomes a typed record.
//!
//! The lists are enforcement officers, pollution sources, construction projects, penalty cases,
//! prominent complaints and other key problems ([`ListKind`]). Each has a fixed set of columns
//! with Chinese template headers and the other names real files use ([`ColumnSpec`]). An import
//! maps the file's header row to those columns ([`map_headers`]), parses every row into a record
//! with all of the row's problems at once ([`parse_row`]), and looks for rows that repeat one
//! another ([`find_duplicates`]). Every problem names the row, the column and what to do, in
//! Chinese or English ([`ListError::message`]). Export runs the other way ([`Record::to_cells`])
//! in the column order of the downloadable template ([`ListKind::template_rows`]).
//!
//! Reading the bytes of `.xlsx` and `.csv` files is not done here: this module sees the header
//! and the rows as text.

mod cells;
mod columns;
mod error;
mod headers;
mod parse;
mod records;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use columns::ColumnSpec;
pub use error::{Lang, ListError, Reason};
pub use headers::{map_headers, HeaderMap, IgnoredColumn};
pub use parse::{
    find_claimed_elsewhere, find_duplicates, is_blank_row, parse_row, parse_table, FileRow,
    ParsedTable, ValidationContext,
};
pub use records::{
    ApprovingLevel, ComplaintRecord, EiaForm, FirmRecord, FirmStatus, OfficerRecord, PenaltyRecord,
    ProblemRecord, ProjectRecord, Record, UnitCategory,
};

/// Longitudes a point in China can have, in degrees east (WGS 84): China's bounding box, from
/// the Pamirs to the Wusuli river.
pub const CHINA_LONGITUDE: std::ops::RangeInclusive<f64> = 73.0..=135.5;

/// Latitudes a point in China can have, in degrees north: from Zengmu Reef to Mohe.
pub const CHINA_LATITUDE: std::ops::RangeInclusive<f64> = 3.5..=53.6;

/// Longest firm, project or officer name, address or document number, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// Longest summary or violation description, in characters.
pub const MAX_SUMMARY_CHARS: usize = 2000;

/// One of the six lists of the dynamic information database (动态信息库).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// Enforcement officers (执法人员名录), R-LIST-1 and R-LIST-7.
    Officers,
    /// Pollution sources (污染源名录), key and general units, R-LIST-2.
    Firms,
    /// Construction projects approved last year (建设项目名录), R-LIST-3 and R-LIST-10.
    Projects,
    /// Administrative penalty cases (行政处罚案件名录), R-LIST-4 and R-LIST-9.
    Penalties,
    /// Prominent complaints (突出信访问题名录), R-LIST-5 and R-LIST-8.
    Complaints,
    /// Other key environmental problems (其他重点环境问题名录), R-LIST-6 and R-LIST-11.
    Problems,
}

/// How often a list is filed (报备).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListCadence {
    /// Once a year (年度).
    Annual,
    /// Once a quarter (季度), within days after the quarter ends.
    Quarterly,
}

impl ListKind {
    pub const ALL: [ListKind; 6] = [
        ListKind::Officers,
        ListKind::Firms,
        ListKind::Projects,
        ListKind::Penalties,
        ListKind::Complaints,
        ListKind::Problems,
    ];

    /// The stable name, also the command-line word for the list.
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Officers => "officers",
            ListKind::Firms => "firms",
            ListKind::Projects => "projects",
            ListKind::Penalties => "penalties",
            ListKind::Complaints => "complaints",
            ListKind::Problems => "problems",
        }
    }

    /// Reads [`ListKind::as_str`] or the Chinese name ([`ListKind::name_zh`]).
    pub fn parse(s: &str) -> Option<ListKind> {
        let s = s.trim();
        ListKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s) || k.name_zh() == s)
    }

    /// The list's name in Chinese, as on the template's file name.
    pub fn name_zh(self) -> &'static str {
        match self {
            ListKind::Officers => "执法人员名录",
            ListKind::Firms => "污染源名录",
            ListKind::Projects => "建设项目名录",
            ListKind::Penalties => "行政处罚案件名录",
            ListKind::Complaints => "突出信访问题名录",
            ListKind::Problems => "其他重点环境问题名录",
        }
    }

    /// The list's name in English.
    pub fn name_en(self) -> &'static str {
        match self {
            ListKind::Officers => "Enforcement officers",
            ListKind::Firms => "Pollution sources",
            ListKind::Projects => "Construction projects",
            ListKind::Penalties => "Administrative penalty cases",
            ListKind::Complaints => "Prominent complaints",
            ListKind::Problems => "Other key environmental problems",
        }
    }

    /// The name in `lang`.
    pub fn name(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.name_zh(),
            Lang::En => self.name_en(),
        }
    }

    /// The rules of RULES.md that ask for the list: the branch's duty first, then the city
    /// level's.
    pub fn rule_ids(self) -> &'static [&'static str] {
        match self {
            ListKind::Officers => &["R-LIST-1", "R-LIST-7"],
            ListKind::Firms => &["R-LIST-2", "R-LIST-12"],
            ListKind::Projects => &["R-LIST-3", "R-LIST-10"],
            ListKind::Penalties => &["R-LIST-4", "R-LIST-9"],
            ListKind::Complaints => &["R-LIST-5", "R-LIST-8"],
            ListKind::Problems => &["R-LIST-6", "R-LIST-11"],
        }
    }

    /// How often the list is filed: staff, sources and projects yearly (R-LIST-1 to R-LIST-3),
    /// penalties, complaints and other problems quarterly (R-LIST-4 to R-LIST-6).
    pub fn cadence(self) -> ListCadence {
        match self {
            ListKind::Officers | ListKind::Firms | ListKind::Projects => ListCadence::Annual,
            ListKind::Penalties | ListKind::Complaints | ListKind::Problems => {
                ListCadence::Quarterly
            }
        }
    }

    /// Whether the list is filed every quarter.
    pub fn is_quarterly(self) -> bool {
        self.cadence() == ListCadence::Quarterly
    }

    /// The list's columns in template order.
    pub fn columns(self) -> &'static [ColumnSpec] {
        columns::columns(self)
    }

    /// The column with the field key `key`, if the list has it.
    pub fn column(self, key: &str) -> Option<&'static ColumnSpec> {
        self.columns().iter().find(|c| c.key == key)
    }

    /// The field keys that identify a record of the list ([`Record::natural_key`]): two rows
    /// with the same values there are the same record.
    pub fn key_columns(self) -> &'static [&'static str] {
        columns::key_columns(self)
    }

    /// The template's header row (Chinese headers) and its example row, which parses without
    /// error in a context holding Urumqi's districts.
    pub fn template_rows(self) -> (Vec<&'static str>, Vec<&'static str>) {
        let columns = self.columns();
        (
            columns.iter().map(|c| c.header_zh).collect(),
            columns.iter().map(|c| c.example).collect(),
        )
    }
}

impl fmt::Display for ListKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The word was not the name of a list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0} is not a list; the lists are officers, firms, projects, penalties, complaints and \
     problems"
)]
pub struct UnknownListKind(pub String);

impl FromStr for ListKind {
    type Err = UnknownListKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ListKind::parse(s).ok_or_else(|| UnknownListKind(s.to_owned()))
    }
}
