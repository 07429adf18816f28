/**
 * `Tokenizer.fromPretrained`'s loader: finds the tokenizer files of a Hugging Face Hub model
 * repo in the huggingface_hub cache, downloading what is missing, and returns the snapshot
 * folder that holds them (ready for `Tokenizer.fromFile`).
 *
 * The order of questions, cheapest first:
 *   1. revision is a commit hash whose snapshot is settled → that folder, no network;
 *   2. offline (localFilesOnly / HF_HUB_OFFLINE) → refs/<revision> → snapshot, or HUB_NOT_FOUND;
 *   3. HEAD tokenizer.json at the revision → commit + ETag; reuse the blob or download it;
 *      then the optional files at that same commit, so one snapshot never mixes commits.
 *      If the Hub cannot be reached at all, a cached snapshot of the revision still serves
 *      (huggingface_hub does the same).
 *
 * "Settled" means each file is in the snapshot or marked absent under `.no_exist/<commit>/`;
 * a snapshot this module wrote, or one transformers wrote, is settled, so repeat calls with
 * a commit hash cost nothing and repeat calls with a branch cost one HEAD.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TokenizerError } from './errors';
import { RepoCache } from './hub/cache';
import { downloadBlob } from './hub/download';
import { type Client, abortedError } from './hub/http';
import { type FileMetadata, type HeadResult, headFile } from './hub/metadata';
import { type HubSettings, settingsOf } from './hub/settings';
import type { Target } from './hub/status';
import { checkRepoId, checkRevision, isCommitHash } from './hub/validate';

export interface FromPretrainedOptions {
  /** Branch, tag or commit hash. Default 'main'. */
  revision?: string;
  /** Default: HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub (shared with Python). */
  cacheDir?: string;
  /** Default: HF_TOKEN, else the token file `huggingface-cli login` writes ($HF_HOME/token); false = never send one. */
  token?: string | false;
  /** Use the cache only, never the network. Default: HF_HUB_OFFLINE is truthy ('1', 'true', 'yes', 'on'). */
  localFilesOnly?: boolean;
  /** Default: HF_ENDPOINT, else 'https://huggingface.co'. */
  endpoint?: string;
  signal?: AbortSignal;
}

export const TOKENIZER_FILE = 'tokenizer.json';
/** Read beside tokenizer.json when present (see config.ts); a repo may lack either. */
export const OPTIONAL_FILES = ['tokenizer_config.json', 'special_tokens_map.json'] as const;

/** Everything one call needs, resolved once. */
interface Session {
  repoId: string;
  revision: string;
  settings: HubSettings;
  cache: RepoCache;
  client: Client;
}

/**
 * Downloads (or finds in the cache) tokenizer.json + tokenizer_config.json +
 * special_tokens_map.json of a Hub model repo; returns the snapshot folder holding them
 * (tokenizer.json required, the others optional).
 */
export async function resolvePretrained(repoId: string, options?: FromPretrainedOptions): Promise<string> {
  const settings = settingsOf(options);
  const session = sessionOf(checkRepoId(repoId), checkRevision(options?.revision ?? 'main'), settings);
  if (settings.signal?.aborted) throw abortedError(settings.signal);
  try {
    return await resolveSnapshot(session);
  } catch (e) {
    throw asTokenizerError(e, session.cache);
  }
}

function sessionOf(repoId: string, revision: string, settings: HubSettings): Session {
  return {
    repoId,
    revision,
    settings,
    cache: RepoCache.of(settings.cacheDir, repoId),
    client: {
      userAgent: userAgent(),
      token: settings.token,
      endpointOrigin: new URL(settings.endpoint).origin,
      signal: settings.signal,
    },
  };
}

async function resolveSnapshot(s: Session): Promise<string> {
  if (isCommitHash(s.revision) && isSettledSnapshot(s.cache, s.revision)) return s.cache.snapshotDir(s.revision);
  if (s.settings.offline) return offlineSnapshot(s);
  return fromHub(s);
}

function isSettledSnapshot(cache: RepoCache, commit: string): boolean {
  return cache.hasFile(commit, TOKENIZER_FILE) && OPTIONAL_FILES.every((f) => cache.isSettled(commit, f));
}

/** The snapshot `revision` last resolved to, if it holds a tokenizer.json. */
function cachedSnapshot(cache: RepoCache, revision: string): string | undefined {
  const commit = isCommitHash(revision) ? revision : cache.readRef(revision);
  return commit !== undefined && cache.hasFile(commit, TOKENIZER_FILE) ? cache.snapshotDir(commit) : undefined;
}

