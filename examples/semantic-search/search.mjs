#!/usr/bin/env node
// Semantic search over a folder of text files with ferrotok's FeatureExtractor.
//
//   node examples/semantic-search/search.mjs [--dir FOLDER] [--k 3] [--model MODEL_DIR] "your query"
//
// Every .txt / .md file under FOLDER (default: the docs/ beside this script) is cut into
// passages (paragraphs, long ones split at sentence ends), each passage is embedded once, the
// query is embedded, and the k passages with the highest cosine similarity are printed.
// MODEL_DIR is any folder with model.onnx + tokenizer.json of a sentence-embedding model;
// by default all-MiniLM-L6-v2 (int8) is fetched into .cache/models/ by models/onnx/fetch.mjs.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FeatureExtractor } from 'ferrotok';

const here = dirname(fileURLToPath(import.meta.url));
const MAX_PASSAGE = 800; // characters; all-MiniLM-L6-v2 reads at most 256 tokens

function parseArgs(argv) {
  const args = { dir: join(here, 'docs'), k: 3, model: undefined, query: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dir') args.dir = resolve(argv[++i]);
    else if (a === '--k') args.k = Number(argv[++i]);
    else if (a === '--model') args.model = resolve(argv[++i]);
    else args.query.push(a);
  }
  if (args.query.length === 0 || !Number.isInteger(args.k) || args.k < 1) {
    console.error('usage: node examples/semantic-search/search.mjs [--dir FOLDER] [--k 3] [--model MODEL_DIR] "query"');
    process.exit(2);
  }
  return { ...args, query: args.query.join(' ') };
}

function* textFiles(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* textFiles(p);
    else if (['.txt', '.md'].includes(extname(e.name))) yield p;
  }
}

// Paragraphs (blank-line separated); a long paragraph is split after sentence ends.
function passages(file, root) {
  const out = [];
  const text = readFileSync(file, 'utf8');
  let line = 1;
  for (const para of text.split(/\n\s*\n/)) {
    const clean = para.trim().replace(/\s+/g, ' ');
    let chunk = '';
    for (const sentence of clean.match(/[^.!?。！？]+[.!?。！？]*\s*/g) ?? []) {
      if (chunk && chunk.length + sentence.length > MAX_PASSAGE) {
        out.push({ text: chunk.trim(), where: `${relative(root, file)}:${line}` });
        chunk = '';
      }
      chunk += sentence;
    }
    if (chunk.trim()) out.push({ text: chunk.trim(), where: `${relative(root, file)}:${line}` });
    line += para.split('\n').length + 1;
  }
  return out;
}

async function modelDir(given) {
  if (given) return given;
  const { ensureModel } = await import('../../models/onnx/fetch.mjs');
  return ensureModel('all-MiniLM-L6-v2-int8');
}

const args = parseArgs(process.argv.slice(2));
const docs = [...textFiles(args.dir)].flatMap((f) => passages(f, args.dir));
if (docs.length === 0) {
  console.error(`no .txt or .md text under ${args.dir}`);
  process.exit(1);
}
const extractor = await FeatureExtractor.load(await modelDir(args.model));
try {
  const t0 = performance.now();
  const index = await extractor.embed(
    docs.map((d) => d.text),
    {
      onProgress: ({ done, total }) => process.stderr.write(`\rembedded ${done}/${total} passages`),
    },
  );
  process.stderr.write(` in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  const query = (await extractor.embed(args.query)).row(0);
  console.log(`query: ${args.query}\n`);
  for (const { index: i, score } of index.topK(query, args.k)) {
    const d = docs[i];
    console.log(`${score.toFixed(3)}  ${d.where}\n       ${d.text.length > 200 ? `${d.text.slice(0, 200)}…` : d.text}\n`);
  }
} finally {
  await extractor.release();
}
