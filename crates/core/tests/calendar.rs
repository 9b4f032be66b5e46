//! The duty calendar of RULES.md ("Calendar"), as specifications.

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use spotcheck_core::calendar::{duties_between, status, Duty, DutyKind, DutyStatus};
use spotcheck_core::period::{DrawCadence, DrawPeriod, Month, Quarter, Year};
use spotcheck_core::rules::RulesConfig;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn q(s: &str) -> Quarter {
    Quarter::parse(s).unwrap()
}

fn month(s: &str) -> Month {
    Month::parse(s).unwrap()
}

fn year(y: i32) -> Year {
    Year::new(y).unwrap()
}

fn due(duty: Duty) -> NaiveDate {
    duty.due_date(&RulesConfig::default())
}

#[test]
fn key_draw_for_2026q2_is_due_on_25_march_2026() {
    assert_eq!(due(Duty::KeyDraw(q("2026Q2").into())), date(2026, 3, 25));
}

#[test]
fn special_draw_for_2026q3_is_due_on_25_june_2026() {
    assert_eq!(
        due(Duty::SpecialDraw(q("2026Q3").into())),
        date(2026, 6, 25)
    );
}

#[test]
fn key_draw_for_2027q1_is_due_on_25_december_2026() {
    assert_eq!(due(Duty::KeyDraw(q("2027Q1").into())), date(2026, 12, 25));
}

#[test]
fn general_draw_for_2027_is_due_on_31_december_2026() {
    assert_eq!(due(Duty::GeneralDraw(year(2027))), date(2026, 12, 31));
}

#[test]
fn lists_of_2026q1_are_due_on_3_april_2026() {
    assert_eq!(due(Duty::QuarterLists(q("2026Q1"))), date(2026, 4, 3));
}

#[test]
fn monthly_report_of_december_2026_is_due_on_3_january_2027() {
    assert_eq!(due(Duty::MonthlyReport(month("2026-12"))), date(2027, 1, 3));
    assert_eq!(due(Duty::MonthlyReport(month("2026-02"))), date(2026, 3, 3));
}

#[test]
fn forms_of_2026q2_are_due_on_3_july_2026() {
    assert_eq!(due(Duty::QuarterForms(q("2026Q2"))), date(2026, 7, 3));
}

#[test]
fn disclosure_of_2026q4_is_due_on_20_january_2027() {
    assert_eq!(due(Duty::Disclosure(q("2026Q4"))), date(2027, 1, 20));
}

#[test]
fn a_monthly_cadence_draws_by_the_25th_of_the_month_before() {
    let monthly = RulesConfig {
        draw_cadence: DrawCadence::Monthly,
        ..RulesConfig::default()
    };
    let may: DrawPeriod = month("2026-05").into();
    assert_eq!(Duty::KeyDraw(may).due_date(&monthly), date(2026, 4, 25));
    let january: DrawPeriod = month("2027-01").into();
    assert_eq!(
        Duty::SpecialDraw(january).due_date(&monthly),
        date(2026, 12, 25)
    );
}

#[test]
fn other_agencies_set_other_due_days() {
    let config = RulesConfig {
        key_draw_due_day: 20,
        general_draw_due_month: 1,
        general_draw_due_day: 15,
        disclosure_due_days: 15,
        ..RulesConfig::default()
    };
    assert_eq!(
        Duty::KeyDraw(q("2026Q2").into()).due_date(&config),
        date(2026, 3, 20)
    );
    assert_eq!(
        Duty::GeneralDraw(year(2027)).due_date(&config),
        date(2026, 1, 15)
    );
    assert_eq!(
        Duty::Disclosure(q("2026Q1")).due_date(&config),
        date(2026, 4, 15)
    );
}

#[test]
fn the_second_quarter_of_2026_holds_eight_duties_in_date_order() {
    let duties = duties_between(&RulesConfig::default(), date(2026, 4, 1), date(2026, 6, 30));
    let expected = vec![
        (Duty::QuarterLists(q("2026Q1")), date(2026, 4, 3)),
        (Duty::MonthlyReport(month("2026-03")), date(2026, 4, 3)),
        (Duty::QuarterForms(q("2026Q1")), date(2026, 4, 3)),
        (Duty::Disclosure(q("2026Q1")), date(2026, 4, 20)),
        (Duty::MonthlyReport(month("2026-04")), date(2026, 5, 3)),
        (Duty::MonthlyReport(month("2026-05")), date(2026, 6, 3)),
        (Duty::KeyDraw(q("2026Q3").into()), date(2026, 6, 25)),
        (Duty::SpecialDraw(q("2026Q3").into()), date(2026, 6, 25)),
    ];
    assert_eq!(duties, expected);
}

#[test]
fn a_year_holds_thirty_three_duties() {
    let duties = duties_between(
        &RulesConfig::default(),
        date(2026, 1, 1),
        date(2026, 12, 31),
    );
    let count = |kind: DutyKind| duties.iter().filter(|(d, _)| d.kind() == kind).count();
    assert_eq!(count(DutyKind::KeyDraw), 4);
    assert_eq!(count(DutyKind::SpecialDraw), 4);
    assert_eq!(count(DutyKind::GeneralDraw), 1);
    assert_eq!(count(DutyKind::QuarterLists), 4);
    assert_eq!(count(DutyKind::MonthlyReport), 12);
    assert_eq!(count(DutyKind::QuarterForms), 4);
    assert_eq!(count(DutyKind::Disclosure), 4);
    assert_eq!(duties.len(), 33);
    assert_eq!(
        duties.last(),
        Some(&(Duty::GeneralDraw(year(2027)), date(2026, 12, 31)))
    );
    assert!(duties.windows(2).all(|w| w[0].1 <= w[1].1));
}

