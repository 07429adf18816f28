//! Chat templates for JS: compiled once per tokenizer (lib/chat.ts keeps the handle), then
//! rendered per call with a JSON context lib/ builds the way transformers does.

use super::error::run;
use crate::chat::{ChatTemplates, RenderInput};
use crate::error::Error;
use napi_derive::napi;

#[napi]
pub struct NativeChatTemplates {
    inner: ChatTemplates,
}

#[napi]
impl NativeChatTemplates {
    /// Compiles `sources[i]` under `names[i]`.
    #[napi(factory, catch_unwind)]
    pub fn compile(names: Vec<String>, sources: Vec<String>) -> napi::Result<Self> {
        run(|| {
            if names.len() != sources.len() {
                return Err(Error::invalid_argument("names and sources must have the same length"));
            }
            let pairs: Vec<(String, String)> = names.into_iter().zip(sources).collect();
            Ok(NativeChatTemplates { inner: ChatTemplates::new(&pairs)? })
        })
    }

    /// Renders template `name`. `now_ms`: the clock `strftime_now` reads (null → now).
    #[napi(catch_unwind)]
    pub fn render(&self, name: String, context_json: String, now_ms: Option<f64>) -> napi::Result<String> {
        run(|| self.inner.render(&name, &RenderInput { context_json: &context_json, now_ms }))
    }
}
