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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
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

    /// `Current` when the pool named has one thread (`RAYON_NUM_THREADS=1`, one core): handing
    /// rows to a single worker only adds the handoff, and the calling thread's word cache is
    /// the one its single calls have warmed (native/PERFORMANCE.md, "Parallel work").
    fn inline_if_single(self) -> Threads {
        match self {
            Threads::Global if rayon::current_num_threads() == 1 => Threads::Current,
            other => other,
        }
    }
}

/// `f` over `items`, on the threads `threads` names, in order.
pub(crate) fn map_rows<T: Sync, R: Send>(
    threads: Threads,
    items: &[T],
    f: impl Fn(&T) -> Result<R> + Sync + Send,
) -> Result<Vec<R>> {
    match threads.inline_if_single() {
        Threads::Current => items.iter().map(f).collect(),
        Threads::Global => items.par_iter().map(f).collect(),
        Threads::Pool(n) => pool(n)?.install(|| items.par_iter().map(f).collect()),
    }
}

/// Pools kept for reuse, the most recently used last. A call asking for a size not kept
/// builds a pool and drops the least recently used one (its threads exit once no running
/// batch holds it): `threads: n` for n = 2..48 once each used to leave 1182 threads alive.
const MAX_POOLS: usize = 4;

/// The shared pool of `n` threads. The lock is taken once per batch call, never per row.
fn pool(n: usize) -> Result<Arc<ThreadPool>> {
    static POOLS: Mutex<Vec<(usize, Arc<ThreadPool>)>> = Mutex::new(Vec::new());
    let mut pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(i) = pools.iter().position(|(size, _)| *size == n) {
        let entry = pools.remove(i);
        pools.push(entry);
    } else {
        let p = ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(move |i| format!("ferrotok-{n}-{i}"))
            .build()
            .map_err(|e| Error::new(Code::Internal, format!("could not start {n} threads: {e}")))?;
        if pools.len() == MAX_POOLS {
            pools.remove(0);
        }
        pools.push((n, Arc::new(p)));
    }
    Ok(pools.last().expect("pushed above").1.clone())
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
        let longest = rows.iter().map(Encoding::len).max().unwrap_or(0);
        crate::limits::check_padded_batch(params, rows.len(), longest)?;
        pad_encodings(&mut rows, params).map_err(|e| Error::new(Code::EncodeFailed, e.to_string()))?;
    }
    Ok(rows)
}

pub fn count_batch(engine: &Engine, texts: &[&str], opts: &CountOptions, threads: Threads) -> Result<Vec<u32>> {
    map_rows(threads, texts, |t| engine.count_with(t, opts).map(|n| n as u32))
}

/// Ids of every text, flat: `ids[offsets[i]..offsets[i + 1]]` is row i (CSR layout, one
/// buffer instead of one array per row for JS to allocate).
/// Texts in one buffer: its bytes and each text's byte range (napi/hot.rs reads JS strings
/// this way, a chunk at a time).
pub type TextChunk = (Vec<u8>, Vec<(usize, usize)>);

/// How many texts a chunk holds: 32 chunks per thread keep the last one short (the pool
/// idles while the slowest chunk finishes).
pub fn chunk_len(texts: usize, threads: Threads) -> usize {
    let workers = match threads {
        Threads::Current => 1,
        Threads::Global => rayon::current_num_threads(),
        Threads::Pool(n) => n,
    };
    texts.div_ceil(workers * 32).max(1)
}

/// `encode_ids` of every text, flat: `ids` and row `offsets`. `next_chunk` produces the texts
/// a chunk at a time, on this thread; each chunk is encoded on the pool while the next one is
/// produced, so reading the texts (serial: JS strings can only be read on the JS thread)
/// overlaps the encoding. Each chunk fills one vector: no vector per row, and the join copies
/// a few chunks. Reading all texts first left a 10k-prompt batch at 1.5–1.8× on two threads.
pub fn encode_ids_chunks(
    engine: &Engine,
    opts: &CountOptions,
    threads: Threads,
    mut next_chunk: impl FnMut() -> Result<Option<TextChunk>>,
) -> Result<(Vec<u32>, Vec<u32>)> {
    let encode = |(text, ranges): TextChunk| -> ChunkIds {
        let (mut ids, mut ends) = (Vec::new(), Vec::with_capacity(ranges.len()));
        for (s, e) in ranges {
            let t = simdutf8::basic::from_utf8(&text[s..e])
                .map_err(|_| Error::invalid_argument("a text is not valid UTF-8"))?;
            engine.extend_ids(t, opts, &mut ids)?;
            ends.push(ids.len());
        }
        Ok((ids, ends))
    };
    let parts: Parts = Mutex::new(Vec::new());
    let produced = match threads.inline_if_single() {
        Threads::Current => {
            let mut i = 0;
            while let Some(chunk) = next_chunk()? {
                parts.lock().unwrap_or_else(|e| e.into_inner()).push((i, encode(chunk)));
                i += 1;
            }
            Ok(())
        }
        Threads::Global => rayon::in_place_scope(|s| spawn_chunks(s, &mut next_chunk, &parts, &encode)),
        Threads::Pool(n) => pool(n)?.in_place_scope(|s| spawn_chunks(s, &mut next_chunk, &parts, &encode)),
    };
    produced?;
    let mut parts = parts.into_inner().unwrap_or_else(|e| e.into_inner());
    parts.sort_unstable_by_key(|p| p.0);
    join_rows(parts.into_iter().map(|(_, r)| r))
}

