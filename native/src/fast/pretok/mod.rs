//! Hand-written pre-tokenizers for the byte-level BPE split patterns, with no regex engine
//! and no backtracking beyond one bounded step.
//!
//! Each `Pattern` reproduces one regex as Oniguruma runs it in the `tokenizers` crate's
//! `Split` (leftmost-first alternation, greedy quantifiers, backtracking): `match_at(text, p)`
//! returns the end of the match that starts at `p`. Every character is matched by some
//! alternative of these patterns, so matches tile the text and the splits are exactly the
//! matches (for `Isolated`, and for `Removed` + `invert`, which keeps matches and drops gaps).
//!
//! Why by hand: Oniguruma spends most of a byte-level encode here (`fancy_regex` more), and
//! the patterns are fixed strings shared by whole model families. Matching is recognised by
//! the exact pattern string; anything else stays on the crate path. Tests compare against the
//! crate's own `Split` on the corpus and on random strings over every tricky class.

mod bits;
mod cl100k;
mod classify;
mod o200k;
pub mod unicode;
// Generated tables (one entry per line is not worth 3,500 lines).
#[rustfmt::skip]
mod unicode_tables;

use std::ops::ControlFlow;
use unicode::{classes, LETTER, LOWERISH, NUMBER, SPACE, UPPERISH};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// GPT-2 / RoBERTa (`ByteLevel` with `use_regex`): case-sensitive contractions, ` ?\p{L}+`.
    Gpt2,
    /// Llama 3 / cl100k style: `(?i:contractions)`, `\p{N}{1,3}`.
    Cl100k,
    /// Qwen2/3: as Cl100k with single digits.
    Qwen2,
    /// GPT-4o / o200k: case-aware letter runs with trailing contractions.
    O200k,
}

pub const GPT2_REGEX: &str = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
pub const CL100K_REGEX: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
pub const QWEN2_REGEX: &str =
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
pub const O200K_REGEX: &str = r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";

impl Pattern {
    /// The pattern a `Split` regex string denotes, if we have a hand-written matcher for it.
    pub fn from_regex(re: &str) -> Option<Pattern> {
        match re {
            CL100K_REGEX => Some(Pattern::Cl100k),
            QWEN2_REGEX => Some(Pattern::Qwen2),
            O200K_REGEX => Some(Pattern::O200k),
            GPT2_REGEX => Some(Pattern::Gpt2),
            _ => None,
        }
    }

    /// End of the match starting at byte `p` (< text.len()); always > `p`.
    pub fn match_at(self, s: &str, p: usize) -> usize {
        match self {
            Pattern::Gpt2 => gpt2(s, p),
            Pattern::Cl100k => cl100k(s, p, 3),
            Pattern::Qwen2 => cl100k(s, p, 1),
            Pattern::O200k => o200k(s, p),
        }
    }

    /// The splits of `s` as byte ranges, in order, one match after another: the reference
    /// `each_split` is tested against.
    pub fn splits(self, s: &str) -> Splits<'_> {
        Splits { pattern: self, s, pos: 0 }
    }

    /// Calls `f` with each split of `s` (a byte range), in order, until it returns `Break`.
    /// cl100k, Qwen2 and o200k compute every split's start at once as a bitstream (cl100k.rs,
    /// o200k.rs); GPT-2's matches one split after another.
    pub fn each_split(self, s: &str, mut f: impl FnMut(usize, usize) -> ControlFlow<()>) -> ControlFlow<()> {
        if self == Pattern::Gpt2 {
            return self.splits(s).try_for_each(|(a, b)| f(a, b));
        }
        STARTS.with(|cell| {
            // A reused bitmap (one bit per byte); a nested call on this thread gets its own.
            let (mut borrowed, mut fresh) = (cell.try_borrow_mut(), Vec::new());
            let bits = match &mut borrowed {
                Ok(b) => &mut **b,
                Err(_) => &mut fresh,
            };
            match self {
                Pattern::O200k => o200k::starts(s, bits),
                Pattern::Qwen2 => cl100k::starts(s, 1, bits),
                _ => cl100k::starts(s, 3, bits),
            }
            let flow = each_range(bits, s.len(), &mut f);
            if bits.capacity() > 1 << 16 {
                *bits = Vec::new();
            }
            flow
        })
    }
}

