//! The fast path for BERT-style WordPiece tokenizers (BERT, MiniLM, DistilBERT, …).
//!
//! Accepted configuration: normalizer `BertNormalizer` (any options) or none; pre-tokenizer
//! exactly `BertPreTokenizer`; a `WordPiece` model whose unknown token is in the vocabulary;
//! added tokens matched on raw text (not `normalized`, no lstrip/rstrip/single_word).
//!
//! Added tokens split the text first. The rest is cut at ASCII spaces, tabs, newlines and
//! returns — splits the pre-tokenizer always makes — into stretches:
//! - printable ASCII (the bulk of what these English models are fed): here the normalizer
//!   only lowercases, which keeps every byte in place, so offsets need no alignment map.
//!   Words end at punctuation (each mark its own word) and are matched greedily, longest
//!   prefix first, against the vocabulary — continuation pieces with their `##` prefix — a
//!   word with an unmatched rest, or longer than `max_input_chars_per_word`, becoming the one
//!   unknown token, as `WordPiece::tokenize` does. Lookups use fast/bpe's inline-keyed piece
//!   map, continuations in a second map keyed without the prefix, so no probe builds a string.
//! - anything else (accents, CJK, Arabic, emoji, control characters): normalized and split
//!   character by character (bert_norm.rs: each character's output and the original span it
//!   maps back to depend on that character alone), then matched word by word as above
//!   (`unicode_stretch`).
//! - a stretch with a mark NFD would reorder across characters (a spacing mark with a
//!   combining class, under `strip_accents`): the crate's own normalizer, pre-tokenizer and
//!   model on that stretch alone (`crate_stretch`).
//!
//! Decoding, with the `WordPiece` decoder, is a concatenation of per-token texts: the
//! decoder treats each token alone (prefix stripped or a space put in front, then
//! `cleanup`), differently only for the first. Both texts of every id are built on the first
//! decode (`DecodeTable`) with the crate's own `cleanup`.

mod bert_norm;

use crate::fast::added::{raw_added_matcher, AddedMatcher, Segment};
use crate::fast::bpe::Whole;
use crate::fast::tok::Tok;
use crate::pipeline::{self, HfTokenizer};
use crate::spec::{WordPieceOptions, WordPieceSpec};
use crate::vocab::model::ModelVocab;
use crate::vocab::strings::TokenStrings;
use bert_norm::{BertNorm, Classes, Split};
use std::borrow::Cow;
use std::ops::ControlFlow;
use std::sync::OnceLock;
use tokenizers::{AddedVocabulary, ModelWrapper, OffsetType};

/// The ASCII whitespace the pre-tokenizer always splits at (form feed is not one of them:
/// `clean_text` deletes it, joining its neighbours).
fn is_cut(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

pub struct WordPiece {
    /// The crate tokenizer with the model, for stretches that are not printable ASCII (run
    /// with an empty added vocabulary: added tokens are already split off), and the engine's
    /// crate path. Loaded by the crate, it is a clone of that tokenizer; loaded from spec.rs,
    /// it is built on first need from `recipe` and the vocabulary.
    reference: OnceLock<Result<HfTokenizer, String>>,
    /// The shell (every component but the model) and the model's options.
    recipe: Option<(HfTokenizer, WordPieceOptions)>,
    no_added: AddedVocabulary,
    /// The normalizer per character (bert_norm.rs), for text that is not printable ASCII.
    classes: Classes,
    /// Vocabulary entries, by their bytes.
    start: Whole,
    /// Entries that begin with the continuing-subword prefix, by the bytes after it.
    cont: Whole,
    unk: u32,
    max_chars: usize,
    added: AddedMatcher,
    /// The model's vocabulary: strings by id (an Encoding's `tokens`) and token → id.
    vocab: ModelVocab,
    decode: OnceLock<Option<DecodeTable>>,
}

/// How `tok` is set up, if it is one this path takes: the normalizer's options (all off
/// without one), and the added-token matcher.
fn configuration(tok: &HfTokenizer) -> Option<(BertNorm, AddedMatcher)> {
    let norm = match tok.get_normalizer().map(serde_json::to_value) {
        None => BertNorm::default(),
        Some(Ok(n)) => BertNorm::from_json(&n)?,
        Some(Err(_)) => return None,
    };
    let pre = serde_json::to_value(tok.get_pre_tokenizer()?).ok()?;
    if pre != serde_json::json!({"type": "BertPreTokenizer"}) {
        return None;
    }
    Some((norm, raw_added_matcher(tok)?))
}

/// Buffers of one `tokenize` call, reused from word to word and stretch to stretch.
#[derive(Default)]
struct Scratch {
    /// A word's pieces: (id, first char, end char), or (id, first byte, end byte) in ASCII.
    pieces: Vec<(u32, u32, u32)>,
    /// A stretch normalized (`unicode_stretch`): its words' text, one after another; the
    /// byte offset of each char in it (and, once complete, its length); the original span of
    /// each char; the words as char ranges.
    text: String,
    bounds: Vec<u32>,
    spans: Vec<(u32, u32)>,
    words: Vec<(u32, u32)>,
    /// One character's normalized form.
    out: Vec<char>,
}

impl Scratch {
    fn push_char(&mut self, c: char, span: (u32, u32)) {
        self.bounds.push(self.text.len() as u32);
        self.text.push(c);
        self.spans.push(span);
    }

    /// Ends the word that began at char `*from` (if it has chars).
    fn end_word(&mut self, from: &mut u32) {
        let n = self.spans.len() as u32;
        if n > *from {
            self.words.push((*from, n));
        }
        *from = n;
    }
}

/// The lookup tables of a vocabulary given as (token, id) in the order a map of it is
/// filled: pieces that start a word, and continuations by their bytes after `prefix`.
fn piece_tables<'t>(entries: impl ExactSizeIterator<Item = (&'t str, u32)>, prefix: &str) -> (Whole, Whole) {
    let (mut start, mut cont) = (Whole::with_capacity(entries.len()), Whole::with_capacity(entries.len() / 4));
    for (token, id) in entries {
        start.insert(token.as_bytes(), id);
        if let Some(rest) = token.strip_prefix(prefix) {
            cont.insert(rest.as_bytes(), id);
        }
    }
    (start, cont)
}

