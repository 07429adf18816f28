//! Fast path == crate path, as one check shared by native/tests/parity.rs and the cargo-fuzz
//! target (native/fuzz/): full encodings (ids, tokens, offsets, word ids, type ids, masks),
//! counts, ids-only encodes and decodes, in every special-token mode; token strings also
//! when elided, then restored (token_strings.rs).

use crate::engine::{CountOptions, EncodeOptions, Engine, Input, SpecialTokens};

/// Every way the two engines must agree on `text`; the first difference, described.
pub fn compare(reference: &Engine, fast: &Engine, text: &str, modes: &[SpecialTokens]) -> Result<(), String> {
    for &special_tokens in modes {
        for add in [true, false] {
            compare_one(reference, fast, text, add, special_tokens).map_err(|what| {
                format!("{what} (add_special_tokens={add}, {special_tokens:?}) on {:?}", preview(text))
            })?;
        }
    }
    Ok(())
}

fn compare_one(
    reference: &Engine,
    fast: &Engine,
    text: &str,
    add: bool,
    special_tokens: SpecialTokens,
) -> Result<(), String> {
    let opts = EncodeOptions { add_special_tokens: add, special_tokens, ..Default::default() };
    let (a, b) = match (reference.encode(Input::from(text), &opts), fast.encode(Input::from(text), &opts)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(a), Err(b)) if a.code == b.code => return Ok(()),
        (a, b) => return Err(format!("one engine failed: reference {:?}, fast {:?}", a.err(), b.err())),
    };
    same("ids", a.get_ids(), b.get_ids())?;
    same("tokens", a.get_tokens(), b.get_tokens())?;
    same("offsets", a.get_offsets(), b.get_offsets())?;
    same("word ids", a.get_word_ids(), b.get_word_ids())?;
    same("type ids", a.get_type_ids(), b.get_type_ids())?;
    same("special tokens mask", a.get_special_tokens_mask(), b.get_special_tokens_mask())?;
    same("attention mask", a.get_attention_mask(), b.get_attention_mask())?;
    let lazy = EncodeOptions { elide_token_strings: true, ..opts };
    let elided = fast.encode(Input::from(text), &lazy).map_err(|e| e.message)?;
    same("ids with token strings elided", a.get_ids(), elided.get_ids())?;
    same("offsets with token strings elided", a.get_offsets(), elided.get_offsets())?;
    let restored = if fast.elides(&lazy) { fast.token_strings(&elided) } else { elided.get_tokens().to_vec() };
    same("restored token strings", a.get_tokens(), &restored)?;
    let count = CountOptions { add_special_tokens: add, special_tokens, ..Default::default() };
    same("count", &[a.len()], &[fast.count_with(text, &count).map_err(|e| e.message)?])?;
    same("encode_ids", a.get_ids(), &fast.encode_ids(text, &count).map_err(|e| e.message)?)?;
    for skip in [false, true] {
        let want = reference.decode(a.get_ids(), skip).map_err(|e| e.message)?;
        let got = fast.decode(a.get_ids(), skip).map_err(|e| e.message)?;
        same(if skip { "decode(skip)" } else { "decode" }, &[want], &[got])?;
    }
    Ok(())
}

fn same<T: PartialEq + std::fmt::Debug>(what: &str, want: &[T], got: &[T]) -> Result<(), String> {
    if want == got {
        return Ok(());
    }
    let at = want.iter().zip(got).position(|(a, b)| a != b).unwrap_or(want.len().min(got.len()));
    Err(format!("{what} differ at {at}: reference {:?}, fast {:?}", want.get(at), got.get(at)))
}

fn preview(text: &str) -> String {
    text.chars().take(80).collect()
}
