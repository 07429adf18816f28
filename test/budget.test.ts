// Token budgets: isWithinTokenLimit, truncateToTokens, chunk — checked by re-encoding what they
// return, on every tokenizer type.
import { describe, expect, it } from 'vitest';
import { Tokenizer } from 'ferrotok';
import { corpusText } from './helpers/corpus';
import { TOKENIZERS } from './helpers/tokenizers';

const TEXT = `${corpusText('en_prose.txt').slice(0, 3000)}\nEmoji 🧑‍💻👍🏽 漢字 Ελληνικά ünïcödé 𒀀.`;

describe.each(TOKENIZERS.map((t) => [t.name, t] as const))('%s', (_, t) => {
  const tok = Tokenizer.fromFile(t.path);
  const n = tok.countTokens(TEXT);

  it('isWithinTokenLimit returns the count when it fits, else false', () => {
    expect(tok.isWithinTokenLimit(TEXT, n)).toBe(n);
    expect(tok.isWithinTokenLimit(TEXT, n + 10)).toBe(n);
    expect(tok.isWithinTokenLimit(TEXT, n - 1)).toBe(false);
    expect(tok.isWithinTokenLimit(TEXT, 0)).toBe(false);
    const plain = tok.countTokens(TEXT, { addSpecialTokens: false });
    expect(tok.isWithinTokenLimit(TEXT, plain, { addSpecialTokens: false })).toBe(plain);
  });

  it('truncateToTokens keeps a prefix or suffix that re-encodes within the limit', () => {
    for (const limit of [0, 1, 5, 17, Math.floor(n / 2), n - 1, n, n + 5]) {
      const head = tok.truncateToTokens(TEXT, limit);
      const tail = tok.truncateToTokens(TEXT, limit, { side: 'left' });
      expect(TEXT.startsWith(head)).toBe(true);
      expect(TEXT.endsWith(tail)).toBe(true);
      if (head !== '') expect(tok.countTokens(head)).toBeLessThanOrEqual(limit);
      if (tail !== '') expect(tok.countTokens(tail)).toBeLessThanOrEqual(limit);
      if (limit >= n) expect([head, tail]).toEqual([TEXT, TEXT]);
      // Close to the limit: a cut gives up at most a few tokens at the boundary.
      if (limit >= 17 && limit < n) expect(tok.countTokens(head)).toBeGreaterThanOrEqual(limit - 4);
    }
  });

  it('chunk returns in-order UTF-16 ranges that each fit and overlap as asked', () => {
    for (const [maxTokens, overlap] of [
      [32, 0],
      [64, 16],
      [200, 50],
    ] as const) {
      const chunks = tok.chunk(TEXT, { maxTokens, overlap });
      expect(chunks.length).toBeGreaterThan(0);
      let prev: (typeof chunks)[number] | undefined;
      for (const c of chunks) {
        expect(c.text).toBe(TEXT.slice(c.start, c.end));
        const count = tok.countTokens(c.text);
        // Only a chunk of one character may be over (an emoji can be several tokens alone).
        if ([...c.text].length > 2) expect(count).toBeLessThanOrEqual(maxTokens);
        if (prev) {
          expect(c.start).toBeGreaterThan(prev.start);
          if (overlap === 0) expect(c.start).toBeGreaterThanOrEqual(prev.end);
          else expect(c.start).toBeLessThan(prev.end);
        }
        prev = c;
      }
      expect(TEXT.slice(prev!.end).trim()).toBe('');
    }
  });
});

describe('budget arguments', () => {
  const tok = Tokenizer.fromFile(TOKENIZERS[0]!.path);
  it('are checked with INVALID_ARGUMENT', () => {
    const bad = expect.objectContaining({ code: 'INVALID_ARGUMENT' });
    expect(() => tok.isWithinTokenLimit('x', -1)).toThrow(bad);
    expect(() => tok.isWithinTokenLimit('x', 1.5)).toThrow(bad);
    expect(() => tok.truncateToTokens('x', 3, { side: 'middle' as never })).toThrow(bad);
    expect(() => tok.chunk('x', { maxTokens: 0 })).toThrow(bad);
    expect(() => tok.chunk('x', { maxTokens: 4, overlap: 4 })).toThrow(bad);
    expect(() => tok.chunk('x', undefined as never)).toThrow(bad);
  });

  it('stop early on a huge text over budget', () => {
    const huge = 'word '.repeat(2_000_000);
    const t0 = performance.now();
    expect(tok.isWithinTokenLimit(huge, 10)).toBe(false);
    const early = performance.now() - t0;
    const t1 = performance.now();
    tok.countTokens(huge);
    const full = performance.now() - t1;
    // Not a timing assertion on the machine: a ratio of two runs side by side, with slack.
    expect(early).toBeLessThan(full);
  });
});
