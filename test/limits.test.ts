// Sizes that come from outside (a file, a caller's options, a template) are refused with a
// TokenizerError before anything is allocated for them: each case here aborted the process,
// hung it, or read without bound before (issue 18).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AutoTokenizer, Tokenizer, TokenizerError } from 'ferrotok';
import { BERT, DEFAULT_MODEL, LLAMA2, UNIGRAM } from './fixtures';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof TokenizerError) return e.code;
    throw e;
  }
  throw new Error('expected a TokenizerError');
}

function errorOf(f: () => unknown): TokenizerError {
  try {
    f();
  } catch (e) {
    if (e instanceof TokenizerError) return e;
    throw e;
  }
  throw new Error('expected a TokenizerError');
}

/** A tiny BPE tokenizer.json with `vocab` and `padding` spliced in. */
function bpe(vocab: Record<string, number>, padding: unknown = null): string {
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: [['a', 'b']],
    },
  });
}

describe('tokenizer.json sizes', () => {
  it('refuses vocabulary ids far beyond the vocabulary size', () => {
    expect(Tokenizer.fromJSON(bpe({ a: 0, b: 1, ab: 2 })).encodeIds('ab').length).toBe(1);
    for (const id of [2 ** 32 - 1, 2 ** 31, 4e8]) {
      expect(codeOf(() => Tokenizer.fromJSON(bpe({ a: 0, b: 1, ab: id })))).toBe('INVALID_TOKENIZER');
    }
  });

  it('refuses a file padding past the limit at load, not on the first encode', () => {
    const padding = (strategy: unknown, multiple: number | null) => ({
      strategy,
      direction: 'Right',
      pad_to_multiple_of: multiple,
      pad_id: 0,
      pad_type_id: 0,
      pad_token: 'a',
    });
    expect(Tokenizer.fromJSON(bpe({ a: 0, b: 1, ab: 2 }, padding({ Fixed: 8 }, null))).encode('ab').ids.length).toBe(8);
    expect(codeOf(() => Tokenizer.fromJSON(bpe({ a: 0, b: 1, ab: 2 }, padding({ Fixed: 2 ** 32 - 1 }, null))))).toBe('INVALID_TOKENIZER');
    expect(codeOf(() => Tokenizer.fromJSON(bpe({ a: 0, b: 1, ab: 2 }, padding('BatchLongest', 2 ** 32 - 1))))).toBe('INVALID_TOKENIZER');
  });

  describe('maxFileBytes', () => {
    let dir: string | undefined;
    afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

    it('stops reading a file over the limit (a device has no size to check first)', () => {
      expect(codeOf(() => Tokenizer.fromFile('/dev/zero'))).toBe('FILE_TOO_LARGE');
      dir = mkdtempSync(path.join(os.tmpdir(), 'ferrotok-limits-'));
      const json = readFileSync(path.join(DEFAULT_MODEL, 'tokenizer.json'));
      writeFileSync(path.join(dir, 'tokenizer.json'), json);
      expect(codeOf(() => Tokenizer.fromFile(dir as string, { maxFileBytes: json.length - 1 }))).toBe('FILE_TOO_LARGE');
      expect(Tokenizer.fromFile(dir, { maxFileBytes: json.length }).countTokens('Hello, world')).toBe(3);
      expect(codeOf(() => Tokenizer.fromFile(dir as string, { maxFileBytes: 0 }))).toBe('INVALID_ARGUMENT');
    });
  });
});

