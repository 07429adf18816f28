// Streaming decode: for every tokenizer type, the pieces joined equal decode(allIds), and no
// piece holds a U+FFFD that the full decode does not have.
import { describe, expect, it } from 'vitest';
import { DecodeStream, Tokenizer } from 'ferrotok';
import { corpusLines } from './helpers/corpus';
import { TOKENIZERS } from './helpers/tokenizers';

const TEXTS = [
  'Hello world! Streaming text, one token at a time.',
  'Emoji 🧑‍💻👍🏽🇯🇵 and CJK 漢字かなカナ한국어, Ελληνικά — ünïcödé.',
  '  leading spaces\n\nblank lines\ttabs   trailing  ',
  'rare characters 𒀀𓀀🦩ꙮ force byte-level and byte-fallback pieces',
  ...corpusLines('multilingual.txt').slice(0, 20),
  ...corpusLines('emoji.txt').slice(0, 20),
];

function streamAll(tok: Tokenizer, ids: ArrayLike<number>, skipSpecialTokens: boolean): string[] {
  const stream = tok.decodeStream({ skipSpecialTokens });
  const pieces: string[] = [];
  for (const id of Array.from(ids)) {
    const piece = stream.step(id);
    if (piece !== null) pieces.push(piece);
  }
  const rest = stream.finish();
  if (rest !== null) pieces.push(rest);
  return pieces;
}

describe('decodeStream', () => {
  for (const t of TOKENIZERS) {
    it(`${t.name} (${t.family}): pieces join to decode(all ids), without broken characters`, () => {
      const tok = Tokenizer.fromFile(t.path);
      for (const text of TEXTS) {
        const ids = tok.encode(text).ids;
        for (const skip of [false, true]) {
          const full = tok.decode(ids, { skipSpecialTokens: skip });
          const pieces = streamAll(tok, ids, skip);
          expect(pieces.join('')).toBe(full);
          if (!full.includes('\uFFFD')) for (const p of pieces) expect(p).not.toContain('\uFFFD');
        }
      }
    });
  }

  it('holds back an incomplete character, and finish() flushes it as decode() would', () => {
    const tok = Tokenizer.fromFile(TOKENIZERS.find((t) => t.name === 'llama3')!.path);
    const ids = Array.from(tok.encode('𒀀', { addSpecialTokens: false }).ids);
    expect(ids.length).toBeGreaterThan(1);
    const s = tok.decodeStream();
    expect(s).toBeInstanceOf(DecodeStream);
    expect(s.step(ids[0]!)).toBeNull();
    expect(s.finish()).toBe(tok.decode([ids[0]!]));
    // finish() resets: the stream is reusable.
    expect(ids.map((id) => s.step(id)).join('')).toBe('𒀀');
  });

  it('rejects ids outside the vocabulary with a coded error', () => {
    const tok = Tokenizer.fromFile(TOKENIZERS[0]!.path);
    const s = tok.decodeStream();
    expect(() => s.step(10_000_000)).toThrow(expect.objectContaining({ code: 'ID_OUT_OF_RANGE' }));
    expect(() => s.step(-1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => s.step(1.5)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
