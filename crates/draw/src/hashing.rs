//! The hashes of DRAW.md: the three input hashes, the seed `S`, unit tickets, deck keys and
//! `result_sha256`.
//!
//! The input hashes are published at freeze time (公示), before anyone knows the randomness; the
//! seed binds them, so a list swapped after the freeze gives a different draw.

use sha2::{Digest, Sha256};

use crate::bytes::LineHasher;
use crate::lines::SortedLines;
use crate::model::{Assignment, Conflict, Officer, Unit};
use crate::ALGORITHM;

/// SHA-256 over the population lines `id "\t" ("1" | "0") "\n"`, sorted by their bytes; lower-case
/// hex. The flag is `inspected_this_year`.
pub fn population_sha256(population: &[Unit]) -> String {
    SortedLines::new(population, population_line).hash(population, population_line)
}

/// SHA-256 over the officer lines `id "\n"`, sorted by their bytes; lower-case hex.
pub fn officers_sha256(officers: &[Officer]) -> String {
    SortedLines::new(officers, officer_line).hash(officers, officer_line)
}

/// SHA-256 over the conflict lines `officer "\t" unit "\n"`, sorted by their bytes; lower-case hex.
pub fn conflicts_sha256(conflicts: &[Conflict]) -> String {
    SortedLines::new(conflicts, conflict_line).hash(conflicts, conflict_line)
}

/// The seed `S = label "|" population_sha256 "|" officers_sha256 "|" conflicts_sha256 "|"
/// randomness` (DRAW.md, "Seed").
///
/// `label` names the plan, e.g. `650102/2026Q2/key`; `randomness` is `dice:<digits>` or
/// `drand:<chain hash>:<round>:<randomness hex>`, obtained only after the hashes were published.
pub fn seed(
    label: &str,
    population_sha256: &str,
    officers_sha256: &str,
    conflicts_sha256: &str,
    randomness: &str,
) -> String {
    format!("{label}|{population_sha256}|{officers_sha256}|{conflicts_sha256}|{randomness}")
}

/// The ticket of one unit, `T(u) = H(P || "\0object\0" || S || "\0" || u)`: the units with the
/// lowest tickets are drawn. For many units use [`TicketHasher`], which gives the same bytes.
pub fn ticket(seed: &str, unit: &str) -> [u8; 32] {
    TicketHasher::new(seed).ticket(unit)
}

/// Tickets for many units of one seed.
///
/// The message prefix `P || "\0object\0" || S || "\0"` is the same for every unit and usually
/// several SHA-256 blocks long; it is absorbed once and the hasher state is cloned per unit, so a
/// ticket costs about one block instead of five.
#[derive(Clone)]
pub struct TicketHasher {
    prefix: Sha256,
}

impl TicketHasher {
    /// Absorbs the prefix for `seed`.
    pub fn new(seed: &str) -> Self {
        let mut prefix = Sha256::new();
        prefix.update(ALGORITHM.as_bytes());
        prefix.update(b"\0object\0");
        prefix.update(seed.as_bytes());
        prefix.update(b"\0");
        TicketHasher { prefix }
    }

    /// `T(unit)`.
    pub fn ticket(&self, unit: &str) -> [u8; 32] {
        let mut digest = [0u8; 32];
        let mut hasher = self.prefix.clone();
        hasher.update(unit.as_bytes());
        hasher.finalize_into((&mut digest).into());
        digest
    }
}

/// The first 8 bytes of a digest as a big-endian number: digests compare in the same order as
/// their heads whenever the heads differ (DRAW.md compares digests "as a big-endian number").
pub(crate) fn head(digest: &[u8; 32]) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(bytes)
}

/// Sort keys of the officers in the deck of each pass:
/// `H(P || "\0deck\0" || S || "\0" || decimal(p) || "\0" || o)`. Prefixes are absorbed once, as
/// for [`TicketHasher`].
#[derive(Clone)]
pub(crate) struct DeckHasher {
    prefix: Sha256,
}

impl DeckHasher {
    pub(crate) fn new(seed: &str) -> Self {
        let mut prefix = Sha256::new();
        prefix.update(ALGORITHM.as_bytes());
        prefix.update(b"\0deck\0");
        prefix.update(seed.as_bytes());
        prefix.update(b"\0");
        DeckHasher { prefix }
    }

    /// The state after `decimal(pass) || "\0"`, to be cloned per officer.
    pub(crate) fn pass(&self, pass: u64) -> Sha256 {
        let mut hasher = self.prefix.clone();
        hasher.update(pass.to_string().as_bytes());
        hasher.update(b"\0");
        hasher
    }

