//! `tok.decodeStream()` for JS: the stream state (stream.rs) plus the engine it decodes with.

use super::error::run;
use super::tokenizer::NativeTokenizer;
use crate::engine::Engine;
use crate::stream::DecodeStream;
use napi_derive::napi;
use std::sync::Arc;

#[napi]
pub struct NativeDecodeStream {
    engine: Arc<Engine>,
    state: DecodeStream,
}

#[napi]
impl NativeTokenizer {
    #[napi(catch_unwind)]
    pub fn decode_stream(&self, skip_special_tokens: bool) -> NativeDecodeStream {
        NativeDecodeStream { engine: self.engine_arc(), state: DecodeStream::new(skip_special_tokens) }
    }
}

#[napi]
impl NativeDecodeStream {
    /// The text `id` completes, or null while a character is still incomplete.
    #[napi(catch_unwind)]
    pub fn step(&mut self, id: u32) -> napi::Result<Option<String>> {
        run(|| self.state.step(&self.engine, id))
    }

    /// Text held back (an incomplete character decodes to U+FFFD, as `decode` would); the
    /// stream then starts over.
    #[napi(catch_unwind)]
    pub fn finish(&mut self) -> napi::Result<Option<String>> {
        run(|| self.state.finish(&self.engine))
    }
}
