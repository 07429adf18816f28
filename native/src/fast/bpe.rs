//! BPE merging identical to the crate's `Word::merge_all`, over raw bytes (byte-level BPE)
//! or over characters with byte fallback (SentencePiece-style BPE: Llama 2, Gemma).
//!
//! The rule the crate implements (a min-heap of candidate merges keyed by (rank, position),
//! stale entries skipped): repeatedly merge the adjacent pair with the lowest merge rank,
//! the leftmost one among equal ranks, until no adjacent pair has a merge. We compute the
//! same thing two ways:
//! - pieces up to `SMALL` symbols: a flat array of pair ranks, rescanned after each merge.
//!   O(n²) in theory, but n is a word, and a linear scan of a few u32s beats a heap.
//! - longer pieces (a 1 MB run of one byte is a single piece): the crate's linked list + heap,
//!   O(n log n). `small_and_heap_agree` checks the two against each other.
//!
//! Data: `merges[(left, right)] = (rank, merged)`, ids of the model vocabulary; `byte_ids[b]`
//! is the id of the token for the single byte `b` (all 256 exist, or no fast path is built);
//! `whole` maps a piece's raw bytes to its id when the vocabulary has the piece itself. With
//! `ignore_merges` the crate returns that id without merging, and so do we. Without it, the
//! id is the answer only if merging the piece's bytes ends in that one token — true of almost
//! every entry of a trained vocabulary, but not guaranteed by the file — so `reachable[id]`
//! memoises the check the first time a piece hits entry `id` (0 unknown, 1 yes, 2 no).
//! Relaxed atomics, no lock: two threads racing on a first hit compute the same answer.
//!
//! Performance notes: no per-thread cache of piece → tokens (the crate has one); with the
//! whole-piece hit and the small-piece scan, a cache lookup (hash the piece, compare it) costs
//! about what merging a short piece costs — measure before adding one.

use super::hash::FxHashMap;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU8, Ordering};

const SMALL: usize = 48;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    pub id: u32,
    /// Byte range in the piece.
    pub start: u32,
    pub end: u32,
}

/// What a piece's first symbols are, before any merge.
pub enum Alphabet {
    /// Byte-level BPE: each byte, as the id of its byte token (all 256 exist).
    Bytes([u32; 256]),
    /// SentencePiece-style BPE (`BPE::merge_word` with `byte_fallback`): each character, as
    /// its vocabulary id, or — when the vocabulary lacks it — each of its UTF-8 bytes as the
    /// `<0xXX>` token (all 256 exist, so there is never an unknown token).
    Chars { chars: FxHashMap<char, u32>, fallback: [u32; 256] },
}

pub struct Bpe {
    merges: FxHashMap<u64, (u32, u32)>,
    alphabet: Alphabet,
    whole: FxHashMap<Box<[u8]>, u32>,
    ignore_merges: bool,
    reachable: Vec<AtomicU8>,
}

const UNKNOWN: u8 = 0;
const REACHABLE: u8 = 1;
const UNREACHABLE: u8 = 2;

#[inline]
fn key(a: u32, b: u32) -> u64 {
    ((a as u64) << 32) | b as u64
}

impl Bpe {
    pub fn new(merges: FxHashMap<u64, (u32, u32)>, alphabet: Alphabet, whole: FxHashMap<Box<[u8]>, u32>, ignore_merges: bool) -> Self {
        let slots = whole.values().map(|&id| id as usize + 1).max().unwrap_or(0);
        let reachable = (0..slots).map(|_| AtomicU8::new(UNKNOWN)).collect();
        Bpe { merges, alphabet, whole, ignore_merges, reachable }
    }

    /// Every merge: (left id, right id) → (rank, merged id).
    pub fn merges(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.merges.keys().map(|&k| ((k >> 32) as u32, k as u32))
    }

    pub fn pair_key(a: u32, b: u32) -> u64 {
        key(a, b)
    }

    #[inline]
    fn rank(&self, a: u32, b: u32) -> Option<(u32, u32)> {
        self.merges.get(&key(a, b)).copied()
    }

