/**
 * Differential test against the official Hugging Face `tokenizers` npm binding (0.23.2, same
 * Rust core): both load the same tokenizer.json and must agree on every field, for the first
 * 500 prompt lines, 200 seeded random corpus lines, the edge cases of the goldens, 50 pairs,
 * and decode.
 *
 * The binding's offsets count Unicode scalars; ferrotok's count UTF-16 code units, so the
 * binding's are converted against the text before comparing.
 */
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Tokenizer } from 'ferrotok';
import { CORPUS_FILES, corpusLines, mulberry32 } from './helpers/corpus';
import { plain, type PlainEncoding } from './helpers/digest';
import { jsInput, loadGolden } from './helpers/goldens';
import { TOKENIZERS, tokenizerJsonPath } from './helpers/tokenizers';

type Tok = ReturnType<typeof Tokenizer.fromFile>;

// The binding is CommonJS with named exports on module.exports.
const requireCjs = createRequire(__filename);

interface HfEncoding {
  getIds(): number[];
  getTokens(): string[];
  getOffsets(): number[][];
  getTypeIds(): number[];
  getAttentionMask(): number[];
  getSpecialTokensMask(): number[];
  getWordIds(): (number | null | undefined)[];
  getSequenceIds(): (number | null | undefined)[];
  getOverflowing(): HfEncoding[];
}
interface HfTokenizer {
  encode(text: string, pair?: string | null, options?: { addSpecialTokens?: boolean }): Promise<HfEncoding>;
  /** Takes plain strings only: pairs go through `encode`. */
  encodeBatch(inputs: string[], options?: { addSpecialTokens?: boolean }): Promise<HfEncoding[]>;
  decodeBatch(ids: number[][], skipSpecialTokens: boolean): Promise<string[]>;
}
const { Tokenizer: HfTokenizerClass } = requireCjs('tokenizers') as {
  Tokenizer: { fromFile(file: string): HfTokenizer };
};

/** Maps a Unicode-scalar index of `text` to its UTF-16 index (null when they coincide). */
function scalarToUtf16(text: string): number[] | null {
  if (!/[\uD800-\uDFFF]/.test(text)) return null;
  const table: number[] = [];
  let acc = 0;
  // Iterating a string yields code points; a lone surrogate comes out alone (length 1), which
  // is also the length of the U+FFFD that replaced it on the way into Rust.
  for (const ch of text) {
    table.push(acc);
    acc += ch.length;
  }
  table.push(acc);
  return table;
}

/**
 * The binding's encoding as a PlainEncoding with UTF-16 offsets.
 *
 * Which text a pair token's offsets index is its sequence id, except in overflowing encodings,
 * where the core reports 0 or null for tokens of the second text. There, when either text
 * has characters outside the BMP (so the conversion depends on the text), offsets are left out
 * (see `withoutPairOverflowOffsets`); the goldens test covers them.
 */
function hfPlain(e: HfEncoding, text: string, pair?: string, overflow = false): PlainEncoding {
  const t0 = scalarToUtf16(text);
  const t1 = pair === undefined ? null : scalarToUtf16(pair);
  const seq = e.getSequenceIds().map((s) => s ?? null);
  const unknowable = overflow && pair !== undefined && (t0 !== null || t1 !== null);
  return {
    ids: e.getIds(),
    tokens: e.getTokens(),
    offsets: unknowable
      ? []
      : e.getOffsets().map(([s, end], i) => {
          const t = seq[i] === 1 ? t1 : t0;
          return t ? [t[s!]!, t[end!]!] : [s!, end!];
        }),
    typeIds: e.getTypeIds(),
    attentionMask: e.getAttentionMask(),
    specialTokensMask: e.getSpecialTokensMask(),
    wordIds: e.getWordIds().map((w) => w ?? null),
    sequenceIds: seq,
    overflowing: e.getOverflowing().map((o) => hfPlain(o, text, pair, true)),
  };
}

