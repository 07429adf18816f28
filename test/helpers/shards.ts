/**
 * Reads corpus shards back into documents, for tests: a second, independent reading of the
 * layouts (test/corpus.oracle.test.ts reads them with megatron-core's and datatrove's own code).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type Docs = number[][];

export function readMegatron(prefix: string): Docs {
  const idx = readFileSync(`${prefix}.idx`);
  const bin = readFileSync(`${prefix}.bin`);
  expectHeader(idx.toString('latin1', 0, 9) === 'MMIDIDX\0\0' && idx.readBigUInt64LE(9) === 1n, prefix);
  const code = idx.readUInt8(17);
  const width = code === 8 ? 2 : 4;
  const s = Number(idx.readBigUInt64LE(18));
  const d = Number(idx.readBigUInt64LE(26));
  const sizes = Array.from({ length: s }, (_, i) => idx.readInt32LE(34 + 4 * i));
  const pointers = Array.from({ length: s }, (_, i) => Number(idx.readBigInt64LE(34 + 4 * s + 8 * i)));
  const docIdx = Array.from({ length: d }, (_, i) => Number(idx.readBigInt64LE(34 + 12 * s + 8 * i)));
  const seq = (i: number): number[] => {
    const out: number[] = [];
    for (let k = 0; k < sizes[i]!; k++)
      out.push(width === 2 ? bin.readUInt16LE(pointers[i]! + 2 * k) : bin.readInt32LE(pointers[i]! + 4 * k));
    return out;
  };
  const docs: Docs = [];
  for (let j = 0; j + 1 < docIdx.length; j++) {
    const doc: number[] = [];
    for (let i = docIdx[j]!; i < docIdx[j + 1]!; i++) doc.push(...seq(i));
    docs.push(doc);
  }
  return docs;
}

export function readDatatrove(prefix: string, width: 2 | 4): Docs {
  const ds = readFileSync(`${prefix}.ds`);
  const index = readFileSync(`${prefix}.ds.index`);
  const docs: Docs = [];
  let start = 0;
  for (let i = 0; i < index.length / 8; i++) {
    const end = Number(index.readBigUInt64LE(8 * i));
    const doc: number[] = [];
    for (let k = start; k < end; k++) doc.push(width === 2 ? ds.readUInt16LE(2 * k) : ds.readUInt32LE(4 * k));
    docs.push(doc);
    start = end;
  }
  return docs;
}

/** A 1-D .npy file's values (as numbers) and its dtype. */
export function readNpy(file: string): { descr: string; values: number[] } {
  const buf = readFileSync(file);
  expectHeader(buf.toString('latin1', 0, 6) === '\x93NUMPY', file);
  const len = buf.readUInt16LE(8);
  const header = buf.toString('latin1', 10, 10 + len);
  const descr = /'descr': '([^']+)'/.exec(header)?.[1] ?? '';
  const n = Number(/'shape': \((\d+),\)/.exec(header)?.[1]);
  const at = 10 + len;
  const width = Number(descr.slice(2));
  const values = Array.from({ length: n }, (_, i) => {
    const o = at + width * i;
    return width === 2 ? buf.readUInt16LE(o) : width === 4 ? buf.readUInt32LE(o) : Number(buf.readBigUInt64LE(o));
  });
  return { descr, values };
}

export function readNpyShard(prefix: string): Docs {
  const ids = readNpy(`${prefix}.ids.npy`).values;
  const offsets = readNpy(`${prefix}.offsets.npy`).values;
  return offsets.slice(1).map((end, i) => ids.slice(offsets[i], end));
}

/** Every shard of a run folder, in order, via its manifest. */
export function readRun(out: string): Docs {
  const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as {
    format: string;
    tokenType: string;
    shards: { name: string }[];
  };
  const width = manifest.tokenType === 'uint16' ? 2 : 4;
  return manifest.shards.flatMap((s) => {
    const prefix = path.join(out, s.name);
    if (manifest.format === 'megatron') return readMegatron(prefix);
    if (manifest.format === 'datatrove') return readDatatrove(prefix, width);
    return readNpyShard(prefix);
  });
}

function expectHeader(ok: boolean, what: string): void {
  if (!ok) throw new Error(`${what}: not the expected file format`);
}
