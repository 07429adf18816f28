/**
 * `encodeCorpus`: files in, training-ready token shards out. Plans the run from the inputs'
 * sizes (plan.ts), then encodes shard after shard (shard.ts; each on all cores), skipping
 * shards a killed earlier run already finished, and ends with manifest.json.
 */
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { statSync } from 'node:fs';
import path from 'node:path';
import { checkOptions, optionKeys } from '../check-options';
import { describe } from '../describe';
import { invalidArgument, TokenizerError } from '../errors';
import type { SpecialTokensMode } from '../options';
import { Tokenizer } from '../tokenizer';
import { removeStale, writeAtomic } from './atomic';
import { CorpusJob } from './job';
import { CORPUS_FORMATS, type CorpusFormat, tokenTypeFor } from './formats';
import { expandInputs, type InputFormat } from './inputs';
import { type Manifest, sha256File, writeManifest } from './manifest';
import { mergeMegatron } from './merge';
import { type DocumentSplit, makePlan } from './plan';
import { doneShard, runShard } from './shard';
import { makeSpec, type OnError, readSpec, type RunSpec, type ShardStats, shardName, statePath } from './spec';

export interface CorpusOptions {
  /** Files, folders (read recursively, sorted) and globs. */
  inputs: readonly string[];
  /** The output folder (created if missing). */
  out: string;
  /** Default `'megatron'`. */
  format?: CorpusFormat;
  /** A tokenizer.json or a folder holding one (default: the bundled one), or a loaded Tokenizer. */
  tokenizer?: string | Tokenizer;
  /** How to read the inputs; default: from each file's extension (.jsonl, .parquet, else text). */
  inputFormat?: InputFormat;
  /** JSONL: the key path of the text (`a.b` for nested); Parquet: the column. Default `'text'`. */
  field?: string;
  /** Text inputs: one document per line (default), per blank-line-separated block, or per file. */
  split?: DocumentSplit;
  /** Add the special tokens the tokenizer's post-processor adds (as `encode` does). Default false. */
  addSpecialTokens?: boolean;
  /** Special-token strings in the text: `'allow'` (default, as Hugging Face does), `'plain'`, `'error'`. */
  specialTokens?: SpecialTokensMode;
  /** Put BOS before every document: `true` for the tokenizer's BOS token, or a token string. */
  prependBos?: boolean | string;
  /** Put EOS after every document (Megatron's `--append-eod`): `true` for the tokenizer's EOS
   * (its SEP when it has none, as Megatron does), or a token string. */
  appendEos?: boolean | string;
  /** Engine threads; default every core. The output does not depend on it. */
  threads?: number;
  /** Input bytes per engine call (default 4 MiB); two are in flight. The output does not depend on it. */
  batchBytes?: number;
  /** Input bytes per shard (default 512 MiB). Compressed files and whole-file documents are not cut. */
  shardSize?: number;
  /** Shard file names: `<prefix>_00000.bin`, ... Default `'corpus'`. */
  prefix?: string;
  /** A record that is not a document: `'fail'` (default, with its file and line) or `'skip'` (listed in the manifest). */
  onError?: OnError;
  /** Megatron: also write one `<prefix>.bin/.idx` pair holding every shard. */
  merge?: boolean;
  /** Start over when `out` holds a different run, instead of failing with CORPUS_OUTPUT_CONFLICT. */
  overwrite?: boolean;
  signal?: AbortSignal;
}

export interface CorpusProgress {
  readonly inputBytes: number;
  readonly totalInputBytes: number;
  readonly documents: number;
  readonly tokens: number;
  readonly shardsDone: number;
  readonly shards: number;
  readonly elapsedMs: number;
}

export interface CorpusResult {
  readonly out: string;
  readonly manifest: Manifest;
  /** Shards found complete from an earlier, interrupted run and kept. */
  readonly resumedShards: number;
}

const CORPUS_KEYS = optionKeys<CorpusOptions>({
  inputs: true,
  out: true,
  format: true,
  tokenizer: true,
  inputFormat: true,
  field: true,
  split: true,
  addSpecialTokens: true,
  specialTokens: true,
  prependBos: true,
  appendEos: true,
  threads: true,
  batchBytes: true,
  shardSize: true,
  prefix: true,
  onError: true,
  merge: true,
  overwrite: true,
  signal: true,
});

