/** `ferrotok corpus` and `ferrotok worker`: corpora to token shards, on one machine or many. */
import { CORPUS_FORMATS, type CorpusFormat } from '../corpus/formats';
import type { InputFormat } from '../corpus/inputs';
import type { Manifest } from '../corpus/manifest';
import type { DocumentSplit } from '../corpus/plan';
import { DEFAULT_QUEUE_NAME, runOnQueue, runWorker } from '../corpus/queue';
import { type CorpusOptions, type CorpusResult, encodeCorpus, prepareRun } from '../corpus/run';
import type { OnError } from '../corpus/spec';
import { byteSize, choice, positiveInt } from './args';
import { COMMON_HELP, type Command } from './command';
import type { Context } from './context';
import { PROGRESS_MODES, type ProgressMode, reporter } from './progress';

export const corpus: Command = {
  name: 'corpus',
  summary: 'tokenize whole corpora (text, JSONL, Parquet; gzip, zstd) into training shards',
  options: [
    'out',
    'format',
    'field',
    'split',
    'input-format',
    'add-special-tokens',
    'append-eos',
    'prepend-bos',
    'eos-token',
    'bos-token',
    'threads',
    'shard-size',
    'prefix',
    'on-error',
    'merge',
    'overwrite',
    'progress',
    'queue',
    'queue-name',
  ],
  help: `Usage: ferrotok corpus FILE... --out DIR [--format megatron|datatrove|npy] [options]

Tokenizes every document of the inputs (files, folders, globs; .gz and .zst are read
through) into shards training code reads, on all cores. Without special-token options a
document is encodeIds(text, { addSpecialTokens: false }). Stops at the first record that
is not a document (invalid UTF-8 or JSON, missing or non-string field, empty), naming its
file and line, unless --on-error skip. Run it again after a crash or kill: finished shards
are kept, the rest redone. DIR/manifest.json lists inputs, shards, counts, skipped records.

Input:
  --input-format F   text, jsonl or parquet (default: from the extension; .jsonl .ndjson
                     .json are JSONL, .parquet Parquet, anything else text)
  --field KEY        JSONL key (a.b for nested) or Parquet column of the text (default text)
  --split S          text inputs: line (default), blank-line (blocks between empty
                     lines) or file (one document per file)
Output:
  -o, --out DIR      output folder (required)
  --format F         megatron (default: <prefix>_00000.bin/.idx), datatrove (.ds,
                     .ds.index, .ds.metadata) or npy (.ids.npy + .offsets.npy)
  --prefix NAME      shard name stem (default corpus)
  --shard-size SIZE  input per shard, e.g. 256MB, 2GiB (default 512MiB); a compressed
                     file, or a document per file, is never cut
  --merge            megatron: also write one <prefix>.bin/.idx holding every shard
  --overwrite        replace the shards of a different run found in DIR
Documents:
  --append-eos       end every document with the tokenizer's EOS (Megatron --append-eod)
  --eos-token T      ... with token T instead (implies --append-eos)
  --prepend-bos      start every document with the tokenizer's BOS
  --bos-token T      ... with token T instead (implies --prepend-bos)
  --add-special-tokens
                     add what the tokenizer's post-processor adds (as encode does)
  --on-error E       fail (default) or skip records that are not documents
Running:
  --threads N        engine threads (default: every core); the output does not depend on it
  --progress P       bar (default on a terminal), json (events on stderr) or none
  --queue URL        redis://host:port: add the run to a BullMQ queue on Redis and wait
                     while \`ferrotok worker\` processes (here or on other machines that
                     see the same paths); the result is the same bytes
  --queue-name NAME  BullMQ queue name (default ${DEFAULT_QUEUE_NAME})
  --json             print the manifest's totals and shards as JSON at the end
${COMMON_HELP}
`,
  async run(ctx) {
    const options = await corpusOptions(ctx);
    const report = reporter(ctx.io, choice<ProgressMode>(ctx.option('progress'), PROGRESS_MODES, '--progress', 'corpus'));
    const queue = ctx.option('queue');
    let manifest: Manifest;
    let resumed = 0;
    try {
      if (queue === undefined) {
        const job = encodeCorpus(options);
        job.on('progress', (p) => report.update(p));
        job.on('shard', (s) => report.event('shard', { name: s.name, documents: s.documents, tokens: s.tokens }));
        const result: CorpusResult = await job;
        manifest = result.manifest;
        resumed = result.resumedShards;
      } else {
        const { spec } = await prepareRun(options);
        report.event('queued', { queue, shards: spec.plan.shards.length });
        manifest = await runOnQueue(spec, { url: queue, name: ctx.option('queue-name') }, { onProgress: (p) => report.update(p) });
      }
    } finally {
      report.stop();
    }
    printSummary(ctx, manifest, resumed);
  },
};

async function tokenizerPath(ctx: Context): Promise<string> {
  const source = ctx.tokenizerSource;
  if (source.kind === 'path') return source.path;
  const { resolvePretrained } = require('../hub') as typeof import('../hub');
  return resolvePretrained(source.repoId, source.revision === undefined ? {} : { revision: source.revision });
}

