/**
 * Public option types, their defaults, and their conversion to the explicit shapes the
 * engine takes. Every default is decided here and nowhere else.
 */
import { checkOptions, optionKeys } from './check-options';
import { describe } from './describe';
import { invalidArgument } from './errors';
import type { NativeEncodeOptions, NativePadding, NativeTruncation } from './native';

export type TruncationStrategy = 'longest_first' | 'only_first' | 'only_second';
export type Side = 'left' | 'right';

export interface TruncationOptions {
  /** Maximum tokens, special tokens included. Default: `model_max_length` from tokenizer_config.json. */
  maxLength?: number;
  /** Which sequence of a pair loses tokens first. Default `'longest_first'`. */
  strategy?: TruncationStrategy;
  /** Tokens repeated between consecutive overflowing windows. Default 0. */
  stride?: number;
  /** Which end is cut. Default `'right'`. */
  side?: Side;
}

export interface PaddingOptions {
  /** `'longest'` pads a batch to its longest row; `'max_length'` pads to `maxLength`.
   * Default: `'max_length'` when `maxLength` is given, else `'longest'`. */
  strategy?: 'longest' | 'max_length';
  maxLength?: number;
  /** Round the padded length up to a multiple of this. */
  multipleOf?: number;
  /** Default `'right'`. */
  side?: Side;
  /** Default: the tokenizer.json's padding, else the `pad_token` of tokenizer_config.json. */
  padId?: number;
  padToken?: string;
  /** Default 0. */
  padTypeId?: number;
}

export interface EncodeOptions {
  /** Second sequence (question/context, sentence pairs). Its offsets index this string. */
  pair?: string;
  /** Add the tokenizer's special tokens (BOS, [CLS]/[SEP], …). Default true. */
  addSpecialTokens?: boolean;
  /** Default: the tokenizer.json's own truncation, if it has one; `null` turns it off. */
  truncation?: TruncationOptions | null;
  /** Default: the tokenizer.json's own padding, if it has one; `null` turns it off. */
  padding?: PaddingOptions | null;
  /** How special-token strings inside the text are treated; see `SpecialTokensMode`. */
  specialTokens?: SpecialTokensMode;
}

/**
 * What happens when input text contains a special token's string (`<|im_end|>`, `</s>`, …):
 * - `'allow'` (default, Hugging Face's behaviour): it becomes that special token. Fine for
 *   text you wrote (a rendered chat template); a prompt-injection risk for user text.
 * - `'plain'`: it is encoded as ordinary text, like any other characters.
 * - `'error'`: the call throws `SPECIAL_TOKEN_IN_TEXT` (like tiktoken's `disallowed_special`).
 */
export type SpecialTokensMode = 'allow' | 'plain' | 'error';

/** Where a batch call's rows run. */
export interface ThreadsOption {
  /**
   * Threads for this call. Default: rayon's pool, one thread per core (or
   * `RAYON_NUM_THREADS`). `1` runs the rows on the calling thread — for the async calls that
   * is a libuv worker, so several concurrent async batches run side by side on libuv's pool
   * (README: Threads has the measurements). `n > 1`: a pool of n threads, kept for reuse.
   */
  threads?: number;
}

export type BatchEncodeOptions = Omit<EncodeOptions, 'pair'> & ThreadsOption;

export interface AsyncBatchEncodeOptions extends BatchEncodeOptions {
  /** Aborting rejects the promise with code `ABORTED` and stops rows not yet started. */
  signal?: AbortSignal;
}

export interface DecodeOptions {
  /** Leave special tokens (BOS, EOS, padding, …) out of the text. Default false. */
  skipSpecialTokens?: boolean;
}

export type BatchDecodeOptions = DecodeOptions & ThreadsOption;
export type BatchCountOptions = CountOptions & ThreadsOption;

/** The `threads` option: undefined (the default pool) or an integer in 1..256. */
export function threadsOf(options: ThreadsOption | undefined): number | undefined {
  const v = options?.threads;
  return v === undefined ? undefined : checkUint(v, 'threads', 1);
}

export interface CountOptions {
  /** Count the special tokens `encode` would add. Default true. */
  addSpecialTokens?: boolean;
  /** How special-token strings inside the text are treated. Default 'allow'. */
  specialTokens?: SpecialTokensMode;
}

