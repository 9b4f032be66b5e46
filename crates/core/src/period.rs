//! Reporting and draw periods: years (年度), quarters (季度) and months (月度).
//!
//! Urumqi draws key and special sources quarterly; other provinces draw monthly. A quarter is
//! always a quarter here ([`Quarter`]) and a month a month ([`Month`]); [`DrawPeriod`] is one or
//! the other, as the agency's [`DrawCadence`] says.
//!
//! Years span the whole range of [`chrono::NaiveDate`], so that every date has its year, quarter
//! and month; `next` and `prev` return `None` only at the ends of that range.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::credit_code::normalise_code_input;

/// A calendar year (年度).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "YearRepr", into = "String")]
pub struct Year(i32);

/// A quarter (季度) of a year: Q1 is January to March.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Quarter {
    year: Year,
    q: u8,
}

/// A month (月份) of a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Month {
    year: Year,
    m: u8,
}

/// How often an agency draws its key and special sources (R-DRAW-KEY-1, R-DRAW-SPC-1): Urumqi
/// quarterly, some provinces monthly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrawCadence {
    /// Four draws a year, one per quarter (按季度).
    #[default]
    Quarterly,
    /// Twelve draws a year, one per month (按月).
    Monthly,
}

impl DrawCadence {
    /// How many draw periods a year has.
    pub fn periods_per_year(self) -> u32 {
        match self {
            DrawCadence::Quarterly => 4,
            DrawCadence::Monthly => 12,
        }
    }
}

/// The period a key or special draw covers: a quarter or a month, per the [`DrawCadence`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DrawPeriod {
    Quarter(Quarter),
    Month(Month),
}

/// Which kind of period a text was meant to be, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodKind {
    Year,
    Quarter,
    Month,
    DrawPeriod,
}

impl PeriodKind {
    /// A stable name for message keys.
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Year => "year",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Month => "month",
            PeriodKind::DrawPeriod => "draw_period",
        }
    }

    /// An example of the expected form.
    pub fn example(self) -> &'static str {
        match self {
            PeriodKind::Year => "2026",
            PeriodKind::Quarter => "2026Q2",
            PeriodKind::Month => "2026-05",
            PeriodKind::DrawPeriod => "2026Q2 or 2026-05",
        }
    }
}

/// Why a text or number is not a period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("'{input}' is not a {}; expected the form {}", kind.as_str(), kind.example())]
    Malformed { kind: PeriodKind, input: String },
    #[error("year {year} is outside the supported range {}..={}", Year::MIN.0, Year::MAX.0)]
    YearOutOfRange { year: i64 },
    #[error("quarter {quarter} does not exist; quarters are numbered 1 to 4")]
    QuarterOutOfRange { quarter: u32 },
    #[error("month {month} does not exist; months are numbered 1 to 12")]
    MonthOutOfRange { month: u32 },
}

impl PeriodError {
    /// A stable key naming the kind of error, for translated messages (`period.<key>`).
    pub fn key(&self) -> &'static str {
        match self {
            PeriodError::Malformed { .. } => "malformed",
            PeriodError::YearOutOfRange { .. } => "year_out_of_range",
            PeriodError::QuarterOutOfRange { .. } => "quarter_out_of_range",
            PeriodError::MonthOutOfRange { .. } => "month_out_of_range",
        }
    }
}

/// The date `year-month-day`, with the day clamped to the month's length (day 31 of February is
/// its last day). `None` only outside chrono's range or for a month outside 1-12.
pub(crate) fn date_clamped(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    let day = day.clamp(1, 31);
    (28..=day)
        .rev()
        .find_map(|d| NaiveDate::from_ymd_opt(year, month, d))
        .or_else(|| NaiveDate::from_ymd_opt(year, month, day))
}

/// The last day of a month of a year in [`Year`]'s range.
fn last_day_of_month(year: Year, month: u32) -> NaiveDate {
    date_clamped(year.0, month, 31).expect("every month of a year in Year's range has dates")
}

impl Year {
    /// The first year chrono can represent completely.
    pub const MIN: Year = Year(-262_143);
    /// The last year chrono can represent completely.
    pub const MAX: Year = Year(262_142);

    /// The year `value`, when chrono can represent all its days.
    pub fn new(value: i32) -> Result<Year, PeriodError> {
        Year::from_i64(i64::from(value))
    }

