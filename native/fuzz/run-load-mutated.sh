#!/usr/bin/env bash
# Runs the load_mutated fuzz target (fuzz_targets/load_mutated.rs) from the committed tiny
# seeds plus the repository's small real tokenizer.json files. Needs nightly, cargo-fuzz and
# `npm install` first. Extra arguments go to libFuzzer, e.g. -max_total_time=600 -jobs=2.
set -euo pipefail
cd "$(dirname "$0")"
corpus=corpus/load_mutated
mkdir -p "$corpus"
for f in ../../models/wordlevel-prose ../../models/all-minilm-l6-v2 ../../../shared/models/bert-base-uncased \
  ../../../shared/models/unigram-spm16k; do
  [ -f "$f/tokenizer.json" ] && cp "$f/tokenizer.json" "$corpus/seed-$(basename "$f").json"
done
exec cargo +nightly fuzz run load_mutated "$corpus" seeds -- -timeout=20 -rss_limit_mb=4096 -max_len=2000000 "$@"
