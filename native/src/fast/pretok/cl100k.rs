//! The cl100k split pattern (Llama 3; Qwen2/3 with single digits) as a bitstream: where every
//! piece starts, computed from the class masks of 64-byte blocks (classify.rs) with word
//! operations, instead of matching one piece after another (`Pattern::match_at`, which stays as
//! the reference these starts are tested against).
//!
//! The pattern, `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//! ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`, matched piece after piece, starts a
//! piece at character `b` (after character `a`) exactly when:
//!
//! - `b` is a letter: `a` is a digit or a newline; or `a` is "other" and the run of others it
//!   ends is longer than one character or follows a space (else `a` opened a piece and is the
//!   optional prefix of this letter run); or `b` follows a contraction (`'s`, `'ll`, … after an
//!   apostrophe that opens a piece). After a letter or a non-newline space, never.
//! - `b` is a digit: `a` is not, or `b` is the 4th, 7th, … digit of its run (every digit with
//!   single digits).
//! - `b` is other: `a` is neither other nor U+0020 (` ?` takes the space before a run of others).
//! - `b` is whitespace: `a` is a letter or a digit; or `a` is other and `b` is not a newline (a
//!   run of others takes the newlines right after it, `[\r\n]*`); or `a` is a newline that ends
//!   such a taken run, or that is the last newline of its whitespace run (`\s*[\r\n]+` runs to
//!   the last one), and `b` is not a newline; or `b` is the last character of its whitespace run,
//!   not a newline, and a character follows (`\s+(?!\S)` leaves it to the next piece).
//!
//! Everything but two rules is a function of a few neighbouring characters' classes, so a
//! block needs the blocks before and after it. The two others are carried: runs (of others
//! after a space, of taken newlines, of digits) continue from block to block, and "the last
//! newline of its whitespace run" is decided when the run ends: a start set after a newline is
//! cleared again if the same run holds a later newline, in this block or a later one.

use super::classify::{classify, Block, Carry};
use super::contraction;

/// Writes into `starts` (bit i % 64 of word i / 64 for byte i) where each piece of `text`
/// starts, as `Pattern::Cl100k` (`max_digits` 3) or `Pattern::Qwen2` (1) tiles it.
pub fn starts(text: &str, max_digits: u32, starts: &mut Vec<u64>) {
    starts.clear();
    if text.is_empty() {
        return;
    }
    let blocks = text.len().div_ceil(64);
    starts.resize(blocks, 0);
    let mut carry = Carry::default();
    let mut scan = Scan { max_digits, ..Scan::default() };
    let mut prev = Block::default();
    let mut cur = classify(text, 0, &mut carry);
    for k in 0..blocks {
        let next = if k + 1 < blocks { classify(text, (k + 1) * 64, &mut carry) } else { Block::default() };
        scan.block(text, k, [&prev, &cur, &next], starts);
        prev = cur;
        cur = next;
    }
    starts[0] |= 1;
}

/// What one block hands the next.
#[derive(Default)]
struct Scan {
    max_digits: u32,
    /// The previous block ended inside a run of others that is long or follows a space.
    others_long: bool,
    /// The previous block ended inside a run of newlines taken by a run of others.
    taken: bool,
    /// The index in its run of the last digit seen, when a run of digits goes on.
    digit: u32,
    /// A start after a newline whose whitespace run reached the end of the previous block: a
    /// newline later in the run clears it.
    pending: Option<usize>,
}

/// `x` one position later: bit i says what held at byte i − 1 (`prev`'s top bit for i = 0).
#[inline(always)]
fn back(x: u64, prev: u64) -> u64 {
    (x << 1) | (prev >> 63)
}

/// `x` one position earlier: bit i says what holds at byte i + 1.
#[inline(always)]
fn fwd(x: u64, next: u64) -> u64 {
    (x >> 1) | (next << 63)
}