export const DEFAULT_SHARD_SIZE = 512 << 20;

export { CorpusJob };

/** Encodes whole corpora into token shards. See CorpusOptions; the README has the formats. */
export function encodeCorpus(options: CorpusOptions): CorpusJob {
  return new CorpusJob((job) => runCorpus(options, job));
}

/** The work of one local `encodeCorpus` job (encode.ts starts it without importing this module). */
export async function runCorpus(options: CorpusOptions, job: CorpusJob): Promise<CorpusResult> {
  const { spec, tokenizer } = await prepareRun(options);
  return runLocally(spec, tokenizer, options, job);
}

async function runLocally(spec: RunSpec, tok: Tokenizer, options: CorpusOptions, job: CorpusJob): Promise<CorpusResult> {
  await removeStale(spec.out);
  const started = Date.now();
  const totalInputBytes = spec.inputs.reduce((n, f) => n + f.size, 0);
  const progress = { inputBytes: 0, documents: 0, tokens: 0, shardsDone: 0 };
  const emit = (): void => {
    job.emit('progress', { ...progress, totalInputBytes, shards: spec.plan.shards.length, elapsedMs: Date.now() - started });
  };
  const stats: ShardStats[] = [];
  let resumed = 0;
  for (let i = 0; i < spec.plan.shards.length; i++) {
    let shard = await doneShard(spec, i);
    if (shard !== undefined) {
      resumed++;
      progress.inputBytes += shard.inputBytes;
    } else {
      const before = progress.inputBytes;
      shard = await runShard(spec, i, tok, {
        threads: options.threads,
        batchBytes: options.batchBytes,
        signal: options.signal,
        onProgress: (d) => {
          progress.inputBytes += d.inputBytes;
          progress.documents += d.documents;
          progress.tokens += d.tokens;
          emit();
        },
      });
      progress.inputBytes = before + shard.inputBytes;
      progress.documents -= shard.documents;
      progress.tokens -= shard.tokens;
    }
    progress.documents += shard.documents;
    progress.tokens += shard.tokens;
    progress.shardsDone++;
    stats.push(shard);
    job.emit('shard', shard);
    emit();
  }
  const manifest = await finishRun(spec, stats);
  return { out: spec.out, manifest, resumedShards: resumed };
}

/** The last step, local or queued: merge if asked, then the manifest. */
export async function finishRun(spec: RunSpec, stats: readonly ShardStats[]): Promise<Manifest> {
  await removeStale(spec.out);
  const merged =
    spec.merge && spec.format === 'megatron'
      ? await mergeMegatron(
          spec.out,
          spec.prefix,
          stats.map((s) => s.name),
          spec.tokenType,
        )
      : undefined;
  return writeManifest(spec, stats, merged);
}

/**
 * Checks the options, loads the tokenizer, plans the run and writes its spec into `out`
 * (keeping the shards of an interrupted run with the same spec).
 */
export async function prepareRun(options: CorpusOptions): Promise<{ spec: RunSpec; tokenizer: Tokenizer }> {
  checkOptions(options, CORPUS_KEYS);
  if (options === undefined || options === null) throw invalidArgument('encodeCorpus needs options: { inputs, out }');
  const o = normalize(options);
  const out = path.resolve(o.out);
  await mkdir(statePath(out, 'shards'), { recursive: true });
  const { tokenizer, name, source } = await loadTokenizer(options.tokenizer);
  const tokenizerCopy = statePath(out, 'tokenizer.json');
  if (source !== tokenizerCopy) {
    if (source === undefined) await writeAtomic(statePath(out), 'tokenizer.json', tokenizer.toTokenizerJson());
    else await copyFile(source, tokenizerCopy);
  }
  const inputs = await expandInputs(o.inputs, o.inputFormat);
  const vocabSize = tokenizer.vocabSize;
  const spec = makeSpec({
    out,
    prefix: o.prefix,
    format: o.format,
    tokenType: tokenTypeFor(o.format, vocabSize),
    tokenizer: { path: tokenizerCopy, sha256: await sha256File(tokenizerCopy), name, vocabSize },
    inputs,
    plan: await makePlan(inputs, o.shardSize, o.split),
    read: { split: o.split, field: o.field.split('.') },
    encode: {
      addSpecialTokens: o.addSpecialTokens,
      specialTokens: o.specialTokens,
      prepend: frame(tokenizer, options.prependBos, 'bos', 'prependBos'),
      append: frame(tokenizer, options.appendEos, 'eos', 'appendEos'),
    },
    onError: o.onError,
    merge: o.merge,
  });
  await claimOutput(spec, o.overwrite);
  return { spec, tokenizer };
}

