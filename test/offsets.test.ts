// Offsets are UTF-16 code units of the JS input: text.slice(start, end) is the token's
// source, across every tokenizer family and after astral characters.
import { describe, expect, it } from 'vitest';
import { Tokenizer } from 'ferrotok';
import { BERT, GEMMA3, LLAMA2, LLAMA3, UNIGRAM } from './fixtures';

const TEXTS = [
  '😀 smile, then 中文字 and 𠀀𠀁 (astral CJK)',
  'family 👨‍👩‍👧‍👦 flag 🏳️‍🌈 tone 👍🏽 e\u0301 a\u0308\u0301',
  'ΑΣ ΟΔΟΣ straße İstanbul ﬁne １２３',
  '',
  '   \t\n  ',
];

describe.each([
  ['llama3 (byte-level BPE)', LLAMA3],
  ['llama2 (SentencePiece BPE, byte fallback)', LLAMA2],
  ['gemma3 (SentencePiece BPE)', GEMMA3],
  ['bert (WordPiece)', BERT],
  ['unigram', UNIGRAM],
])('%s', (_name, file) => {
  const tok = Tokenizer.fromFile(file);

  it.each(TEXTS)('spans are inside the text and in order: %j', (text) => {
    const e = tok.encode(text, { addSpecialTokens: false });
    let lastStart = 0;
    e.offsets.forEach(([s, t]) => {
      expect(0 <= s && s <= t && t <= text.length).toBe(true);
      expect(s).toBeGreaterThanOrEqual(lastStart);
      lastStart = s;
      // A span never starts or ends between the two halves of a surrogate pair.
      for (const b of [s, t]) {
        const prev = text.charCodeAt(b - 1);
        expect(b > 0 && b < text.length && prev >= 0xd800 && prev <= 0xdbff).toBe(false);
      }
    });
  });
});

describe.each([
  ['llama3', LLAMA3],
  ['llama2', LLAMA2],
  ['bert', BERT],
  ['unigram', UNIGRAM],
])('flatOffsets (%s)', (_name, file) => {
  const tok = Tokenizer.fromFile(file);
  const flat = (e: { offsets: [number, number][] }) => Uint32Array.from(e.offsets.flat());

  it('holds the spans of offsets, in order, read before or after them', () => {
    for (const text of TEXTS) {
      const before = tok.encode(text, { pair: 'and a 😀 pair' });
      const first = before.flatOffsets;
      expect(first).toBeInstanceOf(Uint32Array);
      expect(first.length).toBe(2 * before.length);
      expect(first).toEqual(flat(before));
      const after = tok.encode(text);
      const tuples = flat(after);
      expect(after.flatOffsets).toEqual(tuples);
      expect(after.flatOffsets).toBe(after.flatOffsets);
    }
  });

  it('holds the spans of batch rows', () => {
    const rows = tok.encodeBatch([...TEXTS, ['a question?', 'its context.']]);
    expect(rows.length).toBe(TEXTS.length + 1);
    for (const row of rows) expect(row.flatOffsets).toEqual(flat(row));
  });
});

it('flatOffsets holds the spans of overflowing windows', () => {
  const tok = Tokenizer.fromFile(BERT);
  const text = 'one two three four five six seven eight nine ten eleven twelve';
  const e = tok.encode(text, { truncation: { maxLength: 6, stride: 1 } });
  expect(e.overflowing.length).toBe(1);
  for (const w of [e, ...e.overflowing]) {
    expect(w.flatOffsets).toEqual(Uint32Array.from(w.offsets.flat()));
    expect(Array.from(w.flatOffsets.subarray(2, 4))).toEqual(w === e ? [0, 3] : [14, 18]);
  }
});

describe('exact spans', () => {
  it('byte-level tokens of one astral char all map to that char', () => {
    const tok = Tokenizer.fromFile(LLAMA3);
    const text = 'a😀b';
    const e = tok.encode(text, { addSpecialTokens: false });
    const slices = e.offsets.map(([s, t]) => text.slice(s, t));
    expect(slices.join('')).toContain('😀');
    expect(slices[0]).toBe('a');
    expect(slices.at(-1)).toBe('b');
    expect(slices.every((s) => s === 'a' || s === 'b' || s === '😀')).toBe(true);
  });

  it('wordpiece spans slice to the original casing and accents', () => {
    const tok = Tokenizer.fromFile(BERT);
    const text = '😀 Héllo WORLD';
    const e = tok.encode(text, { addSpecialTokens: false });
    expect(e.offsets.map(([s, t]) => text.slice(s, t))).toEqual(['😀', 'Héllo', 'WORLD']);
  });
});
