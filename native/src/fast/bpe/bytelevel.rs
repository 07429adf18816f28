//! The fast path for byte-level BPE tokenizers (GPT-2/RoBERTa, Llama 3, Qwen2/3, GPT-4o):
//! added tokens → hand-written split pattern → BPE on raw bytes, producing exactly the
//! `Encoding` the crate's `encode_single_sequence` produces (ids, tokens, byte offsets into
//! the original text, word ids), or just the ids for counting.
//!
//! `build` accepts a tokenizer only when every stage is one we reproduce: no normalizer or
//! NFC; pre-tokenizer `Sequence[Split(known pattern), ByteLevel(no prefix space, no regex)]`
//! or `ByteLevel(regex, no prefix space)`; a BPE model without dropout, byte fallback or
//! subword affixes, whose vocabulary has all 256 byte tokens; added tokens without
//! lstrip/rstrip/single_word. With NFC, an input that is not already NFC falls back to the
//! crate path (NFC would move offsets; the check is the crate's own normalizer code).

use super::word_cache::{self, Probe, WordCache};
use super::{Alphabet, Bpe, Edges, Piece, Whole};
use crate::fast::added::{AddedMatcher, Segment};
use crate::fast::pretok::{Pattern, GPT2_REGEX};
use crate::fast::tok::Tok;
use crate::fast::Tables;
use crate::pipeline::HfTokenizer;
use crate::short_map;
use crate::spec::BpeSpec;
use crate::vocab::model::ModelVocab;
use crate::vocab::strings::TokenStrings;
use serde_json::Value;
use std::ops::ControlFlow;

thread_local! {
    static PIECES: std::cell::RefCell<Vec<Piece>> = const { std::cell::RefCell::new(Vec::new()) };
}

pub struct ByteLevelBpe {
    pattern: Pattern,
    nfc: bool,
    bpe: Bpe,
    added: AddedMatcher,
    /// The model's vocabulary: strings by id (the `tokens` of an Encoding), and token → id
    /// for the engine's lookups.
    vocab: ModelVocab,
    /// Decoding, when the decoder is plain ByteLevel: see `DecodeTable`. Built on the first
    /// decode (~25 ms on Llama 3, which load need not pay).
    decode: std::sync::OnceLock<Option<DecodeTable>>,
}

/// What `Tokenizer::decode` does with each id under a ByteLevel decoder, precomputed: the
/// token (added vocabulary first, then the model's) mapped back through the byte-level
/// alphabet — or, if any of its chars is outside that alphabet, its own UTF-8, as
/// `ByteLevel::decode_chain` falls back to — and whether it is a special token (by content,
/// as `is_special_token` checks). The whole output is then one `from_utf8_lossy`.
struct DecodeTable {
    bytes: Vec<Option<Box<[u8]>>>,
    special: Vec<bool>,
}

/// One token of a sequence: id and byte span in the original text.
/// Sends a piece's tokens (`pieces`, byte ranges in the piece starting at `base`) to `f`.
#[inline]
fn emit(pieces: &[Piece], base: usize, word: u32, f: &mut impl FnMut(Tok) -> ControlFlow<()>) -> ControlFlow<()> {
    for &Piece { id, start, end } in pieces {
        f(Tok { id, start: base + start as usize, end: base + end as usize, word, added: false })?;
    }
    ControlFlow::Continue(())
}

impl ByteLevelBpe {
    /// The fast path for `tok` (the shell or the crate tokenizer: everything but the model
    /// is read from it) with `model`, or None when the configuration is not one we reproduce.
    pub fn build(tok: &HfTokenizer, model: &BpeSpec, tables: &Tables) -> Option<Self> {
        // No normalizer, or exactly NFC; any other normalizer (lowercase, NFKC, …) is not
        // reproduced here, so the crate path keeps it.
        let nfc = match tok.get_normalizer() {
            None => false,
            Some(n) if serde_json::to_value(n).ok()? == serde_json::json!({"type": "NFC"}) => true,
            Some(_) => return None,
        };
        let pattern = pattern_of(&serde_json::to_value(tok.get_pre_tokenizer()?).ok()?)?;
        if !model.is_plain() || model.byte_fallback() {
            return None;
        }
        let added = added_matcher(tok, nfc)?;
        // The vocabulary by raw bytes (the GPT-2 alphabet decoded), without a heap string
        // per token: most entries are short and keyed inline (bpe/mod.rs `Whole`).
        // Each id's edges too, for the pre-merge tables (premerge.rs), while the bytes are at
        // hand: one byte a token.
        let mut whole = Whole::with_capacity(model.vocab.len());
        let mut edges = vec![Edges::default(); model.vocab.len()];
        let mut byte_ids = [u32::MAX; 256];
        let mut raw = Vec::new();
        for (token, id) in &model.vocab {
            let id = *id;
            let edge = match byte_level_key(token) {
                Some((key, len)) if len <= short_map::MAX => {
                    whole.insert_short(key, id);
                    if len == 1 {
                        byte_ids[key as u8 as usize] = id;
                    }
                    Edges::of(&key.to_le_bytes()[..len])
                }
                Some(_) => {
                    raw.clear();
                    byte_level_decode_into(token, &mut raw);
                    whole.insert(&raw, id);
                    Edges::of(&raw)
                }
                None => continue,
            };
            if id as usize >= edges.len() {
                edges.resize(id as usize + 1, Edges::default());
            }
            edges[id as usize] = edge;
        }
        if byte_ids.contains(&u32::MAX) {
            return None;
        }
        let (merges, vocab) = tables.take()?;
        let bpe = Bpe::new(merges, Alphabet::Bytes(byte_ids), whole, model.ignore_merges()).with_edges(edges);
        Some(ByteLevelBpe { pattern, nfc, bpe, added, vocab, decode: Default::default() })
    }

