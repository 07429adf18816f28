/**
 * The plan of a corpus run: which piece of which input goes into which shard. It is computed
 * from the inputs' sizes alone, before any tokenizing, so every machine of a queued run —
 * and a resumed run — agrees on it, and a shard is a unit of work that can be redone.
 *
 * A shard takes about `shardSize` bytes of input. An uncompressed JSONL or one-document-per-
 * line file splits at any byte: a piece holds the records that *start* inside it (the first
 * partial line belongs to the piece before). A Parquet file splits between row groups. A
 * compressed file, a one-document-per-file input and a blank-line-separated file cannot be
 * cut without reading it, so each goes whole into one shard.
 */
import type { InputFile } from './inputs';
import { rowGroupsOf } from './parquet';

export type DocumentSplit = 'line' | 'blank-line' | 'file';

/** Part of one input: bytes `[start, end)`, or for Parquet rows `[start, end)`. */
export interface Piece {
  readonly file: number;
  readonly start: number;
  readonly end: number;
}

export interface Plan {
  /** `shards[i]` is shard i's pieces, in document order. */
  readonly shards: readonly (readonly Piece[])[];
}

/** A unit the packer places whole: a byte range or a run of row groups, with its weight. */
interface Unit extends Piece {
  readonly bytes: number;
  /** May be cut at any byte (only byte ranges of line-oriented, uncompressed files). */
  readonly cuttable: boolean;
}

export async function makePlan(inputs: readonly InputFile[], shardSize: number, split: DocumentSplit): Promise<Plan> {
  const shards: Piece[][] = [];
  let current: Piece[] = [];
  let fill = 0;
  const close = (): void => {
    shards.push(current);
    current = [];
    fill = 0;
  };
  const add = (p: Piece, bytes: number): void => {
    const last = current[current.length - 1];
    if (last !== undefined && last.file === p.file && last.end === p.start) current[current.length - 1] = { ...last, end: p.end };
    else current.push(p);
    fill += bytes;
    if (fill >= shardSize) close();
  };
  for (const [file, input] of inputs.entries()) {
    for (const unit of await unitsOf(file, input, split)) {
      if (!unit.cuttable) {
        add(unit, unit.bytes);
        continue;
      }
      let at = unit.start;
      while (at < unit.end) {
        const take = Math.min(unit.end - at, shardSize - fill);
        add({ file, start: at, end: at + take }, take);
        at += take;
      }
    }
  }
  if (current.length > 0 || shards.length === 0) close();
  return { shards };
}

async function unitsOf(file: number, input: InputFile, split: DocumentSplit): Promise<Unit[]> {
  if (input.size === 0) return [];
  if (input.format === 'parquet') return rowGroups(file, input);
  const lines = input.format === 'jsonl' || split === 'line';
  return [{ file, start: 0, end: input.size, bytes: input.size, cuttable: lines && input.compression === 'none' }];
}

/** One unit per row group, weighed by its uncompressed size. */
async function rowGroups(file: number, input: InputFile): Promise<Unit[]> {
  const groups = await rowGroupsOf(input.path);
  return groups.map(([start, end, bytes]) => ({ file, start, end, bytes, cuttable: false }));
}