/// The bits of runs of `class` from their first bit in `seeds` on: adding a seed to its run
/// carries through the rest of the run, so the bits the add flips are the seeded run's.
#[inline(always)]
fn fill(seeds: u64, class: u64) -> u64 {
    let seeds = seeds & class;
    ((class.wrapping_add(seeds) ^ class) | seeds) & class
}

/// Bits `lo..hi` (lo ≤ hi ≤ 64).
#[inline]
fn span(lo: u32, hi: u32) -> u64 {
    let below_hi = if hi >= 64 { u64::MAX } else { (1u64 << hi) - 1 };
    let from_lo = if lo >= 64 { 0 } else { u64::MAX << lo };
    below_hi & from_lo
}

fn set(starts: &mut [u64], i: usize) {
    starts[i / 64] |= 1 << (i % 64);
}

fn clear(starts: &mut [u64], i: usize) {
    starts[i / 64] &= !(1 << (i % 64));
}

impl Scan {
    fn block(&mut self, text: &str, k: usize, [prev, cur, next]: [&Block; 3], starts: &mut [u64]) {
        let lead = cur.lead;
        let (w, nl, o) = (cur.space, cur.newline, cur.other);
        let after_letter = back(cur.letter, prev.letter);
        let after_digit = back(cur.number, prev.number);
        let after_newline = back(nl, prev.newline);
        let after_other = back(o, prev.other);
        let after_blank = back(cur.blank, prev.blank);

        // Runs of others from their second character on, or whole when a blank precedes them.
        let long = fill((o & lead & (after_other | after_blank)) | (self.others_long as u64), o);
        let after_long = back(long, (self.others_long as u64) << 63);
        self.others_long = long >> 63 != 0;
        // Newlines taken by the run of others before them (`[\r\n]*`).
        let taken = fill((nl & after_other) | (self.taken as u64), nl);
        let after_taken = back(taken, (self.taken as u64) << 63);
        self.taken = taken >> 63 != 0;

        let letters = cur.letter & (after_digit | after_newline | (after_other & after_long));
        let others = o & !after_other & !after_blank;
        let digits = self.digits(cur.number & lead, after_digit);

        let mut spaces = w & (after_letter | after_digit | (after_other & !nl) | (after_newline & after_taken & !nl));
        // The last character of a whitespace run, when one follows: its last byte is where the
        // run ends before a valid byte.
        let run_end = w & !fwd(w, next.space) & fwd(cur.valid, next.valid);
        spaces |= run_end & lead & !nl;
        if run_end & !lead != 0 {
            self.wide_run_ends(k, run_end & !lead, prev.lead, lead, &mut spaces, starts);
        }
        spaces |= self.last_newlines(k, w & lead & !nl & after_newline & !after_taken, w, nl, starts);

        starts[k] |= (letters | others | digits | spaces) & lead;
        self.contractions(text, k, cur.apostrophe & !after_other & !after_blank, starts);
    }

    /// Starts among the digits `leads`: a run's first, and with runs of three, every third.
    fn digits(&mut self, leads: u64, after_digit: u64) -> u64 {
        if self.max_digits <= 1 {
            return leads;
        }
        if leads & after_digit == 0 {
            self.digit = 0;
            return leads;
        }
        let (mut out, mut m) = (0, leads);
        while m != 0 {
            let bit = m & m.wrapping_neg();
            m &= m - 1;
            self.digit = if after_digit & bit != 0 { self.digit + 1 } else { 0 };
            if self.digit.is_multiple_of(self.max_digits) {
                out |= bit;
            }
        }
        out
    }

    /// Run ends (`ends`: the last bytes of wide whitespace characters) moved back to their
    /// characters' lead bytes, which may sit in the previous block.
    fn wide_run_ends(&self, k: usize, ends: u64, prev_lead: u64, lead: u64, spaces: &mut u64, starts: &mut [u64]) {
        let leads = ((lead as u128) << 64) | prev_lead as u128;
        let mut at = (ends as u128) << 64;
        for _ in 0..3 {
            at = (at & leads) | ((at & !leads) >> 1);
        }
        *spaces |= (at >> 64) as u64;
        if k > 0 {
            starts[k - 1] |= at as u64;
        }
    }

