//! A BPE model's merge list as read from tokenizer.json: each merge as two spans of the file's
//! text, 16 bytes a merge. Read as a `Vec` of two `Cow<str>` each (48 bytes), Llama 3's 280k
//! merges were 13 MB at the peak of a load, beside the file and every table being built.
//! A merge's sides are handed out as bytes: resolving them against the vocabulary needs no
//! `str`, and making the 9 MB text one (UTF-8 validation) cost ~8 ms of a Llama 3 load.
//!
//! A string with escapes (`"\""`) is not a slice of the text; it is kept in `owned` and its
//! span says so. The spans are offsets into the text `read_with_text` names for the parse:
//! a thread-local, because serde gives a visitor the borrowed string but not where the input
//! starts.

use serde::Deserialize;
use std::borrow::Cow;
use std::cell::Cell;

thread_local! {
    /// (start address, length) of the text being parsed; (0, 0) outside `read_with_text`.
    static TEXT: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// Runs `parse` with `text` as the text merge spans point into.
pub(super) fn read_with_text<T>(text: &[u8], parse: impl FnOnce() -> T) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            TEXT.with(|t| t.set((0, 0)));
        }
    }
    TEXT.with(|t| t.set((text.as_ptr() as usize, text.len())));
    let _reset = Reset;
    parse()
}

/// Where a merge's string is: `start` with `OWNED` set is an offset into `owned`.
#[derive(Clone, Copy, Debug, Default)]
struct Span {
    start: u32,
    len: u32,
}

const OWNED: u32 = 1 << 31;

/// The merges of a file, as parsed (see the module notes).
#[derive(Debug, Default)]
pub struct MergeSpans {
    pairs: Vec<[Span; 2]>,
    owned: String,
    /// The text the spans point into (its address), for `MergeList::new` to check.
    text: usize,
    /// The file's format: the first merge decides, as the crate reads the whole list as one
    /// format or the other.
    legacy: bool,
    /// Every merge is in that format and well formed (a legacy merge has exactly one space);
    /// the crate rejects the list otherwise.
    valid: bool,
}

impl MergeSpans {
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    fn span(&mut self, s: &str, borrowed: bool) -> Span {
        let (base, n) = TEXT.with(Cell::get);
        let at = (s.as_ptr() as usize).wrapping_sub(base);
        if borrowed && base != 0 && at <= n && s.len() <= n - at && at + s.len() < OWNED as usize {
            return Span { start: at as u32, len: s.len() as u32 };
        }
        let start = self.owned.len();
        self.owned.push_str(s);
        if self.owned.len() >= OWNED as usize {
            self.valid = false;
            return Span::default();
        }
        Span { start: start as u32 | OWNED, len: s.len() as u32 }
    }

    fn push(&mut self, merge: Merge) {
        if self.pairs.is_empty() {
            self.legacy = matches!(merge, Merge::Joined(_));
        }
        let pair = match (merge, self.legacy) {
            (Merge::Pair(a, b), false) => {
                let borrowed = (matches!(a, Cow::Borrowed(_)), matches!(b, Cow::Borrowed(_)));
                Some([self.span(&a, borrowed.0), self.span(&b, borrowed.1)])
            }
            (Merge::Joined(s), true) => {
                let borrowed = matches!(s, Cow::Borrowed(_));
                s.split_once(' ')
                    .filter(|(_, b)| !b.contains(' '))
                    .map(|(a, b)| [self.span(a, borrowed), self.span(b, borrowed)])
            }
            _ => None,
        };
        self.valid &= pair.is_some();
        self.pairs.push(pair.unwrap_or_default());
    }
}

impl<'de> Deserialize<'de> for MergeSpans {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = MergeSpans;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of merges")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let text = TEXT.with(Cell::get).0;
                let mut out = MergeSpans {
                    pairs: Vec::with_capacity(seq.size_hint().unwrap_or(0)),
                    text,
                    valid: true,
                    ..Default::default()
                };
                while let Some(merge) = seq.next_element::<Merge>()? {
                    out.push(merge);
                }
                Ok(out)
            }
        }
        d.deserialize_seq(V)
    }
}

/// A model's merge list in rank order, over the text it was read from.
pub struct MergeList<'a> {
    spans: MergeSpans,
    text: &'a [u8],
}

