//! What the draw guarantees, checked on many generated inputs (property tests). Each test name
//! states a guarantee of DRAW.md or of the rules it serves (R-DRAW-KEY-2, R-DRAW-KEY-3,
//! R-DRAW-2R).

mod common;

use std::collections::{HashMap, HashSet};

use common::input;
use proptest::prelude::*;
use spotcheck_draw::{
    deck_key, draw, selection_count, ticket, verify, Conflict, DrawError, DrawInput, DrawOutput,
    DrawRecord, Officer, Rule, Unit, Verification,
};

/// A population of up to `max` units with distinct ids (some of them Chinese) and random
/// "inspected this year" flags, in a random order.
fn population(max: usize) -> impl Strategy<Value = Vec<Unit>> {
    (
        0..=max,
        prop::sample::select(vec!["91650102MA", "企业-", "u", "a\u{1}"]),
    )
        .prop_flat_map(|(n, prefix)| {
            prop::collection::vec(any::<bool>(), n).prop_map(move |flags| {
                flags
                    .into_iter()
                    .enumerate()
                    .map(|(i, inspected)| Unit {
                        id: format!("{prefix}{i:05}"),
                        inspected_this_year: inspected,
                    })
                    .collect::<Vec<_>>()
            })
        })
        .prop_shuffle()
}

fn officers(range: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Vec<Officer>> {
    range.prop_map(|n| {
        (0..n)
            .map(|i| Officer {
                id: format!("650102-{i:03}"),
            })
            .collect()
    })
}

fn any_rule() -> impl Strategy<Value = Rule> {
    prop_oneof![
        (1u32..=6, 1u32..=100)
            .prop_flat_map(|(q, rate)| (1..=q, Just(q), Just(rate)))
            .prop_map(|(quarter, quarters_in_year, rate_percent)| Rule::Key {
                quarter,
                quarters_in_year,
                rate_percent
            }),
        (0u64..=8).prop_map(|objects_per_officer| Rule::General {
            objects_per_officer
        }),
        (1u32..=100).prop_map(|rate_percent| Rule::Special { rate_percent }),
        (0u64..=80).prop_map(|count| Rule::Fixed { count }),
    ]
}

/// Some conflict pairs among `population` and `officers`, each pair once.
fn with_conflicts(
    population: Vec<Unit>,
    officers: Vec<Officer>,
    density: u8,
) -> impl Strategy<Value = (Vec<Unit>, Vec<Officer>, Vec<Conflict>)> {
    let pairs: Vec<(usize, usize)> = (0..officers.len())
        .flat_map(|o| (0..population.len()).map(move |u| (o, u)))
        .collect();
    let size = pairs.len().min(usize::from(density));
    prop::sample::subsequence(pairs, 0..=size).prop_map(move |chosen| {
        let conflicts = chosen
            .into_iter()
            .map(|(o, u)| Conflict {
                officer: officers[o].id.clone(),
                unit: population[u].id.clone(),
            })
            .collect();
        (population.clone(), officers.clone(), conflicts)
    })
}

/// Any valid input of up to 60 units, 1 to 8 officers, teams of 1 to 3, a few conflicts.
fn any_input() -> impl Strategy<Value = DrawInput> {
    (
        population(60),
        officers(1..=8),
        any::<u8>().prop_map(|d| d % 40),
    )
        .prop_flat_map(|(p, o, density)| with_conflicts(p, o, density))
        .prop_flat_map(|(p, o, c)| (Just(p), Just(o), Just(c), any_rule(), 1u32..=3, "[0-9]{20}"))
        .prop_map(|(p, o, c, rule, team_size, digits)| {
            input(rule, p, o, c, team_size, &format!("dice:{digits}"))
        })
}

/// `ceil(a / b)` spelled as DRAW.md defines it.
#[allow(clippy::manual_div_ceil)]
fn ceil_div(a: u128, b: u128) -> u128 {
    (a + b - 1) / b
}

/// `n` as DRAW.md writes it, computed here independently of the engine.
fn spec_count(input: &DrawInput) -> usize {
    let total = input.population.len() as u128;
    let n = match input.rule {
        Rule::Key {
            quarter,
            quarters_in_year,
            rate_percent,
        } => {
            let remaining = input
                .population
                .iter()
                .filter(|u| !u.inspected_this_year)
                .count() as u128;
            let quarters_left = u128::from(quarters_in_year - quarter + 1);
            ceil_div(total * u128::from(rate_percent), 100).max(ceil_div(remaining, quarters_left))
        }
        Rule::General {
            objects_per_officer,
        } => u128::from(objects_per_officer) * input.officers.len() as u128,
        Rule::Special { rate_percent } => ceil_div(total * u128::from(rate_percent), 100),
        Rule::Fixed { count } => u128::from(count),
    };
    n.min(total) as usize
}

/// The draw as DRAW.md's text and pseudocode say it, written as plainly as possible: full sorts,
/// a list for the queue. The engine must agree with it exactly.
fn model(input: &DrawInput) -> Result<Vec<(String, Vec<String>)>, String> {
    let n = spec_count(input);
    let lowest = |units: Vec<&Unit>, k: usize| -> Vec<String> {
        let mut keyed: Vec<([u8; 32], &str)> = units
            .iter()
            .map(|u| (ticket(&input.seed, &u.id), u.id.as_str()))
            .collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.as_bytes().cmp(b.1.as_bytes())));
        keyed
            .into_iter()
            .take(k)
            .map(|(_, id)| id.to_string())
            .collect()
    };
    let selected: Vec<String> = match input.rule {
        Rule::Key { .. } => {
            let (remaining, others): (Vec<&Unit>, Vec<&Unit>) = input
                .population
                .iter()
                .partition(|u| !u.inspected_this_year);
            let from_remaining = n.min(remaining.len());
            let mut chosen = lowest(remaining, from_remaining);
            chosen.extend(lowest(others, n - from_remaining));
            chosen
        }
        _ => lowest(input.population.iter().collect(), n),
    };
    let conflicts: HashSet<(&str, &str)> = input
        .conflicts
        .iter()
        .map(|c| (c.officer.as_str(), c.unit.as_str()))
        .collect();
    let deck = |pass: u64| -> Vec<String> {
        let mut keyed: Vec<([u8; 32], &str)> = input
            .officers
            .iter()
            .map(|o| (deck_key(&input.seed, pass, &o.id), o.id.as_str()))
            .collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.as_bytes().cmp(b.1.as_bytes())));
        keyed.into_iter().map(|(_, id)| id.to_string()).collect()
    };
    let mut queue: Vec<String> = Vec::new();
    let mut next_pass = 0;
    let mut result = Vec::new();
    for unit in selected {
        let mut team: Vec<String> = Vec::new();
        let mut i = 0;
        let mut appended = false;
        while team.len() < input.team_size as usize {
            if i == queue.len() {
                if appended {
                    return Err(format!(
                        "unit {unit}: fewer than team_size eligible officers"
                    ));
                }
                queue.extend(deck(next_pass));
                next_pass += 1;
                appended = true;
            }
            let o = queue[i].clone();
            if !team.contains(&o) && !conflicts.contains(&(o.as_str(), unit.as_str())) {
                team.push(o);
                queue.remove(i);
            } else {
                i += 1;
            }
        }
        result.push((unit, team));
    }
    Ok(result)
}

