//! SentencePiece's `Precompiled` normalizer (the charsmap of Unigram models such as T5,
//! ALBERT and XLM-R), giving exactly what tokenizers 1.0's gives, several times faster.
//!
//! The crate cuts the text into graphemes, looks every grapheme up in the charsmap's
//! double-array trie, and a grapheme it leaves alone once more per character, each lookup
//! collecting its matches in a new vector: two thirds of a Unigram encode (perf,
//! native/PERFORMANCE.md "Unigram: our own charsmap pass"). Here the answer for each
//! character of the Basic Multilingual Plane is looked up once, at build, and so is whether
//! the character is *simple*: one that never joins a grapheme with its neighbour. Between two
//! simple characters there is always a grapheme boundary, so those runs (most text in most
//! scripts) skip the segmenter; everywhere else the segmenter cuts the next grapheme, and
//! the crate's rules — which graphemes are tried whole, in what order — apply unchanged.

use std::borrow::Cow;
use tk1::normalizers::Precompiled;
use unicode_segmentation::UnicodeSegmentation;

/// A table entry: bit 31 simple, the rest `KEPT` or the index of the replacement.
const SIMPLE: u32 = 1 << 31;
const KEPT: u32 = SIMPLE - 1;

pub struct FastPrecompiled {
    charsmap: Precompiled,
    /// Per BMP code point (surrogates: `KEPT`, never simple).
    bmp: Vec<u32>,
    replacements: Vec<Box<str>>,
}

impl FastPrecompiled {
    /// The per-character table of `charsmap`: 65,536 trie lookups and segmentations, a few
    /// milliseconds on the pipeline's background thread.
    pub fn new(charsmap: Precompiled) -> Self {
        let mut bmp = vec![KEPT; 0x1_0000];
        let mut replacements = Vec::new();
        for (cp, slot) in bmp.iter_mut().enumerate() {
            let Some(c) = char::from_u32(cp as u32) else { continue };
            if let Some(r) = charsmap.transform(c.encode_utf8(&mut [0; 4])) {
                *slot = replacements.len() as u32;
                replacements.push(r.into());
            }
            if is_simple(c) {
                *slot |= SIMPLE;
            }
        }
        FastPrecompiled { charsmap, bmp, replacements }
    }

    /// `c`'s table entry; None outside the BMP (never simple, looked up in the trie).
    #[inline]
    fn entry(&self, c: char) -> Option<u32> {
        self.bmp.get(c as usize).copied()
    }

    /// What the charsmap turns `c` into, when it changes it.
    #[inline]
    fn of_char(&self, c: char) -> Option<&str> {
        match self.entry(c).map(|e| e & KEPT) {
            Some(KEPT) => None,
            Some(i) => Some(&self.replacements[i as usize]),
            None => self.charsmap.transform(c.encode_utf8(&mut [0; 4])),
        }
    }

    /// `text` normalized as `tk1`'s `Precompiled` normalizer does it: a grapheme shorter than
    /// 6 bytes is looked up whole first; otherwise (or when that finds nothing) each of its
    /// characters is.
    pub fn normalize<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out: Option<String> = None;
        // `at` is always a grapheme boundary of `text`: where the segmenter, started there,
        // cuts as it would have from the start (its rules look back only within a grapheme).
        let mut at = 0;
        let mut chars = text.chars();
        let mut next = chars.next();
        while let Some(c) = next {
            let simple = |c: Option<char>| c.is_none_or(|c| self.entry(c).is_some_and(|e| e & SIMPLE != 0));
            let after = chars.clone().next();
            if simple(Some(c)) && simple(after) {
                self.push_char(&mut out, text, at, c);
                at += c.len_utf8();
                chars.next();
                next = after;
                continue;
            }
            let grapheme = text[at..].graphemes(true).next().unwrap_or(&text[at..]);
            self.push_grapheme(&mut out, text, at, grapheme);
            at += grapheme.len();
            chars = text[at..].chars();
            next = chars.next();
        }
        match out {
            Some(s) => Cow::Owned(s),
            None => Cow::Borrowed(text),
        }
    }

    /// A grapheme of one character `c` at `at`: the whole-grapheme and the per-character
    /// lookup are the same one.
    #[inline]
    fn push_char(&self, out: &mut Option<String>, text: &str, at: usize, c: char) {
        match self.of_char(c) {
            Some(r) => open(out, text, at).push_str(r),
            None => {
                if let Some(o) = out {
                    o.push(c);
                }
            }
        }
    }

    fn push_grapheme(&self, out: &mut Option<String>, text: &str, at: usize, grapheme: &str) {
        let mut chars = grapheme.chars();
        let first = chars.next().unwrap_or_default();
        if chars.as_str().is_empty() {
            return self.push_char(out, text, at, first);
        }
        if grapheme.len() < 6 {
            if let Some(r) = self.charsmap.transform(grapheme) {
                open(out, text, at).push_str(r);
                return;
            }
        }
        for (i, c) in grapheme.char_indices() {
            self.push_char(out, text, at + i, c);
        }
    }
}

