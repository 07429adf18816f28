//! Per-character pre-merging for byte-level BPE: a 2- or 3-byte character enters the merge
//! loop as the one token its bytes merge into, instead of as 2–3 byte tokens, wherever that
//! provably gives the same result. Chinese letter runs are 20–100 bytes; merging them byte by
//! byte was ~55% of a Chinese encode, most of it the merges inside each character.
//!
//! # Why it is exact
//!
//! BPE repeatedly merges the adjacent pair of lowest rank. Take a character c with bytes B,
//! inside a piece L·B·R. Merged alone, B ends in one token t after merges of rank at most
//! `r_max`; call the symbols seen on the way that touch B's first byte but not its last its
//! *prefix partials*, and those that touch its last byte but not its first its *suffix
//! partials*. Suppose every merge (x, p) of a symbol x that can stand left of c with a prefix
//! partial p or with t has rank above `r_max`, and every merge (s, y) of a suffix partial or
//! t with a symbol y that can stand right of c does too. Then in L·B·R, until c is complete,
//! c always offers an inner pair of rank ≤ `r_max`, so no pair across its edges is chosen:
//! c merges exactly as alone while L and R progress as they would beside t (every step they
//! take before c completes has a rank below c's pending one, hence below any pair with t).
//! So L·B·R and L·t·R reach the same state, and merge identically from there. Repeating the
//! argument one character at a time covers a piece of many pre-merged characters.
//!
//! "Can stand left of c": a symbol that ends where c starts, so its last byte is ASCII (c is
//! preceded by an ASCII character) or a continuation byte (c is preceded by a multi-byte
//! character); on the right, a symbol whose first byte is ASCII or a lead byte. The checks
//! are kept per context: in many vocabularies a space merges with a lead byte early (" ä"
//! before "ä¸Ń"), which forbids pre-merging a character after a space, but not after another
//! Chinese character. At a piece's edge there is no neighbour to check.
//!
//! # Cost
//!
//! The merge ranks by neighbour class are gathered once, on the first piece with a multi-byte
//! character (one pass over the merges, ~5 ms for 280k merges; a few KiB kept, only for tokens
//! of at most 3 bytes); each character's verdict is computed on first sight and kept in a
//! 256 KiB table of atomics (a race computes the same value twice). 4-byte characters (emoji,
//! rare Han) keep their bytes.

use super::hash::FxHashMap;
use std::sync::atomic::{AtomicU32, Ordering};

/// Neighbour contexts: bit set = pre-merging is safe in that context.
const AFTER_ASCII: u32 = 1 << 26;
const AFTER_MULTIBYTE: u32 = 1 << 27;
const BEFORE_ASCII: u32 = 1 << 28;
const BEFORE_MULTIBYTE: u32 = 1 << 29;
/// Merging the character's bytes alone ends in one token (its id is in the low bits).
const ONE_TOKEN: u32 = 1 << 30;
/// The verdict is computed (0 = not yet).
const KNOWN: u32 = 1 << 31;
const ID_BITS: u32 = (1 << 26) - 1;

/// Lowest merge ranks of a short token with each class of neighbour, as left or as right
/// element: [left of an ASCII-led, left of a lead-byte-led, right of an ASCII-ended, right of a
/// continuation-ended]; `u32::MAX` when there is none.
type Neighbours = [u32; 4];
const LEFT_OF_ASCII: usize = 0;
const LEFT_OF_LEAD: usize = 1;
const RIGHT_OF_ASCII: usize = 2;
const RIGHT_OF_CONT: usize = 3;

/// How a token's bytes begin and end, as far as neighbours care.
#[derive(Clone, Copy, Default)]
pub struct Edges {
    /// Byte length, capped at 4 (only tokens of ≤ 3 bytes can be partials or a character).
    len: u8,
    first: u8,
    last: u8,
    /// False for ids without byte-level bytes: they count as every class.
    known: bool,
}

