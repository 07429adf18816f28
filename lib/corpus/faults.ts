/**
 * Why a record is not a document, and where it is. The engine reports its faults by number
 * (native/src/corpus.rs `Fault`); the reader reports its own (too large, corrupt input).
 */
import { TokenizerError } from '../errors';

export type Fault =
  | 'invalid-utf8'
  | 'invalid-json'
  | 'missing-field'
  | 'not-a-string'
  | 'empty'
  | 'too-large'
  /** A compressed file that is truncated or damaged: the records before the damage are kept. */
  | 'corrupt-input';

/** Index = the engine's number. */
const ENGINE_FAULTS: readonly (Fault | undefined)[] = [
  undefined,
  'invalid-utf8',
  'invalid-json',
  'missing-field',
  'not-a-string',
  'empty',
  'too-large',
];

export function engineFault(n: number): Fault {
  return ENGINE_FAULTS[n] ?? 'invalid-json';
}

/** A record that is not a document, located: `file:line` (text, JSONL) or `file row N` (Parquet). */
export interface SkippedRecord {
  readonly file: string;
  /** 1-based line of a text or JSONL input, or 0-based row of a Parquet input. */
  readonly line?: number;
  readonly row?: number;
  readonly fault: Fault;
  readonly detail: string;
}

export function where(r: SkippedRecord): string {
  if (r.row !== undefined) return `${r.file} row ${r.row}`;
  return r.line === undefined ? r.file : `${r.file}:${r.line}`;
}

export function recordError(r: SkippedRecord): TokenizerError {
  return new TokenizerError(
    'CORPUS_INPUT_INVALID',
    `${where(r)}: ${r.fault}: ${r.detail} (fix the input, or pass --on-error skip / onError: 'skip' to skip such records; they are listed in manifest.json)`,
  );
}
