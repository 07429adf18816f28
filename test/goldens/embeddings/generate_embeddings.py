#!/usr/bin/env python3
"""Reference sentence embeddings for test/embed.test.ts, computed the Python way.

    node models/onnx/fetch.mjs all-MiniLM-L6-v2-int8
    python3 -m pip install onnxruntime tokenizers numpy
    python3 test/goldens/embeddings/generate_embeddings.py

The pipeline is sentence-transformers' for all-MiniLM-L6-v2 (modules.json: Transformer,
Pooling(mean), Normalize), written out with `tokenizers` + `onnxruntime` + numpy so that no
PyTorch is needed: truncate to max_seq_length (sentence_bert_config.json: 256), run the ONNX
model, average the token vectors weighted by the attention mask (clamped at 1e-9), divide by
the L2 norm (clamped at 1e-12). Each sentence is run alone, unpadded, so the reference does not
depend on how ferrotok batches. The output, all-MiniLM-L6-v2-int8.json, is committed; CI only
reads it.
"""
import hashlib
import json
import os
import sys

import numpy as np
import onnxruntime as ort
import tokenizers
from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
MODEL = 'all-MiniLM-L6-v2-int8'

LONG_EN = ('Tokenizers split text into pieces that a model has seen during training, and the '
           'embedding model then turns those pieces into vectors that capture meaning. ') * 40
LONG_JA = '東京は日本の首都であり、世界で最も人口の多い都市圏の一つです。' * 40

SENTENCES = [
    'The quick brown fox jumps over the lazy dog.',
    'A fast auburn fox leaps above a sleepy hound.',
    'How do I bake sourdough bread at home?',
    'Sourdough needs a starter, flour, water and salt.',
    'The stock market fell sharply on Monday after the announcement.',
    'Investors sold shares as prices dropped at the start of the week.',
    'Python and JavaScript are popular programming languages.',
    'def add(a, b):\n    return a + b',
    'const sum = (a, b) => a + b; // arrow function',
    'Contact us at support@example.com or visit https://example.com/help?q=1.',
    'The meeting is on 2024-03-15 at 14:30, room 4B.',
    'I ordered 3 pizzas, 12 wings and 2.5 liters of soda for $47.99.',
    'Héllo wörld, café crème brûlée à la française.',
    'ALL CAPS SENTENCE WITH SHOUTING!!!',
    '   leading and trailing whitespace   ',
    'tabs\tand\nnewlines\r\nmixed',
    '東京は日本の首都です。',
    '我喜欢在周末读书和喝茶。',
    'Москва — столица России.',
    'Я люблю программировать на Rust.',
    'القاهرة هي عاصمة مصر.',
    '서울은 대한민국의 수도입니다.',
    'Berlin ist die Hauptstadt von Deutschland.',
    'Paris est la capitale de la France.',
    'नई दिल्ली भारत की राजधानी है।',
    'Αθήνα είναι η πρωτεύουσα της Ελλάδας.',
    'I love this! 😍🔥👍',
    '👨‍👩‍👧‍👦 family emoji and 🇯🇵 flag',
    '🙂',
    '',
    ' ',
    'a',
    '[CLS] [SEP] [PAD] [MASK] special-looking tokens',
    'supercalifragilisticexpialidocious antidisestablishmentarianism',
    'The the the the the the the the the the',
    'Zero-width\u200bspace and soft\u00adhyphen',
    LONG_EN,
    LONG_JA,
    'word ' * 300,
    ' '.join(str(i) for i in range(400)),
]


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    model_dir = os.environ.get('FERROTOK_MODEL_DIR', os.path.join(ROOT, '.cache', 'models', MODEL))
    with open(os.path.join(model_dir, 'sentence_bert_config.json')) as f:
        max_len = json.load(f)['max_seq_length']
    tok = Tokenizer.from_file(os.path.join(model_dir, 'tokenizer.json'))
    # tokenizer.json pads and truncates to 128; sentence-transformers pads per batch and cuts at 256.
    tok.no_padding()
    tok.no_truncation()
    full = [len(e.ids) for e in tok.encode_batch(SENTENCES)]
    tok.enable_truncation(max_len)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(os.path.join(model_dir, 'model.onnx'), opts, providers=['CPUExecutionProvider'])
    names = {i.name for i in sess.get_inputs()}
    rows = []
    for text in SENTENCES:
        e = tok.encode(text)
        feed = {'input_ids': e.ids, 'attention_mask': e.attention_mask, 'token_type_ids': e.type_ids}
        feed = {k: np.array([v], dtype=np.int64) for k, v in feed.items() if k in names}
        hidden = sess.run(['last_hidden_state'], feed)[0].astype(np.float64)
        mask = feed['attention_mask'].astype(np.float64)[..., None]
        pooled = (hidden * mask).sum(1) / np.clip(mask.sum(1), 1e-9, None)
        vec = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        rows.append([round(float(x), 8) for x in vec[0]])
    out = {
        'model': MODEL,
        'modelSha256': sha256(os.path.join(model_dir, 'model.onnx')),
        'tokenizerSha256': sha256(os.path.join(model_dir, 'tokenizer.json')),
        'maxLength': max_len,
        'generator': f'onnxruntime {ort.__version__}, tokenizers {tokenizers.__version__}, numpy {np.__version__}',
        'sentences': SENTENCES,
        'tokenCounts': full,
        'embeddings': rows,
    }
    path = os.path.join(HERE, f'{MODEL}.json')
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(out, f, ensure_ascii=False, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {path}: {len(rows)} embeddings of {len(rows[0])}; token counts {full}', file=sys.stderr)


if __name__ == '__main__':
    main()
