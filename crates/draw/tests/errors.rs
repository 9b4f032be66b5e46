//! Every way an input can be refused, and that each refusal names the field (or the unit) at
//! fault: the engine never guesses what a malformed input meant.

mod common;

use common::{conflict, input, officers, small_input, unit, units};
use serde_json::{json, Value};
use spotcheck_draw::{
    draw, parse_input, run_command, validate, verify, verify_command, verify_json, DrawError,
    DrawRecord, Officer, Rule, Verification,
};

fn small_json() -> Value {
    serde_json::to_value(small_input()).expect("serialisable")
}

/// The error message for `value` given as input text.
fn refusal(value: &Value) -> String {
    match parse_input(&value.to_string()) {
        Ok(_) => panic!("accepted: {value}"),
        Err(e) => e.to_string(),
    }
}

fn with(mut value: Value, pointer: &str, new: Value) -> Value {
    *value
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer} exists")) = new;
    value
}

#[test]
fn a_valid_input_is_accepted() {
    assert_eq!(parse_input(&small_json().to_string()), Ok(small_input()));
}

#[test]
fn text_that_is_not_json_is_refused() {
    let e = parse_input("{\"algorithm\": ").expect_err("truncated");
    assert!(matches!(e, DrawError::Json { .. }), "{e}");
    assert!(parse_input("").is_err());
    assert!(parse_input("[]").is_err());
}

#[test]
fn text_after_the_document_is_refused() {
    let text = format!("{} {{}}", small_json());
    assert!(parse_input(&text)
        .expect_err("trailing")
        .to_string()
        .contains("trailing"));
}

#[test]
fn a_missing_field_is_named() {
    let mut value = small_json();
    value.as_object_mut().expect("object").remove("team_size");
    assert!(
        refusal(&value).contains("missing field `team_size`"),
        "{}",
        refusal(&value)
    );
}

#[test]
fn an_unknown_field_is_refused_not_ignored() {
    let mut value = small_json();
    value
        .as_object_mut()
        .expect("object")
        .insert("team_sise".into(), json!(3));
    assert!(
        refusal(&value).contains("unknown field `team_sise`"),
        "{}",
        refusal(&value)
    );

    let value = with(
        small_json(),
        "/population/3",
        json!({"id": "x", "inspected_this_year": false, "name": "n"}),
    );
    let message = refusal(&value);
    assert!(
        message.starts_with("population[3]") && message.contains("unknown field `name`"),
        "{message}"
    );

    let value = with(
        small_json(),
        "/rule",
        json!({"kind": "fixed", "count": 3, "rate_percent": 20}),
    );
    assert!(
        refusal(&value).contains("rule") && refusal(&value).contains("rate_percent"),
        "{}",
        refusal(&value)
    );
}

#[test]
fn an_unknown_rule_kind_is_named() {
    let value = with(small_json(), "/rule", json!({"kind": "random", "count": 3}));
    let message = refusal(&value);
    assert!(
        message.starts_with("rule") && message.contains("random"),
        "{message}"
    );
}

#[test]
fn a_rule_without_its_fields_is_refused() {
    let value = with(
        small_json(),
        "/rule",
        json!({"kind": "key", "quarter": 1, "rate_percent": 20}),
    );
    assert!(
        refusal(&value).contains("quarters_in_year"),
        "{}",
        refusal(&value)
    );
}

#[test]
fn a_wrong_type_is_named_with_its_path() {
    let value = with(
        small_json(),
        "/population/1/inspected_this_year",
        json!("no"),
    );
    assert!(
        refusal(&value).starts_with("population[1].inspected_this_year: "),
        "{}",
        refusal(&value)
    );
    let value = with(small_json(), "/officers/2/id", json!(17));
    assert!(
        refusal(&value).starts_with("officers[2].id: "),
        "{}",
        refusal(&value)
    );
    let value = with(small_json(), "/team_size", json!(-1));
    assert!(
        refusal(&value).starts_with("team_size: "),
        "{}",
        refusal(&value)
    );
    let value = with(small_json(), "/team_size", json!(2.5));
    assert!(
        refusal(&value).starts_with("team_size: "),
        "{}",
        refusal(&value)
    );
}

#[test]
fn another_algorithm_is_refused() {
    let value = with(small_json(), "/algorithm", json!("spotcheck-draw/v2"));
    assert_eq!(
        refusal(&value),
        "algorithm: expected spotcheck-draw/v1, found \"spotcheck-draw/v2\""
    );
}

