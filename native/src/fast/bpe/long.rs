//! BPE merging for long pieces, a rank at a time.
//!
//! The heap (`Bpe::merge_heap`) pops (rank, position) pairs in order; on a piece of millions
//! of symbols (one character repeated, a minified file with no spaces) its random accesses
//! are nearly all the time. Here the queued pairs sit in one bucket of positions per rank,
//! and a rank's positions are sorted once when its turn comes. In a trained merge table a
//! merge at rank r only creates pairs of rank above r, which go to later buckets; a table
//! that is not so ordered (Llama 3's lists several merges per token, a few before the token
//! is made) can create a pair of rank r or below, which goes to a small heap taken in turn
//! with the current rank's positions. Either way pairs are taken in the heap's order — rank
//! ascending, leftmost first within a rank — so the result is the same.

use super::{compact, entry, Bpe, Links, Piece};
use crate::hash::FxHashMap;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Positions of candidate pairs by rank, and the ranks that have any in a min-heap.
#[derive(Default)]
struct Buckets {
    /// rank → index in `lists`.
    by_rank: FxHashMap<u32, usize>,
    lists: Vec<Vec<u32>>,
    ranks: BinaryHeap<Reverse<u32>>,
    /// The bucket pushed to last: runs of pushes share a rank, and skip the map.
    last: Option<(u32, usize)>,
}

impl Buckets {
    fn push(&mut self, rank: u32, pos: usize) {
        let slot = match self.last {
            Some((r, slot)) if r == rank => slot,
            _ => {
                let (lists, ranks) = (&mut self.lists, &mut self.ranks);
                let slot = *self.by_rank.entry(rank).or_insert_with(|| {
                    ranks.push(Reverse(rank));
                    lists.push(Vec::new());
                    lists.len() - 1
                });
                self.last = Some((rank, slot));
                slot
            }
        };
        self.lists[slot].push(pos as u32);
    }

    /// The lowest rank left and its positions, sorted, each once.
    fn pop(&mut self) -> Option<(u32, Vec<u32>)> {
        let Reverse(rank) = self.ranks.pop()?;
        let slot = self.by_rank.remove(&rank)?;
        if self.last.is_some_and(|(r, _)| r == rank) {
            self.last = None;
        }
        let mut positions = std::mem::take(&mut self.lists[slot]);
        positions.sort_unstable();
        positions.dedup();
        Some((rank, positions))
    }
}

impl Bpe {
    /// `merge_heap`'s result, a rank at a time (see above).
    pub(super) fn merge_by_rank(&self, piece: &[u8], syms: &mut Vec<Piece>, base: usize, bytes: bool) {
        let s = &mut syms[base..];
        let n = s.len();
        let mut next: Vec<u32> = (1..=n as u32).collect();
        let mut prev: Vec<u32> = (0..n as u32).map(|i| i.wrapping_sub(1)).collect();
        let mut buckets = Buckets::default();
        for i in 0..n - 1 {
            let (r, _) = self.first_pair(piece, s, i, bytes);
            if r != u32::MAX {
                buckets.push(r, i);
            }
        }
        // Pairs made at or below the current rank, taken in turn with its positions.
        let mut early: BinaryHeap<Reverse<u64>> = BinaryHeap::new();
        while let Some((r, positions)) = buckets.pop() {
            let mut positions = positions.into_iter().peekable();
            loop {
                let from_early = match (early.peek(), positions.peek()) {
                    (Some(&Reverse(e)), Some(&p)) => e < entry(r, p as usize),
                    (Some(_), None) => true,
                    (None, Some(_)) => false,
                    (None, None) => break,
                };
                let (rank, pos) = if from_early {
                    let Reverse(e) = early.pop().unwrap_or_default();
                    ((e >> 32) as u32, e as u32 as usize)
                } else {
                    (r, positions.next().unwrap_or_default() as usize)
                };
                let mut links = Links { s: &mut *s, next: &mut next, prev: &mut prev };
                links.merge_at(self, rank, pos, |r2, p| {
                    if r2 > r {
                        buckets.push(r2, p);
                    } else {
                        early.push(Reverse(entry(r2, p)));
                    }
                });
            }
        }
        let kept = compact(s, |i| next[i] as usize);
        syms.truncate(base + kept);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{key, Alphabet, Whole};
    use super::*;

    /// A random merge table over a few bytes: each merge joins two tokens that exist. In
    /// creation order (`ordered`) its rank is its turn, as training makes it; otherwise the
    /// ranks are shuffled, so merges use tokens before they are made.
    fn table(next: &mut impl FnMut() -> u64, letters: &[u8], count: u32, ordered: bool) -> Bpe {
        let byte_ids: [u32; 256] = std::array::from_fn(|b| b as u32);
        let mut tokens: Vec<u32> = letters.iter().map(|&b| b as u32).collect();
        let mut ranks: Vec<u32> = (0..count).collect();
        if !ordered {
            for i in (1..ranks.len()).rev() {
                ranks.swap(i, (next() % (i as u64 + 1)) as usize);
            }
        }
        let mut merges = FxHashMap::default();
        for (turn, &rank) in ranks.iter().enumerate() {
            let a = tokens[(next() % tokens.len() as u64) as usize];
            let b = tokens[(next() % tokens.len() as u64) as usize];
            // Two merges may make the same token, as in Llama 3's table.
            let merged = if next().is_multiple_of(8) { tokens[tokens.len() - 1] } else { 1000 + turn as u32 };
            if merges.insert(key(a, b), (rank, merged)).is_none() && merged >= 1000 + turn as u32 {
                tokens.push(merged);
            }
        }
        Bpe::new(merges, Alphabet::Bytes(byte_ids), Whole::with_capacity(0), false)
    }

    #[test]
    fn by_rank_equals_the_heap() {
        let mut next = crate::testing::xorshift(0x106e_c0de);
        for t in 0..80 {
            let letters: &[u8] = if t % 2 == 0 { b"ab" } else { b"abc " };
            let count = 5 + (next() % 60) as u32;
            let bpe = table(&mut next, letters, count, t % 4 < 2);
            for _ in 0..20 {
                let len = 2 + (next() % 3000) as usize;
                let uniform = next().is_multiple_of(4);
                let piece: Vec<u8> = (0..len)
                    .map(|_| if uniform { b'a' } else { letters[(next() % letters.len() as u64) as usize] })
                    .collect();
                let init: Vec<Piece> = piece
                    .iter()
                    .enumerate()
                    .map(|(i, &b)| Piece { id: b as u32, start: i as u32, end: i as u32 + 1 })
                    .collect();
                let (mut heap, mut ranked) = (init.clone(), init);
                bpe.merge_heap(&piece, &mut heap, 0, true);
                bpe.merge_by_rank(&piece, &mut ranked, 0, true);
                assert_eq!(heap, ranked, "table {t}, piece of {len}");
            }
        }
    }
}
