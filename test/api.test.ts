// Behaviour of the public API: shapes, defaults, options, batches, vocabulary.
// Exactness against Hugging Face lives in parity.*.test.ts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchEncoding, Encoding, Tokenizer, TokenizerError } from 'ferrotok';
import { BERT, ENCODING_JSON_FIELDS, LLAMA3, QWEN3, UNIGRAM } from './fixtures';

const bert = Tokenizer.fromFile(BERT);
const llama3 = Tokenizer.fromFile(LLAMA3);

describe('loading', () => {
  it('takes a folder, a tokenizer.json path, JSON text, a Buffer or a Uint8Array', () => {
    const json = readFileSync(path.join(BERT, 'tokenizer.json'));
    const all = [
      Tokenizer.fromFile(path.join(BERT, 'tokenizer.json')),
      Tokenizer.fromJSON(json.toString('utf8')),
      Tokenizer.fromJSON(json),
      Tokenizer.fromJSON(new Uint8Array(json)),
    ];
    for (const t of all) expect(Array.from(t.encode('Hello there').ids)).toEqual(Array.from(bert.encode('Hello there').ids));
  });

  it('reads tokenizer_config.json beside tokenizer.json', () => {
    expect(llama3.specialTokens.bos).toEqual({ content: '<|begin_of_text|>', id: 128000 });
    expect(Tokenizer.fromFile(path.join(LLAMA3, 'tokenizer.json')).specialTokens.bos?.id).toBe(128000);
    expect(bert.specialTokens).toMatchObject({ cls: { content: '[CLS]', id: 101 }, sep: { id: 102 }, pad: { id: 0 } });
  });

  it('toTokenizerJson round-trips', () => {
    const again = Tokenizer.fromJSON(llama3.toTokenizerJson());
    expect(again.toTokenizerJson()).toBe(llama3.toTokenizerJson());
    const text = 'Round trip: ünïcödé 😀 and <|begin_of_text|> too';
    expect(Array.from(again.encode(text).ids)).toEqual(Array.from(llama3.encode(text).ids));
    expect(JSON.parse(llama3.toTokenizerJson({ pretty: true })).model.type).toBe('BPE');
    expect(again.modelType).toBe('BPE');
  });
});

