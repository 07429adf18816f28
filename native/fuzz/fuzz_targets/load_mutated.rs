//! Fuzz target: whatever a tokenizer.json holds, loading and using it either works or fails
//! with a specific error code — never INTERNAL, a panic that escapes, an abort, a hang
//! (libFuzzer's -timeout) or unbounded memory (-rss_limit_mb).
//!
//!   native/fuzz/run-load-mutated.sh -max_total_time=600
//!
//! The mutator knows the format, as test/helpers/mutate.ts does for the JS probe: it parses
//! the input as JSON and changes one node the way a corrupt or hostile file would — extreme
//! numbers, swapped types, deleted keys, component types renamed to other real ones, cut or
//! huge strings, duplicated entries, absurd padding and truncation — then writes it back.
//! Input that is not JSON gets libFuzzer's byte mutations.
#![no_main]

use ferrotok_native::engine::{CountOptions, EncodeOptions, Input, SpecialTokens};
use ferrotok_native::{load, Code, Engine};
use libfuzzer_sys::{fuzz_mutator, fuzz_target};
use serde_json::{Map, Value};

const TEXTS: [&str; 4] = ["Hello, world! 123", "  naïve café 日本語 🙂\n\t", "[CLS] <s> <|endoftext|> x", ""];

/// The component `type`s a mutation may rename one to (every family the engine knows).
const TYPES: [&str; 24] = [
    "BPE", "WordPiece", "Unigram", "WordLevel", "ByteLevel", "Metaspace", "Split", "Whitespace", "BertPreTokenizer",
    "Sequence", "NFC", "NFD", "NFKC", "Lowercase", "Strip", "Replace", "Precompiled", "Prepend", "TemplateProcessing",
    "BertProcessing", "RobertaProcessing", "ByteFallback", "Fuse", "Digits",
];

fuzz_target!(|data: &[u8]| {
    quiet_caught_panics();
    let outcome = std::panic::catch_unwind(|| exercise(data));
    match outcome {
        Ok(Some(call)) => panic!("INTERNAL from {call}"),
        Ok(None) => {}
        Err(_) => panic!("a panic escaped the engine's API"),
    }
});

/// libfuzzer-sys aborts on any panic, even one the engine catches on purpose (a crate panic
/// on what a file asked for becomes INVALID_TOKENIZER / ENCODE_FAILED); keep Rust's default
/// hook instead, so only a panic reaching this target fails the run.
fn quiet_caught_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
    });
}

/// Loads `data` and calls every ids, encode and decode entry on it; the call that answered
/// INTERNAL, if any.
fn exercise(data: &[u8]) -> Option<&'static str> {
    let engine = match load::from_bytes(data) {
        Ok(e) => e,
        Err(e) => return (e.code == Code::Internal).then_some("load"),
    };
    for text in TEXTS {
        for mode in [SpecialTokens::Allow, SpecialTokens::Plain, SpecialTokens::Error] {
            let count = CountOptions { special_tokens: mode, ..Default::default() };
            if let Err(e) = engine.encode_ids(text, &count) {
                if e.code == Code::Internal {
                    return Some("encode_ids");
                }
            }
            let opts = EncodeOptions { special_tokens: mode, ..Default::default() };
            match engine.encode(Input { text, pair: Some(text) }, &opts) {
                Ok(enc) => {
                    if let Err(e) = engine.decode(enc.get_ids(), false) {
                        if e.code == Code::Internal {
                            return Some("decode");
                        }
                    }
                }
                Err(e) if e.code == Code::Internal => return Some("encode"),
                Err(_) => {}
            }
        }
    }
    internal(&engine, &[0, 1, 2, u32::MAX]).then_some("decode of edge ids")
}

fn internal(engine: &Engine, ids: &[u32]) -> bool {
    engine.decode(ids, true).is_err_and(|e| e.code == Code::Internal)
}

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    let mut rng = Rng(u64::from(seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let Ok(mut doc) = serde_json::from_slice::<Value>(&data[..size]) else {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    };
    for _ in 0..=rng.below(2) {
        mutate(&mut doc, &mut rng);
    }
    let Ok(bytes) = serde_json::to_vec(&doc) else { return libfuzzer_sys::fuzzer_mutate(data, size, max_size) };
    if bytes.len() > max_size {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    }
    data[..bytes.len()].copy_from_slice(&bytes);
    bytes.len()
});

