//! Token strings left out of an Encoding until someone reads them.
//!
//! Building a `String` per token (then freeing it) was ~30% of a full `encode` on the fast
//! path. Most callers read `ids` (and masks, offsets) and never `tokens`, so
//! the fast path can leave each model token's string empty (`EncodeOptions::
//! elide_token_strings`) and `restore` fills them in from the vocabulary when JS asks.
//!
//! Why an empty string identifies an elided one: the fast path elides only model tokens,
//! whose string is the vocabulary's string for their id, which `restore` puts back. Every
//! other string in the Encoding is non-empty, or the engine does not elide (`elides`):
//! - added tokens keep their matched text (never empty);
//! - the crate path's model tokens are vocabulary strings too (restoring an empty one gives
//!   the same empty string);
//! - the post-processor's special tokens and the pad token: `elides` is false when one of
//!   them is the empty string.
//!
//! And nothing between the model and JS reads a model token's string, except a post-processor
//! that trims offsets by the `Ġ` in each token (ByteLevel, RobertaProcessing with
//! `trim_offsets`): `elides` is false with one of those.

use crate::fast::FastPath;
use crate::pipeline::HfTokenizer;
use serde_json::Value;
use tokenizers::{Encoding, PaddingParams};

/// Whether the post-processor never reads a token's string and adds no empty one.
pub fn processor_allows(tok: &HfTokenizer) -> bool {
    match tok.get_post_processor() {
        None => true,
        Some(p) => serde_json::to_value(p).is_ok_and(|v| !reads_or_adds_empty(&v)),
    }
}

/// Padding adds the pad token's string: it must not be empty.
pub fn padding_allows(padding: Option<&PaddingParams>) -> bool {
    padding.is_none_or(|p| !p.pad_token.is_empty())
}

/// Any `trim_offsets: true` (ByteLevel, RobertaProcessing, also inside a Sequence) or any
/// empty string (a special token's spelling) in a serialized post-processor.
fn reads_or_adds_empty(v: &Value) -> bool {
    match v {
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.iter().any(reads_or_adds_empty),
        Value::Object(fields) => {
            fields.iter().any(|(k, v)| (k == "trim_offsets" && v != &Value::Bool(false)) || reads_or_adds_empty(v))
        }
        _ => false,
    }
}

/// The Encoding's token strings, each empty one replaced by its id's vocabulary string.
pub fn restore(enc: &Encoding, fast: &FastPath) -> Vec<String> {
    let ids = enc.get_ids();
    enc.get_tokens()
        .iter()
        .zip(ids)
        .map(|(s, &id)| if s.is_empty() { fast.token_string(id).unwrap_or_default().to_string() } else { s.clone() })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tok_with(processor: Value) -> HfTokenizer {
        let file = json!({
            "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
            "normalizer": null, "pre_tokenizer": null, "post_processor": processor, "decoder": null,
            "model": { "type": "WordLevel", "vocab": { "a": 0, "[CLS]": 1 }, "unk_token": "a" }
        });
        file.to_string().parse().expect("test tokenizer loads")
    }

    #[test]
    fn processors_that_read_strings_or_add_empty_ones_are_refused() {
        assert!(processor_allows(&tok_with(Value::Null)));
        let byte_level = |trim: bool| json!({ "type": "ByteLevel", "add_prefix_space": false, "trim_offsets": trim, "use_regex": true });
        assert!(processor_allows(&tok_with(byte_level(false))));
        assert!(!processor_allows(&tok_with(byte_level(true))));
        assert!(!processor_allows(&tok_with(json!({ "type": "Sequence", "processors": [byte_level(true)] }))));
        let bert = |cls: &str| json!({ "type": "BertProcessing", "sep": ["[SEP]", 2], "cls": [cls, 1] });
        assert!(processor_allows(&tok_with(bert("[CLS]"))));
        assert!(!processor_allows(&tok_with(bert(""))));
        let roberta = json!({ "type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0], "trim_offsets": true, "add_prefix_space": true });
        assert!(!processor_allows(&tok_with(roberta)));
    }

    #[test]
    fn an_empty_pad_token_is_refused() {
        assert!(padding_allows(None));
        assert!(padding_allows(Some(&PaddingParams::default())));
        assert!(!padding_allows(Some(&PaddingParams { pad_token: String::new(), ..Default::default() })));
    }
}
