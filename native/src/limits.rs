//! Sizes that come from outside — a downloaded tokenizer.json, a caller's options — checked
//! before anything is allocated for them. An allocation the allocator cannot satisfy aborts
//! the process (no panic to catch), so every table sized by a number from a file and every
//! padded output sized by a number from a caller goes through here first. The limits are in
//! the README's "Limits" section.

use crate::error::{Code, Error, Result};
use tokenizers::{PaddingParams, PaddingStrategy};

/// Longest padded row, in tokens: above any model's context, small enough that a row's
/// arrays (ids, masks, offsets, token strings) stay near 60 MB.
pub const MAX_PADDED_LENGTH: usize = 1 << 20;

/// Most cells (rows × padded length) one padded batch may hold: ~2 GB of arrays.
pub const MAX_PADDED_CELLS: usize = 1 << 26;

/// Most unused ids below a vocabulary's largest id. Id tables are dense (one slot per id up to
/// the largest), so a file whose ids skip far ahead would cost memory for nothing: a
/// 339-byte file with one id of 4·10⁹ asked for 16 GB.
pub const MAX_UNUSED_IDS: u64 = 1 << 20;

/// Largest tokenizer.json `fromFile` reads by default (the biggest real ones are ~35 MB).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 512 << 20;

/// A padding setting the engine can honour; `what` names its source in the message
/// ("padding" for options, "tokenizer.json padding" for a file).
pub fn check_padding(p: &PaddingParams, code: Code, what: &str) -> Result<()> {
    if let PaddingStrategy::Fixed(n) = p.strategy {
        if n > MAX_PADDED_LENGTH {
            return Err(Error::new(
                code,
                format!("{what}: maxLength {n} is over the limit of {MAX_PADDED_LENGTH} tokens"),
            ));
        }
    }
    match p.pad_to_multiple_of {
        Some(0) => Err(Error::new(code, format!("{what}: multipleOf must be at least 1"))),
        Some(m) if m > MAX_PADDED_LENGTH => {
            Err(Error::new(code, format!("{what}: multipleOf {m} is over the limit of {MAX_PADDED_LENGTH} tokens")))
        }
        _ => Ok(()),
    }
}

/// The length rows padded by `p` reach when the longest is `longest` tokens.
pub fn padded_length(p: &PaddingParams, longest: usize) -> usize {
    let n = match p.strategy {
        PaddingStrategy::Fixed(n) => n.max(longest),
        PaddingStrategy::BatchLongest => longest,
    };
    match p.pad_to_multiple_of {
        Some(m) if m > 0 && n % m != 0 => n + (m - n % m),
        _ => n,
    }
}

/// Refuses a batch whose padded arrays would exceed `MAX_PADDED_CELLS`.
pub fn check_padded_batch(p: &PaddingParams, rows: usize, longest: usize) -> Result<()> {
    let length = padded_length(p, longest);
    match rows.checked_mul(length) {
        Some(cells) if cells <= MAX_PADDED_CELLS => Ok(()),
        _ => Err(Error::new(
            Code::InputTooLarge,
            format!(
                "padding {rows} rows to {length} tokens is over the limit of {MAX_PADDED_CELLS} tokens per batch; \
                 pad less (padding: {{ strategy: 'longest' }}) or split the batch"
            ),
        )),
    }
}

/// Longest added token, in bytes. Real ones (`<|im_start|>`, `[CLS]`, reserved slots) are
/// under 100; the crate's matching of a 'plain' call grows with the square of a token's
/// length (a 100,000-character token took over a minute).
pub const MAX_ADDED_TOKEN_BYTES: usize = 1024;

/// Refuses an added token longer than `MAX_ADDED_TOKEN_BYTES`.
pub fn check_added_tokens<'a>(contents: impl Iterator<Item = &'a str>) -> Result<()> {
    for content in contents {
        if content.len() > MAX_ADDED_TOKEN_BYTES {
            let start: String = content.chars().take(20).collect();
            return Err(Error::new(
                Code::InvalidTokenizer,
                format!(
                    "added token {start:?}… is {} bytes, over the limit of {MAX_ADDED_TOKEN_BYTES} (is the file corrupt?)",
                    content.len()
                ),
            ));
        }
    }
    Ok(())
}

/// Refuses a vocabulary whose ids leave more than `MAX_UNUSED_IDS` gaps below the largest.
pub fn check_ids(ids: impl Iterator<Item = u32>) -> Result<()> {
    let (mut count, mut max) = (0u64, None::<u32>);
    for id in ids {
        count += 1;
        max = Some(max.map_or(id, |m| m.max(id)));
    }
    match max {
        Some(max) if u64::from(max) + 1 > count + MAX_UNUSED_IDS => Err(Error::new(
            Code::InvalidTokenizer,
            format!(
                "the vocabulary's largest id is {max} but it holds only {count} tokens; ids may leave at most \
                 {MAX_UNUSED_IDS} unused below the largest (is the file corrupt?)"
            ),
        )),
        _ => Ok(()),
    }
}

