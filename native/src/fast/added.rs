//! Added-token extraction with the crate's semantics, for the configurations the fast path
//! takes: every added token has `lstrip`, `rstrip` and `single_word` off, and special tokens
//! are not being encoded as text (`encode_special_tokens` off).
//!
//! The crate runs two leftmost-longest Aho-Corasick passes: non-normalized tokens over the
//! raw text, then normalized tokens over the (normalized) gaps between matches. With no
//! normalizer the gaps are unchanged, so both passes run here on raw text; with a
//! normalizer, the fast path is only built when no token is `normalized`.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

pub struct AddedMatcher {
    raw: Option<(AhoCorasick, Vec<u32>)>,
    normalized: Option<(AhoCorasick, Vec<u32>)>,
}

/// A stretch of the input: an added token, or text between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    Added { id: u32, start: usize, end: usize },
    Text { start: usize, end: usize },
}

fn automaton(tokens: &[(u32, String)]) -> Option<(AhoCorasick, Vec<u32>)> {
    if tokens.is_empty() {
        return None;
    }
    let ac = AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .build(tokens.iter().map(|(_, c)| c.as_str()))
        .ok()?;
    Some((ac, tokens.iter().map(|(id, _)| *id).collect()))
}

impl AddedMatcher {
    /// `raw`: tokens matched on the original text; `normalized`: matched in the gaps.
    pub fn new(raw: &[(u32, String)], normalized: &[(u32, String)]) -> Option<Self> {
        let raw_ac = automaton(raw);
        let norm_ac = automaton(normalized);
        if (!raw.is_empty() && raw_ac.is_none()) || (!normalized.is_empty() && norm_ac.is_none()) {
            return None;
        }
        Some(AddedMatcher { raw: raw_ac, normalized: norm_ac })
    }

    /// Calls `f` for each segment of `text`, in order. Empty text yields nothing.
    pub fn segments(&self, text: &str, mut f: impl FnMut(Segment)) {
        scan(&self.raw, text, 0, text.len(), &mut |seg| match seg {
            Segment::Text { start, end } => scan(&self.normalized, text, start, end, &mut f),
            added => f(added),
        });
    }
}

fn scan(ac: &Option<(AhoCorasick, Vec<u32>)>, text: &str, start: usize, end: usize, f: &mut dyn FnMut(Segment)) {
    let mut at = start;
    if let Some((ac, ids)) = ac {
        for m in ac.find_iter(&text[start..end]) {
            let (s, e) = (start + m.start(), start + m.end());
            if at < s {
                f(Segment::Text { start: at, end: s });
            }
            f(Segment::Added { id: ids[m.pattern().as_usize()], start: s, end: e });
            at = e;
        }
    }
    if at < end {
        f(Segment::Text { start: at, end });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftmost_longest_then_gaps() {
        let m = AddedMatcher::new(&[(1, "<s>".into()), (2, "<s><s>".into())], &[(3, "hi".into())]).unwrap();
        let mut segs = vec![];
        m.segments("a<s><s>b hi<s>", |s| segs.push(s));
        assert_eq!(
            segs,
            vec![
                Segment::Text { start: 0, end: 1 },
                Segment::Added { id: 2, start: 1, end: 7 },
                Segment::Text { start: 7, end: 9 },
                Segment::Added { id: 3, start: 9, end: 11 },
                Segment::Added { id: 1, start: 11, end: 14 },
            ]
        );
    }
}
