#!/usr/bin/env node
/**
 * `npm run bench`: ferrotok beside the tokenizers a Node user would pick instead, same inputs,
 * one run, one report (benches/results/{latest.json,report.md,chart.svg}). See benches/README.md.
 *
 *   npm run bench -- [--quick] [--only a,b,...|docs,batch,...] [--peers name,...]
 *                    [--tokenizers llama3,gpt4o,...] [--out dir] [--report-only]
 *   (--out defaults to benches/results/, or benches/results/quick/ with --quick)
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCriterion } from './lib/criterion.mjs';
import { buildInputs } from './lib/inputs.mjs';
import { addonStamp, codeVersion, machineInfo, npmVersion } from './lib/machine.mjs';
import { MODES } from './lib/modes.mjs';
import { BENCHES, ROOT, TOKENIZERS, tokenizerSpec } from './lib/paths.mjs';
import { REF } from './lib/analyze.mjs';
import { selectPeers } from './lib/peers.mjs';
import { envOf, ensurePython, unavailableReason } from './lib/python.mjs';
import { renderReport } from './lib/report.mjs';
import { runChild } from './lib/runner.mjs';
import { renderChart } from './lib/svg.mjs';

const WORKLOADS = { a: 'docs', b: 'batch', c: 'latency', d: 'count', e: 'decode', f: 'load', g: 'memory', h: 'hostile', i: 'unique' };
const BATCH_THREADS = [1, 2];

const started = Date.now();
const log = (msg) => console.log(`[${((Date.now() - started) / 1e3).toFixed(0).padStart(4)}s] ${msg}`);

main().catch((e) => {
  console.error(e?.stack ?? e);
  process.exit(1);
});

async function main() {
  const args = cli();
  // a smoke run never overwrites the committed full results
  const outDir = resolve(args.out ?? join(BENCHES, 'results', args.quick ? 'quick' : ''));
  mkdirSync(outDir, { recursive: true });
  // --report-only redraws from latest.json with fresh criterion results (cargo bench may have
  // run since), so the engine rows can be brought up to date without re-measuring peers.
  if (args['report-only']) {
    const saved = JSON.parse(readFileSync(join(outDir, 'latest.json'), 'utf8'));
    return writeOutputs({ ...saved, criterion: loadCriterion() }, outDir, true);
  }

  const modeName = args.quick ? 'quick' : 'full';
  const mode = MODES[modeName];
  const workloads = parseWorkloads(args.only);
  const tokenizers = args.tokenizers ? args.tokenizers.split(',') : Object.keys(TOKENIZERS);
  tokenizers.forEach(tokenizerSpec); // validates names
  const peers = selectPeers(args.peers?.split(','));
  log(`${modeName} run: ${peers.length} peers × ${tokenizers.join(', ')}; workloads ${workloads?.join(', ') ?? 'all'}`);

  const inputsDir = mkdtempSync(join(os.tmpdir(), 'ferrotok-bench-'));
  try {
    const manifest = buildInputs(inputsDir, mode);
    const python = peers.some((p) => p.runtime === 'python') ? ensurePython(peers, log) : null;
    const meta = metadata({ modeName, mode, workloads, tokenizers, peers, python, manifest });
    const runs = await runAll(planJobs({ peers, tokenizers, workloads, python }), {
      mode,
      manifest,
      inputsDir,
      workloads,
      python,
      references: {},
    });
    meta.durationS = (Date.now() - started) / 1e3;
    meta.code.addonAtEnd = addonStamp();
    meta.machine.loadAvgAtEnd = os.loadavg().map((x) => +x.toFixed(2));
    writeOutputs({ meta, runs, criterion: loadCriterion() }, outDir, true);
  } finally {
    rmSync(inputsDir, { recursive: true, force: true });
  }
}

function cli() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      peers: { type: 'string' },
      tokenizers: { type: 'string' },
      out: { type: 'string' },
      'report-only': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      readFileSync(new URL(import.meta.url), 'utf8')
        .split('\n')
        .slice(2, 9)
        .map((l) => l.replace(/^ \*\/?/, ''))
        .join('\n'),
    );
    process.exit(0);
  }
  return values;
}

/** `--only a,c` or `--only docs,latency` → workload names; undefined means all. */
function parseWorkloads(only) {
  if (!only) return undefined;
  return only.split(',').map((w) => {
    const name = WORKLOADS[w] ?? (Object.values(WORKLOADS).includes(w) ? w : null);
    if (!name)
      throw new Error(
        `unknown workload ${w}; use ${Object.entries(WORKLOADS)
          .map(([k, v]) => `${k}|${v}`)
          .join(', ')}`,
      );
    return name;
  });
}

