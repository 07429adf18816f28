//! Our own hot paths. Each takes over only configurations it is proven to reproduce exactly
//! (tests in each file, native/tests/parity.rs, and the cargo-fuzz target in native/fuzz/,
//! all through `differential::compare`); everything else runs the `tokenizers` crate path in
//! pipeline.rs.
//!
//! # Performance notes
//!
//! Numbers from this 2-core EPYC machine (shared, so ±15%); commands in brackets.
//!
//! Where the time goes now [`cargo run --release --no-default-features --example
//! profile_count -- <json> <text> N [lines]` under `perf record`; it prints the best and
//! median of N passes]:
//! - Llama 3, a 100-char prompt: 0.38 µs in Rust. From JS (p50 of single timed calls, a
//!   quiet run), `encodeIds` 0.89 µs, `countTokens` 0.54 µs: the difference is mostly V8
//!   allocating the result Uint32Array (an off-heap ArrayBuffer above 64 bytes: three
//!   mallocs, ~0.25 µs with the sweeper's share, perf) — see the rejected slab below. Of the
//!   count, a fifth is whole-piece probes (`Whole::get`), a tenth the split pattern.
//! - Long documents, warm, best pass: English 163–173 MB/s, code 125, Arabic 82, Russian 82,
//!   Chinese 62 (Llama 3; o200k Chinese 64, Japanese 68). Chinese is still ~60% hash probes:
//!   `Bpe::merge` 31% and `first_pair` 13% (pairs of pre-merged characters, which the byte
//!   table cannot answer), `Whole::get` 16% — each a miss into a table far larger than the
//!   caches. 38% of its non-ASCII pieces are not vocabulary entries and 7.4k of those 9.9k
//!   are distinct, so the piece cache cannot carry it.
//!
//! Kept, with what they bought:
//! - Whole-piece hit before merging (bpe.rs): o200k long-document encode in Rust 11.9 →
//!   65 MB/s (commit 3afc4e5). Most pre-tokenizer pieces are whole vocabulary entries.
//! - Ids-only path (`Engine::encode_ids`, JS `encodeIds`): a 100-char prompt from JS
//!   16.5 → 6.5 µs p50 against `encode().ids` in a quick loop, which builds token strings,
//!   offsets and masks nobody read.
//! - Raw Node-API functions for `countTokens`/`encodeIds` (napi/hot.rs): the `#[napi]`
//!   method's per-call `napi_unwrap`, class-identity check, native-borrow registry and
//!   argument `String` were 0.45 µs of a 1.3 µs count; with the engine as callback data,
//!   the text read into a reused buffer and ids written to a scratch array, an empty-string
//!   count is 0.12 µs. 100-char prompt p50: count 1.30 → 0.64 µs, encodeIds 2.63 → 1.14.
//! - Short pieces (≤ 15 bytes) keyed by one u128 in the whole-piece map: memcmp was 14% of a
//!   prompt encode. Rust prompt 0.69 → 0.63 µs, 200 prompt lines 33.8 → 39.9 MB/s. Building
//!   that key by loading the piece's bytes in place (`hash::word_of`) instead of copying them
//!   into a zeroed stack buffer removed a store-forwarding stall (a quarter of
//!   `Bpe::encode`): prompt 0.63 → 0.38 µs, English 150 → 163 MB/s.
//! - Ids streamed into the caller's buffer (`Engine::encode_ids_into`/`extend_ids`): no
//!   vector per call or per batch row.
//! - `encodeBatchIds` reading its texts in chunks on the JS thread while the pool encodes the
//!   chunks already read (batch.rs `encode_ids_chunks`): reading 10k JS strings is ~1.9 ms,
//!   serial, of a ~20 ms two-thread batch; with napi-rs' `Vec<String>` and a vector per row
//!   the two-thread run was 1.5–1.8× the one-thread run, now 1.9–2.1× [`npm run bench`].
//! - WordPiece (wordpiece.rs): bert-base-uncased in Rust, English 6.0 → 105 MB/s, code
//!   4.8 → 58, 100-char prompt 18.4 → 0.84 µs; text that is not printable ASCII keeps the
//!   crate's speed (it runs the crate pipeline per stretch).
//! - A per-thread, direct-mapped cache of merged pieces of 3–31 bytes (cache.rs; 256 KiB per
//!   thread, keyed by table id too). It replaces the rejection below, made when English was
//!   the only measure: on Russian, code and prompt lines most pieces that miss the vocabulary
//!   repeat. Warm, best pass: Russian 38 → 64 MB/s, code 68 → 110, English 85 → 150, 200
//!   prompt lines 43 → 88. A first pass over unseen text gains less (the cache is cold).
//! - Byte-pair rank table (256×256, 512 KiB) for a piece's first pairs, merges in place
//!   with index links instead of `Vec::remove`, and the heap on per-thread scratch: together
//!   Chinese 28 → 37 MB/s.
//! - Batch ids into one flat buffer (`encodeBatchIds`): 40k prompt lines 2.2–2.6× faster
//!   than `encodeBatch` + reading every row's ids [`npm run bench:threads`].
//! - Loading without the crate's BPE (spec.rs, load.rs): the file is read once into our own
//!   borrowed structures; a shell tokenizer (crate components over a WordLevel model with the
//!   same vocabulary) serves ids, decoding and post-processing; the full crate tokenizer is
//!   built only if an input needs the crate path. Llama 3 load in Rust 540 → 99 ms best
//!   (130 cold), then 83 best (94 cold) with all the merges resolved on a second thread
//!   while the shell is built (load.rs) [`cargo run --release --no-default-features
//!   --example load_time -- <json>`], from: merges resolved beside the shell, vocabulary probes by
//!   inline u128 keys (string keys scattered over the JSON cost ~100 ms of cache misses),
//!   a hand-written merge deserializer (serde's untagged enum buffered every element: parse
//!   54 → 22 ms), the GPT-2 alphabet by table, no heap string per raw token, and the decode
//!   table built on first decode.
//!
//! - Token strings left out of full Encodings until JS reads them (token_strings.rs): 10k
//!   prompt lines, Llama 3, one thread, `encodeBatch` from JS 103 → 76 ms (every row's ids
//!   read: 149 → 117); in Rust 64 → 45 ms, and 300 KB of Chinese `encode` 10.6 → 6.8 ms
//!   [`profile_count … encode-lines` / `encode`].
//! - WordPiece's greedy search starting at the vocabulary's longest entry instead of the
//!   whole rest of the word: ten 90-letter words, bert-base-uncased, 76 → 23 µs (accented:
//!   116 → 68 µs); the four benchmark documents unchanged (12.0 ms).
//!
//! Rejected:
//! - mimalloc as the global allocator: Rust `encode` of 10k prompt lines 64 → 50 ms and
//!   Llama 3 load 77 → 62 ms, but from JS a batch of full Encodings got slower (103 → 155 ms:
//!   13% of it clearing pages that mimalloc had returned to the OS and faulted back) until
//!   tuned (`MIMALLOC_PURGE_DELAY=1000`: 80 ms), and the peak RSS of a Llama 3 load went
//!   88 → 128 MB (105 MB with purging at once), over the 100 MB target.
//! - A lock around a shared crate `Tokenizer` with per-call truncation set on it (what the
//!   official Node binding does: an RwLock on every call): per-call options travel in
//!   `EncodeOptions` instead, and the engine is immutable.
//! - A byte → UTF-16 table for offsets: 4 bytes per input byte (800 MB for a 200 MB string);
//!   offsets.rs's cursor with checkpoints is O(n) without it.
//! - Two-pass minimum search in `merge_small` (vectorised min, then the first index with it):
//!   Chinese 36.8 → 34.7 MB/s, slower than one scalar pass.
//! - `bpe::SMALL` at 16 (heap sooner): Chinese 33.7 → 28.2 MB/s; 20–24 is within noise of 48
//!   since the heap runs on scratch; 24 kept.
//! - A 4× larger piece cache (8192 slots, 1 MiB per thread): one document encoded again and
//!   again looked 30% faster (Chinese 37 → 49 MB/s), but that was the cache remembering the
//!   previous pass; on all nine long documents in one text (2.9 MB) it gained 5% (63.8 →
//!   66.8 MB/s). Not worth four times the memory on every thread.
//! - A pooled slab for `encodeIds` results (views into one shared ArrayBuffer, as Node's
//!   Buffer pool does): 300 → 35 ns per result, but transferring one result's `.buffer` to
//!   a worker would detach every other result from the same slab. Not worth silent data loss.
//! - A second Aho-Corasick automaton without special tokens for `specialTokens: 'plain'`:
//!   not for speed but exactness — the crate skips special *matches*, which differs when a
//!   special token overlaps a non-special one (added.rs has the case).
//! - Lazily materialised Encodings (ids now, tokens/offsets on first access) instead of a
//!   separate ids-only call: it would speed up `encode().ids` as well, but every Encoding
//!   would keep its input text alive; `encodeIds` was the smaller change for the same win.
//! - An open-addressing table with keys and values inline (one slot read per probe instead
//!   of hashbrown's control byte, then bucket) for the merge table and the whole-piece map:
//!   English 163 → 173 MB/s and code 125 → 130, but Arabic 82 → 75 and Chinese 65 → 63 (Llama
//!   3, Rust, alternating runs): most of their probes miss, and hashbrown answers a miss from
//!   its small control array without touching a bucket. Net slower on the four benchmark
//!   documents (12.4 → 12.7 ms).
//! - The byte-level vocabulary tables read on the first thread right after the shell, while
//!   the merges still resolve: Llama 3 load best 75 → 69 ms, but peak RSS 68 → 77 MB (they
//!   then live beside the merge list and its resolved copy). Not worth 9 MB.
//! - Inserting each merge into the table as it is resolved (one pass): ~15 ms slower to load
//!   Llama 3 than resolving all, then building the table (load.rs).
//! - Resolving the merges against `ModelVocab`'s index (ids keyed by string hash, the string
//!   compared in `TokenStrings`) instead of building `TokenIds`: Llama 3's 840k probes take
//!   35 ms instead of 15 (+6 to build `TokenIds`). `TokenIds` compares a key held in the slot;
//!   the index reaches the string through two more loads.
//!
//! - SentencePiece BPE cut into words (sentencepiece.rs) instead of one heap merge over each
//!   whole stretch of text, as the crate does: Llama 2, long English text, encode in Rust
//!   2.6 → 33 MB/s, Chinese 6.0 → 49, mixed code 3.4 → 29 [`profile_count` on
//!   ../shared/corpus/long/*, FERROTOK_NO_FAST=1 for the crate path].
//! - One long text split at guaranteed pre-tokenizer boundaries (`ByteLevelBpe::cuts`) and
//!   tokenized on rayon's pool, for ids-only encodes from 256 KiB: 2.9 MB of mixed documents
//!   from JS, Llama 3 40 → 70 MB/s, o200k 38 → 63 MB/s on 2 cores [`node benches/long-split.mjs`
//!   with `RAYON_NUM_THREADS=1` and unset]. Not 2×: the
//!   UTF-16 → UTF-8 copy and the added-token scan that places the cuts stay serial.
//! - Post-processor affixes learned once from a probe (`Engine::affixes`), so `encode_ids`
//!   with BOS/EOS does not build and post-process an Encoding per call.
//! - Per-character pre-merging (premerge.rs): a 2- or 3-byte character enters BPE as its one
//!   token wherever the merge ranks prove that exact, checked per neighbour class and, on
//!   the right, per lead byte of the next character. In Rust, Llama 3: Chinese 40 → 62 MB/s,
//!   Arabic 67 → 82, Russian 64 → 82; o200k Chinese 36 → 64, Japanese 55 → 68.
//! - The parallel split from 32 KiB (was 256 KiB), for counts too, with cuts also before a
//!   CJK ideograph after a newline (Chinese text had few cuts, so its parts were uneven):
//!   128 KB of Chinese 1.3× → 1.7× on 2 threads; the four benchmark documents from JS,
//!   Llama 3, 1 → 2 threads 14.2 → 8.4 ms.
//! - Load: every merge resolved on the second thread while the first builds the shell (a
//!   70/30 split left the second thread idle half the time), the merge list freed there once
//!   resolved, and no tokenizer.json text kept (the crate model is rebuilt from the shell's
//!   vocabulary and the merge table when needed): Llama 3 first load in Rust ~120 → ~103 ms,
//!   peak RSS of one load 79 → 69 MB, 9 MB less per engine after it.
//! - `encodeIds` writing into a scratch array its hot function owns (napi/hot.rs) instead of
//!   one passed per call: p50 0.92 → 0.89 µs (Llama 3), 0.98 → 0.93 (o200k).
//! - WordPiece decode by table (wordpiece.rs): bert-base-uncased 6.0 → 187 MB/s from JS.
//! - A shell without its own vocabulary (model_vocab.rs: the crate asks our tables through its
//!   `Model` trait), the merge thread joined only when the fast path takes the merges, the
//!   merge list as spans (spec/merges.rs), `TokenIds` in 20-byte slots, and `ModelVocab`
//!   built in one pass when no token or id repeats. From JS (import, load, one encode; a
//!   /tmp harness, same machine and day): Llama 3 load 130–150 → 77–89 ms, maxRSS 110 →
//!   86 MB; o200k 146–168 → 85–91 ms, 113 → 89 MB.
//!
//! - WordPiece loaded without the crate's model (spec.rs reads the model section into
//!   borrowed entries; load.rs builds `ModelVocab`, the shell and our tables; the crate's
//!   model is built on first need): bert-base-uncased in Rust, first load 29.3 → 5.2 ms,
//!   best 19.4 → 2.7 ms; from JS (import, load, one encode) 31.5 → 6.4 ms and RSS 66 → 53
//!   MB. The crate's deserializer buffered the model in serde's `Content` (a BTreeMap insert
//!   per entry), built two `String` maps, and our path then cloned the whole tokenizer.
//! - WordPiece text that is not printable ASCII normalized and pre-tokenized per character
//!   (bert_norm.rs) instead of through the crate's pipeline per stretch, and no vector per
//!   word: bert-base-uncased in Rust, Arabic/Farsi/Hebrew 3.9 → 66.5 MB/s, Chinese 4.6 →
//!   111, code 80 → 106, English 110 → 157 [`profile_count` on ../shared/corpus/long].
//! - The parallel split for WordPiece too (cuts after ASCII whitespace outside added tokens,
//!   `FastPath::cuts`): bert-base-uncased, the four long documents from JS, 1 → 2 threads
//!   14.9 → 9.6 ms (192.8 ms before the per-character normalization above).
//! - Full Encodings of long texts split in parallel too (`Engine::parallel_encode`, parts
//!   joined by `Tokens::append`), and UTF-16 offsets counted back from the cursor when a
//!   target is just behind it (offsets.rs: restarting from a checkpoint rescanned up to 4
//!   KiB per byte-level token that splits a character, 10% of the profile). Llama 3, the
//!   four long documents, `encode(doc).offsets` from JS: 74 → ~69 ms on 1 thread, ~60 on 2.
//!   Most of what is left is serial: a `String` per token (the crate's Encoding holds
//!   them), post-processing and building the JS result.
//! - The parallel split for SentencePiece BPE's ids and counts (`SentencePieceBpe::cuts`: at
//!   a word boundary inside a stretch; parts after the first get no leading `▁`). Four long
//!   documents from JS, 1 → 2 threads: Llama 2 27.7 → 17.2 ms, Gemma 3 46.7 → 29.2 ms. Its
//!   full Encodings are not split: a stretch is one word, so word indices would not join.
//! - UTF-8 validation of text read from JS with simdutf8 (napi/hot.rs, batch.rs): core's
//!   `from_utf8` was 3.7–4.0% of the four long documents encoded from JS (perf), at ~1.6
//!   GB/s on their non-ASCII text; it no longer shows in the profile.
//! - A per-thread hot-piece table (cache.rs `hot_get`, 4096 slots, 128 KiB): short pieces
//!   that are whole vocabulary entries answered from a slot already in cache, before the
//!   ~8 MB whole-piece map, whose probes are two cache misses (perf: ~60% of `Whole::get`,
//!   itself a fifth of a long-document encode). 73% of Llama 3's pieces on the four long
//!   documents hit it. In Rust, alternating runs: English 161 → 168 MB/s, Arabic 82.6 →
//!   84.0, the four documents in one text within noise (87.6 → 88.7).
//!
//! Not reached yet (issue #4): see the README's performance section for the latest `npm run
//! bench` figures against each target. Not built: a Unigram fast path.

