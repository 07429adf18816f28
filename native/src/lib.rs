//! ferrotok's engine: a Hugging Face tokenizer.json, loaded once, encoded exactly.
//!
//! bytes ──load──► Engine (immutable, Send + Sync)
//!   encode: added tokens → normalize → pre-tokenize → model → truncate → special tokens → pad
//!           (pipeline.rs, the `tokenizers` crate's parts) → offsets to UTF-16 (offsets.rs)
//!   batch:  rayon over rows (batch.rs);  decode: vocab-checked ids → text
//!
//! Nothing here knows about Node: the `napi` feature adds the binding in `napi/`.

pub mod batch;
pub mod budget;
pub mod chat;
pub mod corpus;
pub mod engine;
pub mod error;
pub mod fast;
pub mod hf1;
pub mod ids;
pub mod limits;
pub mod load;
pub mod offsets;
pub mod pipeline;
pub mod spec;
pub mod special;
pub mod stream;
pub mod tensor;
pub mod token_strings;
pub mod vocab;

#[cfg(feature = "napi")]
mod napi;

pub use engine::{EncodeOptions, Engine, Input};
pub use error::{Code, Error, Result};
