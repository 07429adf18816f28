//! A per-thread, fixed-size cache of merged pieces: piece bytes → the tokens BPE merged it
//! into. Words repeat (a document's vocabulary is a few thousand words over tens of
//! thousands of occurrences), and a piece that is not itself a vocabulary entry costs a
//! dozen or more merge steps, each a hash probe. Whole-vocabulary pieces never get here
//! (bpe.rs answers them with one probe), so the cache holds only the expensive ones.
//!
//! Direct-mapped: a piece hashes to one slot, a newer piece evicts an older one. No lock
//! (each thread has its own), no growth (`SLOTS` × 128 bytes = 256 KiB per thread that
//! tokenizes), no allocation after the first use. Entries are keyed by the owning `Bpe`'s
//! id as well as the bytes, so tokenizers used in turn on one thread share the slots
//! without ever seeing each other's entries.
//!
//! Measured (Llama 3, `profile_count` on ../shared/corpus/long, Rust): see fast/mod.rs.

use super::hash::word_of;
use std::cell::RefCell;

/// Longest piece cached, in bytes (the key holds the bytes and their length in 32 bytes).
pub const MAX_PIECE: usize = 31;
/// Most tokens a cached piece may have merged into.
pub const MAX_TOKENS: usize = 15;
const SLOTS: usize = 2048;

#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Slot {
    owner: u64,
    key: [u64; 4],
    n: u8,
    /// End byte of each token in the piece; a token starts where the previous one ends.
    ends: [u8; MAX_TOKENS],
    ids: [u32; MAX_TOKENS],
}

const EMPTY: Slot = Slot { owner: 0, key: [0; 4], n: 0, ends: [0; MAX_TOKENS], ids: [0; MAX_TOKENS] };

thread_local! {
    static SLOTS_OF_THREAD: RefCell<Option<Box<[Slot]>>> = const { RefCell::new(None) };
}

/// The cache key of a piece of at most `MAX_PIECE` bytes: its bytes in four little-endian
/// words, zero-padded, with the length in the last byte.
#[inline]
pub fn key_of(piece: &[u8]) -> [u64; 4] {
    let n = piece.len();
    let mut key: [u64; 4] = std::array::from_fn(|i| word_of(&piece[(8 * i).min(n)..(8 * i + 8).min(n)]));
    key[3] |= (n as u64) << 56;
    key
}

