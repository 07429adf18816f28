/**
 * One benchmark process: `node --expose-gc benches/lib/child.mjs <job.json>`.
 *
 * It loads one peer on one tokenizer and runs a group of workloads, printing `@@{json}` lines:
 * a `part` per finished workload, a `ready` before the hostile inputs, a `case` per hostile input,
 * and `done`. Streaming means a hostile input that hangs costs only what comes after it: the
 * orchestrator keeps every part so far, kills the process, and goes on.
 * Groups: `main` (everything at 1 thread), `batch` (the batch APIs at job.threads), `hostile`
 * (the hostile cases left after a timeout). child.py is the same harness for the Python peers.
 *
 * Order in `main`: load, then the cold pass over the documents (each document's first encode in
 * this process, before any other workload has shown the tokenizer that text), then the agreement
 * samples, the warm document passes, latency, count, decode, batch, unique lines, hostile inputs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { countsDigest, Digest, idsDigest, textDigest } from './digest.mjs';
import { BENCHES } from './paths.mjs';
import { percentile, summarize } from './stats.mjs';
import { latency, latencyAsync, nowMs, repeat, repeatAsync } from './timing.mjs';

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const manifest = JSON.parse(readFileSync(join(job.inputsDir, 'manifest.json'), 'utf8'));
const emit = (obj) => process.stdout.write(`@@${JSON.stringify(obj)}\n`);
const part = (key, value) => emit({ type: 'part', key, value });
const want = (w) => !job.workloads || job.workloads.includes(w);
const T0 = nowMs();
/** With BENCH_DEBUG=1, each phase's start goes to stderr: where a slow child spends its time. */
const phase = (name) =>
  process.env.BENCH_DEBUG && process.stderr.write(`[${job.peer}/${job.tokenizer.id}] ${((nowMs() - T0) / 1e3).toFixed(2)}s ${name}\n`);

// Import, load and a first encode, timed; then peak RSS, before any workload can raise it.
const t0 = nowMs();
const adapter = await import(join(BENCHES, 'peers', `${job.peer}.mjs`));
const importMs = nowMs() - t0;
const t1 = nowMs();
const peer = await adapter.load(job.tokenizer);
const firstLoadMs = nowMs() - t1;
const t2 = nowMs();
const firstIds = await peer.encode(manifest.prompt100);
const firstEncodeMs = nowMs() - t2;
part('memory', { maxRssBytes: process.resourceUsage().maxRSS * 1024, rssBytes: process.memoryUsage().rss });
part('load', { importMs, firstLoadMs, firstEncodeMs, firstTokens: firstIds.length });

const GROUPS = { main: runMain, batch: runBatch, hostile: runHostile };
await GROUPS[job.group]();
phase('done');
emit({ type: 'done' });

async function runMain() {
  phase('docs, cold');
  if (want('docs')) part('docsCold', await coldDocs());
  if (want('load')) part('reloads', await reloadTimes());
  globalThis.gc?.();
  phase('agreement');
  if (!job.skipAgreement) part('check', await agreement());
  phase('docs');
  // decode needs the documents' ids even when encode throughput is not asked for
  const docs = want('docs') ? await encodeDocs() : { ids: want('decode') ? await mapAll(readDocs(), (d) => peer.encode(d)) : [] };
  if (want('docs')) part('docs', docs.row);
  phase('latency');
  if (want('latency')) part('latency', await promptLatency());
  phase('count');
  if (want('count')) part('count', await countPrompts());
  phase('decode');
  if (want('decode')) part('decode', await decodeDocs(docs.ids));
  docs.ids = null;
  phase('batch');
  if (want('batch')) await runBatch();
  phase('unique');
  if (want('unique')) part('unique', await uniqueLines());
  if (want('hostile')) await runHostile();
}

function opts() {
  return { reps: job.mode.reps, minReps: job.mode.minReps, budgetMs: job.mode.repBudgetMs };
}

/** `items.map(f)`; for an async peer, one call at a time: single-thread workloads stay single-thread. */
function mapAll(items, f, async = peer.async) {
  if (!async) return items.map(f);
  return (async () => {
    const out = new Array(items.length);
    for (let i = 0; i < items.length; i++) out[i] = await f(items[i]);
    return out;
  })();
}

