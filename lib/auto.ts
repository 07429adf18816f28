/**
 * The door for transformers.js users: `AutoTokenizer.fromPretrained(id)` gives a tokenizer
 * that is called as a function, `tokenizer(texts, { padding, truncation, returnTensor })`,
 * and returns `{ input_ids, attention_mask, token_type_ids? }` — what their code feeds a
 * model — plus `encode`, `decode`, `batchDecode`, `tokenize` and `applyChatTemplate`.
 *
 * A function object (a function with methods) is how transformers.js spells it and how TS
 * types a callable value (an interface with call signatures); a class instance cannot be
 * called. Options are camelCase like the rest of ferrotok, and checked: `max_length` is
 * refused with "did you mean `maxLength`?". Truncation is Python transformers' (the pair
 * rules, special tokens kept), not transformers.js' cut of the last tokens.
 */
import type { InspectOptionsStylized } from 'node:util';
import type { BatchEncoding } from './batch';
import { checkOptions, optionKeys } from './check-options';
import { modelMaxLengthOf } from './config';
import { describe } from './describe';
import { invalidArgument } from './errors';
import type { FromPretrainedOptions } from './hub';
import type { TokenIds } from './ids';
import { INSPECT, summary } from './inspect';
import type { BatchEncodeOptions, PaddingOptions, TruncationOptions } from './options';
import { type BatchInput, type LoadOptions, Tokenizer } from './tokenizer';

/** Options of a call, transformers.js' `tokenizer(text, options)` in camelCase. */
export interface TokenizerCallOptions {
  /** Second sequences: a string for one text, an array as long as the texts for a batch. */
  textPair?: string | readonly string[];
  /** Default true. */
  addSpecialTokens?: boolean;
  /** `true` or `'longest'`: pad to the longest row; `'max_length'`: to `maxLength` (default
   * the model's `model_max_length`). Default false. */
  padding?: boolean | 'longest' | 'max_length';
  /** Cut rows to `maxLength` (default `model_max_length`). Default false, or true when
   * `maxLength` is given without padding (as transformers.js does). */
  truncation?: boolean;
  maxLength?: number;
  /** Default true: int64 tensors `{ type, data, dims }`. False: arrays of numbers. */
  returnTensor?: boolean;
  /** Default: whether the model takes them (tokenizer_config.json's `model_input_names`,
   * else its `tokenizer_class`: BERT, ALBERT, DeBERTa, ELECTRA and kin, as transformers.js). */
  returnTokenTypeIds?: boolean;
}

/** An int64 tensor as onnxruntime and transformers.js take one: `new ort.Tensor(t.type, t.data, t.dims)`. */
export interface Int64Tensor {
  readonly type: 'int64';
  readonly data: BigInt64Array;
  readonly dims: [batch: number, seqLen: number];
}

/** A model's inputs, by their ONNX names. */
export interface ModelInputs<T> {
  input_ids: T;
  attention_mask: T;
  token_type_ids?: T;
}

export interface DecodeCallOptions {
  /** Default false. */
  skipSpecialTokens?: boolean;
}

/** A tokenizer called as a function, transformers.js-style. */
export interface PreTrainedTokenizer {
  (text: string | readonly string[], options?: TokenizerCallOptions & { returnTensor?: true }): ModelInputs<Int64Tensor>;
  (text: string, options: TokenizerCallOptions & { returnTensor: false }): ModelInputs<number[]>;
  (text: readonly string[], options: TokenizerCallOptions & { returnTensor: false }): ModelInputs<number[][]>;
  /** The ferrotok Tokenizer underneath, for everything else (offsets, async batches, budgets). */
  readonly tokenizer: Tokenizer;
  /** Ids of one text (and its pair), as a `number[]`. */
  encode(text: string, options?: { textPair?: string; addSpecialTokens?: boolean }): number[];
  decode(ids: TokenIds, options?: DecodeCallOptions): string;
  /** Texts of many id rows: arrays, or a `[batch, seqLen]` tensor such as `input_ids`. */
  batchDecode(rows: readonly TokenIds[] | { data: TokenIds; dims: readonly number[] }, options?: DecodeCallOptions): string[];
  /** Token strings of one text, without special tokens. */
  tokenize(text: string, options?: { textPair?: string; addSpecialTokens?: boolean }): string[];
  applyChatTemplate: Tokenizer['applyChatTemplate'];
}

