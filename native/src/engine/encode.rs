//! Full Encodings: tokens, offsets in UTF-16 units, word ids and masks, through the fast
//! path where it takes the input and the `tokenizers` crate otherwise, then post-processed.

use crate::error::{Error, Result};
use crate::offsets::Utf16Mapper;
use crate::pipeline;
use crate::special::SpecialTokens;
use crate::token_strings;
use tokenizers::{Encoding, OffsetType, TruncationParams};

use super::{input_guard, options_guard, EncodeOptions, Engine, Input};

impl Engine {
    /// Encodes with offsets in UTF-16 code units of each input string.
    pub fn encode(&self, input: Input<'_>, opts: &EncodeOptions) -> Result<Encoding> {
        input_guard(|| self.encode_unguarded(input, opts))
    }

    pub(super) fn encode_unguarded(&self, input: Input<'_>, opts: &EncodeOptions) -> Result<Encoding> {
        self.check_truncation(opts)?;
        let t = opts.truncation.as_ref();
        let mode = opts.special_tokens;
        let elide = self.elides(opts);
        let first = self.sequence(input.text, 0, t, mode, elide)?;
        let pair = input.pair.map(|p| self.sequence(p, 1, t, mode, elide)).transpose()?;
        options_guard(|| {
            pipeline::post_process(&self.tok, first, pair, opts.add_special_tokens, t, opts.padding.as_ref())
        })
    }

    /// Whether `encode` with these options leaves model tokens' strings empty (they asked for
    /// it, and token_strings.rs's conditions hold): then `token_strings` gives the strings.
    pub fn elides(&self, opts: &EncodeOptions) -> bool {
        opts.elide_token_strings
            && self.fast.is_some()
            && self.processor_allows_elision
            && token_strings::padding_allows(opts.padding.as_ref())
    }

    /// A model token's string, as the fast path's vocabulary spells it (a lean encoding's
    /// tokens, lean.rs); None without a fast path or for an id it does not know.
    pub fn model_token(&self, id: u32) -> Option<&str> {
        self.fast.as_ref()?.token_string(id)
    }

    /// The token strings of an Encoding that `encode` built with options for which `elides`
    /// held (its overflowing windows too).
    pub fn token_strings(&self, enc: &Encoding) -> Vec<String> {
        match &self.fast {
            Some(fast) => token_strings::restore(enc, fast),
            None => enc.get_tokens().to_vec(),
        }
    }

    /// A long text's Encoding, offsets in UTF-16 units, from parts cut where the
    /// pre-tokenizer is sure to split, tokenized on rayon's pool and joined; None → encode it
    /// in one go. Each part's offsets go to UTF-16 on its own thread, relative to the part,
    /// which also counts its own length in units; the join shifts them. Mapping the joined
    /// offsets on the calling thread instead left two threads no faster than one.
    pub(super) fn parallel_encode(&self, text: &str, type_id: u32, plain: bool, strings: bool) -> Option<Encoding> {
        if !self.fast.as_ref()?.splits_words() {
            return None;
        }
        let parts = self.parallel_parts(text, plain, |fast, _, part| {
            let mut tokens = fast.tokens_of(part, plain, strings)?;
            let mut mapper = Utf16Mapper::new(part);
            tokens.map_offsets(|span| mapper.span(span));
            Some((tokens, mapper.unit_at(part.len())))
        })?;
        let mut units = 0;
        let parts = parts
            .into_iter()
            .map(|(tokens, len)| {
                units += len;
                (tokens, units - len)
            })
            .collect();
        Some(crate::fast::Tokens::join(parts).into_encoding(type_id))
    }

    /// Byte spans in `text` of the tokens of `text` alone (no special tokens added), without
    /// building an Encoding on the fast path: what token budgets cut at.
    pub fn spans(&self, text: &str, mode: SpecialTokens) -> Result<Vec<(usize, usize)>> {
        self.check_special(text, mode)?;
        if let Some(spans) = self.fast.as_ref().and_then(|f| f.spans(text, mode == SpecialTokens::Plain)) {
            return Ok(spans);
        }
        let enc = pipeline::encode_sequence(self.model_tok()?, self.added(mode), text, 0, None, OffsetType::Byte)?;
        Ok(enc.get_offsets().to_vec())
    }

    /// One sequence's Encoding, offsets in UTF-16 units; `elide`: model tokens' strings empty.
    pub(super) fn sequence(
        &self,
        text: &str,
        type_id: u32,
        t: Option<&TruncationParams>,
        mode: SpecialTokens,
        elide: bool,
    ) -> Result<Encoding> {
        self.check_special(text, mode)?;
        let plain = mode == SpecialTokens::Plain;
        // The fast path does not truncate: tokenize_with_limit's early stop stays on the crate.
        if t.is_none() {
            if let Some(enc) = self.parallel_encode(text, type_id, plain, !elide) {
                return Ok(enc);
            }
        }
        let fast = match t {
            None => self.fast.as_ref().and_then(|f| f.encode(text, type_id, plain, !elide)),
            Some(_) => None,
        };
        let mut enc = match fast {
            Some(enc) => enc,
            None => pipeline::encode_sequence(self.model_tok()?, self.added(mode), text, type_id, t, OffsetType::Byte)?,
        };
        let mut mapper = Utf16Mapper::new(text);
        for span in enc.get_offsets_mut() {
            *span = mapper.span(*span);
        }
        Ok(enc)
    }

    /// The crate validates this when truncation is *set* (`with_truncation`); per-call options
    /// are validated per call, with the same rule and a message that says what to change.
    pub(super) fn check_truncation(&self, opts: &EncodeOptions) -> Result<()> {
        let Some(t) = &opts.truncation else { return Ok(()) };
        let n_added = pipeline::added_tokens(&self.tok, false);
        match t.max_length.checked_sub(n_added) {
            Some(effective) if t.max_length > 0 && effective >= t.stride => Ok(()),
            _ => Err(Error::invalid_argument(format!(
                "truncation.stride ({}) must be smaller than maxLength ({}) minus the {n_added} special tokens this tokenizer adds",
                t.stride, t.max_length
            ))),
        }
    }
}
