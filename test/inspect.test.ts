// What console.log / util.inspect and JSON.stringify show of ferrotok's objects.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from 'ferrotok';
import { BERT } from './fixtures';

const gpt4o = Tokenizer.default();
const bert = Tokenizer.fromFile(BERT);

describe('util.inspect', () => {
  it('an Encoding shows its length, first ids and tokens', () => {
    expect(inspect(gpt4o.encode('Hello 😀 world'), { breakLength: Infinity })).toBe(
      "Encoding(3) { ids: Uint32Array(3) [ 13225, 88038, 2375 ], tokens: [ 'Hello', 'ĠðŁĺĢ', 'Ġworld' ] }",
    );
    const long = inspect(gpt4o.encode('one two three four five six seven eight nine ten'), { breakLength: Infinity });
    expect(long).toBe(
      "Encoding(10) { ids: Uint32Array(10) [ 690, 1920, 3407, 4242, 6468, ... 5 more items ], tokens: [ 'one', 'Ġtwo', 'Ġthree', 'Ġfour', 'Ġfive', ... 5 more items ] }",
    );
  });

  it('a BatchEncoding shows its shape and first rows', () => {
    const batch = bert.encodeBatch(['a', 'b c', 'd', 'e'], { padding: { strategy: 'longest' } });
    const shown = inspect(batch, { breakLength: Infinity });
    expect(shown).toMatch(/^BatchEncoding\(4 × 4\) \{ rows: \[ Encoding\(4\) \{ ids: Uint32Array\(4\) \[ 101, 1037, 102, 0 \]/);
    expect(shown).toContain("more: '1 more rows'");
    expect(inspect(bert.encodeBatch(['a', 'b c']))).toMatch(/^BatchEncoding\(2\) /);
  });

  it('a Tokenizer shows its model, size and special tokens', () => {
    expect(inspect(gpt4o)).toMatch(
      /^Tokenizer\(BPE, 200000 tokens\) \{\n {2}path: '.*models\/default',\n {2}specialTokens: \[ '<\|endoftext\|>', '<\|endofprompt\|>' \],\n {2}chatTemplates: \[\]\n\}$/,
    );
    expect(inspect(bert)).toMatch(/^Tokenizer\(WordPiece, 30522 tokens\)/);
  });

  it('a DecodeStream shows its settings and progress', () => {
    const stream = gpt4o.decodeStream({ skipSpecialTokens: true });
    stream.step(13225);
    expect(inspect(stream)).toBe('DecodeStream { skipSpecialTokens: true, steps: 1 }');
  });
});

describe('JSON.stringify', () => {
  it('of an Encoding gives its fields', () => {
    const json = JSON.parse(JSON.stringify(gpt4o.encode('Hello world'))) as Record<string, unknown>;
    expect(json).toMatchObject({
      ids: [13225, 2375],
      tokens: ['Hello', 'Ġworld'],
      offsets: [
        [0, 5],
        [5, 11],
      ],
      attentionMask: [1, 1],
    });
  });

  it('of a Tokenizer gives a short description; toTokenizerJson the whole file', () => {
    const s = JSON.stringify({ tok: gpt4o });
    expect(s.length).toBeLessThan(300);
    expect(JSON.parse(s).tok).toMatchObject({ model: 'BPE', vocabSize: 200000, specialTokens: ['<|endoftext|>', '<|endofprompt|>'] });
    expect(gpt4o.toTokenizerJson().length).toBeGreaterThan(5_000_000);
  });

  it('of a batch gives its rows', () => {
    const rows = JSON.parse(JSON.stringify(bert.encodeBatch(['a', 'b']))) as { ids: number[] }[];
    expect(rows.map((r) => r.ids)).toEqual([
      [101, 1037, 102],
      [101, 1038, 102],
    ]);
  });
});
