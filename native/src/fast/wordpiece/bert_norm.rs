//! The crate's `BertNormalizer` and `BertPreTokenizer` character by character, for the
//! WordPiece path's text that is not printable ASCII (wordpiece/mod.rs).
//!
//! Every step of the normalizer works on one character at a time — drop it (`clean_text`:
//! NUL, U+FFFD, controls), map it to a space (`clean_text`: whitespace), put spaces around
//! it (`handle_chinese_chars`), decompose it and drop its non-spacing marks
//! (`strip_accents`), lowercase it — and every character it produces is aligned to the one
//! it came from. So a character's output, and the original span each output character maps
//! back to, depend on that character alone, with one exception: NFD also puts a run of
//! combining marks in canonical order, across characters. When every mark with a nonzero
//! combining class is a non-spacing mark, `strip_accents` drops them all and the order
//! cannot show; otherwise `normalize` returns None and the stretch goes to the crate.
//!
//! The pre-tokenizer then splits the normalized text at whitespace (dropped) and isolates
//! punctuation (ASCII punctuation or Unicode category P*), as `Class` records per character.
//! The category tests are those the crate runs (`unicode_categories`, Unicode 9 tables, not
//! the standard library's), and each is a binary search or several: `Classes` memoises a
//! character's class and whether it normalizes to itself, so a document pays them once per
//! distinct character.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;
use unicode_categories::UnicodeCategories;
use unicode_normalization_alignments::char::{canonical_combining_class, decompose_canonical};

/// The `BertNormalizer` options (all off when the tokenizer has no normalizer).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BertNorm {
    pub clean_text: bool,
    pub handle_chinese_chars: bool,
    /// `strip_accents`, resolved as the crate resolves it (unset → `lowercase`).
    pub strip_accents: bool,
    pub lowercase: bool,
}

impl BertNorm {
    /// From the normalizer's JSON (`{"type": "BertNormalizer", …}`), as the crate reads it.
    pub fn from_json(n: &serde_json::Value) -> Option<Self> {
        if n["type"] != "BertNormalizer" {
            return None;
        }
        let flag = |k: &str| n[k].as_bool();
        let lowercase = flag("lowercase")?;
        let strip_accents = if n["strip_accents"].is_null() { lowercase } else { flag("strip_accents")? };
        Some(BertNorm {
            clean_text: flag("clean_text")?,
            handle_chinese_chars: flag("handle_chinese_chars")?,
            strip_accents,
            lowercase,
        })
    }

    /// The characters `c` normalizes to (appended to `out`; none when it is dropped), or
    /// None when this cannot be done per character (see the module notes). The spaces
    /// `handle_chinese_chars` puts around `c` are not included: `Class::isolated` says so.
    pub fn normalize(&self, c: char, out: &mut Vec<char>) -> Option<()> {
        let mut c = c;
        if self.clean_text {
            if c == '\0' || c == '\u{fffd}' || is_control(c) {
                return Some(());
            }
            if is_bert_whitespace(c) {
                c = ' ';
            }
        }
        let base = out.len();
        if self.strip_accents {
            let mut ordered = true;
            decompose_canonical(c, |d| {
                if d.is_mark_nonspacing() {
                    return;
                }
                ordered &= canonical_combining_class(d) == 0;
                out.push(d);
            });
            if !ordered {
                return None;
            }
        } else {
            out.push(c);
        }
        if self.lowercase {
            let mut i = base;
            while i < out.len() {
                let mut lower = out[i].to_lowercase();
                match (lower.next(), lower.len()) {
                    (Some(l), 0) => out[i] = l,
                    _ => {
                        let expanded: Vec<char> = out[i].to_lowercase().collect();
                        let n = expanded.len();
                        out.splice(i..=i, expanded);
                        i += n - 1;
                    }
                }
                i += 1;
            }
        }
        Some(())
    }

    /// Whether the normalizer puts spaces around `c`.
    fn isolates(&self, c: char) -> bool {
        self.handle_chinese_chars && is_chinese_char(c)
    }
}

/// How the pre-tokenizer treats a normalized character.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// Part of a word.
    Word,
    /// Whitespace: ends a word, dropped.
    Space,
    /// Punctuation: a word of its own.
    Punct,
}

/// What is known of one input character.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Class {
    /// How the pre-tokenizer treats the character itself (as normalized text).
    pub split: Split,
    /// The normalizer puts spaces around it (its output is words of its own).
    pub isolated: bool,
    /// It normalizes to nothing (`Some(false)`), to itself (`Some(true)`), or to something
    /// else (None: call `normalize`).
    pub same: Option<bool>,
}

