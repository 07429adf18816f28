/**
 * chart.svg: a grid of horizontal bar charts, one panel per tokenizer (at most four a row) and one
 * band per workload, hand-written SVG (no chart library). ferrotok's bar is orange; Node peers blue; Python native
 * references grey; ⚠ marks a peer whose output differs from ferrotok's.
 */
import { TOKENIZERS } from './paths.mjs';
import { peerByName } from './peers.mjs';
import { REF, batchRows, encodeFlag, mainRows, uniqueRows } from './analyze.mjs';
import { mbps, sig } from './format.mjs';

const PANEL_W = 450;
const LABEL_W = 185;
const ROW_HEAD = 22;
const BAR_H = 15;
const GAP = 4;
const PAD = 14;
const COLORS = { ref: '#e8590c', node: '#4c78a8', python: '#9d9d9d' };
const MAX_COLS = 4;

/** A throughput chart: MB/s of input over `field` (the median pass, or the first for cold). */
const throughput = (key, title, field = 'medianMs') => ({ key, title, unit: 'MB/s', value: (w) => mbps(w.bytes, w[field]) });

const WORKLOADS = [
  throughput('docsCold', '(a) Long documents, cold: first pass in a fresh process, 1 thread — MB/s, higher is better', 'ms'),
  throughput('docs', '(a) Long documents, warm: median of the repeated passes, 1 thread — MB/s'),
  throughput('batch', "(b) Batch encode of the prompt lines (each library's best API per thread count) — MB/s"),
  throughput('unique', "(i) Unique lines, never seen before (each library's best of single calls and batch per thread count) — MB/s"),
  {
    key: 'latency',
    title: '(c) One 100-character prompt, p50 latency per call — µs, lower is better',
    unit: 'µs',
    lowerIsBetter: true,
    value: (w) => w.p50Us,
  },
  { key: 'count', title: '(d) Count tokens of prompt lines — MB/s', unit: 'MB/s', value: (w) => mbps(w.bytes, w.medianMs) },
  { key: 'decode', title: '(e) Decode ids to text — MB/s of output', unit: 'MB/s', value: (w) => mbps(w.bytes, w.medianMs) },
];

