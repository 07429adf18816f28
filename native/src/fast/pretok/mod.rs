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

pub mod unicode;
// Generated tables (one entry per line is not worth 3,500 lines).
#[rustfmt::skip]
mod unicode_tables;

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

    /// The splits of `s` as byte ranges, in order.
    pub fn splits(self, s: &str) -> Splits<'_> {
        Splits { pattern: self, s, pos: 0 }
    }
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

#[inline]
fn ch(s: &str, i: usize) -> Option<char> {
    s.get(i..).and_then(|t| t.chars().next())
}

#[inline]
fn class_at(s: &str, i: usize) -> Option<(char, u8)> {
    ch(s, i).map(|c| (c, if c.is_ascii() { ascii_class(c as u8) } else { classes(c) }))
}

#[inline]
fn ascii_class(b: u8) -> u8 {
    match b {
        b'a'..=b'z' => LETTER | LOWERISH,
        b'A'..=b'Z' => LETTER | UPPERISH,
        b'0'..=b'9' => NUMBER,
        b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' => SPACE,
        _ => 0,
    }
}

/// End of the run of chars whose classes intersect `class`, from `i`.
#[inline]
fn run(s: &str, mut i: usize, class: u8) -> usize {
    while let Some((c, k)) = class_at(s, i) {
        if k & class == 0 {
            break;
        }
        i += c.len_utf8();
    }
    i
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
    while let Some((c, k)) = class_at(s, i) {
        if !is_other(k) {
            break;
        }
        i += c.len_utf8();
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

fn o200k(s: &str, p: usize) -> usize {
    let Some((c0, k0)) = class_at(s, p) else { return s.len() };
    let l0 = c0.len_utf8();
    let starts: &[usize] = if is_prefix(c0, k0) { &[p + l0, p] } else { &[p] };
    let word =
        |alt: fn(&str, usize) -> Option<usize>| starts.iter().filter(|&&st| st < s.len()).find_map(|&st| alt(s, st));
    if let Some(e) = word(o200k_lower_word).or_else(|| word(o200k_upper_word)) {
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
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
        let mut files = vec![];
        for name in ["en_prose.txt", "code.txt", "multilingual.txt", "emoji.txt", "prompts.txt"] {
            files.push(dir.join(name));
        }
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
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
        }
    }
}
