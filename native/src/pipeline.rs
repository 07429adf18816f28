//! The `tokenizers` crate's encode pipeline, rebuilt from its public parts.
//!
//! Why not call `Tokenizer::encode_char_offsets`: it reads truncation and padding from the
//! tokenizer itself, so per-call options would mean mutating a shared tokenizer (a lock on
//! every encode — what the official Node binding does) or cloning it per option set. Calling
//! the same public building blocks in the same order gives identical results with options
//! passed per call and an immutable engine. Each step below names the crate function it
//! mirrors (tokenizers 0.23.1, `tokenizer/mod.rs`); `pipeline_matches_the_crates_own_encode`
//! in tests/parity.rs checks the result against the crate's own `encode` on real files.

use crate::error::{Code, Error, Result};
use tokenizers::{
    pad_encodings, truncate_encodings, AddedVocabulary, Encoding, Model, OffsetType, PaddingParams, PostProcessor,
    PreTokenizer, TruncationParams, TruncationStrategy,
};

pub type HfTokenizer = tokenizers::Tokenizer;

/// `encode_single_sequence` + `do_pre_tokenize` + `do_tokenize` for one raw string.
pub fn encode_sequence(
    tok: &HfTokenizer,
    added: &AddedVocabulary,
    text: &str,
    type_id: u32,
    truncation: Option<&TruncationParams>,
    offsets: OffsetType,
) -> Result<Encoding> {
    // `added` is the tokenizer's own added vocabulary, or a copy with encode_special_tokens
    // set (specialTokens: 'plain'): the one place the two modes differ.
    let mut pre = added.extract_and_normalize(tok.get_normalizer(), text);
    if let Some(pre_tokenizer) = tok.get_pre_tokenizer() {
        pre_tokenizer.pre_tokenize(&mut pre).map_err(encode_failed)?;
    }
    let model = tok.get_model();
    let tokenize = |n: &tokenizers::NormalizedString| model.tokenize(n.get());
    // 0.23 stops tokenizing once a truncating encode has enough tokens (`tokenize_with_limit`).
    // That also bounds what overflow/stride can see, so parity requires doing the same.
    match truncation {
        Some(t) if t.strategy != TruncationStrategy::OnlySecond || type_id != 0 => {
            pre.tokenize_with_limit(tokenize, t.max_length, t.direction)
        }
        _ => pre.tokenize(tokenize),
    }
    .map_err(encode_failed)?;
    pre.into_encoding(None, type_id, offsets).map_err(encode_failed)
}

/// Number of special tokens the post-processor adds (`get_n_added_tokens`).
pub fn added_tokens(tok: &HfTokenizer, is_pair: bool) -> usize {
    tok.get_post_processor().map_or(0, |p| p.added_tokens(is_pair))
}

/// `post_process`: truncate, add special tokens, pad — in that order.
pub fn post_process(
    tok: &HfTokenizer,
    encoding: Encoding,
    pair: Option<Encoding>,
    add_special_tokens: bool,
    truncation: Option<&TruncationParams>,
    padding: Option<&PaddingParams>,
) -> Result<Encoding> {
    let (encoding, pair) = match truncation {
        Some(t) => truncate(tok, encoding, pair, add_special_tokens, t)?,
        None => (encoding, pair),
    };
    let mut out = match tok.get_post_processor() {
        Some(p) => process(p, encoding, pair, add_special_tokens)?,
        None => default_process(encoding, pair)?,
    };
    if let Some(params) = padding {
        crate::limits::check_padded_batch(params, 1, out.len())?;
        pad_encodings(std::slice::from_mut(&mut out), params).map_err(encode_failed)?;
    }
    Ok(out)
}

fn truncate(
    tok: &HfTokenizer,
    encoding: Encoding,
    pair: Option<Encoding>,
    add_special_tokens: bool,
    t: &TruncationParams,
) -> Result<(Encoding, Option<Encoding>)> {
    let n_added = added_tokens(tok, pair.is_some());
    let params = if add_special_tokens && n_added > 0 {
        // The crate subtracts unchecked (and wraps in release builds); we refuse instead.
        let max_length = t.max_length.checked_sub(n_added).ok_or_else(|| {
            Error::invalid_argument(format!(
                "truncation.maxLength {} is smaller than the {n_added} special tokens this tokenizer adds",
                t.max_length
            ))
        })?;
        TruncationParams { max_length, ..t.clone() }
    } else {
        t.clone()
    };
    truncate_encodings(encoding, pair, &params).map_err(encode_failed)
}

/// `PostProcessor::process` (the trait's default method, which no processor overrides),
/// without its closing `Encoding::merge` when one encoding comes out: merging one encoding
/// into an empty one copies every field into new vectors and gives back the same encoding
/// (`Encoding::merge_with`). Type ids already right are not rebuilt either.
fn process(
    p: &impl PostProcessor,
    encoding: Encoding,
    pair: Option<Encoding>,
    add_special_tokens: bool,
) -> Result<Encoding> {
    let mut encodings = match pair {
        Some(pair) => vec![encoding, pair],
        None => vec![encoding],
    };
    for (i, e) in encodings.iter_mut().enumerate() {
        e.set_sequence_id(i);
        e.get_overflowing_mut().iter_mut().for_each(|o| o.set_sequence_id(i));
        let type_id = i as u32;
        if e.get_type_ids().len() != e.len() || e.get_type_ids().iter().any(|&t| t != type_id) {
            e.set_type_ids(vec![type_id; e.len()]);
        }
    }
    let mut out = p.process_encodings(encodings, add_special_tokens).map_err(encode_failed)?;
    match out.len() {
        1 => Ok(out.pop().expect("one encoding")),
        _ => Ok(Encoding::merge(out, false)),
    }
}

fn default_process(encoding: Encoding, pair: Option<Encoding>) -> Result<Encoding> {
    let encodings = match pair {
        Some(p) => vec![encoding, p],
        None => vec![encoding],
    };
    let mut merged = <dyn PostProcessor>::default_process(encodings, false).map_err(encode_failed)?;
    match (merged.pop(), merged.is_empty()) {
        (Some(e), true) => Ok(e),
        _ => Err(Error::new(Code::Internal, "default post-processing did not merge to one encoding")),
    }
}

fn encode_failed(e: impl std::fmt::Display) -> Error {
    Error::new(Code::EncodeFailed, e.to_string())
}
