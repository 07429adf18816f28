//! A per-thread cache of whole SentencePiece stretches (the text between two added tokens):
//! stretch bytes → its tokens, each an id and a byte span inside the stretch.
//!
//! A SentencePiece BPE model has no pre-tokenizer, so the stretch is its unit of work, and
//! the unit Hugging Face 1.0's word cache keeps for these models. Text that comes back whole
//! — the same document or system prompt counted again, the earlier turns of a conversation
//! encoded again with a new one (the chat template's special tokens end each turn's stretch)
//! — is then answered by one hash, one byte compare and a copy, instead of its words' walk.
//! Keys are compared byte for byte, never trusted to the hash.
//!
//! Bounds: only stretches of at least `MIN_BYTES` are kept (a shorter one is a few words,
//! which the word cache answers); at most `BUDGET` bytes per thread across tokenizers (key
//! bytes plus 12 per token), the oldest entries dropped first; an entry that would take more
//! than a quarter of the budget is not kept.

use crate::hash::FxHashMap;
use std::cell::RefCell;
use std::collections::VecDeque;

/// Shortest stretch kept.
pub const MIN_BYTES: usize = 256;
/// Bytes of entries kept per thread.
const BUDGET: usize = 16 << 20;
/// Longest stretch kept (its entry costs more than its bytes).
pub const MAX_BYTES: usize = BUDGET / 4;
/// Largest token buffer kept between stretches (3 MiB).
const KEEP_SPANS: usize = 1 << 18;
/// Per-token cost of an entry: `Span`.
const SPAN_BYTES: usize = std::mem::size_of::<Span>();

/// One token of a cached stretch; `start..end` is its byte span inside the stretch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub id: u32,
    pub start: u32,
    pub end: u32,
}

/// Which stretch is looked up: the tokenizer (`owner`), whether its first word takes a
/// leading `▁`, and its bytes; the hash of all three, computed once per lookup.
pub struct Key<'a> {
    owner: u64,
    prepend: bool,
    bytes: &'a [u8],
    hash: u64,
}

impl<'a> Key<'a> {
    pub fn of(owner: u64, prepend: bool, bytes: &'a [u8]) -> Key<'a> {
        use std::hash::Hasher;
        let mut h = crate::hash::FxHasher::default();
        h.write_u64(owner);
        h.write_u64(prepend as u64);
        h.write(bytes);
        Key { owner, prepend, bytes, hash: h.finish() }
    }
}

struct Entry {
    owner: u64,
    prepend: bool,
    key: Box<[u8]>,
    spans: Box<[Span]>,
}

impl Entry {
    fn cost(&self) -> usize {
        self.key.len() + self.spans.len() * SPAN_BYTES
    }
}

#[derive(Default)]
pub struct StretchCache {
    /// Entries by key hash; a different stretch with the same hash replaces the entry.
    entries: FxHashMap<u64, Entry>,
    /// Hashes in the order their entries were made, oldest first.
    order: VecDeque<u64>,
    /// Sum of the entries' `cost`.
    bytes: usize,
    /// A reused buffer for the tokens of a stretch being tokenized (`take_scratch`): a long
    /// stretch would otherwise pay a fresh allocation, and its page faults, on every miss.
    scratch: Vec<Span>,
}

impl StretchCache {
    /// The tokens of the stretch `key` names, if it was kept.
    pub fn get(&self, key: &Key) -> Option<&[Span]> {
        let e = self.entries.get(&key.hash)?;
        (e.owner == key.owner && e.prepend == key.prepend && *e.key == *key.bytes).then_some(&*e.spans)
    }

    /// An empty buffer to collect a stretch's tokens in; hand it back with `give_scratch`.
    pub fn take_scratch(&mut self) -> Vec<Span> {
        let mut v = std::mem::take(&mut self.scratch);
        v.clear();
        v
    }

    /// Takes the buffer back for the next stretch, unless it grew past `KEEP_SPANS`.
    pub fn give_scratch(&mut self, v: Vec<Span>) {
        if v.capacity() <= KEEP_SPANS {
            self.scratch = v;
        }
    }

