//! The Node binding. Thin by design: convert arguments, call the engine, convert results.
//! Every entry point runs the engine inside `error::guard`, so a panic becomes an INTERNAL
//! (or, for option asserts deep in the crate, ENCODE_FAILED) error and never unwinds into —
//! and aborts — Node.

mod budget;
mod chat;
// As for `tensor` below: free `#[napi]` functions have no caller in the test build.
#[cfg_attr(test, allow(dead_code))]
mod corpus;
mod encoding;
mod error;
mod hot;
mod options;
mod stream;
mod tasks;
// napi-derive registers free `#[napi]` functions with the module only outside `cfg(test)`,
// so the lib's test build has no caller of these (lib/embed.ts calls them).
#[cfg_attr(test, allow(dead_code))]
mod tensor;
mod tokenizer;

/// Panics are caught and returned to JS with their message, so the default hook's stderr
/// report (with a backtrace when RUST_BACKTRACE is set) only repeats it, in the middle of
/// the host application's output. `FERROTOK_TRACE_PANICS=1` restores it for debugging.
#[napi_derive::module_init]
fn init() {
    if std::env::var_os("FERROTOK_TRACE_PANICS").is_none() {
        std::panic::set_hook(Box::new(|_| {}));
    }
}
