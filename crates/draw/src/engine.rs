//! The draw itself: validation, input hashes, units, teams, result hash.

use crate::deal::{deal, ConflictIndex};
use crate::error::DrawError;
use crate::hashing::{conflict_line, officer_line, population_line, result_sha256};
use crate::lines::SortedLines;
use crate::model::{Assignment, DrawInput, DrawOutput};
use crate::parallel::Threads;
use crate::select::{select, Ticket};
use crate::validate::{
    check_conflicts, check_head, check_officers, check_population, check_team_size,
};
use crate::ALGORITHM;

/// Makes the draw (随机抽取) of `input`: which units are inspected (the lowest tickets under the
/// rule) and which officers go to each (dealt from shuffled decks, never to a unit they conflict
/// with), with the hashes that let anyone check it later.
///
/// Validates first (see [`crate::validate()`]). Fails with [`DrawError::NotEnoughOfficers`] when a
/// drawn unit cannot get `team_size` officers free of conflicts.
pub fn draw(input: &DrawInput) -> Result<DrawOutput, DrawError> {
    draw_on(input, Threads::Two).map(|(output, _)| output)
}

/// [`draw`], with the position in `input.population` of each drawn unit, in the order of
/// `output.selected`: what a caller that keeps data beside the population (a firm id per unit)
/// needs to find it without looking a million ids up by their text.
pub fn draw_indexed(input: &DrawInput) -> Result<(DrawOutput, Vec<usize>), DrawError> {
    draw_on(input, Threads::Two)
}

/// The drawn units in output order, and their teams (see [`deal`]) or the position of the unit
/// that could not get a team.
type Dealt = (Vec<Ticket>, Result<Vec<usize>, usize>);

/// [`draw`], its independent parts run as `threads` says.
///
/// One part checks the population's ids and hashes it (a sort of every line); the other checks
/// the officers and, if they and `team_size` are fine, draws the units and deals the teams. What
/// the second part computed is used only once every check has passed, and the first failed check
/// in document order is the one reported, so the outcome never depends on how the parts ran.
pub(crate) fn draw_on(
    input: &DrawInput,
    threads: Threads,
) -> Result<(DrawOutput, Vec<usize>), DrawError> {
    check_head(input)?;
    let (population, (officers, dealt)) = threads.join(
        || {
            let lines = check_population(&input.population)?;
            let hash = lines.hash(&input.population, population_line);
            Ok::<_, DrawError>((lines, hash))
        },
        || {
            let officers = check_officers(&input.officers);
            let ready = officers.is_ok() && check_team_size(input.team_size).is_ok();
            (officers, ready.then(|| select_and_deal(input)))
        },
    );
    let (population_lines, population_sha256) = population?;
    let officers_lines = officers?;
    check_conflicts(input, &population_lines, &officers_lines)?;
    check_team_size(input.team_size)?;
    drop(population_lines);

    let (selected, teams) = match dealt {
        Some(dealt) => dealt,
        None => select_and_deal(input),
    };
    let teams = teams.map_err(|k| DrawError::NotEnoughOfficers {
        unit: selected
            .get(k)
            .map_or_else(String::new, |u| input.population[u.index].id.clone()),
    })?;
    let positions = selected.iter().map(|u| u.index).collect();
    let selected = assignments(input, &selected, &teams, threads);
    let output = DrawOutput {
        algorithm: ALGORITHM.to_string(),
        population_sha256,
        officers_sha256: officers_lines.hash(&input.officers, officer_line),
        conflicts_sha256: SortedLines::new(&input.conflicts, conflict_line)
            .hash(&input.conflicts, conflict_line),
        count: selected.len() as u64,
        result_sha256: result_sha256(&selected),
        selected,
    };
    Ok((output, positions))
}

fn select_and_deal(input: &DrawInput) -> Dealt {
    let selected = select(
        &input.seed,
        &input.rule,
        &input.population,
        input.officers.len(),
    );
    let conflicts = ConflictIndex::new(&input.seed, &input.officers, &input.conflicts);
    let team_size = team_size(input.team_size);
    let teams = deal(
        &input.seed,
        &input.officers,
        &input.population,
        &selected,
        &conflicts,
        team_size,
    );
    (selected, teams)
}

/// The output's list: each drawn unit's id with its team's ids. At national scale these are
/// three quarters of a million small strings, as dear to allocate as the tickets are to hash, so
/// the two halves of the list are built side by side.
fn assignments(
    input: &DrawInput,
    selected: &[Ticket],
    teams: &[usize],
    threads: Threads,
) -> Vec<Assignment> {
    let team_size = team_size(input.team_size);
    let build = |units: &[Ticket], teams: &[usize]| -> Vec<Assignment> {
        units
            .iter()
            .zip(teams.chunks(team_size))
            .map(|(unit, team)| Assignment {
                unit: input.population[unit.index].id.clone(),
                officers: team.iter().map(|&o| input.officers[o].id.clone()).collect(),
            })
            .collect()
    };
    let half = selected.len() / 2;
    let (first_units, second_units) = selected.split_at(half);
    let (first_teams, second_teams) =
        teams.split_at(half.saturating_mul(team_size).min(teams.len()));
    let (mut first, second) = threads.join(
        || build(first_units, first_teams),
        || build(second_units, second_teams),
    );
    first.extend(second);
    first
}

/// `team_size` as a length; at least 1 once validated. A u32 fits a usize on every target this
/// builds for (32 and 64 bits).
fn team_size(team_size: u32) -> usize {
    usize::try_from(team_size).unwrap_or(usize::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Conflict, Officer, Rule, Unit};

    #[test]
    fn one_thread_or_two_give_the_same_draw() {
        let input = DrawInput {
            algorithm: ALGORITHM.into(),
            seed: "s".into(),
            rule: Rule::Special { rate_percent: 50 },
            population: (0..41)
                .map(|i| Unit {
                    id: format!("u{i}"),
                    inspected_this_year: false,
                })
                .collect(),
            officers: (0..5)
                .map(|i| Officer {
                    id: format!("o{i}"),
                })
                .collect(),
            conflicts: vec![Conflict {
                officer: "o1".into(),
                unit: "u3".into(),
            }],
            team_size: 2,
        };
        let two = draw_on(&input, Threads::Two);
        assert_eq!(two, draw_on(&input, Threads::One));
        let (output, positions) = two.unwrap();
        assert_eq!(output.count, 21);
        assert_eq!(Ok(output.clone()), draw(&input));
        // Each position names the drawn unit of the same place in the output.
        assert_eq!(positions.len(), output.selected.len());
        for (position, drawn) in positions.iter().zip(&output.selected) {
            assert_eq!(input.population[*position].id, drawn.unit);
        }
    }

    #[test]
    fn the_first_failed_check_is_reported_however_the_parts_ran() {
        let input = DrawInput {
            algorithm: ALGORITHM.into(),
            seed: "s".into(),
            rule: Rule::Fixed { count: 1 },
            population: vec![Unit {
                id: String::new(),
                inspected_this_year: false,
            }],
            officers: vec![Officer { id: String::new() }],
            conflicts: vec![],
            team_size: 0,
        };
        for threads in [Threads::Two, Threads::One] {
            let err = draw_on(&input, threads).err().map(|e| e.to_string());
            assert_eq!(err.as_deref(), Some("population[0].id: must not be empty"));
        }
    }
}
