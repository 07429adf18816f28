/**
 * The spec of a corpus run: everything a shard needs, resolved once by the coordinator and
 * stored as `<out>/.ferrotok/run.json`, so a resumed run and every queue worker (on any
 * machine that sees the same paths) tokenize the same pieces the same way. Its fingerprint
 * names the run: shards done under another fingerprint are never taken as done.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SpecialTokensMode } from '../options';
import type { SkippedRecord } from './faults';
import type { CorpusFormat, TokenType } from './formats';
import type { InputFile } from './inputs';
import type { DocumentSplit, Plan } from './plan';
import type { WrittenFile } from './atomic';

export type OnError = 'skip' | 'fail';

export interface RunSpec {
  readonly version: 1;
  readonly fingerprint: string;
  /** Absolute. */
  readonly out: string;
  readonly prefix: string;
  readonly format: CorpusFormat;
  readonly tokenType: TokenType;
  readonly tokenizer: {
    /** Absolute path of the tokenizer.json every worker loads. */
    readonly path: string;
    readonly sha256: string;
    /** As given (a path or a Hub repo id), for datatrove's metadata and the manifest. */
    readonly name: string;
    readonly vocabSize: number;
  };
  readonly inputs: readonly InputFile[];
  readonly plan: Plan;
  readonly read: { readonly split: DocumentSplit; readonly field: readonly string[] };
  readonly encode: {
    readonly addSpecialTokens: boolean;
    readonly specialTokens: SpecialTokensMode;
    readonly prepend: readonly number[];
    readonly append: readonly number[];
  };
  readonly onError: OnError;
  /** Megatron only: also write one `<prefix>.bin/.idx` holding every shard. */
  readonly merge: boolean;
}

export type SpecBody = Omit<RunSpec, 'fingerprint' | 'version'>;

/** What identifies a run's output: everything but the output folder itself. */
export function fingerprintOf(body: SpecBody): string {
  const { out: _out, ...rest } = body;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 32);
}

export function makeSpec(body: SpecBody): RunSpec {
  return { version: 1, fingerprint: fingerprintOf(body), ...body };
}

export const STATE_DIR = '.ferrotok';

export function statePath(out: string, ...parts: string[]): string {
  return path.join(out, STATE_DIR, ...parts);
}

export async function readSpec(out: string): Promise<RunSpec | undefined> {
  const text = await readFile(statePath(out, 'run.json'), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as RunSpec);
}

export function shardName(spec: Pick<RunSpec, 'prefix'>, index: number): string {
  return `${spec.prefix}_${String(index).padStart(5, '0')}`;
}

/** What one finished shard holds; stored beside the run as `.ferrotok/shards/<name>.json`. */
export interface ShardStats {
  readonly index: number;
  readonly name: string;
  readonly files: readonly WrittenFile[];
  readonly documents: number;
  readonly tokens: number;
  /** Input bytes of the shard's text and JSONL pieces (compressed size for a compressed file). */
  readonly inputBytes: number;
  /** Rows of the shard's Parquet pieces. */
  readonly rows: number;
  readonly blankLines: number;
  readonly skipped: readonly SkippedRecord[];
  /** SHA-256 of the inputs this shard read whole, by path (the manifest reuses them). */
  readonly inputHashes?: Readonly<Record<string, string>>;
}
