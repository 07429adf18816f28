#!/usr/bin/env node
/**
 * `npm run bench:corpus`: the corpus job — JSONL or Parquet in, training shards out — done by
 * `ferrotok corpus` at 1 and 2 threads, beside datatrove's tokenizer step and Megatron-LM's
 * preprocess_data.py logic on Hugging Face tokenizers 1.0.0rc3 (benches/corpus/peers.py),
 * same input, same tokenizer (Llama 3), no special tokens, EOS after every document. Outputs
 * are compared (Megatron byte for byte; datatrove document for document through datatrove's
 * own reader). Each job is a child process, timed wall-clock with its peak RSS; the fast ones
 * best of --repeat runs (default 3), datatrove once (minutes a run): the ratios are what count.
 *
 *   node benches/corpus.mjs [--mb 256] [--big-gb 3] [--repeat 3] [--skip-peers]
 *
 * --big-gb N also runs ferrotok alone on an N GB JSONL (made by repeating the input with new
 * ids; deleted after) to show that peak RSS does not grow with the input.
 * Writes benches/results/corpus.md and corpus.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BENCHES, ROOT } from './lib/paths.mjs';

const { values: args } = parseArgs({
  options: {
    mb: { type: 'string', default: '256' },
    'big-gb': { type: 'string', default: '0' },
    repeat: { type: 'string', default: '3' },
    'skip-peers': { type: 'boolean', default: false },
  },
});
const MB = Number(args.mb);
const BIG_GB = Number(args['big-gb']);
const REPEAT = Number.isInteger(Number(args.repeat)) && Number(args.repeat) >= 1 ? Number(args.repeat) : 1;
const WORK = path.join(ROOT, '.cache', 'corpus-bench');
const BIN = path.join(ROOT, 'bin', 'ferrotok.js');
const TOKENIZER = path.join(ROOT, 'node_modules', '@lenml', 'tokenizer-llama3', 'models');
const PEERS = path.join(BENCHES, 'corpus', 'peers.py');
const ORACLE = path.join(ROOT, 'test', 'oracles', 'read_corpus.py');
const log = (s) => process.stderr.write(`${s}\n`);

/** A virtualenv under .cache made once from a requirements file. */
function venv(name, requirements, pre = false) {
  const dir = path.join(ROOT, '.cache', name);
  const python = path.join(dir, 'bin', 'python');
  if (!existsSync(python)) {
    log(`python: creating .cache/${name} from ${path.relative(ROOT, requirements)} (once)`);
    execFileSync('python3', ['-m', 'venv', dir], { stdio: 'inherit' });
    execFileSync(python, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', ...(pre ? ['--pre'] : []), '-r', requirements], {
      stdio: 'inherit',
    });
  }
  return python;
}

/** Unique documents of mixed scripts from the shared corpus, about `mb` MB of text, as JSONL. */
async function makeInput(file, mb) {
  const corpus = path.join(ROOT, '..', 'shared', 'corpus');
  const blocks = [];
  for (const name of ['en_prose.txt', 'code.txt', 'multilingual.txt', 'emoji.txt']) {
    const lines = readFileSync(path.join(corpus, name), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i += 40) {
      const text = lines.slice(i, i + 40).join('\n');
      if (text.trim() !== '') blocks.push(text);
    }
  }
  const out = createWriteStream(file);
  let bytes = 0;
  for (let i = 0; bytes < mb * 1e6; i++) {
    const text = `Document ${i}. ${blocks[(i * 7919) % blocks.length]}`;
    const line = `${JSON.stringify({ id: String(i), text })}\n`;
    bytes += Buffer.byteLength(line);
    if (!out.write(line)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
}

/** Best of `n` runs (the fastest: the least disturbed by the rest of a shared machine). */
function best(n, once) {
  let out;
  for (let i = 0; i < n; i++) {
    const r = once();
    if (out === undefined || r.seconds < out.seconds) out = { ...r, peakRssMB: Math.max(r.peakRssMB, out?.peakRssMB ?? 0) };
  }
  return { ...out, runs: n };
}

/** Runs a command as a child; wall time and peak RSS from GNU time. */
function timed(label, cmd, argv, env = {}) {
  log(`run: ${label}`);
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...argv], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 1 << 26,
  });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [sec, kb] = last.split(' ').map(Number);
  if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { label, seconds: sec, peakRssMB: Math.round(kb / 1024), stdout: r.stdout };
}

function ferrotok(label, input, out, extra) {
  rmSync(out, { recursive: true, force: true });
  const r = timed(label, process.execPath, [
    BIN,
    'corpus',
    input,
    '--out',
    out,
    '--tokenizer',
    TOKENIZER,
    '--append-eos',
    '--progress',
    'none',
    '--json',
    ...extra,
  ]);
  const summary = JSON.parse(r.stdout);
  return { ...r, documents: summary.totals.documents, tokens: summary.totals.tokens };
}

const ferrotokBest = (...a) => best(REPEAT, () => ferrotok(...a));
const peerBest = (...a) => best(REPEAT, () => peer(...a));

