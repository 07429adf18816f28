//! The Node binding. Thin by design: convert arguments, call the engine, convert results.
//! Every entry point runs the engine inside `error::guard`, so a panic becomes an INTERNAL
//! error and never unwinds into (and aborts) Node.

mod encoding;
mod error;
mod options;
mod tasks;
mod tokenizer;
