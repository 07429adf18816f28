//! Python's `json.dumps`, for the `tojson` filter of chat templates.
//!
//! transformers replaces Jinja's `tojson` with `json.dumps(x, ensure_ascii=False, indent=indent,
//! separators=separators, sort_keys=sort_keys)`: no HTML escaping, `", "`/`": "` separators
//! (`","` after items when indenting), floats as Python's `repr`. minijinja's own `tojson` is
//! compact and HTML-escapes, so a tool schema would render differently — and tokenize to
//! different ids. This module writes what Python writes.

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Error, ErrorKind, Value};
use std::fmt::Write;

/// json.dumps' formatting parameters.
pub struct Style {
    indent: Option<String>,
    item_sep: String,
    key_sep: String,
    sort_keys: bool,
    ensure_ascii: bool,
}

impl Style {
    /// The filter's keyword arguments: `indent` (int or string), `separators` (a pair),
    /// `sort_keys`, `ensure_ascii` — the ones transformers' `tojson` forwards.
    pub fn from_kwargs(kwargs: &Kwargs) -> Result<Style, Error> {
        let indent = match kwargs.get::<Option<Value>>("indent")? {
            None => None,
            Some(v) if v.is_none() => None,
            Some(v) if v.kind() == ValueKind::String => Some(v.as_str().unwrap_or_default().to_string()),
            Some(v) => {
                let n =
                    v.as_usize().ok_or_else(|| invalid("tojson: indent must be a non-negative integer or a string"))?;
                // Python accepts any size; a template asking for more is hostile, not useful.
                Some(" ".repeat(n.min(256)))
            }
        };
        let (item_sep, key_sep) = match kwargs.get::<Option<Vec<String>>>("separators")? {
            Some(pair) if pair.len() == 2 => (pair[0].clone(), pair[1].clone()),
            Some(_) => return Err(invalid("tojson: separators must be a pair of strings")),
            None if indent.is_some() => (",".to_string(), ": ".to_string()),
            None => (", ".to_string(), ": ".to_string()),
        };
        let sort_keys = kwargs.get::<Option<bool>>("sort_keys")?.unwrap_or(false);
        let ensure_ascii = kwargs.get::<Option<bool>>("ensure_ascii")?.unwrap_or(false);
        kwargs.assert_all_used()?;
        Ok(Style { indent, item_sep, key_sep, sort_keys, ensure_ascii })
    }
}

/// `json.dumps(value, ...)` with `style`.
pub fn dumps(value: &Value, style: &Style) -> Result<String, Error> {
    let mut out = String::new();
    write_value(&mut out, value, style, 0)?;
    Ok(out)
}

fn write_value(out: &mut String, value: &Value, style: &Style, depth: usize) -> Result<(), Error> {
    // json.dumps raises RecursionError on deep nesting; a template value cannot be cyclic,
    // but a bound keeps a hostile document from exhausting the stack.
    if depth > 512 {
        return Err(invalid("tojson: value nested too deeply"));
    }
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => out.push_str("null"),
        ValueKind::Bool => out.push_str(if value.is_true() { "true" } else { "false" }),
        ValueKind::Number => write_number(out, value),
        ValueKind::String => write_string(out, value.as_str().unwrap_or_default(), style.ensure_ascii),
        ValueKind::Seq | ValueKind::Iterable => {
            let items: Vec<Value> = value.try_iter()?.collect();
            write_container(out, '[', ']', &items, style, depth, |out, item, style, depth| {
                write_value(out, item, style, depth)
            })?;
        }
        ValueKind::Map => {
            let mut keys: Vec<Value> = value.try_iter()?.collect();
            if style.sort_keys {
                keys.sort_by_cached_key(|k| k.to_string());
            }
            write_container(out, '{', '}', &keys, style, depth, |out, key, style, depth| {
                write_key(out, key, style)?;
                out.push_str(&style.key_sep);
                write_value(out, &value.get_item(key)?, style, depth)
            })?;
        }
        _ => {
            return Err(invalid(format!("tojson: Object of type {} is not JSON serializable", value.kind())));
        }
    }
    Ok(())
}

