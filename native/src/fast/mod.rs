//! Our own hot paths. Each takes over only configurations it is proven to reproduce exactly
//! (tests in each file, native/tests/parity.rs, and the cargo-fuzz target in native/fuzz/,
//! all through `differential::compare`); everything else runs the `tokenizers` crate path in
//! pipeline.rs.
//!
//! Which configurations each path takes, and why it is exact, is in each file's notes; what
//! each design bought and the designs we dropped are in native/PERFORMANCE.md.

pub mod added;
pub mod bpe;
pub mod pretok;
pub mod resolve;
pub mod tok;
pub mod wordpiece;

use crate::pipeline::HfTokenizer;
use crate::spec::BpeSpec;
use crate::vocab::model::ModelVocab;
use crate::vocab::strings::TokenStrings;
use bpe::bytelevel::ByteLevelBpe;
use bpe::sentencepiece::SentencePieceBpe;
use std::ops::ControlFlow;
use tok::{ceil_char, floor_char, Tok};
use tokenizers::Encoding;
use wordpiece::WordPiece;

/// A token's byte span widened to whole characters.
fn whole_chars(bytes: &[u8], t: &Tok) -> (usize, usize) {
    (floor_char(bytes, t.start), ceil_char(bytes, t.end))
}

/// (left id, right id) key → (rank, merged id).
pub type MergeTable = crate::hash::FxHashMap<u64, (u32, u32)>;

type MergesLater<'a> = Box<dyn FnOnce() -> Option<MergeTable> + 'a>;

/// The model's merge table and vocabulary, handed to whichever fast path accepts the
/// configuration. The merge table comes from a closure (load.rs: joining the thread that
/// builds it), called only when a path takes the tables: after its own tables are built.
pub struct Tables<'a> {
    merges: std::cell::Cell<Option<MergesLater<'a>>>,
    vocab: std::cell::Cell<Option<ModelVocab>>,
}

impl Tables<'_> {
    fn take(&self) -> Option<(MergeTable, ModelVocab)> {
        let merges = self.merges.take()?();
        Some((merges?, self.vocab.take()?))
    }
}

/// An Encoding's per-token data for one sequence, before the Encoding is built: the parts
/// of a long text cut at guaranteed splits are tokenized apart and joined (`join`).
#[derive(Default)]
pub struct Tokens {
    ids: Vec<u32>,
    strings: Vec<String>,
    offsets: Vec<(usize, usize)>,
    words: Vec<Option<u32>>,
}

impl Tokens {
    fn with_capacity(n: usize) -> Self {
        Tokens {
            ids: Vec::with_capacity(n),
            strings: Vec::with_capacity(n),
            offsets: Vec::with_capacity(n),
            words: Vec::with_capacity(n),
        }
    }

