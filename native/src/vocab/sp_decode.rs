//! Decoding for the decoder chains SentencePiece models ship, from a table of every token's
//! bytes. The crate runs its chain (Replace, ByteFallback, Fuse, Strip; or Metaspace) on a
//! `String` per token per step: 9–12 MB/s of output against Hugging Face 1.0's 14–22
//! (native/PERFORMANCE.md, "Decode"). The chains are matched exactly, step by step, or the
//! crate keeps the decode:
//!
//! - `Replace(▁ → " "), ByteFallback, Fuse[, Strip(" ", n, 0)]`: Llama 2, Mistral, Gemma.
//! - `ByteFallback, Fuse, Replace(▁ → " ")[, Strip(" ", n, 0)]`: older Llama-style files.
//! - `Metaspace(▁)`: Unigram models (T5, ALBERT, XLM-R).

use serde_json::{json, Value};

/// SentencePiece's word-boundary mark, which these decoders turn into a space.
const MARK: &str = "\u{2581}";

/// The decoder chain, as far as a table can run it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Chain {
    /// Replace then ByteFallback, Fuse, and `strip` leading spaces off the result.
    ReplaceFirst { strip: usize },
    /// ByteFallback, Fuse, then Replace over the whole result (bytes decoded from byte
    /// tokens too), and `strip` leading spaces off it.
    ReplaceLast { strip: usize },
    /// Each mark a space, except in the first token, where marks are dropped (a prepend
    /// scheme other than "never").
    Metaspace { drop_first: bool },
}

