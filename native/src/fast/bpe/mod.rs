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
//! Callers go through `encode_cached`: a piece seen before on this thread is answered by
//! word_cache.rs without touching these tables.

pub mod bytelevel;
mod long;
mod merge_tree;
mod premerge;
pub mod sentencepiece;
mod stretch_cache;
pub mod word_cache;

use crate::hash::FxHashMap;
use crate::short_map::{self, ShortMap};
use merge_tree::MergeTree;
pub use premerge::Edges;
use premerge::{bmp_char, CharMerges, Model};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU32, AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};
pub use word_cache::{Probe, WordCache};

/// At most 255, so symbol links fit a u8.
const SMALL: usize = 24;

/// Pieces of more symbols than this merge a rank at a time (long.rs).
const LONG: usize = 1024;

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
    whole: Whole,
    ignore_merges: bool,
    reachable: Vec<AtomicU8>,
    /// Byte-level only: `(rank, merged)` of every pair of byte tokens, indexed `a << 8 | b`
    /// (`NONE` when they do not merge). A piece's first n − 1 pair ranks are then array reads
    /// instead of hash probes: 512 KiB, built once.
    byte_pairs: Option<Box<[(u32, u32)]>>,
    /// This table's key in the per-thread word cache (word_cache.rs); never 0.
    owner: u64,
    /// Byte-level only: which characters enter merging as one token (premerge.rs), built on
    /// the first piece that has a multi-byte character.
    chars: OnceLock<CharMerges>,
    /// Byte-level only: each id's `Edges`, recorded while the vocabulary was read (`with_edges`)
    /// so that `chars` need not walk the vocabulary again; taken when `chars` is built.
    edges: Mutex<Vec<Edges>>,
    /// Byte-level only: the merge that made each token (merge_tree.rs), so `reachable` is
    /// decided without merging; None inside where the table has no such tree. Built once a
    /// pass has decided `TREE_AFTER` entries by merging, or by `prepare`.
    tree: OnceLock<Option<MergeTree>>,
    /// Entries decided by merging so far (counts up to `TREE_AFTER`).
    merged_verdicts: AtomicU32,
}

/// Entries to decide by merging before the caller builds the merge tree itself: about as many
/// as the tree's build (~2.5 ms for o200k) would save at ~0.2 µs a verdict, so a pass pays at
/// most twice the better choice's cost, and short texts never pay for it. (With a CPU to
/// spare, `prepare` builds it right after load.)
const TREE_AFTER: u32 = 12_000;

static NEXT_OWNER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

const NONE: (u32, u32) = (u32::MAX, 0);

const UNKNOWN: u8 = 0;
const REACHABLE: u8 = 1;
const UNREACHABLE: u8 = 2;

/// Piece bytes → vocabulary id. Pieces of up to 15 bytes (nearly all pre-tokenizer splits)
/// are in a `ShortMap`, keyed inline: a probe hashes two words and compares one key instead
/// of hashing a slice and calling memcmp (which took 14% of a prompt encode, perf on Llama 3).
pub struct Whole {
    short: ShortMap,
    long: FxHashMap<Box<[u8]>, u32>,
    max_id: Option<u32>,
    /// Bytes of the longest piece: a longer probe cannot hit (WordPiece's greedy search
    /// starts there).
    longest: usize,
}

impl Whole {
    pub fn with_capacity(n: usize) -> Self {
        Whole { short: ShortMap::with_capacity(n), long: FxHashMap::default(), max_id: None, longest: 0 }
    }

    #[cfg(test)]
    fn new(all: FxHashMap<Box<[u8]>, u32>) -> Self {
        let mut w = Whole::with_capacity(all.len());
        for (piece, id) in all {
            w.insert(&piece, id);
        }
        w
    }

    /// Adds a piece (a later insert of the same piece wins, as in the crate's vocabulary map).
    pub fn insert(&mut self, piece: &[u8], id: u32) {
        self.max_id = self.max_id.max(Some(id));
        self.longest = self.longest.max(piece.len());
        if piece.len() <= short_map::MAX {
            self.short.insert(piece, id);
        } else {
            self.long.insert(piece.into(), id);
        }
    }

    /// `insert` of a piece of at most `short_map::MAX` bytes given by its `hash::short_key`.
    pub fn insert_short(&mut self, key: u128, id: u32) {
        self.max_id = self.max_id.max(Some(id));
        self.longest = self.longest.max((key >> 120) as usize);
        self.short.insert_key(key, id);
    }

