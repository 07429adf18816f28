//! Character classes of 64-byte blocks of text as bitmasks: bit k of a mask is byte k of the
//! block. The bitstream pre-tokenizers (cl100k.rs) compute where pieces start from these masks
//! with a few dozen word operations per block instead of a branch per character.
//!
//! Data: every byte of a multi-byte character carries that character's classes ("filled"), so
//! "the class of the character before the one starting here" is the bit just below a lead byte,
//! and a run of one class is a run of set bits whatever the characters' widths.
//!
//! ASCII bytes are classified sixteen at a time (SSE2, part of every x86-64 CPU; a portable
//! eight-byte version elsewhere); each non-ASCII character is decoded and looked up in the
//! Unicode tables once, and its class bits are set over all of its bytes.

use super::unicode::{classes, LETTER, LOWERISH, NUMBER, SPACE, UPPERISH};

/// The classes of one block. `valid` marks the bytes inside the text (a last block is short);
/// every other mask is zero outside it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Block {
    /// `\p{L}`
    pub letter: u64,
    /// `\p{N}`
    pub number: u64,
    /// `\s`
    pub space: u64,
    /// `[\r\n]`
    pub newline: u64,
    /// `[^\s\p{L}\p{N}]`
    pub other: u64,
    /// U+0020 itself (the ` ?` of the patterns)
    pub blank: u64,
    /// `'` (U+0027), which may open a contraction
    pub apostrophe: u64,
    /// `/`, which o200k's `[\r\n/]*` takes after a run of others
    pub slash: u64,
    /// `[\p{Lu}\p{Lt}]`: o200k's upper-ish class without the characters it shares with the
    /// lower-ish one
    pub upper: u64,
    /// `\p{Ll}`: lower-ish without the shared characters
    pub lower: u64,
    /// `[\p{Lm}\p{Lo}\p{M}]`: in both of o200k's letter classes (marks too)
    pub both: u64,
    /// The first byte of each character.
    pub lead: u64,
    pub valid: u64,
}

/// The ASCII-only masks of 64 bytes, before non-ASCII characters are filled in.
#[derive(Clone, Copy, Default)]
struct Ascii {
    letter: u64,
    number: u64,
    space: u64,
    newline: u64,
    blank: u64,
    apostrophe: u64,
    slash: u64,
    upper: u64,
    /// Bytes ≥ 0x80.
    high: u64,
    /// Bytes 0x80..=0xBF: UTF-8 continuation bytes.
    cont: u64,
}

/// Carried from one block to the next: the classes of the character the previous block ended
/// in, which its continuation bytes at the start of the next block inherit.
#[derive(Clone, Copy, Default)]
pub struct Carry {
    flags: u8,
}

/// Classifies the block of `text` starting at byte `base` (at most 64 bytes).
pub fn classify(text: &str, base: usize, carry: &mut Carry) -> Block {
    let bytes = text.as_bytes();
    let len = (bytes.len() - base).min(64);
    let mut buf = [0u8; 64];
    buf[..len].copy_from_slice(&bytes[base..base + len]);
    let valid = if len == 64 { u64::MAX } else { (1u64 << len) - 1 };
    let a = ascii_masks(&buf);
    let lead = !a.cont & valid;
    let mut b = Block {
        letter: a.letter,
        number: a.number,
        space: a.space,
        newline: a.newline,
        other: !a.high & !(a.letter | a.number | a.space) & valid,
        blank: a.blank,
        apostrophe: a.apostrophe,
        slash: a.slash,
        upper: a.upper,
        lower: a.letter & !a.upper,
        both: 0,
        lead,
        valid,
    };
    if a.high != 0 {
        // Continuation bytes at the start belong to the character the previous block ended in.
        let inherited = (!a.cont).trailing_zeros().min(len as u32);
        if inherited > 0 {
            set_flags(&mut b, carry.flags, (1u64 << inherited) - 1);
        }
        let mut leads = a.high & lead;
        while leads != 0 {
            let at = leads.trailing_zeros() as usize;
            leads &= leads - 1;
            let c = super::decode(text, base + at);
            let flags = classes(c);
            let width = c.len_utf8().min(64 - at);
            set_flags(&mut b, flags, ((1u64 << width) - 1) << at);
            carry.flags = flags;
        }
    }
    b
}

