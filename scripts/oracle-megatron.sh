#!/usr/bin/env bash
# Reads ferrotok's Megatron shards with megatron-core's own IndexedDataset
# (test/corpus.oracle.test.ts). Not part of .ci/run: megatron-core imports torch, and torch
# from PyPI brings ~3 GB of CUDA wheels (about 2 minutes to install here, a 5.5 GB venv).
# Needs Python >= 3.12 (megatron-core 0.19.2): set PYTHON, or have pyenv's 3.12.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  if command -v pyenv >/dev/null 2>&1 && pyenv versions --bare | grep -q '^3\.1[2-9]'; then
    PYTHON="$(pyenv root)/versions/$(pyenv versions --bare | grep '^3\.1[2-9]' | head -1)/bin/python"
  else
    PYTHON=python3
  fi
fi
VENV=.cache/megatron-venv
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install -q -r test/oracles/requirements.txt -r test/oracles/requirements-megatron.txt
fi
FERROTOK_ORACLE_PYTHON="$PWD/$VENV/bin/python" FERROTOK_MEGATRON_PYTHON="$PWD/$VENV/bin/python" \
  npx vitest run test/corpus.oracle.test.ts
