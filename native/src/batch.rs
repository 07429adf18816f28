//! Batch driver: inputs → encodings in parallel on rayon's pool → optional flat buffers.
//!
//! Mirrors `encode_batch_char_offsets`: every row goes through the single-input pipeline
//! (which pads rows one by one, as the crate does), then the whole batch is padded together
//! so `longest` means the longest row. Cancellation is cooperative: each row checks the flag
//! before it starts, so an abort stops a long batch within one row's time.

use crate::engine::{CountOptions, EncodeOptions, Engine, Input};
use crate::error::{Code, Error, Result};
use rayon::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use tokenizers::{pad_encodings, Encoding};

/// Where a batch's rows run (the `threads` option).
///
/// - `Global`: rayon's global pool — one thread per core, or `RAYON_NUM_THREADS`.
/// - `Current`: the calling thread, one row after another (`threads: 1`). For an async call
///   that is the libuv worker running it, so concurrent async batches spread over libuv's
///   pool instead of queueing on rayon's.
/// - `Pool(n)`: a rayon pool of `n` threads, built on first use and kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Threads {
    #[default]
    Global,
    Current,
    Pool(usize),
}

/// Most threads one pool may have: well past any core count we run on, low enough that a
/// typo cannot spawn thousands of threads.
const MAX_THREADS: usize = 256;

impl Threads {
    pub fn from_option(n: Option<u32>) -> Result<Threads> {
        match n {
            None => Ok(Threads::Global),
            Some(0) => Err(Error::invalid_argument("threads must be at least 1")),
            Some(1) => Ok(Threads::Current),
            Some(n) if n as usize <= MAX_THREADS => Ok(Threads::Pool(n as usize)),
            Some(n) => Err(Error::invalid_argument(format!("threads ({n}) must be at most {MAX_THREADS}"))),
        }
    }
}

/// `f` over `items`, on the threads `threads` names, in order.
fn map_rows<T: Sync, R: Send>(threads: Threads, items: &[T], f: impl Fn(&T) -> Result<R> + Sync + Send) -> Result<Vec<R>> {
    match threads {
        Threads::Current => items.iter().map(f).collect(),
        Threads::Global => items.par_iter().map(f).collect(),
        Threads::Pool(n) => pool(n)?.install(|| items.par_iter().map(f).collect()),
    }
}

/// The shared pool of `n` threads. The lock is taken once per batch call, never per row.
fn pool(n: usize) -> Result<Arc<ThreadPool>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<ThreadPool>>>> = OnceLock::new();
    let mut pools = POOLS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = pools.get(&n) {
        return Ok(p.clone());
    }
    let p = ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(move |i| format!("ferrotok-{n}-{i}"))
        .build()
        .map_err(|e| Error::new(Code::Internal, format!("could not start {n} threads: {e}")))?;
    Ok(pools.entry(n).or_insert(Arc::new(p)).clone())
}

pub fn encode_batch(
    engine: &Engine,
    inputs: &[Input<'_>],
    opts: &EncodeOptions,
    cancel: Option<&AtomicBool>,
    threads: Threads,
) -> Result<Vec<Encoding>> {
    let mut rows = map_rows(threads, inputs, |input| {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(Error::new(Code::Aborted, "the operation was aborted"));
        }
        engine.encode(*input, opts)
    })?;
    if let Some(params) = &opts.padding {
        pad_encodings(&mut rows, params).map_err(|e| Error::new(Code::EncodeFailed, e.to_string()))?;
    }
    Ok(rows)
}

pub fn count_batch(engine: &Engine, texts: &[&str], opts: &CountOptions, threads: Threads) -> Result<Vec<u32>> {
    map_rows(threads, texts, |t| engine.count_with(t, opts).map(|n| n as u32))
}

/// Ids of every text, flat: `ids[offsets[i]..offsets[i + 1]]` is row i (CSR layout, one
/// buffer instead of one array per row for JS to allocate).
pub fn encode_ids_batch(engine: &Engine, texts: &[&str], opts: &CountOptions, threads: Threads) -> Result<(Vec<u32>, Vec<u32>)> {
    let rows = map_rows(threads, texts, |t| engine.encode_ids(t, opts))?;
    let mut offsets = Vec::with_capacity(rows.len() + 1);
    offsets.push(0u32);
    let total: usize = rows.iter().map(Vec::len).sum();
    let total = u32::try_from(total).map_err(|_| Error::new(Code::InputTooLarge, "the batch has more than 2^32 tokens; split it"))?;
    let mut ids = Vec::with_capacity(total as usize);
    for row in rows {
        ids.extend_from_slice(&row);
        offsets.push(ids.len() as u32);
    }
    Ok((ids, offsets))
}

pub fn decode_batch(engine: &Engine, ids: &[&[u32]], skip_special_tokens: bool, threads: Threads) -> Result<Vec<String>> {
    map_rows(threads, ids, |row| engine.decode(row, skip_special_tokens))
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
        let rows = encode_batch(&engine, &inputs, &opts, None, Threads::Global).unwrap();
        assert_eq!(common_length(&rows), Some(3));
        assert_eq!(flatten(&rows, |r| r.get_ids()), vec![2, 1, 1, 2, 3, 2, 3, 3, 1]);
    }

    #[test]
    fn a_set_cancel_flag_aborts() {
        let engine = load::from_bytes(TINY.as_bytes()).unwrap();
        let inputs = vec![Input::from("a"); 10];
        let flag = AtomicBool::new(true);
        let err = encode_batch(&engine, &inputs, &EncodeOptions::default(), Some(&flag), Threads::Global).unwrap_err();
        assert_eq!(err.code, Code::Aborted);
    }
}
