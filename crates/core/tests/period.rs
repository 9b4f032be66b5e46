//! Years, quarters and months.

use chrono::NaiveDate;
use spotcheck_core::period::{
    DrawCadence, DrawPeriod, Month, PeriodError, PeriodKind, Quarter, Year,
};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn q(s: &str) -> Quarter {
    Quarter::parse(s).unwrap()
}

fn month(s: &str) -> Month {
    Month::parse(s).unwrap()
}

#[test]
fn quarters_are_written_2026q2_and_read_in_the_usual_forms() {
    let q2 = Quarter::new(Year::new(2026).unwrap(), 2).unwrap();
    assert_eq!(q2.to_string(), "2026Q2");
    for form in ["2026Q2", "2026-Q2", "2026q2", "2026 Q2", " ２０２６Ｑ２ "] {
        assert_eq!(Quarter::parse(form), Ok(q2), "{form}");
    }
    assert_eq!((q2.year().value(), q2.q()), (2026, 2));
}

#[test]
fn impossible_quarters_are_rejected_with_the_reason() {
    assert_eq!(
        Quarter::parse("2026Q5"),
        Err(PeriodError::QuarterOutOfRange { quarter: 5 })
    );
    assert_eq!(
        Quarter::parse("2026Q0"),
        Err(PeriodError::QuarterOutOfRange { quarter: 0 })
    );
    assert_eq!(
        Quarter::parse("Q2"),
        Err(PeriodError::Malformed {
            kind: PeriodKind::Quarter,
            input: "Q2".into()
        })
    );
    assert_eq!(
        Quarter::parse("2026-05"),
        Err(PeriodError::Malformed {
            kind: PeriodKind::Quarter,
            input: "2026-05".into()
        })
    );
    assert_eq!(
        Quarter::parse("2026Q").unwrap_err().to_string(),
        "'2026Q' is not a quarter; expected the form 2026Q2"
    );
    assert_eq!(
        Quarter::parse("999999Q1"),
        Err(PeriodError::YearOutOfRange { year: 999_999 })
    );
}

#[test]
fn a_quarter_runs_from_its_first_to_its_last_day() {
    assert_eq!(q("2026Q1").first_day(), date(2026, 1, 1));
    assert_eq!(q("2026Q1").last_day(), date(2026, 3, 31));
    assert_eq!(q("2026Q2").first_day(), date(2026, 4, 1));
    assert_eq!(q("2026Q2").last_day(), date(2026, 6, 30));
    assert_eq!(q("2026Q3").last_day(), date(2026, 9, 30));
    assert_eq!(q("2026Q4").last_day(), date(2026, 12, 31));
    assert_eq!(q("2026Q2").last_month(), month("2026-06"));
    assert_eq!(q("2026Q2").first_month(), month("2026-04"));
    assert_eq!(
        q("2026Q2").months(),
        [month("2026-04"), month("2026-05"), month("2026-06")]
    );
}

#[test]
fn quarters_follow_each_other_across_years() {
    assert_eq!(q("2026Q4").next(), Some(q("2027Q1")));
    assert_eq!(q("2026Q1").prev(), Some(q("2025Q4")));
    assert_eq!(q("2026Q2").next(), Some(q("2026Q3")));
    assert!(q("2026Q1") < q("2026Q2") && q("2026Q4") < q("2027Q1"));
}

#[test]
fn every_date_lies_in_exactly_one_quarter() {
    assert_eq!(Quarter::containing(date(2026, 3, 31)), q("2026Q1"));
    assert_eq!(Quarter::containing(date(2026, 4, 1)), q("2026Q2"));
    assert_eq!(Quarter::containing(date(2026, 12, 31)), q("2026Q4"));
    assert!(q("2026Q2").contains(date(2026, 5, 17)));
    assert!(!q("2026Q2").contains(date(2026, 7, 1)));
}