/// Every id's decoded text, as the first token of a decode and as any later one, in one
/// string; `special` as the crate's `skip_special_tokens` sees it (by content).
struct DecodeTable {
    text: String,
    entries: Vec<Option<DecodeEntry>>,
}

#[derive(Clone, Copy)]
struct DecodeEntry {
    /// `text[first.0..first.1]`, `text[later.0..later.1]`.
    first: (u32, u32),
    later: (u32, u32),
    special: bool,
}

impl DecodeTable {
    /// None when the decoder is not WordPiece (the crate path decodes).
    fn build(tok: &HfTokenizer, model_tokens: &TokenStrings) -> Option<Self> {
        let decoder = serde_json::to_value(tok.get_decoder()?).ok()?;
        if decoder["type"] != "WordPiece" {
            return None;
        }
        let (prefix, cleanup) = (decoder["prefix"].as_str()?, decoder["cleanup"].as_bool()?);
        let clean = |t: String| if cleanup { tokenizers::decoders::wordpiece::cleanup(&t) } else { t };
        let added = tok.get_added_vocabulary();
        let added_tokens = tok.get_added_tokens_decoder();
        let n = added_tokens.keys().map(|&id| id as usize + 1).max().unwrap_or(0).max(model_tokens.len());
        let mut table = DecodeTable { text: String::new(), entries: vec![None; n] };
        let push = |text: &mut String, s: String| {
            let start = text.len() as u32;
            text.push_str(&s);
            (start, text.len() as u32)
        };
        for id in 0..n {
            // As `TokenizerImpl::decode`: the added vocabulary first, then the model's.
            let token: Option<&str> = match added_tokens.get(&(id as u32)) {
                Some(t) => Some(t.content.as_str()),
                None => model_tokens.get(id).filter(|t| !t.is_empty()),
            };
            let Some(t) = token else { continue };
            // As `WordPiece::decode_chain`, for a token at index 0 and at any other index.
            let first = push(&mut table.text, clean(t.to_string()));
            let later =
                push(&mut table.text, clean(t.strip_prefix(prefix).map_or_else(|| format!(" {t}"), str::to_string)));
            table.entries[id] = Some(DecodeEntry { first, later, special: added.is_special_token(t) });
        }
        Some(table)
    }
}

/// Longest word looked up on the stack; a longer one is over any real
/// `max_input_chars_per_word` (BERT's is 100) and takes the slow road through a Vec.
const WORD_BUF: usize = 128;

