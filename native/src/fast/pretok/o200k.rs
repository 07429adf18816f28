//! The o200k split pattern (GPT-4o) as a bitstream, beside cl100k.rs, whose rules it shares
//! but for its letters:
//!
//! `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|…)?|
//! [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|…)?|
//! \p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`
//!
//! - A run of letters splits before an upper-case letter (`upper`: Lu, Lt) that follows a
//!   lower-case one (`lower`: Ll): a word is upper-case letters, then lower-case ones.
//! - A contraction after a word belongs to it: the apostrophe after a letter does not start
//!   a piece when `'s`, `'t`, `'re`, `'ve`, `'m`, `'ll` or `'d` follows (any case), and a piece
//!   starts right after it.
//! - A run of others takes the newlines *and slashes* after it (`[\r\n/]*`): no piece starts in
//!   that tail, and one starts right after it, whatever follows.
//!
//! - Before an upper-case letter after a letter in both classes (`both`: Lm, Lo) the pattern
//!   may backtrack: see `Scan::backtracks`.
//!
//! - A mark (`\p{M}`) after a letter, or after such a mark, goes on with that letter's word
//!   exactly as a letter of both classes would: both letter classes hold marks, and a word's
//!   run never stops before one. `MarksAfterLetters` makes those marks letters.
//!
//! The rest is cl100k's. What these rules cannot decide makes its block "dirty": other marks
//! (after a space, a digit, another character, or first), which may open a word or join a run
//! of others; a both-class letter right after a contraction; an upper-case run that goes past
//! the next block. Once every block is done, the
//! matcher (`o200k` in mod.rs) tiles each dirty stretch from the last resync point before it to
//! the first one after it — a position right after a newline, at a character that is neither
//! whitespace nor `/`, where a piece always starts and no rule's run goes on.

use super::bits::{back, blocks_adjusted, carried_fill, clear, set, Digits, Spaces};
use super::classify::Block;
use super::contraction;

/// Writes into `starts` (bit i % 64 of word i / 64 for byte i) where each piece of `text`
/// starts, as `Pattern::O200k` tiles it.
pub fn starts(text: &str, starts: &mut Vec<u64>) {
    starts_and_dirt(text, starts);
}

/// `starts`; returns how many blocks the matcher re-tiled.
fn starts_and_dirt(text: &str, starts: &mut Vec<u64>) -> usize {
    let mut scan = Scan {
        digits: Digits::new(3),
        others_long: false,
        tail: false,
        others_top: false,
        lower_tail: false,
        spaces: Spaces::default(),
        apostrophes: Vec::new(),
        dirty: Vec::new(),
    };
    let mut marks = MarksAfterLetters::default();
    blocks_adjusted(text, starts, |b| marks.adjust(b), |k, blocks, starts| scan.block(k, blocks, starts));
    // A contraction ends its word's piece: an apostrophe right after one opens the next piece.
    let mut after_last = usize::MAX;
    for &at in &scan.apostrophes {
        if at == after_last {
            continue;
        }
        if let Some(end) = contraction(text, at + 1, true) {
            (at..end).for_each(|i| clear(starts, i));
            if end < text.len() {
                set(starts, end);
            }
            after_last = end;
        }
    }
    // `done`: where the last rematch stopped (a resync point), so the next one starts there
    // at the earliest.
    let mut done = 0;
    for &k in &scan.dirty {
        let end = ((k + 1) * 64).min(text.len());
        if end > done {
            done = rematch(text, (k * 64).max(done), end, starts);
        }
    }
    scan.dirty.len()
}

/// Turns the marks that follow a letter (or such a mark) into letters of both classes, block
/// by block in text order (`bits::blocks_adjusted`). In Arabic and Hebrew text nearly every
/// mark is one: left as marks, they made a fifth of o200k's blocks of gettext catalogues dirty.
#[derive(Default)]
struct MarksAfterLetters {
    /// The previous block's last byte is a letter (marks made letters included).
    letter_top: bool,
    /// The previous block's last byte is a mark made a letter.
    run: bool,
}

