//! Which officers inspect each drawn unit: dealing from shuffled decks (DRAW.md, "Which
//! officers"; R-DRAW-2R).
//!
//! Each pass is a fresh permutation of the whole pool, keyed by the seed. Teams are taken from
//! the front of a queue of passes, skipping an officer already in the team or in conflict with
//! the unit (回避); skipped officers keep their place for the next unit. So every officer is dealt
//! once per pass before anyone gets a second task: loads differ by at most one when nobody has a
//! conflict.
//!
//! Cost: one deck hash per officer and pass, and a scan of the queue's front per unit. Conflicts
//! are few in practice (an officer withdraws from a handful of firms); an officer in conflict with
//! most drawn units would pile up at the front of the queue, one copy per pass, and lengthen every
//! scan. That slows the dealing but, as the specification requires, never changes its result.

use std::collections::{HashMap, VecDeque};

use crate::hashing::{head, DeckHasher, TicketHasher};
use crate::model::{Conflict, Officer, Unit};
use crate::select::Ticket;

/// The conflicts of the units, found by the drawn units' tickets.
///
/// A drawn unit is known by its index and the head of its ticket (see `select`). Reading its id
/// to look it up in a map would cost a cache miss per unit at a million units, so conflicts are
/// keyed by the head of the conflict unit's ticket, and the id is compared only when a head
/// matches. A conflict naming an unknown officer is left out here; validation refuses it anyway.
pub(crate) struct ConflictIndex<'a> {
    by_head: HashMap<u64, Vec<(&'a str, usize)>>,
}

impl<'a> ConflictIndex<'a> {
    pub(crate) fn new(seed: &str, officers: &'a [Officer], conflicts: &'a [Conflict]) -> Self {
        let mut by_head: HashMap<u64, Vec<(&str, usize)>> = HashMap::new();
        if conflicts.is_empty() {
            return ConflictIndex { by_head };
        }
        let officer_index: HashMap<&str, usize> = officers
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id.as_str(), i))
            .collect();
        let tickets = TicketHasher::new(seed);
        for conflict in conflicts {
            if let Some(&officer) = officer_index.get(conflict.officer.as_str()) {
                let ticket_head = head(&tickets.ticket(&conflict.unit));
                by_head
                    .entry(ticket_head)
                    .or_default()
                    .push((conflict.unit.as_str(), officer));
            }
        }
        ConflictIndex { by_head }
    }

    /// Fills `blocked` with the officers who must not go to the drawn unit `unit`.
    fn blocked(&self, unit: &Ticket, population: &[Unit], blocked: &mut Vec<usize>) {
        blocked.clear();
        if let Some(entries) = self.by_head.get(&unit.head) {
            let id = population[unit.index].id.as_str();
            blocked.extend(
                entries
                    .iter()
                    .filter(|(u, _)| *u == id)
                    .map(|&(_, officer)| officer),
            );
        }
    }
}

/// The teams of `selected` (drawn units in output order), flattened: team `k` is
/// `teams[k * team_size .. (k + 1) * team_size]`, officer indices in the order taken.
///
/// On failure returns the position in `selected` of the first unit for which, even after a fresh
/// deck, fewer than `team_size` officers are eligible.
pub(crate) fn deal(
    seed: &str,
    officers: &[Officer],
    population: &[Unit],
    selected: &[Ticket],
    conflicts: &ConflictIndex<'_>,
    team_size: usize,
) -> Result<Vec<usize>, usize> {
    let decks = Decks {
        hasher: DeckHasher::new(seed),
        officers,
        next_pass: 0,
    };
    let mut dealer = Dealer {
        decks,
        queue: VecDeque::new(),
        in_team: vec![usize::MAX; officers.len()],
    };
    // Grown as officers are taken: sized in advance, a hostile team_size could ask for more
    // memory than exists before the first unit fails.
    let mut teams = Vec::new();
    let mut blocked = Vec::new();
    for (k, unit) in selected.iter().enumerate() {
        conflicts.blocked(unit, population, &mut blocked);
        if !dealer.team(k, &blocked, team_size, &mut teams) {
            return Err(k);
        }
    }
    Ok(teams)
}

/// The officer queue and the decks it is refilled from.
struct Dealer<'a> {
    decks: Decks<'a>,
    /// Officer indices in dealing order (`queue` of DRAW.md).
    queue: VecDeque<usize>,
    /// `in_team[o] == k` while officer `o` is in the team of the `k`-th drawn unit: an O(1)
    /// "o in team" however large the team.
    in_team: Vec<usize>,
}