thread_local! {
    static STARTS: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The ranges between consecutive set bits of `starts` (bit 0 is set), the last one ending at
/// `len`.
fn each_range(starts: &[u64], len: usize, f: &mut impl FnMut(usize, usize) -> ControlFlow<()>) -> ControlFlow<()> {
    let mut from = 0;
    for (k, &word) in starts.iter().enumerate() {
        let mut m = word;
        while m != 0 {
            let at = k * 64 + m.trailing_zeros() as usize;
            m &= m - 1;
            if at > 0 {
                f(from, at)?;
            }
            from = at;
        }
    }
    if len > 0 {
        f(from, len)?;
    }
    ControlFlow::Continue(())
}

pub struct Splits<'a> {
    pattern: Pattern,
    s: &'a str,
    pos: usize,
}

impl Iterator for Splits<'_> {
    type Item = (usize, usize);
    fn next(&mut self) -> Option<(usize, usize)> {
        if self.pos >= self.s.len() {
            return None;
        }
        let start = self.pos;
        self.pos = self.pattern.match_at(self.s, start);
        Some((start, self.pos))
    }
}

// ---- character helpers (byte positions are always char boundaries) ----
//
// Most text a byte-level tokenizer sees is mostly ASCII, so every helper reads a byte first and
// answers an ASCII one from `ASCII` without decoding a character; only a byte ≥ 0x80 decodes
// the character it starts and looks it up in the Unicode tables.

/// Class flags of each ASCII byte (as `classes` gives them).
const ASCII: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        t[b] = match b as u8 {
            b'a'..=b'z' => LETTER | LOWERISH,
            b'A'..=b'Z' => LETTER | UPPERISH,
            b'0'..=b'9' => NUMBER,
            b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' => SPACE,
            _ => 0,
        };
        b += 1;
    }
    t
};

