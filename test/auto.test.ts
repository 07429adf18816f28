// The transformers.js door: AutoTokenizer.fromPretrained and the callable tokenizer.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AutoTokenizer, Tokenizer } from 'ferrotok';
import { BERT, LLAMA3 } from './fixtures';

const bertTok = Tokenizer.fromFile(BERT);
const bert = AutoTokenizer.from(bertTok);
const llama3 = AutoTokenizer.from(Tokenizer.fromFile(LLAMA3));

describe('the callable tokenizer', () => {
  it('returns int64 [batch, seqLen] tensors, with token_type_ids for BERT', () => {
    const out = bert(['hello world', 'a'], { padding: true });
    expect(Object.keys(out)).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    expect(out.input_ids).toEqual({
      type: 'int64',
      data: BigInt64Array.from([101n, 7592n, 2088n, 102n, 101n, 1037n, 102n, 0n]),
      dims: [2, 4],
    });
    expect(Array.from(out.attention_mask.data)).toEqual([1n, 1n, 1n, 1n, 1n, 1n, 1n, 0n]);
    expect(bert('hello world').input_ids.dims).toEqual([1, 4]);
  });

  it('leaves token_type_ids out for models that do not take them', () => {
    expect(Object.keys(llama3('hi'))).toEqual(['input_ids', 'attention_mask']);
    expect(Object.keys(llama3('hi', { returnTokenTypeIds: true }))).toContain('token_type_ids');
    expect(Object.keys(bert('hi', { returnTokenTypeIds: false }))).not.toContain('token_type_ids');
  });

  it('returnTensor: false gives number arrays (nested for a batch)', () => {
    expect(bert('hello world', { returnTensor: false })).toEqual({
      input_ids: [101, 7592, 2088, 102],
      attention_mask: [1, 1, 1, 1],
      token_type_ids: [0, 0, 0, 0],
    });
    expect(bert(['a', 'b c'], { returnTensor: false }).input_ids).toEqual([
      [101, 1037, 102],
      [101, 1038, 1039, 102],
    ]);
  });

  it('pads and truncates as transformers: maxLength alone truncates, special tokens kept', () => {
    const long = 'one two three four five six';
    expect(bert(long, { maxLength: 5, returnTensor: false }).input_ids).toEqual([101, 2028, 2048, 2093, 102]);
    expect(bert('a', { padding: 'max_length', maxLength: 6, returnTensor: false }).input_ids).toEqual([101, 1037, 102, 0, 0, 0]);
    const padded = bert(['a', long], { padding: true, truncation: true, maxLength: 4 });
    expect(padded.input_ids.dims).toEqual([2, 4]);
    expect(Array.from(padded.attention_mask.data)).toEqual([1n, 1n, 1n, 0n, 1n, 1n, 1n, 1n]);
  });

  it('takes pairs', () => {
    const out = bert('a question', { textPair: 'its context', returnTensor: false });
    expect(out.token_type_ids).toEqual(Array.from(bertTok.encode('a question', { pair: 'its context' }).typeIds));
    expect(bert(['q1', 'q2'], { textPair: ['c1', 'c2'], padding: true }).input_ids.dims[0]).toBe(2);
    expect(() => bert(['q1', 'q2'], { textPair: ['c1'] })).toThrow(/textPair must be an array as long as the texts/);
  });

  it('refuses ragged tensors, unknown and snake_case options', () => {
    expect(() => bert(['a', 'b c'])).toThrow(/pass padding: true/);
    expect(() => bert('a', { max_length: 4 } as never)).toThrow(/unknown option `max_length`; did you mean `maxLength`\?/);
    expect(() => bert('a', { return_tensor: false } as never)).toThrow(/did you mean `returnTensor`\?/);
    expect(() => bert('a', { truncation: 'longest_first' as never })).toThrow(/truncation must be a boolean/);
  });
});

describe('its methods', () => {
  it('encode gives number[]; decode and batchDecode take arrays or the input_ids tensor', () => {
    expect(bert.encode('hello world')).toEqual([101, 7592, 2088, 102]);
    expect(bert.decode([101, 7592, 2088, 102], { skipSpecialTokens: true })).toBe('hello world');
    const { input_ids } = bert(['hello world', 'a'], { padding: true });
    expect(bert.batchDecode(input_ids, { skipSpecialTokens: true })).toEqual(['hello world', 'a']);
    expect(bert.batchDecode([[101, 1037, 102]])).toEqual(['[CLS] a [SEP]']);
    expect(() => bert.decode([101], { skip_special_tokens: true } as never)).toThrow(/did you mean `skipSpecialTokens`/);
  });

  it('tokenize gives token strings without special tokens', () => {
    expect(bert.tokenize('Hello world')).toEqual(['hello', 'world']);
  });

  it('shows what it is', () => {
    expect(inspect(bert)).toBe('PreTrainedTokenizer(WordPiece, 30522 tokens) { tokenTypeIds: true }');
    expect(bert.tokenizer).toBe(bertTok);
  });
});

describe('fromPretrained with a local path', () => {
  it('loads a folder that exists, as Python transformers does', async () => {
    const tok = await AutoTokenizer.fromPretrained('./models/default');
    expect(tok.encode('Hello world')).toEqual([13225, 2375]);
    expect((await Tokenizer.fromPretrained(BERT)).vocabSize).toBe(30522);
  });

  it('a path that does not exist is FILE_NOT_FOUND pointing to fromFile, not a Hub error', async () => {
    await expect(Tokenizer.fromPretrained('./no/such/dir')).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
      message: expect.stringContaining('Tokenizer.fromFile(path)'),
    });
    await expect(AutoTokenizer.fromPretrained('/no/such/tokenizer.json')).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