const CALL_KEYS = optionKeys<TokenizerCallOptions>({
  textPair: true,
  addSpecialTokens: true,
  padding: true,
  truncation: true,
  maxLength: true,
  returnTensor: true,
  returnTokenTypeIds: true,
});
const ENCODE_CALL_KEYS = optionKeys<{ textPair?: string; addSpecialTokens?: boolean }>({ textPair: true, addSpecialTokens: true });
const DECODE_CALL_KEYS = optionKeys<DecodeCallOptions>({ skipSpecialTokens: true });

/** Tokenizer classes whose models take token_type_ids (transformers.js sets
 * `return_token_type_ids = true` on exactly these). */
const TYPE_ID_CLASSES = new Set([
  'BertTokenizer',
  'AlbertTokenizer',
  'DebertaTokenizer',
  'DebertaV2Tokenizer',
  'ElectraTokenizer',
  'MobileBertTokenizer',
  'ConvBertTokenizer',
  'RoFormerTokenizer',
  'HerbertTokenizer',
  'XLMTokenizer',
  'SqueezeBertTokenizer',
]);

export const AutoTokenizer = {
  /**
   * transformers.js' `AutoTokenizer.from_pretrained`: a Hub repo id (cached like
   * huggingface_hub), or a local folder that exists (loaded from disk, as Python does).
   */
  async fromPretrained(id: string, options?: FromPretrainedOptions & LoadOptions): Promise<PreTrainedTokenizer> {
    return callableTokenizer(await Tokenizer.fromPretrained(id, options));
  },
  /** Wraps a Tokenizer you already have (`Tokenizer.fromFile`, `Tokenizer.default()`). */
  from(tokenizer: Tokenizer): PreTrainedTokenizer {
    if (!(tokenizer instanceof Tokenizer)) throw invalidArgument(`AutoTokenizer.from takes a Tokenizer, got ${describe(tokenizer)}`);
    return callableTokenizer(tokenizer);
  },
};

function callableTokenizer(tok: Tokenizer): PreTrainedTokenizer {
  const typeIds = takesTokenTypeIds(tok);
  const call = (text: string | readonly string[], options?: TokenizerCallOptions): ModelInputs<Int64Tensor | number[] | number[][]> =>
    callTokenizer(tok, typeIds, text, options);
  const methods = Object.assign(call, {
    tokenizer: tok,
    encode: (text: string, options?: { textPair?: string; addSpecialTokens?: boolean }) => Array.from(encodeOne(tok, text, options).ids),
    decode: (ids: TokenIds, options?: DecodeCallOptions) => tok.decode(ids, decodeOptions(options)),
    batchDecode: (rows: Parameters<PreTrainedTokenizer['batchDecode']>[0], options?: DecodeCallOptions) =>
      tok.decodeBatch(rowsOf(rows), decodeOptions(options)),
    tokenize: (text: string, options?: { textPair?: string; addSpecialTokens?: boolean }) =>
      encodeOne(tok, text, { addSpecialTokens: false, ...options }).tokens,
    applyChatTemplate: tok.applyChatTemplate.bind(tok) as Tokenizer['applyChatTemplate'],
  }) as PreTrainedTokenizer;
  Object.defineProperty(methods, INSPECT, {
    value: (depth: number, o: InspectOptionsStylized) =>
      summary(`PreTrainedTokenizer(${tok.modelType ?? 'unknown'}, ${tok.vocabSize} tokens)`, { tokenTypeIds: typeIds }, depth, o),
  });
  return methods;
}

