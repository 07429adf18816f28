//! Work that runs off the JS thread: `compute` runs on a libuv worker, which hands the rows to
//! rayon. napi-rs does not catch panics in `compute`; `run` does.
//!
//! Cancellation: lib/ listens to the caller's AbortSignal and calls `NativeCancel.cancel()`,
//! which sets a flag every row checks before it starts. We do not hand the signal to napi-rs:
//! it would overwrite the caller's `signal.onabort`, and it only cancels work still queued.

use super::encoding::NativeBatch;
use super::error::run;
use crate::batch::{self, Threads};
use crate::engine::{EncodeOptions, Engine, Input};
use crate::error::{Error, Result};
use napi::bindgen_prelude::Task;
use napi::Env;
use napi_derive::napi;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokenizers::Encoding;

#[napi]
pub struct NativeCancel {
    flag: Arc<AtomicBool>,
}

#[napi]
impl NativeCancel {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        NativeCancel { flag: Arc::new(AtomicBool::new(false)) }
    }

    #[napi]
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }
}

impl NativeCancel {
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.flag.clone()
    }
}

/// Pairs up texts with their optional pair texts.
pub fn inputs<'a>(texts: &'a [String], pairs: Option<&'a [Option<String>]>) -> Result<Vec<Input<'a>>> {
    match pairs {
        None => Ok(texts.iter().map(|t| Input::from(t.as_str())).collect()),
        Some(p) if p.len() == texts.len() => {
            Ok(texts.iter().zip(p).map(|(t, p)| Input { text: t, pair: p.as_deref() }).collect())
        }
        Some(p) => Err(Error::invalid_argument(format!("{} texts but {} pairs", texts.len(), p.len()))),
    }
}

pub struct EncodeBatchTask {
    engine: Arc<Engine>,
    texts: Vec<String>,
    pairs: Option<Vec<Option<String>>>,
    opts: EncodeOptions,
    cancel: Option<Arc<AtomicBool>>,
    threads: Threads,
}

impl EncodeBatchTask {
    pub fn new(
        engine: Arc<Engine>,
        texts: Vec<String>,
        pairs: Option<Vec<Option<String>>>,
        opts: EncodeOptions,
        cancel: Option<Arc<AtomicBool>>,
        threads: Threads,
    ) -> Self {
        EncodeBatchTask { engine, texts, pairs, opts, cancel, threads }
    }
}

impl Task for EncodeBatchTask {
    type Output = Vec<Encoding>;
    type JsValue = NativeBatch;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        run(|| {
            let inputs = inputs(&self.texts, self.pairs.as_deref())?;
            batch::encode_batch(&self.engine, &inputs, &self.opts, self.cancel.as_deref(), self.threads)
        })
    }

    fn resolve(&mut self, _env: Env, rows: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(NativeBatch::new(rows, self.engine.elides(&self.opts).then(|| self.engine.clone())))
    }
}
