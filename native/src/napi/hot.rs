//! Raw Node-API functions for the calls a prompt makes many times: `count` and `encodeIds`
//! of one short text. A `#[napi]` method pays, per call, for `napi_unwrap` of `this`, napi-rs'
//! class-identity check and its native-borrow registry, and a heap `String` for the argument:
//! about 0.45 µs of a 1.3 µs `countTokens` of a 100-char prompt (perf, Llama 3). These
//! functions carry the engine as their own callback data instead (one `Arc` per function,
//! dropped by a finalizer when the function is collected), read the text into a reused
//! per-thread buffer, and write ids into a scratch Uint32Array made here with the functions,
//! so the common call allocates nothing on either side.
//!
//! JS signatures (lib/tokenizer.ts is the only caller; it validates first):
//! - `count(text: string, flags: number): number`
//! - `encodeIds(text: string, flags: number): number | Uint32Array` — the ids are written
//!   to `scratch` (a property of the same object, `SCRATCH_IDS` long) and their number
//!   returned; when they do not fit, a new Uint32Array holding them is returned instead (no
//!   second encode). The function keeps the scratch's memory (a reference to its
//!   ArrayBuffer, dropped with the function), so no call looks it up: taking the caller's
//!   array as an argument cost a `napi_get_typedarray_info` per call.
//!
//! - `encodeIdsBatch(texts: string[], flags: number, threads: number | undefined):
//!   [ids: Uint32Array, offsets: Uint32Array]` — every text is read into one buffer (no
//!   string allocated per row: napi-rs' `Vec<String>` was ~10% of a 10k-prompt batch on
//!   one thread, all of it serial), then batch.rs encodes them in parallel.
//!
//! `flags`: bit 0 add special tokens; bits 1–2 special-token mode (0 allow, 1 plain, 2 error).
//!
//! Safety: every raw call's status is checked; engine work runs under `error::guard`, so a
//! panic becomes an INTERNAL error, thrown with the `CODE: message` text lib/errors.ts reads.

use crate::engine::{CountOptions, Engine, SpecialTokens};
use crate::error::{guard, Error, Result};
use napi::sys;
use std::cell::RefCell;
use std::ffi::{c_char, c_void, CString};
use std::ptr;
use std::sync::Arc;

/// A buffer above this is not kept for the next call.
const KEEP_BYTES: usize = 1 << 20;

/// Ids `encodeIds` writes to its scratch array (16 KiB); more come back in a new array.
const SCRATCH_IDS: usize = 4096;

thread_local! {
    static TEXT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The functions bound to one engine, as a JS object `{ count, encodeIds }`.
pub struct HotFunctions(pub Arc<Engine>);

impl napi::bindgen_prelude::TypeName for HotFunctions {
    fn type_name() -> &'static str {
        "HotFunctions"
    }
    fn value_type() -> napi::ValueType {
        napi::ValueType::Object
    }
}

impl napi::bindgen_prelude::ToNapiValue for HotFunctions {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        let mut obj = ptr::null_mut();
        status(unsafe { sys::napi_create_object(env, &mut obj) })?;
        let (scratch_array, scratch) = unsafe { scratch_array(env)? };
        // The scratch buffer's reference is deleted by whoever holds it last: `encodeIds`'s
        // finalizer once it owns it, or this function if it fails before handing it over.
        let mut scratch = Some(scratch);
        let mut build = || -> napi::Result<sys::napi_value> {
            status(unsafe { sys::napi_set_named_property(env, obj, c"scratch".as_ptr(), scratch_array) })?;
            let fns: [(&std::ffi::CStr, Callback, bool); 3] =
                [(c"count", count, false), (c"encodeIds", encode_ids, true), (c"encodeIdsBatch", encode_ids_batch, false)];
            for (name, cb, owns_scratch) in fns {
                let bound = Bound { engine: val.0.clone(), scratch: if owns_scratch { scratch.take() } else { None } };
                let f = unsafe { bound_function(env, name, cb, bound)? };
                status(unsafe { sys::napi_set_named_property(env, obj, name.as_ptr(), f) })?;
            }
            Ok(obj)
        };
        let built = build();
        if let Some(s) = scratch {
            unsafe { sys::napi_delete_reference(env, s.buffer) };
        }
        built
    }
}

