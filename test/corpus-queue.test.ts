// `ferrotok corpus --queue` with `ferrotok worker` on a real redis-server (started here on
// 127.0.0.1, a free port, no persistence; stopped after): several worker processes, one
// killed with SIGKILL in the middle of a shard, and the result byte-identical to a local run.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusText } from './helpers/corpus';
import { repoRoot } from './helpers/tokenizers';

const BIN = path.join(repoRoot, 'bin', 'ferrotok.js');
const DEFAULT = path.join(repoRoot, 'models', 'default');
const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedis && process.env.CI) throw new Error('redis-server is missing: .ci/run installs it (apt-get install redis-server)');

let dir: string;
let redis: ChildProcess | undefined;
let url: string;
const workers: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function startRedis(): Promise<void> {
  const port = await freePort();
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => {
        c.end();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not start');
}

interface Worker {
  child: ChildProcess;
  events: { type: string; index?: number }[];
}

function startWorker(): Worker {
  const child = spawn(
    process.execPath,
    [BIN, 'worker', '--queue', url, '--threads', '1', '--lock-duration', '2000', '--progress', 'json'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  workers.push(child);
  const w: Worker = { child, events: [] };
  let buf = '';
  child.stderr?.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) if (l.startsWith('{')) w.events.push(JSON.parse(l));
  });
  return w;
}

const until = async (what: string, ok: () => boolean, ms = 60_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ferrotok-queue-'));
  if (hasRedis) await startRedis();
});

afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  redis?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasRedis)('corpus on a BullMQ queue', () => {
  it('survives a worker killed mid-shard and writes what a local run writes', async () => {
    const lines = corpusText('multilingual.txt').split('\n').filter(Boolean);
    const docs = Array.from({ length: 3 }, (_, k) => lines.map((t) => JSON.stringify({ text: `${k} ${t}` }))).flat();
    const input = path.join(dir, 'big.jsonl');
    writeFileSync(input, `${docs.join('\n')}\n`);
    const common = [input, '--tokenizer', DEFAULT, '--shard-size', '3MB', '--append-eos', '--merge'];
    execFileSync(process.execPath, [BIN, 'corpus', ...common, '--out', path.join(dir, 'local')], { stdio: 'ignore' });

    const pool = [startWorker(), startWorker(), startWorker()];
    await until('workers ready', () => pool.every((w) => w.events.some((e) => e.type === 'ready')));
    const queued = path.join(dir, 'queued');
    const coordinator = spawn(process.execPath, [BIN, 'corpus', ...common, '--out', queued, '--queue', url, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    coordinator.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => coordinator.on('exit', resolve));

    // Kill the first worker that starts a shard, while it is in the middle of it.
    let victim: Worker | undefined;
    await until('a shard to start', () => {
      victim = pool.find((w) => w.events.some((e) => e.type === 'shard-start'));
      return victim !== undefined;
    });
    const killedIndex = victim!.events.find((e) => e.type === 'shard-start')!.index;
    victim!.child.kill('SIGKILL');
    expect(victim!.events.some((e) => e.type === 'shard-done' && e.index === killedIndex)).toBe(false);

    expect(await exited).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.totals.documents).toBe(docs.length);
    const survivors = pool.filter((w) => w !== victim);
    expect(survivors.some((w) => w.events.some((e) => e.type === 'shard-done' && e.index === killedIndex))).toBe(true);
    expect(survivors.every((w) => w.events.some((e) => e.type === 'shard-done'))).toBe(true);

    const local = path.join(dir, 'local');
    const files = readdirSync(local).filter((f) => f !== '.ferrotok');
    expect(files).toContain('corpus.bin');
    expect(
      readdirSync(queued)
        .filter((f) => f !== '.ferrotok')
        .sort(),
    ).toEqual(files.sort());
    for (const f of files) expect(readFileSync(path.join(queued, f)).equals(readFileSync(path.join(local, f))), f).toBe(true);

    // The same run added again is already complete: nothing is redone.
    const again = execFileSync(process.execPath, [BIN, 'corpus', ...common, '--out', queued, '--queue', url], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(again).toContain(`${docs.length} documents`);
  });
});