    /// Calls `f` for every token of `text` until it returns `Break`; false when the input
    /// needs the crate path. `plain_special`: special tokens are encoded as ordinary text.
    pub fn tokenize(&self, text: &str, plain_special: bool, f: impl FnMut(Tok) -> ControlFlow<()>) -> bool {
        if self.nfc && !is_nfc(text) {
            return false;
        }
        self.run(text, plain_special, false, f);
        true
    }

    /// `tokenize` for callers that read only the ids: text that is not NFC under an NFC
    /// normalizer is normalized here, segment by segment between added tokens, as the crate
    /// normalizes it (its added tokens are all unnormalized: `added_matcher`). Token offsets
    /// then index the normalized segment, so only their ids mean anything.
    pub fn tokenize_ids(&self, text: &str, plain_special: bool, f: impl FnMut(Tok) -> ControlFlow<()>) {
        self.run(text, plain_special, self.nfc && !is_nfc(text), f);
    }

    fn run(&self, text: &str, plain_special: bool, normalize: bool, mut f: impl FnMut(Tok) -> ControlFlow<()>) {
        PIECES.with(|cell| {
            // A reused buffer: a 100-char prompt otherwise pays an allocation per call. A
            // nested call on the same thread (none today) would get a fresh one.
            let (mut borrowed, mut fresh) = (cell.try_borrow_mut(), Vec::new());
            let scratch = match &mut borrowed {
                Ok(p) => &mut **p,
                Err(_) => &mut fresh,
            };
            let mut word = 0u32;
            word_cache::with(self.bpe.owner(), |cache| {
                let mut cache = cache;
                self.added.try_segments(text, plain_special, |seg| match seg {
                    Segment::Added { id, start, end } => f(Tok::added_word(id, start, end, &mut word)),
                    Segment::Text { start, end } => {
                        let normalized = normalize.then(|| nfc(&text[start..end]));
                        let (segment, start) = match &normalized {
                            Some(n) => (n.as_str(), 0),
                            None => (&text[start..end], start),
                        };
                        match cache.as_deref_mut() {
                            Some(cache) => self.segment_cached(segment, start, cache, scratch, &mut word, &mut f),
                            None => self.pattern.each_split(segment, |ps, pe| {
                                scratch.clear();
                                self.bpe.encode(&segment.as_bytes()[ps..pe], scratch);
                                emit(scratch, start + ps, word, &mut f)?;
                                word += 1;
                                ControlFlow::Continue(())
                            }),
                        }
                    }
                });
            });
            if scratch.capacity() > 1 << 16 {
                *scratch = Vec::new();
            }
        });
    }

    /// The tokens of one segment (text between added tokens, at `base` in the text) through the
    /// word cache.
    fn segment_cached(
        &self,
        segment: &str,
        base: usize,
        cache: &mut WordCache,
        scratch: &mut Vec<Piece>,
        word: &mut u32,
        f: &mut impl FnMut(Tok) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let bytes = segment.as_bytes();
        self.pattern.each_split(segment, |ps, pe| {
            let w = *word;
            *word += 1;
            let probe = Probe::at(bytes, ps, pe);
            self.bpe.each_token(&bytes[ps..pe], probe, cache, scratch, |t| {
                f(Tok {
                    id: t.id,
                    start: base + ps + t.start as usize,
                    end: base + ps + t.end as usize,
                    word: w,
                    added: false,
                })
            })
        })
    }