function offlineSnapshot(s: Session): string {
  const dir = cachedSnapshot(s.cache, s.revision);
  if (dir !== undefined) return dir;
  throw new TokenizerError('HUB_NOT_FOUND',
    `'${s.repoId}' at revision '${s.revision}' is not in the cache at ${s.settings.cacheDir}, and offline mode is on `
    + '(localFilesOnly or HF_HUB_OFFLINE); download it once online, or point cacheDir / HF_HUB_CACHE at a cache that has it');
}

async function fromHub(s: Session): Promise<string> {
  const head = await headTokenizerOrFallBack(s);
  if (typeof head === 'string') return head;
  if (!head.found) {
    if (head.commit !== undefined) await recordMissing(s, head.commit, TOKENIZER_FILE);
    throw new TokenizerError('HUB_NOT_FOUND',
      `'${s.repoId}' has no ${TOKENIZER_FILE} at revision '${s.revision}' on ${s.settings.endpoint}; fromPretrained needs a repo with a fast-tokenizer file`);
  }
  const { commit } = head.meta;
  await s.cache.writeRef(s.revision, commit);
  await ensureFile(s, commit, TOKENIZER_FILE, head.meta);
  for (const file of OPTIONAL_FILES) await ensureOptional(s, commit, file);
  return s.cache.snapshotDir(commit);
}

/** The first request; if the Hub is unreachable, the revision's cached snapshot instead. */
async function headTokenizerOrFallBack(s: Session): Promise<HeadResult | string> {
  try {
    return await headFile(s.client, fileUrl(s, s.revision, TOKENIZER_FILE), targetOf(s, s.revision, TOKENIZER_FILE), s.settings.etagTimeoutMs);
  } catch (e) {
    const cached = e instanceof TokenizerError && e.code === 'NETWORK_ERROR' ? cachedSnapshot(s.cache, s.revision) : undefined;
    if (cached === undefined) throw e;
    return cached;
  }
}

async function ensureOptional(s: Session, commit: string, file: string): Promise<void> {
  if (s.cache.isSettled(commit, file)) return;
  const head = await headFile(s.client, fileUrl(s, commit, file), targetOf(s, commit, file), s.settings.etagTimeoutMs);
  if (head.found) await ensureFile(s, commit, file, head.meta);
  else await s.cache.markMissing(commit, file);
}

/** Makes `snapshots/<commit>/<file>` exist, downloading only if no blob has this ETag yet. */
async function ensureFile(s: Session, commit: string, file: string, meta: FileMetadata): Promise<void> {
  if (s.cache.hasFile(commit, file)) return;
  if (!s.cache.hasBlob(meta.etag)) {
    const request = { location: meta.location, blobPath: s.cache.blobPath(meta.etag), size: meta.size, target: targetOf(s, commit, file) };
    await downloadBlob(s.client, request, s.settings.downloadTimeoutMs);
  }
  await s.cache.link(meta.etag, commit, file);
}

async function recordMissing(s: Session, commit: string, file: string): Promise<void> {
  await s.cache.writeRef(s.revision, commit);
  await s.cache.markMissing(commit, file);
}

/** `{endpoint}/{repo}/resolve/{revision}/{file}`; the revision quoted whole (`refs/pr/1` → `refs%2Fpr%2F1`), as huggingface_hub does. */
function fileUrl(s: Session, revision: string, file: string): URL {
  return new URL(`${s.settings.endpoint}/${s.repoId}/resolve/${encodeURIComponent(revision)}/${file}`);
}

function targetOf(s: Session, revision: string, file: string): Target {
  return { endpoint: s.settings.endpoint, repoId: s.repoId, revision, file };
}

/** Anything not already coded here came from the file system. */
function asTokenizerError(e: unknown, cache: RepoCache): TokenizerError {
  if (e instanceof TokenizerError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new TokenizerError('IO_ERROR', `Hub cache folder ${cache.root}: ${message}`, { cause: e });
}

let cachedUserAgent: string | undefined;

/** `ferrotok/<version>`, from package.json two levels above dist/cjs/hub.js. */
function userAgent(): string {
  if (cachedUserAgent !== undefined) return cachedUserAgent;
  let version = 'unknown';
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
    if (typeof pkg.version === 'string') version = pkg.version;
  } catch {
    // A repackaged build without package.json still works; only the user-agent is vaguer.
  }
  return (cachedUserAgent = `ferrotok/${version}`);
}
