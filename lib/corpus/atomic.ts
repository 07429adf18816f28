/**
 * Files that appear complete or not at all: written under a temporary name unique to this
 * writer, flushed to disk (fsync), then renamed. A crash at any point leaves at most a
 * `*.tmp-*` file, which no reader opens and the next run removes.
 */
import { createHash, type Hash } from 'node:crypto';
import { type FileHandle, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export interface WrittenFile {
  /** Relative to the output folder. */
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

const TMP = '.tmp-';

export class PendingFile {
  readonly #final: string;
  readonly #tmp: string;
  readonly #hash: Hash = createHash('sha256');
  #fh: FileHandle | undefined;
  #bytes = 0;
  #patched = false;

  private constructor(
    readonly dir: string,
    readonly name: string,
  ) {
    this.#final = path.join(dir, name);
    this.#tmp = `${this.#final}${TMP}${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  }

  static async create(dir: string, name: string): Promise<PendingFile> {
    const f = new PendingFile(dir, name);
    f.#fh = await open(f.#tmp, 'w+'); // readable too: close() may hash it back (patch)
    return f;
  }

  get bytes(): number {
    return this.#bytes;
  }

  async write(data: Uint8Array): Promise<void> {
    if (data.length === 0) return;
    this.#hash.update(data);
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.#handle().write(data, done, data.length - done);
      done += bytesWritten;
    }
    this.#bytes += data.length;
  }

  /**
   * Overwrites bytes already written (a header whose sizes are known only at the end). The
   * running hash no longer matches, so `close` then hashes the file again from disk.
   */
  async patch(position: number, data: Uint8Array): Promise<void> {
    if (position + data.length > this.#bytes) throw new Error(`patch past the end of ${this.name}`);
    await this.#handle().write(data, 0, data.length, position);
    this.#patched = true;
  }

  /** Flushes and closes; the file keeps its temporary name until `publish`. */
  async close(): Promise<WrittenFile> {
    const fh = this.#handle();
    await fh.sync();
    const sha256 = this.#patched ? await hashFile(fh) : this.#hash.digest('hex');
    await fh.close();
    this.#fh = undefined;
    return { name: this.name, bytes: this.#bytes, sha256 };
  }

  async publish(): Promise<void> {
    await rename(this.#tmp, this.#final);
  }

  /** Drops the temporary file (after a failure). */
  async discard(): Promise<void> {
    await this.#fh?.close().catch(() => undefined);
    this.#fh = undefined;
    await rm(this.#tmp, { force: true });
  }

  #handle(): FileHandle {
    if (this.#fh === undefined) throw new Error(`${this.name} is already closed`);
    return this.#fh;
  }
}

async function hashFile(fh: FileHandle): Promise<string> {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  for (let at = 0; ; ) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, at);
    if (bytesRead === 0) break;
    hash.update(buf.subarray(0, bytesRead));
    at += bytesRead;
  }
  return hash.digest('hex');
}

/** Writes `data` to `dir/name` atomically (temporary file, fsync, rename, fsync of the folder). */
export async function writeAtomic(dir: string, name: string, data: string | Uint8Array): Promise<WrittenFile> {
  const f = await PendingFile.create(dir, name);
  try {
    await f.write(typeof data === 'string' ? Buffer.from(data) : data);
    const written = await f.close();
    await f.publish();
    await syncDir(dir);
    return written;
  } catch (e) {
    await f.discard();
    throw e;
  }
}

/** Makes renames in `dir` durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Removes temporary files that killed writers left in `dir`. */
export async function removeStale(dir: string): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale = names.filter((n) => n.includes(TMP));
  await Promise.all(stale.map((n) => rm(path.join(dir, n), { force: true })));
  return stale.length;
}
