//! Python behaviour minijinja does not have on its own, where real chat templates (or the
//! goldens from transformers) show it matters:
//!
//! - Output: Jinja prints values with Python's `str()`: `1e+20`, `['a', 1]`, `{'k': None}`.
//!   minijinja prints floats positionally and sequences JSON-style. `format` (the environment's
//!   formatter) and the `string` filter write Python's form.
//! - `length`/`count` of an undefined value is 0 in Jinja (an error in minijinja).
//! - String methods missing from minijinja-contrib's pycompat: `rsplit`, `removeprefix`,
//!   `removesuffix`; filter `wordcount`.
//!
//! Not reproduced (test/chat.test.ts lists them): tuples (`dictsort`, `items` print as lists),
//! Jinja's `escape` entity spelling, `dict.fromkeys`, the `callable` test, the sandbox's
//! refusal of underscore attributes on namespaces.

use super::pyjson::py_float;
use minijinja::value::{from_args, ValueKind};
use minijinja::{Error, ErrorKind, Output, State, Value};
use std::fmt::Write;

/// The environment's formatter: what `{{ value }}` writes.
pub fn format(out: &mut Output, _state: &mut State, value: &Value) -> Result<(), Error> {
    out.write_str(&py_str(value)).map_err(|_| Error::new(ErrorKind::WriteFailure, "formatting output"))
}

/// Python's `str(value)`.
pub fn py_str(value: &Value) -> String {
    match value.kind() {
        ValueKind::Undefined => String::new(),
        ValueKind::String => value.as_str().unwrap_or_default().to_string(),
        _ => py_repr(value),
    }
}

/// Python's `repr(value)` for the JSON-like values templates hold.
pub fn py_repr(value: &Value) -> String {
    let mut out = String::new();
    write_repr(&mut out, value, 0);
    out
}

fn write_repr(out: &mut String, value: &Value, depth: usize) {
    if depth > 256 {
        out.push_str("...");
        return;
    }
    match value.kind() {
        ValueKind::Undefined => {}
        ValueKind::None => out.push_str("None"),
        ValueKind::Bool => out.push_str(if value.is_true() { "True" } else { "False" }),
        ValueKind::Number if value.is_integer() => {
            let _ = write!(out, "{value}");
        }
        ValueKind::Number => out.push_str(&py_float(f64::try_from(value.clone()).unwrap_or(f64::NAN))),
        ValueKind::String => write_str_repr(out, value.as_str().unwrap_or_default()),
        ValueKind::Seq | ValueKind::Iterable => {
            write_joined(out, ('[', ']'), value, |out, item| write_repr(out, item, depth + 1))
        }
        ValueKind::Map => write_joined(out, ('{', '}'), value, |out, key| {
            write_repr(out, key, depth + 1);
            out.push_str(": ");
            write_repr(out, &value.get_item(key).unwrap_or_default(), depth + 1);
        }),
        _ => {
            let _ = write!(out, "{value}");
        }
    }
}

/// `value`'s items (a sequence's elements, a map's keys) written by `item`, comma-separated
/// between `brackets`, as Python's list and dict reprs are.
fn write_joined(out: &mut String, brackets: (char, char), value: &Value, mut item: impl FnMut(&mut String, &Value)) {
    out.push(brackets.0);
    if let Ok(items) = value.try_iter() {
        for (i, v) in items.enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            item(out, &v);
        }
    }
    out.push(brackets.1);
}

/// Python's string repr: single quotes unless the text has `'` and no `"`.
fn write_str_repr(out: &mut String, s: &str) {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

/// `length` / `count`: 0 for undefined, as Jinja's `len(Undefined)`.
pub fn length(value: &Value) -> Result<usize, Error> {
    if value.is_undefined() {
        return Ok(0);
    }
    value.len().ok_or_else(|| {
        Error::new(ErrorKind::InvalidOperation, format!("cannot calculate length of value of type {}", value.kind()))
    })
}

/// The `string` filter: Python's `str()`.
pub fn string(value: &Value) -> Value {
    if value.kind() == ValueKind::String {
        return value.clone();
    }
    Value::from(py_str(value))
}

/// Jinja's `wordcount`: runs of word characters.
pub fn wordcount(s: &str) -> usize {
    let mut n = 0;
    let mut in_word = false;
    for c in s.chars() {
        let w = c.is_alphanumeric() || c == '_';
        if w && !in_word {
            n += 1;
        }
        in_word = w;
    }
    n
}

/// Jinja's `truncate(s, length=255, killwords=False, end='...', leeway=5)`, in characters.
pub fn truncate(
    s: &str,
    length: Option<usize>,
    killwords: Option<bool>,
    end: Option<&str>,
    leeway: Option<usize>,
) -> String {
    let (length, end, leeway) = (length.unwrap_or(255), end.unwrap_or("..."), leeway.unwrap_or(5));
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= length + leeway {
        return s.to_string();
    }
    let keep: String = chars[..length.saturating_sub(end.chars().count())].iter().collect();
    if killwords.unwrap_or(false) {
        return keep + end;
    }
    let cut = keep.rsplit_once(' ').map_or(keep.as_str(), |(head, _)| head);
    format!("{cut}{end}")
}

/// Jinja's `round(value, precision=0, method='common')`: 'common' is Python's `round`,
/// half-to-even on the exact binary value (so `1.555|round(2)` is 1.55 and `2.5|round` 2.0).
/// Rust's `{:.N}` formatting rounds the same way; the result is parsed back.
pub fn round(value: f64, precision: Option<i32>, method: Option<&str>) -> Result<Value, Error> {
    let p = precision.unwrap_or(0);
    let scale = 10f64.powi(p);
    let rounded = match method.unwrap_or("common") {
        "common" if p >= 0 => format!("{value:.*}", p as usize).parse::<f64>().unwrap_or(value),
        "common" => (value * scale).round_ties_even() / scale,
        "ceil" => (value * scale).ceil() / scale,
        "floor" => (value * scale).floor() / scale,
        other => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("round: method must be common, ceil or floor, not {other:?}"),
            ))
        }
    };
    Ok(Value::from(rounded))
}

