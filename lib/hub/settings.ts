/**
 * Hub settings: the caller's options first, then the environment variables huggingface_hub
 * reads, then its defaults. Reading the same variables the same way is what lets Python and
 * Node share one cache and one login (`huggingface-cli login` writes `$HF_HOME/token`).
 *
 * The environment is read on every call, not at import, so a process can change it.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { invalidArgument } from '../errors';
import { describe } from '../options';
import type { FromPretrainedOptions } from '../hub';

export interface HubSettings {
  /** Base URL without a trailing slash; files are at `{endpoint}/{repo}/resolve/{revision}/{file}`. */
  endpoint: string;
  /** Absolute; holds one `models--org--name` folder per repo. */
  cacheDir: string;
  /** Sent as a Bearer token when set. */
  token: string | undefined;
  /** Never touch the network: only the cache answers. */
  offline: boolean;
  /** Limit for a metadata (HEAD) request, and for a download to go without receiving a byte. */
  etagTimeoutMs: number;
  downloadTimeoutMs: number;
  /** A download (and a cached file checked before use) larger than this is refused. */
  maxDownloadBytes: number;
  signal: AbortSignal | undefined;
}

const DEFAULT_ENDPOINT = 'https://huggingface.co';
// huggingface_hub's defaults for HF_HUB_ETAG_TIMEOUT and HF_HUB_DOWNLOAD_TIMEOUT (seconds).
const DEFAULT_TIMEOUT_S = 10;
/**
 * The largest tokenizer.json files on the Hub are ~35 MB (large multilingual vocabularies);
 * 512 MiB leaves room for 10x that and still stops an endless or hostile body long before
 * it fills a disk. `maxDownloadBytes` raises it.
 */
export const DEFAULT_MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024;

export function settingsOf(options: FromPretrainedOptions | undefined): HubSettings {
  const o = checkOptions(options);
  return {
    endpoint: endpointOf(o.endpoint ?? env('HF_ENDPOINT') ?? DEFAULT_ENDPOINT),
    cacheDir: resolve(o.cacheDir ?? env('HF_HUB_CACHE') ?? env('HUGGINGFACE_HUB_CACHE') ?? join(hfHome(), 'hub')),
    token: tokenOf(o.token),
    offline: o.localFilesOnly ?? isTruthy(env('HF_HUB_OFFLINE')),
    etagTimeoutMs: secondsFromEnv('HF_HUB_ETAG_TIMEOUT') * 1000,
    downloadTimeoutMs: secondsFromEnv('HF_HUB_DOWNLOAD_TIMEOUT') * 1000,
    maxDownloadBytes: o.maxDownloadBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES,
    signal: o.signal,
  };
}

function checkOptions(options: unknown): FromPretrainedOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') throw invalidArgument(`options must be an object, got ${describe(options)}`);
  const o = options as Record<string, unknown>;
  checkType(o, 'cacheDir', (v) => typeof v === 'string' && v !== '', 'a non-empty string');
  checkType(o, 'endpoint', (v) => typeof v === 'string', 'a URL string');
  checkType(o, 'token', (v) => (typeof v === 'string' && v.trim() !== '') || v === false, 'a non-empty string or false');
  checkType(o, 'localFilesOnly', (v) => typeof v === 'boolean', 'a boolean');
  checkType(o, 'signal', (v) => v instanceof AbortSignal, 'an AbortSignal');
  checkType(o, 'maxDownloadBytes', (v) => Number.isSafeInteger(v) && (v as number) > 0, 'a positive whole number of bytes');
  return o as FromPretrainedOptions;
}

function checkType(o: Record<string, unknown>, key: string, ok: (v: unknown) => boolean, expected: string): void {
  const v = o[key];
  if (v !== undefined && !ok(v)) throw invalidArgument(`options.${key} must be ${expected}, got ${describe(v)}`);
}

/** An unset or blank variable counts as absent, as in huggingface_hub. */
function env(name: string): string | undefined {
  const v = process.env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/** huggingface_hub's `_is_true`. */
function isTruthy(v: string | undefined): boolean {
  return v !== undefined && ['1', 'on', 'yes', 'true'].includes(v.toLowerCase());
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p;
}

/** `$HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`. */
function hfHome(): string {
  const home = env('HF_HOME');
  if (home !== undefined) return expandHome(home);
  return join(expandHome(env('XDG_CACHE_HOME') ?? '~/.cache'), 'huggingface');
}

function endpointOf(raw: string): string {
  const endpoint = raw.trim().replace(/\/+$/, '');
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw invalidArgument(`Hub endpoint must be an http(s) URL, got ${JSON.stringify(raw)} (from options.endpoint or HF_ENDPOINT)`);
  }
  return endpoint;
}

/**
 * huggingface_hub's `get_token_to_send`: an explicit token wins; `false` sends none; otherwise
 * HF_TOKEN (or the older HUGGING_FACE_HUB_TOKEN), then the token file, unless
 * HF_HUB_DISABLE_IMPLICIT_TOKEN says to send only explicit tokens.
 */
function tokenOf(option: string | false | undefined): string | undefined {
  if (option === false) return undefined;
  if (option !== undefined) return checkToken(option.trim(), 'options.token');
  if (isTruthy(env('HF_HUB_DISABLE_IMPLICIT_TOKEN'))) return undefined;
  const fromEnv = env('HF_TOKEN') ?? env('HUGGING_FACE_HUB_TOKEN');
  return fromEnv !== undefined ? checkToken(fromEnv, 'HF_TOKEN') : tokenFile();
}

// A header cannot carry control or non-ASCII characters; fetch would reject the request
// with a TypeError that looks like a network failure.
function checkToken(token: string, source: string): string {
  if (!/^[\x21-\x7e]+$/.test(token))
    throw invalidArgument(`${source} holds characters an HTTP header cannot carry; expected a token like "hf_..."`);
  return token;
}

function tokenFile(): string | undefined {
  const file = expandHome(env('HF_TOKEN_PATH') ?? join(hfHome(), 'token'));
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch {
    // No login is the common case; an unreadable file is treated the same, and a gated
    // repo's HUB_UNAUTHORIZED message then says that no token was sent.
    return undefined;
  }
  return token === '' ? undefined : checkToken(token, file);
}

function secondsFromEnv(name: string): number {
  const v = Number(env(name));
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_TIMEOUT_S;
}
