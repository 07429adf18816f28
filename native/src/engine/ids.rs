//! The one ids walk behind every ids call (encode_ids, count, batches, budgets, ONNX feeds):
//! Hugging Face's 1.0 pipeline where it serves the model, our fast path (on the pool for a
//! long text), else the crate; ids into an `IdSink` (ids.rs).

use crate::error::Result;
use crate::fast::FastPath;
use crate::ids::{Buffer, Counter, IdSink};
use crate::pipeline;
use crate::special::SpecialTokens;
use tokenizers::{Encoding, OffsetType};

use super::{input_guard, CountOptions, Engine};

/// Ids-only encodes and counts of texts at least this long are split and run in parallel:
/// below it the pool's hand-off costs more than it saves (native/PERFORMANCE.md).
pub const PARALLEL_MIN_BYTES: usize = 32 * 1024;

impl Engine {
    /// Token count of `text` alone (no truncation, no padding), without building tokens or
    /// offsets.
    pub fn count(&self, text: &str, add_special_tokens: bool) -> Result<usize> {
        self.count_with(text, &CountOptions { add_special_tokens, ..Default::default() })
    }

    /// Token count of `text` alone, as `count`; the walk stops once it is past `opts.limit`
    /// (the result is then some number above the limit).
    pub fn count_with(&self, text: &str, opts: &CountOptions) -> Result<usize> {
        let mut counter = Counter { n: 0, limit: opts.limit };
        self.ids(text, opts, &mut counter)?;
        Ok(counter.n)
    }

    /// `encode_ids` written into `out`: `Ok(n)` when the n ids fit, else `Err(ids)` (the
    /// per-call path of a short prompt, napi/hot.rs).
    pub fn encode_ids_into(
        &self,
        text: &str,
        opts: &CountOptions,
        out: &mut [u32],
    ) -> Result<std::result::Result<usize, Vec<u32>>> {
        let mut sink = Buffer::new(out);
        self.ids(text, opts, &mut sink)?;
        Ok(sink.finish())
    }

    /// `encode_ids` appended to `out` (batch.rs fills one vector per chunk of rows this way).
    pub fn extend_ids(&self, text: &str, opts: &CountOptions, out: &mut Vec<u32>) -> Result<()> {
        self.ids(text, opts, out)
    }

    /// The ids `encode(text).get_ids()` gives (no truncation, no padding), without tokens,
    /// offsets or masks: what a model feed or tiktoken-style `encode` needs.
    pub fn encode_ids(&self, text: &str, opts: &CountOptions) -> Result<Vec<u32>> {
        let mut ids = Vec::with_capacity(text.len() / 3 + 2);
        self.ids(text, opts, &mut ids)?;
        Ok(ids)
    }

    /// The one ids walk behind every ids call: `text`'s ids, as `encode(text).get_ids()`
    /// gives them, into `sink`. The engines, in order: Hugging Face's 1.0 pipeline where it
    /// serves this model (hf1.rs); our fast path, on the thread pool for a long text; the
    /// crate. The post-processor's special tokens come from affixes learned once, or — for a
    /// processor that rewrites the sequence — from post-processing the ids.
    pub fn ids(&self, text: &str, opts: &CountOptions, sink: &mut impl IdSink) -> Result<()> {
        input_guard(|| self.ids_unguarded(text, opts, sink))
    }

    pub(super) fn ids_unguarded(&self, text: &str, opts: &CountOptions, sink: &mut impl IdSink) -> Result<()> {
        self.check_special(text, opts.special_tokens)?;
        let plain = opts.special_tokens == SpecialTokens::Plain;
        if self.pipeline_ids(text, opts.add_special_tokens, plain, sink) {
            return Ok(());
        }
        let special = opts.add_special_tokens && self.special_tokens_added() > 0;
        let none: (Vec<u32>, Vec<u32>) = Default::default();
        let affixes = if special { self.affixes() } else { Some(&none) };
        let crate_path = || {
            pipeline::encode_sequence(
                self.model_tok()?,
                self.added(opts.special_tokens),
                text,
                0,
                None,
                OffsetType::None,
            )
        };
        let enc = match affixes {
            Some((before, after)) => {
                let base = sink.len();
                if sink.push_all(before).is_break() || self.fast_ids(text, plain, sink)? {
                    let _ = sink.push_all(after);
                    return Ok(());
                }
                sink.truncate(base);
                crate_path()?
            }
            // A post-processor that rewrites the sequence: post-process the ids.
            None => match self.fast_ids_vec(text, plain) {
                Some(ids) => {
                    let n = ids.len();
                    Encoding::new(
                        ids,
                        vec![0; n],
                        vec![String::new(); n],
                        vec![None; n],
                        vec![(0, 0); n],
                        vec![0; n],
                        vec![1; n],
                        vec![],
                        Default::default(),
                    )
                }
                None => crate_path()?,
            },
        };
        let enc = if special { pipeline::post_process(&self.tok, enc, None, true, None, None)? } else { enc };
        let _ = sink.push_all(enc.get_ids());
        Ok(())
    }

