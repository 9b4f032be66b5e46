//! How many units are drawn, and which (DRAW.md, "How many, and which units").

use std::cmp::Ordering;

use crate::hashing::{head, TicketHasher};
use crate::model::{Rule, Unit};

/// `n` of DRAW.md: how many units a draw under `rule` takes from `population`, given the number of
/// officers in the pool (only the `general` rule uses it). A rules layer shows it before the draw.
///
/// - `key`: `min(N, max(ceil(N * rate / 100), ceil(|R| / L)))`, `R` the units not yet inspected
///   this year and `L = quarters_in_year - quarter + 1` the quarters left: at least the rate
///   (R-DRAW-KEY-2), and enough of `R` that the last quarter reaches every unit (R-DRAW-KEY-3).
/// - `general`: `min(N, objects_per_officer * officers)` (R-DRAW-GEN-2).
/// - `special`: `min(N, ceil(N * rate / 100))` (R-DRAW-SPC-2).
/// - `fixed`: `min(N, count)`.
///
/// Never panics, even for a rule that [`crate::validate()`] would refuse (the number is then
/// meaningless): a quarter after the last counts as the last.
pub fn selection_count(rule: &Rule, population: &[Unit], officers: usize) -> usize {
    let total = population.len();
    let n: u128 = match *rule {
        Rule::Key {
            quarter,
            quarters_in_year,
            rate_percent,
        } => {
            let remaining = population.iter().filter(|u| !u.inspected_this_year).count();
            let quarters_left = quarters_in_year.saturating_sub(quarter).saturating_add(1);
            let by_rate = ceil_div(total as u128 * u128::from(rate_percent), 100);
            let by_coverage = ceil_div(remaining as u128, u128::from(quarters_left));
            by_rate.max(by_coverage)
        }
        Rule::General {
            objects_per_officer,
        } => u128::from(objects_per_officer) * officers as u128,
        Rule::Special { rate_percent } => ceil_div(total as u128 * u128::from(rate_percent), 100),
        Rule::Fixed { count } => u128::from(count),
    };
    // n <= total, which is a usize, so the conversion cannot fail.
    usize::try_from(n.min(total as u128)).unwrap_or(total)
}

/// `ceil(a / b)` in integers, `(a + b - 1) / b`; `b` is never 0 here.
fn ceil_div(a: u128, b: u128) -> u128 {
    a.div_ceil(b.max(1))
}

/// The drawn units in output order.
pub(crate) fn select(seed: &str, rule: &Rule, population: &[Unit], officers: usize) -> Vec<Ticket> {
    let n = selection_count(rule, population, officers);
    if n == 0 {
        return Vec::new();
    }
    let tickets = TicketHasher::new(seed);
    match rule {
        Rule::Key { .. } => {
            // R-DRAW-KEY-3: units not yet inspected this year first, then, only if n exceeds them,
            // the lowest of the others. Tickets of the others are computed only when needed.
            let remaining = ticketed(&tickets, population, |u| !u.inspected_this_year);
            let from_remaining = n.min(remaining.len());
            let mut selected = lowest(remaining, from_remaining, &tickets, population);
            if n > from_remaining {
                let others = ticketed(&tickets, population, |u| u.inspected_this_year);
                selected.extend(lowest(others, n - from_remaining, &tickets, population));
            }
            selected
        }
        Rule::General { .. } | Rule::Special { .. } | Rule::Fixed { .. } => lowest(
            ticketed(&tickets, population, |_| true),
            n,
            &tickets,
            population,
        ),
    }
}

/// A unit's place in the ticket order: the first 8 bytes of `T(u)` as a big-endian number, and
/// the unit's index in the population.
///
/// 16 bytes instead of the whole digest: a million of them move and compare three times faster.
/// Two heads are equal with a chance of about 2^-64 per pair; then the full tickets are
/// recomputed and compared, so the order is exactly `(T(u), u)` of DRAW.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ticket {
    pub(crate) head: u64,
    pub(crate) index: usize,
}

fn ticketed(
    tickets: &TicketHasher,
    population: &[Unit],
    keep: impl Fn(&Unit) -> bool,
) -> Vec<Ticket> {
    population
        .iter()
        .enumerate()
        .filter(|(_, unit)| keep(unit))
        .map(|(index, unit)| Ticket {
            head: head(&tickets.ticket(&unit.id)),
            index,
        })
        .collect()
}

/// The `k` lowest of `units` by `(T(u), u)`, lowest first.
///
/// A partial selection followed by a sort of only the `k` chosen: at a million units this is
/// several times cheaper than sorting everything.
fn lowest(
    mut units: Vec<Ticket>,
    k: usize,
    tickets: &TicketHasher,
    population: &[Unit],
) -> Vec<Ticket> {
    let order = |a: &Ticket, b: &Ticket| -> Ordering {
        a.head.cmp(&b.head).then_with(|| {
            let (a, b) = (&population[a.index].id, &population[b.index].id);
            tickets
                .ticket(a)
                .cmp(&tickets.ticket(b))
                .then_with(|| a.as_bytes().cmp(b.as_bytes()))
        })
    };
    if k == 0 {
        return Vec::new();
    }
    if k < units.len() {
        units.select_nth_unstable_by(k - 1, order);
        units.truncate(k);
        units.shrink_to_fit();
    }
    units.sort_unstable_by(order);
    units
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(flags: &[bool]) -> Vec<Unit> {
        flags
            .iter()
            .enumerate()
            .map(|(i, &f)| Unit {
                id: format!("u{i}"),
                inspected_this_year: f,
            })
            .collect()
    }

    #[test]
    fn key_count_is_the_larger_of_rate_and_coverage() {
        // N = 10, 9 not yet inspected, quarter 2 of 4 -> L = 3: max(ceil(2), ceil(9/3)=3) = 3.
        let mut flags = vec![false; 10];
        flags[0] = true;
        let rule = Rule::Key {
            quarter: 2,
            quarters_in_year: 4,
            rate_percent: 20,
        };
        assert_eq!(selection_count(&rule, &units(&flags), 0), 3);
        // Last quarter: every remaining unit.
        let rule = Rule::Key {
            quarter: 4,
            quarters_in_year: 4,
            rate_percent: 20,
        };
        assert_eq!(selection_count(&rule, &units(&flags), 0), 9);
    }

    #[test]
    fn an_invalid_rule_gives_a_number_without_panicking() {
        let rule = Rule::Key {
            quarter: 9,
            quarters_in_year: 0,
            rate_percent: u32::MAX,
        };
        assert_eq!(selection_count(&rule, &units(&[false; 3]), 0), 3);
        let rule = Rule::General {
            objects_per_officer: u64::MAX,
        };
        assert_eq!(selection_count(&rule, &units(&[false; 3]), usize::MAX), 3);
    }

    #[test]
    fn the_lowest_tickets_come_lowest_first() {
        let population = units(&[false; 20]);
        let seed = "s";
        let chosen = select(seed, &Rule::Fixed { count: 5 }, &population, 0);
        let mut all: Vec<(_, usize)> = population
            .iter()
            .enumerate()
            .map(|(i, u)| (crate::ticket(seed, &u.id), i))
            .collect();
        all.sort();
        let expected: Vec<usize> = all.iter().take(5).map(|&(_, i)| i).collect();
        assert_eq!(chosen.iter().map(|t| t.index).collect::<Vec<_>>(), expected);
    }
}
