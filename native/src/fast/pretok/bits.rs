//! What the bitstream pre-tokenizers (cl100k.rs, o200k.rs) share: the block loop, word
//! operations on class masks, and the rules their patterns have in common — runs of digits,
//! and where whitespace runs split (`\s*[\r\n]+|\s+(?!\S)|\s+`).
//!
//! A start bitmap has bit i % 64 of word i / 64 set when a piece starts at byte i.

use super::classify::{classify, Block, Carry};

/// Classifies `text` block by block and calls `rule(k, [previous, current, next], starts)`
/// for each block k: every rule may look one block back and one ahead. Bit 0 is always a start.
pub fn blocks(text: &str, starts: &mut Vec<u64>, rule: impl FnMut(usize, [&Block; 3], &mut [u64])) {
    blocks_adjusted(text, starts, |_| {}, rule);
}

/// `blocks`, with each block passed through `adjust` right after it is classified, in text
/// order, before any rule sees it (as the current block, the previous or the next): a
/// pattern's own reading of the classes.
pub fn blocks_adjusted(
    text: &str,
    starts: &mut Vec<u64>,
    mut adjust: impl FnMut(&mut Block),
    mut rule: impl FnMut(usize, [&Block; 3], &mut [u64]),
) {
    starts.clear();
    if text.is_empty() {
        return;
    }
    let count = text.len().div_ceil(64);
    starts.resize(count, 0);
    let mut carry = Carry::default();
    let mut prev = Block::default();
    let mut classified = |base: usize| {
        let mut b = classify(text, base, &mut carry);
        adjust(&mut b);
        b
    };
    let mut cur = classified(0);
    for k in 0..count {
        let next = if k + 1 < count { classified((k + 1) * 64) } else { Block::default() };
        rule(k, [&prev, &cur, &next], starts);
        prev = cur;
        cur = next;
    }
    starts[0] |= 1;
}

/// `x` one position later: bit i says what held at byte i − 1 (`prev`'s top bit for i = 0).
#[inline(always)]
pub fn back(x: u64, prev: u64) -> u64 {
    (x << 1) | (prev >> 63)
}

/// `x` one position earlier: bit i says what holds at byte i + 1.
#[inline(always)]
pub fn fwd(x: u64, next: u64) -> u64 {
    (x >> 1) | (next << 63)
}

/// The bits of runs of `class` from their first bit in `seeds` on: adding a seed to its run
/// carries through the rest of the run, so the bits the add flips are the seeded run's.
#[inline(always)]
pub fn fill(seeds: u64, class: u64) -> u64 {
    let seeds = seeds & class;
    ((class.wrapping_add(seeds) ^ class) | seeds) & class
}

/// A fill carried across blocks: `carry` says the previous block's top bit was filled (a run
/// that goes on at bit 0 goes on filled). Returns the fill and the fill one position later.
#[inline(always)]
pub fn carried_fill(seeds: u64, class: u64, carry: &mut bool) -> (u64, u64) {
    let filled = fill(seeds | (*carry as u64), class);
    let after = back(filled, (*carry as u64) << 63);
    *carry = filled >> 63 != 0;
    (filled, after)
}

/// Bits `lo..hi` (lo ≤ hi ≤ 64).
#[inline]
pub fn span(lo: u32, hi: u32) -> u64 {
    let below_hi = if hi >= 64 { u64::MAX } else { (1u64 << hi) - 1 };
    let from_lo = if lo >= 64 { 0 } else { u64::MAX << lo };
    below_hi & from_lo
}

pub fn set(starts: &mut [u64], i: usize) {
    starts[i / 64] |= 1 << (i % 64);
}

pub fn clear(starts: &mut [u64], i: usize) {
    starts[i / 64] &= !(1 << (i % 64));
}

/// `\p{N}{1,max}`: a run of digits starts a piece, and so does every `max`-th digit after.
pub struct Digits {
    max: u32,
    /// The index in its run of the last digit seen, when a run of digits goes on.
    last: u32,
}

impl Digits {
    pub fn new(max: u32) -> Self {
        Digits { max, last: 0 }
    }

    /// The starts among the digits' lead bytes `leads`.
    pub fn starts(&mut self, leads: u64, after_digit: u64) -> u64 {
        if self.max <= 1 {
            return leads;
        }
        if leads & after_digit == 0 {
            self.last = 0;
            return leads;
        }
        let (mut out, mut m) = (0, leads);
        while m != 0 {
            let bit = m & m.wrapping_neg();
            m &= m - 1;
            self.last = if after_digit & bit != 0 { self.last + 1 } else { 0 };
            if self.last.is_multiple_of(self.max) {
                out |= bit;
            }
        }
        out
    }
}

/// The whitespace rules: `\s*[\r\n]+` runs to the last newline of a whitespace run, and
/// `\s+(?!\S)` leaves the run's last character to the next piece when one follows.
#[derive(Default)]
pub struct Spaces {
    /// A start after a newline whose whitespace run reached the end of the previous block: a
    /// newline later in the run clears it.
    pending: Option<usize>,
}

impl Spaces {
    /// Starts inside whitespace runs of block k: the last character of a run that a
    /// character follows (not a newline), and the character after a run's last newline
    /// (`after_last_newline`: whitespace after a newline, not a newline, that the pattern's
    /// other rules do not already decide).
    pub fn starts(&mut self, k: usize, [prev, cur, next]: [&Block; 3], after_newline: u64, starts: &mut [u64]) -> u64 {
        let (w, nl, lead) = (cur.space, cur.newline, cur.lead);
        // The last byte of a run before a byte of the text.
        let run_end = w & !fwd(w, next.space) & fwd(cur.valid, next.valid);
        let mut out = run_end & lead & !nl;
        if run_end & !lead != 0 {
            out |= wide_run_ends(k, run_end & !lead, prev.lead, lead, starts);
        }
        out | self.last_newlines(k, after_newline, w, nl, starts)
    }

    /// `candidates` keep their start unless a newline follows in the same run; one whose run
    /// goes past the block waits for the next block to decide.
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
}

/// Run ends at the last bytes of wide whitespace characters, moved back to their lead bytes;
/// those in the previous block are set there, the rest returned.
fn wide_run_ends(k: usize, ends: u64, prev_lead: u64, lead: u64, starts: &mut [u64]) -> u64 {
    let leads = ((lead as u128) << 64) | prev_lead as u128;
    let mut at = (ends as u128) << 64;
    for _ in 0..3 {
        at = (at & leads) | ((at & !leads) >> 1);
    }
    if k > 0 {
        starts[k - 1] |= at as u64;
    }
    (at >> 64) as u64
}

/// Every piece start `matcher` gives, one match after another, as a bitmap: the reference the
/// bitstreams are tested against.
#[cfg(test)]
pub fn reference(text: &str, matcher: impl Fn(&str, usize) -> usize) -> Vec<u64> {
    let mut bits = vec![0u64; text.len().div_ceil(64)];
    let mut p = 0;
    while p < text.len() {
        set(&mut bits, p);
        p = matcher(text, p);
    }
    bits
}
