/**
 * A corpus run spread over machines with BullMQ on Redis. The coordinator plans the run into
 * the shared output folder (its run.json) and adds one flow: a `finalize` job whose children
 * are the `shard` jobs. Workers — on any machine that sees the same input and output paths —
 * take shard jobs; when the last one is done BullMQ releases `finalize`, which merges (for
 * Megatron, if asked) and writes manifest.json.
 *
 * Why it is safe to kill a worker at any moment: a shard's files appear only complete
 * (atomic.ts); a killed worker's job returns to the queue once its lock expires (BullMQ's
 * stalled-job check) and is retried elsewhere; a retry first looks for the shard's marker
 * and reuses a complete shard; job ids derive from the run's fingerprint, so adding the same
 * run twice adds nothing. The shards are the bytes a single-machine run writes.
 *
 * bullmq is an optional peer dependency: only these commands load it.
 */
import { readdir, readFile } from 'node:fs/promises';
import type * as BullMQ from 'bullmq';
import { TokenizerError } from '../errors';
import type { Tokenizer } from '../tokenizer';
import type { Manifest } from './manifest';
import { finishRun, loadSpec, specTokenizer, type CorpusProgress } from './run';
import { doneShard, runShard } from './shard';
import { type RunSpec, type ShardStats, statePath } from './spec';

export const DEFAULT_QUEUE_NAME = 'ferrotok-corpus';

export interface QueueConnection {
  /** `redis://[user:password@]host:port[/db]` */
  readonly url: string;
  /** Default `ferrotok-corpus`. */
  readonly name?: string | undefined;
}

interface ShardJob {
  readonly out: string;
  readonly fingerprint: string;
  readonly index: number;
}

type FinalizeJob = Omit<ShardJob, 'index'>;

function bullmq(): typeof BullMQ {
  try {
    return require('bullmq') as typeof BullMQ;
  } catch (cause) {
    throw new TokenizerError('QUEUE_ERROR', 'the --queue mode needs the bullmq package: npm install bullmq', { cause });
  }
}

