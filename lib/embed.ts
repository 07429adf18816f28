/**
 * Sentence embeddings: tokenizer.json + model.onnx → mean-pooled, L2-normalised vectors, the
 * sentence-transformers pipeline (Transformer → Pooling(mean) → Normalize).
 *
 * Texts are sorted by length and cut into batches, as sentence-transformers does, so each
 * batch pads little; rows go back to the caller's order at the end. Each batch is tokenized
 * off the JS thread, run by onnxruntime-node, then pooled and normalised in Rust over the
 * output tensor's buffer. Truncation is the model's maximum sequence length
 * (`sentence_bert_config.json` `max_seq_length`), not the tokenizer.json's own setting.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromNative, invalidArgument, TokenizerError } from './errors';
import { native } from './native';
import { type OnnxSession, type OnnxTensor, isOnnxFeedName, loadOnnxRuntime, toOnnxFeeds } from './onnx';
import { checkUint, describe } from './options';
import { type LoadOptions, Tokenizer } from './tokenizer';
import { checkOptions, optionKeys } from './check-options';

export interface FeatureExtractorOptions extends LoadOptions {
  /** Tokens per text, special tokens included; longer texts are truncated. Default:
   * `max_seq_length` of sentence_bert_config.json, else the tokenizer's `model_max_length`,
   * else 512. */
  maxLength?: number;
  /** Texts per model run. Default 32. */
  batchSize?: number;
  /** L2-normalise the vectors (so a dot product is the cosine). Default true. */
  normalize?: boolean;
  /** The ONNX file, relative to the folder. Default `model.onnx`, else `onnx/model.onnx`. */
  modelFile?: string;
  /** The output holding token vectors `[batch, seq, dim]` (or ready sentence vectors
   * `[batch, dim]`). Default `last_hidden_state` when present, else the first output. */
  outputName?: string;
  /** Passed to `InferenceSession.create` (e.g. `{ intraOpNumThreads: 2 }`). */
  sessionOptions?: object;
}

export interface EmbedOptions {
  /** Overrides the extractor's batch size for this call. */
  batchSize?: number;
  /** Overrides the extractor's `normalize` for this call. */
  normalize?: boolean;
  /** Called after each batch with the number of texts embedded so far. */
  onProgress?: (progress: { done: number; total: number }) => void;
  /** Aborting rejects with code `ABORTED` after the batch in flight. */
  signal?: AbortSignal;
}

const FEATURE_EXTRACTOR_KEYS = optionKeys<FeatureExtractorOptions>({
  maxInputLength: true,
  maxFileBytes: true,
  maxLength: true,
  batchSize: true,
  normalize: true,
  modelFile: true,
  outputName: true,
  sessionOptions: true,
});
const EMBED_KEYS = optionKeys<EmbedOptions>({ batchSize: true, normalize: true, onProgress: true, signal: true });

export interface ScoredIndex {
  index: number;
  score: number;
}

/** `rows` vectors of `dim` floats, row-major in one Float32Array. */
export class Embeddings {
  readonly data: Float32Array;
  readonly rows: number;
  readonly dim: number;

  constructor(data: Float32Array, rows: number, dim: number) {
    checkUint(rows, 'rows');
    checkUint(dim, 'dim');
    if (!(data instanceof Float32Array) || data.length !== rows * dim) {
      throw invalidArgument(`Embeddings needs a Float32Array of rows * dim = ${rows * dim} floats`);
    }
    this.data = data;
    this.rows = rows;
    this.dim = dim;
  }

  /** Row `i` as a view (no copy). */
  row(i: number): Float32Array {
    checkUint(i, 'index');
    if (i >= this.rows) throw invalidArgument(`index ${i} is out of range for ${this.rows} rows`);
    return this.data.subarray(i * this.dim, (i + 1) * this.dim);
  }

  /** Plain arrays, e.g. for JSON. */
  toArray(): number[][] {
    return Array.from({ length: this.rows }, (_, i) => Array.from(this.row(i)));
  }

  /** Dot product of `query` with every row: the cosine similarity when both are normalised. */
  scores(query: Float32Array): Float32Array {
    this.#checkQuery(query);
    if (this.rows === 0) return new Float32Array(0);
    return call(() => native().dotMany(query, this.data, this.rows, this.dim));
  }

  /** The `k` rows scoring highest against `query`, best first. */
  topK(query: Float32Array, k: number): ScoredIndex[] {
    checkUint(k, 'k');
    const scores = this.scores(query);
    const order = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b);
    return order.slice(0, k).map((index) => ({ index, score: scores[index]! }));
  }

  #checkQuery(query: Float32Array): void {
    if (!(query instanceof Float32Array) || query.length !== this.dim) {
      throw invalidArgument(
        `query must be a Float32Array of ${this.dim} floats, got ${describe(query)}${query instanceof Float32Array ? ` of ${query.length}` : ''}`,
      );
    }
  }
}

