//! tokenizer.json → `Engine`. Validate once here so encode never has to.
//!
//! The happy path is one `serde_json::from_slice` straight into the crate's types (no
//! intermediate `Value`: on a 9 MB o200k file that second tree costs ~40 ms). Only when it
//! fails do we parse again, generically, to say *what* is wrong: not JSON (often a truncated
//! download), a component type this engine does not know, or something else.

use crate::engine::Engine;
use crate::error::{Code, Error, Result};
use crate::fast::resolve::MergeResolver;
use crate::fast::wordpiece::WordPiece;
use crate::fast::FastPath;
use crate::hf1;
use crate::limits;
use crate::pipeline::HfTokenizer;
use crate::spec::{self, BpeSpec, Components, ModelSpec, TokenIds, WordPieceSpec};
use crate::vocab::model::ModelVocab;
use serde_json::Value;
use std::path::{Path, PathBuf};
use tokenizers::{Model, ModelWrapper};

/// A panic while loading is the file's doing (a component the crate asserts on, such as a
/// BPE `continuing_subword_prefix` longer than a token): INVALID_TOKENIZER, not INTERNAL.
pub fn from_bytes(bytes: &[u8]) -> Result<Engine> {
    std::panic::catch_unwind(|| load(bytes)).unwrap_or_else(|p| {
        Err(Error::new(
            Code::InvalidTokenizer,
            format!(
                "this tokenizer.json could not be loaded: {} (is the file corrupt?)",
                crate::error::panic_detail(&p)
            ),
        ))
    })
}

fn load(bytes: &[u8]) -> Result<Engine> {
    hf1::Mode::from_env().map_err(Error::invalid_argument)?;
    limits::check_charsmaps(bytes)?;
    // FERROTOK_NO_FAST=1 keeps every input on the crate path (for comparisons).
    if std::env::var_os("FERROTOK_NO_FAST").is_none() {
        let engine = match spec::read_model(bytes) {
            Some((components, ModelSpec::Bpe(model))) => {
                limits::check_ids(model.vocab.iter().map(|e| e.1))?;
                bpe_fast_path(components, model)
            }
            Some((components, ModelSpec::WordPiece(model))) => {
                limits::check_ids(model.vocab.iter().map(|e| e.1))?;
                wordpiece_fast_path(components, model)
            }
            None => None,
        };
        if let Some(engine) = engine {
            return checked(engine);
        }
    }
    let tok = serde_json::from_slice::<HfTokenizer>(bytes).map_err(|e| diagnose(bytes, &e))?;
    // Unigram ids are positions in its list; the other models name theirs.
    if !matches!(tok.get_model(), ModelWrapper::Unigram(_)) {
        limits::check_ids(tok.get_model().get_vocab().into_values())?;
    }
    if std::env::var_os("FERROTOK_NO_FAST").is_some() {
        return checked(Engine::new(tok));
    }
    let pipeline = serves_with_pipeline(&tok).then(|| hf1::Pipeline::start(bytes, pipeline_mode()?)).flatten();
    checked(Engine::with_crate_fast_path(tok).with_pipeline(pipeline))
}

/// Settings of the file that only show when encoding: refused at load, not on the first call.
fn checked(engine: Engine) -> Result<Engine> {
    if let Some(padding) = engine.tokenizer().get_padding() {
        limits::check_padding(padding, Code::InvalidTokenizer, "tokenizer.json padding")?;
    }
    limits::check_added_tokens(engine.tokenizer().get_added_tokens_decoder().values().map(|t| t.content.as_str()))?;
    Ok(engine)
}

/// The models whose ids Hugging Face's 1.0 engine gives fastest (native/PERFORMANCE.md):
/// the ones without a fast path of ours. For BPE (reaching here: no fast path took the file,
/// as for DeepSeek V3's three `Split`s), only when every split regex is one the 1.0 engine
/// runs natively: any other goes to its fancy-regex backend, which is not Oniguruma and may
/// split differently (the 0.23 path keeps those).
fn serves_with_pipeline(tok: &HfTokenizer) -> bool {
    match tok.get_model() {
        ModelWrapper::Unigram(_) | ModelWrapper::WordLevel(_) => true,
        ModelWrapper::BPE(_) => serde_json::to_value(tok.get_pre_tokenizer()).is_ok_and(|v| native_splits(&v)),
        _ => false,
    }
}

