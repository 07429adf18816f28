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
//!   second encode). The function holds a strong reference to the scratch's ArrayBuffer
//!   (dropped with the function) and asks it for its memory on each call: JS can detach any
//!   ArrayBuffer it reaches (`scratch.buffer.transfer()`, a transfer list), and a detached
//!   buffer's memory belongs to its new owner or is freed, so a pointer kept from creation
//!   would dangle. Taking the caller's array as an argument instead cost a
//!   `napi_get_typedarray_info` per call.
//! - `encodeIdsBatch(texts: string[], flags: number, threads: number | undefined):
//!   [ids: Uint32Array, offsets: Uint32Array]` — every text is read into one buffer (no
//!   string allocated per row: napi-rs' `Vec<String>` was ~10% of a 10k-prompt batch on
//!   one thread, all of it serial), then batch.rs encodes them in parallel.
//!
//! `flags`: bit 0 add special tokens; bits 1–2 the special-token mode's code (0 allow, 1 plain,
//! 2 error: `SpecialTokens::from_code`, the form the mode takes across the boundary).
//!
//! Errors: every raw call's status is checked; engine work runs under `error::guard`, so a
//! panic becomes an INTERNAL error, thrown with the `CODE: message` text lib/errors.ts reads.
//!
//! Safety: the `SAFETY:` comments rest on these Node-API guarantees.
//! - A callback's `env` and `info` are valid on the JS thread until it returns, and every
//!   `napi_value` made or received in it stays valid until then (the callback's handle scope),
//!   even if JS runs meanwhile.
//! - A function's data pointer is handed back only to its callback (`napi_get_cb_info`) and to
//!   its finalizer, which Node-API calls once, after the function is collected (or at env
//!   teardown), from the event loop: never while a call of the function is running.
//! - Values are type-checked by the call that reads them (a wrong type is a status, not a read).

use crate::engine::{CountOptions, Engine};
use crate::error::{guard, Code, Error, Result};
use napi::sys;
use std::cell::RefCell;
use std::ffi::{c_void, CString};
use std::ptr::{self, NonNull};
use std::sync::Arc;

/// A buffer above this is not kept for the next call.
const KEEP_BYTES: usize = 1 << 20;

/// Ids `encodeIds` writes to its scratch array (16 KiB); more come back in a new array.
const SCRATCH_IDS: usize = 4096;

thread_local! {
    static TEXT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The UTF-16 copy of the text being read (`append_string`).
    static UNITS: RefCell<Vec<u16>> = const { RefCell::new(Vec::new()) };
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
    /// # Safety
    /// napi-rs' contract: `env` is the env of the running call, on the JS thread.
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        let mut obj = ptr::null_mut();
        // SAFETY: `env` is valid on this thread for the call (this function's contract);
        // `obj` is a live out-pointer.
        status(unsafe { sys::napi_create_object(env, &mut obj) })?;
        // SAFETY: `env` is valid on the JS thread, all `scratch_array` needs.
        let (scratch_array, scratch) = unsafe { scratch_array(env)? };
        // The scratch buffer's reference is deleted by whoever holds it last: `encodeIds`'s
        // finalizer once it owns it, or this function if it fails before handing it over.
        let mut scratch = Some(scratch);
        let mut build = || -> napi::Result<sys::napi_value> {
            // SAFETY: `env` is valid (above); `obj` and `scratch_array` were made in this call,
            // so their handles are live; the name is a NUL-terminated literal. A setter on
            // Object.prototype may run JS here: it can reach the scratch array, which is why
            // `encodeIds` checks the buffer on every call (`scratch_memory`).
            status(unsafe { sys::napi_set_named_property(env, obj, c"scratch".as_ptr(), scratch_array) })?;
            let fns: [(&std::ffi::CStr, Callback, bool); 3] = [
                (c"count", count, false),
                (c"encodeIds", encode_ids, true),
                (c"encodeIdsBatch", encode_ids_batch, false),
            ];
            for (name, cb, owns_scratch) in fns {
                let bound = Bound { engine: val.0.clone(), scratch: if owns_scratch { scratch.take() } else { None } };
                // SAFETY: `env` is valid (above); `cb` reads its data as the `Bound` passed here.
                let f = unsafe { bound_function(env, name, cb, bound)? };
                // SAFETY: as for "scratch": `obj` and `f` are live handles of this call, `name`
                // is NUL-terminated.
                status(unsafe { sys::napi_set_named_property(env, obj, name.as_ptr(), f) })?;
            }
            Ok(obj)
        };
        let built = build();
        if let Some(s) = scratch {
            // SAFETY: `s.buffer` is the live reference `scratch_array` made; it was never
            // handed to a `Bound` (`take` would have left None here), so no finalizer deletes
            // it and this is its only deletion. `env` is valid (above).
            unsafe { sys::napi_delete_reference(env, s.buffer) };
        }
        built
    }
}

