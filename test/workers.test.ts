// The addon loads in worker_threads, and workers encode exactly what the main thread does.
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from 'ferrotok';
import { LLAMA3, repoRoot } from './fixtures';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { Tokenizer } = require(workerData.pkg);
const tok = Tokenizer.fromFile(workerData.file);
(async () => {
  const sync = workerData.texts.map((t) => Array.from(tok.encode(t).ids));
  const batch = await tok.encodeBatchAsync(workerData.texts);
  parentPort.postMessage({ sync, async: [...batch].map((e) => Array.from(e.ids)) });
})().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));
`;

describe('worker_threads', () => {
  it('four workers load the addon and agree with the main thread', async () => {
    const texts = ['Hello from a worker', 'ünïcödé 😀', '<|begin_of_text|>special', ''];
    const expected = texts.map((t) => Array.from(Tokenizer.fromFile(LLAMA3).encode(t).ids));
    const pkg = path.join(repoRoot, 'dist', 'cjs', 'index.js');
    const runs = Array.from(
      { length: 4 },
      () =>
        new Promise<{ sync: number[][]; async: number[][]; error?: string }>((resolve, reject) => {
          const w = new Worker(WORKER, { eval: true, workerData: { pkg, file: LLAMA3, texts } });
          w.once('message', (m) => {
            resolve(m);
            void w.terminate();
          });
          w.once('error', reject);
        }),
    );
    for (const r of await Promise.all(runs)) {
      expect(r.error).toBeUndefined();
      expect(r.sync).toEqual(expected);
      expect(r.async).toEqual(expected);
    }
  });
});