fn as_pairs(output: &DrawOutput) -> Vec<(String, Vec<String>)> {
    output
        .selected
        .iter()
        .map(|a| (a.unit.clone(), a.officers.clone()))
        .collect()
}

proptest! {
    #[test]
    fn the_engine_agrees_with_a_plain_transcription_of_the_spec(input in any_input()) {
        let expected = model(&input);
        let got = draw(&input).map(|o| as_pairs(&o)).map_err(|e| e.to_string());
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn the_same_input_always_gives_the_same_draw_whatever_the_list_order(input in any_input()) {
        let first = draw(&input);
        prop_assert_eq!(&first, &draw(&input));
        let mut reordered = input.clone();
        reordered.population.reverse();
        let turn = 1.min(reordered.officers.len());
        reordered.officers.rotate_left(turn);
        reordered.conflicts.reverse();
        prop_assert_eq!(first, draw(&reordered));
    }

    #[test]
    fn the_number_drawn_is_the_spec_formula(input in any_input()) {
        let n = spec_count(&input);
        prop_assert_eq!(selection_count(&input.rule, &input.population, input.officers.len()), n);
        if let Ok(output) = draw(&input) {
            prop_assert_eq!(output.count as usize, n);
            prop_assert_eq!(output.selected.len(), n);
        }
    }

    #[test]
    fn each_drawn_unit_is_a_distinct_unit_of_the_population(input in any_input()) {
        if let Ok(output) = draw(&input) {
            let ids: HashSet<&str> = input.population.iter().map(|u| u.id.as_str()).collect();
            let drawn: HashSet<&str> = output.selected.iter().map(|a| a.unit.as_str()).collect();
            prop_assert_eq!(drawn.len(), output.selected.len());
            prop_assert!(drawn.is_subset(&ids));
        }
    }

    #[test]
    fn a_conflict_is_never_assigned(input in any_input()) {
        let conflicts: HashSet<(&str, &str)> =
            input.conflicts.iter().map(|c| (c.officer.as_str(), c.unit.as_str())).collect();
        match draw(&input) {
            Ok(output) => {
                for assignment in &output.selected {
                    for officer in &assignment.officers {
                        prop_assert!(!conflicts.contains(&(officer.as_str(), assignment.unit.as_str())));
                    }
                }
            }
            Err(DrawError::NotEnoughOfficers { unit }) => {
                // The named unit really lacks eligible officers.
                let eligible = input.officers.iter().filter(|o| !conflicts.contains(&(o.id.as_str(), unit.as_str()))).count();
                prop_assert!(eligible < input.team_size as usize);
            }
            Err(other) => prop_assert!(false, "a valid input was refused: {}", other),
        }
    }

    #[test]
    fn teams_have_the_right_size_and_distinct_officers_of_the_pool(input in any_input()) {
        if let Ok(output) = draw(&input) {
            let pool: HashSet<&str> = input.officers.iter().map(|o| o.id.as_str()).collect();
            for assignment in &output.selected {
                let team: HashSet<&str> = assignment.officers.iter().map(String::as_str).collect();
                prop_assert_eq!(assignment.officers.len(), input.team_size as usize);
                prop_assert_eq!(team.len(), assignment.officers.len());
                prop_assert!(team.is_subset(&pool));
            }
        }
    }

    #[test]
    fn officer_loads_differ_by_at_most_one_without_conflicts(
        population in population(80),
        pool in officers(1..=12),
        rule in any_rule(),
        team_size in 1u32..=4,
        digits in "[0-9]{20}",
    ) {
        prop_assume!(team_size as usize <= pool.len());
        let input = input(rule, population, pool, vec![], team_size, &format!("dice:{digits}"));
        let output = draw(&input).expect("enough officers without conflicts");
        let mut load: HashMap<&str, usize> = input.officers.iter().map(|o| (o.id.as_str(), 0)).collect();
        for officer in output.selected.iter().flat_map(|a| &a.officers) {
            *load.entry(officer.as_str()).or_default() += 1;
        }
        let (min, max) = (load.values().min().copied(), load.values().max().copied());
        let spread = max.unwrap_or(0) - min.unwrap_or(0);
        prop_assert!(spread <= 1, "loads {:?}", load);
    }

    #[test]
    fn changing_one_byte_of_the_seed_changes_the_result(
        size in 40usize..120,
        position in any::<prop::sample::Index>(),
        replacement in "[a-z0-9|:]",
        digits in "[0-9]{20}",
    ) {
        let input = input(Rule::Fixed { count: 10 }, common::units(size), common::officers(5), vec![], 2, &format!("dice:{digits}"));
        let k = position.index(input.seed.len());
        let mut changed = input.clone();
        let original = &input.seed[k..k + 1];
        let new = if replacement == original { if original == "x" { "y" } else { "x" } } else { replacement.as_str() };
        changed.seed.replace_range(k..k + 1, new);
        let (a, b) = (draw(&input).expect("valid"), draw(&changed).expect("valid"));
        prop_assert_ne!(&a.result_sha256, &b.result_sha256);
        prop_assert_ne!(as_pairs(&a), as_pairs(&b));
    }

    #[test]
    fn every_draw_verifies_and_a_tampered_one_does_not(input in any_input()) {
        if let Ok(output) = draw(&input) {
            let record = DrawRecord { input: input.clone(), output: output.clone() };
            prop_assert_eq!(verify(&record), Verification::Agrees);
            let mut tampered = record;
            tampered.output.result_sha256 = "0".repeat(64);
            let tampered_agrees = verify(&tampered) == Verification::Agrees;
            prop_assert!(!tampered_agrees);
        }
    }
}

/// R-DRAW-KEY-2 and R-DRAW-KEY-3 over a whole year: the key units are drawn quarter after quarter,
/// each quarter from the flags the earlier quarters left.
mod key_units_over_a_year {
    use super::*;

    proptest! {
        #[test]
        fn every_key_unit_is_drawn_by_the_last_quarter_and_no_quarter_draws_fewer_than_the_rate(
            mut population in population(150),
            quarters_in_year in 1u32..=6,
            first_quarter_offset in 0u32..6,
            rate_percent in 1u32..=100,
            digits in "[0-9]{20}",
        ) {
            let first_quarter = 1 + first_quarter_offset % quarters_in_year;
            let total = population.len();
            let at_least = (total * rate_percent as usize).div_ceil(100).min(total);
            for quarter in first_quarter..=quarters_in_year {
                let rule = Rule::Key { quarter, quarters_in_year, rate_percent };
                let input = input(rule, population.clone(), common::officers(4), vec![], 2, &format!("dice:{digits}{quarter}"));
                let output = draw(&input).expect("valid");
                prop_assert!(output.count as usize >= at_least, "quarter {} drew {} < {}", quarter, output.count, at_least);
                let drawn: HashSet<&str> = output.selected.iter().map(|a| a.unit.as_str()).collect();
                let remaining_before = population.iter().filter(|u| !u.inspected_this_year).count();
                let newly = population.iter().filter(|u| !u.inspected_this_year && drawn.contains(u.id.as_str())).count();
                // Units not yet inspected come first.
                prop_assert_eq!(newly, remaining_before.min(output.count as usize));
                for unit in &mut population {
                    if drawn.contains(unit.id.as_str()) {
                        unit.inspected_this_year = true;
                    }
                }
            }
            prop_assert!(population.iter().all(|u| u.inspected_this_year));
        }
    }
}
