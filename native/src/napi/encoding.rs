//! Encodings handed to JS. The Rust `Encoding` stays on the Rust side; JS pulls each field
//! once, on first access (lib/encoding.ts caches it), so a caller who reads only `ids` never
//! pays for token strings or offsets. Numbers cross as typed arrays that take ownership of a
//! Vec (no per-element copy).

use crate::batch;
use crate::engine::{Engine, Lean};
use crate::error::{Code, Error};
use napi::bindgen_prelude::{BigInt64Array, Int32Array, Uint32Array};
use napi_derive::napi;
use std::sync::Arc;
use tokenizers::Encoding;

use super::error::to_js;

/// One encoding, owned, or a row of a batch (shared, so `BatchEncoding.at(i)` copies nothing).
// `Owned` is the result of every single `encode` from JS: boxing it would add an allocation
// to each call, while the ~240 bytes a `Row` leaves unused sit inside the JS object's own
// allocation (one per `at(i)`, short-lived).
#[allow(clippy::large_enum_variant)]
enum Source {
    Owned(Encoding),
    Row(Arc<Vec<Encoding>>, usize),
    /// One text's encoding in columns (engine/lean.rs), with the engine that spells its tokens.
    Lean(Lean, Arc<Engine>),
}

/// Where token strings come from: the Encoding itself, or — when the engine elided them
/// (token_strings.rs) — the engine, on the first `tokens()`.
pub type Strings = Option<Arc<Engine>>;

#[napi]
pub struct NativeEncoding {
    source: Source,
    strings: Strings,
}

impl NativeEncoding {
    pub fn new(inner: Encoding, strings: Strings) -> Self {
        NativeEncoding { source: Source::Owned(inner), strings }
    }

    pub fn lean(lean: Lean, engine: Arc<Engine>) -> Self {
        NativeEncoding { source: Source::Lean(lean, engine), strings: None }
    }

    /// The crate Encoding, or the lean one.
    fn enc(&self) -> Result<&Encoding, &Lean> {
        match &self.source {
            Source::Owned(e) => Ok(e),
            Source::Row(rows, i) => Ok(&rows[*i]),
            Source::Lean(lean, _) => Err(lean),
        }
    }
}

#[napi]
impl NativeEncoding {
    #[napi(getter)]
    pub fn length(&self) -> u32 {
        match self.enc() {
            Ok(e) => e.len() as u32,
            Err(lean) => lean.len() as u32,
        }
    }

    #[napi]
    pub fn ids(&self) -> Uint32Array {
        match self.enc() {
            Ok(e) => e.get_ids().to_vec().into(),
            Err(lean) => lean.ids.clone().into(),
        }
    }

    #[napi]
    pub fn type_ids(&self) -> Uint32Array {
        match self.enc() {
            Ok(e) => e.get_type_ids().to_vec().into(),
            Err(lean) => lean.type_ids().into(),
        }
    }

    #[napi]
    pub fn attention_mask(&self) -> Uint32Array {
        match self.enc() {
            Ok(e) => e.get_attention_mask().to_vec().into(),
            Err(lean) => lean.attention_mask().into(),
        }
    }

    #[napi]
    pub fn special_tokens_mask(&self) -> Uint32Array {
        match self.enc() {
            Ok(e) => e.get_special_tokens_mask().to_vec().into(),
            Err(lean) => lean.special_tokens_mask().into(),
        }
    }

    #[napi]
    pub fn tokens(&self) -> Vec<String> {
        match (&self.source, self.enc()) {
            (Source::Lean(lean, engine), _) => lean.tokens(|id| engine.model_token(id).unwrap_or_default().to_string()),
            (_, Ok(e)) => match &self.strings {
                Some(engine) => engine.token_strings(e),
                None => e.get_tokens().to_vec(),
            },
            (_, Err(_)) => Vec::new(),
        }
    }

    /// `[start0, end0, start1, end1, …]` in UTF-16 code units of the input that token came from.
    #[napi]
    pub fn offsets(&self) -> Uint32Array {
        match self.enc() {
            Ok(e) => e.get_offsets().iter().flat_map(|&(s, e)| [s as u32, e as u32]).collect::<Vec<u32>>().into(),
            Err(lean) => lean.offsets.clone().into(),
        }
    }

    /// -1 where a token belongs to no word (special tokens, padding).
    #[napi]
    pub fn word_ids(&self) -> Int32Array {
        match self.enc() {
            Ok(e) => e.get_word_ids().iter().map(|w| w.map_or(-1, |w| w as i32)).collect::<Vec<i32>>().into(),
            Err(lean) => lean.words.clone().into(),
        }
    }

    /// -1 where a token belongs to no input sequence.
    #[napi]
    pub fn sequence_ids(&self) -> Int32Array {
        match self.enc() {
            Ok(e) => e.get_sequence_ids().iter().map(|s| s.map_or(-1, |s| s as i32)).collect::<Vec<i32>>().into(),
            Err(lean) => lean.sequence_ids().into(),
        }
    }

