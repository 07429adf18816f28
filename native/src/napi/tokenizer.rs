//! `NativeTokenizer`: the JS handle on an `Arc<Engine>`. Methods only convert and delegate;
//! lib/tokenizer.ts validates arguments and applies defaults before calling them.

use super::encoding::{NativeBatch, NativeEncoding};
use super::error::run;
use super::hot::{self, HotFunctions};
use super::options::{
    self, encode_options, padding_to_js, truncation_to_js, NativeEncodeOptions, NativePadding, NativeTruncation,
};
use super::tasks::{inputs, EncodeBatchTask, NativeCancel};
use crate::batch::{self, Threads};
use crate::engine::{CountOptions, Engine, Input};
use crate::{load, pipeline};
use napi::bindgen_prelude::{AsyncTask, ObjectFinalize, Uint32Array};
use napi::{Env, JsString};
use napi_derive::napi;
use std::path::Path;
use std::sync::Arc;

/// Owns the engine, and tells V8 roughly how much native memory it holds
/// (`napi_adjust_external_memory`, undone when the object is collected): V8 sees only a small
/// JS object otherwise, so a program that loads tokenizers in a loop piled up a hundred
/// unreachable engines before a collection freed them: 300 BERT loads one after another
/// peaked at 2.0 GB RSS, now 0.2 GB (Llama 3: 0.5 GB).
#[napi(custom_finalize)]
pub struct NativeTokenizer {
    engine: Arc<Engine>,
    external: i64,
}

/// An engine's native size, roughly: per tokenizer.json byte, and fixed. RSS growth of a
/// Node process over a load and one document: Llama 3 (9.1 MB file) 36 MB, o200k (9.7 MB)
/// 33, Qwen 3 (11.4 MB) 32, Gemma 3 (33 MB) 63, BERT (0.7 MB) 12. An estimate over 64 MB
/// (V8's soft limit on external memory) starts a collection right after one load, which
/// then ran inside the first calls (native/PERFORMANCE.md, "The JS boundary").
const BYTES_PER_SOURCE_BYTE: i64 = 3;
const BYTES_FIXED: i64 = 8 << 20;

impl ObjectFinalize for NativeTokenizer {
    fn finalize(self, env: Env) -> napi::Result<()> {
        env.adjust_external_memory(-self.external)?;
        Ok(())
    }
}

#[napi(object)]
pub struct NativeAddedToken {
    pub id: u32,
    pub content: String,
    pub special: bool,
    pub lstrip: bool,
    pub rstrip: bool,
    pub single_word: bool,
    pub normalized: bool,
}

#[napi(object)]
pub struct NativeVocab {
    pub tokens: Vec<String>,
    pub ids: Uint32Array,
}

#[napi]
impl NativeTokenizer {
    #[napi(factory, catch_unwind)]
    pub fn from_file(env: Env, path: String, max_bytes: Option<u32>) -> napi::Result<Self> {
        let limit = max_bytes.map_or(crate::limits::DEFAULT_MAX_FILE_BYTES, u64::from);
        let engine = run(|| load::from_path_limited(Path::new(&path), limit))?;
        let file = load::tokenizer_json_path(Path::new(&path)).ok();
        let source = file.and_then(|f| std::fs::metadata(f).ok()).map_or(0, |m| m.len());
        Ok(Self::wrap(&env, engine, source))
    }

    #[napi(factory, catch_unwind)]
    pub fn from_bytes(env: Env, bytes: &[u8]) -> napi::Result<Self> {
        let engine = run(|| load::from_bytes(bytes))?;
        Ok(Self::wrap(&env, engine, bytes.len() as u64))
    }

    #[napi(catch_unwind)]
    pub fn to_json(&self, pretty: bool) -> napi::Result<String> {
        run(|| self.engine.to_json(pretty))
    }

    #[napi(catch_unwind)]
    pub fn encode(
        &self,
        text: JsString,
        pair: Option<String>,
        options: Option<NativeEncodeOptions>,
    ) -> napi::Result<NativeEncoding> {
        run(|| {
            let opts = encode_options(options)?;
            hot::with_str(&text, |text| {
                if pair.is_none() {
                    if let Some(lean) = self.engine.encode_lean(text, &opts)? {
                        return Ok(NativeEncoding::lean(lean, self.engine.clone()));
                    }
                }
                let input = Input { text, pair: pair.as_deref() };
                let strings = self.engine.elides(&opts).then(|| self.engine.clone());
                self.engine.encode(input, &opts).map(|e| NativeEncoding::new(e, strings))
            })
        })
    }

    #[napi(catch_unwind)]
    pub fn encode_batch(
        &self,
        texts: Vec<String>,
        pairs: Option<Vec<Option<String>>>,
        options: Option<NativeEncodeOptions>,
        threads: Option<u32>,
    ) -> napi::Result<NativeBatch> {
        run(|| {
            let opts = encode_options(options)?;
            let threads = Threads::from_option(threads)?;
            let rows = batch::encode_batch(&self.engine, &inputs(&texts, pairs.as_deref())?, &opts, None, threads)?;
            Ok(NativeBatch::new(rows, self.engine.elides(&opts).then(|| self.engine.clone())))
        })
    }

    #[napi(catch_unwind, ts_return_type = "Promise<NativeBatch>")]
    pub fn encode_batch_async(
        &self,
        texts: Vec<String>,
        pairs: Option<Vec<Option<String>>>,
        options: Option<NativeEncodeOptions>,
        cancel: Option<&NativeCancel>,
        threads: Option<u32>,
    ) -> napi::Result<AsyncTask<EncodeBatchTask>> {
        let (opts, threads) = run(|| Ok((encode_options(options)?, Threads::from_option(threads)?)))?;
        let cancel = cancel.map(NativeCancel::flag);
        Ok(AsyncTask::new(EncodeBatchTask::new(self.engine.clone(), texts, pairs, opts, cancel, threads)))
    }