    pub fn into_encoding(self, type_id: u32) -> Encoding {
        let n = self.ids.len();
        Encoding::new(
            self.ids,
            vec![type_id; n],
            self.strings,
            self.words,
            self.offsets,
            vec![0; n],
            vec![1; n],
            vec![],
            Default::default(),
        )
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The parts of a long text as one, in text order; each part comes with the offset where
    /// it starts (in the unit its offsets use). Its offsets move by that much, and its word
    /// indices continue after the previous parts' last word (every word has a token, none
    /// spans a cut). Each part is copied into place on rayon's pool: joined on the calling
    /// thread, the copies and the page faults of the new vectors were most of what kept a
    /// 2-thread `encode` of the four benchmark documents near its 1-thread time.
    pub fn join(parts: Vec<(Tokens, usize)>) -> Tokens {
        use rayon::prelude::*;
        use std::mem::MaybeUninit;
        let total = parts.iter().map(|(t, _)| t.len()).sum();
        let mut word_base = 0;
        let shifts: Vec<(usize, u32)> = parts
            .iter()
            .map(|(t, start)| {
                let base = word_base;
                word_base += t.words.last().copied().flatten().map_or(0, |w| w + 1);
                (*start, base)
            })
            .collect();
        let mut out = Tokens::with_capacity(total);
        /// One part's room in each of the four vectors.
        type Slots<'a> = (
            &'a mut [MaybeUninit<u32>],
            &'a mut [MaybeUninit<String>],
            &'a mut [MaybeUninit<(usize, usize)>],
            &'a mut [MaybeUninit<Option<u32>>],
        );
        {
            let mut ids = out.ids.spare_capacity_mut();
            let mut strings = out.strings.spare_capacity_mut();
            let mut offsets = out.offsets.spare_capacity_mut();
            let mut words = out.words.spare_capacity_mut();
            let mut slots = Vec::with_capacity(parts.len());
            for (t, _) in &parts {
                let n = t.len();
                // `set_len` below needs `fill` to write all `n` of each: `tokens_of` (the only
                // writer) pushes one of each per token, checked here too, at a few compares a
                // part, so the invariant does not rest on code elsewhere in `fast/`.
                assert!(
                    t.strings.len() == n && t.offsets.len() == n && t.words.len() == n,
                    "Tokens vectors of unequal lengths"
                );
                let (a, rest) = std::mem::take(&mut ids).split_at_mut(n);
                ids = rest;
                let (b, rest) = std::mem::take(&mut strings).split_at_mut(n);
                strings = rest;
                let (c, rest) = std::mem::take(&mut offsets).split_at_mut(n);
                offsets = rest;
                let (d, rest) = std::mem::take(&mut words).split_at_mut(n);
                words = rest;
                slots.push((a, b, c, d));
            }
            let fill = |((t, _), ((start, base), (ids, strings, offsets, words))): (
                (Tokens, usize),
                ((usize, u32), Slots<'_>),
            )| {
                for (slot, id) in ids.iter_mut().zip(t.ids) {
                    slot.write(id);
                }
                for (slot, string) in strings.iter_mut().zip(t.strings) {
                    slot.write(string);
                }
                for (slot, (s, e)) in offsets.iter_mut().zip(t.offsets) {
                    slot.write((s + start, e + start));
                }
                for (slot, w) in words.iter_mut().zip(t.words) {
                    slot.write(w.map(|w| w + base));
                }
            };
            parts.into_par_iter().zip(shifts.into_par_iter().zip(slots)).for_each(fill);
        }
        // SAFETY: `with_capacity(total)` gave each vector room for `total` elements; the slots
        // partition the first `total` of them, one slice per part of exactly its `len()`
        // (`total` is their sum), and `fill` wrote every element of every slice: its zips run
        // to the end of both sides, since a part's four vectors have that one length (asserted
        // above). A panic before this point leaves the lengths at 0 (a leak, never a read).
        unsafe {
            out.ids.set_len(total);
            out.strings.set_len(total);
            out.offsets.set_len(total);
            out.words.set_len(total);
        }
        out
    }

    /// Rewrites every offset span (to UTF-16 units: offsets.rs).
    pub fn map_offsets(&mut self, mut f: impl FnMut((usize, usize)) -> (usize, usize)) {
        for span in &mut self.offsets {
            *span = f(*span);
        }
    }
}

/// The fast path chosen for a tokenizer at load. Every method returns None (or false) when
/// this input needs the crate path after all.
// One per engine, so its size does not matter, and every encode and count goes through it:
// boxing the larger variants would add a pointer hop to each call for no memory saved.
#[allow(clippy::large_enum_variant)]
pub enum FastPath {
    ByteLevel(ByteLevelBpe),
    SentencePiece(SentencePieceBpe),
    WordPiece(WordPiece),
}

impl FastPath {
    /// `tok` gives every component but the model (it is the shell, spec.rs); `merges` gives
    /// the model's merge table (`bpe::bytelevel::merge_table`), which load.rs builds on a second
    /// thread meanwhile, and `vocab` is the model's vocabulary the shell was built on.
    pub fn build<'a>(
        tok: &HfTokenizer,
        model: &BpeSpec,
        merges: impl FnOnce() -> Option<MergeTable> + 'a,
        vocab: ModelVocab,
    ) -> Option<Self> {
        let tables =
            Tables { merges: std::cell::Cell::new(Some(Box::new(merges))), vocab: std::cell::Cell::new(Some(vocab)) };
        ByteLevelBpe::build(tok, model, &tables)
            .map(FastPath::ByteLevel)
            .or_else(|| SentencePieceBpe::build(tok, model, &tables).map(FastPath::SentencePiece))
    }

