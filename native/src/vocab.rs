//! Which ids exist. The crate's `decode` silently drops an id it cannot resolve; we refuse
//! instead ("no data is silently lost"), which needs a cheap membership test per id.
//!
//! Data: `valid` is a bitset over `0..=max_id`; bit `i` is set iff id `i` resolves to a token
//! in the model or the added vocabulary. `size` is Python's `get_vocab_size(True)`: the number
//! of distinct tokens, which the crate recomputes by building the whole map on every call.

use crate::error::{Code, Error, Result};
use crate::pipeline::HfTokenizer;

pub struct VocabIndex {
    valid: Vec<u64>,
    size: usize,
}

impl VocabIndex {
    pub fn new(tok: &HfTokenizer) -> Self {
        let vocab = tok.get_vocab(true);
        let max_id = vocab.values().copied().max().map_or(0, |m| m as usize + 1);
        let mut valid = vec![0u64; max_id.div_ceil(64)];
        for &id in vocab.values() {
            valid[id as usize / 64] |= 1 << (id % 64);
        }
        VocabIndex { valid, size: vocab.len() }
    }

    pub fn size(&self) -> usize {
        self.size
    }

    pub fn contains(&self, id: u32) -> bool {
        let word = self.valid.get(id as usize / 64).copied().unwrap_or(0);
        word & (1 << (id % 64)) != 0
    }

    pub fn check_ids(&self, ids: &[u32]) -> Result<()> {
        match ids.iter().position(|&id| !self.contains(id)) {
            None => Ok(()),
            Some(i) => Err(Error::new(
                Code::IdOutOfRange,
                format!("ids[{i}] = {} is not a token id of this tokenizer (vocabulary size {})", ids[i], self.size),
            )),
        }
    }
}
