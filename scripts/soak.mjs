#!/usr/bin/env node
// Soak: a long run of mixed calls (encode, encodeIds, countTokens, decode, decodeStream, and
// encodeBatchAsync, some of it aborted before, during or after the work) on one tokenizer,
// printing the resident set size every N calls and failing when it grows more than a
// threshold past the warm-up — the leak detector for native memory the JS heap never sees
// (issue 18). Texts come from a seeded generator: a fixed pool of words (which the engine's
// caches may keep) plus a share of never-seen words (which a bounded cache must not keep).
//
//   node scripts/soak.mjs                      10^6 calls (minutes)
//   node scripts/soak.mjs --short              ~20 s, for CI
//   options: --calls N  --every N  --max-growth-mb MB  --tokenizer DIR|FILE  --seed N  --seconds S
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { Tokenizer, TokenizerError } = createRequire(import.meta.url)(path.join(root, 'dist', 'cjs', 'index.js'));

const { values: args } = parseArgs({
  options: Object.fromEntries([
    ['short', { type: 'boolean' }],
    ...['calls', 'every', 'seconds', 'max-growth-mb', 'seed', 'tokenizer'].map((name) => [name, { type: 'string' }]),
  ]),
});
const short = args.short === true;
const CALLS = Number(args.calls ?? (short ? 600_000 : 1_000_000));
const EVERY = Number(args.every ?? (short ? 50_000 : 100_000));
const SECONDS = Number(args.seconds ?? (short ? 20 : Infinity));
const MAX_GROWTH_MB = Number(args['max-growth-mb'] ?? 64);
const SEED = Number(args.seed ?? 18);
const WARMUP = Math.max(2 * EVERY, Math.floor(CALLS / 5));
const TOKENIZER = args.tokenizer ?? path.join(root, 'models', 'default');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

let state = SEED >>> 0;
function rand() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

const ALPHABETS = ['abcdefghijklmnopqrstuvwxyz', 'ÀÉÎÕÜàéîõüßçñ', '日本語中文字한국어', 'абвгдежзийклмн', '0123456789', '😀👍🏽🇫🇷✨'];
function word() {
  const chars = [...pick(ALPHABETS)];
  let w = '';
  for (let n = 1 + Math.floor(rand() * 9); n > 0; n--) w += pick(chars);
  return w;
}
const POOL = Array.from({ length: 4000 }, word);
/** The last text made and the call it was for: what a failure report shows. */
let last = { op: '', text: '' };
function text() {
  const words = [];
  for (let n = 1 + Math.floor(rand() * 40); n > 0; n--) words.push(rand() < 0.1 ? word() : pick(POOL));
  last.text = words.join(pick([' ', ' ', ', ', '\n']));
  return last.text;
}

const tok = existsSync(TOKENIZER) ? Tokenizer.fromFile(TOKENIZER) : Tokenizer.default();
const mb = (n) => (n / 2 ** 20).toFixed(1);
const counts = { encode: 0, encodeIds: 0, countTokens: 0, decode: 0, decodeStream: 0, encodeBatchAsync: 0, aborted: 0, errors: 0 };
let baseline;
let worst = 0;
const start = Date.now();

let lastReport = 0;
/** Past the warm-up: by calls, or (with a time limit) by a third of the time. */
const warm = (calls) => calls >= WARMUP || (Date.now() - start) / 1000 >= SECONDS / 3;

function report(calls) {
  gc();
  lastReport = Date.now();
  const m = process.memoryUsage();
  if (baseline === undefined && warm(calls)) baseline = m.rss;
  if (baseline !== undefined) worst = Math.max(worst, m.rss - baseline);
  const phase = baseline === undefined ? 'warm-up' : `${m.rss >= baseline ? '+' : ''}${mb(m.rss - baseline)} MB past the warm-up`;
  console.log(
    `${String(calls).padStart(8)} calls  ${((Date.now() - start) / 1000).toFixed(1).padStart(6)} s  rss ${mb(m.rss)} MB  heap ${mb(m.heapUsed)} MB  external ${mb(m.external)} MB  ${phase}`,
  );
}