impl Chain {
    fn of(decoder: &Value) -> Option<Chain> {
        let replace = json!({"type": "Replace", "pattern": {"String": MARK}, "content": " "});
        let (fallback, fuse) = (json!({"type": "ByteFallback"}), json!({"type": "Fuse"}));
        let strip = |step: Option<&Value>| -> Option<usize> {
            match step {
                None => Some(0),
                Some(s) if s["type"] == "Strip" && s["content"] == " " && s["stop"] == 0 => {
                    Some(s["start"].as_u64()? as usize)
                }
                Some(_) => None,
            }
        };
        match decoder["type"].as_str()? {
            "Metaspace" if decoder["replacement"] == MARK => {
                Some(Chain::Metaspace { drop_first: decoder["prepend_scheme"].as_str()? != "never" })
            }
            "Sequence" => {
                let steps = decoder["decoders"].as_array()?;
                if steps.len() > 4 || steps.len() < 3 {
                    return None;
                }
                let strip = strip(steps.get(3))?;
                match (&steps[0], &steps[1], &steps[2]) {
                    (r, b, f) if *r == replace && *b == fallback && *f == fuse => Some(Chain::ReplaceFirst { strip }),
                    (b, f, r) if *r == replace && *b == fallback && *f == fuse => Some(Chain::ReplaceLast { strip }),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// One id's part of the output.
#[derive(Clone, Copy)]
enum Entry {
    /// No token has this id.
    Missing,
    /// The token's bytes as the chain emits them, `bytes[start..end]`.
    Text { start: u32, end: u32 },
    /// A byte-fallback token `<0xXX>`: its byte joins the run of those around it.
    Byte(u8),
}

pub struct SpDecoder {
    chain: Chain,
    entries: Vec<Entry>,
    /// Metaspace: each token as the first one emits it (marks dropped), in `bytes`.
    first: Vec<(u32, u32)>,
    bytes: Vec<u8>,
    /// Ids of special added tokens (skipped with `skip_special_tokens`), one bit each.
    special: Vec<u64>,
}

impl SpDecoder {
    /// The table for `decoder` (the tokenizer's, as JSON) over ids `0..bound`, `token(id)`
    /// giving each one's string (added tokens first, as the crate looks them up) and whether
    /// it is a special added token; None for a chain this does not reproduce.
    pub fn build(decoder: &Value, bound: u32, token: impl Fn(u32) -> Option<(String, bool)>) -> Option<SpDecoder> {
        let chain = Chain::of(decoder)?;
        let mut d = SpDecoder {
            chain,
            entries: Vec::with_capacity(bound as usize),
            first: Vec::new(),
            bytes: Vec::new(),
            special: vec![0; (bound as usize).div_ceil(64)],
        };
        for id in 0..bound {
            let Some((t, special)) = token(id) else {
                d.entries.push(Entry::Missing);
                if matches!(chain, Chain::Metaspace { drop_first: true }) {
                    d.first.push((0, 0));
                }
                continue;
            };
            if special {
                d.special[id as usize / 64] |= 1 << (id % 64);
            }
            // The string the crate's ByteFallback step sees, and what the token emits.
            let emitted = match chain {
                Chain::ReplaceFirst { .. } | Chain::Metaspace { .. } => t.replace(MARK, " "),
                Chain::ReplaceLast { .. } => t.clone(),
            };
            let byte = match chain {
                Chain::Metaspace { .. } => None,
                _ => fallback_byte(&emitted),
            };
            let entry = match byte {
                Some(b) => Entry::Byte(b),
                None => {
                    let (start, end) = d.push_bytes(emitted.as_bytes());
                    Entry::Text { start, end }
                }
            };
            d.entries.push(entry);
            if matches!(chain, Chain::Metaspace { drop_first: true }) {
                let first = d.push_bytes(t.replace(MARK, "").as_bytes());
                d.first.push(first);
            }
        }
        Some(d)
    }

    /// Appends `b` to `bytes`; its range there.
    fn push_bytes(&mut self, b: &[u8]) -> (u32, u32) {
        let start = self.bytes.len() as u32;
        self.bytes.extend_from_slice(b);
        (start, self.bytes.len() as u32)
    }

    /// The crate's `decode(ids, skip_special_tokens)`; None for an id no token has.
    pub fn decode(&self, ids: &[u32], skip_special_tokens: bool) -> Option<String> {
        let mut out = Vec::with_capacity(ids.len() * 6);
        let mut run = Vec::new();
        let mut first = true;
        for &id in ids {
            let i = id as usize;
            if skip_special_tokens && self.special.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1) {
                continue;
            }
            match *self.entries.get(i)? {
                Entry::Missing => return None,
                Entry::Byte(b) => run.push(b),
                Entry::Text { start, end } => {
                    flush(&mut run, &mut out);
                    let (start, end) = match self.chain {
                        Chain::Metaspace { drop_first: true } if first => self.first[i],
                        _ => (start, end),
                    };
                    out.extend_from_slice(&self.bytes[start as usize..end as usize]);
                }
            }
            first = false;
        }
        flush(&mut run, &mut out);
        let mut text = String::from_utf8(out).ok()?;
        let strip = match self.chain {
            Chain::ReplaceFirst { strip } => strip,
            Chain::ReplaceLast { strip } => {
                if text.contains(MARK) {
                    text = text.replace(MARK, " ");
                }
                strip
            }
            Chain::Metaspace { .. } => 0,
        };
        let lead = text.bytes().take(strip).take_while(|&b| b == b' ').count();
        text.drain(..lead);
        Some(text)
    }
}

/// The byte of a token the crate's ByteFallback decoder reads as one: six bytes, `<0x`, two
/// more it parses as hexadecimal (as `u8::from_str_radix` does, sign and all), `>`.
fn fallback_byte(token: &str) -> Option<u8> {
    if token.len() == 6 && token.starts_with("<0x") && token.ends_with('>') {
        u8::from_str_radix(token.get(3..5)?, 16).ok()
    } else {
        None
    }
}

/// A run of byte tokens, as the crate's ByteFallback emits it: its text when the bytes are
/// UTF-8, else one U+FFFD per byte.
fn flush(run: &mut Vec<u8>, out: &mut Vec<u8>) {
    if run.is_empty() {
        return;
    }
    match std::str::from_utf8(run) {
        Ok(s) => out.extend_from_slice(s.as_bytes()),
        Err(_) => (0..run.len()).for_each(|_| out.extend_from_slice("\u{FFFD}".as_bytes())),
    }
    run.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_the_chains_it_runs_and_no_other() {
        let replace = json!({"type": "Replace", "pattern": {"String": MARK}, "content": " "});
        let (b, f) = (json!({"type": "ByteFallback"}), json!({"type": "Fuse"}));
        let strip = json!({"type": "Strip", "content": " ", "start": 1, "stop": 0});
        let seq = |steps: Vec<&Value>| json!({"type": "Sequence", "decoders": steps});
        assert_eq!(Chain::of(&seq(vec![&replace, &b, &f, &strip])), Some(Chain::ReplaceFirst { strip: 1 }));
        assert_eq!(Chain::of(&seq(vec![&replace, &b, &f])), Some(Chain::ReplaceFirst { strip: 0 }));
        assert_eq!(Chain::of(&seq(vec![&b, &f, &replace, &strip])), Some(Chain::ReplaceLast { strip: 1 }));
        let ms =
            |scheme: &str| json!({"type": "Metaspace", "replacement": MARK, "prepend_scheme": scheme, "split": true});
        assert_eq!(Chain::of(&ms("always")), Some(Chain::Metaspace { drop_first: true }));
        assert_eq!(Chain::of(&ms("never")), Some(Chain::Metaspace { drop_first: false }));
        let strip_end = json!({"type": "Strip", "content": " ", "start": 1, "stop": 1});
        let other = json!({"type": "Replace", "pattern": {"String": "_"}, "content": " "});
        for no in [
            seq(vec![&replace, &b, &f, &strip_end]),
            seq(vec![&other, &b, &f]),
            seq(vec![&b, &replace, &f]),
            seq(vec![&replace, &b, &f, &strip, &strip]),
            json!({"type": "ByteLevel"}),
            json!({"type": "Metaspace", "replacement": "_", "prepend_scheme": "always", "split": true}),
        ] {
            assert_eq!(Chain::of(&no), None, "{no}");
        }
    }

    #[test]
    fn byte_tokens_are_read_as_the_crate_reads_them() {
        assert_eq!(fallback_byte("<0x41>"), Some(0x41));
        assert_eq!(fallback_byte("<0xfF>"), Some(0xFF));
        assert_eq!(fallback_byte("<0x+A>"), Some(0x0A));
        for no in ["<0x4>", "<0x411>", "<0xG1>", "<0X41>", "0x41>>", "<0x-1>"] {
            assert_eq!(fallback_byte(no), None, "{no}");
        }
    }
}
