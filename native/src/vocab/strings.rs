//! The model vocabulary's strings by id (an Encoding's `tokens`), all in one buffer.
//!
//! A boxed string per token was one heap block each: 128k on Llama 3, 200k on o200k, each
//! with its allocator header and rounding, plus a 16-byte pointer per id. Here a token is a
//! range of one string, found by an end offset per id.

pub struct TokenStrings {
    text: String,
    /// `ends[id]`: where token `id` ends in `text` (it starts where `id - 1` ends).
    ends: Vec<u32>,
}

impl TokenStrings {
    /// `ids` slots (ids without a string read as ""), from (token, id) entries; a later entry
    /// for an id replaces an earlier one, as assigning into a vector would. None if the
    /// strings total 4 GiB or more, or an id is out of range.
    pub fn new<'s>(ids: usize, entries: impl Iterator<Item = (&'s str, u32)> + Clone) -> Option<Self> {
        let mut lens = vec![0u32; ids];
        for (token, id) in entries.clone() {
            *lens.get_mut(id as usize)? = u32::try_from(token.len()).ok()?;
        }
        let mut ends = Vec::with_capacity(ids);
        let mut end = 0u32;
        for len in lens {
            end = end.checked_add(len)?;
            ends.push(end);
        }
        let mut text = vec![0u8; end as usize];
        for (token, id) in entries {
            let (start, end) = Self::span(&ends, id as usize);
            // Only the entry whose length was kept fits its slot; a later one of the same
            // length overwrites an earlier one, so the last entry wins as intended.
            if end - start == token.len() {
                text[start..end].copy_from_slice(token.as_bytes());
            }
        }
        // Every slot holds a whole `&str` (or nothing), so the buffer is valid UTF-8.
        Some(TokenStrings { text: String::from_utf8(text).ok()?, ends })
    }

    /// From each id's string in id order ("" for an id without one): no per-byte check, as
    /// `new`'s (UTF-8 validation of the buffer) needs. None past 4 GiB.
    pub fn in_id_order<'s>(total_len: usize, strings: impl Iterator<Item = &'s str>) -> Option<Self> {
        let (mut text, mut ends) = (String::with_capacity(total_len), Vec::new());
        for s in strings {
            text.push_str(s);
            ends.push(u32::try_from(text.len()).ok()?);
        }
        Some(TokenStrings { text, ends })
    }

    #[inline]
    fn span(ends: &[u32], id: usize) -> (usize, usize) {
        let start = if id == 0 { 0 } else { ends[id - 1] as usize };
        (start, ends[id] as usize)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Token `id`'s string ("" for an id without one), None past the last id.
    #[inline]
    pub fn get(&self, id: usize) -> Option<&str> {
        if id >= self.ends.len() {
            return None;
        }
        let (start, end) = Self::span(&self.ends, id);
        Some(&self.text[start..end])
    }
}

impl std::ops::Index<usize> for TokenStrings {
    type Output = str;

    #[inline]
    fn index(&self, id: usize) -> &str {
        let (start, end) = Self::span(&self.ends, id);
        &self.text[start..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_by_id_with_gaps_and_replacements() {
        let entries = [("hello", 2), ("ß", 0), ("x", 4), ("later", 2), ("中文", 3), ("ab", 4)];
        let t = TokenStrings::new(6, entries.iter().copied()).unwrap();
        let all: Vec<&str> = (0..t.len()).map(|i| &t[i]).collect();
        assert_eq!(all, ["ß", "", "later", "中文", "ab", ""]);
        assert_eq!(t.get(6), None);
        assert!(TokenStrings::new(2, [("a", 2)].into_iter()).is_none());
    }
}
