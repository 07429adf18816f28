//! A BPE model's vocabulary, answered exactly as the crate's model answers it, from one
//! string buffer and an index of ids — the shell tokenizer's stand-in model (spec.rs).
//!
//! The shell used to carry a `WordLevel` over the whole vocabulary only so that the crate
//! could answer `token_to_id`, `id_to_token`, `get_vocab` and assign added-token ids. That is
//! two `String`-keyed maps (token → id and id → token), one heap string per entry in each: on
//! Llama 3, ~24 MB and ~30 ms of a load, beside the fast path's own copy of the same strings.
//! Here the strings are the fast path's `TokenStrings` (one buffer), and token → id is a
//! table of 4-byte ids keyed by the hash of their string: ~1.3 MB for 128k tokens.
//!
//! The crate's semantics, entry by entry (`BPE::new`'s maps built from the file's vocab):
//! - token → id: a token listed twice keeps its last id (a map insert per entry);
//! - id → token: the reverse of that map, so an id only a replaced entry had has no token;
//!   two tokens with one id leave one of them (the crate's pick follows its hash order; ours
//!   is the later entry) — and the other stays reachable by token (`aliases`);
//! - size: the number of distinct tokens.

use super::strings::TokenStrings;
use crate::hash::FxHasher;
use hashbrown::HashTable;
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use tokenizers::models::wordlevel::WordLevelTrainer;
use tokenizers::{Model, Token};

pub struct ModelVocab {
    /// Token string by id; "" where `present` says no token (or the token is "").
    tokens: TokenStrings,
    /// Bit per id: the id has a token.
    present: Vec<u64>,
    /// Ids, found by the hash of `tokens[id]`.
    index: HashTable<u32>,
    /// Tokens whose id's string slot holds another token (two tokens with one id); almost
    /// always empty.
    aliases: HashMap<Box<str>, u32>,
    /// Distinct tokens: the crate's `get_vocab_size`.
    len: usize,
}

#[inline]
fn hash(s: &str) -> u64 {
    hash_bytes(s.as_bytes())
}

#[inline]
fn hash_bytes(s: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(s);
    h.finish()
}

impl ModelVocab {
    /// From the file's (token, id) entries in file order; None if the strings total 4 GiB.
    pub fn new(entries: &[(Cow<str>, u32)]) -> Option<Self> {
        Self::one_to_one(entries).or_else(|| Self::exact(entries))
    }

    /// The common case — every token listed once, every id once — in one pass over the ids;
    /// None at the first repeat. Llama 3: 7.2 ms, where `exact` takes 11.4.
    fn one_to_one(entries: &[(Cow<str>, u32)]) -> Option<Self> {
        const NONE: u32 = u32::MAX;
        let slots = entries.iter().map(|&(_, id)| id as usize + 1).max().unwrap_or(0);
        let (mut by_id, mut total) = (vec![NONE; slots], 0);
        for (i, (token, id)) in entries.iter().enumerate() {
            let slot = &mut by_id[*id as usize];
            if *slot != NONE {
                return None;
            }
            *slot = i as u32;
            total += token.len();
        }
        let token = |e: u32| if e == NONE { "" } else { entries[e as usize].0.as_ref() };
        let tokens = TokenStrings::in_id_order(total, by_id.iter().map(|&e| token(e)))?;
        let mut present = vec![0u64; slots.div_ceil(64)];
        let mut index = HashTable::with_capacity(entries.len());
        for (id, &e) in by_id.iter().enumerate() {
            if e == NONE {
                continue;
            }
            present[id / 64] |= 1 << (id % 64);
            let t = token(e);
            match index.entry(hash(t), |&i| &tokens[i as usize] == t, |&i| hash(&tokens[i as usize])) {
                hashbrown::hash_table::Entry::Occupied(_) => return None,
                hashbrown::hash_table::Entry::Vacant(v) => v.insert(id as u32),
            };
        }
        Some(ModelVocab { tokens, present, index, aliases: HashMap::new(), len: entries.len() })
    }

