/**
 * Reading one piece of one input as batches of records: raw UTF-8 bytes, concatenated, with
 * their ends — what the engine's `encodeRecordsAsync` takes. No JS string is made: the engine
 * checks the UTF-8 and, for JSONL, parses the line and takes the field.
 *
 * Memory is bounded by the batch size plus one record (at most MAX_RECORD_BYTES) plus the
 * stream buffers, whatever the input's size.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Fault } from './faults';
import type { InputFile } from './inputs';
import { openParquet, readColumn } from './parquet';
import type { DocumentSplit, Piece } from './plan';

/** The longest record read; a longer one is refused as `too-large`. */
export const MAX_RECORD_BYTES = 256 << 20;

/** A record the reader refused before the engine saw it. */
export interface Refused {
  readonly position: number;
  readonly fault: Fault;
  readonly detail: string;
}

export interface RecordBatch {
  readonly data: Buffer;
  readonly ends: Uint32Array;
  /** Per record: its line, 1-based from the piece's first line; or its row, 0-based in the file. */
  readonly positions: Float64Array;
  readonly refused: readonly Refused[];
  /** Bytes of the input file (compressed, if it is) read since the last batch. */
  readonly inputBytes: number;
  /** Empty lines passed over (not documents, and not faults). */
  readonly blankLines: number;
  /**
   * Lines mode: `data` is whole lines, which the engine splits (no `ends`, no `positions`);
   * line numbers then run on from the batch before. `tail` is a record refused right after
   * this batch's lines (an over-long line, which counts as one, or damaged input, which ends
   * the piece).
   */
  readonly lines?: true;
  readonly tail?: { readonly fault: Fault; readonly detail: string };
}

export interface ReadOptions {
  readonly split: DocumentSplit;
  /** JSON key path of the text in a JSONL record, or the column of a Parquet file. */
  readonly field: readonly string[];
  readonly batchBytes: number;
  /**
   * Called with the file's SHA-256 when this read went through the whole file, start to end
   * (so the manifest need not read it a second time).
   */
  readonly onFileHash?: ((sha256: string) => void) | undefined;
}

export function readPiece(input: InputFile, piece: Piece, options: ReadOptions): AsyncGenerator<RecordBatch> {
  if (input.format === 'parquet') return parquetRecords(input, piece, options);
  const lines = input.format === 'jsonl' || options.split === 'line';
  if (lines) return lineChunks(input, piece, options);
  return options.split === 'file' ? fileRecord(input, options) : paragraphRecords(input, options);
}

/** Collects records into one buffer until it holds `batchBytes`. */
class Batcher {
  #buf: Buffer;
  #len = 0;
  #ends: number[] = [];
  #positions: number[] = [];
  #refused: Refused[] = [];
  #blank = 0;
  inputBytes = 0;

  constructor(readonly batchBytes: number) {
    this.#buf = Buffer.allocUnsafe(batchBytes);
  }