// The keys each method accepts: anything else is refused, naming the closest (check-options.ts).
export const TRUNCATION_KEYS = optionKeys<TruncationOptions>({ maxLength: true, strategy: true, stride: true, side: true });
export const PADDING_KEYS = optionKeys<PaddingOptions>({
  strategy: true,
  maxLength: true,
  multipleOf: true,
  side: true,
  padId: true,
  padToken: true,
  padTypeId: true,
});
export const ENCODE_KEYS = optionKeys<EncodeOptions>({
  pair: true,
  addSpecialTokens: true,
  truncation: true,
  padding: true,
  specialTokens: true,
});
export const BATCH_ENCODE_KEYS = optionKeys<BatchEncodeOptions>({
  addSpecialTokens: true,
  truncation: true,
  padding: true,
  specialTokens: true,
  threads: true,
});
export const ASYNC_BATCH_ENCODE_KEYS = optionKeys<AsyncBatchEncodeOptions>({
  addSpecialTokens: true,
  truncation: true,
  padding: true,
  specialTokens: true,
  threads: true,
  signal: true,
});
export const COUNT_KEYS = optionKeys<CountOptions>({ addSpecialTokens: true, specialTokens: true });
export const BATCH_COUNT_KEYS = optionKeys<BatchCountOptions>({ addSpecialTokens: true, specialTokens: true, threads: true });
export const DECODE_KEYS = optionKeys<DecodeOptions>({ skipSpecialTokens: true });
export const BATCH_DECODE_KEYS = optionKeys<BatchDecodeOptions>({ skipSpecialTokens: true, threads: true });

/** What options.ts needs to know about the loaded tokenizer to resolve defaults. */
export interface DefaultsSource {
  fileTruncation: NativeTruncation | null;
  filePadding: NativePadding | null;
  modelMaxLength: number | undefined;
  padToken: string | undefined;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
}