pub mod added;
mod bert_norm;
pub mod bpe;
pub mod bytelevel;
mod cache;
pub mod model_vocab;
pub mod differential;
pub(crate) mod hash;
pub mod pretok;
pub mod resolve;
mod premerge;
pub mod sentencepiece;
mod strings;
pub mod unicode;
mod unicode_tables;
pub mod wordpiece;

use crate::pipeline::HfTokenizer;
use crate::spec::BpeSpec;
use bytelevel::{ceil_char, floor_char, ByteLevelBpe, Tok};
use model_vocab::ModelVocab;
use sentencepiece::SentencePieceBpe;
use strings::TokenStrings;
use wordpiece::WordPiece;
use std::ops::ControlFlow;
use tokenizers::Encoding;

/// A xorshift generator for the randomized tests (deterministic: a failure reproduces).
#[cfg(test)]
pub(crate) fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

/// A token's byte span widened to whole characters.
fn whole_chars(bytes: &[u8], t: &Tok) -> (usize, usize) {
    (floor_char(bytes, t.start), ceil_char(bytes, t.end))
}

/// (left id, right id) key → (rank, merged id).
pub type MergeTable = hash::FxHashMap<u64, (u32, u32)>;

type MergesLater<'a> = Box<dyn FnOnce() -> Option<MergeTable> + 'a>;

