//! UTF-8 byte offsets → UTF-16 code units of the JS string. The only place this happens.
//!
//! The engine works on UTF-8 and reports byte offsets. JS indexes strings in UTF-16 units, so
//! `text.slice(start, end)` needs UTF-16 positions. Python's `encode` converts bytes to
//! *scalar* indices with `BytesToCharOffsetConverter`: a byte inside a character maps to that
//! character (floor), an end at the text's length maps to the length. We keep those
//! semantics, in UTF-16 units.
//!
//! Data: `text` is the UTF-8 the engine saw. When it is ASCII, bytes == units and mapping is
//! the identity (the common case costs nothing). Otherwise a cursor remembers the last
//! (byte, unit) pair: token offsets arrive almost always in increasing order, so scanning
//! forward from the cursor makes a whole encoding O(text + tokens). A backwards query restarts
//! from the nearest checkpoint (every `CHECKPOINT` bytes) instead of from zero.
//!
//! Rejected: a byte→unit table of `len + 1` u32 (4× the input in memory; 800 MB for a
//! 200 MB string) — the cursor gives the same O(n) without it.

use crate::hash::word_of;

const CHECKPOINT: usize = 4096;

pub struct Utf16Mapper<'a> {
    bytes: &'a [u8],
    ascii: bool,
    /// `checkpoints[k]` = UTF-16 units before byte `k * CHECKPOINT` (always a char boundary
    /// after `floor_boundary`, see `build_checkpoints`).
    checkpoints: Vec<(usize, usize)>,
    cursor: (usize, usize),
}

impl<'a> Utf16Mapper<'a> {
    pub fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let ascii = bytes.is_ascii();
        let checkpoints = if ascii { Vec::new() } else { build_checkpoints(bytes) };
        Utf16Mapper { bytes, ascii, checkpoints, cursor: (0, 0) }
    }

    /// UTF-16 position of the character that contains byte `b` (its start), or the length
    /// when `b` is at or past the end.
    ///
    /// A target behind the cursor is counted back from it when near: byte-level tokens that
    /// split a character are widened to the whole character, so the next token's start is
    /// often a few bytes behind the previous end. Restarting from the checkpoint there
    /// rescanned up to 4 KiB per such token: 10% of a long-document `encode` from JS (perf).
    pub fn unit_at(&mut self, b: usize) -> usize {
        if self.ascii {
            return b.min(self.bytes.len());
        }
        let target = floor_boundary(self.bytes, b.min(self.bytes.len()));
        let (pos, units) = self.cursor;
        let units = if target >= pos {
            units + units_in(&self.bytes[pos..target])
        } else if pos - target <= CHECKPOINT {
            units - units_in(&self.bytes[target..pos])
        } else {
            let (at, units) = self.checkpoints[target / CHECKPOINT];
            units + units_in(&self.bytes[at..target])
        };
        self.cursor = (target, units);
        units
    }

    /// Converts a `(start, end)` byte span. Both ends use the floor rule, as Python does.
    pub fn span(&mut self, (start, end): (usize, usize)) -> (usize, usize) {
        let s = self.unit_at(start);
        (s, self.unit_at(end))
    }
}

/// UTF-16 positions of byte offsets in O(1) each, from a table made in one pass over the
/// text: for every 64-byte block, the units before it and which of its bytes start a
/// character or a 4-byte one (two units); a position's units are the block's plus the bits
/// below it. For a caller that converts every token's offsets of a long text (lean.rs):
/// a cursor stepping byte by byte from token to token was a quarter of that encode (perf).
/// 12 bytes a block (~19% of the text); none for ASCII text, where bytes are units.
pub struct Utf16Index<'a> {
    bytes: &'a [u8],
    /// Per block: units before it, then its lead bytes and its 4-byte leads as bits.
    blocks: Vec<(u32, u64, u64)>,
}

impl<'a> Utf16Index<'a> {
    pub fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let mut blocks = Vec::new();
        if !bytes.is_ascii() {
            blocks.reserve(bytes.len() / 64 + 1);
            let mut units = 0u32;
            for chunk in bytes.chunks(64) {
                let (leads, astral) = lead_masks(chunk);
                blocks.push((units, leads, astral));
                units += leads.count_ones() + astral.count_ones();
            }
        }
        Utf16Index { bytes, blocks }
    }

    /// Units before byte `at`, a character boundary (or the end).
    #[inline(always)]
    fn units_before(&self, at: usize) -> u32 {
        if self.blocks.is_empty() {
            return at as u32;
        }
        let Some(&(before, leads, astral)) = self.blocks.get(at / 64) else {
            return self.total();
        };
        let below = (1u64 << (at % 64)) - 1;
        before + (leads & below).count_ones() + (astral & below).count_ones()
    }

    fn total(&self) -> u32 {
        self.blocks.last().map_or(0, |&(before, leads, astral)| before + leads.count_ones() + astral.count_ones())
    }

    /// A token's byte span as UTF-16 units, widened to whole characters: the start floors
    /// to its character's start (as Python's offsets do), the end rounds up to its end.
    #[inline(always)]
    pub fn span(&self, start: usize, end: usize) -> (u32, u32) {
        if self.blocks.is_empty() {
            return (start as u32, end as u32);
        }
        (self.units_before(floor_boundary(self.bytes, start)), self.units_before(ceil_boundary(self.bytes, end)))
    }

    /// `span` of every `[start, end]` byte pair of `offsets`, in place. With the CPU's
    /// population count where it has one: without it, each `count_ones` is a dozen
    /// instructions (the baseline x86-64 the addon is built for has none).
    pub fn convert(&self, offsets: &mut [u32]) {
        if self.blocks.is_empty() {
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU has POPCNT (checked just above), all `convert_popcnt` requires.
            return unsafe { self.convert_popcnt(offsets) };
        }
        self.convert_with(offsets);
    }

    /// `convert` compiled with POPCNT.
    ///
    /// # Safety
    /// The CPU must have POPCNT.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    unsafe fn convert_popcnt(&self, offsets: &mut [u32]) {
        self.convert_with(offsets);
    }

    #[inline(always)]
    fn convert_with(&self, offsets: &mut [u32]) {
        for pair in offsets.chunks_exact_mut(2) {
            let (s, e) = self.span(pair[0] as usize, pair[1] as usize);
            pair[0] = s;
            pair[1] = e;
        }
    }
}