#[test]
fn a_quarter_outside_the_year_is_refused() {
    let key = |quarter, quarters_in_year, rate_percent| {
        with(
            small_json(),
            "/rule",
            json!({"kind": "key", "quarter": quarter, "quarters_in_year": quarters_in_year, "rate_percent": rate_percent}),
        )
    };
    assert_eq!(refusal(&key(5, 4, 20)), "rule.quarter: 5 is outside 1..=4");
    assert_eq!(refusal(&key(0, 4, 20)), "rule.quarter: 0 is outside 1..=4");
    assert_eq!(
        refusal(&key(1, 0, 20)),
        "rule.quarters_in_year: must be at least 1"
    );
    assert_eq!(
        refusal(&key(1, 4, 0)),
        "rule.rate_percent: 0 is outside 1..=100"
    );
    assert_eq!(
        refusal(&key(1, 4, 101)),
        "rule.rate_percent: 101 is outside 1..=100"
    );
}

#[test]
fn a_special_rate_outside_a_percentage_is_refused() {
    let special = |rate| {
        with(
            small_json(),
            "/rule",
            json!({"kind": "special", "rate_percent": rate}),
        )
    };
    assert_eq!(
        refusal(&special(0)),
        "rule.rate_percent: 0 is outside 1..=100"
    );
    assert_eq!(
        refusal(&special(150)),
        "rule.rate_percent: 150 is outside 1..=100"
    );
    assert!(parse_input(&special(100).to_string()).is_ok());
}

#[test]
fn any_general_or_fixed_number_is_meaningful() {
    for rule in [
        json!({"kind": "general", "objects_per_officer": 0}),
        json!({"kind": "fixed", "count": u64::MAX}),
    ] {
        assert!(parse_input(&with(small_json(), "/rule", rule).to_string()).is_ok());
    }
}

#[test]
fn a_duplicate_unit_id_is_named_at_its_second_occurrence() {
    let value = with(
        small_json(),
        "/population/3/id",
        json!("91650102MA00000001"),
    );
    assert_eq!(
        refusal(&value),
        "population[3].id: duplicate id \"91650102MA00000001\" (first at population[1])"
    );
}

#[test]
fn a_duplicate_id_with_another_flag_is_still_a_duplicate() {
    let value = with(
        small_json(),
        "/population/3",
        json!({"id": "91650102MA00000001", "inspected_this_year": true}),
    );
    assert!(
        refusal(&value).starts_with("population[3].id: duplicate id"),
        "{}",
        refusal(&value)
    );
}

#[test]
fn empty_ids_and_separator_bytes_are_refused() {
    let value = with(small_json(), "/population/0/id", json!(""));
    assert_eq!(refusal(&value), "population[0].id: must not be empty");
    for bad in ["a\tb", "a\nb", "a\u{0}b"] {
        let value = with(small_json(), "/population/4/id", json!(bad));
        assert!(
            refusal(&value).starts_with("population[4].id: "),
            "{}",
            refusal(&value)
        );
        assert!(
            refusal(&value).contains("NUL, TAB or a line feed"),
            "{}",
            refusal(&value)
        );
        let value = with(small_json(), "/officers/1/id", json!(bad));
        assert!(
            refusal(&value).starts_with("officers[1].id: "),
            "{}",
            refusal(&value)
        );
    }
}

#[test]
fn a_duplicate_officer_is_named() {
    let value = with(small_json(), "/officers/3/id", json!("650102-000"));
    assert_eq!(
        refusal(&value),
        "officers[3].id: duplicate id \"650102-000\" (first at officers[0])"
    );
    let value = with(small_json(), "/officers/0/id", json!(""));
    assert_eq!(refusal(&value), "officers[0].id: must not be empty");
}

#[test]
fn a_conflict_must_name_a_known_officer_and_unit() {
    let value = with(small_json(), "/conflicts/0/officer", json!("Y"));
    assert_eq!(
        refusal(&value),
        "conflicts[0].officer: unknown officer \"Y\""
    );
    let value = with(small_json(), "/conflicts/0/unit", json!("Z"));
    assert_eq!(refusal(&value), "conflicts[0].unit: unknown unit \"Z\"");
}

#[test]
fn a_conflict_listed_twice_is_refused() {
    let mut value = small_json();
    let first = value["conflicts"][0].clone();
    value["conflicts"]
        .as_array_mut()
        .expect("array")
        .push(first);
    assert_eq!(refusal(&value), "conflicts[1]: duplicate of conflicts[0]");
}