/// The model's merge table and vocabulary, handed to whichever fast path accepts the
/// configuration. The merge table comes from a closure (load.rs: joining the thread that
/// builds it), called only when a path takes the tables: after its own tables are built.
pub struct Tables<'a> {
    merges: std::cell::Cell<Option<MergesLater<'a>>>,
    vocab: std::cell::Cell<Option<ModelVocab>>,
}

impl Tables<'_> {
    fn take(&self) -> Option<(MergeTable, ModelVocab)> {
        let merges = self.merges.take()?();
        Some((merges?, self.vocab.take()?))
    }
}

/// An Encoding's per-token data for one sequence, before the Encoding is built: the parts
/// of a long text cut at guaranteed splits are tokenized apart and joined (`append`).
#[derive(Default)]
pub struct Tokens {
    ids: Vec<u32>,
    strings: Vec<String>,
    offsets: Vec<(usize, usize)>,
    words: Vec<Option<u32>>,
}

impl Tokens {
    fn with_capacity(n: usize) -> Self {
        Tokens { ids: Vec::with_capacity(n), strings: Vec::with_capacity(n), offsets: Vec::with_capacity(n), words: Vec::with_capacity(n) }
    }

    pub fn into_encoding(self, type_id: u32) -> Encoding {
        let n = self.ids.len();
        Encoding::new(self.ids, vec![type_id; n], self.strings, self.words, self.offsets, vec![0; n], vec![1; n], vec![], Default::default())
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The parts of a long text as one, in text order; each part comes with the offset where
    /// it starts (in the unit its offsets use). Its offsets move by that much, and its word
    /// indices continue after the previous parts' last word (every word has a token, none
    /// spans a cut). Each part is copied into place on rayon's pool: joined on the calling
    /// thread, the copies and the page faults of the new vectors were most of what kept a
    /// 2-thread `encode` of the four benchmark documents near its 1-thread time.
    pub fn join(parts: Vec<(Tokens, usize)>) -> Tokens {
        use rayon::prelude::*;
        use std::mem::MaybeUninit;
        let total = parts.iter().map(|(t, _)| t.len()).sum();
        let mut word_base = 0;
        let shifts: Vec<(usize, u32)> = parts
            .iter()
            .map(|(t, start)| {
                let base = word_base;
                word_base += t.words.last().copied().flatten().map_or(0, |w| w + 1);
                (*start, base)
            })
            .collect();
        let mut out = Tokens::with_capacity(total);
        {
            let mut ids = out.ids.spare_capacity_mut();
            let mut strings = out.strings.spare_capacity_mut();
            let mut offsets = out.offsets.spare_capacity_mut();
            let mut words = out.words.spare_capacity_mut();
            let mut slots = Vec::with_capacity(parts.len());
            for (t, _) in &parts {
                let n = t.len();
                let (a, rest) = std::mem::take(&mut ids).split_at_mut(n);
                ids = rest;
                let (b, rest) = std::mem::take(&mut strings).split_at_mut(n);
                strings = rest;
                let (c, rest) = std::mem::take(&mut offsets).split_at_mut(n);
                offsets = rest;
                let (d, rest) = std::mem::take(&mut words).split_at_mut(n);
                words = rest;
                slots.push((a, b, c, d));
            }
            let fill = |((t, _), ((start, base), (ids, strings, offsets, words))): ((Tokens, usize), ((usize, u32), (&mut [MaybeUninit<u32>], &mut [MaybeUninit<String>], &mut [MaybeUninit<(usize, usize)>], &mut [MaybeUninit<Option<u32>>])))| {
                for (slot, id) in ids.iter_mut().zip(t.ids) {
                    slot.write(id);
                }
                for (slot, string) in strings.iter_mut().zip(t.strings) {
                    slot.write(string);
                }
                for (slot, (s, e)) in offsets.iter_mut().zip(t.offsets) {
                    slot.write((s + start, e + start));
                }
                for (slot, w) in words.iter_mut().zip(t.words) {
                    slot.write(w.map(|w| w + base));
                }
            };
            parts.into_par_iter().zip(shifts.into_par_iter().zip(slots)).for_each(fill);
        }
        // SAFETY: the slots partition the first `total` elements of each vector's spare
        // capacity, one slice per part of exactly its length, and `fill` wrote every element
        // of every slice (a part's four vectors have one length: one push each per token).
        unsafe {
            out.ids.set_len(total);
            out.strings.set_len(total);
            out.offsets.set_len(total);
            out.words.set_len(total);
        }
        out
    }

    /// Rewrites every offset span (to UTF-16 units: offsets.rs).
    pub fn map_offsets(&mut self, mut f: impl FnMut((usize, usize)) -> (usize, usize)) {
        for span in &mut self.offsets {
            *span = f(*span);
        }
    }

}

/// The fast path chosen for a tokenizer at load. Every method returns None (or false) when
/// this input needs the crate path after all.
pub enum FastPath {
    ByteLevel(ByteLevelBpe),
    SentencePiece(SentencePieceBpe),
    WordPiece(WordPiece),
}

impl FastPath {
    /// `tok` gives every component but the model (it is the shell, spec.rs); `merges` gives
    /// the model's merge table (`bytelevel::merge_table`), which load.rs builds on a second
    /// thread meanwhile, and `vocab` is the model's vocabulary the shell was built on.
    pub fn build<'a>(tok: &HfTokenizer, model: &BpeSpec, merges: impl FnOnce() -> Option<MergeTable> + 'a, vocab: ModelVocab) -> Option<Self> {
        let tables = Tables { merges: std::cell::Cell::new(Some(Box::new(merges))), vocab: std::cell::Cell::new(Some(vocab)) };
        ByteLevelBpe::build(tok, model, &tables)
            .map(FastPath::ByteLevel)
            .or_else(|| SentencePieceBpe::build(tok, model, &tables).map(FastPath::SentencePiece))
    }

