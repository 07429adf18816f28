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
//! For a model whose normalizer starts with SentencePiece's `Precompiled` charsmap, the
//! pipeline is built without that step, and text is normalized by our own pass instead
//! (precompiled.rs, 2–3× the whole encode): the same ids, as the argument on `Split` shows.
//! Text that holds added tokens is cut where the pipeline cuts it and encoded piece by piece
//! (`Split::encode_pieces`). The whole pipeline, for what neither covers (an added token the
//! charsmap makes from other characters), is built when the first such text arrives (on a
//! background thread, the 0.23 path serving meanwhile): a pipeline costs ~17 MB even for a
//! 16k vocabulary.
//!
//! Its encode takes a scratch buffer from a pool guarded by one uncontended mutex per call
//! (sharded by thread): the one lock on an ids path, and only on these models.

mod precompiled;

use aho_corasick::AhoCorasick;
use precompiled::FastPrecompiled;
use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use tk1::normalizers::metaspace::PrependBehavior;
use tk1::normalizers::Precompiled;
use tk1::pipeline::{
    EncodeOptions, Override, PipelineNormalizer, PipelineToken, PipelineTokenizer, Segment, SpecialSegmentIterator,
};

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
    built: OnceLock<Option<Built>>,
    /// The file's size in bytes: what the build's time goes with (`ready_for`).
    file_len: usize,
}

struct Built {
    /// The whole pipeline: built with `Built`, or, beside a split, when a text needs it.
    full: OnceLock<Option<PipelineTokenizer>>,
    split: Option<Split>,
    /// Beside a split: the canonical file, to build `full` from, and whether that started.
    json: Option<Box<str>>,
    full_started: AtomicBool,
    mode: Mode,
}

/// The charsmap step taken out of the pipeline (`rest`) and run by `normalizer` instead.
///
/// Why the ids are the same: the pipeline first cuts the raw text at added tokens, normalizes
/// each piece between them, and cuts the result at added tokens again (special tokens count
/// only when they are not plain text). When the raw text holds no added token, and neither does
/// our normalized text (which `rest` sees as raw), the first cut leaves the whole text in both
/// pipelines; the full one's charsmap step (its first, as
/// it is the file's) then produces exactly our normalized text (precompiled.rs), and from there
/// both run the same steps on the same string.
struct Split {
    normalizer: FastPrecompiled,
    rest: PipelineTokenizer,
    /// Every added token's text, and the non-special ones' (all the pipeline cuts at when
    /// special tokens are plain text); None when there is none.
    added: Option<AhoCorasick>,
    non_special: Option<AhoCorasick>,
    /// For text that holds added tokens (`Split::encode_pieces`): the ids the post-processor
    /// puts around a sequence, None when they could not be learned or the pipeline's steps
    /// depend on where a piece starts (Metaspace's "first" prepend scheme).
    affixes: Option<(Vec<u32>, Vec<u32>)>,
}

