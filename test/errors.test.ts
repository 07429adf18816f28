// Bad input: every failure is a TokenizerError with a stable code, and the process lives on.
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tokenizer, TokenizerError, type TokenizerErrorCode } from 'ferrotok';
import { BERT, LLAMA3 } from './fixtures';

const bert = Tokenizer.fromFile(BERT);
const tmp = mkdtempSync(path.join(tmpdir(), 'ferrotok-errors-'));

function codeOf(f: () => unknown): TokenizerErrorCode | 'no error' {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TokenizerError);
    expect((e as Error).message.length).toBeGreaterThan(10);
    return (e as TokenizerError).code;
  }
  return 'no error';
}

describe('loading errors', () => {
  const json = readFileSync(path.join(BERT, 'tokenizer.json'), 'utf8');

  it('missing file or folder without tokenizer.json → FILE_NOT_FOUND', () => {
    expect(codeOf(() => Tokenizer.fromFile('/no/such/tokenizer.json'))).toBe('FILE_NOT_FOUND');
    const empty = path.join(tmp, 'empty');
    mkdirSync(empty);
    expect(codeOf(() => Tokenizer.fromFile(empty))).toBe('FILE_NOT_FOUND');
  });

  it('truncated tokenizer.json → INVALID_JSON that mentions the cut', () => {
    const file = path.join(tmp, 'truncated.json');
    writeFileSync(file, json.slice(0, json.length / 3));
    expect(codeOf(() => Tokenizer.fromFile(file))).toBe('INVALID_JSON');
    expect(() => Tokenizer.fromJSON(json.slice(0, 100))).toThrow(/ends early/);
  });

  it('unknown normalizer type → UNSUPPORTED_COMPONENT naming it', () => {
    const doc = JSON.parse(json);
    doc.normalizer = { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'FancyNormalizer' }] };
    expect(codeOf(() => Tokenizer.fromJSON(JSON.stringify(doc)))).toBe('UNSUPPORTED_COMPONENT');
    expect(() => Tokenizer.fromJSON(JSON.stringify(doc))).toThrow(/FancyNormalizer/);
  });

  it('JSON that is not a tokenizer → INVALID_TOKENIZER', () => {
    expect(codeOf(() => Tokenizer.fromJSON('{"hello": "world"}'))).toBe('INVALID_TOKENIZER');
    expect(codeOf(() => Tokenizer.fromJSON('[]'))).toBe('INVALID_TOKENIZER');
  });

  it('invalid tokenizer_config.json → INVALID_JSON naming the file', () => {
    const dir = path.join(tmp, 'badconfig');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'tokenizer.json'), json);
    writeFileSync(path.join(dir, 'tokenizer_config.json'), '{ nope');
    expect(() => Tokenizer.fromFile(dir)).toThrow(/tokenizer_config\.json/);
  });

  it('wrong argument types → INVALID_ARGUMENT', () => {
    expect(codeOf(() => Tokenizer.fromFile(42 as unknown as string))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => Tokenizer.fromJSON({} as unknown as string))).toBe('INVALID_ARGUMENT');
  });
});