type ChunkIds = Result<(Vec<u32>, Vec<usize>)>;
type Parts = Mutex<Vec<(usize, ChunkIds)>>;

/// Produces chunks on this thread and encodes each on `scope`'s pool, numbered for the join.
fn spawn_chunks<'s>(
    scope: &rayon::Scope<'s>,
    next_chunk: &mut impl FnMut() -> Result<Option<TextChunk>>,
    parts: &'s Parts,
    encode: &'s (impl Fn(TextChunk) -> ChunkIds + Sync),
) -> Result<()> {
    let mut i = 0;
    while let Some(chunk) = next_chunk()? {
        scope.spawn(move |_| {
            let r = encode(chunk);
            parts.lock().unwrap_or_else(|e| e.into_inner()).push((i, r));
        });
        i += 1;
    }
    Ok(())
}

/// Chunks of (ids, row ends) in order → flat ids and row offsets.
fn join_rows(parts: impl Iterator<Item = Result<(Vec<u32>, Vec<usize>)>>) -> Result<(Vec<u32>, Vec<u32>)> {
    let parts: Vec<_> = parts.collect::<Result<_>>()?;
    let total: usize = parts.iter().map(|(ids, _)| ids.len()).sum();
    u32::try_from(total)
        .map_err(|_| Error::new(Code::InputTooLarge, "the batch has more than 2^32 tokens; split it"))?;
    let mut ids = Vec::with_capacity(total);
    let mut offsets = vec![0u32];
    for (part, ends) in parts {
        let base = ids.len();
        ids.extend_from_slice(&part);
        offsets.extend(ends.into_iter().map(|e| (base + e) as u32));
    }
    Ok((ids, offsets))
}

/// `encode_ids_chunks` over texts already in Rust.
pub fn encode_ids_batch(
    engine: &Engine,
    texts: &[&str],
    opts: &CountOptions,
    threads: Threads,
) -> Result<(Vec<u32>, Vec<u32>)> {
    let mut chunks = texts.chunks(chunk_len(texts.len(), threads));
    encode_ids_chunks(engine, opts, threads, || {
        Ok(chunks.next().map(|rows| {
            let mut text = Vec::new();
            let ranges = rows.iter().map(|t| {
                text.extend_from_slice(t.as_bytes());
                (text.len() - t.len(), text.len())
            });
            let ranges = ranges.collect();
            (text, ranges)
        }))
    })
}

pub fn decode_batch(
    engine: &Engine,
    ids: &[&[u32]],
    skip_special_tokens: bool,
    threads: Threads,
) -> Result<Vec<String>> {
    map_rows(threads, ids, |row| engine.decode(row, skip_special_tokens))
}

/// The rows' common length, if every row has the same one (a padded batch always does).
pub fn common_length(rows: &[Encoding]) -> Option<usize> {
    let first = rows.first().map_or(0, Encoding::len);
    rows.iter().all(|r| r.len() == first).then_some(first)
}

/// Concatenates one field of every row: a `[batch, seq]` row-major buffer when the rows have
/// one length (NativeBatch::column takes rows of any length).
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

    /// Threads of this process named by `pool`.
    fn pool_threads() -> usize {
        std::fs::read_dir("/proc/self/task")
            .map(|tasks| {
                tasks
                    .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
                    .filter(|name| name.starts_with("ferrotok-"))
                    .count()
            })
            .unwrap_or(0)
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn pools_of_many_sizes_do_not_pile_up() {
        for n in 2..=24 {
            pool(n).unwrap().install(|| ());
        }
        // Dropped pools' threads exit on their own; give them time to, without a deadline
        // that a slow machine could miss.
        let kept = 21 + 22 + 23 + 24;
        for _ in 0..200 {
            if pool_threads() <= kept {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(pool_threads() <= kept, "{} pool threads alive, at most {kept} expected", pool_threads());
    }

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