    /// Any entries, with the crate's semantics for repeats (see the module notes).
    fn exact(entries: &[(Cow<str>, u32)]) -> Option<Self> {
        let live = last_entry_of_each_token(entries);
        let kept = || entries.iter().zip(&live).filter(|(_, &keep)| keep).map(|((t, id), _)| (t.as_ref(), *id));
        let slots = kept().map(|(_, id)| id as usize + 1).max().unwrap_or(0);
        let tokens = TokenStrings::new(slots, kept())?;
        let mut present = vec![0u64; slots.div_ceil(64)];
        let mut index = HashTable::with_capacity(entries.len());
        let (mut aliases, mut len) = (HashMap::new(), 0);
        for (token, id) in kept() {
            len += 1;
            let bit = &mut present[id as usize / 64];
            if *bit & 1 << (id % 64) == 0 && &tokens[id as usize] == token {
                *bit |= 1 << (id % 64);
                index.insert_unique(hash(token), id, |&i| hash(&tokens[i as usize]));
            } else {
                aliases.insert(token.into(), id);
            }
        }
        Some(ModelVocab { tokens, present, index, aliases, len })
    }

    /// The token strings by id (an Encoding's `tokens`).
    pub fn tokens(&self) -> &TokenStrings {
        &self.tokens
    }

    #[inline]
    fn has(&self, id: u32) -> bool {
        self.present.get(id as usize / 64).is_some_and(|w| w & 1 << (id % 64) != 0)
    }

    pub fn id(&self, token: &str) -> Option<u32> {
        self.id_of_bytes(token.as_bytes())
    }

    /// `id` of a token given as its UTF-8 bytes (none matches bytes that are not UTF-8).
    #[inline]
    pub fn id_of_bytes(&self, token: &[u8]) -> Option<u32> {
        let found = self.index.find(hash_bytes(token), |&i| self.tokens[i as usize].as_bytes() == token);
        found.copied().or_else(|| {
            if self.aliases.is_empty() {
                None
            } else {
                self.aliases.get(std::str::from_utf8(token).ok()?).copied()
            }
        })
    }

    pub fn token(&self, id: u32) -> Option<&str> {
        self.has(id).then(|| &self.tokens[id as usize])
    }

    /// Every (token, id) pair of the vocabulary, in no particular order.
    pub fn for_each(&self, mut f: impl FnMut(&str, u32)) {
        for id in 0..self.tokens.len() as u32 {
            if self.has(id) {
                f(&self.tokens[id as usize], id);
            }
        }
        for (token, &id) in &self.aliases {
            f(token, id);
        }
    }
}

/// `keep[i]`: entry i is its token's last entry (the one the crate's map keeps).
fn last_entry_of_each_token(entries: &[(Cow<str>, u32)]) -> Vec<bool> {
    let mut keep = vec![true; entries.len()];
    let mut seen: HashTable<u32> = HashTable::with_capacity(entries.len());
    let text = |i: u32| entries[i as usize].0.as_ref();
    for (i, (token, _)) in entries.iter().enumerate() {
        let h = hash(token);
        match seen.find_mut(h, |&j| text(j) == token) {
            Some(j) => {
                keep[*j as usize] = false;
                *j = i as u32;
            }
            None => {
                seen.insert_unique(h, i as u32, |&j| hash(text(j)));
            }
        }
    }
    keep
}

/// The crate asks the shell's model through this trait: added-token ids at load
/// (`AddedVocabulary::add_tokens`), and token ↔ id lookups. It never encodes with it.
impl Model for ModelVocab {
    type Trainer = WordLevelTrainer;

    fn tokenize(&self, _: &str) -> tokenizers::Result<Vec<Token>> {
        Err("the shell's vocabulary does not tokenize; the fast path or the crate's model does".into())
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.id(token)
    }

    fn id_to_token(&self, id: u32) -> Option<String> {
        self.token(id).map(str::to_string)
    }

    fn get_vocab(&self) -> HashMap<String, u32> {
        let mut out = HashMap::with_capacity(self.len);
        self.for_each(|t, id| {
            out.insert(t.to_string(), id);
        });
        out
    }

    fn get_vocab_size(&self) -> usize {
        self.len
    }

    fn save(&self, _: &Path, _: Option<&str>) -> tokenizers::Result<Vec<PathBuf>> {
        Err("the shell's vocabulary is not saved on its own".into())
    }