impl WordPiece {
    /// The path for a tokenizer the crate loaded (`tok` has the model).
    pub fn build(tok: &HfTokenizer) -> Option<Self> {
        let ModelWrapper::WordPiece(model) = tok.get_model() else { return None };
        let (norm, added) = configuration(tok)?;
        let crate_vocab = tokenizers::Model::get_vocab(model);
        let entries: Vec<(Cow<str>, u32)> =
            crate_vocab.iter().map(|(t, &id)| (Cow::Borrowed(t.as_str()), id)).collect();
        let vocab = ModelVocab::new(&entries)?;
        let (start, cont) =
            piece_tables(entries.iter().map(|(t, id)| (t.as_ref(), *id)), &model.continuing_subword_prefix);
        let unk = vocab.id(&model.unk_token)?;
        Some(WordPiece {
            reference: OnceLock::from(Ok(tok.clone())),
            recipe: None,
            no_added: AddedVocabulary::new(),
            classes: Classes::new(norm),
            start,
            cont,
            unk,
            max_chars: model.max_input_chars_per_word,
            added,
            vocab,
            decode: OnceLock::new(),
        })
    }

    /// The path for a tokenizer read by spec.rs: `shell` has every component but the model,
    /// `vocab` is the model's vocabulary (from `spec.vocab`).
    pub fn from_spec(shell: &HfTokenizer, spec: &WordPieceSpec, vocab: ModelVocab) -> Option<Self> {
        let (norm, added) = configuration(shell)?;
        let options = &spec.options;
        let (start, cont) =
            piece_tables(spec.vocab.iter().map(|(t, id)| (t.as_ref(), *id)), &options.continuing_subword_prefix);
        let unk = vocab.id(&options.unk_token)?;
        Some(WordPiece {
            reference: OnceLock::new(),
            recipe: Some((shell.clone(), options.clone())),
            no_added: AddedVocabulary::new(),
            classes: Classes::new(norm),
            start,
            cont,
            unk,
            max_chars: options.max_input_chars_per_word,
            added,
            vocab,
            decode: OnceLock::new(),
        })
    }

    /// The crate tokenizer with the model (see `reference`), built on the first call.
    pub fn reference(&self) -> Result<&HfTokenizer, &String> {
        self.reference
            .get_or_init(|| {
                let (shell, options) = self.recipe.as_ref().ok_or("no recipe for the WordPiece model")?;
                let model = options.model(tokenizers::Model::get_vocab(&self.vocab)).map_err(|e| e.to_string())?;
                let mut full = shell.clone();
                full.with_model(ModelWrapper::WordPiece(model));
                Ok(full)
            })
            .as_ref()
    }

    pub fn reference_built(&self) -> bool {
        self.reference.get().is_some()
    }

    pub fn model_vocab(&self) -> &ModelVocab {
        &self.vocab
    }

    /// Calls `f` for every token until it returns `Break`. Always true: a stretch of text
    /// between ASCII spaces, tabs and newlines that is not all printable ASCII runs through
    /// the crate's own normalizer, pre-tokenizer and model (`crate_stretch`).
    pub fn tokenize(&self, text: &str, plain_special: bool, mut f: impl FnMut(Tok) -> ControlFlow<()>) -> bool {
        let bytes = text.as_bytes();
        let mut word = 0u32;
        let mut scratch = Scratch::default();
        self.added.try_segments(text, plain_special, |seg| match seg {
            Segment::Added { id, start, end } => f(Tok::added_word(id, start, end, &mut word)),
            Segment::Text { start, end } => {
                let mut i = start;
                while i < end {
                    if is_cut(bytes[i]) {
                        i += 1;
                        continue;
                    }
                    let stretch_end = (i..end).find(|&j| is_cut(bytes[j])).unwrap_or(end);
                    if bytes[i..stretch_end].iter().all(|b| (0x20..=0x7e).contains(b)) {
                        self.ascii_stretch(bytes, i, stretch_end, &mut word, &mut scratch, &mut f)?;
                    } else if let Some(flow) =
                        self.unicode_stretch(text, i, stretch_end, &mut word, &mut scratch, &mut f)
                    {
                        flow?;
                    } else {
                        self.crate_stretch(text, i, stretch_end, &mut word, &mut f)?;
                    }
                    i = stretch_end;
                }
                ControlFlow::Continue(())
            }
        });
        true
    }

    /// Up to `parts` pieces of `text` that tokenize independently to exactly the tokens of the
    /// whole (word indices aside), as `[start, end)` byte ranges in order: cut after an ASCII
    /// space, tab, newline or return outside every added-token match. The pre-tokenizer
    /// always splits there, and `tokenize` handles the text on either side apart (its
    /// stretches end there; the normalizer works per character).
    pub fn cuts(&self, text: &str, plain_special: bool, parts: usize) -> Vec<(usize, usize)> {
        self.added.cuts(text, plain_special, parts, |bytes, p, _| is_cut(bytes[p - 1]))
    }

