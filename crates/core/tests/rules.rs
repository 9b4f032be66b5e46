//! Rule parameters (RULES.md), with the Urumqi values as the default.

use spotcheck_core::period::DrawCadence;
use spotcheck_core::rules::{EnforcementMeasure, RulesConfig, RulesConfigError, RulesField};

fn urumqi() -> RulesConfig {
    RulesConfig::default()
}

#[test]
fn the_default_is_the_urumqi_plan_and_valid() {
    let c = urumqi();
    assert_eq!(c.key_rate_percent, 20);
    assert!(c.key_all_covered_in_year);
    assert_eq!(
        (
            c.general_objects_per_officer_city,
            c.general_objects_per_officer_district
        ),
        (5, 10)
    );
    assert_eq!(
        (c.special_rate_min_percent, c.special_rate_max_percent),
        (50, 60)
    );
    assert_eq!(c.team_size, 2);
    assert_eq!(c.draw_cadence, DrawCadence::Quarterly);
    assert_eq!((c.key_draw_due_day, c.special_draw_due_day), (25, 25));
    assert_eq!((c.general_draw_due_month, c.general_draw_due_day), (12, 31));
    assert_eq!(
        (c.quarter_lists_due_days, c.monthly_report_due_days),
        (3, 3)
    );
    assert_eq!((c.quarter_forms_due_days, c.disclosure_due_days), (3, 20));
    assert_eq!(c.validate(), Ok(()));
}

#[test]
fn at_least_20_percent_of_key_units_rounded_up() {
    let c = urumqi();
    assert_eq!(c.key_minimum(100), 20);
    assert_eq!(c.key_minimum(7), 2, "20% of 7 is 1.4: at least 2");
    assert_eq!(c.key_minimum(5), 1);
    assert_eq!(c.key_minimum(0), 0);
    assert!(c.key_rate_ok(20) && c.key_rate_ok(35) && c.key_rate_ok(100));
    assert!(!c.key_rate_ok(19) && !c.key_rate_ok(101));
}

#[test]
fn key_units_are_all_covered_by_the_last_quarter() {
    let c = urumqi();
    // 40 key units, none drawn yet, 4 quarters left: 10 a quarter beats the 8 of the rate.
    assert_eq!(c.key_minimum_this_period(40, 40, 4), 10);
    // 30 still undrawn with 2 quarters left: 15.
    assert_eq!(c.key_minimum_this_period(40, 30, 2), 15);
    // The last quarter draws every unit not yet drawn.
    assert_eq!(c.key_minimum_this_period(40, 17, 1), 17);
    // When coverage is done the rate still applies.
    assert_eq!(c.key_minimum_this_period(40, 0, 2), 8);
    let no_coverage = RulesConfig {
        key_all_covered_in_year: false,
        ..urumqi()
    };
    assert_eq!(no_coverage.key_minimum_this_period(40, 17, 1), 8);
}

#[test]
fn special_sources_are_drawn_at_50_to_60_percent() {
    let c = urumqi();
    assert_eq!(c.special_count_range(10), 5..=6);
    assert_eq!(c.special_count_range(20), 10..=12);
    assert_eq!(
        c.special_count_range(3),
        2..=2,
        "1.5 to 1.8: the minimum 2 wins"
    );
    assert_eq!(c.special_count_range(1), 1..=1);
    assert_eq!(c.special_count_range(0), 0..=0);
    assert!(c.special_rate_ok(50) && c.special_rate_ok(55) && c.special_rate_ok(60));
    assert!(!c.special_rate_ok(49) && !c.special_rate_ok(61));
}

#[test]
fn general_draw_holds_five_objects_per_city_officer_and_ten_per_district_officer() {
    let c = urumqi();
    assert_eq!(c.general_minimum(true, 30, 1_000), 150);
    assert_eq!(c.general_minimum(false, 15, 1_000), 150);
    assert_eq!(
        c.general_minimum(false, 15, 90),
        90,
        "capped by the general units there are"
    );
    assert_eq!(c.general_minimum(true, 0, 90), 0);
}

#[test]
fn an_inspection_team_has_at_least_two_officers() {
    let c = urumqi();
    assert!(!c.team_size_ok(1));
    assert!(c.team_size_ok(2) && c.team_size_ok(3));
}