/// Whether every `Split` regex in a serialized pre-tokenizer is one tokenizers 1.0 matches
/// with its own grammars (`recognize`, or one of DeepSeek's three, run as one pass).
fn native_splits(v: &serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::Object(fields) => match fields.get("Regex") {
            Some(Value::String(re)) => {
                tk1::utils::recognize(re).is_some() || tk1::utils::DEEPSEEK_PATTERNS.contains(&re.as_str())
            }
            Some(_) => false,
            None => fields.values().all(native_splits),
        },
        Value::Array(items) => items.iter().all(native_splits),
        _ => true,
    }
}

fn pipeline_mode() -> Option<hf1::Mode> {
    // `from_bytes` refused a bad value before getting here.
    hf1::Mode::from_env().ok()
}

/// The engine of a BPE tokenizer one of our fast paths reproduces, built
/// without the crate's BPE model (spec.rs); None → load it the crate's way (which also
/// reports what is wrong with a file). The parsed file is dropped on return: the engine keeps
/// none of the file's text (`Engine::full_tokenizer` rebuilds the crate's model from the
/// shell and the merge table when it is needed).
///
/// The merge table (the biggest part of the fast path: the vocabulary's ids, then three
/// probes per merge, ~40 ms of a first load of Llama 3) is resolved on a second thread while
/// this one builds the model's vocabulary, the shell and the fast path's other tables; when
/// the fast path takes the merges, this thread resolves what is left beside it (resolve.rs).
/// (A fixed 70/30 split left the spawned thread idle half the time: native/PERFORMANCE.md.)
fn bpe_fast_path(components: Components, mut model: BpeSpec) -> Option<Engine> {
    let list = model.take_merges()?;
    let resolver = MergeResolver::default();
    let (shell, fast) = std::thread::scope(|s| {
        let (vocab, r) = (&model.vocab, &resolver);
        let merges = s.spawn(move || r.start(list, TokenIds::new(vocab)));
        let vocab = ModelVocab::new(&model.vocab)?;
        let shell = components.shell(&vocab)?;
        let take = || {
            resolver.work();
            merges.join().ok()?;
            resolver.table()
        };
        let fast = FastPath::build(&shell, &model, take, vocab)?;
        Some((shell, fast))
    })?;
    Some(Engine::with_fast_path(shell, fast, model.options()))
}

/// The shell and fast path of a WordPiece tokenizer (BERT and its kin), without the crate's
/// model: its deserializer buffered the model section in serde's `Content` and built two
/// `String` maps of the vocabulary from it, and the fast path then cloned the tokenizer.
/// The crate's model is built on first
/// need by the fast path (`WordPiece::reference`: a stretch that is not printable ASCII,
/// truncation, `toJSON`).
fn wordpiece_fast_path(components: Components, model: WordPieceSpec) -> Option<Engine> {
    let vocab = ModelVocab::new(&model.vocab)?;
    let shell = components.shell(&vocab)?;
    let fast = WordPiece::from_spec(&shell, &model, vocab)?;
    Some(Engine::with_model_in_fast_path(shell, FastPath::WordPiece(fast)))
}

/// Accepts a tokenizer.json path or a folder that holds one.
pub fn from_path(path: &Path) -> Result<Engine> {
    from_path_limited(path, limits::DEFAULT_MAX_FILE_BYTES)
}

/// `from_path`, refusing a file over `max_bytes` (FILE_TOO_LARGE) before reading more of it.
pub fn from_path_limited(path: &Path, max_bytes: u64) -> Result<Engine> {
    let file = tokenizer_json_path(path)?;
    let bytes = read_limited(&file, max_bytes)?;
    from_bytes(&bytes).map_err(|e| Error::new(e.code, format!("{}: {}", file.display(), e.message)))
}

pub fn tokenizer_json_path(path: &Path) -> Result<PathBuf> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, &e))?;
    if !meta.is_dir() {
        return Ok(path.to_path_buf());
    }
    let file = path.join("tokenizer.json");
    if file.is_file() {
        Ok(file)
    } else {
        Err(Error::new(
            Code::FileNotFound,
            format!(
                "{} is a folder without a tokenizer.json; pass the file itself or a model folder that has one",
                path.display()
            ),
        ))
    }
}