    /// Printable ASCII with no whitespace: words end at punctuation, each mark a word.
    fn ascii_stretch(
        &self,
        bytes: &[u8],
        start: usize,
        end: usize,
        word: &mut u32,
        scratch: &mut Scratch,
        f: &mut impl FnMut(Tok) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let mut i = start;
        while i < end {
            let we = if bytes[i].is_ascii_punctuation() {
                i + 1
            } else {
                (i..end).find(|&j| bytes[j].is_ascii_punctuation()).unwrap_or(end)
            };
            self.word(&bytes[i..we], i, *word, &mut scratch.pieces, f)?;
            *word += 1;
            i = we;
        }
        ControlFlow::Continue(())
    }

    /// Any other stretch, normalized and split per character (bert_norm.rs), then matched
    /// word by word as the ASCII words are; None (nothing emitted) when a character cannot be
    /// normalized on its own, and the crate must take the stretch.
    ///
    /// Each normalized character keeps the original span of the character it came from, as
    /// the crate's alignments do, so a piece spans from its first character's original start
    /// to its last one's original end.
    fn unicode_stretch(
        &self,
        text: &str,
        start: usize,
        end: usize,
        word: &mut u32,
        s: &mut Scratch,
        f: &mut impl FnMut(Tok) -> ControlFlow<()>,
    ) -> Option<ControlFlow<()>> {
        s.text.clear();
        s.bounds.clear();
        s.spans.clear();
        s.words.clear();
        let mut out = std::mem::take(&mut s.out);
        let mut from = 0u32;
        for (i, c) in text[start..end].char_indices() {
            let span = ((start + i) as u32, (start + i + c.len_utf8()) as u32);
            let class = self.classes.of(c);
            let outs: &[char] = match class.same {
                Some(false) => continue,
                Some(true) => std::slice::from_ref(&c),
                None => {
                    out.clear();
                    if self.classes.norm().normalize(c, &mut out).is_none() {
                        s.out = out;
                        return None;
                    }
                    &out
                }
            };
            if class.isolated {
                s.end_word(&mut from);
            }
            for &d in outs {
                let split = if class.same == Some(true) { class.split } else { self.classes.of(d).split };
                match split {
                    Split::Word => s.push_char(d, span),
                    Split::Space => s.end_word(&mut from),
                    Split::Punct => {
                        s.end_word(&mut from);
                        s.push_char(d, span);
                        s.end_word(&mut from);
                    }
                }
            }
            if class.isolated {
                s.end_word(&mut from);
            }
        }
        s.end_word(&mut from);
        s.out = out;
        s.bounds.push(s.text.len() as u32);
        let Scratch { pieces, text: normalized, bounds, spans, words, .. } = s;
        for &(c0, c1) in words.iter() {
            let (c0, c1) = (c0 as usize, c1 as usize);
            if self.pieces(normalized.as_bytes(), &bounds[c0..=c1], pieces) {
                for &(id, a, b) in pieces.iter() {
                    let tok = Tok {
                        id,
                        start: spans[c0 + a as usize].0 as usize,
                        end: spans[c0 + b as usize - 1].1 as usize,
                        word: *word,
                        added: false,
                    };
                    if f(tok).is_break() {
                        return Some(ControlFlow::Break(()));
                    }
                }
            } else {
                let tok = Tok {
                    id: self.unk,
                    start: spans[c0].0 as usize,
                    end: spans[c1 - 1].1 as usize,
                    word: *word,
                    added: false,
                };
                if f(tok).is_break() {
                    return Some(ControlFlow::Break(()));
                }
            }
            *word += 1;
        }
        Some(ControlFlow::Continue(()))
    }

    /// `WordPiece::tokenize`'s greedy longest match on one normalized word: its chars are
    /// `w[bounds[i]..bounds[i + 1]]`. Fills `pieces` with (id, first char, end char) and
    /// returns true, or returns false when the word is one unknown token (longer than
    /// `max_input_chars_per_word` chars, or a rest that no entry matches).
    fn pieces(&self, w: &[u8], bounds: &[u32], pieces: &mut Vec<(u32, u32, u32)>) -> bool {
        pieces.clear();
        let n = bounds.len() - 1;
        if n > self.max_chars {
            return false;
        }
        let mut a = 0;
        while a < n {
            let table = if a == 0 { &self.start } else { &self.cont };
            // Longest first, from the longest that fits the table's longest entry (searched
            // only for a rest longer than that: most words are shorter).
            let last = match (bounds[n] - bounds[a]) as usize > table.longest() {
                true => a + bounds[a + 1..].partition_point(|&e| (e - bounds[a]) as usize <= table.longest()).max(1),
                false => n,
            };
            let found = (a + 1..=last)
                .rev()
                .find_map(|b| table.get(&w[bounds[a] as usize..bounds[b] as usize]).map(|id| (id, b)));
            let Some((id, b)) = found else { return false };
            pieces.push((id, a as u32, b as u32));
            a = b;
        }
        true
    }

