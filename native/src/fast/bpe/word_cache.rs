//! A per-thread cache of whole pre-tokenizer pieces: piece bytes → the tokens BPE gives it,
//! for every piece, vocabulary hits included.
//!
//! Text repeats its words, so after a piece's first occurrence its answer is one probe into
//! a table that stays in the CPU caches, instead of the walk a first occurrence takes (the
//! whole-piece map of ~8 MB, the reachability check, merging when it is no entry). A cache
//! that holds every kind of piece, large enough for a document's working set, is what makes
//! Hugging Face's 1.0 engine fast on text it has seen; this one is ours, exact by
//! construction: keys are compared byte for byte, never trusted to a hash.
//!
//! Layout: `SLOTS` slots of 32 bytes and one tag byte per slot. A piece hashes to a home slot
//! and may live in any of the `WINDOW` slots from there; the tag byte (a slice of the hash,
//! never 0) rejects most of them before the slot itself is read, eight at a time in one
//! 64-bit word. A slot holds its key and up to three tokens inline; longer results and keys
//! of pieces longer than 15 bytes go to two arenas. When an arena fills, the whole cache is
//! cleared: memory stays bounded (`SLOTS` × 33 bytes, `ARENA` spilled tokens, `KEY_ARENA` key
//! bytes) and a cleared cache only costs misses. The key arena holds a few documents' long
//! pieces (a SentencePiece word of CJK text is a whole line): at 512 KiB, five documents
//! taken in turn cleared it on every pass (native/PERFORMANCE.md).
//!
//! One cache per tokenizer (its `owner` id) per thread, the `OWNERS` most recently used kept.

use super::Piece;
use crate::hash::{short_key, word_of};
use std::cell::RefCell;
use std::ops::ControlFlow;

const SLOTS: usize = 1 << 16;
const WINDOW: usize = 8;
/// Longest piece cached: a longer one (a run of one character) is rare, and its merge costs
/// far more than the probe it would save.
pub const MAX_PIECE: usize = 1024;
/// Spilled tokens kept (4 MiB at most).
const ARENA: usize = 1 << 19;
/// Bytes of the key arena (4 MiB at most).
const KEY_ARENA: usize = 1 << 22;
/// Most tokens cached for one piece: a piece that merges into more is rarely seen twice.
const MAX_TOKENS: usize = 64;
const OWNERS: usize = 4;
/// Tokens kept in the slot itself.
const INLINE: usize = 3;
/// `Slot::meta` when the tokens are in the spill arena.
const SPILLED: u8 = 0xFF;

/// One cached piece. `key`: a piece of at most 15 bytes is its `short_key` (bytes and
/// length: exact); a longer one is `LONG` in the top byte, its length and its hash, and its
/// bytes are kept in the key arena (`WordCache::long_at`) to be compared on a hit.
#[derive(Clone, Copy, Default)]
#[repr(C, align(32))]
struct Slot {
    key: u128,
    /// Inline: the ids. Spilled: `[start in spill, count, _]`.
    ids: [u32; INLINE],
    /// Tokens inline (1..=3), or `SPILLED`.
    meta: u8,
    /// Inline: the end byte of each token but the last (the last ends at the piece's end).
    ends: [u8; INLINE - 1],
    _pad: u8,
}

/// Top byte of a long piece's key (a short key's top byte is its length, at most 15).
const LONG: u128 = 0xFF << 120;

pub struct WordCache {
    owner: u64,
    tags: Box<[u8]>,
    slots: Box<[Slot]>,
    /// Spilled results: (id, end byte) per token.
    spill: Vec<(u32, u32)>,
    /// Bytes of long pieces' keys.
    keys: Vec<u8>,
    /// Where each long slot's key bytes start in `keys` (index = slot), or u32::MAX.
    long_at: Box<[u32]>,
}