#[test]
fn months_are_written_2026_05_and_know_their_length() {
    let may = month("2026-05");
    assert_eq!(may.to_string(), "2026-05");
    assert_eq!(Month::parse("2026-5"), Ok(may));
    assert_eq!(Month::parse("2026/05"), Ok(may));
    assert_eq!(may.first_day(), date(2026, 5, 1));
    assert_eq!(may.last_day(), date(2026, 5, 31));
    assert_eq!(month("2026-02").last_day(), date(2026, 2, 28));
    assert_eq!(month("2028-02").last_day(), date(2028, 2, 29));
    assert_eq!(month("2026-12").next(), Some(month("2027-01")));
    assert_eq!(month("2026-01").prev(), Some(month("2025-12")));
    assert_eq!(may.quarter(), q("2026Q2"));
    assert_eq!(Month::containing(date(2026, 5, 17)), may);
    assert_eq!(
        Month::parse("2026-13"),
        Err(PeriodError::MonthOutOfRange { month: 13 })
    );
    assert!(Month::parse("202605").is_err());
}

#[test]
fn years_have_their_quarters_months_and_days() {
    let y = Year::parse("2026").unwrap();
    assert_eq!(y.first_day(), date(2026, 1, 1));
    assert_eq!(y.last_day(), date(2026, 12, 31));
    assert_eq!(y.quarters()[3], q("2026Q4"));
    assert_eq!(y.months()[11], month("2026-12"));
    assert_eq!(y.next().unwrap().value(), 2027);
    assert_eq!(Year::containing(date(2026, 7, 1)), y);
    assert!(Year::parse("20x6").is_err());
}

#[test]
fn the_ends_of_the_calendar_have_no_next_or_previous() {
    assert_eq!(Year::MAX.next(), None);
    assert_eq!(Year::MIN.prev(), None);
    let last = Year::MAX.quarters()[3];
    assert_eq!(last.next(), None);
    assert_eq!(Year::MIN.months()[0].prev(), None);
    assert_eq!(
        Year::new(Year::MAX.value() + 1),
        Err(PeriodError::YearOutOfRange { year: 262_143 })
    );
}

#[test]
fn draw_periods_are_quarters_or_months_by_cadence() {
    let day = date(2026, 5, 17);
    assert_eq!(
        DrawPeriod::containing(day, DrawCadence::Quarterly),
        q("2026Q2").into()
    );
    assert_eq!(
        DrawPeriod::containing(day, DrawCadence::Monthly),
        month("2026-05").into()
    );
    assert_eq!(DrawCadence::Quarterly.periods_per_year(), 4);
    assert_eq!(DrawCadence::Monthly.periods_per_year(), 12);
    assert_eq!(DrawPeriod::parse("2026Q2"), Ok(q("2026Q2").into()));
    assert_eq!(DrawPeriod::parse("2026-05"), Ok(month("2026-05").into()));
    assert!(DrawPeriod::parse("2026").is_err());
    let p: DrawPeriod = month("2026-12").into();
    assert_eq!(p.next(), Some(month("2027-01").into()));
    assert_eq!(p.last_day(), date(2026, 12, 31));
}

#[test]
fn serde_carries_periods_as_strings() {
    assert_eq!(serde_json::to_string(&q("2026Q2")).unwrap(), "\"2026Q2\"");
    assert_eq!(
        serde_json::to_string(&month("2026-05")).unwrap(),
        "\"2026-05\""
    );
    assert_eq!(
        serde_json::to_string(&Year::new(2026).unwrap()).unwrap(),
        "\"2026\""
    );
    assert_eq!(
        serde_json::from_str::<Quarter>("\"2026-Q2\"").unwrap(),
        q("2026Q2")
    );
    assert!(serde_json::from_str::<Quarter>("\"2026Q7\"").is_err());
    // A year may also arrive as a number.
    assert_eq!(
        serde_json::from_str::<Year>("2026").unwrap(),
        Year::new(2026).unwrap()
    );
    assert_eq!(
        serde_json::from_str::<Year>("\"2026\"").unwrap(),
        Year::new(2026).unwrap()
    );
    let p: DrawPeriod = month("2026-05").into();
    assert_eq!(
        serde_json::from_str::<DrawPeriod>(&serde_json::to_string(&p).unwrap()).unwrap(),
        p
    );
}