    fn from_i64(value: i64) -> Result<Year, PeriodError> {
        if (i64::from(Year::MIN.0)..=i64::from(Year::MAX.0)).contains(&value) {
            Ok(Year(value as i32))
        } else {
            Err(PeriodError::YearOutOfRange { year: value })
        }
    }

    /// Parses `2026` (also `-0044`, for completeness of the round trip).
    pub fn parse(input: &str) -> Result<Year, PeriodError> {
        let text = normalise_code_input(input);
        parse_year_text(&text).ok_or(PeriodError::Malformed {
            kind: PeriodKind::Year,
            input: text,
        })?
    }

    /// The year as a number.
    pub fn value(self) -> i32 {
        self.0
    }

    /// The year containing `date`.
    pub fn containing(date: NaiveDate) -> Year {
        Year(date.year())
    }

    /// 1 January.
    pub fn first_day(self) -> NaiveDate {
        last_day_of_month(self, 1)
            .with_day(1)
            .expect("1 January exists")
    }

    /// 31 December.
    pub fn last_day(self) -> NaiveDate {
        last_day_of_month(self, 12)
    }

    /// The following year.
    pub fn next(self) -> Option<Year> {
        Year::new(self.0.checked_add(1)?).ok()
    }

    /// The preceding year.
    pub fn prev(self) -> Option<Year> {
        Year::new(self.0.checked_sub(1)?).ok()
    }

    /// Q1 to Q4 of the year.
    pub fn quarters(self) -> [Quarter; 4] {
        [1, 2, 3, 4].map(|q| Quarter { year: self, q })
    }

    /// January to December of the year.
    pub fn months(self) -> [Month; 12] {
        std::array::from_fn(|i| Month {
            year: self,
            m: i as u8 + 1,
        })
    }
}

/// Reads an optionally negative decimal year; `None` when the text is not one, `Some(Err)` when it
/// is a number out of range.
fn parse_year_text(text: &str) -> Option<Result<Year, PeriodError>> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude: i64 = digits.parse().ok()?;
    Some(Year::from_i64(if negative {
        -magnitude
    } else {
        magnitude
    }))
}

