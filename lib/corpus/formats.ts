/**
 * Shard writers for the token formats training code reads (layouts: ../shared FIELD-NOTES §9,
 * checked against megatron-core's and datatrove's own readers in test/corpus.oracle.test.ts):
 *
 * - `megatron`: Megatron-LM's indexed dataset, `<name>.bin` (the ids) + `<name>.idx`
 *   (`MMIDIDX\0\0`, version 1, dtype code, sequence lengths, byte pointers, document indices);
 *   one sequence per document, as `preprocess_data.py` writes without sentence splitting.
 * - `datatrove`: `<name>.ds` (ids), `<name>.ds.index` (u64 cumulative document ends, in
 *   tokens), `<name>.ds.metadata` (`tokenizer|bytes per token`, the token count, humanized;
 *   no final newline, as datatrove writes it).
 * - `npy`: `<name>.ids.npy` (1-D ids) + `<name>.offsets.npy` (uint64, documents + 1 entries).
 *
 * All little-endian. The id width follows each tool's own rule for the vocabulary size.
 */
import { invalidArgument, TokenizerError } from '../errors';
import { PendingFile, type WrittenFile } from './atomic';
import { NumberList, U32List } from './list';

export type CorpusFormat = 'megatron' | 'datatrove' | 'npy';
export const CORPUS_FORMATS: readonly CorpusFormat[] = ['megatron', 'datatrove', 'npy'];

export interface TokenType {
  readonly name: 'uint16' | 'int32' | 'uint32';
  readonly bytes: 2 | 4;
}

const UINT16: TokenType = { name: 'uint16', bytes: 2 };

/**
 * Megatron: uint16 below 65,500 tokens (`DType.optimal_dtype`), else int32. datatrove:
 * uint16 up to 65,536, else uint32. npy: the smallest unsigned type that holds every id.
 */
export function tokenTypeFor(format: CorpusFormat, vocabSize: number): TokenType {
  if (format === 'megatron') return vocabSize < 65_500 ? UINT16 : { name: 'int32', bytes: 4 };
  return vocabSize <= 65_536 ? UINT16 : { name: 'uint32', bytes: 4 };
}

export interface ShardWriter {
  /** Appends documents: `lengths[i]` ids each, from `ids` in order. */
  append(ids: Uint32Array, lengths: ArrayLike<number>): Promise<void>;
  /** Writes the indexes, flushes, and gives the files (still under temporary names). */
  close(): Promise<WrittenFile[]>;
  /** Renames the closed files to their final names, the index last. */
  publish(): Promise<void>;
  discard(): Promise<void>;
}

export interface WriterContext {
  readonly dir: string;
  /** The shard's file name stem, e.g. `corpus_00000`. */
  readonly name: string;
  readonly tokenType: TokenType;
  /** For datatrove's metadata line. */
  readonly tokenizerName: string;
}

export async function openWriter(format: CorpusFormat, ctx: WriterContext): Promise<ShardWriter> {
  switch (format) {
    case 'megatron':
      return MegatronWriter.open(ctx);
    case 'datatrove':
      return DatatroveWriter.open(ctx);
    case 'npy':
      return NpyWriter.open(ctx);
    default:
      throw invalidArgument(`unknown corpus format '${String(format)}' (formats: ${CORPUS_FORMATS.join(', ')})`);
  }
}

/** The ids as the shard's token type, little-endian bytes. */
export function tokenBytes(ids: Uint32Array, type: TokenType): Uint8Array {
  if (type.bytes === 4) {
    if (type.name === 'int32') checkMax(ids, 0x7fff_ffff, type);
    return new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength);
  }
  checkMax(ids, 0xffff, type);
  const narrow = Uint16Array.from(ids);
  return new Uint8Array(narrow.buffer);
}

function checkMax(ids: Uint32Array, max: number, type: TokenType): void {
  for (const id of ids) {
    if (id > max) {
      throw new TokenizerError(
        'INVALID_TOKENIZER',
        `token id ${id} does not fit ${type.name}: the vocabulary size understates the largest id`,
      );
    }
  }
}

/**
 * What every writer shares: its files, closed and published in order (the last one is what
 * marks the shard readable), or discarded. A writer adds `append` and its index in `close`.
 */