    /// Keeps `spans` as the tokens of the stretch `key` names, dropping the oldest entries
    /// to stay within the budget.
    pub fn put(&mut self, key: &Key, spans: &[Span]) {
        let entry = Entry { owner: key.owner, prepend: key.prepend, key: key.bytes.into(), spans: spans.into() };
        let cost = entry.cost();
        if cost > MAX_BYTES {
            return;
        }
        while self.bytes + cost > BUDGET {
            let Some(oldest) = self.order.pop_front() else { break };
            if let Some(e) = self.entries.remove(&oldest) {
                self.bytes -= e.cost();
            }
        }
        match self.entries.insert(key.hash, entry) {
            // the hash is already in `order`
            Some(replaced) => self.bytes -= replaced.cost(),
            None => self.order.push_back(key.hash),
        }
        self.bytes += cost;
    }
}

thread_local! {
    static CACHE: RefCell<StretchCache> = RefCell::new(StretchCache::default());
}

/// `f` with this thread's cache; None while it is borrowed already (a nested call).
pub fn with<R>(f: impl FnOnce(Option<&mut StretchCache>) -> R) -> R {
    CACHE.with(|cell| match cell.try_borrow_mut() {
        Ok(mut cache) => f(Some(&mut cache)),
        Err(_) => f(None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(n: usize) -> Vec<Span> {
        (0..n as u32).map(|i| Span { id: i, start: i, end: i + 1 }).collect()
    }

    #[test]
    fn keeps_and_finds_by_owner_prepend_and_bytes() {
        let mut c = StretchCache::default();
        let text = "x".repeat(300);
        c.put(&Key::of(1, true, text.as_bytes()), &spans(3));
        assert_eq!(c.get(&Key::of(1, true, text.as_bytes())), Some(&spans(3)[..]));
        assert_eq!(c.get(&Key::of(2, true, text.as_bytes())), None);
        assert_eq!(c.get(&Key::of(1, false, text.as_bytes())), None);
        assert_eq!(c.get(&Key::of(1, true, "y".repeat(300).as_bytes())), None);
    }

    #[test]
    fn a_hash_collision_is_never_a_hit() {
        let mut c = StretchCache::default();
        let (a, b) = ("a".repeat(300), "b".repeat(300));
        let ka = Key::of(1, false, a.as_bytes());
        c.put(&ka, &spans(2));
        // b's lookup forced onto a's hash: the bytes differ, so no hit
        let kb = Key { hash: ka.hash, ..Key::of(1, false, b.as_bytes()) };
        assert_eq!(c.get(&kb), None);
        c.put(&kb, &spans(5));
        assert_eq!(c.get(&kb), Some(&spans(5)[..]));
        assert_eq!(c.get(&ka), None);
        assert_eq!(c.bytes, 300 + 5 * SPAN_BYTES);
        assert_eq!(c.order.len(), 1);
    }

    #[test]
    fn stays_within_the_budget_dropping_the_oldest() {
        let mut c = StretchCache::default();
        let texts: Vec<String> = (0..64).map(|i| format!("{i:04}").repeat(BUDGET / 16 / 4)).collect();
        for t in &texts {
            c.put(&Key::of(7, true, t.as_bytes()), &spans(10));
            assert!(c.bytes <= BUDGET);
        }
        let kept: Vec<bool> = texts.iter().map(|t| c.get(&Key::of(7, true, t.as_bytes())).is_some()).collect();
        let first_kept = kept.iter().position(|&k| k).unwrap();
        assert!(first_kept > 0 && kept[first_kept..].iter().all(|&k| k), "{kept:?}");
        assert_eq!(c.bytes, c.entries.values().map(Entry::cost).sum::<usize>());
    }

    #[test]
    fn an_entry_over_a_quarter_of_the_budget_is_not_kept() {
        let mut c = StretchCache::default();
        let big = vec![b'z'; BUDGET / 4 + 1];
        c.put(&Key::of(1, false, &big), &[]);
        assert_eq!(c.get(&Key::of(1, false, &big)), None);
        assert_eq!(c.bytes, 0);
    }
}
