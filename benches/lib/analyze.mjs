/**
 * Turns raw child results into comparable rows: agreement with ferrotok, throughput per workload,
 * ratios to ferrotok, and hostile-input growth. The report and the chart only format these.
 */
import { mbps } from './format.mjs';
import { peerByName } from './peers.mjs';

export const REF = 'ferrotok';
const _LINEAR_MAX_EXPONENT = 1.25; // t ∝ n^k; up to 1.25 counts as linear (cache and GC noise)

export function runsOf(data, { peer, tokenizer, group, threads } = {}) {
  return data.runs.filter(
    (r) =>
      (!peer || r.peer === peer) &&
      (!tokenizer || r.tokenizer === tokenizer) &&
      (!group || r.group === group) &&
      (threads === undefined || r.threads === threads),
  );
}

export const mainRun = (data, peer, tokenizer) => runsOf(data, { peer, tokenizer, group: 'main' })[0];

/**
 * How a peer's outputs compare with ferrotok's on the agreement samples (the child compared them:
 * { samples, encode: { n, first }, decode: {…}, count: {…} | null }), or null when not checked.
 */
export function agreement(data, peer, tokenizer) {
  const check = mainRun(data, peer, tokenizer)?.result?.check;
  return check?.encode ? check : null;
}

/** Timed outputs whose ids differ from ferrotok's (documents, counts, batches, hostile inputs). */
export function timedEncodeDiffs(data, peer, tokenizer) {
  const out = [];
  const names = { docs: 'long docs', docsCold: 'long docs (cold)', count: 'count' };
  for (const key of ['docs', 'docsCold', 'count']) {
    if (mainRows(data, tokenizer, key).find((r) => r.peer === peer)?.same === false) out.push(names[key]);
  }
  if (batchRows(data, tokenizer).some((r) => r.peer === peer && r.same === false)) out.push('batch');
  const unique = uniqueRows(data, tokenizer).filter((r) => r.peer === peer && r.same === false);
  const sets = unique.reduce((n, r) => n + r.w.diffSets, 0);
  if (unique.length) out.push(`unique lines (${sets} set${sets === 1 ? '' : 's'})`);
  const mine = mainRun(data, peer, tokenizer)?.cases ?? {};
  const ref = mainRun(data, REF, tokenizer)?.cases ?? {};
  const hostile = Object.keys(mine).filter((id) => mine[id].digest && ref[id]?.digest && mine[id].digest !== ref[id].digest);
  if (hostile.length) out.push(`hostile (${hostile.join(', ')})`);
  return out;
}

/** '⚠' when a peer's ids differ from ferrotok's anywhere: agreement samples or timed outputs. */
export function encodeFlag(data, peer, tokenizer) {
  if (peer === REF || peerByName(peer)?.baseline) return '';
  const a = agreement(data, peer, tokenizer);
  return a?.encode.n || timedEncodeDiffs(data, peer, tokenizer).length ? '⚠' : '';
}

/** Compares a timed output's digest with ferrotok's for the same work: true, false or null. */
export function sameOutput(digest, refDigest) {
  if (!digest || !refDigest) return null;
  return digest === refDigest;
}

/** One row per (peer, mode, threads) for a throughput workload of the main group. */
export function mainRows(data, tokenizer, key) {
  const rows = [];
  for (const run of runsOf(data, { tokenizer, group: 'main' }).concat(baselineRuns(data, 'main'))) {
    const w = run.result?.[key];
    const ref = mainRun(data, REF, tokenizer)?.result?.[key];
    rows.push({ run, peer: run.peer, w, ref, status: statusOf(run, w), same: sameOutput(w?.digest, ref?.digest) });
  }
  return rows;
}

export function baselineRuns(data, group) {
  return data.runs.filter((r) => (!group || r.group === group) && peerByName(r.peer)?.baseline);
}

export function statusOf(run, w) {
  if (run.status !== 'ok') return run.status;
  return w ? 'ok' : 'not measured';
}

export const throughput = (w) => (w ? { median: mbps(w.bytes, w.medianMs), best: mbps(w.bytes, w.minMs) } : null);

/** Batch rows: every mode and thread count; the reference is ferrotok's best mode at the same threads. */
export function batchRows(data, tokenizer) {
  const rows = [];
  const runs = runsOf(data, { tokenizer })
    .concat(baselineRuns(data))
    .filter((r) => r.status === 'ok' || r.result?.batch || r.group === 'batch');
  for (const run of runs) {
    const modes = Object.entries(run.result?.batch ?? {});
    if (!modes.length && (run.group === 'batch' || run.status !== 'ok'))
      rows.push({ run, peer: run.peer, mode: '–', threads: run.threads, status: run.status === 'ok' ? 'not measured' : run.status });
    for (const [mode, w] of modes) rows.push({ run, peer: run.peer, mode, threads: run.threads, w, status: 'ok' });
  }
  const refDigest = mainRun(data, REF, tokenizer)?.result?.batch?.encodeBatch?.digest;
  for (const r of rows) {
    r.same = sameOutput(r.w?.digest, refDigest);
    r.ref = bestBatch(data, tokenizer, r.threads);
  }
  const rank = (r) => r.threads + (peerByName(r.peer)?.baseline ? 100 : 0); // baselines last
  return rows.sort((a, b) => rank(a) - rank(b));
}