describe('encode', () => {
  it('returns typed arrays and aligned fields', () => {
    const e = bert.encode('Hello, world!');
    expect(e).toBeInstanceOf(Encoding);
    expect(e.ids).toBeInstanceOf(Uint32Array);
    expect(e.typeIds).toBeInstanceOf(Uint32Array);
    expect(e.attentionMask).toBeInstanceOf(Uint32Array);
    expect(e.specialTokensMask).toBeInstanceOf(Uint32Array);
    expect(e.tokens).toEqual(['[CLS]', 'hello', ',', 'world', '!', '[SEP]']);
    expect(Array.from(e.ids)).toEqual([101, 7592, 1010, 2088, 999, 102]);
    expect(e.offsets).toEqual([
      [0, 0],
      [0, 5],
      [5, 6],
      [7, 12],
      [12, 13],
      [0, 0],
    ]);
    expect(e.wordIds).toEqual([null, 0, 1, 2, 3, null]);
    expect(e.sequenceIds).toEqual([null, 0, 0, 0, 0, null]);
    expect(Array.from(e.specialTokensMask)).toEqual([1, 0, 0, 0, 0, 1]);
    expect(e.length).toBe(6);
    expect(e.overflowing).toEqual([]);
  });

  it('addSpecialTokens: false leaves the special tokens out', () => {
    expect(bert.encode('Hello', { addSpecialTokens: false }).tokens).toEqual(['hello']);
  });

  it('pair offsets index the pair text', () => {
    const text = 'Where is it?';
    const pair = 'It is 😀 here.';
    const e = bert.encode(text, { pair });
    expect(e.tokens).toEqual(['[CLS]', 'where', 'is', 'it', '?', '[SEP]', 'it', 'is', '[UNK]', 'here', '.', '[SEP]']);
    expect(Array.from(e.typeIds)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    e.offsets.forEach(([s, t], i) => {
      const seq = e.sequenceIds[i];
      if (seq === null) return;
      const src = seq === 0 ? text : pair;
      expect(src.slice(s, t).toLowerCase()).toBe(e.tokens[i] === '[UNK]' ? '😀' : e.tokens[i]);
    });
  });

  it('toJSON gives a plain object', () => {
    const j = JSON.parse(JSON.stringify(bert.encode('hi')));
    expect(j.ids).toEqual([101, 7632, 102]);
    expect(Object.keys(j).sort()).toEqual(ENCODING_JSON_FIELDS);
  });

  it('encodes a 1 MB single word', () => {
    const word = 'a'.repeat(1_000_000);
    const e = llama3.encode(word, { addSpecialTokens: false });
    expect(e.offsets.at(-1)?.[1]).toBe(1_000_000);
    expect(llama3.decode(e.ids)).toBe(word);
    expect(bert.encode(word).tokens).toEqual(['[CLS]', '[UNK]', '[SEP]']);
  });
});

describe('truncation and padding', () => {
  const text = 'one two three four five six seven eight nine ten eleven twelve';

  it('truncates with stride and returns the overflowing windows', () => {
    const e = bert.encode(text, { truncation: { maxLength: 6, stride: 1 } });
    expect(e.tokens).toEqual(['[CLS]', 'one', 'two', 'three', 'four', '[SEP]']);
    // tokenizers 0.23 (Python too) stops tokenizing once a truncating encode has maxLength
    // tokens, so the overflow only covers what was tokenized: one window, not the whole text.
    expect(e.overflowing.map((o) => o.tokens)).toEqual([['[CLS]', 'four', 'five', 'six', '[SEP]']]);
  });

  it('truncates on the left', () => {
    const e = bert.encode(text, { truncation: { maxLength: 4, side: 'left' } });
    expect(e.tokens).toEqual(['[CLS]', 'eleven', 'twelve', '[SEP]']);
  });

  it('pads to a fixed length, on either side, to a multiple', () => {
    const right = bert.encode('hi', { padding: { maxLength: 6 } });
    expect(right.tokens).toEqual(['[CLS]', 'hi', '[SEP]', '[PAD]', '[PAD]', '[PAD]']);
    expect(Array.from(right.attentionMask)).toEqual([1, 1, 1, 0, 0, 0]);
    const left = bert.encode('hi', { padding: { maxLength: 5, side: 'left' } });
    expect(left.tokens).toEqual(['[PAD]', '[PAD]', '[CLS]', 'hi', '[SEP]']);
    expect(bert.encode('hi', { padding: { multipleOf: 8 } }).length).toBe(8);
  });

  it('takes the pad token from tokenizer_config.json, and says so when there is none', () => {
    const qwen = Tokenizer.fromFile(QWEN3);
    expect(qwen.encode('hi', { padding: { maxLength: 3, side: 'left' } }).tokens[0]).toBe('<|endoftext|>');
    expect(() => llama3.encode('hi', { padding: { maxLength: 4 } })).toThrow(/no pad token/);
    expect(llama3.encode('hi', { padding: { maxLength: 3, padToken: '<|end_of_text|>' } }).ids[2]).toBe(128001);
  });

  it('truncation.maxLength defaults to model_max_length', () => {
    expect(bert.encode('word '.repeat(600), { truncation: {} }).length).toBe(512);
  });
});

describe('batches', () => {
  const lines = ['Hello there', 'A somewhat longer line of text', 'x'];

  it('rows equal single encodes; padded batches expose [batch, seqLen] arrays', () => {
    const b = bert.encodeBatch(lines, { padding: { strategy: 'longest' } });
    expect(b).toBeInstanceOf(BatchEncoding);
    expect(b.length).toBe(3);
    const seq = bert.encode(lines[1]!).length;
    expect(b.dims).toEqual([3, seq]);
    expect(b.inputIds).toBeInstanceOf(Uint32Array);
    expect(b.inputIds.length).toBe(3 * seq);
    expect(Array.from(b.inputIds.subarray(seq, 2 * seq))).toEqual(Array.from(bert.encode(lines[1]!).ids));
    expect(Array.from(b.attentionMask.subarray(0, seq)).filter((x) => x === 1).length).toBe(bert.encode(lines[0]!).length);
    expect(b.typeIds.length).toBe(3 * seq);
    expect([...b].map((e) => e.length)).toEqual([seq, seq, seq]);
    expect(b.at(-1)?.tokens[1]).toBe('x');
    expect(b.at(3)).toBeUndefined();
  });

  it('an unpadded batch of uneven rows has no flat tensor', () => {
    const b = bert.encodeBatch(lines);
    expect(b.isRectangular).toBe(false);
    expect(() => b.inputIds).toThrow(TokenizerError);
    expect(() => b.dims).toThrow(/padding/);
    expect(b.at(0)?.tokens).toEqual(bert.encode(lines[0]!).tokens);
  });

  it('every field of every row equals the single encode, rows of any length', () => {
    const texts = ['Hello there 😀', '', 'A somewhat longer line of text, with a pair', 'x'];
    const pairs: [string, string][] = texts.map((t, i) => [t, `pair ${i}`]);
    for (const [tok, inputs] of [
      [llama3, texts],
      [bert, texts],
      [bert, pairs],
    ] as const) {
      const b = tok.encodeBatch(inputs);
      inputs.forEach((input, i) => {
        const [text, pair] = typeof input === 'string' ? [input, undefined] : input;
        const want = tok.encode(text, { pair }).toJSON();
        // Read in two orders: one field across rows first, then a row whole.
        expect(b.at(i)!.length).toBe(want.ids.length);
        expect(b.at(i)!.toJSON()).toEqual(want);
      });
    }
  });

  it('a row owns its arrays: transferring one leaves the others intact', () => {
    const b = llama3.encodeBatch(['one two three', 'four five']);
    const [first, second] = [b.at(0)!.ids, b.at(1)!.ids];
    const want = Array.from(second);
    structuredClone(first, { transfer: [first.buffer] });
    expect(first.length).toBe(0);
    expect(Array.from(second)).toEqual(want);
    expect(Array.from(b.at(1)!.attentionMask)).toEqual(want.map(() => 1));
  });

  it('takes [text, pair] tuples', () => {
    const b = bert.encodeBatch([['question?', 'context.'], 'single']);
    expect(b.at(0)?.tokens).toEqual(bert.encode('question?', { pair: 'context.' }).tokens);
    expect(b.at(1)?.tokens).toEqual(['[CLS]', 'single', '[SEP]']);
  });

  it('an empty batch is fine', () => {
    expect(bert.encodeBatch([]).length).toBe(0);
  });

  it('encodeBatchAsync equals encodeBatch, and many run at once on one tokenizer', async () => {
    const corpus = readFileSync(path.join(__dirname, '..', '..', 'shared', 'corpus', 'prompts.txt'), 'utf8')
      .split('\n')
      .slice(0, 2000);
    const sync = llama3.encodeBatch(corpus);
    const results = await Promise.all(Array.from({ length: 6 }, () => llama3.encodeBatchAsync(corpus)));
    for (const r of results) {
      expect(r.length).toBe(sync.length);
      for (const i of [0, 17, 999, 1999]) expect(Array.from(r.at(i)!.ids)).toEqual(Array.from(sync.at(i)!.ids));
    }
  });

  it('encodeBatchAsync leaves the event loop free', async () => {
    // Not a timing assertion: while the batch (4 MB) is encoded off the JS thread, the event
    // loop must get to run an immediate before the promise settles. Work done on the JS
    // thread would settle it first.
    const corpus = readFileSync(path.join(__dirname, '..', '..', 'shared', 'corpus', 'en_prose.txt'), 'utf8').split('\n');
    let loopTurned = false;
    const settled = llama3.encodeBatchAsync(corpus).then((b) => ({ b, loopTurnedFirst: loopTurned }));
    setImmediate(() => {
      loopTurned = true;
    });
    const { b, loopTurnedFirst } = await settled;
    expect(b.length).toBe(corpus.length);
    expect(loopTurnedFirst).toBe(true);
  });

  it('an AbortSignal rejects with ABORTED, before or during the work', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(llama3.encodeBatchAsync(['x'], { signal: ac.signal })).rejects.toMatchObject({ code: 'ABORTED' });

    const corpus = readFileSync(path.join(__dirname, '..', '..', 'shared', 'corpus', 'en_prose.txt'), 'utf8').split('\n');
    const during = new AbortController();
    const p = llama3.encodeBatchAsync(corpus, { signal: during.signal });
    setTimeout(() => during.abort(), 5);
    await expect(p).rejects.toBeInstanceOf(TokenizerError);
    await expect(p).rejects.toMatchObject({ code: 'ABORTED' });
    // The tokenizer is still fine afterwards.
    expect((await llama3.encodeBatchAsync(['still works'])).at(0)?.length).toBe(2);
  });
});