    /// Up to `parts` pieces of `text` that tokenize independently to exactly the tokens of the
    /// whole, as `[start, end)` byte ranges in order (fewer when no cut is found).
    ///
    /// A cut goes before an ASCII letter or a CJK ideograph (U+4E00–U+9FFF) that follows
    /// `\n`, outside every added-token match. All four split patterns end a match there: `\n`
    /// can only be taken by the whitespace alternatives (`\s*[\r\n]+`, `\s+(?!\S)`, `\s+`),
    /// which cannot go on into a letter, and no alternative that takes a letter may start with
    /// `\n` (their optional prefixes exclude `\r\n`). Added-token matching restarts cleanly at
    /// a point no match spans, and NFC is local to the text around either kind of letter (both
    /// are starters that never compose with what precedes them). Ideographs count because
    /// Chinese lines rarely start with an ASCII letter: 39 cuts in the first 68 KB of the
    /// corpus's Chinese document, up to 6 KB apart; 146 with ideographs.
    pub fn cuts(&self, text: &str, plain_special: bool, parts: usize) -> Vec<(usize, usize)> {
        self.added.cuts(text, plain_special, parts, |bytes, p, _| {
            bytes[p - 1] == b'\n' && (bytes[p].is_ascii_alphabetic() || ideograph_at(bytes, p))
        })
    }