impl Edges {
    pub fn of(bytes: &[u8]) -> Self {
        match bytes {
            [] => Edges::default(),
            [first, .., last] | [first @ last] => Edges {
                len: bytes.len().min(4) as u8,
                first: *first,
                last: *last,
                known: true,
            },
        }
    }
}

pub struct CharMerges {
    short: FxHashMap<u32, Neighbours>,
    /// Per BMP code point: 0, or `KNOWN` | flags | id.
    verdicts: Box<[AtomicU32]>,
}

/// The merge data a verdict needs, borrowed from the `Bpe`.
pub struct Model<'a> {
    pub byte_ids: &'a [u32; 256],
    pub rank: &'a dyn Fn(u32, u32) -> Option<(u32, u32)>,
}

impl CharMerges {
    /// `merges`: every (left, right, rank); `edges[id]`: the bytes of each token id.
    pub fn new(merges: impl Iterator<Item = (u32, u32, u32)>, edges: &[Edges]) -> Self {
        let edge = |id: u32| edges.get(id as usize).copied().unwrap_or_default();
        let mut short: FxHashMap<u32, Neighbours> = FxHashMap::default();
        for (a, b, rank) in merges {
            let (ea, eb) = (edge(a), edge(b));
            if ea.known && ea.len <= 3 {
                let n = short.entry(a).or_insert([u32::MAX; 4]);
                if !eb.known || eb.first < 0x80 {
                    n[LEFT_OF_ASCII] = n[LEFT_OF_ASCII].min(rank);
                }
                if !eb.known || eb.first >= 0xC0 {
                    n[LEFT_OF_LEAD] = n[LEFT_OF_LEAD].min(rank);
                }
            }
            if eb.known && eb.len <= 3 {
                let n = short.entry(b).or_insert([u32::MAX; 4]);
                if !ea.known || ea.last < 0x80 {
                    n[RIGHT_OF_ASCII] = n[RIGHT_OF_ASCII].min(rank);
                }
                if !ea.known || (0x80..0xC0).contains(&ea.last) {
                    n[RIGHT_OF_CONT] = n[RIGHT_OF_CONT].min(rank);
                }
            }
        }
        let verdicts = (0..0x10000).map(|_| AtomicU32::new(0)).collect();
        CharMerges { short, verdicts }
    }

    /// The token the character at the start of `bytes` (a lead byte of a 2- or 3-byte
    /// character, then its continuation bytes) enters merging as, if that is exact between
    /// `before` (the byte ahead of it, or None at the piece's start) and `after`.
    #[inline]
    pub fn token(
        &self,
        cp: u32,
        before: Option<u8>,
        after: Option<u8>,
        model: &Model,
    ) -> Option<u32> {
        let mut v = self.verdicts[cp as usize].load(Ordering::Relaxed);
        if v == 0 {
            v = self.verdict(cp, model);
            self.verdicts[cp as usize].store(v, Ordering::Relaxed);
        }
        let need = match before {
            None => 0,
            Some(b) if b < 0x80 => AFTER_ASCII,
            Some(_) => AFTER_MULTIBYTE,
        } | match after {
            None => 0,
            Some(b) if b < 0x80 => BEFORE_ASCII,
            Some(_) => BEFORE_MULTIBYTE,
        } | ONE_TOKEN;
        (v & need == need).then_some(v & ID_BITS)
    }

    /// Whether `c` was seen and may enter merging as one token somewhere inside a piece.
    #[cfg(test)]
    pub fn premerged_inside(&self, c: char) -> bool {
        let v = self
            .verdicts
            .get(c as usize)
            .map_or(0, |v| v.load(Ordering::Relaxed));
        v & ONE_TOKEN != 0
            && v & (AFTER_ASCII | AFTER_MULTIBYTE | BEFORE_ASCII | BEFORE_MULTIBYTE) != 0
    }