    /// Appends the tokens of `piece` (a non-empty pre-tokenizer split) to `out`.
    pub fn encode(&self, piece: &[u8], out: &mut Vec<Piece>) {
        if let Some(&id) = self.whole.get(piece) {
            let state = if self.ignore_merges { REACHABLE } else { self.reachable[id as usize].load(Ordering::Relaxed) };
            if state == REACHABLE {
                out.push(Piece { id, start: 0, end: piece.len() as u32 });
                return;
            }
            if state == UNKNOWN {
                let base = out.len();
                self.merge(piece, out);
                let one = out.len() == base + 1 && out[base].id == id;
                self.reachable[id as usize].store(if one { REACHABLE } else { UNREACHABLE }, Ordering::Relaxed);
                return;
            }
        }
        self.merge(piece, out);
    }

    fn merge(&self, piece: &[u8], out: &mut Vec<Piece>) {
        let base = out.len();
        self.symbols(piece, out);
        let n = out.len() - base;
        if n < 2 {
            return;
        }
        if n <= SMALL {
            self.merge_small(out, base);
        } else {
            let merged = self.merge_heap(&out[base..]);
            out.truncate(base);
            out.extend(merged);
        }
    }

    /// The piece's first symbols, appended to `out`.
    fn symbols(&self, piece: &[u8], out: &mut Vec<Piece>) {
        match &self.alphabet {
            Alphabet::Bytes(ids) => {
                out.extend(piece.iter().enumerate().map(|(i, &b)| Piece { id: ids[b as usize], start: i as u32, end: i as u32 + 1 }));
            }
            Alphabet::Chars { chars, fallback } => {
                // `piece` is a &str's bytes (SentencePiece pieces are normalized text).
                let text = std::str::from_utf8(piece).expect("SentencePiece pieces are UTF-8");
                for (i, c) in text.char_indices() {
                    let (start, end) = (i as u32, (i + c.len_utf8()) as u32);
                    match chars.get(&c) {
                        Some(&id) => out.push(Piece { id, start, end }),
                        None => out.extend((start..end).map(|b| Piece { id: fallback[piece[b as usize] as usize], start: b, end: b + 1 })),
                    }
                }
            }
        }
    }

    /// Lowest (rank, leftmost) by rescanning a rank array; `syms[base..]` is the piece.
    fn merge_small(&self, syms: &mut Vec<Piece>, base: usize) {
        let mut ranks: [(u32, u32); SMALL] = [(u32::MAX, 0); SMALL];
        let n0 = syms.len() - base;
        for i in 0..n0 - 1 {
            ranks[i] = self.rank(syms[base + i].id, syms[base + i + 1].id).unwrap_or((u32::MAX, 0));
        }
        let mut n = n0;
        while n > 1 {
            let (mut best, mut best_rank) = (usize::MAX, u32::MAX);
            for (i, r) in ranks[..n - 1].iter().enumerate() {
                if r.0 < best_rank {
                    best_rank = r.0;
                    best = i;
                }
            }
            if best == usize::MAX {
                break;
            }
            let merged = ranks[best].1;
            syms[base + best] = Piece { id: merged, start: syms[base + best].start, end: syms[base + best + 1].end };
            syms.remove(base + best + 1);
            ranks.copy_within(best + 1..n - 1, best);
            n -= 1;
            ranks[n - 1] = (u32::MAX, 0);
            if best > 0 {
                ranks[best - 1] = self.rank(syms[base + best - 1].id, merged).unwrap_or((u32::MAX, 0));
            }
            if best + 1 < n {
                ranks[best] = self.rank(merged, syms[base + best + 1].id).unwrap_or((u32::MAX, 0));
            }
        }
    }