type Callback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// A function's data: the engine, and for `encodeIds` the scratch array's buffer.
struct Bound {
    engine: Arc<Engine>,
    scratch: Option<Scratch>,
}

/// A strong reference to the ArrayBuffer of a Uint32Array of `SCRATCH_IDS`, deleted by its
/// owner. It keeps the ArrayBuffer alive, not its memory: JS can detach the buffer.
struct Scratch {
    buffer: sys::napi_ref,
}

/// A new Uint32Array of `SCRATCH_IDS`, and a reference to its buffer (deleted by `release`
/// with the function that owns it).
///
/// # Safety
/// `env` is valid on the current thread (the JS thread, inside a call).
unsafe fn scratch_array(env: sys::napi_env) -> napi::Result<(sys::napi_value, Scratch)> {
    let (mut buf, mut arr, mut reference) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
    // SAFETY: `env` is valid (contract); `buf` is a live out-pointer, and the data
    // out-pointer is optional (null: `scratch_memory` asks for the memory when it is used).
    status(unsafe { sys::napi_create_arraybuffer(env, SCRATCH_IDS * 4, ptr::null_mut(), &mut buf) })?;
    // SAFETY: `buf` is the ArrayBuffer just made (a live handle) of `SCRATCH_IDS * 4`
    // bytes, so `SCRATCH_IDS` u32s at offset 0 fit in it (Node-API checks the range too).
    status(unsafe {
        sys::napi_create_typedarray(env, sys::TypedarrayType::uint32_array, SCRATCH_IDS, buf, 0, &mut arr)
    })?;
    // SAFETY: `buf` is live (above); an initial count of 1 makes the reference strong.
    status(unsafe { sys::napi_create_reference(env, buf, 1, &mut reference) })?;
    Ok((arr, Scratch { buffer: reference }))
}

/// A JS function calling `cb` with `bound` as its data, released when the function is.
///
/// # Safety
/// `env` is valid on the current thread (the JS thread, inside a call), and `cb` reads its
/// data, if at all, as a `Bound` (through `call_info`).
unsafe fn bound_function(
    env: sys::napi_env,
    name: &std::ffi::CStr,
    cb: Callback,
    bound: Bound,
) -> napi::Result<sys::napi_value> {
    let data = Box::into_raw(Box::new(bound)) as *mut c_void;
    let mut f = ptr::null_mut();
    // SAFETY: `env` is valid (contract); `name` points to `count_bytes()` bytes of ASCII;
    // `cb` has the `napi_callback` signature; `data` is opaque to Node-API, which hands it
    // back only to `cb`.
    let made = status(unsafe {
        sys::napi_create_function(env, name.as_ptr(), name.count_bytes() as isize, Some(cb), data, &mut f)
    })
    .and_then(|()| {
        // SAFETY: `f` is the function just made (a live handle); Node-API will call
        // `release(env, data, null)` once, after `f` is collected, and no call of `f` runs then.
        status(unsafe { sys::napi_add_finalizer(env, f, data, Some(release), ptr::null_mut(), ptr::null_mut()) })
    });
    if made.is_err() {
        // SAFETY: `data` is the box made above and no finalizer owns it (the function was not
        // made, or `napi_add_finalizer` failed and registered nothing); a function made
        // without its finalizer is not returned, so it is unreachable and never calls `cb`.
        unsafe { release(env, data, ptr::null_mut()) };
    }
    made.map(|()| f)
}

