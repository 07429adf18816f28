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
//! character); on the right, a symbol whose first byte is ASCII or the lead byte of the next
//! character. The checks are kept per context: in many vocabularies a space merges with a
//! lead byte early (" ä" before "ä¸Ń"), which forbids pre-merging a character after a space,
//! but not after another Chinese character; and Llama 3 merges the last byte of some Han
//! characters with a Hangul lead byte, which says nothing of a Han character that follows.
//! Keeping the right side per lead byte raised the share of Han characters followed by a
//! multi-byte character that pre-merge, on the Chinese corpus document, from 82% to 94%
//! (Llama 3) and from 70% to 99% (o200k). At a piece's edge there is no neighbour to check.
//!
//! # Cost
//!
//! The merge ranks by neighbour class are gathered once, on the first piece with a multi-byte
//! character: one pass over the merges (~2.3 ms for Llama 3's 280k, most of it walking the
//! merge map), kept only for the ~3k tokens made of a character's bytes, from each token's
//! `Edges` recorded while the load read the vocabulary. Each character's verdict is computed
//! on first sight and kept in a 512 KiB table of atomics (a race computes the same value
//! twice). 4-byte characters (emoji, rare Han) keep their bytes.

use std::sync::atomic::{AtomicU64, Ordering};

// A verdict: 0 (not computed yet), or KNOWN | flags | the token id in the low 32 bits.
const KNOWN: u64 = 1 << 32;
/// Merging the character's bytes alone ends in one token.
const ONE_TOKEN: u64 = 1 << 33;
/// Contexts where pre-merging is exact: after an ASCII character, after a multi-byte one,
/// before an ASCII character, and before a multi-byte character by its lead byte's class
/// (`lead_class`, 18 classes from bit `BEFORE_LEAD`).
const AFTER_ASCII: u64 = 1 << 34;
const AFTER_MULTIBYTE: u64 = 1 << 35;
const BEFORE_ASCII: u64 = 1 << 36;
const BEFORE_LEAD: u32 = 37;
const LEAD_CLASSES: usize = 18;

/// Classes of the lead byte of the character on the right: each 3-byte lead (E0–EF) alone —
/// Han spans six of them, and a vocabulary's odd cross-character tokens (a Han character's
/// last byte with a Hangul lead byte, say) then only forbid what they can affect — then all
/// 2-byte leads, then all 4-byte leads.
#[inline]
fn lead_class(b: u8) -> usize {
    match b {
        0xE0..=0xEF => (b - 0xE0) as usize,
        0xC0..=0xDF => 16,
        _ => 17,
    }
}

/// Lowest merge ranks of a short token with each class of neighbour (`u32::MAX`: none):
/// as right element after an ASCII-ended and after a continuation-ended token, as left
/// element before an ASCII-led token, and before a token led by each lead class.
#[derive(Clone, Copy)]
struct Neighbours {
    right_of_ascii: u32,
    right_of_cont: u32,
    left_of_ascii: u32,
    left_of_lead: [u32; LEAD_CLASSES],
}

const NO_NEIGHBOURS: Neighbours = Neighbours {
    right_of_ascii: u32::MAX,
    right_of_cont: u32::MAX,
    left_of_ascii: u32::MAX,
    left_of_lead: [u32::MAX; LEAD_CLASSES],
};

/// How a token's bytes begin and end, as far as neighbours care, in one byte: 0 for an id
/// without byte-level bytes (it counts as every class); else bits 0–4 the first byte's class
/// (1 ASCII, 2 continuation, 3 + `lead_class` for a lead byte), bits 5–6 the last byte's (1
/// ASCII, 2 continuation, 3 lead), bit 7 `part_of_a_char`. One byte so that a load can keep
/// it for every id (ByteLevelBpe::build) at 1 byte a token.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Edges(u8);

impl Edges {
    pub fn of(bytes: &[u8]) -> Self {
        let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else { return Edges(0) };
        let class = |b: u8| match b {
            0..=0x7F => 1,
            0x80..=0xBF => 2,
            _ => 3,
        };
        let first_class = if first >= 0xC0 { 3 + lead_class(first) as u8 } else { class(first) };
        let partial = bytes.len() <= 3 && first >= 0x80 && last >= 0x80;
        Edges(first_class | class(last) << 5 | (partial as u8) << 7)
    }

    fn known(self) -> bool {
        self.0 != 0
    }