/// A piece's key and hash, computed once per lookup.
#[derive(Clone, Copy)]
pub struct Probe {
    key: u128,
    hash: u64,
}

impl Probe {
    /// The probe of `bytes[start..end]`, reading the key of a short piece as one 16-byte load
    /// masked to its length when the bytes after it are there to read: a load shaped by the
    /// length (`short_key`) mispredicts a branch whenever a piece's length differs from the
    /// last one's.
    #[inline]
    pub fn at(bytes: &[u8], start: usize, end: usize) -> Probe {
        let n = end - start;
        match bytes.get(start..start + 16) {
            Some(w) if n <= 15 => {
                let word = u128::from_le_bytes(w.try_into().unwrap_or_default());
                let key = (word & ((1u128 << (8 * n)) - 1)) | ((n as u128) << 120);
                Probe { key, hash: fold(key as u64, (key >> 64) as u64) }
            }
            _ => Probe::of(&bytes[start..end]),
        }
    }

    #[inline]
    pub fn of(piece: &[u8]) -> Probe {
        if piece.len() <= 15 {
            let key = short_key(piece);
            Probe { key, hash: fold(key as u64, (key >> 64) as u64) }
        } else {
            let hash = hash_bytes(piece);
            Probe { key: LONG | ((piece.len() as u128) << 64) | hash as u128, hash }
        }
    }
}

/// The two halves of a key folded by one 64 × 64 → 128-bit multiply (the mixer of foldhash
/// and wyhash): each half of the product depends on every input bit, so slots and tags spread
/// even for keys that differ in one byte (digits), for one multiply instead of MurmurHash3's
/// three-step finalizer.
#[inline]
fn fold(lo: u64, hi: u64) -> u64 {
    let p = ((lo ^ 0x243F_6A88_85A3_08D3) as u128) * ((hi ^ 0x9E37_79B9_7F4A_7C15) as u128);
    (p as u64) ^ ((p >> 64) as u64)
}

/// MurmurHash3's 64-bit finalizer: every output bit depends on every input bit, so the
/// home slot (high bits) and the tag (low bits) are independent for similar pieces.
#[inline]
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 33;
    x = x.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    x ^ (x >> 33)
}

fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = 0x243F_6A88_85A3_08D3u64 ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        h = (h ^ u64::from_le_bytes(c.try_into().unwrap_or_default()))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(29);
    }
    mix(h ^ word_of(chunks.remainder()))
}

#[inline]
fn tag_of(hash: u64) -> u8 {
    (hash as u8) | 1
}

/// Bytes of `word` equal to `tag`, as the high bit of each byte (SWAR: no false negatives;
/// a false positive only costs a key compare).
#[inline]
fn matches(word: u64, tag: u8) -> u64 {
    let x = word ^ (0x0101_0101_0101_0101u64 * tag as u64);
    x.wrapping_sub(0x0101_0101_0101_0101) & !x & 0x8080_8080_8080_8080
}

impl WordCache {
    fn new(owner: u64) -> Self {
        WordCache {
            owner,
            tags: vec![0; SLOTS + WINDOW].into_boxed_slice(),
            slots: vec![Slot::default(); SLOTS + WINDOW].into_boxed_slice(),
            spill: Vec::new(),
            keys: Vec::new(),
            long_at: Vec::new().into_boxed_slice(),
        }
    }

    #[inline]
    fn home(hash: u64) -> usize {
        (hash >> (64 - SLOTS.trailing_zeros())) as usize
    }

    /// The slot holding `piece`, if cached.
    #[inline]
    fn find(&self, piece: &[u8], p: Probe) -> Option<usize> {
        let home = Self::home(p.hash);
        let tag = tag_of(p.hash);
        // Most pieces sit in their home slot (`place` fills a window from there). Its tag and
        // its key are read at addresses known from the hash alone, so both loads are in flight
        // at once; the window's tags are read only if that misses.
        if self.tags[home] == tag
            && self.slots[home].key == p.key
            && (p.key & LONG != LONG || self.long_key_is(home, piece))
        {
            return Some(home);
        }
        self.find_in_window(piece, p, home, tag)
    }

