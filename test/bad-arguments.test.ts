// Every public method, called with arbitrary JS values (issue 18): it returns, or it throws a
// TokenizerError whose code is not INTERNAL. No TypeError or RangeError from deep inside, no
// crash. Property-based (fast-check), seeded: a failure prints the seed and the
// counterexample; FERROTOK_BAD_ARGS_SEED and FERROTOK_BAD_ARGS_RUNS override the defaults,
// FERROTOK_BAD_ARGS_TRACE=1 prints each method's name to stderr before its runs.
import { mkdtempSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AutoTokenizer,
  BatchEncoding,
  cosineSimilarity,
  DecodeStream,
  Embeddings,
  Encoding,
  encodeOnnxFeeds,
  encodingForModel,
  encodingNameForModel,
  FlatIds,
  getEncoding,
  TiktokenEncoding,
  Tokenizer,
  TokenizerError,
  toOnnxFeeds,
} from 'ferrotok';
import { repoRoot } from './helpers/tokenizers';

const SEED = Number(process.env.FERROTOK_BAD_ARGS_SEED ?? 18);
const RUNS = Number(process.env.FERROTOK_BAD_ARGS_RUNS ?? 40);

// No network and no real cache: fromPretrained with a random id must fail fast, offline.
const savedEnv = {
  HF_HUB_OFFLINE: process.env.HF_HUB_OFFLINE,
  HF_HOME: process.env.HF_HOME,
  HF_HUB_CACHE: process.env.HF_HUB_CACHE,
  HF_ENDPOINT: process.env.HF_ENDPOINT,
};
beforeAll(() => {
  process.env.HF_HUB_OFFLINE = '1';
  // Should an argument turn offline mode off, the "Hub" is a closed port: refused at once.
  process.env.HF_ENDPOINT = 'http://127.0.0.1:9';
  process.env.HF_HOME = mkdtempSync(path.join(os.tmpdir(), 'ferrotok-badargs-hf-'));
  delete process.env.HF_HUB_CACHE;
});
afterAll(() => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const circular: Record<string, unknown> = { role: 'user' };
circular.content = circular;
let deep: unknown = 'x';
for (let i = 0; i < 100_000; i++) deep = [deep];
const huge = new Array(2 ** 32 - 1);

/** Values that broke (or could break) a conversion somewhere: edges of every JS type. */
const HOSTILE: readonly unknown[] = [
  undefined,
  null,
  true,
  false,
  0,
  -0,
  -1,
  0.5,
  NaN,
  Infinity,
  -Infinity,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53,
  1e8,
  Number.MAX_VALUE,
  10n,
  -(2n ** 70n),
  '',
  ' ',
  'hello world',
  '\uD800',
  '\uDC00a\uD800',
  '<|endoftext|>',
  '<|begin_of_text|>',
  '[CLS] [SEP]',
  'a'.repeat(100_000),
  'o200k_base',
  'cl100k_base',
  'gpt-4o',
  'ft:gpt-4o:x::y',
  'input_ids',
  'longest',
  'max_length',
  'left',
  'right',
  'allow',
  'plain',
  'error',
  Symbol('s'),
  () => 1,
  class {},
  [],
  [1, 2, 3],
  [-1],
  [NaN],
  [0.5],
  [2 ** 32],
  ['a', 'b'],
  [['a', 'b']],
  [['a']],
  [[1, 2]],
  [1n],
  [null],
  [undefined],
  new Array(3),
  huge,
  { length: 2 ** 32 - 1 },
  {},
  Object.create(null),
  { role: 'user', content: 'hi' },
  [{ role: 'user', content: 'hi' }],
  [{ role: 5, content: 'hi' }],
  [{ role: 'user', content: 10n }],
  [{ role: 'user', content: Symbol('c') }],
  [{ role: 'user', content: [{ type: 'text', text: 5 }] }],
  [{ role: 'user', content: deep }],
  [circular],
  circular,
  deep,
  { padding: { maxLength: 2 ** 32 - 1, padId: 0 } },
  { padding: { strategy: 'max_length', maxLength: 1e8, padId: 0 } },
  { padding: { multipleOf: 2 ** 32 - 1, padId: 0 } },
  { padding: { padId: 2 ** 32 - 1 } },
  { padding: { padToken: 5 } },
  { padding: true },
  { truncation: { maxLength: 0 } },
  { truncation: { maxLength: 4, stride: 2 ** 32 - 1 } },
  { truncation: true },
  { threads: 2 ** 32 - 1 },
  { threads: 0 },
  { threads: 1000 },
  { specialTokens: 'nope' },
  { addSpecialTokens: 'yes' },
  { skipSpecialTokens: 1 },
  { maxTokens: 0 },
  { maxTokens: 4, overlap: 4 },
  { maxTokens: 2 ** 32 - 1, overlap: 2 ** 32 - 2 },
  { signal: {} },
  { signal: AbortSignal.abort() },
  { tools: 'x' },
  { tokenize: 'yes' },
  { chatTemplate: '{{ raise_exception("boom") }}' },
  { chatTemplate: '{% for i in range(100000000) %}{{ i }}{% endfor %}' },
  { chatTemplate: '{% set a = "x" * 100000000 %}{{ a }}' },
  { chatTemplate: '{{' },
  { now: NaN },
  { now: new Date(NaN) },
  { templateVars: [] },
  { continueFinalMessage: 7 },
  { maxInputLength: -1 },
  { maxInputLength: 0 },
  { maxFileBytes: 0 },
  { localFilesOnly: 'no' },
  { revision: 5 },
  { allowedSpecial: 'all' },
  { allowedSpecial: ['<|nope|>'] },
  { disallowedSpecial: new Set([5]) },
  { textPair: ['a'] },
  { returnTensor: false },
  { padding: 'max_length' },
  { padding: 'max_length', maxLength: 2 ** 32 - 1 },
  { padTo: 2 ** 32 - 1 },
  { padTo: -1 },
  { inputNames: ['nope'] },
  { type: 'float' },
  { session: {} },
  { session: { inputNames: 5 } },
  { data: new Uint32Array(4), dims: [2, 2] },
  { data: new Uint32Array(4), dims: [2 ** 31, 2 ** 31] },
  { data: [1, 2], dims: [-1, 2] },
  new Date(NaN),
  /x/,
  new Map([['a', 1]]),
  new Set(['<|endoftext|>']),
  new Uint32Array([1, 2, 2 ** 32 - 1]),
  new Int32Array([-1]),
  new Float64Array([NaN, 1.5]),
  new Float32Array(0),
  new Float32Array([1, 2]),
  new BigInt64Array([-1n, 2n ** 40n]),
  new BigUint64Array([2n ** 64n - 1n]),
  new Uint8Array([123, 125]),
  Buffer.from('{"model":{}}'),
  new ArrayBuffer(8),
  new DataView(new ArrayBuffer(4)),
  new Error('x'),
  Promise.resolve(1),
  new Proxy({}, {}),
  new Proxy([], {}),
  AbortSignal.abort(),
  new String('x'),
  new Number(1),
  Object.freeze({ maxLength: 4 }),
  globalThis,
];

const hostile = fc.constantFrom(...HOSTILE);
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('hi', '\uD800x', 'a'.repeat(5000)));
const ids = fc.oneof(
  fc.array(fc.oneof(fc.nat(300_000), fc.integer(), fc.double())),
  fc.array(fc.nat(200_000)).map((a) => Uint32Array.from(a)),
);
const optionKeys = [
  'pair',
  'addSpecialTokens',
  'truncation',
  'padding',
  'specialTokens',
  'threads',
  'signal',
  'skipSpecialTokens',
  'side',
  'maxTokens',
  'overlap',
  'maxLength',
  'strategy',
  'stride',
  'multipleOf',
  'padId',
  'padToken',
  'padTypeId',
  'pretty',
  'withAddedTokens',
  'addGenerationPrompt',
  'continueFinalMessage',
  'tools',
  'documents',
  'chatTemplate',
  'tokenize',
  'now',
  'templateVars',
  'allowedSpecial',
  'disallowedSpecial',
  'textPair',
  'returnTensor',
  'returnTokenTypeIds',
  'maxInputLength',
  'maxFileBytes',
  'config',
  'padTo',
  'inputNames',
  'type',
  'session',
];
const leaf = fc.oneof(hostile, fc.anything({ maxDepth: 1 }), text, fc.integer(), fc.boolean());
const options = fc.oneof(
  fc.dictionary(fc.constantFrom(...optionKeys), fc.oneof(leaf, fc.dictionary(fc.constantFrom(...optionKeys), leaf, { maxKeys: 4 })), {
    maxKeys: 4,
  }),
  hostile,
);
const messages = fc.oneof(
  fc.array(fc.record({ role: fc.oneof(fc.constantFrom('user', 'assistant', 'system'), leaf), content: fc.oneof(text, leaf) }), {
    maxLength: 4,
  }),
  hostile,
);
/** One argument: anything at all, weighted towards values that get past the first checks. */
const arg = fc.oneof(
  { arbitrary: hostile, weight: 4 },
  { arbitrary: fc.anything({ maxDepth: 2 }), weight: 2 },
  { arbitrary: text, weight: 2 },
  { arbitrary: ids, weight: 1 },
  { arbitrary: options, weight: 3 },
  { arbitrary: messages, weight: 1 },
  { arbitrary: fc.array(text, { maxLength: 4 }), weight: 1 },
);