type Callback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// A function's data: the engine, and for `encodeIds` the scratch array's memory.
struct Bound {
    engine: Arc<Engine>,
    scratch: Option<Scratch>,
}

/// `SCRATCH_IDS` u32s of a V8 ArrayBuffer, kept alive by a reference the owner deletes.
struct Scratch {
    data: *mut u32,
    buffer: sys::napi_ref,
}

/// A new Uint32Array of `SCRATCH_IDS`, and its memory (the reference to its buffer is
/// deleted by `release` with the function that owns it).
unsafe fn scratch_array(env: sys::napi_env) -> napi::Result<(sys::napi_value, Scratch)> {
    let (mut buf, mut data, mut arr, mut reference) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
    status(unsafe { sys::napi_create_arraybuffer(env, SCRATCH_IDS * 4, &mut data, &mut buf) })?;
    status(unsafe { sys::napi_create_typedarray(env, sys::TypedarrayType::uint32_array, SCRATCH_IDS, buf, 0, &mut arr) })?;
    status(unsafe { sys::napi_create_reference(env, buf, 1, &mut reference) })?;
    Ok((arr, Scratch { data: data as *mut u32, buffer: reference }))
}

/// A JS function calling `cb` with `bound` as its data, released when the function is.
unsafe fn bound_function(env: sys::napi_env, name: &std::ffi::CStr, cb: Callback, bound: Bound) -> napi::Result<sys::napi_value> {
    let data = Box::into_raw(Box::new(bound)) as *mut c_void;
    let mut f = ptr::null_mut();
    let made = status(unsafe { sys::napi_create_function(env, name.as_ptr(), name.count_bytes() as isize, Some(cb), data, &mut f) })
        .and_then(|()| status(unsafe { sys::napi_add_finalizer(env, f, data, Some(release), ptr::null_mut(), ptr::null_mut()) }));
    if made.is_err() {
        unsafe { release(env, data, ptr::null_mut()) };
    }
    made.map(|()| f)
}

unsafe extern "C" fn release(env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    let bound = unsafe { Box::from_raw(data as *mut Bound) };
    if let Some(s) = &bound.scratch {
        unsafe { sys::napi_delete_reference(env, s.buffer) };
    }
}

fn status(s: sys::napi_status) -> napi::Result<()> {
    if s == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(napi::Status::GenericFailure, format!("Node-API call failed with status {s}")))
    }
}

/// The call's arguments: engine (and scratch), up to three values.
struct Call {
    bound: *const Bound,
    engine: *const Engine,
    argv: [sys::napi_value; 3],
    argc: usize,
}

unsafe fn call_info(env: sys::napi_env, info: sys::napi_callback_info) -> Option<Call> {
    let mut call = Call { bound: ptr::null(), engine: ptr::null(), argv: [ptr::null_mut(); 3], argc: 3 };
    let mut data = ptr::null_mut();
    let s = unsafe { sys::napi_get_cb_info(env, info, &mut call.argc, call.argv.as_mut_ptr(), ptr::null_mut(), &mut data) };
    if s != sys::Status::napi_ok || data.is_null() {
        return None;
    }
    call.bound = data as *const Bound;
    call.engine = Arc::as_ptr(unsafe { &(*call.bound).engine });
    Some(call)
}

fn options(flags: u32) -> Result<CountOptions> {
    let special_tokens = match (flags >> 1) & 3 {
        0 => SpecialTokens::Allow,
        1 => SpecialTokens::Plain,
        2 => SpecialTokens::Error,
        _ => return Err(Error::invalid_argument("unknown specialTokens mode flag")),
    };
    Ok(CountOptions { add_special_tokens: flags & 1 == 1, special_tokens, ..Default::default() })
}

/// Runs `f` on the call's engine, text (argv[0]) and options (argv[1]); an error is thrown
/// as a JS exception and null returned.
unsafe fn with_text<T>(env: sys::napi_env, info: sys::napi_callback_info, f: impl FnOnce(&Engine, &str, &CountOptions, &Call) -> Result<T>) -> Option<T> {
    let result = match unsafe { call_info(env, info) } {
        None => Err(Error::invalid_argument("bad call")),
        Some(call) if call.argc < 2 => Err(Error::invalid_argument("expected (text, flags)")),
        Some(call) => {
            let mut flags = 0u32;
            if unsafe { sys::napi_get_value_uint32(env, call.argv[1], &mut flags) } != sys::Status::napi_ok {
                Err(Error::invalid_argument("flags must be a number"))
            } else {
                TEXT.with_borrow_mut(|buf| {
                    let r = unsafe { read_utf8(env, call.argv[0], buf) }
                        .and_then(|text| guard(|| f(unsafe { &*call.engine }, text, &options(flags)?, &call)));
                    if buf.capacity() > KEEP_BYTES {
                        *buf = Vec::new();
                    }
                    r
                })
            }
        }
    };
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            throw(env, &e);
            None
        }
    }
}

