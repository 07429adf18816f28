//! Special-token safety: what `specialTokens: 'plain' | 'error'` needs.
//!
//! By default (`'allow'`, Hugging Face's behaviour) a special token's text inside user input
//! becomes that special token: a user who types `<|im_end|>` ends the turn. `'plain'` encodes
//! it as ordinary text — the crate's `encode_special_tokens` flag, set on a copy of the added
//! vocabulary so the shared engine stays immutable. `'error'` refuses such input, like
//! tiktoken's `disallowed_special`.

use crate::error::{Code, Error, Result};
use crate::pipeline::HfTokenizer;
use aho_corasick::{AhoCorasick, MatchKind};
use tokenizers::AddedVocabulary;

/// How special-token strings in input text are treated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SpecialTokens {
    /// As the special token (Hugging Face's behaviour).
    #[default]
    Allow,
    /// As ordinary text.
    Plain,
    /// Refused with SPECIAL_TOKEN_IN_TEXT.
    Error,
}

impl SpecialTokens {
    /// The mode from its code, the one form it takes across the Node boundary (options
    /// objects and the hot functions' flags alike; lib/options.ts `SPECIAL_TOKENS_CODES`):
    /// 0 allow, 1 plain, 2 error.
    pub fn from_code(code: u32) -> Option<Self> {
        match code {
            0 => Some(SpecialTokens::Allow),
            1 => Some(SpecialTokens::Plain),
            2 => Some(SpecialTokens::Error),
            _ => None,
        }
    }
}

/// Built on first use of 'plain' or 'error' for one engine.
pub struct SpecialGuard {
    plain: AddedVocabulary,
    /// Every special token's content, matched leftmost-first on the raw text.
    finder: Option<(AhoCorasick, Vec<String>)>,
}

impl SpecialGuard {
    pub fn new(tok: &HfTokenizer) -> Self {
        let mut plain = tok.get_added_vocabulary().clone();
        plain.set_encode_special_tokens(true);
        let mut specials: Vec<String> = tok
            .get_added_tokens_decoder()
            .into_values()
            .filter(|t| t.special && !t.content.is_empty())
            .map(|t| t.content)
            .collect();
        specials.sort_unstable();
        specials.dedup();
        let finder = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&specials)
            .ok()
            .filter(|_| !specials.is_empty())
            .map(|ac| (ac, specials));
        SpecialGuard { plain, finder }
    }

    pub fn plain_vocabulary(&self) -> &AddedVocabulary {
        &self.plain
    }

    /// SPECIAL_TOKEN_IN_TEXT when `text` holds a special token's content (as written: a
    /// token marked `normalized` that only matches after normalization is not reported).
    pub fn reject(&self, text: &str) -> Result<()> {
        let Some((ac, specials)) = &self.finder else { return Ok(()) };
        let Some(m) = ac.find(text) else { return Ok(()) };
        let token = &specials[m.pattern().as_usize()];
        let at: usize = text[..m.start()].encode_utf16().count();
        Err(Error::new(
            Code::SpecialTokenInText,
            format!(
                "the text contains the special token {token:?} at offset {at}; pass specialTokens: 'plain' to encode it as ordinary text, or 'allow' to encode it as the special token"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::SpecialTokens;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_refused() {
        let modes = [SpecialTokens::Allow, SpecialTokens::Plain, SpecialTokens::Error];
        for (code, mode) in modes.into_iter().enumerate() {
            assert_eq!(SpecialTokens::from_code(code as u32), Some(mode));
        }
        assert_eq!(SpecialTokens::from_code(3), None);
    }
}
