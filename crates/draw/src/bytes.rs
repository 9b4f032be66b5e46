//! Byte-level helpers: ordering lines without building them, and hashing many short lines.

use std::cmp::Ordering;

use sha2::{Digest, Sha256};

/// Compares the concatenations of two lists of byte segments, as if each list were one string.
///
/// The input hashes sort whole lines (`id "\t" flag "\n"`) by their bytes. Ordering by the id
/// alone is not the same thing: an id may hold bytes below TAB (0x01..=0x08), and `"a\u{1}"`
/// sorts before `"a"` once the TAB is appended. Comparing the segments in place gives the exact
/// line order without allocating a million lines.
pub(crate) fn cmp_concat(a: &[&[u8]], b: &[&[u8]]) -> Ordering {
    let mut a = Segments::new(a);
    let mut b = Segments::new(b);
    loop {
        match (a.rest(), b.rest()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let k = x.len().min(y.len());
                match x[..k].cmp(&y[..k]) {
                    Ordering::Equal => {
                        a.advance(k);
                        b.advance(k);
                    }
                    other => return other,
                }
            }
        }
    }
}

/// A read position in a list of segments.
struct Segments<'a> {
    segments: &'a [&'a [u8]],
    offset: usize,
}

impl<'a> Segments<'a> {
    fn new(segments: &'a [&'a [u8]]) -> Self {
        Segments {
            segments,
            offset: 0,
        }
    }

    /// The unread part of the current segment, skipping exhausted and empty ones; `None` at the
    /// end.
    fn rest(&mut self) -> Option<&'a [u8]> {
        while let Some((first, others)) = self.segments.split_first() {
            match first.get(self.offset..) {
                Some(rest) if !rest.is_empty() => return Some(rest),
                _ => {
                    self.segments = others;
                    self.offset = 0;
                }
            }
        }
        None
    }

    fn advance(&mut self, k: usize) {
        self.offset += k;
    }
}

/// SHA-256 over many short lines. Feeding the hasher a few bytes at a time costs more than the
/// hashing itself at a million lines, so bytes are gathered in a buffer first.
pub(crate) struct LineHasher {
    hasher: Sha256,
    buffer: Vec<u8>,
}

const BUFFER: usize = 1 << 14;

impl LineHasher {
    pub(crate) fn new() -> Self {
        LineHasher {
            hasher: Sha256::new(),
            buffer: Vec::with_capacity(BUFFER),
        }
    }

    pub(crate) fn push(&mut self, bytes: &[u8]) {
        if self.buffer.len() + bytes.len() > BUFFER {
            self.hasher.update(&self.buffer);
            self.buffer.clear();
        }
        if bytes.len() > BUFFER {
            self.hasher.update(bytes);
        } else {
            self.buffer.extend_from_slice(bytes);
        }
    }

    /// Lower-case hex of the digest.
    pub(crate) fn finish_hex(mut self) -> String {
        self.hasher.update(&self.buffer);
        hex::encode(self.hasher.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn concat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    #[test]
    fn segment_order_is_the_order_of_the_joined_bytes() {
        type Pair<'a> = (&'a [&'a [u8]], &'a [&'a [u8]]);
        let cases: [Pair; 6] = [
            (&[b"a", b"\t"], &[b"a\x01", b"\t"]),
            (&[b"ab", b"c"], &[b"a", b"bc"]),
            (&[b"", b"x"], &[b"x", b""]),
            (&[b"a"], &[b"a", b"\n"]),
            (&[b"b"], &[b"a", b"zz"]),
            (&[], &[b""]),
        ];
        for (a, b) in cases {
            assert_eq!(
                cmp_concat(a, b),
                concat(a).cmp(&concat(b)),
                "{a:?} vs {b:?}"
            );
            assert_eq!(
                cmp_concat(b, a),
                concat(b).cmp(&concat(a)),
                "{b:?} vs {a:?}"
            );
        }
    }

    #[test]
    fn buffered_hashing_equals_hashing_the_whole() {
        let mut lines = LineHasher::new();
        let mut whole = Vec::new();
        for i in 0..5000u32 {
            let line = format!("{i}\t{}\n", i % 2);
            lines.push(line.as_bytes());
            whole.extend_from_slice(line.as_bytes());
        }
        let big = vec![7u8; 3 * BUFFER];
        lines.push(&big);
        whole.extend_from_slice(&big);
        assert_eq!(lines.finish_hex(), hex::encode(Sha256::digest(&whole)));
    }
}
