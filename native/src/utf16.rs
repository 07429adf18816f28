//! A JS string's UTF-16 code units to UTF-8, as V8 writes a string for Node-API's
//! `napi_get_value_string_utf8`: each lone surrogate becomes U+FFFD, everything else is kept.
//!
//! The binding reads texts as UTF-16 (a copy of V8's own representation, or a widening of a
//! one-byte string) and transcodes them here with simdutf, the transcoder Node's own
//! `TextEncoder` uses: V8's UTF-8 writer runs at ~0.6 GB/s, a sixth of the time of encoding
//! a long document (native/PERFORMANCE.md, "Reading the text").

/// Appends the UTF-8 of `units` to `out` and returns the number of bytes appended.
///
/// Well-formed UTF-16 (almost every text) takes one SIMD pass; text with a lone surrogate
/// is transcoded again unit by unit, replacing each lone surrogate with U+FFFD.
pub fn append_utf8(units: &[u16], out: &mut Vec<u8>) -> usize {
    let start = out.len();
    // One unit is at most 3 bytes of UTF-8 (a surrogate pair, 2 units, is 4).
    out.reserve(units.len() * 3);
    if !units.is_empty() {
        // SAFETY: `units` is valid for `units.len()` reads; `reserve` left room for
        // `units.len() * 3` bytes past `start`, the most the conversion writes, so the
        // destination is valid for every byte written; a Vec's spare capacity never overlaps
        // a borrowed slice. simdutf validates as it converts and returns 0 (having written
        // only to the spare capacity) when the input is not well-formed.
        let n = unsafe { simdutf::convert_utf16_to_utf8(units.as_ptr(), units.len(), out.as_mut_ptr().add(start)) };
        if n > 0 {
            // SAFETY: the conversion initialized `n` bytes past `start`, within the capacity.
            unsafe { out.set_len(start + n) };
            return n;
        }
    }
    for c in char::decode_utf16(units.iter().copied()) {
        let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    }
    out.len() - start
}

#[cfg(test)]
mod tests {
    use super::append_utf8;

    fn utf8(units: &[u16]) -> Vec<u8> {
        let mut out = b"kept".to_vec();
        let n = append_utf8(units, &mut out);
        assert_eq!(n, out.len() - 4, "the count is of the appended bytes");
        assert_eq!(&out[..4], b"kept", "what was in the buffer stays");
        out.split_off(4)
    }

    #[test]
    fn well_formed_text_is_its_utf8() {
        let text = "Hello, world — Привет, 世界 🙂 \u{0} end";
        let units: Vec<u16> = text.encode_utf16().collect();
        assert_eq!(utf8(&units), text.as_bytes());
        assert!(utf8(&[]).is_empty());
    }

    #[test]
    fn each_lone_surrogate_becomes_one_replacement_character() {
        // What V8 writes for "\uD800a", "a\uDC00", "\uDC00\uD800" and a pair split by a letter.
        let cases: [(&[u16], &str); 4] = [
            (&[0xD800, 0x61], "\u{FFFD}a"),
            (&[0x61, 0xDC00], "a\u{FFFD}"),
            (&[0xDC00, 0xD800], "\u{FFFD}\u{FFFD}"),
            (&[0xD83D, 0x61, 0xDE42, 0xD83D, 0xDE42], "\u{FFFD}a\u{FFFD}🙂"),
        ];
        for (units, want) in cases {
            assert_eq!(utf8(units), want.as_bytes(), "{units:x?}");
        }
    }

    #[test]
    fn a_long_text_with_one_lone_surrogate_keeps_the_rest() {
        // Long enough for simdutf's vector loop, which rejects the whole input.
        let text = "abc Привет 世界 ".repeat(200);
        let mut units: Vec<u16> = text.encode_utf16().collect();
        units.insert(1000, 0xDBFF);
        let mut want = String::new();
        want.push_str(&String::from_utf16(&units[..1000]).unwrap());
        want.push('\u{FFFD}');
        want.push_str(&String::from_utf16(&units[1001..]).unwrap());
        assert_eq!(utf8(&units), want.as_bytes());
    }
}