    /// The crate's algorithm: doubly linked symbols, a min-heap of (rank, position, merged id),
    /// stale entries skipped when popped.
    fn merge_heap(&self, init: &[Piece]) -> Vec<Piece> {
        let n = init.len();
        let mut syms = init.to_vec();
        let mut alive = vec![true; n];
        let mut prev: Vec<isize> = (0..n as isize).map(|i| i - 1).collect();
        let mut next: Vec<usize> = (1..=n).collect();
        let mut heap = BinaryHeap::with_capacity(n);
        for i in 0..n - 1 {
            if let Some((r, m)) = self.rank(syms[i].id, syms[i + 1].id) {
                heap.push(Reverse((r, i, m)));
            }
        }
        while let Some(Reverse((_, pos, merged))) = heap.pop() {
            let right = next[pos];
            if !alive[pos] || right >= n || self.rank(syms[pos].id, syms[right].id).map(|x| x.1) != Some(merged) {
                continue;
            }
            syms[pos] = Piece { id: merged, start: syms[pos].start, end: syms[right].end };
            alive[right] = false;
            next[pos] = next[right];
            if next[right] < n {
                prev[next[right]] = pos as isize;
            }
            if prev[pos] >= 0 {
                let p = prev[pos] as usize;
                if let Some((r, m)) = self.rank(syms[p].id, merged) {
                    heap.push(Reverse((r, p, m)));
                }
            }
            if next[pos] < n {
                if let Some((r, m)) = self.rank(merged, syms[next[pos]].id) {
                    heap.push(Reverse((r, pos, m)));
                }
            }
        }
        syms.into_iter().zip(alive).filter_map(|(s, a)| a.then_some(s)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy table over bytes a/b/c with overlapping merges and rank ties.
    fn toy() -> Bpe {
        let mut byte_ids = [0u32; 256];
        for b in 0..256 {
            byte_ids[b] = b as u32;
        }
        let mut merges = FxHashMap::default();
        let (a, b, c) = (b'a' as u32, b'b' as u32, b'c' as u32);
        merges.insert(key(a, a), (0, 300)); // aa
        merges.insert(key(300, a), (1, 301)); // aaa
        merges.insert(key(a, b), (2, 302)); // ab
        merges.insert(key(302, c), (3, 303)); // abc
        merges.insert(key(300, 300), (4, 304)); // aaaa
        merges.insert(key(b, c), (2, 305)); // bc, same rank as ab: leftmost wins
        Bpe::new(merges, Alphabet::Bytes(byte_ids), FxHashMap::default(), false)
    }

    fn ids(bpe: &Bpe, s: &[u8]) -> Vec<u32> {
        let mut out = vec![];
        bpe.encode(s, &mut out);
        out.iter().map(|p| p.id).collect()
    }

    #[test]
    fn lowest_rank_leftmost_first() {
        let bpe = toy();
        assert_eq!(ids(&bpe, b"aaa"), vec![301]);
        assert_eq!(ids(&bpe, b"aaaa"), vec![304]);
        assert_eq!(ids(&bpe, b"abc"), vec![303]);
        assert_eq!(ids(&bpe, b"bcab"), vec![305, 302]);
        assert_eq!(ids(&bpe, b"x"), vec![b'x' as u32]);
    }

    #[test]
    fn a_whole_piece_counts_only_if_merges_reach_it() {
        let mut bpe = toy();
        // "ab" merges to 302, but the vocabulary also lists "ac" as 400, which no merge builds.
        bpe.whole.insert(b"ab"[..].into(), 302);
        bpe.whole.insert(b"ac"[..].into(), 400);
        bpe.reachable = (0..401).map(|_| AtomicU8::new(UNKNOWN)).collect();
        for _ in 0..2 {
            assert_eq!(ids(&bpe, b"ab"), vec![302]);
            assert_eq!(ids(&bpe, b"ac"), vec![b'a' as u32, b'c' as u32]);
        }
        bpe.ignore_merges = true;
        assert_eq!(ids(&bpe, b"ac"), vec![400]);
    }

    #[test]
    fn small_and_heap_agree() {
        let bpe = toy();
        let mut seed = 7u64;
        for _ in 0..5000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let len = 2 + (seed >> 59) as usize % SMALL;
            let piece: Vec<u8> = (0..len).map(|i| b"aabc"[((seed >> (i % 60)) & 3) as usize]).collect();
            let init: Vec<Piece> = piece.iter().enumerate().map(|(i, &b)| Piece { id: b as u32, start: i as u32, end: i as u32 + 1 }).collect();
            let mut small = init.clone();
            bpe.merge_small(&mut small, 0);
            assert_eq!(small, bpe.merge_heap(&init), "{}", String::from_utf8_lossy(&piece));
        }
    }
}
