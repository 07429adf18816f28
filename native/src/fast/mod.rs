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
//!   16.5 → 6.5 µs p50 against `encode().ids`, which builds token strings, offsets and masks
//!   nobody read.
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
//! Not reached yet (issue #4): ≤ 1 µs for a 100-char prompt from JS (6.5 µs with
//! `encodeIds`: ~2.5 µs of BPE and ~2 µs of boundary), a WordPiece and a SentencePiece-BPE
//! fast path (BERT, Llama 2 and Gemma run the crate path), load ≤ 100 ms (the crate's
//! deserializer takes ~0.6 s for a 9 MB file).

pub mod added;
pub mod bpe;
pub mod bytelevel;
pub mod differential;
mod hash;
pub mod pretok;
pub mod unicode;
mod unicode_tables;