  add(parts: readonly Uint8Array[], position: number): void {
    let size = 0;
    for (const p of parts) size += p.length;
    if (this.#len + size > this.#buf.length) this.#grow(this.#len + size);
    for (const p of parts) {
      this.#buf.set(p, this.#len);
      this.#len += p.length;
    }
    this.#ends.push(this.#len);
    this.#positions.push(position);
  }

  refuse(position: number, fault: Fault, detail: string): void {
    this.#refused.push({ position, fault, detail });
  }

  blank(): void {
    this.#blank++;
  }

  get full(): boolean {
    return this.#len >= this.batchBytes;
  }

  get empty(): boolean {
    return this.#ends.length === 0 && this.#refused.length === 0 && this.#blank === 0 && this.inputBytes === 0;
  }

  take(): RecordBatch {
    const batch: RecordBatch = {
      data: this.#buf.subarray(0, this.#len),
      ends: Uint32Array.from(this.#ends),
      positions: Float64Array.from(this.#positions),
      refused: this.#refused,
      inputBytes: this.inputBytes,
      blankLines: this.#blank,
    };
    this.#buf = Buffer.allocUnsafe(this.batchBytes);
    this.#len = 0;
    this.#ends = [];
    this.#positions = [];
    this.#refused = [];
    this.#blank = 0;
    this.inputBytes = 0;
    return batch;
  }

  #grow(need: number): void {
    const next = Buffer.allocUnsafe(Math.max(need, this.#buf.length * 2));
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }
}

/** The decompressed bytes of `input` from byte `start` (uncompressed files only may start > 0). */
function byteStream(input: InputFile, start: number, batcher: Batcher, onFileHash?: (sha256: string) => void): Readable {
  const raw = createReadStream(input.path, { start, highWaterMark: 1 << 20 });
  const hash = start === 0 && onFileHash !== undefined ? createHash('sha256') : undefined;
  let seen = 0;
  raw.on('data', (c) => {
    batcher.inputBytes += c.length;
    seen += c.length;
    hash?.update(c as Buffer);
  });
  raw.on('end', () => {
    if (hash !== undefined && seen === input.size) onFileHash?.(hash.digest('hex'));
  });
  if (input.compression === 'gzip') return raw.pipe(createGunzip()).on('close', () => raw.destroy());
  if (input.compression === 'zstd') return raw.pipe(zstdStream()).on('close', () => raw.destroy());
  return raw;
}

function zstdStream(): Transform {
  let out: Uint8Array[] = [];
  const { Decompress } = require('fzstd') as typeof import('fzstd'); // on first use: only zstd inputs need it
  const d = new Decompress((chunk) => {
    out.push(chunk.slice());
  });
  const flushTo = (t: Transform): void => {
    for (const c of out) t.push(Buffer.from(c.buffer, c.byteOffset, c.length));
    out = [];
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      try {
        d.push(chunk);
        flushTo(this);
        done();
      } catch (e) {
        done(e as Error);
      }
    },
    flush(done) {
      try {
        d.push(new Uint8Array(0), true);
        flushTo(this);
        done();
      } catch (e) {
        done(e as Error);
      }
    },
  });
}

/** A decompression failure (truncated or corrupt file): a fault of the input, not a bug. */
function isCorrupt(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('Z_')) return true;
  return e instanceof Error && /zstd|invalid|unexpected end|block|window|checksum/i.test(e.message) && !('syscall' in e);
}

/**
 * Lines of a piece as [line number, bytes] without the `\n` (and a `\r` before it). A line
 * belongs to the piece it starts in: a piece that starts inside a line skips to the next,
 * and reads on past its end to finish its last line.
 */
async function* lines(input: InputFile, piece: Piece, batcher: Batcher): AsyncGenerator<Line[]> {
  const from = piece.start === 0 ? 0 : piece.start - 1;
  const stream = byteStream(input, from, batcher);
  let offset = from; // file offset of the chunk being scanned (uncompressed files)
  let skipping = piece.start > 0; // inside the line the previous piece finishes
  let lineNo = 0;
  let carry: Uint8Array[] = [];
  let carryLen = 0;
  let lineStart = piece.start;
  let oversized = false;
  const ended = (): boolean => input.compression === 'none' && lineStart >= piece.end;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      // One chunk's lines at a time: a yield per line cost ~1 µs each (a promise and a tick).
      const out: Line[] = [];
      let i = 0;
      if (skipping) {
        const nl = chunk.indexOf(10);
        if (nl < 0) {
          offset += chunk.length;
          continue;
        }
        i = nl + 1;
        skipping = false;
        lineStart = offset + i;
      }
      while (i <= chunk.length) {
        if (ended()) {
          yield out;
          return;
        }
        const nl = chunk.indexOf(10, i);
        if (nl < 0) {
          if (i < chunk.length && !oversized) {
            carry.push(chunk.subarray(i));
            carryLen += chunk.length - i;
            if (carryLen > MAX_RECORD_BYTES) oversized = true;
          }
          break;
        }
        lineNo++;
        if (oversized || carryLen + nl - i > MAX_RECORD_BYTES) out.push([lineNo, TOO_LARGE]);
        else out.push([lineNo, withoutCr(carry.length === 0 ? [chunk.subarray(i, nl)] : [...carry, chunk.subarray(i, nl)])]);
        if (carryLen > 0 || carry.length > 0) carry = [];
        carryLen = 0;
        oversized = false;
        i = nl + 1;
        lineStart = offset + i;
      }
      offset += chunk.length;
      yield out;
    }
  } catch (e) {
    if (!isCorrupt(e)) throw e;
    yield [[lineNo + 1, [CORRUPT, Buffer.from((e as Error).message)]]];
    return;
  } finally {
    stream.destroy();
  }
  if ((carryLen > 0 || oversized) && !ended()) yield [[lineNo + 1, oversized ? TOO_LARGE : withoutCr(carry)]];
}

type Line = [number, Uint8Array[]];

/** Markers `lines` yields instead of a line. */
const TOO_LARGE: Uint8Array[] = [];
const CORRUPT = new Uint8Array(0);

function withoutCr(parts: Uint8Array[]): Uint8Array[] {
  const last = parts[parts.length - 1];
  if (last !== undefined && last.length > 0 && last[last.length - 1] === 13) parts[parts.length - 1] = last.subarray(0, -1);
  else if (last !== undefined && last.length === 0 && parts.length > 1) return withoutCr(parts.slice(0, -1));
  return parts;
}

