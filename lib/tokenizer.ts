/**
 * Tokenizer: a Hugging Face tokenizer.json, loaded once into the Rust engine, encoding and
 * decoding exactly as Python `tokenizers` does.
 *
 * This class validates arguments and resolves defaults (options.ts); the engine does the
 * work. It holds no mutable state: one instance serves any number of concurrent calls.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { InspectOptionsStylized } from 'node:util';
import { BatchEncoding } from './batch';
import { INSPECT, summary } from './inspect';
import { modelTypeOf, modelTypeOfFile } from './model-type';
import {
  type BudgetOptions,
  type ChunkOptions,
  type TextChunk,
  type TruncateOptions,
  checkLimit,
  chunkParams,
  nativeBudgetOptions,
  sideOf,
  toChunks,
  CHUNK_KEYS,
  TRUNCATE_KEYS,
} from './budget';
import { type ChatMessage, type ChatTemplateOptions, ChatTemplates } from './chat';
import { DecodeStream, type DecodeStreamOptions } from './stream';
import { FlatIds } from './flat';
import { type ConfigFiles, type SpecialTokens, type TokenizerConfig, modelMaxLengthOf, readConfigFiles, specialTokensOf } from './config';
import { Encoding } from './encoding';
import type { FromPretrainedOptions } from './hub';
import { callNative, fromNative, invalidArgument, TokenizerError } from './errors';
import { type TokenIds, toUint32Ids } from './ids';
import { native as addon, type NativeAddedToken, type NativeEncodeOptions, type NativeTokenizerType } from './native';
import {
  type AsyncBatchEncodeOptions,
  type BatchCountOptions,
  type BatchDecodeOptions,
  type BatchEncodeOptions,
  type CountOptions,
  type DecodeOptions,
  threadsOf,
  type DefaultsSource,
  type EncodeOptions,
  checkSpecialTokensMode,
  SPECIAL_TOKENS_CODES,
  specialTokensCode,
  checkUint,
  describe,
  toNativeOptions,
  ASYNC_BATCH_ENCODE_KEYS,
  BATCH_COUNT_KEYS,
  BATCH_DECODE_KEYS,
  BATCH_ENCODE_KEYS,
  COUNT_KEYS,
  DECODE_KEYS,
  ENCODE_KEYS,
} from './options';
import { checkOptions, optionKeys } from './check-options';

/** A text, or a `[text, pair]` tuple. */
export type BatchInput = string | readonly [text: string, pair: string];

export interface LoadOptions {
  /**
   * Longest input accepted, in UTF-16 code units (`text.length`). Default 33,554,432 (32 Mi).
   * The engine keeps per-byte alignment data while encoding (~20 bytes per input byte), so
   * the limit turns a runaway input into an `INPUT_TOO_LARGE` error instead of gigabytes of
   * memory. `Infinity` removes it.
   */
  maxInputLength?: number;
  /**
   * Largest tokenizer.json `fromFile` (and `fromPretrained`) reads, in bytes. Default
   * 536,870,912 (512 MiB; the largest real ones are ~35 MB): a wrong path such as
   * `/dev/zero` is a `FILE_TOO_LARGE` error instead of reading until memory runs out.
   */
  maxFileBytes?: number;
}

export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
  lstrip: boolean;
  rstrip: boolean;
  singleWord: boolean;
  normalized: boolean;
}

export const DEFAULT_MAX_INPUT_LENGTH = 32 * 1024 * 1024;

/** Most rows one `decodeBatch` takes. */
const MAX_DECODE_ROWS = 1 << 24;