describe('countTokens', () => {
  it('equals the encode length, with and without special tokens', () => {
    for (const t of [bert, llama3]) {
      for (const text of ['', 'Hello world', 'ünïcödé 😀 <|begin_of_text|> [CLS]']) {
        expect(t.countTokens(text)).toBe(t.encode(text).length);
        expect(t.countTokens(text, { addSpecialTokens: false })).toBe(t.encode(text, { addSpecialTokens: false }).length);
      }
    }
  });
});

describe('decode', () => {
  const ids = bert.encode('Hello, world!').ids;

  it('decodes with and without special tokens', () => {
    expect(bert.decode(ids)).toBe('[CLS] hello, world! [SEP]');
    expect(bert.decode(ids, { skipSpecialTokens: true })).toBe('hello, world!');
  });

  it('takes number[] and every integer typed array', () => {
    const expected = bert.decode(ids);
    const forms = [
      Array.from(ids),
      Int32Array.from(ids),
      Float64Array.from(ids),
      Uint16Array.from(ids),
      BigInt64Array.from(Array.from(ids, BigInt)),
      BigUint64Array.from(Array.from(ids, BigInt)),
    ];
    for (const f of forms) expect(bert.decode(f)).toBe(expected);
  });

  it('decodeBatch decodes each row', () => {
    expect(bert.decodeBatch([ids, [7592]], { skipSpecialTokens: true })).toEqual(['hello, world!', 'hello']);
  });

  it('round-trips byte-level text exactly', () => {
    const text = 'Tabs\tand\nnewlines, emoji 👨‍👩‍👧 and 中文 and \u0000 control';
    expect(llama3.decode(llama3.encode(text, { addSpecialTokens: false }).ids)).toBe(text);
  });
});