    /// The model's vocabulary (a shell tokenizer does not hold it).
    pub fn model_vocab(&self) -> Option<&ModelVocab> {
        match self {
            FastPath::ByteLevel(b) => Some(b.model_vocab()),
            FastPath::SentencePiece(s) => Some(s.model_vocab()),
            FastPath::WordPiece(w) => Some(w.model_vocab()),
        }
    }

    /// The crate tokenizer with the model, where this path builds and holds it (WordPiece);
    /// None on the other paths. Built on the first call.
    pub fn reference(&self) -> Option<std::result::Result<&HfTokenizer, &String>> {
        match self {
            FastPath::WordPiece(w) => Some(w.reference()),
            _ => None,
        }
    }

    /// Whether `reference` has been built.
    pub fn reference_built(&self) -> bool {
        matches!(self, FastPath::WordPiece(w) if w.reference_built())
    }

    /// The BPE merge table this path runs, if it is a BPE path.
    pub fn bpe(&self) -> Option<&bpe::Bpe> {
        match self {
            FastPath::ByteLevel(b) => Some(b.bpe()),
            FastPath::SentencePiece(s) => Some(s.bpe()),
            FastPath::WordPiece(_) => None,
        }
    }

    /// The fast path for a tokenizer loaded by the crate (models other than BPE).
    pub fn from_crate(tok: &HfTokenizer) -> Option<Self> {
        WordPiece::build(tok).map(FastPath::WordPiece)
    }