/** Cosine similarity of two vectors of the same length (computed in Rust). */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (!(a instanceof Float32Array) || !(b instanceof Float32Array) || a.length !== b.length || a.length === 0) {
    throw invalidArgument('cosineSimilarity takes two non-empty Float32Arrays of the same length');
  }
  return call(() => native().cosineSimilarity(a, b));
}

/** A sentence-embedding model: a folder with `model.onnx` and `tokenizer.json`. */
export class FeatureExtractor {
  readonly tokenizer: Tokenizer;
  /** Tokens per text after truncation. */
  readonly maxLength: number;
  readonly #session: OnnxSession;
  readonly #output: string;
  readonly #batchSize: number;
  readonly #normalize: boolean;

  private constructor(
    tokenizer: Tokenizer,
    session: OnnxSession,
    output: string,
    maxLength: number,
    options: FeatureExtractorOptions | undefined,
  ) {
    this.tokenizer = tokenizer;
    this.#session = session;
    this.#output = output;
    this.maxLength = maxLength;
    this.#batchSize = options?.batchSize === undefined ? 32 : checkUint(options.batchSize, 'batchSize', 1);
    this.#normalize = options?.normalize === undefined ? true : checkBool(options.normalize, 'normalize');
  }

  /** Loads the tokenizer and the ONNX model from `dir`. Needs onnxruntime-node. */
  static async load(dir: string, options?: FeatureExtractorOptions): Promise<FeatureExtractor> {
    if (typeof dir !== 'string' || dir === '') throw invalidArgument(`dir must be a non-empty string, got ${describe(dir)}`);
    checkOptions(options, FEATURE_EXTRACTOR_KEYS);
    const ort = loadOnnxRuntime();
    const modelPath = findModel(dir, options?.modelFile);
    const { maxInputLength, maxFileBytes } = options ?? {};
    const tokenizer = Tokenizer.fromFile(dir, {
      ...(maxInputLength === undefined ? {} : { maxInputLength }),
      ...(maxFileBytes === undefined ? {} : { maxFileBytes }),
    });
    const maxLength = options?.maxLength === undefined ? defaultMaxLength(dir, tokenizer) : checkUint(options.maxLength, 'maxLength', 2);
    let session: OnnxSession;
    try {
      session = await ort.InferenceSession.create(modelPath, options?.sessionOptions);
    } catch (cause) {
      throw new TokenizerError('ONNX_RUN_FAILED', `onnxruntime could not load ${modelPath}: ${errorMessage(cause)}`, { cause });
    }
    const unknown = session.inputNames.filter((n) => !isOnnxFeedName(n));
    if (unknown.length > 0 || !session.inputNames.includes('input_ids')) {
      await session.release?.();
      throw new TokenizerError(
        'ONNX_MODEL_UNSUPPORTED',
        `${modelPath} takes inputs ${session.inputNames.join(', ')}; an embedding model takes input_ids, attention_mask and optionally token_type_ids`,
      );
    }
    const output =
      options?.outputName ?? (session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : session.outputNames[0]);
    if (output === undefined || !session.outputNames.includes(output)) {
      await session.release?.();
      throw new TokenizerError(
        'ONNX_MODEL_UNSUPPORTED',
        `${modelPath} has no output ${describe(output)} (outputs: ${session.outputNames.join(', ')})`,
      );
    }
    return new FeatureExtractor(tokenizer, session, output, maxLength, options);
  }