/** BullMQ connection options from a redis:// URL. */
export function connectionOf(url: string): BullMQ.ConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TokenizerError('INVALID_ARGUMENT', `the queue must be a redis:// URL, got '${url}'`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new TokenizerError('INVALID_ARGUMENT', `the queue must be a redis:// URL, got '${url}'`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port === '' ? 6379 : Number(u.port),
    db: Number.isInteger(db) ? db : 0,
    ...(u.username === '' ? {} : { username: decodeURIComponent(u.username) }),
    ...(u.password === '' ? {} : { password: decodeURIComponent(u.password) }),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

export interface EnqueueOptions {
  readonly attempts?: number;
  readonly onProgress?: (p: CorpusProgress) => void;
  readonly signal?: AbortSignal | undefined;
}

/** Adds the run's jobs and waits until a worker has written its manifest. */
export async function runOnQueue(spec: RunSpec, queue: QueueConnection, options: EnqueueOptions = {}): Promise<Manifest> {
  const { FlowProducer, QueueEvents, Job, Queue } = bullmq();
  const connection = connectionOf(queue.url);
  const queueName = queue.name ?? DEFAULT_QUEUE_NAME;
  const flows = new FlowProducer({ connection });
  const events = new QueueEvents(queueName, { connection });
  const q = new Queue(queueName, { connection });
  const parentId = `${spec.fingerprint}-finalize`;
  try {
    await events.waitUntilReady();
    const keep = { removeOnComplete: { age: 7 * 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } };
    await flows.add({
      name: 'finalize',
      queueName,
      data: { out: spec.out, fingerprint: spec.fingerprint } satisfies FinalizeJob,
      opts: { jobId: parentId, ...keep },
      children: spec.plan.shards.map((_, index) => ({
        name: 'shard',
        queueName,
        data: { out: spec.out, fingerprint: spec.fingerprint, index } satisfies ShardJob,
        opts: {
          jobId: `${spec.fingerprint}-shard-${index}`,
          attempts: options.attempts ?? 5,
          backoff: { type: 'exponential', delay: 1000 },
          failParentOnFailure: true,
          ...keep,
        },
      })),
    });
    const started = Date.now();
    const totalInputBytes = spec.inputs.reduce((n, f) => n + f.size, 0);
    for (;;) {
      if (options.signal?.aborted) throw new TokenizerError('ABORTED', 'stopped waiting for the queued run (its jobs stay queued)');
      const job = await Job.fromId(q, parentId);
      const state = job === undefined ? 'unknown' : await job.getState();
      if (state === 'completed') break;
      if (state === 'failed') {
        throw new TokenizerError(
          'QUEUE_ERROR',
          `the queued run failed: ${job?.failedReason ?? 'unknown reason'} (see the workers' output)`,
        );
      }
      if (options.onProgress !== undefined) {
        const done = await finishedShards(spec);
        options.onProgress({
          inputBytes: done.reduce((n, s) => n + s.inputBytes, 0),
          totalInputBytes,
          documents: done.reduce((n, s) => n + s.documents, 0),
          tokens: done.reduce((n, s) => n + s.tokens, 0),
          shardsDone: done.length,
          shards: spec.plan.shards.length,
          elapsedMs: Date.now() - started,
        });
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    return JSON.parse(await readFile(`${spec.out}/manifest.json`, 'utf8')) as Manifest;
  } finally {
    await Promise.allSettled([flows.close(), events.close(), q.close()]);
  }
}

async function finishedShards(spec: RunSpec): Promise<ShardStats[]> {
  const names = await readdir(statePath(spec.out, 'shards')).catch(() => [] as string[]);
  const out: ShardStats[] = [];
  for (let i = 0; i < spec.plan.shards.length && out.length < names.length; i++) {
    const s = await doneShard(spec, i);
    if (s !== undefined) out.push(s);
  }
  return out;
}

export interface WorkerOptions {
  readonly concurrency?: number | undefined;
  readonly threads?: number | undefined;
  /** How long a job stays claimed without a heartbeat (default 30 s): a killed worker's job is retried after it. */
  readonly lockDurationMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onEvent?: ((type: string, fields: Record<string, unknown>) => void) | undefined;
}

/** Processes shard and finalize jobs until `signal` aborts. */
export async function runWorker(queue: QueueConnection, options: WorkerOptions = {}): Promise<void> {
  const { Worker, UnrecoverableError } = bullmq();
  const lockDuration = options.lockDurationMs ?? 30_000;
  const tokenizers = new Map<string, Promise<Tokenizer>>();
  const tokenizerOf = (spec: RunSpec): Promise<Tokenizer> => {
    let t = tokenizers.get(spec.tokenizer.sha256);
    if (t === undefined) {
      t = specTokenizer(spec);
      tokenizers.set(spec.tokenizer.sha256, t);
      t.catch(() => tokenizers.delete(spec.tokenizer.sha256));
    }
    return t;
  };
  const specOf = async (data: FinalizeJob): Promise<RunSpec> => {
    const spec = await loadSpec(data.out);
    if (spec.fingerprint !== data.fingerprint) throw new UnrecoverableError(`${data.out} now holds another run; this job is stale`);
    return spec;
  };
  const emit = options.onEvent ?? (() => {});
  const worker = new Worker(
    queue.name ?? DEFAULT_QUEUE_NAME,
    async (job: BullMQ.Job) => {
      if (job.name === 'shard') {
        const data = job.data as ShardJob;
        const spec = await specOf(data);
        const reused = await doneShard(spec, data.index);
        emit('shard-start', { index: data.index, attempt: job.attemptsMade + 1, reused: reused !== undefined });
        const stats = reused ?? (await runShard(spec, data.index, await tokenizerOf(spec), { threads: options.threads }));
        emit('shard-done', { index: data.index, documents: stats.documents, tokens: stats.tokens });
        return { index: stats.index, documents: stats.documents, tokens: stats.tokens };
      }
      if (job.name === 'finalize') {
        const spec = await specOf(job.data as FinalizeJob);
        const stats: ShardStats[] = [];
        for (let i = 0; i < spec.plan.shards.length; i++) {
          const s = await doneShard(spec, i);
          if (s === undefined) throw new Error(`shard ${i} is not complete on disk; is the output folder shared with every worker?`);
          stats.push(s);
        }
        const manifest = await finishRun(spec, stats);
        emit('finalized', { out: spec.out, documents: manifest.totals.documents, tokens: manifest.totals.tokens });
        return manifest.totals;
      }
      throw new UnrecoverableError(`unknown job '${job.name}'`);
    },
    {
      connection: connectionOf(queue.url),
      concurrency: options.concurrency ?? 1,
      lockDuration,
      stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
      maxStalledCount: 5,
    },
  );
  worker.on('failed', (job, err) => emit('job-failed', { job: job?.id, name: job?.name, error: err.message }));
  worker.on('error', (err) => emit('error', { error: err.message }));
  await worker.waitUntilReady();
  emit('ready', { queue: queue.name ?? DEFAULT_QUEUE_NAME });
  await new Promise<void>((resolve) => {
    if (options.signal?.aborted) resolve();
    options.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await worker.close();
}