interface Normalized {
  inputs: readonly string[];
  out: string;
  format: CorpusFormat;
  inputFormat: InputFormat | undefined;
  field: string;
  split: DocumentSplit;
  addSpecialTokens: boolean;
  specialTokens: SpecialTokensMode;
  shardSize: number;
  prefix: string;
  onError: OnError;
  merge: boolean;
  overwrite: boolean;
}

function normalize(o: CorpusOptions): Normalized {
  if (!Array.isArray(o.inputs) || o.inputs.some((i) => typeof i !== 'string')) {
    throw invalidArgument(`inputs must be an array of paths or globs, got ${describe(o.inputs)}`);
  }
  if (typeof o.out !== 'string' || o.out === '') throw invalidArgument(`out must be a folder path, got ${describe(o.out)}`);
  const format = oneOf(o.format, CORPUS_FORMATS, 'format') ?? 'megatron';
  const merge = bool(o.merge, 'merge');
  if (merge && format !== 'megatron') throw invalidArgument(`merge applies to the megatron format only, not ${format}`);
  const prefix = o.prefix ?? 'corpus';
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(prefix)) {
    throw invalidArgument(`prefix must be a file name stem (letters, digits, . _ -), got ${describe(o.prefix)}`);
  }
  const field = o.field ?? 'text';
  if (typeof field !== 'string' || field === '' || field.split('.').some((k) => k === '')) {
    throw invalidArgument(`field must be a key or key path such as 'text' or 'meta.text', got ${describe(o.field)}`);
  }
  const shardSize = o.shardSize ?? DEFAULT_SHARD_SIZE;
  if (!Number.isSafeInteger(shardSize) || shardSize < 1)
    throw invalidArgument(`shardSize must be a positive whole number of bytes, got ${describe(o.shardSize)}`);
  if (o.batchBytes !== undefined && (!Number.isSafeInteger(o.batchBytes) || o.batchBytes < 1 || o.batchBytes > 1 << 30)) {
    throw invalidArgument(`batchBytes must be a whole number of bytes from 1 to 2^30, got ${describe(o.batchBytes)}`);
  }
  if (o.threads !== undefined && (!Number.isInteger(o.threads) || o.threads < 1 || o.threads > 256)) {
    throw invalidArgument(`threads must be a whole number from 1 to 256, got ${describe(o.threads)}`);
  }
  return {
    inputs: o.inputs,
    out: o.out,
    format,
    inputFormat: oneOf(o.inputFormat, ['text', 'jsonl', 'parquet'] as const, 'inputFormat'),
    field,
    split: oneOf(o.split, ['line', 'blank-line', 'file'] as const, 'split') ?? 'line',
    addSpecialTokens: bool(o.addSpecialTokens, 'addSpecialTokens'),
    specialTokens: oneOf(o.specialTokens, ['allow', 'plain', 'error'] as const, 'specialTokens') ?? 'allow',
    shardSize,
    prefix,
    onError: oneOf(o.onError, ['skip', 'fail'] as const, 'onError') ?? 'fail',
    merge,
    overwrite: bool(o.overwrite, 'overwrite'),
  };
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], name: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw invalidArgument(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`);
}

function bool(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalidArgument(`${name} must be a boolean, got ${describe(value)}`);
  return value;
}

/** The ids to put around each document for `prependBos` / `appendEos`. */
function frame(tok: Tokenizer, value: boolean | string | undefined, role: 'bos' | 'eos', name: string): number[] {
  if (value === undefined || value === false) return [];
  if (value === true) {
    // Megatron's EOD is the EOS token, or SEP for a tokenizer without one (BERT).
    const t = tok.specialTokens[role] ?? (role === 'eos' ? tok.specialTokens.sep : undefined);
    if (t?.id === undefined) {
      throw invalidArgument(
        `${name}: the tokenizer's config names no ${role.toUpperCase()} token; give the token itself, e.g. ${name}: '<|endoftext|>'`,
      );
    }
    return [t.id];
  }
  if (typeof value !== 'string') throw invalidArgument(`${name} must be true or a token string, got ${describe(value)}`);
  const id = tok.tokenToId(value);
  if (id === undefined) throw invalidArgument(`${name}: the vocabulary has no token ${JSON.stringify(value)}`);
  return [id];
}