describe('vocabulary', () => {
  it('maps tokens and ids both ways', () => {
    expect(bert.tokenToId('hello')).toBe(7592);
    expect(bert.idToToken(7592)).toBe('hello');
    expect(bert.tokenToId('not-a-token-at-all')).toBeUndefined();
    expect(bert.idToToken(10_000_000)).toBeUndefined();
    expect(bert.vocabSize).toBe(30522);
    expect(llama3.vocabSize).toBe(128256);
  });

  it('getVocab is a Map that agrees with tokenToId', () => {
    const v = llama3.getVocab();
    expect(v).toBeInstanceOf(Map);
    expect(v.size).toBe(llama3.vocabSize);
    expect(v.get('<|begin_of_text|>')).toBe(128000);
    expect(llama3.getVocab({ withAddedTokens: false }).has('<|begin_of_text|>')).toBe(false);
  });

  it('lists added and special tokens', () => {
    const bos = llama3.addedTokens.find((t) => t.id === 128000);
    expect(bos).toMatchObject({ content: '<|begin_of_text|>', special: true });
    expect(llama3.allSpecialIds).toContain(128001);
    expect(bert.numSpecialTokensToAdd()).toBe(2);
    expect(bert.numSpecialTokensToAdd(true)).toBe(3);
  });
});