#[test]
fn a_team_needs_at_least_one_officer() {
    let value = with(small_json(), "/team_size", json!(0));
    assert_eq!(refusal(&value), "team_size: must be at least 1");
}

#[test]
fn the_first_problem_in_document_order_is_reported() {
    let value = with(small_json(), "/team_size", json!(0));
    let value = with(value, "/officers/0/id", json!(""));
    let value = with(
        value,
        "/rule",
        json!({"kind": "special", "rate_percent": 0}),
    );
    assert_eq!(refusal(&value), "rule.rate_percent: 0 is outside 1..=100");
}

#[test]
fn validate_and_draw_refuse_what_parse_refuses() {
    let mut bad = small_input();
    bad.team_size = 0;
    assert_eq!(
        validate(&bad),
        Err(DrawError::Invalid {
            field: "team_size".into(),
            message: "must be at least 1".into()
        })
    );
    assert_eq!(draw(&bad).err(), validate(&bad).err());
}

#[test]
fn a_unit_that_cannot_get_a_full_team_is_named() {
    // Three officers, teams of two, and two of them withdraw from the first drawn unit.
    let population = units(3);
    let first = {
        let probe = input(
            Rule::Fixed { count: 1 },
            population.clone(),
            officers(3),
            vec![],
            2,
            "dice:1",
        );
        draw(&probe).expect("no conflicts").selected[0].unit.clone()
    };
    let conflicts = vec![
        conflict("650102-000", &first),
        conflict("650102-001", &first),
    ];
    let blocked = input(
        Rule::Fixed { count: 1 },
        population,
        officers(3),
        conflicts,
        2,
        "dice:1",
    );
    assert_eq!(
        draw(&blocked).err().map(|e| e.to_string()),
        Some(format!(
            "unit {first}: fewer than team_size eligible officers"
        ))
    );
}

#[test]
fn a_team_larger_than_the_pool_fails_only_when_something_is_drawn() {
    let pool = vec![Officer { id: "only".into() }];
    let empty = input(
        Rule::Fixed { count: 5 },
        vec![],
        pool.clone(),
        vec![],
        2,
        "dice:1",
    );
    assert_eq!(draw(&empty).map(|o| o.count), Ok(0));
    let one = input(
        Rule::Fixed { count: 5 },
        vec![unit("u", false)],
        pool,
        vec![],
        2,
        "dice:1",
    );
    assert_eq!(
        draw(&one),
        Err(DrawError::NotEnoughOfficers { unit: "u".into() })
    );
}

#[test]
fn run_exits_2_naming_the_field_on_stderr() {
    let outcome = run_command(
        &with(
            small_json(),
            "/rule",
            json!({"kind": "special", "rate_percent": 0}),
        )
        .to_string(),
    );
    assert_eq!(outcome.exit_code, 2);
    assert_eq!(outcome.stdout, "");
    assert_eq!(
        outcome.stderr,
        "error: rule.rate_percent: 0 is outside 1..=100\n"
    );
}

#[test]
fn verify_locates_input_errors_under_input() {
    let output = draw(&small_input()).expect("valid");
    let record = json!({"input": with(small_json(), "/team_size", json!(0)), "output": output});
    let e = verify_json(&record.to_string()).expect_err("invalid input");
    assert_eq!(e.to_string(), "input.team_size: must be at least 1");
    assert_eq!(e.field(), Some("input.team_size"));
    let outcome = verify_command(&record.to_string());
    assert_eq!(
        (outcome.exit_code, outcome.stderr.as_str()),
        (2, "error: input.team_size: must be at least 1\n")
    );

    let record = json!({"input": small_json(), "output": {"algorithm": "spotcheck-draw/v1"}});
    let e = verify_json(&record.to_string()).expect_err("incomplete output");
    assert!(e.to_string().starts_with("output: missing field"), "{e}");

    let record = json!({"input": small_json()});
    assert!(verify_json(&record.to_string())
        .expect_err("no output")
        .to_string()
        .contains("missing field `output`"));
}

#[test]
fn verifying_a_typed_record_with_an_invalid_input_says_it_differs_at_input() {
    let output = draw(&small_input()).expect("valid");
    let mut input = small_input();
    input.team_size = 0;
    let answer = verify(&DrawRecord { input, output });
    assert_eq!(
        answer,
        Verification::Differs {
            field: "input".into(),
            expected: "an input the engine can draw from".into(),
            found: "team_size: must be at least 1".into(),
        }
    );
}