/** Empties the offsets of overflowing encodings, to match `hfPlain` for such pairs. */
function withoutPairOverflowOffsets(e: PlainEncoding, text: string, pair: string, overflow = false): PlainEncoding {
  const unknowable = overflow && (scalarToUtf16(text) !== null || scalarToUtf16(pair) !== null);
  return {
    ...e,
    offsets: unknowable ? [] : e.offsets,
    overflowing: e.overflowing.map((o) => withoutPairOverflowOffsets(o, text, pair, true)),
  };
}

// ferrotok frees native memory from finalizers that run on a later event-loop turn; give them
// one after each test (see parity.goldens.test.ts).
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));

const PROMPTS = corpusLines('prompts.txt').slice(0, 500);

/** 200 non-empty corpus lines picked with a fixed seed. */
const RANDOM_LINES: string[] = (() => {
  const rand = mulberry32(20261125);
  const files = CORPUS_FILES;
  const out: string[] = [];
  while (out.length < 200) {
    const lines = corpusLines(files[Math.floor(rand() * files.length)]!);
    const line = lines[Math.floor(rand() * lines.length)]!;
    if (line.trim() !== '') out.push(line);
  }
  return out;
})();

const PAIRS: [string, string][] = Array.from({ length: 50 }, (_, i) => [
  corpusLines('prompts.txt')[1000 + 2 * i]!,
  corpusLines('prompts.txt')[1001 + 2 * i]!,
]);

describe.each(TOKENIZERS.map((t) => [t.name, t] as const))('%s', (name, spec) => {
  // Edge cases (and lone surrogates) as stored in the goldens. Lone surrogates are included:
  // the binding takes strings through the same V8 UTF-8 conversion as ferrotok, which turns
  // each lone surrogate into U+FFFD (checked here: 'a\ud800b' gives the offsets of 'a\ufffdb').
  const edges = loadGolden(name)
    .texts.filter((t) => t.id.startsWith('edge:') || t.id.startsWith('surrogate:'))
    .map((t) => ({ id: t.id, text: jsInput(t) }));
  let tok: Tok;
  let hf: HfTokenizer;

  beforeAll(() => {
    tok = Tokenizer.fromFile(spec.path);
    hf = HfTokenizerClass.fromFile(tokenizerJsonPath(spec));
  }, 120_000);
  afterAll(() => {
    tok = undefined as unknown as Tok;
    hf = undefined as unknown as HfTokenizer;
  });

  async function compareTexts(labels: string[], texts: string[]): Promise<void> {
    for (const add of [true, false]) {
      const theirs = await hf.encodeBatch(texts, { addSpecialTokens: add });
      expect(theirs.length).toBe(texts.length);
      texts.forEach((text, i) => {
        const ours = plain(tok.encode(text, { addSpecialTokens: add }));
        expect(ours, `${labels[i]} addSpecialTokens=${add}`).toEqual(hfPlain(theirs[i]!, text));
      });
      const ids = theirs.map((e) => e.getIds());
      for (const skip of [false, true]) {
        const expected = await hf.decodeBatch(ids, skip);
        ids.forEach((x, i) => {
          expect(tok.decode(x, { skipSpecialTokens: skip }), `decode ${labels[i]} skip=${skip}`).toBe(expected[i]);
        });
      }
    }
  }

  test('first 500 prompt lines', async () => {
    await compareTexts(
      PROMPTS.map((_, i) => `prompts.txt:${i}`),
      PROMPTS,
    );
  }, 60_000);

  test('200 seeded random corpus lines', async () => {
    await compareTexts(
      RANDOM_LINES.map((l) => JSON.stringify(l.slice(0, 40))),
      RANDOM_LINES,
    );
  }, 60_000);

  test('edge cases', async () => {
    expect(edges.length).toBeGreaterThan(0);
    await compareTexts(
      edges.map((e) => e.id),
      edges.map((e) => e.text),
    );
  }, 60_000);

  test('50 pairs', async () => {
    for (const add of [true, false]) {
      for (const [i, [a, b]] of PAIRS.entries()) {
        const theirs = await hf.encode(a, b, { addSpecialTokens: add });
        const ours = withoutPairOverflowOffsets(plain(tok.encode(a, { pair: b, addSpecialTokens: add })), a, b);
        expect(ours, `pair ${i} addSpecialTokens=${add}`).toEqual(hfPlain(theirs, a, b));
      }
    }
  }, 60_000);
});
