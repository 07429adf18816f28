//! Added-token extraction with the crate's semantics, for the configurations the fast path
//! takes: every added token has `lstrip`, `rstrip` and `single_word` off.
//!
//! `specialTokens: 'plain'` is the crate's `encode_special_tokens`: the automaton still finds
//! special tokens, and the match is dropped (its text stays ordinary text, and the scan goes
//! on after it). Building a second automaton without the special tokens would differ when a
//! special token overlaps a non-special one, so we skip matches exactly as the crate does.
//!
//! The crate runs two leftmost-longest Aho-Corasick passes: non-normalized tokens over the
//! raw text, then normalized tokens over the (normalized) gaps between matches. With no
//! normalizer the gaps are unchanged, so both passes run here on raw text; with a
//! normalizer, the fast path is only built when no token is `normalized`.

use crate::pipeline::HfTokenizer;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, Input, MatchKind, StartKind};
use std::ops::ControlFlow;

pub struct AddedMatcher {
    raw: Option<Automaton>,
    normalized: Option<Automaton>,
}

/// Id and special flag of each pattern, by pattern index.
struct Automaton {
    ac: AhoCorasick,
    ids: Vec<u32>,
    special: Vec<bool>,
    /// The bytes the patterns start with, when they are few: the search then jumps from one
    /// to the next and runs the automaton anchored there. aho-corasick has a prefilter of
    /// its own only for a few patterns or up to three start bytes; Gemma 3's 6,415 added
    /// tokens start with five, and stepping the automaton over every byte of a prompt was a
    /// quarter of its encode (perf).
    starts: Option<StartBytes>,
}

/// A set of at most `StartBytes::MAX` bytes, and the search for the next one.
struct StartBytes {
    bytes: Vec<u8>,
    member: [bool; 256],
}

impl StartBytes {
    const MAX: usize = 8;

    /// The first bytes of `patterns`; None if there are more than `MAX` or a pattern is
    /// empty.
    fn of<'p>(patterns: impl Iterator<Item = &'p [u8]>) -> Option<Self> {
        let mut member = [false; 256];
        let mut bytes = Vec::new();
        for p in patterns {
            let &b = p.first()?;
            if !member[b as usize] {
                member[b as usize] = true;
                bytes.push(b);
            }
        }
        (bytes.len() <= Self::MAX).then_some(StartBytes { bytes, member })
    }

    /// The first position in `hay[from..]` holding one of the bytes.
    #[inline]
    fn next(&self, hay: &[u8], from: usize) -> Option<usize> {
        let rest = &hay[from..];
        let found = match self.bytes[..] {
            [] => None,
            [a] => memchr::memchr(a, rest),
            [a, b] => memchr::memchr2(a, b, rest),
            [a, b, c] => memchr::memchr3(a, b, c, rest),
            _ => rest.iter().position(|&b| self.member[b as usize]),
        };
        found.map(|i| from + i)
    }
}

/// An added token: id, content, special.
pub type AddedEntry = (u32, String, bool);

/// A stretch of the input: an added token, or text between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    Added { id: u32, start: usize, end: usize },
    Text { start: usize, end: usize },
}

fn automaton(tokens: &[AddedEntry]) -> Option<Automaton> {
    if tokens.is_empty() {
        return None;
    }
    let starts = StartBytes::of(tokens.iter().map(|(_, c, _)| c.as_bytes()));
    let ac = AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .start_kind(if starts.is_some() { StartKind::Both } else { StartKind::Unanchored })
        .build(tokens.iter().map(|(_, c, _)| c.as_str()))
        .ok()?;
    let ids = tokens.iter().map(|t| t.0).collect();
    let special = tokens.iter().map(|t| t.2).collect();
    Some(Automaton { ac, ids, special, starts })
}

impl AddedMatcher {
    /// `raw`: tokens matched on the original text; `normalized`: matched in the gaps.
    pub fn new(raw: &[AddedEntry], normalized: &[AddedEntry]) -> Option<Self> {
        let raw_ac = automaton(raw);
        let norm_ac = automaton(normalized);
        if (!raw.is_empty() && raw_ac.is_none()) || (!normalized.is_empty() && norm_ac.is_none()) {
            return None;
        }
        Some(AddedMatcher { raw: raw_ac, normalized: norm_ac })
    }

    /// Calls `f` for each segment of `text`, in order. Empty text yields nothing. With
    /// `plain_special`, special tokens stay text (the crate's `encode_special_tokens`).
    pub fn segments(&self, text: &str, plain_special: bool, mut f: impl FnMut(Segment)) {
        scan(&self.raw, text, 0, text.len(), plain_special, &mut |seg| match seg {
            Segment::Text { start, end } => scan(&self.normalized, text, start, end, plain_special, &mut f),
            added => f(added),
        });
    }
}