function callTokenizer(
  tok: Tokenizer,
  typeIds: boolean,
  text: string | readonly string[],
  options: TokenizerCallOptions | undefined,
): ModelInputs<Int64Tensor | number[] | number[][]> {
  checkOptions(options, CALL_KEYS);
  const o = options ?? {};
  const batched = Array.isArray(text);
  const batch = tok.encodeBatch(inputsOf(text, o.textPair), batchOptions(tok, o));
  const withTypeIds = o.returnTokenTypeIds ?? typeIds;
  if (o.returnTensor === false) return arraysOf(batch, batched, withTypeIds);
  if (!batch.isRectangular) {
    throw invalidArgument(
      'the rows have different lengths, so they make no tensor: pass padding: true (and truncation: true for a fixed limit), or returnTensor: false',
    );
  }
  return tensorsOf(batch, withTypeIds);
}

function inputsOf(text: string | readonly string[], pair: string | readonly string[] | undefined): BatchInput[] {
  if (typeof text === 'string') {
    if (pair !== undefined && typeof pair !== 'string') throw invalidArgument('textPair must be a string when the text is one string');
    return [pair === undefined ? text : [text, pair]];
  }
  if (!Array.isArray(text)) throw invalidArgument(`text must be a string or an array of strings, got ${describe(text)}`);
  if (text.length === 0) throw invalidArgument('text is an empty array: there is nothing to tokenize');
  // No copy of `text` (`[...text]` of a sparse array 2^32 - 1 long aborted Node with a heap
  // OOM): encodeBatch reads it row by row and refuses the first hole.
  if (pair === undefined) return text;
  if (!Array.isArray(pair) || pair.length !== text.length) {
    throw invalidArgument(`textPair must be an array as long as the texts (${text.length}), got ${describe(pair)}`);
  }
  const out: BatchInput[] = [];
  for (let i = 0; i < text.length; i++) {
    const [t, p]: unknown[] = [text[i], pair[i]];
    if (typeof t !== 'string' || typeof p !== 'string') {
      throw invalidArgument(`text[${i}] and textPair[${i}] must be strings, got ${describe(t)} and ${describe(p)}`);
    }
    out.push([t, p]);
  }
  return out;
}

/** transformers' rules: `maxLength` alone turns truncation on; both default to
 * `model_max_length`; nothing asked, nothing done (the file's own settings are off, as in
 * Python's `tokenizer(...)` call). */
function batchOptions(tok: Tokenizer, o: TokenizerCallOptions): BatchEncodeOptions {
  const padding = o.padding ?? false;
  if (padding !== true && padding !== false && padding !== 'longest' && padding !== 'max_length') {
    throw invalidArgument(`padding must be true, false, 'longest' or 'max_length', got ${describe(padding)}`);
  }
  if (o.truncation !== undefined && typeof o.truncation !== 'boolean') {
    throw invalidArgument(`truncation must be a boolean (the limit is maxLength), got ${describe(o.truncation)}`);
  }
  const truncate = o.truncation ?? (o.maxLength !== undefined && padding === false);
  const maxLength = o.maxLength ?? modelMaxLengthOf(tok.config);
  const out: BatchEncodeOptions = { truncation: truncate ? truncationOf(maxLength) : null, padding: paddingOf(padding, maxLength) };
  if (o.addSpecialTokens !== undefined) out.addSpecialTokens = o.addSpecialTokens;
  return out;
}

function truncationOf(maxLength: number | undefined): TruncationOptions {
  if (maxLength === undefined) throw invalidArgument('truncation: true needs maxLength: this tokenizer declares no model_max_length');
  return { maxLength };
}

function paddingOf(padding: boolean | 'longest' | 'max_length', maxLength: number | undefined): PaddingOptions | null {
  if (padding === false) return null;
  if (padding !== 'max_length') return { strategy: 'longest' };
  if (maxLength === undefined) throw invalidArgument("padding: 'max_length' needs maxLength: this tokenizer declares no model_max_length");
  return { strategy: 'max_length', maxLength };
}

