/**
 * TokenizerError: every failure ferrotok reports, with a stable `code` to branch on and a
 * message that says what to fix.
 *
 * The Rust engine sends errors as `CODE: message` (see native/src/error.rs); `fromNative`
 * parses that back, so sync and async failures look the same.
 */

export type TokenizerErrorCode =
  /** The path does not exist, or a folder holds no tokenizer.json. */
  | 'FILE_NOT_FOUND'
  /** Reading a file failed for another reason. */
  | 'IO_ERROR'
  /** The bytes are not JSON (often a truncated download). */
  | 'INVALID_JSON'
  /** The tokenizer.json uses a component type the engine does not know. */
  | 'UNSUPPORTED_COMPONENT'
  /** Valid JSON that still does not describe a tokenizer. */
  | 'INVALID_TOKENIZER'
  /** An argument has the wrong type or is out of its domain. */
  | 'INVALID_ARGUMENT'
  /** A token id that this vocabulary does not have. */
  | 'ID_OUT_OF_RANGE'
  /** The input is longer than `maxInputLength`. */
  | 'INPUT_TOO_LARGE'
  /** Cancelled through an AbortSignal. */
  | 'ABORTED'
  /** The engine could not encode with these options (e.g. an impossible truncation). */
  | 'ENCODE_FAILED'
  /** The engine could not decode these ids. */
  | 'DECODE_FAILED'
  /** The native addon is missing or failed to load. */
  | 'NATIVE_LOAD_FAILED'
  /** The Hub has no such repo, revision or file; or, offline, it is not in the cache. */
  | 'HUB_NOT_FOUND'
  /** The Hub refused access (401/403): a gated or private repo, and no token or the wrong one. */
  | 'HUB_UNAUTHORIZED'
  /** The Hub could not be reached: connection failure, timeout, or server errors after retries. */
  | 'NETWORK_ERROR'
  /** A Hub download or cached Hub file is damaged: its SHA-256 is not the one its name promises, or a .json file does not parse. */
  | 'HUB_CORRUPT_FILE'
  /** A download is larger than its cap (`maxDownloadBytes` of fromPretrained). */
  | 'FILE_TOO_LARGE'
  /** onnxruntime-node (an optional peer dependency) is not installed or failed to load. */
  | 'ONNX_RUNTIME_MISSING'
  /** The ONNX model's inputs or outputs are not ones ferrotok can feed or pool. */
  | 'ONNX_MODEL_UNSUPPORTED'
  /** onnxruntime failed to load the model or to run it. */
  | 'ONNX_RUN_FAILED'
  /** The tokenizer has no chat template (or none by that name), or the template does not compile. */
  | 'CHAT_TEMPLATE_INVALID'
  /** Rendering the chat template failed: it raised an exception (e.g. roles must alternate),
   * used a field the messages lack, or ran over its budget of work and data. */
  | 'CHAT_TEMPLATE_ERROR'
  /** The text holds a special-token string and the call asked for `specialTokens: 'error'`. */
  | 'SPECIAL_TOKEN_IN_TEXT'
  /** A corpus record is not a document (invalid UTF-8 or JSON, no such field, not a string,
   * empty) and `onError` is `'fail'`; the message names the file and line or row. */
  | 'CORPUS_INPUT_INVALID'
  /** The corpus output folder holds shards of a different run (other inputs or options). */
  | 'CORPUS_OUTPUT_CONFLICT'
  /** The Redis queue of a distributed corpus run: bullmq missing, Redis unreachable, or the run failed there. */
  | 'QUEUE_ERROR'
  /** A bug in ferrotok: please report it. */
  | 'INTERNAL';

const CODES: ReadonlySet<string> = new Set<TokenizerErrorCode>([
  'FILE_NOT_FOUND',
  'IO_ERROR',
  'INVALID_JSON',
  'UNSUPPORTED_COMPONENT',
  'INVALID_TOKENIZER',
  'INVALID_ARGUMENT',
  'ID_OUT_OF_RANGE',
  'INPUT_TOO_LARGE',
  'ABORTED',
  'ENCODE_FAILED',
  'DECODE_FAILED',
  'NATIVE_LOAD_FAILED',
  'HUB_NOT_FOUND',
  'HUB_UNAUTHORIZED',
  'NETWORK_ERROR',
  'HUB_CORRUPT_FILE',
  'FILE_TOO_LARGE',
  'ONNX_RUNTIME_MISSING',
  'ONNX_MODEL_UNSUPPORTED',
  'ONNX_RUN_FAILED',
  'CHAT_TEMPLATE_INVALID',
  'CHAT_TEMPLATE_ERROR',
  'SPECIAL_TOKEN_IN_TEXT',
  'CORPUS_INPUT_INVALID',
  'CORPUS_OUTPUT_CONFLICT',
  'QUEUE_ERROR',
  'INTERNAL',
]);

export class TokenizerError extends Error {
  readonly code: TokenizerErrorCode;

  constructor(code: TokenizerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenizerError';
    this.code = code;
  }
}

export function isTokenizerErrorCode(code: string): code is TokenizerErrorCode {
  return CODES.has(code);
}

/** Turns whatever the addon threw into a TokenizerError. */
export function fromNative(e: unknown): TokenizerError {
  if (e instanceof TokenizerError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const m = /^([A-Z_]+): ([\s\S]*)$/.exec(message);
  if (m && m[1] !== undefined && m[2] !== undefined && isTokenizerErrorCode(m[1])) {
    return new TokenizerError(m[1], m[2], { cause: e });
  }
  // napi-rs' own argument conversion errors (a wrong JS type reaching Rust).
  const code = e instanceof Error ? (e as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && /Expected|InvalidArg/.test(code)) {
    return new TokenizerError('INVALID_ARGUMENT', message, { cause: e });
  }
  return new TokenizerError('INTERNAL', message, { cause: e });
}

/** Calls into the addon; anything thrown comes out as a TokenizerError. */
export function callNative<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw fromNative(e);
  }
}

export function invalidArgument(message: string): TokenizerError {
  return new TokenizerError('INVALID_ARGUMENT', message);
}
