//! Per-call options: what an encode or an ids walk is asked to do.

use crate::special::SpecialTokens;
use tokenizers::{PaddingParams, TruncationParams};

/// Options of `count_with`.
#[derive(Clone, Debug)]
pub struct CountOptions {
    pub add_special_tokens: bool,
    pub special_tokens: SpecialTokens,
    /// Counting may stop once past this many tokens.
    pub limit: usize,
}

impl Default for CountOptions {
    fn default() -> Self {
        CountOptions { add_special_tokens: true, special_tokens: SpecialTokens::Allow, limit: usize::MAX }
    }
}

/// One input: a text, or a text with its pair.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    pub text: &'a str,
    pub pair: Option<&'a str>,
}

impl<'a> From<&'a str> for Input<'a> {
    fn from(text: &'a str) -> Self {
        Input { text, pair: None }
    }
}

#[derive(Clone, Debug)]
pub struct EncodeOptions {
    pub add_special_tokens: bool,
    pub truncation: Option<TruncationParams>,
    pub padding: Option<PaddingParams>,
    pub special_tokens: SpecialTokens,
    /// Leave model tokens' strings empty where `Engine::elides` says `Engine::token_strings`
    /// can restore them (token_strings.rs): for callers that read them rarely, like JS.
    pub elide_token_strings: bool,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions {
            add_special_tokens: true,
            truncation: None,
            padding: None,
            special_tokens: SpecialTokens::Allow,
            elide_token_strings: false,
        }
    }
}
