//! Character classes of the pre-tokenizer patterns, exactly as Oniguruma defines them.
//!
//! Data: `RANGES` (generated from Oniguruma by examples/gen_unicode_tables.rs) maps every
//! code point to a set of class flags. Lookups go through a 64 KiB table for the BMP, built
//! at compile time, and a binary search for astral code points, which are rare
//! in text. The test at the bottom re-derives every code point from Oniguruma.

use super::unicode_tables::RANGES;

/// `\p{L}`
pub const LETTER: u8 = 1 << 0;
/// `\p{N}`
pub const NUMBER: u8 = 1 << 1;
/// `\s` (Oniguruma's: White_Space)
pub const SPACE: u8 = 1 << 2;
/// `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]` — o200k's "upper-ish" run
pub const UPPERISH: u8 = 1 << 3;
/// `[\p{Ll}\p{Lm}\p{Lo}\p{M}]` — o200k's "lower-ish" run
pub const LOWERISH: u8 = 1 << 4;

/// Class flags of every BMP code point, computed from `RANGES` at compile time: a lookup is
/// one load, with no lazy initialisation to check on every character.
static BMP: [u8; 0x10000] = {
    let mut table = [0u8; 0x10000];
    let mut i = 0;
    while i < RANGES.len() && RANGES[i].0 < 0x10000 {
        let end = if i + 1 < RANGES.len() && RANGES[i + 1].0 < 0x10000 { RANGES[i + 1].0 } else { 0x10000 };
        let mut cp = RANGES[i].0;
        while cp < end {
            table[cp as usize] = RANGES[i].1;
            cp += 1;
        }
        i += 1;
    }
    table
};

#[inline]
pub fn classes(c: char) -> u8 {
    let cp = c as u32;
    if cp < 0x10000 {
        return BMP[cp as usize];
    }
    let i = RANGES.partition_point(|&(start, _)| start <= cp);
    RANGES[i - 1].1
}

#[inline]
pub fn is(c: char, class: u8) -> bool {
    classes(c) & class != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use onig::Regex;

    #[test]
    fn every_code_point_matches_oniguruma() {
        let checks = [
            (LETTER, r"\A\p{L}\z"),
            (NUMBER, r"\A\p{N}\z"),
            (SPACE, r"\A\s\z"),
            (UPPERISH, r"\A[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]\z"),
            (LOWERISH, r"\A[\p{Ll}\p{Lm}\p{Lo}\p{M}]\z"),
        ];
        let regexes: Vec<(u8, Regex)> = checks.iter().map(|(b, r)| (*b, Regex::new(r).unwrap())).collect();
        let mut buf = [0u8; 4];
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let s = c.encode_utf8(&mut buf);
            for (bit, re) in &regexes {
                assert_eq!(is(c, *bit), re.is_match(s), "U+{:04X} class {bit}", c as u32);
            }
        }
    }
}
