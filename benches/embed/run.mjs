#!/usr/bin/env node
// Sentence-embedding throughput: ferrotok's FeatureExtractor beside transformers.js
// (@huggingface/transformers, the same ONNX file, offline) and Python (pip onnxruntime +
// tokenizers), on the first N lines of shared/corpus/prompts.txt (20–300 characters each).
// Every runtime sorts longest first, runs batches of --batch, truncates at 256 tokens, mean-pools
// and normalises; the report also gives each peer's minimum cosine against ferrotok.
//
//   node scripts/build.mjs --ts-only && node benches/embed/run.mjs [--n 10000] [--batch 32] [--no-python] [--no-transformers]
//
// Writes benches/results/embed.md. The model is fetched by models/onnx/fetch.mjs if missing.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureModel, manifest, modelsDir } from '../../models/onnx/fetch.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const { FeatureExtractor, cosineSimilarity } = require(join(root, 'dist', 'cjs', 'index.js'));

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const N = opt('n', 10000);
const BATCH = opt('batch', 32);
const CHECK = 8;
const MODEL = 'all-MiniLM-L6-v2-int8';
const entry = manifest.models.find((m) => m.name === MODEL);
const shared = process.env.FERROTOK_SHARED ?? resolve(root, '..', 'shared');

const texts = readFileSync(join(shared, 'corpus', 'prompts.txt'), 'utf8')
  .split('\n')
  .filter((l) => l.length > 0)
  .slice(0, N);
const dir = ensureModel(MODEL);
const log = (...a) => console.error('[embed bench]', ...a);
const loadBefore = os
  .loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');

function minCosine(ref, rows) {
  let min = Infinity;
  rows.forEach((r, i) => {
    min = Math.min(min, cosineSimilarity(ref.row(i), Float32Array.from(r)));
  });
  return min;
}

