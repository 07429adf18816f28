//! Token budgets: does a text fit, cut it to fit, split it into pieces that fit.
//!
//! All three work from token counts and byte spans (`Engine::count_with`, `Engine::spans`),
//! never from full Encodings: on the fast path no token strings, word ids or masks are built.
//!
//! A cut at a token boundary does not always re-encode to the same tokens: BPE merges can
//! differ at the new edge of the text, and a byte-level token can end inside a character (its
//! span is widened to the whole character). So every cut is checked by re-counting the piece,
//! and moved inward while it does not fit. The promise is the one callers need: the returned
//! text, encoded with the same options, has at most `limit` tokens.

use crate::engine::{CountOptions, Engine, SpecialTokens};
use crate::error::{Error, Result};

/// Options shared by the budget calls.
#[derive(Clone, Copy, Debug)]
pub struct BudgetOptions {
    /// Count the special tokens `encode` adds (BOS, [CLS]/[SEP]) against the limit.
    pub add_special_tokens: bool,
    pub special_tokens: SpecialTokens,
}

/// Which end of the text `truncate` keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    Start,
    End,
}

/// A piece of text: byte range and its token count (as encoded alone, with the options).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chunk {
    pub start: usize,
    pub end: usize,
    pub tokens: usize,
}

struct Budget<'a> {
    engine: &'a Engine,
    text: &'a str,
    opts: BudgetOptions,
    /// Tokens left for the text once the added special tokens are paid for.
    room: usize,
}

impl<'a> Budget<'a> {
    fn new(engine: &'a Engine, text: &'a str, limit: usize, opts: BudgetOptions) -> Self {
        let special = if opts.add_special_tokens { engine.special_tokens_added() } else { 0 };
        Budget { engine, text, opts, room: limit.saturating_sub(special) }
    }

    /// Tokens of `text[start..end]` with the options (special tokens included), counting
    /// no further than `limit`.
    fn count(&self, start: usize, end: usize, limit: usize) -> Result<usize> {
        let opts = CountOptions {
            add_special_tokens: self.opts.add_special_tokens,
            special_tokens: self.opts.special_tokens,
            limit,
        };
        self.engine.count_with(&self.text[start..end], &opts)
    }

    /// Text-only token count of a piece, or None when it needs more than `room` tokens.
    fn fits(&self, start: usize, end: usize) -> Result<Option<usize>> {
        let special = if self.opts.add_special_tokens { self.engine.special_tokens_added() } else { 0 };
        let n = self.count(start, end, self.room + special)?;
        Ok((n <= self.room + special).then(|| n - special))
    }
}

/// The token count of `text` if it is at most `limit`, else None. Stops counting early on
/// the fast path.
pub fn within_limit(engine: &Engine, text: &str, limit: usize, opts: BudgetOptions) -> Result<Option<usize>> {
    let count =
        CountOptions { add_special_tokens: opts.add_special_tokens, special_tokens: opts.special_tokens, limit };
    let n = engine.count_with(text, &count)?;
    Ok((n <= limit).then_some(n))
}

/// The byte range of `text` to keep so that it encodes to at most `limit` tokens: a prefix
/// (`Keep::Start`) or a suffix (`Keep::End`) ending/starting at a token boundary.
/// A panic inside (a normalizer regex the crate trips on) is ENCODE_FAILED, as for encode.
pub fn truncate(engine: &Engine, text: &str, limit: usize, keep: Keep, opts: BudgetOptions) -> Result<(usize, usize)> {
    crate::engine::input_guard(|| {
        let budget = Budget::new(engine, text, limit, opts);
        if budget.fits(0, text.len())?.is_some() {
            return Ok((0, text.len()));
        }
        let spans = engine.spans(text, opts.special_tokens)?;
        let mut k = budget.room.min(spans.len());
        loop {
            if k == 0 {
                return Ok(match keep {
                    Keep::Start => (0, 0),
                    Keep::End => (text.len(), text.len()),
                });
            }
            let range = match keep {
                Keep::Start => (0, spans[k - 1].1),
                Keep::End => (spans[spans.len() - k].0, text.len()),
            };
            match budget.fits(range.0, range.1)? {
                Some(_) => return Ok(range),
                // Over by a little: drop one token more and re-check (each try is one count).
                None => k -= 1,
            }
        }
    })
}

/// Splits `text` into consecutive pieces of at most `max_tokens` tokens each (special tokens
/// included when `add_special_tokens`), where each piece after the first repeats the last
/// `overlap` tokens of the previous one. Pieces start and end at token boundaries that are
/// also character boundaries; text between tokens that no token covers (whitespace a
/// normalizer drops) belongs to no piece.
/// A panic inside is ENCODE_FAILED, as for `truncate`.
pub fn chunks(
    engine: &Engine,
    text: &str,
    max_tokens: usize,
    overlap: usize,
    opts: BudgetOptions,
) -> Result<Vec<Chunk>> {
    crate::engine::input_guard(|| {
        let budget = Budget::new(engine, text, max_tokens, opts);
        if budget.room == 0 {
            return Err(Error::invalid_argument(format!(
                "maxTokens ({max_tokens}) leaves no room for text after the {} special tokens this tokenizer adds",
                engine.special_tokens_added()
            )));
        }
        if overlap >= budget.room {
            return Err(Error::invalid_argument(format!(
                "overlap ({overlap}) must be smaller than the {} text tokens a chunk holds",
                budget.room
            )));
        }
        let spans = engine.spans(text, opts.special_tokens)?;
        // A chunk may start at token i (or end before it) only if token i does not share a
        // character with token i - 1.
        let boundary = |i: usize| i == 0 || i == spans.len() || spans[i - 1].1 <= spans[i].0;
        let mut out = Vec::new();
        let mut first = 0;
        while first < spans.len() {
            let (last, tokens) = fit_chunk(&budget, &spans, first, &boundary)?;
            out.push(Chunk { start: spans[first].0, end: spans[last - 1].1, tokens });
            if last == spans.len() {
                break;
            }
            first = next_start(first, last, overlap, &boundary);
        }
        Ok(out)
    })
}

