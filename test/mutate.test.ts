// Mutated tokenizer.json files (issue 18): whatever a file holds, loading and using it either
// works or throws a TokenizerError with a specific code — never INTERNAL, another kind of
// error, an abort or a hang. The files come from test/helpers/mutate.ts (seeded); each chunk
// of them is probed in a child process (test/helpers/mutate-probe.mjs) under a wall-clock
// timeout, so that an abort or a hang is a failure naming the file, not a dead test run.
//
//   FERROTOK_MUTATIONS=1000 npx vitest run test/mutate.test.ts      a long run (default 300)
//   FERROTOK_MUTATION_SEED=7                                        another seed (default 18)
//   FERROTOK_MUTATION_ONLY=41,97                                    only these files of the seed
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from 'ferrotok';
import { type Base, loadBase, mutate, mutationSources } from './helpers/mutate';
import { repoRoot, sharedRoot } from './helpers/tokenizers';

const COUNT = envInt('FERROTOK_MUTATIONS', 300);
const SEED = envInt('FERROTOK_MUTATION_SEED', 18);
const ONLY = process.env.FERROTOK_MUTATION_ONLY?.split(',').map(Number);
/** Files per child process, and its wall-clock limit (generous: CI machines are shared). */
const CHUNK = 50;
const CHUNK_TIMEOUT_MS = envInt('FERROTOK_MUTATION_TIMEOUT_MS', 60_000);
const PARALLEL = Math.max(1, Math.min(3, Math.floor(os.availableParallelism() / 2)));
/** Every FULL_EVERY-th file mutates the full file instead of its shrunk copy. */
const FULL_EVERY = 50;
const PROBE = path.join(__dirname, 'helpers', 'mutate-probe.mjs');
const DIST = path.join(repoRoot, 'dist', 'cjs', 'index.js');

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${v}'`);
  return n;
}

interface Planned {
  index: number;
  source: string;
  full: boolean;
  mutations: string[];
  file: string;
}

interface ProbeResult {
  index: number;
  loaded: boolean;
  calls: number;
  codes: Record<string, number>;
  bad: { call: string; kind: string; message: string }[];
}

interface Failure {
  index: number;
  what: string;
}

const sources = mutationSources(repoRoot, sharedRoot);
const indices = ONLY ?? Array.from({ length: COUNT }, (_, i) => i);
const isFull = (i: number) => i % FULL_EVERY === FULL_EVERY - 1;