/// Refuses a `Precompiled` normalizer whose charsmap claims a trie larger than the charsmap:
/// the crate's parser allocates the claimed size first (0xFFFFFFFF asked for 8 GB). Checked on
/// the file's bytes, because the crate parses the charsmap while deserializing.
pub fn check_charsmaps(json: &[u8]) -> Result<()> {
    const KEY: &[u8] = b"\"precompiled_charsmap\"";
    for at in memchr::memmem::find_iter(json, KEY) {
        let rest = &json[at + KEY.len()..];
        let Some(open) = rest.iter().position(|&b| b == b'"') else { continue };
        if !rest[..open].iter().all(|b| b.is_ascii_whitespace() || *b == b':') {
            continue; // not a string value (null, or the key inside some other text)
        }
        let value = &rest[open + 1..];
        let len = value.iter().position(|&b| b == b'"').unwrap_or(value.len());
        let Some(header) = base64_prefix(&value[..len.min(8)]) else { continue };
        let trie = u64::from(u32::from_le_bytes([header[0], header[1], header[2], header[3]]));
        let decoded = (len as u64 / 4) * 3;
        if trie + 4 > decoded {
            return Err(Error::new(
                Code::InvalidTokenizer,
                format!("the Precompiled normalizer's charsmap claims a {trie}-byte table but holds {decoded} bytes (is the file corrupt?)"),
            ));
        }
    }
    Ok(())
}

/// The first 6 bytes of standard base64 text of at least 8 characters.
fn base64_prefix(text: &[u8]) -> Option<[u8; 6]> {
    let digit = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = [0u8; 6];
    for (group, chunk) in text.get(..8)?.chunks(4).enumerate() {
        let n = chunk.iter().try_fold(0u32, |n, &c| Some(n << 6 | digit(c)?))?;
        out[group * 3..group * 3 + 3].copy_from_slice(&n.to_be_bytes()[1..]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(n: usize, multiple: Option<usize>) -> PaddingParams {
        PaddingParams { strategy: PaddingStrategy::Fixed(n), pad_to_multiple_of: multiple, ..Default::default() }
    }

    #[test]
    fn padding_over_the_limit_is_refused() {
        assert!(check_padding(&fixed(MAX_PADDED_LENGTH, None), Code::InvalidArgument, "padding").is_ok());
        let e = check_padding(&fixed(u32::MAX as usize, None), Code::InvalidTokenizer, "tokenizer.json padding")
            .unwrap_err();
        assert_eq!(e.code, Code::InvalidTokenizer);
        assert!(e.message.contains("4294967295"), "{}", e.message);
        assert!(check_padding(&fixed(8, Some(MAX_PADDED_LENGTH + 1)), Code::InvalidArgument, "padding").is_err());
        assert!(check_padding(&fixed(8, Some(0)), Code::InvalidArgument, "padding").is_err());
    }

    #[test]
    fn padded_length_rounds_up() {
        assert_eq!(padded_length(&fixed(10, Some(8)), 3), 16);
        assert_eq!(padded_length(&fixed(10, None), 30), 30);
        let longest = PaddingParams { pad_to_multiple_of: Some(4), ..Default::default() };
        assert_eq!(padded_length(&longest, 5), 8);
    }

    #[test]
    fn batches_are_bounded_by_cells() {
        assert!(check_padded_batch(&fixed(1 << 20, None), 64, 1).is_ok());
        assert_eq!(check_padded_batch(&fixed(1 << 20, None), 65, 1).unwrap_err().code, Code::InputTooLarge);
        assert!(check_padded_batch(&fixed(1, None), usize::MAX, 1).is_err());
    }

    #[test]
    fn charsmap_headers_must_fit() {
        // "AQAAAA..." is a little-endian 1-byte trie: fine; "////////" claims 0xFFFFFFFF.
        let fits = br#"{"normalizer":{"type":"Precompiled","precompiled_charsmap":"AQAAAAAAAAAA"}}"#;
        assert!(check_charsmaps(fits).is_ok());
        let huge = br#"{"normalizer":{"type":"Precompiled","precompiled_charsmap": "/////wAAAAAA"}}"#;
        assert_eq!(check_charsmaps(huge).unwrap_err().code, Code::InvalidTokenizer);
        assert!(check_charsmaps(br#"{"precompiled_charsmap":null}"#).is_ok());
        let real =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/models/unigram-spm16k/tokenizer.json"))
                .unwrap();
        assert!(check_charsmaps(&real).is_ok());
    }

    #[test]
    fn added_tokens_over_the_limit_are_refused() {
        assert!(check_added_tokens(["<|im_start|>", "x"].into_iter()).is_ok());
        let long = "y".repeat(MAX_ADDED_TOKEN_BYTES + 1);
        assert_eq!(check_added_tokens(std::iter::once(long.as_str())).unwrap_err().code, Code::InvalidTokenizer);
    }

    #[test]
    fn ids_far_beyond_the_count_are_refused() {
        assert!(check_ids([0, 1, 2].into_iter()).is_ok());
        assert!(check_ids(std::iter::once(MAX_UNUSED_IDS as u32)).is_ok());
        assert_eq!(check_ids(std::iter::once(MAX_UNUSED_IDS as u32 + 1)).unwrap_err().code, Code::InvalidTokenizer);
        assert!(check_ids([0, u32::MAX].into_iter()).is_err());
        assert!(check_ids(std::iter::empty()).is_ok());
    }
}
