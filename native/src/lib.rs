//! ferrotok's engine: a Hugging Face tokenizer.json, loaded once, encoded exactly.
//!
//! bytes ──load──► Engine (immutable, Send + Sync)
//!   load:    load.rs, spec.rs (the file into our own tables + a shell crate tokenizer), limits.rs
//!   vocab/:  token strings and ids (model.rs), the id set decode checks (mod.rs)
//!   engine/: the Engine; ids.rs the one ids walk (into ids.rs's sinks), encode.rs full
//!            Encodings (offsets to UTF-16 in offsets.rs), vocabulary.rs vocabulary + decode
//!   paths:   fast/ (ours, by model: bpe/, wordpiece/, pretok/), pipeline.rs (tokenizers 0.23),
//!            hf1.rs (tokenizers 1.0's pipeline, for the ids of models it serves fastest)
//!   around:  utf16.rs (JS strings to UTF-8), batch.rs (rayon over rows), budget.rs, stream.rs, tensor.rs, corpus.rs, chat/
//!
//! Nothing here knows about Node: the `napi` feature adds the binding in `napi/`.
//! Top-level modules import each other without cycles (scripts/check-module-cycles.mjs).

pub mod batch;
pub mod budget;
pub mod chat;
pub mod corpus;
pub mod differential;
pub mod engine;
pub mod error;
pub mod fast;
pub(crate) mod hash;
pub mod hf1;
pub mod idle;
pub mod ids;
pub mod limits;
pub mod load;
pub mod offsets;
pub mod pipeline;
pub mod short_map;
pub mod spec;
pub mod special;
pub mod stream;
pub mod tensor;
#[cfg(test)]
mod testing;
pub mod token_strings;
pub mod utf16;
pub mod vocab;

#[cfg(feature = "napi")]
mod napi;

pub use engine::{EncodeOptions, Engine, Input};
pub use error::{Code, Error, Result};
