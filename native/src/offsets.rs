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
fn units_in(bytes: &[u8]) -> usize {
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
