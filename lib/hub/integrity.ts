/**
 * Whether some bytes are the file the Hub named: checked on a download before it is renamed
 * into the cache, and on a cached file before it is used, so a damaged blob is replaced on
 * the next online call instead of failing every call after it. The checks, by strength:
 *
 *   - size: every byte count the server announced (the HEAD's X-Linked-Size or
 *     Content-Length, the GET's Content-Length) must hold; counted while streaming, so a
 *     body that runs long is stopped at once;
 *   - SHA-256: an LFS file's ETag is the SHA-256 of its content, so a 64-hex blob name is
 *     a checksum;
 *   - JSON: any other .json file must parse. Its ETag is a git SHA-1, but mirrors are free to
 *     send other ETags, and a check that refused their good files would be worse than none.
 *
 * Above all of them, a cap (`maxDownloadBytes`) on the size, announced or received.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { TokenizerError } from '../errors';
import { TransientError } from './http';
import type { Target } from './status';

const SHA256 = /^[0-9a-f]{64}$/;

/** What a download must turn out to be. */
export interface Expected {
  target: Target;
  /** The blob's name: a SHA-256 of the content when 64 hex digits. */
  etag: string;
  /** Every byte count the server announced for the file. */
  sizes: readonly number[];
  maxBytes: number;
}

/** Counts, caps and hashes a body as it streams in: `add` per chunk, then `finish`. */
export class BodyCheck {
  readonly #expected: Expected;
  readonly #hash: Hash | undefined;
  readonly #limit: number;
  #bytes = 0;

  /** Throws FILE_TOO_LARGE at once if an announced size is over the cap. */
  constructor(expected: Expected) {
    refuseOverCap(expected);
    this.#expected = expected;
    this.#hash = SHA256.test(expected.etag) ? createHash('sha256') : undefined;
    this.#limit = Math.min(...expected.sizes);
  }

  add(chunk: Uint8Array): void {
    this.#bytes += chunk.byteLength;
    const { maxBytes, target } = this.#expected;
    if (this.#bytes > maxBytes) throw tooLarge(target, maxBytes, `more than ${maxBytes} bytes arrived`);
    if (this.#bytes > this.#limit) throw new TransientError(`received more than the ${this.#limit} bytes announced`);
    this.#hash?.update(chunk);
  }

  /** Throws unless the body had every announced size and its SHA-256, if named by one. */
  finish(): void {
    for (const expected of this.#expected.sizes) {
      if (this.#bytes !== expected) throw new TransientError(`received ${this.#bytes} bytes, expected ${expected}`);
    }
    const got = this.#hash?.digest('hex');
    if (got !== undefined && got !== this.#expected.etag) {
      throw new TransientError(
        `the SHA-256 of the ${this.#bytes} bytes received is ${got}, not ${this.#expected.etag} as the Hub named the file`,
        'HUB_CORRUPT_FILE',
      );
    }
  }

  /** No checksum vouched for the bytes, so a .json file must still be shown to parse. */
  get needsParse(): boolean {
    return this.#hash === undefined && this.#expected.target.file.endsWith('.json');
  }
}

/** Throws FILE_TOO_LARGE if the server announced a size over the cap: nothing to download. */
export function refuseOverCap({ sizes, maxBytes, target }: Expected): void {
  const over = sizes.find((n) => n > maxBytes);
  if (over !== undefined) throw tooLarge(target, maxBytes, `the server announced ${over} bytes`);
}

/** Throws (for a retry, then HUB_CORRUPT_FILE) if the downloaded .json file at `path` does not parse. */
export async function checkJsonFile(path: string): Promise<void> {
  const problem = jsonProblem(await readFile(path, 'utf8'));
  if (problem !== undefined) throw new TransientError(`the bytes received are ${problem}`, 'HUB_CORRUPT_FILE');
}

/** What is known about a cached file: from a HEAD online, from its blob's name offline. */
export interface CachedExpectation {
  target: Target;
  etag: string | undefined;
  size: number | undefined;
  maxBytes: number;
}

// A sound file's identity (path, inode, size, mtime, expectation): a process checks each
// cached file once, and afterwards pays one stat per call.
const sound = new Map<string, string>();

/**
 * Why the cached file at `path` cannot be used (a phrase for messages), or undefined when it
 * can. Throws FILE_TOO_LARGE for a file over the cap: downloading it again would not help.
 */
export async function cachedProblem(path: string, expected: CachedExpectation): Promise<string | undefined> {
  const st = await stat(path);
  const identity = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${expected.etag}:${expected.size}`;
  if (sound.get(path) === identity) return undefined;
  const problem = await contentProblem(path, st, expected);
  if (problem === undefined) sound.set(path, identity);
  return problem;
}

async function contentProblem(path: string, st: Stats, { target, etag, size, maxBytes }: CachedExpectation): Promise<string | undefined> {
  if (st.size > maxBytes) throw tooLarge(target, maxBytes, `the cached copy at ${path} is ${st.size} bytes`);
  if (size !== undefined && st.size !== size) return `it is ${st.size} bytes long where the Hub announces ${size}`;
  if (etag !== undefined && SHA256.test(etag)) {
    const got = await sha256Of(path);
    return got === etag ? undefined : `its SHA-256 is ${got}, not ${etag} as its name says`;
  }
  if (!target.file.endsWith('.json')) return undefined;
  const problem = jsonProblem(await readFile(path, 'utf8'));
  return problem === undefined ? undefined : `it is ${problem}`;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function jsonProblem(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (e) {
    return `not valid JSON (${(e as Error).message})`;
  }
}

function tooLarge(target: Target, maxBytes: number, what: string): TokenizerError {
  return new TokenizerError(
    'FILE_TOO_LARGE',
    `${target.file} of '${target.repoId}' is over maxDownloadBytes (${maxBytes} bytes): ${what}; ` +
      'pass a larger maxDownloadBytes to fromPretrained if the file is genuine',
  );
}
