/**
 * The input files of a corpus run: arguments (files, folders, globs) expanded to a sorted list
 * of files, each with its record format and compression, read from its name unless given.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { invalidArgument, TokenizerError } from '../errors';

export type InputFormat = 'text' | 'jsonl' | 'parquet';
export type Compression = 'none' | 'gzip' | 'zstd';

export interface InputFile {
  /** Absolute. */
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly format: InputFormat;
  readonly compression: Compression;
}

const COMPRESSION: Record<string, Compression> = { '.gz': 'gzip', '.zst': 'zstd', '.zstd': 'zstd' };
const FORMAT: Record<string, InputFormat> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'jsonl',
  '.parquet': 'parquet',
  '.txt': 'text',
  '.text': 'text',
  '.md': 'text',
};

/**
 * Every file the arguments name, in order: arguments in the order given, the files of a
 * folder (recursively) or a glob sorted by path, so a run's document order never depends on
 * the file system. A file named twice is read once.
 */
export async function expandInputs(args: readonly string[], format: InputFormat | undefined): Promise<InputFile[]> {
  if (args.length === 0) throw invalidArgument('no input files: give files, folders or globs');
  const seen = new Set<string>();
  const out: InputFile[] = [];
  for (const arg of args) {
    for (const file of await filesOf(arg)) {
      if (seen.has(file)) continue;
      seen.add(file);
      out.push(await describeFile(file, format));
    }
  }
  if (out.length === 0) throw new TokenizerError('FILE_NOT_FOUND', `no input files match ${args.join(' ')}`);
  return out;
}

async function filesOf(arg: string): Promise<string[]> {
  const abs = path.resolve(arg);
  const info = await stat(abs).catch(() => undefined);
  if (info?.isFile()) return [abs];
  if (info?.isDirectory()) return sorted(await glob()('**/*', { cwd: abs, absolute: true, onlyFiles: true, dot: false }));
  if (/[*?[{]/.test(arg)) return sorted(await glob()(arg, { absolute: true, onlyFiles: true }));
  throw new TokenizerError('FILE_NOT_FOUND', `no such input file or folder: ${arg}`);
}

/** tinyglobby, loaded on first use: `import 'ferrotok'` should not pay for the corpus tools. */
function glob(): typeof import('tinyglobby').glob {
  return (require('tinyglobby') as typeof import('tinyglobby')).glob;
}

function sorted(files: string[]): string[] {
  return files.map((f) => path.resolve(f)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function describeFile(file: string, format: InputFormat | undefined): Promise<InputFile> {
  const info = await stat(file);
  const { compression, inner } = compressionOf(file);
  const detected = format ?? FORMAT[path.extname(inner).toLowerCase()] ?? 'text';
  if (detected === 'parquet' && compression !== 'none') {
    throw invalidArgument(`${file}: a Parquet file compresses its own pages; an outer ${compression} layer is not supported`);
  }
  return { path: file, size: info.size, mtimeMs: info.mtimeMs, format: detected, compression };
}

function compressionOf(file: string): { compression: Compression; inner: string } {
  const ext = path.extname(file).toLowerCase();
  const compression = COMPRESSION[ext];
  return compression === undefined ? { compression: 'none', inner: file } : { compression, inner: file.slice(0, -ext.length) };
}