/// The JS string's UTF-8 (lone surrogates as U+FFFD, as every string argument), in `buf`.
/// One UTF-16 unit is at most 3 UTF-8 bytes, so one write fills it.
unsafe fn read_utf8<'b>(env: sys::napi_env, value: sys::napi_value, buf: &'b mut Vec<u8>) -> Result<&'b str> {
    let mut units = 0usize;
    if unsafe { sys::napi_get_value_string_utf16(env, value, ptr::null_mut(), 0, &mut units) } != sys::Status::napi_ok {
        return Err(Error::invalid_argument("text must be a string"));
    }
    let cap = units * 3 + 1;
    buf.clear();
    buf.reserve(cap);
    let mut written = 0usize;
    let s = unsafe { sys::napi_get_value_string_utf8(env, value, buf.as_mut_ptr() as *mut c_char, cap, &mut written) };
    if s != sys::Status::napi_ok || written >= cap {
        return Err(Error::invalid_argument("text could not be read"));
    }
    unsafe { buf.set_len(written) };
    simdutf8::basic::from_utf8(buf).map_err(|_| Error::invalid_argument("text is not valid UTF-8 after conversion"))
}

fn throw(env: sys::napi_env, e: &Error) {
    let msg = CString::new(e.to_string().replace('\0', "\\0")).unwrap_or_default();
    unsafe { sys::napi_throw_error(env, ptr::null(), msg.as_ptr()) };
}

fn js_u32(env: sys::napi_env, n: u32) -> sys::napi_value {
    let mut v = ptr::null_mut();
    unsafe { sys::napi_create_uint32(env, n, &mut v) };
    v
}

unsafe extern "C" fn count(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    match unsafe { with_text(env, info, |engine, text, opts, _| engine.count_with(text, opts)) } {
        Some(n) => js_u32(env, n.min(u32::MAX as usize) as u32),
        None => ptr::null_mut(),
    }
}

unsafe extern "C" fn encode_ids(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let written = unsafe {
        with_text(env, info, |engine, text, opts, call| {
            let scratch = (*call.bound).scratch.as_ref().ok_or_else(|| Error::invalid_argument("no scratch array"))?;
            // JS is blocked for the call, and the array is private to lib/tokenizer.ts.
            let out = std::slice::from_raw_parts_mut(scratch.data, SCRATCH_IDS);
            Ok(engine.encode_ids_into(text, opts, out)?.map(|n| n as u32))
        })
    };
    match written {
        Some(Ok(n)) => js_u32(env, n),
        Some(Err(ids)) => unsafe { new_u32_array(env, &ids) }.unwrap_or_else(|e| {
            throw(env, &e);
            ptr::null_mut()
        }),
        None => ptr::null_mut(),
    }
}

/// A new Uint32Array (V8-owned memory) holding `ids`.
unsafe fn new_u32_array(env: sys::napi_env, ids: &[u32]) -> Result<sys::napi_value> {
    let (mut buf, mut data, mut arr) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
    let failed = |what: &str| Error::new(crate::error::Code::Internal, format!("could not create the ids array: {what}"));
    if unsafe { sys::napi_create_arraybuffer(env, std::mem::size_of_val(ids), &mut data, &mut buf) } != sys::Status::napi_ok {
        return Err(failed("ArrayBuffer"));
    }
    if !ids.is_empty() {
        unsafe { ptr::copy_nonoverlapping(ids.as_ptr(), data as *mut u32, ids.len()) };
    }
    if unsafe { sys::napi_create_typedarray(env, sys::TypedarrayType::uint32_array, ids.len(), buf, 0, &mut arr) } != sys::Status::napi_ok {
        return Err(failed("Uint32Array"));
    }
    Ok(arr)
}