abstract class FilesWriter implements ShardWriter {
  constructor(readonly files: readonly PendingFile[]) {}

  abstract append(ids: Uint32Array, lengths: ArrayLike<number>): Promise<void>;

  async close(): Promise<WrittenFile[]> {
    const out: WrittenFile[] = [];
    for (const f of this.files) out.push(await f.close());
    return out;
  }

  async publish(): Promise<void> {
    for (const f of this.files) await f.publish();
  }

  async discard(): Promise<void> {
    await Promise.all(this.files.map((f) => f.discard()));
  }
}

const MEGATRON_DTYPE_CODE = { uint16: 8, int32: 4, uint32: 4 } as const;

class MegatronWriter extends FilesWriter {
  readonly #bin: PendingFile;
  readonly #idx: PendingFile;
  /** Tokens of each sequence (documents with no tokens have none). */
  readonly #sizes = new U32List();
  /** After each document, the number of sequences so far. */
  readonly #documents = new U32List();

  private constructor(
    readonly ctx: WriterContext,
    bin: PendingFile,
    idx: PendingFile,
  ) {
    super([bin, idx]);
    this.#bin = bin;
    this.#idx = idx;
    this.#documents.push(0);
  }

  static async open(ctx: WriterContext): Promise<MegatronWriter> {
    const bin = await PendingFile.create(ctx.dir, `${ctx.name}.bin`);
    const idx = await PendingFile.create(ctx.dir, `${ctx.name}.idx`);
    return new MegatronWriter(ctx, bin, idx);
  }

  async append(ids: Uint32Array, lengths: ArrayLike<number>): Promise<void> {
    await this.#bin.write(tokenBytes(ids, this.ctx.tokenType));
    for (let i = 0; i < lengths.length; i++) {
      const n = lengths[i]!;
      if (n > 0) this.#sizes.push(n);
      this.#documents.push(this.#sizes.length);
    }
  }

  override async close(): Promise<WrittenFile[]> {
    await writeMegatronIndex(this.#idx, this.#sizes.view(), this.#documents.view(), this.ctx.tokenType);
    return super.close();
  }
}

/** Entries written per write call: bounds the staging buffers to a few MB. */
const INDEX_CHUNK = 1 << 18;

/** Writes a Megatron `.idx` file: header, sequence lengths, byte pointers, document indices. */
export async function writeMegatronIndex(file: PendingFile, sizes: Uint32Array, documents: Uint32Array, type: TokenType): Promise<void> {
  const header = Buffer.alloc(34);
  header.write('MMIDIDX\0\0', 0, 'latin1');
  header.writeBigUInt64LE(1n, 9);
  header.writeUInt8(MEGATRON_DTYPE_CODE[type.name], 17);
  header.writeBigUInt64LE(BigInt(sizes.length), 18);
  header.writeBigUInt64LE(BigInt(documents.length), 26);
  await file.write(header);
  for (let i = 0; i < sizes.length; i += INDEX_CHUNK) {
    const part = sizes.subarray(i, i + INDEX_CHUNK);
    await file.write(new Uint8Array(Int32Array.from(part).buffer)); // lengths < 2^31
  }
  let pointer = 0;
  for (let i = 0; i < sizes.length; i += INDEX_CHUNK) {
    const part = sizes.subarray(i, i + INDEX_CHUNK);
    const out = new BigInt64Array(part.length);
    for (let k = 0; k < part.length; k++) {
      out[k] = BigInt(pointer);
      pointer += part[k]! * type.bytes;
    }
    await file.write(new Uint8Array(out.buffer));
  }
  for (let i = 0; i < documents.length; i += INDEX_CHUNK) {
    await file.write(new Uint8Array(BigInt64Array.from(documents.subarray(i, i + INDEX_CHUNK), (n) => BigInt(n)).buffer));
  }
}

class DatatroveWriter extends FilesWriter {
  readonly #ds: PendingFile;
  readonly #index: PendingFile;
  readonly #metadata: PendingFile;
  #tokens = 0;

  private constructor(
    readonly ctx: WriterContext,
    ds: PendingFile,
    index: PendingFile,
    metadata: PendingFile,
  ) {
    super([ds, index, metadata]);
    this.#ds = ds;
    this.#index = index;
    this.#metadata = metadata;
  }

