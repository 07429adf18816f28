//! Our own hot paths. Each takes over only configurations it is proven to reproduce exactly
//! (tests in each file and native/tests/parity.rs); everything else runs the `tokenizers`
//! crate path in pipeline.rs.

pub mod added;
pub mod bpe;
pub mod bytelevel;
mod hash;
pub mod pretok;
pub mod unicode;
mod unicode_tables;