impl Split {
    /// The split form of `json` (a canonical tokenizer.json); None when its normalizer does
    /// not start with a charsmap, or the pipeline refuses the file.
    fn build(json: &str) -> Option<Split> {
        // Only the two fields are read; the new file is the old one with its normalizer
        // replaced, so no tree of the whole file (its vocabulary) is built.
        #[derive(serde::Deserialize)]
        struct File<'a> {
            #[serde(borrow)]
            normalizer: &'a serde_json::value::RawValue,
            #[serde(default, borrow)]
            added_tokens: Vec<Added<'a>>,
        }
        #[derive(serde::Deserialize)]
        struct Added<'a> {
            #[serde(borrow)]
            content: Cow<'a, str>,
            #[serde(default)]
            special: bool,
        }
        let file: File = serde_json::from_str(json).ok()?;
        let mut normalizer: serde_json::Value = serde_json::from_str(file.normalizer.get()).ok()?;
        let (charsmap, without) = match normalizer["type"].as_str()? {
            "Precompiled" => (normalizer, serde_json::Value::Null),
            "Sequence" => {
                let steps = normalizer["normalizers"].as_array_mut()?;
                if steps.first()?["type"] != "Precompiled" {
                    return None;
                }
                (steps.remove(0), normalizer)
            }
            _ => return None,
        };
        // Its deserializer borrows the charsmap's text, so it reads JSON text, not a Value.
        let charsmap: Precompiled = serde_json::from_str(&charsmap.to_string()).ok()?;
        let start = file.normalizer.get().as_ptr() as usize - json.as_ptr() as usize;
        let end = start + file.normalizer.get().len();
        let rest = format!("{}{}{}", &json[..start], without, &json[end..]);
        let rest = tk1::from_json(&rest).ok()?;
        let matcher = |tokens: Vec<&str>| match tokens.is_empty() {
            true => Some(None),
            false => AhoCorasick::new(tokens).ok().map(Some),
        };
        let added = matcher(file.added_tokens.iter().map(|t| t.content.as_ref()).collect())?;
        let non_special =
            matcher(file.added_tokens.iter().filter(|t| !t.special).map(|t| t.content.as_ref()).collect())?;
        let affixes = match starts_matter(&rest) {
            true => None,
            false => affixes(&rest),
        };
        Some(Split { normalizer: FastPrecompiled::new(charsmap), rest, added, non_special, affixes })
    }

    /// Whether `text` holds an added token the pipeline would cut at (`plain`: special
    /// tokens' text is ordinary text).
    fn has_added(&self, text: &str, plain: bool) -> bool {
        let matcher = if plain { &self.non_special } else { &self.added };
        matcher.as_ref().is_some_and(|a| a.is_match(text))
    }

    /// Text that holds added tokens, piece by piece: cut where the pipeline itself cuts the raw
    /// text (its own iterator over its added vocabulary), each added token's id as it is, and
    /// the text between normalized by our pass and encoded alone, then the post-processor's
    /// affixes around the whole. The same ids as the whole pipeline when no piece's normalized
    /// text holds an added token (as for `Split`) and the steps after the charsmap do not depend
    /// on where a piece starts (`starts_matter`); None otherwise.
    fn encode_pieces(&self, text: &str, opts: &EncodeOptions, tokens: &mut Vec<PipelineToken>) -> Option<()> {
        let (before, after) = self.affixes.as_ref()?;
        let plain = EncodeOptions { add_special_tokens: false, ..opts.clone() };
        let base = tokens.len();
        if opts.add_special_tokens {
            tokens.extend(before.iter().map(|&id| PipelineToken::from(id)));
        }
        let pieces =
            SpecialSegmentIterator::new(text, self.rest.get_added_vocabulary(), false, opts.encode_special_tokens);
        for piece in pieces {
            match piece {
                Segment::SpecialToken(id) => tokens.push(PipelineToken::from(id)),
                Segment::Text { text, .. } => {
                    let normalized = self.normalizer.normalize(text);
                    if self.has_added(&normalized, opts.encode_special_tokens)
                        || self.rest.encode_into(&normalized, &plain, tokens).is_err()
                    {
                        tokens.truncate(base);
                        return None;
                    }
                }
            }
        }
        if opts.add_special_tokens {
            tokens.extend(after.iter().map(|&id| PipelineToken::from(id)));
        }
        Some(())
    }
}

/// Whether a step after the charsmap acts on where its text starts in the sequence: only
/// Metaspace with the "first" prepend scheme does (it prepends to the opening piece alone).
fn starts_matter(rest: &PipelineTokenizer) -> bool {
    rest.get_normalizers()
        .iter()
        .any(|n| matches!(n, PipelineNormalizer::Metaspace(m) if m.prepend() == PrependBehavior::First))
}

/// The ids `rest` puts before and after one sequence with special tokens on, learned from a
/// probe: the probe's ids must appear once, whole, inside its ids with the affixes.
fn affixes(rest: &PipelineTokenizer) -> Option<(Vec<u32>, Vec<u32>)> {
    let ids = |add_special_tokens| -> Option<Vec<u32>> {
        let opts = EncodeOptions {
            add_special_tokens,
            encode_special_tokens: true,
            padding: Override::Off,
            truncation: Override::Off,
        };
        let mut tokens = Vec::new();
        rest.encode_into("a", &opts, &mut tokens).ok()?;
        Some(tokens.iter().map(|t| t.id()).collect())
    };
    let (with, core) = (ids(true)?, ids(false)?);
    if core.is_empty() || core.len() > with.len() {
        return None;
    }
    let mut at = (0..=with.len() - core.len()).filter(|&i| with[i..i + core.len()] == core[..]);
    let (Some(i), None) = (at.next(), at.next()) else { return None };
    Some((with[..i].to_vec(), with[i + core.len()..].to_vec()))
}

