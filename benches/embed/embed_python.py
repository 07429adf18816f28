#!/usr/bin/env python3
"""Python side of benches/embed/run.mjs: the same pipeline with pip onnxruntime + tokenizers.

Reads sentences (one per line) from stdin; sorts them longest first and runs batches of
--batch, as sentence-transformers and ferrotok do; truncates to --max-length; mean-pools with
the attention mask and L2-normalises in numpy. Prints one JSON line: timing, versions, and the
first --check vectors (in input order) so run.mjs can compare them with ferrotok's.
"""
import argparse
import json
import sys
import time

import numpy as np
import onnxruntime as ort
import tokenizers
from tokenizers import Tokenizer

ap = argparse.ArgumentParser()
ap.add_argument('--model', required=True)
ap.add_argument('--batch', type=int, default=32)
ap.add_argument('--max-length', type=int, default=256)
ap.add_argument('--check', type=int, default=8)
args = ap.parse_args()

texts = sys.stdin.read().split('\n')
tok = Tokenizer.from_file(f'{args.model}/tokenizer.json')
tok.enable_truncation(args.max_length)
tok.enable_padding(pad_id=0, pad_token='[PAD]')
sess = ort.InferenceSession(f'{args.model}/model.onnx', providers=['CPUExecutionProvider'])
names = {i.name for i in sess.get_inputs()}


def run(batch):
    enc = tok.encode_batch(batch)
    feed = {k: np.array([getattr(e, a) for e in enc], dtype=np.int64)
            for k, a in (('input_ids', 'ids'), ('attention_mask', 'attention_mask'), ('token_type_ids', 'type_ids')) if k in names}
    hidden = sess.run(['last_hidden_state'], feed)[0]
    mask = feed['attention_mask'][..., None].astype(np.float32)
    pooled = (hidden * mask).sum(1) / np.clip(mask.sum(1), 1e-9, None)
    return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


run(texts[: args.batch])  # warm-up
order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
out = None
t0 = time.perf_counter()
for s in range(0, len(order), args.batch):
    idx = order[s: s + args.batch]
    vecs = run([texts[i] for i in idx])
    if out is None:
        out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
    out[idx] = vecs
seconds = time.perf_counter() - t0
print(json.dumps({
    'seconds': seconds,
    'versions': f'onnxruntime {ort.__version__}, tokenizers {tokenizers.__version__}, numpy {np.__version__}',
    'check': out[: args.check].tolist(),
}))
