/**
 * HTTP to the Hub over Node's global fetch, with what fetch lacks for this job: bounded
 * retries, a stall timeout, and redirects handled by hand.
 *
 * Redirects are manual (`redirect: 'manual'`) because the first response carries the
 * metadata: for an LFS file the Hub answers 302 to a CDN and puts X-Repo-Commit and
 * X-Linked-Etag on that 302, not on the CDN's answer. Handling hops ourselves also decides
 * where the token goes: only to the endpoint's own origin, never to a CDN.
 *
 * Retried: connection failures, stalls, 5xx and 429 (huggingface_hub retries the same
 * kinds). Not retried: answers that a retry would only repeat (404, 401, ...).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TokenizerError, type TokenizerErrorCode } from '../errors';

const MAX_ATTEMPTS = 3;
const FIRST_BACKOFF_MS = 250;
export const MAX_REDIRECTS = 5;

/**
 * A failure another attempt may fix: a 5xx or 429 answer, a body that stopped short, bytes
 * that arrived whole but wrong. `finalCode` is the code once the attempts run out.
 */
export class TransientError extends Error {
  constructor(
    message: string,
    readonly finalCode: TokenizerErrorCode = 'NETWORK_ERROR',
  ) {
    super(message);
  }
}

export interface Client {
  /** `ferrotok/<version>`. */
  userAgent: string;
  token: string | undefined;
  /** Origin of the Hub endpoint: the only origin that receives the token. */
  endpointOrigin: string;
  signal: AbortSignal | undefined;
}

/**
 * Runs `op` up to MAX_ATTEMPTS times while it fails transiently, backing off in between.
 * The last transient failure becomes its `finalCode` (NETWORK_ERROR for anything but a
 * TransientError); the caller's abort becomes ABORTED.
 */
export async function retrying<T>(what: string, signal: AbortSignal | undefined, op: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (signal?.aborted) throw abortedError(signal);
      if (!isTransient(e)) throw e;
      if (attempt >= MAX_ATTEMPTS) {
        const code = e instanceof TransientError ? e.finalCode : 'NETWORK_ERROR';
        throw new TokenizerError(code, `${what} failed after ${attempt} attempts: ${reasonOf(e)}`, { cause: e });
      }
      await backoff(attempt, signal);
    }
  }
}

/** One request, one hop. A 5xx or 429 answer is thrown as TransientError, its body dropped. */
export async function send(client: Client, method: 'HEAD' | 'GET', url: URL, signal: AbortSignal): Promise<Response> {
  const res = await fetch(url, { method, headers: headersFor(client, url), redirect: 'manual', signal });
  if (res.status >= 500 || res.status === 429) {
    await discard(res);
    throw new TransientError(`HTTP ${res.status} from ${url.origin}`);
  }
  return res;
}

/** Where a 3xx answer points, resolved against the request URL; undefined if not a redirect. */
export function redirectTarget(res: Response, url: URL): URL | undefined {
  const location = res.headers.get('location');
  if (res.status < 300 || res.status > 399 || location === null) return undefined;
  return new URL(location, url);
}

/** `/org/name/...` rather than `https://host/...`: the Hub's answer for a renamed repo. */
export function isRelativeRedirect(res: Response): boolean {
  const location = res.headers.get('location');
  return location !== null && !/^[a-z][a-z0-9+.-]*:/i.test(location) && !location.startsWith('//');
}

export async function discard(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => undefined);
}

function headersFor(client: Client, url: URL): Record<string, string> {
  // identity: Content-Length must be the file's real size, which is what gets checked.
  const headers: Record<string, string> = { 'user-agent': client.userAgent, 'accept-encoding': 'identity' };
  if (client.token !== undefined && url.origin === client.endpointOrigin) {
    headers.authorization = `Bearer ${client.token}`;
  }
  return headers;
}

/**
 * Aborts when `ms` pass without `touch()`. A metadata request never touches it (a plain
 * timeout); a download touches it on every chunk, so a slow but moving transfer of a large
 * tokenizer.json is not cut off, while a stalled one is.
 */
export class StallTimeout {
  readonly #controller = new AbortController();
  readonly #ms: number;
  #timer: NodeJS.Timeout;

  constructor(ms: number) {
    this.#ms = ms;
    this.#timer = this.#arm();
  }

  /** Aborts on a stall or on the caller's signal, whichever comes first. */
  signalWith(caller: AbortSignal | undefined): AbortSignal {
    return caller === undefined ? this.#controller.signal : AbortSignal.any([caller, this.#controller.signal]);
  }

  touch(): void {
    clearTimeout(this.#timer);
    this.#timer = this.#arm();
  }

  clear(): void {
    clearTimeout(this.#timer);
  }

  #arm(): NodeJS.Timeout {
    const reason = new DOMException(`no data for ${this.#ms / 1000}s`, 'TimeoutError');
    return setTimeout(() => this.#controller.abort(reason), this.#ms);
  }
}

export function abortedError(signal: AbortSignal): TokenizerError {
  return new TokenizerError('ABORTED', 'the operation was aborted', { cause: signal.reason });
}

// fetch rejects with a TypeError for network failures ('fetch failed') and errors a body
// stream with one when the connection drops ('terminated'); a StallTimeout aborts with a
// TimeoutError. Anything else (a file-system error, a TokenizerError) is not for retrying.
function isTransient(e: unknown): boolean {
  return e instanceof TransientError || e instanceof TypeError || (e as { name?: unknown } | null)?.name === 'TimeoutError';
}

function reasonOf(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return detail === undefined ? e.message : `${e.message} (${detail})`;
}

async function backoff(attempt: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(FIRST_BACKOFF_MS * 2 ** (attempt - 1), undefined, signal === undefined ? undefined : { signal });
  } catch (e) {
    throw signal?.aborted ? abortedError(signal) : e;
  }
}