    /// Every (piece, id).
    fn each(&self, mut f: impl FnMut(&[u8], u32)) {
        for ((bytes, n), id) in self.short.iter() {
            f(&bytes[..n], id);
        }
        for (piece, &id) in &self.long {
            f(piece, id);
        }
    }

    /// The first and last bytes of every id's piece (premerge.rs needs them per id).
    fn edges(&self) -> Vec<Edges> {
        let mut edges = vec![Edges::default(); self.max_id.map_or(0, |id| id as usize + 1)];
        self.each(|piece, id| edges[id as usize] = Edges::of(piece));
        edges
    }

    /// Bytes of the longest piece inserted.
    pub fn longest(&self) -> usize {
        self.longest
    }

    #[inline]
    pub fn get(&self, piece: &[u8]) -> Option<u32> {
        if piece.len() <= short_map::MAX {
            self.short.get(piece)
        } else {
            self.long.get(piece).copied()
        }
    }
}

#[inline]
fn key(a: u32, b: u32) -> u64 {
    ((a as u64) << 32) | b as u64
}

impl Bpe {
    pub fn new(merges: FxHashMap<u64, (u32, u32)>, alphabet: Alphabet, whole: Whole, ignore_merges: bool) -> Self {
        let slots = whole.max_id.map_or(0, |id| id as usize + 1);
        let reachable = (0..slots).map(|_| AtomicU8::new(UNKNOWN)).collect();
        let byte_pairs = match &alphabet {
            Alphabet::Bytes(ids) => Some(byte_pair_table(&merges, ids)),
            Alphabet::Chars { .. } => None,
        };
        let owner = NEXT_OWNER.fetch_add(1, Ordering::Relaxed);
        Bpe {
            merges,
            alphabet,
            whole,
            ignore_merges,
            reachable,
            byte_pairs,
            owner,
            chars: OnceLock::new(),
            edges: Mutex::default(),
            tree: OnceLock::new(),
            merged_verdicts: AtomicU32::new(0),
        }
    }

    /// This table with each id's `Edges` (by id, from the vocabulary the caller has just read),
    /// for the pre-merge tables; without them those tables compute them from `whole`.
    pub fn with_edges(self, edges: Vec<Edges>) -> Self {
        *self.edges.lock().unwrap_or_else(|e| e.into_inner()) = edges;
        self
    }

    /// Every merge: (left id, right id) → (rank, merged id).
    pub fn merges(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.merges.keys().map(|&k| ((k >> 32) as u32, k as u32))
    }

    /// Every merge as (left id, right id), in rank order (ranks compacted: a later duplicate
    /// in the file has already replaced the earlier one, as in the crate's table).
    pub fn ranked_merges(&self) -> Vec<(u32, u32)> {
        let mut all: Vec<(u32, u32, u32)> =
            self.merges.iter().map(|(&k, &(rank, _))| (rank, (k >> 32) as u32, k as u32)).collect();
        all.sort_unstable();
        all.into_iter().map(|(_, a, b)| (a, b)).collect()
    }

    pub fn pair_key(a: u32, b: u32) -> u64 {
        key(a, b)
    }

    #[inline]
    fn rank(&self, a: u32, b: u32) -> Option<(u32, u32)> {
        self.merges.get(&key(a, b)).copied()
    }

    /// This table's key in the per-thread word cache (word_cache.rs); never 0.
    pub fn owner(&self) -> u64 {
        self.owner
    }

    /// `encode`, answered from `cache` when the piece was seen before on this thread, and
    /// remembered there when not.
    #[inline]
    pub fn encode_cached(&self, piece: &[u8], out: &mut Vec<Piece>, cache: Option<&mut WordCache>) {
        let Some(cache) = cache.filter(|_| piece.len() <= word_cache::MAX_PIECE) else {
            return self.encode(piece, out);
        };
        self.encode_probed(piece, Probe::of(piece), out, cache);
    }