function wants(workloads, w) {
  return !workloads || workloads.includes(w);
}

/**
 * The job list, ferrotok first for each tokenizer: per (peer, tokenizer) one `main` process at
 * 1 thread (load, memory, agreement, docs, latency, count, decode, batch, hostile), plus a `batch`
 * process at 2 threads for libraries with a parallel batch API.
 */
function planJobs({ peers, tokenizers, workloads, python }) {
  const jobs = [];
  const add = (peer, tokenizer) => {
    const unavailable = peer.runtime === 'python' ? unavailableReason(python, peer) : undefined;
    const base = { peer, tokenizer, unavailable };
    jobs.push({ ...base, group: 'main', threads: 1 });
    if ((wants(workloads, 'batch') || wants(workloads, 'unique')) && peer.parallel) {
      for (const threads of BATCH_THREADS.filter((t) => t > 1)) jobs.push({ ...base, group: 'batch', threads });
    }
  };
  for (const tokenizer of tokenizers) {
    for (const peer of peers.filter((p) => p.tokenizers.includes(tokenizer))) add(peer, tokenizer);
  }
  for (const peer of peers.filter((p) => p.baseline)) add(peer, 'none');
  return jobs;
}

async function runAll(jobs, ctx) {
  const runs = [];
  for (const [i, job] of jobs.entries()) {
    const t = Date.now();
    const run = job.unavailable ? notAvailable(job) : await runJob(job, ctx);
    runs.push(run);
    const timedOut = Object.values(run.cases ?? {}).filter((c) => c.status === 'timed out').length;
    log(
      `${String(i + 1).padStart(3)}/${jobs.length} ${job.peer.name} ${job.tokenizer} ${job.group} ${job.threads}t: ${run.status}${timedOut ? `, ${timedOut} hostile case(s) timed out` : ''} (${((Date.now() - t) / 1e3).toFixed(1)}s)`,
    );
  }
  return runs;
}

function notAvailable(job) {
  return {
    peer: job.peer.name,
    tokenizer: job.tokenizer,
    group: job.group,
    threads: job.threads,
    status: `not available: ${job.unavailable}`,
  };
}

function childJob(job, ctx, extra = {}) {
  const tokenizer = job.tokenizer === 'none' ? { id: 'none' } : tokenizerSpec(job.tokenizer);
  let workloads = ctx.workloads;
  if (job.peer.baseline) workloads = (workloads ?? Object.values(WORKLOADS)).filter((w) => w !== 'hostile');
  const reference = job.peer.name === REF ? undefined : ctx.references[job.tokenizer];
  return {
    peer: job.peer.name,
    tokenizer,
    group: job.group,
    threads: job.threads,
    mode: ctx.mode,
    inputsDir: ctx.inputsDir,
    workloads,
    reference,
    skipAgreement: !!job.peer.baseline,
    ...extra,
  };
}

/**
 * ferrotok's per-sample hashes become the reference file every later peer on the tokenizer
 * compares with; latest.json keeps only the count (the hashes are large and say nothing alone).
 */
function keepReference(run, ctx) {
  const own = run.result?.check?.own;
  if (run.peer !== REF || !own) return;
  const path = join(ctx.inputsDir, `reference-${run.tokenizer}.json`);
  writeFileSync(path, JSON.stringify(own));
  ctx.references[run.tokenizer] = path;
  const selfCount = own.count.length ? own.count.filter((c, i) => c !== own.tokens[i]).length : null;
  run.result.check = { samples: run.result.check.samples, reference: true, countMismatches: selfCount };
}

