//! Our own hot paths. Each takes over only configurations it is proven to reproduce exactly
//! (tests in each file, native/tests/parity.rs, and the cargo-fuzz target in native/fuzz/,
//! all through `differential::compare`); everything else runs the `tokenizers` crate path in
//! pipeline.rs.
//!
//! # Performance notes
//!
//! Numbers from this 2-core EPYC machine (shared, so ±15%); commands in brackets.
//!
//! Where the time goes now, Llama 3, 200 prompt lines of ~100 chars, count only
//! [`cargo run --release --no-default-features --example profile_count -- <llama3 json>
//! <lines> 200 lines` under `perf record`]: 2.5 µs per line in Rust; `Bpe::merge` 24%,
//! `Bpe::encode` 16%, memcmp 16% (comparing piece bytes in the whole-piece hash lookup),
//! memmove 5%. From JS the same call is 4.7 µs p50: the other ~2 µs are the napi call and
//! the UTF-16 → UTF-8 copy of the argument.
//!
//! Kept, with what they bought:
//! - Whole-piece hit before merging (bpe.rs): o200k long-document encode in Rust 11.9 →
//!   65 MB/s (commit 3afc4e5). Most pre-tokenizer pieces are whole vocabulary entries.
//! - Ids-only path (`Engine::encode_ids`, JS `encodeIds`): a 100-char prompt from JS
//!   16.5 → 6.5 µs p50 against `encode().ids` in a quick loop (2.4 µs p50 in the benchmark's
//!   harness), which builds token strings, offsets and masks nobody read.
//! - Batch ids into one flat buffer (`encodeBatchIds`): 40k prompt lines 2.2–2.6× faster
//!   than `encodeBatch` + reading every row's ids [`npm run bench:threads`].
//!
//! Rejected:
//! - A lock around a shared crate `Tokenizer` with per-call truncation set on it (what the
//!   official Node binding does: an RwLock on every call): per-call options travel in
//!   `EncodeOptions` instead, and the engine is immutable.
//! - A byte → UTF-16 table for offsets: 4 bytes per input byte (800 MB for a 200 MB string);
//!   offsets.rs's cursor with checkpoints is O(n) without it.
//! - A per-thread piece → tokens cache (the crate keeps one): with the whole-piece hit and
//!   the small-piece rank scan, a hit costs a hash of the piece plus a compare — what
//!   merging a short piece costs. Not built; the memcmp share above is the same cost, paid
//!   once instead of twice.
//! - A heap for every piece: below `bpe::SMALL` (48) symbols a rescan of a flat rank array
//!   has no allocation and stays in cache; the heap keeps long pieces (1 MB of one byte)
//!   O(n log n). The threshold was not tuned separately.
//! - A second Aho-Corasick automaton without special tokens for `specialTokens: 'plain'`:
//!   not for speed but exactness — the crate skips special *matches*, which differs when a
//!   special token overlaps a non-special one (added.rs has the case).
//! - Lazily materialised Encodings (ids now, tokens/offsets on first access) instead of a
//!   separate ids-only call: it would speed up `encode().ids` as well, but every Encoding
//!   would keep its input text alive; `encodeIds` was the smaller change for the same win.
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
//!
//! Not reached yet (issue #4): ≤ 1 µs for a 100-char prompt from JS (2.4 µs p50 with
//! `encodeIds` in the benchmark; the profile above puts ~2 µs of a 4.7 µs count in the napi
//! call and argument copy, the rest in BPE and the whole-piece lookup — both must shrink), a
//! WordPiece fast path (BERT runs the crate path), the parallel split for full Encodings and
//! for SentencePiece (its leading `▁` is added per stretch, so a cut needs a flag), load ≤ 100 ms and RSS ≤ 100 MB (the
//! crate's deserializer takes ~0.6 s and keeps its own vocab and merges beside ours).

pub mod added;
pub mod bpe;
pub mod bytelevel;
mod cache;
pub mod differential;
mod hash;
pub mod pretok;
pub mod sentencepiece;
pub mod unicode;
mod unicode_tables;

use crate::pipeline::HfTokenizer;
use bytelevel::{ByteLevelBpe, Tok};
use sentencepiece::SentencePieceBpe;
use std::ops::ControlFlow;
use tokenizers::Encoding;

/// The fast path chosen for a tokenizer at load. Every method returns None (or false) when
/// this input needs the crate path after all.
pub enum FastPath {
    ByteLevel(ByteLevelBpe),
    SentencePiece(SentencePieceBpe),
}

impl FastPath {
    pub fn build(tok: &HfTokenizer, json: &[u8]) -> Option<Self> {
        ByteLevelBpe::build(tok, json)
            .map(FastPath::ByteLevel)
            .or_else(|| SentencePieceBpe::build(tok, json).map(FastPath::SentencePiece))
    }

    pub fn name(&self) -> &'static str {
        match self {
            FastPath::ByteLevel(_) => "byte-level BPE",
            FastPath::SentencePiece(_) => "SentencePiece BPE",
        }
    }

    /// Calls `f` for every token until it returns `Break`; false → use the crate path.
    pub fn tokenize(&self, text: &str, plain_special: bool, f: impl FnMut(Tok) -> ControlFlow<()>) -> bool {
        match self {
            FastPath::ByteLevel(b) => b.tokenize(text, plain_special, f),
            FastPath::SentencePiece(s) => {
                s.tokenize(text, plain_special, f);
                true
            }
        }
    }

    pub fn encode(&self, text: &str, type_id: u32, plain_special: bool) -> Option<Encoding> {
        match self {
            FastPath::ByteLevel(b) => b.encode(text, type_id, plain_special),
            FastPath::SentencePiece(s) => Some(s.encode(text, type_id, plain_special)),
        }
    }

    pub fn count(&self, text: &str, plain_special: bool, limit: usize) -> Option<usize> {
        match self {
            FastPath::ByteLevel(b) => b.count(text, plain_special, limit),
            FastPath::SentencePiece(s) => Some(s.count(text, plain_special, limit)),
        }
    }

    /// Byte spans of the tokens, each covering whole characters.
    pub fn spans(&self, text: &str, plain_special: bool) -> Option<Vec<(usize, usize)>> {
        match self {
            FastPath::ByteLevel(b) => b.spans(text, plain_special),
            FastPath::SentencePiece(_) => {
                let mut spans = Vec::new();
                self.tokenize(text, plain_special, |t| {
                    spans.push((t.start, t.end));
                    ControlFlow::Continue(())
                });
                Some(spans)
            }
        }
    }

    pub fn decode(&self, ids: &[u32], skip_special_tokens: bool) -> Option<String> {
        match self {
            FastPath::ByteLevel(b) => b.decode(ids, skip_special_tokens),
            FastPath::SentencePiece(_) => None,
        }
    }
}