export function bestBatch(data, tokenizer, threads) {
  const run = runsOf(data, { peer: REF, tokenizer, threads }).find((r) => r.result?.batch);
  const modes = Object.entries(run?.result?.batch ?? {}).filter(([m]) => m !== 'loop');
  if (!modes.length) return null;
  return modes.map(([mode, w]) => ({ mode, w })).sort((a, b) => a.w.medianMs - b.w.medianMs)[0];
}

/**
 * (i) unique-lines rows: per run, its single-call loop (1 thread) and its batch API. The
 * reference is ferrotok's row of the same kind at the same thread count; outputs are compared set
 * by set with ferrotok's digests of the same sets (any of its runs: ids do not depend on threads).
 */
export function uniqueRows(data, tokenizer) {
  const refDigests = new Map();
  for (const run of runsOf(data, { peer: REF, tokenizer })) {
    for (const w of Object.values(run.result?.unique ?? {})) {
      w.sets.forEach((set, i) => {
        refDigests.set(set, w.digests[i]);
      });
    }
  }
  const rows = [];
  const runs = runsOf(data, { tokenizer })
    .filter((r) => r.group !== 'hostile')
    .concat(baselineRuns(data).filter((r) => r.group === 'main'));
  for (const run of runs) {
    const u = run.result?.unique;
    if (!u) {
      if (run.status !== 'ok' && run.group === 'main')
        rows.push({ run, peer: run.peer, kind: 'single', threads: run.threads, status: run.status });
      continue;
    }
    for (const kind of ['single', 'batch']) {
      const w = u[kind];
      if (!w) continue;
      const known = w.sets.map((set, i) => [refDigests.get(set), w.digests[i]]).filter(([ref]) => ref);
      w.diffSets = known.filter(([ref, own]) => ref !== own).length;
      const same = !known.length ? null : w.diffSets === 0;
      rows.push({ run, peer: run.peer, kind, threads: run.threads, w, status: 'ok', same });
    }
  }
  for (const r of rows) {
    r.ref = rows.find((x) => x.peer === REF && x.kind === r.kind && x.threads === r.threads && x.w)?.w ?? null;
  }
  const rank = (r) => (r.kind === 'single' ? 0 : 10) + r.threads + (peerByName(r.peer)?.baseline ? 100 : 0);
  return rows.sort((a, b) => rank(a) - rank(b));
}

/** Runs that carry hostile cases, for one tokenizer. */
export const hostileRuns = (data, tokenizer) =>
  runsOf(data, { tokenizer, group: 'main' }).filter((r) => r.cases || (r.status !== 'ok' && !peerByName(r.peer)?.baseline));

/**
 * Hostile growth. For each pair of consecutive sizes (10x apart) the time ratio gives k, the
 * exponent in t ∝ n^k; a timeout after a finished size gives a lower bound. The verdict is the
 * worst evidence: k < 1.3 linear (cache effects at 1 MB push k a little above 1), up to 1.6 mildly
 * super-linear, beyond that super-linear (k ≈ 2 is quadratic).
 */
export function growth(cases, sizes) {
  const pairs = [];
  for (let i = 1; i < sizes.length; i++) {
    const a = cases[sizes[i - 1].id],
      b = cases[sizes[i].id];
    if (a?.status !== 'ok' || !(b?.status === 'ok' || b?.status === 'timed out')) continue;
    const exact = b.status === 'ok';
    const ratio = (exact ? b.minMs : b.capMs) / a.minMs;
    pairs.push({ from: sizes[i - 1], to: sizes[i], ratio, k: Math.log(ratio) / Math.log(sizes[i].bytes / sizes[i - 1].bytes), exact });
  }
  if (!pairs.length) return { verdict: 'n/a' };
  const worst = pairs.reduce((w, p) => (p.k > w.k ? p : w));
  const largest = pairs[pairs.length - 1];
  const shown = worst.k >= 1.3 ? worst : largest;
  return { ...shown, verdict: verdictOf(shown) };
}

function verdictOf({ k, exact }) {
  const level = k >= 1.6 ? 'super-linear' : k >= 1.3 ? 'mildly super-linear' : 'linear';
  if (exact) return level;
  return level === 'linear' ? 'timed out' : `${level} (timed out)`;
}