function tensorsOf(batch: BatchEncoding, withTypeIds: boolean): ModelInputs<Int64Tensor> {
  const dims = batch.dims;
  const tensor = (field: 'input_ids' | 'attention_mask' | 'token_type_ids'): Int64Tensor => ({
    type: 'int64',
    data: batch.toInt64(field),
    dims: [dims[0], dims[1]],
  });
  const out: ModelInputs<Int64Tensor> = { input_ids: tensor('input_ids'), attention_mask: tensor('attention_mask') };
  if (withTypeIds) out.token_type_ids = tensor('token_type_ids');
  return out;
}

function arraysOf(batch: BatchEncoding, batched: boolean, withTypeIds: boolean): ModelInputs<number[] | number[][]> {
  const rows = [...batch];
  const column = (pick: (r: (typeof rows)[number]) => Uint32Array): number[] | number[][] =>
    batched ? rows.map((r) => Array.from(pick(r))) : Array.from(pick(rows[0]!));
  const out: ModelInputs<number[] | number[][]> = { input_ids: column((r) => r.ids), attention_mask: column((r) => r.attentionMask) };
  if (withTypeIds) out.token_type_ids = column((r) => r.typeIds);
  return out;
}

function encodeOne(tok: Tokenizer, text: string, options: { textPair?: string; addSpecialTokens?: boolean } | undefined) {
  checkOptions(options, ENCODE_CALL_KEYS);
  const o: { pair?: string; addSpecialTokens?: boolean; truncation: null; padding: null } = { truncation: null, padding: null };
  if (options?.textPair !== undefined) o.pair = options.textPair;
  if (options?.addSpecialTokens !== undefined) o.addSpecialTokens = options.addSpecialTokens;
  return tok.encode(text, o);
}

function decodeOptions(options: DecodeCallOptions | undefined): DecodeCallOptions | undefined {
  checkOptions(options, DECODE_CALL_KEYS);
  return options;
}

/** Rows of a `[batch, seqLen]` tensor (transformers.js decodes its `input_ids` directly). */
function rowsOf(rows: readonly TokenIds[] | { data: TokenIds; dims: readonly number[] }): TokenIds[] {
  if (Array.isArray(rows)) return rows as TokenIds[];
  const t = rows as { data?: unknown; dims?: unknown };
  if (t === null || typeof t !== 'object' || !Array.isArray(t.dims) || t.dims.length !== 2) {
    throw invalidArgument(`batchDecode takes an array of id rows or a [batch, seqLen] tensor, got ${describe(rows)}`);
  }
  const [n, len] = t.dims as [unknown, unknown];
  const data = t.data as TokenIds & { subarray?: (a: number, b: number) => TokenIds; slice(a: number, b: number): TokenIds };
  const size = (data as { length?: unknown } | null)?.length;
  // The dims come from the caller: checked against the data before any row is made.
  if (!isCount(n) || !isCount(len) || typeof size !== 'number' || n * len !== size || typeof data.slice !== 'function') {
    throw invalidArgument(
      `batchDecode: a tensor's dims [${describe(n)}, ${describe(len)}] must be whole numbers whose product is its data's length`,
    );
  }
  return Array.from({ length: n }, (_, i) => (data.subarray ? data.subarray(i * len, (i + 1) * len) : data.slice(i * len, (i + 1) * len)));
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Whether the model takes token_type_ids: the config says so (`model_input_names`), else
 * its tokenizer class is one that transformers.js returns them for. */
function takesTokenTypeIds(tok: Tokenizer): boolean {
  const names = tok.config?.model_input_names;
  if (Array.isArray(names)) return names.includes('token_type_ids');
  const cls = tok.config?.tokenizer_class;
  return typeof cls === 'string' && TYPE_ID_CLASSES.has(cls.replace(/Fast$/, ''));
}
