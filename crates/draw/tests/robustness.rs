//! Nothing panics, whatever text or values come in: garbage, damaged records, JSON of the right
//! shape with wrong values. Each command answers with exit 0, 1 or 2 and says why.

mod common;

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use spotcheck_draw::{
    draw, run_command, selection_count, verify, verify_command, CommandOutcome, Conflict,
    DrawInput, DrawOutput, DrawRecord, Officer, Rule, Unit,
};

fn assert_well_formed(outcome: &CommandOutcome, verify: bool) {
    match outcome.exit_code {
        0 => {
            assert!(outcome.stderr.is_empty());
            if verify {
                assert!(outcome.stdout.starts_with("agrees"));
            } else {
                let output: Result<DrawOutput, _> = serde_json::from_str(&outcome.stdout);
                assert!(output.is_ok(), "run printed an output: {}", outcome.stdout);
            }
        }
        1 => assert!(
            verify && outcome.stdout.starts_with("differs at "),
            "{outcome:?}"
        ),
        2 => assert!(
            outcome.stdout.is_empty() && outcome.stderr.starts_with("error: "),
            "{outcome:?}"
        ),
        other => panic!("unexpected exit code {other}"),
    }
}

/// Words of the input vocabulary, so that generated JSON gets past the first check often.
const KEYS: [&str; 18] = [
    "algorithm",
    "seed",
    "rule",
    "population",
    "officers",
    "conflicts",
    "team_size",
    "kind",
    "quarter",
    "quarters_in_year",
    "rate_percent",
    "objects_per_officer",
    "count",
    "id",
    "inspected_this_year",
    "officer",
    "unit",
    "input",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        prop::sample::select(vec![
            "spotcheck-draw/v1",
            "key",
            "general",
            "special",
            "fixed",
            "",
            "a\tb",
            "张伟"
        ])
        .prop_map(|s| json!(s)),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS.to_vec()), inner), 0..8).prop_map(
                |entries| Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect::<Map<_, _>>()
                )
            ),
        ]
    })
}

/// Inputs of the right shape with any values: empty, duplicate or odd ids, unknown conflict names,
/// any numbers.
fn structured_input() -> impl Strategy<Value = DrawInput> {
    let id = prop_oneof![
        prop::sample::select(vec!["u1", "u2", "o1", "", "a\tb", "a\u{0}", "企业", "\n"])
            .prop_map(String::from),
        "\\PC{0,6}",
    ];
    let rule = prop_oneof![
        (any::<u32>(), any::<u32>(), any::<u32>()).prop_map(
            |(quarter, quarters_in_year, rate_percent)| Rule::Key {
                quarter,
                quarters_in_year,
                rate_percent
            }
        ),
        (0u32..6, 0u32..6, 0u32..120).prop_map(|(quarter, quarters_in_year, rate_percent)| {
            Rule::Key {
                quarter,
                quarters_in_year,
                rate_percent,
            }
        }),
        any::<u64>().prop_map(|objects_per_officer| Rule::General {
            objects_per_officer
        }),
        any::<u32>().prop_map(|rate_percent| Rule::Special { rate_percent }),
        any::<u64>().prop_map(|count| Rule::Fixed { count }),
    ];
    (
        prop::sample::select(vec!["spotcheck-draw/v1", "spotcheck-draw/v2"]),
        "\\PC{0,20}",
        rule,
        prop::collection::vec((id.clone(), any::<bool>()), 0..12),
        prop::collection::vec(id.clone(), 0..6),
        prop::collection::vec((id.clone(), id), 0..4),
        prop_oneof![0u32..5, any::<u32>()],
    )
        .prop_map(
            |(algorithm, seed, rule, population, officers, conflicts, team_size)| DrawInput {
                algorithm: algorithm.to_string(),
                seed,
                rule,
                population: population
                    .into_iter()
                    .map(|(id, inspected_this_year)| Unit {
                        id,
                        inspected_this_year,
                    })
                    .collect(),
                officers: officers.into_iter().map(|id| Officer { id }).collect(),
                conflicts: conflicts
                    .into_iter()
                    .map(|(officer, unit)| Conflict { officer, unit })
                    .collect(),
                team_size,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        assert_well_formed(&run_command(&text), false);
        assert_well_formed(&verify_command(&text), true);
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        let text = value.to_string();
        assert_well_formed(&run_command(&text), false);
        assert_well_formed(&verify_command(&text), true);
        let record = json!({"input": value, "output": value});
        assert_well_formed(&verify_command(&record.to_string()), true);
    }

    #[test]
    fn damaged_vectors_never_panic(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..4, "\\PC{0,3}"), 1..4),
    ) {
        let vectors = common::vectors();
        let (_, text) = &vectors[which.index(vectors.len())];
        let mut chars: Vec<char> = text.chars().collect();
        for (at, removed, inserted) in edits {
            let start = at.index(chars.len().max(1)).min(chars.len());
            let end = (start + removed).min(chars.len());
            chars.splice(start..end, inserted.chars());
        }
        let damaged: String = chars.into_iter().collect();
        assert_well_formed(&verify_command(&damaged), true);
        if let Ok(record) = serde_json::from_str::<Value>(&damaged) {
            assert_well_formed(&run_command(&record["input"].to_string()), false);
        }
    }

    #[test]
    fn structured_inputs_with_any_values_never_panic(input in structured_input()) {
        let drawn = draw(&input);
        let _ = selection_count(&input.rule, &input.population, input.officers.len());
        let text = serde_json::to_string(&input).expect("serialisable");
        let outcome = run_command(&text);
        assert_well_formed(&outcome, false);
        prop_assert_eq!(outcome.exit_code == 0, drawn.is_ok());
        if let Ok(output) = drawn {
            let record = DrawRecord { input, output };
            prop_assert_eq!(verify(&record), spotcheck_draw::Verification::Agrees);
            assert_well_formed(&verify_command(&serde_json::to_string(&record).expect("serialisable")), true);
        }
    }
}