/// A bound function's finalizer: frees its `Bound`, and deletes the scratch reference the
/// `Bound` owns.
///
/// # Safety
/// `data` comes from `Box::into_raw` in `bound_function` and is released only here, once,
/// when no call reads it any more; `env` is valid on the current (JS) thread.
unsafe extern "C" fn release(env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is a `Box<Bound>` released once, and nothing reads it after (contract).
    let bound = unsafe { Box::from_raw(data as *mut Bound) };
    if let Some(s) = &bound.scratch {
        // SAFETY: the reference is live and owned by this `Bound` alone (`to_napi_value`
        // moved it in); Node-API leaves references made by `napi_create_reference` to their
        // owner to delete, in a finalizer and at env teardown too. `env` is valid (contract).
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

/// The call's arguments: its function's data, and up to three values.
struct Call<'a> {
    bound: &'a Bound,
    argv: [sys::napi_value; 3],
    argc: usize,
}

/// # Safety
/// `env` and `info` are those of a running callback of a function made by `bound_function`,
/// on the JS thread, and the `Call` (`'a`) does not outlive the callback.
unsafe fn call_info<'a>(env: sys::napi_env, info: sys::napi_callback_info) -> Option<Call<'a>> {
    let (mut argv, mut argc, mut data) = ([ptr::null_mut(); 3], 3usize, ptr::null_mut());
    // SAFETY: `env` and `info` are this callback's (contract). `argc` in is `argv`'s length,
    // so Node-API writes at most 3 values (undefined for those not passed) and sets `argc` to
    // the number passed; `this` is not asked for (null).
    let s = unsafe { sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), &mut data) };
    if s != sys::Status::napi_ok || data.is_null() {
        return None;
    }
    // SAFETY: the data of a function made by `bound_function` is its `Box<Bound>`, freed only
    // by the finalizer, which never runs during a call of the function; so the `Bound` outlives
    // this callback, hence `'a` (contract). Only shared references to it are ever made.
    let bound = unsafe { &*(data as *const Bound) };
    Some(Call { bound, argv, argc })
}

/// `flags`: bit 0 add special tokens, bits 1–2 the special-token mode's code (options.rs).
fn options(flags: u32) -> Result<CountOptions> {
    let special_tokens = super::options::special_tokens(Some((flags >> 1) & 3))?;
    Ok(CountOptions { add_special_tokens: flags & 1 == 1, special_tokens, ..Default::default() })
}