/// Jinja's `sequence` test: anything with a length and items — strings and mappings too.
pub fn is_sequence(value: &Value) -> bool {
    matches!(value.kind(), ValueKind::String | ValueKind::Seq | ValueKind::Map)
}

/// Jinja's `number` test: Python's bool is an int, so `true is number`.
pub fn is_number(value: &Value) -> bool {
    matches!(value.kind(), ValueKind::Number | ValueKind::Bool)
}

/// Jinja's `callable` test: functions and macros.
pub fn is_callable(value: &Value) -> bool {
    value.kind() == ValueKind::Plain && value.as_object().is_some()
}

/// minijinja-contrib's pycompat, plus the string methods it lacks.
pub fn unknown_method(state: &mut State, value: &Value, method: &str, args: &[Value]) -> Result<Value, Error> {
    if let Some(s) = value.as_str() {
        match method {
            "rsplit" => {
                let (sep, maxsplit): (Option<&str>, Option<i64>) = from_args(args)?;
                if sep == Some("") {
                    return Err(Error::new(ErrorKind::InvalidOperation, "rsplit: empty separator"));
                }
                return Ok(Value::from(rsplit(s, sep, maxsplit.unwrap_or(-1))));
            }
            "removeprefix" => {
                let (prefix,): (&str,) = from_args(args)?;
                return Ok(Value::from(s.strip_prefix(prefix).unwrap_or(s)));
            }
            "removesuffix" => {
                let (suffix,): (&str,) = from_args(args)?;
                return Ok(Value::from(s.strip_suffix(suffix).unwrap_or(s)));
            }
            _ => {}
        }
    }
    minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args)
}

/// `str.rsplit(sep, maxsplit)`: splits from the right; `None` splits on whitespace runs.
fn rsplit(s: &str, sep: Option<&str>, maxsplit: i64) -> Vec<String> {
    let limit = if maxsplit < 0 { usize::MAX } else { maxsplit as usize };
    let mut parts: Vec<String> = Vec::new();
    match sep {
        Some(sep) => {
            let mut rest = s;
            while parts.len() < limit {
                let Some(at) = rest.rfind(sep) else { break };
                parts.push(rest[at + sep.len()..].to_string());
                rest = &rest[..at];
            }
            parts.push(rest.to_string());
        }
        None => {
            let mut rest = s.trim_end();
            while parts.len() < limit {
                let Some(at) = rest.rfind(char::is_whitespace) else { break };
                let ws = rest[at..].chars().next().map_or(1, char::len_utf8);
                parts.push(rest[at + ws..].to_string());
                rest = rest[..at].trim_end();
            }
            if !rest.trim_start().is_empty() || parts.is_empty() {
                let r = if parts.len() < limit { rest.trim_start() } else { rest };
                if !r.is_empty() {
                    parts.push(r.to_string());
                }
            }
        }
    }
    parts.reverse();
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsplit_like_python() {
        assert_eq!(rsplit("a-b-c", Some("-"), 1), ["a-b", "c"]);
        assert_eq!(rsplit("a-b-c", Some("-"), -1), ["a", "b", "c"]);
        assert_eq!(rsplit("  a b  c ", None, -1), ["a", "b", "c"]);
        assert_eq!(rsplit("  a b  c ", None, 1), ["  a b", "c"]);
    }

    #[test]
    fn repr_like_python() {
        let v: Value = serde_json::from_str(r#"[1, "a", "b'c", "d\"e", null, true, 1.5, {"k": "v"}]"#).unwrap();
        assert_eq!(py_repr(&v), r#"[1, 'a', "b'c", 'd"e', None, True, 1.5, {'k': 'v'}]"#);
        assert_eq!(py_str(&Value::from(1e20)), "1e+20");
    }

    #[test]
    fn wordcount_counts_word_runs() {
        assert_eq!(wordcount("Hello World"), 2);
        assert_eq!(wordcount("  a-b_c, d "), 3);
    }
}