    /// Calls `f` with each token of `piece` until it returns `Break`: from `cache` when the
    /// piece is in it (`probe` is the piece's, computed and perhaps prefetched by the caller),
    /// else encoded into `scratch` and remembered there. Nothing is copied on a hit.
    #[inline]
    pub fn each_token(
        &self,
        piece: &[u8],
        probe: Probe,
        cache: &mut WordCache,
        scratch: &mut Vec<Piece>,
        mut f: impl FnMut(Piece) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        if let Some(flow) = cache.each(piece, probe, |id, start, end| f(Piece { id, start, end })) {
            return flow;
        }
        scratch.clear();
        self.encode(piece, scratch);
        if piece.len() <= word_cache::MAX_PIECE {
            cache.put(piece, probe, scratch);
        }
        scratch.iter().try_for_each(|&t| f(t))
    }

    /// `encode_cached` with the piece's probe already computed (and perhaps prefetched).
    #[inline]
    pub fn encode_probed(&self, piece: &[u8], probe: Probe, out: &mut Vec<Piece>, cache: &mut WordCache) {
        if cache.get(piece, probe, |id, start, end| out.push(Piece { id, start, end })) {
            return;
        }
        let base = out.len();
        self.encode(piece, out);
        cache.put(piece, probe, &out[base..]);
    }

