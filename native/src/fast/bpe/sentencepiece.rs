//! The fast path for SentencePiece-style BPE tokenizers (Llama 2, Mistral, Gemma): added
//! tokens → `▁` for spaces (and a leading `▁`) → character BPE with byte fallback, producing
//! exactly the `Encoding` the crate's path produces, or just the ids.
//!
//! The crate runs these as one BPE "word" per stretch of text between added tokens: the
//! normalizer turns spaces into `▁`, there is no pre-tokenizer split, so `merge_all` runs over
//! the whole stretch — a heap over every character of a long document. We cut the stretch
//! into words before each `▁` instead, and merge each word alone (small-piece scan, whole-word
//! hits). That is exact when no merge can join a symbol ending before such a cut to one
//! starting at it: such a merge would need a right side that starts with `▁`, and its left
//! side would end in the character before the cut. `build` collects the last characters of
//! the left sides of all merges whose right side starts with `▁` (Llama 2: none; Gemma 3:
//! `>`, from `> ▁</`), and `words` never cuts after one of them, nor between two `▁`.
//! Merges inside a word then happen in the same order as in the whole stretch (lowest rank,
//! leftmost), so the tokens are the same.
//!
//! Offsets: each normalized character maps to the original character it came from (`▁` from
//! a space maps to the space; the leading `▁` to the first character, as `Prepend` aligns
//! it), and a byte-fallback token to its whole character, as the crate's alignments do.
//!
//! `build` accepts: normalizer `Replace(" " → "▁")`, optionally after `Prepend("▁")`;
//! pre-tokenizer none or `Split(" ", MergedWithPrevious)` (a no-op once spaces are gone);
//! a BPE model with byte fallback and all 256 `<0xXX>` tokens, no dropout, affixes or
//! `ignore_merges`; added
//! tokens all matched on raw text (not `normalized`), without lstrip/rstrip/single_word.

use super::word_cache::{self, WordCache};
use super::{Alphabet, Bpe, Piece, Whole};
use crate::fast::added::{raw_added_matcher, AddedMatcher, Segment};
use crate::fast::tok::Tok;
use crate::fast::Tables;
use crate::hash::{FxHashMap, FxHashSet};
use crate::pipeline::HfTokenizer;
use crate::spec::BpeSpec;
use crate::vocab::model::ModelVocab;
use crate::vocab::strings::TokenStrings;
use serde_json::{json, Value};
use std::ops::ControlFlow;

const SPACE: char = '▁';

pub struct SentencePieceBpe {
    prepend: bool,
    bpe: Bpe,
    added: AddedMatcher,
    /// The model's vocabulary: strings by id and token → id.
    vocab: ModelVocab,
    /// Characters after which a `▁` does not start a new word (see the module notes).
    glue: FxHashSet<char>,
}

impl SentencePieceBpe {
    pub fn build(tok: &HfTokenizer, model: &BpeSpec, tables: &Tables) -> Option<Self> {
        let prepend = normalizer_prepends(&serde_json::to_value(tok.get_normalizer()?).ok()?)?;
        if let Some(pre) = tok.get_pre_tokenizer() {
            let pre = serde_json::to_value(pre).ok()?;
            let noop =
                json!({"type": "Split", "pattern": {"String": " "}, "behavior": "MergedWithPrevious", "invert": false});
            if pre != noop {
                return None;
            }
        }
        // ignore_merges makes the crate look the whole stretch up before merging, which
        // cutting it into words would change.
        if !(model.byte_fallback() && model.is_plain() && !model.ignore_merges()) {
            return None;
        }
        let added = raw_added_matcher(tok)?;
        let mut chars = FxHashMap::default();
        let mut whole = Whole::with_capacity(model.vocab.len());
        for (token, &id) in model.vocab.iter().map(|(t, id)| (t, id)) {
            let mut it = token.chars();
            if let (Some(c), None) = (it.next(), it.next()) {
                chars.insert(c, id);
            }
            if !is_byte_token(token) {
                whole.insert(token.as_bytes(), id);
            }
        }
        // This is the last path tried, so nothing else wants the tables if the byte
        // fallback tokens turn out to be missing.
        let (merges, vocab) = tables.take()?;
        let mut fallback = [0u32; 256];
        for (b, slot) in fallback.iter_mut().enumerate() {
            *slot = vocab.id(&format!("<0x{b:02X}>"))?;
        }
        let bpe = Bpe::new(merges, Alphabet::Chars { chars, fallback }, whole, false);
        let glue = glue_chars(&bpe, vocab.tokens());
        Some(SentencePieceBpe { prepend, bpe, added, vocab, glue })
    }

    /// Calls `f` for every token of `text` until it returns `Break`. `plain_special`:
    /// special tokens are encoded as ordinary text. `continued`: `text` is a part of a longer
    /// text, cut inside a stretch (`cuts`), so its first stretch gets no leading `▁`.
    pub fn tokenize(
        &self,
        text: &str,
        plain_special: bool,
        continued: bool,
        mut f: impl FnMut(Tok) -> ControlFlow<()>,
    ) {
        let mut word = 0u32;
        let mut scratch = Scratch::default();
        word_cache::with(self.bpe.owner(), |mut cache| {
            self.added.try_segments(text, plain_special, |seg| {
                let flow = match seg {
                    Segment::Added { id, start, end } => f(Tok { id, start, end, word, added: true }),
                    Segment::Text { start, end } => {
                        let prepend = self.prepend && !(continued && start == 0);
                        self.stretch(text, start, end, word, prepend, &mut scratch, cache.as_deref_mut(), &mut f)
                    }
                };
                word += 1;
                flow
            });
        });
    }

