//! Refusing every input the specification does not define (DRAW.md, "Inputs"): the engine never
//! guesses what a malformed input meant.

use std::collections::HashSet;

use crate::bytes::cmp_concat;
use crate::error::DrawError;
use crate::hashing::{officer_line, population_line};
use crate::lines::SortedLines;
use crate::model::{DrawInput, Officer, Rule, Unit};
use crate::ALGORITHM;

/// Checks an input against DRAW.md and returns the first problem, in document order, naming its
/// field:
///
/// - `algorithm` is `spotcheck-draw/v1`;
/// - `rule`: for `key`, `1 <= quarter <= quarters_in_year` and `rate_percent` within 1..=100; for
///   `special`, `rate_percent` within 1..=100 (the rules layer narrows it to 50..=60);
/// - ids of `population` and `officers` are non-empty, hold no NUL, TAB or line feed, and are
///   unique within their list (each list is checked for bad ids first, then for duplicates);
/// - each conflict names a known officer and a known unit, and no pair is listed twice;
/// - `team_size` is at least 1.
///
/// The seed is not checked: the engine recomputes any record. Whether the randomness in it is
/// long enough is the procedure's business, checked before the draw.
pub fn validate(input: &DrawInput) -> Result<(), DrawError> {
    check_head(input)?;
    let population = check_population(&input.population)?;
    let officers = check_officers(&input.officers)?;
    check_conflicts(input, &population, &officers)?;
    check_team_size(input.team_size)
}

/// `algorithm` and `rule`: cheap, and first in the document.
pub(crate) fn check_head(input: &DrawInput) -> Result<(), DrawError> {
    if input.algorithm != ALGORITHM {
        return Err(DrawError::invalid(
            "algorithm",
            format!("expected {ALGORITHM}, found {:?}", input.algorithm),
        ));
    }
    check_rule(&input.rule)
}

/// The population's ids; on success, the population in hash-line order, which the draw needs for
/// `population_sha256` and which finds duplicates (lines of one id are adjacent, since an id
/// holds no TAB).
pub(crate) fn check_population(population: &[Unit]) -> Result<SortedLines, DrawError> {
    for (i, unit) in population.iter().enumerate() {
        check_id(&unit.id)
            .map_err(|message| DrawError::invalid(format!("population[{i}].id"), message))?;
    }
    let lines = SortedLines::new(population, population_line);
    match first_duplicate(&lines, POPULATION_TAIL, |i| &population[i].id) {
        Some((first, repeat)) => Err(DrawError::invalid(
            format!("population[{repeat}].id"),
            format!(
                "duplicate id {:?} (first at population[{first}])",
                population[repeat].id
            ),
        )),
        None => Ok(lines),
    }
}

/// The officers' ids, as [`check_population`].
pub(crate) fn check_officers(officers: &[Officer]) -> Result<SortedLines, DrawError> {
    for (i, officer) in officers.iter().enumerate() {
        check_id(&officer.id)
            .map_err(|message| DrawError::invalid(format!("officers[{i}].id"), message))?;
    }
    let lines = SortedLines::new(officers, officer_line);
    match first_duplicate(&lines, OFFICER_TAIL, |i| &officers[i].id) {
        Some((first, repeat)) => Err(DrawError::invalid(
            format!("officers[{repeat}].id"),
            format!(
                "duplicate id {:?} (first at officers[{first}])",
                officers[repeat].id
            ),
        )),
        None => Ok(lines),
    }
}

/// Every conflict names a known officer and unit, once. The sorted lines of the (valid)
/// population and officers serve as indexes: no hash map of a million ids is built.
pub(crate) fn check_conflicts(
    input: &DrawInput,
    population: &SortedLines,
    officers: &SortedLines,
) -> Result<(), DrawError> {
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    for (i, conflict) in input.conflicts.iter().enumerate() {
        let officer =
            find_officer(&input.officers, officers, &conflict.officer).ok_or_else(|| {
                DrawError::invalid(
                    format!("conflicts[{i}].officer"),
                    format!("unknown officer {:?}", conflict.officer),
                )
            })?;
        let unit = find_unit(&input.population, population, &conflict.unit).ok_or_else(|| {
            DrawError::invalid(
                format!("conflicts[{i}].unit"),
                format!("unknown unit {:?}", conflict.unit),
            )
        })?;
        if !seen.insert((officer, unit)) {
            let first = input
                .conflicts
                .iter()
                .position(|c| c == conflict)
                .unwrap_or(i);
            return Err(DrawError::invalid(
                format!("conflicts[{i}]"),
                format!("duplicate of conflicts[{first}]"),
            ));
        }
    }
    Ok(())
}

/// `team_size`: last in the document.
pub(crate) fn check_team_size(team_size: u32) -> Result<(), DrawError> {
    if team_size < 1 {
        return Err(DrawError::invalid("team_size", "must be at least 1"));
    }
    Ok(())
}