impl MarksAfterLetters {
    fn adjust(&mut self, b: &mut Block) {
        let marks = b.both & !b.letter;
        let after_letter = back(b.letter, (self.letter_top as u64) << 63);
        let (lettered, _) = carried_fill(marks & b.lead & after_letter, marks, &mut self.run);
        b.letter |= lettered;
        b.other &= !lettered;
        self.letter_top = b.letter >> 63 != 0;
    }
}

/// What one block hands the next.
struct Scan {
    digits: Digits,
    /// The previous block ended inside a run of others that is long or follows a space.
    others_long: bool,
    /// The previous block ended inside the tail a run of others took.
    tail: bool,
    /// The previous block's last byte was an other outside a tail.
    others_top: bool,
    /// The previous block ended in a word's lower-case tail (lower-case and both-class letters
    /// after a lower-case one).
    lower_tail: bool,
    spaces: Spaces,
    /// Apostrophes after a letter: a contraction may follow (decided once every block is done,
    /// as its letters may sit in the next block).
    apostrophes: Vec<usize>,
    /// Blocks the rules cannot decide.
    dirty: Vec<usize>,
}

impl Scan {
    fn block(&mut self, k: usize, [prev, cur, next]: [&Block; 3], starts: &mut [u64]) {
        let lead = cur.lead;
        let (w, nl) = (cur.space, cur.newline);
        let after_letter = back(cur.letter, prev.letter);
        let after_digit = back(cur.number, prev.number);
        let after_newline = back(nl, prev.newline);
        let after_blank = back(cur.blank, prev.blank);
        let after_any_other = back(cur.other, prev.other);

        // The tail: newlines and slashes after a run of others (`[\r\n/]*`), from the first
        // newline on. The run of others proper (`others`) is what is not tail.
        let (tail, after_tail) = carried_fill(nl & after_any_other, nl | cur.slash, &mut self.tail);
        let others = cur.other & !tail;
        let after_other = back(others, (self.others_top as u64) << 63);
        self.others_top = others >> 63 != 0;
        // Runs of others from their second character on, or whole when a blank precedes them.
        let (_, after_long) = carried_fill(others & lead & (after_other | after_blank), others, &mut self.others_long);

        // Words split before an upper-case letter after a lower-case one, and after a letter of
        // both classes that ends a word's lower-case tail.
        let (_, after_tail_letters) = carried_fill(cur.lower, cur.lower | cur.both, &mut self.lower_tail);
        let after_both = back(cur.both, prev.both);
        let mut split = cur.upper & (back(cur.lower, prev.lower) | (after_both & after_tail_letters));
        let backtracks = cur.upper & lead & after_both & !after_tail_letters;
        if backtracks != 0 {
            split |= self.backtracks(k, backtracks, cur, next);
        }
        let letters = cur.letter & (after_digit | after_newline | after_tail | (after_other & after_long) | split);
        let other_starts = others & !after_other & !after_blank;
        let digits = self.digits.starts(cur.number & lead, after_digit);
        let mut spaces =
            w & (after_letter | after_digit | (after_any_other & !nl) | (after_newline & after_tail & !nl));
        let candidates = w & lead & !nl & after_newline & !after_tail;
        spaces |= self.spaces.starts(k, [prev, cur, next], candidates, starts);
        starts[k] |= (letters | other_starts | digits | spaces) & lead;

        let mut apostrophes = cur.apostrophe & after_letter;
        while apostrophes != 0 {
            self.apostrophes.push(k * 64 + apostrophes.trailing_zeros() as usize);
            apostrophes &= apostrophes - 1;
        }
        let marks = cur.both & !cur.letter;
        // Contraction letters are lower-case tails of their own: a letter of both classes right
        // after them would be taken for the word's tail.
        let contraction_then_both = cur.apostrophe & after_letter != 0 && (cur.both | next.both) != 0;
        if marks != 0 || contraction_then_both {
            self.dirty.push(k);
        }
    }