#[test]
fn both_ends_of_the_window_are_included() {
    let day = date(2026, 3, 25);
    let duties = duties_between(&RulesConfig::default(), day, day);
    assert_eq!(
        duties,
        vec![
            (Duty::KeyDraw(q("2026Q2").into()), day),
            (Duty::SpecialDraw(q("2026Q2").into()), day),
        ]
    );
    assert!(duties_between(&RulesConfig::default(), day, date(2026, 3, 24)).is_empty());
}

#[test]
fn duties_name_their_period_and_rules() {
    assert_eq!(Duty::KeyDraw(q("2026Q2").into()).period_label(), "2026Q2");
    assert_eq!(Duty::GeneralDraw(year(2027)).period_label(), "2027");
    assert_eq!(
        Duty::MonthlyReport(month("2026-05")).period_label(),
        "2026-05"
    );
    assert_eq!(
        DutyKind::QuarterLists.rule_ids(),
        ["R-LIST-8", "R-LIST-9", "R-LIST-11"]
    );
    for kind in DutyKind::ALL {
        assert_eq!(DutyKind::parse(kind.as_str()), Some(kind));
    }
    let json = serde_json::to_string(&Duty::Disclosure(q("2026Q4"))).unwrap();
    assert_eq!(json, r#"{"kind":"disclosure","period":"2026Q4"}"#);
    assert_eq!(
        serde_json::from_str::<Duty>(&json).unwrap(),
        Duty::Disclosure(q("2026Q4"))
    );
}

#[test]
fn a_duty_done_by_its_due_date_is_done_and_after_it_done_late() {
    let due = date(2026, 3, 25);
    assert_eq!(
        status(due, Some(date(2026, 3, 25)), date(2026, 4, 1), 7),
        DutyStatus::Done
    );
    assert_eq!(
        status(due, Some(date(2026, 3, 1)), date(2026, 3, 2), 7),
        DutyStatus::Done
    );
    assert_eq!(
        status(due, Some(date(2026, 3, 26)), date(2026, 4, 1), 7),
        DutyStatus::DoneLate
    );
}

#[test]
fn an_open_duty_is_upcoming_then_due_soon_then_overdue() {
    let due = date(2026, 3, 25);
    assert_eq!(
        status(due, None, date(2026, 3, 17), 7),
        DutyStatus::Upcoming
    );
    assert_eq!(status(due, None, date(2026, 3, 18), 7), DutyStatus::DueSoon);
    assert_eq!(status(due, None, date(2026, 3, 25), 7), DutyStatus::DueSoon);
    assert_eq!(status(due, None, date(2026, 3, 26), 7), DutyStatus::Overdue);
    assert_eq!(
        status(due, None, date(2026, 3, 24), 0),
        DutyStatus::Upcoming
    );
}

/// Every duty of the years around the window, found the slow way.
fn brute_force(config: &RulesConfig, from: NaiveDate, to: NaiveDate) -> Vec<(Duty, NaiveDate)> {
    let mut all = Vec::new();
    for y in from.year() - 2..=to.year() + 2 {
        let y = year(y);
        all.push(Duty::GeneralDraw(y));
        for quarter in y.quarters() {
            all.push(Duty::QuarterLists(quarter));
            all.push(Duty::QuarterForms(quarter));
            all.push(Duty::Disclosure(quarter));
            if config.draw_cadence == DrawCadence::Quarterly {
                all.push(Duty::KeyDraw(quarter.into()));
                all.push(Duty::SpecialDraw(quarter.into()));
            }
        }
        for m in y.months() {
            all.push(Duty::MonthlyReport(m));
            if config.draw_cadence == DrawCadence::Monthly {
                all.push(Duty::KeyDraw(m.into()));
                all.push(Duty::SpecialDraw(m.into()));
            }
        }
    }
    let mut due: Vec<(Duty, NaiveDate)> = all
        .into_iter()
        .map(|d| (d, d.due_date(config)))
        .filter(|(_, due)| (from..=to).contains(due))
        .collect();
    due.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    due
}

proptest! {
    #[test]
    fn duties_between_finds_exactly_the_duties_due_in_the_window(
        start in 0u32..3_000,
        span in 0u32..500,
        monthly in any::<bool>(),
        draw_day in 1u32..=28,
        lists in 0u32..=92,
        report in 0u32..=92,
        disclosure in 0u32..=92,
        general_month in 1u32..=12,
    ) {
        let config = RulesConfig {
            draw_cadence: if monthly { DrawCadence::Monthly } else { DrawCadence::Quarterly },
            key_draw_due_day: draw_day,
            special_draw_due_day: 28 - draw_day + 1,
            quarter_lists_due_days: lists,
            monthly_report_due_days: report,
            disclosure_due_days: disclosure,
            general_draw_due_month: general_month,
            general_draw_due_day: 28,
            ..RulesConfig::default()
        };
        prop_assert_eq!(config.validate(), Ok(()));
        let from = date(2020, 1, 1) + chrono::Days::new(u64::from(start));
        let to = from + chrono::Days::new(u64::from(span));
        prop_assert_eq!(duties_between(&config, from, to), brute_force(&config, from, to));
    }
}