fn check_rule(rule: &Rule) -> Result<(), DrawError> {
    match *rule {
        Rule::Key {
            quarter,
            quarters_in_year,
            rate_percent,
        } => {
            if quarters_in_year < 1 {
                return Err(DrawError::invalid(
                    "rule.quarters_in_year",
                    "must be at least 1",
                ));
            }
            if !(1..=quarters_in_year).contains(&quarter) {
                return Err(DrawError::invalid(
                    "rule.quarter",
                    format!("{quarter} is outside 1..={quarters_in_year}"),
                ));
            }
            check_rate(rate_percent)
        }
        Rule::Special { rate_percent } => check_rate(rate_percent),
        // Any number is meaningful: n is capped by the population (DRAW.md).
        Rule::General { .. } | Rule::Fixed { .. } => Ok(()),
    }
}

fn check_rate(rate_percent: u32) -> Result<(), DrawError> {
    if (1..=100).contains(&rate_percent) {
        Ok(())
    } else {
        Err(DrawError::invalid(
            "rule.rate_percent",
            format!("{rate_percent} is outside 1..=100"),
        ))
    }
}

/// Ids end up in tab- and line-separated hash lines and in NUL-separated ticket messages, so
/// these three bytes would make two different inputs hash alike. The field name is built only
/// on failure: formatting a million names would cost more than the check.
fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("must not be empty".to_string());
    }
    if id.bytes().any(|b| matches!(b, b'\0' | b'\t' | b'\n')) {
        return Err(format!("{id:?} contains NUL, TAB or a line feed"));
    }
    Ok(())
}

/// Bytes after the id in a population line (`"\t" flag "\n"`) and in an officer line (`"\n"`).
const POPULATION_TAIL: usize = 3;
const OFFICER_TAIL: usize = 1;

/// In lines sorted so that equal ids are adjacent, the duplicate met first when reading the list
/// in its own order: `(first occurrence, repeat)` with the smallest repeat index. `tail` is the
/// number of bytes after the id in a line.
fn first_duplicate<'a>(
    lines: &SortedLines,
    tail: usize,
    id: impl Fn(usize) -> &'a String,
) -> Option<(usize, usize)> {
    let same_id = |k: usize| match (
        lines.adjacent_equal_but_tail(k, tail),
        lines.index_at(k),
        lines.index_at(k + 1),
    ) {
        (Some(same), _, _) => same,
        (None, Some(a), Some(b)) => id(a) == id(b),
        (None, _, _) => false,
    };
    let mut best: Option<(usize, usize)> = None;
    let mut run = 0;
    while run < lines.len() {
        let mut end = run + 1;
        while end < lines.len() && same_id(end - 1) {
            end += 1;
        }
        if end - run > 1 {
            let mut indices: Vec<usize> = (run..end).filter_map(|k| lines.index_at(k)).collect();
            indices.sort_unstable();
            if let [first, repeat, ..] = indices[..] {
                if best.is_none_or(|(_, best_repeat)| repeat < best_repeat) {
                    best = Some((first, repeat));
                }
            }
        }
        run = end;
    }
    best
}

/// Binary search in the population's line order. Comparing `id "\t"` is monotone in that order
/// because a valid id holds no TAB, so the TAB always ends the comparison.
fn find_unit(population: &[Unit], lines: &SortedLines, id: &str) -> Option<usize> {
    let target: [&[u8]; 2] = [id.as_bytes(), b"\t"];
    lines.find(|i| cmp_concat(&[population[i].id.as_bytes(), b"\t"], &target))
}

/// As [`find_unit`], for officer lines `id "\n"`.
fn find_officer(officers: &[Officer], lines: &SortedLines, id: &str) -> Option<usize> {
    let target: [&[u8]; 2] = [id.as_bytes(), b"\n"];
    lines.find(|i| cmp_concat(&[officers[i].id.as_bytes(), b"\n"], &target))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(ids: &[&str]) -> Vec<Unit> {
        ids.iter()
            .map(|id| Unit {
                id: id.to_string(),
                inspected_this_year: false,
            })
            .collect()
    }

    #[test]
    fn the_first_repeat_in_list_order_is_reported() {
        // 0:"b" 1:"a" 2:"b" 3:"a": "b" repeats at 2, before "a" repeats at 3.
        let err = check_population(&units(&["b", "a", "b", "a"])).err();
        assert_eq!(
            err,
            Some(DrawError::invalid(
                "population[2].id",
                "duplicate id \"b\" (first at population[0])"
            ))
        );
    }

    #[test]
    fn ids_are_found_whatever_bytes_they_hold() {
        let population = units(&["a", "a\u{1}", "ab", "b", "乌鲁木齐", &"长".repeat(20)]);
        let lines = SortedLines::new(&population, population_line);
        for (i, unit) in population.iter().enumerate() {
            assert_eq!(find_unit(&population, &lines, &unit.id), Some(i));
        }
        assert_eq!(find_unit(&population, &lines, "a\t0"), None);
        assert_eq!(find_unit(&population, &lines, "c"), None);
    }
}
