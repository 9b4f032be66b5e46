//! Reading one cell's text as a value: dates, quarters, years, counts, coordinates, choices.
//! Each reader takes a trimmed, non-empty cell and says why it is not a value.

use chrono::{Datelike, Days, NaiveDate};

use super::error::Reason;
use super::headers::{fold_full_width, header_key};
use crate::period::{Quarter, Year};
use crate::rules::EnforcementMeasure;

/// Years a date or period of a list may fall in. Not a rule of the plan, a guard against typos
/// (`2062` for `2026`, a count pasted into a date column) that would otherwise pass as dates.
const PLAUSIBLE_YEARS: std::ops::RangeInclusive<i32> = 1900..=2199;

/// Half-width text: what users type with a Chinese input method in full-width mode becomes
/// ASCII, so `２０２６－０３－０５` reads as a date.
fn half_width(text: &str) -> String {
    text.chars().map(fold_full_width).collect::<String>()
}

/// Reads a date written as `2026-03-05`, `2026/3/5`, `2026.3.5`, `2026年3月5日`, `20260305`,
/// with a time of day after it (`2026-03-05 00:00:00`, as spreadsheets export date-times), or as
/// an Excel serial day number (`46086`), which is how a date cell formatted as a number reaches
/// us.
pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, Reason> {
    let invalid = || Reason::InvalidDate {
        value: text.to_owned(),
    };
    let half = half_width(text);
    let half = half.trim();
    let date_part = match half.split_once([' ', 'T']) {
        Some((date, time)) if is_time_of_day(time.trim()) => date.trim(),
        Some(_) => return Err(invalid()),
        None => half,
    };
    let date = excel_serial_date(date_part)
        .or_else(|| compact_date(date_part))
        .or_else(|| separated_date(date_part))
        .ok_or_else(invalid)?;
    if PLAUSIBLE_YEARS.contains(&date.year()) {
        Ok(date)
    } else {
        Err(invalid())
    }
}

fn is_time_of_day(text: &str) -> bool {
    !text.is_empty()
        && text.contains(':')
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || c == ':' || c == '.')
}

/// An Excel serial day number in the 1900 date system: day 1 is 1900-01-01 and, since Excel
/// counts a 29 February 1900 that never was, days from 61 on are days after 1899-12-30. Only
/// five-digit serials (1927 to 2173) are read as dates: a shorter number in a date column is a
/// typo, not a date of the 1900s. A fraction (the time of day) is ignored.
fn excel_serial_date(text: &str) -> Option<NaiveDate> {
    let whole = match text.split_once('.') {
        Some((whole, fraction)) if fraction.bytes().all(|b| b.is_ascii_digit()) => whole,
        Some(_) => return None,
        None => text,
    };
    if whole.len() != 5 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let serial: u64 = whole.parse().ok()?;
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(Days::new(serial))
}

/// `20260305`.
fn compact_date(text: &str) -> Option<NaiveDate> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<u32>().ok();
    NaiveDate::from_ymd_opt(
        i32::try_from(number(0..4)?).ok()?,
        number(4..6)?,
        number(6..8)?,
    )
}

