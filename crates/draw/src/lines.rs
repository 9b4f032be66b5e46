//! The lines of the input hashes (`id "\t" flag "\n"`, `id "\n"`, `officer "\t" unit "\n"`),
//! sorted by their bytes and hashed.
//!
//! At a million units this sort is the dearest step of a draw after the tickets, so each line's
//! first 32 bytes are copied into the sort key: lines of short ids (a credit code's line is 21
//! bytes) then compare and hash without following a pointer to the id, which would be a cache miss
//! per comparison.

use std::cmp::Ordering;

use crate::bytes::{cmp_concat, LineHasher};

/// How many leading bytes of a line the sort key holds.
const INLINE: usize = 32;

/// One line's sort key.
#[derive(Clone, Copy)]
struct LineKey {
    /// The first 32 bytes of the line, zero-padded, as big-endian words.
    words: [u64; 4],
    /// The whole line's length; the words hold all of it when `len <= INLINE`.
    len: usize,
    /// The item's index in its list.
    index: usize,
}

impl LineKey {
    fn new(index: usize, segments: &[&[u8]]) -> Self {
        let mut bytes = [0u8; INLINE];
        let mut filled = 0;
        let mut len = 0;
        for segment in segments {
            len += segment.len();
            let take = segment.len().min(INLINE - filled);
            bytes[filled..filled + take].copy_from_slice(&segment[..take]);
            filled += take;
        }
        let mut words = [0u64; 4];
        for (word, chunk) in words.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut be = [0u8; 8];
            be.copy_from_slice(chunk);
            *word = u64::from_be_bytes(be);
        }
        LineKey { words, len, index }
    }

    fn inline_bytes(&self) -> Option<[u8; INLINE]> {
        (self.len <= INLINE).then(|| {
            let mut bytes = [0u8; INLINE];
            for (chunk, word) in bytes.chunks_exact_mut(8).zip(self.words) {
                chunk.copy_from_slice(&word.to_be_bytes());
            }
            bytes
        })
    }
}

/// The items of a list in the byte order of their lines.
pub(crate) struct SortedLines {
    keys: Vec<LineKey>,
}

impl SortedLines {
    /// Sorts `items` by the bytes of `line(item)`, the concatenation of its segments.
    ///
    /// Keys that differ decide at once: zero padding only ever makes a line compare as smaller
    /// when it is a proper prefix of the other, which is the byte order too. Equal keys of lines
    /// that fit whole are decided by length (the shorter is a prefix); longer lines are compared
    /// in full.
    pub(crate) fn new<T, const K: usize>(items: &[T], line: impl Fn(&T) -> [&[u8]; K]) -> Self {
        let mut keys: Vec<LineKey> = items
            .iter()
            .enumerate()
            .map(|(index, item)| LineKey::new(index, &line(item)))
            .collect();
        keys.sort_unstable_by(|a, b| {
            a.words.cmp(&b.words).then_with(|| {
                if a.len <= INLINE && b.len <= INLINE {
                    a.len.cmp(&b.len)
                } else {
                    cmp_concat(&line(&items[a.index]), &line(&items[b.index]))
                }
            })
        });
        SortedLines { keys }
    }

    /// The items' indices, in line order.
    #[cfg(test)]
    pub(crate) fn indices(&self) -> impl ExactSizeIterator<Item = usize> + '_ {
        self.keys.iter().map(|key| key.index)
    }

    /// Whether the lines at positions `k` and `k + 1` of the order are equal once their last
    /// `tail` bytes are dropped, when both lie whole in their keys; `None` otherwise (the caller
    /// then compares the items). Finds duplicate ids without touching the ids: lines of one unit
    /// id differ only in the flag, in the last two bytes.
    pub(crate) fn adjacent_equal_but_tail(&self, k: usize, tail: usize) -> Option<bool> {
        let (a, b) = (self.keys.get(k)?, self.keys.get(k + 1)?);
        if a.len != b.len {
            return Some(false);
        }
        let (x, y) = (a.inline_bytes()?, b.inline_bytes()?);
        let end = a.len.saturating_sub(tail);
        Some(x[..end] == y[..end])
    }

    /// Number of lines.
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// The index at position `k` of the line order.
    pub(crate) fn index_at(&self, k: usize) -> Option<usize> {
        self.keys.get(k).map(|key| key.index)
    }

    /// Binary search over the line order: `cmp(index)` compares the item at `index` with the
    /// target and must be monotone in line order.
    pub(crate) fn find(&self, cmp: impl Fn(usize) -> Ordering) -> Option<usize> {
        self.keys
            .binary_search_by(|key| cmp(key.index))
            .ok()
            .and_then(|k| self.index_at(k))
    }

    /// SHA-256 over the lines in this order; lower-case hex.
    pub(crate) fn hash<T, const K: usize>(
        &self,
        items: &[T],
        line: impl Fn(&T) -> [&[u8]; K],
    ) -> String {
        let mut hasher = LineHasher::new();
        for key in &self.keys {
            match key.inline_bytes() {
                Some(bytes) => hasher.push(&bytes[..key.len]),
                None => {
                    for segment in line(&items[key.index]) {
                        hasher.push(segment);
                    }
                }
            }
        }
        hasher.finish_hex()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_is_the_byte_order_of_the_joined_lines_long_or_short() {
        let long = "x".repeat(40);
        let ids: Vec<String> = [
            "b",
            "a",
            "a\u{1}",
            "a\u{0}",
            "ab",
            &long,
            &format!("{long}a"),
            &format!("{long}\u{1}"),
            "乌鲁木齐",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        fn line(id: &String) -> [&[u8]; 4] {
            [id.as_bytes(), b"\t", b"0", b"\n"]
        }
        let sorted = SortedLines::new(&ids, line);
        let got: Vec<usize> = sorted.indices().collect();
        let mut expected: Vec<usize> = (0..ids.len()).collect();
        expected.sort_by_key(|&i| line(&ids[i]).concat());
        assert_eq!(got, expected);
        let joined: Vec<u8> = expected
            .iter()
            .flat_map(|&i| line(&ids[i]).concat())
            .collect();
        assert_eq!(
            sorted.hash(&ids, line),
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&joined))
        );
    }
}
