//! One token of a fast path, as the paths emit it: its id, its byte span in the text, its
//! word, and whether it is an added token.

#[derive(Clone, Copy, Debug)]
pub struct Tok {
    pub id: u32,
    pub start: usize,
    pub end: usize,
    pub word: u32,
    pub added: bool,
}

impl Tok {
    /// An added token, which is a word of its own: takes word index `*word` and moves it on.
    pub fn added_word(id: u32, start: usize, end: usize, word: &mut u32) -> Tok {
        *word += 1;
        Tok { id, start, end, word: *word - 1, added: true }
    }
}

/// Byte offset `i` moved back to the start of the character it falls in.
pub fn floor_char(bytes: &[u8], mut i: usize) -> usize {
    while i > 0 && i < bytes.len() && bytes[i] & 0xC0 == 0x80 {
        i -= 1;
    }
    i
}

/// Byte offset `i` moved on to the end of the character it falls in.
pub fn ceil_char(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i] & 0xC0 == 0x80 {
        i += 1;
    }
    i
}