/// `2026-03-05`, `2026/3/5`, `2026.3.5`, `2026年3月5日`.
fn separated_date(text: &str) -> Option<NaiveDate> {
    let text = text
        .strip_suffix('日')
        .or_else(|| text.strip_suffix('号'))
        .unwrap_or(text);
    let parts: Vec<&str> = text
        .split(['-', '/', '.', '年', '月'])
        .map(str::trim)
        .collect();
    let [year, month, day] = parts.as_slice() else {
        return None;
    };
    let digits = |s: &str, max_len: usize| {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    if year.len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(
        i32::try_from(digits(year, 4)?).ok()?,
        digits(month, 2)?,
        digits(day, 2)?,
    )
}

/// Reads a four-digit year, also as `2026年`, `2026年度` or a spreadsheet number `2026.0`.
pub(crate) fn parse_year(text: &str) -> Result<Year, Reason> {
    let invalid = || Reason::InvalidYear {
        value: text.to_owned(),
    };
    let half = half_width(text);
    let digits = half
        .trim()
        .trim_end_matches("年度")
        .trim_end_matches('年')
        .trim_end_matches(".0");
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let value: i32 = digits.parse().map_err(|_| invalid())?;
    if !PLAUSIBLE_YEARS.contains(&value) {
        return Err(invalid());
    }
    Year::new(value).map_err(|_| invalid())
}

/// Reads a quarter written as `2026Q1`, `2026-Q1`, `2026 q1`, `2026年第一季度`, `2026年第1季度`,
/// `2026年一季度` or `2026年度第一季度`.
pub(crate) fn parse_quarter(text: &str) -> Result<Quarter, Reason> {
    let invalid = || Reason::InvalidQuarter {
        value: text.to_owned(),
    };
    let half: String = half_width(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let quarter = if half.contains('季') {
        chinese_quarter(&half)
    } else {
        Quarter::parse(&half).ok()
    }
    .ok_or_else(invalid)?;
    if PLAUSIBLE_YEARS.contains(&quarter.year().value()) {
        Ok(quarter)
    } else {
        Err(invalid())
    }
}

fn chinese_quarter(text: &str) -> Option<Quarter> {
    let (year, rest) = text.split_once('年')?;
    let rest = rest.strip_prefix('度').unwrap_or(rest);
    let rest = rest.strip_prefix('第').unwrap_or(rest);
    let mut chars = rest.chars();
    let q = match chars.next()? {
        '1' | '一' => 1,
        '2' | '二' => 2,
        '3' | '三' => 3,
        '4' | '四' => 4,
        _ => return None,
    };
    if !matches!(chars.as_str(), "季度" | "季") {
        return None;
    }
    Quarter::new(parse_year(year).ok()?, q).ok()
}

/// Reads a whole number of at least `min`, also written `3次` or as a spreadsheet number `3.0`.
pub(crate) fn parse_count(text: &str, min: u32) -> Result<u32, Reason> {
    let invalid = || Reason::InvalidNumber {
        value: text.to_owned(),
    };
    let half = half_width(text);
    let digits = half
        .trim()
        .trim_end_matches(['次', '件'])
        .trim_end_matches(".0");
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let value: u32 = digits.parse().map_err(|_| invalid())?;
    if value < min {
        return Err(Reason::CountTooSmall { min });
    }
    Ok(value)
}

/// Reads a coordinate in decimal degrees (`87.6177`, `87.6177°`, `E87.6177`) or in degrees,
/// minutes and seconds (`87°37′3.7″`, `87度37分3.7秒`), as survey sheets write them.
pub(crate) fn parse_coordinate(text: &str) -> Result<f64, Reason> {
    let invalid = || Reason::InvalidCoordinate {
        value: text.to_owned(),
    };
    let half: String = half_width(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let body = half
        .trim_start_matches(['E', 'e', 'N', 'n'])
        .trim_end_matches(['E', 'e', 'N', 'n']);
    let value = if body.contains(['°', '度', '′', '\'', '’', '分']) {
        degrees_minutes_seconds(body)
    } else {
        decimal(body)
    }
    .ok_or_else(invalid)?;
    Ok(value)
}

/// A decimal number of digits, one point and an optional sign; `f64::from_str` alone would also
/// take `inf` and `NaN`.
fn decimal(text: &str) -> Option<f64> {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let ok = !unsigned.is_empty()
        && unsigned.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && unsigned.bytes().filter(|&b| b == b'.').count() <= 1
        && unsigned.bytes().any(|b| b.is_ascii_digit());
    ok.then(|| text.parse().ok()).flatten()
}

fn degrees_minutes_seconds(text: &str) -> Option<f64> {
    let mut value = 0.0;
    let mut rest = text;
    for (marks, scale) in [
        (&['°', '度'][..], 1.0),
        (&['′', '\'', '’', '分'][..], 60.0),
        (&['″', '"', '”', '秒'][..], 3600.0),
    ] {
        if rest.is_empty() {
            break;
        }
        let (number, after) = rest.split_once(marks)?;
        let part = decimal(number)?;
        if scale > 1.0 && !(0.0..60.0).contains(&part) {
            return None;
        }
        value += part / scale;
        rest = after;
    }
    rest.is_empty().then_some(value)
}

/// Reads one of a fixed set of values. Each choice lists the words that mean it; the first word
/// is what the template writes and what an error offers. Words compare like headers (width,
/// case and spaces ignored).
pub(crate) fn parse_choice<T: Copy>(
    text: &str,
    choices: &[(T, &'static [&'static str])],
) -> Result<T, Reason> {
    let key = header_key(text);
    choices
        .iter()
        .find(|(_, words)| words.iter().any(|w| header_key(w) == key))
        .map(|&(value, _)| value)
        .ok_or_else(|| Reason::InvalidChoice {
            value: text.to_owned(),
            allowed: choices
                .iter()
                .filter_map(|(_, words)| words.first().copied())
                .collect(),
        })
}

/// Words for the four measures of R-INSP-3: the law's name first, then what case lists write.
const MEASURE_WORDS: [(EnforcementMeasure, &[&str]); 4] = [
    (
        EnforcementMeasure::DailyContinuousPenalty,
        &[
            "按日连续处罚",
            "按日计罚",
            "按日处罚",
            "daily_continuous_penalty",
        ],
    ),
    (
        EnforcementMeasure::Seizure,
        &["查封扣押", "查封", "扣押", "seizure"],
    ),
    (
        EnforcementMeasure::ProductionLimit,
        &[
            "限产停产",
            "限制生产",
            "停产整治",
            "限产",
            "停产",
            "production_limit",
        ],
    ),
    (
        EnforcementMeasure::TransferForDetention,
        &[
            "移送行政拘留",
            "移送公安机关行政拘留",
            "移送拘留",
            "行政拘留",
            "transfer_for_detention",
        ],
    ),
];

/// Names of single measures that contain a separator, and the name to read them as.
const JOINED_MEASURES: [(&str, &str); 2] = [
    ("查封、扣押", "查封扣押"),
    ("限制生产、停产整治", "限产停产"),
];

/// Words that say no measure was applied.
const NO_MEASURE: &[&str] = &["无", "没有", "/", "-", "—", "none"];

/// Reads the measures of a penalty case, separated by `、`, `,`, `，`, `;`, `；` or line breaks;
/// the result holds each measure once, in the order of [`EnforcementMeasure::ALL`], so that a
/// record reads back the same whatever order the cell listed them in. `查封、扣押` and
/// `限制生产、停产整治` are single measures although they contain the separator.
pub(crate) fn parse_measures(text: &str) -> Result<Vec<EnforcementMeasure>, Reason> {
    let half = half_width(text);
    if NO_MEASURE.contains(&half.trim()) {
        return Ok(Vec::new());
    }
    let mut rest = half;
    for (phrase, measure) in JOINED_MEASURES {
        rest = rest.replace(phrase, measure);
    }
    let mut measures = Vec::new();
    for part in rest.split(['、', ',', ';', '；', '\n', '\r', '/']) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let measure = parse_choice(part, &MEASURE_WORDS).map_err(|_| Reason::InvalidChoice {
            value: part.to_owned(),
            allowed: EnforcementMeasure::ALL
                .iter()
                .map(|m| m.name_zh())
                .collect(),
        })?;
        measures.push(measure);
    }
    measures.sort_unstable();
    measures.dedup();
    Ok(measures)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn excel_serials_count_from_the_end_of_1899() {
        assert_eq!(parse_date("45658"), Ok(date(2025, 1, 1)));
        assert_eq!(parse_date("46086.5"), Ok(date(2026, 3, 5)));
        assert!(parse_date("12").is_err());
    }

    #[test]
    fn coordinates_in_degrees_minutes_seconds() {
        let v = parse_coordinate("87°37′3.6″").unwrap();
        assert!((v - (87.0 + 37.0 / 60.0 + 3.6 / 3600.0)).abs() < 1e-9);
        assert_eq!(parse_coordinate("E87.5"), Ok(87.5));
        assert!(parse_coordinate("inf").is_err());
        assert!(parse_coordinate("NaN").is_err());
        assert!(parse_coordinate("87°x").is_err());
    }

    #[test]
    fn measures_with_separators_inside_their_names() {
        assert_eq!(
            parse_measures("查封、扣押、限制生产、停产整治"),
            Ok(vec![
                EnforcementMeasure::Seizure,
                EnforcementMeasure::ProductionLimit
            ])
        );
        assert_eq!(parse_measures("无"), Ok(vec![]));
    }
}