type Call = (args: unknown[]) => unknown;
// biome-ignore lint/suspicious/noExplicitAny: the point is to call with anything
type Loose = (...args: any[]) => unknown;

let tok: Tokenizer;
let bert: Tokenizer;
let chatTok: Tokenizer;
let enc: Encoding;
let batch: BatchEncoding;
let stream: DecodeStream;
let tik: TiktokenEncoding;
let flat: FlatIds;
let embeddings: Embeddings;

function methods(): Record<string, Call> {
  const on =
    (target: () => object, name: string): Call =>
    (args) =>
      (Reflect.get(target(), name) as Loose).apply(target(), args);
  const get =
    (target: () => object, name: string): Call =>
    () =>
      Reflect.get(target(), name);
  const out: Record<string, Call> = {};
  const instanceTargets: [string, () => object, object][] = [
    ['Tokenizer', () => tok, Tokenizer.prototype],
    ['Tokenizer(bert)', () => bert, Tokenizer.prototype],
    ['Tokenizer(chat)', () => chatTok, Tokenizer.prototype],
    ['Encoding', () => enc, Encoding.prototype],
    ['BatchEncoding', () => batch, BatchEncoding.prototype],
    ['DecodeStream', () => stream, DecodeStream.prototype],
    ['TiktokenEncoding', () => tik, TiktokenEncoding.prototype],
    ['FlatIds', () => flat, FlatIds.prototype],
    ['Embeddings', () => embeddings, Embeddings.prototype],
  ];
  for (const [label, target, proto] of instanceTargets) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor') continue;
      const d = Object.getOwnPropertyDescriptor(proto, name)!;
      out[`${label}.${name}`] = d.get ? get(target, name) : on(target, name);
    }
  }
  for (const name of ['fromFile', 'fromJSON', 'fromPretrained', 'default'] as const) out[`Tokenizer.${name}`] = on(() => Tokenizer, name);
  for (const name of Object.keys(AutoTokenizer)) out[`AutoTokenizer.${name}`] = on(() => AutoTokenizer, name);
  const fns: Record<string, Loose> = {
    getEncoding,
    encodingForModel,
    encodingNameForModel,
    cosineSimilarity,
    toOnnxFeeds,
    encodeOnnxFeeds,
  };
  for (const [name, f] of Object.entries(fns)) out[name] = (args) => f(...args);
  out['new Embeddings'] = (args) => Reflect.construct(Embeddings, args);
  out['new TokenizerError'] = (args) => Reflect.construct(TokenizerError, args);
  const auto = () => AutoTokenizer.from(bert);
  out['PreTrainedTokenizer()'] = (args) => (auto() as unknown as Loose)(...args);
  for (const name of ['encode', 'decode', 'batchDecode', 'tokenize', 'applyChatTemplate'])
    out[`PreTrainedTokenizer.${name}`] = on(auto, name);
  out['PreTrainedTokenizer(chat).applyChatTemplate'] = on(() => AutoTokenizer.from(chatTok), 'applyChatTemplate');
  return out;
}