/// Reads a small positive number (quarter or month) of at most 2 digits.
fn parse_small_number(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 2 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl Quarter {
    /// Quarter `q` (1-4) of `year`.
    pub fn new(year: Year, q: u32) -> Result<Quarter, PeriodError> {
        match q {
            1..=4 => Ok(Quarter { year, q: q as u8 }),
            _ => Err(PeriodError::QuarterOutOfRange { quarter: q }),
        }
    }

    /// Parses `2026Q2`, `2026-Q2` or `2026 Q2` (any case, full-width accepted).
    pub fn parse(input: &str) -> Result<Quarter, PeriodError> {
        let text = normalise_code_input(input);
        let malformed = || PeriodError::Malformed {
            kind: PeriodKind::Quarter,
            input: text.clone(),
        };
        let (year_part, q_part) = text.rsplit_once('Q').ok_or_else(malformed)?;
        let year_part = year_part.strip_suffix(['-', ' ']).unwrap_or(year_part);
        let year = parse_year_text(year_part).ok_or_else(malformed)??;
        let q = parse_small_number(q_part).ok_or_else(malformed)?;
        Quarter::new(year, q)
    }

    pub fn year(self) -> Year {
        self.year
    }

    /// The quarter's number, 1-4.
    pub fn q(self) -> u32 {
        u32::from(self.q)
    }

    /// The quarter containing `date`.
    pub fn containing(date: NaiveDate) -> Quarter {
        Month::containing(date).quarter()
    }

    /// The first month (January, April, July or October).
    pub fn first_month(self) -> Month {
        Month {
            year: self.year,
            m: self.q * 3 - 2,
        }
    }

    /// The last month (March, June, September or December); its 25th is the default due date of
    /// the next quarter's key and special draws (R-DRAW-KEY-1, R-DRAW-SPC-1).
    pub fn last_month(self) -> Month {
        Month {
            year: self.year,
            m: self.q * 3,
        }
    }

    /// The three months of the quarter.
    pub fn months(self) -> [Month; 3] {
        let first = self.q * 3 - 2;
        [first, first + 1, first + 2].map(|m| Month { year: self.year, m })
    }

    pub fn first_day(self) -> NaiveDate {
        self.first_month().first_day()
    }

    pub fn last_day(self) -> NaiveDate {
        self.last_month().last_day()
    }

    /// Whether `date` falls in the quarter.
    pub fn contains(self, date: NaiveDate) -> bool {
        Quarter::containing(date) == self
    }

    /// The following quarter (2026Q4 → 2027Q1).
    pub fn next(self) -> Option<Quarter> {
        match self.q {
            4 => Some(Quarter {
                year: self.year.next()?,
                q: 1,
            }),
            q => Some(Quarter {
                year: self.year,
                q: q + 1,
            }),
        }
    }

    /// The preceding quarter (2026Q1 → 2025Q4).
    pub fn prev(self) -> Option<Quarter> {
        match self.q {
            1 => Some(Quarter {
                year: self.year.prev()?,
                q: 4,
            }),
            q => Some(Quarter {
                year: self.year,
                q: q - 1,
            }),
        }
    }
}

impl Month {
    /// Month `m` (1-12) of `year`.
    pub fn new(year: Year, m: u32) -> Result<Month, PeriodError> {
        match m {
            1..=12 => Ok(Month { year, m: m as u8 }),
            _ => Err(PeriodError::MonthOutOfRange { month: m }),
        }
    }

    /// Parses `2026-05` or `2026-5` (also with `/`).
    pub fn parse(input: &str) -> Result<Month, PeriodError> {
        let text = normalise_code_input(input);
        let malformed = || PeriodError::Malformed {
            kind: PeriodKind::Month,
            input: text.clone(),
        };
        let (year_part, m_part) = text.rsplit_once(['-', '/']).ok_or_else(malformed)?;
        let year = parse_year_text(year_part).ok_or_else(malformed)??;
        let m = parse_small_number(m_part).ok_or_else(malformed)?;
        Month::new(year, m)
    }

    pub fn year(self) -> Year {
        self.year
    }

    /// The month's number, 1-12.
    pub fn m(self) -> u32 {
        u32::from(self.m)
    }

    /// The month containing `date`.
    pub fn containing(date: NaiveDate) -> Month {
        Month {
            year: Year::containing(date),
            m: date.month() as u8,
        }
    }

    /// The quarter the month belongs to.
    pub fn quarter(self) -> Quarter {
        Quarter {
            year: self.year,
            q: (self.m - 1) / 3 + 1,
        }
    }

    pub fn first_day(self) -> NaiveDate {
        self.last_day()
            .with_day(1)
            .expect("every month has a first day")
    }

    pub fn last_day(self) -> NaiveDate {
        last_day_of_month(self.year, self.m())
    }

    /// Whether `date` falls in the month.
    pub fn contains(self, date: NaiveDate) -> bool {
        Month::containing(date) == self
    }

    /// The following month (2026-12 → 2027-01).
    pub fn next(self) -> Option<Month> {
        match self.m {
            12 => Some(Month {
                year: self.year.next()?,
                m: 1,
            }),
            m => Some(Month {
                year: self.year,
                m: m + 1,
            }),
        }
    }

    /// The preceding month (2026-01 → 2025-12).
    pub fn prev(self) -> Option<Month> {
        match self.m {
            1 => Some(Month {
                year: self.year.prev()?,
                m: 12,
            }),
            m => Some(Month {
                year: self.year,
                m: m - 1,
            }),
        }
    }
}

impl DrawPeriod {
    /// The draw period of `cadence` containing `date`.
    pub fn containing(date: NaiveDate, cadence: DrawCadence) -> DrawPeriod {
        match cadence {
            DrawCadence::Quarterly => DrawPeriod::Quarter(Quarter::containing(date)),
            DrawCadence::Monthly => DrawPeriod::Month(Month::containing(date)),
        }
    }

    /// Parses a quarter (`2026Q2`) or a month (`2026-05`).
    pub fn parse(input: &str) -> Result<DrawPeriod, PeriodError> {
        let text = normalise_code_input(input);
        if text.contains('Q') {
            Quarter::parse(&text).map(DrawPeriod::Quarter)
        } else if text.get(1..).is_some_and(|rest| rest.contains(['-', '/'])) {
            Month::parse(&text).map(DrawPeriod::Month)
        } else {
            Err(PeriodError::Malformed {
                kind: PeriodKind::DrawPeriod,
                input: text,
            })
        }
    }

    pub fn cadence(self) -> DrawCadence {
        match self {
            DrawPeriod::Quarter(_) => DrawCadence::Quarterly,
            DrawPeriod::Month(_) => DrawCadence::Monthly,
        }
    }

    pub fn year(self) -> Year {
        self.first_month().year()
    }

    pub fn first_month(self) -> Month {
        match self {
            DrawPeriod::Quarter(q) => q.first_month(),
            DrawPeriod::Month(m) => m,
        }
    }

    pub fn last_month(self) -> Month {
        match self {
            DrawPeriod::Quarter(q) => q.last_month(),
            DrawPeriod::Month(m) => m,
        }
    }

    pub fn first_day(self) -> NaiveDate {
        self.first_month().first_day()
    }

    pub fn last_day(self) -> NaiveDate {
        self.last_month().last_day()
    }

    pub fn next(self) -> Option<DrawPeriod> {
        match self {
            DrawPeriod::Quarter(q) => q.next().map(DrawPeriod::Quarter),
            DrawPeriod::Month(m) => m.next().map(DrawPeriod::Month),
        }
    }

    pub fn prev(self) -> Option<DrawPeriod> {
        match self {
            DrawPeriod::Quarter(q) => q.prev().map(DrawPeriod::Quarter),
            DrawPeriod::Month(m) => m.prev().map(DrawPeriod::Month),
        }
    }
}

impl From<Quarter> for DrawPeriod {
    fn from(q: Quarter) -> DrawPeriod {
        DrawPeriod::Quarter(q)
    }
}

impl From<Month> for DrawPeriod {
    fn from(m: Month) -> DrawPeriod {
        DrawPeriod::Month(m)
    }
}

impl fmt::Display for Year {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 < 0 {
            write!(f, "-{:04}", self.0.unsigned_abs())
        } else {
            write!(f, "{:04}", self.0)
        }
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.q)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:02}", self.year, self.m)
    }
}