/// Whether `c` never joins a grapheme with a neighbour: alone between two letters, and
/// twice in a row two graphemes (that rules out Hangul jamo and regional indicators, which
/// pair with their own kind), and not CR (which takes a following LF). Such a character
/// cannot extend (Extend, SpacingMark, ZWJ) or prepend (Prepend), nor link an Indic
/// conjunct, so the rules give a boundary between any two of them.
fn is_simple(c: char) -> bool {
    let graphemes = |chars: &[char]| {
        let mut buf = [0u8; 12];
        let mut n = 0;
        for d in chars {
            n += d.encode_utf8(&mut buf[n..]).len();
        }
        std::str::from_utf8(&buf[..n]).map_or(0, |s| s.graphemes(true).count())
    };
    c != '\r' && graphemes(&['a', c, 'a']) == 3 && graphemes(&[c, c]) == 2
}

/// The output, from the first change on: it starts as the text before `at`.
fn open<'o>(out: &'o mut Option<String>, text: &str, at: usize) -> &'o mut String {
    out.get_or_insert_with(|| {
        let mut s = String::with_capacity(text.len() + text.len() / 8);
        s.push_str(&text[..at]);
        s
    })
}

#[cfg(test)]
mod tests {
    use super::FastPrecompiled;
    use tk1::normalizers::Precompiled;
    use tk1::pipeline::Normalizer;

    fn charsmap() -> Precompiled {
        let json = std::fs::read_to_string(crate::testing::shared("models/unigram-spm16k/tokenizer.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let n = &v["normalizer"]["normalizers"][0];
        assert_eq!(n["type"], "Precompiled");
        // Its deserializer borrows the charsmap string, so it reads JSON text, not a Value.
        serde_json::from_str(&n.to_string()).unwrap()
    }

    fn check(fast: &FastPrecompiled, text: &str) {
        let want = Normalizer::normalize(&fast.charsmap, text, 0).unwrap();
        let got = fast.normalize(text);
        assert_eq!(got, want, "{text:?}");
        assert_eq!(matches!(got, std::borrow::Cow::Borrowed(_)), matches!(want, std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn matches_the_crate_on_the_corpus() {
        let fast = FastPrecompiled::new(charsmap());
        for doc in crate::testing::long_docs() {
            check(&fast, &doc);
            for line in doc.lines().take(400) {
                check(&fast, line);
            }
        }
    }

    #[test]
    fn matches_the_crate_on_graphemes_it_looks_up_whole() {
        let fast = FastPrecompiled::new(charsmap());
        let cases = [
            "",
            "plain ascii",
            "ＦＵＬＬ　ｗｉｄｔｈ ＜ｕｎｋ＞ ①②③ ﬁ ㍿",
            "e\u{301} a\u{308}\u{301} \u{1100}\u{1161}\u{11a8} 한국어",
            "line\r\nbreak\r\rtab\tnul\0bell\u{7}del\u{7f}",
            "\u{301}leading mark, \u{200d}zwj, \u{feff}bom, \u{a0}nbsp, \u{2028}ls",
            "👩‍👩‍👧‍👦 🇺🇸🇫🇷🇩 👍🏽 ❤️ 1️⃣ 𝐀𝐁 𝔄 🄰",
            "क्षि नमस्ते தமிழ் ไทย ລາວ",
            "\u{fdfa} \u{fb01}\u{301} x\u{301}\u{302}\u{303}\u{304}\u{305}",
        ];
        for text in cases {
            check(&fast, text);
        }
        // Every BMP character alone and after a letter, through the table and around it.
        let mut all = String::new();
        for cp in 0..0x1_0000u32 {
            if let Some(c) = char::from_u32(cp) {
                check(&fast, c.encode_utf8(&mut [0; 4]));
                all.push('a');
                all.push(c);
            }
        }
        check(&fast, &all);
    }

    #[test]
    fn matches_the_crate_on_random_joiners() {
        // Characters that join graphemes (marks, ZWJ, Prepend, an Indic linker, Hangul jamo,
        // regional indicators, CR LF) among simple ones, in random order.
        let palette: Vec<char> = "aZ 1.中ك\u{301}\u{93e}\u{94d}क\u{200d}\u{600}\u{1100}\u{1161}\u{11a8}가각🇺🇸👍🏽😀\r\n\t\u{ff21}\u{fb01}ﾊﾟ\u{3099}"
            .chars()
            .collect();
        let fast = FastPrecompiled::new(charsmap());
        let mut rng = crate::testing::xorshift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let len = (rng() % 12) as usize;
            let text: String = (0..len).map(|_| palette[(rng() % palette.len() as u64) as usize]).collect();
            check(&fast, &text);
        }
    }
}