async function corpusOptions(ctx: Context): Promise<CorpusOptions> {
  const cmd = 'corpus';
  const out = ctx.option('out');
  if (out === undefined) throw ctx.usageError('--out DIR is required');
  if (ctx.args.length === 0) throw ctx.usageError('give the input files, folders or globs');
  const eos = ctx.option('eos-token');
  const bos = ctx.option('bos-token');
  const threads = ctx.option('threads');
  const shardSize = ctx.option('shard-size');
  const options: CorpusOptions = {
    inputs: ctx.args,
    out,
    format: choice<CorpusFormat>(ctx.option('format'), CORPUS_FORMATS, '--format', cmd) ?? 'megatron',
    ...defined('inputFormat', choice<InputFormat>(ctx.option('input-format'), ['text', 'jsonl', 'parquet'], '--input-format', cmd)),
    ...defined('field', ctx.option('field')),
    ...defined('split', choice<DocumentSplit>(ctx.option('split'), ['line', 'blank-line', 'file'], '--split', cmd)),
    addSpecialTokens: ctx.flag('add-special-tokens'),
    ...(eos !== undefined ? { appendEos: eos } : ctx.flag('append-eos') ? { appendEos: true } : {}),
    ...(bos !== undefined ? { prependBos: bos } : ctx.flag('prepend-bos') ? { prependBos: true } : {}),
    ...defined('threads', threads === undefined ? undefined : positiveInt(threads, '--threads', cmd)),
    ...defined('shardSize', shardSize === undefined ? undefined : byteSize(shardSize, '--shard-size', cmd)),
    ...defined('prefix', ctx.option('prefix')),
    ...defined('onError', choice<OnError>(ctx.option('on-error'), ['skip', 'fail'], '--on-error', cmd)),
    merge: ctx.flag('merge'),
    overwrite: ctx.flag('overwrite'),
  };
  return { ...options, tokenizer: await tokenizerPath(ctx) };
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function printSummary(ctx: Context, m: Manifest, resumed: number): void {
  if (ctx.flag('json')) {
    ctx.print(JSON.stringify({ totals: m.totals, shards: m.shards, tokenType: m.tokenType, format: m.format }));
    return;
  }
  const t = m.totals;
  const kept = resumed > 0 ? `, ${resumed} kept from an earlier run` : '';
  ctx.print(`${t.documents} documents, ${t.tokens} tokens (${m.tokenType}) in ${m.shards.length} ${m.format} shard(s)${kept}`);
  if (t.skipped > 0) ctx.print(`${t.skipped} record(s) skipped: see manifest.json`);
}

export const worker: Command = {
  name: 'worker',
  summary: 'process queued corpus shards (BullMQ on Redis) until stopped',
  options: ['queue', 'queue-name', 'concurrency', 'threads', 'lock-duration', 'progress'],
  help: `Usage: ferrotok worker --queue redis://host:port [options]

Takes shard jobs that \`ferrotok corpus --queue\` added and writes them into the run's
output folder, which must be the same path on every machine (shared storage), as must the
inputs. Run as many as you like, on as many machines; stop one with Ctrl-C or SIGTERM (it
finishes its current jobs) or kill it: its job returns to the queue after the lock
duration and another worker redoes it. Nothing partial is ever left under a final name.

Options:
  --queue URL          redis://[user:password@]host:port[/db] (required)
  --queue-name NAME    BullMQ queue name (default ${DEFAULT_QUEUE_NAME})
  --concurrency N      shard jobs at once in this process (default 1; each uses --threads)
  --threads N          engine threads per job (default: every core)
  --lock-duration MS   how long a job stays claimed without a heartbeat (default 30000):
                       a killed worker's job is retried after it
  --progress json      print job events as JSON lines on stderr
${COMMON_HELP}
`,
  async run(ctx) {
    const queue = ctx.option('queue');
    if (queue === undefined) throw ctx.usageError('--queue redis://host:port is required');
    const n = (flag: 'concurrency' | 'threads' | 'lock-duration'): number | undefined => {
      const v = ctx.option(flag);
      return v === undefined ? undefined : positiveInt(v, `--${flag}`, 'worker');
    };
    const json = choice<ProgressMode>(ctx.option('progress'), PROGRESS_MODES, '--progress', 'worker') === 'json';
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await runWorker(
        { url: queue, name: ctx.option('queue-name') },
        {
          concurrency: n('concurrency'),
          threads: n('threads'),
          lockDurationMs: n('lock-duration'),
          signal: stop.signal,
          onEvent: (type, fields) => {
            if (json) ctx.io.stderr(`${JSON.stringify({ type, pid: process.pid, ...fields })}\n`);
            else if (type === 'job-failed' || type === 'error') ctx.io.stderr(`ferrotok worker: ${type}: ${JSON.stringify(fields)}\n`);
          },
        },
      );
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