impl Pipeline {
    /// Starts building from the tokenizer.json text (per `mode`).
    pub fn start(json: &[u8], mode: Mode) -> Option<Arc<Pipeline>> {
        if mode == Mode::Off {
            return None;
        }
        let pipeline = Arc::new(Pipeline { file_len: json.len(), ..Default::default() });
        let text = String::from_utf8(json.to_vec()).ok()?;
        match mode {
            Mode::Sync => pipeline.build(&text, mode),
            _ => {
                let target = Arc::clone(&pipeline);
                std::thread::Builder::new()
                    .name("ferrotok-pipeline".into())
                    .spawn(move || target.build(&text, mode))
                    .ok()?;
            }
        }
        Some(pipeline)
    }

    fn build(&self, text: &str, mode: Mode) {
        // A panic inside the crate on an odd file must not take the process down: the
        // pipeline then just never becomes ready.
        let built = std::panic::catch_unwind(|| {
            let canon = tk1::canonicalize_str(text).ok()?;
            let split = match std::env::var_os("FERROTOK_NO_FAST") {
                None => Split::build(&canon),
                Some(_) => None,
            };
            let (full, json) = match split {
                Some(_) => (OnceLock::new(), Some(canon.into_boxed_str())),
                None => (OnceLock::from(Some(tk1::from_json(&canon).ok()?)), None),
            };
            Some(Built { full, split, json, full_started: AtomicBool::new(false), mode })
        })
        .ok()
        .flatten();
        let _ = self.built.set(built);
    }

    /// Whether the pipeline is built (and accepted the file).
    pub fn is_ready(&self) -> bool {
        self.built.get().is_some_and(Option::is_some)
    }

    /// Whether text without added tokens skips the pipeline's charsmap step (`Split`).
    pub fn splits_charsmap(&self) -> bool {
        self.built.get().and_then(Option::as_ref).is_some_and(|b| b.split.is_some())
    }

    /// Whether the pipeline is ready for a text of `len` bytes: while it is building, a text
    /// long enough that the 0.23 path would take longer than the rest of the build waits for
    /// it. The 0.23 path reads these models at 1.5–8 MB/s and the build reads its file at
    /// ~25 MB/s, so the line is a tenth of the file (a 130 KB text for a 1.3 MB file); the
    /// bench's first documents took the 0.23 path at 2 MB/s before.
    pub fn ready_for(&self, len: usize) -> bool {
        if self.is_ready() || self.settled() || len.saturating_mul(10) < self.file_len {
            return self.is_ready();
        }
        self.built.wait();
        self.is_ready()
    }

    /// Whether the build finished (successfully or not).
    pub fn settled(&self) -> bool {
        self.built.get().is_some()
    }

    /// Blocks until the build has finished (tests; `FERROTOK_PIPELINE=sync` does it at load).
    pub fn wait(&self) {
        self.built.wait();
    }

    /// `text`'s ids appended to `out` (no truncation, no padding: what `encode_ids` gives);
    /// `plain`: special tokens' text is ordinary text. None when the pipeline is not ready or
    /// failed on this input (the caller takes the 0.23 path).
    pub fn ids_into(
        self: &Arc<Self>,
        text: &str,
        add_special_tokens: bool,
        plain: bool,
        out: &mut Vec<u32>,
    ) -> Option<()> {
        let built = self.built.get()?.as_ref()?;
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
            let encode = || {
                if built.encode_into(text, &opts, tokens).is_some() {
                    return Some(());
                }
                tokens.clear();
                self.full_encode_into(text, &opts, tokens)
            };
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(encode)).ok()??;
            out.extend(tokens.iter().map(|t| t.id()));
            if tokens.capacity() > 1 << 20 {
                *tokens = Vec::new();
            }
            Some(())
        })
    }

    /// `text` through the whole pipeline; None while it is not built. Its build starts with the
    /// first text that needs it: on a background thread, or on this one for a text that
    /// `ready_for` would wait for (which also waits for a build another thread started).
    fn full_encode_into(
        self: &Arc<Self>,
        text: &str,
        opts: &EncodeOptions,
        tokens: &mut Vec<PipelineToken>,
    ) -> Option<()> {
        let built = self.built.get()?.as_ref()?;
        let long = built.mode == Mode::Sync || text.len().saturating_mul(10) >= self.file_len;
        if built.full.get().is_none() {
            if !built.full_started.swap(true, Ordering::AcqRel) {
                let me = Arc::clone(self);
                let build = move || {
                    let Some(Some(built)) = me.built.get() else { return };
                    let full = built
                        .json
                        .as_deref()
                        .and_then(|json| std::panic::catch_unwind(|| tk1::from_json(json).ok()).ok().flatten());
                    let _ = built.full.set(full);
                };
                match long {
                    true => build(),
                    false => drop(std::thread::Builder::new().name("ferrotok-pipeline".into()).spawn(build)),
                }
            } else if long {
                built.full.wait();
            }
        }
        built.full.get()?.as_ref()?.encode_into(text, opts, tokens).ok()
    }
}

