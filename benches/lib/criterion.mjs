/**
 * Reads criterion's results (`<target>/criterion/**\/new/{benchmark,estimates}.json`) so the report
 * can show the engine's own speed beside ferrotok-from-JS. Benches are matched to a workload and
 * tokenizer by name: an id containing e.g. `long`/`doc`, `batch`/`prompts`, `prompt100`/`latency`,
 * `count` or `decode`, and a tokenizer name (`llama3`, `gpt4o`/`o200k`, `bert`, `qwen3`, `llama2`,
 * `gemma3`, `unigram`; see benches/README.md); and to the same input by byte count, so a bench
 * of one long document meets that document's JS timing.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './paths.mjs';

/** Which JS workload a criterion id measures: first match wins (a long-document count is not (d)). */
const WORKLOADS = [
  ['decode', /decode/i],
  ['batch', /batch|prompts/i],
  ['docs-count', /(long|doc).*count|count.*(long|doc)/i],
  ['docs', /long|doc/i],
  ['count', /count/i],
  ['latency', /prompt100|latency|short|single/i],
];
const TOKENIZER_NAMES = [
  ['llama3', /llama-?3/i],
  ['gpt4o', /gpt-?4o|o200k/i],
  ['bert', /bert|wordpiece/i],
  ['qwen3', /qwen/i],
  ['llama2', /llama-?2/i],
  ['gemma3', /gemma/i],
  ['unigram', /unigram/i],
];

export function loadCriterion() {
  const searched = [process.env.CARGO_TARGET_DIR, join(ROOT, 'target'), join(ROOT, 'native', 'target')]
    .filter(Boolean)
    .map((t) => join(t, 'criterion'));
  const dir = searched.find((d) => existsSync(d));
  const rel = searched.map((d) => relative(ROOT, d) || d);
  if (!dir) return { searched: rel, rows: [] };
  const rows = findNew(dir)
    .map(readBench)
    .filter(Boolean)
    .sort((a, b) => a.id.localeCompare(b.id));
  const modified = rows.length ? new Date(Math.max(...rows.map((r) => r.mtime))).toISOString() : undefined;
  return { searched: rel, dir: relative(ROOT, dir), modified, rows };
}

function findNew(dir, depth = 0) {
  if (depth > 5) return [];
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name === 'report') continue;
    const p = join(dir, e.name);
    if (e.name === 'new' && existsSync(join(p, 'benchmark.json'))) out.push(p);
    else out.push(...findNew(p, depth + 1));
  }
  return out;
}

function readBench(dir) {
  try {
    const b = JSON.parse(readFileSync(join(dir, 'benchmark.json'), 'utf8'));
    const e = JSON.parse(readFileSync(join(dir, 'estimates.json'), 'utf8'));
    const id = b.full_id ?? [b.group_id, b.function_id, b.value_str].filter(Boolean).join('/');
    const meanNs = e.mean?.point_estimate;
    const bytes = b.throughput?.Bytes ?? b.throughput?.BytesDecimal;
    return {
      id,
      meanNs,
      medianNs: e.median?.point_estimate,
      bytes,
      MBps: bytes && meanNs ? (bytes / meanNs) * 1e3 : undefined,
      workload: WORKLOADS.find(([, re]) => re.test(id))?.[0],
      tokenizer: TOKENIZER_NAMES.find(([, re]) => re.test(id))?.[0],
      mtime: statSync(join(dir, 'estimates.json')).mtimeMs,
    };
  } catch {
    return null;
  }
}

/** workload → criterion row, for one tokenizer (first match wins). */
export function criterionRows(criterion, tokenizer) {
  const out = {};
  for (const r of criterion?.rows ?? []) {
    if (r.tokenizer === tokenizer && r.workload && r.MBps && !out[r.workload]) out[r.workload] = r;
  }
  return out;
}
