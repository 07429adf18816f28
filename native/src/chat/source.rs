//! Template source preparation: the one Jinja construct from transformers that minijinja
//! does not know.
//!
//! `{% generation %}…{% endgeneration %}` is transformers' AssistantTracker extension: it marks
//! assistant text for `return_assistant_tokens_mask` and otherwise renders its body unchanged.
//! We rewrite the tags to `{% if true %}…{% endif %}`, keeping their whitespace-control marks
//! (`{%-`, `-%}`, `+`), so trimming around them is exactly what Jinja does.

/// The template text with generation tags rewritten.
pub fn prepare(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(at) = rest.find("{%") {
        out.push_str(&rest[..at]);
        let tag = &rest[at..];
        match rewrite_tag(tag) {
            Some((replacement, len)) => {
                out.push_str(&replacement);
                rest = &tag[len..];
            }
            None => {
                out.push_str("{%");
                rest = &tag[2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// If `tag` (starting at `{%`) is a generation tag, its replacement and its length.
fn rewrite_tag(tag: &str) -> Option<(String, usize)> {
    let close = tag.find("%}")?;
    let inner = &tag[2..close];
    let (open_mark, body) = split_mark(inner, true);
    let (close_mark, body) = split_mark(body, false);
    let replacement = match body.trim() {
        "generation" => "if true",
        "endgeneration" => "endif",
        _ => return None,
    };
    Some((format!("{{%{open_mark} {replacement} {close_mark}%}}"), close + 2))
}

/// Splits a leading (or trailing) whitespace-control mark off a tag body.
fn split_mark(body: &str, leading: bool) -> (&str, &str) {
    let mark = if leading { body.chars().next() } else { body.chars().next_back() };
    match mark {
        Some(c @ ('-' | '+')) if leading => (&body[..c.len_utf8()], &body[c.len_utf8()..]),
        Some(c @ ('-' | '+')) => (&body[body.len() - c.len_utf8()..], &body[..body.len() - c.len_utf8()]),
        _ => ("", body),
    }
}

#[cfg(test)]
mod tests {
    use super::prepare;

    #[test]
    fn rewrites_generation_tags_keeping_whitespace_control() {
        assert_eq!(prepare("a{% generation %}b{% endgeneration %}c"), "a{% if true %}b{% endif %}c");
        assert_eq!(prepare("{%- generation -%}x{%+ endgeneration -%}"), "{%- if true -%}x{%+ endif -%}");
    }

    #[test]
    fn leaves_everything_else_alone() {
        let t = "{% if generation %}{{ '{%' }}{% endif %}{% set x = 'endgeneration' %}{%";
        assert_eq!(prepare(t), t);
    }
}
