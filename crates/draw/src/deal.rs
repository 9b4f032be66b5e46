//! Which officers inspect each drawn unit: dealing from shuffled decks (DRAW.md, "Which
//! officers"; R-DRAW-2R).
//!
//! Each pass is a fresh permutation of the whole pool, keyed by the seed. Teams are taken from
//! the front of a queue of passes, skipping an officer already in the team or in conflict with
//! the unit (回避); skipped officers keep their place for the next unit. So every officer is dealt
//! once per pass before anyone gets a second task: loads differ by at most one when nobody has a
//! conflict.

use std::collections::{HashMap, VecDeque};

use crate::hashing::{head, DeckHasher};
use crate::model::{Conflict, Officer};

/// The conflicts of each unit: unit id to the indices of the officers who must not go there.
///
/// Keyed by id rather than by population index, so that it needs no index of a million ids: only
/// the drawn units are looked up. A conflict naming an unknown officer is left out here; validation
/// refuses it anyway.
pub(crate) struct ConflictIndex<'a> {
    by_unit: HashMap<&'a str, Vec<usize>>,
}

impl<'a> ConflictIndex<'a> {
    pub(crate) fn new(officers: &'a [Officer], conflicts: &'a [Conflict]) -> Self {
        if conflicts.is_empty() {
            return ConflictIndex {
                by_unit: HashMap::new(),
            };
        }
        let officer_index: HashMap<&str, usize> = officers
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id.as_str(), i))
            .collect();
        let mut by_unit: HashMap<&str, Vec<usize>> = HashMap::new();
        for conflict in conflicts {
            if let Some(&officer) = officer_index.get(conflict.officer.as_str()) {
                by_unit
                    .entry(conflict.unit.as_str())
                    .or_default()
                    .push(officer);
            }
        }
        ConflictIndex { by_unit }
    }

    fn blocked(&self, unit: &str) -> &[usize] {
        if self.by_unit.is_empty() {
            return &[];
        }
        self.by_unit.get(unit).map_or(&[][..], Vec::as_slice)
    }
}

/// The teams of `selected` (unit ids in output order), flattened: team `k` is
/// `teams[k * team_size .. (k + 1) * team_size]`, officer indices in the order taken.
///
/// On failure returns the position in `selected` of the first unit for which, even after a fresh
/// deck, fewer than `team_size` officers are eligible.
pub(crate) fn deal<'u>(
    seed: &str,
    officers: &[Officer],
    selected: impl IntoIterator<Item = &'u str>,
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
    let mut teams = Vec::new();
    for (k, unit) in selected.into_iter().enumerate() {
        if !dealer.team(k, conflicts.blocked(unit), team_size, &mut teams) {
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
                // The next officer moves into position i.
                self.queue.remove(i);
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

    #[test]
    fn the_first_pass_deals_the_first_deck_in_order() {
        let pool = officers(6);
        let teams = deal(
            "s",
            &pool,
            ["u0", "u1", "u2"],
            &ConflictIndex::new(&pool, &[]),
            2,
        )
        .expect("enough officers");
        let mut deck = VecDeque::new();
        Decks {
            hasher: DeckHasher::new("s"),
            officers: &pool,
            next_pass: 0,
        }
        .append_next(&mut deck);
        assert_eq!(teams, deck.into_iter().collect::<Vec<_>>());
    }

    #[test]
    fn a_team_larger_than_the_pool_fails_on_the_first_unit() {
        let pool = officers(2);
        assert_eq!(
            deal("s", &pool, ["u7", "u8"], &ConflictIndex::new(&pool, &[]), 3),
            Err(0)
        );
    }

    #[test]
    fn no_units_need_no_officers() {
        assert_eq!(
            deal("s", &[], [], &ConflictIndex::new(&[], &[]), 5),
            Ok(vec![])
        );
    }

    #[test]
    fn a_conflicted_officer_is_skipped_and_kept_for_the_next_unit() {
        let pool = officers(4);
        let mut deck = VecDeque::new();
        Decks {
            hasher: DeckHasher::new("s"),
            officers: &pool,
            next_pass: 0,
        }
        .append_next(&mut deck);
        let first = deck[0];
        let conflicts = [Conflict {
            officer: pool[first].id.clone(),
            unit: "u10".into(),
        }];
        let index = ConflictIndex::new(&pool, &conflicts);
        let teams = deal("s", &pool, ["u10", "u11"], &index, 1).expect("enough officers");
        assert_eq!(teams, vec![deck[1], first]);
    }
}