    fn get_trainer(&self) -> WordLevelTrainer {
        WordLevelTrainer::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokenizers::models::bpe::BPE;

    /// The crate's own BPE over the same entries (as its deserializer builds the map: one
    /// insert per entry, in order) is the reference.
    fn crate_model(entries: &[(Cow<str>, u32)]) -> BPE {
        let vocab: tokenizers::models::bpe::Vocab = entries.iter().map(|(t, id)| (t.to_string(), *id)).collect();
        BPE::builder().vocab_and_merges(vocab, vec![]).build().unwrap()
    }

    fn agree(entries: &[(Cow<str>, u32)], probes: &[&str]) {
        let ours = ModelVocab::new(entries).unwrap();
        let theirs = crate_model(entries);
        assert_eq!(ours.get_vocab_size(), theirs.get_vocab_size());
        assert_eq!(ours.get_vocab(), theirs.get_vocab());
        for t in probes.iter().copied().chain(entries.iter().map(|(t, _)| t.as_ref())) {
            assert_eq!(ours.token_to_id(t), theirs.token_to_id(t), "{t:?}");
        }
        for id in 0..entries.iter().map(|e| e.1).max().unwrap_or(0) + 3 {
            assert_eq!(ours.id_to_token(id), theirs.id_to_token(id), "{id}");
        }
    }

    fn entries(list: &[(&'static str, u32)]) -> Vec<(Cow<'static, str>, u32)> {
        list.iter().map(|&(t, id)| (Cow::Borrowed(t), id)).collect()
    }

    #[test]
    fn answers_as_the_crates_model_with_repeats_gaps_and_the_empty_token() {
        agree(&entries(&[("a", 0), ("b", 1), ("ab", 2), ("中文", 5), ("", 7)]), &["c", "a ", "中"]);
        // A repeated token keeps its last id; the id only its first entry had has no token.
        agree(&entries(&[("a", 0), ("b", 1), ("a", 2), ("c", 3)]), &[]);
        agree(&entries(&[("x", 4), ("y", 2), ("x", 0), ("x", 4)]), &[]);
        agree(&entries(&[]), &["a"]);
    }

    #[test]
    fn two_tokens_with_one_id_both_resolve() {
        // The crate keeps one of them for id → token (its hash order picks); both map to it.
        let e = entries(&[("a", 0), ("b", 0), ("cc", 1), ("d", 1)]);
        let ours = ModelVocab::new(&e).unwrap();
        let theirs = crate_model(&e);
        for t in ["a", "b", "cc", "d"] {
            assert_eq!(ours.token_to_id(t), theirs.token_to_id(t));
        }
        assert_eq!(ours.get_vocab(), theirs.get_vocab());
        assert_eq!(ours.get_vocab_size(), 4);
        assert!(matches!(ours.id_to_token(0).as_deref(), Some("a" | "b")));
    }

    #[test]
    fn many_random_tokens() {
        let mut rng = crate::testing::xorshift(7);
        let alphabet = ["a", "b", "é", "中", " ", "Ġ", "<", "|", "ab", "\u{10348}"];
        // Distinct ids (two tokens with one id are covered above), repeated tokens.
        let list: Vec<(Cow<str>, u32)> = (0..5000)
            .map(|i| {
                let n = 1 + rng() % 12;
                let t: String = (0..n).map(|_| alphabet[(rng() % alphabet.len() as u64) as usize]).collect();
                (Cow::Owned(t), i * 2 + (rng() % 2) as u32)
            })
            .collect();
        agree(&list, &["zzz", "abab"]);
        // The same without repeated tokens: the one-pass build.
        let mut seen = std::collections::HashSet::new();
        let distinct: Vec<(Cow<str>, u32)> = list.into_iter().filter(|(t, _)| seen.insert(t.clone())).collect();
        assert!(ModelVocab::one_to_one(&distinct).is_some());
        agree(&distinct, &["zzz", "abab"]);
    }

    #[test]
    fn repeats_leave_the_one_pass_build() {
        assert!(ModelVocab::one_to_one(&entries(&[("a", 0), ("b", 1), ("", 3)])).is_some());
        assert!(ModelVocab::one_to_one(&entries(&[("a", 0), ("b", 1), ("a", 2)])).is_none());
        assert!(ModelVocab::one_to_one(&entries(&[("a", 0), ("b", 0)])).is_none());
        assert!(ModelVocab::one_to_one(&entries(&[("a", 0), ("a", 0)])).is_none());
    }
}