#[inline]
fn slot_of(owner: u64, key: &[u64; 4]) -> usize {
    let mut h = owner.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for &w in key {
        h = (h.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    (h >> (64 - SLOTS.trailing_zeros())) as usize
}

/// Calls `f(id, start, end)` for each cached token of the piece and returns true, or
/// returns false on a miss. `owner` is never 0 (0 marks an empty slot).
#[inline]
pub fn get(owner: u64, key: &[u64; 4], mut f: impl FnMut(u32, u32, u32)) -> bool {
    SLOTS_OF_THREAD.with_borrow(|slots| {
        let Some(slots) = slots else { return false };
        let s = &slots[slot_of(owner, key)];
        if s.owner != owner || s.key != *key {
            return false;
        }
        let mut start = 0;
        for i in 0..s.n as usize {
            f(s.ids[i], start, s.ends[i] as u32);
            start = s.ends[i] as u32;
        }
        true
    })
}

/// Stores the tokens `(id, start, end)` of a piece; a piece with more than `MAX_TOKENS`
/// tokens is not stored.
pub fn put(owner: u64, key: &[u64; 4], tokens: impl ExactSizeIterator<Item = (u32, u32, u32)>) {
    if tokens.len() > MAX_TOKENS {
        return;
    }
    SLOTS_OF_THREAD.with_borrow_mut(|slots| {
        let slots = slots.get_or_insert_with(|| vec![EMPTY; SLOTS].into_boxed_slice());
        let s = &mut slots[slot_of(owner, key)];
        *s = Slot { owner, key: *key, n: tokens.len() as u8, ..EMPTY };
        for (i, (id, _, end)) in tokens.enumerate() {
            s.ids[i] = id;
            s.ends[i] = end as u8;
        }
    })
}

/// Slots of the hot-piece table: 4096 × 32 bytes = 128 KiB per thread, small enough to stay
/// in L2 beside the byte-pair table.
const HOT_SLOTS: usize = 4096;

/// A short piece (its `hash::short_key`) that is itself a reachable vocabulary entry, and
/// its id. The whole-piece map holds every entry, but over ~8 MB (Llama 3): each probe is
/// two cache misses (control bytes, then bucket), which perf put at ~60% of `Whole::get`
/// and `Whole::get` at a fifth of a long-document encode. A document's frequent words are a
/// few thousand, so a small direct-mapped copy of the ones seen last answers most probes
/// from one line that is already in cache.
#[derive(Clone, Copy)]
#[repr(C, align(32))]
struct HotSlot {
    key: u128,
    owner: u64,
    id: u32,
}

const HOT_EMPTY: HotSlot = HotSlot { key: 0, owner: 0, id: 0 };

thread_local! {
    static HOT_OF_THREAD: RefCell<Option<Box<[HotSlot]>>> = const { RefCell::new(None) };
}

#[inline]
fn hot_slot(owner: u64, key: u128) -> usize {
    let h = ((key as u64) ^ owner.rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (key >> 64) as u64;
    (h.wrapping_mul(0x51_7c_c1_b7_27_22_0a_95) >> (64 - HOT_SLOTS.trailing_zeros())) as usize
}

/// The id `hot_put` stored for this owner's short-piece key, if its slot still holds it.
#[inline]
pub fn hot_get(owner: u64, key: u128) -> Option<u32> {
    HOT_OF_THREAD.with_borrow(|slots| {
        let s = &slots.as_ref()?[hot_slot(owner, key)];
        (s.owner == owner && s.key == key).then_some(s.id)
    })
}

/// Remembers that a short piece is the single token `id` (evicting the slot's last piece).
#[inline]
pub fn hot_put(owner: u64, key: u128, id: u32) {
    HOT_OF_THREAD.with_borrow_mut(|slots| {
        let slots = slots.get_or_insert_with(|| vec![HOT_EMPTY; HOT_SLOTS].into_boxed_slice());
        slots[hot_slot(owner, key)] = HotSlot { key, owner, id };
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cached(owner: u64, piece: &[u8]) -> Option<Vec<(u32, u32, u32)>> {
        let mut out = vec![];
        get(owner, &key_of(piece), |id, s, e| out.push((id, s, e))).then_some(out)
    }

    #[test]
    fn stores_and_returns_tokens_per_owner() {
        let toks = [(7, 0, 2), (9, 2, 5)];
        put(1, &key_of(b"hello"), toks.into_iter());
        assert_eq!(cached(1, b"hello"), Some(toks.to_vec()));
        assert_eq!(cached(2, b"hello"), None);
        assert_eq!(cached(1, b"hell"), None);
        assert_eq!(cached(1, b"hello\0"), None);
    }

    #[test]
    fn hot_pieces_are_per_owner_and_never_alias() {
        use crate::fast::hash::short_key;
        for i in 0..(HOT_SLOTS as u32 * 4) {
            hot_put(5, short_key(format!("h{i}").as_bytes()), i);
        }
        let mut hits = 0;
        for i in 0..(HOT_SLOTS as u32 * 4) {
            let key = short_key(format!("h{i}").as_bytes());
            if let Some(id) = hot_get(5, key) {
                assert_eq!(id, i);
                hits += 1;
            }
            assert_eq!(hot_get(6, key), None);
        }
        assert!(hits > HOT_SLOTS / 2, "{hits}");
    }

    #[test]
    fn too_many_tokens_are_not_stored() {
        let piece = [b'x'; 20];
        put(3, &key_of(&piece), (0..20).map(|i| (i, i, i + 1)));
        assert_eq!(cached(3, &piece), None);
    }

    #[test]
    fn a_colliding_piece_evicts_and_never_aliases() {
        // Fill far more pieces than slots; every hit must return what was stored for it.
        for i in 0..(SLOTS as u32 * 4) {
            let piece = format!("w{i}");
            put(4, &key_of(piece.as_bytes()), [(i, 0, piece.len() as u32)].into_iter());
        }
        for i in 0..(SLOTS as u32 * 4) {
            let piece = format!("w{i}");
            if let Some(t) = cached(4, piece.as_bytes()) {
                assert_eq!(t, vec![(i, 0, piece.len() as u32)]);
            }
        }
    }
}
