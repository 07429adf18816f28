#!/usr/bin/env python3
"""Build the WordLevel test fixture models/wordlevel-prose/tokenizer.json.

Deterministic: WordLevelTrainer counts words and sorts by (frequency desc, word asc),
so the same corpus and tokenizers version give the same file byte for byte.

    pip install -r test/goldens/requirements.txt      # tokenizers==0.23.1
    python3 models/make-wordlevel.py [path/to/en_prose.txt]

The corpus defaults to ../shared/corpus/en_prose.txt (beside the repo clone).
"""
import hashlib
import json
import os
import sys

from tokenizers import Tokenizer, normalizers, pre_tokenizers
from tokenizers.models import WordLevel
from tokenizers.processors import TemplateProcessing
from tokenizers.trainers import WordLevelTrainer

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CORPUS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "..", "shared", "corpus", "en_prose.txt")
OUT_DIR = os.path.join(HERE, "wordlevel-prose")
SPECIALS = ["[UNK]", "[CLS]", "[SEP]", "[PAD]"]


def main() -> None:
    tok = Tokenizer(WordLevel(unk_token="[UNK]"))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = WordLevelTrainer(vocab_size=5000, min_frequency=2, show_progress=False, special_tokens=SPECIALS)
    with open(CORPUS, encoding="utf-8") as f:
        lines = f.read().split("\n")
    tok.train_from_iterator(lines, trainer=trainer)
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    os.makedirs(OUT_DIR, exist_ok=True)
    out = os.path.join(OUT_DIR, "tokenizer.json")
    tok.save(out, pretty=True)
    with open(out, "rb") as f:
        data = f.read()
    vocab = json.loads(data)["model"]["vocab"]
    print(f"{out}: {len(vocab)} entries, {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