describe('option sizes', () => {
  const tok = Tokenizer.fromFile(BERT);

  it('refuses padding lengths past the limit instead of aborting', () => {
    expect(codeOf(() => tok.encode('hi', { padding: { maxLength: 2 ** 32 - 1, padId: 0 } }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => tok.encode('hi', { padding: { maxLength: 1e8, padId: 0 } }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => tok.encode('hi', { padding: { strategy: 'longest', multipleOf: 1e8, padId: 0 } }))).toBe('INVALID_ARGUMENT');
    expect(tok.encode('hi', { padding: { maxLength: 16, padId: 0 } }).ids.length).toBe(16);
  });

  it('refuses a sparse decodeBatch instead of reserving a row per index', () => {
    expect(codeOf(() => tok.decodeBatch(new Array(2 ** 32 - 1)))).toBe('INPUT_TOO_LARGE');
    // biome-ignore lint/suspicious/noSparseArray: the hole is the case under test
    expect(codeOf(() => tok.decodeBatch([, [101]] as number[][]))).toBe('INVALID_ARGUMENT');
    expect(tok.decodeBatch([[101], [102]])).toEqual(['[CLS]', '[SEP]']);
  });

  it('refuses a sparse batch of pairs without sizing anything by its length', () => {
    const inputs: [string, string][] = [['a', 'b']];
    inputs.length = 2 ** 32 - 1; // one row, then holes: filling 2^32 - 1 pair slots aborted Node
    expect(codeOf(() => tok.encodeBatch(inputs))).toBe('INVALID_ARGUMENT');
    expect(tok.encodeBatch([['a', 'b'], 'c']).length).toBe(2);
  });

  it('the callable tokenizer copies no sparse array and trusts no tensor dims', () => {
    const auto = AutoTokenizer.from(tok) as unknown as ((...a: unknown[]) => unknown) & { batchDecode: (r: unknown) => unknown };
    // Spreading either of these aborted Node with a heap OOM (issue 18's 700-run probe).
    expect(codeOf(() => auto(new Array(2 ** 32 - 1)))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => auto(new Array(2 ** 32 - 1), { textPair: new Array(2 ** 32 - 1) }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => auto.batchDecode({ data: new BigInt64Array(4), dims: [1e9, 1] }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => auto.batchDecode({ data: new BigInt64Array(4), dims: [2, 2.5] }))).toBe('INVALID_ARGUMENT');
    expect(auto.batchDecode({ data: new BigInt64Array([101n, 102n]), dims: [2, 1] })).toEqual(['[CLS]', '[SEP]']);
  });

  it('rejects an async batch padded past the limit, on the worker thread', async () => {
    await expect(tok.encodeBatchAsync(['hi'], { padding: { maxLength: 2 ** 32 - 1, padId: 0 } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});

describe('chat template budget', () => {
  it('stops a template whose output runs over the limit', () => {
    const tok = Tokenizer.fromFile(BERT);
    const runaway = "{% set a = 'x' * 10000000 %}{% for i in range(1000) %}{{ a }}{% endfor %}";
    expect(codeOf(() => tok.applyChatTemplate([{ role: 'user', content: 'hi' }], { chatTemplate: runaway }))).toBe('CHAT_TEMPLATE_ERROR');
  });

  // With minijinja 2 these grew without a meter: the first three until the process aborted.
  it.each([
    [
      "a string doubled by '~' in a loop",
      "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    ],
    [
      "a string doubled by '+' in a loop",
      "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
    ],
    [
      'a string doubled through macro recursion',
      "{% macro d(s, n) %}{% if n %}{{ d(s ~ s, n - 1) }}{% endif %}{% endmacro %}{{ d('ab', 64) }}",
    ],
    ['a replace that multiplies a long string', "{% set a = 'a' * 50000000 %}{{ (a | replace('a', 'aaaaaaaaaa')) | length }}"],
  ])('stops %s with CHAT_TEMPLATE_ERROR', (_, template) => {
    const tok = Tokenizer.fromFile(BERT);
    const err = errorOf(() => tok.applyChatTemplate([{ role: 'user', content: 'hi' }], { chatTemplate: template }));
    expect(err.code).toBe('CHAT_TEMPLATE_ERROR');
    expect(err.message).toMatch(/budget/);
  });
});

describe('decodeStream on bytes that never complete a character', () => {
  it('emits U+FFFD as each byte settles, and the pieces join to decode()', () => {
    const tok = Tokenizer.fromFile(LLAMA2);
    const lead = tok.tokenToId('<0xF0>');
    expect(lead).toBeDefined();
    const ids = new Array<number>(4000).fill(lead as number);
    const stream = tok.decodeStream();
    let out = '';
    let emitted = 0;
    for (const id of ids) {
      const piece = stream.step(id);
      if (piece !== null) {
        out += piece;
        emitted++;
      }
    }
    expect(emitted).toBeGreaterThan(3900);
    out += stream.finish() ?? '';
    expect(out).toBe(tok.decode(ids));
  });
});

describe('idsEngine', () => {
  it('names the engine that serves ids calls', () => {
    expect(Tokenizer.fromFile(BERT).idsEngine).toBe('ferrotok fast path');
    const before = process.env.FERROTOK_PIPELINE;
    process.env.FERROTOK_PIPELINE = 'sync';
    try {
      expect(Tokenizer.fromFile(UNIGRAM).idsEngine).toBe("tokenizers 1.0 pipeline, with ferrotok's charsmap pass");
      process.env.FERROTOK_PIPELINE = 'off';
      expect(Tokenizer.fromFile(UNIGRAM).idsEngine).toBe('tokenizers 0.23');
      process.env.FERROTOK_PIPELINE = 'sideways';
      expect(codeOf(() => Tokenizer.fromFile(UNIGRAM))).toBe('INVALID_ARGUMENT');
    } finally {
      if (before === undefined) delete process.env.FERROTOK_PIPELINE;
      else process.env.FERROTOK_PIPELINE = before;
    }
  });
});