    /// The deck key of `officer` for a state returned by [`DeckHasher::pass`].
    pub(crate) fn officer_key(pass: &Sha256, officer: &str) -> [u8; 32] {
        let mut digest = [0u8; 32];
        let mut hasher = pass.clone();
        hasher.update(officer.as_bytes());
        hasher.finalize_into((&mut digest).into());
        digest
    }
}

/// The key of one officer in the deck of pass `pass` (exposed for the worked examples of the
/// public documentation and for tests).
pub fn deck_key(seed: &str, pass: u64, officer: &str) -> [u8; 32] {
    DeckHasher::officer_key(&DeckHasher::new(seed).pass(pass), officer)
}

/// SHA-256 over one line per drawn unit, in output order: `unit "\t" officer1 "," officer2 …
/// "\n"`; lower-case hex. Published at draw time while the list itself stays confidential until
/// the visits are done.
pub fn result_sha256(selected: &[Assignment]) -> String {
    let mut hasher = LineHasher::new();
    for assignment in selected {
        hasher.push(assignment.unit.as_bytes());
        hasher.push(b"\t");
        for (k, officer) in assignment.officers.iter().enumerate() {
            if k > 0 {
                hasher.push(b",");
            }
            hasher.push(officer.as_bytes());
        }
        hasher.push(b"\n");
    }
    hasher.finish_hex()
}

fn flag(unit: &Unit) -> &'static [u8] {
    if unit.inspected_this_year {
        b"1"
    } else {
        b"0"
    }
}

/// The hash line of a unit, as segments: `id "\t" flag "\n"`.
pub(crate) fn population_line(unit: &Unit) -> [&[u8]; 4] {
    [unit.id.as_bytes(), b"\t", flag(unit), b"\n"]
}

/// The hash line of an officer: `id "\n"`.
pub(crate) fn officer_line(officer: &Officer) -> [&[u8]; 2] {
    [officer.id.as_bytes(), b"\n"]
}

/// The hash line of a conflict: `officer "\t" unit "\n"`.
pub(crate) fn conflict_line(conflict: &Conflict) -> [&[u8]; 4] {
    [
        conflict.officer.as_bytes(),
        b"\t",
        conflict.unit.as_bytes(),
        b"\n",
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn unit(id: &str, inspected: bool) -> Unit {
        Unit {
            id: id.into(),
            inspected_this_year: inspected,
        }
    }

    #[test]
    fn hashes_of_empty_lists_are_the_hash_of_nothing() {
        assert_eq!(population_sha256(&[]), EMPTY);
        assert_eq!(officers_sha256(&[]), EMPTY);
        assert_eq!(conflicts_sha256(&[]), EMPTY);
        assert_eq!(result_sha256(&[]), EMPTY);
    }

    #[test]
    fn the_population_hash_is_over_sorted_lines_and_ignores_list_order() {
        let units = [unit("b", true), unit("a", false)];
        let expected = hex::encode(Sha256::digest(b"a\t0\nb\t1\n"));
        assert_eq!(population_sha256(&units), expected);
        let reversed = [unit("a", false), unit("b", true)];
        assert_eq!(population_sha256(&reversed), expected);
    }

    #[test]
    fn lines_sort_by_their_bytes_not_by_id() {
        // "a\x01\t0\n" < "a\t0\n" because 0x01 < TAB, although "a" < "a\x01".
        let units = [unit("a", false), unit("a\u{1}", false)];
        let expected = hex::encode(Sha256::digest(b"a\x01\t0\na\t0\n"));
        assert_eq!(population_sha256(&units), expected);
    }

    #[test]
    fn seed_joins_its_parts_with_bars() {
        assert_eq!(
            seed("650102/2026Q2/key", "p", "o", "c", "dice:1"),
            "650102/2026Q2/key|p|o|c|dice:1"
        );
    }

    #[test]
    fn a_ticket_is_the_hash_of_the_spelled_out_message() {
        let message = b"spotcheck-draw/v1\0object\0S\0unit-1";
        let expected: [u8; 32] = Sha256::digest(message).into();
        assert_eq!(ticket("S", "unit-1"), expected);
        let deck = b"spotcheck-draw/v1\x00deck\x00S\x0012\x00officer-7";
        let expected: [u8; 32] = Sha256::digest(deck).into();
        assert_eq!(deck_key("S", 12, "officer-7"), expected);
    }

    #[test]
    fn the_result_hash_lists_teams_with_commas() {
        let selected = [
            Assignment {
                unit: "u1".into(),
                officers: vec!["o1".into(), "o2".into()],
            },
            Assignment {
                unit: "u2".into(),
                officers: vec!["o3".into()],
            },
        ];
        assert_eq!(
            result_sha256(&selected),
            hex::encode(Sha256::digest(b"u1\to1,o2\nu2\to3\n"))
        );
    }
}
