//! Engine errors → JS errors. The message keeps the `CODE: message` form (see
//! ../error.rs); lib/errors.ts turns it into a `TokenizerError` with `code`.

use crate::error::{guard, Result};

pub fn to_js(e: crate::Error) -> napi::Error {
    napi::Error::new(napi::Status::GenericFailure, e.to_string())
}

/// Runs engine work for a binding call: panics caught, errors converted.
pub fn run<T>(f: impl FnOnce() -> Result<T>) -> napi::Result<T> {
    guard(f).map_err(to_js)
}