    /// `Tokenizer::decode` for ids already checked to exist; None → use the crate path.
    /// `tok` is the tokenizer this path was built with.
    pub fn decode(&self, tok: &HfTokenizer, ids: &[u32], skip_special_tokens: bool) -> Option<String> {
        let table = self.decode.get_or_init(|| decode_table(tok, &self.vocab)).as_ref()?;
        let mut out = Vec::with_capacity(ids.len() * 4);
        for &id in ids {
            let i = id as usize;
            if skip_special_tokens && table.special.get(i).copied().unwrap_or(false) {
                continue;
            }
            out.extend_from_slice(table.bytes.get(i)?.as_deref()?);
        }
        Some(match String::from_utf8(out) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
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

/// NFC with the normalizer code the crate itself runs, run only over the stretches that
/// need it: NFC of a text is the NFC of its parts cut before each character with a
/// normalization boundary before it (`boundary_before`), and such a part made of one
/// boundary character is already NFC. So the text is copied through, and each run from the
/// last boundary before a character the quick check does not pass to the next boundary is
/// normalized.
fn nfc(text: &str) -> String {
    use unicode_normalization_alignments::UnicodeNormalization;
    let mut out = String::with_capacity(text.len() + 16);
    let mut copied = 0; // text[..copied] is in `out`
    let mut run = None; // where the run being gathered for normalizing starts
    let mut last_boundary = 0;
    let flush = |out: &mut String, copied: &mut usize, start: usize, end: usize| {
        out.push_str(&text[*copied..start]);
        out.extend(text[start..end].nfc().map(|(c, _)| c));
        *copied = end;
    };
    for (i, c) in text.char_indices() {
        if boundary_before(c) {
            if let Some(start) = run.take() {
                flush(&mut out, &mut copied, start, i);
            }
            last_boundary = i;
        } else if run.is_none() {
            run = Some(last_boundary);
        }
    }
    if let Some(start) = run {
        flush(&mut out, &mut copied, start, text.len());
    }
    out.push_str(&text[copied..]);
    out
}

/// Whether NFC never joins `c` with what precedes it, nor changes `c` itself: a starter the
/// NFC quick check passes (a character that composes backwards, like a combining mark or a
/// Hangul vowel jamo, is "maybe"; one NFC replaces is "no").
fn boundary_before(c: char) -> bool {
    use unicode_normalization_alignments::{char::canonical_combining_class, is_nfc_quick, IsNormalized};
    c.is_ascii() || (canonical_combining_class(c) == 0 && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes)
}

/// NFC check with the normalizer crate the `tokenizers` crate itself runs: its quick check
/// (one table lookup per character) answers for almost all text, and only a "maybe" runs the
/// full normalization to compare.
fn is_nfc(text: &str) -> bool {
    text.is_ascii() || unicode_normalization_alignments::is_nfc(text)
}

/// The split pattern of a supported byte-level pre-tokenizer configuration.
fn pattern_of(pre: &Value) -> Option<Pattern> {
    let byte_level_plain =
        |v: &Value| v["type"] == "ByteLevel" && v["add_prefix_space"] == false && v["use_regex"] == false;
    match pre["type"].as_str()? {
        "ByteLevel" if pre["add_prefix_space"] == false && pre["use_regex"] == true => Pattern::from_regex(GPT2_REGEX),
        "Sequence" => {
            let [split, bl] = pre["pretokenizers"].as_array()?.as_slice() else { return None };
            let keeps_matches = (split["behavior"] == "Isolated" && split["invert"] == false)
                || (split["behavior"] == "Removed" && split["invert"] == true);
            if split["type"] != "Split" || !keeps_matches || !byte_level_plain(bl) {
                return None;
            }
            Pattern::from_regex(split["pattern"]["Regex"].as_str()?)
        }
        _ => None,
    }
}

fn decode_table(tok: &HfTokenizer, vocab: &ModelVocab) -> Option<DecodeTable> {
    let decoder = serde_json::to_value(tok.get_decoder()?).ok()?;
    if decoder["type"] != "ByteLevel" {
        return None;
    }
    let added = tok.get_added_vocabulary();
    let added_tokens = tok.get_added_tokens_decoder();
    let n = added_tokens.keys().map(|&id| id as usize + 1).max().unwrap_or(0).max(vocab.tokens().len());
    let (mut bytes, mut special) = (vec![None; n], vec![false; n]);
    for (id, slot) in bytes.iter_mut().enumerate() {
        let token: Option<&str> = match added_tokens.get(&(id as u32)) {
            Some(t) => Some(t.content.as_str()),
            None => vocab.token(id as u32),
        };
        if let Some(t) = token {
            *slot = Some(byte_level_decode(t).unwrap_or_else(|| t.as_bytes().to_vec()).into_boxed_slice());
            special[id] = added.is_special_token(t);
        }
    }
    Some(DecodeTable { bytes, special })
}

fn added_matcher(tok: &HfTokenizer, nfc: bool) -> Option<AddedMatcher> {
    let vocab = tok.get_added_vocabulary();
    // A tokenizer.json cannot set encode_special_tokens; per-call 'plain' is a flag instead.
    if vocab.get_encode_special_tokens() {
        return None;
    }
    let (mut raw, mut normalized) = (vec![], vec![]);
    for (id, t) in vocab.get_added_tokens_decoder() {
        if t.lstrip || t.rstrip || t.single_word || (t.normalized && nfc) {
            return None;
        }
        if t.normalized { &mut normalized } else { &mut raw }.push((*id, t.content.clone(), t.special));
    }
    // Same order as the crate's trie (by id) so duplicate contents resolve alike.
    raw.sort_unstable_by_key(|t| t.0);
    normalized.sort_unstable_by_key(|t| t.0);
    AddedMatcher::new(&raw, &normalized)
}

/// GPT-2's byte ↔ printable-char table: bytes 33–126, 161–172, 174–255 are themselves; the
/// other 68 map to U+0100.. in byte order.
fn byte_level_decode(token: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(token.len());
    byte_level_decode_into(token, &mut out).then_some(out)
}

/// Appends `token`'s bytes to `out`; false (with `out` partly written) if a char is outside
/// the alphabet.
/// A token's bytes decoded from the GPT-2 alphabet, as `hash::short_key` of the first 15 of
/// them, and how many there are (the key is only that of the token when they are at most 15);
/// None if a character is outside the alphabet. Built in a register: decoding into a buffer
/// and reading it back as words stalled on store forwarding, and building `Whole` that way
/// took o200k 23 ms instead of 7.
fn byte_level_key(token: &str) -> Option<(u128, usize)> {
    let (mut key, mut n) = (0u128, 0usize);
    for c in token.chars() {
        let b = char_to_byte(c)?;
        if n < short_map::MAX {
            key |= (b as u128) << (8 * n);
        }
        n += 1;
    }
    Some((key | (n.min(short_map::MAX) as u128) << 120, n))
}

fn byte_level_decode_into(token: &str, out: &mut Vec<u8>) -> bool {
    for c in token.chars() {
        match char_to_byte(c) {
            Some(b) => out.push(b),
            None => return false,
        }
    }
    true
}

const fn printable(b: u32) -> bool {
    (33 <= b && b <= 126) || (161 <= b && b <= 172) || (174 <= b && b <= 255)
}

/// The 68 non-printable bytes in order: U+0100 + k stands for `SHIFTED[k]`.
const SHIFTED: [u8; 68] = {
    let mut out = [0u8; 68];
    let (mut b, mut k) = (0u32, 0);
    while b < 256 {
        if !printable(b) {
            out[k] = b as u8;
            k += 1;
        }
        b += 1;
    }
    out
};

fn char_to_byte(c: char) -> Option<u8> {
    let cp = c as u32;
    if cp < 256 && printable(cp) {
        return Some(cp as u8);
    }
    SHIFTED.get(cp.checked_sub(256)? as usize).copied()
}

/// Whether a CJK unified ideograph (U+4E00–U+9FFF: E4 B8 80 to E9 BF BF) starts at `p`.
fn ideograph_at(bytes: &[u8], p: usize) -> bool {
    match bytes[p..] {
        [0xE4, b, ..] => b >= 0xB8,
        [0xE5..=0xE9, ..] => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key built in a register is `short_key` of the decoded bytes, for every length up
    /// to past the short limit and every byte; a character outside the alphabet gives None.
    #[test]
    fn byte_level_keys_are_the_keys_of_the_decoded_bytes() {
        let char_of: Vec<char> = (0..=255u8)
            .map(|b| (0..0x200).filter_map(char::from_u32).find(|&c| char_to_byte(c) == Some(b)).unwrap())
            .collect();
        let mut next = crate::testing::xorshift(0x6b65_7973);
        for _ in 0..20_000 {
            let bytes: Vec<u8> = (0..next() % 20).map(|_| next() as u8).collect();
            let token: String = bytes.iter().map(|&b| char_of[b as usize]).collect();
            let (key, n) = byte_level_key(&token).unwrap();
            assert_eq!(n, bytes.len());
            if n <= short_map::MAX {
                assert_eq!(key, crate::hash::short_key(&bytes), "{bytes:?}");
            }
            let mut raw = Vec::new();
            assert!(byte_level_decode_into(&token, &mut raw));
            assert_eq!(raw, bytes);
        }
        assert_eq!(byte_level_key("a\u{2000}"), None);
        assert_eq!(byte_level_key(""), Some((0, 0)));
    }

    /// Normalizing by runs equals normalizing the whole text, on random mixes of the
    /// characters NFC reorders, composes, splits or keeps.
    #[test]
    fn nfc_by_runs_equals_nfc_of_the_whole() {
        use unicode_normalization_alignments::UnicodeNormalization;
        let alphabet: Vec<char> = "aeAEoOuUnN가각ᄀ까ᅢᆨᆩ \u{301}\u{300}\u{308}\u{327}\u{323}\u{344}\u{345}\u{F73}\u{F71}\u{F72}\u{3099}\u{309A}かカはウ\u{212B}\u{2126}\u{1E9B}\u{FB1D}\u{05B4}\u{0CC6}\u{0CC2}\u{0CD5}\u{1D15E}\u{1D165}\u{2ADC}\u{0338}<=>é日本"
            .chars()
            .collect();
        let mut next = crate::testing::xorshift(0x6e66_6321);
        for _ in 0..200_000 {
            let len = (next() % 12) as usize;
            let text: String = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
            let whole: String = text.nfc().map(|(c, _)| c).collect();
            assert_eq!(nfc(&text), whole, "{:?}", text.escape_unicode().to_string());
            assert_eq!(is_nfc(&text), whole == text, "{:?}", text.escape_unicode().to_string());
        }
    }

    /// The quick check agrees with normalizing and comparing, on every character alone,
    /// after a letter, and before the marks that compose with what precedes them.
    #[test]
    fn nfc_check_equals_normalizing_and_comparing() {
        use unicode_normalization_alignments::UnicodeNormalization;
        let full = |s: &str| s.nfc().map(|(c, _)| c).eq(s.chars());
        for c in (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|c| (*c as u32) < 0x20000 || (*c as u32).is_multiple_of(61))
        {
            for s in
                [format!("{c}"), format!("e{c}"), format!("{c}\u{301}"), format!("{c}\u{3099}"), format!("{c}\u{1161}")]
            {
                assert_eq!(is_nfc(&s), full(&s), "{:?}", s.escape_unicode().to_string());
                let x = format!("ab{s}c{s}");
                assert_eq!(
                    nfc(&x),
                    x.nfc().map(|(c, _)| c).collect::<String>(),
                    "{:?}",
                    x.escape_unicode().to_string()
                );
            }
        }
    }

    #[test]
    fn byte_level_alphabet_round_trips() {
        assert_eq!(char_to_byte('Ġ'), Some(b' '));
        assert_eq!(char_to_byte('Ċ'), Some(b'\n'));
        assert_eq!(char_to_byte('a'), Some(b'a'));
        assert_eq!(char_to_byte('\u{100}'), Some(0));
        assert_eq!(char_to_byte('\u{143}'), Some(173));
        assert_eq!(char_to_byte('\u{144}'), None);
        assert_eq!(byte_level_decode("ĠhelloĊ").as_deref(), Some(&b" hello\n"[..]));
    }
}
