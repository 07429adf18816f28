//! Character classes of the pre-tokenizer patterns, exactly as Oniguruma defines them.
//!
//! Data: `RANGES` (generated from Oniguruma by examples/gen_unicode_tables.rs) maps every
//! code point to a set of class flags. Lookups go through a 64 KiB table for the BMP, built
//! once on first use (~0.1 ms), and a binary search for astral code points, which are rare
//! in text. The test at the bottom re-derives every code point from Oniguruma.

use super::unicode_tables::RANGES;
use std::sync::OnceLock;

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

static BMP: OnceLock<Box<[u8]>> = OnceLock::new();

fn bmp() -> &'static [u8] {
    BMP.get_or_init(|| {
        let mut table = vec![0u8; 0x10000];
        for (i, &(start, flags)) in RANGES.iter().enumerate() {
            let end = RANGES.get(i + 1).map_or(0x110000, |r| r.0).min(0x10000);
            if start >= 0x10000 {
                break;
            }
            table[start as usize..end as usize].fill(flags);
        }
        table.into_boxed_slice()
    })
}

#[inline]
pub fn classes(c: char) -> u8 {
    let cp = c as u32;
    if cp < 0x10000 {
        return bmp()[cp as usize];
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
