/**
 * ONNX feeds: a BatchEncoding as onnxruntime-node input tensors.
 *
 * onnxruntime-node is an optional peer dependency. It is required lazily, the first time an
 * ONNX entry point runs, so ferrotok loads and tokenizes without it; without it those entry
 * points throw `ONNX_RUNTIME_MISSING`, which says how to install it.
 *
 * The element type of each feed is what the model declares (the session's input metadata),
 * or what the caller says. int64 buffers are built in Rust in one pass (`fieldI64`): a JS
 * loop of `BigInt(id)` per element costs more than the tokenization. int32 feeds are views of
 * the Uint32Array buffers, no copy (ids are < 2^31).
 *
 * The structural types below name only what ferrotok touches, so a caller's real
 * `InferenceSession` fits them and the declarations need no onnxruntime-node types.
 */
import { BatchEncoding } from './batch';
import { invalidArgument, TokenizerError } from './errors';
import { describe } from './options';
import { checkOptions, optionKeys } from './check-options';
import { type BatchInput, Tokenizer } from './tokenizer';

/** Inputs ferrotok can feed. */
export type OnnxFeedName = 'input_ids' | 'attention_mask' | 'token_type_ids';
export type OnnxIntType = 'int64' | 'int32';

/** The part of an onnxruntime `Tensor` ferrotok uses. */
export interface OnnxTensor {
  readonly type: string;
  readonly data: unknown;
  readonly dims: readonly number[];
  dispose?(): void;
}

/** One entry of `session.inputMetadata` / `outputMetadata` (onnxruntime-node ≥ 1.21). */
export interface OnnxValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: readonly (number | string)[];
}

/** The part of an onnxruntime `InferenceSession` ferrotok uses. */
export interface OnnxSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly OnnxValueMetadata[];
  readonly outputMetadata?: readonly OnnxValueMetadata[];
  run(feeds: Record<string, OnnxTensor>): Promise<Record<string, OnnxTensor>>;
  release?(): Promise<void>;
}

/** The part of the `onnxruntime-node` module ferrotok uses. */
export interface OnnxRuntime {
  Tensor: new (type: string, data: BigInt64Array | Int32Array, dims: readonly number[]) => OnnxTensor;
  InferenceSession: { create(path: string, options?: object): Promise<OnnxSession> };
}

/** The feeds type a session's `run` takes (onnxruntime's own `FeedsType` for a real session),
 * so `session.run(toOnnxFeeds(batch, { session }))` type-checks without a cast. */
export type OnnxFeedsOf<S> = S extends { run(feeds: infer F, ...rest: never[]): unknown } ? F : Record<string, OnnxTensor>;

export interface OnnxFeedOptions<S extends OnnxSession = OnnxSession> {
  /**
   * The session the feeds are for: its `inputNames` say which feeds to build (so
   * `token_type_ids` only when the model takes it) and its input metadata their types.
   * Inputs ferrotok does not build (`position_ids`, `past_key_values`, …) are left to you.
   */
  session?: S;
  /** Which feeds to build. Default: the session's inputs ferrotok knows, else
   * `['input_ids', 'attention_mask']`. */
  inputNames?: readonly OnnxFeedName[];
  /** Element type, for all feeds or per feed. Default: the session's input metadata, else int64. */
  type?: OnnxIntType | Partial<Record<OnnxFeedName, OnnxIntType>>;
}

const FEED_KEYS = optionKeys<OnnxFeedOptions>({ session: true, inputNames: true, type: true });
const ENCODE_FEED_KEYS = optionKeys<EncodeOnnxFeedsOptions>({ session: true, inputNames: true, type: true, maxLength: true, padTo: true });

const FEED_NAMES: readonly OnnxFeedName[] = ['input_ids', 'attention_mask', 'token_type_ids'];
const DEFAULT_FEEDS: readonly OnnxFeedName[] = ['input_ids', 'attention_mask'];

let runtime: OnnxRuntime | undefined;

/**
 * The `onnxruntime-node` module, required on first use. Throws `ONNX_RUNTIME_MISSING` when it
 * is not installed or does not load.
 */
export function loadOnnxRuntime(): OnnxRuntime {
  if (runtime) return runtime;
  try {
    // require, not import: the optional peer dependency is loaded only when an ONNX helper runs.
    runtime = require('onnxruntime-node') as OnnxRuntime;
  } catch (cause) {
    const why = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw new TokenizerError(
      'ONNX_RUNTIME_MISSING',
      `onnxruntime-node is needed for ONNX feeds and embeddings but could not be loaded (${why}); ` +
        'install it with `npm install onnxruntime-node` (an optional peer dependency of ferrotok). ' +
        'Offline, set ONNXRUNTIME_NODE_INSTALL=skip so its install script uses the bundled CPU library instead of downloading.',
      { cause },
    );
  }
  return runtime;
}

/** `isFeedName` narrows a model input name to one ferrotok builds. */
export function isOnnxFeedName(name: string): name is OnnxFeedName {
  return (FEED_NAMES as readonly string[]).includes(name);
}