/** Reads what lazily crosses from Rust, so a bad value cannot hide in an unread field. */
function touch(v: unknown): void {
  if (v instanceof Encoding) void [v.ids, v.tokens, v.offsets, v.wordIds, v.overflowing.length];
  else if (v instanceof BatchEncoding) {
    void [v.length, v.isRectangular, v.at(0)?.tokens];
    if (v.isRectangular) void [v.inputIds, v.dims];
  }
}

function verdict(name: string, e: unknown): string | undefined {
  if (e instanceof TokenizerError) return e.code === 'INTERNAL' ? `${name}: INTERNAL: ${e.message}` : undefined;
  const kind = e instanceof Error ? e.constructor.name : typeof e;
  return `${name}: ${kind} (not a TokenizerError): ${e instanceof Error ? e.message : String(e)}`;
}

const NOT_TOKENIZER_ERROR_OK = new Set(['new TokenizerError']);

describe('bad arguments', () => {
  beforeAll(() => {
    tok = Tokenizer.default();
    bert = Tokenizer.fromFile(path.join(repoRoot, 'models', 'all-minilm-l6-v2'));
    chatTok = Tokenizer.fromFile(path.join(repoRoot, 'node_modules', '@lenml', 'tokenizer-llama3', 'models'));
    enc = tok.encode('hello world', { pair: 'again' });
    batch = tok.encodeBatch(['a', 'bb cc'], { padding: { strategy: 'longest', padId: 0 } });
    stream = tok.decodeStream();
    tik = getEncoding('o200k_base');
    flat = tok.encodeBatchIds(['a', 'b c']);
    embeddings = new Embeddings(new Float32Array([1, 0, 0, 1]), 2, 2);
  });

  it('the table covers every public method', () => {
    const names = Object.keys(methods());
    for (const cls of [Tokenizer, Encoding, BatchEncoding, DecodeStream, TiktokenEncoding, FlatIds, Embeddings]) {
      for (const name of Object.getOwnPropertyNames(cls.prototype))
        if (name !== 'constructor') expect(names).toContain(`${cls.name}.${name}`);
      for (const name of Object.getOwnPropertyNames(cls)) {
        if (['length', 'name', 'prototype'].includes(name)) continue;
        if (cls === Tokenizer) expect(names).toContain(`Tokenizer.${name}`);
      }
    }
    expect(names.length).toBeGreaterThan(80);
  });

  it(`every call returns or throws a specific TokenizerError (seed ${SEED}, ${RUNS} runs a method)`, {
    timeout: Math.max(300_000, RUNS * 1000),
  }, async () => {
    const table = methods();
    const problems = new Map<string, string>();
    let calls = 0;
    const codes: Record<string, number> = {};
    const trace = process.env.FERROTOK_BAD_ARGS_TRACE === '1';
    for (const [name, call] of Object.entries(table)) {
      // A heap blow-up kills the worker before any report: the trace names the method.
      if (trace) writeSync(2, `bad-arguments: ${name}\n`);
      await fc
        .assert(
          fc.asyncProperty(fc.array(arg, { maxLength: 4 }), async (args) => {
            calls++;
            try {
              const r = call(args);
              touch(r instanceof Promise ? await r : r);
            } catch (e) {
              if (e instanceof TokenizerError) codes[e.code] = (codes[e.code] ?? 0) + 1;
              if (NOT_TOKENIZER_ERROR_OK.has(name)) return;
              const v = verdict(name, e);
              if (v !== undefined) {
                problems.set(name, v.slice(0, 400));
                throw new Error(v);
              }
            }
          }),
          { seed: SEED, numRuns: RUNS, endOnFailure: true },
        )
        .catch((e: unknown) => {
          // fast-check's report (seed, path, shrunk counterexample) for this method.
          const counter = /Counterexample: (.*)/.exec(String((e as Error).message))?.[1] ?? '';
          problems.set(name, `${problems.get(name) ?? String(e)}\n      args: ${counter.slice(0, 300)}`);
        });
    }
    console.log(`bad-arguments: seed ${SEED}, ${Object.keys(table).length} methods, ${calls} calls, codes ${JSON.stringify(codes)}`);
    const report = [...problems].map(([n, p]) => `  ${n}: ${p}`);
    expect(report, `seed ${SEED}: ${problems.size} methods let other errors out\n${report.join('\n')}`).toEqual([]);
  });
});