  /** Embeds `texts` (or one text, as a single row), in the caller's order. */
  async embed(texts: string | readonly string[], options?: EmbedOptions): Promise<Embeddings> {
    checkOptions(options, EMBED_KEYS);
    const list = typeof texts === 'string' ? [texts] : texts;
    if (!Array.isArray(list)) throw invalidArgument(`texts must be a string or an array of strings, got ${describe(texts)}`);
    list.forEach((t, i) => {
      if (typeof t !== 'string') throw invalidArgument(`texts[${i}] must be a string, got ${describe(t)}`);
    });
    const batchSize = options?.batchSize === undefined ? this.#batchSize : checkUint(options.batchSize, 'batchSize', 1);
    const normalize = options?.normalize === undefined ? this.#normalize : checkBool(options.normalize, 'normalize');
    const onProgress = options?.onProgress;
    if (onProgress !== undefined && typeof onProgress !== 'function') throw invalidArgument('onProgress must be a function');
    const signal = options?.signal;
    // Longest first, like sentence-transformers: rows of a batch have similar lengths.
    const order = Array.from(list.keys()).sort((a, b) => list[b]!.length - list[a]!.length || a - b);
    let out: Float32Array | undefined;
    let dim = 0;
    for (let start = 0; start < order.length; start += batchSize) {
      if (signal?.aborted) throw new TokenizerError('ABORTED', 'the operation was aborted', { cause: signal.reason });
      const idx = order.slice(start, start + batchSize);
      const vectors = await this.#embedBatch(
        idx.map((i) => list[i]!),
        normalize,
        signal,
      );
      dim = vectors.length / idx.length;
      out ??= new Float32Array(list.length * dim);
      for (const [j, row] of idx.entries()) out!.set(vectors.subarray(j * dim, (j + 1) * dim), row * dim);
      onProgress?.({ done: Math.min(start + batchSize, order.length), total: order.length });
    }
    return new Embeddings(out ?? new Float32Array(0), list.length, dim);
  }

  /** Frees the onnxruntime session. */
  async release(): Promise<void> {
    await this.#session.release?.();
  }

  async #embedBatch(texts: string[], normalize: boolean, signal: AbortSignal | undefined): Promise<Float32Array> {
    const batch = await this.tokenizer.encodeBatchAsync(texts, {
      truncation: { maxLength: this.maxLength },
      padding: { strategy: 'longest' },
      ...(signal ? { signal } : {}),
    });
    const feeds = toOnnxFeeds(batch, { session: this.#session });
    let results: Record<string, OnnxTensor>;
    try {
      results = await this.#session.run(feeds);
    } catch (cause) {
      throw new TokenizerError('ONNX_RUN_FAILED', `onnxruntime failed to run the model: ${errorMessage(cause)}`, { cause });
    } finally {
      for (const t of Object.values(feeds)) t.dispose?.();
    }
    try {
      return this.#pool(results[this.#output], batch.attentionMask, texts.length, batch.dims[1], normalize);
    } finally {
      for (const t of Object.values(results)) t.dispose?.();
    }
  }

  #pool(t: OnnxTensor | undefined, mask: Uint32Array, rows: number, seq: number, normalize: boolean): Float32Array {
    if (t === undefined || !(t.data instanceof Float32Array)) {
      throw new TokenizerError('ONNX_MODEL_UNSUPPORTED', `output ${this.#output} is not a float32 tensor`);
    }
    const d = t.dims;
    let pooled: Float32Array;
    let dim: number;
    if (d.length === 3 && d[0] === rows && d[1] === seq) {
      dim = d[2]!;
      pooled = call(() => native().meanPool(t.data as Float32Array, mask, rows, seq, dim));
    } else if (d.length === 2 && d[0] === rows) {
      dim = d[1]!;
      pooled = t.data;
    } else {
      throw new TokenizerError(
        'ONNX_MODEL_UNSUPPORTED',
        `output ${this.#output} has dims [${d.join(', ')}]; expected [${rows}, ${seq}, dim] token vectors or [${rows}, dim] sentence vectors`,
      );
    }
    // l2Normalize and meanPool return fresh buffers; a [batch, dim] output is onnxruntime's own.
    return normalize ? call(() => native().l2Normalize(pooled, rows, dim)) : pooled === t.data ? pooled.slice() : pooled;
  }
}

/** One-shot: loads the model in `dir`, embeds `texts`, releases the session. For repeated
 * calls keep a `FeatureExtractor`. */
export async function embed(
  dir: string,
  texts: string | readonly string[],
  options?: FeatureExtractorOptions & EmbedOptions,
): Promise<Embeddings> {
  checkOptions(options, [...FEATURE_EXTRACTOR_KEYS, ...EMBED_KEYS]);
  const { onProgress, signal, ...loadOptions } = options ?? {};
  const extractor = await FeatureExtractor.load(dir, loadOptions);
  try {
    return await extractor.embed(texts, { ...(onProgress ? { onProgress } : {}), ...(signal ? { signal } : {}) });
  } finally {
    await extractor.release();
  }
}

function findModel(dir: string, file: string | undefined): string {
  if (file !== undefined && typeof file !== 'string') throw invalidArgument(`modelFile must be a string, got ${describe(file)}`);
  const candidates = file !== undefined ? [join(dir, file)] : [join(dir, 'model.onnx'), join(dir, 'onnx', 'model.onnx')];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new TokenizerError('FILE_NOT_FOUND', `no ONNX model: looked for ${candidates.join(' and ')}`);
  return found;
}

// sentence-transformers truncates to max_seq_length (256 for all-MiniLM-L6-v2), not to the
// tokenizer's model_max_length (512) nor to the tokenizer.json's truncation (128 there).
function defaultMaxLength(dir: string, tokenizer: Tokenizer): number {
  const st = readJson(join(dir, 'sentence_bert_config.json'));
  const fromSt = st?.max_seq_length;
  if (typeof fromSt === 'number' && Number.isInteger(fromSt) && fromSt > 1) return fromSt;
  const fromConfig = tokenizer.config?.model_max_length;
  if (typeof fromConfig === 'number' && Number.isInteger(fromConfig) && fromConfig > 1 && fromConfig < 1e6) return fromConfig;
  return 512;
}

function readJson(path: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function checkBool(v: unknown, name: string): boolean {
  if (typeof v !== 'boolean') throw invalidArgument(`${name} must be a boolean, got ${describe(v)}`);
  return v;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function call<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw fromNative(e);
  }
}
