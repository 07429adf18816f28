"""Python `tokenizers` 1.0.0rc3 (Hugging Face's new engine), from its own virtualenv.

It cannot share an environment with tokenizers 0.23.1, so the run creates
.cache/bench-venv-tokenizers1 from benches/requirements-tokenizers1.txt and starts this peer's
children with that interpreter (lib/python.mjs). The calls are 0.23's, so the adapter is
py_tokenizers.py's, run against whichever `tokenizers` this interpreter imports (rc3 names
encode_batch_fast in its docs but its wheel lacks it; the adapter checks).
"""
import importlib.util
import os

_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "py_tokenizers.py")
_spec = importlib.util.spec_from_file_location("py_tokenizers", _path)
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
Peer = _mod.Peer
load = _mod.load
