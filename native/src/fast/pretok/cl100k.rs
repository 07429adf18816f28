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
//! cleared again if the same run holds a later newline, in this block or a later one. The
//! digit and whitespace rules are o200k's too (bits.rs).

use super::bits::{back, blocks, carried_fill, set, Digits, Spaces};
use super::classify::Block;
use super::contraction;

/// Writes into `starts` (bit i % 64 of word i / 64 for byte i) where each piece of `text`
/// starts, as `Pattern::Cl100k` (`max_digits` 3) or `Pattern::Qwen2` (1) tiles it.
pub fn starts(text: &str, max_digits: u32, starts: &mut Vec<u64>) {
    let mut scan =
        Scan { digits: Digits::new(max_digits), others_long: false, taken: false, spaces: Spaces::default() };
    blocks(text, starts, |k, blocks, starts| scan.block(text, k, blocks, starts));
}

/// What one block hands the next.
struct Scan {
    digits: Digits,
    /// The previous block ended inside a run of others that is long or follows a space.
    others_long: bool,
    /// The previous block ended inside a run of newlines taken by a run of others.
    taken: bool,
    spaces: Spaces,
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
        let (_, after_long) = carried_fill(o & lead & (after_other | after_blank), o, &mut self.others_long);
        // Newlines taken by the run of others before them (`[\r\n]*`).
        let (_, after_taken) = carried_fill(nl & after_other, nl, &mut self.taken);

        let letters = cur.letter & (after_digit | after_newline | (after_other & after_long));
        let others = o & !after_other & !after_blank;
        let digits = self.digits.starts(cur.number & lead, after_digit);
        let mut spaces = w & (after_letter | after_digit | (after_other & !nl) | (after_newline & after_taken & !nl));
        let candidates = w & lead & !nl & after_newline & !after_taken;
        spaces |= self.spaces.starts(k, [prev, cur, next], candidates, starts);

        starts[k] |= (letters | others | digits | spaces) & lead;
        contractions(text, k, cur.apostrophe & !after_other & !after_blank, starts);
    }
}

/// After an apostrophe that opens a piece, a contraction is a piece of its own: a piece
/// starts right after it.
fn contractions(text: &str, k: usize, openers: u64, starts: &mut [u64]) {
    let mut m = openers;
    while m != 0 {
        let at = k * 64 + m.trailing_zeros() as usize;
        m &= m - 1;
        if let Some(end) = contraction(text, at + 1, true).filter(|&e| e < text.len()) {
            set(starts, end);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::bits::reference;
    use super::super::Pattern;

    fn check(text: &str) {
        for (pattern, digits) in [(Pattern::Cl100k, 3), (Pattern::Qwen2, 1)] {
            let mut ours = vec![];
            super::starts(text, digits, &mut ours);
            let want = reference(text, |s, p| pattern.match_at(s, p));
            assert_eq!(ours, want, "{pattern:?} on {:?}", text.escape_unicode().to_string());
        }
    }

    const PALETTE: &[&str] = &[
        "a", "Z", "s", "S", "t", "re", "RE", "ve", "m", "ll", "LL", "d", "e", "l", "r", "v", "é", "ſ", "中", "0", "9",
        "٣", "²", " ", " ", " ", "\t", "\n", "\r", "\r\n", "\u{0B}", "\u{A0}", "\u{2028}", "\u{3000}", "\u{85}", "'",
        "'", "''", ".", ",", "!", "/", "-", "😀", "\u{301}", "\u{200D}", "\u{0}",
    ];

    #[test]
    fn random_strings_cross_block_edges() {
        crate::testing::random_mixes(0xB17_57EA, PALETTE, 40_000, check);
    }

    #[test]
    fn long_runs_of_every_class() {
        crate::testing::runs_in_frames(
            &[" ", "\n", " \n", "\n ", "a", "1", ".", "\u{A0}", "中", "'s", " '", "12 ", "\t\n\t", "\u{3000}\n"],
            &[1, 31, 63, 64, 65, 127, 128, 129, 200],
            &[("", ""), ("x", "y"), (".", " "), (" ", "\n"), ("'", "9"), ("\n", "a")],
            check,
        );
    }

    #[test]
    fn corpus_documents() {
        crate::testing::corpus_files(check);
    }
}