/**
 * Runs a job. Hostile cases stream out one by one; when a case overruns its cap the child is
 * killed, that case is "timed out", larger sizes of the same kind are skipped, and a new child
 * (group `hostile`) takes the cases that are left. Every part received before stays.
 */
async function runJob(job, ctx) {
  const spawnOpts = {
    runtime: job.peer.runtime,
    python: envOf(ctx.python, job.peer)?.interpreter,
    threads: job.threads,
    timeoutMs: ctx.mode.childTimeoutMs,
    caseTimeoutMs: ctx.mode.hostileCapMs,
  };
  const all = ctx.manifest.hostile;
  const run = { peer: job.peer.name, tokenizer: job.tokenizer, group: job.group, threads: job.threads, status: 'ok', result: {} };
  let r = await runChild(childJob(job, ctx), spawnOpts);
  Object.assign(run.result, r.result);
  keepReference(run, ctx);
  if (job.group !== 'main' || job.peer.baseline || !wants(ctx.workloads, 'hostile')) {
    if (!r.done) run.status = r.error;
    return run;
  }
  run.cases = {};
  for (;;) {
    for (const c of r.cases) run.cases[c.id] = { status: 'ok', ...c };
    if (r.done) break;
    if (!r.ready) {
      run.status = r.error;
      break;
    } // died before the hostile inputs: no retry
    const remaining = all.filter((c) => !run.cases[c.id]);
    const culprit = remaining[0];
    run.cases[culprit.id] = r.killedFor === 'case-timeout' ? { status: 'timed out', capMs: ctx.mode.hostileCapMs } : { status: r.error };
    for (const c of remaining) {
      if (c.kind === culprit.kind && c.step > culprit.step) run.cases[c.id] = { status: 'skipped' };
    }
    const left = all.filter((c) => !run.cases[c.id]).map((c) => c.id);
    if (!left.length) break;
    r = await runChild(childJob({ ...job, group: 'hostile' }, ctx, { cases: left }), spawnOpts);
  }
  return run;
}

function metadata({ modeName, mode, workloads, tokenizers, peers, python, manifest }) {
  return {
    generatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    mode: modeName,
    modeSettings: mode,
    workloads,
    tokenizers,
    machine: machineInfo(),
    code: codeVersion(),
    python: python && {
      python: python.python,
      tokenizers: python.tokenizers,
      tiktoken: python.tiktoken,
      pins: python.pins,
      unavailable: python.unavailable,
      envs: Object.fromEntries(
        Object.entries(python.envs).map(([k, e]) => [
          k,
          { ...e, interpreter: e.interpreter && relative(ROOT, resolve(ROOT, e.interpreter)) },
        ]),
      ),
    },
    peers: peers.map((p) => ({
      name: p.name,
      label: p.label,
      kind: p.kind,
      api: p.api,
      tokenizers: p.tokenizers,
      version: p.runtime === 'python' ? (envOf(python, p)?.[p.module] ?? '–') : p.pkg ? npmVersion(p.pkg) : '–',
      unavailable: p.runtime === 'python' && p.module ? unavailableReason(python, p) : undefined,
    })),
    inputs: {
      docs: manifest.docs.map(({ name, bytes, chars }) => ({ name, bytes, chars })),
      prompts: { count: manifest.prompts.count, bytes: manifest.prompts.bytes },
      countPrompts: manifest.countPrompts,
      prompt100Bytes: Buffer.byteLength(manifest.prompt100),
      unique: { sources: manifest.unique.sources, sets: manifest.unique.sets.map(({ lines, bytes }) => ({ lines, bytes })) },
      samples: { count: manifest.samples.count, prompts: manifest.samples.prompts },
      hostile: manifest.hostile.map(({ paths, ...c }) => c),
    },
  };
}

function writeOutputs(data, outDir, fresh) {
  if (fresh) writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(data, null, 1)}\n`);
  writeFileSync(join(outDir, 'report.md'), renderReport(data));
  writeFileSync(join(outDir, 'chart.svg'), renderChart(data));
  const files = [...(fresh ? ['latest.json'] : []), 'report.md', 'chart.svg'];
  log(`wrote ${files.map((f) => relative(ROOT, join(outDir, f))).join(', ')}`);
}