  static async open(ctx: WriterContext): Promise<DatatroveWriter> {
    const [ds, index, metadata] = await Promise.all(
      ['.ds', '.ds.index', '.ds.metadata'].map((ext) => PendingFile.create(ctx.dir, `${ctx.name}${ext}`)),
    );
    return new DatatroveWriter(ctx, ds!, index!, metadata!);
  }

  async append(ids: Uint32Array, lengths: ArrayLike<number>): Promise<void> {
    await this.#ds.write(tokenBytes(ids, this.ctx.tokenType));
    const ends = new BigUint64Array(lengths.length);
    for (let i = 0; i < lengths.length; i++) {
      this.#tokens += lengths[i]!;
      ends[i] = BigInt(this.#tokens);
    }
    await this.#index.write(new Uint8Array(ends.buffer));
  }

  override async close(): Promise<WrittenFile[]> {
    const lines = [`${this.ctx.tokenizerName}|${this.ctx.tokenType.bytes}`, String(this.#tokens), humanize(this.#tokens)].join('\n');
    await this.#metadata.write(Buffer.from(lines));
    return super.close();
  }
}

/**
 * `humanize.metric(n, unit="T")` (humanize 4.17, which datatrove writes): 3 significant
 * digits, then an SI prefix: 0 → `0.00 T`, 42 → `42.0 T`, 532900 → `533 kT`, 999999 → `1.00 MT`.
 */
export function humanize(n: number): string {
  const rounded = n === 0 ? 0 : Number(n.toPrecision(3));
  const exponent = rounded === 0 ? 0 : Math.floor(Math.log10(Math.abs(rounded)));
  const group = Math.max(0, Math.floor(exponent / 3));
  const value = rounded / 10 ** (group * 3);
  const prefix = group === 0 ? '' : ('kMGTPEZYRQ'[group - 1] ?? '');
  return `${value.toFixed(Math.max(0, 3 - (exponent - group * 3) - 1))} ${prefix}T`;
}

/** Bytes reserved for an .npy header: fits any 1-D shape. */
const NPY_HEADER = 128;

class NpyWriter extends FilesWriter {
  readonly #ids: PendingFile;
  readonly #offsets: PendingFile;
  readonly #ends = new NumberList();
  #tokens = 0;

  private constructor(
    readonly ctx: WriterContext,
    ids: PendingFile,
    offsets: PendingFile,
  ) {
    super([ids, offsets]);
    this.#ids = ids;
    this.#offsets = offsets;
    this.#ends.push(0);
  }

  static async open(ctx: WriterContext): Promise<NpyWriter> {
    const ids = await PendingFile.create(ctx.dir, `${ctx.name}.ids.npy`);
    await ids.write(Buffer.alloc(NPY_HEADER)); // patched with the shape in close()
    const offsets = await PendingFile.create(ctx.dir, `${ctx.name}.offsets.npy`);
    return new NpyWriter(ctx, ids, offsets);
  }

  async append(ids: Uint32Array, lengths: ArrayLike<number>): Promise<void> {
    await this.#ids.write(tokenBytes(ids, this.ctx.tokenType));
    for (let i = 0; i < lengths.length; i++) {
      this.#tokens += lengths[i]!;
      this.#ends.push(this.#tokens);
    }
  }

  override async close(): Promise<WrittenFile[]> {
    const descr = this.ctx.tokenType.bytes === 2 ? '<u2' : '<u4';
    await this.#ids.patch(0, npyHeader(descr, this.#tokens));
    const ends = this.#ends.view();
    await this.#offsets.write(npyHeader('<u8', ends.length));
    for (let i = 0; i < ends.length; i += INDEX_CHUNK) {
      await this.#offsets.write(new Uint8Array(BigUint64Array.from(ends.subarray(i, i + INDEX_CHUNK), (n) => BigInt(n)).buffer));
    }
    return super.close();
  }
}

/** An .npy v1.0 header of NPY_HEADER bytes for a 1-D array. */
export function npyHeader(descr: string, length: number): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${length},), }`;
  const body = `${dict.padEnd(NPY_HEADER - 10 - 1, ' ')}\n`;
  const out = Buffer.alloc(NPY_HEADER);
  out.write('\x93NUMPY', 0, 'latin1');
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(body.length, 8);
  out.write(body, 10, 'latin1');
  return out;
}