function byteLength(parts: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}

/** Documents separated by one or more empty lines; a document keeps its inner newlines. */
async function* paragraphRecords(input: InputFile, options: ReadOptions): AsyncGenerator<RecordBatch> {
  const batcher = new Batcher(options.batchBytes);
  const whole: Piece = { file: 0, start: 0, end: input.size };
  let doc: Uint8Array[] = [];
  let first = 0;
  let size = 0;
  const NL = Buffer.from('\n');
  const finish = (): void => {
    if (doc.length === 0) return;
    if (size > MAX_RECORD_BYTES) batcher.refuse(first, 'too-large', `the document is over ${MAX_RECORD_BYTES} bytes`);
    else batcher.add(doc, first);
    doc = [];
    size = 0;
  };
  let corrupt = false;
  for await (const chunk of lines(input, whole, batcher)) {
    for (const [line, parts] of chunk) {
      if (parts[0] === CORRUPT) {
        batcher.refuse(line, 'corrupt-input', String(parts[1]));
        corrupt = true;
        break;
      }
      const n = parts === TOO_LARGE ? MAX_RECORD_BYTES + 1 : byteLength(parts);
      if (n === 0) {
        finish();
      } else {
        if (doc.length === 0) first = line;
        else doc.push(NL);
        if (size + n <= MAX_RECORD_BYTES) doc.push(...parts);
        size += n + 1;
      }
    }
    if (corrupt) {
      doc = [];
      break;
    }
    if (batcher.full) yield batcher.take();
  }
  finish();
  if (!batcher.empty) yield batcher.take();
}

/** Bytes gathered for one batch of whole lines. */
class LineBuffer {
  #buf: Buffer;
  len = 0;

  constructor(readonly batchBytes: number) {
    this.#buf = Buffer.allocUnsafe(batchBytes + (1 << 20));
  }

  append(c: Uint8Array): void {
    if (this.len + c.length > this.#buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.len + c.length, this.#buf.length * 2));
      this.#buf.copy(next, 0, 0, this.len);
      this.#buf = next;
    }
    this.#buf.set(c, this.len);
    this.len += c.length;
  }

  /** End of the last whole line (after its `\n`), or 0. */
  lastLineEnd(): number {
    return this.len === 0 ? 0 : this.#buf.lastIndexOf(10, this.len - 1) + 1;
  }

  /** The first `n` bytes as a batch's data; the rest stays. */
  take(n: number): Buffer {
    const out = this.#buf.subarray(0, n);
    const rest = this.len - n;
    const next = Buffer.allocUnsafe(Math.max(this.batchBytes + (1 << 20), rest));
    this.#buf.copy(next, 0, n, this.len);
    this.#buf = next;
    this.len = rest;
    return out;
  }

  clear(): void {
    this.len = 0;
  }
}

/**
 * A piece of a line-oriented input (JSONL, or text with a document per line) as batches of
 * whole lines, for the engine to split: here only the batch edges are found (`indexOf` on
 * whole chunks), so no JS runs per line. A line belongs to the piece it starts in: a piece
 * that starts inside a line skips to the next one, and its last line is the first that ends
 * at or after the piece's last byte.
 */