#[test]
fn nonsense_configurations_are_rejected_with_the_field() {
    use RulesConfigError as E;
    use RulesField as F;
    let check = |c: RulesConfig| c.validate().unwrap_err();
    assert_eq!(
        check(RulesConfig {
            key_rate_percent: 0,
            ..urumqi()
        }),
        E::RateOutOfRange {
            field: F::KeyRatePercent,
            value: 0
        }
    );
    assert_eq!(
        check(RulesConfig {
            special_rate_max_percent: 101,
            ..urumqi()
        }),
        E::RateOutOfRange {
            field: F::SpecialRateMaxPercent,
            value: 101
        }
    );
    assert_eq!(
        check(RulesConfig {
            special_rate_min_percent: 70,
            ..urumqi()
        }),
        E::SpecialRateMinAboveMax { min: 70, max: 60 }
    );
    assert_eq!(
        check(RulesConfig {
            team_size: 0,
            ..urumqi()
        }),
        E::Zero { field: F::TeamSize }
    );
    assert_eq!(
        check(RulesConfig {
            general_objects_per_officer_city: 0,
            ..urumqi()
        }),
        E::Zero {
            field: F::GeneralObjectsPerOfficerCity
        }
    );
    assert_eq!(
        check(RulesConfig {
            key_draw_due_day: 29,
            ..urumqi()
        }),
        E::DueDayOutOfRange {
            field: F::KeyDrawDueDay,
            day: 29,
            max: 28
        }
    );
    assert_eq!(
        check(RulesConfig {
            special_draw_due_day: 0,
            ..urumqi()
        }),
        E::DueDayOutOfRange {
            field: F::SpecialDrawDueDay,
            day: 0,
            max: 28
        }
    );
    assert_eq!(
        check(RulesConfig {
            general_draw_due_month: 2,
            general_draw_due_day: 29,
            ..urumqi()
        }),
        E::InvalidDueDate {
            field: F::GeneralDrawDue,
            month: 2,
            day: 29
        }
    );
    assert_eq!(
        check(RulesConfig {
            general_draw_due_month: 13,
            ..urumqi()
        }),
        E::InvalidDueDate {
            field: F::GeneralDrawDue,
            month: 13,
            day: 31
        }
    );
    assert_eq!(
        check(RulesConfig {
            disclosure_due_days: 400,
            ..urumqi()
        }),
        E::DueDaysTooLong {
            field: F::DisclosureDueDays,
            days: 400,
            max: 92
        }
    );
}

#[test]
fn every_problem_is_listed_for_a_settings_form() {
    let c = RulesConfig {
        key_rate_percent: 0,
        team_size: 0,
        key_draw_due_day: 31,
        ..urumqi()
    };
    let problems = c.problems();
    assert_eq!(problems.len(), 3);
    assert_eq!(problems[0].key(), "rate_out_of_range");
    assert_eq!(
        problems[0].to_string(),
        "key_rate_percent: a rate of 0% must be between 1 and 100"
    );
}

#[test]
fn a_configuration_round_trips_through_json() {
    let c = RulesConfig {
        key_rate_percent: 25,
        draw_cadence: DrawCadence::Monthly,
        special_rate_min_percent: 15,
        special_rate_max_percent: 50,
        ..urumqi()
    };
    let json = serde_json::to_string_pretty(&c).unwrap();
    assert!(json.contains("\"draw_cadence\": \"monthly\""));
    assert_eq!(serde_json::from_str::<RulesConfig>(&json).unwrap(), c);
}

#[test]
fn missing_fields_take_the_urumqi_values_and_unknown_fields_are_refused() {
    let c: RulesConfig = serde_json::from_str(r#"{"key_rate_percent": 5}"#).unwrap();
    assert_eq!(
        c,
        RulesConfig {
            key_rate_percent: 5,
            ..urumqi()
        }
    );
    assert!(serde_json::from_str::<RulesConfig>(r#"{"key_rate": 5}"#).is_err());
}

#[test]
fn the_four_measures_have_names_in_the_law() {
    let names: Vec<&str> = EnforcementMeasure::ALL
        .iter()
        .map(|m| m.name_zh())
        .collect();
    assert_eq!(
        names,
        ["按日连续处罚", "查封扣押", "限产停产", "移送行政拘留"]
    );
    for m in EnforcementMeasure::ALL {
        assert_eq!(EnforcementMeasure::parse(m.as_str()), Some(m));
    }
}

#[test]
fn days_are_the_agencies_days_in_china_standard_time_by_default() {
    let c = urumqi();
    assert_eq!(c.time_zone, "+08:00");
    // 1 April 2026, 07:30 in Urumqi (Beijing time), still 31 March in UTC: the first quarter is
    // over for the agencies.
    let morning: chrono::DateTime<chrono::Utc> = "2026-03-31T23:30:00Z".parse().unwrap();
    assert_eq!(c.day_of(morning).to_string(), "2026-04-01");
    let utc = RulesConfig {
        time_zone: "+00:00".into(),
        ..urumqi()
    };
    assert_eq!(utc.validate(), Ok(()));
    assert_eq!(utc.day_of(morning).to_string(), "2026-03-31");
    let bad = RulesConfig {
        time_zone: "Asia/Urumqi".into(),
        ..urumqi()
    };
    assert_eq!(
        bad.validate(),
        Err(RulesConfigError::BadTimeZone {
            value: "Asia/Urumqi".into()
        })
    );
    assert_eq!(bad.validate().unwrap_err().key(), "bad_time_zone");
}