function peer(label, python, kind, input, out, extra) {
  rmSync(out, { recursive: true, force: true });
  const r = timed(label, python, [
    PEERS,
    kind,
    '--input',
    input,
    '--tokenizer',
    path.join(TOKENIZER, 'tokenizer.json'),
    '--out',
    out,
    '--append-eos',
    '--no-special-tokens',
    ...extra,
  ]);
  const line = JSON.parse(r.stdout.trim().split('\n').pop());
  return { ...r, documents: line.documents, tokens: line.tokens, peerSeconds: line.seconds };
}

const sameBytes = (a, b) => readFileSync(a).equals(readFileSync(b));

function oracleDocs(python, format, prefixes) {
  return execFileSync(python, [ORACLE, '--format', format, '--prefix', ...prefixes], { encoding: 'utf8', maxBuffer: 1 << 30 });
}

async function main() {
  mkdirSync(WORK, { recursive: true });
  const jsonl = path.join(WORK, `docs-${MB}mb.jsonl`);
  const parquet = path.join(WORK, `docs-${MB}mb.parquet`);
  const peersPy = venv('corpus-peers', path.join(BENCHES, 'corpus', 'requirements.txt'));
  if (!existsSync(jsonl)) await makeInput(jsonl, MB);
  if (!existsSync(parquet)) {
    execFileSync(peersPy, [
      '-c',
      `import pyarrow.json as j, pyarrow.parquet as p; p.write_table(j.read_json(${JSON.stringify(jsonl)}), ${JSON.stringify(parquet)}, row_group_size=20000)`,
    ]);
  }
  const bytes = statSync(jsonl).size;
  const rows = [];
  const o = (n) => path.join(WORK, n);
  for (const t of [1, 2]) {
    log(`run: encodeBatchIds alone, ${t} thread(s)`);
    const engineRun = () =>
      JSON.parse(
        execFileSync(process.execPath, [path.join(BENCHES, 'lib', 'corpus-engine.mjs'), jsonl, TOKENIZER, String(t)], {
          encoding: 'utf8',
          maxBuffer: 1 << 26,
        }),
      );
    const r = best(REPEAT, () => ({ ...engineRun(), peakRssMB: 0 }));
    rows.push({
      label: `engine alone: encodeBatchIds on the parsed texts, ${t} thread(s) (calls only)`,
      seconds: r.seconds,
      peakRssMB: NaN,
      tokens: r.tokens,
      threads: t,
      tool: 'engine',
    });
  }
  for (const t of [1, 2])
    rows.push({
      ...ferrotokBest(`ferrotok corpus, JSONL → megatron, ${t} thread(s)`, jsonl, o(`ft-mg-${t}`), ['--threads', String(t)]),
      threads: t,
      tool: 'ferrotok',
    });
  for (const t of [1, 2])
    rows.push({
      ...ferrotokBest(`ferrotok corpus, Parquet → megatron, ${t} thread(s)`, parquet, o(`ft-pq-${t}`), ['--threads', String(t)]),
      threads: t,
      tool: 'ferrotok',
    });
  rows.push({
    ...ferrotokBest('ferrotok corpus, JSONL → datatrove, 2 threads', jsonl, o('ft-dt-2'), ['--threads', '2', '--format', 'datatrove']),
    threads: 2,
    tool: 'ferrotok',
  });
  const checks = [];
  if (!args['skip-peers']) {
    const tk1 = venv('bench-venv-tokenizers1', path.join(BENCHES, 'requirements-tokenizers1.txt'), true);
    for (const w of [1, 2])
      rows.push({
        ...peerBest(`Megatron preprocess_data.py logic, tokenizers 1.0.0rc3, ${w} worker(s)`, tk1, 'megatron', jsonl, o(`mg-${w}`), [
          '--workers',
          String(w),
          '--writer',
          'numpy',
        ]),
        threads: w,
        tool: 'megatron',
      });
    for (const w of [1, 2])
      rows.push({
        ...peer(`datatrove DocumentTokenizer (tokenizers 0.23.1), JSONL, ${w} worker(s)`, peersPy, 'datatrove', jsonl, o(`dt-${w}`), [
          '--workers',
          String(w),
        ]),
        threads: w,
        tool: 'datatrove',
      });
    rows.push({
      ...peer('datatrove DocumentTokenizer, Parquet, 2 workers', peersPy, 'datatrove', parquet, o('dt-pq-2'), ['--workers', '2']),
      threads: 2,
      tool: 'datatrove',
    });
    const mgSame = ['bin', 'idx'].every((e) =>
      sameBytes(path.join(o('ft-mg-2'), `corpus_00000.${e}`), path.join(o('mg-2'), `corpus_text_document.${e}`)),
    );
    checks.push(`ferrotok megatron shard vs Megatron-logic peer: ${mgSame ? 'byte-identical .bin and .idx' : 'DIFFERENT'}`);
    const ours = oracleDocs(peersPy, 'datatrove', [path.join(o('ft-dt-2'), 'corpus_00000')]);
    const dtFiles = execFileSync('find', [o('dt-2'), '-name', '*.ds'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .sort();
    const theirs = oracleDocs(
      peersPy,
      'datatrove',
      dtFiles.map((f) => f.replace(/\.ds$/, '')),
    );
    checks.push(
      `ferrotok datatrove shard vs datatrove's (read by datatrove's reader): ${ours === theirs ? 'same documents, same ids' : 'DIFFERENT'}`,
    );
    const pqSame = ['bin', 'idx'].every((e) =>
      sameBytes(path.join(o('ft-pq-2'), `corpus_00000.${e}`), path.join(o('ft-mg-2'), `corpus_00000.${e}`)),
    );
    checks.push(`ferrotok Parquet vs JSONL input: ${pqSame ? 'byte-identical shards' : 'DIFFERENT'}`);
  }
  let big;
  if (BIG_GB > 0) {
    const file = path.join(WORK, `big-${BIG_GB}gb.jsonl`);
    await makeInput(file, BIG_GB * 1000);
    big = {
      ...ferrotok(`ferrotok corpus, ${BIG_GB} GB JSONL → megatron, 2 threads`, file, o('ft-big'), [
        '--threads',
        '2',
        '--shard-size',
        '1GB',
      ]),
      bytes: statSync(file).size,
    };
    rmSync(file);
    rmSync(o('ft-big'), { recursive: true, force: true });
  }
  report({ bytes, rows, checks, big });
}

/** `ferrotok corpus` against the engine alone and the best Python peer, per thread count. */
function engineRatios(rows) {
  return [1, 2].flatMap((t) => {
    const ft = rows.find((r) => r.tool === 'ferrotok' && r.threads === t && r.label.includes('JSONL → megatron'));
    const engine = rows.find((r) => r.tool === 'engine' && r.threads === t);
    const python = rows
      .filter((r) => (r.tool === 'megatron' || r.tool === 'datatrove') && r.threads === t)
      .sort((a, b) => a.seconds - b.seconds)[0];
    if (!ft) return [];
    const parts = [];
    if (engine) parts.push(`${(engine.seconds / ft.seconds).toFixed(2)}× the engine's own encodeBatchIds throughput`);
    if (python) parts.push(`${(python.seconds / ft.seconds).toFixed(2)}× the best Python pipeline (${python.tool})`);
    return parts.length > 0 ? [`- ${t} thread(s): ferrotok corpus (JSONL, whole process) runs at ${parts.join(' and ')}.`] : [];
  });
}

function report({ bytes, rows, checks, big }) {
  const mbps = (r) => (bytes / 1e6 / r.seconds).toFixed(1);
  const ft2 = rows.find((r) => r.tool === 'ferrotok' && r.threads === 2 && r.label.includes('JSONL → megatron'));
  const lines = [
    '# Corpus benchmark: `ferrotok corpus` beside datatrove and Megatron-LM',
    '',
    `Generated by \`npm run bench:corpus\` (benches/corpus.mjs) on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${new Date().toISOString().slice(0, 10)}.`,
    `Input: ${(bytes / 1e6).toFixed(0)} MB JSONL of unique documents (mixed scripts and code, from ../shared/corpus), the same rows as Parquet; tokenizer Llama 3; no special tokens; EOS after each document. Wall time of the whole process (start, tokenizer load, read, tokenize, write); ferrotok, the engine and the Megatron peer best of ${REPEAT} runs, datatrove (minutes a run) one; a shared machine: trust the ratios more than the MB/s. Every run is cold for ferrotok's word cache (a new process).`,
    '',
    '| job | threads / workers | seconds | MB/s | tokens/s | peak RSS | time ÷ ferrotok JSONL, 2 threads |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.threads} | ${r.seconds.toFixed(1)} | ${mbps(r)} | ${(r.tokens / r.seconds / 1e6).toFixed(2)} M | ${Number.isNaN(r.peakRssMB) ? '–' : `${r.peakRssMB} MB`} | ${r === ft2 ? '–' : `${(r.seconds / ft2.seconds).toFixed(2)}×`} |`,
    ),
    '',
    ...engineRatios(rows),
    ...checks.map((c) => `- ${c}`),
    ...(big
      ? [
          `- Bounded memory: ${(big.bytes / 1e9).toFixed(1)} GB JSONL in ${big.seconds.toFixed(0)} s (${(big.bytes / 1e6 / big.seconds).toFixed(1)} MB/s), peak RSS ${big.peakRssMB} MB, against ${ft2.peakRssMB} MB for ${(bytes / 1e6).toFixed(0)} MB.`,
        ]
      : []),
    '',
  ];
  const dir = path.join(BENCHES, 'results');
  writeFileSync(path.join(dir, 'corpus.md'), lines.join('\n'));
  writeFileSync(
    path.join(dir, 'corpus.json'),
    `${JSON.stringify({ bytes, rows: rows.map(({ stdout: _s, ...r }) => r), checks, big: big && { ...big, stdout: undefined } }, null, 2)}\n`,
  );
  process.stdout.write(lines.join('\n'));
}

await main();
