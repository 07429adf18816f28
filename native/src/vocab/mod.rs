//! The vocabulary as a whole: which ids exist, and the crate's vocabulary answers over a
//! model that is not the tokenizer's own (a fast path's `ModelVocab` beside the shell).
//!
//! The crate's `decode` silently drops an id it cannot resolve; we refuse instead ("no data
//! is silently lost"), which needs a cheap membership test per id. `VocabIndex::valid` is a
//! bitset over `0..=max_id`; bit `i` is set iff id `i` resolves to a token in the model or the
//! added vocabulary. `size` is Python's `get_vocab_size(True)`: the number of distinct
//! tokens, which the crate recomputes by building the whole map on every call.

pub mod model;
pub mod sp_decode;
pub mod strings;

use crate::error::{Code, Error, Result};
use crate::pipeline::HfTokenizer;
use std::collections::HashMap;
use tokenizers::{AddedVocabulary, Model};

/// `TokenizerImpl::get_vocab` with `model` in place of the tokenizer's own: the model's map,
/// then the added tokens written over it.
pub fn vocab_with<M: Model>(model: &M, added: &AddedVocabulary, with_added_tokens: bool) -> HashMap<String, u32> {
    let mut vocab = model.get_vocab();
    if with_added_tokens {
        for (token, id) in added.get_vocab() {
            vocab.insert(token.clone(), *id);
        }
    }
    vocab
}

/// `TokenizerImpl::id_to_token` with `model` in place of the tokenizer's own.
pub fn id_to_token_with<M: Model>(model: &M, added: &AddedVocabulary, id: u32) -> Option<String> {
    added.simple_id_to_token(id).or_else(|| model.id_to_token(id))
}

/// `TokenizerImpl::decode` with `model` in place of the tokenizer's own.
pub fn decode_with<M: Model>(
    tok: &HfTokenizer,
    model: &M,
    ids: &[u32],
    skip_special_tokens: bool,
) -> tokenizers::Result<String> {
    let added = tok.get_added_vocabulary();
    let tokens: Vec<String> = ids
        .iter()
        .filter_map(|&id| {
            id_to_token_with(model, added, id).filter(|t| !skip_special_tokens || !added.is_special_token(t))
        })
        .collect();
    match tok.get_decoder() {
        Some(decoder) => tokenizers::Decoder::decode(decoder, tokens),
        None => Ok(tokens.join(" ")),
    }
}

pub struct VocabIndex {
    valid: Vec<u64>,
    size: usize,
}

impl VocabIndex {
    /// From the ids of the whole vocabulary's entries (model and added tokens), one per
    /// distinct token.
    pub fn new(ids: impl IntoIterator<Item = u32>) -> Self {
        let (mut valid, mut size) = (Vec::new(), 0);
        for id in ids {
            let word = id as usize / 64;
            if word >= valid.len() {
                valid.resize(word + 1, 0u64);
            }
            valid[word] |= 1 << (id % 64);
            size += 1;
        }
        VocabIndex { valid, size }
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// One past the largest id the bitset can hold: every id that resolves is below it.
    pub fn bound(&self) -> u32 {
        (self.valid.len() * 64).min(u32::MAX as usize) as u32
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
