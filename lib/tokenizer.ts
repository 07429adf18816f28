/**
 * Tokenizer: a Hugging Face tokenizer.json, loaded once into the Rust engine, encoding and
 * decoding exactly as Python `tokenizers` does.
 *
 * This class validates arguments and resolves defaults (options.ts); the engine does the
 * work. It holds no mutable state: one instance serves any number of concurrent calls.
 */
import { BatchEncoding } from './batch';
import {
  type BudgetOptions, type ChunkOptions, type TextChunk, type TruncateOptions,
  checkLimit, chunkParams, nativeBudgetOptions, sideOf, toChunks,
} from './budget';
import { type ChatMessage, type ChatTemplateOptions, ChatTemplates } from './chat';
import { DecodeStream, type DecodeStreamOptions } from './stream';
import { FlatIds } from './flat';
import {
  type ConfigFiles, type SpecialTokens, type TokenizerConfig,
  modelMaxLengthOf, readConfigFiles, specialTokensOf,
} from './config';
import { Encoding } from './encoding';
import type { FromPretrainedOptions } from './hub';
import { callNative, fromNative, invalidArgument, TokenizerError } from './errors';
import { type TokenIds, toUint32Ids } from './ids';
import {
  native as addon,
  type NativeAddedToken, type NativeEncodeOptions, type NativeTokenizerType,
} from './native';
import {
  type AsyncBatchEncodeOptions, type BatchCountOptions, type BatchDecodeOptions, type BatchEncodeOptions,
  type CountOptions, type DecodeOptions, threadsOf,
  type DefaultsSource, type EncodeOptions, checkSpecialTokensMode, checkUint, describe, toNativeOptions,
} from './options';

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

  private constructor(native: NativeTokenizerType, files: ConfigFiles, options: LoadOptions | undefined) {
    this.#native = native;
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
    const native = callNative(() => addon().NativeTokenizer.fromFile(path));
    return new Tokenizer(native, readConfigFiles(path), options);
  }

  /**
   * Loads a tokenizer from a Hugging Face Hub model repo (`org/name`), through the same cache
   * layout as Python's huggingface_hub: a cache either side filled is reused. Honours
   * HF_ENDPOINT, HF_TOKEN, HF_HOME, HF_HUB_CACHE and HF_HUB_OFFLINE.
   */
  static async fromPretrained(repoId: string, options?: FromPretrainedOptions & LoadOptions): Promise<Tokenizer> {
    // The Hub client (node:crypto, fs/promises, timers/promises) is loaded on first use: as a
    // static import it was ~6 ms of every `import 'ferrotok'`, for a feature most runs skip.
    const { resolvePretrained } = require('./hub') as typeof import('./hub');
    const dir = await resolvePretrained(repoId, options);
    return Tokenizer.fromFile(dir, options);
  }

  /** Loads tokenizer.json content: the JSON text, or its bytes (Buffer, Uint8Array). */
  static fromJSON(json: string | Uint8Array, options?: LoadOptions & { config?: TokenizerConfig }): Tokenizer {
    let bytes: Uint8Array;
    if (typeof json === 'string') bytes = Buffer.from(json, 'utf8');
    else if (json instanceof Uint8Array) bytes = json;
    else throw invalidArgument(`fromJSON takes a string, Buffer or Uint8Array, got ${describe(json)}`);
    const native = callNative(() => addon().NativeTokenizer.fromBytes(bytes));
    return new Tokenizer(native, { config: options?.config ?? null, specialTokensMap: null }, options);
  }

  /** The tokenizer.json text; `Tokenizer.fromJSON(tok.toJSON())` gives an equal tokenizer. */
  toJSON(options?: { pretty?: boolean }): string {
    return callNative(() => this.#native.toJson(options?.pretty === true));
  }

  /** Encodes one text (and optionally its pair). Synchronous: for prompt-sized inputs. */
  encode(text: string, options?: EncodeOptions): Encoding {
    this.#checkText(text, 'text');
    const pair = options?.pair;
    if (pair !== undefined) this.#checkText(pair, 'options.pair');
    const native = this.#options(options);
    return new Encoding(callNative(() => this.#native.encode(text, pair, native)));
  }

  /** Encodes many inputs in parallel on all cores (Rust threads). Blocks until done. */
  encodeBatch(inputs: readonly BatchInput[], options?: BatchEncodeOptions): BatchEncoding {
    const [texts, pairs] = this.#splitInputs(inputs);
    const { threads: _, ...rest } = options ?? {};
    const native = this.#options(rest);
    const threads = threadsOf(options);
    return new BatchEncoding(callNative(() => this.#native.encodeBatch(texts, pairs, native, threads)));
  }

  /**
   * Like `encodeBatch`, off the JS thread: the event loop stays free. `signal` aborts it:
   * the promise rejects with code `ABORTED` and rows not yet started are skipped.
   */
  async encodeBatchAsync(inputs: readonly BatchInput[], options?: AsyncBatchEncodeOptions): Promise<BatchEncoding> {
    const signal = options?.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw invalidArgument(`options.signal must be an AbortSignal, got ${describe(signal)}`);
    }
    if (signal?.aborted) throw aborted(signal);
    const [texts, pairs] = this.#splitInputs(inputs);
    const { signal: _, threads: __, ...rest } = options ?? {};
    const native = this.#options(rest);
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
    const flags = countFlags(options);
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
    this.#checkText(text, 'text');
    const flags = countFlags(options);
    let r: number | Uint32Array;
    try {
      r = this.#hot.encodeIds(text, flags);
    } catch (e) {
      throw fromNative(e);
    }
    return typeof r === 'number' ? this.#scratch.slice(0, r) : r;
  }

  /** `encodeIds` for many texts, in parallel, into one flat buffer (see `FlatIds`). */
  encodeBatchIds(texts: readonly string[], options?: BatchCountOptions): FlatIds {
    this.#checkTexts(texts);
    const flags = countFlags(options);
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
    const mode = checkSpecialTokensMode(options?.specialTokens, 'options.specialTokens');
    const threads = threadsOf(options);
    return callNative(() => this.#native.countTokensBatch(texts as string[], addSpecial(options), mode === 'allow' ? undefined : mode, threads));
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
    const side = sideOf(options);
    const native = nativeBudgetOptions(options);
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
    const native = nativeBudgetOptions(options);
    const r = callNative(() => this.#native.chunk(text, maxTokens, overlap, native));
    return toChunks(text, r.starts, r.ends, r.tokens);
  }

  /** A streaming decoder: feed ids one at a time with `step(id)`; see `DecodeStream`. */
  decodeStream(options?: DecodeStreamOptions): DecodeStream {
    return new DecodeStream(callNative(() => this.#native.decodeStream(skipSpecial(options))));
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
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw invalidArgument(`options must be an object, got ${describe(options)}`);
    }
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
    return callNative(() => this.#native.decode(u32, skipSpecial(options)));
  }

  /** `decode` for many id lists, in parallel. */
  decodeBatch(idsList: readonly TokenIds[], options?: BatchDecodeOptions): string[] {
    if (!Array.isArray(idsList)) throw invalidArgument(`idsList must be an array, got ${describe(idsList)}`);
    const rows = idsList.map((ids, i) => toUint32Ids(ids, `idsList[${i}]`));
    const threads = threadsOf(options);
    return callNative(() => this.#native.decodeBatch(rows, skipSpecial(options), threads));
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

  /** token → id for the whole vocabulary (added tokens included unless `withAddedTokens: false`). */
  getVocab(options?: { withAddedTokens?: boolean }): Map<string, number> {
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

  #options(options: BatchEncodeOptions | undefined): NativeEncodeOptions | undefined {
    return toNativeOptions(options, this.#defaults);
  }

  #checkText(text: unknown, name: string): asserts text is string {
    if (typeof text !== 'string') throw invalidArgument(`${name} must be a string, got ${describe(text)}`);
    if (text.length > this.#maxInputLength) {
      throw new TokenizerError('INPUT_TOO_LARGE',
        `${name} has ${text.length} UTF-16 code units, over this tokenizer's maxInputLength of ${this.#maxInputLength}; split the text (encodeBatch takes the pieces) or load with a larger maxInputLength`);
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
      } else if (Array.isArray(input) && input.length === 2) {
        this.#checkText(input[0], `inputs[${i}][0]`);
        this.#checkText(input[1], `inputs[${i}][1]`);
        texts[i] = input[0];
        (pairs ??= new Array<string | null>(inputs.length).fill(null))[i] = input[1];
      } else {
        throw invalidArgument(`inputs[${i}] must be a string or a [text, pair] tuple, got ${describe(input)}`);
      }
    }
    return [texts, pairs];
  }
}

function checkMaxInputLength(v: number | undefined): number {
  if (v === undefined) return DEFAULT_MAX_INPUT_LENGTH;
  if (v === Infinity) return v;
  return checkUint(v, 'maxInputLength', 1);
}

type HotFunctions = ReturnType<NativeTokenizerType['hotFunctions']>;

const MODE_FLAGS = { allow: 0, plain: 2, error: 4 } as const;

/** The hot functions' `flags`: bit 0 add special tokens, bits 1–2 the special-token mode. */
function countFlags(options: CountOptions | undefined): number {
  const mode = checkSpecialTokensMode(options?.specialTokens, 'options.specialTokens');
  return (addSpecial(options) ? 1 : 0) | MODE_FLAGS[mode];
}

function addSpecial(options: CountOptions | undefined): boolean {
  const v = options?.addSpecialTokens;
  if (v !== undefined && typeof v !== 'boolean') throw invalidArgument(`addSpecialTokens must be a boolean, got ${describe(v)}`);
  return v !== false;
}

function skipSpecial(options: { skipSpecialTokens?: boolean } | undefined): boolean {
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