async function* lineChunks(input: InputFile, piece: Piece, options: ReadOptions): AsyncGenerator<RecordBatch> {
  const counter = new Batcher(0);
  const from = piece.start === 0 ? 0 : piece.start - 1;
  const stream = byteStream(input, from, counter, options.onFileHash);
  const bounded = input.compression === 'none';
  const buf = new LineBuffer(options.batchBytes);
  let offset = from; // file offset of the next chunk (uncompressed files)
  let skipping = piece.start > 0;
  let lineStart = piece.start; // file offset where the unfinished line began
  let dropping = false; // inside a line over MAX_RECORD_BYTES, until its end
  const batch = (data: Buffer, tail?: RecordBatch['tail']): RecordBatch => {
    const inputBytes = counter.inputBytes;
    counter.inputBytes = 0;
    return { data, ends: NO_ENDS, positions: NO_POSITIONS, refused: [], inputBytes, blankLines: 0, lines: true, ...(tail ? { tail } : {}) };
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const at = offset;
      offset += chunk.length;
      let c: Buffer = chunk;
      let base = at;
      if (skipping) {
        const nl = c.indexOf(10);
        if (nl < 0) continue;
        c = c.subarray(nl + 1);
        base = at + nl + 1;
        lineStart = base;
        skipping = false;
      }
      let last = false;
      if (bounded) {
        if (lineStart >= piece.end) break;
        if (base + c.length >= piece.end) {
          const nl = c.indexOf(10, Math.max(0, piece.end - 1 - base));
          if (nl >= 0) {
            c = c.subarray(0, nl + 1);
            last = true;
          }
        }
        const nl = c.lastIndexOf(10);
        if (nl >= 0) lineStart = base + nl + 1;
      }
      if (dropping) {
        const nl = c.indexOf(10);
        if (nl < 0) continue;
        c = c.subarray(nl + 1);
        dropping = false;
      }
      buf.append(c);
      if (buf.len >= options.batchBytes) {
        const end = buf.lastLineEnd();
        if (end > 0) yield batch(buf.take(end));
        else if (buf.len > MAX_RECORD_BYTES) {
          // One line longer than any record may be: drop it through its end.
          buf.clear();
          dropping = true;
          yield batch(Buffer.alloc(0), { fault: 'too-large', detail: `the record is over ${MAX_RECORD_BYTES} bytes` });
        }
      }
      if (last) break;
    }
  } catch (e) {
    if (!isCorrupt(e)) throw e;
    const end = buf.lastLineEnd();
    yield batch(buf.take(end), { fault: 'corrupt-input', detail: (e as Error).message });
    return;
  } finally {
    stream.destroy();
  }
  if (buf.len > 0 && !dropping) yield batch(buf.take(buf.len));
  else if (counter.inputBytes > 0) yield batch(Buffer.alloc(0));
}

const NO_ENDS = new Uint32Array(0);
const NO_POSITIONS = new Float64Array(0);

/** The whole file as one document. */
async function* fileRecord(input: InputFile, options: ReadOptions): AsyncGenerator<RecordBatch> {
  const batcher = new Batcher(options.batchBytes);
  const stream = byteStream(input, 0, batcher, options.onFileHash);
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= MAX_RECORD_BYTES) parts.push(chunk);
    }
    if (size > MAX_RECORD_BYTES) batcher.refuse(1, 'too-large', `the file is over ${MAX_RECORD_BYTES} bytes`);
    else if (size === 0) batcher.refuse(1, 'empty', 'the document is empty');
    else batcher.add(parts, 1);
  } catch (e) {
    if (!isCorrupt(e)) throw e;
    batcher.refuse(1, 'corrupt-input', (e as Error).message);
  } finally {
    stream.destroy();
  }
  yield batcher.take();
}

/**
 * The row ranges to read a piece in: one row group at a time (hyparquet decodes whole pages,
 * so reading a group in slices decoded it again for every slice: 2 threads were no faster
 * than 1). Memory holds one row group's column.
 */
function rowGroupRanges(pq: Awaited<ReturnType<typeof openParquet>>, piece: Piece): [number, number][] {
  const out: [number, number][] = [];
  let row = 0;
  for (const g of pq.metadata.row_groups) {
    const end = row + Number(g.num_rows);
    const s = Math.max(row, piece.start);
    const e = Math.min(end, piece.end);
    if (s < e) out.push([s, e]);
    row = end;
  }
  return out;
}

async function* parquetRecords(input: InputFile, piece: Piece, options: ReadOptions): AsyncGenerator<RecordBatch> {
  const batcher = new Batcher(options.batchBytes);
  const pq = await openParquet(input.path);
  const [column, ...path] = options.field;
  const fileRows = Math.max(1, Number(pq.metadata.num_rows));
  for (const [at, end] of rowGroupRanges(pq, piece)) {
    const values = await readColumn(pq, column ?? 'text', at, end);
    batcher.inputBytes += Math.round((input.size * (end - at)) / fileRows); // progress: rows, as a share of the file
    for (const [i, raw] of values.entries()) {
      const row = at + i;
      const value = path.reduce<unknown>((v, key) => (isRecord(v) ? v[key] : undefined), raw);
      if (value instanceof Uint8Array) {
        if (value.length > MAX_RECORD_BYTES) batcher.refuse(row, 'too-large', `the value is over ${MAX_RECORD_BYTES} bytes`);
        else batcher.add([value], row);
      } else if (typeof value === 'string') batcher.add([Buffer.from(value)], row);
      else if (value === null || value === undefined) batcher.refuse(row, 'missing-field', `no value in ${options.field.join('.')}`);
      else batcher.refuse(row, 'not-a-string', `${options.field.join('.')} is ${typeof value}, not a string`);
      if (batcher.full) yield batcher.take();
    }
  }
  if (!batcher.empty) yield batcher.take();
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array);
}
