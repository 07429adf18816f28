//! Corpus records → ids: the Rust half of `encodeCorpus`.
//!
//! JS reads the input files and cuts them into records (raw bytes, never JS strings); here
//! every record is checked (UTF-8, the JSON field), tokenized and framed (BOS/EOS) in
//! parallel, and the batch comes back flat. A record that is not a document is reported with
//! its index and the reason, never dropped silently; JS applies the `--on-error` policy.

use crate::batch::{map_rows, Threads};
use crate::engine::{CountOptions, Engine};
use crate::error::{Code, Error, Result};
use std::sync::atomic::{AtomicBool, Ordering};

/// Where a record's document text is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    /// The record is the text.
    Whole,
    /// The record is a JSON object; the text is the string at this key path (`a.b` → [a, b]).
    Json(Vec<String>),
}

#[derive(Clone, Debug)]
pub struct RecordOptions {
    pub count: CountOptions,
    pub field: Field,
    /// The records are the lines of the data (`\n`, a `\r` before it dropped; empty lines are
    /// counted, not records) instead of the ranges `ends` gives. JS then hands over whole read
    /// chunks, cut at a line end, and does no per-line work.
    pub lines: bool,
    /// Ids put before / after every document's own ids (BOS / EOS).
    pub prepend: Vec<u32>,
    pub append: Vec<u32>,
}

/// Why a record is not a document. The numbers cross to JS (lib/corpus/faults.ts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Fault {
    InvalidUtf8 = 1,
    InvalidJson = 2,
    MissingField = 3,
    NotAString = 4,
    Empty = 5,
    TooLarge = 6,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// The record's index in the batch.
    pub index: u32,
    /// Its line in the batch, 0-based (in lines mode; else its index again).
    pub line: u32,
    pub fault: Fault,
    /// Specifics, e.g. serde_json's message with its column.
    pub detail: String,
}

/// A batch's documents, flat: `lengths[i]` ids of record i follow record i − 1's in `ids`;
/// a rejected record has length 0 and an entry in `rejected`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RecordIds {
    pub ids: Vec<u32>,
    pub lengths: Vec<u32>,
    pub rejected: Vec<Rejected>,
    /// Lines mode: lines in the data, and how many of them were empty.
    pub lines: u32,
    pub blank_lines: u32,
}

/// The longest record; a longer line is rejected as `TooLarge` (lib/corpus/records.ts
/// MAX_RECORD_BYTES, the same bound).
pub const MAX_RECORD_BYTES: usize = 256 << 20;

/// Records per parallel task: enough bytes that a task outweighs its scheduling, few enough
/// that two threads stay balanced on a batch of a few MB.
const TASK_BYTES: usize = 128 << 10;

/// Encodes the records `data[ends[i-1]..ends[i]]` (`ends` is cumulative, starting after
/// record 0), in order, on `threads`. `cancel` is checked before every task.
pub fn encode_records(
    engine: &Engine,
    data: &[u8],
    ends: &[u32],
    opts: &RecordOptions,
    threads: Threads,
    cancel: Option<&AtomicBool>,
) -> Result<RecordIds> {
    let (records, line_of, blank) = if opts.lines {
        line_ranges(data)
    } else {
        let r = record_ranges(data.len(), ends)?;
        let line_of = (0..r.len() as u32).collect();
        (r, line_of, 0)
    };
    let tasks = tasks(&records);
    let parts = map_rows(threads, &tasks, |&(first, last)| {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(Error::new(Code::Aborted, "the corpus batch was aborted"));
        }
        let mut out = RecordIds::default();
        for (i, &(s, e)) in records[first..last].iter().enumerate() {
            let at = (first + i) as u32;
            encode_record(engine, &data[s..e], (at, line_of[first + i]), opts, &mut out)?;
        }
        Ok(out)
    })?;
    let mut out = join(parts);
    if opts.lines {
        out.lines = (records.len() as u32) + blank;
        out.blank_lines = blank;
    }
    Ok(out)
}

/// The non-empty lines of `data` as byte ranges (without `\n` and a `\r` before it), each
/// with its 0-based line number, and the count of empty lines. A last line without `\n`
/// counts as a line.
fn line_ranges(data: &[u8]) -> (Vec<(usize, usize)>, Vec<u32>, u32) {
    let mut ranges = Vec::new();
    let mut line_of = Vec::new();
    let mut blank = 0u32;
    let mut start = 0usize;
    let mut line = 0u32;
    let mut push = |s: usize, mut e: usize, line: u32| {
        if e > s && data[e - 1] == b'\r' {
            e -= 1;
        }
        if e == s {
            blank += 1;
        } else {
            ranges.push((s, e));
            line_of.push(line);
        }
    };
    for nl in memchr::memchr_iter(b'\n', data) {
        push(start, nl, line);
        line += 1;
        start = nl + 1;
    }
    if start < data.len() {
        push(start, data.len(), line);
    }
    (ranges, line_of, blank)
}