    /// Appends the tokens of `piece` (a non-empty pre-tokenizer split) to `out`.
    pub fn encode(&self, piece: &[u8], out: &mut Vec<Piece>) {
        if let Some(id) = self.whole.get(piece) {
            let state =
                if self.ignore_merges { REACHABLE } else { self.reachable[id as usize].load(Ordering::Relaxed) };
            if state == REACHABLE {
                out.push(Piece { id, start: 0, end: piece.len() as u32 });
                return;
            }
            if state == UNKNOWN {
                let tree = self.tree_for_verdicts();
                match tree.and_then(|t| t.reaches(id, &self.reachable, &|a, b| self.rank(a, b).map(|r| r.0))) {
                    Some(true) => return out.push(Piece { id, start: 0, end: piece.len() as u32 }),
                    Some(false) => return self.merge(piece, out),
                    None => {}
                }
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
        // Symbols are single bytes (so the byte-pair table answers their first pairs) unless
        // some characters entered as one token.
        let bytes = n == piece.len();
        if n <= SMALL {
            self.merge_small(piece, out, base, bytes);
        } else if n > LONG {
            self.merge_by_rank(piece, out, base, bytes);
        } else {
            self.merge_heap(piece, out, base, bytes);
        }
    }

    /// The piece's first symbols, appended to `out`.
    fn symbols(&self, piece: &[u8], out: &mut Vec<Piece>) {
        match &self.alphabet {
            Alphabet::Bytes(ids) if piece.is_ascii() => {
                out.extend(piece.iter().enumerate().map(|(i, &b)| Piece {
                    id: ids[b as usize],
                    start: i as u32,
                    end: i as u32 + 1,
                }));
            }
            Alphabet::Bytes(ids) => self.premerged_symbols(piece, ids, out),
            Alphabet::Chars { chars, fallback } => {
                // `piece` is a &str's bytes (SentencePiece pieces are normalized text).
                let text = std::str::from_utf8(piece).expect("SentencePiece pieces are UTF-8");
                for (i, c) in text.char_indices() {
                    let (start, end) = (i as u32, (i + c.len_utf8()) as u32);
                    match chars.get(&c) {
                        Some(&id) => out.push(Piece { id, start, end }),
                        None => out.extend((start..end).map(|b| Piece {
                            id: fallback[piece[b as usize] as usize],
                            start: b,
                            end: b + 1,
                        })),
                    }
                }
            }
        }
    }

    /// The merge tree, for an entry `reachable` has no verdict on yet: None (decide by
    /// merging) until `TREE_AFTER` entries were, then built by the caller that counts the last.
    #[inline]
    fn tree_for_verdicts(&self) -> Option<&MergeTree> {
        if let Some(tree) = self.tree.get() {
            return tree.as_ref();
        }
        if self.merged_verdicts.fetch_add(1, Ordering::Relaxed) + 1 < TREE_AFTER {
            return None;
        }
        self.merge_tree()
    }

    /// The merge tree (merge_tree.rs), built on first use; None for a table that has none.
    fn merge_tree(&self) -> Option<&MergeTree> {
        self.tree
            .get_or_init(|| {
                let Alphabet::Bytes(ids) = &self.alphabet else { return None };
                let merges = self.merges.iter().map(|(&k, &(rank, merged))| ((k >> 32) as u32, k as u32, rank, merged));
                MergeTree::new(merges, ids, self.reachable.len())
            })
            .as_ref()
    }

    /// The pre-merge verdicts' tables (premerge.rs), built on first use.
    fn char_merges(&self) -> &CharMerges {
        self.chars.get_or_init(|| {
            let mut edges = std::mem::take(&mut *self.edges.lock().unwrap_or_else(|e| e.into_inner()));
            if edges.is_empty() {
                edges = self.whole.edges();
            }
            CharMerges::new(self.merges.iter().map(|(&k, &(rank, _))| ((k >> 32) as u32, k as u32, rank)), &edges)
        })
    }

    /// Builds what the first text with a multi-byte character would otherwise build during
    /// its call (byte-level only: the pre-merge tables), so a caller can do it off the
    /// critical path; later calls find it built. A no-op when built, or for other alphabets.
    pub fn prepare(&self) {
        if matches!(self.alphabet, Alphabet::Bytes(_)) {
            self.char_merges();
            if !self.ignore_merges {
                self.merge_tree();
            }
        }
    }

    /// Decides `reachable` for every entry of the vocabulary, so a text's first occurrence of
    /// a whole-vocabulary piece need not merge it to find out: a first pass over new text then
    /// answers most pieces from the vocabulary alone. From the merge tree ~0.15 µs an entry
    /// (30 ms for o200k; by merging, where a table has no tree, ~0.4 µs), so for a thread with
    /// nothing better to do; entries it has not reached yet are decided on first use.
    pub fn prove_reachable(&self) {
        if self.ignore_merges {
            return;
        }
        let tree = self.merge_tree();
        let rank = |a, b| self.rank(a, b).map(|r| r.0);
        let mut out = Vec::new();
        let mut check = |piece: &[u8], id: u32| {
            let slot = &self.reachable[id as usize];
            // Only whole characters are ever looked up: pieces are slices of a str.
            if slot.load(Ordering::Relaxed) != UNKNOWN || std::str::from_utf8(piece).is_err() {
                return;
            }
            if tree.and_then(|t| t.reaches(id, &self.reachable, &rank)).is_some() {
                return;
            }
            out.clear();
            self.merge(piece, &mut out);
            let one = out.len() == 1 && out[0].id == id;
            slot.store(if one { REACHABLE } else { UNREACHABLE }, Ordering::Relaxed);
        };
        self.whole.each(&mut check);
    }

    /// Byte-level symbols of a piece with multi-byte characters: each 2- or 3-byte character
    /// whose bytes provably merge into one token first (premerge.rs) enters as that token.
    fn premerged_symbols(&self, piece: &[u8], ids: &[u32; 256], out: &mut Vec<Piece>) {
        let chars = self.char_merges();
        let rank = |a, b| self.rank(a, b);
        let model = Model { byte_ids: ids, rank: &rank };
        let mut i = 0;
        while i < piece.len() {
            let b = piece[i];
            if b >= 0xC0 {
                if let Some((cp, len)) = bmp_char(&piece[i..]) {
                    let before = i.checked_sub(1).map(|j| piece[j]);
                    let after = piece.get(i + len).copied();
                    if let Some(id) = chars.token(cp, before, after, &model) {
                        out.push(Piece { id, start: i as u32, end: (i + len) as u32 });
                        i += len;
                        continue;
                    }
                }
            }
            out.push(Piece { id: ids[b as usize], start: i as u32, end: i as u32 + 1 });
            i += 1;
        }
    }

    /// (rank, merged) of the first symbols `i` and `i + 1` of `piece` (`syms` are its first
    /// symbols; `bytes`: they are its single bytes), `NONE` if they do not merge.
    #[inline]
    fn first_pair(&self, piece: &[u8], syms: &[Piece], i: usize, bytes: bool) -> (u32, u32) {
        match &self.byte_pairs {
            Some(t) if bytes => t[(piece[i] as usize) << 8 | piece[i + 1] as usize],
            _ => self.rank(syms[i].id, syms[i + 1].id).unwrap_or(NONE),
        }
    }

    /// Lowest (rank, leftmost) by rescanning a rank array; `syms[base..]` holds the first
    /// symbols of `piece`.
    fn merge_small(&self, piece: &[u8], syms: &mut Vec<Piece>, base: usize, bytes: bool) {
        // Symbols stay in place, linked by `next`/`prev`; a merged-away symbol's rank is
        // NONE, so the scan skips it. No element moves until the final compaction (shifting
        // on every merge was 9% of a Chinese encode, in memmove).
        let s = &mut syms[base..];
        let n = s.len();
        let (mut rank, mut merged) = ([u32::MAX; SMALL], [0u32; SMALL]);
        let (mut next, mut prev) = ([0u8; SMALL], [0u8; SMALL]);
        for i in 0..n {
            next[i] = (i + 1) as u8;
            prev[i] = i.wrapping_sub(1) as u8;
        }
        for i in 0..n - 1 {
            (rank[i], merged[i]) = self.first_pair(piece, s, i, bytes);
        }
        loop {
            let (mut best, mut best_rank) = (usize::MAX, u32::MAX);
            for (i, &r) in rank[..n - 1].iter().enumerate() {
                if r < best_rank {
                    best_rank = r;
                    best = i;
                }
            }
            if best == usize::MAX {
                break;
            }
            let right = next[best] as usize;
            s[best] = Piece { id: merged[best], start: s[best].start, end: s[right].end };
            rank[right] = u32::MAX;
            let after = next[right] as usize;
            next[best] = after as u8;
            (rank[best], merged[best]) = NONE;
            if after < n {
                prev[after] = best as u8;
                (rank[best], merged[best]) = self.rank(s[best].id, s[after].id).unwrap_or(NONE);
            }
            if best > 0 {
                let p = prev[best] as usize;
                (rank[p], merged[p]) = self.rank(s[p].id, s[best].id).unwrap_or(NONE);
            }
        }
        let kept = compact(s, |i| next[i] as usize);
        syms.truncate(base + kept);
    }

    /// The crate's algorithm: doubly linked symbols, a min-heap of (rank, position, merged id),
    /// stale entries skipped when popped.
    ///
    /// In place on `syms[base..]` (the first symbols of `piece`), with per-thread scratch so
    /// a long piece allocates nothing after the first. Heap entries pack (rank, position) in
    /// a u64, ordered as the crate orders them; a popped entry is stale unless the pair now at
    /// its position still has its rank (ranks are unique per pair, and symbols only grow
    /// rightwards, so an equal rank means the same pair).
    fn merge_heap(&self, piece: &[u8], syms: &mut Vec<Piece>, base: usize, bytes: bool) {
        HEAP_SCRATCH.with_borrow_mut(|scratch| {
            let s = &mut syms[base..];
            let n = s.len();
            let HeapScratch { next, prev, heap } = scratch;
            next.clear();
            next.extend(1..=n as u32);
            prev.clear();
            prev.extend((0..n as u32).map(|i| i.wrapping_sub(1)));
            let mut entries = std::mem::take(heap).into_vec();
            entries.clear();
            for i in 0..n - 1 {
                let (r, _) = self.first_pair(piece, s, i, bytes);
                if r != u32::MAX {
                    entries.push(Reverse(entry(r, i)));
                }
            }
            *heap = BinaryHeap::from(entries);
            while let Some(Reverse(e)) = heap.pop() {
                let (r, pos) = ((e >> 32) as u32, e as u32 as usize);
                let mut links = Links { s: &mut *s, next: &mut *next, prev: &mut *prev };
                links.merge_at(self, r, pos, |r, p| heap.push(Reverse(entry(r, p))));
            }
            let kept = compact(s, |i| next[i] as usize);
            syms.truncate(base + kept);
            if next.capacity() > 1 << 20 {
                *scratch = HeapScratch::default();
            }
        })
    }
}

/// A piece's symbols while they merge, linked both ways (`u32::MAX` or `n`: no neighbour).
struct Links<'a> {
    s: &'a mut [Piece],
    next: &'a mut [u32],
    prev: &'a mut [u32],
}

impl Links<'_> {
    /// Applies the queued pair (`rank`, `pos`) if it still stands — a pair that changed since
    /// it was queued was queued again under its new rank — and hands `queue` the new pairs
    /// the merged symbol makes with its neighbours, as (rank, position).
    fn merge_at(&mut self, bpe: &Bpe, rank: u32, pos: usize, mut queue: impl FnMut(u32, usize)) {
        let n = self.s.len();
        let s = &mut *self.s;
        let right = self.next[pos] as usize;
        if right >= n || s[pos].end == 0 {
            return;
        }
        let Some((now, merged)) = bpe.rank(s[pos].id, s[right].id) else { return };
        if now != rank {
            return;
        }
        s[pos] = Piece { id: merged, start: s[pos].start, end: s[right].end };
        s[right].end = 0; // dead: no live symbol ends at 0
        let after = self.next[right];
        self.next[pos] = after;
        if (after as usize) < n {
            self.prev[after as usize] = pos as u32;
            if let Some((r, _)) = bpe.rank(merged, s[after as usize].id) {
                queue(r, pos);
            }
        }
        let p = self.prev[pos];
        if (p as usize) < n {
            if let Some((r, _)) = bpe.rank(s[p as usize].id, merged) {
                queue(r, p as usize);
            }
        }
    }
}