fn split_of(c: char) -> Split {
    if c.is_whitespace() {
        Split::Space
    } else if c.is_ascii_punctuation() || c.is_punctuation() {
        Split::Punct
    } else {
        Split::Word
    }
}

/// `Class` of every character below `TABLE`, computed on first sight (relaxed atomics: two
/// threads racing on a first sight store the same byte).
pub struct Classes {
    norm: BertNorm,
    table: OnceLock<Box<[AtomicU8]>>,
}

/// Characters memoised: the BMP and the first supplementary planes (emoji, CJK extensions):
/// 192 KiB, allocated on the first text that is not printable ASCII.
const TABLE: usize = 0x30000;

const KNOWN: u8 = 0x80;

impl Classes {
    pub fn new(norm: BertNorm) -> Self {
        Classes { norm, table: OnceLock::new() }
    }

    pub fn norm(&self) -> &BertNorm {
        &self.norm
    }

    #[inline]
    pub fn of(&self, c: char) -> Class {
        let i = c as usize;
        if i >= TABLE {
            return self.compute(c);
        }
        let table = self.table.get_or_init(|| (0..TABLE).map(|_| AtomicU8::new(0)).collect());
        let b = table[i].load(Ordering::Relaxed);
        if b & KNOWN != 0 {
            return decode(b);
        }
        let class = self.compute(c);
        table[i].store(encode(class), Ordering::Relaxed);
        class
    }

    fn compute(&self, c: char) -> Class {
        let mut out = Vec::new();
        let same = match self.norm.normalize(c, &mut out) {
            Some(()) if out.is_empty() => Some(false),
            Some(()) if out[..] == [c] => Some(true),
            _ => None,
        };
        Class { split: split_of(c), isolated: self.norm.isolates(c), same }
    }
}

fn encode(c: Class) -> u8 {
    let split = match c.split {
        Split::Word => 0,
        Split::Space => 1,
        Split::Punct => 2,
    };
    let same = match c.same {
        None => 0,
        Some(false) => 1,
        Some(true) => 2,
    };
    KNOWN | split | (same << 2) | (u8::from(c.isolated) << 4)
}

fn decode(b: u8) -> Class {
    let split = match b & 3 {
        0 => Split::Word,
        1 => Split::Space,
        _ => Split::Punct,
    };
    let same = match (b >> 2) & 3 {
        0 => None,
        1 => Some(false),
        _ => Some(true),
    };
    Class { split, isolated: b & 0x10 != 0, same }
}

/// The crate's `is_whitespace` (bert.rs): tab, newline and return count as whitespace.
fn is_bert_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || c.is_whitespace()
}

/// The crate's `is_control`: category C* (Cc, Cf, Cn, Co, Cs), but not tab, newline, return.
fn is_control(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r') && c.is_other()
}