impl AddedMatcher {
    /// `segments`, until `f` returns `Break` (a count that passed its limit).
    pub fn try_segments(&self, text: &str, plain_special: bool, mut f: impl FnMut(Segment) -> ControlFlow<()>) {
        let mut stopped = false;
        self.segments(text, plain_special, |seg| {
            if !stopped {
                stopped = f(seg).is_break();
            }
        });
    }
}

impl AddedMatcher {
    /// Up to `parts` pieces of `text` as `[start, end)` byte ranges in order: cut at the
    /// first position `p` from each even share of the text where `at(bytes, p, after_match)`
    /// holds (`p` is never 0 nor the end; `after_match`: an added-token match ends at `p`)
    /// and no added-token match spans `p`, so matching restarts cleanly there. Fewer pieces
    /// when no such position is found. The caller's `at` says where its pre-tokenizer is
    /// sure to split.
    pub fn cuts(
        &self,
        text: &str,
        plain_special: bool,
        parts: usize,
        at: impl Fn(&[u8], usize, bool) -> bool,
    ) -> Vec<(usize, usize)> {
        let bytes = text.as_bytes();
        let mut added = Vec::new();
        self.segments(text, plain_special, |seg| {
            if let Segment::Added { start, end, .. } = seg {
                added.push((start, end));
            }
        });
        let inside = |p: usize| {
            let i = added.partition_point(|&(_, end)| end <= p);
            added.get(i).is_some_and(|&(start, _)| start < p)
        };
        let after_match = |p: usize| added.binary_search_by_key(&p, |&(_, end)| end).is_ok();
        let mut starts = vec![0];
        for k in 1..parts {
            let from = (text.len() * k / parts).max(starts[starts.len() - 1] + 1);
            match (from..bytes.len()).find(|&p| at(bytes, p, after_match(p)) && !inside(p)) {
                Some(p) => starts.push(p),
                None => break,
            }
        }
        let ends = starts.iter().skip(1).copied().chain([text.len()]);
        starts.iter().copied().zip(ends).collect()
    }
}

fn scan(a: &Option<Automaton>, text: &str, start: usize, end: usize, plain_special: bool, f: &mut dyn FnMut(Segment)) {
    let mut at = start;
    if let Some(a) = a {
        let mut each_match = |m: aho_corasick::Match, start: usize| {
            let pattern = m.pattern().as_usize();
            if plain_special && a.special[pattern] {
                return;
            }
            let (s, e) = (start + m.start(), start + m.end());
            if at < s {
                f(Segment::Text { start: at, end: s });
            }
            f(Segment::Added { id: a.ids[pattern], start: s, end: e });
            at = e;
        };
        match &a.starts {
            Some(starts) => {
                // Leftmost-longest, as `find_iter`: the first position where an anchored
                // search matches starts the leftmost match, and the anchored search there
                // takes the longest; the next search starts where that match ends.
                let hay = &text.as_bytes()[..end];
                let mut from = start;
                while let Some(p) = starts.next(hay, from) {
                    match a.ac.find(Input::new(hay).range(p..).anchored(Anchored::Yes)) {
                        Some(m) => {
                            from = m.end();
                            each_match(m, 0);
                        }
                        None => from = p + 1,
                    }
                }
            }
            None => a.ac.find_iter(&text[start..end]).for_each(|m| each_match(m, start)),
        }
    }
    if at < end {
        f(Segment::Text { start: at, end });
    }
}

