//! JS option objects → engine options. lib/options.ts has already applied the defaults and
//! resolved pad tokens, so these shapes are explicit; here we only check the enums.

use crate::engine::{EncodeOptions, SpecialTokens};
use crate::error::{Code, Error, Result};
use napi_derive::napi;
use tokenizers::{
    PaddingDirection, PaddingParams, PaddingStrategy, TruncationDirection, TruncationParams, TruncationStrategy,
};

#[napi(object)]
pub struct NativeTruncation {
    pub max_length: u32,
    pub stride: u32,
    /// 'longest_first' | 'only_first' | 'only_second'
    pub strategy: String,
    /// 'left' | 'right'
    pub side: String,
}

#[napi(object)]
pub struct NativePadding {
    /// 'longest' | 'max_length'
    pub strategy: String,
    pub max_length: Option<u32>,
    pub multiple_of: Option<u32>,
    /// 'left' | 'right'
    pub side: String,
    pub pad_id: u32,
    pub pad_type_id: u32,
    pub pad_token: String,
}

#[napi(object)]
pub struct NativeEncodeOptions {
    pub add_special_tokens: bool,
    pub truncation: Option<NativeTruncation>,
    pub padding: Option<NativePadding>,
    /// 'allow' | 'plain' | 'error'; absent = 'allow'
    pub special_tokens: Option<u32>,
}

pub fn encode_options(opts: Option<NativeEncodeOptions>) -> Result<EncodeOptions> {
    // JS reads token strings through NativeEncoding, which restores elided ones on demand.
    let Some(o) = opts else { return Ok(EncodeOptions { elide_token_strings: true, ..Default::default() }) };
    Ok(EncodeOptions {
        add_special_tokens: o.add_special_tokens,
        truncation: o.truncation.map(truncation).transpose()?,
        padding: o.padding.map(padding).transpose()?,
        special_tokens: special_tokens(o.special_tokens)?,
        elide_token_strings: true,
    })
}

/// `specialTokens`: how special-token strings in the input are treated, by its code
/// (`SpecialTokens::from_code`); absent → allow. lib/ checks the mode's name before it sends
/// the code, so a bad code here is a caller of the raw binding.
pub fn special_tokens(code: Option<u32>) -> Result<SpecialTokens> {
    let code = code.unwrap_or(0);
    SpecialTokens::from_code(code).ok_or_else(|| {
        Error::invalid_argument(format!("specialTokens code must be 0 (allow), 1 (plain) or 2 (error), got {code}"))
    })
}

fn truncation(t: NativeTruncation) -> Result<TruncationParams> {
    let strategy = match t.strategy.as_str() {
        "longest_first" => TruncationStrategy::LongestFirst,
        "only_first" => TruncationStrategy::OnlyFirst,
        "only_second" => TruncationStrategy::OnlySecond,
        other => return Err(bad("truncation.strategy", other, "'longest_first', 'only_first' or 'only_second'")),
    };
    let direction = match t.side.as_str() {
        "right" => TruncationDirection::Right,
        "left" => TruncationDirection::Left,
        other => return Err(bad("truncation.side", other, "'left' or 'right'")),
    };
    Ok(TruncationParams { max_length: t.max_length as usize, stride: t.stride as usize, strategy, direction })
}

fn padding(p: NativePadding) -> Result<PaddingParams> {
    let strategy = match (p.strategy.as_str(), p.max_length) {
        ("longest", _) => PaddingStrategy::BatchLongest,
        ("max_length", Some(n)) => PaddingStrategy::Fixed(n as usize),
        ("max_length", None) => {
            return Err(Error::invalid_argument("padding.strategy 'max_length' needs padding.maxLength"))
        }
        (other, _) => return Err(bad("padding.strategy", other, "'longest' or 'max_length'")),
    };
    let direction = match p.side.as_str() {
        "right" => PaddingDirection::Right,
        "left" => PaddingDirection::Left,
        other => return Err(bad("padding.side", other, "'left' or 'right'")),
    };
    let params = PaddingParams {
        strategy,
        direction,
        pad_to_multiple_of: p.multiple_of.map(|m| m as usize),
        pad_id: p.pad_id,
        pad_type_id: p.pad_type_id,
        pad_token: p.pad_token,
    };
    crate::limits::check_padding(&params, Code::InvalidArgument, "padding")?;
    Ok(params)
}

fn bad(field: &str, got: &str, expected: &str) -> Error {
    Error::invalid_argument(format!("{field} must be {expected}, got '{got}'"))
}

/// The tokenizer.json's own settings, in the JS shapes, so lib/ can use them as defaults.
pub fn truncation_to_js(t: &TruncationParams) -> NativeTruncation {
    NativeTruncation {
        max_length: t.max_length as u32,
        stride: t.stride as u32,
        strategy: t.strategy.as_ref().to_string(),
        side: t.direction.as_ref().to_string(),
    }
}

pub fn padding_to_js(p: &PaddingParams) -> NativePadding {
    let (strategy, max_length) = match p.strategy {
        PaddingStrategy::BatchLongest => ("longest", None),
        PaddingStrategy::Fixed(n) => ("max_length", Some(n as u32)),
    };
    NativePadding {
        strategy: strategy.to_string(),
        max_length,
        multiple_of: p.pad_to_multiple_of.map(|m| m as u32),
        side: p.direction.as_ref().to_string(),
        pad_id: p.pad_id,
        pad_type_id: p.pad_type_id,
        pad_token: p.pad_token.clone(),
    }
}
