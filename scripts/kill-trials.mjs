#!/usr/bin/env node
/**
 * SIGKILL trials for `ferrotok corpus` (issue 17): kill runs at random moments, run again,
 * and require output byte-identical to an uninterrupted run.
 *
 *   node scripts/kill-trials.mjs [--trials 20] [--mb 24] [--seed 1] [--queue]
 *
 * Local: each trial kills `ferrotok corpus` after a random delay, checks that no file under
 * its final name is partial (every final-named shard file matches the reference), reruns it
 * to completion, and compares every output file. --queue: a redis-server on a free port,
 * two workers; each trial kills one worker at a random moment (and starts a replacement),
 * sometimes the coordinator too (then adds the run again), and compares.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'ferrotok.js');
const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '20' },
    mb: { type: 'string', default: '24' },
    seed: { type: 'string', default: '1' },
    queue: { type: 'boolean', default: false },
  },
});
let seed = Number(args.seed);
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const dir = mkdtempSync(path.join(os.tmpdir(), 'ferrotok-kill-'));
const input = path.join(dir, 'in.jsonl');
const lines = readFileSync(path.join(ROOT, '..', 'shared', 'corpus', 'multilingual.txt'), 'utf8')
  .split('\n')
  .filter(Boolean);
const docs = [];
for (let i = 0, n = 0; n < Number(args.mb) * 1e6; i++) {
  const line = JSON.stringify({ text: `${i} ${lines[i % lines.length]}` });
  docs.push(line);
  n += line.length + 1;
}
writeFileSync(input, `${docs.join('\n')}\n`);
const common = [input, '--shard-size', '2MB', '--append-eos', '--merge', '--progress', 'none'];

const run = (out, extra = []) => spawnSync(process.execPath, [BIN, 'corpus', ...common, '--out', out, ...extra], { encoding: 'utf8' });
const outputs = (out) => (existsSync(out) ? readdirSync(out) : []).filter((f) => f !== '.ferrotok' && !f.includes('.tmp-'));

const reference = path.join(dir, 'reference');
const ref = run(reference);
if (ref.status !== 0) throw new Error(ref.stderr);
const refFiles = outputs(reference).sort();

/** Every final-named file equals the reference's: nothing partial under a final name. */
function checkPartial(out) {
  for (const f of outputs(out)) {
    if (f === 'manifest.json' || f.startsWith('corpus.')) continue; // written last, atomically
    if (!readFileSync(path.join(out, f)).equals(readFileSync(path.join(reference, f)))) return `partial or wrong ${f}`;
  }
  return null;
}

function compare(out) {
  const files = outputs(out).sort();
  if (files.join() !== refFiles.join()) return `files differ: ${files.join(' ')}`;
  for (const f of files) if (!readFileSync(path.join(out, f)).equals(readFileSync(path.join(reference, f)))) return `${f} differs`;
  return null;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A child and a promise of its exit code, made at spawn (so an early exit is not missed). */
function start(argv) {
  const child = spawn(process.execPath, argv, { stdio: 'ignore' });
  child.exited = new Promise((r) => child.once('exit', (code) => r(code)));
  return child;
}

async function localTrial(i, maxDelay) {
  const out = path.join(dir, `local-${i}`);
  const child = start([BIN, 'corpus', ...common, '--out', out]);
  const delay = Math.floor(random() * maxDelay);
  await sleep(delay);
  child.kill('SIGKILL');
  await child.exited;
  const partial = checkPartial(out);
  const again = run(out);
  const problem = partial ?? (again.status !== 0 ? `rerun failed: ${again.stderr}` : compare(out));
  rmSync(out, { recursive: true, force: true });
  return { trial: i, killedAfterMs: delay, ok: problem === null, problem };
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function queueTrials(n, maxDelay) {
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  await sleep(300);
  const url = `redis://127.0.0.1:${port}`;
  const worker = () =>
    spawn(process.execPath, [BIN, 'worker', '--queue', url, '--threads', '1', '--lock-duration', '1500'], { stdio: 'ignore' });
  let workers = [worker(), worker()];
  const results = [];
  try {
    for (let i = 0; i < n; i++) {
      const out = path.join(dir, `queue-${i}`);
      const started = Date.now();
      let coordinator = start([BIN, 'corpus', ...common, '--out', out, '--queue', url]);
      const delay = Math.floor(random() * maxDelay);
      await sleep(delay);
      const victim = Math.floor(random() * workers.length);
      workers[victim].kill('SIGKILL');
      workers[victim] = worker();
      const alsoCoordinator = random() < 0.3;
      if (alsoCoordinator) {
        coordinator.kill('SIGKILL');
        await coordinator.exited;
        coordinator = start([BIN, 'corpus', ...common, '--out', out, '--queue', url]);
      }
      const code = await coordinator.exited;
      const problem = code !== 0 ? `coordinator exit ${code}` : compare(out);
      results.push({
        trial: i,
        killedAfterMs: delay,
        coordinatorKilled: alsoCoordinator,
        seconds: (Date.now() - started) / 1000,
        ok: problem === null,
        problem,
      });
      rmSync(out, { recursive: true, force: true });
    }
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    workers = [];
    redis.kill('SIGKILL');
  }
  return results;
}

const started = Date.now();
const t0 = Date.now();
run(path.join(dir, 'timing'));
const runMs = Date.now() - t0;
rmSync(path.join(dir, 'timing'), { recursive: true, force: true });
const results = [];
if (args.queue) results.push(...(await queueTrials(Number(args.trials), runMs * 2)));
else for (let i = 0; i < Number(args.trials); i++) results.push(await localTrial(i, runMs));
rmSync(dir, { recursive: true, force: true });
const failed = results.filter((r) => !r.ok);
console.log(
  JSON.stringify(
    {
      mode: args.queue ? 'queue' : 'local',
      trials: results.length,
      failed: failed.length,
      runMs,
      seconds: (Date.now() - started) / 1000,
      results,
    },
    null,
    1,
  ),
);
process.exitCode = failed.length === 0 ? 0 : 1;