/// `ends` → byte ranges, checked: ascending and within `data`.
fn record_ranges(len: usize, ends: &[u32]) -> Result<Vec<(usize, usize)>> {
    let mut start = 0usize;
    let mut out = Vec::with_capacity(ends.len());
    for &end in ends {
        let end = end as usize;
        if end < start || end > len {
            return Err(Error::invalid_argument(format!(
                "record ends must ascend within the data ({len} bytes); got {end} after {start}"
            )));
        }
        out.push((start, end));
        start = end;
    }
    Ok(out)
}

/// Consecutive record index ranges of about `TASK_BYTES` each.
fn tasks(records: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (mut first, mut bytes) = (0, 0);
    for (i, &(s, e)) in records.iter().enumerate() {
        bytes += e - s;
        if bytes >= TASK_BYTES {
            out.push((first, i + 1));
            (first, bytes) = (i + 1, 0);
        }
    }
    if first < records.len() {
        out.push((first, records.len()));
    }
    out
}

fn encode_record(
    engine: &Engine,
    raw: &[u8],
    (index, line): (u32, u32),
    opts: &RecordOptions,
    out: &mut RecordIds,
) -> Result<()> {
    let text = match document_text(raw, &opts.field) {
        Ok(t) => t,
        Err((fault, detail)) => {
            out.lengths.push(0);
            out.rejected.push(Rejected { index, line, fault, detail });
            return Ok(());
        }
    };
    let before = out.ids.len();
    out.ids.extend_from_slice(&opts.prepend);
    let own = out.ids.len();
    engine.extend_ids(&text, &opts.count, &mut out.ids)?;
    // A text with no tokens (only whitespace, for some models) stays an empty document, as
    // Megatron's preprocess_data.py keeps it: no BOS/EOS around nothing.
    if out.ids.len() == own {
        out.ids.truncate(before);
    } else {
        out.ids.extend_from_slice(&opts.append);
    }
    let n = out.ids.len() - before;
    out.lengths.push(u32::try_from(n).map_err(|_| Error::new(Code::InputTooLarge, "a document has over 2^32 tokens"))?);
    Ok(())
}

type Refusal = (Fault, String);

/// The document a record holds, or why it holds none.
fn document_text<'a>(raw: &'a [u8], field: &Field) -> std::result::Result<std::borrow::Cow<'a, str>, Refusal> {
    if raw.len() > MAX_RECORD_BYTES {
        return Err((Fault::TooLarge, format!("the record is over {MAX_RECORD_BYTES} bytes")));
    }
    let text = simdutf8::compat::from_utf8(raw)
        .map_err(|e| (Fault::InvalidUtf8, format!("invalid UTF-8 at byte {}", e.valid_up_to())))?;
    let doc = match field {
        Field::Whole => std::borrow::Cow::Borrowed(text),
        Field::Json(path) => std::borrow::Cow::Owned(json_field(text, path)?),
    };
    if doc.is_empty() {
        return Err((Fault::Empty, String::from("the document is empty")));
    }
    Ok(doc)
}