    /// Whether the token could be a character's partial or its whole token, all of whose
    /// bytes are not ASCII: a verdict asks only these for their neighbours. Llama 3 has ~3k
    /// of them, against ~14k tokens of at most 3 bytes.
    fn part_of_a_char(self) -> bool {
        self.0 & 0x80 != 0
    }

    fn first_is_ascii(self) -> bool {
        self.0 & 0x1F == 1
    }

    /// `lead_class` of the first byte, when it is a lead byte.
    fn first_lead(self) -> Option<usize> {
        (self.0 & 0x1F).checked_sub(3).map(usize::from)
    }

    fn last_is_ascii(self) -> bool {
        self.0 >> 5 & 3 == 1
    }

    fn last_is_continuation(self) -> bool {
        self.0 >> 5 & 3 == 2
    }
}

/// The ids that are `part_of_a_char`, each with a dense slot: a bitset (16 KiB for Llama 3,
/// so the scan over every merge rules out most from L1) and the count of set bits before
/// each word.
struct Partials {
    bits: Vec<u64>,
    before: Vec<u32>,
}

impl Partials {
    fn new(edges: &[Edges]) -> Self {
        let mut bits = vec![0u64; edges.len().div_ceil(64)];
        for (id, e) in edges.iter().enumerate() {
            bits[id / 64] |= (e.part_of_a_char() as u64) << (id % 64);
        }
        let mut before = Vec::with_capacity(bits.len());
        let mut n = 0;
        for w in &bits {
            before.push(n);
            n += w.count_ones();
        }
        Partials { bits, before }
    }

    fn len(&self) -> usize {
        self.before.last().map_or(0, |&n| n as usize) + self.bits.last().map_or(0, |w| w.count_ones() as usize)
    }

    /// `id`'s slot, if it is one of them.
    #[inline]
    fn slot(&self, id: u32) -> Option<usize> {
        let (w, bit) = (id as usize / 64, id % 64);
        let word = *self.bits.get(w)?;
        (word >> bit & 1 != 0).then(|| (self.before[w] + (word & ((1 << bit) - 1)).count_ones()) as usize)
    }
}