    pub fn name(&self) -> &'static str {
        match self {
            FastPath::ByteLevel(_) => "byte-level BPE",
            FastPath::SentencePiece(_) => "SentencePiece BPE",
            FastPath::WordPiece(_) => "WordPiece",
        }
    }

    /// Up to `parts` pieces of a long text whose tokens, concatenated, are the text's, for
    /// the parallel split: each part after the first is tokenized with `tokenize_part(…,
    /// continued = true)`. Word indices continue across the cuts except on SentencePiece
    /// (whose stretch is one word), so `splits_words` says whether Encodings may be joined.
    pub fn cuts(&self, text: &str, plain_special: bool, parts: usize) -> Vec<(usize, usize)> {
        match self {
            FastPath::ByteLevel(b) => b.cuts(text, plain_special, parts),
            FastPath::WordPiece(w) => w.cuts(text, plain_special, parts),
            FastPath::SentencePiece(s) => s.cuts(text, plain_special, parts),
        }
    }

    /// Whether `cuts` fall between words, so that the parts' Encodings join (`Tokens::append`).
    pub fn splits_words(&self) -> bool {
        !matches!(self, FastPath::SentencePiece(_))
    }

    /// Calls `f` for every token until it returns `Break`; false → use the crate path.
    pub fn tokenize(&self, text: &str, plain_special: bool, f: impl FnMut(Tok) -> ControlFlow<()>) -> bool {
        self.tokenize_part(text, plain_special, false, f)
    }

    /// `tokenize` of a part of a longer text (`cuts`); `continued`: not its first part.
    pub fn tokenize_part(&self, text: &str, plain_special: bool, continued: bool, f: impl FnMut(Tok) -> ControlFlow<()>) -> bool {
        match self {
            FastPath::ByteLevel(b) => b.tokenize(text, plain_special, f),
            FastPath::SentencePiece(s) => {
                s.tokenize(text, plain_special, continued, f);
                true
            }
            FastPath::WordPiece(w) => w.tokenize(text, plain_special, f),
        }
    }

    /// Vocabulary strings by id: an Encoding's `tokens`.
    fn tokens(&self) -> &TokenStrings {
        match self {
            FastPath::ByteLevel(b) => b.tokens(),
            FastPath::SentencePiece(s) => s.tokens(),
            FastPath::WordPiece(w) => w.tokens(),
        }
    }

    /// The Encoding of one sequence, byte offsets into `text`; None → use the crate path.
    /// `strings`: spell each token (else model tokens' strings stay empty: token_strings.rs).
    pub fn encode(&self, text: &str, type_id: u32, plain_special: bool, strings: bool) -> Option<Encoding> {
        self.tokens_of(text, plain_special, strings).map(|t| t.into_encoding(type_id))
    }

    /// The vocabulary's string for a model token id.
    pub fn token_string(&self, id: u32) -> Option<&str> {
        self.tokens().get(id as usize)
    }

    /// The tokens of `text` (an Encoding's per-token data), byte offsets into `text`; None →
    /// use the crate path. A byte-level token that covers part of a multi-byte character
    /// spans the whole character (the other paths' tokens are whole characters already).
    pub fn tokens_of(&self, text: &str, plain_special: bool, strings: bool) -> Option<Tokens> {
        let (bytes, tokens) = (text.as_bytes(), self.tokens());
        // Room for a token per 4 bytes (what prose and code average; pages not written are
        // never faulted in): growing four vectors by doubling was a fifth of a long-document
        // `encode` from JS, in realloc copies and page faults (perf).
        let mut out = Tokens::with_capacity(text.len() / 4 + 8);
        let ok = self.tokenize(text, plain_special, |t| {
            out.ids.push(t.id);
            out.strings.push(match (t.added, strings) {
                (true, _) => text[t.start..t.end].to_string(),
                (false, true) => tokens[t.id as usize].to_string(),
                (false, false) => String::new(),
            });
            out.offsets.push(whole_chars(bytes, &t));
            out.words.push(Some(t.word));
            ControlFlow::Continue(())
        });
        ok.then_some(out)
    }

    /// Number of tokens of one sequence, counting no further than `limit`; None → use the
    /// crate path.
    pub fn count(&self, text: &str, plain_special: bool, limit: usize) -> Option<usize> {
        self.count_part(text, plain_special, false, limit)
    }

    /// `count` of a part of a longer text (`cuts`); `continued`: not its first part.
    pub fn count_part(&self, text: &str, plain_special: bool, continued: bool, limit: usize) -> Option<usize> {
        let mut n = 0;
        let ok = self.tokenize_part(text, plain_special, continued, |_| {
            n += 1;
            if n > limit { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
        });
        ok.then_some(n)
    }

    /// Byte spans of the tokens, each covering whole characters (as an Encoding's offsets).
    pub fn spans(&self, text: &str, plain_special: bool) -> Option<Vec<(usize, usize)>> {
        let mut spans = Vec::new();
        let ok = self.tokenize(text, plain_special, |t| {
            spans.push(whole_chars(text.as_bytes(), &t));
            ControlFlow::Continue(())
        });
        ok.then_some(spans)
    }

    /// `tok` is the tokenizer this path was built with.
    pub fn decode(&self, tok: &HfTokenizer, ids: &[u32], skip_special_tokens: bool) -> Option<String> {
        match self {
            FastPath::ByteLevel(b) => b.decode(tok, ids, skip_special_tokens),
            FastPath::WordPiece(w) => w.decode(tok, ids, skip_special_tokens),
            FastPath::SentencePiece(_) => None,
        }
    }
}
