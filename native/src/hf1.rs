//! Hugging Face's tokenizers 1.0 engine (`PipelineTokenizer`, release candidate) as the ids
//! engine for the models where it is the fastest exact one we have: Unigram and WordLevel,
//! which have no fast path of ours (native/PERFORMANCE.md has the measurements).
//!
//! It answers ids only — no offsets, no token strings, no truncation object model — so it
//! serves `encode_ids`, counts and batches of ids, and the 0.23 crate keeps everything else.
//! It is built on a background thread at load, from the tokenizer.json text; until it is
//! ready (or if it refuses the file) the ids calls take the 0.23 path, which gives the same
//! ids (native/tests/parity.rs checks the two against each other), so callers never wait.
//!
//! Its encode takes a scratch buffer from a pool guarded by one uncontended mutex per call
//! (sharded by thread): the one lock on an ids path, and only on these models.

use std::sync::{Arc, OnceLock};
use tk1::pipeline::{EncodeOptions, Override, PipelineToken, PipelineTokenizer};

/// When to build the pipeline: `FERROTOK_PIPELINE` = `background` (default), `sync` (during
/// load: tests and benchmarks that must measure it from the first call), `off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Background,
    Sync,
    Off,
}

impl Mode {
    pub fn from_env() -> std::result::Result<Mode, String> {
        match std::env::var("FERROTOK_PIPELINE").as_deref() {
            Err(_) | Ok("") | Ok("background") => Ok(Mode::Background),
            Ok("sync") => Ok(Mode::Sync),
            Ok("off") => Ok(Mode::Off),
            Ok(other) => Err(format!("FERROTOK_PIPELINE={other:?} is not one of background, sync, off")),
        }
    }
}

/// The 1.0 pipeline of one tokenizer, once built.
#[derive(Default)]
pub struct Pipeline {
    built: OnceLock<Option<PipelineTokenizer>>,
}

impl Pipeline {
    /// Starts building from the tokenizer.json text (per `mode`).
    pub fn start(json: &[u8], mode: Mode) -> Option<Arc<Pipeline>> {
        if mode == Mode::Off {
            return None;
        }
        let pipeline = Arc::new(Pipeline::default());
        let text = String::from_utf8(json.to_vec()).ok()?;
        match mode {
            Mode::Sync => pipeline.build(&text),
            _ => {
                let target = Arc::clone(&pipeline);
                std::thread::Builder::new().name("ferrotok-pipeline".into()).spawn(move || target.build(&text)).ok()?;
            }
        }
        Some(pipeline)
    }

    fn build(&self, text: &str) {
        // A panic inside the crate on an odd file must not take the process down: the
        // pipeline then just never becomes ready.
        let built =
            std::panic::catch_unwind(|| tk1::canonicalize_str(text).ok().and_then(|canon| tk1::from_json(&canon).ok()))
                .ok()
                .flatten();
        let _ = self.built.set(built);
    }

    /// The pipeline, once built; None while building or if it refused the file.
    pub fn ready(&self) -> Option<&PipelineTokenizer> {
        self.built.get().and_then(Option::as_ref)
    }

    /// Whether the build finished (successfully or not).
    pub fn settled(&self) -> bool {
        self.built.get().is_some()
    }

    /// Blocks until the build has finished (tests; `FERROTOK_PIPELINE=sync` does it at load).
    pub fn wait(&self) {
        while !self.settled() {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// `text`'s ids appended to `out` (no truncation, no padding: what `encode_ids` gives);
    /// `plain`: special tokens' text is ordinary text. None when the pipeline is not ready or
    /// failed on this input (the caller takes the 0.23 path).
    pub fn ids_into(&self, text: &str, add_special_tokens: bool, plain: bool, out: &mut Vec<u32>) -> Option<()> {
        let tok = self.ready()?;
        let opts = EncodeOptions {
            add_special_tokens,
            encode_special_tokens: plain,
            padding: Override::Off,
            truncation: Override::Off,
        };
        SCRATCH.with(|cell| {
            let (mut borrowed, mut fresh) = (cell.try_borrow_mut(), Vec::new());
            let tokens = match &mut borrowed {
                Ok(t) => &mut **t,
                Err(_) => &mut fresh,
            };
            tokens.clear();
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| tok.encode_into(text, &opts, tokens)))
                .ok()?
                .ok()?;
            out.extend(tokens.iter().map(|t| t.id()));
            if tokens.capacity() > 1 << 20 {
                *tokens = Vec::new();
            }
            Some(())
        })
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Vec<PipelineToken>> = const { std::cell::RefCell::new(Vec::new()) };
}