/// Added tokens all matched on raw text (none `normalized`, none with lstrip, rstrip or
/// single_word), or None.
pub fn raw_added_matcher(tok: &HfTokenizer) -> Option<AddedMatcher> {
    if tok.get_added_vocabulary().get_encode_special_tokens() {
        return None;
    }
    let mut raw: Vec<AddedEntry> = vec![];
    for (id, t) in tok.get_added_vocabulary().get_added_tokens_decoder() {
        if t.lstrip || t.rstrip || t.single_word || t.normalized {
            return None;
        }
        raw.push((*id, t.content.clone(), t.special));
    }
    raw.sort_unstable_by_key(|t| t.0);
    AddedMatcher::new(&raw, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_never_split_a_match_and_follow_the_shares() {
        let m = AddedMatcher::new(&[(1, "<a b>".into(), true)], &[]).unwrap();
        let after_space = |b: &[u8], p: usize, _| b[p - 1] == b' ';
        // The only position after a space is inside the match: no cut.
        let text = format!("{}<a b>{}", "w".repeat(40), "w".repeat(10));
        assert_eq!(m.cuts(&text, false, 2, after_space), vec![(0, text.len())]);
        // As plain text the special token is no match, so its inside may be cut.
        assert_eq!(m.cuts(&text, true, 2, after_space), vec![(0, 43), (43, text.len())]);
        let words = "ab cd ef gh ij kl";
        let cuts = m.cuts(words, false, 3, after_space);
        assert_eq!(cuts, vec![(0, 6), (6, 12), (12, words.len())]);
        assert_eq!(m.cuts("abcdef", false, 4, after_space), vec![(0, 6)]);
        // `after_match` is true exactly where a match ends.
        let text = format!("{}<a b>x{}", "w".repeat(10), "w".repeat(10));
        let ends: Vec<usize> =
            (1..text.len()).filter(|&p| m.cuts(&text, false, 2, |_, q, after| q == p && after).len() == 2).collect();
        assert_eq!(ends, vec![15]);
    }

    #[test]
    fn leftmost_longest_then_gaps() {
        let m = AddedMatcher::new(&[(1, "<s>".into(), false), (2, "<s><s>".into(), false)], &[(3, "hi".into(), false)])
            .unwrap();
        let mut segs = vec![];
        m.segments("a<s><s>b hi<s>", false, |s| segs.push(s));
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

    #[test]
    fn plain_special_drops_special_matches_without_rescanning_their_text() {
        // "<|a|>" is special: in plain mode its match is dropped, and the non-special "|a"
        // inside it is not found, as in the crate (which skips the match, not the token).
        let m = AddedMatcher::new(&[(1, "<|a|>".into(), true), (2, "|a".into(), false)], &[]).unwrap();
        let mut segs = vec![];
        m.segments("<|a|> |a", true, |s| segs.push(s));
        assert_eq!(segs, vec![Segment::Text { start: 0, end: 6 }, Segment::Added { id: 2, start: 6, end: 8 }]);
    }

    /// The jump between start bytes finds exactly what `find_iter` finds: random pattern
    /// sets over a small alphabet (prefixes of each other, overlapping, special or not,
    /// with 1 to 8 start bytes, so each search of `StartBytes::next` runs), on random texts.
    #[test]
    fn start_byte_jumps_match_find_iter() {
        let mut rand = crate::testing::xorshift(0x000A_DDED);
        let alphabet = ['<', 's', '>', '\n', 'a', '▁', 'é', '|', ' '];
        let word = |rand: &mut dyn FnMut() -> u64, n: u64| -> String {
            (0..1 + rand() % n).map(|_| alphabet[(rand() % alphabet.len() as u64) as usize]).collect()
        };
        let (mut jumped, mut segments) = (0, 0);
        for _ in 0..400 {
            let mut tokens: Vec<AddedEntry> = Vec::new();
            for id in 0..1 + rand() % 12 {
                let content = word(&mut rand, 4);
                if tokens.iter().all(|t| t.1 != content) {
                    tokens.push((id as u32, content, rand().is_multiple_of(3)));
                }
            }
            let fast = automaton(&tokens);
            let mut plain = automaton(&tokens);
            plain.as_mut().unwrap().starts = None;
            jumped += fast.as_ref().unwrap().starts.is_some() as usize;
            for _ in 0..30 {
                let text = word(&mut rand, 40);
                for plain_special in [false, true] {
                    let (mut a, mut b) = (vec![], vec![]);
                    let end = text.len();
                    scan(&fast, &text, 0, end, plain_special, &mut |s| a.push(s));
                    scan(&plain, &text, 0, end, plain_special, &mut |s| b.push(s));
                    assert_eq!(a, b, "{text:?} {tokens:?}");
                    segments += a.len();
                }
            }
        }
        assert!(jumped > 350, "{jumped}");
        assert!(segments > 20_000, "{segments}");
    }

    #[test]
    fn start_bytes_are_kept_only_when_few_and_no_pattern_is_empty() {
        let of = |ps: &[&str]| StartBytes::of(ps.iter().map(|p| p.as_bytes())).map(|s| s.bytes);
        assert_eq!(of(&["<s>", "</s>", "[CLS]", "\n"]), Some(vec![b'<', b'[', b'\n']));
        assert_eq!(of(&["a", "b", "c", "d", "e", "f", "g", "h"]).map(|b| b.len()), Some(8));
        assert_eq!(of(&["a", "b", "c", "d", "e", "f", "g", "h", "i"]), None);
        assert_eq!(of(&["<s>", ""]), None);
        let s = StartBytes::of(["xy", "é"].iter().map(|p| p.as_bytes())).unwrap();
        assert_eq!(s.next("aaé".as_bytes(), 0), Some(2));
        assert_eq!(s.next(b"aaxy", 3), None);
    }
}
