/**
 * One shard of a corpus run, from its pieces of input to its published files and its marker.
 * The same function serves a local run and a queue worker, so both write the same bytes.
 *
 * Reading and encoding overlap: while the engine encodes batches on its threads, this
 * thread reads the next one (IN_FLIGHT + 1 batches at most, which bounds memory).
 */
import { open, readFile, stat } from 'node:fs/promises';
import { TokenizerError } from '../errors';
import { native } from '../native';
import { SPECIAL_TOKENS_CODES } from '../options';
import { engineOf, type Tokenizer } from '../tokenizer';
import { syncDir, writeAtomic } from './atomic';
import { engineFault, recordError, type SkippedRecord } from './faults';
import { openWriter, type ShardWriter } from './formats';
import type { InputFile } from './inputs';
import type { Piece } from './plan';
import { type RecordBatch, readPiece } from './records';
import { type RunSpec, type ShardStats, shardName, statePath } from './spec';

export interface ShardProgress {
  readonly inputBytes: number;
  readonly documents: number;
  readonly tokens: number;
}

export interface ShardRunOptions {
  readonly threads?: number | undefined;
  readonly onFileHash?: ((sha256: string) => void) | undefined;
  readonly batchBytes?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /** After each batch: what it added. */
  readonly onProgress?: ((delta: ShardProgress) => void) | undefined;
}

/** Input bytes per engine call: large enough to keep every thread busy, small enough to stream. */
export const DEFAULT_BATCH_BYTES = 4 << 20;

/**
 * Batches handed to the engine and not yet written, beyond the one being read. More than one:
 * a Parquet row group is decoded in one step, and its batches must keep the threads busy
 * while the next group decodes (one in flight left 2 threads no faster than 1).
 */
const IN_FLIGHT = 3;

/** The shard's stats if a complete copy of it is already on disk, from this run. */
export async function doneShard(spec: RunSpec, index: number): Promise<ShardStats | undefined> {
  const marker = await readFile(markerPath(spec, index), 'utf8').catch(() => undefined);
  if (marker === undefined) return undefined;
  let parsed: { fingerprint?: unknown; stats?: ShardStats };
  try {
    parsed = JSON.parse(marker) as typeof parsed;
  } catch {
    return undefined;
  }
  if (parsed.fingerprint !== spec.fingerprint || parsed.stats === undefined) return undefined;
  for (const f of parsed.stats.files) {
    const size = await stat(`${spec.out}/${f.name}`).then(
      (s) => s.size,
      () => -1,
    );
    if (size !== f.bytes) return undefined;
  }
  return parsed.stats;
}

export function markerPath(spec: RunSpec, index: number): string {
  return statePath(spec.out, 'shards', `${shardName(spec, index)}.json`);
}

/** Encodes and writes shard `index` of `spec` (again, if it was done: the bytes are the same). */
export async function runShard(spec: RunSpec, index: number, tok: Tokenizer, options: ShardRunOptions = {}): Promise<ShardStats> {
  const pieces = spec.plan.shards[index];
  if (pieces === undefined) throw new TokenizerError('INVALID_ARGUMENT', `the run has no shard ${index}`);
  const name = shardName(spec, index);
  const writer = await openWriter(spec.format, { dir: spec.out, name, tokenType: spec.tokenType, tokenizerName: spec.tokenizer.name });
  const totals = { documents: 0, tokens: 0, ...pieceSizes(spec, pieces), blankLines: 0 };
  const skipped: SkippedRecord[] = [];
  const inputHashes: Record<string, string> = {};
  try {
    for (const piece of pieces) {
      const input = spec.inputs[piece.file]!;
      const onFileHash = (sha: string): void => {
        inputHashes[input.path] = sha;
      };
      await encodePiece(spec, tok, input, piece, writer, { ...options, onFileHash }, (batch, docs, tokens, bad) => {
        totals.documents += docs;
        totals.tokens += tokens;
        totals.blankLines += batch.blankLines;
        skipped.push(...bad);
        options.onProgress?.({ inputBytes: batch.inputBytes, documents: docs, tokens });
      });
    }
    const files = await writer.close();
    await writer.publish();
    await syncDir(spec.out);
    const stats: ShardStats = { index, name, files, ...totals, skipped, inputHashes };
    await writeAtomic(statePath(spec.out, 'shards'), `${name}.json`, JSON.stringify({ fingerprint: spec.fingerprint, stats }));
    return stats;
  } catch (e) {
    await writer.discard();
    throw e;
  }
}

/** Bytes (text and JSONL inputs, compressed size for compressed ones) and rows (Parquet) the
 * pieces cover, from the plan: summed over the shards they give the inputs' sizes exactly. */
function pieceSizes(spec: RunSpec, pieces: readonly Piece[]): { inputBytes: number; rows: number } {
  let inputBytes = 0;
  let rows = 0;
  for (const p of pieces) {
    if (spec.inputs[p.file]!.format === 'parquet') rows += p.end - p.start;
    else inputBytes += p.end - p.start;
  }
  return { inputBytes, rows };
}

type BatchDone = (batch: RecordBatch, documents: number, tokens: number, skipped: SkippedRecord[]) => void;

interface Encoded {
  readonly batch: RecordBatch;
  readonly result: Promise<EngineResult | undefined>;
}

type EngineResult = Awaited<ReturnType<ReturnType<typeof native>['encodeRecordsAsync']>>;

