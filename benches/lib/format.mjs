/** Number formatting shared by the report and the chart. */

/** Three significant digits, no exponent: 0.0123, 1.23, 123, 12300. */
export function sig(x, digits = 3) {
  if (x === undefined || x === null || !Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(x)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return x.toFixed(Math.min(decimals, 4));
}

/** Big counts with thousands separators: 12,345. */
export const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');

export const mb = (bytes) => (bytes >= 1e6 ? `${sig(bytes / 1e6)} MB` : `${sig(bytes / 1e3)} KB`);

export const mbps = (bytes, ms) => bytes / 1e3 / ms; // (bytes / 1e6) / (ms / 1e3)

/**
 * "2.1× faster" / "3.4× slower" for `value` against `reference`; `higherIsBetter` picks the side,
 * and `words` the wording (memory reads "smaller" / "larger").
 * Within 3% reads "≈ same".
 */
export function versus(value, reference, higherIsBetter = true, [better, worse] = ['faster', 'slower']) {
  if (!Number.isFinite(value) || !Number.isFinite(reference) || value <= 0 || reference <= 0) return '–';
  const r = higherIsBetter ? value / reference : reference / value;
  if (Math.abs(r - 1) < 0.03) return '≈ same';
  return r > 1 ? `${sig(r, 2)}× ${better}` : `${sig(1 / r, 2)}× ${worse}`;
}

/** Markdown table from a header row and data rows (cells are strings). */
export function table(header, rows, align) {
  const esc = (c) =>
    String(c ?? '')
      .replace(/\|/g, '\\|')
      .replace(/\n/g, ' ');
  const sep = header.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
  return [header, sep, ...rows].map((r) => `| ${r.map((c, _i) => (r === sep ? c : esc(c))).join(' | ')} |`).join('\n');
}