/// Sets the class bits `flags` (unicode.rs) over `span`: `other` when none of the three.
#[inline]
fn set_flags(b: &mut Block, flags: u8, span: u64) {
    let on = |yes: bool| if yes { span } else { 0 };
    b.letter |= on(flags & LETTER != 0);
    b.number |= on(flags & NUMBER != 0);
    b.space |= on(flags & SPACE != 0);
    b.other |= on(flags & (LETTER | NUMBER | SPACE) == 0);
    let (up, low) = (flags & UPPERISH != 0, flags & LOWERISH != 0);
    b.upper |= on(up && !low);
    b.lower |= on(low && !up);
    b.both |= on(up && low);
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
fn ascii_masks(buf: &[u8; 64]) -> Ascii {
    // SAFETY: SSE2 is enabled for this build (the cfg above; it is part of x86-64 itself).
    unsafe { sse2::masks(buf) }
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
fn ascii_masks(buf: &[u8; 64]) -> Ascii {
    portable_masks(buf)
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse2 {
    use super::Ascii;
    use std::arch::x86_64::*;

    /// Lanes of `v` in `lo..=hi` as 0xFF: `v - lo` (wrapping) is at most `hi - lo` unsigned,
    /// which SSE2 tests as `min(d, hi - lo) == d`.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn in_range(v: __m128i, lo: u8, hi: u8) -> __m128i {
        let d = _mm_sub_epi8(v, _mm_set1_epi8(lo as i8));
        _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8((hi - lo) as i8)), d)
    }

    #[inline]
    #[target_feature(enable = "sse2")]
    fn bits(v: __m128i) -> u64 {
        _mm_movemask_epi8(v) as u16 as u64
    }

    #[target_feature(enable = "sse2")]
    pub(super) fn masks(buf: &[u8; 64]) -> Ascii {
        let mut out = Ascii::default();
        for (k, chunk) in buf.chunks_exact(16).enumerate() {
            // SAFETY: `chunk` is 16 readable bytes; the load has no alignment requirement.
            let v = unsafe { _mm_loadu_si128(chunk.as_ptr().cast()) };
            let eq = |b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
            let folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
            let shift = 16 * k;
            out.letter |= bits(in_range(folded, b'a', b'z')) << shift;
            out.number |= bits(in_range(v, b'0', b'9')) << shift;
            let newline = _mm_or_si128(eq(b'\n'), eq(b'\r'));
            out.newline |= bits(newline) << shift;
            out.space |= bits(_mm_or_si128(in_range(v, b'\t', b'\r'), eq(b' '))) << shift;
            out.blank |= bits(eq(b' ')) << shift;
            out.apostrophe |= bits(eq(b'\'')) << shift;
            out.slash |= bits(eq(b'/')) << shift;
            out.upper |= bits(in_range(v, b'A', b'Z')) << shift;
            out.high |= bits(v) << shift;
            out.cont |= bits(in_range(v, 0x80, 0xBF)) << shift;
        }
        out
    }
}