describe('input errors', () => {
  it('non-string inputs → INVALID_ARGUMENT', () => {
    for (const bad of [undefined, null, 42, {}, ['a'], Symbol('s')]) {
      expect(codeOf(() => bert.encode(bad as unknown as string))).toBe('INVALID_ARGUMENT');
      expect(codeOf(() => bert.countTokens(bad as unknown as string))).toBe('INVALID_ARGUMENT');
    }
    expect(codeOf(() => bert.encodeBatch(['ok', 3] as unknown as string[]))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => bert.encodeBatch([['a', 'b', 'c']] as unknown as string[]))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => bert.encodeBatch('abc' as unknown as string[]))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => bert.encode('x', { pair: 5 as unknown as string }))).toBe('INVALID_ARGUMENT');
  });

  it('NaN, negative, fractional or huge ids → INVALID_ARGUMENT; unknown ids → ID_OUT_OF_RANGE', () => {
    for (const bad of [[NaN], [-1], [1.5], [2 ** 32], ['7'], [Infinity]]) {
      expect(codeOf(() => bert.decode(bad as number[]))).toBe('INVALID_ARGUMENT');
    }
    expect(codeOf(() => bert.decode(Int32Array.of(5, -3)))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => bert.decode(BigInt64Array.of(-1n)))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => bert.decode('1 2' as unknown as number[]))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => bert.decode([30522]))).toBe('ID_OUT_OF_RANGE');
    expect(codeOf(() => bert.decode(Uint32Array.of(4_000_000_000)))).toBe('ID_OUT_OF_RANGE');
    expect(codeOf(() => bert.decodeBatch([[1], [99999]]))).toBe('ID_OUT_OF_RANGE');
    expect(codeOf(() => bert.idToToken(-1))).toBe('INVALID_ARGUMENT');
  });

  it('a 200 MB string → INPUT_TOO_LARGE, at once, and the tokenizer keeps working', () => {
    const huge = 'a'.repeat(200 * 1024 * 1024);
    expect(codeOf(() => bert.encode(huge))).toBe('INPUT_TOO_LARGE');
    expect(codeOf(() => bert.countTokens(huge))).toBe('INPUT_TOO_LARGE');
    expect(codeOf(() => bert.encodeBatch(['ok', huge]))).toBe('INPUT_TOO_LARGE');
    expect(bert.encode('still fine').length).toBe(4);
  });

  it('maxInputLength is configurable', () => {
    const small = Tokenizer.fromFile(BERT, { maxInputLength: 10 });
    expect(small.encode('0123456789').length).toBeGreaterThan(0);
    expect(codeOf(() => small.encode('0123456789x'))).toBe('INPUT_TOO_LARGE');
    expect(codeOf(() => Tokenizer.fromFile(BERT, { maxInputLength: -5 }))).toBe('INVALID_ARGUMENT');
    expect(Tokenizer.fromFile(BERT, { maxInputLength: Infinity }).maxInputLength).toBe(Infinity);
  });

  it('a lone surrogate is encoded as U+FFFD, keeping UTF-16 offsets valid', () => {
    const llama3 = Tokenizer.fromFile(LLAMA3);
    for (const text of ['a\uD800b', '\uDC00', '😀\uD83D', 'x\uDFFFy z']) {
      const withReplacement = text.replace(/[\uD800-\uDFFF](?![\uDC00-\uDFFF])/g, (c, i: number) =>
        i > 0 && /[\uD800-\uDBFF]/.test(text[i - 1]!) ? c : '\uFFFD',
      );
      const e = llama3.encode(text, { addSpecialTokens: false });
      const r = llama3.encode(withReplacement, { addSpecialTokens: false });
      expect(Array.from(e.ids)).toEqual(Array.from(r.ids));
      expect(e.offsets).toEqual(r.offsets);
      expect(Math.max(...e.offsets.map(([, end]) => end))).toBe(text.length);
    }
  });
});

describe('option errors', () => {
  it('bad option values → INVALID_ARGUMENT naming the option', () => {
    const cases: [unknown, RegExp][] = [
      [{ truncation: { maxLength: 0 } }, /truncation\.maxLength/],
      [{ truncation: { maxLength: 8, strategy: 'middle' } }, /truncation\.strategy/],
      [{ truncation: { maxLength: 8, side: 'up' } }, /truncation\.side/],
      [{ truncation: { maxLength: 8, stride: 7 } }, /stride/],
      [{ truncation: { maxLength: 1.5 } }, /maxLength/],
      [{ padding: { strategy: 'widest' } }, /padding\.strategy/],
      [{ padding: { strategy: 'max_length' } }, /maxLength/],
      [{ padding: { padToken: 'not-in-vocab-xyz' } }, /padToken/],
      [{ padding: { padId: 99_999_999 } }, /padId/],
      [{ addSpecialTokens: 'yes' }, /addSpecialTokens/],
      ['options', /options/],
    ];
    for (const [options, message] of cases) {
      expect(codeOf(() => bert.encode('hello world', options as never))).toBe('INVALID_ARGUMENT');
      expect(() => bert.encode('hello world', options as never)).toThrow(message);
    }
  });

  it('a truncation the engine cannot satisfy → ENCODE_FAILED, not a crash', () => {
    // For a pair, longest_first splits maxLength between both sides; each side ends up
    // shorter than the stride, which the engine asserts against (a panic, caught).
    const code = codeOf(() =>
      bert.encode('one two three four five', { pair: 'six seven eight nine ten', truncation: { maxLength: 9, stride: 6 } }),
    );
    expect(code).toBe('ENCODE_FAILED');
    expect(bert.encode('still fine').length).toBe(4);
  });

  it('an invalid signal → INVALID_ARGUMENT', async () => {
    await expect(bert.encodeBatchAsync(['x'], { signal: {} as AbortSignal })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