/// The file's bytes, reading at most `max_bytes + 1` of them: a device or a pipe (`/dev/zero`)
/// has no size to check first.
fn read_limited(file: &Path, max_bytes: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let too_large = || {
        Error::new(
            Code::FileTooLarge,
            format!("{} is over the {max_bytes}-byte limit; pass maxFileBytes to read a larger file", file.display()),
        )
    };
    let f = std::fs::File::open(file).map_err(|e| io_error(file, &e))?;
    let size = f.metadata().map(|m| m.len()).unwrap_or(0);
    if size > max_bytes {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(size as usize);
    f.take(max_bytes + 1).read_to_end(&mut bytes).map_err(|e| io_error(file, &e))?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large());
    }
    Ok(bytes)
}

fn io_error(path: &Path, e: &std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::new(Code::FileNotFound, format!("no such file: {} (check the path)", path.display()))
    } else {
        Error::new(Code::Io, format!("cannot read {}: {e}", path.display()))
    }
}

fn diagnose(bytes: &[u8], engine_error: &serde_json::Error) -> Error {
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => return invalid_json(&e),
    };
    if let Some(e) = unsupported_component(&value) {
        return e;
    }
    if !value.is_object() || value.get("model").is_none() {
        return Error::new(
            Code::InvalidTokenizer,
            "this JSON is not a tokenizer.json (no \"model\" section); pass the tokenizer.json of a Hugging Face model",
        );
    }
    Error::new(Code::InvalidTokenizer, format!("not a valid tokenizer.json: {engine_error}"))
}

fn invalid_json(e: &serde_json::Error) -> Error {
    let hint = if e.is_eof() { " (the file ends early: an interrupted download?)" } else { "" };
    Error::new(
        Code::InvalidJson,
        format!("tokenizer.json is not valid JSON at line {} column {}{hint}: {e}", e.line(), e.column()),
    )
}

/// Component types the pinned crate (0.23.1) deserializes, by section.
const KNOWN: &[(&str, &[&str])] = &[
    (
        "normalizer",
        &[
            "BertNormalizer",
            "Bert",
            "Strip",
            "StripAccents",
            "NFC",
            "NFD",
            "NFKC",
            "NFKD",
            "Sequence",
            "Lowercase",
            "Nmt",
            "Precompiled",
            "Replace",
            "Prepend",
            "ByteLevel",
        ],
    ),
    (
        "pre_tokenizer",
        &[
            "BertPreTokenizer",
            "ByteLevel",
            "Delimiter",
            "CharDelimiterSplit",
            "Metaspace",
            "Whitespace",
            "Sequence",
            "Split",
            "Punctuation",
            "WhitespaceSplit",
            "Digits",
            "UnicodeScripts",
            "FixedLength",
        ],
    ),
    ("model", &["BPE", "WordPiece", "WordLevel", "Unigram"]),
    ("post_processor", &["RobertaProcessing", "BertProcessing", "ByteLevel", "TemplateProcessing", "Sequence"]),
    (
        "decoder",
        &[
            "BPEDecoder",
            "ByteLevel",
            "WordPiece",
            "Metaspace",
            "CTC",
            "Sequence",
            "Replace",
            "Fuse",
            "Strip",
            "ByteFallback",
        ],
    ),
];

fn unsupported_component(root: &Value) -> Option<Error> {
    KNOWN.iter().find_map(|(section, known)| root.get(*section).and_then(|v| find_unknown(v, section, known)))
}