/** Times `fn` with the loop that matches the peer (awaiting only when the peer is async). */
function time(fn, async = peer.async, o = opts()) {
  return async ? repeatAsync(fn, o) : repeat(fn, o);
}

/** The same peer, loaded again in the same (now warm) process: what a second tokenizer costs. */
async function reloadTimes() {
  const samples = [];
  for (let i = 0; i < job.mode.reloads; i++) {
    const t = nowMs();
    await adapter.load(job.tokenizer);
    samples.push(nowMs() - t);
  }
  return samples;
}

/**
 * Ids, decoded text and counts of the agreement samples, hashed one by one. ferrotok's run (no
 * `job.reference`) returns its hashes, which the orchestrator hands to every later peer on the
 * same tokenizer; a peer compares locally and returns only what differs.
 */
async function agreement() {
  const samples = JSON.parse(readFileSync(manifest.samples.path, 'utf8'));
  const own = { encode: [], decode: [], tokens: [], count: [] };
  for (const { text } of samples) {
    const ids = await peer.encode(text);
    own.encode.push(new Digest().ids(ids).hex());
    own.tokens.push(ids.length);
    own.decode.push(ids.length ? new Digest().text(await peer.decode(ids)).hex() : '');
    if (peer.count) own.count.push(await peer.count(text));
  }
  if (!job.reference) return { samples: samples.length, own };
  const ref = JSON.parse(readFileSync(job.reference, 'utf8'));
  const differ = (pred) => {
    const names = samples.filter((_, i) => pred(i)).map((x) => x.name);
    return { n: names.length, first: names.slice(0, 8) };
  };
  return {
    samples: samples.length,
    encode: differ((i) => own.encode[i] !== ref.encode[i]),
    decode: differ((i) => own.decode[i] !== ref.decode[i]),
    count: peer.count ? differ((i) => own.count[i] !== ref.tokens[i]) : null,
  };
}

function readDocs() {
  return manifest.docs.map((d) => readFileSync(d.path, 'utf8'));
}

/**
 * Each document's first encode in this process, one call each, in manifest order: only the
 * 100-character prompt of the load measurement has been encoded before, so a library's word or
 * piece caches start empty (and a JIT cold); document k runs after documents 1..k-1 only.
 */
async function coldDocs() {
  const docs = readDocs();
  const perDoc = [];
  const ids = [];
  for (const [i, d] of docs.entries()) {
    const t = nowMs();
    ids.push(peer.async ? await peer.encode(d) : peer.encode(d));
    perDoc.push({ name: manifest.docs[i].name, bytes: manifest.docs[i].bytes, ms: nowMs() - t });
  }
  const ms = perDoc.reduce((n, d) => n + d.ms, 0);
  return { ms, bytes: sumBytes(manifest.docs), tokens: sumLen(ids), digest: idsDigest(ids), perDoc };
}

async function encodeDocs() {
  const docs = readDocs();
  const perDoc = docs.map(() => []);
  // no untimed warm-up pass: the agreement pass has just encoded the start of every document
  // (in `main` the cold pass has encoded every document once too: these passes are warm)
  const { out: ids, ...timing } = await time(
    () =>
      mapAll(
        docs,
        timedEach(perDoc, (d) => peer.encode(d)),
      ),
    peer.async,
    { ...opts(), warmup: 0 },
  );
  const row = {
    ...timing,
    bytes: sumBytes(manifest.docs),
    tokens: sumLen(ids),
    digest: idsDigest(ids),
    perDoc: docSummary(
      perDoc,
      manifest.docs.map((d) => d.bytes),
    ),
  };
  return { ids, row };
}

/**
 * Wraps `f(item, i)` to record each item's own duration in `perItem[i]`, so a document can be
 * compared with the criterion bench that encodes the same document. Cheap next to a 300 KB call.
 */
function timedEach(perItem, f) {
  let i = 0;
  return (item) => {
    const k = i++ % perItem.length;
    const t = nowMs();
    const out = f(item);
    if (out instanceof Promise)
      return out.then((v) => {
        perItem[k].push(nowMs() - t);
        return v;
      });
    perItem[k].push(nowMs() - t);
    return out;
  };
}