/// Moves the live symbols (from 0, following `next`) to the front; returns how many.
fn compact(s: &mut [Piece], next: impl Fn(usize) -> usize) -> usize {
    let (mut w, mut i) = (0, 0);
    while i < s.len() {
        s[w] = s[i];
        w += 1;
        i = next(i);
    }
    w
}

#[derive(Default)]
struct HeapScratch {
    next: Vec<u32>,
    prev: Vec<u32>,
    heap: BinaryHeap<Reverse<u64>>,
}

thread_local! {
    static HEAP_SCRATCH: std::cell::RefCell<HeapScratch> = std::cell::RefCell::new(HeapScratch::default());
}

#[inline]
fn entry(rank: u32, pos: usize) -> u64 {
    (rank as u64) << 32 | pos as u64
}

fn byte_pair_table(merges: &FxHashMap<u64, (u32, u32)>, byte_ids: &[u32; 256]) -> Box<[(u32, u32)]> {
    let mut table = vec![NONE; 1 << 16].into_boxed_slice();
    for (a, &ia) in byte_ids.iter().enumerate() {
        for (b, &ib) in byte_ids.iter().enumerate() {
            if let Some(&v) = merges.get(&key(ia, ib)) {
                table[a << 8 | b] = v;
            }
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy table over bytes a/b/c with overlapping merges and rank ties.
    fn toy() -> Bpe {
        let byte_ids: [u32; 256] = std::array::from_fn(|b| b as u32);
        let mut merges = FxHashMap::default();
        let (a, b, c) = (b'a' as u32, b'b' as u32, b'c' as u32);
        merges.insert(key(a, a), (0, 300)); // aa
        merges.insert(key(300, a), (1, 301)); // aaa
        merges.insert(key(a, b), (2, 302)); // ab
        merges.insert(key(302, c), (3, 303)); // abc
        merges.insert(key(300, 300), (4, 304)); // aaaa
        merges.insert(key(b, c), (2, 305)); // bc, same rank as ab: leftmost wins
        Bpe::new(merges, Alphabet::Bytes(byte_ids), Whole::with_capacity(0), false)
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
        bpe.whole.insert(b"ab", 302);
        bpe.whole.insert(b"ac", 400);
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
            let len = 2 + (seed >> 58) as usize % (SMALL - 1);
            let piece: Vec<u8> = (0..len).map(|i| b"aabc"[((seed >> (i % 60)) & 3) as usize]).collect();
            let init: Vec<Piece> = piece
                .iter()
                .enumerate()
                .map(|(i, &b)| Piece { id: b as u32, start: i as u32, end: i as u32 + 1 })
                .collect();
            let (mut small, mut heap) = (init.clone(), init.clone());
            bpe.merge_small(&piece, &mut small, 0, true);
            bpe.merge_heap(&piece, &mut heap, 0, true);
            assert_eq!(small, heap, "{}", String::from_utf8_lossy(&piece));
        }
    }

    /// Pre-merged characters (premerge.rs) never change a result: random merge tables over
    /// the bytes of a few 2- and 3-byte characters, a space and a letter — including merges of
    /// a space or letter with a lead byte, across characters, and (in half the tables) ranks
    /// out of creation order — against merging bytes only.
    #[test]
    fn premerged_characters_merge_as_bytes_do() {
        let mut rand = crate::testing::xorshift(0x2545F4914F6CDD1D);
        let chars = ["é", "ü", "中", "丸", "가", "ж", " ", "a"];
        let alphabet: Vec<u8> = chars.iter().flat_map(|c| c.bytes()).collect();
        let (mut checked, mut exercised) = (0, 0);
        for _table in 0..300 {
            let byte_ids: [u32; 256] = std::array::from_fn(|b| b as u32);
            let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
            let mut merges = FxHashMap::default();
            let mut whole = Whole::with_capacity(0);
            // Mostly the alphabet's bytes and the tokens built from them.
            let pick = |r: u64, tokens: &Vec<Vec<u8>>| -> u32 {
                if r.is_multiple_of(3) || tokens.len() == 256 {
                    alphabet[(r / 3) as usize % alphabet.len()] as u32
                } else {
                    256 + (r / 3) as u32 % (tokens.len() as u32 - 256)
                }
            };
            // Each character's bytes merge left to right at some point (as trained tables do),
            // interleaved with random merges of anything.
            let mut inner: Vec<(Vec<u8>, usize)> =
                chars.iter().filter(|c| c.len() > 1).map(|c| (c.as_bytes().to_vec(), 1)).collect();
            for rank in 0..(8 + rand() % 40) as u32 {
                let open: Vec<usize> = (0..inner.len()).filter(|&i| inner[i].1 < inner[i].0.len()).collect();
                let (a, b) = if !open.is_empty() && rand().is_multiple_of(2) {
                    let (bytes, done) = &mut inner[open[rand() as usize % open.len()]];
                    let id_of = |t: &[u8]| tokens.iter().position(|x| x == t).map(|i| i as u32);
                    *done += 1;
                    match (id_of(&bytes[..*done - 1]), id_of(&bytes[*done - 1..*done])) {
                        (Some(a), Some(b)) => (a, b),
                        _ => continue,
                    }
                } else {
                    (pick(rand(), &tokens), pick(rand(), &tokens))
                };
                if merges.contains_key(&key(a, b)) {
                    continue;
                }
                let id = tokens.len() as u32;
                tokens.push([tokens[a as usize].clone(), tokens[b as usize].clone()].concat());
                merges.insert(key(a, b), (rank, id));
            }
            if rand().is_multiple_of(2) {
                let mut ranks: Vec<u32> = merges.values().map(|&(r, _)| r).collect();
                for (_, (r, _)) in merges.iter_mut() {
                    *r = ranks.swap_remove(rand() as usize % ranks.len());
                }
            }
            for (id, t) in tokens.iter().enumerate() {
                whole.insert(t, id as u32);
            }
            let bpe = Bpe::new(merges, Alphabet::Bytes(byte_ids), whole, false);
            for _ in 0..200 {
                let text: String = (0..1 + rand() % 12).map(|_| chars[rand() as usize % chars.len()]).collect();
                let piece = text.as_bytes();
                let mut bytes: Vec<Piece> = piece
                    .iter()
                    .enumerate()
                    .map(|(i, &b)| Piece { id: b as u32, start: i as u32, end: i as u32 + 1 })
                    .collect();
                if bytes.len() > 1 {
                    bpe.merge_heap(piece, &mut bytes, 0, true);
                }
                let mut out = vec![];
                bpe.encode(piece, &mut out);
                assert_eq!(out, bytes, "{text:?}");
                checked += 1;
            }
            exercised += bpe.chars.get().map_or(0, |m| {
                chars.iter().filter_map(|c| c.chars().next()).filter(|&c| m.premerged_inside(c)).count()
            });
        }
        assert_eq!(checked, 60_000);
        // The test means something only if characters did enter as one token, inside pieces.
        assert!(exercised > 100, "{exercised}");
    }

    #[test]
    fn short_and_long_pieces_are_found_and_not_confused() {
        let mut all: FxHashMap<Box<[u8]>, u32> = FxHashMap::default();
        let pieces: [&[u8]; 6] =
            [b"a", b"a\0", b"\0", b"fifteen bytes!!", b"sixteen bytes!!!", b"a much longer piece of text"];
        for (id, p) in pieces.iter().enumerate() {
            all.insert((*p).into(), id as u32);
        }
        let w = Whole::new(all);
        for (id, p) in pieces.iter().enumerate() {
            assert_eq!(w.get(p), Some(id as u32), "{}", String::from_utf8_lossy(p));
        }
        assert_eq!(w.get(b"a\0\0"), None);
        assert_eq!(w.get(b""), None);
        assert_eq!(w.get(b"sixteen bytes!!?"), None);
    }
}