describe('ids only: encodeIds, encodeBatchIds, countTokensBatch', () => {
  const texts = ['Hello 😀 world', '', 'Ünïcödé 漢字 and <|begin_of_text|> inside', 'x'.repeat(5000)];
  const unigram = Tokenizer.fromFile(UNIGRAM);

  it('equal encode().ids for every option combination, fast path or not', () => {
    for (const tok of [llama3, bert, unigram]) {
      for (const text of texts) {
        for (const addSpecialTokens of [true, false]) {
          for (const specialTokens of ['allow', 'plain'] as const) {
            const want = tok.encode(text, { addSpecialTokens, specialTokens, truncation: null, padding: null }).ids;
            expect(tok.encodeIds(text, { addSpecialTokens, specialTokens })).toEqual(want);
          }
        }
      }
    }
  });

  it('encodeBatchIds rows equal encodeIds, as views into one flat buffer', () => {
    for (const tok of [llama3, bert]) {
      const flat = tok.encodeBatchIds(texts);
      expect(flat.length).toBe(texts.length);
      expect(flat.offsets.length).toBe(texts.length + 1);
      texts.forEach((t, i) => {
        expect(flat.row(i)).toEqual(tok.encodeIds(t));
        expect(flat.row(i).buffer).toBe(flat.ids.buffer);
      });
      expect([...flat].length).toBe(texts.length);
      expect(Array.from(flat.lengths())).toEqual(texts.map((t) => tok.countTokens(t)));
      expect(tok.countTokensBatch(texts)).toEqual(flat.lengths());
      expect(() => flat.row(texts.length)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(bert.encodeBatchIds([]).length).toBe(0);
  });

  it("encodeIdsInto writes encodeIds into the caller's array, past the scratch size too", () => {
    // 20k ids: more than the native scratch array holds (4,096), so the other return path.
    const long = 'word, '.repeat(10_000);
    for (const tok of [llama3, bert, unigram]) {
      for (const text of [...texts, long]) {
        for (const addSpecialTokens of [true, false]) {
          const want = tok.encodeIds(text, { addSpecialTokens });
          const out = new Uint32Array(want.length + 3).fill(7);
          expect(tok.encodeIdsInto(text, out, { addSpecialTokens })).toBe(want.length);
          expect(out.subarray(0, want.length)).toEqual(want);
          expect(Array.from(out.subarray(want.length))).toEqual([7, 7, 7]);
        }
      }
    }
    // At an offset, through a view.
    const buf = new Uint32Array(16).fill(9);
    const n = llama3.encodeIdsInto('Hello 😀 world', buf.subarray(4));
    expect(Array.from(buf.subarray(0, 4))).toEqual([9, 9, 9, 9]);
    expect(buf.subarray(4, 4 + n)).toEqual(llama3.encodeIds('Hello 😀 world'));
  });

  it('encodeIdsInto refuses a short or non-Uint32Array out, leaving it unchanged', () => {
    const want = llama3.encodeIds('Hello 😀 world, and more words');
    const short = new Uint32Array(want.length - 1).fill(5);
    expect(() => llama3.encodeIdsInto('Hello 😀 world, and more words', short)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`at least ${want.length}`) }),
    );
    expect(short.every((x) => x === 5)).toBe(true);
    for (const out of [[0, 0, 0], new Int32Array(8), new Float64Array(8), undefined, new ArrayBuffer(32)]) {
      expect(() => llama3.encodeIdsInto('hi', out as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(llama3.encodeIdsInto('', new Uint32Array(0), { addSpecialTokens: false })).toBe(0);
    expect(() => llama3.encodeIdsInto(5 as never, new Uint32Array(4))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('check their arguments', () => {
    expect(() => llama3.encodeIds(5 as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => llama3.encodeBatchIds(['a', 1] as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => llama3.countTokensBatch('a' as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => llama3.encodeIds('<|begin_of_text|>', { specialTokens: 'error' })).toThrow(
      expect.objectContaining({ code: 'SPECIAL_TOKEN_IN_TEXT' }),
    );
  });
});

describe('threads option', () => {
  const texts = Array.from({ length: 300 }, (_, i) => `row ${i}: ${'word '.repeat(i % 17)}😀`);

  it('gives the same rows on the caller thread, a custom pool and the default pool', async () => {
    const want = llama3.encodeBatchIds(texts);
    for (const threads of [1, 2, 3]) {
      expect(llama3.encodeBatchIds(texts, { threads }).ids).toEqual(want.ids);
      expect(llama3.countTokensBatch(texts, { threads })).toEqual(want.lengths());
      const batch = llama3.encodeBatch(texts, { threads });
      expect(batch.at(7).ids).toEqual(want.row(7));
      const asyncBatch = await llama3.encodeBatchAsync(texts, { threads });
      expect(asyncBatch.at(299).ids).toEqual(want.row(299));
      expect(llama3.decodeBatch([...want], { threads })).toEqual(llama3.decodeBatch([...want]));
    }
  });

  it('rejects a thread count outside 1..256', () => {
    for (const threads of [0, -1, 1.5, 257]) {
      expect(() => llama3.encodeBatchIds(texts, { threads })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});
