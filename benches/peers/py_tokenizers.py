"""Python `tokenizers` (Hugging Face, Rust): the native reference for the tokenizer.json path."""
from tokenizers import Tokenizer


class Peer:
    def __init__(self, spec):
        self.tok = Tokenizer.from_file(spec["file"])

    def encode(self, text):
        return self.tok.encode(text, add_special_tokens=False).ids

    def decode(self, ids):
        return self.tok.decode(ids, skip_special_tokens=False)

    def batch(self, threads):
        # Both run on rayon's global pool, sized by RAYON_NUM_THREADS (set by the orchestrator).
        modes = {"encode_batch": {"parallel": True, "run": lambda ts: [e.ids for e in self.tok.encode_batch(ts, add_special_tokens=False)]}}
        if hasattr(self.tok, "encode_batch_fast"):
            modes["encode_batch_fast"] = {"parallel": True, "primary": True, "run": lambda ts: [e.ids for e in self.tok.encode_batch_fast(ts, add_special_tokens=False)]}
        return modes


def load(spec):
    return Peer(spec)
