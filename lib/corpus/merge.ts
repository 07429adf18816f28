/**
 * Megatron's merge (megatron-core `IndexedDatasetBuilder.add_index`, as tools/merge_datasets.py
 * uses it): the shards' `.bin` files end to end, and one `.idx` whose document indices carry
 * on from shard to shard. Done by copying, without tokenizing again.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TokenizerError } from '../errors';
import { PendingFile, syncDir, type WrittenFile } from './atomic';
import { type TokenType, writeMegatronIndex } from './formats';
import { U32List } from './list';

interface MegatronIndex {
  readonly dtypeCode: number;
  readonly sizes: Uint32Array;
  readonly documents: Uint32Array;
}

export function parseMegatronIndex(buf: Buffer, name: string): MegatronIndex {
  if (buf.length < 34 || buf.toString('latin1', 0, 9) !== 'MMIDIDX\0\0' || buf.readBigUInt64LE(9) !== 1n) {
    throw new TokenizerError('IO_ERROR', `${name} is not a Megatron index (MMIDIDX version 1)`);
  }
  const dtypeCode = buf.readUInt8(17);
  const s = Number(buf.readBigUInt64LE(18));
  const d = Number(buf.readBigUInt64LE(26));
  if (buf.length !== 34 + 12 * s + 8 * d) throw new TokenizerError('IO_ERROR', `${name}: the index is truncated`);
  const sizes = new Uint32Array(s);
  for (let i = 0; i < s; i++) sizes[i] = buf.readInt32LE(34 + 4 * i);
  const documents = new Uint32Array(d);
  const at = 34 + 12 * s;
  for (let i = 0; i < d; i++) documents[i] = Number(buf.readBigInt64LE(at + 8 * i));
  return { dtypeCode, sizes, documents };
}

/** Writes `<dir>/<name>.bin/.idx` from the shards named `shards` (stems), in order. */
export async function mergeMegatron(dir: string, name: string, shards: readonly string[], type: TokenType): Promise<WrittenFile[]> {
  const bin = await PendingFile.create(dir, `${name}.bin`);
  const idx = await PendingFile.create(dir, `${name}.idx`);
  try {
    const sizes = new U32List();
    const documents = new U32List();
    documents.push(0);
    for (const shard of shards) {
      const index = parseMegatronIndex(await readFile(path.join(dir, `${shard}.idx`)), `${shard}.idx`);
      const base = sizes.length;
      for (const n of index.sizes) sizes.push(n);
      for (const d of index.documents.subarray(1)) documents.push(base + d);
      for await (const chunk of createReadStream(path.join(dir, `${shard}.bin`), { highWaterMark: 4 << 20 })) {
        await bin.write(chunk as Buffer);
      }
    }
    await writeMegatronIndex(idx, sizes.view(), documents.view(), type);
    const files = [await bin.close(), await idx.close()];
    await bin.publish();
    await idx.publish();
    await syncDir(dir);
    return files;
  } catch (e) {
    await Promise.all([bin.discard(), idx.discard()]);
    throw e;
  }
}