pub struct CharMerges {
    partials: Partials,
    /// The neighbour ranks of each of `partials`, by slot.
    neighbours: Box<[Neighbours]>,
    /// Per BMP code point (512 KiB; Han alone touches 170 KiB of it).
    verdicts: Box<[AtomicU64]>,
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
        let partials = Partials::new(edges);
        let mut neighbours = vec![NO_NEIGHBOURS; partials.len()].into_boxed_slice();
        let lower = |slot: &mut u32, rank: u32| *slot = (*slot).min(rank);
        for (a, b, rank) in merges {
            let (sa, sb) = (partials.slot(a), partials.slot(b));
            if sa.is_none() && sb.is_none() {
                continue;
            }
            let (ea, eb) = (edge(a), edge(b));
            if let Some(slot) = sa {
                let n = &mut neighbours[slot];
                if !eb.known() || eb.first_is_ascii() {
                    lower(&mut n.left_of_ascii, rank);
                }
                if !eb.known() {
                    n.left_of_lead.iter_mut().for_each(|slot| lower(slot, rank));
                } else if let Some(class) = eb.first_lead() {
                    lower(&mut n.left_of_lead[class], rank);
                }
            }
            if let Some(slot) = sb {
                let n = &mut neighbours[slot];
                if !ea.known() || ea.last_is_ascii() {
                    lower(&mut n.right_of_ascii, rank);
                }
                if !ea.known() || ea.last_is_continuation() {
                    lower(&mut n.right_of_cont, rank);
                }
            }
        }
        let verdicts = (0..0x10000).map(|_| AtomicU64::new(0)).collect();
        CharMerges { partials, neighbours, verdicts }
    }

    #[inline]
    pub fn token(&self, cp: u32, before: Option<u8>, after: Option<u8>, model: &Model) -> Option<u32> {
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
            Some(b) => 1 << (BEFORE_LEAD + lead_class(b) as u32),
        } | ONE_TOKEN;
        (v & need == need).then_some(v as u32)
    }

    /// Whether `c` was seen and may enter merging as one token somewhere inside a piece.
    #[cfg(test)]
    pub fn premerged_inside(&self, c: char) -> bool {
        let v = self.verdicts.get(c as usize).map_or(0, |v| v.load(Ordering::Relaxed));
        v & ONE_TOKEN != 0 && v >> 34 != 0
    }

    #[cold]
    fn verdict(&self, cp: u32, model: &Model) -> u64 {
        let Some(c) = char::from_u32(cp) else { return KNOWN };
        let mut buf = [0u8; 4];
        let bytes = c.encode_utf8(&mut buf).as_bytes();
        let Some(run) = merge_alone(bytes, model) else { return KNOWN };
        let neighbours = |id: u32| self.partials.slot(id).map_or(NO_NEIGHBOURS, |s| self.neighbours[s]);
        // Every side's check also covers the whole token t: a pair with t must not come first.
        let above = |ids: &[u32], rank: &dyn Fn(&Neighbours) -> u32| {
            ids.iter().chain([&run.token]).all(|&id| rank(&neighbours(id)) > run.max_rank)
        };
        let mut v = KNOWN | ONE_TOKEN | run.token as u64;
        if above(&run.prefixes, &|n| n.right_of_ascii) {
            v |= AFTER_ASCII;
        }
        if above(&run.prefixes, &|n| n.right_of_cont) {
            v |= AFTER_MULTIBYTE;
        }
        if above(&run.suffixes, &|n| n.left_of_ascii) {
            v |= BEFORE_ASCII;
        }
        for class in 0..LEAD_CLASSES {
            if above(&run.suffixes, &|n| n.left_of_lead[class]) {
                v |= 1 << (BEFORE_LEAD + class as u32);
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
    let mut syms: Vec<(u32, u32, u32)> =
        bytes.iter().enumerate().map(|(i, &b)| (model.byte_ids[b as usize], i as u32, i as u32 + 1)).collect();
    let mut run = Alone { token: 0, max_rank: 0, prefixes: vec![syms[0].0], suffixes: vec![syms[syms.len() - 1].0] };
    while syms.len() > 1 {
        let best = (0..syms.len() - 1)
            .filter_map(|i| (model.rank)(syms[i].0, syms[i + 1].0).map(|(rank, merged)| (rank, i, merged)))
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
        0xE0..=0xEF => {
            Some(((bytes[0] as u32 & 0x0F) << 12 | (bytes[1] as u32 & 0x3F) << 6 | (bytes[2] as u32 & 0x3F), 3))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The packed byte answers what the four fields it replaced (length, first and last byte,
    /// known) answered, for every first/last byte pair and length.
    #[test]
    fn edges_pack_what_the_scan_asks() {
        assert!(!Edges::of(&[]).known());
        for first in 0..=255u8 {
            for last in 0..=255u8 {
                for len in 1..=5usize {
                    if len == 1 && first != last {
                        continue;
                    }
                    let mut bytes = vec![b'a'; len];
                    bytes[0] = first;
                    bytes[len - 1] = last;
                    let e = Edges::of(&bytes);
                    assert!(e.known());
                    assert_eq!(e.part_of_a_char(), len <= 3 && first >= 0x80 && last >= 0x80);
                    assert_eq!(e.first_is_ascii(), first < 0x80);
                    assert_eq!(e.first_lead(), (first >= 0xC0).then(|| lead_class(first)));
                    assert_eq!(e.last_is_ascii(), last < 0x80);
                    assert_eq!(e.last_is_continuation(), (0x80..0xC0).contains(&last));
                }
            }
        }
    }

    #[test]
    fn partials_get_dense_slots_in_id_order() {
        let mut edges = vec![Edges::of(b"a"); 300];
        let ids = [0usize, 1, 63, 64, 65, 127, 128, 200, 299];
        for &id in &ids {
            edges[id] = Edges::of("é".as_bytes());
        }
        let p = Partials::new(&edges);
        assert_eq!(p.len(), ids.len());
        for id in 0..320u32 {
            assert_eq!(p.slot(id), ids.iter().position(|&i| i == id as usize), "{id}");
        }
    }

    #[test]
    fn code_points_decode() {
        for c in ['é', 'ж', 'ا', '中', '語', '\u{FFFD}', '\u{80}', '\u{7FF}', '\u{800}', '\u{FFFF}'] {
            let mut buf = [0u8; 4];
            let b = c.encode_utf8(&mut buf).as_bytes();
            assert_eq!(bmp_char(b), Some((c as u32, b.len())), "{c}");
        }
        assert_eq!(bmp_char("😀".as_bytes()), None);
    }
}