    #[napi]
    pub fn overflowing(&self) -> Vec<NativeEncoding> {
        match self.enc() {
            Ok(e) => {
                e.get_overflowing().iter().cloned().map(|e| NativeEncoding::new(e, self.strings.clone())).collect()
            }
            Err(_) => Vec::new(),
        }
    }
}

#[napi]
pub struct NativeBatch {
    rows: Arc<Vec<Encoding>>,
    seq_len: Option<usize>,
    strings: Strings,
}

impl NativeBatch {
    pub fn new(rows: Vec<Encoding>, strings: Strings) -> Self {
        let seq_len = batch::common_length(&rows);
        NativeBatch { rows: Arc::new(rows), seq_len, strings }
    }

    fn check_rectangular(&self) -> napi::Result<()> {
        match self.seq_len {
            Some(_) => Ok(()),
            None => Err(to_js(Error::new(
                Code::InvalidArgument,
                "rows have different lengths, so there is no [batch, seqLen] tensor; encode with padding: { strategy: 'longest' } (or 'max_length')",
            ))),
        }
    }

    fn flat(&self, field: impl Fn(&Encoding) -> &[u32]) -> napi::Result<Uint32Array> {
        self.check_rectangular()?;
        Ok(batch::flatten(&self.rows, field).into())
    }

    /// The same buffer widened to i64 in one pass, for models whose inputs are int64: no
    /// per-element BigInt work in JS.
    fn flat_i64(&self, field: impl Fn(&Encoding) -> &[u32]) -> napi::Result<BigInt64Array> {
        self.check_rectangular()?;
        let flat: Vec<i64> = self.rows.iter().flat_map(|r| field(r).iter().map(|&x| i64::from(x))).collect();
        Ok(flat.into())
    }
}

#[napi]
impl NativeBatch {
    #[napi(getter)]
    pub fn length(&self) -> u32 {
        self.rows.len() as u32
    }

    /// Length shared by every row, or null when rows differ (an unpadded batch).
    #[napi(getter)]
    pub fn seq_len(&self) -> Option<u32> {
        self.seq_len.map(|n| n as u32)
    }

    #[napi]
    pub fn row(&self, index: u32) -> napi::Result<NativeEncoding> {
        match self.rows.get(index as usize) {
            Some(_) => Ok(NativeEncoding {
                source: Source::Row(self.rows.clone(), index as usize),
                strings: self.strings.clone(),
            }),
            None => Err(to_js(Error::invalid_argument(format!(
                "row index {index} is out of range for a batch of {}",
                self.rows.len()
            )))),
        }
    }

    /// Where each row starts in a `column`, then where the last one ends (`length + 1` numbers).
    #[napi]
    pub fn row_starts(&self) -> Uint32Array {
        let mut starts = Vec::with_capacity(self.rows.len() + 1);
        starts.push(0u32);
        for row in self.rows.iter() {
            starts.push(starts[starts.len() - 1] + row.len() as u32);
        }
        starts.into()
    }

    /// One field of every row end to end, rows of any length: row i is
    /// `[rowStarts[i], rowStarts[i + 1])`. JS slices its rows from it, so reading every row's
    /// ids costs one native call and one buffer for the batch, not a wrapped object and an
    /// external buffer per row.
    #[napi]
    pub fn column(&self, field: String) -> napi::Result<Uint32Array> {
        let get: fn(&Encoding) -> &[u32] = match field.as_str() {
            "ids" => Encoding::get_ids,
            "type_ids" => Encoding::get_type_ids,
            "attention_mask" => Encoding::get_attention_mask,
            "special_tokens_mask" => Encoding::get_special_tokens_mask,
            other => {
                return Err(to_js(Error::invalid_argument(format!(
                    "unknown field '{other}': expected ids, type_ids, attention_mask or special_tokens_mask"
                ))))
            }
        };
        Ok(batch::flatten(&self.rows, get).into())
    }

    #[napi]
    pub fn input_ids(&self) -> napi::Result<Uint32Array> {
        self.flat(Encoding::get_ids)
    }

    #[napi]
    pub fn attention_mask(&self) -> napi::Result<Uint32Array> {
        self.flat(Encoding::get_attention_mask)
    }

    #[napi]
    pub fn type_ids(&self) -> napi::Result<Uint32Array> {
        self.flat(Encoding::get_type_ids)
    }

    #[napi]
    pub fn special_tokens_mask(&self) -> napi::Result<Uint32Array> {
        self.flat(Encoding::get_special_tokens_mask)
    }

    /// `inputIds`, `attentionMask` or `typeIds` as int64, for ONNX feeds.
    #[napi]
    pub fn field_i64(&self, field: String) -> napi::Result<BigInt64Array> {
        match field.as_str() {
            "input_ids" => self.flat_i64(Encoding::get_ids),
            "attention_mask" => self.flat_i64(Encoding::get_attention_mask),
            "token_type_ids" => self.flat_i64(Encoding::get_type_ids),
            other => Err(to_js(Error::invalid_argument(format!(
                "unknown field '{other}': expected input_ids, attention_mask or token_type_ids"
            )))),
        }
    }
}
