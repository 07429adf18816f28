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
 * Existence checks follow symlinks, so a pointer whose blob was deleted counts as missing
 * and gets downloaded again.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { isCommitHash } from './validate';

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

  hasFile(commit: string, file: string): boolean {
    return existsSync(join(this.snapshotDir(commit), file));
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