impl fmt::Display for DrawPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DrawPeriod::Quarter(q) => q.fmt(f),
            DrawPeriod::Month(m) => m.fmt(f),
        }
    }
}

/// Implements `FromStr`, `TryFrom<String>` and `From<_> for String` through `parse` and
/// `Display`, which is how the period types travel through serde and forms.
macro_rules! text_conversions {
    ($($ty:ident),*) => {$(
        impl FromStr for $ty {
            type Err = PeriodError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $ty::parse(s)
            }
        }

        impl TryFrom<String> for $ty {
            type Error = PeriodError;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                $ty::parse(&value)
            }
        }

        impl From<$ty> for String {
            fn from(value: $ty) -> String {
                value.to_string()
            }
        }
    )*};
}

text_conversions!(Year, Quarter, Month, DrawPeriod);

/// A year as JSON or a form may carry it: `2026` or `"2026"`.
#[derive(Deserialize)]
#[serde(untagged)]
enum YearRepr {
    Number(i64),
    Text(String),
}

impl TryFrom<YearRepr> for Year {
    type Error = PeriodError;

    fn try_from(value: YearRepr) -> Result<Self, Self::Error> {
        match value {
            YearRepr::Number(n) => Year::from_i64(n),
            YearRepr::Text(s) => Year::parse(&s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_range_is_the_range_chrono_represents_completely() {
        assert_eq!(Year::MIN.0, NaiveDate::MIN.year());
        assert_eq!(Year::MAX.0, NaiveDate::MAX.year());
        assert_eq!(Year::MIN.first_day(), NaiveDate::MIN);
        assert_eq!(Year::MAX.last_day(), NaiveDate::MAX);
    }

    #[test]
    fn clamped_dates_fall_on_the_last_day_of_short_months() {
        assert_eq!(
            date_clamped(2026, 2, 31),
            NaiveDate::from_ymd_opt(2026, 2, 28)
        );
        assert_eq!(
            date_clamped(2028, 2, 30),
            NaiveDate::from_ymd_opt(2028, 2, 29)
        );
        assert_eq!(
            date_clamped(2026, 4, 25),
            NaiveDate::from_ymd_opt(2026, 4, 25)
        );
        assert_eq!(date_clamped(2026, 13, 1), None);
    }
}