    /// `count` and `encodeIds` as raw Node-API functions bound to this engine (see hot.rs):
    /// the per-call path for short prompts.
    #[napi(
        ts_return_type = "{ count(text: string, flags: number): number; encodeIds(text: string, flags: number): number | Uint32Array; scratch: Uint32Array; encodeIdsBatch(texts: string[], flags: number, threads: number | undefined): [Uint32Array, Uint32Array] }"
    )]
    pub fn hot_functions(&self) -> HotFunctions {
        HotFunctions(self.engine.clone())
    }

    #[napi(catch_unwind)]
    pub fn count_tokens_batch(
        &self,
        texts: Vec<String>,
        add_special_tokens: bool,
        special_tokens: Option<u32>,
        threads: Option<u32>,
    ) -> napi::Result<Uint32Array> {
        run(|| {
            let opts = CountOptions {
                add_special_tokens,
                special_tokens: options::special_tokens(special_tokens)?,
                ..Default::default()
            };
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            batch::count_batch(&self.engine, &refs, &opts, Threads::from_option(threads)?).map(Uint32Array::from)
        })
    }

    #[napi(catch_unwind)]
    pub fn decode(&self, ids: &[u32], skip_special_tokens: bool) -> napi::Result<String> {
        run(|| self.engine.decode(ids, skip_special_tokens))
    }

    #[napi(catch_unwind)]
    pub fn decode_batch(
        &self,
        ids: Vec<Uint32Array>,
        skip_special_tokens: bool,
        threads: Option<u32>,
    ) -> napi::Result<Vec<String>> {
        run(|| {
            let rows: Vec<&[u32]> = ids.iter().map(|a| &a[..]).collect();
            batch::decode_batch(&self.engine, &rows, skip_special_tokens, Threads::from_option(threads)?)
        })
    }

    #[napi(catch_unwind)]
    pub fn token_to_id(&self, token: String) -> Option<u32> {
        self.engine.token_to_id(&token)
    }

    #[napi(catch_unwind)]
    pub fn id_to_token(&self, id: u32) -> Option<String> {
        self.engine.id_to_token(id)
    }

    #[napi(getter, catch_unwind)]
    pub fn vocab_size(&self) -> u32 {
        self.engine.vocab().size() as u32
    }

    /// Which engine answers ids calls (`ferrotok inspect`): the 1.0 pipeline, our fast path,
    /// or the crate (native/PERFORMANCE.md has why each).
    #[napi(getter, catch_unwind)]
    pub fn ids_engine(&self) -> &'static str {
        self.engine.ids_engine()
    }

    #[napi(catch_unwind)]
    pub fn get_vocab(&self, with_added_tokens: bool) -> NativeVocab {
        let mut pairs: Vec<(String, u32)> = self.engine.get_vocab(with_added_tokens).into_iter().collect();
        pairs.sort_unstable_by_key(|&(_, id)| id);
        let (tokens, ids): (Vec<String>, Vec<u32>) = pairs.into_iter().unzip();
        NativeVocab { tokens, ids: ids.into() }
    }

    #[napi(catch_unwind)]
    pub fn added_tokens(&self) -> Vec<NativeAddedToken> {
        let mut out: Vec<NativeAddedToken> = self
            .engine
            .tokenizer()
            .get_added_tokens_decoder()
            .into_iter()
            .map(|(id, t)| NativeAddedToken {
                id,
                content: t.content,
                special: t.special,
                lstrip: t.lstrip,
                rstrip: t.rstrip,
                single_word: t.single_word,
                normalized: t.normalized,
            })
            .collect();
        out.sort_unstable_by_key(|t| t.id);
        out
    }

    /// Special tokens the post-processor adds to one input (`pair = false`) or a pair.
    #[napi(catch_unwind)]
    pub fn num_special_tokens_to_add(&self, pair: bool) -> u32 {
        pipeline::added_tokens(self.engine.tokenizer(), pair) as u32
    }

    /// The tokenizer.json's own truncation, used by lib/ as the default.
    #[napi(catch_unwind)]
    pub fn file_truncation(&self) -> Option<NativeTruncation> {
        self.engine.tokenizer().get_truncation().map(truncation_to_js)
    }

    /// The tokenizer.json's own padding, used by lib/ as the default.
    #[napi(catch_unwind)]
    pub fn file_padding(&self) -> Option<NativePadding> {
        self.engine.tokenizer().get_padding().map(padding_to_js)
    }
}

impl NativeTokenizer {
    fn wrap(env: &Env, engine: Engine, source_bytes: u64) -> Self {
        let external = (source_bytes as i64).saturating_mul(BYTES_PER_SOURCE_BYTE).saturating_add(BYTES_FIXED);
        // Only a hint to the collector: a failure changes nothing else.
        let external = if env.adjust_external_memory(external).is_ok() { external } else { 0 };
        let engine = Arc::new(engine);
        if engine.has_lazy_tables() {
            let target = engine.clone();
            // Best effort: without the thread, the first call that needs the tables builds them.
            let _ = std::thread::Builder::new().name("ferrotok-prepare".into()).spawn(move || {
                crate::idle::prepare(&target);
            });
        }
        NativeTokenizer { engine, external }
    }

    pub(super) fn engine(&self) -> &Engine {
        &self.engine
    }

    pub(super) fn engine_arc(&self) -> Arc<Engine> {
        self.engine.clone()
    }
}