fn json_field(line: &str, path: &[String]) -> std::result::Result<String, Refusal> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| (Fault::InvalidJson, e.to_string()))?;
    let mut at = &value;
    for (depth, key) in path.iter().enumerate() {
        at = at.get(key).ok_or_else(|| (Fault::MissingField, format!("no field `{}`", path[..=depth].join("."))))?;
    }
    match at {
        serde_json::Value::String(s) => Ok(s.clone()),
        other => Err((Fault::NotAString, format!("field `{}` is {}, not a string", path.join("."), kind(other)))),
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Tasks' results in order → one batch; rejected indices are already batch-global.
fn join(parts: Vec<RecordIds>) -> RecordIds {
    let mut out = RecordIds {
        ids: Vec::with_capacity(parts.iter().map(|p| p.ids.len()).sum()),
        lengths: Vec::with_capacity(parts.iter().map(|p| p.lengths.len()).sum()),
        ..RecordIds::default()
    };
    for p in parts {
        out.ids.extend_from_slice(&p.ids);
        out.lengths.extend_from_slice(&p.lengths);
        out.rejected.extend(p.rejected);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load;

    fn engine() -> Engine {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        load::from_path(&root.join("models/default/tokenizer.json")).expect("the embedded default loads")
    }

    fn opts(field: Field) -> RecordOptions {
        RecordOptions {
            count: CountOptions { add_special_tokens: false, ..Default::default() },
            field,
            lines: false,
            prepend: vec![],
            append: vec![],
        }
    }

    fn batch(records: &[&[u8]]) -> (Vec<u8>, Vec<u32>) {
        let mut data = Vec::new();
        let mut ends = Vec::new();
        for r in records {
            data.extend_from_slice(r);
            ends.push(data.len() as u32);
        }
        (data, ends)
    }

    #[test]
    fn documents_match_encode_ids_and_keep_order_on_any_thread_count() {
        let e = engine();
        let docs: Vec<String> =
            (0..2000).map(|i| format!("document {i}: the quick brown fox {}", "é".repeat(i % 7))).collect();
        let (data, ends) = batch(&docs.iter().map(|d| d.as_bytes()).collect::<Vec<_>>());
        let o = opts(Field::Whole);
        let one = encode_records(&e, &data, &ends, &o, Threads::Current, None).unwrap();
        let two = encode_records(&e, &data, &ends, &o, Threads::Pool(2), None).unwrap();
        assert_eq!(one, two);
        let mut at = 0;
        for (d, &n) in docs.iter().zip(&one.lengths) {
            assert_eq!(one.ids[at..at + n as usize], e.encode_ids(d, &o.count).unwrap()[..]);
            at += n as usize;
        }
        assert_eq!(at, one.ids.len());
    }

    #[test]
    fn json_fields_and_every_fault_are_reported_in_place() {
        let e = engine();
        let records: [&[u8]; 7] = [
            br#"{"meta":{"text":"Hello"}}"#,
            b"{not json",
            br#"{"meta":{}}"#,
            br#"{"meta":{"text":5}}"#,
            br#"{"meta":{"text":""}}"#,
            b"\xff\xfe",
            br#"{"meta":{"text":"world"}}"#,
        ];
        let (data, ends) = batch(&records);
        let mut o = opts(Field::Json(vec!["meta".into(), "text".into()]));
        o.append = vec![7];
        let r = encode_records(&e, &data, &ends, &o, Threads::Current, None).unwrap();
        let faults: Vec<(u32, Fault)> = r.rejected.iter().map(|x| (x.index, x.fault)).collect();
        assert_eq!(
            faults,
            [
                (1, Fault::InvalidJson),
                (2, Fault::MissingField),
                (3, Fault::NotAString),
                (4, Fault::Empty),
                (5, Fault::InvalidUtf8)
            ]
        );
        assert_eq!(r.rejected[1].detail, "no field `meta.text`");
        let hello = e.encode_ids("Hello", &o.count).unwrap();
        assert_eq!(r.lengths[0] as usize, hello.len() + 1);
        assert_eq!(&r.lengths[1..6], &[0, 0, 0, 0, 0]);
        assert_eq!(r.ids[..hello.len()], hello[..]);
        assert_eq!(r.ids[hello.len()], 7);
    }

    #[test]
    fn lines_mode_splits_skips_empty_lines_and_numbers_faults_by_line() {
        let e = engine();
        let mut o = opts(Field::Json(vec!["text".into()]));
        o.lines = true;
        let data = b"{\"text\":\"a b\"}\r\n\n{broken\n\n{\"text\":\"c\"}";
        let r = encode_records(&e, data, &[], &o, Threads::Current, None).unwrap();
        assert_eq!((r.lines, r.blank_lines), (5, 2));
        assert_eq!(r.lengths.len(), 3);
        assert_eq!(r.rejected.len(), 1);
        assert_eq!((r.rejected[0].index, r.rejected[0].line, r.rejected[0].fault), (1, 2, Fault::InvalidJson));
        let ab = e.encode_ids("a b", &o.count).unwrap();
        let c = e.encode_ids("c", &o.count).unwrap();
        assert_eq!(r.ids, [ab, c].concat());
    }

    #[test]
    fn ends_outside_the_data_are_an_argument_error() {
        let e = engine();
        let err = encode_records(&e, b"abc", &[2, 1], &opts(Field::Whole), Threads::Current, None).unwrap_err();
        assert_eq!(err.code(), "INVALID_ARGUMENT");
        let err = encode_records(&e, b"abc", &[4], &opts(Field::Whole), Threads::Current, None).unwrap_err();
        assert_eq!(err.code(), "INVALID_ARGUMENT");
    }

    #[test]
    fn a_cancelled_batch_stops_with_aborted() {
        let e = engine();
        let flag = AtomicBool::new(true);
        let err = encode_records(&e, b"abc", &[3], &opts(Field::Whole), Threads::Current, Some(&flag)).unwrap_err();
        assert_eq!(err.code(), "ABORTED");
    }
}