/// Runs `f` on the call's engine, text (argv[0]) and options (argv[1]); an error is thrown
/// as a JS exception and None returned.
///
/// # Safety
/// `env` and `info` are those of a running callback of a function made by `bound_function`,
/// on the JS thread.
unsafe fn with_text<T>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    f: impl FnOnce(&Engine, &str, &CountOptions, &Call) -> Result<T>,
) -> Option<T> {
    // SAFETY: `env` and `info` are this callback's (contract); `call` is dropped before the
    // callback returns.
    let result = match unsafe { call_info(env, info) } {
        None => Err(Error::invalid_argument("bad call")),
        Some(call) if call.argc < 2 => Err(Error::invalid_argument("expected (text, flags)")),
        Some(call) => {
            let mut flags = 0u32;
            // SAFETY: `env` is valid (contract); `argv[1]` is a live value of this call;
            // `flags` is a live out-pointer, written only if the value is a number.
            if unsafe { sys::napi_get_value_uint32(env, call.argv[1], &mut flags) } != sys::Status::napi_ok {
                Err(Error::invalid_argument("flags must be a number"))
            } else {
                TEXT.with_borrow_mut(|buf| {
                    // SAFETY: `env` is valid (contract); `argv[0]` is a live value of this call.
                    let r = unsafe { read_utf8(env, call.argv[0], buf) }
                        .and_then(|text| guard(|| f(&call.bound.engine, text, &options(flags)?, &call)));
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
            // SAFETY: `env` is valid on this thread (contract).
            unsafe { throw(env, &e) };
            None
        }
    }
}

/// Runs `f` on the UTF-8 of a JS string argument, read as `encodeIds` reads it (UTF-16 out of
/// V8, transcoded by simdutf: V8's own UTF-8 writer behind a `String` argument was ~9% of a
/// long document's `encode`). The buffer is this thread's; a nested call gets its own.
pub(super) fn with_str<T>(s: &napi::JsString, f: impl FnOnce(&str) -> Result<T>) -> Result<T> {
    use napi::JsValue;
    let (env, value) = (s.value().env, s.raw());
    let read = |buf: &mut Vec<u8>| {
        // SAFETY: `s` is an argument of the running call, on the JS thread: its `env` and
        // value are valid for the call.
        let r = unsafe { read_utf8(env, value, buf) }.and_then(f);
        if buf.capacity() > KEEP_BYTES {
            *buf = Vec::new();
        }
        r
    };
    TEXT.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => read(&mut buf),
        Err(_) => read(&mut Vec::new()),
    })
}

/// The JS string's UTF-8 (lone surrogates as U+FFFD, as every string argument), in `buf`:
/// its UTF-16 units are copied out of V8 and transcoded by `utf16::append_utf8`.
///
/// # Safety
/// `env` is valid on the current (JS) thread, and `value` is a live value of the running call.
unsafe fn read_utf8(env: sys::napi_env, value: sys::napi_value, buf: &mut Vec<u8>) -> Result<&str> {
    buf.clear();
    // SAFETY: `env` and `value` are valid (contract).
    unsafe { append_string(env, value, buf) }.map_err(|()| Error::invalid_argument("text must be a string"))?;
    simdutf8::basic::from_utf8(buf).map_err(|_| Error::invalid_argument("text is not valid UTF-8 after conversion"))
}

/// Appends the UTF-8 of the JS string `value` to `out`; Err if it is not a string (or V8
/// could not write it).
///
/// # Safety
/// `env` is valid on the current (JS) thread, and `value` is a live value of the running call.
unsafe fn append_string(env: sys::napi_env, value: sys::napi_value, out: &mut Vec<u8>) -> std::result::Result<(), ()> {
    UNITS.with_borrow_mut(|units| {
        let mut len = 0usize;
        // SAFETY: `env` and `value` are valid (contract); with a null buffer Node-API only
        // stores the string's length in UTF-16 units, and reports a non-string as a status.
        if unsafe { sys::napi_get_value_string_utf16(env, value, ptr::null_mut(), 0, &mut len) } != sys::Status::napi_ok
        {
            return Err(());
        }
        units.clear();
        units.reserve(len + 1);
        let mut written = 0usize;
        // SAFETY: `value` is a string (above); `units` has room for `len + 1` units (`reserve`
        // after `clear`), and Node-API writes at most that many there (the string, then a
        // NUL), storing the number of string units in `written`.
        let s = unsafe { sys::napi_get_value_string_utf16(env, value, units.as_mut_ptr(), len + 1, &mut written) };
        if s != sys::Status::napi_ok || written > len {
            return Err(());
        }
        // SAFETY: Node-API initialized the first `written` units, and `written <= len < capacity`.
        unsafe { units.set_len(written) };
        crate::utf16::append_utf8(units, out);
        if units.capacity() > KEEP_BYTES / 2 {
            *units = Vec::new();
        }
        Ok(())
    })
}

/// Throws `e` as a JS Error whose message is `CODE: message`.
///
/// # Safety
/// `env` is valid on the current (JS) thread, inside a call.
unsafe fn throw(env: sys::napi_env, e: &Error) {
    let msg = CString::new(e.to_string().replace('\0', "\\0")).unwrap_or_default();
    // SAFETY: `env` is valid (contract); `msg` is NUL-terminated and outlives the call (Node-API
    // copies it into a JS string); a null code is allowed (none).
    unsafe { sys::napi_throw_error(env, ptr::null(), msg.as_ptr()) };
}

/// A JS number; null (undefined in JS) if it could not be made.
///
/// # Safety
/// `env` is valid on the current (JS) thread, inside a call.
unsafe fn js_u32(env: sys::napi_env, n: u32) -> sys::napi_value {
    let mut v = ptr::null_mut();
    // SAFETY: `env` is valid (contract); `v` is a live out-pointer.
    unsafe { sys::napi_create_uint32(env, n, &mut v) };
    v
}

/// `count(text, flags)`.
///
/// # Safety
/// Called only by Node-API, as the callback of a function made by `bound_function`: `env`
/// and `info` are valid on the JS thread for the call.
unsafe extern "C" fn count(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: this callback's `env` and `info` (contract).
    match unsafe { with_text(env, info, |engine, text, opts, _| engine.count_with(text, opts)) } {
        // SAFETY: `env` is valid for the call (contract).
        Some(n) => unsafe { js_u32(env, n.min(u32::MAX as usize) as u32) },
        None => ptr::null_mut(),
    }
}

/// `encodeIds(text, flags)`.
///
/// # Safety
/// As `count`; and the function's `Bound` holds the scratch reference.
unsafe extern "C" fn encode_ids(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let into_scratch =
        |engine: &Engine, text: &str, opts: &CountOptions, call: &Call| -> Result<std::result::Result<u32, Vec<u32>>> {
            let scratch = call.bound.scratch.as_ref().ok_or_else(|| Error::invalid_argument("no scratch array"))?;
            // SAFETY: `env` is this callback's (contract); `scratch.buffer` is live while the
            // `Bound` that owns it is, which outlives the call (`call_info`).
            let data = unsafe { scratch_memory(env, scratch) }
                .ok_or_else(|| Error::new(Code::Internal, "the scratch array's buffer was detached"))?;
            // SAFETY: `data` is the memory of the scratch ArrayBuffer, not detached just now, holding
            // `SCRATCH_IDS` aligned u32s (`scratch_memory` checks). It stays valid and unaliased
            // while `out` lives: only a detach could free or move it, and no JS runs until `out`
            // is dropped (the engine calls none, and JS is blocked in this call); a non-shared
            // ArrayBuffer's memory is reachable from no other thread (a transfer detaches it here).
            let out = unsafe { std::slice::from_raw_parts_mut(data.as_ptr(), SCRATCH_IDS) };
            Ok(engine.encode_ids_into(text, opts, out)?.map(|n| n as u32))
        };
    // SAFETY: this callback's `env` and `info` (contract).
    let written = unsafe { with_text(env, info, into_scratch) };
    match written {
        // SAFETY: `env` is valid for the call (contract).
        Some(Ok(n)) => unsafe { js_u32(env, n) },
        // SAFETY: as above.
        Some(Err(ids)) => unsafe { new_u32_array(env, &ids) }.unwrap_or_else(|e| {
            // SAFETY: as above.
            unsafe { throw(env, &e) };
            ptr::null_mut()
        }),
        None => ptr::null_mut(),
    }
}

/// The scratch ArrayBuffer's memory as `SCRATCH_IDS` u32s; None if JS detached the buffer (a
/// detached buffer reports no memory). Two non-throwing Node-API calls.
///
/// # Safety
/// `env` is valid on the current (JS) thread, inside a call, and `scratch.buffer` is live.
unsafe fn scratch_memory(env: sys::napi_env, scratch: &Scratch) -> Option<NonNull<u32>> {
    let (mut buf, mut data, mut len) = (ptr::null_mut(), ptr::null_mut(), 0usize);
    // SAFETY: `env` and the reference are valid (contract); the reference is strong, so it
    // yields the ArrayBuffer (a handle live until the call returns).
    if unsafe { sys::napi_get_reference_value(env, scratch.buffer, &mut buf) } != sys::Status::napi_ok || buf.is_null()
    {
        return None;
    }
    // SAFETY: `buf` is a live ArrayBuffer handle (above); `data` and `len` are live out-pointers.
    if unsafe { sys::napi_get_arraybuffer_info(env, buf, &mut data, &mut len) } != sys::Status::napi_ok {
        return None;
    }
    let data = data.cast::<u32>();
    if len != SCRATCH_IDS * 4 || !data.is_aligned() {
        return None;
    }
    NonNull::new(data)
}

/// A new Uint32Array (V8-owned memory) holding `ids`.
///
/// # Safety
/// `env` is valid on the current (JS) thread, inside a call.
unsafe fn new_u32_array(env: sys::napi_env, ids: &[u32]) -> Result<sys::napi_value> {
    let (mut buf, mut data, mut arr) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
    let failed =
        |what: &str| Error::new(crate::error::Code::Internal, format!("could not create the ids array: {what}"));
    // SAFETY: `env` is valid (contract); `data` and `buf` are live out-pointers.
    if unsafe { sys::napi_create_arraybuffer(env, std::mem::size_of_val(ids), &mut data, &mut buf) }
        != sys::Status::napi_ok
    {
        return Err(failed("ArrayBuffer"));
    }
    if !ids.is_empty() {
        // SAFETY: `data` is the new ArrayBuffer's memory, `size_of_val(ids)` bytes, seen by no
        // JS yet and disjoint from `ids` (Rust memory); a byte copy needs no alignment.
        unsafe { ptr::copy_nonoverlapping(ids.as_ptr().cast::<u8>(), data.cast::<u8>(), std::mem::size_of_val(ids)) };
    }
    // SAFETY: `buf` is the ArrayBuffer just made (a live handle) of `ids.len() * 4` bytes, so
    // `ids.len()` u32s at offset 0 fit in it.
    if unsafe { sys::napi_create_typedarray(env, sys::TypedarrayType::uint32_array, ids.len(), buf, 0, &mut arr) }
        != sys::Status::napi_ok
    {
        return Err(failed("Uint32Array"));
    }
    Ok(arr)
}

/// `encodeIdsBatch(texts, flags, threads)`.
///
/// # Safety
/// As `count`.
unsafe extern "C" fn encode_ids_batch(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: this callback's `env` and `info` (contract).
    let result = unsafe { batch_call(env, info) };
    match result {
        Ok(v) => v,
        Err(e) => {
            // SAFETY: `env` is valid for the call (contract).
            unsafe { throw(env, &e) };
            ptr::null_mut()
        }
    }
}

/// # Safety
/// `env` and `info` are those of a running callback of a function made by `bound_function`,
/// on the JS thread.
unsafe fn batch_call(env: sys::napi_env, info: sys::napi_callback_info) -> Result<sys::napi_value> {
    // SAFETY: `env` and `info` are this callback's (contract); `call` is dropped before the
    // callback returns.
    let call = unsafe { call_info(env, info) }.ok_or_else(|| Error::invalid_argument("bad call"))?;
    if call.argc < 2 {
        return Err(Error::invalid_argument("expected (texts, flags, threads)"));
    }
    let mut flags = 0u32;
    // SAFETY: `env` is valid (contract); `argv[1]` is a live value of this call; `flags` is a
    // live out-pointer, written only if the value is a number.
    if unsafe { sys::napi_get_value_uint32(env, call.argv[1], &mut flags) } != sys::Status::napi_ok {
        return Err(Error::invalid_argument("flags must be a number"));
    }
    let threads = match call.argc >= 3 {
        // SAFETY: `env` is valid (contract); `argv[2]` is a live value of this call.
        true => unsafe { optional_u32(env, call.argv[2]) }?,
        false => None,
    };
    let threads = crate::batch::Threads::from_option(threads)?;
    let opts = options(flags)?;
    let array = call.argv[0];
    let mut len = 0u32;
    // SAFETY: `env` is valid (contract); `array` is a live value of this call; a non-array is
    // reported as a status.
    if unsafe { sys::napi_get_array_length(env, array, &mut len) } != sys::Status::napi_ok {
        return Err(Error::invalid_argument("texts must be an array"));
    }
    let chunk = crate::batch::chunk_len(len as usize, threads) as u32;
    let mut next = 0u32;
    // The chunks are read here, on the JS thread, while the pool encodes the ones before.
    let (ids, offsets) = guard(|| {
        crate::batch::encode_ids_chunks(&call.bound.engine, &opts, threads, || {
            if next >= len {
                return Ok(None);
            }
            let end = (next + chunk).min(len);
            // SAFETY: `env` is valid and `array` a live value of this call (above). This
            // closure holds `env`, a raw pointer, so it is not `Send`: `encode_ids_chunks`
            // can only call it on this (the JS) thread, during this call.
            let read = unsafe { read_texts(env, array, next..end) };
            next = end;
            read.map(Some)
        })
    })?;
    // SAFETY: `env` is valid on this thread (contract).
    let (ids, offsets) = unsafe { (new_u32_array(env, &ids)?, new_u32_array(env, &offsets)?) };
    let mut pair = ptr::null_mut();
    let failed = || Error::new(crate::error::Code::Internal, "could not create the result pair");
    // SAFETY: `env` is valid (contract); `pair` is a live out-pointer.
    if unsafe { sys::napi_create_array_with_length(env, 2, &mut pair) } != sys::Status::napi_ok {
        return Err(failed());
    }
    for (i, v) in [ids, offsets].into_iter().enumerate() {
        // SAFETY: `env` is valid (contract); `pair` (made above) and `v` are live handles of
        // this call; `i` is 0 or 1, within the array's length.
        if unsafe { sys::napi_set_element(env, pair, i as u32, v) } != sys::Status::napi_ok {
            return Err(failed());
        }
    }
    Ok(pair)
}

/// A number, or undefined/null as None.
///
/// # Safety
/// `env` is valid on the current (JS) thread, and `v` is a live value of the running call.
unsafe fn optional_u32(env: sys::napi_env, v: sys::napi_value) -> Result<Option<u32>> {
    let mut ty = 0;
    // SAFETY: `env` and `v` are valid (contract); `ty` is a live out-pointer.
    if unsafe { sys::napi_typeof(env, v, &mut ty) } != sys::Status::napi_ok {
        return Err(Error::invalid_argument("threads must be a number"));
    }
    if ty == sys::ValueType::napi_undefined || ty == sys::ValueType::napi_null {
        return Ok(None);
    }
    let mut n = 0u32;
    // SAFETY: as above; `n` is written only if `v` is a number.
    if unsafe { sys::napi_get_value_uint32(env, v, &mut n) } != sys::Status::napi_ok {
        return Err(Error::invalid_argument("threads must be a number"));
    }
    Ok(Some(n))
}

/// The strings `rows` of the JS array, as UTF-8 in one buffer, with each one's byte range.
/// (Not validated here: batch.rs checks each range's UTF-8 before encoding it.)
///
/// # Safety
/// `env` is valid on the current (JS) thread, and `array` is a live value of the running call.
unsafe fn read_texts(
    env: sys::napi_env,
    array: sys::napi_value,
    rows: std::ops::Range<u32>,
) -> Result<crate::batch::TextChunk> {
    let (mut buf, mut ranges) = (Vec::<u8>::new(), Vec::with_capacity(rows.len()));
    for i in rows {
        let mut v = ptr::null_mut();
        let not_string = || Error::invalid_argument(format!("texts[{i}] must be a string"));
        // SAFETY: `env` and `array` are valid (contract); any index may be read (undefined
        // past the end); `v` is a live out-pointer. A getter may run JS here, which can change
        // the array but not invalidate `array` (a handle of this call) or `buf` (ours).
        if unsafe { sys::napi_get_element(env, array, i, &mut v) } != sys::Status::napi_ok {
            return Err(not_string());
        }
        let start = buf.len();
        // SAFETY: `env` is valid (contract) and `v` a live handle of this call (above).
        unsafe { append_string(env, v, &mut buf) }.map_err(|()| not_string())?;
        ranges.push((start, buf.len()));
    }
    Ok((buf, ranges))
}