async function encodePiece(
  spec: RunSpec,
  tok: Tokenizer,
  input: InputFile,
  piece: Piece,
  writer: ShardWriter,
  options: ShardRunOptions,
  done: BatchDone,
): Promise<void> {
  const binding = native();
  const engine = engineOf(tok);
  const cancel = new binding.NativeCancel();
  const onAbort = (): void => cancel.cancel();
  options.signal?.addEventListener('abort', onAbort);
  const locate = locator(input, piece);
  const nativeOptions = {
    addSpecialTokens: spec.encode.addSpecialTokens,
    specialTokens: SPECIAL_TOKENS_CODES[spec.encode.specialTokens],
    prepend: [...spec.encode.prepend],
    append: [...spec.encode.append],
    ...(input.format === 'jsonl' ? { field: [...spec.read.field] } : {}),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  };
  let linesBefore = 0; // lines mode: lines of the piece in the batches finished so far
  const finish = async ({ batch, result }: Encoded): Promise<void> => {
    const r = await result;
    const raw = rawFaults(batch, r, linesBefore);
    if (batch.lines) linesBefore += (r?.lines ?? 0) + (batch.tail?.fault === 'too-large' ? 1 : 0);
    const bad = await located(input.path, raw, locate);
    if (bad.length > 0 && spec.onError === 'fail') throw recordError(bad[0]!);
    const lengths = r === undefined ? new Uint32Array(0) : documentLengths(r);
    if (r !== undefined) await writer.append(r.ids, lengths);
    done(batch.lines ? { ...batch, blankLines: r?.blankLines ?? 0 } : batch, lengths.length, r?.ids.length ?? 0, bad);
  };
  const linesOptions = { ...nativeOptions, lines: true };
  const inflight: Encoded[] = [];
  try {
    for await (const batch of readPiece(input, piece, {
      split: spec.read.split,
      field: spec.read.field,
      batchBytes: options.batchBytes ?? DEFAULT_BATCH_BYTES,
      onFileHash: options.onFileHash,
    })) {
      if (options.signal?.aborted) throw new TokenizerError('ABORTED', 'the corpus run was aborted', { cause: options.signal.reason });
      const empty = batch.lines ? batch.data.length === 0 : batch.ends.length === 0;
      const result = empty
        ? Promise.resolve(undefined)
        : binding.encodeRecordsAsync(engine, batch.data, batch.ends, batch.lines ? linesOptions : nativeOptions, cancel);
      result.catch(() => undefined); // awaited in order below; this only keeps it from being "unhandled" meanwhile
      inflight.push({ batch, result });
      if (inflight.length > IN_FLIGHT) await finish(inflight.shift()!);
    }
    while (inflight.length > 0) await finish(inflight.shift()!);
  } catch (e) {
    cancel.cancel();
    throw e;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** Lengths of the records that are documents (rejected ones have none). */
function documentLengths(r: EngineResult): Uint32Array {
  if (r.rejectedIndex.length === 0) return r.lengths;
  const out = new Uint32Array(r.lengths.length - r.rejectedIndex.length);
  let j = 0;
  let k = 0;
  for (let i = 0; i < r.lengths.length; i++) {
    if (i === r.rejectedIndex[k]) k++;
    else out[j++] = r.lengths[i]!;
  }
  return out;
}

type Locate = (position: number) => Promise<{ line: number } | { row: number }>;

type RawFault = { position: number; fault: SkippedRecord['fault']; detail: string };

/**
 * A batch's refused records with reader positions: lines mode numbers them on from
 * `linesBefore` (the engine gives each its line in the batch), else by record index.
 */
function rawFaults(batch: RecordBatch, r: EngineResult | undefined, linesBefore: number): RawFault[] {
  const raw: RawFault[] = [...batch.refused];
  if (r !== undefined) {
    for (let k = 0; k < r.rejectedIndex.length; k++) {
      const position = batch.lines ? linesBefore + r.rejectedLine[k]! + 1 : batch.positions[r.rejectedIndex[k]!]!;
      raw.push({ position, fault: engineFault(r.rejectedFault[k]!), detail: r.rejectedDetail[k]! });
    }
  }
  if (batch.tail !== undefined) raw.push({ position: linesBefore + (r?.lines ?? 0) + 1, ...batch.tail });
  return raw.sort((a, b) => a.position - b.position);
}

async function located(file: string, raw: readonly RawFault[], locate: Locate): Promise<SkippedRecord[]> {
  const out: SkippedRecord[] = [];
  for (const x of raw) out.push({ file, ...(await locate(x.position)), fault: x.fault, detail: x.detail });
  return out;
}

/**
 * Turns a reader position into the file's own line (or row). A piece that starts mid-file
 * numbers its lines from its start; the lines before are counted only when a fault needs it.
 */
function locator(input: InputFile, piece: Piece): Locate {
  if (input.format === 'parquet') return async (row) => ({ row });
  let base: Promise<number> | undefined;
  return async (line) => {
    base ??= piece.start === 0 ? Promise.resolve(0) : newlinesBefore(input.path, piece.start - 1).then((n) => n + 1);
    return { line: (await base) + line };
  };
}

async function newlinesBefore(file: string, end: number): Promise<number> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let count = 0;
    for (let at = 0; at < end; ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - at), at);
      if (bytesRead === 0) break;
      for (let i = buf.indexOf(10, 0); i >= 0 && i < bytesRead; i = buf.indexOf(10, i + 1)) count++;
      at += bytesRead;
    }
    return count;
  } finally {
    await fh.close();
  }
}
