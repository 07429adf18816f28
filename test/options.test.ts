// Every options argument is checked: an unknown key is refused naming the closest known one,
// a non-object is refused, and nested objects (truncation, padding) are checked the same way.
import { describe, expect, it } from 'vitest';
import { Tokenizer, TokenizerError } from 'ferrotok';
import { BERT, QWEN3 } from './fixtures';

const bert = Tokenizer.fromFile(BERT);
const qwen3 = Tokenizer.fromFile(QWEN3);
const chat = [{ role: 'user', content: 'Hi' }];

/** Every public method that takes options, called with `options` in place of its options. */
const CALLS: Record<string, (options: never) => unknown> = {
  fromFile: (o) => Tokenizer.fromFile(BERT, o),
  fromJSON: (o) => Tokenizer.fromJSON('{}', o),
  toTokenizerJson: (o) => bert.toTokenizerJson(o),
  encode: (o) => bert.encode('hi', o),
  encodeBatch: (o) => bert.encodeBatch(['hi'], o),
  countTokens: (o) => bert.countTokens('hi', o),
  encodeIds: (o) => bert.encodeIds('hi', o),
  encodeIdsInto: (o) => bert.encodeIdsInto('hi', new Uint32Array(8), o),
  encodeBatchIds: (o) => bert.encodeBatchIds(['hi'], o),
  countTokensBatch: (o) => bert.countTokensBatch(['hi'], o),
  isWithinTokenLimit: (o) => bert.isWithinTokenLimit('hi', 5, o),
  truncateToTokens: (o) => bert.truncateToTokens('hi', 5, o),
  decode: (o) => bert.decode([101], o),
  decodeBatch: (o) => bert.decodeBatch([[101]], o),
  decodeStream: (o) => bert.decodeStream(o),
  applyChatTemplate: (o) => qwen3.applyChatTemplate(chat, o),
  getVocab: (o) => bert.getVocab(o),
};

function thrown(f: () => unknown): TokenizerError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TokenizerError);
    return e as TokenizerError;
  }
  throw new Error('did not throw');
}

describe('options are checked in every method', () => {
  for (const [name, call] of Object.entries(CALLS)) {
    it(`${name}: an unknown key and a non-object are INVALID_ARGUMENT`, () => {
      const unknown = thrown(() => call({ noSuchOption: 1 } as never));
      expect(unknown.code).toBe('INVALID_ARGUMENT');
      expect(unknown.message).toMatch(/unknown option `noSuchOption`; known options: `/);
      for (const bad of [false, 0, 'x', null, [1]]) {
        const e = thrown(() => call(bad as never));
        expect(e.code).toBe('INVALID_ARGUMENT');
        expect(e.message).toMatch(/options must be an object/);
      }
    });
  }

  it('chunk and encodeBatchAsync too', async () => {
    expect(thrown(() => bert.chunk('hi', { maxTokens: 4, over_lap: 1 } as never)).message).toContain('did you mean `overlap`?');
    await expect(bert.encodeBatchAsync(['hi'], { signl: undefined } as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('did you mean `signal`?'),
    });
    await expect(bert.encodeBatchAsync(['hi'], false as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('fromPretrained checks its options before any network', async () => {
    await expect(Tokenizer.fromPretrained('org/name', { local_files_only: true } as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('did you mean `localFilesOnly`?'),
    });
  });
});

describe('habits of other libraries are named, not ignored', () => {
  it.each([
    [() => bert.decode([101, 7592, 102], { skip_special_tokens: true } as never), 'skip_special_tokens', 'skipSpecialTokens'],
    [() => bert.encode('hi', { add_special_tokens: false } as never), 'add_special_tokens', 'addSpecialTokens'],
    [() => bert.encode('hi', { truncation: { max_length: 4 } } as never), 'truncation.max_length', 'truncation.maxLength'],
    [() => bert.encode('hi', { padding: { pad_to_multiple_of: 8 } } as never), 'padding.pad_to_multiple_of', undefined],
    [() => bert.encode('hi', { padding: { multiple_of: 8 } } as never), 'padding.multiple_of', 'padding.multipleOf'],
    [() => bert.encode('hi', { Pair: 'x' } as never), 'Pair', 'pair'],
    [() => qwen3.applyChatTemplate(chat, { addGenerationPromt: true } as never), 'addGenerationPromt', 'addGenerationPrompt'],
    [() => qwen3.applyChatTemplate(chat, { continue_final_message: true } as never), 'continue_final_message', 'continueFinalMessage'],
    [() => qwen3.applyChatTemplate(chat, { enable_thinking: false } as never), 'enable_thinking', undefined],
  ])('%#: `%s`', (f, key, guess) => {
    const e = thrown(f);
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain(`unknown option \`${key}\``);
    if (guess === undefined) expect(e.message).not.toContain('did you mean');
    else expect(e.message).toContain(`did you mean \`${guess}\`?`);
  });

  it('truncation: true and padding: true name the option and say what to pass', () => {
    expect(thrown(() => bert.encode('hi', { truncation: true } as never)).message).toMatch(
      /^options\.truncation must be an object such as \{ maxLength: 512 \}.*got true$/,
    );
    expect(thrown(() => bert.encode('hi', { padding: true } as never)).message).toMatch(
      /^options\.padding must be an object such as \{ strategy: 'longest' \}.*got true$/,
    );
  });

  it('countTokens(text, false) is refused, not counted with special tokens', () => {
    expect(thrown(() => bert.countTokens('hi', false as never)).code).toBe('INVALID_ARGUMENT');
    expect(bert.countTokens('hi', { addSpecialTokens: false })).toBe(1);
  });

  it('an enable_thinking variable goes in templateVars', () => {
    const on = qwen3.applyChatTemplate(chat, { addGenerationPrompt: true });
    const off = qwen3.applyChatTemplate(chat, { addGenerationPrompt: true, templateVars: { enable_thinking: false } });
    expect(off).toBe(`${on}<think>\n\n</think>\n\n`);
  });
});

describe('padId and padToken', () => {
  it('must agree when both are given', () => {
    const pad = { strategy: 'max_length', maxLength: 4 } as const;
    expect(Array.from(bert.encode('hi', { padding: { ...pad, padId: 0, padToken: '[PAD]' } }).ids)).toEqual([101, 7632, 102, 0]);
    const e = thrown(() => bert.encode('hi', { padding: { ...pad, padId: 5, padToken: '[PAD]' } }));
    expect(e.message).toBe("padding.padId 5 is '[unused4]' but padding.padToken '[PAD]' is id 0: pass one of them");
    expect(thrown(() => bert.encode('hi', { padding: { ...pad, padId: 999_999, padToken: '[PAD]' } })).message).toContain('not a token id');
    expect(thrown(() => bert.encode('hi', { padding: { ...pad, padId: 0, padToken: 'zzz-not-a-token' } })).message).toContain(
      "'zzz-not-a-token' is not in the vocabulary",
    );
  });

  it('padId alone pads with its own token', () => {
    const enc = bert.encode('hi', { padding: { strategy: 'max_length', maxLength: 4, padId: 0 } });
    expect(enc.tokens[3]).toBe('[PAD]');
    expect(bert.decode(enc.ids)).toBe('[CLS] hi [SEP] [PAD]');
  });
});