    /// Any other stretch, through the crate pipeline alone. Exact because a cut at an ASCII
    /// space, tab, newline or return is a split the pre-tokenizer always makes, and the
    /// BertNormalizer works per character (NFD reorders only combining marks, which cannot
    /// follow those four).
    fn crate_stretch(
        &self,
        text: &str,
        start: usize,
        end: usize,
        word: &mut u32,
        f: &mut impl FnMut(Tok) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let encoded = self.reference().map_err(|e| e.clone()).and_then(|tok| {
            pipeline::encode_sequence(tok, &self.no_added, &text[start..end], 0, None, OffsetType::Byte)
                .map_err(|e| e.to_string())
        });
        let enc = match encoded {
            Ok(enc) => enc,
            // The crate cannot fail on a WordPiece with its unknown token in the vocabulary
            // (nor can building its model from a vocabulary it was read from); if it did,
            // the stretch would be one unknown token, as a bad word is.
            Err(_) => {
                f(Tok { id: self.unk, start, end, word: *word, added: false })?;
                *word += 1;
                return ControlFlow::Continue(());
            }
        };
        let words = enc.get_word_ids().iter().flatten().max().map_or(0, |&w| w + 1);
        for ((&id, &(s, e)), w) in enc.get_ids().iter().zip(enc.get_offsets()).zip(enc.get_word_ids()) {
            f(Tok { id, start: start + s, end: start + e, word: *word + w.unwrap_or(0), added: false })?;
        }
        *word += words;
        ControlFlow::Continue(())
    }

    /// The pieces of one word at byte `at` (`WordPiece::tokenize`).
    fn word(
        &self,
        raw: &[u8],
        at: usize,
        word: u32,
        pieces: &mut Vec<(u32, u32, u32)>,
        f: &mut impl FnMut(Tok) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let unk = Tok { id: self.unk, start: at, end: at + raw.len(), word, added: false };
        // ASCII only reaches here: one char per byte, and lowercasing keeps every byte where
        // it was.
        if raw.len() > self.max_chars {
            return f(unk);
        }
        let mut stack = [0u8; WORD_BUF];
        let mut heap = Vec::new();
        let w: &mut [u8] = if raw.len() <= WORD_BUF {
            &mut stack[..raw.len()]
        } else {
            heap.resize(raw.len(), 0);
            &mut heap
        };
        w.copy_from_slice(raw);
        if self.classes.norm().lowercase {
            w.make_ascii_lowercase();
        }
        // Every piece is found before any is emitted: an unmatched rest makes the whole word
        // one unknown token.
        pieces.clear();
        let mut start = 0;
        while start < w.len() {
            let table = if start == 0 { &self.start } else { &self.cont };
            // Longest first, from the table's longest entry: a longer probe cannot hit (a
            // 100-letter word would otherwise hash ~100 prefixes per piece).
            let longest = w.len().min(start + table.longest().max(1));
            let found = (start + 1..=longest).rev().find_map(|end| table.get(&w[start..end]).map(|id| (id, end)));
            let Some((id, end)) = found else { return f(unk) };
            pieces.push((id, start as u32, end as u32));
            start = end;
        }
        for &(id, s, e) in pieces.iter() {
            f(Tok { id, start: at + s as usize, end: at + e as usize, word, added: false })?;
        }
        ControlFlow::Continue(())
    }

    pub fn tokens(&self) -> &TokenStrings {
        self.vocab.tokens()
    }

    /// `Tokenizer::decode` for ids already checked to exist; None → use the crate path.
    /// `tok` is the tokenizer this path was built with.
    pub fn decode(&self, tok: &HfTokenizer, ids: &[u32], skip_special_tokens: bool) -> Option<String> {
        let table = self.decode.get_or_init(|| DecodeTable::build(tok, self.vocab.tokens())).as_ref()?;
        let mut out = String::with_capacity(ids.len() * 5);
        // The index the crate's decoder sees counts only the tokens left after skipping.
        let mut first = true;
        for &id in ids {
            let e = table.entries.get(id as usize).copied().flatten()?;
            if skip_special_tokens && e.special {
                continue;
            }
            let (a, b) = if first { e.first } else { e.later };
            out.push_str(&table.text[a as usize..b as usize]);
            first = false;
        }
        Some(out)
    }
}
