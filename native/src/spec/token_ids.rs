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
//! `ShortMap` uses, hides where a key sits.

use crate::hash::{short_key, FxHashMap, FxHasher};
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

/// Where to find one token: its short key and home slot, or a token too long to key inline.
#[derive(Clone, Copy)]
pub enum Probe {
    Short { key: u128, home: usize },
    Long,
}

pub struct TokenIds<'a> {
    slots: Box<[Slot]>,
    mask: usize,
    /// The id of "", if the vocabulary has it.
    empty: Option<u32>,
    long: FxHashMap<&'a [u8], u32>,
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
        let slots = (vocab.len() + vocab.len() / 4).next_power_of_two().max(16);
        let mut ids = TokenIds {
            slots: vec![EMPTY; slots].into_boxed_slice(),
            mask: slots - 1,
            empty: None,
            long: FxHashMap::default(),
        };
        // 15% of o200k's tokens are long: the map grown insert by insert rehashed ~12 times.
        ids.long.reserve(vocab.iter().filter(|(t, _)| t.len() > short_map::MAX).count());
        let mut ahead = [Probe::Long; AHEAD];
        for i in 0..vocab.len() + AHEAD {
            // The entry `AHEAD` back is inserted before its ring slot takes this one's probe.
            if let Some(back) = i.checked_sub(AHEAD) {
                let (token, id) = &vocab[back];
                match ahead[back % AHEAD] {
                    Probe::Short { key: 0, .. } => ids.empty = Some(*id),
                    Probe::Short { key, home } => ids.insert(key, home, *id),
                    Probe::Long => drop(ids.long.insert(token.as_bytes(), *id)),
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
        match token.len() <= short_map::MAX {
            true => self.probe_key(short_key(token)),
            false => Probe::Long,
        }
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
        if let Probe::Short { home, .. } = *probe {
            let slot: *const Slot = &self.slots[home];
            // SAFETY: a prefetch is a hint that never faults nor changes memory, and `slot`
            // points into `self.slots` (indexed, so bounds-checked).
            unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(slot.cast()) };
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

    /// The id `probe` finds; `token` gives the probed token, asked only for a long one.
    #[inline]
    pub fn find<'t>(&self, probe: &Probe, token: impl FnOnce() -> &'t [u8]) -> Option<u32> {
        let (key, home) = match *probe {
            Probe::Short { key: 0, .. } => return self.empty,
            Probe::Short { key, home } => (words(key), home),
            Probe::Long => return self.long.get(token()).copied(),
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

    #[test]
    fn no_empty_token_unless_listed() {
        let vocab = [(Cow::Borrowed("a"), 0)];
        assert_eq!(TokenIds::new(&vocab).get(b""), None);
    }
}