fn write_container(
    out: &mut String,
    open: char,
    close: char,
    items: &[Value],
    style: &Style,
    depth: usize,
    mut write_item: impl FnMut(&mut String, &Value, &Style, usize) -> Result<(), Error>,
) -> Result<(), Error> {
    out.push(open);
    if items.is_empty() {
        out.push(close);
        return Ok(());
    }
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(&style.item_sep);
        }
        newline(out, style, depth + 1);
        write_item(out, item, style, depth + 1)?;
    }
    newline(out, style, depth);
    out.push(close);
    Ok(())
}

fn newline(out: &mut String, style: &Style, depth: usize) {
    if let Some(indent) = &style.indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(indent);
        }
    }
}

/// Python converts int/float/bool/None keys to strings; anything else is a TypeError.
fn write_key(out: &mut String, key: &Value, style: &Style) -> Result<(), Error> {
    match key.kind() {
        ValueKind::String => write_string(out, key.as_str().unwrap_or_default(), style.ensure_ascii),
        ValueKind::None => out.push_str("\"null\""),
        ValueKind::Bool => out.push_str(if key.is_true() { "\"true\"" } else { "\"false\"" }),
        ValueKind::Number => {
            out.push('"');
            write_number(out, key);
            out.push('"');
        }
        _ => return Err(invalid(format!("tojson: keys must be str, int, float, bool or None, not {}", key.kind()))),
    }
    Ok(())
}

fn write_number(out: &mut String, value: &Value) {
    if value.is_integer() {
        let _ = write!(out, "{value}");
    } else {
        out.push_str(&py_float(f64::try_from(value.clone()).unwrap_or(f64::NAN)));
    }
}

/// Python's `float.__repr__` as json.dumps writes it: the shortest round-trip digits, in
/// positional notation for exponents -4..16 and scientific (`1e-05`, `1.5e+16`) outside.
pub fn py_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    // Rust's `{:e}` gives the same shortest round-trip digits Python uses: `d.ddde±x`.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').expect("{:e} always has an exponent");
    let exp: i32 = exp.parse().expect("{:e} exponent is an integer");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        let body = if exp < 0 {
            format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
        } else if exp + 1 >= n {
            format!("{}{}.0", digits, "0".repeat((exp + 1 - n) as usize))
        } else {
            let (int, frac) = digits.split_at((exp + 1) as usize);
            format!("{int}.{frac}")
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}{frac}e{esign}{:02}", exp.abs())
    }
}

/// A JSON string as Python writes it: `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, other
/// control characters as `\u00XX`; with `ensure_ascii`, every char outside `' '..='~'` as `\uXXXX`
/// (astral ones as a surrogate pair).
fn write_string(out: &mut String, s: &str, ensure_ascii: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            // Python escapes everything outside ' '..='~' (so DEL too) under ensure_ascii.
            c if ensure_ascii && !(' '..='~').contains(&c) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compact() -> Style {
        Style { indent: None, item_sep: ", ".into(), key_sep: ": ".into(), sort_keys: false, ensure_ascii: false }
    }

    fn json(s: &str) -> Value {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn floats_match_python_repr() {
        let cases = [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (123456789012345.6, "123456789012345.6"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (100.0, "100.0"),
        ];
        for (f, want) in cases {
            assert_eq!(py_float(f), want, "{f}");
        }
    }

    #[test]
    fn keeps_key_order_and_python_separators() {
        let v = json(r#"{"z": 1, "a": [true, null, "x"], "m": {}}"#);
        assert_eq!(dumps(&v, &compact()).unwrap(), r#"{"z": 1, "a": [true, null, "x"], "m": {}}"#);
    }

    #[test]
    fn indents_like_python() {
        let v = json(r#"{"a": [1, 2], "b": {"c": []}}"#);
        let style = Style { indent: Some("  ".into()), item_sep: ",".into(), ..compact() };
        assert_eq!(dumps(&v, &style).unwrap(), "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {\n    \"c\": []\n  }\n}");
    }

    #[test]
    fn escapes_like_python_without_ensure_ascii() {
        let v = Value::from("q\"b\\n\n\u{1}é😀<&>'\u{7f}");
        assert_eq!(dumps(&v, &compact()).unwrap(), "\"q\\\"b\\\\n\\n\\u0001é😀<&>'\u{7f}\"");
        let ascii = Style { ensure_ascii: true, ..compact() };
        assert_eq!(dumps(&Value::from("é😀"), &ascii).unwrap(), "\"\\u00e9\\ud83d\\ude00\"");
    }
}
