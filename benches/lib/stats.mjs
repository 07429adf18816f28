/** Order statistics over timing samples. Median and percentiles use the nearest-rank method. */

export function min(xs) {
  return xs.length ? Math.min(...xs) : NaN;
}

export function percentile(xs, p) {
  if (!xs.length) return NaN;
  const sorted = Float64Array.from(xs).sort();
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

export function median(xs) {
  if (!xs.length) return NaN;
  const s = Float64Array.from(xs).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** { n, min, median } of a list of durations in ms: what every timed row reports. */
export function summarize(samplesMs) {
  return { n: samplesMs.length, minMs: min(samplesMs), medianMs: median(samplesMs), samplesMs };
}