export function renderChart(data) {
  const toks = data.meta.tokenizers;
  const rows = WORKLOADS.map((w) => ({ w, panels: toks.map((t) => bars(data, t, w)) })).filter((r) => r.panels.some((p) => p.length));
  const cols = Math.min(MAX_COLS, toks.length);
  // per workload, the height of each line of panels (tokenizers wrap after `cols`)
  const lines = rows.map((r) => chunk(r.panels, cols).map((ps) => Math.max(...ps.map(panelHeight))));
  const bandHeight = (ls) => ROW_HEAD + ls.reduce((a, h) => a + h + PAD, 0);
  const width = PAD + cols * (PANEL_W + PAD);
  const top = 58;
  const height = top + lines.reduce((a, ls) => a + bandHeight(ls), 0) + 24;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    text(
      PAD,
      22,
      `ferrotok vs other tokenizers — ${data.meta.mode} run, ${data.meta.generatedAt.slice(0, 10)}, ${data.meta.machine.cpu}, ${data.meta.machine.cores} cores`,
      { size: 15, weight: 'bold' },
    ),
    legend(PAD, 42),
  ];
  let y = top;
  rows.forEach((row, i) => {
    out.push(text(PAD, y + 14, row.w.title, { size: 13, weight: 'bold' }));
    let py = y + ROW_HEAD;
    row.panels.forEach((barsOf, j) => {
      const col = j % cols;
      if (j > 0 && col === 0) py += lines[i][Math.floor(j / cols) - 1] + PAD;
      out.push(panel(PAD + col * (PANEL_W + PAD), py, TOKENIZERS[toks[j]].label, row.w, barsOf));
    });
    y += bandHeight(lines[i]);
  });
  out.push(
    text(PAD, height - 8, 'Medians. Higher is better except latency. Bars from benches/results/latest.json; method in report.md.', {
      size: 10,
      fill: '#666',
    }),
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function bars(data, tok, w) {
  const list = [];
  if (w.key === 'batch') {
    // per library and thread count, its fastest batch API (ferrotok: sync and async both shown)
    const best = new Map();
    for (const r of batchRows(data, tok).filter((x) => x.w && !peerByName(x.peer)?.baseline)) {
      const key = r.peer === REF ? `${r.peer}/${r.mode}/${r.threads}` : `${r.peer}/${r.threads}`;
      const v = w.value(r.w);
      if (!best.has(key) || best.get(key).value < v) best.set(key, { r, value: v });
    }
    for (const { r, value } of best.values()) list.push(bar(data, tok, r.peer, `${r.threads}t`, value, r.mode, r.same));
  } else if (w.key === 'unique') {
    const best = new Map();
    for (const r of uniqueRows(data, tok).filter((x) => x.w && !peerByName(x.peer)?.baseline)) {
      const key = r.peer === REF ? `${r.peer}/${r.kind}/${r.threads}` : `${r.peer}/${r.threads}`;
      const v = w.value(r.w);
      if (!best.has(key) || best.get(key).value < v) best.set(key, { r, value: v });
    }
    for (const { r, value } of best.values())
      list.push(bar(data, tok, r.peer, `${r.threads}t`, value, r.kind === 'single' ? 'single calls' : r.w.api, r.same));
  } else {
    for (const r of mainRows(data, tok, w.key)) {
      if (r.w && !peerByName(r.peer)?.baseline) list.push(bar(data, tok, r.peer, '', w.value(r.w), '', r.same));
    }
  }
  return list.filter((b) => Number.isFinite(b.value)).sort((a, b) => (w.lowerIsBetter ? a.value - b.value : b.value - a.value));
}

function bar(data, tok, peer, detail, value, note, same) {
  const p = peerByName(peer);
  const flag = encodeFlag(data, peer, tok) || same === false ? ' ⚠' : '';
  return { label: `${p.label}${flag}`, detail, note, value, color: peer === REF ? COLORS.ref : COLORS[p.runtime] };
}

const panelHeight = (b) => 24 + Math.max(1, b.length) * (BAR_H + GAP) + 6;

function panel(x, y, title, w, list) {
  const out = [`<g transform="translate(${x},${y})">`, `<rect width="${PANEL_W}" height="${panelHeight(list)}" fill="#f7f7f7" rx="4"/>`];
  out.push(text(8, 16, title, { weight: 'bold' }));
  if (!list.length) out.push(text(8, 36, 'no data', { fill: '#999' }));
  const max = Math.max(...list.map((b) => b.value));
  const span = PANEL_W - LABEL_W - (list.some((b) => b.note) ? 150 : 70);
  list.forEach((b, i) => {
    const by = 24 + i * (BAR_H + GAP);
    const len = Math.max(1, (b.value / max) * span);
    const name = b.detail ? `${b.label} ${b.detail}` : b.label;
    out.push(text(LABEL_W - 6, by + BAR_H - 4, truncate(name, 30), { anchor: 'end', weight: b.color === COLORS.ref ? 'bold' : 'normal' }));
    out.push(`<rect x="${LABEL_W}" y="${by}" width="${len.toFixed(1)}" height="${BAR_H}" fill="${b.color}" rx="2"/>`);
    out.push(text(LABEL_W + len + 4, by + BAR_H - 4, `${sig(b.value)} ${w.unit}`));
    if (b.note) out.push(text(LABEL_W + len + 70, by + BAR_H - 4, truncate(b.note, 22), { fill: '#777', size: 10 }));
  });
  out.push('</g>');
  return out.join('\n');
}

function legend(x, y) {
  const items = [
    ['ferrotok', COLORS.ref],
    ['Node libraries', COLORS.node],
    ['Python native references', COLORS.python],
  ];
  return (
    items
      .map(([label, color], i) => {
        const lx = x + i * 190;
        return `<rect x="${lx}" y="${y - 9}" width="12" height="12" fill="${color}" rx="2"/>${text(lx + 17, y + 1, label)}`;
      })
      .join('\n') + text(x + 3 * 190, y + 1, '⚠ = output differs from ferrotok', { fill: '#a00' })
  );
}

function text(x, y, s, { size, weight, anchor, fill } = {}) {
  const attrs = [
    `x="${x.toFixed(1)}"`,
    `y="${y.toFixed(1)}"`,
    size && `font-size="${size}"`,
    weight && weight !== 'normal' && `font-weight="${weight}"`,
    anchor && `text-anchor="${anchor}"`,
    fill && `fill="${fill}"`,
  ].filter(Boolean);
  return `<text ${attrs.join(' ')}>${esc(s)}</text>`;
}

const chunk = (xs, n) => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n));
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const truncate = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