    /// Upper-case letters `at` after a letter of both classes that is not in a lower-case
    /// tail: the pattern takes the run of upper-case and both-class letters, then backtracks to
    /// its last both-class letter when no lower-case letter follows. So the word ends before
    /// such a letter exactly when the run of upper-case letters from it ends at a character in
    /// neither lower-case class (or the end of the text). A run that goes past the next block
    /// is left to the matcher.
    fn backtracks(&mut self, k: usize, at: u64, cur: &Block, next: &Block) -> u64 {
        let (mut out, mut m) = (0, at);
        while m != 0 {
            let p = m.trailing_zeros();
            m &= m - 1;
            let end = p + (!(cur.upper >> p)).trailing_zeros();
            let ends_word = if end < 64 {
                (cur.lower | cur.both) >> end & 1 == 0
            } else {
                let end = (!next.upper).trailing_zeros();
                if end >= 64 {
                    self.dirty.push(k);
                    continue;
                }
                (next.lower | next.both) >> end & 1 == 0
            };
            if ends_word {
                out |= 1 << p;
            }
        }
        out
    }
}

/// Tiles `text` with the matcher from the last resync point at or before `from` to the first
/// one at or after `to`, replacing the starts there; returns where it stopped.
fn rematch(text: &str, from: usize, to: usize, starts: &mut [u64]) -> usize {
    let bytes = text.as_bytes();
    let mut start = from;
    while start > 0 && !resyncs(text, start) {
        start -= 1;
    }
    let mut end = to;
    while end < text.len() && !resyncs(text, end) {
        end += 1;
    }
    (start..end).for_each(|i| clear(starts, i));
    let mut p = start;
    while p < end {
        set(starts, p);
        p = super::o200k(text, p);
    }
    if p == end {
        return end;
    }
    // A resync point is a start, so the matcher lands on `end`. Were it ever to run past it,
    // the rest of the text is tiled by the matcher too rather than left half redone.
    (end..bytes.len()).for_each(|i| clear(starts, i));
    while p < bytes.len() {
        set(starts, p);
        p = super::o200k(text, p);
    }
    bytes.len()
}

/// Whether a piece starts at `p` whatever came before, with no rule's run going on across it:
/// a whitespace character (not a newline) after one that is not whitespace, where every piece
/// but a run of others' tail ends; or right after a newline, at a character that is not `/`
/// (which a tail would take), and not whitespace unless its run holds no newline (so the
/// newline before `p` is its run's last, after which a piece starts).
fn resyncs(text: &str, p: usize) -> bool {
    let bytes = text.as_bytes();
    if p == 0 || p >= bytes.len() || !text.is_char_boundary(p) {
        return false;
    }
    let space = |i: usize| super::unicode::classes(super::decode(text, i)) & super::unicode::SPACE != 0;
    let newline = |b: u8| b == b'\n' || b == b'\r';
    if bytes[p - 1] == b'\n' {
        if bytes[p] == b'/' {
            return false;
        }
        let mut i = p;
        while i < bytes.len() && space(i) {
            if newline(bytes[i]) {
                return false;
            }
            i += super::decode(text, i).len_utf8();
        }
        return true;
    }
    let before = (0..p).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    space(p) && !newline(bytes[p]) && !space(before)
}

#[cfg(test)]
mod tests {
    use super::super::bits::reference;
    use super::super::Pattern;