/// xorshift64: small and seeded from libFuzzer's seed, so a run reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One structural change at a random node of `doc`.
fn mutate(doc: &mut Value, rng: &mut Rng) {
    let mut nodes = 0;
    count(doc, &mut nodes);
    let target = rng.below(nodes);
    let mut seen = 0;
    visit(doc, target, &mut seen, rng);
}

fn count(v: &Value, n: &mut usize) {
    *n += 1;
    match v {
        Value::Array(items) => items.iter().for_each(|x| count(x, n)),
        Value::Object(map) => map.values().for_each(|x| count(x, n)),
        _ => {}
    }
}

/// Walks to the `target`-th node (pre-order) and changes it.
fn visit(v: &mut Value, target: usize, seen: &mut usize, rng: &mut Rng) -> bool {
    if *seen == target {
        change(v, rng);
        return true;
    }
    *seen += 1;
    match v {
        Value::Array(items) => items.iter_mut().any(|x| visit(x, target, seen, rng)),
        Value::Object(map) => map.values_mut().any(|x| visit(x, target, seen, rng)),
        _ => false,
    }
}

fn change(v: &mut Value, rng: &mut Rng) {
    match v {
        Value::Number(_) => *v = extreme_number(rng),
        Value::String(s) => match rng.below(5) {
            0 if TYPES.iter().any(|t| t == s) => *s = TYPES[rng.below(TYPES.len())].to_string(),
            1 => s.truncate(s.char_indices().nth(rng.below(s.chars().count() + 1)).map_or(s.len(), |(i, _)| i)),
            2 => *s = ["(", "[", "\\p{", "(?<=a)", "a**", "\u{FFFF}", "▁", "Ġ", ""][rng.below(9)].to_string(),
            3 => *s = s.repeat(1 + rng.below(2000)),
            _ => *v = other_type(rng),
        },
        Value::Array(items) => match rng.below(4) {
            0 if !items.is_empty() => {
                let i = rng.below(items.len());
                let copy = items[i].clone();
                items.insert(rng.below(items.len() + 1), copy);
            }
            1 if !items.is_empty() => {
                items.remove(rng.below(items.len()));
            }
            2 => items.reverse(),
            _ => *v = other_type(rng),
        },
        Value::Object(map) => object_change(map, rng),
        Value::Bool(b) => *b = !*b,
        Value::Null => *v = other_type(rng),
    }
}

fn object_change(map: &mut Map<String, Value>, rng: &mut Rng) {
    let keys: Vec<String> = map.keys().cloned().collect();
    match rng.below(4) {
        0 if !keys.is_empty() => {
            map.remove(&keys[rng.below(keys.len())]);
        }
        1 => {
            let key = ["padding", "truncation"][rng.below(2)];
            map.insert(key.into(), absurd_section(key, rng));
        }
        2 if !keys.is_empty() => {
            // A vocabulary entry whose id another token has, or a huge one.
            let key = &keys[rng.below(keys.len())];
            map.insert(format!("{key}x"), extreme_number(rng));
        }
        _ => {
            if !keys.is_empty() {
                let key = keys[rng.below(keys.len())].clone();
                map.insert(key, other_type(rng));
            }
        }
    }
}

fn extreme_number(rng: &mut Rng) -> Value {
    let n: [i64; 10] = [-1, 0, 1, 255, 256, 65_535, 1 << 20, (1 << 31) - 1, u32::MAX as i64, i64::MAX];
    match rng.below(12) {
        10 => Value::from(1e308),
        11 => Value::from(-0.5),
        i => Value::from(n[i]),
    }
}

fn other_type(rng: &mut Rng) -> Value {
    match rng.below(6) {
        0 => Value::Null,
        1 => Value::Bool(true),
        2 => extreme_number(rng),
        3 => Value::String("x".repeat(rng.below(64))),
        4 => Value::Array(vec![Value::Null; rng.below(4)]),
        _ => Value::Object(Map::new()),
    }
}

fn absurd_section(key: &str, rng: &mut Rng) -> Value {
    let n = extreme_number(rng);
    if key == "padding" {
        serde_json::json!({ "strategy": { "Fixed": n }, "direction": "Right", "pad_to_multiple_of": n,
            "pad_id": n, "pad_type_id": 0, "pad_token": "[PAD]" })
    } else {
        serde_json::json!({ "direction": "Left", "max_length": n, "strategy": "LongestFirst", "stride": n })
    }
}