unsafe extern "C" fn encode_ids_batch(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let result = unsafe { batch_call(env, info) };
    match result {
        Ok(v) => v,
        Err(e) => {
            throw(env, &e);
            ptr::null_mut()
        }
    }
}

unsafe fn batch_call(env: sys::napi_env, info: sys::napi_callback_info) -> Result<sys::napi_value> {
    let call = unsafe { call_info(env, info) }.ok_or_else(|| Error::invalid_argument("bad call"))?;
    if call.argc < 2 {
        return Err(Error::invalid_argument("expected (texts, flags, threads)"));
    }
    let mut flags = 0u32;
    if unsafe { sys::napi_get_value_uint32(env, call.argv[1], &mut flags) } != sys::Status::napi_ok {
        return Err(Error::invalid_argument("flags must be a number"));
    }
    let threads = match call.argc >= 3 {
        true => unsafe { optional_u32(env, call.argv[2]) }?,
        false => None,
    };
    let threads = crate::batch::Threads::from_option(threads)?;
    let opts = options(flags)?;
    let array = call.argv[0];
    let mut len = 0u32;
    if unsafe { sys::napi_get_array_length(env, array, &mut len) } != sys::Status::napi_ok {
        return Err(Error::invalid_argument("texts must be an array"));
    }
    let chunk = crate::batch::chunk_len(len as usize, threads) as u32;
    let mut next = 0u32;
    // The chunks are read here, on the JS thread, while the pool encodes the ones before.
    let (ids, offsets) = guard(|| {
        crate::batch::encode_ids_chunks(unsafe { &*call.engine }, &opts, threads, || {
            if next >= len {
                return Ok(None);
            }
            let end = (next + chunk).min(len);
            let read = unsafe { read_texts(env, array, next..end) };
            next = end;
            read.map(Some)
        })
    })?;
    let (ids, offsets) = unsafe { (new_u32_array(env, &ids)?, new_u32_array(env, &offsets)?) };
    let mut pair = ptr::null_mut();
    let failed = || Error::new(crate::error::Code::Internal, "could not create the result pair");
    if unsafe { sys::napi_create_array_with_length(env, 2, &mut pair) } != sys::Status::napi_ok
        || unsafe { sys::napi_set_element(env, pair, 0, ids) } != sys::Status::napi_ok
        || unsafe { sys::napi_set_element(env, pair, 1, offsets) } != sys::Status::napi_ok
    {
        return Err(failed());
    }
    Ok(pair)
}

/// A number, or undefined/null as None.
unsafe fn optional_u32(env: sys::napi_env, v: sys::napi_value) -> Result<Option<u32>> {
    let mut ty = 0;
    unsafe { sys::napi_typeof(env, v, &mut ty) };
    if ty == sys::ValueType::napi_undefined || ty == sys::ValueType::napi_null {
        return Ok(None);
    }
    let mut n = 0u32;
    if unsafe { sys::napi_get_value_uint32(env, v, &mut n) } != sys::Status::napi_ok {
        return Err(Error::invalid_argument("threads must be a number"));
    }
    Ok(Some(n))
}

/// The strings `rows` of the JS array, as UTF-8 in one buffer, with each one's byte range.
unsafe fn read_texts(env: sys::napi_env, array: sys::napi_value, rows: std::ops::Range<u32>) -> Result<crate::batch::TextChunk> {
    let (mut buf, mut ranges) = (Vec::<u8>::new(), Vec::with_capacity(rows.len()));
    for i in rows {
        let mut v = ptr::null_mut();
        let mut units = 0usize;
        if unsafe { sys::napi_get_element(env, array, i, &mut v) } != sys::Status::napi_ok
            || unsafe { sys::napi_get_value_string_utf16(env, v, ptr::null_mut(), 0, &mut units) } != sys::Status::napi_ok
        {
            return Err(Error::invalid_argument(format!("texts[{i}] must be a string")));
        }
        let start = buf.len();
        let cap = units * 3 + 1;
        buf.reserve(cap);
        let mut written = 0usize;
        let s = unsafe { sys::napi_get_value_string_utf8(env, v, buf.as_mut_ptr().add(start) as *mut c_char, cap, &mut written) };
        if s != sys::Status::napi_ok || written >= cap {
            return Err(Error::invalid_argument(format!("texts[{i}] could not be read")));
        }
        unsafe { buf.set_len(start + written) };
        ranges.push((start, start + written));
    }
    Ok((buf, ranges))
}
