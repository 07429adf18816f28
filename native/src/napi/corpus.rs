//! `encodeRecordsAsync`: a batch of corpus records, encoded off the JS thread (../corpus.rs).

use super::error::run;
use super::options;
use super::tasks::NativeCancel;
use super::tokenizer::NativeTokenizer;
use crate::batch::Threads;
use crate::corpus::{self, Field, RecordIds, RecordOptions};
use crate::engine::{CountOptions, Engine};
use napi::bindgen_prelude::{AsyncTask, Buffer, Task, Uint32Array, Uint8Array};
use napi::Env;
use napi_derive::napi;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

#[napi(object)]
pub struct NativeRecordOptions {
    pub add_special_tokens: bool,
    pub special_tokens: Option<u32>,
    /// JSON key path of the text; absent: the record is the text.
    pub field: Option<Vec<String>>,
    /// The records are the data's lines; `ends` is ignored.
    pub lines: Option<bool>,
    pub prepend: Option<Vec<u32>>,
    pub append: Option<Vec<u32>>,
    pub threads: Option<u32>,
}

#[napi(object)]
pub struct NativeRecordIds {
    pub ids: Uint32Array,
    pub lengths: Uint32Array,
    pub rejected_index: Uint32Array,
    /// Each rejected record's 0-based line in the batch (lines mode; else its index).
    pub rejected_line: Uint32Array,
    pub rejected_fault: Uint8Array,
    pub rejected_detail: Vec<String>,
    /// Lines mode: lines in the batch, and how many were empty.
    pub lines: u32,
    pub blank_lines: u32,
}

pub struct EncodeRecordsTask {
    engine: Arc<Engine>,
    data: Vec<u8>,
    ends: Vec<u32>,
    opts: RecordOptions,
    threads: Threads,
    cancel: Option<Arc<AtomicBool>>,
}

impl Task for EncodeRecordsTask {
    type Output = RecordIds;
    type JsValue = NativeRecordIds;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        run(|| {
            corpus::encode_records(
                &self.engine,
                &self.data,
                &self.ends,
                &self.opts,
                self.threads,
                self.cancel.as_deref(),
            )
        })
    }

    fn resolve(&mut self, _env: Env, r: Self::Output) -> napi::Result<Self::JsValue> {
        let index: Vec<u32> = r.rejected.iter().map(|x| x.index).collect();
        let line: Vec<u32> = r.rejected.iter().map(|x| x.line).collect();
        let fault: Vec<u8> = r.rejected.iter().map(|x| x.fault as u8).collect();
        let detail = r.rejected.into_iter().map(|x| x.detail).collect();
        Ok(NativeRecordIds {
            ids: r.ids.into(),
            lengths: r.lengths.into(),
            rejected_index: index.into(),
            rejected_line: line.into(),
            rejected_fault: fault.into(),
            rejected_detail: detail,
            lines: r.lines,
            blank_lines: r.blank_lines,
        })
    }
}

/// Encodes the records `data[ends[i-1]..ends[i]]` on the thread pool. The bytes are copied
/// once here, on the JS thread, so the caller may reuse its buffer as soon as this returns.
#[napi(catch_unwind, ts_return_type = "Promise<NativeRecordIds>")]
pub fn encode_records_async(
    tokenizer: &NativeTokenizer,
    data: Buffer,
    ends: Uint32Array,
    options: NativeRecordOptions,
    cancel: Option<&NativeCancel>,
) -> napi::Result<AsyncTask<EncodeRecordsTask>> {
    let (opts, threads) = run(|| {
        let count = CountOptions {
            add_special_tokens: options.add_special_tokens,
            special_tokens: options::special_tokens(options.special_tokens)?,
            ..Default::default()
        };
        let field = options.field.map_or(Field::Whole, Field::Json);
        let opts = RecordOptions {
            count,
            field,
            lines: options.lines.unwrap_or(false),
            prepend: options.prepend.unwrap_or_default(),
            append: options.append.unwrap_or_default(),
        };
        // `threads: 1` means one thread: JS keeps two batches in flight, which as two
        // `Current` tasks would run on two libuv threads.
        let threads = match Threads::from_option(options.threads)? {
            Threads::Current => Threads::Pool(1),
            t => t,
        };
        Ok((opts, threads))
    })?;
    Ok(AsyncTask::new(EncodeRecordsTask {
        engine: tokenizer.engine_arc(),
        data: data.to_vec(),
        ends: ends.to_vec(),
        opts,
        threads,
        cancel: cancel.map(NativeCancel::flag),
    }))
}