impl Built {
    /// `text` through the split pipeline when that gives the whole one's ids; None otherwise.
    fn encode_into(&self, text: &str, opts: &EncodeOptions, tokens: &mut Vec<PipelineToken>) -> Option<()> {
        let split = self.split.as_ref()?;
        if split.has_added(text, opts.encode_special_tokens) {
            return split.encode_pieces(text, opts, tokens);
        }
        let normalized = split.normalizer.normalize(text);
        if split.has_added(&normalized, opts.encode_special_tokens) {
            return None;
        }
        split.rest.encode_into(&normalized, opts, tokens).ok()
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Vec<PipelineToken>> = const { std::cell::RefCell::new(Vec::new()) };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(tok: &PipelineTokenizer, text: &str, opts: &EncodeOptions) -> Vec<u32> {
        let mut tokens = Vec::new();
        tok.encode_into(text, opts, &mut tokens).unwrap();
        tokens.iter().map(|t| t.id()).collect()
    }

    #[test]
    fn the_charsmap_pass_gives_the_whole_pipelines_ids() {
        let json = std::fs::read(crate::testing::shared("models/unigram-spm16k/tokenizer.json")).unwrap();
        let reference = tk1::from_json(&tk1::canonicalize_str(std::str::from_utf8(&json).unwrap()).unwrap()).unwrap();
        let pipeline = Pipeline::start(&json, Mode::Sync).unwrap();
        assert!(pipeline.splits_charsmap());
        let built = pipeline.built.get().unwrap().as_ref().unwrap();
        let split = built.split.as_ref().unwrap();
        assert_eq!(split.affixes, Some((vec![], vec![1])), "T5-style: `$A </s>`, `</s>` is 1");
        let mut docs = crate::testing::long_docs();
        docs.truncate(3);
        let plain = ["ＦＵＬＬ　ｗｉｄｔｈ ①", "e\u{301}\u{302} ﬁ", ""];
        // Added tokens written out go piece by piece; those the charsmap makes from
        // full-width forms go to the whole pipeline, built when the first of them comes.
        let pieces = ["a </s> b", "<pad>", "</s></s> x </s>", " <unk>\u{301}", "<s>"];
        let whole = ["＜ｕｎｋ＞", "x＜／ｓ＞y"];
        let mut seen_whole = false;
        for add_special_tokens in [true, false] {
            for encode_special_tokens in [true, false] {
                let opts = EncodeOptions {
                    add_special_tokens,
                    encode_special_tokens,
                    padding: Override::Off,
                    truncation: Override::Off,
                };
                for text in docs.iter().map(String::as_str).chain(plain).chain(pieces).chain(whole) {
                    let mut got = Vec::new();
                    pipeline.ids_into(text, add_special_tokens, encode_special_tokens, &mut got).unwrap();
                    assert_eq!(got, ids(&reference, text, &opts), "{:?}", &text[..text.len().min(40)]);
                    // With special tokens as plain text, `<unk>` made by the charsmap is text too.
                    seen_whole |= whole.contains(&text) && !encode_special_tokens;
                    assert_eq!(built.full.get().is_some(), seen_whole, "{:?}", &text[..text.len().min(40)]);
                }
            }
        }
        // The charsmap turns these into `<unk>` and `</s>`: the split pipeline alone would
        // read them as the added tokens, which the whole one does not.
        let opts = EncodeOptions::default();
        for text in ["＜ｕｎｋ＞", "x＜／ｓ＞y"] {
            assert!(split.has_added(&split.normalizer.normalize(text), false), "{text}");
            assert_ne!(ids(&split.rest, &split.normalizer.normalize(text), &opts), ids(&reference, text, &opts));
        }
    }
}