    /// The model's vocabulary (a shell tokenizer does not hold it).
    pub fn model_vocab(&self) -> Option<&ModelVocab> {
        match self {
            FastPath::ByteLevel(b) => Some(b.model_vocab()),
            FastPath::SentencePiece(s) => Some(s.model_vocab()),
            FastPath::WordPiece(w) => Some(w.model_vocab()),
        }
    }

    /// The crate tokenizer with the model, where this path builds and holds it (WordPiece);
    /// None on the other paths. Built on the first call.
    pub fn reference(&self) -> Option<std::result::Result<&HfTokenizer, &String>> {
        match self {
            FastPath::WordPiece(w) => Some(w.reference()),
            _ => None,
        }
    }

    /// Whether `reference` has been built.
    pub fn reference_built(&self) -> bool {
        matches!(self, FastPath::WordPiece(w) if w.reference_built())
    }

    /// The BPE merge table this path runs, if it is a BPE path.
    pub fn bpe(&self) -> Option<&bpe::Bpe> {
        match self {
            FastPath::ByteLevel(b) => Some(b.bpe()),
            FastPath::SentencePiece(s) => Some(s.bpe()),
            FastPath::WordPiece(_) => None,
        }
    }

    /// The fast path for a tokenizer loaded by the crate (models other than BPE).
    pub fn from_crate(tok: &HfTokenizer) -> Option<Self> {
        WordPiece::build(tok).map(FastPath::WordPiece)
    }

