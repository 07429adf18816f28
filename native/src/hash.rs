//! FxHash (rustc's hasher): one multiply per word. The merge table is probed once per
//! candidate pair, so SipHash's cost shows; keys are our own ids, not attacker-chosen
//! strings, so HashDoS resistance buys nothing here.

use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
        }
        let rest = chunks.remainder();
        // The tail read in place (`word_of`): copied into a buffer, it was a third of the
        // time of hashing a vocabulary at load.
        if !rest.is_empty() {
            self.add(word_of(rest) ^ ((rest.len() as u64) << 56));
        }
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }

    #[inline]
    fn write_u128(&mut self, i: u128) {
        self.add(i as u64);
        self.add((i >> 64) as u64);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    /// The multiply leaves the low bits (which hashbrown uses to pick a bucket) depending only
    /// on the low bits of the input: byte-slice keys that share a prefix all collided, and
    /// lookups spent 15% of an encode in memcmp. Rotating the well-mixed high bits down fixes
    /// it (rustc-hash 2 does the same).
    #[inline]
    fn finish(&self) -> u64 {
        self.hash.rotate_left(26)
    }
}

/// Bytes 0..n (n ≤ 8) of `p` as a little-endian word, zero above: loads of the bytes in
/// place (one, two or three of them, overlapping) rather than a copy into a zeroed stack
/// buffer, whose byte stores the following word load cannot forward from — that stall was a
/// quarter of `Bpe::encode` on a prompt.
#[inline]
pub fn word_of(p: &[u8]) -> u64 {
    let n = p.len();
    let u32_at = |i: usize| u32::from_le_bytes([p[i], p[i + 1], p[i + 2], p[i + 3]]) as u64;
    match n {
        8.. => u64::from_le_bytes([p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]]),
        4..=7 => u32_at(0) | u32_at(n - 4) << (8 * (n - 4)),
        1..=3 => p[0] as u64 | (p[n / 2] as u64) << (8 * (n / 2)) | (p[n - 1] as u64) << (8 * (n - 1)),
        0 => 0,
    }
}

/// A key for byte strings of at most 15 bytes: the bytes (little-endian, zero-padded) and
/// the length in the top byte.
#[inline]
pub fn short_key(p: &[u8]) -> u128 {
    debug_assert!(p.len() <= 15);
    let n = p.len();
    let (lo, hi) = if n > 8 { (word_of(&p[..8]), word_of(&p[8..])) } else { (word_of(p), 0) };
    lo as u128 | (hi as u128) << 64 | (n as u128) << 120
}

/// The `short_key` of `a` followed by `b`, from their keys, when it has at most 15 bytes: the
/// bytes of `b` shifted past those of `a`, and the summed length in the top byte. No buffer
/// holds the joined string, so nothing waits on its stores.
#[inline]
pub fn joined_short_key(a: u128, b: u128) -> Option<u128> {
    const BYTES: u128 = (1 << 120) - 1;
    let (la, lb) = ((a >> 120) as u32, (b >> 120) as u32);
    if la + lb > 15 {
        return None;
    }
    // la ≤ 15, so the shift stays below 128; the bytes of b past 15 − la are zero.
    Some((a & BYTES) | (b & BYTES) << (8 * la) | ((la + lb) as u128) << 120)
}

pub type FxBuild = BuildHasherDefault<FxHasher>;
pub type FxHashMap<K, V> = std::collections::HashMap<K, V, FxBuild>;
pub type FxHashSet<K> = std::collections::HashSet<K, FxBuild>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_the_bytes_and_length() {
        for n in 0..=15 {
            let p: Vec<u8> = (0..n as u8).map(|i| i.wrapping_mul(37).wrapping_add(1)).collect();
            let mut b = [0u8; 16];
            b[..n].copy_from_slice(&p);
            b[15] = n as u8;
            assert_eq!(short_key(&p), u128::from_le_bytes(b), "{n}");
            if n <= 8 {
                let mut w = [0u8; 8];
                w[..n].copy_from_slice(&p);
                assert_eq!(word_of(&p), u64::from_le_bytes(w), "{n}");
            }
        }
    }

    /// A tail is hashed as its zero-padded word, and the length keeps a tail's trailing zero
    /// bytes apart from padding.
    #[test]
    fn byte_strings_hash_by_words_and_length() {
        let hash = |b: &[u8]| {
            let mut h = FxHasher::default();
            h.write(b);
            h.finish()
        };
        let text = b"abcdefghij\0\0\0\0";
        for n in 0..=text.len() {
            let mut by_words = FxHasher::default();
            let tail = n - n % 8;
            if n >= 8 {
                by_words.add(u64::from_le_bytes(text[..8].try_into().unwrap()));
            }
            if tail < n {
                let mut w = [0u8; 8];
                w[..n - tail].copy_from_slice(&text[tail..n]);
                by_words.add(u64::from_le_bytes(w) ^ ((n - tail) as u64) << 56);
            }
            assert_eq!(hash(&text[..n]), by_words.finish(), "{n}");
        }
        assert!((10..text.len()).all(|n| hash(&text[..n]) != hash(&text[..n + 1])));
    }

    #[test]
    fn joined_keys_are_the_keys_of_the_joined_strings() {
        let text = b"abcdefghijklmnopq\xc4\xa0\x80";
        for la in 0..=16 {
            for lb in 0..=16 {
                let (a, b) = (&text[..la.min(text.len())], &text[text.len() - lb..]);
                let joined = [a, b].concat();
                let expect = (joined.len() <= 15).then(|| short_key(&joined));
                let got =
                    (a.len() <= 15 && b.len() <= 15).then(|| joined_short_key(short_key(a), short_key(b))).flatten();
                assert_eq!(got, expect, "{la} {lb}");
            }
        }
    }
}