    /// The ids from the 1.0 pipeline, if it serves this tokenizer and is ready.
    pub(super) fn pipeline_ids(
        &self,
        text: &str,
        add_special_tokens: bool,
        plain: bool,
        sink: &mut impl IdSink,
    ) -> bool {
        let Some(p) = self.pipeline.as_ref().filter(|p| p.ready_for(text.len())) else { return false };
        let mut ids = Vec::with_capacity(text.len() / 3 + 2);
        if p.ids_into(text, add_special_tokens, plain, &mut ids).is_none() {
            return false;
        }
        let _ = sink.push_all(&ids);
        true
    }

    /// `text`'s ids on our fast path, into `sink`; Ok(false) when it hands the input back
    /// (after pushing ids the caller must discard).
    pub(super) fn fast_ids(&self, text: &str, plain: bool, sink: &mut impl IdSink) -> Result<bool> {
        let Some(fast) = self.fast.as_ref() else { return Ok(false) };
        if !sink.stops_early() {
            if let Some(parts) = self.parallel_ids(text, plain) {
                let _ = parts.iter().try_for_each(|part| sink.push_all(part));
                return Ok(true);
            }
        }
        Ok(fast.tokenize_ids(text, plain, |t| sink.push(t.id)))
    }

    /// `fast_ids` into a new vector; None when the fast path hands the input back.
    pub(super) fn fast_ids_vec(&self, text: &str, plain: bool) -> Option<Vec<u32>> {
        let mut ids = Vec::new();
        self.fast_ids(text, plain, &mut ids).ok()?.then_some(ids)
    }

    /// A long text's ids, from pieces cut where the pre-tokenizer is sure to split (see
    /// `FastPath::cuts`) and tokenized on rayon's pool, one vector per part; None → tokenize
    /// it in one go.
    pub(super) fn parallel_ids(&self, text: &str, plain: bool) -> Option<Vec<Vec<u32>>> {
        self.parallel_parts(text, plain, |fast, start, part| {
            let mut ids = Vec::with_capacity(part.len() / 3);
            let ok = fast.tokenize_part(part, plain, start > 0, |t| {
                ids.push(t.id);
                std::ops::ControlFlow::Continue(())
            });
            ok.then_some(ids)
        })
    }

    /// `work` on each part of a long text cut where the pre-tokenizer is sure to split, on
    /// rayon's pool, in text order; None when the text is short, there is one thread, no fast
    /// path that cuts, no cut, or a part needs the crate path.
    pub(super) fn parallel_parts<T: Send>(
        &self,
        text: &str,
        plain: bool,
        work: impl Fn(&FastPath, usize, &str) -> Option<T> + Sync,
    ) -> Option<Vec<T>> {
        use rayon::prelude::*;
        let fast = self.fast.as_ref()?;
        let threads = rayon::current_num_threads();
        if text.len() < PARALLEL_MIN_BYTES || threads < 2 {
            return None;
        }
        let ranges = fast.cuts(text, plain, threads * 4);
        if ranges.len() < 2 {
            return None;
        }
        ranges.par_iter().map(|&(s, e)| work(fast, s, &text[s..e])).collect()
    }

    /// What the post-processor adds around one sequence, learned once by post-processing a
    /// one-token probe (`u32::MAX`, an id no vocabulary has) and finding it in the result.
    /// None when the probe does not come out exactly once — a processor that rewrites the
    /// sequence — and then `encode_ids` post-processes every time.
    pub(super) fn affixes(&self) -> Option<&(Vec<u32>, Vec<u32>)> {
        self.affixes
            .get_or_init(|| {
                const PROBE: u32 = u32::MAX;
                let probe = Encoding::new(
                    vec![PROBE],
                    vec![0],
                    vec![String::new()],
                    vec![None],
                    vec![(0, 0)],
                    vec![0],
                    vec![1],
                    vec![],
                    Default::default(),
                );
                let ids = pipeline::post_process(&self.tok, probe, None, true, None, None).ok()?.get_ids().to_vec();
                let at = ids.iter().position(|&i| i == PROBE)?;
                (ids.iter().filter(|&&i| i == PROBE).count() == 1).then(|| (ids[..at].to_vec(), ids[at + 1..].to_vec()))
            })
            .as_ref()
    }
}