/// Bits of the bytes of `chunk` (at most 64) that start a character, and that start a
/// 4-byte one; eight bytes at a time.
fn lead_masks(chunk: &[u8]) -> (u64, u64) {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = LOW * 0x80;
    // The top bit of each byte, gathered into the low eight bits.
    let gather = |m: u64| ((m & HIGH).wrapping_mul(0x0002_0408_1020_4081) >> 56) & 0xFF;
    let (mut leads, mut astral) = (0u64, 0u64);
    for (k, part) in chunk.chunks(8).enumerate() {
        let w = word_of(part);
        // A continuation byte is 10xxxxxx; a 4-byte lead 11110xxx (UTF-8 has no 11111xxx).
        let cont = gather(w & !(w << 1));
        let four = gather(w & (w << 1) & (w << 2) & (w << 3));
        let valid = (1u64 << part.len()) - 1;
        leads |= (!cont & valid) << (8 * k);
        astral |= four << (8 * k);
    }
    (leads, astral)
}

/// Moves `b` forward to the next character boundary (`b` itself if it is one).
fn ceil_boundary(bytes: &[u8], mut b: usize) -> usize {
    while b < bytes.len() && (bytes[b] & 0xC0) == 0x80 {
        b += 1;
    }
    b
}

fn build_checkpoints(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(bytes.len() / CHECKPOINT + 1);
    let (mut pos, mut units) = (0usize, 0usize);
    for k in 0..=bytes.len() / CHECKPOINT {
        let target = floor_boundary(bytes, k * CHECKPOINT);
        units += units_in(&bytes[pos..target]);
        pos = target;
        out.push((pos, units));
    }
    out
}

/// UTF-16 units of whole characters of UTF-8: one per character, two for a 4-byte one — so
/// one per byte that is not a continuation byte, plus one per 4-byte lead. Branch-free, so
/// the compiler vectorises it.
pub fn units_in(bytes: &[u8]) -> usize {
    bytes.iter().map(|&b| usize::from(b & 0xC0 != 0x80) + usize::from(b >= 0xF0)).sum()
}

/// Moves `b` back to the start of the character containing it.
fn floor_boundary(bytes: &[u8], mut b: usize) -> usize {
    while b > 0 && b < bytes.len() && (bytes[b] & 0xC0) == 0x80 {
        b -= 1;
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slow and obvious: the UTF-16 length of the prefix up to a char boundary.
    fn reference(text: &str, boundary: usize) -> usize {
        text[..boundary].encode_utf16().count()
    }

    #[test]
    fn ascii_is_identity() {
        let mut m = Utf16Mapper::new("hello world");
        assert_eq!(m.span((6, 11)), (6, 11));
    }

    #[test]
    fn astral_chars_take_two_units() {
        let text = "😀é x";
        let mut m = Utf16Mapper::new(text);
        assert_eq!(m.span((0, 4)), (0, 2)); // 😀
        assert_eq!(m.span((4, 6)), (2, 3)); // é
        assert_eq!(m.span((7, 8)), (4, 5)); // x
    }

    #[test]
    fn byte_inside_a_char_floors_to_its_start() {
        let text = "i⭢j"; // ⭢ is 3 bytes at 1..4
        let mut m = Utf16Mapper::new(text);
        assert_eq!(m.unit_at(2), 1);
        assert_eq!(m.unit_at(3), 1);
        assert_eq!(m.unit_at(4), 2);
    }

    /// Every byte offset of a text of every character width, in both roundings.
    #[test]
    fn the_index_matches_the_reference() {
        let mut next = crate::testing::xorshift(0x00FF_5E75);
        for len in [0, 1, 7, 8, 63, 64, 65, 200, 1000] {
            let text: String = (0..len).map(|_| ['a', 'é', '中', '😀', '\n'][(next() % 5) as usize]).collect();
            let index = Utf16Index::new(&text);
            let bytes = text.as_bytes();
            for b in 0..=text.len() {
                let (floor, ceil) = (floor_boundary(bytes, b), ceil_boundary(bytes, b));
                assert_eq!(
                    index.span(b, b),
                    (reference(&text, floor) as u32, reference(&text, ceil) as u32),
                    "{b} in {text:?}"
                );
            }
        }
    }

    #[test]
    fn matches_reference_in_any_query_order() {
        let mut text = String::new();
        for i in 0..20_000u32 {
            text.push(char::from_u32([0x61, 0xE9, 0x4E2D, 0x1F600][(i % 4) as usize]).unwrap());
        }
        let mut m = Utf16Mapper::new(&text);
        let len = text.len();
        let mut queries: Vec<usize> = (0..len).step_by(7).collect();
        queries.extend((0..len).rev().step_by(13));
        // Far jumps both ways (checkpoints), then near ones behind the cursor.
        queries.extend([len / 2, 10, len - 3, 7, len / 3 + 5, len / 3 + 1, len / 3 - 2, len - 100, 20]);
        queries.push(len);
        for b in queries {
            let boundary = floor_boundary(text.as_bytes(), b);
            assert_eq!(m.unit_at(b), reference(&text, boundary), "byte {b}");
        }
    }
}