    #[inline(never)]
    fn find_in_window(&self, piece: &[u8], p: Probe, home: usize, tag: u8) -> Option<usize> {
        let window = u64::from_le_bytes(self.tags[home..home + WINDOW].try_into().ok()?);
        let mut hits = matches(window, tag);
        while hits != 0 {
            let i = home + (hits.trailing_zeros() / 8) as usize;
            hits &= hits - 1;
            // `matches` can flag the byte above a real match, and that byte may be a slot
            // emptied by `clear` whose stale key is this piece's, with arena offsets from
            // before the clear: only a slot whose own tag matches is live.
            if self.tags[i] == tag && self.slots[i].key == p.key && (p.key & LONG != LONG || self.long_key_is(i, piece))
            {
                return Some(i);
            }
        }
        None
    }

    fn long_key_is(&self, slot: usize, piece: &[u8]) -> bool {
        let at = self.long_at.get(slot).copied().unwrap_or(u32::MAX) as usize;
        self.keys.get(at..at + piece.len()) == Some(piece)
    }

    /// Calls `f(id, start, end)` for each token of a cached piece and returns true; false on
    /// a miss.
    #[inline]
    pub fn get(&self, piece: &[u8], p: Probe, mut f: impl FnMut(u32, u32, u32)) -> bool {
        self.each(piece, p, |id, start, end| {
            f(id, start, end);
            ControlFlow::Continue(())
        })
        .is_some()
    }

    /// `get` for a caller that may stop: `f(id, start, end)` for each token of a cached piece
    /// until it returns `Break`; None on a miss.
    #[inline]
    pub fn each(
        &self,
        piece: &[u8],
        p: Probe,
        mut f: impl FnMut(u32, u32, u32) -> ControlFlow<()>,
    ) -> Option<ControlFlow<()>> {
        let i = self.find(piece, p)?;
        let s = &self.slots[i];
        if s.meta == SPILLED {
            let (at, n) = (s.ids[0] as usize, s.ids[1] as usize);
            let mut start = 0;
            for &(id, end) in &self.spill[at..at + n] {
                if f(id, start, end).is_break() {
                    return Some(ControlFlow::Break(()));
                }
                start = end;
            }
            return Some(ControlFlow::Continue(()));
        }
        let n = s.meta as usize;
        let mut start = 0;
        for k in 0..n {
            let end = if k + 1 == n { piece.len() as u32 } else { s.ends[k] as u32 };
            if f(s.ids[k], start, end).is_break() {
                return Some(ControlFlow::Break(()));
            }
            start = end;
        }
        Some(ControlFlow::Continue(()))
    }

    /// Remembers the tokens of `piece` (contiguous, covering it).
    pub fn put(&mut self, piece: &[u8], p: Probe, tokens: &[Piece]) {
        if tokens.is_empty() || tokens.len() > MAX_TOKENS || piece.len() > MAX_PIECE {
            return;
        }
        let long = p.key & LONG == LONG;
        let inline = tokens.len() <= INLINE && piece.len() <= u8::MAX as usize;
        if (!inline && self.spill.len() + tokens.len() > ARENA) || (long && self.keys.len() + piece.len() > KEY_ARENA) {
            self.clear();
        }
        let i = self.place(piece, p);
        let mut s = Slot { key: p.key, ..Slot::default() };
        if inline {
            s.meta = tokens.len() as u8;
            for (k, &Piece { id, end, .. }) in tokens.iter().enumerate() {
                s.ids[k] = id;
                if k + 1 < tokens.len() {
                    s.ends[k] = end as u8;
                }
            }
        } else {
            s.meta = SPILLED;
            s.ids = [self.spill.len() as u32, tokens.len() as u32, 0];
            self.spill.extend(tokens.iter().map(|t| (t.id, t.end)));
        }
        if long {
            if self.long_at.is_empty() {
                self.long_at = vec![u32::MAX; SLOTS + WINDOW].into_boxed_slice();
            }
            self.long_at[i] = self.keys.len() as u32;
            self.keys.extend_from_slice(piece);
        }
        self.slots[i] = s;
        self.tags[i] = tag_of(p.hash);
    }

