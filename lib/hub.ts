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
 *
 * Every file is checked before it is committed and before a cached one is used (size, the
 * SHA-256 an LFS ETag names, JSON that parses: hub/integrity.ts; once per file and process).
 * A damaged cached file is downloaded again by the next online call, so a bad download
 * cannot poison the cache for good; offline, HUB_CORRUPT_FILE names the file to delete.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TokenizerError } from './errors';
import { RepoCache } from './hub/cache';
import { downloadBlob } from './hub/download';
import { type Client, abortedError } from './hub/http';
import { type CachedExpectation, cachedProblem } from './hub/integrity';
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
  /**
   * Largest file accepted, in bytes: a download announced or growing beyond it is stopped
   * with FILE_TOO_LARGE, and so is a cached file beyond it. Default 512 MiB (tokenizer.json
   * files reach ~35 MB).
   */
  maxDownloadBytes?: number;
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
  // A damaged file sends even a settled commit to the Hub path, which downloads it again.
  if (isCommitHash(s.revision) && isSettledSnapshot(s.cache, s.revision) && (await firstDamaged(s, s.revision)) === undefined) {
    return s.cache.snapshotDir(s.revision);
  }
  if (s.settings.offline) return offlineSnapshot(s);
  return fromHub(s);
}

function isSettledSnapshot(cache: RepoCache, commit: string): boolean {
  return cache.hasFile(commit, TOKENIZER_FILE) && OPTIONAL_FILES.every((f) => cache.isSettled(commit, f));
}

/** The commit `revision` last resolved to, if its snapshot holds a tokenizer.json. */
function cachedCommit(cache: RepoCache, revision: string): string | undefined {
  const commit = isCommitHash(revision) ? revision : cache.readRef(revision);
  return commit !== undefined && cache.hasFile(commit, TOKENIZER_FILE) ? commit : undefined;
}

async function offlineSnapshot(s: Session): Promise<string> {
  const commit = cachedCommit(s.cache, s.revision);
  if (commit !== undefined)
    return checkedSnapshot(s, commit, 'Offline mode is on (localFilesOnly or HF_HUB_OFFLINE), so it was not downloaded again.');
  throw new TokenizerError(
    'HUB_NOT_FOUND',
    `'${s.repoId}' at revision '${s.revision}' is not in the cache at ${s.settings.cacheDir}, and offline mode is on ` +
      '(localFilesOnly or HF_HUB_OFFLINE); download it once online, or point cacheDir / HF_HUB_CACHE at a cache that has it',
  );
}

async function fromHub(s: Session): Promise<string> {
  // Best effort: a read-only cache, or a file another process removed first, is no failure.
  await s.cache.removeStaleDownloads(staleDownloadMs(s.settings)).catch(() => undefined);
  const head = await headTokenizerOrFallBack(s);
  if (typeof head === 'string') return head;
  if (!head.found) {
    if (head.commit !== undefined) await recordMissing(s, head.commit, TOKENIZER_FILE);
    throw new TokenizerError(
      'HUB_NOT_FOUND',
      `'${s.repoId}' has no ${TOKENIZER_FILE} at revision '${s.revision}' on ${s.settings.endpoint}; fromPretrained needs a repo with a fast-tokenizer file`,
    );
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
    return await headFile(
      s.client,
      fileUrl(s, s.revision, TOKENIZER_FILE),
      targetOf(s, s.revision, TOKENIZER_FILE),
      s.settings.etagTimeoutMs,
    );
  } catch (e) {
    const cached = e instanceof TokenizerError && e.code === 'NETWORK_ERROR' ? cachedCommit(s.cache, s.revision) : undefined;
    if (cached === undefined) throw e;
    return checkedSnapshot(s, cached, 'The Hub could not be reached to download it again.');
  }
}

/** An optional file costs a HEAD only when it is neither known absent nor cached and sound. */
async function ensureOptional(s: Session, commit: string, file: string): Promise<void> {
  if (s.cache.isKnownMissing(commit, file)) return;
  if (s.cache.hasFile(commit, file) && (await cachedProblem(s.cache.filePath(commit, file), fromCacheAlone(s, commit, file))) === undefined)
    return;
  const head = await headFile(s.client, fileUrl(s, commit, file), targetOf(s, commit, file), s.settings.etagTimeoutMs);
  if (head.found) await ensureFile(s, commit, file, head.meta);
  else await s.cache.markMissing(commit, file);
}

/**
 * Makes `snapshots/<commit>/<file>` exist and pass the checks against the HEAD's ETag and
 * size, downloading only if no sound blob has this ETag yet. A damaged file (a short body a
 * server once vouched for, a disk error) is downloaded again and relinked here: the rename
 * replaces it atomically, so a reader never sees it missing.
 */
async function ensureFile(s: Session, commit: string, file: string, meta: FileMetadata): Promise<void> {
  const expected = { target: targetOf(s, commit, file), etag: meta.etag, size: meta.size, maxBytes: s.settings.maxDownloadBytes };
  if (s.cache.hasFile(commit, file) && (await cachedProblem(s.cache.filePath(commit, file), expected)) === undefined) return;
  const blobPath = s.cache.blobPath(meta.etag);
  if (!s.cache.hasBlob(meta.etag) || (await cachedProblem(blobPath, expected)) !== undefined) {
    const request = {
      location: meta.location,
      blobPath,
      etag: meta.etag,
      size: meta.size,
      maxBytes: expected.maxBytes,
      target: expected.target,
    };
    await downloadBlob(s.client, request, s.settings.downloadTimeoutMs);
  }
  await s.cache.link(meta.etag, commit, file);
}

interface Damage {
  file: string;
  problem: string;
}

/** The first file of a snapshot that fails its checks, judged by what the cache alone knows. */
async function firstDamaged(s: Session, commit: string): Promise<Damage | undefined> {
  for (const file of [TOKENIZER_FILE, ...OPTIONAL_FILES]) {
    if (!s.cache.hasFile(commit, file)) continue;
    const problem = await cachedProblem(s.cache.filePath(commit, file), fromCacheAlone(s, commit, file));
    if (problem !== undefined) return { file, problem };
  }
  return undefined;
}

/** Without a HEAD: the ETag is the name of the blob the symlink points to (none for a copy). */
function fromCacheAlone(s: Session, commit: string, file: string): CachedExpectation {
  return { target: targetOf(s, commit, file), etag: s.cache.etagOf(commit, file), size: undefined, maxBytes: s.settings.maxDownloadBytes };
}

/** The snapshot folder, if its files pass their checks; else HUB_CORRUPT_FILE saying which file and what to do. */
async function checkedSnapshot(s: Session, commit: string, why: string): Promise<string> {
  const damage = await firstDamaged(s, commit);
  if (damage === undefined) return s.cache.snapshotDir(commit);
  const path = s.cache.filePath(commit, damage.file);
  throw new TokenizerError(
    'HUB_CORRUPT_FILE',
    `the cached ${damage.file} of '${s.repoId}' at commit ${commit} is damaged: ${damage.problem}. ${why} ` +
      `The next fromPretrained call with the network on downloads it again; or delete ${path} (and the blob it links to, under ${join(s.cache.root, 'blobs')}).`,
  );
}

/**
 * After this long without a write, a `.incomplete` download is nobody's: a live one writes at
 * least once per download stall timeout, or gives up. Ten minutes is 60 default timeouts.
 */
function staleDownloadMs(settings: HubSettings): number {
  return Math.max(10 * 60_000, 3 * settings.downloadTimeoutMs);
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