    /// The starts after the last newline of a whitespace run: `candidates` (whitespace after a
    /// newline, not taken by others) keep their start unless a newline follows in the same run;
    /// one whose run goes past the block waits for the next block to decide.
    fn last_newlines(&mut self, k: usize, candidates: u64, w: u64, nl: u64, starts: &mut [u64]) -> u64 {
        if let Some(at) = self.pending {
            let run = (!w).trailing_zeros();
            if nl & span(0, run) != 0 {
                clear(starts, at);
                self.pending = None;
            } else if run < 64 {
                self.pending = None;
            }
        }
        let (mut out, mut m) = (0, candidates);
        while m != 0 {
            let p = m.trailing_zeros();
            m &= m - 1;
            let end = p + (!(w >> p)).trailing_zeros();
            if nl & span(p + 1, end) != 0 {
                continue;
            }
            out |= 1 << p;
            if end >= 64 {
                self.pending = Some(k * 64 + p as usize);
            }
        }
        out
    }

    /// After an apostrophe that opens a piece, a contraction is a piece of its own: a piece
    /// starts right after it.
    fn contractions(&self, text: &str, k: usize, openers: u64, starts: &mut [u64]) {
        let mut m = openers;
        while m != 0 {
            let at = k * 64 + m.trailing_zeros() as usize;
            m &= m - 1;
            if let Some(end) = contraction(text, at + 1, true).filter(|&e| e < text.len()) {
                set(starts, end);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Pattern;

    /// Every piece start of the reference matcher, as a bitmap.
    fn reference(pattern: Pattern, text: &str) -> Vec<u64> {
        let mut bits = vec![0u64; text.len().div_ceil(64)];
        let mut p = 0;
        while p < text.len() {
            bits[p / 64] |= 1 << (p % 64);
            p = pattern.match_at(text, p);
        }
        bits
    }

    fn check(text: &str) {
        for (pattern, digits) in [(Pattern::Cl100k, 3), (Pattern::Qwen2, 1)] {
            let mut ours = vec![];
            super::starts(text, digits, &mut ours);
            assert_eq!(ours, reference(pattern, text), "{pattern:?} on {:?}", text.escape_unicode().to_string());
        }
    }

    const PALETTE: &[&str] = &[
        "a", "Z", "s", "S", "t", "re", "RE", "ve", "m", "ll", "LL", "d", "e", "l", "r", "v", "é", "ſ", "中", "0", "9",
        "٣", "²", " ", " ", " ", "\t", "\n", "\r", "\r\n", "\u{0B}", "\u{A0}", "\u{2028}", "\u{3000}", "\u{85}", "'",
        "'", "''", ".", ",", "!", "/", "-", "😀", "\u{301}", "\u{200D}", "\u{0}",
    ];

    #[test]
    fn random_strings_cross_block_edges() {
        let mut next = crate::testing::xorshift(0xB17_57EA);
        for round in 0..40_000 {
            let len = (next() % if round % 4 == 0 { 300 } else { 40 }) as usize;
            let text: String = (0..len).map(|_| PALETTE[(next() % PALETTE.len() as u64) as usize]).collect();
            check(&text);
        }
    }

    #[test]
    fn long_runs_of_every_class() {
        for unit in [" ", "\n", " \n", "\n ", "a", "1", ".", "\u{A0}", "中", "'s", " '", "12 ", "\t\n\t", "\u{3000}\n"]
        {
            for n in [1, 31, 63, 64, 65, 127, 128, 129, 200] {
                for (pre, post) in [("", ""), ("x", "y"), (".", " "), (" ", "\n"), ("'", "9"), ("\n", "a")] {
                    check(&format!("{pre}{}{post}", unit.repeat(n)));
                }
            }
        }
    }

    #[test]
    fn corpus_documents() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
        for name in ["en_prose.txt", "code.txt", "multilingual.txt", "emoji.txt", "prompts.txt"] {
            let text = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            check(&text);
        }
    }
}
