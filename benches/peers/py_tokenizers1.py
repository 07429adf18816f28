"""Python `tokenizers` 1.0.0rc3 (Hugging Face's new engine), from its own virtualenv.

It cannot share an environment with tokenizers 0.23.1 (py_tokenizers.py), so the run creates
.cache/bench-venv-tokenizers1 from benches/requirements-tokenizers1.txt and starts this peer's
children with that interpreter (lib/python.mjs). The calls are the same as 0.23's.
"""
from tokenizers import Tokenizer


class Peer:
    def __init__(self, spec):
        self.tok = Tokenizer.from_file(spec["file"])

    def encode(self, text):
        return self.tok.encode(text, add_special_tokens=False).ids

    def decode(self, ids):
        return self.tok.decode(ids, skip_special_tokens=False)

    def batch(self, threads):
        # rayon's global pool, sized by RAYON_NUM_THREADS (set by the orchestrator)
        modes = {"encode_batch": {"parallel": True, "run": lambda ts: [e.ids for e in self.tok.encode_batch(ts, add_special_tokens=False)]}}
        if hasattr(self.tok, "encode_batch_fast"):  # named in its docs, absent from the rc3 wheel
            modes["encode_batch_fast"] = {"parallel": True, "primary": True, "run": lambda ts: [e.ids for e in self.tok.encode_batch_fast(ts, add_special_tokens=False)]}
        return modes


def load(spec):
    return Peer(spec)