impl Dealer<'_> {
    /// Appends to `teams` the team of the `k`-th drawn unit, whose conflicting officers are
    /// `blocked`; false if even a fresh deck does not make up the team.
    fn team(
        &mut self,
        k: usize,
        blocked: &[usize],
        team_size: usize,
        teams: &mut Vec<usize>,
    ) -> bool {
        let mut taken = 0;
        let mut i = 0;
        let mut appended = false;
        while taken < team_size {
            if i == self.queue.len() {
                // The queue holds nobody eligible: one fresh deck, and only one, since a whole deck
                // holds every officer; if that does not suffice, nothing will.
                if appended {
                    return false;
                }
                self.decks.append_next(&mut self.queue);
                appended = true;
            }
            let Some(&officer) = self.queue.get(i) else {
                return false; // an empty pool: the fresh deck was empty
            };
            if self.in_team[officer] != k && !blocked.contains(&officer) {
                self.in_team[officer] = k;
                teams.push(officer);
                taken += 1;
                // The next officer moves into position i. Taking from the front, the usual case,
                // moves nothing.
                if i == 0 {
                    self.queue.pop_front();
                } else {
                    self.queue.remove(i);
                }
            } else {
                i += 1;
            }
        }
        true
    }
}

/// The decks of passes 0, 1, 2, … in turn.
struct Decks<'a> {
    hasher: DeckHasher,
    officers: &'a [Officer],
    next_pass: u64,
}

impl Decks<'_> {
    /// Appends all officers ordered by `(H(P || "\0deck\0" || S || "\0" || decimal(p) || "\0" ||
    /// o), o)` for the next pass `p`.
    fn append_next(&mut self, queue: &mut VecDeque<usize>) {
        let pass = self.hasher.pass(self.next_pass);
        self.next_pass += 1;
        // Sorted by the digests' heads, as the tickets are (see `select`); equal heads, a chance
        // of about 2^-64, compare the full digests and then the ids.
        let mut deck: Vec<(u64, usize)> = self
            .officers
            .iter()
            .enumerate()
            .map(|(index, officer)| (head(&DeckHasher::officer_key(&pass, &officer.id)), index))
            .collect();
        let officers = self.officers;
        deck.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0).then_with(|| {
                let (x, y) = (&officers[a.1].id, &officers[b.1].id);
                DeckHasher::officer_key(&pass, x)
                    .cmp(&DeckHasher::officer_key(&pass, y))
                    .then_with(|| x.as_bytes().cmp(y.as_bytes()))
            })
        });
        queue.extend(deck.into_iter().map(|(_, index)| index));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn officers(n: usize) -> Vec<Officer> {
        (0..n)
            .map(|i| Officer {
                id: format!("o{i}"),
            })
            .collect()
    }

    /// Units `ids` as drawn in this order, with their tickets for seed "s".
    fn drawn(ids: &[&str]) -> (Vec<Unit>, Vec<Ticket>) {
        let population: Vec<Unit> = ids
            .iter()
            .map(|id| Unit {
                id: id.to_string(),
                inspected_this_year: false,
            })
            .collect();
        let tickets = TicketHasher::new("s");
        let selected = population
            .iter()
            .enumerate()
            .map(|(index, u)| Ticket {
                head: head(&tickets.ticket(&u.id)),
                index,
            })
            .collect();
        (population, selected)
    }

    fn first_deck(pool: &[Officer]) -> Vec<usize> {
        let mut deck = VecDeque::new();
        Decks {
            hasher: DeckHasher::new("s"),
            officers: pool,
            next_pass: 0,
        }
        .append_next(&mut deck);
        deck.into_iter().collect()
    }

    #[test]
    fn the_first_pass_deals_the_first_deck_in_order() {
        let pool = officers(6);
        let (population, selected) = drawn(&["u0", "u1", "u2"]);
        let teams = deal(
            "s",
            &pool,
            &population,
            &selected,
            &ConflictIndex::new("s", &pool, &[]),
            2,
        );
        assert_eq!(teams, Ok(first_deck(&pool)));
    }

    #[test]
    fn a_team_larger_than_the_pool_fails_on_the_first_unit() {
        let pool = officers(2);
        let (population, selected) = drawn(&["u7", "u8"]);
        let teams = deal(
            "s",
            &pool,
            &population,
            &selected,
            &ConflictIndex::new("s", &pool, &[]),
            3,
        );
        assert_eq!(teams, Err(0));
    }

    #[test]
    fn no_units_need_no_officers() {
        assert_eq!(
            deal("s", &[], &[], &[], &ConflictIndex::new("s", &[], &[]), 5),
            Ok(vec![])
        );
    }

    #[test]
    fn a_conflicted_officer_is_skipped_and_kept_for_the_next_unit() {
        let pool = officers(4);
        let deck = first_deck(&pool);
        let first = deck[0];
        let conflicts = [Conflict {
            officer: pool[first].id.clone(),
            unit: "u10".into(),
        }];
        let index = ConflictIndex::new("s", &pool, &conflicts);
        let (population, selected) = drawn(&["u10", "u11"]);
        let teams = deal("s", &pool, &population, &selected, &index, 1);
        assert_eq!(teams, Ok(vec![deck[1], first]));
    }
}