/** Per-document min/median over the timed passes (the last `reps` samples of each). */
function docSummary(perDoc, bytes) {
  return perDoc.map((samples, i) => {
    const s = summarize(samples.slice(-job.mode.reps));
    return { name: manifest.docs[i].name, bytes: bytes[i], minMs: s.minMs, medianMs: s.medianMs };
  });
}

async function promptLatency() {
  // Fresh string objects with the prompt's content: nothing can be keyed on identity.
  const pool = Array.from({ length: 64 }, (_, i) => (String(i % 10) + manifest.prompt100).slice(1));
  const pick = (i) => pool[i & 63];
  const o = { calls: job.mode.latencyCalls, budgetMs: job.mode.latencyBudgetMs };
  const us = peer.async ? await latencyAsync((t) => peer.encode(t), pick, o) : latency((t) => peer.encode(t), pick, o);
  return {
    calls: us.length,
    p50Us: percentile(us, 50),
    p99Us: percentile(us, 99),
    minUs: percentile(us, 0),
    bytes: Buffer.byteLength(manifest.prompt100),
    timerOverheadUs: timerOverhead(),
  };
}

function timerOverhead() {
  const us = latency(
    () => {},
    () => 0,
    { calls: 2000, budgetMs: 50, warmup: 100 },
  );
  return percentile(us, 50);
}

async function countPrompts() {
  const prompts = JSON.parse(readFileSync(manifest.prompts.path, 'utf8')).slice(0, manifest.countPrompts.count);
  const count = peer.count ?? (peer.async ? async (t) => (await peer.encode(t)).length : (t) => peer.encode(t).length);
  const { out, ...timing } = await time(() => mapAll(prompts, count));
  return {
    ...timing,
    api: peer.count ? 'count' : 'encode().length',
    bytes: manifest.countPrompts.bytes,
    lines: prompts.length,
    tokens: out.reduce((a, b) => a + b, 0),
    digest: countsDigest(out),
  };
}

async function decodeDocs(idsList) {
  const perDoc = idsList.map(() => []);
  const { out, ...timing } = await time(() =>
    mapAll(
      idsList,
      timedEach(perDoc, (ids) => peer.decode(ids)),
    ),
  );
  const bytes = out.map((s) => Buffer.byteLength(s));
  return {
    ...timing,
    bytes: bytes.reduce((a, b) => a + b, 0),
    tokens: sumLen(idsList),
    digest: textDigest(out),
    perDoc: docSummary(perDoc, bytes),
  };
}

/** Batch encode of the prompt lines, every batch mode the peer has (and a plain loop at 1 thread). */
async function runBatch() {
  const prompts = JSON.parse(readFileSync(manifest.prompts.path, 'utf8'));
  const modes = Object.entries(peer.batch ?? {}).filter(([, m]) => job.threads === 1 || m.parallel);
  // a library without a batch API is used in a loop; that loop is its batch
  if (!modes.length && job.threads === 1) modes.push(['loop', { async: peer.async, run: (ts) => mapAll(ts, (t) => peer.encode(t)) }]);
  const batch = {};
  for (const [name, m] of want('batch') ? modes : []) {
    phase(`batch ${name}`);
    // in `main` the agreement and count passes have just run the same code on these lines: no warm-up
    const { out, ...timing } = await time(() => m.run(prompts), m.async, { ...opts(), warmup: job.group === 'main' ? 0 : 1 });
    batch[name] = {
      ...timing,
      parallel: !!m.parallel,
      bytes: manifest.prompts.bytes,
      lines: prompts.length,
      tokens: sumLen(out),
      digest: idsDigest(out),
    };
    globalThis.gc?.();
  }
  if (want('batch')) part('batch', batch);
  // One document over several threads, for a library that splits it (the others cannot).
  if (job.group === 'batch' && peer.splitsDocs?.() && want('docs')) {
    phase('docs, all threads');
    await mapAll(readDocs(), (d) => peer.encode(d)); // warm the pool's threads
    part('docsParallel', (await encodeDocs()).row);
  }
  if (job.group === 'batch' && want('unique')) {
    phase('unique, all threads');
    if (!want('batch')) await warmUp(); // else (b) has just run the pool and the batch call
    part('unique', await uniqueLines());
  }
}

