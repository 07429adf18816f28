//! Short byte string → u32 id, for strings of up to `MAX` bytes: nearly every token of a
//! vocabulary, and nearly every piece a pre-tokenizer cuts.
//!
//! The key is the string's bytes, zero-padded, with its length in the top byte
//! (`hash::short_key`), so a probe hashes two words and compares one key instead of hashing a
//! slice and calling memcmp, and no key points into other memory. It is held as four u32, so
//! a slot is 20 bytes: keyed by a u128 (16-byte aligned), a slot is 32 bytes, and o200k's
//! vocabulary table was 8 MB instead of 5 — memory that every load faults in and every lookup
//! of a cold pass misses in cache.

use crate::hash::{short_key, FxHasher};
use hashbrown::hash_table::{Entry, HashTable};
use std::hash::Hasher;

/// Longest string a `ShortMap` holds.
pub const MAX: usize = 15;

#[derive(Clone, Copy)]
struct Slot {
    key: [u32; 4],
    id: u32,
}

pub struct ShortMap {
    table: HashTable<Slot>,
}

#[inline]
fn key_of(bytes: &[u8]) -> [u32; 4] {
    words(short_key(bytes))
}

#[inline]
fn words(k: u128) -> [u32; 4] {
    [k as u32, (k >> 32) as u32, (k >> 64) as u32, (k >> 96) as u32]
}

#[inline]
fn hash(key: &[u32; 4]) -> u64 {
    let mut h = FxHasher::default();
    h.write_u64(key[0] as u64 | (key[1] as u64) << 32);
    h.write_u64(key[2] as u64 | (key[3] as u64) << 32);
    h.finish()
}

impl ShortMap {
    pub fn with_capacity(n: usize) -> Self {
        ShortMap { table: HashTable::with_capacity(n) }
    }

    /// Maps `bytes` (at most `MAX` of them) to `id`; a later insert of the same string
    /// replaces the id, as in the crate's vocabulary map.
    pub fn insert(&mut self, bytes: &[u8], id: u32) {
        assert!(bytes.len() <= MAX, "ShortMap key of {} bytes", bytes.len());
        self.insert_key(short_key(bytes), id);
    }

    /// `insert` of the string whose `hash::short_key` is `key`.
    pub fn insert_key(&mut self, key: u128, id: u32) {
        let key = words(key);
        match self.table.entry(hash(&key), |s| s.key == key, |s| hash(&s.key)) {
            Entry::Occupied(mut e) => e.get_mut().id = id,
            Entry::Vacant(e) => {
                e.insert(Slot { key, id });
            }
        }
    }

    /// The id of `bytes`; None for a string not inserted (or longer than `MAX`).
    #[inline]
    pub fn get(&self, bytes: &[u8]) -> Option<u32> {
        if bytes.len() > MAX {
            return None;
        }
        let key = key_of(bytes);
        self.table.find(hash(&key), |s| s.key == key).map(|s| s.id)
    }

    /// Every (string, id), in no particular order; the string is `bytes[..len]` of the first
    /// element.
    pub fn iter(&self) -> impl Iterator<Item = (([u8; 16], usize), u32)> + '_ {
        self.table.iter().map(|s| {
            let k = s.key[0] as u128 | (s.key[1] as u128) << 32 | (s.key[2] as u128) << 64 | (s.key[3] as u128) << 96;
            let bytes = k.to_le_bytes();
            ((bytes, bytes[15] as usize), s.id)
        })
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_every_length_and_the_later_insert_wins() {
        let mut m = ShortMap::with_capacity(4);
        let words: Vec<Vec<u8>> = (0..=MAX).map(|n| (1..=n as u8).map(|b| b.wrapping_mul(37)).collect()).collect();
        for (i, w) in words.iter().enumerate() {
            m.insert(w, i as u32);
        }
        // A prefix, a zero byte and the empty string are all distinct keys.
        m.insert(b"\0", 100);
        for (i, w) in words.iter().enumerate() {
            assert_eq!(m.get(w), Some(i as u32), "{w:?}");
        }
        assert_eq!(m.get(b"\0"), Some(100));
        assert_eq!(m.get(b"\0\0"), None);
        assert_eq!(m.get(&[7; MAX + 1]), None);
        m.insert(&words[3], 7);
        assert_eq!(m.get(&words[3]), Some(7));
        assert_eq!(m.len(), MAX + 2);
        let mut all: Vec<(Vec<u8>, u32)> = m.iter().map(|((b, n), id)| (b[..n].to_vec(), id)).collect();
        all.sort();
        let mut want: Vec<(Vec<u8>, u32)> = words.iter().enumerate().map(|(i, w)| (w.clone(), i as u32)).collect();
        want[3].1 = 7;
        want.push((vec![0], 100));
        want.sort();
        assert_eq!(all, want);
    }

    #[test]
    #[should_panic(expected = "ShortMap key of 16 bytes")]
    fn a_long_key_is_refused() {
        ShortMap::with_capacity(1).insert(&[1; 16], 0);
    }
}