const LOAD_KEYS = optionKeys<LoadOptions>({ maxInputLength: true, maxFileBytes: true });
const FROM_JSON_KEYS = optionKeys<Omit<LoadOptions, 'maxFileBytes'> & { config?: TokenizerConfig }>({ maxInputLength: true, config: true });
const FROM_PRETRAINED_KEYS = optionKeys<FromPretrainedOptions & LoadOptions>({
  revision: true,
  cacheDir: true,
  token: true,
  localFilesOnly: true,
  endpoint: true,
  signal: true,
  maxDownloadBytes: true,
  maxInputLength: true,
  maxFileBytes: true,
});
const PRETTY_KEYS = optionKeys<{ pretty?: boolean }>({ pretty: true });
const VOCAB_KEYS = optionKeys<{ withAddedTokens?: boolean }>({ withAddedTokens: true });

/** Each Tokenizer's engine, for lib/corpus (which passes it to free native functions). */
const ENGINES = new WeakMap<Tokenizer, NativeTokenizerType>();

/** @internal The native engine behind `tok`; not exported from the package. */
export function engineOf(tok: Tokenizer): NativeTokenizerType {
  const engine = ENGINES.get(tok);
  if (engine === undefined) throw invalidArgument('expected a ferrotok Tokenizer');
  return engine;
}

export class Tokenizer {
  readonly #native: NativeTokenizerType;
  /** Raw per-call functions for countTokens/encodeIds (native/src/napi/hot.rs). */
  readonly #hot: HotFunctions;
  /** encodeIds' native side writes here (its own array, hot.rs); the caller gets a copy of the used part. */
  readonly #scratch: Uint32Array;
  readonly #files: ConfigFiles;
  readonly #maxInputLength: number;
  readonly #defaults: DefaultsSource;
  #specialTokens?: SpecialTokens;
  #addedTokens?: readonly AddedToken[];
  #chatTemplates?: ChatTemplates;
  /** Where it was loaded from, for summaries: a path, or a `model.type` already known. */
  readonly #origin: Origin;
  #modelType?: string | null;