describe('mutated tokenizer.json files', () => {
  const bases = new Map<string, Base>();
  const needFull = new Set(indices.filter(isFull).map((i) => sources[i % sources.length]!.name));
  for (const s of sources) {
    const b = loadBase(s);
    // The full parse is dropped unless a full-file mutation of this run needs it.
    bases.set(s.name, needFull.has(s.name) ? b : { ...b, full: b.small });
  }

  it('start from shrunk copies that load and encode', () => {
    for (const b of bases.values()) {
      let ids: Uint32Array | string;
      try {
        ids = Tokenizer.fromJSON(JSON.stringify(b.small)).encodeIds('Hello world');
      } catch (e) {
        ids = String(e);
      }
      expect(typeof ids === 'string' ? ids : ids.length > 0, b.name).toBe(true);
    }
  });

  it(`never abort, hang, or throw INTERNAL or a non-TokenizerError (seed ${SEED}, ${indices.length} files)`, {
    timeout: 30 * 60_000,
  }, async () => {
    const started = Date.now();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ferrotok-mutate-'));
    const plan = new Map<number, Planned>();
    for (const index of indices) {
      const source = sources[index % sources.length]!;
      const full = isFull(index);
      const m = mutate(bases.get(source.name)!, full, SEED, index);
      const file = path.join(dir, `${index}.json`);
      writeFileSync(file, m.json);
      plan.set(index, { index, source: source.name, full, mutations: m.mutations, file });
    }
    const chunks: Planned[][] = [];
    const all = [...plan.values()];
    for (let i = 0; i < all.length; i += CHUNK) chunks.push(all.slice(i, i + CHUNK));

    const results: ProbeResult[] = [];
    const failures: Failure[] = [];
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        await runChunk(chunk, results, failures, dir);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));

    for (const r of results) {
      for (const b of r.bad) failures.push({ index: r.index, what: `${b.call}: ${b.kind}: ${b.message}` });
    }
    const codes: Record<string, number> = {};
    for (const r of results) for (const [c, n] of Object.entries(r.codes)) codes[c] = (codes[c] ?? 0) + n;
    const calls = results.reduce((a, r) => a + r.calls, 0);
    const loaded = results.filter((r) => r.loaded).length;
    console.log(
      `mutate: seed ${SEED}, ${plan.size} files (${all.filter((p) => p.full).length} full), ${loaded} loaded, ${calls} calls, ` +
        `errors by code ${JSON.stringify(codes)}, ${failures.length} failures, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    const failedFiles = new Set(failures.map((f) => f.index));
    const kept = path.join(os.tmpdir(), `ferrotok-mutate-failures-${SEED}`);
    if (failedFiles.size > 0) mkdirSync(kept, { recursive: true });
    for (const p of plan.values()) {
      if (failedFiles.has(p.index)) writeFileSync(path.join(kept, `${p.index}.json`), readFileSync(p.file));
    }
    rmSync(dir, { recursive: true, force: true });
    const report = [...failedFiles]
      .sort((a, b) => a - b)
      .map((i) => {
        const p = plan.get(i)!;
        const whats = failures.filter((f) => f.index === i).map((f) => `    ${f.what}`);
        return [
          `  file ${i} (${p.source}${p.full ? ', full' : ', shrunk'}; FERROTOK_MUTATION_SEED=${SEED} FERROTOK_MUTATION_ONLY=${i}; saved ${path.join(kept, `${i}.json`)})`,
          ...p.mutations.map((m) => `    mutation ${m}`),
          ...whats,
        ].join('\n');
      });
    expect(report, `seed ${SEED}: ${failedFiles.size} of ${plan.size} files failed\n${report.join('\n')}`).toEqual([]);
    expect(results.length).toBe(plan.size);
  });
});

/** Probes a chunk in a child; when the child dies or hangs on a file, that file is a failure
 * and a new child probes the rest of the chunk. */
async function runChunk(chunk: Planned[], results: ProbeResult[], failures: Failure[], dir: string): Promise<void> {
  let rest = chunk;
  let attempt = 0;
  while (rest.length > 0) {
    const manifest = path.join(dir, `manifest-${rest[0]!.index}-${attempt++}.json`);
    writeFileSync(manifest, JSON.stringify({ dist: DIST, files: rest.map((p) => ({ index: p.index, file: p.file })) }));
    const run = await runChild(manifest);
    const done = new Set<number>();
    for (const r of run.results) {
      results.push(r);
      done.add(r.index);
    }
    if (run.ok) {
      const missing = rest.filter((p) => !done.has(p.index));
      for (const p of missing) failures.push({ index: p.index, what: 'the child exited 0 without a result for this file' });
      return;
    }
    const culprit = run.inProgress ?? rest.find((p) => !done.has(p.index))?.index;
    if (culprit === undefined) return;
    failures.push({ index: culprit, what: `${run.why}${run.stderr ? `; stderr: ${run.stderr}` : ''}` });
    const at = rest.findIndex((p) => p.index === culprit);
    rest = rest.slice(at + 1);
  }
}

interface ChildRun {
  ok: boolean;
  results: ProbeResult[];
  inProgress: number | undefined;
  why: string;
  stderr: string;
}

function runChild(manifest: string): Promise<ChildRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [PROBE, manifest], { stdio: ['ignore', 'pipe', 'pipe'] });
    const results: ProbeResult[] = [];
    let inProgress: number | undefined;
    let buffer = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CHUNK_TIMEOUT_MS);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      buffer += d;
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const l = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (l.startsWith('S ')) inProgress = Number(l.slice(2));
        else if (l.startsWith('R ')) {
          results.push(JSON.parse(l.slice(2)) as ProbeResult);
          inProgress = undefined;
        }
        nl = buffer.indexOf('\n');
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-1500);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const why = timedOut
        ? `hang: no result within the chunk's ${CHUNK_TIMEOUT_MS / 1000} s (killed)`
        : signal
          ? `the child died by ${signal}`
          : `the child exited ${code}`;
      resolve({ ok: !timedOut && code === 0 && signal === null, results, inProgress, why, stderr: stderr.trim().replace(/\s+/g, ' ') });
    });
  });
}