impl<'a> MergeList<'a> {
    /// None if `spans` point into another text than `text` (spans read outside
    /// `read_with_text` are all owned, and go with any text).
    pub fn new(spans: MergeSpans, text: &'a [u8]) -> Option<Self> {
        (spans.text == 0 || spans.text == text.as_ptr() as usize).then_some(MergeList { spans, text })
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    fn get(&self, s: Span) -> Option<&[u8]> {
        let (from, start) =
            if s.start & OWNED != 0 { (self.spans.owned.as_bytes(), s.start & !OWNED) } else { (self.text, s.start) };
        from.get(start as usize..start as usize + s.len as usize)
    }

    /// Merge `rank` as (left, right), or None where the crate would reject the list.
    pub fn pair(&self, rank: usize) -> Option<(&[u8], &[u8])> {
        if !self.spans.valid {
            return None;
        }
        let [a, b] = *self.spans.pairs.get(rank)?;
        Some((self.get(a)?, self.get(b)?))
    }

    /// Every merge as (left, right), or None where the crate would reject the list.
    pub fn pairs(&self) -> Option<Vec<(&[u8], &[u8])>> {
        (0..self.len()).map(|rank| self.pair(rank)).collect()
    }
}

/// A merge as either file format writes it: `"a b"` (legacy) or `["a", "b"]`; parsed one at
/// a time into `MergeSpans`.
enum Merge<'a> {
    Joined(Cow<'a, str>),
    Pair(Cow<'a, str>, Cow<'a, str>),
}

/// By hand rather than `#[serde(untagged)]`, which buffers every element into serde's
/// `Content` first: 280k allocations on Llama 3.
impl<'de: 'a, 'a> Deserialize<'de> for Merge<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = Merge<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a merge: \"a b\" or [\"a\", \"b\"]")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Merge::Joined(Cow::Borrowed(v)))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Merge::Joined(Cow::Owned(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Merge::Joined(Cow::Owned(v.to_string())))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let missing = || serde::de::Error::invalid_length(0, &"two strings");
                let a: super::BorrowedStr<'de> = seq.next_element()?.ok_or_else(missing)?;
                let b: super::BorrowedStr<'de> = seq.next_element()?.ok_or_else(missing)?;
                if seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    return Err(serde::de::Error::invalid_length(3, &"two strings"));
                }
                Ok(Merge::Pair(a.0, b.0))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Option<Vec<(String, String)>> {
        let spans: MergeSpans = read_with_text(json.as_bytes(), || serde_json::from_str(json)).unwrap();
        let list = MergeList::new(spans, json.as_bytes())?;
        let text = |s: &[u8]| String::from_utf8(s.to_vec()).unwrap();
        list.pairs().map(|p| p.into_iter().map(|(a, b)| (text(a), text(b))).collect())
    }

    fn pairs(list: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
        Some(list.iter().map(|&(a, b)| (a.to_string(), b.to_string())).collect())
    }

    #[test]
    fn both_formats_borrowed_and_escaped() {
        assert_eq!(read(r#"["a b", "ab c"]"#), pairs(&[("a", "b"), ("ab", "c")]));
        assert_eq!(read(r#"[["a", "b"], ["ab", "c d"]]"#), pairs(&[("a", "b"), ("ab", "c d")]));
        // Escaped strings are unescaped into `owned`, beside borrowed ones.
        assert_eq!(
            read(r#"[["\"", "\\"], ["x", "\u00e9"], ["中", "文"]]"#),
            pairs(&[("\"", "\\"), ("x", "é"), ("中", "文")])
        );
        assert_eq!(read(r#"["\" \"", "é ü"]"#), pairs(&[("\"", "\""), ("é", "ü")]));
        assert_eq!(read("[]"), pairs(&[]));
    }

    #[test]
    fn what_the_crate_rejects_is_refused() {
        for bad in [r#"["a b", ["a","b"]]"#, r#"[["a","b"], "a b"]"#, r#"["a b c"]"#, r#"["ab"]"#] {
            assert_eq!(read(bad), None, "{bad}");
        }
    }

    #[test]
    fn spans_of_another_text_are_not_used() {
        let json = r#"["a b"]"#;
        let spans: MergeSpans = read_with_text(json.as_bytes(), || serde_json::from_str(json)).unwrap();
        let other = json.to_string();
        assert!(MergeList::new(spans, other.as_bytes()).is_none());
        // Parsed outside `read_with_text`: everything is owned, so any text will do.
        let spans: MergeSpans = serde_json::from_str(json).unwrap();
        assert_eq!(
            MergeList::new(spans, b"").and_then(|l| l.pair(0).map(|(a, b)| (a.to_vec(), b.to_vec()))),
            Some((b"a".to_vec(), b"b".to_vec()))
        );
    }
}