    #[cold]
    fn verdict(&self, cp: u32, model: &Model) -> u32 {
        let Some(c) = char::from_u32(cp) else {
            return KNOWN;
        };
        let mut buf = [0u8; 4];
        let bytes = c.encode_utf8(&mut buf).as_bytes();
        let Some(run) = merge_alone(bytes, model) else {
            return KNOWN;
        };
        if run.token > ID_BITS {
            return KNOWN;
        }
        let neighbours = |id: u32| self.short.get(&id).copied().unwrap_or([u32::MAX; 4]);
        // Every side's check also covers the whole token t: a pair with t must not come first.
        let above = |ids: &[u32], class: usize| {
            ids.iter()
                .chain([&run.token])
                .all(|&id| neighbours(id)[class] > run.max_rank)
        };
        let mut v = KNOWN | ONE_TOKEN | run.token;
        for (ids, class, flag) in [
            (&run.prefixes, RIGHT_OF_ASCII, AFTER_ASCII),
            (&run.prefixes, RIGHT_OF_CONT, AFTER_MULTIBYTE),
            (&run.suffixes, LEFT_OF_ASCII, BEFORE_ASCII),
            (&run.suffixes, LEFT_OF_LEAD, BEFORE_MULTIBYTE),
        ] {
            if above(ids, class) {
                v |= flag;
            }
        }
        v
    }
}

/// A character's bytes merged alone.
struct Alone {
    token: u32,
    max_rank: u32,
    prefixes: Vec<u32>,
    suffixes: Vec<u32>,
}

/// BPE over `bytes` alone (at most 3, so a plain rescan); None unless it ends in one token.
fn merge_alone(bytes: &[u8], model: &Model) -> Option<Alone> {
    let n = bytes.len() as u32;
    let mut syms: Vec<(u32, u32, u32)> = bytes
        .iter()
        .enumerate()
        .map(|(i, &b)| (model.byte_ids[b as usize], i as u32, i as u32 + 1))
        .collect();
    let mut run = Alone {
        token: 0,
        max_rank: 0,
        prefixes: vec![syms[0].0],
        suffixes: vec![syms[syms.len() - 1].0],
    };
    while syms.len() > 1 {
        let best = (0..syms.len() - 1)
            .filter_map(|i| {
                (model.rank)(syms[i].0, syms[i + 1].0).map(|(rank, merged)| (rank, i, merged))
            })
            .min()?;
        let (rank, i, merged) = best;
        let (start, end) = (syms[i].1, syms[i + 1].2);
        syms[i] = (merged, start, end);
        syms.remove(i + 1);
        run.max_rank = run.max_rank.max(rank);
        if start == 0 && end < n {
            run.prefixes.push(merged);
        } else if start > 0 && end == n {
            run.suffixes.push(merged);
        }
    }
    run.token = syms[0].0;
    Some(run)
}

/// The code point of the 2- or 3-byte character starting `bytes` (valid UTF-8), and its length.
#[inline]
pub fn bmp_char(bytes: &[u8]) -> Option<(u32, usize)> {
    match bytes[0] {
        0xC0..=0xDF => Some(((bytes[0] as u32 & 0x1F) << 6 | (bytes[1] as u32 & 0x3F), 2)),
        0xE0..=0xEF => Some((
            (bytes[0] as u32 & 0x0F) << 12
                | (bytes[1] as u32 & 0x3F) << 6
                | (bytes[2] as u32 & 0x3F),
            3,
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_points_decode() {
        for c in [
            'é', 'ж', 'ا', '中', '語', '\u{FFFD}', '\u{80}', '\u{7FF}', '\u{800}', '\u{FFFF}',
        ] {
            let mut buf = [0u8; 4];
            let b = c.encode_utf8(&mut buf).as_bytes();
            assert_eq!(bmp_char(b), Some((c as u32, b.len())), "{c}");
        }
        assert_eq!(bmp_char("😀".as_bytes()), None);
    }
}