  private constructor(native: NativeTokenizerType, files: ConfigFiles, options: LoadOptions | undefined, origin: Origin) {
    this.#native = native;
    ENGINES.set(this, native);
    this.#origin = origin;
    this.#hot = native.hotFunctions();
    this.#scratch = this.#hot.scratch;
    this.#files = files;
    this.#maxInputLength = checkMaxInputLength(options?.maxInputLength);
    const padToken = specialTokensOf(files, (t) => this.tokenToId(t)).pad?.content;
    this.#defaults = {
      fileTruncation: native.fileTruncation(),
      filePadding: native.filePadding(),
      modelMaxLength: modelMaxLengthOf(files.config),
      padToken,
      tokenToId: (t) => this.tokenToId(t),
      idToToken: (id) => this.idToToken(id),
    };
  }

  /**
   * Loads a tokenizer.json, or a model folder holding one (plus optional
   * tokenizer_config.json / special_tokens_map.json, which are also read beside a
   * `tokenizer.json` path). Synchronous.
   */
  static fromFile(path: string, options?: LoadOptions): Tokenizer {
    if (typeof path !== 'string' || path === '') throw invalidArgument(`path must be a non-empty string, got ${describe(path)}`);
    checkOptions(options, LOAD_KEYS);
    const maxFileBytes = options?.maxFileBytes === undefined ? undefined : checkUint(options.maxFileBytes, 'maxFileBytes', 1);
    const native = callNative(() => addon().NativeTokenizer.fromFile(path, maxFileBytes));
    return new Tokenizer(native, readConfigFiles(path), options, { path: resolvePath(path) });
  }

  /**
   * The tokenizer ferrotok ships: o200k_base, GPT-4o's encoding (models/default in the
   * package), loaded on first call and shared after — a Tokenizer is immutable. Offline, no
   * download. `getEncoding('o200k_base')` wraps it with tiktoken's API.
   */
  static default(): Tokenizer {
    return (defaultTokenizer ??= Tokenizer.fromFile(DEFAULT_TOKENIZER_DIR));
  }

  /**
   * Loads a tokenizer from a Hugging Face Hub model repo (`org/name`), through the same cache
   * layout as Python's huggingface_hub: a cache either side filled is reused. Honours
   * HF_ENDPOINT, HF_TOKEN, HF_HOME, HF_HUB_CACHE and HF_HUB_OFFLINE.
   */
  static async fromPretrained(repoId: string, options?: FromPretrainedOptions & LoadOptions): Promise<Tokenizer> {
    checkOptions(options, FROM_PRETRAINED_KEYS);
    // A folder or file that exists is loaded from disk, as Python transformers does (a local
    // directory wins over a repo id of the same name); a path that does not exist is not a
    // repo id either, so it gets a file error, not a Hub one.
    if (typeof repoId === 'string' && repoId !== '' && existsSync(repoId)) {
      return Tokenizer.fromFile(repoId, loadOptionsOf(options));
    }
    if (typeof repoId === 'string' && looksLikePath(repoId)) {
      throw new TokenizerError(
        'FILE_NOT_FOUND',
        `no such file or folder: '${repoId}'. fromPretrained takes a Hub repo id ('org/name') or an existing local folder; Tokenizer.fromFile(path) loads a tokenizer.json or a model folder`,
      );
    }
    // The Hub client (node:crypto, fs/promises, timers/promises) is loaded on first use: as a
    // static import it was ~6 ms of every `import 'ferrotok'`, for a feature most runs skip.
    const { resolvePretrained } = require('./hub') as typeof import('./hub');
    const dir = await resolvePretrained(repoId, options);
    return Tokenizer.fromFile(dir, loadOptionsOf(options));
  }

  /** Loads tokenizer.json content: the JSON text, or its bytes (Buffer, Uint8Array). */
  static fromJSON(json: string | Uint8Array, options?: Omit<LoadOptions, 'maxFileBytes'> & { config?: TokenizerConfig }): Tokenizer {
    checkOptions(options, FROM_JSON_KEYS);
    let bytes: Uint8Array;
    if (typeof json === 'string') bytes = Buffer.from(json, 'utf8');
    else if (json instanceof Uint8Array) bytes = json;
    else throw invalidArgument(`fromJSON takes a string, Buffer or Uint8Array, got ${describe(json)}`);
    const native = callNative(() => addon().NativeTokenizer.fromBytes(bytes));
    return new Tokenizer(native, { config: options?.config ?? null, specialTokensMap: null }, options, { modelType: modelTypeOf(bytes) });
  }

  /**
   * The whole tokenizer.json text, as the engine serializes it;
   * `Tokenizer.fromJSON(tok.toTokenizerJson())` gives an equal tokenizer. (Megabytes for a
   * large vocabulary, so it has its own name: `JSON.stringify(tok)` gives `toJSON()`, a
   * short description.)
   */
  toTokenizerJson(options?: { pretty?: boolean }): string {
    checkOptions(options, PRETTY_KEYS);
    const pretty = options?.pretty;
    if (pretty !== undefined && typeof pretty !== 'boolean') throw invalidArgument(`pretty must be a boolean, got ${describe(pretty)}`);
    return callNative(() => this.#native.toJson(pretty === true));
  }

  /** A short description, what `JSON.stringify` writes for a tokenizer. */
  toJSON(): TokenizerSummary {
    const out: TokenizerSummary = { model: this.modelType ?? 'unknown', vocabSize: this.vocabSize };
    if ('path' in this.#origin) out.path = this.#origin.path;
    const special = this.addedTokens.filter((t) => t.special);
    out.specialTokens = special.slice(0, SPECIAL_SHOWN).map((t) => t.content);
    if (special.length > SPECIAL_SHOWN) out.moreSpecialTokens = special.length - SPECIAL_SHOWN;
    out.chatTemplates = this.chatTemplates;
    return out;
  }

  /** `Tokenizer(BPE, 200019 tokens) { path, specialTokens, chatTemplates }`. */
  [INSPECT](depth: number, options: InspectOptionsStylized): string {
    const { model, vocabSize, ...rest } = this.toJSON();
    return summary(`Tokenizer(${model}, ${vocabSize} tokens)`, rest, depth, options);
  }

  /** The model type of the tokenizer.json (`'BPE'`, `'WordPiece'`, `'Unigram'`,
   * `'WordLevel'`), or undefined when the file does not say it where expected. */
  get modelType(): string | undefined {
    if (this.#modelType === undefined) {
      this.#modelType = ('path' in this.#origin ? modelTypeOfFile(this.#origin.path) : this.#origin.modelType) ?? null;
    }
    return this.#modelType ?? undefined;
  }

  /** Encodes one text (and optionally its pair). Synchronous: for prompt-sized inputs. */
  encode(text: string, options?: EncodeOptions): Encoding {
    this.#checkText(text, 'text');
    checkOptions(options, ENCODE_KEYS);
    const pair = options?.pair;
    if (pair !== undefined) this.#checkText(pair, 'options.pair');
    const native = this.#options(options, ENCODE_KEYS);
    return new Encoding(callNative(() => this.#native.encode(text, pair, native)));
  }

  /** Encodes many inputs in parallel on all cores (Rust threads). Blocks until done. */
  encodeBatch(inputs: readonly BatchInput[], options?: BatchEncodeOptions): BatchEncoding {
    const [texts, pairs] = this.#splitInputs(inputs);
    const native = this.#options(options, BATCH_ENCODE_KEYS);
    const threads = threadsOf(options);
    return new BatchEncoding(callNative(() => this.#native.encodeBatch(texts, pairs, native, threads)));
  }

  /**
   * Like `encodeBatch`, off the JS thread: the event loop stays free. `signal` aborts it:
   * the promise rejects with code `ABORTED` and rows not yet started are skipped.
   */
  async encodeBatchAsync(inputs: readonly BatchInput[], options?: AsyncBatchEncodeOptions): Promise<BatchEncoding> {
    checkOptions(options, ASYNC_BATCH_ENCODE_KEYS);
    const signal = options?.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw invalidArgument(`options.signal must be an AbortSignal, got ${describe(signal)}`);
    }
    if (signal?.aborted) throw aborted(signal);
    const [texts, pairs] = this.#splitInputs(inputs);
    const native = this.#options(options, ASYNC_BATCH_ENCODE_KEYS);
    const threads = threadsOf(options);
    const cancel = new (addon().NativeCancel)();
    const onAbort = (): void => cancel.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const batch = await this.#native.encodeBatchAsync(texts, pairs, native, cancel, threads);
      // Work that had already started finishes; the caller still asked to abort.
      if (signal?.aborted) throw aborted(signal);
      return new BatchEncoding(batch);
    } catch (e) {
      if (signal?.aborted) throw aborted(signal);
      throw fromNative(e);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Number of tokens `encode(text)` yields, without building an Encoding. Ignores
   * truncation and padding: it counts the whole text. */
  countTokens(text: string, options?: CountOptions): number {
    this.#checkText(text, 'text');
    const flags = countFlags(options, COUNT_KEYS);
    try {
      return this.#hot.count(text, flags);
    } catch (e) {
      throw fromNative(e);
    }
  }

  /**
   * The ids `encode(text).ids` gives, and nothing else — no tokens, offsets or masks are
   * built, so this is the fastest way to ids (tiktoken's `encode`). Like `countTokens`, it
   * ignores the tokenizer's truncation and padding.
   */
  encodeIds(text: string, options?: CountOptions): Uint32Array {
    const r = this.#hotIds(text, options);
    return typeof r === 'number' ? this.#scratch.slice(0, r) : r;
  }

  /**
   * `encodeIds` into an array of yours: writes the ids to `out` from index 0 and returns how
   * many there are, allocating nothing (for short texts in a hot loop, a new Uint32Array is
   * half the cost of `encodeIds`). Write at an offset with `out.subarray(offset)`. When `out`
   * is shorter than the ids, throws INVALID_ARGUMENT naming the length needed, and `out` is
   * unchanged (`countTokens` gives the length first, if needed).
   */
  encodeIdsInto(text: string, out: Uint32Array, options?: CountOptions): number {
    if (!(out instanceof Uint32Array)) throw invalidArgument(`out must be a Uint32Array, got ${describe(out)}`);
    const r = this.#hotIds(text, options);
    const [ids, n] = typeof r === 'number' ? [this.#scratch, r] : [r, r.length];
    if (n > out.length) {
      throw invalidArgument(
        `out holds ${out.length} ids and this text has ${n}: pass a Uint32Array of at least ${n} (countTokens gives the number first)`,
      );
    }
    // A loop beats `set(subarray(…))` for a prompt's few ids: no view object to make.
    if (n <= 64) for (let i = 0; i < n; i++) out[i] = ids[i] as number;
    else out.set(n === ids.length ? ids : ids.subarray(0, n));
    return n;
  }

  /**
   * The native `encodeIds` (hot.rs) after checking `text` and `options`: the number of ids it
   * wrote into `#scratch`, or a new array when they do not fit there. (`countTokens` calls its
   * own function directly: one helper for both, picking the function by name, cost a count
   * ~100 ns — benches/short-calls.mjs, 978–987 → 1075–1091 ns.)
   */
  #hotIds(text: string, options: CountOptions | undefined): number | Uint32Array {
    this.#checkText(text, 'text');
    const flags = countFlags(options, COUNT_KEYS);
    try {
      return this.#hot.encodeIds(text, flags);
    } catch (e) {
      throw fromNative(e);
    }
  }

  /** `encodeIds` for many texts, in parallel, into one flat buffer (see `FlatIds`). */
  encodeBatchIds(texts: readonly string[], options?: BatchCountOptions): FlatIds {
    this.#checkTexts(texts);
    const flags = countFlags(options, BATCH_COUNT_KEYS);
    const threads = threadsOf(options);
    let r: [Uint32Array, Uint32Array];
    try {
      r = this.#hot.encodeIdsBatch(texts as string[], flags, threads);
    } catch (e) {
      throw fromNative(e);
    }
    return new FlatIds(r[0], r[1]);
  }

  /** `countTokens` for many texts, in parallel. */
  countTokensBatch(texts: readonly string[], options?: BatchCountOptions): Uint32Array {
    this.#checkTexts(texts);
    checkOptions(options, BATCH_COUNT_KEYS);
    const mode = specialTokensCode(options?.specialTokens, 'options.specialTokens');
    const threads = threadsOf(options);
    return callNative(() => this.#native.countTokensBatch(texts as string[], addSpecial(options), mode, threads));
  }

  /**
   * The token count of `text` (as `countTokens`) if it is at most `limit`, else `false`.
   * Stops counting as soon as the limit is passed, so a huge text over budget is cheap.
   */
  isWithinTokenLimit(text: string, limit: number, options?: BudgetOptions): number | false {
    this.#checkText(text, 'text');
    const n = checkLimit(limit);
    const native = nativeBudgetOptions(options);
    return callNative(() => this.#native.withinTokenLimit(text, n, native)) ?? false;
  }

  /**
   * The longest part of `text` — its start (`side: 'right'`, default) or its end (`'left'`)
   * — that encodes to at most `limit` tokens, cut at a token boundary. Re-encoding the
   * result with the same options gives at most `limit` tokens.
   */
  truncateToTokens(text: string, limit: number, options?: TruncateOptions): string {
    this.#checkText(text, 'text');
    const n = checkLimit(limit);
    const native = nativeBudgetOptions(options, TRUNCATE_KEYS);
    const side = sideOf(options);
    const [start, end] = callNative(() => this.#native.truncateToTokens(text, n, side, native));
    return text.slice(start, end);
  }

  /**
   * Splits `text` into chunks of at most `maxTokens` tokens (each encodes alone within it),
   * consecutive chunks sharing `overlap` tokens — for retrieval (RAG) and embedding windows.
   * Each chunk carries its UTF-16 range in `text`.
   */
  chunk(text: string, options: ChunkOptions): TextChunk[] {
    this.#checkText(text, 'text');
    const { maxTokens, overlap } = chunkParams(options);
    const native = nativeBudgetOptions(options, CHUNK_KEYS);
    const r = callNative(() => this.#native.chunk(text, maxTokens, overlap, native));
    return toChunks(text, r.starts, r.ends, r.tokens);
  }

  /** A streaming decoder: feed ids one at a time with `step(id)`; see `DecodeStream`. */
  decodeStream(options?: DecodeStreamOptions): DecodeStream {
    const skip = skipSpecial(options, DECODE_KEYS);
    return new DecodeStream(
      callNative(() => this.#native.decodeStream(skip)),
      skip,
    );
  }

  /**
   * Renders the tokenizer's chat template for `messages`, exactly as Python transformers'
   * `apply_chat_template` does: the prompt string, or with `tokenize: true` its Encoding
   * (encoded without adding special tokens: the template writes them).
   */
  applyChatTemplate(messages: readonly ChatMessage[], options?: ChatTemplateOptions & { tokenize?: false }): string;
  applyChatTemplate(messages: readonly ChatMessage[], options: ChatTemplateOptions & { tokenize: true }): Encoding;
  applyChatTemplate(messages: readonly ChatMessage[], options?: ChatTemplateOptions): string | Encoding;
  applyChatTemplate(messages: readonly ChatMessage[], options?: ChatTemplateOptions): string | Encoding {
    const text = this.#chat().render(messages, options);
    if (options?.tokenize !== true) return text;
    return this.encode(text, { addSpecialTokens: false, truncation: null, padding: null });
  }

  /** Names of the chat templates this tokenizer has ("default" for a single one). */
  get chatTemplates(): string[] {
    return this.#chat().names;
  }

  #chat(): ChatTemplates {
    return (this.#chatTemplates ??= new ChatTemplates(this.#files));
  }

  /** Text of `ids`. Ids may be number[] or any integer typed array. */
  decode(ids: TokenIds, options?: DecodeOptions): string {
    const u32 = toUint32Ids(ids);
    return callNative(() => this.#native.decode(u32, skipSpecial(options, DECODE_KEYS)));
  }

  /** `decode` for many id lists, in parallel. */
  decodeBatch(idsList: readonly TokenIds[], options?: BatchDecodeOptions): string[] {
    if (!Array.isArray(idsList)) throw invalidArgument(`idsList must be an array, got ${describe(idsList)}`);
    const skip = skipSpecial(options, BATCH_DECODE_KEYS);
    // A sparse array's length says nothing about its size (`new Array(2 ** 32 - 1)`): the
    // binding would reserve a row per index. Bound it, and read every index (holes refused).
    if (idsList.length > MAX_DECODE_ROWS) {
      throw new TokenizerError(
        'INPUT_TOO_LARGE',
        `idsList has ${idsList.length} rows, over the limit of ${MAX_DECODE_ROWS}; decode it in parts`,
      );
    }
    const rows = new Array<Uint32Array>(idsList.length);
    for (let i = 0; i < idsList.length; i++) rows[i] = toUint32Ids(idsList[i], `idsList[${i}]`);
    const threads = threadsOf(options);
    return callNative(() => this.#native.decodeBatch(rows, skip, threads));
  }

  /** Id of `token` (vocabulary or added token), or undefined. */
  tokenToId(token: string): number | undefined {
    if (typeof token !== 'string') throw invalidArgument(`token must be a string, got ${describe(token)}`);
    return callNative(() => this.#native.tokenToId(token)) ?? undefined;
  }

  /** Token string of `id`, or undefined when the vocabulary has no such id. */
  idToToken(id: number): string | undefined {
    checkUint(id, 'id');
    return callNative(() => this.#native.idToToken(id)) ?? undefined;
  }

  /** Number of distinct tokens, added tokens included (Python's `get_vocab_size()`). */
  get vocabSize(): number {
    return callNative(() => this.#native.vocabSize);
  }

  /**
   * Which engine answers `encodeIds`, `countTokens` and the other ids calls now: ferrotok's
   * own fast path, Hugging Face `tokenizers` 1.0's pipeline (Unigram and WordLevel; built in
   * the background after load), or `tokenizers` 0.23. For diagnostics; the ids are the same.
   */
  get idsEngine(): string {
    return callNative(() => this.#native.idsEngine);
  }

  /** token → id for the whole vocabulary (added tokens included unless `withAddedTokens: false`). */
  getVocab(options?: { withAddedTokens?: boolean }): Map<string, number> {
    checkOptions(options, VOCAB_KEYS);
    const { tokens, ids } = callNative(() => this.#native.getVocab(options?.withAddedTokens !== false));
    const out = new Map<string, number>();
    for (let i = 0; i < tokens.length; i++) out.set(tokens[i]!, ids[i]!);
    return out;
  }

  /** Tokens declared in `added_tokens` (special or not), by id. */
  get addedTokens(): readonly AddedToken[] {
    return (this.#addedTokens ??= Object.freeze(callNative(() => this.#native.addedTokens()).map(toAddedToken)));
  }

  /** Named special tokens from tokenizer_config.json / special_tokens_map.json, with ids. */
  get specialTokens(): SpecialTokens {
    return (this.#specialTokens ??= specialTokensOf(this.#files, (t) => this.tokenToId(t)));
  }

  /** Ids of every special added token. */
  get allSpecialIds(): number[] {
    return this.addedTokens.filter((t) => t.special).map((t) => t.id);
  }

  /** How many special tokens `encode` adds to one input, or to a pair. */
  numSpecialTokensToAdd(pair = false): number {
    return callNative(() => this.#native.numSpecialTokensToAdd(pair === true));
  }

  /** tokenizer_config.json as loaded, or null. */
  get config(): TokenizerConfig | null {
    return this.#files.config;
  }

  /** The input length limit this tokenizer enforces (see `LoadOptions.maxInputLength`). */
  get maxInputLength(): number {
    return this.#maxInputLength;
  }

  #options(options: BatchEncodeOptions | undefined, known: readonly string[]): NativeEncodeOptions | undefined {
    return toNativeOptions(options, this.#defaults, known);
  }

  #checkText(text: unknown, name: string): asserts text is string {
    if (typeof text !== 'string') throw invalidArgument(`${name} must be a string, got ${describe(text)}`);
    if (text.length > this.#maxInputLength) {
      throw new TokenizerError(
        'INPUT_TOO_LARGE',
        `${name} has ${text.length} UTF-16 code units, over this tokenizer's maxInputLength of ${this.#maxInputLength}; split the text (encodeBatch takes the pieces) or load with a larger maxInputLength`,
      );
    }
  }

  #checkTexts(texts: readonly string[]): void {
    if (!Array.isArray(texts)) throw invalidArgument(`texts must be an array of strings, got ${describe(texts)}`);
    for (let i = 0; i < texts.length; i++) this.#checkText(texts[i], `texts[${i}]`);
  }

  #splitInputs(inputs: readonly BatchInput[]): [string[], (string | null)[] | undefined] {
    if (!Array.isArray(inputs)) throw invalidArgument(`inputs must be an array of strings or [text, pair] tuples, got ${describe(inputs)}`);
    const texts = new Array<string>(inputs.length);
    let pairs: (string | null)[] | undefined;
    for (let i = 0; i < inputs.length; i++) {
      const input: unknown = inputs[i];
      if (typeof input === 'string') {
        this.#checkText(input, `inputs[${i}]`);
        texts[i] = input;
        if (pairs !== undefined) pairs[i] = null;
      } else if (Array.isArray(input) && input.length === 2) {
        this.#checkText(input[0], `inputs[${i}][0]`);
        this.#checkText(input[1], `inputs[${i}][1]`);
        texts[i] = input[0];
        // Sized by the rows read so far, never by `inputs.length`: a sparse array's length
        // (up to 2^32 - 1) says nothing about its rows, and filling that many aborted Node.
        pairs ??= new Array<string | null>(i).fill(null);
        pairs[i] = input[1];
      } else {
        throw invalidArgument(`inputs[${i}] must be a string or a [text, pair] tuple, got ${describe(input)}`);
      }
    }
    return [texts, pairs];
  }
}

type Origin = { path: string } | { modelType: string | undefined };

/** What `JSON.stringify(tokenizer)` gives (`Tokenizer.toJSON`). */
export interface TokenizerSummary {
  model: string;
  vocabSize: number;
  /** The file or folder it was loaded from (not for `fromJSON`). */
  path?: string;
  /** The first special tokens, by id order. */
  specialTokens?: string[];
  /** How many more special tokens there are. */
  moreSpecialTokens?: number;
  chatTemplates?: string[];
}

/** Special tokens a summary lists (Llama 3 has 256 of them, most reserved). */
const SPECIAL_SHOWN = 8;

/** dist/cjs/tokenizer.js → the package root, which ships models/default. */
const DEFAULT_TOKENIZER_DIR = join(__dirname, '..', '..', 'models', 'default');
let defaultTokenizer: Tokenizer | undefined;

function resolvePath(path: string): string {
  return resolve(path);
}

/** Relative or absolute paths, and file names: what a user means as a place on disk. */
function looksLikePath(s: string): boolean {
  return /^(\.{1,2}([\\/]|$)|[\\/]|~|[A-Za-z]:[\\/])/.test(s) || s.endsWith('.json') || s.includes('\\');
}

function loadOptionsOf(options: (FromPretrainedOptions & LoadOptions) | undefined): LoadOptions | undefined {
  if (options === undefined) return undefined;
  const { maxInputLength, maxFileBytes } = options;
  return {
    ...(maxInputLength === undefined ? {} : { maxInputLength }),
    ...(maxFileBytes === undefined ? {} : { maxFileBytes }),
  };
}

function checkMaxInputLength(v: number | undefined): number {
  if (v === undefined) return DEFAULT_MAX_INPUT_LENGTH;
  if (v === Infinity) return v;
  return checkUint(v, 'maxInputLength', 1);
}

type HotFunctions = ReturnType<NativeTokenizerType['hotFunctions']>;

/** The hot functions' `flags`: bit 0 add special tokens, bits 1–2 the special-token mode's code. */
function countFlags(options: CountOptions | undefined, known: readonly string[]): number {
  checkOptions(options, known);
  const mode = checkSpecialTokensMode(options?.specialTokens, 'options.specialTokens');
  return (addSpecial(options) ? 1 : 0) | (SPECIAL_TOKENS_CODES[mode] << 1);
}

function addSpecial(options: CountOptions | undefined): boolean {
  const v = options?.addSpecialTokens;
  if (v !== undefined && typeof v !== 'boolean') throw invalidArgument(`addSpecialTokens must be a boolean, got ${describe(v)}`);
  return v !== false;
}

function skipSpecial(options: { skipSpecialTokens?: boolean } | undefined, known: readonly string[]): boolean {
  checkOptions(options, known);
  const v = options?.skipSpecialTokens;
  if (v !== undefined && typeof v !== 'boolean') throw invalidArgument(`skipSpecialTokens must be a boolean, got ${describe(v)}`);
  return v === true;
}

function aborted(signal: AbortSignal): TokenizerError {
  return new TokenizerError('ABORTED', 'the operation was aborted', { cause: signal.reason });
}

function toAddedToken(t: NativeAddedToken): AddedToken {
  return { ...t };
}