    /// The slot a new piece goes to: the first empty one of its window, else one chosen by
    /// the hash (evicting it; a spilled result's arena entries stay until the next clear).
    fn place(&self, piece: &[u8], p: Probe) -> usize {
        if let Some(i) = self.find(piece, p) {
            return i;
        }
        let (hash, home) = (p.hash, Self::home(p.hash));
        match self.tags[home..home + WINDOW].iter().position(|&t| t == 0) {
            Some(k) => home + k,
            None => home + ((hash >> 8) as usize % WINDOW),
        }
    }

    fn clear(&mut self) {
        self.tags.fill(0);
        self.spill.clear();
        self.keys.clear();
    }
}

thread_local! {
    static CACHES: RefCell<Vec<WordCache>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with this thread's cache for `owner` (created on first use; the least recently
/// used of `OWNERS` dropped), or with None if the cache is already borrowed on this thread
/// (a nested call: it then runs uncached).
pub fn with<R>(owner: u64, f: impl FnOnce(Option<&mut WordCache>) -> R) -> R {
    CACHES.with(|cell| {
        let Ok(mut caches) = cell.try_borrow_mut() else { return f(None) };
        let at = match caches.iter().position(|c| c.owner == owner) {
            Some(at) => at,
            None => {
                if caches.len() == OWNERS {
                    caches.pop();
                }
                caches.push(WordCache::new(owner));
                caches.len() - 1
            }
        };
        if at != 0 {
            let cache = caches.remove(at);
            caches.insert(0, cache);
        }
        f(caches.first_mut())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cached(c: &WordCache, piece: &[u8]) -> Option<Vec<Piece>> {
        let mut out = vec![];
        c.get(piece, Probe::of(piece), |id, start, end| out.push(Piece { id, start, end })).then_some(out)
    }

    fn split(piece: &[u8], parts: usize) -> Vec<Piece> {
        let n = piece.len() as u32;
        let parts = (parts as u32).min(n).max(1);
        (0..parts).map(|k| Piece { id: k * 7 + n, start: k * n / parts, end: (k + 1) * n / parts }).collect()
    }

    fn one(id: u32, end: u32) -> Vec<Piece> {
        vec![Piece { id, start: 0, end }]
    }

    #[test]
    fn stores_inline_spilled_short_and_long_pieces() {
        let mut c = WordCache::new(1);
        let pieces: Vec<Vec<u8>> = vec![
            b"a".to_vec(),
            b"hello".to_vec(),
            b"fifteen-bytes!!".to_vec(),
            b"sixteen-bytes!!!".to_vec(),
            vec![b'x'; 300],
            "中文字符的句子很长很长".as_bytes().to_vec(),
        ];
        for piece in &pieces {
            for parts in [1, 2, 3, 4, 9] {
                let toks = split(piece, parts);
                c.put(piece, Probe::of(piece), &toks);
                assert_eq!(cached(&c, piece), Some(toks), "{piece:?} {parts}");
            }
        }
        assert_eq!(cached(&c, b"hell"), None);
        assert_eq!(cached(&c, b"hello\0"), None);
        assert_eq!(cached(&c, &[b'x'; 299]), None);
    }

    #[test]
    fn overfilled_windows_evict_and_never_alias() {
        let mut c = WordCache::new(1);
        let piece = |i: usize| format!("w{i}-{}", "z".repeat(i % 40));
        let n = SLOTS * 3;
        for i in 0..n {
            c.put(piece(i).as_bytes(), Probe::of(piece(i).as_bytes()), &split(piece(i).as_bytes(), i % 6 + 1));
        }
        for i in 0..n {
            if let Some(t) = cached(&c, piece(i).as_bytes()) {
                assert_eq!(t, split(piece(i).as_bytes(), i % 6 + 1));
            }
        }
    }

    #[test]
    fn most_recent_pieces_stay_while_the_arenas_have_room() {
        let mut c = WordCache::new(1);
        let n = SLOTS * 3;
        for i in 0..n {
            let p = format!("{i}");
            c.put(p.as_bytes(), Probe::of(p.as_bytes()), &one(i as u32, p.len() as u32));
        }
        let hits = (n - SLOTS..n).filter(|i| cached(&c, format!("{i}").as_bytes()).is_some()).count();
        assert!(hits > SLOTS / 2, "{hits}");
    }

    #[test]
    fn long_keys_with_equal_hash_fields_are_compared_by_bytes() {
        // Two long pieces forced into one slot with the same key word: the byte compare
        // tells them apart.
        let mut c = WordCache::new(1);
        let (a, b) = (vec![b'a'; 40], vec![b'b'; 40]);
        let p = Probe::of(&a);
        c.put(&a, p, &one(1, 40));
        assert!(!c.get(&b, p, |_, _, _| {}));
        assert_eq!(cached(&c, &a), Some(one(1, 40)));
    }

    #[test]
    fn caches_are_per_owner_and_bounded() {
        for owner in 1..=(OWNERS as u64 + 2) {
            with(owner, |c| c.unwrap().put(b"same", Probe::of(b"same"), &one(owner as u32, 4)));
        }
        with(OWNERS as u64 + 2, |c| assert_eq!(cached(c.unwrap(), b"same"), Some(one(OWNERS as u32 + 2, 4))));
        with(1, |c| assert_eq!(cached(c.unwrap(), b"same"), None));
        CACHES.with_borrow(|caches| assert!(caches.len() <= OWNERS));
        // A nested borrow runs uncached instead of panicking.
        with(1, |outer| {
            assert!(outer.is_some());
            with(1, |inner| assert!(inner.is_none()));
        });
    }

    #[test]
    fn a_cleared_slot_beside_a_tag_match_is_not_a_hit() {
        // A piece whose tag is 1: the SWAR match then also flags a 0 (cleared) tag byte above
        // a real match. Put a different key at its home slot with the same tag, and a stale
        // spilled entry for the piece itself, as `clear` leaves them, one slot above.
        let piece = (0..)
            .map(|n| format!("piece{n}").into_bytes())
            .find(|p| tag_of(Probe::of(p).hash) == 1)
            .expect("one in 128 pieces has tag 1");
        let p = Probe::of(&piece);
        let mut c = WordCache::new(1);
        let home = WordCache::home(p.hash);
        c.slots[home] = Slot { key: p.key ^ 1, meta: 1, ..Slot::default() };
        c.tags[home] = 1;
        c.slots[home + 1] = Slot { key: p.key, meta: SPILLED, ids: [1 << 20, 2, 0], ..Slot::default() };
        c.tags[home + 1] = 0;
        assert!(cached(&c, &piece).is_none());
        // And once put, the piece is found and right.
        let tokens = split(&piece, 5);
        c.put(&piece, p, &tokens);
        assert_eq!(cached(&c, &piece).unwrap(), tokens);
    }

    #[test]
    fn arenas_stay_bounded() {
        let mut c = WordCache::new(1);
        for i in 0..(ARENA / 8) {
            let piece = format!("{i:0>40}");
            c.put(piece.as_bytes(), Probe::of(piece.as_bytes()), &split(piece.as_bytes(), 10));
            assert!(c.spill.len() <= ARENA && c.keys.len() <= KEY_ARENA);
        }
    }
}