async function loadTokenizer(
  t: string | Tokenizer | undefined,
): Promise<{ tokenizer: Tokenizer; name: string; source: string | undefined }> {
  if (t instanceof Tokenizer) return { tokenizer: t, name: 'Tokenizer', source: undefined };
  const given = t ?? path.join(__dirname, '..', '..', '..', 'models', 'default');
  if (typeof given !== 'string') throw invalidArgument(`tokenizer must be a path or a Tokenizer, got ${describe(t)}`);
  const resolved = path.resolve(given);
  const file = isDirectory(resolved) ? path.join(resolved, 'tokenizer.json') : resolved;
  const tokenizer = await Tokenizer.fromFile(resolved);
  return { tokenizer, name: t === undefined ? 'ferrotok/default' : given, source: file };
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Records the spec in `out`. A folder that holds another run (different inputs, tokenizer or
 * options) is refused, unless `overwrite`: then that run's shards and state are removed.
 */
async function claimOutput(spec: RunSpec, overwrite: boolean): Promise<void> {
  const previous = await readSpec(spec.out);
  if (previous !== undefined && previous.fingerprint !== spec.fingerprint) {
    if (!overwrite) {
      throw new TokenizerError(
        'CORPUS_OUTPUT_CONFLICT',
        `${spec.out} holds shards of another run (different inputs, tokenizer or options); choose another folder, or pass --overwrite / overwrite: true to replace them`,
      );
    }
    await removeRun(previous);
  }
  await writeAtomic(statePath(spec.out), 'run.json', `${JSON.stringify(spec)}\n`);
}

async function removeRun(previous: RunSpec): Promise<void> {
  const names = new Set(previous.plan.shards.map((_, i) => shardName(previous, i)));
  for (const entry of await readdir(previous.out)) {
    const stem = entry.replace(/\.(bin|idx|ds(\.index|\.metadata)?|ids\.npy|offsets\.npy)$/, '');
    if (names.has(stem) || entry === 'manifest.json' || (previous.merge && stem === previous.prefix)) {
      await rm(path.join(previous.out, entry), { force: true });
    }
  }
  await rm(statePath(previous.out, 'shards'), { recursive: true, force: true });
  await mkdir(statePath(previous.out, 'shards'), { recursive: true });
}

/** The spec a run left in `out`, for workers and resumed runs. */
export async function loadSpec(out: string): Promise<RunSpec> {
  const spec = await readSpec(out);
  if (spec === undefined) throw new TokenizerError('FILE_NOT_FOUND', `${out} holds no corpus run (.ferrotok/run.json is missing)`);
  return spec;
}

/** The tokenizer a spec names, checked against its SHA-256 (a worker on another machine must use the same one). */
export async function specTokenizer(spec: RunSpec): Promise<Tokenizer> {
  const bytes = await readFile(spec.tokenizer.path);
  const { createHash } = await import('node:crypto');
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== spec.tokenizer.sha256) {
    throw new TokenizerError(
      'CORPUS_OUTPUT_CONFLICT',
      `${spec.tokenizer.path} is not the tokenizer this run was planned with (SHA-256 differs)`,
    );
  }
  return Tokenizer.fromFile(spec.tokenizer.path);
}