/// The end (exclusive token index) of the longest chunk starting at `first` that fits, and
/// its token count. A chunk of at least one whole character is always taken, even if it is
/// over budget (one emoji can be several byte-level tokens): progress beats an endless loop.
fn fit_chunk(
    budget: &Budget<'_>,
    spans: &[(usize, usize)],
    first: usize,
    boundary: &dyn Fn(usize) -> bool,
) -> Result<(usize, usize)> {
    let mut last = (first + budget.room).min(spans.len());
    while last > first + 1 && !boundary(last) {
        last -= 1;
    }
    loop {
        if let Some(n) = budget.fits(spans[first].0, spans[last - 1].1)? {
            return Ok((last, n));
        }
        let mut shorter = last - 1;
        while shorter > first && !boundary(shorter) {
            shorter -= 1;
        }
        if shorter == first {
            let mut end = first + 1;
            while !boundary(end) {
                end += 1;
            }
            let n = budget.count(spans[first].0, spans[end - 1].1, usize::MAX)?;
            let special = if budget.opts.add_special_tokens { budget.engine.special_tokens_added() } else { 0 };
            return Ok((end, n.saturating_sub(special)));
        }
        last = shorter;
    }
}

/// Where the chunk after `[first, last)` starts: `overlap` tokens back, moved forward to a
/// character boundary, and always after `first`.
fn next_start(first: usize, last: usize, overlap: usize, boundary: &dyn Fn(usize) -> bool) -> usize {
    let mut next = last.saturating_sub(overlap).max(first + 1);
    while next < last && !boundary(next) {
        next += 1;
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load;

    fn engines() -> Vec<(&'static str, Engine)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        [
            ("o200k", "models/default/tokenizer.json"),
            ("bert", "../shared/models/bert-base-uncased/tokenizer.json"),
            ("unigram", "models/mon-unigram/tokenizer.json"),
        ]
        .into_iter()
        .filter_map(|(name, p)| load::from_path(&root.join(p)).ok().map(|e| (name, e)))
        .collect()
    }

    const TEXT: &str = "Tokens 🧑‍💻 cost money. Ünïcödé and 漢字 are counted too; so is   whitespace.\n\nEnd.";
    const OPTS: BudgetOptions = BudgetOptions { add_special_tokens: true, special_tokens: SpecialTokens::Allow };

    #[test]
    fn within_limit_agrees_with_count() {
        for (name, e) in engines() {
            let n = e.count(TEXT, true).unwrap();
            assert_eq!(within_limit(&e, TEXT, n, OPTS).unwrap(), Some(n), "{name}");
            assert_eq!(within_limit(&e, TEXT, n - 1, OPTS).unwrap(), None, "{name}");
        }
    }

    #[test]
    fn truncated_text_fits_and_is_maximal_or_close() {
        for (name, e) in engines() {
            let n = e.count(TEXT, true).unwrap();
            for limit in 0..=n + 1 {
                for keep in [Keep::Start, Keep::End] {
                    let (s, t) = truncate(&e, TEXT, limit, keep, OPTS).unwrap();
                    assert!(keep == Keep::Start && s == 0 || keep == Keep::End && t == TEXT.len(), "{name}");
                    let piece = &TEXT[s..t];
                    if !piece.is_empty() {
                        assert!(e.count(piece, true).unwrap() <= limit, "{name} {limit} {keep:?}: {piece:?}");
                    }
                    if limit >= n {
                        assert_eq!(piece, TEXT);
                    }
                }
            }
        }
    }

    #[test]
    fn chunks_fit_cover_in_order_and_overlap() {
        for (name, e) in engines() {
            for (max, overlap) in [(4, 0), (6, 2), (10, 3), (1000, 10)] {
                let Ok(chunks) = chunks(&e, TEXT, max, overlap, OPTS) else { continue };
                assert!(!chunks.is_empty());
                for w in chunks.windows(2) {
                    assert!(w[0].start < w[1].start && w[0].end <= w[1].end, "{name}: {chunks:?}");
                    if overlap == 0 {
                        assert!(w[0].end <= w[1].start);
                    }
                }
                for c in &chunks {
                    let n = e.count(&TEXT[c.start..c.end], true).unwrap();
                    // Over budget only when one character alone is (byte fallback, byte-level
                    // emoji): the piece is then that character, or two with Metaspace's ▁.
                    let chars = TEXT[c.start..c.end].chars().count();
                    assert!(n <= max || chars <= 2, "{name} max {max}: {:?} has {n}", &TEXT[c.start..c.end]);
                }
                assert_eq!(chunks.last().unwrap().end, e.spans(TEXT, SpecialTokens::Allow).unwrap().last().unwrap().1);
            }
        }
    }

    #[test]
    fn overlap_must_leave_room() {
        let (_, e) = engines().remove(0);
        assert!(chunks(&e, TEXT, 4, 4, OPTS).is_err());
    }
}
