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

use super::stretch_cache::{self, Key, Span, StretchCache};
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
    /// The ASCII ones of `glue`, one bit per byte value; whether it has others.
    glue_ascii: u128,
    glue_wide: bool,
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
        let glue_ascii = glue.iter().filter(|c| c.is_ascii()).fold(0u128, |m, &c| m | 1 << c as u32);
        let glue_wide = glue.iter().any(|c| !c.is_ascii());
        Some(SentencePieceBpe { prepend, bpe, added, vocab, glue, glue_ascii, glue_wide })
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
        SCRATCH.with(|cell| {
            // Reused buffers: a 100-character prompt otherwise paid three allocations a call.
            // A nested call on the same thread (none today) would get fresh ones.
            let (mut borrowed, mut fresh) = (cell.try_borrow_mut(), Scratch::default());
            let scratch = match &mut borrowed {
                Ok(s) => &mut **s,
                Err(_) => &mut fresh,
            };
            let mut word = 0u32;
            word_cache::with(self.bpe.owner(), |mut cache| {
                stretch_cache::with(|mut stretches| {
                    self.added.try_segments(text, plain_special, |seg| {
                        let flow = match seg {
                            Segment::Added { id, start, end } => f(Tok { id, start, end, word, added: true }),
                            Segment::Text { start, end } => {
                                let s =
                                    Stretch { start, end, word, prepend: self.prepend && !(continued && start == 0) };
                                let caches = (cache.as_deref_mut(), stretches.as_deref_mut());
                                self.stretch(text, s, scratch, caches, &mut f)
                            }
                        };
                        word += 1;
                        flow
                    });
                });
            });
            scratch.trim();
        });
    }

    /// Up to `parts` pieces of `text` whose ids, concatenated, are the text's (each part
    /// after the first tokenized with `continued`): cut at a word boundary of `words` — a
    /// space after a character that is neither a space nor a glue character — inside a
    /// stretch (not right after an added token, where a new stretch would start with `▁`).
    /// Word indices differ (a stretch is one word), so only ids and counts are split.
    pub fn cuts(&self, text: &str, plain_special: bool, parts: usize) -> Vec<(usize, usize)> {
        self.added.cuts(text, plain_special, parts, |bytes, p, after_match| {
            !after_match && p > 0 && bytes[p] == b' ' && self.cuts_after(bytes, p)
        })
    }

    /// The tokens of one stretch between added tokens: from the stretch cache when this
    /// thread has seen it (and it is long enough to be kept), else `words_of` and kept there.
    fn stretch(
        &self,
        text: &str,
        st: Stretch,
        s: &mut Scratch,
        (words, stretches): (Option<&mut WordCache>, Option<&mut StretchCache>),
        f: &mut impl FnMut(Tok) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let bytes = &text.as_bytes()[st.start..st.end];
        let Some(stretches) =
            stretches.filter(|_| (stretch_cache::MIN_BYTES..=stretch_cache::MAX_BYTES).contains(&bytes.len()))
        else {
            return self.words_of(text, st, s, words, f);
        };
        let key = Key::of(self.bpe.owner(), st.prepend, bytes);
        let tok = |p: &Span| Tok {
            id: p.id,
            start: st.start + p.start as usize,
            end: st.start + p.end as usize,
            word: st.word,
            added: false,
        };
        if let Some(spans) = stretches.get(&key) {
            return spans.iter().try_for_each(|p| f(tok(p)));
        }
        let mut spans = stretches.take_scratch();
        let rel = |t: &Tok| Span { id: t.id, start: (t.start - st.start) as u32, end: (t.end - st.start) as u32 };
        let flow = self.words_of(text, st, s, words, &mut |t| {
            spans.push(rel(&t));
            f(t)
        });
        if flow.is_continue() {
            stretches.put(&key, &spans);
        }
        stretches.give_scratch(spans);
        flow
    }

    /// The tokens of one stretch, normalized and merged word by word (after a leading `▁`
    /// if `st.prepend`).
    fn words_of(
        &self,
        text: &str,
        st: Stretch,
        s: &mut Scratch,
        mut cache: Option<&mut WordCache>,
        f: &mut impl FnMut(Tok) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let Stretch { start, end, word, prepend } = st;
        let stretch = &text[start..end];
        let mut first = true;
        for (ws, we) in self.words(stretch) {
            let w = &stretch[ws..we];
            let lead = first && prepend;
            first = false;
            let norm = if s.normalize(w, lead) { s.norm.as_bytes() } else { w.as_bytes() };
            s.pieces.clear();
            self.bpe.encode_cached(norm, &mut s.pieces, cache.as_deref_mut());
            let base = start + ws;
            for p in &s.pieces {
                let (a, _) = s.origin(w, lead, p.start as usize);
                let (_, b) = s.origin(w, lead, p.end as usize - 1);
                f(Tok { id: p.id, start: base + a, end: base + b, word, added: false })?;
            }
        }
        ControlFlow::Continue(())
    }

    /// Word boundaries in a stretch: before each space that follows neither a space nor a
    /// glue character.
    fn words<'a>(&'a self, stretch: &'a str) -> impl Iterator<Item = (usize, usize)> + 'a {
        let bytes = stretch.as_bytes();
        // a plain scan: spaces are a few bytes apart, too dense for memchr to pay
        let mut cuts = (1..bytes.len()).filter(move |&i| bytes[i] == b' ' && self.cuts_after(bytes, i));
        let mut start = 0;
        let mut done = stretch.is_empty();
        std::iter::from_fn(move || {
            if done {
                return None;
            }
            if let Some(i) = cuts.next() {
                let w = (start, i);
                start = i;
                return Some(w);
            }
            done = true;
            Some((start, stretch.len()))
        })
    }

    /// Whether a word ends before the space at `bytes[i]` (i > 0): the character before it
    /// is neither a space nor a glue character.
    #[inline]
    fn cuts_after(&self, bytes: &[u8], i: usize) -> bool {
        let b = bytes[i - 1];
        if b < 0x80 {
            return b != b' ' && self.glue_ascii & (1 << b) == 0;
        }
        if !self.glue_wide {
            return true;
        }
        let lead = (0..i).rev().find(|&j| bytes[j] & 0xC0 != 0x80).unwrap_or(0);
        let prev = std::str::from_utf8(&bytes[lead..i]).ok().and_then(|s| s.chars().next());
        prev.is_some_and(|c| !self.glue.contains(&c))
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

/// One stretch of `text` between added tokens: its byte range, its word index, and whether
/// its first word takes a leading `▁`.
#[derive(Clone, Copy)]
struct Stretch {
    start: usize,
    end: usize,
    word: u32,
    prepend: bool,
}

/// Reused buffers: a word's normalized text when it differs from the word, where the word's
/// spaces are, and the word's pieces.
#[derive(Default)]
struct Scratch {
    norm: String,
    spaces: Vec<usize>,
    pieces: Vec<Piece>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

impl Scratch {
    /// Frees what a long word grew, so a thread keeps at most ~130 KiB between calls.
    fn trim(&mut self) {
        if self.norm.capacity() > 1 << 14 || self.spaces.capacity() > 1 << 12 || self.pieces.capacity() > 1 << 12 {
            *self = Scratch::default();
        }
    }

    /// Whether `word` (after a `▁` if `lead`) normalizes to something else than itself: then
    /// `norm` holds it, spaces turned into `▁`. `spaces` holds where the word's spaces are,
    /// for `origin`.
    fn normalize(&mut self, word: &str, lead: bool) -> bool {
        self.spaces.clear();
        let bytes = word.as_bytes();
        // Most words are one space and a run of non-spaces (`words` cuts before spaces).
        if !lead && bytes.first() == Some(&b' ') && !bytes[1..].contains(&b' ') {
            self.spaces.push(0);
            self.norm.clear();
            self.norm.push(SPACE);
            self.norm.push_str(&word[1..]);
            return true;
        }
        self.spaces.extend(bytes.iter().enumerate().filter(|&(_, &b)| b == b' ').map(|(i, _)| i));
        if !lead && self.spaces.is_empty() {
            return false;
        }
        self.norm.clear();
        if lead {
            self.norm.push(SPACE);
        }
        let mut from = 0;
        for &q in &self.spaces {
            self.norm.push_str(&word[from..q]);
            self.norm.push(SPACE);
            from = q + 1;
        }
        self.norm.push_str(&word[from..]);
        true
    }

    /// The byte span in `word` of the character that normalized byte `n` came from: a `▁`
    /// from a space maps to the space, the leading `▁` to the word's first character (as
    /// `Prepend` aligns it), any other byte to its whole character (so a byte-fallback token
    /// spans its character, as the crate's alignments do).
    fn origin(&self, word: &str, lead: bool, mut n: usize) -> (usize, usize) {
        let bytes = word.as_bytes();
        if lead {
            if n < SPACE.len_utf8() {
                return (0, char_len(bytes, 0));
            }
            n -= SPACE.len_utf8();
        }
        // each space before `n` is 3 normalized bytes for 1 of the word
        let grown = SPACE.len_utf8() - 1;
        let mut shift = 0;
        for &q in &self.spaces {
            let at = q + shift;
            if n < at {
                break;
            }
            if n < at + SPACE.len_utf8() {
                return (q, q + 1);
            }
            shift += grown;
        }
        let w = crate::fast::tok::floor_char(bytes, n - shift);
        (w, w + char_len(bytes, w))
    }
}

/// Length of the character starting at `bytes[i]` (1 past the end).
fn char_len(bytes: &[u8], i: usize) -> usize {
    match bytes.get(i) {
        Some(&b) if b >= 0xF0 => 4,
        Some(&b) if b >= 0xE0 => 3,
        Some(&b) if b >= 0xC0 => 2,
        _ => 1,
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

    /// `normalize` and `origin` against the per-byte map they replace: each normalized byte
    /// to the span of the character it came from.
    #[test]
    fn origin_matches_a_per_byte_map() {
        for word in [" ab", "ab", "  a b", " 中文", "é", " ", "   ", "a  ", " 😀 x", ">  </"] {
            for lead in [false, true] {
                let mut want = vec![];
                let mut norm = String::new();
                if lead {
                    norm.push(SPACE);
                    want.extend([(0, word.chars().next().map_or(0, char::len_utf8)); 3]);
                }
                for (i, c) in word.char_indices() {
                    let n = if c == ' ' { SPACE } else { c };
                    norm.push(n);
                    want.extend(std::iter::repeat_n((i, i + c.len_utf8()), n.len_utf8()));
                }
                let mut s = Scratch::default();
                let got_norm = if s.normalize(word, lead) { s.norm.clone() } else { word.to_string() };
                assert_eq!(got_norm, norm, "{word:?} {lead}");
                let got: Vec<_> = (0..norm.len()).map(|n| s.origin(word, lead, n)).collect();
                assert_eq!(got, want, "{word:?} {lead}");
            }
        }
    }
}