/// The same masks eight bytes at a time in plain integer arithmetic: the reference the SSE2
/// version is tested against, and the version every other target runs.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
fn portable_masks(buf: &[u8; 64]) -> Ascii {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = LOW * 0x80;
    // Bit 7 of each byte of the top-bit-cleared `x` set where it is at least `lo`: the add
    // cannot carry out of a byte below 0x80.
    let at_least = |x: u64, lo: u8| x + LOW * (0x80 - lo as u64);
    let range = |x: u64, lo: u8, hi: u8| at_least(x, lo) & !at_least(x, hi + 1) & HIGH;
    let eq = |x: u64, b: u8| range(x ^ (LOW * b as u64), 0, 0);
    // The top bit of each byte, gathered into the low eight bits (a "movemask").
    let gather = |m: u64| ((m & HIGH).wrapping_mul(0x0002_0408_1020_4081) >> 56) & 0xFF;
    let mut out = Ascii::default();
    for (k, chunk) in buf.chunks_exact(8).enumerate() {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let ascii = !w & HIGH;
        let x = w & (LOW * 0x7F);
        let shift = 8 * k;
        out.letter |= gather(range(x | (LOW * 0x20), b'a', b'z') & ascii) << shift;
        out.number |= gather(range(x, b'0', b'9') & ascii) << shift;
        out.newline |= gather((eq(x, b'\n') | eq(x, b'\r')) & ascii) << shift;
        out.space |= gather((range(x, b'\t', b'\r') | eq(x, b' ')) & ascii) << shift;
        out.blank |= gather(eq(x, b' ') & ascii) << shift;
        out.apostrophe |= gather(eq(x, b'\'') & ascii) << shift;
        out.slash |= gather(eq(x, b'/') & ascii) << shift;
        out.upper |= gather(range(x, b'A', b'Z') & ascii) << shift;
        out.high |= gather(w) << shift;
        // 0x80..=0xBF: high bit set, bit 6 clear.
        out.cont |= gather(w & !(w << 1)) << shift;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Byte by byte: the class every byte of `text` gets from the character it belongs to.
    fn reference(text: &str) -> Vec<Block> {
        let mut blocks = vec![Block::default(); text.len().div_ceil(64)];
        for (i, c) in text.char_indices() {
            let flags = classes(c);
            for k in i..i + c.len_utf8() {
                let (b, bit) = (&mut blocks[k / 64], 1u64 << (k % 64));
                b.valid |= bit;
                set_flags(b, flags, bit);
                if k == i {
                    b.lead |= bit;
                }
                if c == '\n' || c == '\r' {
                    b.newline |= bit;
                }
                if c == ' ' {
                    b.blank |= bit;
                }
                if c == '\'' {
                    b.apostrophe |= bit;
                }
                if c == '/' {
                    b.slash |= bit;
                }
            }
        }
        blocks
    }

    fn classify_all(text: &str) -> Vec<Block> {
        let mut carry = Carry::default();
        (0..text.len()).step_by(64).map(|base| classify(text, base, &mut carry)).collect()
    }

    #[test]
    fn every_byte_gets_its_characters_classes() {
        let palette: Vec<char> =
            "aZ09 \t\n\r\u{0B}\u{0C}'.,/_é中😀\u{301}\u{A0}\u{2028}\u{3000}²٣ſ\u{85}\u{7F}\u{0}ǅ".chars().collect();
        let mut next = crate::testing::xorshift(0xC1A5_51F7);
        for _ in 0..3000 {
            let len = (next() % 200) as usize;
            let text: String = (0..len).map(|_| palette[(next() % palette.len() as u64) as usize]).collect();
            assert_eq!(classify_all(&text), reference(&text), "{:?}", text.escape_unicode().to_string());
        }
    }

    #[test]
    fn the_portable_masks_equal_the_simd_ones() {
        let mut next = crate::testing::xorshift(0x5EED_0FB1_7E00);
        for _ in 0..20_000 {
            let mut buf = [0u8; 64];
            buf.iter_mut().for_each(|b| *b = next() as u8);
            let (p, s) = (portable_masks(&buf), ascii_masks(&buf));
            for (name, x, y) in [
                ("letter", p.letter, s.letter),
                ("number", p.number, s.number),
                ("space", p.space, s.space),
                ("newline", p.newline, s.newline),
                ("blank", p.blank, s.blank),
                ("apostrophe", p.apostrophe, s.apostrophe),
                ("slash", p.slash, s.slash),
                ("upper", p.upper, s.upper),
                ("high", p.high, s.high),
                ("cont", p.cont, s.cont),
            ] {
                assert_eq!(x, y, "{name} {buf:?}");
            }
        }
    }
}
