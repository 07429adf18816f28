//! Batch driver: inputs → encodings in parallel on rayon's pool → optional flat buffers.
//!
//! Mirrors `encode_batch_char_offsets`: every row goes through the single-input pipeline
//! (which pads rows one by one, as the crate does), then the whole batch is padded together
//! so `longest` means the longest row. Cancellation is cooperative: each row checks the flag
//! before it starts, so an abort stops a long batch within one row's time.

use crate::engine::{EncodeOptions, Engine, Input};
use crate::error::{Code, Error, Result};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use tokenizers::{pad_encodings, Encoding};

pub fn encode_batch(
    engine: &Engine,
    inputs: &[Input<'_>],
    opts: &EncodeOptions,
    cancel: Option<&AtomicBool>,
) -> Result<Vec<Encoding>> {
    let mut rows = inputs
        .par_iter()
        .map(|input| {
            if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                return Err(Error::new(Code::Aborted, "the operation was aborted"));
            }
            engine.encode(*input, opts)
        })
        .collect::<Result<Vec<_>>>()?;
    if let Some(params) = &opts.padding {
        pad_encodings(&mut rows, params).map_err(|e| Error::new(Code::EncodeFailed, e.to_string()))?;
    }
    Ok(rows)
}

pub fn count_batch(engine: &Engine, texts: &[&str], add_special_tokens: bool) -> Result<Vec<u32>> {
    texts
        .par_iter()
        .map(|t| engine.count(t, add_special_tokens).map(|n| n as u32))
        .collect()
}

pub fn decode_batch(engine: &Engine, ids: &[&[u32]], skip_special_tokens: bool) -> Result<Vec<String>> {
    ids.par_iter().map(|row| engine.decode(row, skip_special_tokens)).collect()
}

/// The rows' common length, if every row has the same one (a padded batch always does).
pub fn common_length(rows: &[Encoding]) -> Option<usize> {
    let first = rows.first().map_or(0, Encoding::len);
    rows.iter().all(|r| r.len() == first).then_some(first)
}

/// Concatenates one field of every row into a `[batch, seq]` row-major buffer.
pub fn flatten<T: Copy>(rows: &[Encoding], field: impl Fn(&Encoding) -> &[T]) -> Vec<T> {
    let mut out = Vec::with_capacity(rows.iter().map(Encoding::len).sum());
    for row in rows {
        out.extend_from_slice(field(row));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load;
    use tokenizers::{PaddingParams, PaddingStrategy};

    const TINY: &str = r#"{"version":"1.0","truncation":null,"padding":null,"added_tokens":[],
        "normalizer":null,"pre_tokenizer":{"type":"Whitespace"},"post_processor":null,"decoder":null,
        "model":{"type":"WordLevel","vocab":{"[UNK]":0,"[PAD]":1,"a":2,"b":3},"unk_token":"[UNK]"}}"#;

    #[test]
    fn pads_to_the_longest_row_and_flattens() {
        let engine = load::from_bytes(TINY.as_bytes()).unwrap();
        let inputs: Vec<Input> = ["a", "a b a", "b b"].into_iter().map(Input::from).collect();
        let padding = PaddingParams { strategy: PaddingStrategy::BatchLongest, pad_id: 1, ..Default::default() };
        let opts = EncodeOptions { padding: Some(padding), ..Default::default() };
        let rows = encode_batch(&engine, &inputs, &opts, None).unwrap();
        assert_eq!(common_length(&rows), Some(3));
        assert_eq!(flatten(&rows, |r| r.get_ids()), vec![2, 1, 1, 2, 3, 2, 3, 3, 1]);
    }

    #[test]
    fn a_set_cancel_flag_aborts() {
        let engine = load::from_bytes(TINY.as_bytes()).unwrap();
        let inputs = vec![Input::from("a"); 10];
        let flag = AtomicBool::new(true);
        let err = encode_batch(&engine, &inputs, &EncodeOptions::default(), Some(&flag)).unwrap_err();
        assert_eq!(err.code, Code::Aborted);
    }
}
