//! Token budgets for JS: the engine works in bytes (budget.rs); JS slices strings in UTF-16
//! units, so every position leaves here converted.

use super::error::run;
use super::options::special_tokens;
use super::tokenizer::NativeTokenizer;
use crate::budget::{self, BudgetOptions, Keep};
use crate::error::Error;
use crate::offsets::Utf16Mapper;
use napi::bindgen_prelude::Uint32Array;
use napi_derive::napi;

#[napi(object)]
pub struct NativeBudgetOptions {
    pub add_special_tokens: bool,
    pub special_tokens: Option<u32>,
}

/// Chunks as parallel arrays: UTF-16 start and end in the text, and token count.
#[napi(object)]
pub struct NativeChunks {
    pub starts: Uint32Array,
    pub ends: Uint32Array,
    pub tokens: Uint32Array,
}

fn options(o: &NativeBudgetOptions) -> crate::Result<BudgetOptions> {
    Ok(BudgetOptions { add_special_tokens: o.add_special_tokens, special_tokens: special_tokens(o.special_tokens)? })
}

#[napi]
impl NativeTokenizer {
    /// The token count if it is at most `limit`, else null.
    #[napi(catch_unwind)]
    pub fn within_token_limit(&self, text: String, limit: u32, opts: NativeBudgetOptions) -> napi::Result<Option<u32>> {
        run(|| Ok(budget::within_limit(self.engine(), &text, limit as usize, options(&opts)?)?.map(|n| n as u32)))
    }

    /// `[start, end]` in UTF-16 units of the part of `text` to keep. `side`: 'right' cuts the
    /// end (keeps the start), 'left' cuts the start.
    #[napi(catch_unwind)]
    pub fn truncate_to_tokens(
        &self,
        text: String,
        limit: u32,
        side: String,
        opts: NativeBudgetOptions,
    ) -> napi::Result<Vec<u32>> {
        run(|| {
            let keep = match side.as_str() {
                "right" => Keep::Start,
                "left" => Keep::End,
                other => return Err(Error::invalid_argument(format!("side must be 'left' or 'right', got '{other}'"))),
            };
            let (s, e) = budget::truncate(self.engine(), &text, limit as usize, keep, options(&opts)?)?;
            let mut m = Utf16Mapper::new(&text);
            Ok(vec![m.unit_at(s) as u32, m.unit_at(e) as u32])
        })
    }

    #[napi(catch_unwind)]
    pub fn chunk(
        &self,
        text: String,
        max_tokens: u32,
        overlap: u32,
        opts: NativeBudgetOptions,
    ) -> napi::Result<NativeChunks> {
        run(|| {
            let chunks = budget::chunks(self.engine(), &text, max_tokens as usize, overlap as usize, options(&opts)?)?;
            let mut m = Utf16Mapper::new(&text);
            let starts: Vec<u32> = chunks.iter().map(|c| m.unit_at(c.start) as u32).collect();
            let ends: Vec<u32> = chunks.iter().map(|c| m.unit_at(c.end) as u32).collect();
            let tokens: Vec<u32> = chunks.iter().map(|c| c.tokens as u32).collect();
            Ok(NativeChunks { starts: starts.into(), ends: ends.into(), tokens: tokens.into() })
        })
    }
}
