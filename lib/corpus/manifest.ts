/**
 * `manifest.json`: what a finished run holds, for people and for the training job that reads
 * it — inputs with their SHA-256, the tokenizer's, counts per shard, every skipped record
 * (the first MAX_LISTED; the counts are always exact). No timestamps: the same run gives the
 * same manifest, byte for byte.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../native';
import { type WrittenFile, writeAtomic } from './atomic';
import type { Fault, SkippedRecord } from './faults';
import type { RunSpec, ShardStats } from './spec';

export const MAX_LISTED = 100_000;

/** A shard as the manifest lists it: its stats, with the skipped records counted, not listed. */
export type ManifestShard = Pick<ShardStats, 'name' | 'files' | 'documents' | 'tokens' | 'inputBytes' | 'rows'> & {
  readonly skipped: number;
};

export interface Manifest {
  readonly ferrotok: string;
  readonly format: RunSpec['format'];
  readonly tokenType: string;
  readonly tokenizer: { readonly name: string; readonly sha256: string; readonly vocabSize: number };
  readonly options: {
    readonly field: string;
    readonly split: RunSpec['read']['split'];
    readonly addSpecialTokens: boolean;
    readonly specialTokens: string;
    readonly prepend: readonly number[];
    readonly append: readonly number[];
    readonly onError: RunSpec['onError'];
    readonly prefix: string;
  };
  readonly inputs: readonly { path: string; bytes: number; sha256: string; format: string; compression: string }[];
  readonly shards: readonly ManifestShard[];
  readonly totals: {
    readonly documents: number;
    readonly tokens: number;
    readonly inputBytes: number;
    readonly rows: number;
    readonly blankLines: number;
    readonly skipped: number;
    readonly skippedByFault: Partial<Record<Fault, number>>;
  };
  readonly skipped: readonly SkippedRecord[];
  /** Set when `skipped` lists only the first MAX_LISTED of `totals.skipped`. */
  readonly skippedTruncated?: true;
  readonly merged?: readonly WrittenFile[];
}

export function ferrotokVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: unknown };
  return String(pkg.version);
}

export async function writeManifest(spec: RunSpec, shards: readonly ShardStats[], merged?: readonly WrittenFile[]): Promise<Manifest> {
  const skipped = shards.flatMap((s) => s.skipped);
  const byFault: Partial<Record<Fault, number>> = {};
  for (const s of skipped) byFault[s.fault] = (byFault[s.fault] ?? 0) + 1;
  const known = new Map<string, string>();
  for (const s of shards) for (const [p, sha] of Object.entries(s.inputHashes ?? {})) known.set(p, sha);
  const inputs = [];
  for (const f of spec.inputs) {
    const sha256 = known.get(f.path) ?? (await sha256File(f.path));
    inputs.push({ path: f.path, bytes: f.size, sha256, format: f.format, compression: f.compression });
  }
  const sum = (k: 'documents' | 'tokens' | 'inputBytes' | 'rows' | 'blankLines'): number => shards.reduce((n, s) => n + s[k], 0);
  const manifest: Manifest = {
    ferrotok: ferrotokVersion(),
    format: spec.format,
    tokenType: spec.tokenType.name,
    tokenizer: { name: spec.tokenizer.name, sha256: spec.tokenizer.sha256, vocabSize: spec.tokenizer.vocabSize },
    options: {
      field: spec.read.field.join('.'),
      split: spec.read.split,
      addSpecialTokens: spec.encode.addSpecialTokens,
      specialTokens: spec.encode.specialTokens,
      prepend: spec.encode.prepend,
      append: spec.encode.append,
      onError: spec.onError,
      prefix: spec.prefix,
    },
    inputs,
    shards: shards.map((s) => ({
      name: s.name,
      files: s.files,
      documents: s.documents,
      tokens: s.tokens,
      inputBytes: s.inputBytes,
      rows: s.rows,
      skipped: s.skipped.length,
    })),
    totals: {
      documents: sum('documents'),
      tokens: sum('tokens'),
      inputBytes: sum('inputBytes'),
      rows: sum('rows'),
      blankLines: sum('blankLines'),
      skipped: skipped.length,
      skippedByFault: byFault,
    },
    skipped: skipped.slice(0, MAX_LISTED),
    ...(skipped.length > MAX_LISTED ? { skippedTruncated: true as const } : {}),
    ...(merged === undefined ? {} : { merged }),
  };
  await writeAtomic(spec.out, 'manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file, { highWaterMark: 1 << 20 })
      .on('data', (c) => hash.update(c))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
