//! Token → id for the vocabulary of a file, as the crate's map answers it, for resolving the
//! merge list at load (`fast/resolve.rs`) and nothing else: it lives only until the merge
//! table is built.
//!
//! Resolving a merge list is ~3 probes per merge (840k for Llama 3's 280k merges) into a
//! table of ~5 MB, and almost every probe misses the caches. Tokens of up to 15 bytes (nearly
//! all) are keyed inline (`hash::short_key`), so a probe reads no key string; the table is
//! open-addressed with linear probing, so a key's slot is known from its hash alone and the
//! callers can ask for it to be fetched (`prefetch`) several probes before they read it. The
//! misses then overlap instead of following one another. hashbrown's table, which the general
//! `ShortMap` uses, hides where a key sits. Longer tokens (15% of o200k's) sit in a second
//! open-addressed table of their bytes, probed and fetched the same way.

use crate::hash::{short_key, FxHasher};
use crate::short_map;
use std::borrow::Cow;
use std::hash::Hasher;

/// Probes in flight (8 and 16 measured the same).
pub const AHEAD: usize = 8;

/// A short key and its id; an all-zero key is an empty slot (the key of "" is zero, so ""
/// is held apart).
#[derive(Clone, Copy)]
struct Slot {
    key: [u32; 4],
    id: u32,
}

const EMPTY: Slot = Slot { key: [0; 4], id: 0 };

/// A token too long to key inline: its bytes (empty in an empty slot: such a token has more
/// than 15), its id, and bits of its hash to pass over most other tokens without reading
/// their bytes.
#[derive(Clone, Copy)]
struct LongSlot<'a> {
    token: &'a [u8],
    tag: u32,
    id: u32,
}

/// Where to find one token: its short key, or the hash of a longer one, and its home slot.
#[derive(Clone, Copy)]
pub enum Probe {
    Short { key: u128, home: usize },
    Long { hash: u64, home: usize },
}

pub struct TokenIds<'a> {
    slots: Box<[Slot]>,
    mask: usize,
    /// The id of "", if the vocabulary has it.
    empty: Option<u32>,
    long: Box<[LongSlot<'a>]>,
    long_mask: usize,
}

/// Slots for `n` keys: a load of at most 0.8.
fn slots_for(n: usize) -> usize {
    (n + n / 4).next_power_of_two().max(16)
}

#[inline]
fn words(key: u128) -> [u32; 4] {
    [key as u32, (key >> 32) as u32, (key >> 64) as u32, (key >> 96) as u32]
}

#[inline]
fn hash(key: u128) -> u64 {
    let mut h = FxHasher::default();
    h.write_u64(key as u64);
    h.write_u64((key >> 64) as u64);
    h.finish()
}