/**
 * The batch as onnxruntime feeds `{ input_ids, attention_mask, token_type_ids? }`, each
 * `[batch, seqLen]`. The batch must be rectangular: encode with padding (`'longest'`, or
 * `'max_length'` for a fixed length), or use `encodeOnnxFeeds`.
 */
export function toOnnxFeeds<S extends OnnxSession = OnnxSession>(batch: BatchEncoding, options?: OnnxFeedOptions<S>): OnnxFeedsOf<S> {
  checkOptions(options, FEED_KEYS);
  if (!(batch instanceof BatchEncoding)) throw invalidArgument(`toOnnxFeeds takes a BatchEncoding, got ${describe(batch)}`);
  const ort = loadOnnxRuntime();
  const session = options?.session;
  const names = feedNames(options);
  const dims = batch.dims;
  const feeds: Record<string, OnnxTensor> = {};
  for (const name of names) {
    const type = feedType(name, options?.type, session);
    feeds[name] = new ort.Tensor(type, type === 'int64' ? batch.toInt64(name) : int32View(batch, name), dims);
  }
  // Tensors of the runtime the session belongs to: what its `run` takes.
  return feeds as OnnxFeedsOf<S>;
}

export interface EncodeOnnxFeedsOptions<S extends OnnxSession = OnnxSession> extends OnnxFeedOptions<S> {
  /** Truncate every row to this many tokens (special tokens included). Default: no truncation
   * beyond the tokenizer.json's own. */
  maxLength?: number;
  /** `'longest'` (default) pads to the longest row; a number pads every row to that length. */
  padTo?: 'longest' | number;
}

/** Encodes `inputs` (padded, optionally truncated) and returns the feeds, plus the batch. */
export function encodeOnnxFeeds<S extends OnnxSession = OnnxSession>(
  tokenizer: Tokenizer,
  inputs: readonly BatchInput[],
  options?: EncodeOnnxFeedsOptions<S>,
): { feeds: OnnxFeedsOf<S>; batch: BatchEncoding } {
  checkOptions(options, ENCODE_FEED_KEYS);
  if (!(tokenizer instanceof Tokenizer)) throw invalidArgument(`encodeOnnxFeeds takes a Tokenizer, got ${describe(tokenizer)}`);
  const padTo = options?.padTo ?? 'longest';
  if (padTo !== 'longest' && typeof padTo !== 'number') {
    throw invalidArgument(`padTo must be 'longest' or a number, got ${describe(padTo)}`);
  }
  const batch = tokenizer.encodeBatch(inputs, {
    ...(options?.maxLength !== undefined ? { truncation: { maxLength: options.maxLength } } : {}),
    padding: padTo === 'longest' ? { strategy: 'longest' } : { strategy: 'max_length', maxLength: padTo },
  });
  const feedOptions: OnnxFeedOptions<S> = {};
  if (options?.session !== undefined) feedOptions.session = options.session;
  if (options?.inputNames !== undefined) feedOptions.inputNames = options.inputNames;
  if (options?.type !== undefined) feedOptions.type = options.type;
  return { feeds: toOnnxFeeds(batch, feedOptions), batch };
}

function feedNames(options: OnnxFeedOptions<OnnxSession> | undefined): readonly OnnxFeedName[] {
  const given = options?.inputNames;
  if (given !== undefined) {
    if (!Array.isArray(given)) throw invalidArgument(`inputNames must be an array, got ${describe(given)}`);
    for (const n of given) {
      if (typeof n !== 'string' || !isOnnxFeedName(n)) {
        throw invalidArgument(`inputNames: ferrotok builds ${FEED_NAMES.join(', ')}; got ${describe(n)}`);
      }
    }
    return given;
  }
  const session = options?.session;
  if (session === undefined) return DEFAULT_FEEDS;
  if (!Array.isArray(session.inputNames)) throw invalidArgument('session must be an onnxruntime InferenceSession (it has no inputNames)');
  const known = session.inputNames.filter(isOnnxFeedName);
  if (!known.includes('input_ids')) {
    throw new TokenizerError(
      'ONNX_MODEL_UNSUPPORTED',
      `the model's inputs are ${session.inputNames.join(', ')}; ferrotok feeds models that take input_ids`,
    );
  }
  return known;
}

function feedType(name: OnnxFeedName, given: OnnxFeedOptions<OnnxSession>['type'], session: OnnxSession | undefined): OnnxIntType {
  const wanted = typeof given === 'object' && given !== null ? given[name] : given;
  if (wanted !== undefined) {
    if (wanted !== 'int64' && wanted !== 'int32') throw invalidArgument(`type must be 'int64' or 'int32', got ${describe(wanted)}`);
    return wanted;
  }
  const declared = session?.inputMetadata?.find((m) => m.name === name)?.type;
  if (declared === undefined || declared === 'int64' || declared === 'int32') return declared ?? 'int64';
  throw new TokenizerError('ONNX_MODEL_UNSUPPORTED', `the model declares ${name} as ${declared}; ferrotok builds int64 or int32 feeds`);
}

function int32View(batch: BatchEncoding, name: OnnxFeedName): Int32Array {
  const u32 = name === 'input_ids' ? batch.inputIds : name === 'attention_mask' ? batch.attentionMask : batch.typeIds;
  return new Int32Array(u32.buffer, u32.byteOffset, u32.length);
}
