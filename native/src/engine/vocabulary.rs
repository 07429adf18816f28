//! Vocabulary questions and decode, answered from the fast path's `ModelVocab` where the
//! shell does not hold the model.

use crate::error::{panic_detail, Code, Error, Result};
use crate::fast::FastPath;
use crate::pipeline;
use crate::vocab::model::ModelVocab;
use crate::vocab::sp_decode::SpDecoder;
use crate::vocab::{self, VocabIndex};
use std::collections::HashMap;
use tokenizers::Model;

use super::{Engine, ModelTokenizer};

impl Engine {
    /// The model's vocabulary when the shell does not hold it (a BPE fast path).
    pub(super) fn model_vocab(&self) -> Option<&ModelVocab> {
        match self.model {
            ModelTokenizer::Same => None,
            ModelTokenizer::Lazy { .. } | ModelTokenizer::InFastPath => {
                self.fast.as_ref().and_then(FastPath::model_vocab)
            }
        }
    }

    /// `Tokenizer::token_to_id`: an added token first, then the model's.
    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        let added = self.tok.get_added_vocabulary();
        match self.model_vocab() {
            Some(model) => added.token_to_id(token, model),
            None => added.token_to_id(token, self.tok.get_model()),
        }
    }

    /// `Tokenizer::id_to_token`: an added token first (as it decodes), then the model's.
    pub fn id_to_token(&self, id: u32) -> Option<String> {
        let added = self.tok.get_added_vocabulary();
        match self.model_vocab() {
            Some(model) => vocab::id_to_token_with(model, added, id),
            None => vocab::id_to_token_with(self.tok.get_model(), added, id),
        }
    }

    /// `Tokenizer::get_vocab`.
    pub fn get_vocab(&self, with_added_tokens: bool) -> HashMap<String, u32> {
        let added = self.tok.get_added_vocabulary();
        match self.model_vocab() {
            Some(model) => vocab::vocab_with(model, added, with_added_tokens),
            None => vocab::vocab_with(self.tok.get_model(), added, with_added_tokens),
        }
    }

    /// Special tokens the post-processor adds to one input.
    pub fn special_tokens_added(&self) -> usize {
        pipeline::added_tokens(&self.tok, false)
    }

    pub fn vocab(&self) -> &VocabIndex {
        self.vocab.get_or_init(|| self.vocab_index())
    }

    pub(super) fn decode_unguarded(&self, ids: &[u32], skip_special_tokens: bool) -> Result<String> {
        self.vocab().check_ids(ids)?;
        if let Some(text) = self.fast.as_ref().and_then(|f| f.decode(&self.tok, ids, skip_special_tokens)) {
            return Ok(text);
        }
        if let Some(text) = self.sp_decoder().and_then(|d| d.decode(ids, skip_special_tokens)) {
            return Ok(text);
        }
        let decoded = match self.model_vocab() {
            Some(model) => vocab::decode_with(&self.tok, model, ids, skip_special_tokens),
            None => self.tok.decode(ids, skip_special_tokens),
        };
        decoded.map_err(|e| Error::new(Code::DecodeFailed, e.to_string()))
    }

    /// `decode_unguarded`, with a panic in the tokenizer's decoder (a Strip decoder whose
    /// `stop` is past any token) reported as DECODE_FAILED, not INTERNAL.
    pub fn decode(&self, ids: &[u32], skip_special_tokens: bool) -> Result<String> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.decode_unguarded(ids, skip_special_tokens)))
            .unwrap_or_else(|p| {
                Err(Error::new(
                    Code::DecodeFailed,
                    format!("this tokenizer could not decode these ids: {}", panic_detail(&p)),
                ))
            })
    }

    /// Which path `decode` takes (for tests and diagnostics).
    pub fn decode_engine(&self) -> &'static str {
        match (&self.fast, self.sp_decoder()) {
            (Some(FastPath::ByteLevel(_) | FastPath::WordPiece(_)), _) => "ferrotok fast path",
            (_, Some(_)) => "ferrotok SentencePiece table",
            _ => "tokenizers 0.23",
        }
    }

    /// The table decoder of a SentencePiece decoder chain, if the tokenizer has one.
    fn sp_decoder(&self) -> Option<&SpDecoder> {
        self.sp_decode
            .get_or_init(|| {
                let decoder = serde_json::to_value(self.tok.get_decoder()?).ok()?;
                let added = self.tok.get_added_vocabulary();
                SpDecoder::build(&decoder, self.vocab().bound(), |id| {
                    let token = self.id_to_token(id)?;
                    let special = added.is_special_token(&token);
                    Some((token, special))
                })
            })
            .as_ref()
    }

    /// The ids of `get_vocab(true)`, without building its strings where the model's
    /// vocabulary is ours: the model's tokens an added token does not shadow, then the added.
    pub(super) fn vocab_index(&self) -> VocabIndex {
        let Some(model) = self.model_vocab() else { return VocabIndex::new(self.tok.get_vocab(true).into_values()) };
        let added = self.tok.get_added_vocabulary().get_vocab();
        let mut ids = Vec::with_capacity(model.get_vocab_size() + added.len());
        model.for_each(|token, id| {
            if !added.contains_key(token) {
                ids.push(id);
            }
        });
        ids.extend(added.values());
        VocabIndex::new(ids)
    }
}