    fn check(text: &str) {
        let mut ours = vec![];
        super::starts(text, &mut ours);
        let want = reference(text, |s, p| Pattern::O200k.match_at(s, p));
        if ours != want {
            let bit = |b: &[u64], i: usize| b[i / 64] >> (i % 64) & 1 == 1;
            let at = (0..text.len()).find(|&i| bit(&ours, i) != bit(&want, i)).unwrap_or(0);
            let from = (0..=at.saturating_sub(12)).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let to = (at + 12..=text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(text.len());
            panic!(
                "differs at byte {at} (want start: {}), around {:?} (from byte {from}); text {:?}",
                bit(&want, at),
                &text[from..to],
                text.escape_unicode().to_string()
            );
        }
    }

    const PALETTE: &[&str] = &[
        "a", "Z", "s", "S", "t", "T", "re", "RE", "rE", "ve", "m", "ll", "LL", "d", "e", "l", "r", "v", "é", "É", "ſ",
        "中", "ǅ", "ʰ", "Ω", "ω", "Д", "д", "0", "9", "٣", "²", " ", " ", " ", "\t", "\n", "\n", "\r", "\r\n",
        "\u{0B}", "\u{A0}", "\u{2028}", "\u{3000}", "\u{85}", "'", "'", "''", ".", ",", "!", "/", "/", "-", "😀",
        "\u{301}", "\u{651}", "\u{200D}", "\u{0}", "ab", "AB", "Ab", "aB",
    ];

    #[test]
    fn random_strings_cross_block_edges() {
        crate::testing::random_mixes(0x0200_7E57, PALETTE, 40_000, check);
    }

    /// Without marks almost no block is dirty: the rules alone.
    #[test]
    fn random_clean_strings() {
        let clean: Vec<&str> = PALETTE.iter().copied().filter(|u| !["\u{301}", "\u{651}"].contains(u)).collect();
        crate::testing::random_mixes(0x000C_1EA4, &clean, 40_000, check);
    }

    #[test]
    fn random_lines_with_rare_dirt() {
        // Mostly clean text, so dirty blocks sit between clean ones and resync points.
        let clean = ["word", " Word", "HTTPServer", " x", "'s", "don't", "\n", "  \n", "./\n/", "123", ", ", "\n\n"];
        let dirt = ["中A", "\u{301}", "ʰB", ".\u{301}x", " \u{651}"];
        let mut next = crate::testing::xorshift(0xD1_27);
        for _ in 0..5_000 {
            let len = (next() % 120) as usize;
            let text: String = (0..len)
                .map(|_| match next() % 40 {
                    0 => dirt[(next() % dirt.len() as u64) as usize],
                    _ => clean[(next() % clean.len() as u64) as usize],
                })
                .collect();
            check(&text);
        }
    }

    /// Marks after letters (Arabic harakat, Hebrew points, combining accents) leave no block
    /// dirty; marks in every other context still tile as the matcher does.
    #[test]
    fn marks_after_letters_are_letters() {
        let words = ["كَتَبَ", "مُحَمَّدٌ", "שָׁלוֹם", "בְּרֵאשִׁית", "e\u{301}te\u{301}", "A\u{308}B\u{308}c", "ǅ\u{301}"];
        let mut next = crate::testing::xorshift(0x0003_A2C5);
        for _ in 0..2_000 {
            let len = (next() % 60) as usize;
            let text: String = (0..len)
                .map(|_| {
                    let w = words[(next() % words.len() as u64) as usize];
                    [" ", "", "\n", ", ", "'s "][(next() % 5) as usize].to_owned() + w
                })
                .collect();
            check(&text);
            // (An apostrophe after a letter with a both-class letter near is dirty: `Scan`.)
            let mut starts = vec![];
            if !text.contains('\'') {
                assert_eq!(super::starts_and_dirt(&text, &mut starts), 0, "{text:?}");
            }
        }
        let palette = [
            "\u{64E}", "\u{651}", "\u{5B8}", "\u{301}", "\u{20DD}", "ب", "ש", "a", "A", "中", " ", ".", "1", "\n", "'",
            "s", "/",
        ];
        crate::testing::random_mixes(0x004D_A2C5, &palette, 40_000, check);
    }

    #[test]
    fn long_runs_of_every_class() {
        crate::testing::runs_in_frames(
            &[" ", "\n", " \n", "a", "A", "aA", "1", ".", "/", "./\n", "\u{A0}", "中", "'s", "\u{301}", "中A"],
            &[1, 31, 63, 64, 65, 128, 129, 200],
            &[("", ""), ("x", "y"), (".", " "), (" ", "\n"), ("'", "9"), ("\n", "a"), ("A", "b")],
            check,
        );
    }

    #[test]
    fn corpus_documents() {
        crate::testing::corpus_files(check);
    }
}