export function checkUint(value: unknown, name: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 0xffff_ffff) {
    throw invalidArgument(`${name} must be an integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}

function checkBool(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw invalidArgument(`${name} must be a boolean, got ${describe(value)}`);
  return value;
}

function checkOneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidArgument(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

export { describe };

function resolveTruncation(t: TruncationOptions, src: DefaultsSource): NativeTruncation {
  const fallback = src.fileTruncation;
  const maxLength = t.maxLength ?? fallback?.maxLength ?? src.modelMaxLength;
  if (maxLength === undefined) {
    throw invalidArgument('truncation.maxLength is required: this tokenizer declares no model_max_length');
  }
  return {
    maxLength: checkUint(maxLength, 'truncation.maxLength', 1),
    stride: checkUint(t.stride ?? 0, 'truncation.stride'),
    strategy: checkOneOf(t.strategy ?? 'longest_first', 'truncation.strategy', ['longest_first', 'only_first', 'only_second']),
    side: checkOneOf(t.side ?? 'right', 'truncation.side', ['left', 'right']),
  };
}

function resolvePadding(p: PaddingOptions, src: DefaultsSource): NativePadding {
  const strategy = checkOneOf(p.strategy ?? (p.maxLength === undefined ? 'longest' : 'max_length'), 'padding.strategy', [
    'longest',
    'max_length',
  ]);
  const out: NativePadding = {
    strategy,
    side: checkOneOf(p.side ?? 'right', 'padding.side', ['left', 'right']),
    padTypeId: checkUint(p.padTypeId ?? src.filePadding?.padTypeId ?? 0, 'padding.padTypeId'),
    ...resolvePadToken(p, src),
  };
  if (strategy === 'max_length') {
    if (p.maxLength === undefined) throw invalidArgument("padding.strategy 'max_length' needs padding.maxLength");
    out.maxLength = checkUint(p.maxLength, 'padding.maxLength');
  }
  if (p.multipleOf !== undefined) out.multipleOf = checkUint(p.multipleOf, 'padding.multipleOf', 1);
  return out;
}

function resolvePadToken(p: PaddingOptions, src: DefaultsSource): { padId: number; padToken: string } {
  if (p.padToken !== undefined && typeof p.padToken !== 'string') {
    throw invalidArgument(`padding.padToken must be a string, got ${describe(p.padToken)}`);
  }
  if (p.padId !== undefined) return padOfId(checkUint(p.padId, 'padding.padId'), p.padToken, src);
  const padToken = p.padToken ?? src.filePadding?.padToken ?? src.padToken;
  if (padToken === undefined) {
    throw invalidArgument('this tokenizer has no pad token: pass padding.padToken or padding.padId');
  }
  const padId = p.padToken === undefined && src.filePadding ? src.filePadding.padId : src.tokenToId(padToken);
  if (padId === undefined) throw invalidArgument(`padding.padToken '${padToken}' is not in this tokenizer's vocabulary`);
  return { padId, padToken };
}

/** A padId must be a token of this vocabulary (else every Encoding holds an id `decode`
 * refuses), and a padToken given with it must be that token: two names for one thing agree. */
function padOfId(padId: number, padToken: string | undefined, src: DefaultsSource): { padId: number; padToken: string } {
  const token = src.idToToken(padId);
  if (token === undefined) throw invalidArgument(`padding.padId ${padId} is not a token id of this tokenizer`);
  if (padToken !== undefined && padToken !== token) {
    const id = src.tokenToId(padToken);
    const its = id === undefined ? 'is not in the vocabulary' : `is id ${id}`;
    throw invalidArgument(`padding.padId ${padId} is '${token}' but padding.padToken '${padToken}' ${its}: pass one of them`);
  }
  return { padId, padToken: token };
}

/**
 * Resolves user options to what the engine takes, or `undefined` when everything is default
 * (the engine's own default is: special tokens on, no truncation, no padding).
 */
export function toNativeOptions(
  opts: BatchEncodeOptions | undefined,
  src: DefaultsSource,
  known: readonly string[] = BATCH_ENCODE_KEYS,
): NativeEncodeOptions | undefined {
  checkOptions(opts, known);
  const addSpecialTokens = opts?.addSpecialTokens === undefined ? true : checkBool(opts.addSpecialTokens, 'addSpecialTokens');
  const truncation = pick(opts?.truncation, src.fileTruncation, TRUNCATION_SPEC, (t) => resolveTruncation(t, src));
  const padding = pick(opts?.padding, src.filePadding, PADDING_SPEC, (p) => resolvePadding(p, src));
  const specialTokens = specialTokensCode(opts?.specialTokens);
  if (addSpecialTokens && !truncation && !padding && specialTokens === undefined) return undefined;
  const out: NativeEncodeOptions = { addSpecialTokens };
  if (truncation) out.truncation = truncation;
  if (padding) out.padding = padding;
  if (specialTokens !== undefined) out.specialTokens = specialTokens;
  return out;
}

/**
 * The special-token mode as it crosses into the addon, in options objects and in the hot
 * functions' flags alike (native/src/special.rs `SpecialTokens::from_code`).
 */
export const SPECIAL_TOKENS_CODES = { allow: 0, plain: 1, error: 2 } as const satisfies Record<SpecialTokensMode, number>;

/** The code of the `specialTokens` option `v` (checked), or undefined for the default, allow. */
export function specialTokensCode(v: unknown, name = 'specialTokens'): number | undefined {
  const mode = checkSpecialTokensMode(v, name);
  return mode === 'allow' ? undefined : SPECIAL_TOKENS_CODES[mode];
}

export function checkSpecialTokensMode(v: unknown, name = 'specialTokens'): SpecialTokensMode {
  if (v === undefined) return 'allow';
  if (v === 'allow' || v === 'plain' || v === 'error') return v;
  throw invalidArgument(`${name} must be 'allow', 'plain' or 'error', got ${describe(v)}`);
}

interface NestedSpec {
  name: string;
  keys: readonly string[];
  /** What to pass instead of `true` (transformers' `truncation=True` / `padding=True`). */
  example: string;
}

const TRUNCATION_SPEC: NestedSpec = {
  name: 'truncation',
  keys: TRUNCATION_KEYS,
  example: "{ maxLength: 512 } (or {} for the tokenizer's model_max_length)",
};
const PADDING_SPEC: NestedSpec = {
  name: 'padding',
  keys: PADDING_KEYS,
  example: "{ strategy: 'longest' } or { strategy: 'max_length', maxLength: 512 }",
};

/** undefined → the file's setting; null → none; an object → checked, then resolved. */
function pick<T extends object, N>(value: T | null | undefined, fromFile: N | null, spec: NestedSpec, resolve: (v: T) => N): N | null {
  if (value === undefined) return fromFile;
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidArgument(`options.${spec.name} must be an object such as ${spec.example}, or null to turn it off; got ${describe(value)}`);
  }
  checkOptions(value, spec.keys, `options.${spec.name}`);
  return resolve(value);
}