impl<'a> TokenIds<'a> {
    /// From the file's (token, id) entries in file order; a token listed twice keeps its last
    /// id, as the crate's map does.
    pub fn new(vocab: &'a [(Cow<'a, str>, u32)]) -> Self {
        let long = vocab.iter().filter(|(t, _)| t.len() > short_map::MAX).count();
        let (slots, long_slots) = (slots_for(vocab.len() - long), slots_for(long));
        let mut ids = TokenIds {
            slots: vec![EMPTY; slots].into_boxed_slice(),
            mask: slots - 1,
            empty: None,
            long: vec![LongSlot { token: &[], tag: 0, id: 0 }; long_slots].into_boxed_slice(),
            long_mask: long_slots - 1,
        };
        let mut ahead = [Probe::Short { key: 0, home: 0 }; AHEAD];
        for i in 0..vocab.len() + AHEAD {
            // The entry `AHEAD` back is inserted before its ring slot takes this one's probe.
            if let Some(back) = i.checked_sub(AHEAD) {
                let (token, id) = &vocab[back];
                match ahead[back % AHEAD] {
                    Probe::Short { key: 0, .. } => ids.empty = Some(*id),
                    Probe::Short { key, home } => ids.insert(key, home, *id),
                    Probe::Long { hash, home } => ids.insert_long(token.as_bytes(), hash, home, *id),
                }
            }
            if let Some((token, _)) = vocab.get(i) {
                let probe = ids.probe(token.as_bytes());
                ids.prefetch(&probe);
                ahead[i % AHEAD] = probe;
            }
        }
        ids
    }

    /// The probe for `token`.
    #[inline]
    pub fn probe(&self, token: &[u8]) -> Probe {
        if token.len() <= short_map::MAX {
            return self.probe_key(short_key(token));
        }
        let mut h = FxHasher::default();
        h.write(token);
        let hash = h.finish();
        Probe::Long { hash, home: hash as usize & self.long_mask }
    }

    /// The probe for a short key (`hash::short_key`, `hash::joined_short_key`).
    #[inline]
    pub fn probe_key(&self, key: u128) -> Probe {
        Probe::Short { key, home: hash(key) as usize & self.mask }
    }

    /// Asks the CPU to fetch the probe's home slot, to be read a few probes later.
    #[inline]
    pub fn prefetch(&self, probe: &Probe) {
        #[cfg(target_arch = "x86_64")]
        {
            let slot: *const i8 = match *probe {
                Probe::Short { home, .. } => (&self.slots[home] as *const Slot).cast(),
                Probe::Long { home, .. } => (&self.long[home] as *const LongSlot).cast(),
            };
            // SAFETY: a prefetch is a hint that never faults nor changes memory, and `slot`
            // points into one of the tables (indexed, so bounds-checked).
            unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(slot) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = probe;
    }

    fn insert(&mut self, key: u128, home: usize, id: u32) {
        let key = words(key);
        let mut at = home;
        loop {
            let slot = &mut self.slots[at];
            if slot.key == key || slot.key == [0; 4] {
                *slot = Slot { key, id };
                return;
            }
            at = (at + 1) & self.mask;
        }
    }

    /// A long token's slot (its tag: the hash's high half, so not the bits that chose `home`).
    fn insert_long(&mut self, token: &'a [u8], hash: u64, home: usize, id: u32) {
        let tag = (hash >> 32) as u32;
        let mut at = home;
        loop {
            let slot = &mut self.long[at];
            if slot.token.is_empty() || (slot.tag == tag && slot.token == token) {
                *slot = LongSlot { token, tag, id };
                return;
            }
            at = (at + 1) & self.long_mask;
        }
    }

    /// The id `probe` finds; `token` gives the probed token, asked only for a long one.
    #[inline]
    pub fn find<'t>(&self, probe: &Probe, token: impl FnOnce() -> &'t [u8]) -> Option<u32> {
        let (key, home) = match *probe {
            Probe::Short { key: 0, .. } => return self.empty,
            Probe::Short { key, home } => (words(key), home),
            Probe::Long { hash, home } => return self.find_long(hash, home, token),
        };
        let mut at = home;
        loop {
            let slot = &self.slots[at];
            if slot.key == key {
                return Some(slot.id);
            }
            if slot.key == [0; 4] {
                return None;
            }
            at = (at + 1) & self.mask;
        }
    }

    #[inline]
    fn find_long<'t>(&self, hash: u64, home: usize, token: impl FnOnce() -> &'t [u8]) -> Option<u32> {
        let (tag, mut at, mut token, mut asked) = ((hash >> 32) as u32, home, &[][..], Some(token));
        loop {
            let slot = &self.long[at];
            if slot.token.is_empty() {
                return None;
            }
            if slot.tag == tag {
                if let Some(ask) = asked.take() {
                    token = ask();
                }
                if slot.token == token {
                    return Some(slot.id);
                }
            }
            at = (at + 1) & self.long_mask;
        }
    }

    /// The id of `token`.
    pub fn get(&self, token: &[u8]) -> Option<u32> {
        self.find(&self.probe(token), || token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every token is found with its last id, "" and long tokens included, and a table
    /// packed to its load limit (colliding homes, wrapping past the end) still finds them.
    #[test]
    fn finds_every_token_with_its_last_id() {
        let mut vocab: Vec<(Cow<str>, u32)> = (0..5000).map(|i| (Cow::Owned(format!("t{i}")), i)).collect();
        vocab.push((Cow::Borrowed(""), 7000));
        vocab.push((Cow::Borrowed("a token longer than fifteen bytes"), 7001));
        vocab.push((Cow::Borrowed("t17"), 7002));
        vocab.push((Cow::Borrowed("a token longer than fifteen bytes"), 7003));
        let ids = TokenIds::new(&vocab);
        assert_eq!(ids.slots.len(), 8192);
        for i in (0..5000).filter(|&i| i != 17) {
            assert_eq!(ids.get(format!("t{i}").as_bytes()), Some(i));
        }
        assert_eq!(ids.get(b"t17"), Some(7002));
        assert_eq!(ids.get(b""), Some(7000));
        assert_eq!(ids.get(b"a token longer than fifteen bytes"), Some(7003));
        assert_eq!(ids.get(b"t5000"), None);
        assert_eq!(ids.get(b"another long token, not in it"), None);
        let full: Vec<(Cow<str>, u32)> = (0..12).map(|i| (Cow::Owned(format!("{i}")), i)).collect();
        let ids = TokenIds::new(&full);
        assert_eq!(ids.slots.len(), 16);
        assert!((0..12).all(|i| ids.get(format!("{i}").as_bytes()) == Some(i)));
        assert!((12..40).all(|i| ids.get(format!("{i}").as_bytes()).is_none()));
    }

    /// Long tokens in numbers that make their table collide and wrap: each found with its
    /// last id, and strings that share a prefix or length with them are not.
    #[test]
    fn finds_long_tokens_in_a_crowded_table() {
        let mut vocab: Vec<(Cow<str>, u32)> =
            (0..2800).map(|i| (Cow::Owned(format!("a long token, number {i:05}")), i)).collect();
        vocab.extend((0..2800).step_by(7).map(|i| (Cow::Owned(format!("a long token, number {i:05}")), 10_000 + i)));
        vocab.push((Cow::Borrowed("short"), 9999));
        let ids = TokenIds::new(&vocab);
        assert_eq!(ids.long.len(), 4096);
        for i in 0..2800 {
            let want = if i % 7 == 0 { 10_000 + i } else { i };
            assert_eq!(ids.get(format!("a long token, number {i:05}").as_bytes()), Some(want), "{i}");
        }
        for miss in ["a long token, number 02800", "a long token, number 0000", "a long token, number 000000"] {
            assert_eq!(ids.get(miss.as_bytes()), None, "{miss}");
        }
        assert_eq!(ids.get(b"short"), Some(9999));
    }

    #[test]
    fn no_empty_token_unless_listed() {
        let vocab = [(Cow::Borrowed("a"), 0)];
        assert_eq!(TokenIds::new(&vocab).get(b""), None);
    }
}
