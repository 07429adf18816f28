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
    pub special_tokens: Option<String>,
    /// JSON key path of the text; absent: the record is the text.
    pub field: Option<Vec<String>>,
    pub prepend: Option<Vec<u32>>,
    pub append: Option<Vec<u32>>,
    pub threads: Option<u32>,
}

#[napi(object)]
pub struct NativeRecordIds {
    pub ids: Uint32Array,
    pub lengths: Uint32Array,
    pub rejected_index: Uint32Array,
    pub rejected_fault: Uint8Array,
    pub rejected_detail: Vec<String>,
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
        let (index, fault, detail) = r.rejected.into_iter().map(|x| (x.index, x.fault as u8, x.detail)).collect();
        let (index, fault): (Vec<u32>, Vec<u8>) = (index, fault);
        Ok(NativeRecordIds {
            ids: r.ids.into(),
            lengths: r.lengths.into(),
            rejected_index: index.into(),
            rejected_fault: fault.into(),
            rejected_detail: detail,
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
            special_tokens: options::special_tokens(options.special_tokens.as_deref())?,
            ..Default::default()
        };
        let field = options.field.map_or(Field::Whole, Field::Json);
        let opts = RecordOptions {
            count,
            field,
            prepend: options.prepend.unwrap_or_default(),
            append: options.append.unwrap_or_default(),
        };
        Ok((opts, Threads::from_option(options.threads)?))
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
