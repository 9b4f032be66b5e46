//! Every unit has the same chance, wherever it sits in the list.
//!
//! The US DV-2012 visa lottery was voided because an ordering bug drew more than 90% of its
//! winners from the first two days of entries. So, over many seeds, the share of draws that
//! include a unit is compared across groups of units an ordering bug would favour: the first,
//! middle and last third of ids, the district in the id, the registration date in the id, and
//! the position in the list as given.
//!
//! Tolerance: with `K` draws each taking `n` of `N` units, a group of `m` units is included
//! `X` times in all, with mean `K m p` (`p = n / N`). Each draw samples without replacement, whose
//! variance is below the binomial one, so the binomial standard deviation `sqrt(K m p (1 - p))`
//! bounds it; a group must lie within 5 of those of its mean. A fair draw fails this with a
//! chance of about one in a million per group; an ordering bug of DV-2012's size misses it by
//! hundreds of standard deviations.

mod common;

use std::collections::{BTreeMap, HashMap};

use spotcheck_draw::{draw, DrawInput, Officer, Rule, Unit};

const DRAWS: usize = 1500;
const SIGMAS: f64 = 5.0;

/// 300 units from 3 districts registered on 10 dates, listed in an order of their own:
/// `6501DD-YYYYMMDD-SSSS`.
fn population() -> Vec<Unit> {
    let mut units = Vec::new();
    for district in ["02", "03", "04"] {
        for day in 0..10 {
            for serial in 0..10 {
                units.push(common::unit(
                    format!(
                        "6501{district}-2025{:02}{:02}-{serial:04}",
                        1 + day,
                        10 + day
                    ),
                    false,
                ));
            }
        }
    }
    // List order differs from id order, as a real register's may.
    units.rotate_left(77);
    units
}

fn input(population: &[Unit], rule: Rule, k: usize) -> DrawInput {
    let officers = vec![Officer {
        id: "650102-001".into(),
    }];
    common::input(
        rule,
        population.to_vec(),
        officers,
        vec![],
        1,
        &format!("dice:{k:020}"),
    )
}

/// Inclusion count of each unit over `DRAWS` draws, and the `n` of each draw.
fn inclusions(population: &[Unit], rule: Rule) -> (HashMap<String, usize>, usize) {
    let mut counts: HashMap<String, usize> = population.iter().map(|u| (u.id.clone(), 0)).collect();
    let mut n = 0;
    for k in 0..DRAWS {
        let output = draw(&input(population, rule, k)).expect("valid input");
        n = output.count as usize;
        for assignment in output.selected {
            *counts.entry(assignment.unit).or_default() += 1;
        }
    }
    (counts, n)
}

/// Asserts that every group's inclusion count is within `SIGMAS` binomial standard deviations of
/// its mean, for units drawn with probability `p` each time.
fn assert_flat(
    what: &str,
    groups: &BTreeMap<String, Vec<&str>>,
    counts: &HashMap<String, usize>,
    p: f64,
) {
    for (group, members) in groups {
        let m = members.len() as f64;
        let x: usize = members.iter().map(|id| counts[*id]).sum();
        let mean = DRAWS as f64 * m * p;
        let sigma = (DRAWS as f64 * m * p * (1.0 - p)).sqrt();
        let deviation = (x as f64 - mean) / sigma;
        assert!(
            deviation.abs() <= SIGMAS,
            "{what} {group}: included {x} times, expected {mean:.0} ± {:.0} ({deviation:+.1} sigma)",
            SIGMAS * sigma
        );
    }
}

fn grouped<'a>(
    units: impl Iterator<Item = &'a Unit>,
    key: impl Fn(usize, &str) -> String,
) -> BTreeMap<String, Vec<&'a str>> {
    let mut groups: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (i, unit) in units.enumerate() {
        groups
            .entry(key(i, &unit.id))
            .or_default()
            .push(unit.id.as_str());
    }
    groups
}

fn check_all_groupings(units: &[Unit], counts: &HashMap<String, usize>, p: f64) {
    let mut by_id: Vec<&Unit> = units.iter().collect();
    by_id.sort_by(|a, b| a.id.cmp(&b.id));
    let third = by_id.len().div_ceil(3);
    let names = ["first", "middle", "last"];
    assert_flat(
        "id order",
        &grouped(by_id.iter().copied(), |i, _| names[i / third].into()),
        counts,
        p,
    );
    assert_flat(
        "list order",
        &grouped(units.iter(), |i, _| names[i / third].into()),
        counts,
        p,
    );
    assert_flat(
        "district",
        &grouped(units.iter(), |_, id| id[..6].into()),
        counts,
        p,
    );
    assert_flat(
        "registration date",
        &grouped(units.iter(), |_, id| id[7..15].into()),
        counts,
        p,
    );
}

#[test]
fn inclusion_rates_are_flat_across_id_order_districts_and_registration_dates() {
    let units = population();
    let (counts, n) = inclusions(&units, Rule::Special { rate_percent: 20 });
    assert_eq!(n, 60);
    check_all_groupings(&units, &counts, n as f64 / units.len() as f64);
}

#[test]
fn among_key_units_not_yet_inspected_the_rates_are_flat_too() {
    // Every other unit is already inspected: quarter 2 of 4 draws ceil(150 / 3) = 50 of the 150
    // others (R-DRAW-KEY-3), more than the rate's ceil(300 * 10%) = 30.
    let mut units = population();
    for (i, unit) in units.iter_mut().enumerate() {
        unit.inspected_this_year = i % 2 == 1;
    }
    let (counts, n) = inclusions(
        &units,
        Rule::Key {
            quarter: 2,
            quarters_in_year: 4,
            rate_percent: 10,
        },
    );
    assert_eq!(n, 50);
    let remaining: Vec<Unit> = units
        .iter()
        .filter(|u| !u.inspected_this_year)
        .cloned()
        .collect();
    let inspected_drawn: usize = units
        .iter()
        .filter(|u| u.inspected_this_year)
        .map(|u| counts[&u.id])
        .sum();
    assert_eq!(
        inspected_drawn, 0,
        "units already inspected wait until the others are drawn"
    );
    check_all_groupings(&remaining, &counts, n as f64 / remaining.len() as f64);
}

#[test]
#[should_panic(expected = "sigma")]
fn an_ordering_bug_like_dv_2012_would_be_caught() {
    // A broken draw that takes its 60 units mostly from the front of the id order: 45 of the
    // first 100 ids and 15 of the rest, every time.
    let units = population();
    let mut by_id: Vec<&Unit> = units.iter().collect();
    by_id.sort_by(|a, b| a.id.cmp(&b.id));
    let mut counts: HashMap<String, usize> = units.iter().map(|u| (u.id.clone(), 0)).collect();
    for k in 0..DRAWS {
        let front = (0..45).map(|j| by_id[(k + j) % 100]);
        let back = (0..15).map(|j| by_id[100 + (k + j) % 200]);
        for unit in front.chain(back) {
            *counts.get_mut(&unit.id).expect("a unit") += 1;
        }
    }
    check_all_groupings(&units, &counts, 0.2);
}