/// The crate's `is_chinese_char`: the CJK Unified Ideographs blocks.
fn is_chinese_char(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2B73F | 0x2B740..=0x2B81F | 0x2B920..=0x2CEAF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokenizers::normalizers::bert::BertNormalizer;
    use tokenizers::tokenizer::normalizer::Range;
    use tokenizers::{NormalizedString, Normalizer, PreTokenizedString, PreTokenizer};

    /// Normalizer and pre-tokenizer per character == the crate's on whole strings: the words,
    /// and the original span of each normalized character.
    /// Compares; false when ours declined (a mark that NFD would reorder).
    fn check(norm: BertNorm, text: &str) -> bool {
        let crate_norm =
            BertNormalizer::new(norm.clean_text, norm.handle_chinese_chars, Some(norm.strip_accents), norm.lowercase);
        let want = crate_words(&crate_norm, text);
        match ours(&Classes::new(norm), text) {
            Some(ours) => {
                assert_eq!(ours, want, "{text:?} {norm:?}");
                true
            }
            None => {
                assert!(norm.strip_accents && text.chars().any(decomposes_to_mark), "{text:?}");
                false
            }
        }
    }

    fn decomposes_to_mark(c: char) -> bool {
        let mut any = false;
        decompose_canonical(c, |d| any |= canonical_combining_class(d) != 0);
        any
    }

    /// A normalized word and the original span of each of its characters.
    type Word = (String, Vec<(usize, usize)>);

    /// The crate's words: (normalized text, original span of each of its chars).
    fn crate_words(crate_norm: &BertNormalizer, text: &str) -> Vec<Word> {
        let mut n = NormalizedString::from(text);
        crate_norm.normalize(&mut n).unwrap();
        let mut pre = PreTokenizedString::from(n);
        tokenizers::pre_tokenizers::bert::BertPreTokenizer.pre_tokenize(&mut pre).unwrap();
        let mut all = vec![];
        pre.split(|_, word| {
            let shift = word.offsets_original().0;
            let spans = word
                .get()
                .char_indices()
                .map(|(i, c)| word.convert_offsets(Range::Normalized(i..i + c.len_utf8())).unwrap())
                .map(|r| (r.start + shift, r.end + shift))
                .collect::<Vec<_>>();
            all.push((word.get().to_string(), spans));
            Ok(vec![word])
        })
        .unwrap();
        all
    }

    /// Our words: (normalized text, original span per char), or None (crate needed).
    fn ours(classes: &Classes, text: &str) -> Option<Vec<Word>> {
        let mut words = vec![];
        let mut cur = (String::new(), vec![]);
        let flush = |cur: &mut Word, words: &mut Vec<_>| {
            if !cur.0.is_empty() {
                words.push(std::mem::take(cur));
            }
        };
        let mut out = vec![];
        for (i, c) in text.char_indices() {
            let span = (i, i + c.len_utf8());
            let class = classes.of(c);
            out.clear();
            match class.same {
                Some(false) => continue,
                Some(true) => out.push(c),
                None => classes.norm().normalize(c, &mut out)?,
            }
            if class.isolated {
                flush(&mut cur, &mut words);
            }
            for &d in &out {
                let split = if class.same == Some(true) { class.split } else { classes.of(d).split };
                match split {
                    Split::Space => flush(&mut cur, &mut words),
                    Split::Punct => {
                        flush(&mut cur, &mut words);
                        words.push((d.to_string(), vec![span]));
                    }
                    Split::Word => {
                        cur.0.push(d);
                        cur.1.push(span);
                    }
                }
            }
            if class.isolated {
                flush(&mut cur, &mut words);
            }
        }
        flush(&mut cur, &mut words);
        Some(words)
    }

    const SAMPLES: &[&str] = &[
        "Héllo Wörld, naïve café",
        "İstanbul ΣΊΣΥΦΟΣ ǅemal",
        "東京タワー 北京市，上海。",
        "ﬁne ﬂow Ⅻ ㎏ ½",
        "a\u{0}b\u{fffd}c\u{200b}d\u{feff}e\u{7}f",
        "x\u{3000}y\u{a0}z\u{85}w\u{2028}v",
        "е́ ё й Й",
        "한국어 텍스트",
        "e\u{301}\u{323} o\u{328}\u{301}",
        "क्षि ந்த ළු",
        "ا\u{64e}ل\u{651}ع\u{650}",
        "😀👍🏽 👨‍👩‍👧 🇫🇷",
        "\u{1d165}\u{1d16d}x",
        "«quoted» “curly” — dash ‐ ¿qué? ¡sí!",
        "\u{f900}\u{2f800} 𠀀𪜀",
        "ǈ ǋ Ǳ ß ẞ ŉ",
        "\u{37e}\u{1fef}\u{387}",
    ];

    #[test]
    fn per_character_matches_the_crate() {
        for &(clean_text, handle_chinese_chars, strip_accents, lowercase) in &[
            (true, true, true, true),
            (true, true, false, false),
            (false, false, true, false),
            (true, false, false, true),
            (false, true, true, true),
        ] {
            let norm = BertNorm { clean_text, handle_chinese_chars, strip_accents, lowercase };
            let compared = SAMPLES.iter().filter(|s| check(norm, s)).count();
            assert!(compared >= SAMPLES.len() - 1, "{compared}");
        }
    }

    #[test]
    fn random_characters_match_the_crate() {
        let mut rng = crate::testing::xorshift(0x5eed_b3e7);
        let norm = BertNorm { clean_text: true, handle_chinese_chars: true, strip_accents: true, lowercase: true };
        let mut compared = 0;
        for _ in 0..3000 {
            let n = (rng() % 12) as usize;
            let s: String = (0..n)
                .filter_map(|_| {
                    let r = rng();
                    let cp = match r % 4 {
                        0 => (r >> 8) % 0x80,
                        1 => (r >> 8) % 0x3000,
                        2 => (r >> 8) % 0x10000,
                        _ => (r >> 8) % 0x30000,
                    } as u32;
                    char::from_u32(cp)
                })
                .collect();
            compared += usize::from(check(norm, &s));
        }
        assert!(compared > 2500, "{compared}");
    }
}
