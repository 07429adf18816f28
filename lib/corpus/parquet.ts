/**
 * Parquet input through hyparquet (pure JavaScript, no native build; with
 * hyparquet-compressors for the codecs Hugging Face datasets use: Snappy, ZSTD, GZIP, Brotli,
 * LZ4). Both packages are ES modules only, so they are imported on first use.
 */
import { invalidArgument } from '../errors';

type Hyparquet = typeof import('hyparquet', { with: { 'resolution-mode': 'import' }});
type Compressors = typeof import('hyparquet-compressors', { with: { 'resolution-mode': 'import' }});

let modules: Promise<[Hyparquet, Compressors]> | undefined;

function load(): Promise<[Hyparquet, Compressors]> {
  modules ??= Promise.all([import('hyparquet'), import('hyparquet-compressors')]);
  return modules;
}

/** `[firstRow, endRow, uncompressedBytes]` of each non-empty row group, in file order. */
export async function rowGroupsOf(file: string): Promise<[number, number, number][]> {
  const { metadata } = await openParquet(file);
  const out: [number, number, number][] = [];
  let row = 0;
  for (const group of metadata.row_groups) {
    const rows = Number(group.num_rows);
    if (rows > 0) out.push([row, row + rows, Number(group.total_byte_size)]);
    row += rows;
  }
  return out;
}

export interface ParquetFile {
  readonly path: string;
  readonly hp: Hyparquet;
  readonly codecs: Compressors;
  readonly buffer: Awaited<ReturnType<Hyparquet['asyncBufferFromFile']>>;
  readonly metadata: Awaited<ReturnType<Hyparquet['parquetMetadataAsync']>>;
}

export async function openParquet(file: string): Promise<ParquetFile> {
  const [hp, codecs] = await load();
  const buffer = await hp.asyncBufferFromFile(file);
  return { path: file, hp, codecs, buffer, metadata: await hp.parquetMetadataAsync(buffer) };
}

/**
 * The values of top-level column `column` for rows `[rowStart, rowEnd)`. Strings stay raw
 * UTF-8 bytes (`Uint8Array`): the engine checks and decodes them, and no JS string is built.
 */
export async function readColumn(pq: ParquetFile, column: string, rowStart: number, rowEnd: number): Promise<unknown[]> {
  const names = pq.metadata.schema.slice(1).map((s) => s.name);
  if (!names.includes(column)) {
    throw invalidArgument(`${pq.path} has no column '${column}' (columns: ${names.join(', ')}); choose one with --field`);
  }
  let rows: unknown[][] = [];
  await pq.hp.parquetRead({
    file: pq.buffer,
    metadata: pq.metadata,
    columns: [column],
    rowStart,
    rowEnd,
    utf8: false,
    compressors: pq.codecs.compressors,
    onComplete: (r: unknown[][]) => {
      rows = r;
    },
  });
  return rows.map((r) => r[0]);
}
