/**
 * One repo's folder in the huggingface_hub cache, laid out exactly as Python lays it out, so
 * either side reuses what the other downloaded:
 *
 *   models--{org}--{name}/
 *     blobs/<etag>                     file contents, named by ETag (git SHA-1 or LFS SHA-256)
 *     snapshots/<commit>/<file>        relative symlink to ../../blobs/<etag> (a copy where
 *                                      symlinks fail)
 *     refs/<revision>                  the commit a branch or tag pointed to when last resolved
 *     .no_exist/<commit>/<file>        empty marker: the file is absent at that commit
 *
 * A commit's contents never change, so anything found under snapshots/ or .no_exist/ for a
 * commit is final. Only refs/ goes stale, and the online path refreshes it.
 *
 * Writes never expose partial state under a final name: each goes to a unique temporary
 * name beside its target and is renamed into place, which is atomic on one file system.
 * What a killed download leaves (`blobs/<etag>.<random>.incomplete`) is removed once stale.
 * Existence checks follow symlinks, so a pointer whose blob was deleted counts as missing
 * and gets downloaded again.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { isCommitHash, normalizeEtag } from './validate';

export type SymlinkFn = (target: string, path: string) => Promise<void>;

export class RepoCache {
  /** `<cacheDir>/models--{org}--{name}`. Call with a validated repo id. */
  static of(cacheDir: string, repoId: string): RepoCache {
    return new RepoCache(join(cacheDir, ['models', ...repoId.split('/')].join('--')));
  }

  constructor(readonly root: string) {}

  snapshotDir(commit: string): string {
    return join(this.root, 'snapshots', commit);
  }

  blobPath(etag: string): string {
    return join(this.root, 'blobs', etag);
  }

  hasBlob(etag: string): boolean {
    return existsSync(this.blobPath(etag));
  }

  /** `snapshots/<commit>/<file>`: a symlink to its blob, or a copy. */
  filePath(commit: string, file: string): string {
    return join(this.snapshotDir(commit), file);
  }

  hasFile(commit: string, file: string): boolean {
    return existsSync(this.filePath(commit, file));
  }

  /** The ETag a snapshot file's symlink names (its blob's name); undefined for a copy. */
  etagOf(commit: string, file: string): string | undefined {
    try {
      const name = basename(readlinkSync(this.filePath(commit, file)));
      return normalizeEtag(name) === name ? name : undefined;
    } catch {
      return undefined; // not a symlink
    }
  }

  /**
   * Deletes our `blobs/*.<random>.incomplete` files not written to for `olderThanMs`: left by
   * a process that died mid-download. A live download writes at least once per stall timeout
   * or gives up, so a file that old is nobody's. huggingface_hub's own `<etag>.incomplete`
   * (no random part) is left alone: Python resumes those, under its lock.
   */
  async removeStaleDownloads(olderThanMs: number): Promise<void> {
    const dir = join(this.root, 'blobs');
    const names = await readdir(dir).catch(() => [] as string[]);
    const cutoff = Date.now() - olderThanMs;
    for (const name of names.filter((n) => INCOMPLETE.test(n))) {
      const path = join(dir, name);
      const st = await stat(path).catch(() => undefined);
      if (st !== undefined && st.mtimeMs < cutoff) await rm(path, { force: true });
    }
  }

  isKnownMissing(commit: string, file: string): boolean {
    return existsSync(this.#noExist(commit, file));
  }

  /** Present or known absent: either way the network has nothing to add for this commit. */
  isSettled(commit: string, file: string): boolean {
    return this.hasFile(commit, file) || this.isKnownMissing(commit, file);
  }

  /** The commit `refs/<revision>` records, if there is a well-formed one. */
  readRef(revision: string): string | undefined {
    try {
      const commit = readFileSync(join(this.root, 'refs', revision), 'utf8').trim();
      return isCommitHash(commit) ? commit : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Records where `revision` points. Skipped when nothing changed, as in huggingface_hub:
   * a fully populated cache may be read-only (shared, or baked into an image).
   */
  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit || this.readRef(revision) === commit) return;
    await writeAtomic(join(this.root, 'refs', revision), commit);
  }

  async markMissing(commit: string, file: string): Promise<void> {
    const marker = this.#noExist(commit, file);
    await mkdir(dirname(marker), { recursive: true });
    await writeFile(marker, '');
  }

  /**
   * Points `snapshots/<commit>/<file>` at `blobs/<etag>`: a relative symlink, so the cache
   * folder can move; a copy where the file system or OS refuses symlinks (Windows without
   * developer mode, some network mounts). `makeSymlink` is there for tests of the fallback.
   */
  async link(etag: string, commit: string, file: string, makeSymlink: SymlinkFn = symlink): Promise<void> {
    const pointer = join(this.snapshotDir(commit), file);
    const blob = this.blobPath(etag);
    await mkdir(dirname(pointer), { recursive: true });
    const tmp = temporaryName(pointer, 'tmp');
    try {
      await makeSymlink(relative(dirname(pointer), blob), tmp).catch(() => copyFile(blob, tmp));
      await rename(tmp, pointer);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  #noExist(commit: string, file: string): string {
    return join(this.root, '.no_exist', commit, file);
  }
}

/** A unique sibling of `path`: concurrent writers (threads, processes, Python) never share one. */
export function temporaryName(path: string, suffix: string): string {
  return `${path}.${randomBytes(8).toString('hex')}.${suffix}`;
}

/** What temporaryName makes of a blob for a download. */
const INCOMPLETE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.[0-9a-f]{16}\.incomplete$/;

async function writeAtomic(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = temporaryName(path, 'tmp');
  try {
    await writeFile(tmp, content);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