async function asyncBatch() {
  const inputs = Array.from({ length: 1 + Math.floor(rand() * 16) }, text);
  const ac = new AbortController();
  const how = Math.floor(rand() * 4); // 0: never, 1: before, 2: right after the call, 3: on the next turn
  if (how === 1) ac.abort();
  const p = tok.encodeBatchAsync(inputs, { signal: ac.signal, padding: { strategy: 'longest', padId: 0 } });
  if (how === 2) ac.abort();
  if (how === 3) setImmediate(() => ac.abort());
  try {
    const b = await p;
    if (b.length !== inputs.length) throw new Error('encodeBatchAsync lost rows');
    void b.inputIds;
  } catch (e) {
    if (!(e instanceof TokenizerError) || e.code !== 'ABORTED') throw e;
    counts.aborted++;
  }
  counts.encodeBatchAsync++;
}

console.log(
  `soak: ${CALLS} calls (warm-up ${WARMUP}${Number.isFinite(SECONDS) ? `, at most ${SECONDS} s` : ''}), RSS every ${EVERY}, fail past +${MAX_GROWTH_MB} MB; ${TOKENIZER}`,
);
let calls = 0;
for (; calls < CALLS; calls++) {
  // A report every EVERY calls, or (with a time limit, on a slow machine) every tenth of it.
  if (calls % EVERY === 0 || (calls % 1000 === 0 && Date.now() - lastReport > (SECONDS * 1000) / 10)) report(calls);
  if (calls % 1000 === 0 && (Date.now() - start) / 1000 > SECONDS) break;
  const r = rand();
  try {
    last = {
      op:
        r < 0.3
          ? 'encode'
          : r < 0.55
            ? 'encodeIds'
            : r < 0.8
              ? 'countTokens'
              : r < 0.97
                ? 'decode'
                : r < 0.99
                  ? 'decodeStream'
                  : 'encodeBatchAsync',
      text: '',
    };
    if (r < 0.3) {
      const e = tok.encode(text());
      void e.ids;
      if (calls % 7 === 0) void [e.tokens, e.offsets];
      counts.encode++;
    } else if (r < 0.55) {
      tok.encodeIds(text());
      counts.encodeIds++;
    } else if (r < 0.8) {
      tok.countTokens(text());
      counts.countTokens++;
    } else if (r < 0.97) {
      tok.decode(tok.encodeIds(text()), { skipSpecialTokens: rand() < 0.5 });
      counts.decode++;
    } else if (r < 0.99) {
      const s = tok.decodeStream();
      for (const id of tok.encodeIds(text())) s.step(id);
      s.finish();
      counts.decodeStream++;
    } else {
      await asyncBatch();
    }
  } catch (e) {
    counts.errors++;
    console.error(`call ${calls} (${last.op}, seed ${SEED}): ${e instanceof TokenizerError ? `${e.code}: ` : ''}${e?.message ?? e}`);
    console.error(`  its (last) text: ${JSON.stringify(last.text)}`);
    if (counts.errors > 10) break;
  }
  // The event loop turns now and then even without async calls: finalizers of native objects run there.
  if (calls % 1000 === 999) await new Promise((r) => setImmediate(r));
}
report(calls);
const seconds = (Date.now() - start) / 1000;
console.log(`${calls} calls in ${seconds.toFixed(1)} s (${Math.round(calls / seconds)}/s): ${JSON.stringify(counts)}`);
if (baseline === undefined) {
  console.log('FAIL: the run ended before the warm-up did (raise --seconds or lower --calls)');
  process.exit(1);
}
if (counts.errors > 0) {
  console.log(`FAIL: ${counts.errors} calls threw`);
  process.exit(1);
}
if (worst > MAX_GROWTH_MB * 2 ** 20) {
  console.log(`FAIL: RSS grew ${mb(worst)} MB past the warm-up (limit ${MAX_GROWTH_MB} MB)`);
  process.exit(1);
}
console.log(`ok: RSS grew at most ${mb(worst)} MB past the warm-up (limit ${MAX_GROWTH_MB} MB)`);