async function ferrotok() {
  const fx = await FeatureExtractor.load(dir, { batchSize: BATCH });
  await fx.embed(texts.slice(0, BATCH)); // warm-up
  let last = 0;
  const t0 = performance.now();
  const e = await fx.embed(texts, {
    onProgress: ({ done, total }) => {
      if (done - last >= 1000 || done === total) {
        last = done;
        log(`ferrotok ${done}/${total}`);
      }
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  await fx.release();
  return { e, seconds };
}

// transformers.js wants <localModelPath>/<name>/{config.json, tokenizer*.json, onnx/model.onnx}.
// tokenizer_config.json gets model_max_length 256 so it truncates where sentence-transformers does.
function transformersLayout() {
  const base = join(modelsDir, '_transformersjs');
  const d = join(base, MODEL);
  rmSync(d, { recursive: true, force: true });
  mkdirSync(join(d, 'onnx'), { recursive: true });
  for (const f of ['config.json', 'tokenizer.json', 'special_tokens_map.json']) symlinkSync(join(dir, f), join(d, f));
  symlinkSync(join(dir, 'model.onnx'), join(d, 'onnx', 'model.onnx'));
  const cfg = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8'));
  writeFileSync(join(d, 'tokenizer_config.json'), JSON.stringify({ ...cfg, model_max_length: entry.maxLength }));
  return base;
}

async function transformersJs() {
  const tjs = await import('@huggingface/transformers');
  tjs.env.allowRemoteModels = false;
  tjs.env.localModelPath = transformersLayout();
  const extractor = await tjs.pipeline('feature-extraction', MODEL, { dtype: 'fp32', device: 'cpu' });
  const run = async (batch) => (await extractor(batch, { pooling: 'mean', normalize: true })).tolist();
  await run(texts.slice(0, BATCH));
  const order = [...texts.keys()].sort((a, b) => texts[b].length - texts[a].length || a - b);
  const out = new Array(texts.length);
  const t0 = performance.now();
  for (let s = 0; s < order.length; s += BATCH) {
    const idx = order.slice(s, s + BATCH);
    const vecs = await run(idx.map((i) => texts[i]));
    idx.forEach((i, j) => {
      out[i] = vecs[j];
    });
    if ((s / BATCH) % 32 === 0) log(`transformers.js ${s}/${texts.length}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  await extractor.dispose?.();
  return {
    seconds,
    check: out.slice(0, CHECK),
    version: JSON.parse(readFileSync(join(root, 'node_modules', '@huggingface', 'transformers', 'package.json'), 'utf8')).version,
  };
}

function python() {
  const out = execFileSync(
    process.env.PYTHON ?? 'python3',
    [
      join(root, 'benches', 'embed', 'embed_python.py'),
      '--model',
      dir,
      '--batch',
      String(BATCH),
      '--max-length',
      String(entry.maxLength),
      '--check',
      String(CHECK),
    ],
    { input: texts.join('\n'), encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  return JSON.parse(out);
}

log(`${texts.length} sentences, batch ${BATCH}, model ${MODEL}`);
const rows = [];
const f = await ferrotok();
rows.push({
  name: 'ferrotok (FeatureExtractor)',
  seconds: f.seconds,
  versions: `ferrotok ${require(join(root, 'package.json')).version}, onnxruntime-node ${require('onnxruntime-node/package.json').version}`,
  cosine: '—',
});
log(`ferrotok: ${(texts.length / f.seconds).toFixed(1)} sentences/s`);
if (!argv.includes('--no-transformers')) {
  try {
    const t = await transformersJs();
    rows.push({
      name: 'transformers.js (pipeline feature-extraction)',
      seconds: t.seconds,
      versions: `@huggingface/transformers ${t.version}`,
      cosine: minCosine(f.e, t.check).toFixed(7),
    });
  } catch (e) {
    rows.push({ name: 'transformers.js', error: e.message.split('\n')[0] });
  }
}
if (!argv.includes('--no-python')) {
  try {
    const p = python();
    rows.push({
      name: 'Python (onnxruntime + tokenizers + numpy)',
      seconds: p.seconds,
      versions: p.versions,
      cosine: minCosine(f.e, p.check).toFixed(7),
    });
  } catch (e) {
    rows.push({ name: 'Python', error: `not run (python3 -m pip install onnxruntime tokenizers numpy): ${e.message.split('\n')[0]}` });
  }
}

const base = texts.length / f.seconds;
const table = rows.map((r) =>
  r.error
    ? `| ${r.name} | — | — | — | — | ${r.error} |`
    : `| ${r.name} | ${r.seconds.toFixed(2)} | ${(texts.length / r.seconds).toFixed(1)} | ${(texts.length / r.seconds / base).toFixed(2)}× | ${r.cosine} | ${r.versions} |`,
);
const md = `# Sentence embeddings: throughput

\`node benches/embed/run.mjs --n ${N} --batch ${BATCH}\` — ${new Date().toISOString().slice(0, 10)}

Model \`${MODEL}\` (models/onnx/MANIFEST.json: all-MiniLM-L6-v2, int8 ONNX), the same file in every
runtime. ${texts.length} sentences: the first lines of shared/corpus/prompts.txt (20–300 characters,
mixed languages and code). Each runtime sorts longest first, runs batches of ${BATCH}, truncates at
${entry.maxLength} tokens, mean-pools over the attention mask and L2-normalises. Timing excludes model
loading and one warm-up batch. onnxruntime uses its default thread settings everywhere.
"cosine" is the lowest cosine similarity between that runtime's vectors and ferrotok's, over the
first ${CHECK} sentences.

| runtime | seconds | sentences/s | vs ferrotok | cosine | versions |
|---|---|---|---|---|---|
${table.join('\n')}

Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average before the run ${loadBefore}.
Almost all of the time is the model itself (onnxruntime's int8 kernels), so the runtimes differ
mostly in tokenization, tensor building and pooling.${
  texts.length < 10000
    ? `
The full comparison is \`--n 10000\`; at these rates it takes about ${Math.round(10000 / base / 60)} minutes per runtime, so this run used ${texts.length}.`
    : ''
}
`;
mkdirSync(join(root, 'benches', 'results'), { recursive: true });
writeFileSync(join(root, 'benches', 'results', 'embed.md'), md);
console.log(md);