/// Walks a component and its `Sequence` children; returns the first unknown `type`.
fn find_unknown(v: &Value, at: &str, known: &[&str]) -> Option<Error> {
    let ty = v.get("type").and_then(Value::as_str)?;
    if !known.contains(&ty) {
        let msg = format!(
            "{at}.type \"{ty}\" is not supported by this engine (tokenizers 0.23.1); supported: {}",
            known.join(", ")
        );
        return Some(Error::new(Code::UnsupportedComponent, msg));
    }
    ["normalizers", "pretokenizers", "processors", "decoders"].iter().find_map(|key| {
        let children = v.get(*key)?.as_array()?;
        children.iter().enumerate().find_map(|(i, c)| find_unknown(c, &format!("{at}.{key}[{i}]"), known))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = r#"{"version":"1.0","truncation":null,"padding":null,"added_tokens":[],
        "normalizer":null,"pre_tokenizer":{"type":"Whitespace"},"post_processor":null,"decoder":null,
        "model":{"type":"WordLevel","vocab":{"[UNK]":0,"hello":1,"world":2},"unk_token":"[UNK]"}}"#;

    fn code_of(json: &str) -> Code {
        match from_bytes(json.as_bytes()) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.code,
        }
    }

    #[test]
    fn loads_a_minimal_tokenizer() {
        assert!(from_bytes(TINY.as_bytes()).is_ok());
    }

    #[test]
    fn truncated_file_is_invalid_json() {
        assert_eq!(code_of(&TINY[..TINY.len() / 2]), Code::InvalidJson);
    }

    #[test]
    fn unknown_normalizer_is_unsupported_component() {
        let json = TINY.replace(
            r#""normalizer":null"#,
            r#""normalizer":{"type":"Sequence","normalizers":[{"type":"NFC"},{"type":"Klingon"}]}"#,
        );
        match from_bytes(json.as_bytes()) {
            Err(e) => {
                assert_eq!(e.code, Code::UnsupportedComponent);
                assert!(e.message.contains("normalizer.normalizers[1].type \"Klingon\""), "{}", e.message);
            }
            Ok(_) => panic!("expected an error"),
        }
    }

    /// A BPE file of a few hundred bytes, with `vocab` and `padding` spliced in.
    fn bpe(vocab: &str, padding: &str) -> String {
        format!(
            r#"{{"version":"1.0","truncation":null,"padding":{padding},"added_tokens":[],"normalizer":null,
            "pre_tokenizer":{{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true}},
            "post_processor":null,"decoder":{{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true}},
            "model":{{"type":"BPE","dropout":null,"unk_token":null,"continuing_subword_prefix":null,"end_of_word_suffix":null,
            "fuse_unk":false,"byte_fallback":false,"ignore_merges":false,"vocab":{vocab},"merges":[["a","b"]]}}}}"#
        )
    }

    #[test]
    fn absurd_ids_and_padding_are_refused_before_allocating() {
        assert!(from_bytes(bpe(r#"{"a":0,"b":1,"ab":2}"#, "null").as_bytes()).is_ok());
        for id in [4_294_967_295u64, 2_147_483_648, 400_000_000] {
            let vocab = format!(r#"{{"a":0,"b":1,"ab":{id}}}"#);
            assert_eq!(code_of(&bpe(&vocab, "null")), Code::InvalidTokenizer, "id {id}");
            // The crate's path (WordLevel) is checked too.
            let wordlevel = TINY.replace(r#""world":2"#, &format!(r#""world":{id}"#));
            assert_eq!(code_of(&wordlevel), Code::InvalidTokenizer, "WordLevel id {id}");
        }
        let padding = |strategy: &str, multiple: &str| {
            format!(
                r#"{{"strategy":{strategy},"direction":"Right","pad_to_multiple_of":{multiple},"pad_id":0,"pad_type_id":0,"pad_token":"a"}}"#
            )
        };
        let vocab = r#"{"a":0,"b":1,"ab":2}"#;
        assert!(from_bytes(bpe(vocab, &padding(r#"{"Fixed":512}"#, "8")).as_bytes()).is_ok());
        assert_eq!(code_of(&bpe(vocab, &padding(r#"{"Fixed":4294967295}"#, "null"))), Code::InvalidTokenizer);
        assert_eq!(code_of(&bpe(vocab, &padding(r#""BatchLongest""#, "4294967295"))), Code::InvalidTokenizer);
    }

    #[test]
    #[cfg(unix)]
    fn files_over_the_limit_are_refused_without_reading_them_whole() {
        assert_eq!(from_path(Path::new("/dev/zero")).err().map(|e| e.code), Some(Code::FileTooLarge));
        let dir = std::env::temp_dir().join(format!("ferrotok-limit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("tokenizer.json");
        std::fs::write(&file, TINY).unwrap();
        assert!(from_path_limited(&file, TINY.len() as u64).is_ok());
        let e = from_path_limited(&dir, TINY.len() as u64 - 1).err().unwrap();
        assert_eq!(e.code, Code::FileTooLarge);
        assert!(e.message.contains("maxFileBytes"), "{}", e.message);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn json_that_is_not_a_tokenizer_says_so() {
        assert_eq!(code_of(r#"{"hello": 1}"#), Code::InvalidTokenizer);
    }

    #[test]
    fn missing_file_and_folder_without_tokenizer_json() {
        let missing = from_path(Path::new("/definitely/not/here.json")).err().map(|e| e.code);
        assert_eq!(missing, Some(Code::FileNotFound));
        let dir = std::env::temp_dir();
        let empty = dir.join(format!("ferrotok-empty-{}", std::process::id()));
        std::fs::create_dir_all(&empty).unwrap();
        assert_eq!(from_path(&empty).err().map(|e| e.code), Some(Code::FileNotFound));
        std::fs::remove_dir_all(&empty).unwrap();
    }
}
