/**
 * Timing loops. Sync and async variants are separate on purpose: awaiting a sync peer's result
 * would add a microtask per call and charge it for a cost it does not have.
 */
import { summarize } from './stats.mjs';

export const nowMs = () => performance.now();

/** One untimed warm-up, then `reps` timed runs; stops early (after `minReps`) past `budgetMs`. */
export function repeat(fn, { reps, minReps = reps, budgetMs = Infinity, warmup = 1 }) {
  let out;
  for (let i = 0; i < warmup; i++) out = fn();
  const samples = [];
  const start = nowMs();
  while (samples.length < reps) {
    const t = nowMs();
    out = fn();
    samples.push(nowMs() - t);
    if (samples.length >= minReps && nowMs() - start > budgetMs) break;
  }
  return { ...summarize(samples), out };
}

export async function repeatAsync(fn, { reps, minReps = reps, budgetMs = Infinity, warmup = 1 }) {
  let out;
  for (let i = 0; i < warmup; i++) out = await fn();
  const samples = [];
  const start = nowMs();
  while (samples.length < reps) {
    const t = nowMs();
    out = await fn();
    samples.push(nowMs() - t);
    if (samples.length >= minReps && nowMs() - start > budgetMs) break;
  }
  return { ...summarize(samples), out };
}

/**
 * Per-call latency in µs: `calls` calls (fewer if `budgetMs` runs out), each timed alone.
 * `pick(i)` returns the i-th input so the loop itself allocates nothing.
 */
export function latency(fn, pick, { calls, budgetMs, warmup = 200 }) {
  for (let i = 0; i < warmup; i++) fn(pick(i));
  const us = new Float64Array(calls);
  const deadline = nowMs() + budgetMs;
  let n = 0;
  for (; n < calls && (n < 100 || nowMs() < deadline); n++) {
    const input = pick(n);
    const t = process.hrtime.bigint();
    fn(input);
    us[n] = Number(process.hrtime.bigint() - t) / 1e3;
  }
  return us.subarray(0, n);
}

// Deliberately a copy of `latency`, not a shared helper taking a sync-or-async `fn`: one
// `await` inside the sync loop would add a microtask turn to every timed call and inflate
// sub-microsecond latencies.
export async function latencyAsync(fn, pick, { calls, budgetMs, warmup = 200 }) {
  for (let i = 0; i < warmup; i++) await fn(pick(i));
  const us = new Float64Array(calls);
  const deadline = nowMs() + budgetMs;
  let n = 0;
  for (; n < calls && (n < 100 || nowMs() < deadline); n++) {
    const input = pick(n);
    const t = process.hrtime.bigint();
    await fn(input);
    us[n] = Number(process.hrtime.bigint() - t) / 1e3;
  }
  return us.subarray(0, n);
}