    pub fn name(&self) -> &'static str {
        match self {
            FastPath::ByteLevel(_) => "byte-level BPE",
            FastPath::SentencePiece(_) => "SentencePiece BPE",
            FastPath::WordPiece(_) => "WordPiece",
        }
    }

    /// Up to `parts` pieces of a long text whose tokens, concatenated, are the text's, for
    /// the parallel split: each part after the first is tokenized with `tokenize_part(…,
    /// continued = true)`. Word indices continue across the cuts except on SentencePiece
    /// (whose stretch is one word), so `splits_words` says whether Encodings may be joined.
    pub fn cuts(&self, text: &str, plain_special: bool, parts: usize) -> Vec<(usize, usize)> {
        match self {
            FastPath::ByteLevel(b) => b.cuts(text, plain_special, parts),
            FastPath::WordPiece(w) => w.cuts(text, plain_special, parts),
            FastPath::SentencePiece(s) => s.cuts(text, plain_special, parts),
        }
    }

    /// Whether `cuts` fall between words, so that the parts' Encodings join (`Tokens::join`).
    pub fn splits_words(&self) -> bool {
        !matches!(self, FastPath::SentencePiece(_))
    }

    /// Calls `f` for every token until it returns `Break`; false → use the crate path.
    pub fn tokenize(&self, text: &str, plain_special: bool, f: impl FnMut(Tok) -> ControlFlow<()>) -> bool {
        self.tokenize_part(text, plain_special, false, f)
    }

    /// `tokenize` for callers that read only the ids: it takes some inputs `tokenize` hands
    /// back (byte-level BPE under NFC with text that is not NFC); false when it hands one back.
    pub fn tokenize_ids(&self, text: &str, plain_special: bool, f: impl FnMut(Tok) -> ControlFlow<()>) -> bool {
        match self {
            FastPath::ByteLevel(b) => {
                b.tokenize_ids(text, plain_special, f);
                true
            }
            _ => self.tokenize(text, plain_special, f),
        }
    }

    /// `tokenize` of a part of a longer text (`cuts`); `continued`: not its first part.
    pub fn tokenize_part(
        &self,
        text: &str,
        plain_special: bool,
        continued: bool,
        f: impl FnMut(Tok) -> ControlFlow<()>,
    ) -> bool {
        match self {
            FastPath::ByteLevel(b) => b.tokenize(text, plain_special, f),
            FastPath::SentencePiece(s) => {
                s.tokenize(text, plain_special, continued, f);
                true
            }
            FastPath::WordPiece(w) => w.tokenize(text, plain_special, f),
        }
    }

    /// Vocabulary strings by id: an Encoding's `tokens`.
    fn tokens(&self) -> &TokenStrings {
        match self {
            FastPath::ByteLevel(b) => b.tokens(),
            FastPath::SentencePiece(s) => s.tokens(),
            FastPath::WordPiece(w) => w.tokens(),
        }
    }

    /// The Encoding of one sequence, byte offsets into `text`; None → use the crate path.
    /// `strings`: spell each token (else model tokens' strings stay empty: token_strings.rs).
    pub fn encode(&self, text: &str, type_id: u32, plain_special: bool, strings: bool) -> Option<Encoding> {
        self.tokens_of(text, plain_special, strings).map(|t| t.into_encoding(type_id))
    }

    /// The vocabulary's string for a model token id.
    pub fn token_string(&self, id: u32) -> Option<&str> {
        self.tokens().get(id as usize)
    }

    /// The tokens of `text` (an Encoding's per-token data), byte offsets into `text`; None →
    /// use the crate path. A byte-level token that covers part of a multi-byte character
    /// spans the whole character (the other paths' tokens are whole characters already).
    pub fn tokens_of(&self, text: &str, plain_special: bool, strings: bool) -> Option<Tokens> {
        let (bytes, tokens) = (text.as_bytes(), self.tokens());
        // Room for a token per 4 bytes (what prose and code average; pages not written are
        // never faulted in): growing four vectors by doubling was a fifth of a long-document
        // `encode` from JS, in realloc copies and page faults (perf).
        let mut out = Tokens::with_capacity(text.len() / 4 + 8);
        let ok = self.tokenize(text, plain_special, |t| {
            out.ids.push(t.id);
            out.strings.push(match (t.added, strings) {
                (true, _) => text[t.start..t.end].to_string(),
                (false, true) => tokens[t.id as usize].to_string(),
                (false, false) => String::new(),
            });
            out.offsets.push(whole_chars(bytes, &t));
            out.words.push(Some(t.word));
            ControlFlow::Continue(())
        });
        ok.then_some(out)
    }

    /// Number of tokens of one sequence, counting no further than `limit`; None → use the
    /// crate path.
    pub fn count(&self, text: &str, plain_special: bool, limit: usize) -> Option<usize> {
        self.count_part(text, plain_special, false, limit)
    }

    /// `count` of a part of a longer text (`cuts`); `continued`: not its first part.
    pub fn count_part(&self, text: &str, plain_special: bool, continued: bool, limit: usize) -> Option<usize> {
        let mut n = 0;
        let ok = self.tokenize_part(text, plain_special, continued, |_| {
            n += 1;
            if n > limit {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        ok.then_some(n)
    }

    /// Byte spans of the tokens, each covering whole characters (as an Encoding's offsets).
    pub fn spans(&self, text: &str, plain_special: bool) -> Option<Vec<(usize, usize)>> {
        let mut spans = Vec::new();
        let ok = self.tokenize(text, plain_special, |t| {
            spans.push(whole_chars(text.as_bytes(), &t));
            ControlFlow::Continue(())
        });
        ok.then_some(spans)
    }

    /// `tok` is the tokenizer this path was built with.
    pub fn decode(&self, tok: &HfTokenizer, ids: &[u32], skip_special_tokens: bool) -> Option<String> {
        match self {
            FastPath::ByteLevel(b) => b.decode(tok, ids, skip_special_tokens),
            FastPath::WordPiece(w) => w.decode(tok, ids, skip_special_tokens),
            FastPath::SentencePiece(_) => None,
        }
    }
}
