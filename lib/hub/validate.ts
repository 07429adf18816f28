/**
 * Everything that becomes part of a cache path is checked here first: the repo id and the
 * revision the caller gives, and the commit hash and ETag the server sends back. A value
 * that passes can be joined under the cache folder without escaping it, whoever wrote it.
 */
import { invalidArgument } from '../errors';
import { describe } from '../options';

// huggingface_hub's `validate_repo_id`: `[\w\-.]{1,96}` per part, each part starting and
// ending with a word character (its `\b`s). Python's `\w` also takes Unicode letters; Hub
// names are ASCII, and ASCII keeps the cache folder name portable.
const REPO_PART = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?$/;
const COMMIT_HASH = /^[0-9a-f]{40}$/;
// Hub ETags are a git SHA-1 (40 hex) or an LFS SHA-256 (64 hex); mirrors may send other
// tokens. Any single safe path component will do as a blob name, never '.' or '..'.
const SAFE_ETAG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

/** `name` or `org/name`, by huggingface_hub's rules; returns it unchanged. */
export function checkRepoId(repoId: unknown): string {
  if (typeof repoId !== 'string') throw invalidArgument(`repoId must be a string like "org/name", got ${describe(repoId)}`);
  const parts = repoId.split('/');
  const ok =
    parts.length <= 2 &&
    parts.every((p) => REPO_PART.test(p)) &&
    !repoId.includes('--') &&
    !repoId.includes('..') &&
    !repoId.endsWith('.git');
  if (!ok) {
    throw invalidArgument(
      `invalid Hub repo id ${JSON.stringify(repoId)}: expected "name" or "org/name" using letters, digits, '_', '-' and '.', without "--" or "..", not starting or ending with '-' or '.'`,
    );
  }
  return repoId;
}

/**
 * A branch, tag or commit. It names a file under `refs/`, so it must stay a relative path
 * made of real segments: `refs/pr/1` is fine, `../../etc` is not.
 */
export function checkRevision(revision: unknown): string {
  if (typeof revision !== 'string' || revision === '') {
    throw invalidArgument(`revision must be a non-empty string (a branch, tag or commit hash), got ${describe(revision)}`);
  }
  const bad =
    revision.includes('\0') ||
    revision.includes('\\') ||
    revision.startsWith('/') ||
    /^[A-Za-z]:/.test(revision) ||
    revision.split('/').some((s) => s === '' || s === '.' || s === '..');
  if (bad) {
    throw invalidArgument(
      `invalid revision ${JSON.stringify(revision)}: it must be a branch, tag or commit hash, without "..", "." or empty segments, backslashes, NUL or a leading '/'`,
    );
  }
  return revision;
}

export function isCommitHash(value: string): boolean {
  return COMMIT_HASH.test(value);
}

/** The ETag header as huggingface_hub stores it (no `W/`, no quotes), if usable as a file name. */
export function normalizeEtag(raw: string | null): string | undefined {
  if (raw === null) return undefined;
  const etag = raw
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
  return SAFE_ETAG.test(etag) ? etag : undefined;
}