    /// Up to `parts` pieces of `text` whose ids, concatenated, are the text's (each part
    /// after the first tokenized with `continued`): cut at a word boundary of `words` — a
    /// space after a character that is neither a space nor a glue character — inside a
    /// stretch (not right after an added token, where a new stretch would start with `▁`).
    /// Word indices differ (a stretch is one word), so only ids and counts are split.
    pub fn cuts(&self, text: &str, plain_special: bool, parts: usize) -> Vec<(usize, usize)> {
        self.added.cuts(text, plain_special, parts, |bytes, p, after_match| {
            if after_match || bytes[p] != b' ' {
                return false;
            }
            let lead = (0..p).rev().find(|&i| bytes[i] & 0xC0 != 0x80).unwrap_or(0);
            let prev = std::str::from_utf8(&bytes[lead..p]).ok().and_then(|s| s.chars().next());
            prev.is_some_and(|c| c != ' ' && !self.glue.contains(&c))
        })
    }

    /// The tokens of one stretch between added tokens: normalized and merged word by word
    /// (after a leading `▁` if `prepend`).
    #[allow(clippy::too_many_arguments)]
    fn stretch(
        &self,
        text: &str,
        start: usize,
        end: usize,
        word: u32,
        prepend: bool,
        s: &mut Scratch,
        mut cache: Option<&mut WordCache>,
        f: &mut impl FnMut(Tok) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let stretch = &text[start..end];
        let mut first = true;
        for (ws, we) in self.words(stretch) {
            s.normalize(stretch, ws, we, first && prepend, start);
            first = false;
            s.pieces.clear();
            self.bpe.encode_cached(s.norm.as_bytes(), &mut s.pieces, cache.as_deref_mut());
            for p in &s.pieces {
                let (a, b) = (s.origin[p.start as usize], s.origin[p.end as usize - 1]);
                f(Tok { id: p.id, start: a.0, end: b.1, word, added: false })?;
            }
        }
        ControlFlow::Continue(())
    }

    /// Word boundaries in a stretch: before each space that follows neither a space nor a
    /// glue character.
    fn words<'a>(&'a self, stretch: &'a str) -> impl Iterator<Item = (usize, usize)> + 'a {
        let mut cuts = stretch.char_indices().scan(None::<char>, move |prev, (i, c)| {
            let cut = c == ' ' && prev.is_some_and(|p| p != ' ' && !self.glue.contains(&p));
            *prev = Some(c);
            Some((i, cut))
        });
        let mut start = 0;
        let mut done = stretch.is_empty();
        std::iter::from_fn(move || {
            if done {
                return None;
            }
            for (i, cut) in cuts.by_ref() {
                if cut && i > start {
                    let w = (start, i);
                    start = i;
                    return Some(w);
                }
            }
            done = true;
            Some((start, stretch.len()))
        })
    }

    pub fn tokens(&self) -> &TokenStrings {
        self.vocab.tokens()
    }

    pub fn model_vocab(&self) -> &ModelVocab {
        &self.vocab
    }

    pub fn bpe(&self) -> &Bpe {
        &self.bpe
    }
}

/// Reused buffers: a word's normalized text, and for each of its bytes the original byte
/// span of the character it came from.
#[derive(Default)]
struct Scratch {
    norm: String,
    origin: Vec<(usize, usize)>,
    pieces: Vec<Piece>,
}

impl Scratch {
    /// `stretch[ws..we]` with spaces as `▁`, after a `▁` if `prepend`; `base` is the
    /// stretch's offset in the whole text.
    fn normalize(&mut self, stretch: &str, ws: usize, we: usize, prepend: bool, base: usize) {
        self.norm.clear();
        self.origin.clear();
        let word = &stretch[ws..we];
        if prepend {
            let first = word.chars().next().map_or(0, char::len_utf8);
            self.push(SPACE, (base + ws, base + ws + first));
        }
        for (i, c) in word.char_indices() {
            let span = (base + ws + i, base + ws + i + c.len_utf8());
            self.push(if c == ' ' { SPACE } else { c }, span);
        }
    }

    fn push(&mut self, c: char, span: (usize, usize)) {
        self.norm.push(c);
        self.origin.extend(std::iter::repeat_n(span, c.len_utf8()));
    }
}

/// `Replace(" " → "▁")` → Some(false); `Sequence[Prepend("▁"), Replace(" " → "▁")]` →
/// Some(true); anything else → None.
fn normalizer_prepends(n: &Value) -> Option<bool> {
    let replace = json!({"type": "Replace", "pattern": {"String": " "}, "content": "▁"});
    let prepend = json!({"type": "Prepend", "prepend": "▁"});
    if *n == replace {
        return Some(false);
    }
    match n["normalizers"].as_array().map(Vec::as_slice) {
        Some([p, r]) if n["type"] == "Sequence" && *p == prepend && *r == replace => Some(true),
        Some([r]) if n["type"] == "Sequence" && *r == replace => Some(false),
        _ => None,
    }
}

fn is_byte_token(t: &str) -> bool {
    t.len() == 6 && t.starts_with("<0x") && t.ends_with('>')
}

/// Last characters of the left sides of merges whose right side starts with `▁`.
fn glue_chars(bpe: &Bpe, tokens: &TokenStrings) -> FxHashSet<char> {
    let name = |id: u32| tokens.get(id as usize).unwrap_or("");
    bpe.merges().filter(|&(_, r)| name(r).starts_with(SPACE)).filter_map(|(l, _)| name(l).chars().next_back()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizers_we_take() {
        assert_eq!(
            normalizer_prepends(&json!({"type": "Replace", "pattern": {"String": " "}, "content": "▁"})),
            Some(false)
        );
        let llama = json!({"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]});
        assert_eq!(normalizer_prepends(&llama), Some(true));
        assert_eq!(normalizer_prepends(&json!({"type": "NFKC"})), None);
    }
}