/** The batch API (i) times: the one marked `primary`, else the first; null without one. */
function primaryBatch() {
  const modes = Object.entries(peer.batch ?? {}).filter(([, m]) => job.threads === 1 || m.parallel);
  return modes.find(([, m]) => m.primary) ?? modes[0] ?? null;
}

/**
 * (i) Lines never shown to this process before, and never twice: repetition r encodes set r of
 * the manifest's disjoint sets, so nothing a cache kept from repetition r-1 is this repetition's
 * line. At 1 thread: single calls on sets 0..reps-1, then the batch API on sets reps..2·reps-1;
 * in the batch group (a fresh process) the batch API at job.threads on sets 0..reps-1. No
 * warm-up pass on these lines (the JIT is warm from the workloads before). Per-set digests let
 * each repetition's ids be compared with ferrotok's for the same set.
 */
async function uniqueLines() {
  const sets = manifest.unique.sets;
  const reps = job.mode.reps;
  const read = (i) => JSON.parse(readFileSync(sets[i].path, 'utf8'));
  const measure = async (first, run, async) => {
    const samples = [],
      digests = [],
      used = [];
    let tokens = 0,
      lines = 0;
    const start = nowMs();
    for (let i = first; i < first + reps; i++) {
      const texts = read(i);
      globalThis.gc?.();
      const t = nowMs();
      const out = async ? await run(texts) : run(texts);
      samples.push(nowMs() - t);
      digests.push(idsDigest(out));
      used.push(i);
      tokens += sumLen(out);
      lines += texts.length;
      if (samples.length >= job.mode.minReps && nowMs() - start > job.mode.repBudgetMs) break;
    }
    // bytes: the mean over the sets used (they agree within ~1%), so MB/s = bytes / median time
    const bytes = used.reduce((n, i) => n + sets[i].bytes, 0) / used.length;
    return { ...summarize(samples), sets: used, bytes, lines: lines / used.length, tokens, digests };
  };
  const out = {};
  if (job.threads === 1) {
    phase('unique, single calls');
    out.single = { api: 'loop', ...(await measure(0, (ts) => mapAll(ts, (t) => peer.encode(t)), peer.async)) };
  }
  const batch = primaryBatch();
  if (batch) {
    const [name, m] = batch;
    phase(`unique, ${name}`);
    out.batch = { api: name, parallel: !!m.parallel, ...(await measure(job.threads === 1 ? reps : 0, m.run, m.async)) };
  }
  return out;
}

/**
 * Hostile inputs, smallest first. Each case is printed as soon as it ends, so when one hangs
 * the orchestrator keeps what finished, kills this process, and reports the rest as timed out.
 */
async function runHostile() {
  await warmUp();
  emit({ type: 'ready' });
  const cases = job.cases ?? manifest.hostile.map((h) => h.id);
  for (const c of manifest.hostile.filter((h) => cases.includes(h.id))) {
    phase(c.id);
    const texts = c.paths.slice(1).map((p) => readFileSync(p, 'utf8'));
    const samples = [];
    let first;
    const start = nowMs();
    for (const text of texts) {
      const t = nowMs();
      const ids = peer.async ? await peer.encode(text) : peer.encode(text);
      samples.push(nowMs() - t);
      first ??= ids;
      if (nowMs() - start > job.mode.hostileBudgetMs) break;
    }
    emit({ type: 'case', id: c.id, ...summarize(samples), bytes: c.bytes, tokens: first.length, digest: idsDigest([first]) });
  }
}

/** Ordinary text through the peer once, untimed: JIT and normal caches warm, as in a server. */
async function warmUp() {
  for (const { text } of JSON.parse(readFileSync(manifest.samples.path, 'utf8')).slice(0, 50)) {
    await peer.encode(text);
  }
}

function sumBytes(items) {
  return items.reduce((n, d) => n + d.bytes, 0);
}

function sumLen(rows) {
  return rows.reduce((n, r) => n + r.length, 0);
}