/// The character starting at byte `i` of `s` (a char boundary, `i < s.len()`).
#[inline]
fn decode(s: &str, i: usize) -> char {
    let b = s.as_bytes();
    let b0 = b[i];
    if b0 < 0x80 {
        return b0 as char;
    }
    let cont = |k: usize| (b[i + k] & 0x3F) as u32;
    let cp = match b0 {
        0xC0..=0xDF => ((b0 as u32 & 0x1F) << 6) | cont(1),
        0xE0..=0xEF => ((b0 as u32 & 0x0F) << 12) | (cont(1) << 6) | cont(2),
        _ => ((b0 as u32 & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3),
    };
    // `s` is valid UTF-8 and `i` starts a character, so `cp` is a scalar value.
    char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// The character at byte `i`; None past the end or inside a character (as `str::get` is).
#[inline]
fn ch(s: &str, i: usize) -> Option<char> {
    (i < s.len() && s.is_char_boundary(i)).then(|| decode(s, i))
}

/// The character at byte `i` and its classes; None past the end or inside a character.
#[inline]
fn class_at(s: &str, i: usize) -> Option<(char, u8)> {
    let b = *s.as_bytes().get(i)?;
    if b < 0x80 {
        return Some((b as char, ASCII[b as usize]));
    }
    if b < 0xC0 {
        return None;
    }
    let c = decode(s, i);
    Some((c, classes(c)))
}

/// End of the run of chars whose classes intersect `class`, from `i`.
///
/// Eight bytes at a time while they are ASCII: `ascii_in` marks the bytes of the class, and the
/// first unmarked one ends the run (or is a non-ASCII character to decode and look up). A
/// byte loop mispredicts its exit branch at the end of every word; this takes one branch per
/// eight bytes.
#[inline(always)]
fn run(s: &str, mut i: usize, class: u8) -> usize {
    let bytes = s.as_bytes();
    while let Some(&b) = bytes.get(i) {
        if b >= 0x80 {
            let c = decode(s, i);
            if classes(c) & class == 0 {
                return i;
            }
            i += c.len_utf8();
            continue;
        }
        let Some(w) = bytes.get(i..i + 8) else {
            if ASCII[b as usize] & class == 0 {
                return i;
            }
            i += 1;
            continue;
        };
        let outside = !ascii_in(u64::from_le_bytes(w.try_into().unwrap_or_default()), class) & HIGH;
        if outside == 0 {
            i += 8;
            continue;
        }
        i += (outside.trailing_zeros() / 8) as usize;
        // The byte that ended the class run: ASCII ends the run, non-ASCII is decoded above.
        if bytes[i] < 0x80 {
            return i;
        }
    }
    i
}

const LOW: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = LOW * 0x80;

/// Bit 7 of each byte of `w` set where that byte is ASCII and its class (`ASCII`) intersects
/// `class`. Every byte is cut to 7 bits first, so the additions never carry into the next
/// byte: `x + (0x80 - lo)` has bit 7 set exactly when `x >= lo`.
#[inline(always)]
fn ascii_in(w: u64, class: u8) -> u64 {
    let x = w & (LOW * 0x7F);
    let at_least = |x: u64, lo: u8| x + LOW * (0x80 - lo) as u64;
    let range = |x: u64, lo: u8, hi: u8| at_least(x, lo) & !at_least(x, hi + 1);
    let mut m = 0;
    if class & LETTER != 0 {
        m |= range(x | (LOW * 0x20), b'a', b'z');
    } else {
        if class & LOWERISH != 0 {
            m |= range(x, b'a', b'z');
        }
        if class & UPPERISH != 0 {
            m |= range(x, b'A', b'Z');
        }
    }
    if class & NUMBER != 0 {
        m |= range(x, b'0', b'9');
    }
    if class & SPACE != 0 {
        m |= range(x, b'\t', b'\r') | range(x ^ (LOW * b' ' as u64), 0, 0);
    }
    m & !w & HIGH
}

/// Like `run`, at most `max` chars.
fn run_max(s: &str, mut i: usize, class: u8, max: usize) -> usize {
    for _ in 0..max {
        match class_at(s, i) {
            Some((c, k)) if k & class != 0 => i += c.len_utf8(),
            _ => break,
        }
    }
    i
}

/// `[^\s\p{L}\p{N}]`
#[inline]
fn is_other(k: u8) -> bool {
    k & (SPACE | LETTER | NUMBER) == 0
}

fn run_other(s: &str, mut i: usize) -> usize {
    let bytes = s.as_bytes();
    while let Some(&b) = bytes.get(i) {
        if b < 0x80 {
            if !is_other(ASCII[b as usize]) {
                break;
            }
            i += 1;
        } else {
            let c = decode(s, i);
            if !is_other(classes(c)) {
                break;
            }
            i += c.len_utf8();
        }
    }
    i
}

/// `[\r\n]*` (or `[\r\n/]*` with `slash`)
fn run_newlines(s: &str, i: usize, slash: bool) -> usize {
    let extra = s.as_bytes()[i..].iter().take_while(|&&b| b == b'\r' || b == b'\n' || (slash && b == b'/')).count();
    i + extra
}

/// `[^\r\n\p{L}\p{N}]`: the optional one-char prefix of letter runs.
#[inline]
fn is_prefix(c: char, k: u8) -> bool {
    k & (LETTER | NUMBER) == 0 && c != '\r' && c != '\n'
}

/// Case folding as `(?i)` applies it to the contraction letters: ASCII case, plus U+017F
/// LATIN SMALL LETTER LONG S, which folds to `s`.
#[inline]
fn fold(c: char) -> char {
    if c == '\u{17F}' {
        's'
    } else {
        c.to_ascii_lowercase()
    }
}

/// `'s|'t|'re|'ve|'m|'ll|'d` after the apostrophe at `i - 1`; `ci` = case-insensitive.
fn contraction(s: &str, i: usize, ci: bool) -> Option<usize> {
    let f = |c: char| if ci { fold(c) } else { c };
    let c1 = ch(s, i)?;
    let after = i + c1.len_utf8();
    let second = |want: char| ch(s, after).filter(|&c| f(c) == want).map(|c| after + c.len_utf8());
    match f(c1) {
        's' | 't' | 'm' | 'd' => Some(after),
        'r' | 'v' => second('e'),
        'l' => second('l'),
        _ => None,
    }
}

/// The whitespace alternatives shared by every pattern:
/// `\s*[\r\n]+` (cl100k family only), `\s+(?!\S)`, `\s+`; `p` starts a whitespace char.
fn whitespace(s: &str, p: usize, newline_alt: bool) -> usize {
    let q = run(s, p, SPACE);
    if newline_alt {
        // \s* backtracks to the last \r or \n of the run; [\r\n]+ then takes just that one
        // (later ones would have been the last).
        if let Some(k) = s.as_bytes()[p..q].iter().rposition(|&b| b == b'\r' || b == b'\n') {
            return p + k + 1;
        }
    }
    if q == s.len() {
        return q;
    }
    // \s+(?!\S): give back the last whitespace char, unless that leaves nothing.
    let last = s[..q].chars().next_back().map_or(0, char::len_utf8);
    if q - last > p {
        q - last
    } else {
        q
    }
}

fn gpt2(s: &str, p: usize) -> usize {
    let Some((c0, k0)) = class_at(s, p) else { return s.len() };
    if c0 == '\'' {
        if let Some(e) = contraction(s, p + 1, false) {
            return e;
        }
    }
    // ` ?X+` for X in letters, numbers, others: a space is whitespace, so at most one of
    // "the space then X" and "X at p" can apply.
    let (start, k) = match class_at(s, p + 1) {
        Some((_, k1)) if c0 == ' ' && k1 & SPACE == 0 => (p + 1, k1),
        _ => (p, k0),
    };
    if k & LETTER != 0 {
        return run(s, start, LETTER);
    }
    if k & NUMBER != 0 {
        return run(s, start, NUMBER);
    }
    if is_other(k) {
        return run_other(s, start);
    }
    whitespace(s, p, false)
}

fn cl100k(s: &str, p: usize, max_digits: usize) -> usize {
    let Some((c0, k0)) = class_at(s, p) else { return s.len() };
    let l0 = c0.len_utf8();
    if c0 == '\'' {
        if let Some(e) = contraction(s, p + 1, true) {
            return e;
        }
    }
    if is_prefix(c0, k0) && class_at(s, p + l0).is_some_and(|(_, k)| k & LETTER != 0) {
        return run(s, p + l0, LETTER);
    }
    if k0 & LETTER != 0 {
        return run(s, p, LETTER);
    }
    if k0 & NUMBER != 0 {
        return run_max(s, p, NUMBER, max_digits);
    }
    if c0 == ' ' && class_at(s, p + 1).is_some_and(|(_, k)| is_other(k)) {
        return run_newlines(s, run_other(s, p + 1), false);
    }
    if is_other(k0) {
        return run_newlines(s, run_other(s, p), false);
    }
    whitespace(s, p, true)
}

/// o200k's first alternative after the optional prefix:
/// `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+`. The upper-ish run backtracks
/// to the last position where a lower-ish char can start the `+` run.
fn o200k_lower_word(s: &str, start: usize) -> Option<usize> {
    let a_end = run(s, start, UPPERISH);
    if class_at(s, a_end).is_some_and(|(_, k)| k & LOWERISH != 0) {
        return Some(run(s, a_end, LOWERISH));
    }
    let mut k = a_end;
    while k > start {
        let c = s[..k].chars().next_back()?;
        k -= c.len_utf8();
        if classes(c) & LOWERISH != 0 {
            return Some(k + c.len_utf8());
        }
    }
    None
}

/// o200k's second alternative after the prefix:
/// `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*`.
fn o200k_upper_word(s: &str, start: usize) -> Option<usize> {
    let a_end = run(s, start, UPPERISH);
    (a_end > start).then(|| run(s, a_end, LOWERISH))
}

/// o200k's first two alternatives, after the prefix, from `start`.
#[inline]
fn o200k_word(s: &str, start: usize) -> Option<usize> {
    o200k_lower_word(s, start).or_else(|| o200k_upper_word(s, start))
}

fn o200k(s: &str, p: usize) -> usize {
    let Some((c0, k0)) = class_at(s, p) else { return s.len() };
    let l0 = c0.len_utf8();
    let word = if c0.is_ascii() {
        // An ASCII character is never a mark, so the first two alternatives can only start at
        // `p` when it is a letter, or after it when it is the optional prefix.
        match (k0 & LETTER != 0, is_prefix(c0, k0)) {
            (true, _) => o200k_word(s, p),
            (false, true) if p + 1 < s.len() => o200k_word(s, p + 1),
            _ => None,
        }
    } else {
        // The prefix is optional and greedy: each alternative is tried after it, then at `p`.
        let starts: &[usize] = if is_prefix(c0, k0) { &[p + l0, p] } else { &[p] };
        let word = |alt: fn(&str, usize) -> Option<usize>| {
            starts.iter().filter(|&&st| st < s.len()).find_map(|&st| alt(s, st))
        };
        word(o200k_lower_word).or_else(|| word(o200k_upper_word))
    };
    if let Some(e) = word {
        let after = if ch(s, e) == Some('\'') { contraction(s, e + 1, true) } else { None };
        return after.unwrap_or(e);
    }
    if k0 & NUMBER != 0 {
        return run_max(s, p, NUMBER, 3);
    }
    if c0 == ' ' && class_at(s, p + 1).is_some_and(|(_, k)| is_other(k)) {
        return run_newlines(s, run_other(s, p + 1), true);
    }
    if is_other(k0) {
        return run_newlines(s, run_other(s, p), true);
    }
    whitespace(s, p, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
    use tokenizers::{OffsetReferential, OffsetType, PreTokenizedString, PreTokenizer, SplitDelimiterBehavior};

    const ALL: [(Pattern, &str); 4] = [
        (Pattern::Gpt2, GPT2_REGEX),
        (Pattern::Cl100k, CL100K_REGEX),
        (Pattern::Qwen2, QWEN2_REGEX),
        (Pattern::O200k, O200K_REGEX),
    ];

    fn reference(re: &str, text: &str) -> Vec<(usize, usize)> {
        let split = Split::new(SplitPattern::Regex(re.into()), SplitDelimiterBehavior::Isolated, false).unwrap();
        let mut pre = PreTokenizedString::from(text);
        split.pre_tokenize(&mut pre).unwrap();
        pre.get_splits(OffsetReferential::Original, OffsetType::Byte).into_iter().map(|(_, o, _)| o).collect()
    }

    fn check(text: &str) {
        for (pattern, re) in ALL {
            let ours: Vec<_> = pattern.splits(text).collect();
            assert_eq!(ours, reference(re, text), "{pattern:?} on {text:?}");
        }
    }

    /// Characters from every class the patterns distinguish, and the boundaries between them.
    const PALETTE: &[char] = &[
        'a',
        'z',
        'A',
        'Z',
        's',
        'S',
        't',
        'r',
        'e',
        'E',
        'v',
        'm',
        'l',
        'L',
        'd',
        'D',
        '\'',
        '\u{2019}',
        '\u{17F}',
        'é',
        'ß',
        'Σ',
        'ς',
        'ǅ',
        'ʰ',
        'ー',
        '中',
        'ا',
        '\u{301}',
        '\u{651}',
        '\u{903}',
        '\u{20DD}',
        '0',
        '9',
        '٣',
        '²',
        'Ⅻ',
        '½',
        '𝟘',
        ' ',
        ' ',
        ' ',
        '\t',
        '\n',
        '\r',
        '\u{0B}',
        '\u{0C}',
        '\u{85}',
        '\u{A0}',
        '\u{2028}',
        '\u{3000}',
        '\u{200B}',
        '\u{200D}',
        '.',
        ',',
        '!',
        '/',
        '-',
        '_',
        '$',
        '😀',
        '👍',
        '\u{1F3FD}',
        '𠀀',
        '\u{E000}',
        '\u{0}',
        '\u{7F}',
        '\u{FEFF}',
        '\u{10FFFF}',
    ];

    /// The eight-byte class test marks exactly the bytes `ASCII` puts in the class, for every
    /// byte value (non-ASCII ones never) in every lane, beside every other byte value.
    #[test]
    fn ascii_in_agrees_with_the_table() {
        let classes = [LETTER, NUMBER, SPACE, UPPERISH, LOWERISH, UPPERISH | LOWERISH, LETTER | NUMBER];
        for class in classes {
            for b in 0..=255u8 {
                for other in [0u8, b'a', b' ', 0x7F, 0x80, 0xFF] {
                    for lane in 0..8 {
                        let mut bytes = [other; 8];
                        bytes[lane] = b;
                        let m = ascii_in(u64::from_le_bytes(bytes), class);
                        for (k, &x) in bytes.iter().enumerate() {
                            let want = x < 0x80 && ASCII[x as usize] & class != 0;
                            assert_eq!(m >> (8 * k + 7) & 1 == 1, want, "class {class} byte {x:#x} lane {k}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn pattern_strings_round_trip() {
        for (pattern, re) in ALL {
            assert_eq!(Pattern::from_regex(re), Some(pattern));
        }
        assert_eq!(Pattern::from_regex("\\s+"), None);
    }

    #[test]
    fn hand_picked_edges() {
        for text in [
            "",
            " ",
            "  ",
            "a",
            "Hello world",
            "I'M DON'T we'VE they'LL it'ſ you'D x're",
            "'s 's",
            "''s",
            "  hello  \n\n  world\r\n",
            "\n\n\nx",
            " \t\n \t",
            "a  ",
            "12345678 ١٢٣٤",
            "x/y//\n/z",
            "HTTPServer getHTTPResponse CamelCase ǅx ʰello",
            "  !!!\n\n",
            "e\u{301}e\u{301}",
            "\u{301}\u{301}a",
            "😀😀 😀",
            "don't",
            "DON'T",
            "naïve café",
            "ΑΣ ΟΔΟΣ",
        ] {
            check(text);
        }
    }

    #[test]
    fn random_strings_over_the_palette() {
        let mut next = crate::testing::xorshift(0x2545F4914F6CDD1D);
        for _ in 0..20_000 {
            let len = (next() % 24) as usize;
            let text: String = (0..len).map(|_| PALETTE[(next() % PALETTE.len() as u64) as usize]).collect();
            check(&text);
        }
    }

    #[test]
    fn corpus_lines() {
        crate::testing::corpus_files(|text| {
            // Whole 64 KiB blocks keep cross-line behaviour (\s*[\r\n]+) in play.
            let mut start = 0;
            while start < text.len() {
                let mut end = (start + 65536).min(text.len());
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                check(&text[start..end]);
                start = end;
            }
        });
    }
}
